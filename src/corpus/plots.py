"""Figures: one style with a Chinese font, drawing functions, and saving.

Drawing functions take a frame and an optional ``ax`` and return the
``Axes``; they never show or save. :func:`save_figure` writes PNG, SVG and
PDF plus the plotted data as CSV, with fixed metadata so that the same data
gives byte-identical files.
"""

from __future__ import annotations

import importlib.resources
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib import font_manager

from . import config

CJK_FAMILY = "Noto Sans CJK SC"
# Searched when the font package is missing (e.g. a conda install without pip).
_FALLBACK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")
_ERA_COLORS = ("#1b4f72", "#b03a2e", "#1e8449", "#7d3c98", "#b9770e", "#2e86c1", "#717d7e")


def cjk_font_path() -> Path | None:
    """Path of the bundled OFL Noto Sans CJK font file, if the package is installed."""
    try:
        path = importlib.resources.files("noto_cjk_sans_otc") / "NotoSansCJK-Regular.ttc"
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_file() else None


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese with a CJK font, in PNG, SVG and PDF.

    Registers the Noto Sans CJK collection from the ``noto-cjk-sans-otc``
    package (no system install, nothing written to matplotlib's folders or
    the user's config), asks for the Simplified Chinese face by name (the
    collection's first face is Japanese), draws SVG text as paths and keeps
    PDF fonts as Type 3 (Type 42 breaks with CFF-based Noto fonts).

    Returns
    -------
    str
        The font family now used for text.
    """
    path = cjk_font_path()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        family = CJK_FAMILY
    else:
        available = {f.name for f in font_manager.fontManager.ttflist}
        family = next((f for f in _FALLBACK_FAMILIES if f in available), None)
        if family is None:
            warnings.warn(
                "no CJK font found: Chinese will show as boxes; pip install noto-cjk-sans-otc",
                stacklevel=2,
            )
            family = "DejaVu Sans"
    plt.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "corpus",
        "pdf.fonttype": 3,
        "figure.dpi": 100,
        "savefig.dpi": config.FIGURE_DPI,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "axes.labelsize": 9,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
    })
    return family


def era_colors(eras) -> dict[str, str]:
    """A fixed colour per era, in the order given."""
    return {era: _ERA_COLORS[i % len(_ERA_COLORS)] for i, era in enumerate(dict.fromkeys(eras))}


def overview_table(docs: pd.DataFrame) -> pd.DataFrame:
    """The data behind :func:`plot_overview`: one row per speech, in year order.

    Columns: ``id, year, era, title, n_chars, n_han, year_basis, label``.
    """
    size = docs["n_han"] if "n_han" in docs else docs["n_chars"]
    table = docs.assign(n_han=size)[["id", "year", "era", "title", "n_chars", "n_han", "year_basis"]]
    table = table.sort_values(["year", "id"], kind="stable").reset_index(drop=True)
    flag = table["year_basis"].map(lambda b: "（年份据标题）" if b == "title" else "")
    return table.assign(label=table["year"].astype(str) + " · " + table["id"] + " · " + table["title"] + flag)


def plot_overview(table: pd.DataFrame, *, ax=None):
    """Horizontal bars: size of each speech in Han characters, by year.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`overview_table`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(config.FIGURE_WIDTH_IN, 0.45 * len(table) + 1.2))
    colors = era_colors(table["era"])
    y = range(len(table))[::-1]
    bars = ax.barh(list(y), table["n_han"], color=[colors[e] for e in table["era"]], height=0.65)
    for bar, basis in zip(bars, table["year_basis"]):
        if basis == "title":
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    ax.set_yticks(list(y), table["label"])
    ax.bar_label(bars, labels=[f"{n:,}" for n in table["n_han"]], padding=3, fontsize=8)
    ax.set_xlabel("汉字数")
    ax.set_title(f"语料概览：{len(table)} 篇讲话，{table['n_han'].sum():,} 个汉字")
    ax.set_xlim(0, table["n_han"].max() * 1.15)
    if (table["year_basis"] == "title").any():
        ax.annotate("斜线：年份取自标题，内容所指年代不同（见 corpus validate）", xy=(0, -0.12 - 0.9 / len(table)),
                    xycoords="axes fraction", fontsize=7, color="#555555", annotation_clip=False)
    return ax


def save_figure(fig, name: str, *, out_dir: str | Path = config.FIGURES_DIR, data: pd.DataFrame | None = None) -> list[Path]:
    """Write ``fig`` as PNG (300 dpi), SVG and PDF, and ``data`` as CSV beside them.

    Metadata that would change between runs (dates, random ids) is fixed, so
    the same figure gives the same bytes. Files are written to a temporary
    name and then renamed, so an interrupted run leaves no half-written file.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    metadata = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    }
    written = []
    for fmt in config.FIGURE_FORMATS:
        path = out_dir / f"{name}.{fmt}"
        tmp = path.with_name(f".{path.name}.tmp")
        fig.savefig(tmp, format=fmt, metadata=metadata[fmt], bbox_inches="tight")
        os.replace(tmp, path)
        written.append(path)
    if data is not None:
        path = out_dir / f"{name}.csv"
        tmp = path.with_name(f".{path.name}.tmp")
        data.to_csv(tmp, index=False, lineterminator="\n")
        os.replace(tmp, path)
        written.append(path)
    return written
