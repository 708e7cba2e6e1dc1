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
