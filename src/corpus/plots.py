"""Figures: one style with a Chinese font, one palette, drawing functions, and saving.

Every ``plot_*`` function takes a frame (and optionally the ``ax``/``axes``
to draw into) and returns a :class:`FigureDisplay`, as scikit-learn's
``*Display`` objects do: the figure, its Axes, the data behind it and a
default file name. Nothing is shown or saved; :func:`save_figure` writes
PNG, SVG and PDF plus the display's data as CSV, with fixed metadata so that
the same data gives byte-identical files.
"""

from __future__ import annotations

import importlib.resources
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure

from . import config
from .files import temp_path, write_csv_atomic

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
        Height in inches of one row of new Axes.
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
    _, axes = plt.subplots(nrows, ncols, figsize=(width, height * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return axes.ravel()[:n]


def _display(data: pd.DataFrame, axes, name: str) -> FigureDisplay:
    axes = np.asarray(axes, dtype=object).ravel()
    return FigureDisplay(data=data, figure_=axes[0].figure, axes_=axes, name=name)


def plot_overview(table: pd.DataFrame, *, ax=None) -> FigureDisplay:
    """Horizontal bars: size of each speech in Han characters, by year.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`overview_table`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.

    Returns
    -------
    FigureDisplay
        ``data`` is ``table``; ``name`` is ``"corpus_overview"``.
    """
    (ax,) = _axes(ax, height=0.45 * len(table) + 1.2)
    colors = era_colors(table["era"])
    y = range(len(table))[::-1]
    bars = ax.barh(list(y), table["n_han"], color=[colors[e] for e in table["era"]], height=0.65)
    for bar, basis in zip(bars, table["year_basis"], strict=True):
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
                    xycoords="axes fraction", fontsize=7, color=PALETTE["note"], annotation_clip=False)
    return _display(table, [ax], "corpus_overview")


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


class FigureSaver:
    """Save figures in a worker process while the caller goes on computing.

    Drawing a figure in three formats takes 0.5-3 s, and the report makes
    nine: one worker process draws them on the second core while the next
    stage runs. The worker gets the figure itself (matplotlib figures
    pickle) and its data, and uses the same font set-up, so files are
    byte-identical to those drawn in-process. ``background=False`` saves at
    once instead.

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

    def save(self, display: FigureDisplay, name: str | None = None, *, out_dir: str | Path) -> list[Path]:
        """Write a display like :func:`save_figure` (now, or in the worker); close its figure; return its paths."""
        out_dir, name = Path(out_dir), name or display.name
        plt.close(display.figure_)  # first: pyplot forgets it, and the worker gets a figure nothing else touches
        if self._pool is None:
            return save_figure(display, name, out_dir=out_dir)
        self._pending.append(self._pool.submit(_write_figure, display.figure_, name, out_dir, display.data))
        return figure_files(name, out_dir=out_dir)

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


def plot_trajectories(trajectories: pd.DataFrame, *, speeches: pd.DataFrame | None = None, axes=None,
                      ncols: int = 3) -> FigureDisplay:
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
    ncols : int
        Columns of a new grid.

    Returns
    -------
    FigureDisplay
        ``data`` is ``trajectories``; ``name`` is ``"term_trajectories"``.
    """
    terms = list(dict.fromkeys(trajectories["term"]))
    axes = _axes(axes, n=len(terms), ncols=ncols, height=1.9)
    # Eras sit at equal distances, in time order: 2022 and 2023 would collide on a year axis.
    eras = list(trajectories.sort_values("year", kind="stable")["era"].drop_duplicates())
    x_of = {era: i for i, era in enumerate(eras)}
    top = max(trajectories["per10k"].max(), speeches["per10k"].max() if speeches is not None else 0) * 1.15 or 1
    for ax, term in zip(axes, terms, strict=False):  # axes given may be more than needed
        rows = trajectories[trajectories["term"] == term]
        x = rows["era"].map(x_of)
        ax.plot(x, rows["per10k"], color=PALETTE["primary"], marker="o", markersize=4, linewidth=1.5, zorder=3)
        with_ci = rows.dropna(subset=["ci_low"])
        if len(with_ci):
            ax.errorbar(with_ci["era"].map(x_of), with_ci["per10k"], fmt="none", ecolor=PALETTE["primary"], capsize=2,
                        linewidth=0.8,
                        yerr=[with_ci["per10k"] - with_ci["ci_low"], with_ci["ci_high"] - with_ci["per10k"]])
        if speeches is not None:
            points = speeches[speeches["term"] == term]
            ax.scatter(points["era"].map(x_of), points["per10k"], s=14, facecolors="none", edgecolors=PALETTE["accent"],
                       linewidths=0.8, zorder=4, label="单篇讲话")
        ax.set_title(term, fontsize=9)
        ax.set_ylim(0, top)
        ax.set_xlim(-0.4, len(eras) - 0.6)
        ax.set_xticks(range(len(eras)), eras, fontsize=7)
        ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    axes[0].set_ylabel("每万汉字出现次数")
    axes[0].figure.suptitle("提法的兴衰：每万汉字出现次数（线：各时期合计；圈：单篇讲话）", fontsize=10)
    axes[0].figure.tight_layout()
    return _display(trajectories, axes, "term_trajectories")


def plot_similarity(similarity: pd.DataFrame, *, labels: dict[str, str] | None = None, ax=None,
                    title: str = "讲话之间的用词相似度（TF-IDF 余弦）") -> FigureDisplay:
    """Heatmap of cosine similarity (speech by speech, or era by era), in the frame's order.

    Parameters
    ----------
    similarity : pandas.DataFrame
        Square frame indexed and labelled by speech id (or era), e.g. from
        :func:`corpus.features.doc_similarity` or :func:`corpus.features.era_similarity`.
    labels : dict, optional
        Tick label for each id; the id itself if missing.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    title : str
        Title of the Axes.

    Returns
    -------
    FigureDisplay
        ``data`` is ``similarity`` with its index as a first column ``id``; ``name`` is ``"doc_similarity"``.
    """
    (ax,) = _axes(ax, width=config.FIGURE_WIDTH_IN * 0.75, height=config.FIGURE_WIDTH_IN * 0.62)
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
    return _display(similarity.rename_axis("id").reset_index(), [ax], "doc_similarity")


def plot_keyness(kdf: pd.DataFrame, *, top_n: int = 10, measure: str = "g2", axes=None,
                 ncols: int = 2) -> FigureDisplay:
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
        One per era; a new grid if omitted.
    ncols : int
        Columns of a new grid.

    Returns
    -------
    FigureDisplay
        ``data`` is ``kdf``; ``name`` is ``"keyness_by_era"``.
    """
    eras = list(dict.fromkeys(kdf["era"]))
    if not eras:
        (ax,) = _axes(height=1.5)
        ax.text(0.5, 0.5, "没有词达到最低频次（min_count）：语料太小", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _display(kdf, [ax], "keyness_by_era")
    axes = _axes(axes, n=len(eras), ncols=ncols, height=0.22 * top_n + 0.9)
    colors = era_colors(eras)
    label = {"g2": "G²（对数似然，与其余时期相比）", "logodds_z": "log-odds z（Monroe 等 2008）"}[measure]
    for ax, era in zip(axes, eras, strict=False):
        rows = kdf[(kdf["era"] == era) & (kdf[measure] > 0)].nlargest(top_n, measure, keep="first")[::-1]
        bars = ax.barh(range(len(rows)), rows[measure], color=colors[era], height=0.7)
        ax.set_yticks(range(len(rows)), rows["term"])
        ax.bar_label(bars, labels=[f"{n}次" for n in rows["n_target"]], padding=2, fontsize=6, color=PALETTE["note"])
        ax.set_title(f"{era}", fontsize=9)
        ax.set_xlim(0, (rows[measure].max() if len(rows) else 1) * 1.25)
        ax.tick_params(axis="y", labelsize=7)
    axes[-1].set_xlabel(label)
    axes[0].figure.suptitle("各时期的关键词（该时期对其余时期）", fontsize=10)
    axes[0].figure.tight_layout()
    return _display(kdf, axes, "keyness_by_era")


def plot_word_shift(shift: pd.DataFrame, *, reference: str, comparison: str, top_n: int = 20,
                    ax=None) -> FigureDisplay:
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

    Returns
    -------
    FigureDisplay
        ``data`` is ``shift`` (every word, not only those drawn); ``name`` is ``"word_shift"``.
    """
    rows = shift.head(top_n)[::-1]
    (ax,) = _axes(ax, height=0.2 * len(rows) + 1.2)
    values = rows["shift"] * 100
    colors = [PALETTE["accent"] if v > 0 else PALETTE["primary"] for v in values]
    ax.barh(range(len(rows)), values, color=colors, height=0.7)
    ax.set_yticks(range(len(rows)), rows["term"])
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel(f"占全部实词的比例变化（百分点）：← {reference} 更多 ｜ {comparison} 更多 →")
    explained = rows["cumulative"].max() if "cumulative" in rows and len(rows) else float("nan")
    ax.set_title(f"词语变化：{reference} → {comparison}（前 {len(rows)} 个词占全部变化的 {explained:.0%}）")
    limit = max(abs(values).max(), 1e-9) * 1.15
    ax.set_xlim(-limit, limit)
    ax.tick_params(axis="y", labelsize=7)
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


def plot_dating(dated: pd.DataFrame, *, ax=None, max_markers: int = 12) -> FigureDisplay:
    """Per speech: its markers' windows, the estimated range, the best guess and the labelled year.

    Parameters
    ----------
    dated : pandas.DataFrame
        Output of :func:`corpus.dating.date_docs`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    max_markers : int
        Marker windows drawn per speech (the most mentioned).

    Returns
    -------
    FigureDisplay
        ``data`` is :func:`dating_table` of ``dated`` (every speech, not only those drawn); ``name`` is ``"dating"``.
    """
    shown = _dating_rows(dated, max_rows=config.MAX_FIGURE_ROWS)
    (ax,) = _axes(ax, height=(0.75 if len(shown) <= 10 else 0.4) * len(shown) + 1.3)
    kinds = PALETTE["markers"]
    rows = shown.iloc[::-1].reset_index(drop=True)
    for i, d in rows.iterrows():
        evidence = sorted(d["evidence"], key=lambda e: (-e["count"], -e["first"]))[:max_markers]
        for j, e in enumerate(evidence):
            y = i - 0.3 + 0.6 * (j + 0.5) / max(len(evidence), 1)
            ax.plot([e["first"], e["last"] + 1], [y, y], color=kinds[e["kind"]], linewidth=1, alpha=0.55)
        if pd.notna(d["low"]):
            ax.barh(i, d["high"] - d["low"] + 1, left=d["low"], height=0.7, color=PALETTE["estimate"], alpha=0.45,
                    zorder=0)
            ax.plot(d["best"] + 0.5, i, marker="o", color="black", markersize=4, zorder=3)
        ax.plot(d["year"] + 0.5, i, marker="D", markersize=7, zorder=4,
                color=PALETTE["outside"] if not d["inside"] else PALETTE["inside"], markeredgecolor="white")
    labels = [f"{d.id}（标注 {d.year}）" for d in rows.itertuples()]
    ax.set_yticks(range(len(rows)), labels)
    ax.set_xlabel("年份")
    note = "" if len(shown) == len(dated) else f"（显示 {len(shown)} / {len(dated):,} 篇：先列年份不符者）"
    ax.set_title("从用词推断讲话年代：黄色＝估计范围，●＝最佳估计，◆＝元数据年份（红：不在范围内）" + note, fontsize=9)
    names = {"plan": "五年规划", "congress": "党代会", "theory": "理论", "campaign": "活动", "event": "事件",
             "slogan": "提法"}
    handles = [plt.Line2D([], [], color=c, linewidth=1.5, label=names[k]) for k, c in kinds.items()]
    ax.legend(handles=handles, title="标志词窗口", fontsize=7, title_fontsize=7, loc="upper left", ncols=3,
              frameon=False)
    ax.set_ylim(-0.6, len(rows) + 0.6)
    ax.grid(axis="x", linewidth=0.3, alpha=0.5)
    return _display(dating_table(dated), [ax], "dating")


def plot_coherence(curve: pd.DataFrame, *, ax=None) -> FigureDisplay:
    """Mean NPMI coherence against the number of topics k; the chosen k is marked.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`corpus.topics.choose_k`: ``k``, ``coherence``, ``chosen``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.

    Returns
    -------
    FigureDisplay
        ``data`` is ``curve``; ``name`` is ``"topic_coherence"``.
    """
    (ax,) = _axes(ax, width=config.FIGURE_WIDTH_IN * 0.6, height=2.4)
    ax.plot(curve["k"], curve["coherence"], marker="o", color=PALETTE["primary"], markersize=4)
    chosen = curve[curve["chosen"]]
    ax.plot(chosen["k"], chosen["coherence"], marker="o", markersize=9, color=PALETTE["accent"], linestyle="none",
            label=f"选定 k = {int(chosen['k'].iloc[0])}" if len(chosen) else None)
    ax.set_xticks(curve["k"])
    ax.set_xlabel("主题数 k")
    ax.set_ylabel("平均 NPMI 一致性")
    ax.set_title("选择主题数：段落共现的 NPMI（Röder 等 2015）")
    ax.legend(frameon=False)
    ax.grid(axis="y", linewidth=0.3, alpha=0.5)
    return _display(curve, [ax], "topic_coherence")


def plot_topic_prevalence(prevalence: pd.DataFrame, *, ax=None) -> FigureDisplay:
    """Heatmap: mean share of each topic (rows, named by top words) in each era (columns).

    Parameters
    ----------
    prevalence : pandas.DataFrame
        Output of :func:`corpus.topics.topic_prevalence`: a group column, then one column per topic.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.

    Returns
    -------
    FigureDisplay
        ``data`` is ``prevalence``; ``name`` is ``"topic_prevalence"``.
    """
    group = prevalence.columns[0]
    values = prevalence.drop(columns=group).to_numpy(dtype=float).T
    topics = list(prevalence.columns[1:])
    (ax,) = _axes(ax, height=0.32 * len(topics) + 1.4)
    image = ax.imshow(values, cmap="YlOrRd", aspect="auto", vmin=0)
    ax.set_xticks(range(len(prevalence)), prevalence[group])
    ax.set_yticks(range(len(topics)), topics)
    for (i, j), value in np.ndenumerate(values):
        ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7,
                color="white" if value > values.max() * 0.6 else "black")
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="段落主题占比（按长度加权）")
    ax.set_title("各时期的主题占比（NMF，段落为单位）")
    ax.spines[:].set_visible(False)
    return _display(prevalence, [ax], "topic_prevalence")


def plot_topic_words(topic_words: pd.DataFrame, *, labels: list[str] | None = None, top_n: int = 8, axes=None,
                     ncols: int = 3) -> FigureDisplay:
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

    Returns
    -------
    FigureDisplay
        ``data`` is ``topic_words``, with a column ``label`` when ``labels`` are given; ``name`` is ``"topic_words"``.
    """
    topics = sorted(topic_words["topic"].unique())
    axes = _axes(axes, n=len(topics), ncols=ncols, height=0.16 * top_n + 0.8)
    for ax, topic in zip(axes, topics, strict=False):
        rows = topic_words[(topic_words["topic"] == topic) & (topic_words["rank"] <= top_n)].sort_values("rank")[::-1]
        ax.barh(range(len(rows)), rows["weight"], color=PALETTE["primary"], height=0.7)
        ax.set_yticks(range(len(rows)), rows["term"])
        ax.set_xticks([])
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(f"主题 {topic}" + (f"：{labels[topic]}" if labels else ""), fontsize=8)
    axes[0].figure.suptitle("各主题的高权重词", fontsize=10)
    axes[0].figure.tight_layout()
    data = topic_words.assign(label=[labels[t] for t in topic_words["topic"]]) if labels else topic_words
    return _display(data, axes, "topic_words")
