"""The command line under generated bad input: never a traceback (issue 17; catalogue in docs/reliability.md).

Hypothesis drives :func:`corpus.cli.main` in this process with arguments built from the real parser: a
subcommand, its flags in any order, values that are unicode, empty, negative, paths to missing files, folders,
binary files, and data folders whose ``metadata.csv`` is hostile. Whatever happens, only ``SystemExit`` may
escape (argparse), the exit status is 0, 1 or 2, and nothing printed holds "Traceback". Every run works in a
scratch folder of its own, and every ``--data`` names a folder written here, never the shipped data.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus.cli import build_parser, main

from .conftest import TINY_METADATA, TINY_TEXTS, write_corpus

# `report` draws figures and fits topics: seconds per run, too slow for 60 examples. Its --out checks are
# tested directly (tests/test_reliability.py::test_an_output_folder_that_is_a_file_or_cannot_be_created_is_one_line).
SKIPPED = {"report"}

# Rows of the right shape with wrong contents (each should be one error naming its line), then a malformed table.
HOSTILE_METADATA = (
    'id,file,year,title,place\n'
    'a,a.txt,2006,甲,\n'
    'b,b.txt,2011,乙,\n'
    'a,a.txt,2006,重复,\n'
    'c,missing.txt,2011,丙,\n'
    'd,../outside.txt,2011,丁,\n'
    'e,/etc/hostname,2011,戊,\n'
    'f,b.txt,abcd,己,\n'
    'g,bin.txt,-5,庚,\n'
    'h,b.txt,99999999999999999999,辛,\n'
    '"i,j",b.txt,2011,"a ""quoted""\nnewline",\n'
    ',,,,\n'
    '😀,a.txt,2011.5,😀,\n'
    'l,a.txt,2011,=cmd|\' /C calc\'!A0,\n'
    'n,folder,2011,folder,\n'
    'o,metadata.csv,2011,自己,\n'
)
MALFORMED_METADATA = 'id,file,year,title\na,a.txt,2006,甲,extra,columns\nb,b.txt\n\x00,\x00,\x00,\x00\n'


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    """The folders and files the arguments may name, written once; the working directory is a scratch folder."""
    root = tmp_path_factory.mktemp("fuzz")
    good = write_corpus(root / "good", TINY_TEXTS, TINY_METADATA)
    hostile = write_corpus(root / "hostile", {**TINY_TEXTS, "bin.txt": bytes(range(256)) * 4}, HOSTILE_METADATA)
    (hostile / "folder").mkdir()
    malformed = write_corpus(root / "malformed", TINY_TEXTS, MALFORMED_METADATA)
    empty_meta = write_corpus(root / "empty-metadata", TINY_TEXTS, "")
    binary_meta = write_corpus(root / "binary-metadata", TINY_TEXTS, "")
    (binary_meta / "metadata.csv").write_bytes(b"\xff\xfe\x00id,file\x00\x80\x81")
    (root / "no-metadata").mkdir()
    resources = []
    for name, file, content in [
        ("big-frequency", "lexicon/lexicon.tsv", f"高质量发展\tslogan\t{2**64}\n"),
        ("bad-lexicon", "lexicon/lexicon.tsv", "高质量 发展\tnope\n\x00\n"),
        ("bad-stopwords", "lexicon/stopwords.txt", "\udcff"),
        ("bad-markers", "lexicon/era_markers.csv", "marker,pattern,first,last,kind,note\n十二五,(,2015,2011,plan,\n"),
        ("bad-study", "corpus.toml", "[eras\nby = 5\n"),
        ("odd-study", "corpus.toml", '[eras]\nby = "nope"\n[terms]\nchart = ["", "("]\n[topics]\nk = -3\n'),
    ]:
        folder = write_corpus(root / name, TINY_TEXTS, TINY_METADATA)
        (folder / file).parent.mkdir(exist_ok=True)
        (folder / file).write_bytes(content.encode("utf-8", "surrogateescape"))
        resources.append(str(folder))
    (root / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (root / "speech.txt").write_text("同志们：\n推动高质量发展，坚持党建带工建。\n", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "scratch").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root / "scratch")
        yield {
            "data": [str(good), str(hostile), str(hostile), str(malformed), str(empty_meta), str(binary_meta),
                     str(root / "no-metadata"), str(root / "missing"), str(root / "binary.txt"), *resources],
            "paths": [str(root / "binary.txt"), str(root / "speech.txt"), str(root / "empty.txt"), str(root),
                      str(root / "missing.txt"), str(good / "a.txt"), str(hostile / "metadata.csv")],
        }


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {name: p for name, p in sub.choices.items() if name not in SKIPPED}


COMMANDS = _commands()

# Text a user could type: no NUL (no argv can hold one), nothing absolute (a run must not write outside its folders).
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12).filter(
    lambda s: not s.startswith(("/", "~")) and ".." not in s)
_NUMBERS = st.sampled_from(["0", "-1", "-5", "1", "3", "2011", "2011:2023", "1e309", "nan", "99999999999999999999",
                            "auto", "0.5", "-0.1", "1.5", "11"])
_PATTERNS = st.sampled_from(["高质量发展", "工会", "(", "[", "*", "(十二五)?", "a{1,3}", "党建.*", "X=工会", "=",
                             "NAME=("])


def _value(places: dict[str, list[str]]) -> st.SearchStrategy[str]:
    return st.one_of(_TEXT, _NUMBERS, _PATTERNS, st.sampled_from(places["paths"]), st.sampled_from(places["data"]),
                     st.just(""))


def _typed(action: argparse.Action, value: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Values for ``action``: its choices or numbers where it has them, anything else sometimes."""
    if action.choices:
        return st.sampled_from([str(c) for c in action.choices]) | value
    if action.type not in (None, str, Path):
        return _NUMBERS | value
    return value


@st.composite
def _argv(draw, places) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    parser = COMMANDS[name]
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    positionals = [a for a in parser._actions if not a.option_strings]
    value = _value(places)
    argv = [name]
    for action in positionals:  # mostly as many values as the parser wants, so that most runs get past argparse
        low, high = {None: (1, 1), "?": (0, 1), "+": (1, 3)}.get(action.nargs, (0, 3))
        count = draw(st.integers(low, high) | st.integers(0, 3))
        argv += [draw(_typed(action, value)) for _ in range(count)]
    for action in draw(st.lists(st.sampled_from(options), max_size=4)) if options else []:
        flag = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            argv.append(flag)
        else:
            argv += [flag, *(draw(_typed(action, value)) for _ in range(draw(st.integers(1, 2)) if action.nargs == "+"
                                                                           else 1))]
    if any("--data" in a.option_strings for a in options):  # always one of ours: never the shipped data folder
        argv += ["--data", draw(st.sampled_from(places["data"]))]
    if draw(st.integers(0, 4)) == 0:  # rarely: most runs should get past argparse
        argv.append(draw(st.sampled_from(["--help", "--nope", "-x", "--", ""])))
    return argv


# Bugs this test found in code it does not own, reported with a reproducer; until fixed, such an example counts
# as known (command, exception type) instead of failing the test. Remove an entry when its bug is fixed.
# (command, exception) -> a reproducer: bugs found by this test and not yet fixed (none now).
KNOWN_BUGS: dict[tuple[str, str], str] = {}
KNOWN = -1


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse: --help (0) or a usage error (2)
            status = exit_.code if isinstance(exit_.code, int) else 1
        except Exception as error:
            if (argv[0], type(error).__name__) not in KNOWN_BUGS:
                raise
            status = KNOWN
    return status, out.getvalue(), err.getvalue()


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_generated_bad_arguments_never_give_a_traceback(places, data):
    argv = data.draw(_argv(places), label="argv")
    status, out, err = _run(argv)
    if status == KNOWN:
        return
    assert status in (0, 1, 2), (argv, status, err)
    assert "Traceback" not in err and "Traceback" not in out, (argv, err)
    if status == 1:
        assert (err + out).strip(), argv  # an error says what is wrong (validate lists problems on stdout)


def test_the_fuzzer_reaches_every_command_but_report():
    assert sorted(COMMANDS) == sorted(set(build_parser()._subparsers._group_actions[0].choices) - SKIPPED)
    assert {"add", "remove", "segment", "keyness", "kwic", "terms", "topics", "date", "markers"} <= set(COMMANDS)
    assert os.environ["CORPUS_CACHE_DIR"]  # the suite's private cache: fuzzed runs never touch the user's
    assert Path(os.environ["CORPUS_CACHE_DIR"]).name.startswith("corpus-cache")
