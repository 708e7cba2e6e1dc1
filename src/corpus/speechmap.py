"""The map step: all the work one speech needs before the analyses, as one function of one speech.

For each speech a report needs its cleaned text (:mod:`corpus.clean`), the era
markers found in it (:mod:`corpus.dating`) and its tokens
(:mod:`corpus.segment`). :func:`map_speech` does the three for one raw text.
:func:`map_new_speeches` runs it for every speech the cache has not seen, in
batches, on local worker processes (joblib) or on the workers of a dask
cluster (``backend="dask"`` inside a ``dask.distributed.Client``), and stores
each result in the per-speech caches, in the calling process. The stages then
read every speech back from the cache, and the reduce (counts summed by era,
keyness, similarity, topics) runs in the calling process from the counts
(:func:`corpus.segment.count_docs`).

Only raw texts go to a worker and only results come back (cleaned text,
markers found, tokens), so workers need the package installed, not the data
folder or the cache. A speech whose text is cached but whose markers or tokens
are not (the marker table or the lexicon changed) is redone by that stage
alone, segmentation still through the same backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from . import config
from .clean import clean_entry, clean_keys_of, clean_one, raw_text
from .dating import Found, find_markers_in, marker_entry, marker_keys, markers_table
from .segment import Segmenter, run_in_batches, segment_key, segment_rows
from .speechcache import SpeechCache, cache_notes
from .tokencache import TokenCache

# Cleaning and finding markers run at ~1.3 M characters a second on one core (1,000 generated speeches: 6.3 M
# characters in 4.9 s), segmentation with rjieba much faster: below 2 M characters, starting workers costs more.
CHARS_PER_SECOND = 1_300_000
PARALLEL_MIN_CHARS = 2_000_000


@dataclass(frozen=True)
class SpeechResult:
    """What :func:`map_speech` gives for one speech.

    ``text_clean, script, n_han`` as :func:`corpus.clean.clean_docs` adds them; ``markers`` the era markers
    found (:func:`corpus.dating.find_markers_in`); ``tokens`` its rows ``key, para, tokens``
    (:func:`corpus.segment.segment_rows`, ``key`` from :func:`corpus.segment.segment_key`).
    """

    text_clean: str
    script: str
    n_han: int
    markers: list[Found]
    tokens: pa.Table


@dataclass(frozen=True)
class MapSettings:
    """What every speech is mapped with (sent once per batch to a worker): the segmenter and the marker table."""

    segmenter: Segmenter
    markers: list[tuple]


def map_speech(text: str, settings: MapSettings) -> SpeechResult:
    """Clean one raw text, find its era markers and segment it.

    Examples
    --------
    >>> from corpus.dating import markers_table, read_era_markers
    >>> from corpus.segment import make_segmenter
    >>> settings = MapSettings(make_segmenter(), markers_table(read_era_markers()))
    >>> result = map_speech("同志们：\\n推动“十四五”时期高质量发展。\\n", settings)
    >>> result.text_clean, result.n_han, [found.marker for found in result.markers]
    ('同志们：\\n\\n推动“十四五”时期高质量发展。', 15, ['十四五', '高质量发展'])
    >>> result.tokens["tokens"].to_pylist()
    [['同志们', '：'], ['推动', '“', '十四五', '”', '时期', '高质量发展', '。']]
    """
    text_clean, script, n_han = clean_one(text)
    tokens = segment_rows(settings.segmenter, [(segment_key(settings.segmenter, text_clean), text_clean)])
    return SpeechResult(text_clean, script, n_han, find_markers_in(text_clean, settings.markers), tokens)


def _map_batch(settings: MapSettings, batch: list[tuple[str, str]]) -> list[tuple[str, SpeechResult]]:
    return [(key, map_speech(text, settings)) for key, text in batch]


def map_new_speeches(
    docs: pd.DataFrame,
    *,
    cache_dir: str | Path | bool,
    segmenter: Segmenter,
    markers: pd.DataFrame,
    n_jobs: int | None = None,
    progress: bool | None = None,
    backend: str | None = None,
    log: Callable[[str], None] | None = None,
    data_dir: str | Path | None = None,
) -> int:
    """Map every speech of ``docs`` whose cleaned text is not cached yet (:func:`map_speech`); cache the results.

    Parameters
    ----------
    docs : pandas.DataFrame
        A loaded docs frame (``text``, or ``text_sha256`` with ``data_dir``).
    data_dir : path, optional
        For docs loaded without texts: the data folder, where each new speech's file is read as its batch is
        sent (:func:`corpus.clean.raw_text`), so that no more than the batches in flight hold their texts.
    cache_dir : path or bool
        The cache (:func:`corpus.config.cache_folder`); without one nothing is mapped (the stages compute).
    segmenter : Segmenter
        As for :func:`corpus.segment.count_docs`.
    markers : pandas.DataFrame
        The era-marker table (:func:`corpus.dating.read_era_markers`).
    n_jobs, progress, backend
        As for :func:`corpus.segment.segment_docs`: local processes for large work, or a joblib backend
        (``"dask"``: the workers of the running ``dask.distributed.Client``).
    log : callable, optional
        Receives one line when the cache cannot be written (the stages then compute in this process).

    Returns
    -------
    int
        How many speeches were mapped.
    """
    folder = config.cache_folder(cache_dir)
    if folder is None:
        return 0
    clean_cache = SpeechCache(folder, "clean")
    work: dict[str, int] = {}  # each new text once (two ids may share it): its first position
    for position, key in enumerate(clean_keys_of(docs)):
        if key not in work and not clean_cache.has(key):
            work[key] = position
    if not work:
        return 0
    settings = MapSettings(segmenter, markers_table(markers))
    marker_cache, token_cache = SpeechCache(folder, "markers"), TokenCache(folder)
    n_chars = docs["n_chars"].to_numpy()

    def with_texts(batch: list[tuple[str, int]]) -> list[tuple[str, str]]:
        return [(key, raw_text(docs, position, data_dir=data_dir)) for key, position in batch]

    for batch in run_in_batches(_map_batch, settings, list(work.items()), n_jobs=n_jobs, progress=progress,
                                backend=backend, chars_per_second=CHARS_PER_SECOND,
                                parallel_min_chars=PARALLEL_MIN_CHARS, desc="cleaning, dating, segmenting",
                                sizes=[int(n_chars[position]) for position in work.values()], prepare=with_texts):
        clean_cache.put({key: clean_entry(r.text_clean, r.script, r.n_han) for key, r in batch})
        # One call per batch: a key hashes the whole marker table's patterns once per call.
        keys = marker_keys([r.text_clean for _, r in batch], settings.markers)
        marker_cache.put({key: marker_entry(r.markers) for key, (_, r) in zip(keys, batch, strict=True)})
        for _ in token_cache.put_each(r.tokens for _, r in batch if r.tokens.num_rows):
            pass
    if log is not None:
        for cache in (clean_cache, marker_cache, token_cache):
            for line in cache_notes(cache):
                log(line)
    return len(work)
