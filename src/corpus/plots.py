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
import numpy as np
import pandas as pd
from matplotlib import font_manager

from . import config
from .files import temp_path, write_csv_atomic

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
    return {era: _ERA_COLORS[i % len(_ERA_COLORS)] for i, era in enumerate(dict.fromkeys(eras))}


def overview_table(docs: pd.DataFrame, *, max_rows: int = config.MAX_FIGURE_ROWS) -> pd.DataFrame:
    """The data behind :func:`plot_overview`: one row per speech in year order, or per era if there are many.

    Columns: ``id, year, era, title, n_chars, n_han, year_basis, label``; with
    more than ``max_rows`` speeches, one row per era (``id`` empty, ``title``
    the number of speeches, sizes summed).
    """
    size = docs["n_han"] if "n_han" in docs else docs["n_chars"]
    table = docs.assign(n_han=size)[["id", "year", "era", "title", "n_chars", "n_han", "year_basis"]]
    table = table.sort_values(["year", "id"], kind="stable").reset_index(drop=True)
    if len(table) > max_rows:
        table = table.groupby("era", sort=False).agg(
            year=("year", "min"), n_speeches=("id", "size"), n_chars=("n_chars", "sum"), n_han=("n_han", "sum"),
            titled=("year_basis", lambda b: int((b == "title").sum()))).reset_index()
        return table.assign(id="", title=table["n_speeches"].map("{:,} 篇讲话".format), year_basis="",
                            label=table["era"] + " · " + table["n_speeches"].map("{:,} 篇讲话".format))[
            ["id", "year", "era", "title", "n_chars", "n_han", "year_basis", "label"]]
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
    use_cjk_font()  # Chinese labels must never come out as boxes, whoever calls this
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
    written = figure_files(name, out_dir=out_dir, data=data is not None)
    for fmt, path in zip(config.FIGURE_FORMATS, written):
        tmp = temp_path(path)
        try:
            fig.savefig(tmp, format=fmt, metadata=metadata[fmt], bbox_inches="tight")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    if data is not None:
        write_csv_atomic(data, written[-1])
    return written


def figure_files(name: str, *, out_dir: str | Path, data: bool = True) -> list[Path]:
    """The files :func:`save_figure` writes for ``name``: one per format, then the CSV if there is data."""
    out_dir = Path(out_dir)
    return [out_dir / f"{name}.{fmt}" for fmt in config.FIGURE_FORMATS] + ([out_dir / f"{name}.csv"] if data else [])


def _save_in_worker(fig, name: str, out_dir: Path, data: pd.DataFrame | None) -> list[Path]:
    return save_figure(fig, name, out_dir=out_dir, data=data)


class FigureSaver:
    """Save figures in a worker process while the caller goes on computing.

    Drawing a figure in three formats takes 0.5-3 s, and the report makes
    nine: one worker process draws them on the second core while the next
    stage runs. The worker gets the figure itself (matplotlib figures
    pickle) and uses the same font set-up, so files are byte-identical to
    those drawn in-process. ``background=False`` saves at once instead.

    Use as a context manager; :meth:`save` returns the paths it will write,
    :meth:`wait` returns when every file is written (and raises any error).
    """

    def __init__(self, *, background: bool = True):
        self._pool, self._pending = None, []
        if background:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            try:  # spawn, not fork: the parent may hold threads and gigabytes of data
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=use_cjk_font)
                self._pending.append(self._pool.submit(cjk_font_path))  # start now: its imports overlap our work
            except (OSError, NotImplementedError, ImportError):  # no process support (e.g. no /dev/shm): draw here
                self._pool, self._pending = None, []

    def save(self, fig, name: str, *, out_dir: str | Path, data: pd.DataFrame | None = None) -> list[Path]:
        """Write ``fig`` like :func:`save_figure` (now, or in the worker); close it; return its paths."""
        out_dir = Path(out_dir)
        plt.close(fig)  # first: pyplot forgets it, and the worker gets a figure nothing else touches
        if self._pool is None:
            return save_figure(fig, name, out_dir=out_dir, data=data)
        self._pending.append(self._pool.submit(_save_in_worker, fig, name, out_dir, data))
        return figure_files(name, out_dir=out_dir, data=data is not None)

    def wait(self) -> None:
        """Block until every figure is written; re-raise the first error of the worker."""
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pending = []

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _grid(n: int, *, ncols: int, height: float):
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(config.FIGURE_WIDTH_IN, height * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n]


def plot_trajectories(trajectories: pd.DataFrame, *, speeches: pd.DataFrame | None = None, axes=None, ncols: int = 3):
    """One small panel per term: its rate per 10,000 Han characters across eras.

    Parameters
    ----------
    trajectories : pandas.DataFrame
        Output of :func:`corpus.features.term_trajectories`.
    speeches : pandas.DataFrame, optional
        Output of :func:`corpus.features.term_counts` for the same terms: every
        speech is drawn as a hollow point, so one speech never hides behind a mean.
    axes : sequence of Axes, optional
        One per term; a new grid if omitted.

    Returns
    -------
    numpy.ndarray of Axes
    """
    use_cjk_font()  # Chinese labels must never come out as boxes, whoever calls this
    terms = list(dict.fromkeys(trajectories["term"]))
    if axes is None:
        _, axes = _grid(len(terms), ncols=ncols, height=1.9)
    # Eras sit at equal distances, in time order: 2022 and 2023 would collide on a year axis.
    eras = list(trajectories.sort_values("year", kind="stable")["era"].drop_duplicates())
    x_of = {era: i for i, era in enumerate(eras)}
    top = max(trajectories["per10k"].max(), speeches["per10k"].max() if speeches is not None else 0) * 1.15 or 1
    for ax, term in zip(axes, terms):
        rows = trajectories[trajectories["term"] == term]
        x = rows["era"].map(x_of)
        ax.plot(x, rows["per10k"], color="#1b4f72", marker="o", markersize=4, linewidth=1.5, zorder=3)
        with_ci = rows.dropna(subset=["ci_low"])
        if len(with_ci):
            ax.errorbar(with_ci["era"].map(x_of), with_ci["per10k"], fmt="none", ecolor="#1b4f72", capsize=2,
                        linewidth=0.8, yerr=[with_ci["per10k"] - with_ci["ci_low"], with_ci["ci_high"] - with_ci["per10k"]])
        if speeches is not None:
            points = speeches[speeches["term"] == term]
            ax.scatter(points["era"].map(x_of), points["per10k"], s=14, facecolors="none", edgecolors="#b03a2e",
                       linewidths=0.8, zorder=4, label="单篇讲话")
        ax.set_title(term, fontsize=9)
        ax.set_ylim(0, top)
        ax.set_xlim(-0.4, len(eras) - 0.6)
        ax.set_xticks(range(len(eras)), eras, fontsize=7)
        ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    axes[0].set_ylabel("每万汉字出现次数")
    axes[0].figure.suptitle("提法的兴衰：每万汉字出现次数（线：各时期合计；圈：单篇讲话）", fontsize=10)
    axes[0].figure.tight_layout()
    return np.asarray(axes)


def plot_similarity(similarity: pd.DataFrame, *, labels: dict[str, str] | None = None, ax=None,
                    title: str = "讲话之间的用词相似度（TF-IDF 余弦）"):
    """Heatmap of cosine similarity (speech by speech, or era by era), in the frame's order."""
    use_cjk_font()  # Chinese labels must never come out as boxes, whoever calls this
    if ax is None:
        _, ax = plt.subplots(figsize=(config.FIGURE_WIDTH_IN * 0.75, config.FIGURE_WIDTH_IN * 0.62))
    names = [labels.get(i, i) if labels else i for i in similarity.index]
    values = similarity.to_numpy(dtype=float).copy()
    np.fill_diagonal(values, np.nan)  # self-similarity is 1 and would flatten the colour scale
    finite = values[np.isfinite(values)]
    low, top = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    low = low - 0.25 * (top - low)  # keep the least similar pair visibly tinted
    image = ax.imshow(values, cmap="Blues", vmin=low, vmax=top)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    if len(names) <= 20:
        for (i, j), value in np.ndenumerate(values):
            if i != j:
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if value > (low + top) / 2 else "black")
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="余弦相似度")
    ax.set_title(title)
    ax.spines[:].set_visible(False)
    return ax


def plot_keyness(kdf: pd.DataFrame, *, top_n: int = 10, measure: str = "g2", axes=None, ncols: int = 2):
    """Bars of the most distinctive terms of each era (each era against the rest).

    Parameters
    ----------
    kdf : pandas.DataFrame
        Output of :func:`corpus.keyness.keyness_by_era`.
    top_n : int
        Terms per era, strongest first (only terms more frequent in the era).
    measure : {"g2", "logodds_z"}
        The bar length.
    axes : sequence of Axes, optional
        One per era.

    Returns
    -------
    numpy.ndarray of Axes
    """
    use_cjk_font()  # Chinese labels must never come out as boxes, whoever calls this
    eras = list(dict.fromkeys(kdf["era"]))
    if not eras:
        _, ax = plt.subplots(figsize=(config.FIGURE_WIDTH_IN, 1.5))
        ax.text(0.5, 0.5, "没有词达到最低频次（min_count）：语料太小", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return np.asarray([ax])
    if axes is None:
        _, axes = _grid(len(eras), ncols=ncols, height=0.22 * top_n + 0.9)
    colors = era_colors(eras)
    label = {"g2": "G²（对数似然，与其余时期相比）", "logodds_z": "log-odds z（Monroe 等 2008）"}[measure]
    for ax, era in zip(axes, eras):
        rows = kdf[(kdf["era"] == era) & (kdf[measure] > 0)].nlargest(top_n, measure, keep="first")[::-1]
        bars = ax.barh(range(len(rows)), rows[measure], color=colors[era], height=0.7)
        ax.set_yticks(range(len(rows)), rows["term"])
        ax.bar_label(bars, labels=[f"{n}次" for n in rows["n_target"]], padding=2, fontsize=6, color="#555555")
        ax.set_title(f"{era}", fontsize=9)
        ax.set_xlim(0, (rows[measure].max() if len(rows) else 1) * 1.25)
        ax.tick_params(axis="y", labelsize=7)
    axes[-1].set_xlabel(label)
    axes[0].figure.suptitle("各时期的关键词（该时期对其余时期）", fontsize=10)
    axes[0].figure.tight_layout()
    return np.asarray(axes)


def plot_word_shift(shift: pd.DataFrame, *, reference: str, comparison: str, top_n: int = 20, ax=None):
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
    """
    use_cjk_font()  # Chinese labels must never come out as boxes, whoever calls this
    rows = shift.head(top_n)[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(config.FIGURE_WIDTH_IN, 0.2 * len(rows) + 1.2))
    values = rows["shift"] * 100
    colors = ["#b03a2e" if v > 0 else "#1b4f72" for v in values]
    ax.barh(range(len(rows)), values, color=colors, height=0.7)
    ax.set_yticks(range(len(rows)), rows["term"])
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel(f"占全部实词的比例变化（百分点）：← {reference} 更多 ｜ {comparison} 更多 →")
    explained = rows["cumulative"].max() if "cumulative" in rows and len(rows) else float("nan")
    ax.set_title(f"词语变化：{reference} → {comparison}（前 {len(rows)} 个词占全部变化的 {explained:.0%}）")
    limit = max(abs(values).max(), 1e-9) * 1.15
    ax.set_xlim(-limit, limit)
    ax.tick_params(axis="y", labelsize=7)
    return ax


def dating_table(dated: pd.DataFrame) -> pd.DataFrame:
    """The data behind :func:`plot_dating`: one row per (speech, marker), plus the estimate.

    Columns: ``id, year, low, high, best, inside, marker, kind, count, first, last``.
    """
    rows = [
        (d.id, d.year, d.low, d.high, d.best, d.inside, e["marker"], e["kind"], e["count"], e["first"], e["last"])
        for d in dated.itertuples(index=False) for e in (d.evidence or [{}])
        if e
    ]
    return pd.DataFrame(rows, columns=["id", "year", "low", "high", "best", "inside", "marker", "kind", "count", "first", "last"])


def _dating_rows(dated: pd.DataFrame, *, max_rows: int) -> pd.DataFrame:
    """At most ``max_rows`` speeches: every flagged one first, then an even spread of the others, in year order."""
    if len(dated) <= max_rows:
        return dated
    flagged = dated[~dated["inside"]].head(max_rows)
    others = dated[dated["inside"]]
    room = max_rows - len(flagged)
    spread = others.iloc[np.linspace(0, len(others) - 1, room).round().astype(int)] if room > 0 and len(others) else others.iloc[:0]
    return pd.concat([flagged, spread]).sort_values(["year", "id"], kind="stable")


def plot_dating(dated: pd.DataFrame, *, ax=None, max_markers: int = 12):
    """Per speech: its markers' windows, the estimated range, the best guess and the labelled year.

    Parameters
    ----------
    dated : pandas.DataFrame
        Output of :func:`corpus.dating.date_docs`.
    max_markers : int
        Marker windows drawn per speech (the most mentioned).
    """
    use_cjk_font()  # Chinese labels must never come out as boxes, whoever calls this
    shown = _dating_rows(dated, max_rows=config.MAX_FIGURE_ROWS)
    if ax is None:
        _, ax = plt.subplots(figsize=(config.FIGURE_WIDTH_IN, (0.75 if len(shown) <= 10 else 0.4) * len(shown) + 1.3))
    kinds = {"plan": "#1b4f72", "congress": "#b03a2e", "theory": "#7d3c98", "campaign": "#b9770e",
             "event": "#1e8449", "slogan": "#7f8c8d"}
    rows = shown.iloc[::-1].reset_index(drop=True)
    for i, d in rows.iterrows():
        evidence = sorted(d["evidence"], key=lambda e: (-e["count"], -e["first"]))[:max_markers]
        for j, e in enumerate(evidence):
            y = i - 0.3 + 0.6 * (j + 0.5) / max(len(evidence), 1)
            ax.plot([e["first"], e["last"] + 1], [y, y], color=kinds[e["kind"]], linewidth=1, alpha=0.55)
        if pd.notna(d["low"]):
            ax.barh(i, d["high"] - d["low"] + 1, left=d["low"], height=0.7, color="#f4d03f", alpha=0.45, zorder=0)
            ax.plot(d["best"] + 0.5, i, marker="o", color="black", markersize=4, zorder=3)
        ax.plot(d["year"] + 0.5, i, marker="D", markersize=7, zorder=4,
                color="#c0392b" if not d["inside"] else "#27ae60", markeredgecolor="white")
    labels = [f"{d.id}（标注 {d.year}）" for d in rows.itertuples()]
    ax.set_yticks(range(len(rows)), labels)
    ax.set_xlabel("年份")
    note = "" if len(shown) == len(dated) else f"（显示 {len(shown)} / {len(dated):,} 篇：先列年份不符者）"
    ax.set_title("从用词推断讲话年代：黄色＝估计范围，●＝最佳估计，◆＝元数据年份（红：不在范围内）" + note, fontsize=9)
    names = {"plan": "五年规划", "congress": "党代会", "theory": "理论", "campaign": "活动", "event": "事件", "slogan": "提法"}
    handles = [plt.Line2D([], [], color=c, linewidth=1.5, label=names[k]) for k, c in kinds.items()]
    ax.legend(handles=handles, title="标志词窗口", fontsize=7, title_fontsize=7, loc="upper left", ncols=3, frameon=False)
    ax.set_ylim(-0.6, len(rows) + 0.6)
    ax.grid(axis="x", linewidth=0.3, alpha=0.5)
    return ax


def plot_coherence(curve: pd.DataFrame, *, ax=None):
    """Mean NPMI coherence against the number of topics k; the chosen k is marked."""
    use_cjk_font()  # Chinese labels must never come out as boxes, whoever calls this
    if ax is None:
        _, ax = plt.subplots(figsize=(config.FIGURE_WIDTH_IN * 0.6, 2.4))
    ax.plot(curve["k"], curve["coherence"], marker="o", color="#1b4f72", markersize=4)
    chosen = curve[curve["chosen"]]
    ax.plot(chosen["k"], chosen["coherence"], marker="o", markersize=9, color="#b03a2e", linestyle="none",
            label=f"选定 k = {int(chosen['k'].iloc[0])}" if len(chosen) else None)
    ax.set_xticks(curve["k"])
    ax.set_xlabel("主题数 k")
    ax.set_ylabel("平均 NPMI 一致性")
    ax.set_title("选择主题数：段落共现的 NPMI（Röder 等 2015）")
    ax.legend(frameon=False)
    ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    return ax


def plot_topic_prevalence(prevalence: pd.DataFrame, *, ax=None):
    """Heatmap: mean share of each topic (rows, named by top words) in each era (columns)."""
    use_cjk_font()  # Chinese labels must never come out as boxes, whoever calls this
    group = prevalence.columns[0]
    values = prevalence.drop(columns=group).to_numpy(dtype=float).T
    topics = list(prevalence.columns[1:])
    if ax is None:
        _, ax = plt.subplots(figsize=(config.FIGURE_WIDTH_IN, 0.32 * len(topics) + 1.4))
    image = ax.imshow(values, cmap="YlOrRd", aspect="auto", vmin=0)
    ax.set_xticks(range(len(prevalence)), prevalence[group])
    ax.set_yticks(range(len(topics)), topics)
    for (i, j), value in np.ndenumerate(values):
        ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7,
                color="white" if value > values.max() * 0.6 else "black")
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="段落主题占比（按长度加权）")
    ax.set_title("各时期的主题占比（NMF，段落为单位）")
    ax.spines[:].set_visible(False)
    return ax


def plot_topic_words(topic_words: pd.DataFrame, *, labels: list[str] | None = None, top_n: int = 8, axes=None,
                     ncols: int = 3):
    """One small bar chart per topic: its top words and their weights."""
    use_cjk_font()  # Chinese labels must never come out as boxes, whoever calls this
    topics = sorted(topic_words["topic"].unique())
    if axes is None:
        _, axes = _grid(len(topics), ncols=ncols, height=0.16 * top_n + 0.8)
    for ax, topic in zip(axes, topics):
        rows = topic_words[(topic_words["topic"] == topic) & (topic_words["rank"] <= top_n)].sort_values("rank")[::-1]
        ax.barh(range(len(rows)), rows["weight"], color="#1b4f72", height=0.7)
        ax.set_yticks(range(len(rows)), rows["term"])
        ax.set_xticks([])
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(f"主题 {topic}" + (f"：{labels[topic]}" if labels else ""), fontsize=8)
    axes[0].figure.suptitle("各主题的高权重词", fontsize=10)
    axes[0].figure.tight_layout()
    return np.asarray(axes)
