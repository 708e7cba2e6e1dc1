"""The study file: ``corpus.toml`` in a data folder says how to read that corpus.

A data folder may hold ``corpus.toml`` (``corpus init`` writes a commented
one, :func:`study_template`). Every key is optional, and a folder without
the file gets the defaults of :class:`Study`::

    [eras]
    by = "auto"                # "year", "plan", "congress", "auto" or "ranges"
    [eras.ranges]              # named ranges; giving them means by = "ranges"
    "改革开放初期" = [1978, 1991]
    [terms]                    # name = literal or regular expression; none: chosen from the data
    "高质量发展" = "高质量(追赶)?发展"
    [compare]
    pairs = [["2011", "2023"]] # word shift and pairwise keyness; none: first era vs last
    [topics]
    k = "auto"                 # or a whole number >= 2
    model = "nmf"              # or "lda"
    [figures]
    lang = "zh"                # or "en"

Rules beyond the types: non-empty ``[eras.ranges]`` means ``by = "ranges"``
(``by`` may then be left out or say ``"ranges"``; any other ``by`` is an
error, and ``by = "ranges"`` without ranges too); ranges are checked by
:func:`corpus.periods.check_ranges` (four-digit years, first <= last, no
overlap), and a speech whose year no range covers is refused when the data
are loaded (:func:`corpus.load.load_docs`); a ``[compare]`` label must be an
era label of the scheme (a four-digit year under ``"year"``, a plan such as
``"十二五"`` under ``"plan"``, either under ``"auto"``, a range label under
``"ranges"``); whether that era has speeches is checked against the data by
:func:`check_compare`. Integer years in ``pairs`` are read as their labels
(``[[2011, 2023]]`` is ``[["2011", "2023"]]``).

Every problem raises :class:`~corpus.errors.CorpusError` with one line that
names the file (and line, for a TOML syntax error), the key and the fix.
Command-line flags override the file with :meth:`Study.with_overrides`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import config
from .errors import CorpusError
from .files import write_bytes_atomic
from .periods import CONGRESS_ERAS, ERA_SCHEMES, PLAN_ERAS, check_ranges, era_span

STUDY_FILE = "corpus.toml"

# [eras] by: the calendar schemes, and "ranges" for the named ranges of [eras.ranges].
BY_VALUES = (*ERA_SCHEMES, "ranges")
TOPICS_K_MIN = 2
LANGS = ("zh", "en")

# The tables of the file and the keys each allows (None: any name, as in [terms]).
TABLES: dict[str, tuple[str, ...] | None] = {
    "eras": ("by", "ranges"),
    "terms": None,
    "compare": ("pairs",),
    "topics": ("k", "model"),
    "figures": ("lang",),
}


@dataclass(frozen=True)
class Study:
    """How to read one corpus: eras, terms, comparisons, topics, figure language.

    Build it with :func:`read_study` (checked) and
    :meth:`with_overrides`; the constructor itself checks nothing.

    Attributes
    ----------
    by : str or dict of str to (int, int)
        ``"year"``, ``"plan"``, ``"congress"``, ``"auto"`` (resolved from the
        data by :func:`corpus.load.load_docs`), or named ranges
        ``{label: (first, last)}`` in time order.
    terms : dict of str to str
        ``{name: pattern}`` (literal or regular expression) to follow across
        eras; empty: chosen from the data.
    compare : tuple of (str, str)
        Era pairs for the word shift and pairwise keyness; empty: the first
        era against the last.
    topics_k : "auto" or int
        Number of topics, or ``"auto"`` (chosen by coherence).
    topics_model : str
        ``"nmf"`` or ``"lda"`` (:data:`corpus.config.TOPIC_MODELS`).
    lang : str
        Figure titles and axis labels: ``"zh"`` or ``"en"`` (Chinese terms unchanged).
    source : Path or None
        The file read, or None when the folder has no study file. Not part of equality.
    compare_origin : str or None
        Where ``compare`` came from, as error messages name it
        (``"data/corpus.toml: [compare] pairs"``, ``"--compare"``). Not part of equality.
    """

    by: str | dict[str, tuple[int, int]] = "auto"
    terms: dict[str, str] = field(default_factory=dict)
    compare: tuple[tuple[str, str], ...] = ()
    topics_k: str | int = "auto"
    topics_model: str = "nmf"
    lang: str = "zh"
    source: Path | None = field(default=None, compare=False)
    compare_origin: str | None = field(default=None, compare=False, repr=False)

    def with_overrides(
        self,
        *,
        by: str | None = None,
        terms: Sequence[str] | None = None,
        compare: Sequence[str] | None = None,
        lang: str | None = None,
    ) -> Study:
        """A copy with command-line flags in place of the file's values (None: keep the file's).

        Parameters
        ----------
        by : str, optional
            A scheme name (``--by``): ``"year"``, ``"plan"``, ``"congress"``,
            ``"auto"``, or ``"ranges"`` when the file has ``[eras.ranges]``.
        terms : list of str, optional
            Terms as ``corpus terms`` takes them: ``"NAME=PATTERN"`` or a
            literal/regular expression that names itself.
        compare : list of str, optional
            Era pairs ``"A:B"`` (``--compare 2011:2023``; a full-width ``：`` works too).
        lang : str, optional
            ``"zh"`` or ``"en"`` (``--lang``).

        Raises
        ------
        CorpusError
            One line naming the flag and the fix; also when the new ``by``
            does not fit the compared eras.

        Examples
        --------
        >>> Study().with_overrides(by="plan", compare=["十二五:十四五"]).compare
        (('十二五', '十四五'),)
        """
        changes: dict[str, object] = {}
        if by is not None:
            if by == "ranges":
                if not isinstance(self.by, dict):
                    raise CorpusError(f"--by {_toml(by)} needs named ranges; "
                                      f"add them under [eras.ranges] in {STUDY_FILE}")
                changes["by"] = self.by
            else:
                changes["by"] = _check_choice(by, "--by", ERA_SCHEMES, "an era scheme")
        if terms is not None:
            changes["terms"] = _cli_terms(terms)
        if compare is not None:
            changes["compare"] = _cli_compare(compare)
            changes["compare_origin"] = "--compare"
        if lang is not None:
            changes["lang"] = _check_choice(lang, "--lang", LANGS, "a figure language")
        study = dataclasses.replace(self, **changes)
        if "by" in changes or "compare" in changes:
            _check_pair_labels(study.compare, study.by, study.compare_origin or "--compare",
                               by_from="--by" if "by" in changes else None)
        return study


def read_study(data_dir: str | Path = config.DATA_DIR) -> Study:
    """Read and check a data folder's ``corpus.toml``; the defaults when there is none.

    Parameters
    ----------
    data_dir : path
        The data folder.

    Returns
    -------
    Study
        ``source`` is the file read, or None when the folder has no ``corpus.toml``.

    Raises
    ------
    CorpusError
        On the first problem: invalid TOML (with its line), an unknown table
        or key (with the closest allowed one), a wrong type, an unknown
        ``by``, bad ranges, an invalid term pattern, a bad ``compare`` pair,
        a bad topics ``k`` or ``model``, an unknown ``lang``.
    """
    path = Path(data_dir) / STUDY_FILE
    if not path.exists():
        return Study()
    shown = _shown(path)
    if not path.is_file():
        raise CorpusError(f"{shown}: is not a file; remove it or make it the study file (`corpus init`)")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise CorpusError(f"{shown}: cannot read ({err.strerror or err})") from None
    except UnicodeDecodeError:
        raise CorpusError(f"{shown}: is not UTF-8 text; re-save it as UTF-8") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
        if found:
            line, message = found.group(1), message[:found.start()]
        else:  # "(at end of document)": the last line that has something on it
            line = len(text.rstrip().splitlines()) or 1
            message = re.sub(r"\s*\(at end of document\)$", " at the end of the file", message)
        where = f"{shown} line {line}"
        raise CorpusError(f"{where}: not valid TOML ({message}); fix that line "
                          "(text goes in double quotes, e.g. by = \"plan\")") from None
    return _parse(raw, path)


def check_compare(study: Study, eras: Sequence[str]) -> None:
    """Check that every compared era has speeches.

    Parameters
    ----------
    study : Study
        The study; nothing to check when ``study.compare`` is empty.
    eras : list of str
        The eras of the loaded corpus, in time order (``ordered_eras(docs)``).

    Raises
    ------
    CorpusError
        One line naming where the pair came from (the file and key, or
        ``--compare``), the era, and the eras available.

    Examples
    --------
    >>> check_compare(Study().with_overrides(compare=["2011:2023"]), ["2006", "2011", "2023"])
    """
    available = [str(era) for era in eras]
    for pair in study.compare:
        for label in pair:
            if label not in available:
                where = study.compare_origin or (f"{_shown(study.source)}: [compare] pairs" if study.source
                                                 else "--compare")
                raise CorpusError(f"{where}: era {label!r} has no speeches; compare two of the eras "
                                  f"the data have: {', '.join(available) or '(none)'}")


def comparison_pairs(study: Study, eras: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The pairs of eras to compare: the study's (checked with :func:`check_compare`), else first against last.

    Examples
    --------
    >>> comparison_pairs(Study(), ["2006", "2011", "2023"])
    (('2006', '2023'),)
    >>> comparison_pairs(Study().with_overrides(compare=["2011:2023"]), ["2006", "2011", "2023"])
    (('2011', '2023'),)
    """
    check_compare(study, eras)
    if study.compare:
        return study.compare
    return ((str(eras[0]), str(eras[-1])),) if len(eras) >= 2 else ()


def study_template() -> str:
    """The commented ``corpus.toml`` that ``corpus init`` writes; it reads back as ``Study()``.

    Every key is there, commented out with its default; examples in Chinese
    and English comments say what to put instead.
    """
    return _TEMPLATE


def write_study(data_dir: str | Path = config.DATA_DIR, *, force: bool = False) -> Path:
    """Write :func:`study_template` to ``data_dir/corpus.toml`` atomically and return its path.

    Parameters
    ----------
    data_dir : path
        The data folder; it must exist.
    force : bool
        Replace an existing file.

    Raises
    ------
    CorpusError
        When the folder does not exist, or the file exists and ``force`` is false.
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise CorpusError(f"{_shown(folder)}: no such data folder; pass --data DIR or create it with `corpus add`")
    path = folder / STUDY_FILE
    if path.exists() and not force:
        raise CorpusError(f"{_shown(path)}: already exists; edit it, or pass --force to replace it with the template")
    write_bytes_atomic(path, study_template().encode("utf-8"))
    return path


def write_ranges(data_dir: str | Path, ranges: Mapping[str, Sequence[int]]) -> Path:
    """Make named ranges the eras of a data folder: write them into its ``corpus.toml``, atomically.

    The file gets ``[eras] by = "ranges"`` and an ``[eras.ranges]`` table of
    exactly ``ranges``; every other table, key and comment is kept (the old
    ``[eras]`` keys go, their comments stay). Each era that ``[compare]
    pairs`` name becomes the range that holds it whole (``"2011"`` →
    ``"2006-2011"``) when the two eras of a pair fall in two different
    ranges; otherwise the pair is refused. A folder without the file gets
    one with these two tables only. The result is read back and checked as
    :func:`read_study` checks it before anything is written.

    Parameters
    ----------
    data_dir : path
        The data folder; it must exist.
    ranges : mapping of str to (int, int)
        ``{label: (first, last)}``, checked by :func:`corpus.periods.check_ranges`.

    Returns
    -------
    pathlib.Path
        The study file written.

    Raises
    ------
    CorpusError
        One line, and nothing written: the folder does not exist, the ranges
        are invalid, the present file cannot be read or parsed, or the file
        with the new ranges would not be valid (e.g. ``[compare] pairs`` name
        eras that are not among the ranges).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(write_ranges(folder, {"1969-1977": (1969, 1981), "1982-2022": (1982, 2022)}).read_text("utf-8"))
    [eras]
    by = "ranges"
    <BLANKLINE>
    [eras.ranges]
    "1969-1977" = [1969, 1981]
    "1982-2022" = [1982, 2022]
    <BLANKLINE>
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise CorpusError(f"{_shown(folder)}: no such data folder; pass --data DIR or create it with `corpus add`")
    try:
        checked = check_ranges({label: list(span) if isinstance(span, tuple) else span
                                for label, span in ranges.items()})
    except ValueError as err:
        raise CorpusError(f"not saved: the ranges are invalid: {err}") from None
    path = folder / STUDY_FILE
    try:
        read_study(folder)
    except CorpusError as err:  # unreadable or not TOML: refused; a wrong [eras] is what is being replaced
        try:
            raw = _loads_or_none(path.read_bytes().decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError):
            raw = None
        if raw is None:
            raise CorpusError(f"not saved: {err}") from None
    text = path.read_bytes().decode("utf-8-sig") if path.exists() else ""
    raw = tomllib.loads(text)
    wanted = {**raw, "eras": {"by": "ranges", "ranges": {label: list(span) for label, span in checked.items()}}}
    pairs = raw.get("compare", {}).get("pairs") if isinstance(raw.get("compare"), dict) else None
    if isinstance(pairs, list) and all(isinstance(p, list) and len(p) == 2
                                       and all(isinstance(e, str | int) for e in p) for p in pairs):
        carried = _pairs_into_ranges(pairs, checked)
        if carried != pairs:  # the compared eras become the ranges that hold them
            wanted["compare"] = {**raw["compare"], "pairs": carried}
    new = _replace_eras(text, checked, compare=wanted.get("compare") if wanted.get("compare") != raw.get("compare")
                        else None)
    if _loads_or_none(new) != wanted:  # [eras] written as dotted keys or an inline table: write the file anew
        new = _dump_toml(wanted)
    try:
        _parse(tomllib.loads(new), path)
    except CorpusError as err:
        raise CorpusError(f"not saved: with the new ranges, {err}") from None
    write_bytes_atomic(path, new.encode("utf-8"))
    return path


def _loads_or_none(text: str) -> dict | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")


def _replace_eras(text: str, ranges: dict[str, tuple[int, int]], *, compare: dict | None = None) -> str:
    """``text`` with the key lines of [eras] and [eras.ranges] replaced by the ranges (and those of [compare] by
    ``compare``, when given); comments and the rest kept."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    tables: list[tuple[str | None, list[str]]] = [(None, [])]  # (table name, its lines after the header)
    for line in lines:
        found = _HEADER.match(line)
        if found and not line.lstrip().startswith("[["):
            tables.append((re.sub(r"\s*\.\s*", ".", found.group(1)), [line]))
        else:
            tables[-1][1].append(line)
    new_keys = {"eras": ['by = "ranges"'],
                "eras.ranges": [f"{_toml(label)} = [{first}, {last}]" for label, (first, last) in ranges.items()]}
    if compare is not None:
        new_keys["compare"] = [f"{_key(key)} = {_toml(value)}" for key, value in compare.items()]
    out: list[str] = []
    for name, block in tables:
        if name in new_keys:
            kept = [line for line in block[1:] if not line.strip() or line.lstrip().startswith("#")]
            block = [block[0], *new_keys.pop(name), *kept]
            if name == "eras" and "eras.ranges" in new_keys and not any(n == "eras.ranges" for n, _ in tables):
                trailing = len(block) - len(_without_trailing_blanks(block))  # the blank lines before the next table
                block = [*block[:len(block) - trailing], "", "[eras.ranges]", *new_keys.pop("eras.ranges"),
                         *block[len(block) - trailing:]]
        out.extend(block)
    for name, keys in new_keys.items():  # no such table in the file: append it
        if out and out[-1].strip():
            out.append("")
        out.extend([f"[{name}]", *keys])
    return newline.join(out) + (newline if out else "")


def _without_trailing_blanks(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _pairs_into_ranges(pairs, ranges: dict[str, tuple[int, int]]) -> list[list[str]]:
    """Each compared era as the range that holds it whole (``"2011"`` → ``"2006-2011"``); a pair that cannot be
    carried over (an era outside every range, or both eras in one range) is left as it is, to be refused."""
    def holding(label: str) -> str | None:
        if label in ranges:
            return label
        for by in ("year", "plan", "congress"):
            try:
                first, last = era_span(label, by=by)
            except ValueError:
                continue
            return next((name for name, (lo, hi) in ranges.items() if lo <= first and last <= hi), None)
        return None

    carried = []
    for pair in pairs:
        new = [holding(str(label)) for label in pair]
        new = new if None not in new and new[0] != new[1] else list(pair)
        if new not in carried:  # 2011:2023 and 2010:2022 may become the same pair of ranges
            carried.append(new)
    return carried


def _dump_toml(raw: dict) -> str:
    """The study file's tables as TOML (its values are text, numbers, arrays and tables only)."""
    lines: list[str] = []

    def table(name: str, values: dict) -> None:
        lines.extend([f"[{name}]", *(f"{_key(key)} = {_toml(value)}" for key, value in values.items()
                                      if not isinstance(value, dict)), ""])
        for key, value in values.items():
            if isinstance(value, dict):
                table(f"{name}.{_key(key)}", value)

    for name, values in raw.items():
        table(_key(name), values)
    return "\n".join(lines)


def _key(key: str) -> str:
    """A TOML key: bare when it can be, else quoted."""
    return key if re.fullmatch(r"[A-Za-z_]+", key) else _toml(key)


# ── parsing the file ─────────────────────────────────────────────────────────────────────────────────────────


def _parse(raw: dict, path: Path) -> Study:
    shown = _shown(path)
    for name, value in raw.items():
        if name not in TABLES:
            home = [table for table, keys in TABLES.items() if keys and name in keys]
            if home and not isinstance(value, dict):
                raise CorpusError(f"{shown}: key {name!r} belongs in a table; put it under [{home[0]}]")
            raise CorpusError(f"{shown}: unknown table [{name}]{_did_you_mean(name, TABLES, '[{}]')}; "
                              f"allowed tables: {', '.join(f'[{t}]' for t in TABLES)}")
        if not isinstance(value, dict):
            raise CorpusError(f"{shown}: {name} = {_toml(value)} must be a table; write [{name}] on a line "
                              "of its own with its keys below it")
        allowed = TABLES[name]
        for key in value if allowed else ():
            if key not in allowed:
                raise CorpusError(f"{shown}: [{name}] unknown key {key!r}{_did_you_mean(key, allowed)}; "
                                  f"allowed keys: {', '.join(allowed)}")
    eras = raw.get("eras", {})
    topics = raw.get("topics", {})
    by = _parse_by(eras, shown)
    origin = f"{shown}: [compare] pairs"
    compare = _parse_pairs(raw.get("compare", {}).get("pairs", []), origin)
    _check_pair_labels(compare, by, origin, by_from=None)
    return Study(
        by=by,
        terms=_parse_terms(raw.get("terms", {}), shown),
        compare=compare,
        topics_k=_parse_k(topics.get("k", "auto"), f"{shown}: [topics] k ="),
        topics_model=_check_choice(_typed(topics.get("model", "nmf"), str, f"{shown}: [topics] model =",
                                          'model = "lda"'),
                                   f"{shown}: [topics] model =", config.TOPIC_MODELS, "a topic model"),
        lang=_check_choice(_typed(raw.get("figures", {}).get("lang", "zh"), str, f"{shown}: [figures] lang =",
                                  'lang = "en"'),
                           f"{shown}: [figures] lang =", LANGS, "a figure language"),
        source=path,
        compare_origin=origin,
    )


def _parse_by(eras: dict, shown: str) -> str | dict[str, tuple[int, int]]:
    ranges = _typed(eras.get("ranges", {}), dict, f"{shown}: [eras] ranges =",
                    '[eras.ranges] with "改革开放初期" = [1978, 1991]')
    by = eras.get("by")
    if by == "periods":  # the wording, and what a user who ran `corpus periods` may well type
        raise CorpusError(f'{shown}: [eras] by = "periods": the periods are proposed by `corpus periods`, and '
                          '`corpus periods --save` writes them here as [eras.ranges] (by = "ranges"), so that the '
                          'eras stay put as speeches are added; run it, or use by = "auto"')
    if by is not None:
        by = _check_choice(_typed(by, str, f"{shown}: [eras] by =", 'by = "plan"'),
                           f"{shown}: [eras] by =", BY_VALUES, "an era scheme")
    if ranges:
        if by not in (None, "ranges"):
            raise CorpusError(f"{shown}: [eras.ranges] is given but [eras] by = {_toml(by)}; "
                              "remove by (or set by = \"ranges\") to use the ranges, or remove [eras.ranges]")
        try:
            return check_ranges(ranges)
        except ValueError as err:
            raise CorpusError(f"{shown}: [eras.ranges] {err}") from None
    if by == "ranges":
        raise CorpusError(f"{shown}: [eras] by = \"ranges\" but [eras.ranges] is missing or empty; "
                          "add ranges under it, e.g. \"改革开放初期\" = [1978, 1991]")
    return by or "auto"


def _parse_terms(terms: dict, shown: str) -> dict[str, str]:
    checked = {}
    for name, pattern in terms.items():
        where = f"{shown}: [terms] {_toml(name)} ="
        if not name.strip():
            raise CorpusError(f"{shown}: [terms] a term has an empty name; "
                              "write \"name\" = \"pattern\", e.g. \"高质量发展\" = \"高质量(追赶)?发展\"")
        _typed(pattern, str, where, f'{_toml(name)} = "{name}"')
        checked[name] = _check_pattern(pattern, where)
    return checked


def _parse_pairs(pairs, origin: str) -> tuple[tuple[str, str], ...]:
    example = 'pairs = [["2011", "2023"]]'
    if not isinstance(pairs, list):
        raise CorpusError(f"{origin} = {_toml(pairs)}: expected an array of pairs, found {_kind(pairs)}; "
                          f"write e.g. {example}")
    checked = []
    for pair in pairs:
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(x, str) or (isinstance(x, int) and not isinstance(x, bool)) for x in pair)):
            raise CorpusError(f"{origin}: {_toml(pair)} is not a pair of two era labels; write e.g. {example}")
        checked.append(_check_pair(str(pair[0]).strip(), str(pair[1]).strip(), f"{origin}: {_toml(pair)}"))
    return tuple(checked)


def _parse_k(k, where: str) -> str | int:
    if k == "auto" or (isinstance(k, int) and not isinstance(k, bool) and k >= TOPICS_K_MIN):
        return k
    hint = f" (without quotes: k = {k})" if isinstance(k, str) and k.strip().isdigit() else ""
    raise CorpusError(f"{where} {_toml(k)} must be \"auto\" or a whole number >= {TOPICS_K_MIN}{hint}; "
                      "write e.g. k = 8 or k = \"auto\"")


# ── shared checks (file and command line) ────────────────────────────────────────────────────────────────────


def _check_choice(value: str, where: str, choices: Sequence[str], what: str) -> str:
    if value in choices:
        return value
    raise CorpusError(f"{where} {_toml(value)} is not {what}{_did_you_mean(value, choices, '{!r}')}; "
                      f"use one of {', '.join(_toml(c) for c in choices)}")


def _check_pattern(pattern: str, where: str) -> str:
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise CorpusError(f"{where} {_toml(pattern)} is not a valid regular expression ({err}); "
                          "fix the pattern, or put \\ before special characters such as ( ) [ ] ? * +") from None
    if compiled.search(""):
        raise CorpusError(f"{where} {_toml(pattern)} matches the empty string; "
                          "give a pattern with at least one character that must appear, e.g. 高质量(追赶)?发展")
    return pattern


def _check_pair(a: str, b: str, where: str) -> tuple[str, str]:
    if not a or not b:
        raise CorpusError(f"{where}: an era label is empty; give two eras, e.g. 2011 and 2023")
    if a == b:
        raise CorpusError(f"{where}: compares era {a!r} with itself; give two different eras")
    return a, b


def _check_pair_labels(pairs, by, origin: str, *, by_from: str | None) -> None:
    """Each compared label must be an era label of the scheme (whether it has speeches needs the data)."""
    scheme = "the ranges" if isinstance(by, dict) else f"by = {_toml(by)}"
    given = f" (from {by_from})" if by_from else ""
    for pair in pairs:
        for label in pair:
            hint = _label_hint(label, by)
            if hint:
                raise CorpusError(f"{origin}: {label!r} is not an era of {scheme}{given}; {hint}")
    if by == "auto":  # the data choose years or plans, never both
        kinds = {_is_year(label) for pair in pairs for label in pair}
        if len(kinds) > 1:
            raise CorpusError(f"{origin}: mixes years and five-year plans, but {scheme}{given} gives one or the "
                              "other; compare only years (\"2011\") or only plans (\"十二五\")")


def _label_hint(label: str, by) -> str | None:
    is_year = _is_year(label)
    if isinstance(by, dict):
        return None if label in by else f"use one of the ranges: {', '.join(by)}"
    if by == "year":
        return None if is_year else "use a four-digit year such as \"2011\""
    if by == "plan":
        return None if label in PLAN_ERAS else "use a five-year plan such as \"十二五\""
    if by == "congress":
        return None if label in CONGRESS_ERAS else "use a party-congress period such as \"十九大\""
    return None if is_year or label in PLAN_ERAS else "use a year such as \"2011\" or a plan such as \"十二五\""


def _is_year(label: str) -> bool:
    return len(label) == 4 and label.isascii() and label.isdigit()


def _cli_terms(terms: Sequence[str]) -> dict[str, str]:
    checked = {}
    for term in terms:
        name, pattern = term.split("=", 1) if "=" in term else (term, term)
        if not name.strip():
            raise CorpusError(f"term {_toml(term)} has an empty name; write NAME=PATTERN, "
                              "e.g. 高质量发展=高质量(追赶)?发展")
        checked[name] = _check_pattern(pattern, "term")
    return checked


def _cli_compare(pairs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    checked = []
    for pair in pairs:
        parts = pair.replace("：", ":").split(":")
        if len(parts) != 2:
            raise CorpusError(f"--compare {pair!r}: write two eras as A:B, e.g. --compare 2011:2023")
        checked.append(_check_pair(parts[0].strip(), parts[1].strip(), f"--compare {pair!r}"))
    return tuple(checked)


def _typed(value, kind: type, where: str, example: str):
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    raise CorpusError(f"{where} {_toml(value)}: expected {_KINDS[kind]}, found {_kind(value)}; write e.g. {example}")


_KINDS = {str: "text in double quotes", int: "a whole number", list: "an array", dict: "a table"}


# What a TOML value is, in the words of an error message; bool before int (a bool is an int in Python).
_FOUND = ((bool, "true/false"), (str, "text"), (int, "a whole number"), (float, "a decimal number"),
          (list, "an array"), (dict, "a table"), (_dt.date | _dt.time, "a date or time"))


def _kind(value) -> str:
    return next((name for kind, name in _FOUND if isinstance(value, kind)), type(value).__name__)


def _toml(value) -> str:
    """A value as it would be written in TOML (strings in double quotes, Chinese unescaped)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


def _did_you_mean(word: str, choices, shape: str = "{!r}") -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {shape.format(close[0])}?)" if close else ""


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory if inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


_TEMPLATE = """\
# corpus.toml: how `corpus report` reads this data folder. Written by `corpus init`.
# corpus.toml：`corpus report` 如何分析本数据文件夹（由 `corpus init` 生成）。
#
# Every key is optional: a key left commented out keeps the default shown.
# To change one, remove the leading "# " and edit the value.
# 每一项都可省略：保持注释即使用所示的默认值；要修改，删去行首的 "# " 再改值。

[eras]
# How years are grouped into eras.  如何把年份分成时期。
#   "year"      single years                          单一年份（2011）
#   "plan"      five-year plans                       五年计划/规划（十二五 = 2011–2015）
#   "congress"  periods after each party congress     党代会届期（十九大 = 2018–2022）
#   "auto"      years, or plans when there are many years or most years hold one speech
#               由数据决定：年份多或大多数年份只有一篇讲话时按五年计划，否则按年份
#   "ranges"    your own named ranges, below          下面自定义的时期
# by = "auto"

[eras.ranges]
# Named ranges: "label" = [first year, last year]. Ranges must not overlap, and every
# speech's year must fall in one. Giving ranges means by = "ranges".
# 自定义时期："名称" = [起始年, 结束年]；时期不得重叠，每篇讲话的年份都须落在某个时期内。
# 给出时期即表示 by = "ranges"。
# "改革开放初期" = [1978, 1991]
# "新时代" = [2012, 2025]

[terms]
# Terms to follow across eras: "name" = "literal text or regular expression".
# None given: chosen from the data. Put a pattern with backslashes in single quotes: '\\d+年'.
# 要跟踪的词语："名称" = "字面文本或正则表达式"；不填则由数据选择。含反斜杠的模式请用单引号。
# "十二五" = "十二五"
# "高质量发展" = "高质量(追赶)?发展"

[compare]
# Pairs of eras for the word shift and pairwise keyness, labelled as `by` labels them
# ("2011" for years, "十二五" for plans). None given: the first era against the last.
# 词移与两两关键词比较的时期对，标签与 by 的分期一致；不填则比较最早与最晚的时期。
# pairs = [["2011", "2023"]]

[topics]
# Number of topics: "auto" (chosen by coherence) or a whole number >= 2.
# 主题数："auto"（按一致性自动选择）或不小于 2 的整数。
# k = "auto"
# Topic model: "nmf" (on TF-IDF) or "lda" (on counts).  主题模型："nmf" 或 "lda"。
# model = "nmf"

[figures]
# Figure titles and axis labels: "zh" Chinese or "en" English; Chinese terms stay unchanged.
# 图表标题与坐标轴语言："zh" 中文或 "en" 英文；图中的中文词语保持不变。
# lang = "zh"
"""
