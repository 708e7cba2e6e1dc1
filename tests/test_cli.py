"""The command line: validate, report, --help, and one-line errors."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from corpus import clean_docs, load_docs
from corpus.cli import main

from .conftest import FIGURES_DIR, REPO, TINY_METADATA, TINY_TEXTS, write_corpus


def test_validate_lists_the_five_speeches(capsys):
    assert main(["validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    script = "simplified    " if "script" in clean_docs(load_docs()).columns else " "  # printed where cleaning gives it
    assert out[0] == f"004  2006  utf-8      {script}2,959 chars   18 paragraphs   3 sections  县工会工作表彰大会讲话"
    assert [line[:9] for line in out[:5]] == ["004  2006", "002  2011", "003  2022", "000  2023", "001  2023"]
    assert out[5].startswith("warning: 000: year 2023 (from the title) is outside 2012–2015")
    assert out[-1] == "5 speeches, 0 errors, 1 warning"


def test_validate_reports_errors_and_exits_1(tmp_path, capsys):
    folder = write_corpus(tmp_path / "d", {**TINY_TEXTS, "b.txt": b""}, TINY_METADATA)
    assert main(["validate", "--data", str(folder)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("a  2006  utf-8")
    assert out[1].startswith("error: ")
    assert out[1].endswith("b.txt (id b): the file is empty; put the transcript text in it or remove it")
    assert out[-1] == "1 speeches, 1 error, 0 warnings"


def test_report_writes_figures_and_tables(tiny_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CORPUS_CACHE_DIR", str(tmp_path / "cache"))  # other tests segment these texts too
    assert main(["report", "--data", str(tiny_dir), "--out", str(tmp_path / "out")]) == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith("."))
    figures = ["corpus_overview", "dating", "doc_similarity", "keyness_by_era", "word_shift"]
    assert names == sorted([f"{f}.{ext}" for f in figures for ext in ("csv", "pdf", "png", "svg")]
                           + ["documents.csv", "era_tfidf.csv", "keyness_pairs.csv", "report.html"])
    err = capsys.readouterr().err
    assert ("trajectories skipped: no lexicon term is used 5 times in 2 speeches; "
            "name the terms to chart in corpus.toml [terms] (corpus init)") in err
    assert "segmented 2, cached 0" in err
    assert "topics skipped: " in err  # two one-line speeches: nothing to model, and it says so
    assert (tmp_path / "out" / "documents.csv").read_bytes().startswith("\ufeffid,".encode())  # Excel reads Chinese
    documents = (tmp_path / "out" / "documents.csv").read_text(encoding="utf-8-sig").splitlines()
    assert documents[0].startswith("id,year,era,title,")
    assert len(documents) == 3


def test_errors_are_one_line_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "corpus", "report", "--data", str(tmp_path / "missing")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().endswith(
        "missing: no such data folder; pass --data DIR or create it with `corpus add`")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"], ["report", "--help"]])
def test_help_on_every_command(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: corpus" in capsys.readouterr().out


def test_committed_figures_are_what_report_writes(shipped_report):
    """figures/ in the repo is exactly what `make report` regenerates from data/."""
    written = sorted(path.name for path in shipped_report.iterdir() if not path.name.startswith("."))
    assert len(written) == 42  # 9 figures × (png, svg, pdf, csv), documents, era_tfidf, keyness_pairs, topic tables,
    # report.html
    assert sorted(path.name for path in FIGURES_DIR.iterdir() if not path.name.startswith(".")) == written
    for name in written:
        assert (FIGURES_DIR / name).read_bytes() == (shipped_report / name).read_bytes(), \
            f"figures/{name} is stale: run `make report`"


def test_report_compares_the_study_files_pair(shipped_report):
    pairs = pd.read_csv(shipped_report / "keyness_pairs.csv", dtype={"target": str, "reference": str})
    assert set(zip(pairs["target"], pairs["reference"], strict=True)) == {("2023", "2011")}
    assert pairs.iloc[0]["term"] == pairs.loc[pairs["g2"].idxmax(), "term"]
    assert (pairs["p"] < 0.01).sum() + min(50, len(pairs)) >= len(pairs)


def test_cli_topics_are_the_reports_topics(shipped_report, capsys):
    import io

    import pandas as pd

    assert main(["topics", "--csv"]) == 0
    words_csv, prevalence_csv = capsys.readouterr().out.split("\n\n")
    cli = pd.read_csv(io.StringIO(words_csv))
    report = pd.read_csv(shipped_report / "topic_words.csv")
    assert cli[["topic", "rank", "term", "label"]].equals(report[["topic", "rank", "term", "label"]])
    assert (cli["weight"] - report["weight"]).abs().max() < 1e-6
    prevalence = pd.read_csv(io.StringIO(prevalence_csv))
    pd.testing.assert_frame_equal(prevalence, pd.read_csv(shipped_report / "topic_prevalence.csv"), atol=1e-6)


def test_cli_topics_keep_the_k_the_report_keeps(tmp_path, capsys):
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(REPO / "data", folder, ignore=shutil.ignore_patterns("figures"))
    assert main(["report", "--data", str(folder)]) == 0  # writes folder/figures, and its topic state
    capsys.readouterr()
    assert main(["topics", "--data", str(folder)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("NMF topics over 63 paragraphs of 5 speeches, k=9")
    assert first.endswith("; k=9 kept from the run of " + date.today().isoformat()
                          + " (5 speeches); same paragraphs, same topics")


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


def test_terms_csv(capsys):
    assert main(["terms", "十二五", "高质量发展=高质量(追赶)?发展", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "era,term,count,per10k,docs,n_docs,n_chars",
        "2006,十二五,0,0.000,0,1,2672",
        "2011,十二五,4,12.169,1,1,3287",
        "2022,十二五,0,0.000,0,1,3807",
        "2023,十二五,1,1.601,1,2,6245",
        "2006,高质量发展,0,0.000,0,1,2672",
        "2011,高质量发展,0,0.000,0,1,3287",
        "2022,高质量发展,6,15.760,1,1,3807",
        "2023,高质量发展,3,4.804,1,2,6245",
    ]


def test_terms_by_plan_and_bad_regex(capsys):
    assert main(["terms", "十二五", "--by", "plan"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "十二五",
        "  十一五         0     0.00 per 10k  in 0/1 speeches",
        "  十二五         4    12.17 per 10k  in 1/1 speeches",
        "  十四五         1     0.99 per 10k  in 1/3 speeches",
    ]
    assert main(["terms", "高质量("]) == 1
    assert capsys.readouterr().err == (
        "error: term '高质量(' is not a valid regular expression (missing ), unterminated subpattern at position 3)\n")


def test_keyness_cli(capsys):
    assert main(["keyness", "--target", "2023", "--reference", "2011", "--top", "2", "--csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "era,term,n_target,n_reference,total_target,total_reference,g2,p,log_ratio,logodds_z,docs_target"
    # 三年, 一名, 两个 (2023) and 一次, 五年 (2011) are numbers, not words
    assert rows[1].startswith("2023,学习,11,0,2109,1070,9.04")
    assert len(rows) == 3
    assert main(["keyness", "--target", "2030"]) == 1
    assert capsys.readouterr().err == "error: no era '2030'; eras are: 2006, 2011, 2022, 2023\n"


def test_keyness_all_eras_table(capsys):
    assert main(["keyness", "--top", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2006 vs the rest  (791 vs 4,448 content tokens)"  # 三个 and six other numbers are not words
    assert [line.split()[0] for line in out if "vs the rest" in line] == ["2006", "2011", "2022", "2023"]


def test_kwic_cli(capsys):
    assert main(["kwic", "两个确立", "--width", "5", "--color", "never"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "003  2022  忠诚拥护“【两个确立】”、坚决做\n"
    assert captured.err == "1 match in 1 speech\n"


def test_topics_cli_is_identical_between_runs(capsys):
    assert main(["topics"]) == 0
    first = capsys.readouterr().out
    assert main(["topics"]) == 0
    assert capsys.readouterr().out == first
    lines = first.splitlines()
    assert lines[0] == "NMF topics over 63 paragraphs of 5 speeches, k=9 (most coherent of 3–10)"
    assert lines[-1].startswith("stability: 0.73 worst best-match cosine over 5 seeds on 80% subsamples — UNSTABLE")


def test_topics_cli_errors(capsys):
    assert main(["topics", "--k", "99"]) == 1
    assert capsys.readouterr().err == "error: k=99 topics needs more than 99 paragraphs, but there are 63; lower k\n"
    assert main(["topics", "--k", "many"]) == 1
    assert "--k must be a whole number or 'auto'" in capsys.readouterr().err


def test_up_to_date_report_imports_neither_scikit_learn_nor_matplotlib(tiny_dir, tmp_path):
    """Fixed costs (issue 16): a rerun with nothing changed stops before the analyses, so it should not pay for
    their libraries (~1.2 s of a 3 s rerun at 1,000 speeches)."""
    out = tmp_path / "out"
    assert main(["report", "--data", str(tiny_dir), "--out", str(out)]) == 0
    code = ("import contextlib, io, sys\nfrom corpus.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert main(['report', '--data', {str(tiny_dir)!r}, '--out', {str(out)!r}]) == 0\n"
            "print(sorted(m for m in ('sklearn', 'matplotlib', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.startswith("up to date: ")
    assert done.stdout.strip() == "[]"


def test_report_rerun_with_nothing_changed_is_up_to_date(tiny_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", "--data", str(tiny_dir), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", "--data", str(tiny_dir), "--out", str(out), "--timings"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("up to date: nothing changed since the last report (")
    assert "timings: load " in err
    (out / "word_shift.png").write_bytes(b"edited by hand")  # an output changed: redo
    assert main(["report", "--data", str(tiny_dir), "--out", str(out)]) == 0
    assert "segmented 0, cached 2" in capsys.readouterr().err
    (tiny_dir / "b.txt").write_text("同志们：\n今年是“十二五”开局之年，要坚持党建带工建，建设职工之家。\n",
                                    encoding="utf-8")
    assert main(["report", "--data", str(tiny_dir), "--out", str(out)]) == 0  # an input changed: redo
    assert "segmented 1, cached 1" in capsys.readouterr().err
    assert main(["report", "--data", str(tiny_dir), "--out", str(out), "--force"]) == 0
    assert "segmented 0, cached 2" in capsys.readouterr().err


def test_init_writes_a_study_file_the_report_follows(tiny_dir, tmp_path, capsys):
    assert main(["init", "--data", str(tiny_dir)]) == 0
    assert f"wrote {tiny_dir / 'corpus.toml'}" in capsys.readouterr().out
    assert main(["init", "--data", str(tiny_dir)]) == 1  # never overwrites by accident
    assert "corpus.toml" in capsys.readouterr().err
    study = (tiny_dir / "corpus.toml").read_text(encoding="utf-8")
    study = study.replace('# by = "auto"', 'by = "plan"').replace('# lang = "zh"', 'lang = "en"')
    study = study.replace('# "十二五" = "十二五"', '"党建" = "党建带工建"')
    (tiny_dir / "corpus.toml").write_text(study, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["report", "--data", str(tiny_dir), "--out", str(out)]) == 0
    assert "eras: plan (given)" in capsys.readouterr().err
    trajectories = (out / "term_trajectories.csv").read_text(encoding="utf-8-sig").splitlines()
    # 21 and 23 Han characters: 1 / 23 × 10,000 = 434.78 per 10,000 in 十二五 (2011–2015, at 2013)
    assert trajectories[1:] == ["十一五,党建,0,0,0,1,21,,,2008", "十二五,党建,1,434.7826087,1,1,23,,,2013"]
    documents = (out / "documents.csv").read_text(encoding="utf-8-sig").splitlines()
    assert documents[0].endswith(",era_scheme,era_reason") and documents[1].endswith(",plan,given")
    assert "0 → 十二五" not in (out / "word_shift.svg").read_text()  # English labels, Chinese eras kept
    pairs = (out / "keyness_pairs.csv").read_text(encoding="utf-8-sig").splitlines()
    assert pairs[0].endswith(",target,reference")  # two one-line speeches: no term reaches min_count


def test_report_flags_override_the_study_file(tiny_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", "--data", str(tiny_dir), "--out", str(out), "--compare", "2011:2006",
                 "--terms", "十一五", "--by", "year"]) == 0
    assert "eras: year (given)" in capsys.readouterr().err
    assert (out / "term_trajectories.csv").read_text(encoding="utf-8-sig").splitlines()[1].startswith("2006,十一五,2,")
    assert main(["report", "--data", str(tiny_dir), "--out", str(out), "--compare", "2011:2023"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: --compare: era '2023' has no speeches; compare two of the eras the data have: 2006, 2011")


def test_terms_by_congress_names_every_year(tmp_path, capsys):
    """Regression: a speech before the first congress period ended in KeyError: '其他'."""
    texts = {"a.txt": "同志们：\n第一个五年计划。\n", "b.txt": "同志们：\n十二五。\n"}
    folder = write_corpus(tmp_path / "early", texts, "id,file,year,title\na,a.txt,1954,甲\nb,b.txt,2011,乙\n")
    assert main(["terms", "五年计划", "--by", "congress", "--csv", "--data", str(folder)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert [row.split(",")[:3] for row in rows[1:]] == [["八大以前", "五年计划", "1"], ["十七大", "五年计划", "0"]]


def test_editing_the_study_file_makes_the_report_redo(tiny_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", "--data", str(tiny_dir), "--out", str(out)]) == 0
    assert main(["report", "--data", str(tiny_dir), "--out", str(out)]) == 0
    assert capsys.readouterr().err.splitlines()[-1].startswith("up to date: ")
    (tiny_dir / "corpus.toml").write_text('[figures]\nlang = "en"\n', encoding="utf-8")
    assert main(["report", "--data", str(tiny_dir), "--out", str(out)]) == 0
    assert "up to date" not in capsys.readouterr().err
    assert main(["report", "--data", str(tiny_dir), "--out", str(out), "--lang", "zh"]) == 0  # a flag too
    assert "up to date" not in capsys.readouterr().err


def test_a_rerun_redraws_only_the_figures_whose_data_changed(tiny_dir, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", "--data", str(tiny_dir), "--out", str(out)]) == 0
    capsys.readouterr()
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}
    (out / "dating.svg").write_bytes(b"<svg/>")  # a damaged file is drawn again, never trusted
    assert main(["report", "--data", str(tiny_dir), "--out", str(out), "--terms", "十二五"]) == 0
    log = capsys.readouterr().err.splitlines()
    drawn = {p.name for p in out.glob("*.png") if p.stat().st_mtime_ns != before.get(p.name)}
    assert drawn == {"term_trajectories.png", "dating.png"}
    unchanged = sorted(name.removesuffix(".png") for name in before if name not in drawn)
    assert f"figures: 2 drawn, {len(unchanged)} unchanged" in "\n".join(log)
    assert (out / "dating.svg").read_bytes() != b"<svg/>"
    fresh = tmp_path / "fresh"  # and the folder holds exactly what a cold run writes
    assert main(["report", "--data", str(tiny_dir), "--out", str(fresh), "--terms", "十二五"]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")} == {
        p.name: p.read_bytes() for p in fresh.iterdir() if not p.name.startswith(".")}


def test_lexicon_suggest_prints_one_line_per_row_even_when_an_example_spans_paragraphs(tmp_path, capsys):
    texts = {"a.txt": "县工会工作会议\n\n全县要建设“职工书屋”和“暖心驿站”。\n", "b.txt": TINY_TEXTS["b.txt"]}
    folder = write_corpus(tmp_path / "d", texts, TINY_METADATA)
    assert main(["lexicon", "suggest", "--csv", "--data", str(folder)]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert table["example"].str.contains("\n").any()  # the case: an example with a line break
    assert main(["lexicon", "suggest", "--data", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(table) and all(line.count("\t") == 4 for line in lines)
    assert "县工会工作会议⏎⏎全县要建设" in lines[1]


def test_kwic_csv_filters_by_era_and_year(capsys):
    assert main(["kwic", "工会", "--csv", "--width", "4"]) == 0
    everything = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert list(everything.columns) == ["doc_id", "year", "era", "left", "match", "right"]
    assert set(everything["year"]) == {"2006", "2011", "2022", "2023"}
    assert main(["kwic", "工会", "--csv", "--width", "4", "--year", "2023"]) == 0
    year = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert len(year) > 0 and set(year["year"]) == {"2023"} and set(year["doc_id"]) == {"000", "001"}
    assert year.to_dict("records") == everything[everything["year"] == "2023"].to_dict("records")
    assert main(["kwic", "工会", "--csv", "--by", "plan", "--era", "十二五"]) == 0
    plan = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    assert set(plan["era"]) == {"十二五"} and set(plan["doc_id"]) == {"002"}
    assert main(["kwic", "两个确立", "--csv", "--era", "2022", "--year", "2022"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("003,2022,2022,")
    assert main(["kwic", "工会", "--era", "十二五"]) == 1
    assert capsys.readouterr().err == ("error: no era '十二五'; eras are: 2006, 2011, 2022, 2023 "
                                       "(--by chooses the grouping)\n")
    assert main(["kwic", "工会", "--year", "1999"]) == 1
    assert capsys.readouterr().err == "error: no speech from year '1999'; years are: 2006, 2011, 2022, 2023\n"


def test_validate_prints_the_script_when_cleaning_gives_one(monkeypatch, capsys):
    import corpus.clean

    plain = corpus.clean.clean_docs
    monkeypatch.setattr(corpus.clean, "clean_docs", lambda docs: plain(docs).assign(script="simplified"))
    assert main(["validate"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("004  2006  utf-8      simplified    2,959 chars   18 paragraphs ")


def test_help_imports_no_analysis_library():
    """Fixed costs (issue 16): `corpus --help` answers without pandas, numpy or pyarrow (0.1 s, not 1.5 s)."""
    code = ("import contextlib, io, sys\nfrom corpus.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n    main(['--help'])\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'jieba') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_package_exports_load_on_first_use():
    import corpus

    assert corpus.load_docs is load_docs and corpus.clean_docs is clean_docs
    assert {"load_docs", "clean_docs", "CorpusError"} <= set(dir(corpus))
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        corpus.nothing  # noqa: B018
