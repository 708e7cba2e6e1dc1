"""Load a data folder: ``metadata.csv`` plus the transcripts it names.

A data folder holds ``metadata.csv`` (one row per transcript) and the raw
transcript files, which are never modified. ``load_docs`` returns the
**docs frame**, one row per speech, sorted by year then id:

============  =======  =====================================================
column        dtype    meaning
============  =======  =====================================================
id            str      the metadata id ("000"); zero padding is kept
year          int      year of the speech, as recorded in the metadata
era           str      era label for the chosen grouping (``by=``, see below)
title         str      title from the metadata
place, occasion, speaker_role, source, year_basis, notes
              str      optional metadata ("" when absent)
file          str      path of the transcript, relative to the data folder
text          str      the decoded text, unmodified (newlines as in the file)
encoding      str      "utf-8", "utf-8-sig", "utf-16", "gbk" or "gb18030"
n_chars       int      ``len(text)``
sha256        str      SHA-256 of the raw bytes of the file
============  =======  =====================================================

Any other metadata column is carried along unchanged. ``docs.attrs`` records
the grouping: ``"era_scheme"`` is its name, ``"year"``, ``"plan"``,
``"congress"`` or ``"ranges"`` (``by="auto"`` becomes ``"year"`` or
``"plan"`` by :func:`corpus.periods.choose_era_scheme`); ``"era_reason"`` is
``"given"`` for an explicit ``by``, else the one-line reason of the automatic
choice; ``"era_by"`` is what to pass on as ``by=`` (the scheme name, or the
checked ``{label: (first, last)}`` ranges in time order). With custom ranges, a speech whose year no
range covers is an error (naming the year and the fix), never an era "其他".

Problems a user can fix raise :class:`~corpus.errors.CorpusError` with a one-line message;
:func:`inspect_corpus` collects all of them instead, for ``corpus validate``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config
from .errors import CorpusError
from .extract import TextFile, decode_bytes, read_text_file  # noqa: F401  (re-exported: load's public names)
from .periods import ERA_SCHEMES, OTHER, check_ranges, choose_era_scheme, era_of

DOC_COLUMNS = (
    "id",
    "year",
    "era",
    "title",
    *config.OPTIONAL_COLUMNS,
    "file",
    "text",
    "encoding",
    "n_chars",
    "sha256",
)

_CHINESE_DIGITS = dict(zip("〇零一二三四五六七八九", "00123456789", strict=True))


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`inspect_corpus`: ``level`` is "error" or "warning"."""

    level: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def parse_year(value: str) -> int:
    """Check a metadata year and return it as an int.

    Raises
    ------
    CorpusError
        Unless ``value`` is four ASCII digits between ``config.YEAR_MIN`` and
        the current year. Chinese numerals get a suggestion
        ("二〇二三" -> "write it as 2023").
    """
    value = value.strip()
    hi = config.year_max()
    if re.fullmatch(r"\d{4}", value, flags=re.ASCII) and config.YEAR_MIN <= int(value) <= hi:
        return int(value)
    hint = f"write a four-digit year between {config.YEAR_MIN} and {hi}"
    if value and all(ch in _CHINESE_DIGITS for ch in value.removesuffix("年")):
        hint += f", e.g. {''.join(_CHINESE_DIGITS[ch] for ch in value.removesuffix('年'))}"
    raise CorpusError(f"year {value!r} is not valid; {hint}")


def read_metadata(data_dir: str | Path = config.DATA_DIR) -> pd.DataFrame:
    """Read and check ``metadata.csv``; one row per transcript, all values str.

    Checks the CSV syntax, the required columns, empty and duplicate ids and
    files, file paths that leave the folder, years and ``year_basis``. Adds
    ``line`` (the CSV line of each row) for messages.

    Raises
    ------
    CorpusError
        On the first problem, naming the file, the line and the fix.
    """
    frame, _, problems = _read_metadata(Path(data_dir))
    _raise_first(problems)
    return frame


def _read_metadata(data_dir: Path) -> tuple[pd.DataFrame | None, set[str], list[Problem]]:
    """Valid rows, every file named (valid row or not), and the problems found."""
    path = data_dir / config.METADATA_FILE
    shown = _shown(path)
    if not data_dir.is_dir():
        return None, set(), [Problem(
            "error",
            f"{_shown(data_dir)}: no such data folder; pass --data DIR or create it with `corpus add`",
        )]
    if not path.is_file():
        return None, set(), [Problem(
            "error",
            f"{shown}: not found; a data folder needs a metadata.csv (see data/README.md)",
        )]
    try:
        text = read_text_file(path, name=shown).text
    except CorpusError as err:
        return None, set(), [Problem("error", str(err))]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as err:
        return None, set(), [Problem(
            "error",
            f"{shown} line {reader.line_num}: malformed CSV ({err}); check the quotes on that line",
        )]
    rows = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return None, set(), [Problem(
            "error",
            f"{shown}: has no header; the first line must be {','.join(config.REQUIRED_COLUMNS)}",
        )]
    header = [cell.strip() for cell in rows[0][1]]
    missing = [col for col in config.REQUIRED_COLUMNS if col not in header]
    if missing:
        return None, set(), [Problem(
            "error",
            f"{shown}: missing required column {', '.join(repr(c) for c in missing)} "
            f"(header is: {','.join(_one_line(h) for h in header)}); "
            f"the header needs {','.join(config.REQUIRED_COLUMNS)}",
        )]
    duplicated = sorted({col for col in header if header.count(col) > 1})
    if duplicated:
        return None, set(), [Problem(
            "error",
            f"{shown}: column {duplicated[0]!r} appears twice in the header; keep one",
        )]
    problems: list[Problem] = []
    records = []
    for line, row in rows[1:]:
        if len(row) != len(header):
            problems.append(Problem(
                "error",
                f"{shown} line {line}: {len(row)} fields where the header has {len(header)}; "
                "quote values that contain commas",
            ))
            continue
        records.append({"line": line, **{col: cell.strip() for col, cell in zip(header, row, strict=True)}})
    frame = pd.DataFrame(records, columns=["line", *header], dtype=object)
    for col in config.OPTIONAL_COLUMNS:
        if col not in frame:
            frame[col] = ""
    keep = []
    seen_ids: dict[str, int] = {}
    seen_files: dict[str, int] = {}
    for row in frame.itertuples(index=False):
        where = f"{shown} line {row.line}"
        problem = None
        if not row.id:
            problem = f"{where}: empty id; give every transcript a unique id"
        elif row.id in seen_ids:
            problem = f"{where}: duplicate id {row.id!r} (also on line {seen_ids[row.id]}); ids must be unique"
        elif not row.file:
            problem = f"{where}: empty file for id {row.id!r}; name the transcript file"
        elif Path(row.file).is_absolute() or ".." in Path(row.file).parts:
            problem = (f"{where}: file {row.file!r} is outside the data folder; "
                       f"give a path relative to {_shown(data_dir)}")
        elif row.file in seen_files:
            problem = (f"{where}: file {row.file!r} is listed twice (also on line {seen_files[row.file]}); "
                       "list each transcript once")
        elif row.year_basis and row.year_basis not in config.YEAR_BASES:
            problem = f"{where}: year_basis {row.year_basis!r} is not one of {', '.join(config.YEAR_BASES)}"
        else:
            try:
                parse_year(row.year)
            except CorpusError as err:
                problem = f"{where}: {err}"
        seen_ids.setdefault(row.id, row.line)
        seen_files.setdefault(row.file, row.line)
        if problem:
            problems.append(Problem("error", problem))
        keep.append(problem is None)
    named = {str(Path(f)) for f in frame["file"] if f}
    return frame[pd.Series(keep, index=frame.index, dtype=bool)].reset_index(drop=True), named, problems


def inspect_corpus(
    data_dir: str | Path = config.DATA_DIR,
    *,
    by: str | Mapping[str, tuple[int, int]] = "year",
) -> tuple[pd.DataFrame, list[Problem]]:
    """Load what can be loaded and collect every problem.

    Parameters
    ----------
    data_dir : path
        Folder with ``metadata.csv`` and the transcripts.
    by : {"year", "plan", "congress", "auto"} or mapping
        The era grouping, as for :func:`load_docs`; ``"auto"`` chooses from
        the years of the transcripts without errors.

    Returns
    -------
    docs : pandas.DataFrame
        The docs frame (see module docstring) of the transcripts without errors,
        with ``attrs["era_scheme"]``, ``attrs["era_reason"]`` and ``attrs["era_by"]``.
    problems : list of Problem
        Errors (the corpus cannot be used as is) and warnings, in file order.
        A year outside every custom range is an error of its transcript.
    """
    data_dir = Path(data_dir)
    resolved, _ = _resolve_by(by, [])  # an unknown scheme or invalid ranges fail here, before any reading
    ranges = resolved if isinstance(resolved, Mapping) else None
    meta, named, problems = _read_metadata(data_dir)
    if meta is None:
        return with_eras(_empty_docs(), by=by), problems
    rows = []
    seen_text: dict[str, str] = {}
    for row in meta.to_dict("records"):
        path = data_dir / row["file"]
        where = f"{_shown(path)} (id {row['id']})"
        if not path.is_file():
            problems.append(Problem(
                "error",
                f"{where}: file not found; put the transcript there "
                f"or fix line {row['line']} of {config.METADATA_FILE}",
            ))
            continue
        try:
            text, encoding, raw = read_text_file(path, name=where)
        except CorpusError as err:
            problems.append(Problem("error", str(err)))
            continue
        text_key = hashlib.sha256(text.strip().encode("utf-8")).hexdigest()
        if text_key in seen_text:
            problems.append(Problem(
                "error",
                f"{where}: same text as id {seen_text[text_key]!r}; remove one of them from {config.METADATA_FILE}",
            ))
            continue
        seen_text[text_key] = row["id"]
        year = parse_year(row["year"])
        if ranges is not None and era_of(year, by=ranges) == OTHER:
            problems.append(Problem("error", _uncovered_year(
                f"{_shown(data_dir / config.METADATA_FILE)} line {row['line']} (id {row['id']})", year, ranges)))
            continue
        rows.append({
            **{k: v for k, v in row.items() if k != "line"},
            "year": year,
            "era": "",
            "text": text,
            "encoding": encoding,
            "n_chars": len(text),
            "sha256": hashlib.sha256(raw).hexdigest(),
        })
    for path in sorted(data_dir.iterdir()):
        if path.is_file() and path.suffix.lower() == ".txt" and path.name not in named:
            problems.append(Problem(
                "error",
                f"{_shown(path)}: transcript without a metadata row; "
                f"add it with `corpus add` or a row in {config.METADATA_FILE}",
            ))
    if not rows:
        if not any(p.level == "error" for p in problems):
            problems.append(Problem(
                "error",
                f"{_shown(data_dir / config.METADATA_FILE)}: lists no transcripts; add one with `corpus add`",
            ))
        return with_eras(_empty_docs(), by=by), problems
    docs = pd.DataFrame(rows)
    extra = [c for c in docs.columns if c not in DOC_COLUMNS]
    docs = docs[[*DOC_COLUMNS, *extra]].sort_values(["year", "id"], kind="stable").reset_index(drop=True)
    return with_eras(docs, by=by), problems


def load_docs(
    data_dir: str | Path = config.DATA_DIR,
    *,
    by: str | Mapping[str, tuple[int, int]] = "year",
) -> pd.DataFrame:
    """Load every transcript of a data folder: one row per speech.

    Parameters
    ----------
    data_dir : path
        Folder with ``metadata.csv`` and the transcripts.
    by : {"year", "plan", "congress", "auto"} or mapping
        How years are grouped into the ``era`` column (see
        :func:`corpus.periods.era_of`); ``"auto"`` chooses single years or
        five-year plans from the corpus's years
        (:func:`corpus.periods.choose_era_scheme`); a mapping
        ``{label: (first, last)}`` gives custom ranges, which must cover
        every speech's year.

    Returns
    -------
    pandas.DataFrame
        The docs frame described in the module docstring;
        ``attrs["era_scheme"]`` names the grouping used,
        ``attrs["era_reason"]`` says why (``"given"`` unless ``by="auto"``)
        and ``attrs["era_by"]`` is the resolved ``by`` to pass on.

    Raises
    ------
    CorpusError
        On the first error :func:`inspect_corpus` finds (warnings pass),
        including a year outside every custom range.
    ValueError
        For an unknown ``by`` or invalid ranges (see
        :func:`corpus.periods.check_ranges`).

    Examples
    --------
    >>> docs = load_docs("data", by="plan")          # doctest: +SKIP
    >>> docs[["id", "year", "era"]].head(2)          # doctest: +SKIP
        id  year   era
    0  004  2006  十一五
    1  002  2011  十二五
    """
    docs, problems = inspect_corpus(data_dir, by=by)
    _raise_first(problems)
    return docs


def with_eras(docs: pd.DataFrame, *, by: str | Mapping[str, tuple[int, int]] = "year") -> pd.DataFrame:
    """Return a copy of ``docs`` whose ``era`` column uses another grouping.

    ``by`` is as for :func:`load_docs` (``"auto"`` chooses from
    ``docs["year"]``); ``attrs["era_scheme"]``, ``attrs["era_reason"]`` and
    ``attrs["era_by"]`` record the grouping used (see the module docstring).

    Raises
    ------
    CorpusError
        When custom ranges leave a speech's year uncovered.
    """
    years = [int(y) for y in docs["year"]]
    scheme, reason = _resolve_by(by, years)
    eras = {year: era_of(year, by=scheme) for year in set(years)}
    if isinstance(scheme, Mapping):
        uncovered = sorted(year for year, era in eras.items() if era == OTHER)
        if uncovered:
            first_id = next(i for i, y in zip(docs["id"], years, strict=True) if y == uncovered[0])
            raise CorpusError(_uncovered_year(f"id {first_id}", uncovered[0], scheme))
    out = docs.assign(era=[eras[year] for year in years])
    out.attrs.update(era_scheme="ranges" if isinstance(scheme, Mapping) else scheme, era_reason=reason, era_by=scheme)
    return out


def _resolve_by(by, years: list[int]) -> tuple[str | dict[str, tuple[int, int]], str]:
    """The grouping to use and why: checked ranges, an explicit scheme ("given"), or the automatic choice."""
    if isinstance(by, Mapping):
        return check_ranges(by), "given"
    if by == "auto":
        return choose_era_scheme(years)
    if by not in ERA_SCHEMES:
        raise ValueError(f"by must be one of {', '.join(ERA_SCHEMES)} or a mapping, not {by!r}")
    return by, "given"


def _uncovered_year(where: str, year: int, ranges: Mapping[str, tuple[int, int]]) -> str:
    spans = ", ".join(f"{label} {first}-{last}" for label, (first, last) in ranges.items())
    return (f"{where}: year {year} is in none of the era ranges ({spans}); "
            f"add a range that covers {year} under [eras.ranges] in corpus.toml")


def _raise_first(problems: list[Problem]) -> None:
    for problem in problems:
        if problem.level == "error":
            raise CorpusError(problem.message)


def _empty_docs() -> pd.DataFrame:
    return pd.DataFrame({col: pd.Series(dtype=object) for col in DOC_COLUMNS})


def _one_line(value: str) -> str:
    """A value of the file shown inside a one-line message: line breaks as ``\\n``."""
    return value.replace("\r", "\\r").replace("\n", "\\n")


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
