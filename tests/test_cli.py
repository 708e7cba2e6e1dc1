"""The command line: validate, report, --help, and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from corpus.cli import main

from .conftest import TINY_METADATA, TINY_TEXTS, write_corpus


def test_validate_lists_the_five_speeches(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "004  2006  utf-8       2,959 chars   18 paragraphs   3 sections  县工会工作表彰大会讲话"
    assert [line[:9] for line in out[:5]] == ["004  2006", "002  2011", "003  2022", "000  2023", "001  2023"]
    assert out[5].startswith("warning: 000: year 2023 comes from the title (year_basis=title)")
    assert out[-1] == "5 speeches, 0 errors, 1 warning"


def test_validate_reports_errors_and_exits_1(tmp_path, capsys):
    folder = write_corpus(tmp_path / "d", {**TINY_TEXTS, "b.txt": b""}, TINY_METADATA)
    assert main(["validate", "--data", str(folder)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("a  2006  utf-8")
    assert out[1].startswith("error: ") and out[1].endswith("b.txt (id b): the file is empty; put the transcript text in it or remove it")
    assert out[-1] == "1 speeches, 1 error, 0 warnings"


def test_report_writes_figures_and_tables(tiny_dir, tmp_path, capsys):
    assert main(["report", "--data", str(tiny_dir), "--out", str(tmp_path / "out")]) == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["corpus_overview.csv", "corpus_overview.pdf", "corpus_overview.png", "corpus_overview.svg", "documents.csv"]
    documents = (tmp_path / "out" / "documents.csv").read_text().splitlines()
    assert documents[0].startswith("id,year,era,title,")
    assert len(documents) == 3


def test_errors_are_one_line_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "corpus", "report", "--data", str(tmp_path / "missing")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().endswith("missing: no such data folder; pass --data DIR or create it with `corpus add`")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"], ["report", "--help"]])
def test_help_on_every_command(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: corpus" in capsys.readouterr().out


def test_committed_figures_are_what_report_writes(tmp_path):
    """figures/ in the repo is exactly what `make report` regenerates from data/."""
    from corpus import config
    from corpus.report import build_report

    written = build_report(config.DATA_DIR, out_dir=tmp_path)
    for path in written:
        committed = config.FIGURES_DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), f"figures/{path.name} is stale: run `make report`"


def test_segment_text(capsys):
    assert main(["segment", "各位代表、同志们！要推动XXX高质量发展"]) == 0
    assert capsys.readouterr().out == "各位代表 、 同志们 ！ 要 推动 □ 高质量发展\n"
    assert main(["segment", "--stopwords", "mark", "要推动高质量发展"]) == 0
    assert capsys.readouterr().out == "[要] 推动 高质量发展\n"
    assert main(["segment", "--stopwords", "hide", "同志们，要推动高质量发展"]) == 0
    assert capsys.readouterr().out == "推动 高质量发展\n"


def test_segment_file_keeps_lines(tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_bytes("建设职工之家\n\n坚持两个维护\n".encode("gbk"))
    assert main(["segment", "--file", str(path)]) == 0
    assert capsys.readouterr().out == "建设 职工之家\n\n坚持 两个维护\n"


def test_segment_a_speech(capsys):
    assert main(["segment", "--id", "002"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 19 and lines[:2] == ["总工会 领导 讲话", "同志们 ："]


def test_segment_errors(capsys):
    assert main(["segment", "--id", "999"]) == 1
    assert capsys.readouterr().err.startswith("error: no speech with id '999' in ")
    assert main(["segment"]) == 1
    assert capsys.readouterr().err == "error: give a TEXT, --file F or --id DOC\n"


def test_lexicon_audit_and_suggest(capsys):
    assert main(["lexicon", "audit", "--top", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "term\tcategory\toccurrences\twhole\tinside\tsplit\treason"
    assert out[1] == "工会法\tinstitution\t1\t0\t0\t1\t工会/法制化 (jieba prefers 法制化) ×1"
    assert out[3].startswith("… ") and out[3].endswith(" more (--top N, or --csv for all)")
    assert main(["lexicon", "suggest", "--csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "term,source,count,docs,example"
    assert rows[1].startswith("不掉队,quoted,1,1,")
