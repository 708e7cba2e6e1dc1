"""Chinese glyphs in every format, deterministic files, what the overview draws, and the displays."""

from __future__ import annotations

import hashlib
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from corpus import clean_docs, load_docs  # noqa: E402
from corpus.plots import (  # noqa: E402
    PALETTE,
    FigureDisplay,
    FigureSaver,
    cjk_font_path,
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
    assert files[3].read_text(encoding="utf-8") == display.data.to_csv(index=False, lineterminator="\n")
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
    with FigureSaver() as worker:
        promised = worker.save(plot_overview(table), "overview", out_dir=tmp_path / "worker")
        assert not plt.get_fignums()  # handed over and closed here
        worker.wait()
    assert [p.name for p in promised] == [p.name for p in expected] == ["overview.png", "overview.svg", "overview.pdf",
                                                                         "overview.csv"]
    assert [p.read_bytes() for p in promised] == [p.read_bytes() for p in expected]


def test_an_error_in_the_worker_reaches_the_caller(tmp_path, table):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with FigureSaver() as worker:
        assert [p.name for p in worker.save(plot_overview(table), out_dir=blocked / "out")][0] == "corpus_overview.png"
        with pytest.raises(OSError):
            worker.wait()


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
