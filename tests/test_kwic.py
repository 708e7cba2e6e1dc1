"""KWIC on the cleaned text, and the explorer behind the notebook widget."""

import base64

import pandas as pd
import pytest

from corpus import CorpusError, clean_docs, config, load_docs
from corpus.explore import explore_terms, split_query, term_explorer
from corpus.kwic import kwic

DOCS = pd.DataFrame({"id": ["a"], "year": [2011], "era": ["2011"],
                     "text_clean": ["今年是“十二五”开局之年。\n\n实现十二五目标。"], "n_han": [13]})


def test_kwic_by_hand():
    table = kwic(DOCS, "十二五", width=4)
    assert table[["doc_id", "year", "start", "left", "match", "right"]].values.tolist() == [
        ["a", 2011, 4, "今年是“", "十二五", "”开局之"],
        ["a", 2011, 17, "¶实现", "十二五", "目标。"],  # "\n\n" shows as one ¶
    ]


def test_kwic_regex_and_errors():
    assert kwic(DOCS, "十[一二]五", width=2)["match"].tolist() == ["十二五", "十二五"]
    assert kwic(DOCS, "十四五").empty
    with pytest.raises(CorpusError, match="not a valid regular expression"):
        kwic(DOCS, "(")


def test_kwic_width_zero_is_the_match_alone_and_a_negative_width_is_one_line(tmp_path, capsys):
    """`corpus kwic 工会 --width -3` ended in a traceback (a sign in a format specifier)."""
    assert kwic(DOCS, "十二五", width=0)[["left", "match", "right"]].values.tolist() == [["", "十二五", ""]] * 2
    with pytest.raises(CorpusError) as caught:
        kwic(DOCS, "十二五", width=-3)
    assert str(caught.value) == "width must be at least 0 characters of context, not -3"
    from corpus.cli import main

    assert main(["kwic", "工会", "--width", "-3", "--data", str(config.DATA_DIR)]) == 1
    assert capsys.readouterr().err == "error: width must be at least 0 characters of context, not -3\n"
    # A width far beyond any text: the lines are the texts themselves, not padded to the width (a MemoryError).
    assert main(["kwic", "十二五", "--width", str(10**12), "--color", "never", "--data", str(config.DATA_DIR)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 5 and max(map(len, out)) < 20_000  # 十二五 five times; each line at most two texts long


def test_kwic_pattern_in_either_script_and_never_inside_numerals():
    docs = pd.DataFrame({"id": ["a"], "year": [1996], "era": ["1996"],
                         "text_clean": ["一九五八年以来，我们制定“九五”计划。"], "n_han": [16]})
    assert kwic(docs, "九五", width=2)[["start", "match"]].values.tolist() == [[13, "九五"]]
    assert kwic(docs, "我們", width=2)["match"].tolist() == ["我们"]
    assert kwic(docs, "製定|制定", width=2)["match"].tolist() == ["制定"]


def test_kwic_on_the_corpus():
    table = kwic(clean_docs(load_docs()), "十二五", width=6)
    assert table["doc_id"].tolist() == ["002", "002", "002", "002", "000"]
    assert table.iloc[-1][["left", "match", "right"]].tolist() == ["开展好“建功", "十二五", "、促进新跨越"]


def test_split_query():
    assert split_query(" 十二五，高质量发展, 两个维护、新时代 ") == ["十二五", "高质量发展", "两个维护", "新时代"]


def test_explore_terms_headless():
    result = explore_terms(DOCS, "十二五, 十四五", width=3)
    assert result.terms == ["十二五", "十四五"]
    assert result.missing == ["十四五"]
    assert result.trajectories[["term", "count"]].values.tolist() == [["十二五", 2], ["十四五", 0]]
    assert result.lines[["term", "match"]].values.tolist() == [["十二五", "十二五"], ["十二五", "十二五"]]
    with pytest.raises(CorpusError, match="type one or more terms"):
        explore_terms(DOCS, " , ")


def _shown(output) -> list[tuple[str, str]]:
    """What the explorer's output shows, as (kind, text): printed text, a PNG image, or a table's plain text."""
    shown = []
    for out in output.outputs:
        if out["output_type"] == "stream":
            shown.append(("text", out["text"]))
        elif "image/png" in out["data"]:
            shown.append(("image", base64.b64decode(out["data"]["image/png"])[:8].hex()))
        else:
            shown.append(("table", out["data"]["text/plain"]))
    return shown


def test_term_explorer_shows_the_figure_and_lines_or_the_error():
    box = term_explorer(DOCS, value="十二五")
    field, hint, output = box.children
    assert field.value == "十二五"
    assert "press <b>Enter</b> to apply" in hint.value
    assert [kind for kind, _ in _shown(output)] == ["image", "table"]

    field.value = "("  # an invalid pattern is reported in the output, not raised
    [(kind, text)] = _shown(output)
    assert kind == "text"
    assert text.startswith("error: term '(' is not a valid regular expression")

    field.value = "十二五, 十四五"
    (note_kind, note), (image_kind, png_magic), (table_kind, table) = _shown(output)
    assert (note_kind, note) == ("text", "no match in any speech: 十四五\n")
    assert (image_kind, png_magic) == ("image", "89504e470d0a1a0a")
    assert table_kind == "table"
    header, *rows = table.splitlines()
    assert header.split() == ["term", "doc_id", "year", "left", "match", "right"]
    assert [row.split()[:4] for row in rows] == [["0", "十二五", "a", "2011"], ["1", "十二五", "a", "2011"]]
    assert [row.split()[5] for row in rows] == ["十二五", "十二五"]  # the match column; 十四五 never occurs
    assert "error" not in table


def test_corpus_kwic_imports_neither_scikit_learn_nor_matplotlib():
    """Fixed costs (issue 16): a KWIC query should not pay for the analysis libraries (0.5 s, not 1.5 s)."""
    import subprocess
    import sys

    code = ("import contextlib, io, sys\nfrom corpus.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['kwic', '工会'])\n"
            "print(sorted(m for m in ('sklearn', 'matplotlib', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _speech(text: str) -> pd.DataFrame:
    return pd.DataFrame({"id": ["003"], "year": [2011], "era": ["2011"], "text_clean": [text], "n_han": [0]})


def test_kwic_nested_repeat_returns():  # issue 17: (\S+)+x never returned on the `re` module
    assert kwic(_speech("a" * 40 + " bx"), r"(\S+)+x", width=2)[["start", "left", "match"]].values.tolist() == [
        [41, "a ", "bx"]]


def test_kwic_catastrophic_pattern_stops_at_its_time_budget(monkeypatch):  # issue 17: (a|aa)+b never returned
    monkeypatch.setattr(config, "PATTERN_TIMEOUT_S", 0.2)
    with pytest.raises(CorpusError) as err:
        kwic(_speech("a" * 60 + "c"), "(a|aa)+b")
    assert str(err.value) == ("pattern '(a|aa)+b' took more than 0.2 s (stopped on speech 003): "
                              "simplify it (avoid nested repeats such as (a+)+ or (a|aa)+)")
