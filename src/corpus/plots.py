"""Figures: one style with a Chinese font, one palette, drawing functions, and saving.

Every ``plot_*`` function takes a frame (and optionally the ``ax``/``axes``
to draw into) and returns a :class:`FigureDisplay`, as scikit-learn's
``*Display`` objects do: the figure, its Axes, the data behind it and a
default file name. Nothing is shown or saved; :func:`save_figure` writes
PNG, SVG and PDF plus the display's data as CSV, with fixed metadata so that
the same data gives byte-identical files.

Every figure fits a report page (at most :data:`PAGE_WIDTH_IN` by
:data:`PAGE_HEIGHT_IN`) whether it shows 4 eras or 70, 5 speeches or
10,000: tick labels are thinned until none overlaps (:func:`year_ticks`,
:func:`thin_ticks`, :func:`tick_step`), heatmaps print a number in a cell
only when it fits (:func:`cell_label_size`), rows shrink or aggregate
before a figure grows past the page. Titles and axis labels are Chinese
(``lang="zh"``, the default) or English (``lang="en"``), from
:data:`LABELS`; terms, era labels and topic labels are the data's own.
"""

from __future__ import annotations

import importlib.resources
import math
import os
import re
import unicodedata
import warnings
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.colors import SymLogNorm
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter
from pandas.api.types import union_categoricals

from . import config
from .errors import CorpusError
from .files import frame_digest, naming, temp_path, write_csv_atomic
from .manifest import fingerprint, unchanged
from .memory import become_worker, sigint_blocked

CJK_FAMILY = "Noto Sans CJK SC"
# Searched when the font package is missing (e.g. a conda install without pip).
_FALLBACK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")

PALETTE = {
    "primary": "#1b4f72",
    "accent": "#b03a2e",
    "note": "#555555",
    "estimate": "#f4d03f",
    "outside": "#c0392b",
    "inside": "#27ae60",
    "eras": ("#1b4f72", "#b03a2e", "#1e8449", "#7d3c98", "#b9770e", "#2e86c1", "#717d7e"),
    "markers": {"plan": "#1b4f72", "congress": "#b03a2e", "theory": "#7d3c98", "campaign": "#b9770e",
                "event": "#1e8449", "slogan": "#7f8c8d"},
}
"""Every colour of every figure, by role, so that a report's figures read as one set.

``primary``
    The data: lines, bars, the reference side of a word shift.
``accent``
    What stands out: single speeches, the chosen k, the comparison side of a word shift.
``note``
    Annotations and bar labels.
``estimate``, ``outside``, ``inside``
    Dating: the estimated range, and the labelled year outside or inside it.
``eras``
    One per era, in order (see :func:`era_colors`).
``markers``
    Dating: one per kind of era marker.
"""

# A report page: 18 cm wide, at most ~25 cm tall. New figures are FIGURE_WIDTH_IN wide and at most
# MAX_HEIGHT_IN tall, so that the tight bounding box saved stays inside the page.
PAGE_WIDTH_IN = 7.09
PAGE_HEIGHT_IN = 9.8
MAX_HEIGHT_IN = 9.2
# Up to this many eras, keyness draws one bar panel per era; beyond, one terms x eras heat table.
MAX_KEYNESS_PANELS = 8
# Rows of the keyness heat table (terms), and the most terms an era brings to it; steps of a year axis.
MAX_KEYNESS_ROWS = 48
KEYNESS_TERMS_PER_ERA = 3
YEAR_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)

LANGS = ("zh", "en")
LABELS: dict[str, dict] = {
    "zh": {
        "speeches": "{n:,} 篇讲话",
        "year": "年份",
        "era": "时期",
        "overview_title": "语料概览：{n:,} 篇讲话，{han:,} 个汉字",
        "overview_title_eras": "语料概览：{n:,} 篇讲话，{eras:,} 个时期，{han:,} 个汉字",
        "overview_han": "汉字数",
        "overview_flag": "（年份据标题）",
        "overview_note": "斜线：年份取自标题，内容所指年代不同（见 corpus validate）",
        "overview_era_row": "{era} · {n:,} 篇讲话",
        "trajectories_title": "提法的兴衰：每万汉字出现次数（线：各时期合计；圈：单篇讲话）",
        "trajectories_ylabel": "每万汉字出现次数",
        "trajectories_speech": "单篇讲话",
        "similarity_title_doc": "讲话之间的用词相似度（TF-IDF 余弦）",
        "similarity_title_era": "各时期讲话之间的平均用词相似度（TF-IDF 余弦）",
        "similarity_colorbar": "余弦相似度",
        "keyness_empty": "没有词达到最低频次（min_count）：语料太小",
        "keyness_title": "各时期的关键词（该时期对其余时期）",
        "keyness_heat_title": "各时期的关键词（该时期对其余时期；每个时期最多 {k} 个词）",
        "keyness_measure": {"g2": "G²（对数似然，与其余时期相比）", "logodds_z": "log-odds z（Monroe 等 2008）"},
        "keyness_heat_colorbar": {"g2": "带符号的 G²（红：该时期更多；蓝：更少）",
                                  "logodds_z": "log-odds z（红：该时期更多；蓝：更少）"},
        "keyness_count": "{n}次",
        "shift_xlabel": "占全部实词的比例变化（百分点）：← {reference} 更多 ｜ {comparison} 更多 →",
        "shift_title": "词语变化：{reference} → {comparison}（前 {n} 个词占全部变化的 {explained:.0%}）",
        "dating_row": "{id}（标注 {year}）",
        "dating_title": ("从用词推断讲话年代：黄色＝{level:.0%} 概率范围，●＝最可能年份，"
                         "◆＝元数据年份（红：不在范围内）"),
        "estimate_title": "{label}：{span}（{level:.0%} 概率），最可能 {best} 年",
        "estimate_ylabel": "概率",
        "estimate_range": "{level:.0%} 范围",
        "estimate_year": "元数据年份 {year}",
        "dating_note": "（显示 {shown} / {total:,} 篇：先列年份不符者）",
        "dating_legend": "标志词窗口",
        "dating_kinds": {"plan": "五年规划", "congress": "党代会", "theory": "理论", "campaign": "活动",
                         "event": "事件", "slogan": "提法"},
        "coherence_chosen": "选定 k = {k}",
        "coherence_xlabel": "主题数 k",
        "coherence_ylabel": "平均 NPMI 一致性",
        "coherence_title": "选择主题数：段落共现的 NPMI（Röder 等 2015）",
        "prevalence_title": "各时期的主题占比（NMF，段落为单位）",
        "prevalence_colorbar": "段落主题占比（按长度加权）",
        "topic": "主题 {topic}",
        "topic_labelled": "主题 {topic}：{label}",
        "topic_words_title": "各主题的高权重词",
    },
    "en": {
        "speeches": "{n:,} speeches",
        "year": "Year",
        "era": "Era",
        "overview_title": "Corpus overview: {n:,} speeches, {han:,} Han characters",
        "overview_title_eras": "Corpus overview: {n:,} speeches in {eras:,} eras, {han:,} Han characters",
        "overview_han": "Han characters",
        "overview_flag": " (year from title)",
        "overview_note": "Hatched: year taken from the title; the content points elsewhere (see corpus validate)",
        "overview_era_row": "{era} · {n:,} speeches",
        "trajectories_title": "Phrases per 10,000 Han characters (line: era total; circles: single speeches)",
        "trajectories_ylabel": "Per 10,000 Han characters",
        "trajectories_speech": "Single speech",
        "similarity_title_doc": "Word-use similarity between speeches (TF-IDF cosine)",
        "similarity_title_era": "Mean word-use similarity between eras' speeches (TF-IDF cosine)",
        "similarity_colorbar": "Cosine similarity",
        "keyness_empty": "No term reaches the minimum count (min_count): the corpus is too small",
        "keyness_title": "Key terms of each era (the era against all others)",
        "keyness_heat_title": "Key terms of each era against all others (at most {k} per era)",
        "keyness_measure": {"g2": "G² (log-likelihood, against the other eras)",
                            "logodds_z": "log-odds z (Monroe et al. 2008)"},
        "keyness_heat_colorbar": {"g2": "Signed G² (red: more in the era; blue: less)",
                                  "logodds_z": "log-odds z (red: more in the era; blue: less)"},
        "keyness_count": "{n}×",
        "shift_xlabel": "Change in share of content words (points): ← more in {reference} | more in {comparison} →",
        "shift_title": "Word shift: {reference} → {comparison} (top {n} words: {explained:.0%} of the change)",
        "dating_row": "{id} (labelled {year})",
        "dating_title": "Dating speeches from their words\n"
                        "yellow = {level:.0%} range, ● = most probable year, "
                        "◆ = metadata year (red: outside the range)",
        "estimate_title": "{label}: {span} ({level:.0%}), most probable {best}",
        "estimate_ylabel": "Probability",
        "estimate_range": "{level:.0%} range",
        "estimate_year": "metadata year {year}",
        "dating_note": "(showing {shown} of {total:,} speeches: mismatches first)",
        "dating_legend": "Marker windows",
        "dating_kinds": {"plan": "five-year plan", "congress": "party congress", "theory": "theory",
                         "campaign": "campaign", "event": "event", "slogan": "slogan"},
        "coherence_chosen": "chosen k = {k}",
        "coherence_xlabel": "Number of topics k",
        "coherence_ylabel": "Mean NPMI coherence",
        "coherence_title": "Choosing k: NPMI of paragraph co-occurrence\n(Röder et al. 2015)",
        "prevalence_title": "Topic shares by era (NMF, paragraphs as units)",
        "prevalence_colorbar": "Share of paragraphs (length-weighted)",
        "topic": "Topic {topic}",
        "topic_labelled": "Topic {topic}: {label}",
        "topic_words_title": "Top words of each topic",
    },
}
"""Every title, axis label, legend and colorbar label, per language (``lang="zh"`` or ``"en"``).

Terms, era labels and topic labels are data and are never translated.
"""


def _labels(lang: str) -> dict:
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return LABELS[lang]


# Pure helpers: where ticks go, and whether text fits. Sizes are in points (1/72 in).

def text_em(text: str) -> float:
    """Width of ``text`` in ems, as Noto Sans CJK draws it (a little more for Latin text).

    1 per Chinese (wide) character and full-width punctuation, 0.75 per
    capital, 0.25 per space, 0.6 per other character; the widest line counts
    when ``text`` has several.

    >>> text_em("十二五")
    3.0
    >>> text_em("2011")
    2.4
    """
    return max(sum(map(_char_em, line)) for line in str(text).split("\n"))


def _char_em(char: str) -> float:
    if unicodedata.east_asian_width(char) in ("W", "F", "A"):
        return 1.0
    return 0.25 if char == " " else 0.75 if char.isupper() else 0.6


def year_ticks(first: int, last: int, *, max_labels: int) -> list[int]:
    """Round years to label on a time axis from ``first`` to ``last``: at most ``max_labels`` of them.

    The step is the smallest of :data:`YEAR_STEPS` (1, 2, 5, 10, 20, 25, 50, 100
    years) that gives at most ``max_labels`` ticks; ticks are the multiples of
    the step between ``first`` and ``last``.

    >>> year_ticks(1954, 2025, max_labels=8)
    [1960, 1970, 1980, 1990, 2000, 2010, 2020]
    >>> year_ticks(2006, 2023, max_labels=4)
    [2010, 2015, 2020]
    """
    first, last = math.ceil(first), math.floor(last)
    max_labels = max(1, int(max_labels))
    for step in YEAR_STEPS:
        ticks = list(range(-(-first // step) * step, last + 1, step))
        if 1 <= len(ticks) <= max_labels:
            return ticks
    return [first] if first <= last else []


def thin_ticks(values, *, max_labels: int) -> list:
    """Every k-th of ``values``, from the first, with k the smallest step leaving at most ``max_labels``.

    >>> thin_ticks(["一五", "二五", "三五", "四五", "五五"], max_labels=3)
    ['一五', '三五', '五五']
    """
    values = list(values)
    step = max(1, math.ceil(len(values) / max(1, int(max_labels))))
    return values[::step]


def tick_step(extents, *, pad: float = 0.0) -> int:
    """Smallest k such that labels 0, k, 2k, ... do not overlap along their axis.

    Parameters
    ----------
    extents : sequence of (start, end)
        Each label's extent along the axis (e.g. in points), in increasing order of ``start``.
    pad : float
        Space wanted between two labels kept.

    >>> tick_step([(0, 10), (8, 18), (16, 26), (24, 34)], pad=1)
    2
    """
    extents = list(extents)
    for step in range(1, len(extents) + 1):
        kept = extents[::step]
        if all(b[0] - a[1] >= pad for a, b in zip(kept, kept[1:], strict=False)):
            return step
    return max(1, len(extents))


def cell_label_size(width: float, height: float, text: str, *, max_size: float = 7.0,
                    min_size: float = 5.0) -> float | None:
    """Font size (points, a multiple of 0.5) at which ``text`` fits a heatmap cell, or None if it does not.

    The text needs :func:`text_em` x size plus 2 pt across, and 1.3 x size in height.

    Parameters
    ----------
    width, height : float
        The cell's size in points.
    text : str
        The widest text to write.
    max_size, min_size : float
        The largest size used, and the smallest still readable.

    >>> cell_label_size(40, 20, "0.33")
    7.0
    >>> cell_label_size(16, 16, "0.33")
    5.5
    >>> cell_label_size(12, 12, "0.33") is None
    True
    """
    size = min(max_size, (width - 2) / max(text_em(text), 1e-9), height / 1.3)
    size = math.floor(size * 2) / 2
    return size if size >= min_size else None


def fit_font_size(text: str, width: float, *, max_size: float, min_size: float = 6.0) -> float:
    """Largest font size at which ``text`` spans at most ``width`` points (a multiple of 0.5, within the bounds).

    >>> fit_font_size("十二五", 30, max_size=9)
    9.0
    >>> fit_font_size("习近平新时代中国特色社会主义思想", 120, max_size=9)
    7.5
    """
    size = math.floor(width / max(text_em(text), 1e-9) * 2) / 2
    return float(max(min_size, min(max_size, size)))


def shorten(text: str, max_em: float) -> str:
    """``text`` cut to at most ``max_em`` ems (see :func:`text_em`), ending in "…" when cut.

    >>> shorten("县总工会七届十次全委（扩大）会议讲话", 8)
    '县总工会七届十…'
    """
    text = str(text)
    if text_em(text) <= max_em:
        return text
    while text and text_em(text) + 1 > max_em:
        text = text[:-1]
    return text + "…"


def symlog_ticks(limit: float, threshold: float, *, max_labels: int = 4) -> list[float]:
    """Colorbar ticks of a symmetric log scale from ``-limit`` to ``limit``: 0, then round values past ``threshold``.

    Round values are 2, 5 and 10 times powers of ten; with more than
    ``max_labels`` a side, powers of ten only, then every k-th from the largest.

    >>> symlog_ticks(1500, 3.84)
    [-1000, -100, -10, 0, 10, 100, 1000]
    >>> symlog_ticks(12, 1.96)
    [-10, -5, -2, 0, 2, 5, 10]
    """
    mags = [m * 10 ** e for e in range(0, 9) for m in (1, 2, 5) if threshold < m * 10 ** e <= limit]
    if len(mags) > max_labels:
        mags = [m for m in mags if str(m).rstrip("0") == "1"]
    if len(mags) > max_labels:
        mags = thin_ticks(mags[::-1], max_labels=max_labels)[::-1]
    return [-m for m in mags[::-1]] + [0] + mags


def is_year_label(label) -> bool:
    """Whether an era label is a year ("2011"): eras are then years, and time is a numeric axis."""
    return re.fullmatch(r"\d{4}", str(label)) is not None


def _pt(pixels: float, fig) -> float:
    return pixels * 72 / fig.dpi


def _layout(fig) -> None:
    """Lay the figure out (no pixels drawn), so that Axes and text have their final sizes."""
    fig.draw_without_rendering()


def _axes_pt(ax) -> tuple[float, float]:
    """Width and height of an Axes in points, as last laid out."""
    box = ax.get_window_extent()
    return _pt(box.width, ax.figure), _pt(box.height, ax.figure)


def _declutter(axes, *, pad: float = 2.0, rounds: int = 3) -> None:
    """Thin fixed tick labels (categories, years) until no two on an axis overlap.

    Lays the figure out, measures every label, keeps every k-th (:func:`tick_step`)
    where some overlap, and lays out again: fewer labels only leave more room.
    """
    fig = axes[0].figure
    for _ in range(rounds):
        _layout(fig)
        changed = False
        for ax in axes:
            if not ax.get_visible():
                continue
            for axis, along in ((ax.xaxis, 0), (ax.yaxis, 1)):
                if not isinstance(axis.get_major_locator(), FixedLocator):  # matplotlib's own locators space theirs
                    continue
                low, high = sorted(axis.get_view_interval())
                shown = [(loc, label) for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels(),
                                                            strict=False)
                         if label.get_visible() and label.get_text() and low - 1e-9 <= loc <= high + 1e-9]
                if len(shown) < 2:
                    continue
                shown.sort(key=lambda pair: pair[0])  # the first category keeps its label, whichever way the axis runs
                boxes = [label.get_window_extent() for _, label in shown]
                spans = [(_pt(b.x0, fig), _pt(b.x1, fig)) if along == 0 else (_pt(b.y0, fig), _pt(b.y1, fig))
                         for b in boxes]
                if spans[0][0] > spans[-1][0]:  # an inverted axis (a heatmap's rows)
                    spans = [(-end, -start) for start, end in spans]
                step = tick_step(spans, pad=pad)
                if step == 1:
                    continue
                kept = range(0, len(shown), step)
                first = shown[0][1]
                props = {"rotation": first.get_rotation(), "ha": first.get_ha(), "va": first.get_va(),
                         "rotation_mode": first.get_rotation_mode(), "fontsize": first.get_fontsize()}
                axis.set_ticks([shown[i][0] for i in kept], [shown[i][1].get_text() for i in kept], **props)
                changed = True
        if not changed:
            return


def _year_axis(ax, first: float, last: float, *, fontsize: float = 7.0) -> None:
    """Label a numeric time axis with round years (:func:`year_ticks`) that fit its laid-out width."""
    width, _ = _axes_pt(ax)
    max_labels = max(1, int(width // (text_em("2000") * fontsize + 10)))
    ticks = year_ticks(first, last, max_labels=max_labels)
    ax.set_xticks(ticks, [str(t) for t in ticks], fontsize=fontsize)


def _time_positions(frame: pd.DataFrame, eras: list) -> tuple[dict, bool]:
    """Each era's place on the x axis, and whether eras are years.

    Years are their own position; named eras (plans, congresses) sit at the
    ``year`` the frame gives them (their middle); without a ``year`` column,
    eras are equally spaced, in order.
    """
    by_year = bool(eras) and all(is_year_label(e) for e in eras)
    if by_year:
        return {e: int(e) for e in eras}, True
    if "year" in frame:
        year = frame.drop_duplicates("era").set_index("era")["year"]
        if year.reindex(eras).notna().all():
            return {e: float(year[e]) for e in eras}, False
    return {e: i for i, e in enumerate(eras)}, False


def _pad(first: float, last: float) -> float:
    return max(0.6, 0.04 * (last - first))


def _multi_layout(fig) -> None:
    """A caller's figure without a layout engine gets tight_layout, as before; ours are constrained."""
    if fig.get_layout_engine() is None:
        fig.tight_layout()


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
        if CJK_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
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
    palette = PALETTE["eras"]
    return {era: palette[i % len(palette)] for i, era in enumerate(dict.fromkeys(eras))}


def overview_table(docs: pd.DataFrame, *, max_rows: int = config.MAX_FIGURE_ROWS, lang: str = "zh") -> pd.DataFrame:
    """The data behind :func:`plot_overview`: one row per speech in year order, or per era if there are many.

    Columns: ``id, year, era, title, n_chars, n_han, year_basis, label, n_speeches``;
    with more than ``max_rows`` speeches, one row per era (``id`` empty,
    ``year`` the era's first year, ``title`` the number of speeches, sizes
    summed). ``lang`` is the language of ``title`` and ``label`` (see :data:`LABELS`).
    """
    text = _labels(lang)
    size = docs["n_han"] if "n_han" in docs else docs["n_chars"]
    table = docs.assign(n_han=size)[["id", "year", "era", "title", "n_chars", "n_han", "year_basis"]]
    table = table.sort_values(["year", "id"], kind="stable").reset_index(drop=True)
    if len(table) > max_rows:
        table = table.groupby("era", sort=False).agg(
            year=("year", "min"), n_speeches=("id", "size"), n_chars=("n_chars", "sum"), n_han=("n_han", "sum"),
        ).reset_index()
        return table.assign(
            id="", title=[text["speeches"].format(n=n) for n in table["n_speeches"]], year_basis="",
            label=[text["overview_era_row"].format(era=e, n=n) for e, n in zip(table["era"], table["n_speeches"],
                                                                               strict=True)],
        )[["id", "year", "era", "title", "n_chars", "n_han", "year_basis", "label", "n_speeches"]]
    flag = table["year_basis"].map(lambda b: text["overview_flag"] if b == "title" else "")
    return table.assign(label=table["year"].astype(str) + " · " + table["id"] + " · " + table["title"] + flag,
                        n_speeches=1)


@dataclass(eq=False)
class FigureDisplay:
    """A drawn figure and the data behind it, like scikit-learn's ``*Display`` objects.

    Every ``plot_*`` function returns one. In a notebook, show ``display.figure_``;
    to write the files, call :meth:`save` or :func:`save_figure`.

    Attributes
    ----------
    data : pandas.DataFrame
        The table the figure shows, exactly as it is written to ``<name>.csv``.
    figure_ : matplotlib.figure.Figure
        The figure drawn on.
    axes_ : numpy.ndarray of matplotlib.axes.Axes
        The Axes drawn, flat, in drawing order (one element for a single-panel figure).
    name : str
        The default file stem, e.g. ``"corpus_overview"``.
    """

    data: pd.DataFrame = field(repr=False)
    figure_: Figure
    axes_: np.ndarray = field(repr=False)
    name: str

    def save(self, *, out_dir: str | Path, name: str | None = None) -> list[Path]:
        """Write the figure and its data: :func:`save_figure` of this display.

        Parameters
        ----------
        out_dir : path
            Folder to write into (created if missing).
        name : str, optional
            File stem; default :attr:`name`.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        return save_figure(self, name, out_dir=out_dir)


def _axes(given=None, *, height: float, width: float = config.FIGURE_WIDTH_IN, n: int = 1, ncols: int = 1):
    """Apply the style, then return ``given`` or ``n`` new Axes, as a flat array.

    Every figure is made here, so that the CJK font and the rest of the style
    are in place before the first text is drawn, whoever calls a ``plot_*``
    function and whatever they called before.

    Parameters
    ----------
    given : Axes or sequence of Axes, optional
        Axes supplied by the caller: styled, not resized.
    height : float
        Height in inches of one row of new Axes; the figure is at most :data:`MAX_HEIGHT_IN` tall.
    width : float
        Width in inches of a new figure.
    n, ncols : int
        Number of new Axes, and columns of the grid they fill; cells left over are hidden.
    """
    use_cjk_font()
    if given is not None:
        return np.asarray(given, dtype=object).ravel()
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    # Constrained layout keeps every label inside the figure, so the saved (tight) figure is this size.
    _, axes = plt.subplots(nrows, ncols, figsize=(width, min(height * nrows, MAX_HEIGHT_IN)), squeeze=False,
                           layout="constrained")
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return axes.ravel()[:n]


def _display(data: pd.DataFrame, axes, name: str) -> FigureDisplay:
    axes = np.asarray(axes, dtype=object).ravel()
    return FigureDisplay(data=data, figure_=axes[0].figure, axes_=axes, name=name)


def _fit_title(text: str, fig, *, max_size: float, share: float = 1.0) -> float:
    """Size at which a title spans at most ``share`` of the figure's width."""
    return fit_font_size(text, fig.get_figwidth() * 72 * share - 16, max_size=max_size)


def _fit_over_axes(ax, label) -> None:
    """Shrink a title or axis label centred on a laid-out Axes until it stays inside the figure."""
    fig = ax.figure
    box = ax.get_window_extent()
    room = _pt(2 * min((box.x0 + box.x1) / 2, fig.bbox.width - (box.x0 + box.x1) / 2), fig) - 8
    label.set_fontsize(fit_font_size(label.get_text(), room, max_size=label.get_fontsize()))


def _panel_width_pt(ax) -> float:
    """An Axes' width in points before layout (its grid cell), for sizing panel titles."""
    fig = ax.figure
    return ax.get_position().width * fig.get_figwidth() * 72


def _cell_texts(ax, values: np.ndarray, fmt: str, *, dark, skip_diagonal: bool = False,
                max_size: float = 7.0) -> float | None:
    """Write each finite value in its heatmap cell, if the text fits the cell as laid out (else nothing).

    ``dark(value)`` says when the text should be white. Returns the font size used, or None.
    """
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    width, height = _axes_pt(ax)
    n_rows, n_cols = values.shape
    widest = max((_cell_format(fmt, v) for v in finite), key=text_em)
    size = cell_label_size(width / n_cols, height / n_rows, widest, max_size=max_size)
    if size is None:
        return None
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value) and not (skip_diagonal and i == j):
            ax.text(j, i, _cell_format(fmt, value), ha="center", va="center", fontsize=size,
                    color="white" if dark(value) else "black")
    return size


def _cell_format(fmt: str, value: float) -> str:
    """``fmt.format(value)``, without the sign of a value that rounds to zero ("0", not "-0")."""
    text = fmt.format(value)
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def _category_xticks(ax, labels: list[str], *, fontsize: float, pad: float = 2.0) -> None:
    """Label a categorical x axis (one label per unit): level if they fit, else at 45°, else upright.

    Beyond 20 categories labels stay level and :func:`_declutter` keeps every k-th.

    Call after a layout; :func:`_declutter` then thins what still overlaps.
    """
    n = len(labels)
    if not n:
        return
    fig = ax.figure
    ax.set_xticks(range(n), labels, fontsize=fontsize)
    boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    if not boxes:
        return
    widest = max(_pt(b.width, fig) for b in boxes)
    tallest = max(_pt(b.height, fig) for b in boxes)
    pitch = _axes_pt(ax)[0] / n * 0.85  # room lost to the rotated labels themselves
    if pitch >= widest + pad or n > 20:  # many categories: level labels, every k-th, read best
        return
    if pitch >= (widest + tallest) * 0.7072 + pad:
        ax.set_xticks(range(n), labels, fontsize=fontsize, rotation=45, ha="right", rotation_mode="anchor")
    else:
        ax.set_xticks(range(n), labels, fontsize=fontsize, rotation=90, ha="center", rotation_mode="default")


def plot_overview(table: pd.DataFrame, *, ax=None, lang: str = "zh") -> FigureDisplay:
    """Horizontal bars: size of each speech (or era) in Han characters, in year order.

    With more rows than :data:`corpus.config.MAX_FIGURE_ROWS` (eras, when
    :func:`overview_table` aggregated a large corpus), one bar per year on a
    time axis instead, so that the figure keeps its height. Rows shrink (and
    their font with them) so that 40 rows still fit a page; long titles are
    shortened with "…" (the data keep them whole).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`overview_table`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    lang : {"zh", "en"}
        Language of the title and axis labels.

    Returns
    -------
    FigureDisplay
        ``data`` is ``table``; ``name`` is ``"corpus_overview"``.
    """
    text = _labels(lang)
    n = len(table)
    by_era = n > 0 and bool((table["id"].astype(str) == "").all())
    speeches = int(table["n_speeches"].sum()) if "n_speeches" in table else n
    han = int(table["n_han"].sum())
    title = (text["overview_title_eras"].format(n=speeches, eras=n, han=han) if by_era
             else text["overview_title"].format(n=speeches, han=han))
    if n > config.MAX_FIGURE_ROWS:
        return _overview_by_year(table, ax=ax, title=title, text=text)
    flagged = (table["year_basis"] == "title").to_numpy()
    own = ax is None
    pitch = min(0.45, (MAX_HEIGHT_IN - 1.9) / max(n, 1))  # inches per bar
    (ax,) = _axes(ax, height=pitch * n + 1.2 + (0.3 if flagged.any() else 0))
    fontsize = min(8.0, max(5.0, pitch * 72 * 0.6))
    max_em = 3.3 * 72 / fontsize  # the labels take at most 3.3 in of the 6.3 in
    if by_era:
        labels = [text["overview_era_row"].format(era=shorten(era, max_em / 2), n=k)
                  for era, k in zip(table["era"], table["n_speeches"], strict=True)]
    else:
        labels = []
        for row, flag in zip(table.itertuples(index=False), flagged, strict=True):
            prefix, suffix = f"{row.year} · {row.id} · ", text["overview_flag"] if flag else ""
            labels.append(prefix + shorten(row.title, max_em - text_em(prefix) - text_em(suffix)) + suffix)
    colors = era_colors(table["era"])
    y = range(n)[::-1]
    bars = ax.barh(list(y), table["n_han"], color=[colors[e] for e in table["era"]], height=0.65)
    for bar, flag in zip(bars, flagged, strict=True):
        if flag:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    ax.set_yticks(list(y), labels, fontsize=fontsize)
    ax.set_ylim(-0.6, n - 0.4)
    numbers = [f"{k:,}" for k in table["n_han"]]
    ax.bar_label(bars, labels=numbers, padding=3, fontsize=fontsize)
    ax.set_xlabel(text["overview_han"])
    ax.set_title(title, fontsize=_fit_title(title, ax.figure, max_size=11))
    room = (max(map(text_em, numbers), default=1) * fontsize + 6) / (2.6 * 72)  # the numbers right of the bars
    ax.set_xlim(0, max(table["n_han"].max(), 1) * (1 + max(0.15, room)))
    if flagged.any() and own:  # under the whole figure: a long note does not squeeze the bars
        ax.figure.supxlabel(text["overview_note"], fontsize=7, color=PALETTE["note"])
    elif flagged.any():
        ax.annotate(text["overview_note"], xy=(0.5, 0), xycoords=ax.xaxis.label, xytext=(0, -4),
                    textcoords="offset points", ha="center", va="top", fontsize=7, color=PALETTE["note"])
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    return _display(table, [ax], "corpus_overview")


def _overview_by_year(table: pd.DataFrame, *, ax, title: str, text: dict) -> FigureDisplay:
    """Many rows: one bar per year (an era at its first year) on a time axis, gaps visible."""
    sums = table.groupby("year", sort=True)["n_han"].sum()
    years = sums.index.to_numpy(float)
    (ax,) = _axes(ax, height=3.0)
    gap = float(np.diff(years).min()) if len(years) > 1 else 1.0
    ax.bar(years, sums.to_numpy(), width=0.8 * gap, color=PALETTE["primary"])
    pad = _pad(years[0], years[-1]) + 0.4 * gap
    ax.set_xlim(years[0] - pad, years[-1] + pad)
    ax.set_xlabel(text["year"])
    ax.set_ylabel(text["overview_han"])
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))  # not a lambda: figures are pickled
    ax.set_title(title, fontsize=_fit_title(title, ax.figure, max_size=11))
    ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    _layout(ax.figure)
    _year_axis(ax, years[0], years[-1], fontsize=8)
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    return _display(table, [ax], "corpus_overview")


def plot_trajectories(trajectories: pd.DataFrame, *, speeches: pd.DataFrame | None = None, axes=None,
                      ncols: int = 3, lang: str = "zh") -> FigureDisplay:
    """One small panel per term: its rate per 10,000 Han characters across eras, on a time axis.

    Eras that are years sit on a numeric year axis, so that gaps show
    (1960, 1964 and 1975 are not equal steps); its labels are round years
    (:func:`year_ticks`). Named eras (plans, congresses) sit at their
    ``year`` (their middle), labelled with their names, thinned until none
    overlaps.

    Parameters
    ----------
    trajectories : pandas.DataFrame
        Output of :func:`corpus.features.term_trajectories`.
    speeches : pandas.DataFrame, optional
        Output of :func:`corpus.features.term_counts` for the same terms: every
        speech is drawn as a hollow point, so one speech never hides behind a mean.
    axes : sequence of Axes, optional
        One per term; a new grid if omitted.
    ncols : int
        Columns of a new grid.
    lang : {"zh", "en"}
        Language of the title and axis labels.

    Returns
    -------
    FigureDisplay
        ``data`` is ``trajectories``; ``name`` is ``"term_trajectories"``.
    """
    text = _labels(lang)
    terms = list(dict.fromkeys(trajectories["term"]))
    used = max(1, min(ncols, len(terms)))
    nrows = -(-len(terms) // used)
    given = axes
    axes = _axes(axes, n=len(terms), ncols=ncols, height=min(1.9, (MAX_HEIGHT_IN - 0.6) / max(nrows, 1)))
    fig = axes[0].figure
    order = trajectories.sort_values("year", kind="stable") if "year" in trajectories else trajectories
    eras = list(order["era"].drop_duplicates())
    x_of, by_year = _time_positions(trajectories, eras)
    xs = sorted(x_of.values())
    dense = len(eras) > 20
    crowd = speeches is not None and len(speeches) > 300 * max(len(terms), 1)  # points would bury the line
    top = max(trajectories["per10k"].max(), speeches["per10k"].max() if speeches is not None else 0) * 1.15 or 1
    cell = fig.get_figwidth() * 72 / used - 10 if given is None else _panel_width_pt(axes[0])
    title_size = min((fit_font_size(t, cell, max_size=9) for t in terms), default=9)
    for ax, term in zip(axes, terms, strict=False):  # axes given may be more than needed
        rows = trajectories[trajectories["term"] == term].assign(_x=lambda f: f["era"].map(x_of)).sort_values("_x")
        ax.plot(rows["_x"], rows["per10k"], color=PALETTE["primary"], marker="o", markersize=2.5 if dense else 4,
                linewidth=1 if dense else 1.5, zorder=5 if crowd else 3)
        with_ci = rows.dropna(subset=["ci_low"])
        if len(with_ci):
            ax.errorbar(with_ci["_x"], with_ci["per10k"], fmt="none", ecolor=PALETTE["primary"],
                        capsize=0 if dense else 2, linewidth=0.6 if dense else 0.8, zorder=5 if crowd else 2,
                        yerr=[with_ci["per10k"] - with_ci["ci_low"], with_ci["ci_high"] - with_ci["per10k"]])
        if speeches is not None:
            points = speeches[speeches["term"] == term]
            size, width = (3, 0.4) if crowd else (8, 0.6) if dense else (14, 0.8)
            ax.scatter(points["era"].map(x_of), points["per10k"], s=size, facecolors="none",
                       edgecolors=PALETTE["accent"], linewidths=width, alpha=0.3 if crowd else 1.0, zorder=4,
                       label=text["trajectories_speech"],
                       rasterized=crowd)  # one image, not a path per speech: 10,000 speeches made a 12 MB SVG
        ax.set_title(term, fontsize=title_size)
        ax.set_ylim(0, top)
        if xs:
            ax.set_xlim(xs[0] - _pad(xs[0], xs[-1]), xs[-1] + _pad(xs[0], xs[-1]))
        ax.tick_params(axis="both", labelsize=7)
        ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    axes[0].set_ylabel(text["trajectories_ylabel"])
    fig.suptitle(text["trajectories_title"], fontsize=_fit_title(text["trajectories_title"], fig, max_size=10))
    _multi_layout(fig)
    _layout(fig)
    shown = [ax for ax in axes[:len(terms)]]
    for ax in shown:
        if not xs:
            continue
        if by_year:
            _year_axis(ax, xs[0], xs[-1], fontsize=7)
        else:
            ordered = sorted(eras, key=x_of.get)
            ax.set_xticks([x_of[e] for e in ordered], [str(e) for e in ordered], fontsize=7)
            ax.set_xticks([x_of[e] for e in ordered], minor=True)
    _declutter(shown)
    return _display(trajectories, axes, "term_trajectories")


def save_figure(display: FigureDisplay, name: str | None = None, *, out_dir: str | Path) -> list[Path]:
    """Write a display's figure as PNG (300 dpi), SVG and PDF, and its data as CSV beside them.

    Metadata that would change between runs (dates, random ids) is fixed, so
    the same figure gives the same bytes. Files are written to a temporary
    name and then renamed, so an interrupted run leaves no half-written file.

    Parameters
    ----------
    display : FigureDisplay
        What a ``plot_*`` function returned.
    name : str, optional
        File stem; default ``display.name``.
    out_dir : path
        Folder to write into (created if missing).

    Returns
    -------
    list of pathlib.Path
        The files written, as :func:`figure_files` lists them.
    """
    return _write_figure(display.figure_, name or display.name, Path(out_dir), display.data)


def _write_figure(fig, name: str, out_dir: Path, data: pd.DataFrame) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    metadata = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    }
    written = figure_files(name, out_dir=out_dir)
    for fmt, path in zip(config.FIGURE_FORMATS, written, strict=False):  # the CSV, last, is not a figure format
        tmp = temp_path(path)
        try:
            with naming(path):
                fig.savefig(tmp, format=fmt, metadata=metadata[fmt], bbox_inches="tight")
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    write_csv_atomic(data, written[-1])
    return written


def figure_files(name: str, *, out_dir: str | Path, data: bool = True) -> list[Path]:
    """The files :func:`save_figure` writes for ``name``: one per format, then the CSV if there is data."""
    out_dir = Path(out_dir)
    return [out_dir / f"{name}.{fmt}" for fmt in config.FIGURE_FORMATS] + ([out_dir / f"{name}.csv"] if data else [])


def _figure_worker(parent: int) -> None:
    """Set up a figure worker: the CJK font, and a watch that ends it when its parent dies (even by kill -9).

    Ctrl-C reaches the whole process group: the worker ignores it, so that only the parent answers (one line,
    ``interrupted``) and the worker, orphaned, ends by the watch, without a traceback of its own.
    """
    import signal

    become_worker(parent)
    signal.signal(signal.SIGTERM, _stop_drawing)  # the parent stops it: as an exception, so no temp file is left
    use_cjk_font()


def _stop_drawing(signum, frame) -> None:
    raise SystemExit(1)


def _write_figure_in_worker(*job) -> list[Path]:
    """:func:`_write_figure` in the worker, which ends when its parent stops it (its temp files removed first)."""
    try:
        return _write_figure(*job)
    except SystemExit:
        os._exit(1)  # not back to the pool's loop, which would take the next figure


def figure_key(display: FigureDisplay, *, code: str = "") -> str:
    """What a figure's files depend on, as one hash: its data (:func:`corpus.files.frame_digest`), every text it
    shows, its size, and ``code`` (the package's and libraries' fingerprint,
    :func:`corpus.manifest.code_and_libraries`)."""
    texts = [text.get_text() for text in display.figure_.findobj(Text)]
    return fingerprint([frame_digest(display.data), repr(texts).encode(),
                        repr(tuple(display.figure_.get_size_inches())).encode(), code.encode()])


class FigureSaver:
    """Save figures in a worker process while the caller goes on computing, and skip those that did not change.

    Drawing a figure in three formats takes 0.5-3 s, and the report makes
    nine: one worker process draws them on the second core while the next
    stage runs. The worker gets the figure itself (matplotlib figures
    pickle) and its data, and uses the same font set-up, so files are
    byte-identical to those drawn in-process. ``background=False`` saves at
    once instead.

    A figure whose key (:func:`figure_key`) is the one ``previous`` gives for
    its name, and whose files are still those ``recorded`` (name: sha256, the
    last run's manifest), is not drawn again: its files are already right.
    :attr:`keys` holds every figure's key for the next run's manifest;
    :attr:`reused` names the figures skipped.

    Use as a context manager; :meth:`save` returns the paths it will write,
    :meth:`wait` returns when every file is written (and raises any error), drawing here those the worker has
    not started.
    """

    def __init__(self, *, background: bool = True, previous: dict[str, str] | None = None,
                 recorded: dict[str, str] | None = None, code: str = ""):
        self._pool, self._pending, self._jobs = None, [], []
        self._previous, self._recorded, self._code = previous or {}, recorded or {}, code
        self.keys: dict[str, str] = {}
        self.reused: list[str] = []
        self.drawn_here = 0  # figures :meth:`wait` drew in this process rather than wait for the worker
        if background:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            try:  # spawn, not fork: the parent may hold threads and gigabytes of data
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_figure_worker, initargs=(os.getpid(),))
                with sigint_blocked():  # the worker is deaf to Ctrl-C from its start, even while it imports
                    self._pending.append(self._queue(cjk_font_path))  # start now: imports overlap our work
            except (OSError, NotImplementedError, ImportError):  # no process support (e.g. no /dev/shm): draw here
                self._pool, self._pending = None, []

    def _queue(self, function, *args, **kwargs):
        """Hand ``function(*args, **kwargs)`` to the worker; return its future.

        Before Python 3.12 (CPython gh-107219), the pool's own thread, finding its worker killed (:meth:`close`
        with ``stop``), raised ``InvalidStateError`` on the first future already cancelled: a thread traceback
        after the one-line Ctrl-C message, and the cleanup after it skipped, so that a queue thread could block
        the exit of the process for good (seen once in CI). Each future here takes that error quietly instead.
        """
        future = self._pool.submit(function, *args, **kwargs)
        future.set_exception = partial(_set_exception_unless_cancelled, future)
        return future

    def save(self, display: FigureDisplay, name: str | None = None, *, out_dir: str | Path) -> list[Path]:
        """Write a display like :func:`save_figure` (now, or in the worker); close its figure; return its paths."""
        out_dir, name = Path(out_dir), name or display.name
        key = self.keys[name] = figure_key(display, code=self._code)
        plt.close(display.figure_)  # first: pyplot forgets it, and the worker gets a figure nothing else touches
        files = figure_files(name, out_dir=out_dir)
        if self._previous.get(name) == key and unchanged(out_dir, files, self._recorded):
            self.reused.append(name)
            return files
        if self._pool is None:
            return save_figure(display, name, out_dir=out_dir)
        job = (display.figure_, name, out_dir, display.data)
        self._jobs.append((self._queue(_write_figure_in_worker, *job), job))
        return files

    def submit(self, function, *args, **kwargs):
        """Run ``function(*args, **kwargs)`` in the worker (or here, at once, without one); return its future.

        For other work the figures' worker can take while this process computes (the HTML page's font).
        """
        if self._pool is not None:
            return self._queue(function, *args, **kwargs)
        from concurrent.futures import Future

        future = Future()
        future.set_result(function(*args, **kwargs))
        return future

    def wait(self) -> None:
        """Block until every figure is written; re-raise the first error of the worker.

        The figures the worker has not started are drawn here meanwhile, from the last one back, while it works
        from the first: at the end of a report this process has nothing else to do (at 1,000 speeches the
        worker still had ~4 s of drawing when the analyses were done).
        """
        try:
            for future, job in reversed(self._jobs):
                if future.cancel():  # not started by the worker: it never will be
                    _write_figure(*job)
                    self.drawn_here += 1
            for future in [*self._pending, *(future for future, _ in self._jobs if not future.cancelled())]:
                future.result()
        finally:
            self._pending, self._jobs = [], []

    def close(self, *, stop: bool = False) -> None:
        """End the worker once it is idle; with ``stop``, at once (it drops the figure it is drawing)."""
        if self._pool is not None:
            if stop:  # Ctrl-C or an error: no waiting seconds for a figure nobody will use
                for future, _ in self._jobs:
                    future.cancel()
                # The pool's own processes: no public way to stop them before Python 3.14 (terminate_workers).
                for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                    process.terminate()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, error_type, *exc):
        self.close(stop=error_type is not None)


def _set_exception_unless_cancelled(future, exception: BaseException) -> None:
    """``Future.set_exception`` that lets a cancelled future be (as Python 3.12 does in the pool, gh-107219)."""
    from concurrent.futures import Future, InvalidStateError

    with suppress(InvalidStateError):
        Future.set_exception(future, exception)


def plot_similarity(similarity: pd.DataFrame, *, labels: dict[str, str] | None = None, ax=None,
                    title: str | None = None, by: str = "doc", lang: str = "zh") -> FigureDisplay:
    """Heatmap of cosine similarity (speech by speech, or era by era), in the frame's order.

    Values are written in the cells only when they fit; with many rows the
    tick labels are thinned (every k-th) and the figure grows to the page's width.

    Parameters
    ----------
    similarity : pandas.DataFrame
        Square frame indexed and labelled by speech id (or era), e.g. from
        :func:`corpus.features.doc_similarity` or :func:`corpus.features.era_similarity`.
    labels : dict, optional
        Tick label for each id; the id itself if missing.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    title : str, optional
        Title of the Axes; default, by ``by`` and ``lang``, from :data:`LABELS`.
    by : {"doc", "era"}
        What the rows are: speeches or eras (for the default title).
    lang : {"zh", "en"}
        Language of the title and colorbar label.

    Returns
    -------
    FigureDisplay
        ``data`` is ``similarity`` with its index as a first column ``id``; ``name`` is ``"doc_similarity"``.
    """
    text = _labels(lang)
    if by not in ("doc", "era"):
        raise ValueError(f"by must be 'doc' or 'era', not {by!r}")
    title = text[f"similarity_title_{by}"] if title is None else title
    n = len(similarity)
    if n <= 12:
        size = (config.FIGURE_WIDTH_IN * 0.75, config.FIGURE_WIDTH_IN * 0.62)
    else:
        size = (config.FIGURE_WIDTH_IN, min(config.FIGURE_WIDTH_IN * 0.92, MAX_HEIGHT_IN))
    (ax,) = _axes(ax, width=size[0], height=size[1])
    names = [str(labels.get(i, i)) if labels else str(i) for i in similarity.index]
    values = similarity.to_numpy(dtype=float).copy()
    np.fill_diagonal(values, np.nan)  # self-similarity is 1 and would flatten the colour scale
    finite = values[np.isfinite(values)]
    low, top = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    low = low - 0.25 * (top - low)  # keep the least similar pair visibly tinted
    image = ax.imshow(values, cmap="Blues", vmin=low, vmax=top)
    fontsize = 8 if n <= 20 else 7
    ax.set_xticks(range(n), names, fontsize=fontsize)
    ax.set_yticks(range(n), names, fontsize=fontsize)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=text["similarity_colorbar"])
    ax.set_title(title, fontsize=_fit_title(title, ax.figure, max_size=11))
    ax.spines[:].set_visible(False)
    _layout(ax.figure)
    _category_xticks(ax, names, fontsize=fontsize)
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    _cell_texts(ax, values, "{:.2f}", dark=lambda v: v > (low + top) / 2, skip_diagonal=True)
    return _display(similarity.rename_axis("id").reset_index(), [ax], "doc_similarity")


def plot_keyness(kdf: pd.DataFrame, *, top_n: int = 10, measure: str = "g2", axes=None,
                 ncols: int = 2, max_panels: int = MAX_KEYNESS_PANELS, lang: str = "zh") -> FigureDisplay:
    """The most distinctive terms of each era (each era against the rest).

    Up to ``max_panels`` eras: one bar panel per era, its ``top_n`` terms.
    More eras: one heat table, terms x eras (:func:`_keyness_heat`), so that
    the figure keeps a page's height at 70 eras.

    Parameters
    ----------
    kdf : pandas.DataFrame
        Output of :func:`corpus.keyness.keyness_by_era`.
    top_n : int
        Terms per era, strongest first (only terms more frequent in the era).
    measure : {"g2", "logodds_z"}
        The bar length (or the colour of the heat table).
    axes : sequence of Axes, optional
        One per era; a new grid if omitted (the heat table draws into the first).
    ncols : int
        Columns of a new grid.
    max_panels : int
        Most eras drawn as panels.
    lang : {"zh", "en"}
        Language of the titles and axis labels.

    Returns
    -------
    FigureDisplay
        ``data`` is ``kdf``; ``name`` is ``"keyness_by_era"``.
    """
    text = _labels(lang)
    if measure not in ("g2", "logodds_z"):
        raise ValueError(f"measure must be g2 or logodds_z, not {measure!r}")
    eras = list(dict.fromkeys(kdf["era"]))
    if not eras:
        return _keyness_empty(kdf, axes, text)
    if len(eras) > max_panels:
        return _keyness_heat(kdf, eras, measure=measure, axes=axes, text=text)
    used = max(1, min(ncols, len(eras)))
    nrows = -(-len(eras) // used)
    height = min(0.22 * top_n + 0.9, (MAX_HEIGHT_IN - 0.5) / nrows)
    axes = _axes(axes, n=len(eras), ncols=ncols, height=height)
    fontsize = min(7.0, max(5.0, (height - 0.75) * 72 / max(top_n, 1) * 0.75))
    colors = era_colors(eras)
    for ax, era in zip(axes, eras, strict=False):
        rows = kdf[(kdf["era"] == era) & (kdf[measure] > 0)].nlargest(top_n, measure, keep="first")[::-1]
        bars = ax.barh(range(len(rows)), rows[measure], color=colors[era], height=0.7)
        ax.set_yticks(range(len(rows)), rows["term"])
        ax.bar_label(bars, labels=[text["keyness_count"].format(n=n) for n in rows["n_target"]], padding=2,
                     fontsize=min(6.0, fontsize), color=PALETTE["note"])
        ax.set_title(f"{era}", fontsize=9)
        ax.set_xlim(0, (rows[measure].max() if len(rows) else 1) * 1.25)
        ax.tick_params(axis="y", labelsize=fontsize)
        ax.tick_params(axis="x", labelsize=7)
    axes[-1].set_xlabel(text["keyness_measure"][measure])
    fig = axes[0].figure
    fig.suptitle(text["keyness_title"], fontsize=_fit_title(text["keyness_title"], fig, max_size=10))
    _multi_layout(fig)
    _declutter(list(axes))
    return _display(kdf, axes, "keyness_by_era")


def _keyness_empty(kdf: pd.DataFrame, axes, text: dict) -> FigureDisplay:
    given = None if axes is None else np.asarray(axes, dtype=object).ravel()[:1]
    (ax,) = _axes(given, height=1.5)
    ax.text(0.5, 0.5, text["keyness_empty"], ha="center", va="center", transform=ax.transAxes, fontsize=9)
    ax.set_axis_off()
    return _display(kdf, [ax], "keyness_by_era")


def keyness_terms(kdf: pd.DataFrame, *, measure: str = "g2", max_rows: int = MAX_KEYNESS_ROWS) -> list[str]:
    """The terms of the keyness heat table: each era's strongest, then second strongest ..., at most ``max_rows``.

    Each era contributes up to :data:`KEYNESS_TERMS_PER_ERA` terms (only
    terms more frequent in the era); all eras' first terms come before any
    second term, the strongest first, so that every era is represented
    before any has two.

    >>> kdf = pd.DataFrame({"era": ["a", "a", "b", "b"], "term": ["x", "y", "y", "z"], "g2": [9.0, 5.0, 7.0, 1.0]})
    >>> keyness_terms(kdf, max_rows=2)
    ['x', 'y']
    >>> keyness_terms(kdf, max_rows=6)
    ['x', 'y', 'z']
    """
    eras = list(dict.fromkeys(kdf["era"]))
    if not eras:
        return []
    per_era = KEYNESS_TERMS_PER_ERA
    positive = kdf[kdf[measure] > 0]
    ranked = positive.sort_values([measure, "term"], ascending=[False, True], kind="stable")
    ranked = ranked.assign(_rank=ranked.groupby("era", sort=False).cumcount(),
                           _era=ranked["era"].map({e: i for i, e in enumerate(eras)}))
    ranked = ranked[ranked["_rank"] < per_era].sort_values(["_rank", measure, "_era", "term"],
                                                           ascending=[True, False, True, True], kind="stable")
    return list(dict.fromkeys(ranked["term"]))[:max_rows]


def _keyness_heat(kdf: pd.DataFrame, eras: list, *, measure: str, axes, text: dict) -> FigureDisplay:
    """Terms x eras: colour is the signed measure of each term in each era (red: more in that era)."""
    terms = keyness_terms(kdf, measure=measure)
    if not terms:
        return _keyness_empty(kdf, axes, text)
    table = kdf[kdf["term"].isin(terms)].drop_duplicates(["term", "era"]).set_index(["term", "era"])[measure]
    values = table.unstack("era").reindex(index=terms, columns=eras).to_numpy(float)
    filled = np.where(np.isfinite(values), values, -np.inf)
    peak = filled.argmax(axis=1)  # rows in order of the era where each term is strongest: a diagonal over time
    order = sorted(range(len(terms)), key=lambda i: (peak[i], -filled[i, peak[i]], terms[i]))
    values, terms = values[order], [terms[i] for i in order]
    given = None if axes is None else np.asarray(axes, dtype=object).ravel()[:1]
    height = min(MAX_HEIGHT_IN, 0.17 * len(terms) + 1.8)
    (ax,) = _axes(given, height=height)
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    threshold = 3.84 if measure == "g2" else 1.96  # p = 0.05: linear below, logarithmic above
    norm = SymLogNorm(linthresh=threshold, vmin=-limit, vmax=limit, base=10)
    image = ax.imshow(values, cmap=plt.get_cmap("RdBu_r").with_extremes(bad="#eeeeee"), norm=norm, aspect="auto",
                      interpolation="nearest")
    fontsize = min(7.0, max(5.0, (height - 1.8) * 72 / len(terms) * 0.75))
    ax.set_yticks(range(len(terms)), terms, fontsize=fontsize)
    ax.set_xlabel(text["era"])
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.6, label=text["keyness_heat_colorbar"][measure])
    bar.set_ticks(symlog_ticks(limit, threshold))
    bar.ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    bar.ax.yaxis.set_minor_locator(NullLocator())
    title = text["keyness_heat_title"].format(k=KEYNESS_TERMS_PER_ERA)
    ax.set_title(title, fontsize=_fit_title(title, ax.figure, max_size=10))
    ax.spines[:].set_visible(False)
    _layout(ax.figure)
    _category_xticks(ax, [str(e) for e in eras], fontsize=7)
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    _cell_texts(ax, values, "{:.0f}", dark=lambda v: abs(norm(v) - 0.5) > 0.3, max_size=6)
    return _display(kdf, [ax], "keyness_by_era")


def plot_word_shift(shift: pd.DataFrame, *, reference: str, comparison: str, top_n: int = 20,
                    ax=None, lang: str = "zh") -> FigureDisplay:
    """Word shift between two eras: which words account for the difference.

    Bars are the change in each word's share of all content tokens
    (shifterator's proportion shift), in percentage points: to the right,
    more frequent in ``comparison``; to the left, in ``reference``.

    Parameters
    ----------
    shift : pandas.DataFrame
        Output of :func:`corpus.keyness.word_shift`, sorted by size.
    reference, comparison : str
        Era labels, for the title and legend.
    top_n : int
        Words drawn, largest shift first.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    lang : {"zh", "en"}
        Language of the title and axis label.

    Returns
    -------
    FigureDisplay
        ``data`` is ``shift`` (every word, not only those drawn); ``name`` is ``"word_shift"``.
    """
    text = _labels(lang)
    rows = shift.head(top_n)[::-1]
    pitch = min(0.2, (MAX_HEIGHT_IN - 1.3) / max(len(rows), 1))
    (ax,) = _axes(ax, height=pitch * len(rows) + 1.2)
    values = rows["shift"] * 100
    colors = [PALETTE["accent"] if v > 0 else PALETTE["primary"] for v in values]
    ax.barh(range(len(rows)), values, color=colors, height=0.7)
    ax.set_yticks(range(len(rows)), rows["term"])
    ax.axvline(0, color="black", linewidth=0.6)
    xlabel = text["shift_xlabel"].format(reference=reference, comparison=comparison)
    ax.set_xlabel(xlabel, fontsize=_fit_title(xlabel, ax.figure, max_size=9, share=0.8))
    explained = rows["cumulative"].max() if "cumulative" in rows and len(rows) else float("nan")
    title = text["shift_title"].format(reference=reference, comparison=comparison, n=len(rows), explained=explained)
    ax.set_title(title, fontsize=_fit_title(title, ax.figure, max_size=11, share=0.9))
    limit = max(abs(values).max() if len(values) else 0, 1e-9) * 1.15
    ax.set_xlim(-limit, limit)
    ax.tick_params(axis="y", labelsize=min(7.0, max(5.0, pitch * 72 * 0.7)))
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    _fit_over_axes(ax, ax.xaxis.label)
    return _display(shift, [ax], "word_shift")


def dating_table(dated: pd.DataFrame) -> pd.DataFrame:
    """The data behind :func:`plot_dating`: one row per (speech, marker), plus the estimate.

    Columns: ``id, year, low, high, best, inside, marker, kind, count, first, last``.
    """
    rows = [
        (d.id, d.year, d.low, d.high, d.best, d.inside, e["marker"], e["kind"], e["count"], e["first"], e["last"])
        for d in dated.itertuples(index=False) for e in (d.evidence or [{}])
        if e
    ]
    columns = ["id", "year", "low", "high", "best", "inside", "marker", "kind", "count", "first", "last"]
    return pd.DataFrame(rows, columns=columns)


def concat_dating_tables(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """:func:`dating_table` of consecutive slices of one corpus, as one frame, the ``marker`` and ``kind``
    columns categorical (one code per row, not one string each: 450,000 rows at 30,000 speeches)."""
    if not tables:
        return dating_table(pd.DataFrame(columns=["id", "year", "low", "high", "best", "inside", "evidence"]))
    categorical = {name: union_categoricals([table[name].astype("category") for table in tables])
                   for name in ("marker", "kind")}
    frame = pd.concat([table.drop(columns=list(categorical)) for table in tables], ignore_index=True)
    return frame.assign(**categorical)[tables[0].columns]


def _dating_rows(dated: pd.DataFrame, *, max_rows: int) -> pd.DataFrame:
    """At most ``max_rows`` speeches: every flagged one first, then an even spread of the others, in year order."""
    if len(dated) <= max_rows:
        return dated
    flagged = dated[~dated["inside"]].head(max_rows)
    others = dated[dated["inside"]]
    room = max_rows - len(flagged)
    if room > 0 and len(others):
        spread = others.iloc[np.linspace(0, len(others) - 1, room).round().astype(int)]
    else:
        spread = others.iloc[:0]
    return pd.concat([flagged, spread]).sort_values(["year", "id"], kind="stable")


def plot_dating(dated: pd.DataFrame, *, table: pd.DataFrame | None = None, ax=None, max_markers: int = 12,
                lang: str = "zh") -> FigureDisplay:
    """Per speech: its markers' windows, the estimated range, the best guess and the labelled year.

    At most :data:`corpus.config.MAX_FIGURE_ROWS` speeches are drawn (every
    flagged one first); rows shrink so that they fit a page.

    Parameters
    ----------
    dated : pandas.DataFrame
        Output of :func:`corpus.dating.date_docs`.
    table : pandas.DataFrame, optional
        :func:`dating_table` of ``dated``, when the caller has it: the markers are then drawn from it, and
        ``dated`` needs no ``evidence`` (a large corpus keeps its evidence in this compact form: at 30,000
        speeches the dicts held ~180 MB more).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    max_markers : int
        Marker windows drawn per speech (the most mentioned).
    lang : {"zh", "en"}
        Language of the title, axis label and legend.

    Returns
    -------
    FigureDisplay
        ``data`` is :func:`dating_table` of ``dated`` (every speech, not only those drawn); ``name`` is ``"dating"``.
    """
    text = _labels(lang)
    own = ax is None
    shown = _dating_rows(dated, max_rows=config.MAX_FIGURE_ROWS)
    n = len(shown)
    pitch = min(0.75 if n <= 10 else 0.4, (MAX_HEIGHT_IN - 2.3) / max(n, 1))  # inches per speech
    (ax,) = _axes(ax, height=pitch * n + 2.0)
    pitch_pt = pitch * 72
    fontsize = min(8.0, max(5.0, pitch_pt * 0.65))
    kinds = PALETTE["markers"]
    rows = shown.iloc[::-1].reset_index(drop=True)
    table = dating_table(dated) if table is None else table
    drawn = table[table["id"].isin(set(rows["id"]))]
    marker_rows = {doc_id: group.to_dict("records") for doc_id, group in drawn.groupby("id", sort=False, observed=True)}
    for i, d in rows.iterrows():
        evidence = sorted(marker_rows.get(d["id"], []), key=lambda e: (-e["count"], -e["first"]))[:max_markers]
        for j, e in enumerate(evidence):
            y = i - 0.3 + 0.6 * (j + 0.5) / max(len(evidence), 1)
            ax.plot([e["first"], e["last"] + 1], [y, y], color=kinds[e["kind"]], linewidth=1 if pitch_pt >= 20 else 0.6,
                    alpha=0.55)
        if pd.notna(d["low"]):
            ax.barh(i, d["high"] - d["low"] + 1, left=d["low"], height=0.7, color=PALETTE["estimate"], alpha=0.45,
                    zorder=0)
            ax.plot(d["best"] + 0.5, i, marker="o", color="black", markersize=min(4.0, pitch_pt * 0.3), zorder=3)
        ax.plot(d["year"] + 0.5, i, marker="D", markersize=min(7.0, pitch_pt * 0.5), zorder=4,
                color=PALETTE["outside"] if not d["inside"] else PALETTE["inside"], markeredgecolor="white")
    labels = [text["dating_row"].format(id=d.id, year=d.year) for d in rows.itertuples()]
    ax.set_yticks(range(len(rows)), labels, fontsize=fontsize)
    ax.set_xlabel(text["year"])
    note = "" if n == len(dated) else "\n" + text["dating_note"].format(shown=n, total=len(dated))
    level = float(dated["level"].iloc[0]) if "level" in dated and len(dated) else 0.8
    title = text["dating_title"].format(level=level) + note
    ax.set_title(title, fontsize=_fit_title(title, ax.figure, max_size=9))
    handles = [plt.Line2D([], [], color=c, linewidth=1.5, label=text["dating_kinds"][k]) for k, c in kinds.items()]
    if own:  # below the Axes, where it hides no row
        ax.figure.legend(handles=handles, title=text["dating_legend"], fontsize=7, title_fontsize=7,
                         loc="outside lower center", ncols=len(handles), frameon=False)
        ax.set_ylim(-0.6, len(rows) - 0.4)
    else:
        ax.legend(handles=handles, title=text["dating_legend"], fontsize=7, title_fontsize=7, loc="upper left",
                  ncols=3, frameon=False)
        ax.set_ylim(-0.6, len(rows) + 0.6)
    ax.grid(axis="x", linewidth=0.3, alpha=0.5)
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    return _display(table, [ax], "dating")


def estimate_table(estimate, *, year: int | None = None) -> pd.DataFrame:
    """The data behind :func:`plot_date_estimate`: ``year, probability, in_range`` over the years that matter.

    The candidate years from five before the range to five after, stretched to ``year`` (the metadata year).
    """
    years = sorted(estimate.posterior)
    if not years:
        return pd.DataFrame({"year": pd.Series(dtype=int), "probability": pd.Series(dtype=float),
                             "in_range": pd.Series(dtype=bool)})
    first = max(years[0], min(estimate.low - 5, year or estimate.low))
    last = min(years[-1], max(estimate.high + 5, year or estimate.high))
    shown = [y for y in years if first <= y <= last]
    return pd.DataFrame({"year": shown, "probability": [estimate.posterior[y] for y in shown],
                         "in_range": [y in estimate for y in shown]})


def plot_date_estimate(estimate, *, label: str = "", year: int | None = None, ax=None,
                       lang: str = "zh") -> FigureDisplay:
    """One text's date estimate: the probability of each year, its range shaded, the metadata year marked.

    Parameters
    ----------
    estimate : corpus.dating.DateEstimate
        From :func:`corpus.dating.date_text` (a text with at least one marker).
    label : str
        What the text is (an id, a file name), for the title.
    year : int, optional
        The year the metadata give, drawn as a line.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    lang : {"zh", "en"}
        Language of the title and labels.

    Returns
    -------
    FigureDisplay
        ``data`` is :func:`estimate_table` (with ``year``); ``name`` is ``"date_estimate"``.
    """
    if estimate.low is None:
        raise CorpusError("this text has no era markers, so there is no estimate to draw")
    text = _labels(lang)
    table = estimate_table(estimate, year=year)
    (ax,) = _axes(ax, height=3.2)
    inside = table[table["in_range"]]
    outside = table[~table["in_range"]]
    ax.bar(inside["year"], inside["probability"], width=0.8, color=PALETTE["estimate"], edgecolor="#555555",
           linewidth=0.4, label=text["estimate_range"].format(level=estimate.level))
    ax.bar(outside["year"], outside["probability"], width=0.8, color="#bbbbbb", edgecolor="#555555", linewidth=0.4)
    if year is not None:
        ax.axvline(year, color=PALETTE["outside"] if year not in estimate else PALETTE["inside"], linewidth=1.5,
                   linestyle="--", label=text["estimate_year"].format(year=year))
    ax.set_xlim(table["year"].min() - 0.6, table["year"].max() + 0.6)
    ax.set_xlabel(text["year"])
    ax.set_ylabel(text["estimate_ylabel"])
    span = str(estimate.low) if estimate.low == estimate.high else f"{estimate.low}–{estimate.high}"
    title = text["estimate_title"].format(label=label or "?", span=span, level=estimate.level, best=estimate.best)
    ax.set_title(title, fontsize=_fit_title(title, ax.figure, max_size=10))
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    ax.figure.canvas.draw()  # the laid-out width decides how many year labels fit
    _year_axis(ax, table["year"].min(), table["year"].max())
    _declutter([ax])
    return _display(table, [ax], "date_estimate")


def plot_coherence(curve: pd.DataFrame, *, ax=None, lang: str = "zh") -> FigureDisplay:
    """Mean NPMI coherence against the number of topics k; the chosen k is marked.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`corpus.topics.choose_k`: ``k``, ``coherence``, ``chosen``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    lang : {"zh", "en"}
        Language of the title, axis labels and legend.

    Returns
    -------
    FigureDisplay
        ``data`` is ``curve``; ``name`` is ``"topic_coherence"``.
    """
    text = _labels(lang)
    (ax,) = _axes(ax, width=config.FIGURE_WIDTH_IN * 0.6, height=2.4)
    ax.plot(curve["k"], curve["coherence"], marker="o", color=PALETTE["primary"], markersize=4)
    chosen = curve[curve["chosen"]]
    ax.plot(chosen["k"], chosen["coherence"], marker="o", markersize=9, color=PALETTE["accent"], linestyle="none",
            label=text["coherence_chosen"].format(k=int(chosen["k"].iloc[0])) if len(chosen) else None)
    ks = [int(k) for k in curve["k"]]
    width = _panel_width_pt(ax) - 40
    ax.set_xticks(thin_ticks(ks, max_labels=max(1, int(width // (text_em(str(max(ks, default=0))) * 8 + 8)))))
    ax.set_xlabel(text["coherence_xlabel"])
    ax.set_ylabel(text["coherence_ylabel"])
    ax.set_title(text["coherence_title"], fontsize=_fit_title(text["coherence_title"], ax.figure, max_size=11))
    if len(chosen):
        ax.legend(frameon=False)
    ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    return _display(curve, [ax], "topic_coherence")


def plot_topic_prevalence(prevalence: pd.DataFrame, *, ax=None, lang: str = "zh") -> FigureDisplay:
    """Heatmap: mean share of each topic (rows, named by top words) in each era (columns).

    Shares are written in the cells only when they fit; era labels are
    thinned (every k-th) when there are many.

    Parameters
    ----------
    prevalence : pandas.DataFrame
        Output of :func:`corpus.topics.topic_prevalence`: a group column, then one column per topic.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    lang : {"zh", "en"}
        Language of the title and colorbar label.

    Returns
    -------
    FigureDisplay
        ``data`` is ``prevalence``; ``name`` is ``"topic_prevalence"``.
    """
    text = _labels(lang)
    group = prevalence.columns[0]
    values = prevalence.drop(columns=group).to_numpy(dtype=float).T
    topics = [str(t) for t in prevalence.columns[1:]]
    height = min(MAX_HEIGHT_IN, 0.32 * len(topics) + 1.4)
    (ax,) = _axes(ax, height=height)
    image = ax.imshow(values, cmap="YlOrRd", aspect="auto", vmin=0, interpolation="nearest")
    groups = [str(g) for g in prevalence[group]]
    ax.set_yticks(range(len(topics)), topics, fontsize=min(8.0, max(5.0, (height - 1.4) * 72 / max(len(topics), 1)
                                                                     * 0.7)))
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label=text["prevalence_colorbar"])
    ax.set_title(text["prevalence_title"], fontsize=_fit_title(text["prevalence_title"], ax.figure, max_size=11))
    ax.spines[:].set_visible(False)
    _layout(ax.figure)
    _category_xticks(ax, groups, fontsize=8 if len(groups) <= 12 else 7)
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    top = np.nanmax(values) if values.size else 0
    _cell_texts(ax, values, "{:.0%}", dark=lambda v: v > top * 0.6)
    return _display(prevalence, [ax], "topic_prevalence")


def plot_topic_words(topic_words: pd.DataFrame, *, labels: list[str] | None = None, top_n: int = 8, axes=None,
                     ncols: int = 3, lang: str = "zh") -> FigureDisplay:
    """One small bar chart per topic: its top words and their weights.

    Parameters
    ----------
    topic_words : pandas.DataFrame
        ``topic, rank, term, weight``, e.g. ``TopicModel.topic_words`` from :func:`corpus.topics.fit_topics`.
    labels : list of str, optional
        A short label per topic (indexed by topic number), added to the panel titles.
    top_n : int
        Words drawn per topic.
    axes : sequence of Axes, optional
        One per topic; a new grid if omitted.
    ncols : int
        Columns of a new grid.
    lang : {"zh", "en"}
        Language of the titles.

    Returns
    -------
    FigureDisplay
        ``data`` is ``topic_words``, with a column ``label`` when ``labels`` are given; ``name`` is ``"topic_words"``.
    """
    text = _labels(lang)
    topics = sorted(topic_words["topic"].unique())
    used = max(1, min(ncols, len(topics)))
    nrows = -(-len(topics) // used)
    height = min(0.16 * top_n + 0.8, (MAX_HEIGHT_IN - 0.4) / max(nrows, 1))
    given = axes
    axes = _axes(axes, n=len(topics), ncols=ncols, height=height)
    fontsize = min(7.0, max(5.0, (height - 0.45) * 72 / max(top_n, 1) * 0.75))
    titles = [text["topic_labelled"].format(topic=t, label=labels[t]) if labels else text["topic"].format(topic=t)
              for t in topics]
    # One size for every panel title, such that two neighbours never meet.
    cell = axes[0].figure.get_figwidth() * 72 / used - 28 if given is None else _panel_width_pt(axes[0])
    title_size = min((fit_font_size(t, cell, max_size=8, min_size=5.5) for t in titles), default=8)
    for ax, topic, title in zip(axes, topics, titles, strict=False):
        rows = topic_words[(topic_words["topic"] == topic) & (topic_words["rank"] <= top_n)].sort_values("rank")[::-1]
        ax.barh(range(len(rows)), rows["weight"], color=PALETTE["primary"], height=0.7)
        ax.set_yticks(range(len(rows)), rows["term"])
        ax.set_xticks([])
        ax.tick_params(axis="y", labelsize=fontsize)
        ax.set_title(title, fontsize=title_size)
    fig = axes[0].figure
    fig.suptitle(text["topic_words_title"], fontsize=10)
    _multi_layout(fig)
    _declutter(list(axes[:len(topics)]))
    data = topic_words.assign(label=[labels[t] for t in topic_words["topic"]]) if labels else topic_words
    return _display(data, axes, "topic_words")


def plot_compare(result, *, top_n: int = 15, ax=None, lang: str = "zh") -> FigureDisplay:
    """What one speech says that its reference did not, and what it drops: a diverging bar chart.

    To the right, the new terms (:attr:`corpus.compare.Comparison.new`) with
    their count in the speech; to the left, the missing ones
    (:attr:`corpus.compare.Comparison.missing`) with the count the speech's
    length would hold at the reference's rate (it has none). New terms come
    first, in the table's order; a dotted line parts them from the missing.

    Parameters
    ----------
    result : Comparison or pandas.DataFrame
        From :func:`corpus.compare.compare_speech`, or its
        :func:`corpus.compare.figure_table` (``side, term, kind, value``).
    top_n : int
        Most terms a side.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    lang : {"zh", "en"}
        Language of the title and axis label.

    Returns
    -------
    FigureDisplay
        ``data`` is the figure table (the rows drawn); ``name`` is ``"compare_<target>"`` (``"compare"`` for a frame).
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from .compare import figure_table

    _labels(lang)  # checks lang
    text = {
        "zh": {"title": "{target}：新出现的词与不再使用的词（对照 {reference}）",
               "title_frame": "新出现的词与不再使用的词",
               "before": "{year} 年以前的讲话", "rest": "其余全部讲话", "era": "{era} 时期的讲话",
               "xlabel": "← 对照讲话常用、本篇没有（按篇幅预期的次数） ｜ 本篇新出现（次数） →",
               "new": "{n:g}次", "missing": "预期{n:.1f}", "empty": "没有新出现或不再使用的词"},
        "en": {"title": "{target}: new terms and dropped terms (against {reference})",
               "title_frame": "New and dropped terms",
               "before": "speeches before {year}", "rest": "every other speech", "era": "the speeches of {era}",
               "xlabel": "← used steadily by the reference, absent here (expected count) | new here (count) →",
               "new": "{n:g}", "missing": "expected {n:.1f}", "empty": "no new or dropped terms"},
    }[lang]
    if isinstance(result, pd.DataFrame):
        table, title, name = result.groupby("side", sort=False).head(top_n), text["title_frame"], "compare"
    else:
        table, name = figure_table(result, top_n=top_n), f"compare_{result.target}"
        against = result.against
        reference = (text["before"].format(year=result.year) if against == "before" else text["rest"]
                     if against == "rest" else text["era"].format(era=against))
        title = text["title"].format(target=result.target, reference=reference)
    table = table.reset_index(drop=True)
    n = len(table)
    pitch = min(0.2, (MAX_HEIGHT_IN - 1.3) / max(n, 1))
    (ax,) = _axes(ax, height=pitch * max(n, 3) + 1.2)
    if not n:
        ax.text(0.5, 0.5, text["empty"], ha="center", va="center", transform=ax.transAxes, fontsize=9)
        ax.set_axis_off()
        return _display(table, [ax], name)
    new = table["side"] == "new"
    values = np.where(new, table["value"], -table["value"]).astype(float)
    bars = ax.barh(range(n), values, color=[PALETTE["accent"] if v else PALETTE["primary"] for v in new], height=0.7)
    fontsize = min(7.0, max(5.0, pitch * 72 * 0.7))
    ax.set_yticks(range(n), [shorten(t, 16) for t in table["term"]], fontsize=fontsize)
    ax.bar_label(bars, labels=[text["new" if v else "missing"].format(n=x) for v, x in zip(new, table["value"],
                                                                                          strict=True)],
                 padding=2, fontsize=min(6.0, fontsize), color=PALETTE["note"])
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.6)
    if new.any() and not new.all():
        ax.axhline(int(new.sum()) - 0.5, color=PALETTE["note"], linewidth=0.6, linestyle=":")
    limit = max(float(np.abs(values).max()), 1e-9) * 1.35
    ax.set_xlim(-limit, limit)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, symmetric=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{abs(x):,.0f}"))  # counts both ways: no minus
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel(text["xlabel"], fontsize=_fit_title(text["xlabel"], ax.figure, max_size=8, share=0.8))
    ax.set_title(title, fontsize=_fit_title(title, ax.figure, max_size=10, share=0.9))
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    _fit_over_axes(ax, ax.xaxis.label)
    return _display(table, [ax], name)


# --------------------------------------------------------------------------- collocates by era (issue 18)

MAX_COLLOCATE_ROWS = 40


def collocate_rows(table: pd.DataFrame, *, top_n: int = 8, measure: str = "logdice",
                   max_rows: int = MAX_COLLOCATE_ROWS) -> list[str]:
    """The collocates of :func:`plot_collocates`: each era's best, then second best ..., at most ``max_rows``.

    Only kept rows count (``kept``, see :mod:`corpus.collocates`); every era's first collocate comes
    before any era's second, the strongest first, so that each era is represented before any has two.

    >>> t = pd.DataFrame({"era": ["a", "a", "b", "b"], "collocate": ["x", "y", "y", "z"],
    ...                   "logdice": [12.0, 11.0, 13.0, 10.0], "kept": [True, True, True, True]})
    >>> collocate_rows(t, top_n=2, max_rows=2)
    ['y', 'x']
    >>> collocate_rows(t, top_n=2)
    ['y', 'x', 'z']
    """
    eras = list(dict.fromkeys(table["era"]))
    kept = table[table["kept"]].sort_values([measure, "collocate"], ascending=[False, True], kind="stable")
    kept = kept.assign(_rank=kept.groupby("era", sort=False).cumcount(),
                       _era=kept["era"].map({e: i for i, e in enumerate(eras)}))
    kept = kept[kept["_rank"] < top_n].sort_values(["_rank", measure, "_era", "collocate"],
                                                   ascending=[True, False, True, True], kind="stable")
    return list(dict.fromkeys(kept["collocate"]))[:max_rows]


def plot_collocates(table: pd.DataFrame, *, top_n: int = 8, measure: str = "logdice", axes=None,
                    max_rows: int = MAX_COLLOCATE_ROWS, lang: str = "zh") -> FigureDisplay:
    """The company of a term in each era: collocates x eras, colour the measure, number the co-occurrences.

    Each era brings its ``top_n`` kept collocates; a collocate shared by several eras is one row, so
    it lines up across them. Rows run from the collocates of the earliest eras to those of the latest
    (each row sits with the era where it is strongest). Grey: not a collocate there (fewer than
    ``min_count`` co-occurrences, or none). At most ``max_rows`` rows (the title says when the cap
    bites), so the figure keeps a page's height at 4 eras or 70.

    Parameters
    ----------
    table : pandas.DataFrame
        The collocates frame of :func:`corpus.collocates.collocates`.
    top_n : int
        Collocates each era brings.
    measure : {"logdice", "g2", "mi"}
        The colour.
    axes : Axes or sequence of Axes, optional
        Where to draw (the first); a new figure if omitted.
    max_rows : int
        Most collocates drawn.
    lang : {"zh", "en"}
        Language of the title and labels.

    Returns
    -------
    FigureDisplay
        ``data``: one row per drawn cell, ``era, collocate, f_xy, f_x, f_y, <measure>, kept``;
        ``name`` is ``"collocates"``.
    """
    text = {
        "zh": {"title": "“{term}”的搭配词：各时期前 {k} 个（颜色：{measure}；数字：共现次数）",
               "capped": ("“{term}”的搭配词：各时期前 {k} 个，只显示 {shown} / {total} 个"
                          "（颜色：{measure}；数字：共现次数）"),
               "empty": "没有搭配词达到最低共现次数（min_count）", "era": "时期",
               "measure": {"logdice": "logDice", "g2": "G²（对数似然）", "mi": "MI（互信息）"}},
        "en": {"title": "Company of “{term}”: top {k} collocates per era (colour: {measure}; number: co-occurrences)",
               "capped": "Company of “{term}”: top {k} per era, {shown} of {total} shown "
                         "(colour: {measure}; number: co-occurrences)",
               "empty": "No collocate reaches the minimum count (min_count)", "era": "Era",
               "measure": {"logdice": "logDice", "g2": "G² (log-likelihood)", "mi": "MI"}},
    }
    _labels(lang)  # checks lang
    text = text[lang]
    if measure not in text["measure"]:
        raise ValueError(f"measure must be logdice, g2 or mi, not {measure!r}")
    given = None if axes is None else np.asarray(axes, dtype=object).ravel()[:1]
    summary = table.attrs.get("eras") or {e: {"f_x": 1} for e in dict.fromkeys(table["era"])}
    eras = [e for e in dict.fromkeys(table["era"]) if summary.get(e, {"f_x": 1})["f_x"]]
    total = len(collocate_rows(table, top_n=top_n, measure=measure, max_rows=10**9))
    rows = collocate_rows(table, top_n=top_n, measure=measure, max_rows=max_rows)
    columns = ["era", "collocate", "f_xy", "f_x", "f_y", measure, "kept"]
    if not rows:
        (ax,) = _axes(given, height=1.5)
        ax.text(0.5, 0.5, text["empty"], ha="center", va="center", transform=ax.transAxes, fontsize=9)
        ax.set_axis_off()
        return _display(table.loc[[], columns], [ax], "collocates")
    cells = table[table["collocate"].isin(rows)].drop_duplicates(["era", "collocate"])
    shown = cells.set_index(["collocate", "era"])
    values = shown[measure].where(shown["kept"]).unstack("era").reindex(index=rows, columns=eras).to_numpy(float)
    counts = shown["f_xy"].unstack("era").reindex(index=rows, columns=eras).to_numpy(float)
    filled = np.where(np.isfinite(values), values, -np.inf)
    peak = filled.argmax(axis=1)
    order = sorted(range(len(rows)), key=lambda i: (peak[i], -filled[i, peak[i]], rows[i]))
    values, counts, rows = values[order], counts[order], [rows[i] for i in order]
    height = min(MAX_HEIGHT_IN, 0.17 * len(rows) + 1.8)
    (ax,) = _axes(given, height=height)
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(finite.max())
    image = ax.imshow(values, cmap=plt.get_cmap("Blues").with_extremes(bad="#eeeeee"), aspect="auto",
                      interpolation="nearest", vmin=low - 0.25 * max(high - low, 1e-9), vmax=high)
    fontsize = min(7.0, max(5.0, (height - 1.8) * 72 / len(rows) * 0.75))
    ax.set_yticks(range(len(rows)), [shorten(r, 10) for r in rows], fontsize=fontsize)
    ax.set_xlabel(text["era"])
    ax.figure.colorbar(image, ax=ax, shrink=0.6, label=text["measure"][measure])
    term = str(table["term"].iloc[0]) if len(table) else ""
    title = (text["capped"] if total > len(rows) else text["title"]).format(
        term=term, k=top_n, shown=len(rows), total=total, measure=text["measure"][measure])
    ax.set_title(title, fontsize=_fit_title(title, ax.figure, max_size=10))
    ax.spines[:].set_visible(False)
    _layout(ax.figure)
    _category_xticks(ax, [str(e) for e in eras], fontsize=7)
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    middle = (low + high) / 2
    _cell_texts(ax, np.where(np.isfinite(values), counts, np.nan), "{:.0f}",
                dark=lambda v: False, max_size=6)
    for label in ax.texts:  # white numbers on dark cells: the cell's measure, not its count, decides
        x, y = label.get_position()
        if values[int(round(y)), int(round(x))] > middle:
            label.set_color("white")
    data = cells[cells["era"].isin(eras)][columns].reset_index(drop=True)
    return _display(data, [ax], "collocates")


def plot_periods(result, *, ax=None, lang: str = "zh") -> FigureDisplay:
    """Years on a time axis, shaded by proposed period, with each break and its bootstrap support.

    Bars are each year's content tokens (the evidence a year brings); each
    period is shaded over the years it covers as an era (its range: to the
    year before the next period's first speech), and a dashed line sits
    where the ranges break, marked with the share of bootstrap replicates
    that break in the same gap between two years with speeches (in
    brackets: within one gap). Each period is labelled with its years and
    its top terms; labels that would meet go to a second or third row.

    Parameters
    ----------
    result : corpus.breaks.Periods
        Output of :func:`corpus.breaks.propose_periods`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    lang : {"zh", "en"}
        Language of the title and axis labels.

    Returns
    -------
    FigureDisplay
        ``data`` is one row per year: ``year, n_speeches, n_tokens, period, range_first, range_last,
        support, support_near, terms`` (the period's); ``name`` is ``"periods"``.
    """
    local = {
        "zh": {"title": ("由用词划分的时期：{k} 个（虚线：分界；百分比：{n} 次自助抽样中同处分界的比例，"
                         "括号内为相差一格以内）"),
               "title_plain": "由用词划分的时期：{k} 个（虚线：分界）",
               "ylabel": "实词数（千）"},
        "en": {"title": ("Periods proposed from the vocabulary: {k} (dashed: breaks; %: share of {n} bootstrap "
                         "replicates breaking in the same gap, in brackets within one gap)"),
               "title_plain": "Periods proposed from the vocabulary: {k} (dashed: breaks)",
               "ylabel": "Content tokens (thousands)"},
    }
    text = _labels(lang)
    words = local[lang]
    years, periods, boundaries = result.years, result.periods, result.boundaries
    data = years.merge(periods[["period", "range_first", "range_last", "support", "support_near", "terms"]],
                       on="period", how="left")
    (ax,) = _axes(ax, height=3.2)
    fig = ax.figure
    first, last = int(years["year"].min()), int(years["year"].max())
    colors = era_colors(periods["period"])
    ax.bar(years["year"], years["n_tokens"] / 1000, width=0.8, color=[colors[p] for p in years["period"]],
           alpha=0.85, zorder=2)
    for row in periods.itertuples(index=False):
        ax.axvspan(row.range_first - 0.5, row.range_last + 0.5, color=colors[row.period], alpha=0.10, linewidth=0,
                   zorder=0)
    pad = _pad(first, last)
    ax.set_xlim(first - pad, last + pad)
    ax.set_xlabel(text["year"])
    ax.set_ylabel(words["ylabel"], fontsize=8)
    ax.tick_params(axis="both", labelsize=7)
    title = (words["title"] if result.n_boot else words["title_plain"]).format(k=result.k, n=result.n_boot)
    ax.set_title(title, fontsize=_fit_title(title, fig, max_size=9))
    _multi_layout(fig)
    _layout(fig)
    width_pt, height_pt = _axes_pt(ax)
    per_year = width_pt / (last - first + 2 * pad)

    def rows_for(items):
        """Greedy rows: each (x, width) goes to the first row where it meets no earlier label."""
        ends, rows = [], []
        for x, width in items:
            row = next((i for i, end in enumerate(ends) if end + 4 < x - width / 2), len(ends))
            if row == len(ends):
                ends.append(0.0)
            ends[row] = x + width / 2
            rows.append(row)
        return rows

    size = 7.0
    labels = []
    for row in periods.itertuples(index=False):
        span = (row.range_last - row.range_first + 1) * per_year
        terms = [t for t in str(row.terms).split("、") if t][:3]
        while len(terms) > 1 and text_em("、".join(terms)) * size > max(span, text_em(row.period) * size):
            terms = terms[:-1]
        label = row.period + ("\n" + "、".join(terms) if terms else "")
        labels.append(((row.range_first + row.range_last) / 2, label))  # over its shade, clear of the breaks
    label_rows = rows_for([(x * per_year, text_em(label) * size) for x, label in labels])
    marks = [(b.before - 0.5, f"{b.support:.0%}\n({b.support_near:.0%})")
             for b in boundaries.itertuples(index=False) if result.n_boot]
    mark_size = 6.5
    mark_rows = rows_for([(x * per_year, text_em(mark) * mark_size) for x, mark in marks])
    n_label_rows = max(label_rows, default=-1) + 1
    n_mark_rows = max(mark_rows, default=-1) + 1
    label_pt, mark_pt = 2.5 * size, 2.6 * mark_size
    reserved = n_label_rows * label_pt + n_mark_rows * mark_pt + 4
    share = max(0.35, 1 - reserved / max(height_pt, 1))
    ax.set_ylim(0, float(years["n_tokens"].max()) / 1000 / share * 1.02 or 1)
    top = ax.get_xaxis_transform()
    for (x, label), row in zip(labels, label_rows, strict=True):
        ax.annotate(label, (x, 1), xycoords=top, xytext=(0, -2 - row * label_pt), textcoords="offset points",
                    ha="center", va="top", fontsize=size, linespacing=1.15, color="#222222", zorder=4)
    for b in boundaries.itertuples(index=False):
        ax.axvline(b.before - 0.5, color=PALETTE["note"], linestyle="--", linewidth=0.9, zorder=3)
    for (x, mark), row in zip(marks, mark_rows, strict=True):
        ax.annotate(mark, (x, 1), xycoords=top, xytext=(0, -2 - n_label_rows * label_pt - row * mark_pt),
                    textcoords="offset points", ha="center", va="top", fontsize=mark_size, color=PALETTE["accent"],
                    linespacing=1.1,
                    bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
                    zorder=5)
    _year_axis(ax, first, last, fontsize=7)
    ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    _declutter([ax])
    _fit_over_axes(ax, ax.title)
    return _display(data, [ax], "periods")
