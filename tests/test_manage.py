"""Adding and removing transcripts through the CLI: every bad input gets a clear error and changes nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import config, load_docs
from corpus.cli import main
from corpus.manage import jaccard, shingles

from .conftest import DATA_DIR, FIGURES_DIR

SPEECH = ("同志们：\n今年是“十四五”开局之年。全县各级工会组织要深入开展党史学习教育，"
          "团结动员广大职工为推动高质量发展建功立业。\n")


@pytest.fixture
def data(tmp_path) -> Path:
    """A copy of the shipped corpus."""
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder, ignore=shutil.ignore_patterns("lexicon", "README.md"))
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def add(folder: Path, *argv: str) -> int:
    return main(["add", *argv, "--data", str(folder)])


@pytest.mark.parametrize(("encoding", "raw"), [
    ("gbk", SPEECH.encode("gbk")),
    ("gb18030", (SPEECH + "㐀").encode("gb18030")),
    ("utf-16", SPEECH.encode("utf-16")),
    ("utf-8-sig", SPEECH.encode("utf-8-sig")),
])
def test_accepted_encodings_are_decoded_right(data, tmp_path, capsys, encoding, raw):
    source = tmp_path / "新 讲话 (1).txt"  # spaces, Chinese and brackets in the name are fine
    source.write_bytes(raw)
    assert add(data, str(source), "--year", "2021", "--place", "某县") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"added 005: 新 讲话 (1) (2021) from {source} [{encoding}, ")
    assert "dating: its words point to 2021–" in out
    docs = load_docs(data).set_index("id")
    assert docs.loc["005", "text"].rstrip("㐀") == SPEECH
    assert docs.loc["005", "encoding"] == encoding
    assert docs.loc["005", "place"] == "某县" and docs.loc["005", "year_basis"] == "source"
    stored = data / docs.loc["005", "file"]
    assert stored.read_bytes() == raw  # the original bytes, untouched
    assert stored.name.startswith("005_") and stored.parent == data


def _refused(data, capsys, argv, message):
    before = snapshot(data)
    assert add(data, *argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert snapshot(data) == before  # metadata.csv and every stored file byte-identical


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"  \n\t \r\n", "contains only whitespace"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", "looks binary (contains NUL bytes)"),
    (b"\x81\x30\xff\xfe\x20", "cannot be decoded as UTF-8, GBK or GB18030"),
])
def test_bad_files(data, tmp_path, capsys, content, message):
    source = tmp_path / "bad.txt"
    source.write_bytes(content)
    _refused(data, capsys, [str(source), "--year", "2023"], message)


def test_missing_file(data, tmp_path, capsys):
    _refused(data, capsys, [str(tmp_path / "nope.txt"), "--year", "2023"], "nope.txt: no such file")


def test_forty_megabytes_is_refused_quickly(data, tmp_path, capsys):
    source = tmp_path / "huge.txt"
    with source.open("wb") as handle:
        handle.truncate(40 * 1024 * 1024)  # sparse: instant to create
    _refused(data, capsys, [str(source), "--year", "2023"], "41.9 MB is too large for one speech (limit 10 MB)")


@pytest.mark.parametrize(("year", "message"), [
    ("二〇二三", "year '二〇二三' is not valid; write a four-digit year between 1949 and"),
    ("23", "year '23' is not valid"),
    ("1800", "year '1800' is not valid"),
])
def test_bad_years(data, tmp_path, capsys, year, message):
    source = tmp_path / "s.txt"
    source.write_text(SPEECH, encoding="utf-8")
    _refused(data, capsys, [str(source), "--year", year], message)


def test_exact_duplicate(data, capsys):
    source = data.parent / "copy.txt"
    shutil.copy(data / "002_592489f94325e6aa.txt", source)
    _refused(data, capsys, [str(source), "--year", "2011"], "same text as speech 002; it is already in the corpus")


def test_near_duplicate_needs_force(data, capsys):
    text = (data / "001_9e234dee620ed9fc.txt").read_text(encoding="utf-8")
    reposted = "来源：某网站 分享 收藏\n\n" + text.replace("47 3432347", "阅读 1024").replace('");', "")
    source = data.parent / "reposted.txt"
    source.write_bytes(reposted.encode("gbk"))
    _refused(data, capsys, [str(source), "--year", "2023"], "near-duplicate of speech 001 (")
    assert add(data, str(source), "--year", "2023", "--force") == 0
    assert "added 005" in capsys.readouterr().out


def test_shingles_by_hand():
    a, b = shingles("abcdefg"), shingles("abcdefh")
    assert a == {"abcde", "bcdef", "cdefg"} and b == {"abcde", "bcdef", "cdefh"}
    assert jaccard(a, b) == 2 / 4


@pytest.mark.parametrize(("edit", "message"), [
    (lambda text: text.replace("id,file,year,title", "id,file,yr,title", 1), "missing required column 'year'"),
    (lambda text: text + '006,x.txt,2023,"broken\n', "malformed CSV"),
])
def test_hand_edited_metadata(data, tmp_path, capsys, edit, message):
    meta = data / "metadata.csv"
    meta.write_text(edit(meta.read_text(encoding="utf-8")), encoding="utf-8")
    source = tmp_path / "s.txt"
    source.write_text(SPEECH, encoding="utf-8")
    _refused(data, capsys, [str(source), "--year", "2021"], message)


def test_new_corpus_folder_is_created(tmp_path, capsys):
    source = tmp_path / "s.txt"
    source.write_text("第一届职工代表大会讲话\n" + SPEECH, encoding="utf-8")
    folder = tmp_path / "new corpus"
    assert add(folder, str(source), "--year", "2021") == 0
    assert "added 000: 第一届职工代表大会讲话 (2021)" in capsys.readouterr().out
    assert (folder / "metadata.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(
        [*config.REQUIRED_COLUMNS, *config.OPTIONAL_COLUMNS])
    assert main(["validate", "--data", str(folder)]) == 0


def test_add_warns_when_the_year_disagrees_with_the_words(data, tmp_path, capsys):
    source = tmp_path / "s.txt"
    source.write_text(SPEECH, encoding="utf-8")
    assert add(data, str(source), "--year", "2008") == 0
    assert "warning: 005: year 2008 is outside 2021–" in capsys.readouterr().out


def test_remove_restores_the_folder(data, tmp_path, capsys):
    before = snapshot(data)
    source = tmp_path / "s.txt"
    source.write_text(SPEECH, encoding="utf-8")
    assert add(data, str(source), "--year", "2021") == 0
    stored = [p for p in data.iterdir() if p.name.startswith("005_")]
    assert main(["remove", "005", "--data", str(data)]) == 0
    assert capsys.readouterr().out.endswith(f"removed 005: s and {stored[0]}\n")
    assert snapshot(data) == before
    assert main(["remove", "005", "--data", str(data)]) == 1
    assert "no speech with id '005'" in capsys.readouterr().err


def test_metadata_in_gbk_stays_gbk(data, tmp_path, capsys):
    meta = data / "metadata.csv"
    meta.write_bytes(meta.read_text(encoding="utf-8").encode("gb18030"))
    source = tmp_path / "s.txt"
    source.write_text(SPEECH, encoding="utf-8")
    assert add(data, str(source), "--year", "2021") == 0
    meta.read_bytes().decode("gb18030")  # still one encoding throughout
    assert "005" in set(load_docs(data)["id"])


def test_rerun_after_add_segments_only_the_new_speech(data, tmp_path, capsys):
    env = {**os.environ, "CORPUS_CACHE_DIR": str(tmp_path / "cache"), "MPLBACKEND": "Agg"}
    run = [sys.executable, "-m", "corpus", "report", "--data", str(data), "--out", str(tmp_path / "out")]
    first = subprocess.run(run, capture_output=True, text=True, env=env)
    assert "segmented 5, cached 0" in first.stderr
    source = tmp_path / "s.txt"
    source.write_text(SPEECH, encoding="utf-8")
    assert add(data, str(source), "--year", "2021") == 0
    second = subprocess.run(run, capture_output=True, text=True, env=env)
    assert second.returncode == 0 and "segmented 1, cached 5" in second.stderr


def test_two_reports_at_once_do_not_corrupt_the_cache(data, tmp_path):
    env = {**os.environ, "CORPUS_CACHE_DIR": str(tmp_path / "cache"), "MPLBACKEND": "Agg"}
    runs = [subprocess.Popen([sys.executable, "-m", "corpus", "report", "--data", str(data),
                              "--out", str(tmp_path / "out")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    third = subprocess.run([sys.executable, "-m", "corpus", "report", "--data", str(data),
                            "--out", str(tmp_path / "out"), "--force"], capture_output=True, text=True, env=env)
    assert "segmented 0, cached 5" in third.stderr
    assert not list((tmp_path / "cache").rglob("*.tmp")) and not list((tmp_path / "out").glob(".*tmp"))
    assert (tmp_path / "out" / "keyness_by_era.csv").read_bytes() == (FIGURES_DIR / "keyness_by_era.csv").read_bytes()
