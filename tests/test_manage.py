"""Adding and removing transcripts through the CLI: every bad input gets a clear error and changes nothing."""

from __future__ import annotations

import csv
import hashlib
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import config, load_docs
from corpus.cli import main
from corpus.manage import LOCK_FILE, jaccard, shingles

from .conftest import DATA_DIR, FIGURES_DIR
from .test_extract import EXPECTED, HEADING, PARAGRAPHS, make_docx, make_html, make_pdf, speech_pdf_pages

SPEECH = ("同志们：\n今年是“十四五”开局之年。全县各级工会组织要深入开展党史学习教育，"
          "团结动员广大职工为推动高质量发展建功立业。\n")


@pytest.fixture
def data(tmp_path) -> Path:
    """A copy of the shipped corpus."""
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder, ignore=shutil.ignore_patterns("lexicon", "README.md"))
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """Every file's hash, the lock file aside (it holds nothing and stays once an add or remove has run)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and p.name != LOCK_FILE}


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


# ── documents: .docx, .pdf, .html ────────────────────────────────────────────────────────────────────────────────

def _rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("kind", ["docx", "pdf", "html"])
def test_documents_are_added_as_text_beside_their_original(data, tmp_path, capsys, kind):
    if kind == "docx":
        source = make_docx(tmp_path / "县工会 讲话.docx")
        expected = EXPECTED
    elif kind == "pdf":
        source = make_pdf(tmp_path / "县工会 讲话.pdf", speech_pdf_pages())
        expected = "\n".join(line for page in speech_pdf_pages() for line in page) + "\n"
    else:
        source = tmp_path / "县工会 讲话.html"
        source.write_text(make_html(), encoding="utf-8")
        expected = EXPECTED
    header_before = (data / "metadata.csv").read_text(encoding="utf-8").splitlines()[0]
    assert add(data, str(source), "--year", "2021", "--place", "某县") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"added 005: {HEADING} (2021) from {source} [{kind}:")
    row = _rows(data)[-1]
    text_file, original = data / row["file"], data / row["original"]
    assert text_file.name.startswith("005_") and text_file.suffix == ".txt"
    assert original.name == text_file.stem + f".{kind}"
    assert text_file.read_bytes() == expected.encode("utf-8")  # the extracted text, UTF-8
    assert original.read_bytes() == source.read_bytes()  # the original, byte for byte
    assert row["extraction"].startswith({"docx": "docx:python-docx ", "pdf": "pdf:pypdf ",
                                         "html": "html:trafilatura "}[kind])
    assert row["title"] == HEADING and row["place"] == "某县" and row["year_basis"] == "source"
    # the header grew by the two columns; every earlier row got empty values and still loads
    assert (data / "metadata.csv").read_text(encoding="utf-8").splitlines()[0] == header_before + ",original,extraction"
    docs = load_docs(data).set_index("id")
    assert docs.loc["005", "text"] == expected and docs.loc["005", "encoding"] == "utf-8"
    assert docs.loc["004", "original"] == "" and docs.loc["005", "original"] == original.name
    assert main(["validate", "--data", str(data)]) == 0


def test_the_same_speech_in_another_format_is_a_duplicate(data, tmp_path, capsys):
    assert add(data, str(make_docx(tmp_path / "a.docx")), "--year", "2021") == 0
    capsys.readouterr()
    pdf = make_pdf(tmp_path / "b.pdf", speech_pdf_pages())
    _refused(data, capsys, [str(pdf), "--year", "2021"], "b.pdf: same text as speech 005; it is already in the corpus")
    html = tmp_path / "c.html"
    html.write_text(make_html(), encoding="utf-8")
    _refused(data, capsys, [str(html), "--year", "2021"], "c.html: same text as speech 005")
    plain = tmp_path / "d.txt"
    plain.write_text(EXPECTED.replace("\n", "\n\n"), encoding="gbk")
    _refused(data, capsys, [str(plain), "--year", "2021"], "d.txt: same text as speech 005")


def test_plain_text_adds_need_no_new_columns(data, tmp_path, capsys):
    source = tmp_path / "s.txt"
    source.write_text(SPEECH, encoding="utf-8")
    header = (data / "metadata.csv").read_bytes().splitlines()[0]
    assert add(data, str(source), "--year", "2021") == 0
    assert (data / "metadata.csv").read_bytes().splitlines()[0] == header
    assert sorted(p.name for p in data.iterdir() if p.name.startswith("005_")) == [_rows(data)[-1]["file"]]
    # a document later adds the columns; the text speech keeps empty ones
    assert add(data, str(make_docx(tmp_path / "a.docx")), "--year", "2021") == 0
    rows = _rows(data)
    assert (rows[-2]["original"], rows[-2]["extraction"]) == ("", "")
    assert rows[-1]["extraction"].startswith("docx:")


def test_new_columns_keep_crlf_quoted_rows_and_gbk(data, tmp_path, capsys):
    meta = data / "metadata.csv"
    text = meta.read_text(encoding="utf-8").replace("\n", "\r\n")
    text = text.replace("县工会工作表彰大会讲话", '"县工会工作表彰大会讲话\n（摘要）"', 1)  # a value over two lines
    meta.write_bytes(text.encode("gb18030"))
    assert add(data, str(make_docx(tmp_path / "a.docx")), "--year", "2021") == 0
    raw = meta.read_bytes().decode("gb18030")
    assert "\r\n" in raw and raw.replace("\r\n", "").count("\n") == 1  # CRLF kept; the quoted line break kept
    docs = load_docs(data).set_index("id")
    assert docs.loc["004", "title"].startswith("县工会工作表彰大会讲话") and docs.loc["005", "title"] == HEADING
    assert main(["remove", "005", "--data", str(data)]) == 0
    assert set(load_docs(data)["id"]) == {"000", "001", "002", "003", "004"}


def test_remove_removes_the_text_and_the_original(data, tmp_path, capsys):
    assert add(data, str(make_docx(tmp_path / "a.docx")), "--year", "2021") == 0
    stored = sorted(p.name for p in data.iterdir() if p.name.startswith("005_"))
    assert [Path(n).suffix for n in stored] == [".docx", ".txt"]
    assert main(["remove", "005", "--data", str(data)]) == 0
    assert capsys.readouterr().out.endswith(f"removed 005: {HEADING} and {data / stored[1]} and {data / stored[0]}\n")
    assert not [p for p in data.iterdir() if p.name.startswith("005_")]
    assert set(load_docs(data)["id"]) == {"000", "001", "002", "003", "004"}


def test_bad_documents_change_nothing(data, tmp_path, capsys):
    pypdf = pytest.importorskip("pypdf")
    whole = make_docx(tmp_path / "whole.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(whole[: len(whole) // 2])
    _refused(data, capsys, [str(tmp_path / "cut.docx"), "--year", "2021"], "cut.docx: cannot be read as .docx (")
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.4\n" + b"garbage " * 50)
    _refused(data, capsys, [str(tmp_path / "junk.pdf"), "--year", "2021"], "junk.pdf: cannot be read as PDF (")
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(make_pdf(tmp_path / "p.pdf", speech_pdf_pages())))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    with open(tmp_path / "locked.pdf", "wb") as handle:
        writer.write(handle)
    _refused(data, capsys, [str(tmp_path / "locked.pdf"), "--year", "2021"], "locked.pdf: is password-protected")
    docx = pytest.importorskip("docx")
    docx.Document().save(str(tmp_path / "empty.docx"))
    _refused(data, capsys, [str(tmp_path / "empty.docx"), "--year", "2021"], "empty.docx: has no text")


def test_a_missing_library_gives_the_install_hint(data, tmp_path, capsys, monkeypatch):
    source = make_docx(tmp_path / "a.docx")
    monkeypatch.setitem(sys.modules, "docx", None)
    _refused(data, capsys, [str(source), "--year", "2021"],
             "a.docx: reading .docx files needs python-docx, which is not installed; pip install 'corpus[formats]'")


def test_titles_follow_one_rule_in_every_format(data, tmp_path, capsys):
    sentence_first = ["今年是“十四五”开局之年，全县工会要建功立业。", "第二段。"]
    make_docx(tmp_path / "无标题.docx", heading="", paragraphs=sentence_first, table=None)
    (tmp_path / "无标题.html").write_text(make_html(heading="", paragraphs=["同志们：", *PARAGRAPHS[1:]], table=None),
                                         encoding="utf-8")
    assert add(data, str(tmp_path / "无标题.docx"), str(tmp_path / "无标题.html"), "--year", "2021") == 0
    assert [row["title"] for row in _rows(data)[-2:]] == ["无标题", "无标题"]  # a sentence, 同志们： → the file name


# ── bulk: several files, a manifest, years from names ─────────────────────────────────────────────────────────────

def distinct_text(n: int) -> str:
    """A speech of its own: a title line and 300 random common characters (no two near each other)."""
    pool = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产"
            "种面而方后")
    rng = random.Random(n)
    body = "".join(rng.choice(pool) + ("。" if rng.random() < 0.05 else "") for _ in range(300))
    return f"县工会第{n}次会议讲话\n同志们：\n{body}。\n"


def write_manifest(folder: Path, rows: list[dict[str, str]], name: str = "speeches.csv") -> Path:
    path = folder / name
    columns = list(dict.fromkeys(c for row in rows for c in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def fifty_speeches(folder: Path) -> list[dict[str, str]]:
    """50 files in three formats under folder/in/, with manifest rows."""
    (folder / "in").mkdir()
    rows = []
    for n in range(50):
        if n % 10 == 3:
            name = f"in/{n:02d}.docx"
            title, *paragraphs = distinct_text(n).splitlines()
            make_docx(folder / name, heading=title, paragraphs=paragraphs, table=None)
        elif n % 10 == 7:
            name = f"in/{n:02d}.html"
            title, *paragraphs = distinct_text(n).splitlines()
            (folder / name).write_text(make_html(heading=title, paragraphs=paragraphs, table=None), encoding="utf-8")
        else:
            name = f"in/{n:02d}.txt"
            (folder / name).write_text(distinct_text(n), encoding="gbk" if n % 2 else "utf-8")
        rows.append({"file": name, "year": str(2000 + n % 20), "place": "某县", "source": f"https://example.org/{n}"})
    return rows


def test_manifest_of_fifty_with_one_bad_row_adds_nothing_then_fixed_adds_fifty(data, tmp_path, capsys):
    rows = fifty_speeches(tmp_path)
    rows[17]["year"] = "二〇一七"
    manifest = write_manifest(tmp_path, rows)
    before = snapshot(data)
    assert add(data, "--manifest", str(manifest)) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: {manifest} line 19: year '二〇一七' is not valid; write a four-digit year between 1949 "
                   f"and {config.year_max()}, e.g. 2017",
                   "error: nothing added: 1 of 50 rows has a problem; fix it and run the same command again"]
    assert snapshot(data) == before

    rows[17]["year"] = "2017"
    write_manifest(tmp_path, rows)
    assert add(data, "--manifest", str(manifest)) == 0
    out = capsys.readouterr().out
    assert out.count("\nadded ") + out.startswith("added ") == 50
    docs = load_docs(data).set_index("id")
    assert list(sorted(docs.index))[5:] == [f"{i:03d}" for i in range(5, 55)]
    for n in range(50):
        doc = docs.loc[f"{n + 5:03d}"]
        assert doc["title"] == f"县工会第{n}次会议讲话" and doc["year"] == 2000 + n % 20
        assert doc["place"] == "某县" and doc["source"] == f"https://example.org/{n}"
        assert "".join(doc["text"].split()) == "".join(distinct_text(n).split())
    assert docs.loc["008", "extraction"].startswith("docx:") and docs.loc["012", "extraction"].startswith("html:")
    assert main(["validate", "--data", str(data)]) == 0


def test_manifest_lists_every_bad_row(data, tmp_path, capsys):
    rows = fifty_speeches(tmp_path)[:6]
    rows[1]["file"] = "in/missing.txt"
    rows[2]["year"] = ""
    rows[4]["file"] = rows[0]["file"]  # the same file twice
    shutil.copy(data / "002_592489f94325e6aa.txt", tmp_path / "in" / "05.txt")  # a speech already in the corpus
    manifest = write_manifest(tmp_path, rows)
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "in/extra.txt,2001,某县,https://example.org,一个多余的值\n")  # line 4: one field too many
    manifest.write_text("".join(lines), encoding="utf-8")
    before = snapshot(data)
    assert add(data, "--manifest", str(manifest)) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {manifest} line 3: {tmp_path / 'in/missing.txt'}: no such file",
        f"error: {manifest} line 4: 5 fields where the header has 4; quote values that contain commas",
        f"error: {manifest} line 5: {tmp_path / 'in/02.txt'}: no year; give --year YEAR, a year in the manifest's "
        "year column, or --year-from-name PATTERN",
        f"error: {manifest} line 7: {tmp_path / 'in/00.txt'}: same text as {manifest} line 2; list each speech once",
        f"error: {manifest} line 8: {tmp_path / 'in/05.txt'}: same text as speech 002; it is already in the corpus",
        "error: nothing added: 5 of 7 rows have problems; fix them and run the same command again",
    ]
    assert snapshot(data) == before


def test_manifest_extra_columns_and_defaults(data, tmp_path, capsys):
    rows = [{"id": "x1", "file": row["file"], "year": row["year"], "speaker": f"主席{i}"}
            for i, row in enumerate(fifty_speeches(tmp_path)[:3])]
    rows[2]["year"] = ""
    manifest = write_manifest(tmp_path, rows)
    assert add(data, "--manifest", str(manifest), "--year", "2015", "--place", "某县") == 0
    added = _rows(data)[-3:]
    assert [r["id"] for r in added] == ["005", "006", "007"]  # ids are chosen by the add
    assert [r["speaker"] for r in added] == ["主席0", "主席1", "主席2"] and added[2]["year"] == "2015"
    assert {r["place"] for r in added} == {"某县"} and _rows(data)[0]["speaker"] == ""
    assert main(["validate", "--data", str(data)]) == 0


def test_year_from_folder_and_file_names(data, tmp_path, capsys):
    for year, name in (("2011", "a.txt"), ("2019", "b.txt")):
        (tmp_path / year).mkdir()
        (tmp_path / year / name).write_text(distinct_text(int(year)), encoding="utf-8")
    (tmp_path / "讲话-2016.txt").write_text(distinct_text(2016), encoding="utf-8")
    files = [str(tmp_path / "2011" / "a.txt"), str(tmp_path / "2019" / "b.txt"), str(tmp_path / "讲话-2016.txt")]
    assert add(data, *files, "--year-from-name", r"(\d{4})") == 0
    assert [row["year"] for row in _rows(data)[-3:]] == ["2011", "2019", "2016"]
    # a manifest without years takes them from the names too
    (tmp_path / "2020").mkdir()
    (tmp_path / "2020" / "c.txt").write_text(distinct_text(2020), encoding="utf-8")
    manifest = write_manifest(tmp_path, [{"file": "2020/c.txt", "title": "某讲话"}])
    assert add(data, "--manifest", str(manifest), "--year-from-name", r"(\d{4})") == 0
    assert _rows(data)[-1]["year"] == "2020" and _rows(data)[-1]["title"] == "某讲话"


@pytest.mark.parametrize(("argv", "message"), [
    (["--year-from-name", r"(\d{4})"], "matches neither its name nor its folders"),
    (["--year-from-name", r"\d{4}"], "must have exactly one group"),
    (["--year-from-name", r"(\d{4"], "is not a valid regular expression"),
    (["--year-from-name", r"(\d)"], "--year-from-name found '1' in"),
    (["--year", "2021", "--year-from-name", r"(\d{4})"], "give --year or --year-from-name, not both"),
    ([], "--year YEAR is needed"),
])
def test_year_options_refused(data, tmp_path, capsys, argv, message):
    source = tmp_path / "s1.txt"
    source.write_text(SPEECH, encoding="utf-8")
    _refused(data, capsys, [str(source), *argv], message)


def test_several_files_are_all_or_nothing(data, tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text(SPEECH, encoding="utf-8")
    before = snapshot(data)
    assert add(data, str(good), str(tmp_path / "nope.txt"), str(good), "--year", "2021") == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: {tmp_path / 'nope.txt'}: no such file",
                   f"error: {good}: same text as {good}; list each speech once",
                   "error: nothing added: 2 of 3 files have problems; fix them and run the same command again"]
    assert snapshot(data) == before


def test_concurrent_adds_lose_no_row(data, tmp_path):
    sources = []
    for n in range(4):
        sources.append(tmp_path / f"s{n}.txt")
        sources[-1].write_text(distinct_text(100 + n), encoding="utf-8")
    env = {**os.environ, "CORPUS_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.Popen([sys.executable, "-m", "corpus", "add", str(s), "--year", "2021", "--data", str(data)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for s in sources]
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], results
    rows = _rows(data)
    assert sorted(row["id"] for row in rows) == [f"{i:03d}" for i in range(9)]  # every row, no id twice
    assert sorted(row["title"] for row in rows[5:]) == [f"县工会第{100 + n}次会议讲话" for n in range(4)]
    assert main(["validate", "--data", str(data)]) == 0


def test_adding_into_a_data_path_that_is_a_file_is_one_line(tmp_path, capsys):
    from corpus.cli import main

    source = tmp_path / "speech.txt"
    source.write_text("同志们：\n今年是“十二五”开局之年。\n", encoding="utf-8")
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    assert main(["add", str(source), "--year", "2011", "--data", str(not_a_folder)]) == 1
    assert capsys.readouterr().err == (f"error: {not_a_folder}: is a file, not a data folder; "
                                       "pass --data DIR (a folder, new or existing)\n")
    assert not_a_folder.read_text(encoding="utf-8") == "x"


def test_adding_a_folder_into_a_data_path_that_is_a_file_is_one_line(tmp_path, capsys):
    from corpus.cli import main

    folder = tmp_path / "speeches"
    folder.mkdir()
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("x", encoding="utf-8")
    assert main(["add", str(folder), "--year", "2020", "--data", str(not_a_folder)]) == 1
    assert capsys.readouterr().err == (f"error: {not_a_folder}: is a file, not a data folder; "
                                       "pass --data DIR (a folder, new or existing)\n")
