"""Chinese glyphs in every format, deterministic files, what the overview draws, and the displays."""

from __future__ import annotations

import hashlib
import itertools
import re
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from corpus import clean_docs, config, load_docs  # noqa: E402
from corpus.plots import (  # noqa: E402
    LABELS,
    MAX_KEYNESS_ROWS,
    PAGE_HEIGHT_IN,
    PAGE_WIDTH_IN,
    PALETTE,
    FigureDisplay,
    FigureSaver,
    cell_label_size,
    cjk_font_path,
    concat_dating_tables,
    dating_table,
    fit_font_size,
    keyness_terms,
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
    shorten,
    symlog_ticks,
    text_em,
    thin_ticks,
    tick_step,
    use_cjk_font,
    year_ticks,
)


@pytest.fixture(scope="module")
def table():
    use_cjk_font()
    return overview_table(clean_docs(load_docs()))


def test_font_is_the_simplified_chinese_face_of_the_bundled_noto():
    assert use_cjk_font() == "Noto Sans CJK SC"
    assert cjk_font_path().name == "NotoSansCJK-Regular.ttc"
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert found == str(cjk_font_path())
    assert plt.rcParams["svg.fonttype"] == "path" and plt.rcParams["pdf.fonttype"] == 3


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_no_missing_glyph_warnings(tmp_path, fmt):
    use_cjk_font()
    fig, ax = plt.subplots()
    ax.set_title("高质量发展与“十二五”：职工之家")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would raise
        fig.savefig(tmp_path / f"t.{fmt}", format=fmt)
    plt.close(fig)


def test_overview_table(table):
    assert list(table["id"]) == ["004", "002", "003", "000", "001"]
    assert table.loc[3, "label"] == "2023 · 000 · 2023工会代表大会开幕式讲话（年份据标题）"
    assert int(table["n_han"].sum()) == 16011


def test_plot_overview_draws_one_bar_per_speech(table):
    display = plot_overview(table)
    [ax] = display.axes_
    assert len(ax.patches) == 5
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == list(table["label"])  # oldest at the top
    assert ax.patches[0].get_y() > ax.patches[-1].get_y()
    assert ax.get_title() == "语料概览：5 篇讲话，16,011 个汉字"
    assert [p.get_hatch() for p in ax.patches].count("///") == 1  # only 000 is flagged
    assert {to_hex(p.get_facecolor()) for p in ax.patches} <= set(PALETTE["eras"])
    plt.close(display.figure_)


# Small hand-made inputs, one per plot, in the shape the analyses produce.
SIMILARITY = pd.DataFrame([[1.0, 0.2, 0.4], [0.2, 1.0, 0.3], [0.4, 0.3, 1.0]], index=["a", "b", "c"],
                          columns=["a", "b", "c"])
TOPIC_WORDS = pd.DataFrame({"topic": [0, 0, 1, 1], "rank": [1, 2, 1, 2], "term": ["职工", "劳动", "改革", "发展"],
                            "weight": [0.4, 0.2, 0.5, 0.1]})
TRAJECTORIES = pd.DataFrame({"term": ["十二五", "十二五", "高质量发展", "高质量发展"], "era": ["2011", "2023"] * 2,
                             "year": [2011, 2023] * 2, "per10k": [3.0, 0.5, 0.0, 4.0],
                             "ci_low": [2.0, 0.1, np.nan, 3.0], "ci_high": [4.0, 1.0, np.nan, 5.0]})
KDF = pd.DataFrame({"era": ["2011", "2011", "2023"], "term": ["十二五", "职工", "高质量发展"], "g2": [9.0, 2.0, 7.0],
                    "n_target": [6, 9, 5]})
SHIFT = pd.DataFrame({"term": ["高质量发展", "十二五"], "shift": [0.02, -0.01], "cumulative": [0.6, 0.9]})
DATED = pd.DataFrame({"id": ["a", "b"], "year": [2011, 2023], "low": [2011.0, np.nan], "high": [2015.0, np.nan],
                      "best": [2012.0, np.nan], "inside": [True, False],
                      "evidence": [[{"marker": "十二五", "kind": "plan", "count": 3, "first": 2011, "last": 2015}],
                                   []]})
CURVE = pd.DataFrame({"k": [4, 6, 8], "coherence": [0.1, 0.3, 0.2], "chosen": [False, True, False]})
PREVALENCE = pd.DataFrame({"era": ["2011", "2023"], "职工·劳动": [0.7, 0.2], "改革·发展": [0.3, 0.8]})

PLOTS = {
    "corpus_overview": lambda table: (plot_overview(table), table),
    "term_trajectories": lambda _: (plot_trajectories(TRAJECTORIES, ncols=2), TRAJECTORIES),
    "dating": lambda _: (plot_dating(DATED), dating_table(DATED)),
    "keyness_by_era": lambda _: (plot_keyness(KDF), KDF),
    "word_shift": lambda _: (plot_word_shift(SHIFT, reference="2011", comparison="2023"), SHIFT),
    "doc_similarity": lambda _: (
        plot_similarity(SIMILARITY, labels={"a": "a (2011)"}),
        pd.DataFrame({"id": ["a", "b", "c"], "a": [1.0, 0.2, 0.4], "b": [0.2, 1.0, 0.3], "c": [0.4, 0.3, 1.0]}),
    ),
    "topic_coherence": lambda _: (plot_coherence(CURVE), CURVE),
    "topic_prevalence": lambda _: (plot_topic_prevalence(PREVALENCE), PREVALENCE),
    "topic_words": lambda _: (
        plot_topic_words(TOPIC_WORDS, labels=["职工·劳动", "改革·发展"]),
        TOPIC_WORDS.assign(label=["职工·劳动", "职工·劳动", "改革·发展", "改革·发展"]),
    ),
}


@pytest.mark.parametrize("name", PLOTS)
def test_every_plot_returns_a_display_of_its_figure_and_data(name, table):
    display, expected = PLOTS[name](table)
    assert isinstance(display, FigureDisplay)
    assert display.name == name
    pd.testing.assert_frame_equal(display.data, expected)
    assert isinstance(display.axes_, np.ndarray) and display.axes_.ndim == 1 and len(display.axes_)
    assert display.figure_ is display.axes_[0].figure
    assert all(ax.figure is display.figure_ for ax in display.axes_)
    plt.close(display.figure_)


def test_topic_words_data_has_no_label_column_without_labels():
    display = plot_topic_words(TOPIC_WORDS)
    assert display.data is TOPIC_WORDS
    assert [ax.get_title() for ax in display.axes_] == ["主题 0", "主题 1"]
    plt.close(display.figure_)


def test_plots_draw_into_the_axes_given():
    fig, (left, right) = plt.subplots(1, 2)
    display = plot_coherence(CURVE, ax=right)
    assert display.figure_ is fig and list(display.axes_) == [right]
    assert right.get_xlabel() == "主题数 k" and not left.lines
    fig2, panels = plt.subplots(1, 2)
    display = plot_trajectories(TRAJECTORIES, axes=panels)
    assert display.figure_ is fig2 and list(display.axes_) == list(panels)
    assert [ax.get_title() for ax in panels] == ["十二五", "高质量发展"]
    plt.close(fig)
    plt.close(fig2)


def test_word_shift_colours_come_from_the_palette():
    display = plot_word_shift(SHIFT, reference="2011", comparison="2023")
    [ax] = display.axes_
    # Bars are drawn smallest first: 十二五 (fewer in 2023), then 高质量发展 (more in 2023).
    assert [to_hex(p.get_facecolor()) for p in ax.patches] == [PALETTE["primary"], PALETTE["accent"]]
    plt.close(display.figure_)


def test_save_figure_writes_the_figure_and_its_data(tmp_path, table):
    display = plot_overview(table)
    files = save_figure(display, out_dir=tmp_path)
    assert files == [tmp_path / f"corpus_overview.{ext}" for ext in ("png", "svg", "pdf", "csv")]
    assert files[0].read_bytes().startswith(b"\x89PNG")
    assert files[1].read_text().lstrip().startswith("<?xml")
    assert files[2].read_bytes().startswith(b"%PDF")
    assert files[3].read_text(encoding="utf-8-sig") == display.data.to_csv(index=False, lineterminator="\n")
    renamed = display.save(out_dir=tmp_path / "other", name="overview")
    assert [p.name for p in renamed] == ["overview.png", "overview.svg", "overview.pdf", "overview.csv"]
    assert [p.read_bytes() for p in renamed] == [p.read_bytes() for p in files]
    plt.close(display.figure_)


def test_save_figure_is_deterministic(tmp_path, table):
    digests = []
    for run in ("a", "b"):
        display = plot_overview(table)
        files = save_figure(display, "overview", out_dir=tmp_path / run)
        plt.close(display.figure_)
        assert [f.name for f in files] == ["overview.png", "overview.svg", "overview.pdf", "overview.csv"]
        digests.append([hashlib.sha256(f.read_bytes()).hexdigest() for f in files])
    assert digests[0] == digests[1]
    pdf = (tmp_path / "a" / "overview.pdf").read_bytes()
    assert b"NotoSansCJKsc-Regular" in pdf and b"/Type3" in pdf
    svg = (tmp_path / "a" / "overview.svg").read_text()
    assert "<text" not in svg  # glyphs drawn as paths: no font needed to view
    assert not list((tmp_path / "a").glob(".*tmp"))


def test_figures_saved_by_the_worker_process_are_byte_identical(tmp_path, table):
    with FigureSaver(background=False) as here:
        expected = here.save(plot_overview(table), "overview", out_dir=tmp_path / "here")
    open_before = set(plt.get_fignums())  # figures other tests keep open for their checks
    with FigureSaver() as worker:
        promised = worker.save(plot_overview(table), "overview", out_dir=tmp_path / "worker")
        assert set(plt.get_fignums()) == open_before  # handed over and closed here
        worker.wait()
    assert [p.name for p in promised] == [p.name for p in expected] == ["overview.png", "overview.svg", "overview.pdf",
                                                                         "overview.csv"]
    assert [p.read_bytes() for p in promised] == [p.read_bytes() for p in expected]


def test_waiting_draws_here_what_the_worker_has_not_started(tmp_path, table):
    """Issue 16: at the end of a report the worker is behind; the waiting process takes figures from the back."""
    with FigureSaver(background=False) as here:
        expected = [here.save(plot_overview(table), f"f{i}", out_dir=tmp_path / "here") for i in range(6)]
    with FigureSaver() as worker:  # still starting (a spawned process imports for ~1 s): most are not started
        promised = [worker.save(plot_overview(table), f"f{i}", out_dir=tmp_path / "both") for i in range(6)]
        worker.wait()
        assert 1 <= worker.drawn_here <= 6
    assert [[p.read_bytes() for p in files] for files in promised] == [[p.read_bytes() for p in files]
                                                                       for files in expected]


def test_an_error_in_the_worker_reaches_the_caller(tmp_path, table):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with FigureSaver() as worker:
        assert [p.name for p in worker.save(plot_overview(table), out_dir=blocked / "out")][0] == "corpus_overview.png"
        with pytest.raises(OSError):
            worker.wait()


def test_ctrl_c_while_the_worker_is_started_is_not_lost(monkeypatch):
    """CI, once: Ctrl-C landed in the moment the worker was being started, while this process ignored SIGINT
    so that the worker would inherit it; the report ran on and exited 0. Blocked, not ignored, it is only late."""
    import os
    import signal
    from concurrent.futures import ProcessPoolExecutor

    real = ProcessPoolExecutor.submit

    def ctrl_c_then_submit(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", ctrl_c_then_submit)
    with pytest.raises(KeyboardInterrupt):
        with FigureSaver():
            pass


def test_an_error_or_ctrl_c_stops_the_worker_at_once_and_leaves_no_file(tmp_path, table):
    """Ctrl-C waited for the worker to draw every figure already handed to it (3-5 s at 40 speeches): now it is
    stopped, and whatever it was writing is removed."""
    with pytest.raises(KeyboardInterrupt):
        with FigureSaver() as worker:  # still starting (it imports for ~1 s): nothing drawn yet
            for number in range(4):
                worker.save(plot_overview(table), f"f{number}", out_dir=tmp_path)
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_stopping_the_worker_never_prints_a_thread_traceback(tmp_path, table, monkeypatch):
    """Stopping the worker raced with the pool's own thread on Python 3.11 (CPython gh-107219): figures cancelled
    before the worker was killed made that thread raise InvalidStateError, printed as a traceback after the
    one-line Ctrl-C message, and skip its cleanup, so that the exit of the process could hang (seen once in CI)."""
    import threading
    import time
    from concurrent.futures import ProcessPoolExecutor

    real_shutdown = ProcessPoolExecutor.shutdown

    def late_shutdown(self, *args, **kwargs):  # the pool's thread sees the dead worker first, as under load
        time.sleep(0.3)
        return real_shutdown(self, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "shutdown", late_shutdown)
    seen = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args.exc_type.__name__))
    for _ in range(2):
        with pytest.raises(KeyboardInterrupt):
            with FigureSaver() as worker:
                for number in range(4):
                    worker.save(plot_overview(table), f"f{number}", out_dir=tmp_path)
                raise KeyboardInterrupt
    assert seen == []


def test_plot_functions_apply_the_cjk_font_themselves(tmp_path, table):
    plt.rcdefaults()  # as in a fresh notebook that never called use_cjk_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        display = plot_overview(table)
        display.figure_.savefig(tmp_path / "x.png")
    plt.close(display.figure_)


def test_the_style_is_applied_to_axes_given_too(table):
    plt.rcdefaults()
    fig, ax = plt.subplots()
    plot_overview(table, ax=ax)
    assert plt.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    plt.close(fig)


# ---------------------------------------------------------------------------------------------------------------
# Every figure at 4 and at 70 eras (and 12, 56 when rendering by hand): synthetic frames with the real columns.

WORDS = (
    "职工 劳动 维护 民主管理 企业 基本 维权 关系 劳模 提高 活动 技术 经济 劳动模范 "
    "弘扬 服务 职工群众 工会干部 阵地 成为 建设 信赖 新时代 团结 工会组织 全县 贯彻 "
    "学习 工人阶级 工会工作 事关 大力支持 领导 高度重视 做到 工会 方式 组织 基层 "
    "凝聚力 就业 提供 产业 发展 政策 县域 代表 大会 产生 支持 各界人士 会议 表彰 "
    "个人 安排 县委 单位 我县 劳动关系和谐单位 高质量追赶发展 工匠 品牌 宗旨意识 "
    "资源节约型和环境友好型社会 保持共产党员先进性教育 十一五 十二五 十四五 科学发展观 "
    "高质量发展 社会主义荣辱观 建功立业 创建活动 追赶发展 党代会 树牢 特色 联系 各族 "
    "权利 一支 各类 现代 "
).split()
TERMS = ["十一五", "十二五", "十四五", "科学发展观", "高质量发展", "新时代"]
PLAN_YEARS = {"一五": 1955, "二五": 1960, "调整时期": 1964, "三五": 1968, "四五": 1973, "五五": 1978, "六五": 1983,
              "七五": 1988, "八五": 1993, "九五": 1998, "十五": 2003, "十一五": 2008, "十二五": 2013, "十三五": 2018,
              "十四五": 2023}


def era_years(n: int) -> list[int]:
    """``n`` distinct years: the shipped corpus's four, else spread over 1954-2025 (with gaps below 72)."""
    if n == 4:
        return [2006, 2011, 2022, 2023]
    return sorted({int(round(y)) for y in np.linspace(1954, 2025, n)})


def era_names(n: int, kind: str) -> tuple[list[str], list[float]]:
    """Era labels and their time positions: years, five-year plans, or ``n`` named ranges."""
    if kind == "year":
        years = era_years(n)
        return [str(y) for y in years], years
    if kind == "plan":
        names = list(PLAN_YEARS)[-n:]
        return names, [PLAN_YEARS[e] for e in names]
    years = era_years(n)
    return [f"第{i + 1}期" for i in range(len(years))], [y + 0.5 for y in years]


def synthetic(n_eras: int, kind: str = "year", *, n_speeches: int | None = None, seed: int = 0) -> dict:
    """One frame per figure, in the shape the analyses produce, for ``n_eras`` eras."""
    rng = np.random.default_rng(seed)
    eras, years = era_names(n_eras, kind)
    n_speeches = n_speeches or max(5, 2 * len(eras))
    era_of_doc = [eras[i * len(eras) // n_speeches] for i in range(n_speeches)]
    year_of = {e: int(y) for e, y in zip(eras, years, strict=True)}
    ids = [f"{i:04d}" for i in range(n_speeches)]
    n_han = rng.integers(800, 12_000, n_speeches)
    docs = pd.DataFrame({
        "id": ids, "year": [year_of[e] for e in era_of_doc], "era": era_of_doc,
        "title": [f"县总工会第{i % 9 + 1}届全委（扩大）会议暨{WORDS[i % len(WORDS)]}表彰大会讲话"
                  for i in range(n_speeches)],
        "n_chars": n_han + 300, "n_han": n_han,
        "year_basis": ["title" if i % 7 == 3 else "content" for i in range(n_speeches)],
    })
    trajectories = pd.DataFrame([
        {"era": e, "term": t, "count": int(c), "per10k": float(c) / 3, "docs": 1, "n_docs": 2, "n_chars": 30_000,
         "ci_low": float(c) / 4 if k % 2 else np.nan, "ci_high": float(c) / 2 if k % 2 else np.nan, "year": y}
        for t in TERMS for k, (e, y, c) in enumerate(zip(eras, years, rng.integers(0, 40, len(eras)), strict=True))
    ])
    speeches = pd.DataFrame({
        "doc_id": np.repeat(ids, len(TERMS)), "year": np.repeat(docs["year"], len(TERMS)),
        "era": np.repeat(era_of_doc, len(TERMS)), "term": TERMS * n_speeches, "pattern": TERMS * n_speeches,
        "count": rng.integers(0, 10, n_speeches * len(TERMS)), "n_han": np.repeat(n_han, len(TERMS)),
    })
    speeches["per10k"] = speeches["count"] / speeches["n_han"] * 10_000
    kdf = pd.DataFrame([
        {"era": e, "term": w, "n_target": int(n), "n_reference": 40, "total_target": 900, "total_reference": 9000,
         "g2": float(g), "p": 0.01, "log_ratio": float(g) / 10, "logodds_z": float(g) / 5, "docs_target": 1}
        for e in eras for w, n, g in zip(WORDS, rng.integers(3, 60, len(WORDS)), rng.normal(0, 8, len(WORDS)) ** 3 / 20,
                                          strict=True)
    ]).sort_values(["era", "g2"], ascending=[True, False], key=lambda s: s.map(eras.index) if s.name == "era" else s,
                   kind="stable").reset_index(drop=True)
    shift_values = np.sort(rng.normal(0, 0.004, len(WORDS)))[::-1]
    shift = pd.DataFrame({"term": WORDS, "count_reference": 10, "count_comparison": 12, "p_reference": 0.01,
                          "p_comparison": 0.01, "shift": shift_values})
    shift = shift.reindex(shift["shift"].abs().sort_values(ascending=False).index).reset_index(drop=True)
    shift["cumulative"] = shift["shift"].abs().cumsum() / shift["shift"].abs().sum()
    era_sim = rng.uniform(0.1, 0.5, (len(eras), len(eras)))
    era_sim = (era_sim + era_sim.T) / 2
    np.fill_diagonal(era_sim, 0.6)
    doc_n = min(n_speeches, 40)
    doc_sim = rng.uniform(0.1, 0.5, (doc_n, doc_n))
    doc_sim = (doc_sim + doc_sim.T) / 2
    np.fill_diagonal(doc_sim, 1.0)
    dated = pd.DataFrame([
        {"id": d.id, "year": d.year, "year_basis": d.year_basis, "low": d.year - 2, "high": d.year + 3,
         "best": d.year, "inside": i % 11 != 4, "n_markers": 3,
         "evidence": [{"marker": WORDS[(i + j) % len(WORDS)], "kind": kind_, "count": j + 1,
                       "first": d.year - 5 + j, "last": d.year + 6 - j}
                      for j, kind_ in enumerate(("plan", "congress", "slogan", "theory"))]}
        for i, d in enumerate(docs.itertuples(index=False))
    ])
    topics = [f"{WORDS[3 * t]}·{WORDS[3 * t + 1]}·{WORDS[3 * t + 2]}" for t in range(9)]
    shares = rng.dirichlet(np.ones(len(topics)), len(eras))
    prevalence = pd.DataFrame(shares, columns=topics).assign(era=eras)[["era", *topics]]
    topic_words = pd.DataFrame([
        {"topic": t, "rank": r + 1, "term": WORDS[(5 * t + r) % len(WORDS)], "weight": 0.05 / (r + 1)}
        for t in range(len(topics)) for r in range(10)
    ])
    curve = pd.DataFrame({"k": range(3, 11), "coherence": rng.uniform(0.1, 0.3, 8)}).assign(
        chosen=lambda f: f["coherence"] == f["coherence"].max())
    return {
        "eras": eras, "docs": docs, "trajectories": trajectories, "speeches": speeches, "kdf": kdf, "shift": shift,
        "era_similarity": pd.DataFrame(era_sim, index=eras, columns=eras),
        "doc_similarity": pd.DataFrame(doc_sim, index=ids[:doc_n], columns=ids[:doc_n]),
        "doc_labels": {d: f"{d} ({y})" for d, y in zip(docs["id"], docs["year"], strict=True)},
        "dated": dated, "prevalence": prevalence, "topic_words": topic_words, "topic_labels": topics, "curve": curve,
    }


def report_figures(frames: dict, *, lang: str = "zh") -> dict:
    """Every figure of the report, drawn from ``frames``, by file name."""
    first, last = frames["eras"][0], frames["eras"][-1]
    return {
        "corpus_overview": plot_overview(overview_table(frames["docs"], lang=lang), lang=lang),
        "term_trajectories": plot_trajectories(frames["trajectories"], speeches=frames["speeches"], lang=lang),
        "dating": plot_dating(frames["dated"], lang=lang),
        "keyness_by_era": plot_keyness(frames["kdf"], lang=lang),
        "word_shift": plot_word_shift(frames["shift"], reference=first, comparison=last, lang=lang),
        "doc_similarity": plot_similarity(frames["doc_similarity"], labels=frames["doc_labels"], lang=lang),
        "era_similarity": plot_similarity(frames["era_similarity"], by="era", lang=lang),
        "topic_coherence": plot_coherence(frames["curve"], lang=lang),
        "topic_prevalence": plot_topic_prevalence(frames["prevalence"], lang=lang),
        "topic_words": plot_topic_words(frames["topic_words"], labels=frames["topic_labels"], lang=lang),
    }


# Pure helpers, on inputs small enough to check by hand.

def test_year_ticks_choose_the_smallest_round_step_that_fits():
    assert year_ticks(1954, 2025, max_labels=8) == [1960, 1970, 1980, 1990, 2000, 2010, 2020]
    assert year_ticks(1954, 2025, max_labels=15) == list(range(1955, 2026, 5))
    assert year_ticks(1954, 2025, max_labels=3) == [1975, 2000, 2025]  # 20 would give 4
    assert year_ticks(2006, 2023, max_labels=4) == [2010, 2015, 2020]
    assert year_ticks(2006, 2023, max_labels=18) == list(range(2006, 2024))
    assert year_ticks(2011, 2011, max_labels=1) == [2011]
    assert year_ticks(2006.4, 2008.6, max_labels=5) == [2007, 2008]


def test_thin_ticks_keeps_every_kth_from_the_first():
    assert thin_ticks(list("abcdefg"), max_labels=3) == ["a", "d", "g"]
    assert thin_ticks(list("abcdefg"), max_labels=4) == ["a", "c", "e", "g"]
    assert thin_ticks(range(3), max_labels=10) == [0, 1, 2]
    assert thin_ticks([], max_labels=2) == []


def test_tick_step_is_the_smallest_step_without_overlap():
    assert tick_step([(0, 10), (12, 22), (24, 34)], pad=2) == 1
    assert tick_step([(0, 10), (12, 22), (24, 34)], pad=3) == 2
    assert tick_step([(0, 10), (8, 18), (16, 26), (24, 34)], pad=1) == 2
    assert tick_step([(0, 10), (1, 11), (2, 12), (3, 13)]) == 4  # only the first fits
    assert tick_step([]) == 1


def test_cell_label_size_from_cell_and_text():
    assert cell_label_size(40, 20, "0.33") == 7.0  # capped at max_size
    assert cell_label_size(16, 16, "0.33") == 5.5  # (16 - 2) / 2.4 = 5.83
    assert cell_label_size(12, 12, "0.33") is None  # would need 4 pt
    assert cell_label_size(40, 6, "5%") is None  # too low: 6 / 1.3 < 5
    assert cell_label_size(40, 20, "25%", max_size=6) == 6.0


def test_text_width_and_shortening():
    assert text_em("十二五") == 3.0 and text_em("2011") == 2.4 and text_em("a\n十二五") == 3.0
    assert fit_font_size("十二五", 30, max_size=9) == 9.0
    assert fit_font_size("习近平新时代中国特色社会主义思想", 120, max_size=9) == 7.5
    assert fit_font_size("习近平新时代中国特色社会主义思想", 10, max_size=9) == 6.0  # never below min_size
    assert shorten("县工会第八次代表大会讲话稿", 20) == "县工会第八次代表大会讲话稿"
    assert shorten("县总工会七届十次全委（扩大）会议讲话", 8) == "县总工会七届十…"


def test_symlog_ticks():
    assert symlog_ticks(1500, 3.84) == [-1000, -100, -10, 0, 10, 100, 1000]
    assert symlog_ticks(12, 1.96) == [-10, -5, -2, 0, 2, 5, 10]
    assert symlog_ticks(3, 3.84) == [0]


def test_keyness_terms_take_every_eras_best_term_first():
    kdf = pd.DataFrame({"era": ["a", "a", "a", "b", "b", "c"], "term": ["x", "y", "z", "y", "w", "v"],
                        "g2": [9.0, 5.0, 4.0, 7.0, -3.0, 1.0]})
    assert keyness_terms(kdf, max_rows=3) == ["x", "y", "v"]  # a's, b's and c's best, strongest first
    assert keyness_terms(kdf, max_rows=6) == ["x", "y", "v", "z"]  # then a's others (y is b's already); w < 0
    assert keyness_terms(kdf, max_rows=2) == ["x", "y"]  # c's weakest best term is left out
    many = pd.DataFrame({"era": np.repeat(["a", "b"], 5), "term": list("pqrstpqrst"), "g2": [5.0, 4, 3, 2, 1] * 2})
    assert keyness_terms(many) == ["p", "q", "r"]  # at most 3 an era


# Every report figure at 4 eras (the shipped corpus's years), 70 years with gaps (10,000 speeches),
# 14 five-year plans (40 speeches: the most rows drawn one per speech) and 70 named eras.
CASES = {"4 years": (4, "year", None), "70 years": (70, "year", 10_000), "14 plans": (14, "plan", 40),
         "70 named": (70, "named", None)}
FIGURES = ("corpus_overview", "term_trajectories", "dating", "keyness_by_era", "word_shift", "doc_similarity",
           "era_similarity", "topic_coherence", "topic_prevalence", "topic_words")
PAD_IN = 0.1  # save_figure's bbox_inches="tight" adds matplotlib's default pad on every side


@pytest.fixture(scope="module")
def drawn():
    """Each case's figures, drawn once (closed at the end)."""
    cache = {}

    def get(case):
        if case not in cache:
            n, kind, speeches = CASES[case]
            frames = synthetic(n, kind, n_speeches=speeches)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "More than 20 figures")  # kept open on purpose
                cache[case] = (frames, report_figures(frames))
        return cache[case]

    yield get
    for _, figures in cache.values():
        for display in figures.values():
            plt.close(display.figure_)


def visible_ticklabels(axis):
    """The tick labels an axis draws: visible, not empty, inside the view."""
    low, high = sorted(axis.get_view_interval())
    return [label for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False)
            if label.get_visible() and label.get_text() and low - 1e-9 <= loc <= high + 1e-9]


def overlapping_ticklabels(fig) -> list[tuple[str, str]]:
    """Pairs of visible tick labels of the same axis whose drawn boxes intersect, in every Axes (colorbars too)."""
    fig.canvas.draw()
    pairs = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [(label.get_text(), label.get_window_extent()) for label in visible_ticklabels(axis)]
            pairs += [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b)]
    return pairs


def overlapping_titles(fig) -> list[tuple[str, str]]:
    """Pairs of panel titles (and the figure's title) whose drawn boxes intersect."""
    fig.canvas.draw()
    titles = [ax.title for ax in fig.axes if ax.get_visible() and ax.get_title()]
    titles += [t for t in fig.texts if t.get_text() and t.get_text() == fig.get_suptitle()]
    boxes = [(t.get_text(), t.get_window_extent()) for t in titles]
    return [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b)]


def saved_size_in(fig) -> tuple[float, float]:
    """Width and height of the file save_figure writes: the tight bounding box plus its pad."""
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    return box.width + 2 * PAD_IN, box.height + 2 * PAD_IN


@pytest.mark.parametrize("name", FIGURES)
@pytest.mark.parametrize("case", ["4 years", "70 years"])
def test_every_figure_fits_a_page_without_overlapping_labels(drawn, case, name):
    _, figures = drawn(case)
    fig = figures[name].figure_
    assert not overlapping_ticklabels(fig)
    assert not overlapping_titles(fig)
    width, height = fig.get_size_inches()
    assert width <= PAGE_WIDTH_IN and height <= PAGE_HEIGHT_IN
    width, height = saved_size_in(fig)
    assert width <= PAGE_WIDTH_IN and height <= PAGE_HEIGHT_IN, (width, height)


@pytest.mark.parametrize("name", ["corpus_overview", "term_trajectories", "dating", "keyness_by_era",
                                  "doc_similarity", "era_similarity", "topic_prevalence"])
@pytest.mark.parametrize("case", ["14 plans", "70 named"])
def test_named_eras_and_40_speeches_fit_too(drawn, case, name):
    _, figures = drawn(case)
    fig = figures[name].figure_
    assert not overlapping_ticklabels(fig)
    width, height = saved_size_in(fig)
    assert width <= PAGE_WIDTH_IN and height <= PAGE_HEIGHT_IN, (width, height)


def cell_texts(ax) -> list:
    return [t for t in ax.texts if t.get_visible() and t.get_text()]


def test_heatmaps_write_numbers_only_where_they_fit(drawn):
    frames, small = drawn("4 years")
    _, large = drawn("70 years")
    [era4] = small["era_similarity"].axes_
    assert len(cell_texts(era4)) == 4 * 4 - 4  # not on the diagonal
    [prevalence4] = small["topic_prevalence"].axes_
    assert len(cell_texts(prevalence4)) == 9 * 4
    assert {t.get_text() for t in cell_texts(prevalence4)} <= {f"{v:.0%}" for v in
                                                               frames["prevalence"].iloc[:, 1:].to_numpy().ravel()}
    for display in (small["era_similarity"], small["topic_prevalence"], small["doc_similarity"]):
        [ax] = display.axes_
        display.figure_.canvas.draw()
        n_rows, n_cols = ax.images[0].get_array().shape
        box = ax.get_window_extent()
        for text in cell_texts(ax):  # each number inside its cell
            extent = text.get_window_extent()
            assert extent.width < box.width / n_cols and extent.height < box.height / n_rows
    for name in ("era_similarity", "topic_prevalence", "keyness_by_era", "doc_similarity"):
        [ax] = large[name].axes_  # 70 columns (or 40 speeches): cells of a few points
        assert not cell_texts(ax), name


def test_many_tick_labels_are_thinned_not_dropped_at_random(drawn):
    _, large = drawn("70 years")
    [ax] = large["era_similarity"].axes_
    rows = [label.get_text() for label in visible_ticklabels(ax.yaxis)]
    assert 5 <= len(rows) < 70 and rows[0] == "1954"  # every k-th, from the first era
    eras = [str(e) for e in era_years(70)]
    step = eras.index(rows[1])
    assert rows == eras[::step][:len(rows)]


def test_trajectories_put_years_on_a_numeric_axis_with_round_labels(drawn):
    frames, large = drawn("70 years")
    axes = large["term_trajectories"].axes_
    years = era_years(70)
    line = axes[0].lines[0]
    assert list(line.get_xdata()) == years  # at their years: the gaps show
    labels = [int(label.get_text()) for label in visible_ticklabels(axes[0].xaxis)]
    assert labels and all(year % 10 == 0 for year in labels) and labels == sorted(labels)
    _, small = drawn("4 years")
    ax = small["term_trajectories"].axes_[0]
    assert list(ax.lines[0].get_xdata()) == [2006, 2011, 2022, 2023]
    assert [label.get_text() for label in visible_ticklabels(ax.xaxis)] == ["2010", "2015", "2020"]


def test_trajectories_label_named_eras_at_their_years(drawn):
    frames, figures = drawn("14 plans")
    ax = figures["term_trajectories"].axes_[0]
    plan_year = dict(zip(frames["eras"], era_names(14, "plan")[1], strict=True))
    labels = visible_ticklabels(ax.xaxis)
    assert 3 <= len(labels) <= 14
    for loc, label in zip(ax.xaxis.get_majorticklocs(), ax.xaxis.get_majorticklabels(), strict=False):
        assert plan_year[label.get_text()] == loc
    assert sorted(ax.xaxis.get_minorticklocs()) == sorted(set(plan_year.values()) - set(ax.get_xticks()))


def test_keyness_draws_panels_up_to_eight_eras_then_one_heat_table(drawn):
    frames, small = drawn("4 years")
    display = small["keyness_by_era"]
    assert len(display.axes_) == 4 and [ax.get_title() for ax in display.axes_] == frames["eras"]
    frames, large = drawn("70 years")
    display = large["keyness_by_era"]
    [ax] = display.axes_
    assert display.data is frames["kdf"]
    n_rows, n_cols = ax.images[0].get_array().shape
    assert n_cols == 70 and n_rows == MAX_KEYNESS_ROWS
    terms = [label.get_text() for label in visible_ticklabels(ax.yaxis)]
    assert sorted(terms) == sorted(keyness_terms(frames["kdf"]))  # every term is named
    eight = synthetic(8)["kdf"]
    display = plot_keyness(eight)
    assert len(display.axes_) == 8 and display.figure_.get_size_inches()[1] <= PAGE_HEIGHT_IN
    assert not overlapping_ticklabels(display.figure_)
    plt.close(display.figure_)


def test_overview_of_many_eras_is_a_bar_per_year(drawn):
    frames, large = drawn("70 years")
    [ax] = large["corpus_overview"].axes_
    assert len(ax.patches) == 70
    assert sorted(p.get_x() + p.get_width() / 2 for p in ax.patches) == pytest.approx(era_years(70))
    assert ax.get_title() == f"语料概览：10,000 篇讲话，70 个时期，{int(frames['docs']['n_han'].sum()):,} 个汉字"
    _, plans = drawn("14 plans")
    [ax] = plans["corpus_overview"].axes_
    assert len(ax.patches) == config.MAX_FIGURE_ROWS == len(visible_ticklabels(ax.yaxis))


def test_dating_keeps_40_rows_within_a_page(drawn):
    _, figures = drawn("70 years")
    [ax] = figures["dating"].axes_
    assert len(visible_ticklabels(ax.yaxis)) == config.MAX_FIGURE_ROWS
    assert figures["dating"].figure_.get_size_inches()[1] <= PAGE_HEIGHT_IN


def test_same_data_same_bytes_for_a_large_figure(tmp_path):
    kdf = synthetic(70)["kdf"]
    digests = []
    for run in ("a", "b"):
        display = plot_keyness(kdf)
        files = save_figure(display, out_dir=tmp_path / run)
        plt.close(display.figure_)
        digests.append([hashlib.sha256(f.read_bytes()).hexdigest() for f in files])
    assert digests[0] == digests[1]


# Language: English titles and labels, Chinese data.

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_labels_have_the_same_keys_in_every_language():
    def keys(d):
        return {k: keys(v) if isinstance(v, dict) else None for k, v in d.items()}

    assert keys(LABELS["zh"]) == keys(LABELS["en"])


def test_english_titles_keep_chinese_terms(table):
    display = plot_overview(table, lang="en")
    [ax] = display.axes_
    assert ax.get_title() == "Corpus overview: 5 speeches, 16,011 Han characters"
    assert ax.get_xlabel() == "Han characters"
    assert any(HAN.search(label.get_text()) for label in ax.get_yticklabels())  # the titles stay Chinese
    assert any("(year from title)" in label.get_text() for label in ax.get_yticklabels())
    plt.close(display.figure_)
    display = plot_trajectories(TRAJECTORIES, lang="en")
    assert display.figure_.get_suptitle().startswith("Phrases per 10,000 Han characters")
    assert display.axes_[0].get_ylabel() == "Per 10,000 Han characters"
    assert [ax.get_title() for ax in display.axes_] == ["十二五", "高质量发展"]
    plt.close(display.figure_)
    display = plot_keyness(KDF, lang="en")
    assert display.axes_[-1].get_xlabel() == "G² (log-likelihood, against the other eras)"
    assert [t.get_text() for t in display.axes_[0].get_yticklabels()] == ["职工", "十二五"]
    assert [t.get_text() for t in display.axes_[0].texts] == ["9×", "6×"]
    plt.close(display.figure_)
    display = plot_coherence(CURVE, lang="en")
    [ax] = display.axes_
    assert ax.get_xlabel() == "Number of topics k" and ax.get_legend().get_texts()[0].get_text() == "chosen k = 6"
    plt.close(display.figure_)
    display = plot_dating(DATED, lang="en")
    [ax] = display.axes_
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b (labelled 2023)", "a (labelled 2011)"]
    legend = display.figure_.legends[0]
    assert legend.get_title().get_text() == "Marker windows" and legend.get_texts()[0].get_text() == "five-year plan"
    plt.close(display.figure_)
    display = plot_similarity(SIMILARITY, by="era", lang="en")
    assert display.axes_[0].get_title() == "Mean word-use similarity between eras' speeches (TF-IDF cosine)"
    assert display.figure_.axes[1].get_ylabel() == "Cosine similarity"  # the colorbar
    plt.close(display.figure_)
    display = plot_topic_words(TOPIC_WORDS, labels=["职工·劳动", "改革·发展"], lang="en")
    assert [ax.get_title() for ax in display.axes_] == ["Topic 0: 职工·劳动", "Topic 1: 改革·发展"]
    plt.close(display.figure_)


def test_dating_drawn_from_its_compact_table_is_the_same_figure():
    """Issue 16: the report keeps the markers found as one categorical table, and the evidence dicts only for
    speeches outside their range (at 100,000 speeches the dicts were ~0.9 GB); the figure is the same."""
    dated = pd.DataFrame({"id": ["a", "b", "c"], "year": [2011, 2023, 2016], "low": [2011, 2012, 2016],
                          "high": [2015, 2015, 2020], "best": [2012, 2013, 2017], "inside": [True, False, True],
                          "evidence": [[{"marker": "十二五", "kind": "plan", "count": 3, "first": 2011, "last": 2015}],
                                       [{"marker": "十二五", "kind": "plan", "count": 1, "first": 2011, "last": 2015},
                                        {"marker": "十八大", "kind": "congress", "count": 2, "first": 2012,
                                         "last": 2017}],
                                       [{"marker": "十三五", "kind": "plan", "count": 5, "first": 2016,
                                         "last": 2020}]]})
    table = concat_dating_tables([dating_table(dated.iloc[:2]), dating_table(dated.iloc[2:])])
    assert table["marker"].dtype == "category" and list(table["marker"]) == ["十二五", "十二五", "十八大", "十三五"]
    pd.testing.assert_frame_equal(table.astype({"marker": str, "kind": str}), dating_table(dated))
    full = plot_dating(dated)
    compact = plot_dating(dated.assign(evidence=dated["evidence"].where(~dated["inside"], None)), table=table)
    lines = [[line.get_xydata().tolist() for line in display.axes_[0].get_lines()] for display in (full, compact)]
    assert lines[0] == lines[1] and len(lines[0]) == 4 + 3 + 3  # 4 marker windows, 3 best guesses, 3 years
    pd.testing.assert_frame_equal(compact.data, table)
    plt.close(full.figure_), plt.close(compact.figure_)


def test_no_chinese_outside_the_data_in_english_figures():
    frames = synthetic(4)
    data = set(frames["eras"]) | set(TERMS) | set(frames["topic_labels"])
    for name, display in report_figures(frames, lang="en").items():
        fig = display.figure_
        texts = [fig.get_suptitle(), *(legend.get_title().get_text() for legend in fig.legends)]
        for ax in fig.axes:
            texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
            legend = ax.get_legend()
            texts += [t.get_text() for t in legend.get_texts()] if legend else []
        for text in texts:
            stripped = text
            for term in sorted(data, key=len, reverse=True):
                stripped = stripped.replace(term, "")
            assert not HAN.search(stripped), (name, text)
        plt.close(fig)


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang must be one of zh, en"):
        plot_coherence(CURVE, lang="fr")


def test_plot_date_estimate_draws_the_posterior_around_the_range(tmp_path):
    from corpus import CorpusError
    from corpus.dating import date_text
    from corpus.plots import plot_date_estimate

    estimate = date_text("今年是“十二五”开局之年。", year_max=2026)
    display = plot_date_estimate(estimate, label="x", year=2023, lang="en")
    # five years either side of the range, stretched to the metadata year 2023
    assert display.data["year"].tolist() == list(range(estimate.low - 5, 2024))
    assert display.data["probability"].tolist() == [estimate.posterior[y] for y in display.data["year"]]
    assert display.data["in_range"].sum() == estimate.high - estimate.low + 1
    assert display.axes_[0].get_title() == f"x: {estimate.low}–{estimate.high} (80%), most probable {estimate.best}"
    with pytest.raises(CorpusError, match="no era markers"):
        plot_date_estimate(date_text("同志们好。"))


def test_a_crowd_of_speech_points_is_one_image_in_the_vector_files(drawn, tmp_path):
    """Issue 16: at 10,000 speeches each point was an SVG path (a 12 MB file, and so the HTML page); the line
    and the axes stay vectors."""
    display = drawn("70 years")[1]["term_trajectories"]
    files = {path.suffix: path for path in display.save(out_dir=tmp_path)}
    svg = files[".svg"].read_text(encoding="utf-8")
    assert svg.count("<image ") == 6  # the points of each of the six terms' panels
    assert files[".svg"].stat().st_size < 2_000_000
