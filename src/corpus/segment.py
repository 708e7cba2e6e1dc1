"""Segment cleaned text into tokens, keeping the slogans of the genre whole.

jieba is the segmenter, loaded into an isolated ``jieba.Tokenizer`` (never
the global one) with the domain lexicon (``lexicon.tsv``, see :mod:`corpus.lexicon`), so
高质量发展, 两个维护 and 职工之家 stay one token. rjieba, a Rust port that is
token-identical (checked by a test on the whole corpus), is used when it is
installed (``engine="auto"``); jieba stays the reference and the fallback.

:func:`segment_docs` returns the **tokens frame**, one row per token (:func:`count_docs` the same
counted per paragraph, without the word order, :class:`DocTermCounts`):

=======  =====  ===============================================================
column   dtype  meaning
=======  =====  ===============================================================
doc_id   cat    the speech's ``id`` (categorical: one code per token)
para     int32  paragraph, as in :func:`corpus.clean.split_paragraphs`
pos      int32  0-based position of the token in the speech
token    cat    the token (whitespace is never a token); categorical: each
                distinct word is stored once, ~4 bytes a token
is_stop  bool   stopword, punctuation, number or the placeholder □
=======  =====  ===============================================================

Segmentation is cached on disk per speech (:mod:`corpus.tokencache`), keyed
by a hash of the cleaned text, the engine and its version, the lexicon and the
options (not the stopwords: ``is_stop`` is recomputed, which is cheap). A
damaged entry, or a cache folder that cannot be written, never stops a run:
the speeches are segmented again and one line says so. :func:`count_docs` can also keep one snapshot of a
corpus's counts (``CACHE/counts``), so that a rerun reads only the speeches the snapshot lacks.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import config
from .arrays import encode_strings
from .clean import paragraphs_of
from .errors import CorpusError
from .lexicon import MAX_FREQ, genre_words, mark_stopwords, read_lexicon, read_stopwords
from .memory import become_worker, release_memory
from .speechcache import SpeechCache, cache_notes, entry_key
from .spill import PairStore
from .tokencache import TokenCache, empty_chunk

if TYPE_CHECKING:
    from scipy import sparse

TOKEN_COLUMNS = ("doc_id", "para", "pos", "token", "is_stop")
ENGINES = config.ENGINES

_CACHE_VERSION = "2"
# Above this many characters to segment, use worker processes (jieba) and a progress bar.
PARALLEL_MIN_CHARS = {"jieba": 1_000_000, "rjieba": 30_000_000}
PROGRESS_MIN_SECONDS = 3.0
BATCH_CHARS = 2_000_000  # about 1 M tokens: the most held as Python objects at once
_READ_KEYS = 500  # cache entries read and counted at once (count_docs)
_CHARS_PER_SECOND = {"jieba": 450_000, "rjieba": 9_000_000}
# The largest lexicon frequency handed to the engine. jieba's most frequent word (的) has 318,825; rjieba keeps
# frequencies and their total in 64-bit integers, so 2**64 crashed it and a few near it overflow the total.


# --------------------------------------------------------------------------- the segmenter

_ENGINES: dict[str, object] = {}  # one loaded tokenizer per process and fingerprint


def available_engine() -> str:
    """``"rjieba"`` if it is installed, else ``"jieba"``."""
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return "jieba"
    return "rjieba"


@dataclass(frozen=True)
class Segmenter:
    """jieba (or rjieba) with a lexicon; cheap to create, loads its dictionary on first use.

    Parameters
    ----------
    terms : tuple of str
        Lexicon terms, added in this order with jieba's suggested frequency
        (``add_word(term)``); terms jieba already knows are left as they are.
    freqs : tuple of int
        A frequency per term, or 0 for the suggested one.
    engine : {"jieba", "rjieba"}
    hmm : bool
        jieba's HMM for unknown words (jieba's default, True).
    """

    terms: tuple[str, ...] = ()
    freqs: tuple[int, ...] = ()
    engine: str = "jieba"
    hmm: bool = True

    @cached_property
    def fingerprint(self) -> str:
        """Hash of everything the tokens depend on."""
        digest = hashlib.sha256()
        for part in (_CACHE_VERSION, self.engine, config.package_version(self.engine), config.package_version("jieba"),
                     str(self.hmm), *self.terms, *map(str, self.freqs)):
            digest.update(part.encode("utf-8") + b"\x00")
        return digest.hexdigest()

    def _tokenizer(self):
        tokenizer = _ENGINES.get(self.fingerprint)
        if tokenizer is None:
            freqs = self.freqs or (0,) * len(self.terms)
            tokenizer = _ENGINES[self.fingerprint] = _build(self.engine, tuple(zip(self.terms, freqs, strict=False)))
        return tokenizer

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """``(token, start, end)`` for each token of ``text``, whitespace left out."""
        tokenizer = self._tokenizer()
        pieces = tokenizer.cut(text, self.hmm) if self.engine == "rjieba" else tokenizer.lcut(text, HMM=self.hmm)
        spans, start = [], 0
        for piece in pieces:
            end = start + len(piece)
            if piece.strip():
                spans.append((piece, start, end))
            start = end
        return spans

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text``; whitespace is never a token."""
        tokenizer = self._tokenizer()
        pieces = tokenizer.cut(text, self.hmm) if self.engine == "rjieba" else tokenizer.lcut(text, HMM=self.hmm)
        return [p for p in pieces if p.strip()]


def _build(engine: str, words: tuple[tuple[str, int], ...]):
    if engine == "rjieba":
        import rjieba

        tokenizer = rjieba.Jieba()
        for term, freq in words:
            if freq or not tokenizer.has_word(term):
                tokenizer.add_word(term, freq or None, None)
        return tokenizer
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for term, freq in words:
        # A word jieba already knows keeps its frequency; adding it again would only inflate the
        # dictionary total and shift every other word's probability (and rjieba counts it differently).
        if freq or not tokenizer.FREQ.get(term):
            tokenizer.add_word(term, freq or None)
    return tokenizer


def make_segmenter(
    *,
    lexicon: str | Path | pd.DataFrame | None = None,
    stopwords: str | Path | None = None,
    engine: str = "auto",
    hmm: bool = True,
) -> Segmenter:
    """A :class:`Segmenter` with the domain lexicon and the genre's fillers.

    Parameters
    ----------
    lexicon : path or DataFrame, optional
        A lexicon file or a ``term, category`` frame; the shipped lexicon by
        default. Pass an empty frame for plain jieba.
    stopwords : path, optional
        Project stopword file whose multi-character words are added (see
        :func:`genre_words`); the shipped one by default.
    engine : {"auto", "jieba", "rjieba"}
        ``"auto"`` takes rjieba when installed, else jieba.
    hmm : bool
        jieba's HMM for unknown words.
    """
    if engine not in ENGINES:
        raise CorpusError(f"engine {engine!r} is not one of {', '.join(ENGINES)}")
    if engine == "auto":
        engine = available_engine()
    elif engine == "rjieba" and available_engine() != "rjieba":
        raise CorpusError("engine 'rjieba' is not installed; pip install rjieba, or use --engine jieba")
    frame = lexicon if isinstance(lexicon, pd.DataFrame) else read_lexicon(lexicon)
    terms = tuple(frame["term"])
    freqs = tuple(int(f) for f in frame["freq"]) if "freq" in frame else (0,) * len(terms)
    _check_freqs(terms, freqs, source=None if isinstance(lexicon, pd.DataFrame) else _lexicon_source(lexicon))
    if not (isinstance(lexicon, pd.DataFrame) and frame.empty):
        extra = tuple(w for w in genre_words(stopwords) if w not in set(terms))
        terms, freqs = terms + extra, freqs + (0,) * len(extra)
    return Segmenter(terms=terms, freqs=freqs, engine=engine, hmm=hmm)


def _lexicon_source(lexicon: str | Path | None) -> str:
    """The lexicon file :func:`make_segmenter` reads for ``lexicon`` (a path, or None for the shipped one)."""
    return str(lexicon) if lexicon is not None else str(config.resource(config.LEXICON_FILE))


def _check_freqs(terms: tuple[str, ...], freqs: tuple[int, ...], *, source: str | None) -> None:
    """Refuse a frequency the engine cannot hold, naming the file and line when the lexicon came from a file."""
    for term, freq in zip(terms, freqs, strict=True):
        if not 0 <= freq <= MAX_FREQ:
            where = _term_line(source, term) if source else f"lexicon term {term!r}"
            raise CorpusError(f"{where}: frequency {freq} is out of range; give a whole number from 1 to "
                              f"{MAX_FREQ:_} (jieba's most frequent word has 318_825), or none for the suggested one")


def _term_line(source: str, term: str) -> str:
    """``FILE line N`` of the lexicon line that defines ``term`` (``FILE`` alone if it cannot be found)."""
    try:
        lines = Path(source).read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return source
    for number, line in enumerate(lines, start=1):
        if line.split("\t")[0].strip() == term and not line.lstrip().startswith("#"):
            return f"{source} line {number}"
    return source


def segment_text(text: str, *, segmenter: Segmenter | None = None) -> list[str]:
    """Tokens of one text (no cleaning is applied).

    Examples
    --------
    >>> segment_text("推动高质量发展，坚决做到两个维护")       # doctest: +SKIP
    ['推动', '高质量发展', '，', '坚决', '做到', '两个维护']
    """
    return (segmenter or make_segmenter()).cut(text)


# --------------------------------------------------------------------------- segmenting documents


def segment_key(segmenter: Segmenter, text_clean: str) -> str:
    """The cache key of a cleaned text's tokens: the text and the segmenter (engine, version, lexicon, options)."""
    return hashlib.sha256(f"{segmenter.fingerprint}\x00{text_clean}".encode()).hexdigest()


def segment_keys(docs: pd.DataFrame, segmenter: Segmenter) -> list[str]:
    """:func:`segment_key` of each speech's ``text_clean``."""
    return [segment_key(segmenter, text) for text in docs["text_clean"]]


def segment_rows(segmenter: Segmenter, batch: list[tuple[str, str]]) -> pa.Table:
    """Rows ``key, para, tokens`` for a batch of ``(key, text_clean)`` speeches, as Arrow at once (a cache entry
    per speech: :func:`segment_key`).

    Python lists of tokens cost ~60 bytes a token; a batch's are freed as soon
    as it is converted, so memory follows the batch, not the corpus.
    """
    keys, paras, tokens = [], [], []
    for key, text in batch:
        for i, paragraph in enumerate(paragraphs_of(text)):
            keys.append(key)
            paras.append(i)
            tokens.append(segmenter.cut(paragraph))
    return pa.table({"key": pa.array(keys, pa.string()), "para": pa.array(paras, pa.int32()),
                     "tokens": pa.array(tokens, pa.list_(pa.string()))})


def batches_of(work: list, n: int, *, sizes: list[int] | None = None) -> list[list]:
    """``n`` runs of consecutive speeches of about equal size (``sizes``; default the length of each
    ``(key, text)``'s text).

    Consecutive, so that the results come back in the docs' order and need no
    re-sorting (a copy of every token) when the frame is built.
    """
    sizes = [len(text) for _, text in work] if sizes is None else sizes
    target = sum(sizes) / max(n, 1)
    batches, current, filled = [], [], 0
    for item, size in zip(work, sizes, strict=True):
        current.append(item)
        filled += size
        if filled >= target * (len(batches) + 1) and len(batches) < n - 1:
            batches.append(current)
            current = []
    return batches + ([current] if current else [])


def _run(segmenter: Segmenter, work: list, *, n_jobs: int | None, progress: bool | None,
         backend: str | None = None, sizes: list[int] | None = None,
         prepare: Callable | None = None) -> Iterator[pa.Table]:
    """Segment ``work`` in batches; yield each batch's rows ``key, para, tokens`` in order, as it is done
    (``sizes`` and ``prepare`` as for :func:`run_in_batches`)."""
    # Workers build the tokenizer once each (module cache), not once per document.
    return run_in_batches(segment_rows, segmenter, work, n_jobs=n_jobs, progress=progress, backend=backend,
                          chars_per_second=_CHARS_PER_SECOND[segmenter.engine],
                          parallel_min_chars=PARALLEL_MIN_CHARS[segmenter.engine], desc="segmenting",
                          sizes=sizes, prepare=prepare)


def run_in_batches(function: Callable, setting, work: list, *, n_jobs: int | None,
                   progress: bool | None, backend: str | None, chars_per_second: float, parallel_min_chars: int,
                   desc: str, sizes: list[int] | None = None, prepare: Callable | None = None) -> Iterator:
    """``function(setting, batch)`` for consecutive batches of ``(key, text)`` work; yield each result in order.

    In this process for small work, else on worker processes (joblib's loky, 2 at most on a laptop), or, with
    ``backend`` (e.g. ``"dask"`` inside a ``dask.distributed.Client``), wherever that joblib backend sends it.
    A progress bar (characters done) when the work is expected to take more than a few seconds at
    ``chars_per_second``, or as ``progress`` says.

    With ``prepare``, ``work`` holds whatever it turns into ``(key, text)`` batches (``prepare(batch)``), called in
    this process as each batch is sent, so that only the batches in flight hold their texts; ``sizes`` then
    gives each item's number of characters.
    """
    sizes = [len(text) for _, text in work] if sizes is None else list(sizes)
    n_chars = sum(sizes)
    if progress is None:
        progress = n_chars / chars_per_second > PROGRESS_MIN_SECONDS
    if backend is not None:
        n_jobs = n_jobs or -1  # a cluster decides how many workers there are
    elif n_jobs is None:
        n_jobs = min(2, os.cpu_count() or 1) if n_chars >= parallel_min_chars else 1
    n_batches = max(1 if n_jobs == 1 and not progress else max(n_jobs, 1) * 8, n_chars // BATCH_CHARS)
    numbered = batches_of(list(enumerate(work)), min(n_batches, len(work)) or 1, sizes=sizes)
    batches = [[item for _, item in batch] for batch in numbered]
    batch_chars = [sum(sizes[i] for i, _ in batch) for batch in numbered]
    inputs = (prepare(batch) for batch in batches) if prepare is not None else iter(batches)
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_chars, unit="char", unit_scale=True, desc=desc)
    from joblib import Parallel, delayed, parallel_config

    # Local workers ignore Ctrl-C, which reaches the whole process group: this process answers it with one line and
    # stops them. They end with this process even after kill -9 (loky's would otherwise run on for minutes).
    local = {} if backend is not None else {"initializer": become_worker, "initargs": (os.getpid(),)}
    with parallel_config(backend=backend or "loky", **local) if n_jobs != 1 else contextlib.nullcontext():
        if n_jobs == 1:
            outputs = (function(setting, batch) for batch in inputs)
        else:
            outputs = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(function)(setting, b) for b in inputs)
        try:
            for chars, output in zip(batch_chars, outputs, strict=False):
                yield output
                if progress:
                    bar.update(chars)
        finally:
            with warnings.catch_warnings():  # stopped early (Ctrl-C, an error): joblib warns of the work cancelled
                warnings.filterwarnings("ignore", "(?s).*tasks .*(cancelled|not used)", UserWarning)
                outputs.close()
    if progress:
        bar.close()


def _token_cache(cache_dir: str | Path | bool) -> TokenCache | None:
    folder = config.cache_folder(cache_dir)
    return None if folder is None else TokenCache(folder)


def segment_docs(
    docs: pd.DataFrame,
    *,
    segmenter: Segmenter | None = None,
    stopwords: frozenset[str] | None = None,
    cache_dir: str | Path | bool = True,
    n_jobs: int | None = None,
    progress: bool | None = None,
    backend: str | None = None,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Segment every speech's ``text_clean`` into the tokens frame.

    Parameters
    ----------
    docs : pandas.DataFrame
        A cleaned docs frame (``id``, ``text_clean``).
    segmenter : Segmenter, optional
        Default: :func:`make_segmenter` (shipped lexicon, fastest engine).
    stopwords : frozenset of str, optional
        Default: :func:`read_stopwords`.
    cache_dir : path or bool
        Where segmentation is cached: True (default) for
        :func:`corpus.config.cache_dir`, a folder, or False for no cache.
    n_jobs : int, optional
        Worker processes; by default 2 for large inputs, else 1.
    progress : bool, optional
        Show a progress bar; by default when the work takes more than a few seconds.
    backend : str, optional
        A joblib backend for the work, e.g. ``"dask"`` to send it to the
        workers of the running ``dask.distributed.Client`` (``pip install
        'corpus[dask]'``); default: local processes for large inputs.
    log : callable, optional
        Receives one line when cache entries were damaged (deleted and
        segmented again) or the cache cannot be written (the tokens are still
        returned); default: a warning of the ``corpus`` logger, which Python
        prints on stderr when logging is not set up.

    Returns
    -------
    pandas.DataFrame
        The tokens frame (module docstring). ``frame.attrs["segmented"]`` and
        ``frame.attrs["cached"]`` count the speeches segmented now and read
        from the cache.
    """
    segmenter = segmenter or make_segmenter()
    stopwords = read_stopwords() if stopwords is None else stopwords
    keys, tables, tally = _speech_tables(docs, segmenter=segmenter, cache_dir=cache_dir, n_jobs=n_jobs,
                                         progress=progress, backend=backend, log=log)
    table = pa.concat_tables([empty_chunk(), *tables])
    release_memory()  # the texts and the workers' results, before the frame is built
    tokens = _to_frame(table, keys, docs["id"].tolist(), stopwords, keep=segmenter.terms)
    tokens.attrs.update(tally)
    return tokens


def _speech_tables(docs: pd.DataFrame, *, segmenter: Segmenter, cache_dir, n_jobs, progress, backend,
                   log, keys: list[str] | None = None,
                   clean: Callable[[pd.DataFrame], Iterator[pd.DataFrame]] | None = None,
                   ) -> tuple[list[str], Iterator[pa.Table], dict[str, int]]:
    """The speeches' keys, their rows ``key, para, tokens`` (cached first, then segmented now, each in batches
    as they come), and how many were segmented and read from the cache (filled in once the rows are consumed).

    The rows of one speech are always together in one table. ``keys`` and ``clean`` as for :func:`count_docs`.
    """
    # One text at a time: a list of every text as Python strings would be ~200 MB at 10,000 speeches.
    keys = segment_keys(docs, segmenter) if keys is None else keys
    cache = _token_cache(cache_dir)
    unique = list(dict.fromkeys(keys))
    tally = {"segmented": 0, "cached": 0}

    def segmented(missing: list[int]) -> Iterator[pa.Table]:
        """The rows of the speeches at the positions ``missing`` (one each per key), segmented now."""
        if "text_clean" in docs.columns:
            return _run(segmenter, [(keys[i], docs["text_clean"].iat[i]) for i in missing], n_jobs=n_jobs,
                        progress=progress, backend=backend)
        if clean is None:
            raise ValueError("docs without text_clean need clean= to read the texts of speeches not cached")

        def with_texts(batch: list[tuple[str, int]]) -> list[tuple[str, str]]:  # read as each batch is sent
            cleaned = pd.concat(list(clean(docs.iloc[[i for _, i in batch]])))
            return list(zip([key for key, _ in batch], cleaned["text_clean"], strict=True))

        return _run(segmenter, [(keys[i], i) for i in missing], n_jobs=n_jobs, progress=progress, backend=backend,
                    sizes=[int(docs["n_chars"].iat[i]) for i in missing], prepare=with_texts)

    def tables() -> Iterator[pa.Table]:
        have = set()
        for lo in range(0, len(unique) if cache is not None else 0, _READ_KEYS):
            cached = cache.get(unique[lo:lo + _READ_KEYS])
            have.update(cached["key"].unique().to_pylist())
            if cached.num_rows:
                yield cached
        first = {}  # each key not cached: its first speech
        for i, key in enumerate(keys):
            if key not in have:
                first.setdefault(key, i)
        tally.update(segmented=len(first), cached=len(unique) - len(first))
        if first:
            batches = segmented(list(first.values()))
            # Through the cache, batch by batch: the results never pile up in memory.
            yield from (cache.put_each(batches) if cache is not None else batches)
        if cache is not None:
            for line in cache_notes(cache):
                (log or _warn)(line)

    return keys, tables(), tally


def count_docs(
    docs: pd.DataFrame,
    *,
    segmenter: Segmenter | None = None,
    stopwords: frozenset[str] | None = None,
    cache_dir: str | Path | bool = True,
    n_jobs: int | None = None,
    progress: bool | None = None,
    backend: str | None = None,
    log: Callable[[str], None] | None = None,
    snapshot: str | None = None,
    keys: Sequence[str] | None = None,
    clean: Callable[[pd.DataFrame], Iterator[pd.DataFrame]] | None = None,
    paragraphs_of: Collection[str] | None = None,
) -> DocTermCounts:
    """Segment every speech's ``text_clean`` (or read it from the cache) and count its tokens per paragraph.

    The same work as :func:`segment_docs`, without the tokens frame: each
    speech's tokens are counted as they are read or segmented, so memory
    grows with the distinct (paragraph, word) pairs, not with the tokens (at
    10,000 speeches the frame alone held ~500 MB). Term counts, keyness, TF-IDF,
    similarity, the documents table and topic units take either.

    Parameters
    ----------
    snapshot : str, optional
        A name for this corpus (the report gives its data folder). The counts are then kept in the cache as one
        file (the snapshot, ``CACHE/counts``), and the next call with the same name and segmenter starts from
        it: only the speeches it lacks are read from the per-speech cache (or segmented), the rest are taken
        from the snapshot whole, with the same result. Reading 10,000 cached speeches one by one took 11 s.
    keys : sequence of str, optional
        Each speech's :func:`segment_key`, for docs without ``text_clean`` (the report, which does not hold
        every text at once); default: from ``text_clean``.
    clean : callable, optional
        For docs without ``text_clean``: gives a selection of them back cleaned, in slices
        (:func:`corpus.clean.clean_batches` with its cache), for the speeches the token cache does not hold.
    paragraphs_of : collection of str, optional
        Keep paragraph rows for these speech ids only (the report: the speeches topics are estimated from,
        :func:`corpus.topics.topic_docs`); every other speech is one row, ``para`` -1, its paragraphs summed.
        At 10,000 speeches that halves the counts (22 M to 10 M pairs). Default: every speech by paragraph.
    **others
        As :func:`segment_docs`.

    Returns
    -------
    DocTermCounts
        ``attrs["segmented"]`` and ``attrs["cached"]`` count the speeches segmented now and read from the cache
        (the snapshot included).
    """
    segmenter = segmenter or make_segmenter()
    stopwords = read_stopwords() if stopwords is None else stopwords
    keys = segment_keys(docs, segmenter) if keys is None else list(keys)
    folder = config.cache_folder(cache_dir) if snapshot is not None else None
    store = SpeechCache(folder, "counts") if folder is not None else None
    name = entry_key("counts", _CACHE_VERSION, segmenter.fingerprint, snapshot or "")
    previous = _read_snapshot(store.open(name)) if store is not None else None
    doc_ids = docs["id"].tolist()
    whole = set() if paragraphs_of is None else _whole_keys(keys, doc_ids, set(paragraphs_of))
    known = set(previous.keys) if previous is not None else set()
    # a speech the snapshot holds in the other form (whole, or by paragraph) is counted again
    kept = known.intersection(keys) - (whole ^ _whole_in(previous))
    todo = [i for i, key in enumerate(keys) if key not in kept]
    todo_keys, tables, tally = _speech_tables(docs.iloc[todo], keys=[keys[i] for i in todo], clean=clean,
                                              segmenter=segmenter, cache_dir=cache_dir,
                                              n_jobs=n_jobs, progress=progress, backend=backend, log=log)
    builder = _CountBuilder(whole=whole)
    for table in tables:
        builder.add(table)
    fresh = builder.build(todo_keys, [doc_ids[i] for i in todo], stopwords, keep=segmenter.terms)
    counts = fresh if previous is None else _combine(previous, fresh, keys, kept, doc_ids, stopwords,
                                                     keep=segmenter.terms)
    stores = (builder.pairs, fresh.store, counts.store, *((previous.pairs,) if previous is not None else ()))
    for reason in dict.fromkeys(store.fallback for store in stores if store.fallback):
        (log or _warn)(f"counts kept in memory: no room for them in a temporary file ({reason}); "
                       "set TMPDIR to a folder with room")
    if store is not None and (todo or known != kept):
        store.replace(name, _SNAPSHOT_SCHEMA, _snapshot_batches(counts, keys))
    if store is not None:
        for line in cache_notes(store):
            (log or _warn)(line)
    counts.attrs.update(segmented=tally["segmented"], cached=tally["cached"] + len(kept))
    return counts


def _whole_keys(keys: list[str], doc_ids: list[str], paragraphs_of: set[str]) -> set[str]:
    """The keys counted whole: those of no speech in ``paragraphs_of`` (two ids may share a text)."""
    by_paragraph = {key for key, doc_id in zip(keys, doc_ids, strict=True) if doc_id in paragraphs_of}
    return set(keys) - by_paragraph


def _whole_in(snapshot: _Snapshot | None) -> set[str]:
    """The keys a snapshot holds counted whole (one row, para -1)."""
    if snapshot is None:
        return set()
    return {snapshot.keys[k] for k in np.unique(snapshot.row_key[snapshot.row_para == -1])}


def _warn(line: str) -> None:
    logging.getLogger("corpus").warning(line)


def _to_frame(table: pa.Table, keys: list[str], doc_ids: list[str], stopwords: frozenset[str], *,
              keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Flatten ``key, para, tokens`` rows into the tokens frame, in docs order.

    Two ids whose cleaned texts are equal share a key; each gets the tokens.
    At 10,000 speeches (33 M tokens) nothing here may hold the tokens twice:
    the strings are dictionary-encoded chunk by chunk into one code per token
    (the categorical ``token``), and the integer columns are built once at
    their final size.
    """
    unique = pa.array(list(dict.fromkeys(keys)), pa.string())
    rank = pc.index_in(table["key"], value_set=unique).to_numpy()
    para_order = table["para"].to_numpy()
    in_order = len(rank) < 2 or bool(np.all((np.diff(rank) > 0) | ((np.diff(rank) == 0) & (np.diff(para_order) > 0))))
    if not in_order:  # rows from several cache chunks: sort them (a copy of every token)
        order = np.lexsort((para_order, rank))
        table, rank = table.take(pa.array(order)), rank[order]
    bounds = np.searchsorted(rank, np.arange(len(unique) + 1))
    position = {key: i for i, key in enumerate(unique.to_pylist())}
    if len(unique) == len(keys):
        doc_of_row = rank.astype(np.int32)
    else:
        ranges = [np.arange(bounds[position[k]], bounds[position[k] + 1]) for k in keys]
        doc_of_row = np.concatenate([np.full(len(r), d) for d, r in enumerate(ranges)]).astype(np.int32)
        table = table.take(pa.array(np.concatenate(ranges).astype(np.int64)))
    lists = table["tokens"]
    lengths = np.concatenate([pc.list_value_length(chunk).to_numpy(zero_copy_only=False) for chunk in lists.chunks]
                             or [np.zeros(0, np.int32)]).astype(np.int64)
    # One code per token in the smallest integer type: at 33 M tokens each byte per token is 33 MB.
    code_type = np.int16 if len(keys) < 2**15 else np.int32
    token_doc = np.repeat(doc_of_row.astype(code_type), lengths)
    para = np.repeat(table["para"].to_numpy().astype(np.int32), lengths)
    starts = np.searchsorted(token_doc, np.arange(len(keys))).astype(np.int32)
    pos = np.arange(len(token_doc), dtype=np.int32)
    step = config.SLICE_TOKENS
    for lo in range(0, len(pos), step):  # in slices: no temporary the size of the corpus
        pos[lo:lo + step] -= starts[token_doc[lo:lo + step]]
    # list_flatten of each chunk is a zero-copy slice of its strings; then one code per token
    flat = pa.chunked_array([pc.list_flatten(chunk) for chunk in lists.chunks], pa.string())
    del table, lists
    words, codes = encode_strings(flat)
    del flat
    release_memory()  # the token lists: ~350 MB at 10,000 speeches
    is_stop = mark_stopwords(words, stopwords, keep=keep)[codes]  # lexicon terms (十五) are never numbers
    vocabulary = pd.Index(words.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get))
    token = pd.Categorical.from_codes(codes, categories=vocabulary, validate=False)
    if len(set(doc_ids)) == len(doc_ids):  # compact: one small code per row
        doc_id = pd.Categorical.from_codes(token_doc, categories=pd.Index(doc_ids, dtype="str"))
    else:
        doc_id = pd.Series(np.asarray(doc_ids, dtype=object)[token_doc], dtype="str")
    return pd.DataFrame({"doc_id": doc_id, "para": para, "pos": pos, "token": token, "is_stop": is_stop}, copy=False)


# --------------------------------------------------------------------------- counts without the tokens frame


@dataclass(frozen=True, eq=False)
class DocTermCounts:
    """How often each paragraph of each speech uses each word: the tokens frame without the word order.

    The counts themselves (a sparse matrix's column and value arrays) are kept by a
    :class:`corpus.spill.PairStore`: in memory for a small corpus, else in a temporary file, read back a slice of
    rows at a time (:meth:`rows`, :meth:`doc_batches`). At 100,000 speeches they are ~105 M pairs, 0.84 GB.

    Attributes
    ----------
    ids : list of str
        The speeches, in docs order (a speech without tokens has no row but keeps its place).
    vocabulary : pyarrow.StringArray
        Every distinct token, sorted (so a column number also breaks ties alphabetically).
    is_stop : numpy.ndarray of bool
        Per vocabulary entry: stopword, punctuation, number or □ (:func:`corpus.lexicon.mark_stopwords`).
    row_doc, row_para : numpy.ndarray of int32
        Per row: the speech (index into ``ids``) and the paragraph number, or -1 for a speech
        counted whole (:func:`count_docs` ``paragraphs_of``); rows in docs order, then paragraph order.
    indptr : numpy.ndarray of int64
        Row ``r``'s pairs are ``indptr[r]`` to ``indptr[r + 1]`` of ``store``, sorted by column.
    store : corpus.spill.PairStore
        The (column, count) pairs of every row, in row order.
    attrs : dict
        ``segmented`` and ``cached`` (as the tokens frame's ``attrs``).
    """

    ids: list[str]
    vocabulary: pa.Array
    is_stop: np.ndarray
    row_doc: np.ndarray
    row_para: np.ndarray
    indptr: np.ndarray
    store: PairStore
    attrs: dict = field(default_factory=dict)

    def rows(self, lo: int, hi: int) -> sparse.csr_matrix:
        """Rows ``lo`` to ``hi`` × vocabulary, counts of all tokens (int32), read from :attr:`store`."""
        from scipy import sparse

        columns, counts = self.store.read(int(self.indptr[lo]), int(self.indptr[hi]))
        return sparse.csr_matrix((counts, columns, self.indptr[lo:hi + 1] - self.indptr[lo]),
                                 shape=(hi - lo, len(self.vocabulary)), copy=False)

    @property
    def matrix(self) -> sparse.csr_matrix:
        """Every row × vocabulary (all of :attr:`store` in memory at once: for small corpora and tests)."""
        return self.rows(0, len(self.row_doc))

    def by_doc(self) -> sparse.csr_matrix:
        """Speeches × vocabulary counts of all tokens (a speech without tokens is a zero row)."""
        from scipy import sparse

        whole = [matrix for _, matrix in self.doc_batches(size=max(len(self.ids), 1))]
        return whole[0] if whole else sparse.csr_matrix((0, len(self.vocabulary)), dtype=np.int32)

    def restrict(self, ids) -> DocTermCounts:
        """The rows of the speeches in ``ids`` only (the vocabulary and :attr:`ids` stay as they are), in memory."""
        wanted = set(ids)
        rows = np.flatnonzero(np.isin(self.row_doc, [d for d, doc_id in enumerate(self.ids) if doc_id in wanted]))
        writer = _CountsWriter(spill_after=2**62)
        for lo, hi in _row_runs(rows):
            columns, counts = self.store.read(int(self.indptr[lo]), int(self.indptr[hi]))
            writer.add(self.row_doc[lo:hi], self.row_para[lo:hi], np.diff(self.indptr[lo:hi + 1]), columns, counts)
        return writer.counts(self.ids, self.vocabulary, self.is_stop, attrs=dict(self.attrs))

    def doc_batches(self, size: int = 2000) -> Iterator[tuple[int, sparse.csr_matrix]]:
        """``(first, matrix)``: :meth:`by_doc` in slices of ``size`` speeches, ``matrix`` holding the speeches
        ``first`` to ``first + matrix.shape[0]`` (all of them for 10,000 speeches was ~150 MB)."""
        from scipy import sparse

        for lo in range(0, len(self.ids), size):
            hi = min(lo + size, len(self.ids))
            first, last = np.searchsorted(self.row_doc, [lo, hi])
            rows = int(last - first)
            to_doc = sparse.csr_matrix((np.ones(rows, dtype=np.int32), (self.row_doc[first:last] - lo,
                                                                        np.arange(rows))), shape=(hi - lo, rows))
            matrix = (to_doc @ self.rows(int(first), int(last))).tocsr()
            matrix.sort_indices()
            yield lo, matrix

    def pair_batches(self, size: int = 2000) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """``(doc, term, count)`` of :meth:`pairs`, ``size`` speeches at a time."""
        for lo, matrix in self.doc_batches(size):
            matrix.data[self.is_stop[matrix.indices]] = 0
            matrix.eliminate_zeros()
            doc = (lo + np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))).astype(np.int32)
            yield doc, matrix.indices.astype(np.int32, copy=False), matrix.data.astype(np.int32, copy=False)

    def pairs(self) -> tuple[list[str], pa.Array, np.ndarray, np.ndarray, np.ndarray]:
        """``ids, vocabulary, doc, term, count``: one entry per (speech, content word) used, sorted by speech then
        word (the form :func:`corpus.features.count_terms` and the similarities work from; they take them a
        slice at a time, :meth:`pair_batches`)."""
        parts = list(self.pair_batches())
        return (self.ids, self.vocabulary, *(np.concatenate([part[i] for part in parts]) if parts
                                              else np.zeros(0, np.int32) for i in range(3)))


def _row_runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """``(start, end)`` of each run of consecutive numbers in the sorted ``rows``."""
    if not len(rows):
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1) + 1
    starts, ends = rows[np.concatenate([[0], breaks])], rows[np.concatenate([breaks - 1, [len(rows) - 1]])] + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


# Rows are written to the store this many pairs at a time (each slice's rows sorted by column first).
_WRITE_PAIRS = 2**20


class _CountsWriter:
    """The rows of a :class:`DocTermCounts`, appended in order: per row its speech, paragraph and pairs."""

    def __init__(self, *, spill_after: int | None = None):
        self.store = PairStore(spill_after=spill_after)
        self._row_doc: list[np.ndarray] = []
        self._row_para: list[np.ndarray] = []
        self._sizes: list[np.ndarray] = []
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # sizes, columns, counts
        self._pending_pairs = 0

    def add(self, row_doc: np.ndarray, row_para: np.ndarray, sizes: np.ndarray, columns: np.ndarray,
            counts: np.ndarray) -> None:
        """Rows with their speech, paragraph and number of pairs, and those pairs (in row order)."""
        self._row_doc.append(np.asarray(row_doc, dtype=np.int32))
        self._row_para.append(np.asarray(row_para, dtype=np.int32))
        self._sizes.append(np.asarray(sizes, dtype=np.int64))
        self._pending.append((self._sizes[-1], columns, counts))
        self._pending_pairs += len(columns)
        if self._pending_pairs >= _WRITE_PAIRS:
            self._write()

    def _write(self) -> None:
        """The pending rows' pairs into the store, each row sorted by column."""
        from scipy import sparse

        if not self._pending:
            return
        sizes = _joined([part[0] for part in self._pending], np.int64)
        columns = _joined([part[1] for part in self._pending], np.int32)
        counts = _joined([part[2] for part in self._pending], np.int32)
        self._pending, self._pending_pairs = [], 0
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        shape = (len(sizes), int(columns.max(initial=0)) + 1)
        matrix = sparse.csr_matrix((counts, columns, indptr), shape=shape, copy=False)
        matrix.sort_indices()
        self.store.append(matrix.indices, matrix.data)

    def counts(self, doc_ids: list[str], vocabulary: pa.Array, is_stop: np.ndarray, *,
               attrs: dict | None = None) -> DocTermCounts:
        """The counts written, as :class:`DocTermCounts` over ``doc_ids`` and ``vocabulary``."""
        self._write()
        indptr = np.concatenate([[0], np.cumsum(_joined(self._sizes, np.int64))])
        return DocTermCounts(ids=list(doc_ids), vocabulary=vocabulary, is_stop=is_stop,
                             row_doc=_joined(self._row_doc, np.int32), row_para=_joined(self._row_para, np.int32),
                             indptr=indptr, store=self.store, attrs=attrs or {})


class _CountBuilder:
    """Counts (paragraph, word) pairs table by table, each word coded once for the whole corpus.

    Each table's pairs (word code, count: 8 bytes a pair) go to a :class:`corpus.spill.PairStore` as the table is
    counted, so the pairs are not held in memory while the rest are read (at 100,000 speeches ~105 M pairs);
    :meth:`build` reads them back in docs order, with the words numbered in sorted order.
    """

    def __init__(self, *, whole: frozenset[str] | set[str] = frozenset()):
        self._whole = whole  # keys counted as one row (para -1), their paragraphs summed
        self._code: dict[str, int] = {}
        self.pairs = PairStore()  # per table, in order: word code, count
        # per key: its pairs in the store (lo, hi), its paragraph numbers and the pairs in each paragraph
        self._entries: dict[str, tuple[int, int, np.ndarray, np.ndarray]] = {}

    def add(self, table: pa.Table) -> None:
        """Count the rows ``key, para, tokens`` of ``table`` (all the rows of each of its speeches)."""
        lists = table["tokens"].combine_chunks()
        words, local = encode_strings(pc.list_flatten(lists))
        code = self._code
        to_global = np.fromiter((code.setdefault(word, len(code)) for word in words.to_pylist()), np.int64,
                                count=len(words))
        lengths = pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        keys = table["key"].to_pylist()
        runs = [(start, end) for start, end in _runs(keys)]
        group = np.arange(table.num_rows, dtype=np.int64)  # the row each row is counted in: itself, or its first
        for start, end in runs:
            if keys[start] in self._whole:
                group[start:end] = start
        row = np.repeat(group, lengths)
        pairs, count = np.unique((row << 32) | to_global[local], return_counts=True)
        del lists, words, local, row
        pair_row = (pairs >> 32).astype(np.int32)
        sizes = np.bincount(pair_row, minlength=table.num_rows).astype(np.int32)
        offset = len(self.pairs)
        self.pairs.append(pairs & 0xFFFFFFFF, count)
        del pairs, count
        paras = table["para"].to_numpy().astype(np.int32)
        for start, end in runs:
            lo, hi = np.searchsorted(pair_row, [start, end])
            if keys[start] in self._whole:
                self._entries[keys[start]] = (offset + int(lo), offset + int(hi), np.full(1, -1, dtype=np.int32),
                                              sizes[start:start + 1])
            else:
                self._entries[keys[start]] = (offset + int(lo), offset + int(hi), paras[start:end], sizes[start:end])

    def build(self, keys: list[str], doc_ids: list[str], stopwords: frozenset[str], *,
              keep: tuple[str, ...]) -> DocTermCounts:
        """The counts of ``doc_ids`` in order (``keys[i]`` is the cache key of ``doc_ids[i]``)."""
        words = pa.array(list(self._code), pa.string())
        order = pc.sort_indices(words).to_numpy()
        rank = np.empty(len(words), dtype=np.int32)
        rank[order] = np.arange(len(words), dtype=np.int32)
        vocabulary = words.take(pa.array(order, pa.int64()))
        self._code = {}
        writer = _CountsWriter()
        present = [(d, self._entries[key]) for d, key in enumerate(keys) if key in self._entries]
        # Speeches whose pairs follow each other in the store are read together.
        for span in _spans([(lo, hi) for _, (lo, hi, _, _) in present]):
            columns, counts = self.pairs.read(present[span[0]][1][0], present[span[-1]][1][1])
            parts = [present[i] for i in span]
            writer.add(np.concatenate([np.full(len(paras), d, dtype=np.int32) for d, (_, _, paras, _) in parts]),
                       np.concatenate([paras for _, (_, _, paras, _) in parts]),
                       np.concatenate([sizes for _, (_, _, _, sizes) in parts]), rank[columns], counts)
        self.pairs.close()
        return writer.counts(doc_ids, vocabulary, mark_stopwords(vocabulary, stopwords, keep=keep))


def _spans(ranges: list[tuple], *, limit: int | None = None, size: Callable[[tuple], int] | None = None
           ) -> list[list[int]]:
    """The positions of ``ranges`` (``(lo, hi)``, or ``(source, lo, hi)``) grouped where each range starts where
    the one before ends in the same source, up to ``limit`` pairs a group (default :data:`_WRITE_PAIRS`; ``size``
    gives a group's pairs from its ``(source, lo, hi)``, default ``hi - lo``), so that each group is one read."""
    limit = _WRITE_PAIRS if limit is None else limit
    size = size or (lambda group: group[-1] - group[-2])
    spans: list[list[int]] = []
    for i, here in enumerate(ranges):
        if spans:
            first, last = ranges[spans[-1][0]], ranges[spans[-1][-1]]
            joined = (*here[:-2], first[-2], here[-1])
            if here[:-2] == last[:-2] and here[-2] == last[-1] and size(joined) <= limit:
                spans[-1].append(i)
                continue
        spans.append([i])
    return spans


def _runs(keys: list[str]) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each run of equal consecutive keys."""
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            yield start, i
            start = i


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)


# --------------------------------------------------------------------------- the counts snapshot
# One file per corpus name and segmenter: the per-paragraph counts of every distinct speech of the last run, so
# that the next run reads one file instead of every speech's entry. Any snapshot is right for the speeches it
# holds (each speech's counts depend only on its key), so an old or concurrent one is never wrong, only less
# complete. Its first record batch holds one row of lists: the keys, rows, vocabulary and the first pairs; each
# further batch one row with the next pairs only, so that neither writing nor reading it holds every pair.

_SNAPSHOT_SCHEMA = pa.schema([(name, pa.list_(kind)) for name, kind in (
    ("keys", pa.string()), ("row_key", pa.int32()), ("row_para", pa.int32()), ("indptr", pa.int64()),
    ("vocabulary", pa.string()), ("indices", pa.int32()), ("data", pa.int32()))])
_SNAPSHOT_BATCH_PAIRS = 2**22


@dataclass(frozen=True)
class _Snapshot:
    keys: list[str]
    row_key: np.ndarray  # per row: index into keys, ascending
    row_para: np.ndarray
    indptr: np.ndarray
    vocabulary: pa.Array
    pairs: PairStore


def _one(values, kind) -> pa.ListArray:
    """``values`` as a list array of one list."""
    values = values if isinstance(values, pa.Array) else pa.array(values, kind)
    return pa.ListArray.from_arrays(pa.array([0, len(values)], pa.int32()), values)


def _snapshot_batches(counts: DocTermCounts, keys: list[str]) -> Iterator[pa.RecordBatch]:
    """The counts of each distinct key once (its first speech's rows), as record batches of one row of lists."""
    first: dict[str, int] = {}  # each key's first speech, in order of appearance
    for d, key in enumerate(keys):
        first.setdefault(key, d)
    unique = list(first)
    first_doc = np.full(len(keys), False)
    first_doc[list(first.values())] = True
    rows = np.flatnonzero(first_doc[counts.row_doc])
    position = {key: i for i, key in enumerate(unique)}
    key_of_doc = np.array([position[key] for key in keys], dtype=np.int32)
    sizes = np.diff(counts.indptr)[rows]
    meta = {"keys": pa.array(unique, pa.string()), "row_key": key_of_doc[counts.row_doc[rows]],
            "row_para": counts.row_para[rows], "indptr": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            "vocabulary": counts.vocabulary}
    empty = {name: np.zeros(0, np.int64 if name == "indptr" else np.int32) for name in meta}
    empty["keys"], empty["vocabulary"] = pa.array([], pa.string()), pa.array([], pa.string())

    def batch(columns: np.ndarray, values: np.ndarray, *, head: bool) -> pa.RecordBatch:
        parts = {**(meta if head else empty), "indices": columns, "data": values}
        return pa.RecordBatch.from_arrays(
            [_one(parts[field.name], field.type.value_type) for field in _SNAPSHOT_SCHEMA], schema=_SNAPSHOT_SCHEMA)

    head, pending, held = True, [], 0
    for lo, hi in _row_runs(rows):
        start, end = int(counts.indptr[lo]), int(counts.indptr[hi])
        while start < end:  # each batch exactly _SNAPSHOT_BATCH_PAIRS pairs, but the last
            stop = min(start + _SNAPSHOT_BATCH_PAIRS - held, end)
            pending.append(counts.store.read(start, stop))
            held, start = held + stop - start, stop
            if held >= _SNAPSHOT_BATCH_PAIRS:
                yield batch(_joined([p[0] for p in pending], np.int32), _joined([p[1] for p in pending], np.int32),
                            head=head)
                head, pending, held = False, [], 0
    if head or pending:
        yield batch(_joined([p[0] for p in pending], np.int32), _joined([p[1] for p in pending], np.int32), head=head)


def _read_snapshot(reader) -> _Snapshot | None:
    """The snapshot an open entry (:meth:`corpus.speechcache.SpeechCache.open`) holds, or None if there is none or
    it does not hold together (never trusted). Its pairs are copied batch by batch into a
    :class:`corpus.spill.PairStore`."""
    if reader is None or not reader.schema.equals(_SNAPSHOT_SCHEMA) or reader.num_record_batches < 1:
        return None
    pairs, low, high = PairStore(), 0, -1
    try:
        for number in range(reader.num_record_batches):
            batch = reader.get_batch(number)
            if batch.num_rows != 1:
                return None
            parts = {name: batch.column(name).values for name in _SNAPSHOT_SCHEMA.names}
            if number == 0:
                arrays = {name: parts[name].to_numpy(zero_copy_only=False)
                          for name in ("row_key", "row_para", "indptr")}
                keys, vocabulary = parts["keys"].to_pylist(), parts["vocabulary"]
            elif any(len(parts[name]) for name in ("keys", "row_key", "row_para", "indptr", "vocabulary")):
                return None
            indices, data = (parts[name].to_numpy(zero_copy_only=False) for name in ("indices", "data"))
            if len(indices) != len(data):
                return None
            if len(indices):
                low, high = min(low, int(indices.min())), max(high, int(indices.max()))
            pairs.append(indices, data)
    except (pa.ArrowException, ValueError):
        return None
    snapshot = _Snapshot(keys=keys, vocabulary=vocabulary, pairs=pairs, **arrays)
    n_rows, n_pairs = len(snapshot.row_key), len(pairs)
    if not (len(snapshot.row_para) == n_rows and len(snapshot.indptr) == n_rows + 1
            and (n_rows == 0 or (snapshot.indptr[0] == 0 and snapshot.indptr[-1] == n_pairs
                                 and np.all(np.diff(snapshot.indptr) >= 0) and np.all(np.diff(snapshot.row_key) >= 0)
                                 and 0 <= snapshot.row_key[0] and snapshot.row_key[-1] < len(snapshot.keys)))
            and (n_pairs == 0 or (0 <= low and high < len(snapshot.vocabulary)))):
        return None
    return snapshot


def _combine(previous: _Snapshot, fresh: DocTermCounts, keys: list[str], kept: set[str], doc_ids: list[str],
             stopwords: frozenset[str], *, keep: tuple[str, ...]) -> DocTermCounts:
    """The counts of every speech in ``keys`` order: those in ``kept`` from the snapshot, the others from ``fresh``
    (built over them, in order), exactly as one build over all would give them (the vocabulary sorted, and only
    the words used)."""
    key_rows = np.searchsorted(previous.row_key, np.arange(len(previous.keys) + 1))
    position = {key: i for i, key in enumerate(previous.keys)}
    fresh_rows = np.searchsorted(fresh.row_doc, np.arange(len(fresh.ids) + 1))
    # Each speech's rows, and so its pairs, are one run in its source: (from the snapshot?, first row, end row).
    runs, j = [], 0
    for key in keys:
        if key in kept:
            k = position[key]
            runs.append((True, int(key_rows[k]), int(key_rows[k + 1])))
        else:
            runs.append((False, int(fresh_rows[j]), int(fresh_rows[j + 1])))
            j += 1
    sources = {True: (previous.pairs, previous.indptr, previous.row_para),
               False: (fresh.store, fresh.indptr, fresh.row_para)}
    used = np.zeros(len(previous.vocabulary), dtype=bool)
    kept_ranges = sorted((int(previous.indptr[lo]), int(previous.indptr[hi])) for source, lo, hi in runs if source)
    for span in _spans(kept_ranges, limit=_SNAPSHOT_BATCH_PAIRS):
        used[previous.pairs.read(kept_ranges[span[0]][0], kept_ranges[span[-1]][1])[0]] = True
    old_words = previous.vocabulary.filter(pa.array(used))
    words = pc.unique(pa.concat_arrays([old_words, fresh.vocabulary]))
    vocabulary = words.take(pc.sort_indices(words))
    old_column = np.full(len(previous.vocabulary), -1, dtype=np.int32)
    old_column[used] = pc.index_in(old_words, value_set=vocabulary).to_numpy(zero_copy_only=False)
    new_column = pc.index_in(fresh.vocabulary, value_set=vocabulary).to_numpy(zero_copy_only=False).astype(np.int32)
    columns_of = {True: old_column, False: new_column}
    writer = _CountsWriter()
    # Each speech's pairs go straight into their place, runs that follow each other in one source read together.
    for span in _spans(runs, size=lambda run: int(sources[run[0]][1][run[2]] - sources[run[0]][1][run[1]])):
        from_snapshot, lo, hi = runs[span[0]][0], runs[span[0]][1], runs[span[-1]][2]
        store, indptr, row_para = sources[from_snapshot]
        columns, counts = store.read(int(indptr[lo]), int(indptr[hi]))
        row_doc = np.concatenate([np.full(runs[d][2] - runs[d][1], d, dtype=np.int32) for d in span])
        writer.add(row_doc, row_para[lo:hi], np.diff(indptr[lo:hi + 1]), columns_of[from_snapshot][columns], counts)
    previous.pairs.close()
    return writer.counts(doc_ids, vocabulary, mark_stopwords(vocabulary, stopwords, keep=keep))
