"""The main job: regenerate every figure and table of a data folder.

``corpus report`` calls :func:`build_report`. Each analysis adds its
figures here; every figure is written as PNG, SVG and PDF with its data as
CSV (see :func:`corpus.plots.save_figure`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from . import config
from .clean import clean_docs, split_paragraphs
from .dating import date_docs, era_markers_file, read_era_markers
from .errors import CorpusError
from .features import (
    DEFAULT_TERMS,
    count_terms,
    doc_similarity,
    era_similarity,
    era_tfidf,
    term_counts,
    term_trajectories,
)
from .files import write_bytes_atomic, write_csv_atomic
from .keyness import keyness_by_era, word_shift
from .load import load_docs
from .memory import release_memory, rss_mb
from .plots import (
    FigureSaver,
    dating_table,
    overview_table,
    plot_coherence,
    plot_dating,
    plot_keyness,
    plot_overview,
    plot_similarity,
    plot_topic_prevalence,
    plot_topic_words,
    plot_trajectories,
    plot_word_shift,
    use_cjk_font,
)
from .segment import (
    lexicon_file,
    make_segmenter,
    package_version,
    read_lexicon,
    read_stopwords,
    segment_docs,
    stopwords_file,
)
from .topics import (
    choose_k,
    fit_topics,
    is_stable,
    topic_changes,
    topic_prevalence,
    topic_stability,
    topic_units,
)

MANIFEST = ".corpus-report.json"
_LIBRARIES = ("matplotlib", "numpy", "pandas", "scikit-learn", "scipy", "jieba", "rjieba", "pyarrow", "stopwordsiso")


def documents_table(docs: pd.DataFrame, paragraphs: pd.DataFrame, tokens: pd.DataFrame, *, terms=()) -> pd.DataFrame:
    """One row per speech without the texts: metadata, sizes, encoding, checksum.

    ``n_sections`` counts the numbered headings (一、二、...); ``n_tokens``
    all tokens, ``n_content`` those that are not stopwords, ``n_lexicon``
    those that are lexicon terms.
    """
    per_doc = paragraphs.groupby("doc_id").agg(
        n_paragraphs=("para", "size"), n_sections=("kind", lambda kind: int((kind == "heading").sum()))
    )
    by_doc = tokens["doc_id"]
    per_doc = per_doc.join(pd.DataFrame({
        "n_tokens": by_doc.groupby(by_doc).size(),
        "n_content": (~tokens["is_stop"]).groupby(by_doc).sum(),
        "n_lexicon": tokens["token"].isin(set(terms)).groupby(by_doc).sum(),
    }))
    return docs.drop(columns=["text", "text_clean"], errors="ignore").merge(
        per_doc, left_on="id", right_index=True, how="left"
    )


class Stages:
    """Wall time and peak memory of each stage of a run: ``with stages("clean"): ...``.

    ``times`` and ``peak_mb`` map stage names, in order, to seconds and to the
    peak resident memory (MB) of the process during that stage. The peak is
    sampled every ``interval`` seconds by a thread, which leaves the kernel's
    own high-water mark (``time -v``, ``getrusage``) untouched.
    """

    def __init__(self, *, interval: float = 0.01):
        self.times: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self.interval = interval

    @contextmanager
    def __call__(self, name: str):
        start, peak, done = time.perf_counter(), [rss_mb()], threading.Event()

        def sample():
            while not done.wait(self.interval):
                peak[0] = max(peak[0], rss_mb())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield
        finally:
            done.set()
            sampler.join()
            release_memory()
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - start
            self.peak_mb[name] = max(self.peak_mb.get(name, 0.0), peak[0], rss_mb())

    def describe(self) -> str:
        """``timings: load 0.1s 210MB, clean 0.5s 260MB, …; total 9.9s; peak RSS 512 MB (in topics)``."""
        total = sum(self.times.values())
        parts = ", ".join(f"{name} {seconds:.1f}s {self.peak_mb.get(name, 0):.0f}MB" for name, seconds in self.times.items())
        text = f"timings: {parts}; total {total:.1f}s"
        if self.peak_mb:
            grew = max(self.peak_mb, key=lambda name: self.peak_mb[name])
            text += f"; peak RSS {self.peak_mb[grew]:.0f} MB (in {grew})"
        return text


def report_fingerprint(docs: pd.DataFrame, data_dir: Path) -> str:
    """Hash of everything the report's files depend on: the raw inputs, the resources, the code, the libraries."""
    digest = hashlib.sha256()
    parts = [(data_dir / config.METADATA_FILE).read_bytes(), *map(str.encode, docs["sha256"])]
    for path in (lexicon_file(data_dir), stopwords_file(data_dir), era_markers_file(data_dir)):
        parts.append(path.read_bytes())
    parts += [p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py"))]
    parts += [f"{name}={package_version(name)}".encode() for name in _LIBRARIES]
    parts.append(repr((config.WORD_SHIFT_ERAS, config.TOPIC_SAMPLE, config.MAX_FIGURE_ROWS, config.SEED)).encode())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _up_to_date(out_dir: Path, fingerprint: str) -> list[Path] | None:
    """The files of the last run, if it had the same inputs and every file is still as it wrote it."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("inputs") != fingerprint:
        return None
    files = [out_dir / name for name in manifest.get("files", {})]
    for path in files:
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != manifest["files"][path.name]:
            return None
    return files


def _write_manifest(out_dir: Path, fingerprint: str, written: list[Path]) -> None:
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in written}
    write_bytes_atomic(out_dir / MANIFEST, json.dumps({"inputs": fingerprint, "files": files}, indent=1).encode())


def build_report(
    data_dir: str | Path = config.DATA_DIR,
    *,
    out_dir: str | Path = config.FIGURES_DIR,
    cache_dir: str | Path | None = config.CACHE_DIR,
    log: Callable[[str], None] = lambda message: None,
    force: bool = False,
    stages: Stages | None = None,
    backend: str | None = None,
    figure_worker: bool = True,
) -> list[Path]:
    """Load, clean and analyse a data folder; write all figures and tables.

    Parameters
    ----------
    data_dir, out_dir : path
        The data folder, and where figures and tables go.
    cache_dir : path or None
        Segmentation cache (``None``: no cache).
    log : callable
        Receives progress lines such as ``segmented 1, cached 5``.
    force : bool
        Redo everything even when nothing changed since the last run.
    stages : Stages, optional
        Collects the wall time of each stage (``corpus report --timings``).
    backend : str, optional
        joblib backend for segmentation (``"dask"``: the running dask client).
    figure_worker : bool
        Draw the figures in a worker process while the analyses go on
        (:class:`corpus.plots.FigureSaver`); False draws them in this process.

    Returns
    -------
    list of pathlib.Path
        Every file written (or, when nothing changed, every file of the last run).
    """
    out_dir, data_dir, stages = Path(out_dir), Path(data_dir), stages or Stages()
    with stages("load"):
        docs = load_docs(data_dir)
        fingerprint = report_fingerprint(docs, data_dir)
    if not force and (files := _up_to_date(out_dir, fingerprint)) is not None:
        log(f"up to date: nothing changed since the last report ({len(files)} files in {out_dir})")
        return files
    with FigureSaver(background=figure_worker) as saver:
        with stages("clean"):
            # The raw text is no longer needed, nor the paragraphs' text: at 10,000 speeches each is ~200 MB.
            docs = clean_docs(docs).drop(columns="text")
            paragraphs = split_paragraphs(docs).drop(columns="text")
        use_cjk_font()
        # First what reads the cleaned text, so that it can be dropped before the tokens arrive.
        with stages("overview"):
            table = overview_table(docs)
            written = _save(saver, plot_overview(table), "corpus_overview", out_dir, table)
        with stages("trajectories"):
            trajectories = term_trajectories(docs, DEFAULT_TERMS)
            speeches = term_counts(docs, DEFAULT_TERMS)
            written += _save(saver, plot_trajectories(trajectories, speeches=speeches), "term_trajectories", out_dir,
                             trajectories)
        with stages("dating"):
            dated = date_docs(docs, markers=read_era_markers(era_markers_file(data_dir)))
            written += _save(saver, plot_dating(dated), "dating", out_dir, dating_table(dated))
        with stages("segment"):
            lexicon = read_lexicon(lexicon_file(data_dir))
            segmenter = make_segmenter(lexicon=lexicon, stopwords=stopwords_file(data_dir))
            tokens = segment_docs(docs, segmenter=segmenter, stopwords=read_stopwords(stopwords_file(data_dir)),
                                  cache_dir=cache_dir, backend=backend)
            docs = docs.drop(columns="text_clean")
        log(f"segmented {tokens.attrs['segmented']}, cached {tokens.attrs['cached']}")
        with stages("documents"):
            written.append(write_csv_atomic(documents_table(docs, paragraphs, tokens, terms=lexicon["term"]),
                                            out_dir / "documents.csv"))
        written += _vocabulary_figures(docs, tokens, saver=saver, out_dir=out_dir, stages=stages)
        with stages("topics"):
            written += _topic_figures(docs, paragraphs, tokens, saver=saver, out_dir=out_dir, log=log)
        with stages("figures"):  # what the worker has still to draw
            saver.wait()
    _write_manifest(out_dir, fingerprint, written)
    return written


def word_shift_eras(eras: list[str]) -> tuple[str, str]:
    """The two eras of the report's word shift: ``config.WORD_SHIFT_ERAS`` if present, else first and last."""
    wanted = config.WORD_SHIFT_ERAS
    return wanted if all(era in eras for era in wanted) else (eras[0], eras[-1])


def _save(saver: FigureSaver, artist, name: str, out_dir: Path, data: pd.DataFrame) -> list[Path]:
    fig = artist.figure if hasattr(artist, "figure") else artist.ravel()[0].figure
    return saver.save(fig, name, out_dir=out_dir, data=data)


def _vocabulary_figures(docs: pd.DataFrame, tokens: pd.DataFrame, *, saver: FigureSaver, out_dir: Path,
                        stages: Stages) -> list[Path]:
    """Keyness per era, the word shift, speech similarity, TF-IDF per era: all from the tokens."""
    written = []
    with stages("keyness"):
        counts = count_terms(tokens, docs)
        eras = list(dict.fromkeys(counts["era"]))
        if len(eras) >= 2:
            kdf = keyness_by_era(counts)
            written += _save(saver, plot_keyness(kdf), "keyness_by_era", out_dir, kdf)
            reference, comparison = word_shift_eras(eras)
            shift = word_shift(counts, reference=reference, comparison=comparison)
            written += _save(saver, plot_word_shift(shift, reference=reference, comparison=comparison), "word_shift",
                             out_dir, shift)
    with stages("similarity"):
        if len(docs) <= config.MAX_FIGURE_ROWS:
            similarity = doc_similarity(tokens, docs)
            labels = {doc_id: f"{doc_id} ({year})" for doc_id, year in zip(docs["id"], docs["year"])}
            figure = plot_similarity(similarity, labels=labels)
        else:  # speech by speech is quadratic and unreadable: compare eras instead
            similarity = era_similarity(tokens, docs)
            figure = plot_similarity(similarity, title="各时期讲话之间的平均用词相似度（TF-IDF 余弦）")
        written += _save(saver, figure, "doc_similarity", out_dir, similarity.rename_axis("id").reset_index())
        written.append(write_csv_atomic(era_tfidf(tokens, docs), out_dir / "era_tfidf.csv"))
    return written


def _topic_docs(docs: pd.DataFrame) -> set[str]:
    """The speeches topics are estimated from: all of them, or a seeded sample per era in large corpora.

    Prevalence is a mean share per era, which a few hundred speeches per era estimate
    well; the sample keeps memory and time flat as the corpus grows.
    """
    per_era = max(config.TOPIC_SAMPLE // (20 * max(docs["era"].nunique(), 1)), 50)
    sample = docs.groupby("era", group_keys=False).apply(
        lambda group: group.sample(n=min(len(group), per_era), random_state=config.SEED), include_groups=False)
    return set(docs.loc[sample.index, "id"])


def _topic_figures(docs, paragraphs, tokens, *, saver: FigureSaver, out_dir: Path, log) -> list[Path]:
    """NMF topics over paragraphs: coherence against k, prevalence by era, top words; stability in the log."""
    try:
        units = topic_units(tokens[tokens["doc_id"].isin(_topic_docs(docs))], paragraphs, docs)
        curve = choose_k(units, random_state=config.SEED, max_units=config.TOPIC_SAMPLE)
    except CorpusError as err:
        log(f"topics skipped: {err}")
        return []
    k = int(curve.loc[curve["chosen"], "k"].iloc[0])
    # Fit on a seeded sample at most TOPIC_SAMPLE paragraphs long, then give every paragraph its shares:
    # the cost stays flat however many speeches there are.
    sample = units if len(units) <= config.TOPIC_SAMPLE else units.sample(n=config.TOPIC_SAMPLE, random_state=config.SEED)
    model = fit_topics(sample.sort_index(), k=k, random_state=config.SEED)
    stability = topic_stability(sample.sort_index(), k=k, subsample=0.8)
    eras = list(dict.fromkeys(docs.sort_values("year", kind="stable")["era"]))
    prevalence = topic_prevalence(model, units, by="era", eras=eras)
    verdict = "stable" if is_stable(stability) else "UNSTABLE across 80% subsamples: read the topics as exploratory"
    log(f"topics: NMF over {len(units):,} paragraphs, k={k} by NPMI coherence "
        f"({curve['coherence'].max():.3f}); stability {stability['similarity'].min():.2f} ({verdict})")
    written = _save(saver, plot_coherence(curve), "topic_coherence", out_dir, curve)
    written += _save(saver, plot_topic_prevalence(prevalence), "topic_prevalence", out_dir, prevalence)
    words = model.topic_words.assign(label=lambda f: [model.labels[t] for t in f["topic"]])
    written += _save(saver, plot_topic_words(model.topic_words, labels=model.labels), "topic_words", out_dir, words)
    if len(eras) >= 2:
        written.append(write_csv_atomic(topic_changes(prevalence), out_dir / "topic_changes.csv"))
    written.append(write_csv_atomic(stability, out_dir / "topic_stability.csv"))
    return written
