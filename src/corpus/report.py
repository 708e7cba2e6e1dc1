"""The main job: regenerate every figure and table of a data folder.

``corpus report`` calls :func:`build_report`, which only orchestrates: it
calls each stage in turn, hands each figure to a
:class:`corpus.plots.FigureSaver` (PNG, SVG and PDF, with its data as CSV)
and records what it read and wrote (:mod:`corpus.manifest`), so that a rerun
with nothing changed stops at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import config
from .clean import clean_docs, split_paragraphs
from .dating import date_docs, era_markers_file, read_era_markers
from .errors import CorpusError
from .features import (
    DEFAULT_TERMS,
    count_terms,
    doc_similarity,
    documents_table,
    era_similarity,
    era_tfidf,
    term_counts,
    term_trajectories,
)
from .files import write_csv_atomic
from .keyness import comparison_eras, keyness_by_era, word_shift
from .lexicon import lexicon_file, read_lexicon, read_stopwords, stopwords_file
from .load import load_docs
from .manifest import code_and_libraries, fingerprint, up_to_date, write_manifest
from .memory import Stages
from .plots import (
    FigureSaver,
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
)
from .segment import make_segmenter, segment_docs
from .topics import auto_topics


def report_inputs(docs, data_dir: Path) -> str:
    """One hash of everything the report's files depend on: metadata, transcripts, resources, code, settings."""
    resources = (lexicon_file(data_dir), stopwords_file(data_dir), era_markers_file(data_dir))
    settings = (config.WORD_SHIFT_ERAS, config.TOPIC_SAMPLE, config.MAX_FIGURE_ROWS, config.SEED)
    return fingerprint([
        (data_dir / config.METADATA_FILE).read_bytes(), *map(str.encode, docs["sha256"]),
        *(path.read_bytes() for path in resources), *code_and_libraries(), repr(settings).encode(),
    ])


def build_report(
    data_dir: str | Path = config.DATA_DIR,
    *,
    out_dir: str | Path = config.FIGURES_DIR,
    cache_dir: str | Path | bool = True,
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
    cache_dir : path or bool
        Segmentation cache: True for the default folder, a folder, or False for none.
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
        inputs = report_inputs(docs, data_dir)
    if not force and (files := up_to_date(out_dir, inputs)) is not None:
        log(f"up to date: nothing changed since the last report ({len(files)} files in {out_dir})")
        return files
    written: list[Path] = []
    with FigureSaver(background=figure_worker) as saver:
        def save(display) -> None:
            written.extend(saver.save(display, out_dir=out_dir))

        with stages("clean"):
            # The raw text is no longer needed, nor the paragraphs' text: at 10,000 speeches each is ~200 MB.
            docs = clean_docs(docs).drop(columns="text")
            paragraphs = split_paragraphs(docs).drop(columns="text")
        # First what reads the cleaned text, so that it can be dropped before the tokens arrive.
        with stages("overview"):
            save(plot_overview(overview_table(docs)))
        with stages("trajectories"):
            save(plot_trajectories(term_trajectories(docs, DEFAULT_TERMS), speeches=term_counts(docs, DEFAULT_TERMS)))
        with stages("dating"):
            save(plot_dating(date_docs(docs, markers=read_era_markers(era_markers_file(data_dir)))))
        with stages("segment"):
            lexicon = read_lexicon(lexicon_file(data_dir))
            segmenter = make_segmenter(lexicon=lexicon, stopwords=stopwords_file(data_dir))
            tokens = segment_docs(docs, segmenter=segmenter, stopwords=read_stopwords(stopwords_file(data_dir)),
                                  cache_dir=cache_dir, backend=backend)
            docs = docs.drop(columns="text_clean")
        log(f"segmented {tokens.attrs['segmented']}, cached {tokens.attrs['cached']}")
        with stages("documents"):
            table = documents_table(docs, paragraphs, tokens, terms=lexicon["term"])
            written.append(write_csv_atomic(table, out_dir / "documents.csv"))
        with stages("keyness"):
            counts = count_terms(tokens, docs)
            eras = list(dict.fromkeys(counts["era"]))
            if len(eras) >= 2:
                save(plot_keyness(keyness_by_era(counts)))
                reference, comparison = comparison_eras(eras, wanted=config.WORD_SHIFT_ERAS)
                shift = word_shift(counts, reference=reference, comparison=comparison)
                save(plot_word_shift(shift, reference=reference, comparison=comparison))
        with stages("similarity"):
            if len(docs) <= config.MAX_FIGURE_ROWS:
                labels = {doc_id: f"{doc_id} ({year})" for doc_id, year in zip(docs["id"], docs["year"], strict=True)}
                save(plot_similarity(doc_similarity(tokens, docs), labels=labels))
            else:  # speech by speech is quadratic and unreadable: compare eras instead
                save(plot_similarity(era_similarity(tokens, docs),
                                     title="各时期讲话之间的平均用词相似度（TF-IDF 余弦）"))
            written.append(write_csv_atomic(era_tfidf(tokens, docs), out_dir / "era_tfidf.csv"))
        with stages("topics"):
            try:
                topics = auto_topics(tokens, paragraphs, docs)
            except CorpusError as err:
                log(f"topics skipped: {err}")
            else:
                log(topics.describe())
                save(plot_coherence(topics.coherence))
                save(plot_topic_prevalence(topics.prevalence))
                save(plot_topic_words(topics.model.topic_words, labels=topics.model.labels))
                if topics.changes is not None:
                    written.append(write_csv_atomic(topics.changes, out_dir / "topic_changes.csv"))
                written.append(write_csv_atomic(topics.stability, out_dir / "topic_stability.csv"))
        with stages("figures"):  # what the worker has still to draw
            saver.wait()
    write_manifest(out_dir, inputs, written)
    return written
