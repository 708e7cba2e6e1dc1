"""The main job: regenerate every figure and table of a data folder.

``corpus report`` calls :func:`build_report`. Each analysis adds its
figures here; every figure is written as PNG, SVG and PDF with its data as
CSV (see :func:`corpus.plots.save_figure`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from . import config
from .clean import clean_docs, split_paragraphs
from .dating import date_docs, era_markers_file, read_era_markers
from .errors import CorpusError
from .features import (
    DEFAULT_TERMS,
    count_terms,
    doc_similarity,
    era_tfidf,
    term_counts,
    term_trajectories,
)
from .files import write_csv_atomic
from .keyness import keyness_by_era, word_shift
from .load import load_docs
from .plots import (
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
    save_figure,
    use_cjk_font,
)
from .segment import (
    lexicon_file,
    make_segmenter,
    read_lexicon,
    read_stopwords,
    segment_docs,
    stopwords_file,
)
from .topics import choose_k, fit_topics, is_stable, topic_changes, topic_prevalence, topic_stability, topic_units


def documents_table(docs: pd.DataFrame, paragraphs: pd.DataFrame, tokens: pd.DataFrame, *, terms=()) -> pd.DataFrame:
    """One row per speech without the texts: metadata, sizes, encoding, checksum.

    ``n_sections`` counts the numbered headings (一、二、...); ``n_tokens``
    all tokens, ``n_content`` those that are not stopwords, ``n_lexicon``
    those that are lexicon terms.
    """
    per_doc = paragraphs.groupby("doc_id").agg(
        n_paragraphs=("para", "size"), n_sections=("kind", lambda kind: int((kind == "heading").sum()))
    )
    per_doc = per_doc.join(tokens.assign(
        content=~tokens["is_stop"], lexicon=tokens["token"].isin(set(terms))
    ).groupby("doc_id").agg(n_tokens=("token", "size"), n_content=("content", "sum"), n_lexicon=("lexicon", "sum")))
    table = docs.drop(columns=["text", "text_clean"], errors="ignore").merge(
        per_doc, left_on="id", right_index=True, how="left"
    )
    return table


def build_report(
    data_dir: str | Path = config.DATA_DIR,
    *,
    out_dir: str | Path = config.FIGURES_DIR,
    cache_dir: str | Path | None = config.CACHE_DIR,
    log: Callable[[str], None] = lambda message: None,
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

    Returns
    -------
    list of pathlib.Path
        Every file written, in order.
    """
    out_dir = Path(out_dir)
    docs = clean_docs(load_docs(data_dir))
    paragraphs = split_paragraphs(docs)
    lexicon = read_lexicon(lexicon_file(data_dir))
    segmenter = make_segmenter(lexicon=lexicon, stopwords=stopwords_file(data_dir))
    tokens = segment_docs(docs, segmenter=segmenter, stopwords=read_stopwords(stopwords_file(data_dir)),
                          cache_dir=cache_dir)
    log(f"segmented {tokens.attrs['segmented']}, cached {tokens.attrs['cached']}")
    use_cjk_font()
    written = []
    table = overview_table(docs)
    ax = plot_overview(table)
    written += save_figure(ax.figure, "corpus_overview", out_dir=out_dir, data=table)
    plt.close(ax.figure)
    table = documents_table(docs, paragraphs, tokens, terms=lexicon["term"])
    written.append(write_csv_atomic(table, out_dir / "documents.csv"))
    written += _vocabulary_figures(docs, tokens, out_dir=out_dir)
    written += _topic_figures(docs, paragraphs, tokens, out_dir=out_dir, log=log)
    dated = date_docs(docs, markers=read_era_markers(era_markers_file(data_dir)))
    written += _save(plot_dating(dated), "dating", out_dir, dating_table(dated))
    return written


def word_shift_eras(eras: list[str]) -> tuple[str, str]:
    """The two eras of the report's word shift: ``config.WORD_SHIFT_ERAS`` if present, else first and last."""
    wanted = config.WORD_SHIFT_ERAS
    return wanted if all(era in eras for era in wanted) else (eras[0], eras[-1])


def _save(artist, name: str, out_dir: Path, data: pd.DataFrame) -> list[Path]:
    fig = artist.figure if hasattr(artist, "figure") else artist.ravel()[0].figure
    written = save_figure(fig, name, out_dir=out_dir, data=data)
    plt.close(fig)
    return written


def _vocabulary_figures(docs: pd.DataFrame, tokens: pd.DataFrame, *, out_dir: Path) -> list[Path]:
    """Term trajectories, keyness per era, the word shift, speech similarity, TF-IDF per era."""
    written = []
    trajectories = term_trajectories(docs, DEFAULT_TERMS)
    speeches = term_counts(docs, DEFAULT_TERMS)
    written += _save(plot_trajectories(trajectories, speeches=speeches), "term_trajectories", out_dir, trajectories)
    counts = count_terms(tokens, docs)
    eras = list(dict.fromkeys(counts["era"]))
    if len(eras) >= 2:
        kdf = keyness_by_era(counts)
        written += _save(plot_keyness(kdf), "keyness_by_era", out_dir, kdf)
        reference, comparison = word_shift_eras(eras)
        shift = word_shift(counts, reference=reference, comparison=comparison)
        written += _save(plot_word_shift(shift, reference=reference, comparison=comparison), "word_shift", out_dir, shift)
    similarity = doc_similarity(tokens, docs)
    labels = {doc_id: f"{doc_id} ({year})" for doc_id, year in zip(docs["id"], docs["year"])}
    written += _save(plot_similarity(similarity, labels=labels), "doc_similarity", out_dir,
                     similarity.rename_axis("id").reset_index())
    written.append(write_csv_atomic(era_tfidf(tokens, docs), out_dir / "era_tfidf.csv"))
    return written


def _topic_figures(docs, paragraphs, tokens, *, out_dir: Path, log) -> list[Path]:
    """NMF topics over paragraphs: coherence against k, prevalence by era, top words; stability in the log."""
    try:
        units = topic_units(tokens, paragraphs, docs)
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
    written = _save(plot_coherence(curve), "topic_coherence", out_dir, curve)
    written += _save(plot_topic_prevalence(prevalence), "topic_prevalence", out_dir, prevalence)
    words = model.topic_words.assign(label=lambda f: [model.labels[t] for t in f["topic"]])
    written += _save(plot_topic_words(model.topic_words, labels=model.labels), "topic_words", out_dir, words)
    if len(eras) >= 2:
        written.append(write_csv_atomic(topic_changes(prevalence), out_dir / "topic_changes.csv"))
    written.append(write_csv_atomic(stability, out_dir / "topic_stability.csv"))
    return written
