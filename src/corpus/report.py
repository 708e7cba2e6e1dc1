"""The main job: regenerate every figure and table of a data folder.

``corpus report`` calls :func:`build_report`. Each analysis adds its
figures here; every figure is written as PNG, SVG and PDF with its data as
CSV (see :func:`corpus.plots.save_figure`).
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from . import config
from .clean import clean_docs, split_paragraphs
from .load import load_docs
from .plots import overview_table, plot_overview, save_figure, use_cjk_font


def documents_table(docs: pd.DataFrame, paragraphs: pd.DataFrame) -> pd.DataFrame:
    """One row per speech without the texts: metadata, sizes, encoding, checksum.

    ``n_sections`` counts the numbered headings (一、二、...).
    """
    per_doc = paragraphs.groupby("doc_id").agg(
        n_paragraphs=("para", "size"), n_sections=("kind", lambda kind: int((kind == "heading").sum()))
    )
    table = docs.drop(columns=["text", "text_clean"], errors="ignore").merge(
        per_doc, left_on="id", right_index=True, how="left"
    )
    return table


def build_report(
    data_dir: str | Path = config.DATA_DIR,
    *,
    out_dir: str | Path = config.FIGURES_DIR,
) -> list[Path]:
    """Load, clean and analyse a data folder; write all figures and tables.

    Returns
    -------
    list of pathlib.Path
        Every file written, in order.
    """
    out_dir = Path(out_dir)
    docs = clean_docs(load_docs(data_dir))
    paragraphs = split_paragraphs(docs)
    use_cjk_font()
    written = []
    table = overview_table(docs)
    ax = plot_overview(table)
    written += save_figure(ax.figure, "corpus_overview", out_dir=out_dir, data=table)
    plt.close(ax.figure)
    written.append(_write_csv(documents_table(docs, paragraphs), out_dir / "documents.csv"))
    return written


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, path)
    return path
