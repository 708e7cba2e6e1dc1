"""Chinese glyphs in every format, deterministic files, and what the overview draws."""

from __future__ import annotations

import hashlib
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from corpus import clean_docs, load_docs  # noqa: E402
from corpus.plots import (  # noqa: E402
    FigureSaver,
    cjk_font_path,
    overview_table,
    plot_overview,
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
    ax = plot_overview(table)
    assert len(ax.patches) == 5
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == list(table["label"])  # oldest at the top
    assert ax.patches[0].get_y() > ax.patches[-1].get_y()
    assert ax.get_title() == "语料概览：5 篇讲话，16,011 个汉字"
    assert [p.get_hatch() for p in ax.patches].count("///") == 1  # only 000 is flagged
    plt.close(ax.figure)


def test_save_figure_is_deterministic(tmp_path, table):
    digests = []
    for run in ("a", "b"):
        ax = plot_overview(table)
        files = save_figure(ax.figure, "overview", out_dir=tmp_path / run, data=table)
        plt.close(ax.figure)
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
        expected = here.save(plot_overview(table).figure, "overview", out_dir=tmp_path / "here", data=table)
    with FigureSaver() as worker:
        promised = worker.save(plot_overview(table).figure, "overview", out_dir=tmp_path / "worker", data=table)
        assert not plt.get_fignums()  # handed over and closed here
        worker.wait()
    assert [p.name for p in promised] == [p.name for p in expected] == ["overview.png", "overview.svg", "overview.pdf",
                                                                         "overview.csv"]
    assert [p.read_bytes() for p in promised] == [p.read_bytes() for p in expected]


def test_an_error_in_the_worker_reaches_the_caller(tmp_path, table):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with FigureSaver() as worker:
        worker.save(plot_overview(table).figure, "overview", out_dir=blocked / "out")
        with pytest.raises(OSError):
            worker.wait()


def test_plot_functions_apply_the_cjk_font_themselves(tmp_path, table):
    plt.rcdefaults()  # as in a fresh notebook that never called use_cjk_font()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_overview(table)
        ax.figure.savefig(tmp_path / "x.png")
    plt.close(ax.figure)
