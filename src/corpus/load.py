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

With ``text=False`` (:func:`inspect_corpus`; the report, which must not hold
every text at once) ``text`` is left out and ``text_sha256``, the SHA-256 of
the decoded text in UTF-8, takes its place: :func:`read_doc_text` reads a
speech's text again when it is needed, and checks it is still that text.

Any other metadata column is carried along unchanged. ``docs.attrs`` records
the grouping: ``"era_scheme"`` is its name, ``"year"``, ``"plan"``,
``"congress"`` or ``"ranges"`` (``by="auto"`` becomes ``"year"`` or
``"plan"`` by :func:`corpus.periods.choose_era_scheme`); ``"era_reason"`` is
``"given"`` for an explicit ``by``, else the one-line reason of the automatic
choice; ``"era_by"`` is what to pass on as ``by=`` (the scheme name, or the
checked ``{label: (first, last)}`` ranges in time order). With custom ranges, a speech whose year no
range covers is an error (naming the year and the fix), never an era "其他".

Every row's ``file`` (and ``original``) must be a distinct regular file
inside the data folder, links followed, and not one of the folder's own files
(:func:`contained_file`); every transcript must contain Chinese
(``config.MIN_HAN_CHARS`` Han characters, :func:`han_problem`). A row that
breaks either is an error, and is not loaded.

Problems a user can fix raise :class:`~corpus.errors.CorpusError` with a one-line message;
:func:`inspect_corpus` collects all of them instead, for ``corpus validate``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config
from .errors import CorpusError
from .extract import TextFile, decode_bytes, read_table_file, read_text_file  # noqa: F401  (re-exported)
from .periods import ERA_SCHEMES, OTHER, check_ranges, choose_era_scheme, era_of
from .study import STUDY_FILE

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

# corpus.clean.HAN's ranges (clean comes after load and builds on it).
_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

# Where `corpus add` and `corpus remove` take turns (see corpus.manage); it holds nothing.
LOCK_FILE = ".corpus.lock"
# The report's default output folder inside the data folder (corpus report without --out).
REPORT_DIR = "figures"
# The data folder's own files, which no metadata row may name as a transcript.
_OWN_FILES = {
    config.METADATA_FILE: f"is {config.METADATA_FILE} itself",
    LOCK_FILE: "is the folder's lock file",
    STUDY_FILE: "is the study file",
}


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

    Checks the CSV syntax, the required columns, empty and duplicate ids,
    the ``file`` and ``original`` of every row (see :func:`contained_file`;
    two rows naming one file, even by two names, are an error), years and
    ``year_basis``. Adds ``line`` (the CSV line of each row) for messages.

    Raises
    ------
    CorpusError
        On the first problem, naming the file, the line and the fix.
    """
    frame, _, problems, _ = _read_metadata(Path(data_dir))
    raise_first_error(problems)
    return frame


def metadata_rows(data_dir: str | Path = config.DATA_DIR) -> pd.DataFrame:
    """Every row of ``metadata.csv``, valid or not, as :func:`read_metadata` gives them.

    A row with a problem is kept, so that it can still be found and
    removed. A row with the wrong number of fields is not a row here (its
    values cannot be told apart).

    Raises
    ------
    CorpusError
        When the file as a whole cannot be read: missing, not CSV, no required columns.
    """
    frame, _, problems, _ = _read_metadata(Path(data_dir))
    if frame is None:
        raise_first_error(problems)
    return frame


def _read_metadata(data_dir: Path) -> tuple[pd.DataFrame | None, set[str], list[Problem], list[bool]]:
    """Every row, every file named, the problems found, and which rows have none."""
    path = data_dir / config.METADATA_FILE
    shown = _shown(path)
    if not data_dir.is_dir():
        return None, set(), [Problem(
            "error",
            f"{_shown(data_dir)}: no such data folder; pass --data DIR or create it with `corpus add`",
        )], []
    if not path.is_file():
        return None, set(), [Problem(
            "error",
            f"{shown}: not found; a data folder needs a metadata.csv (see data/README.md)",
        )], []
    try:
        text = read_table_file(path, name=shown).text
    except CorpusError as err:
        return None, set(), [Problem("error", str(err))], []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as err:
        return None, set(), [Problem(
            "error",
            f"{shown} line {reader.line_num}: malformed CSV ({err}); check the quotes on that line",
        )], []
    rows = [(line, row) for line, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return None, set(), [Problem(
            "error",
            f"{shown}: has no header; the first line must be {','.join(config.REQUIRED_COLUMNS)}",
        )], []
    header = [cell.strip() for cell in rows[0][1]]
    missing = [col for col in config.REQUIRED_COLUMNS if col not in header]
    if missing:
        return None, set(), [Problem(
            "error",
            f"{shown}: missing required column {', '.join(repr(c) for c in missing)} "
            f"(header is: {','.join(_one_line(h) for h in header)}); "
            f"the header needs {','.join(config.REQUIRED_COLUMNS)}",
        )], []
    duplicated = sorted({col for col in header if header.count(col) > 1})
    if duplicated:
        return None, set(), [Problem(
            "error",
            f"{shown}: column {duplicated[0]!r} appears twice in the header; keep one",
        )], []
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
    valid = []
    seen_ids: dict[str, int] = {}
    seen_files: dict[Path, tuple[int, str]] = {}
    roots = _roots(data_dir)  # resolved once: per row, it was 2.3 s of a rerun at 10,000 speeches
    for row in frame.itertuples(index=False):
        problem = _row_problem(data_dir, row, shown, seen_ids, seen_files, roots=roots)
        seen_ids.setdefault(row.id, row.line)
        if problem:
            problems.append(Problem("error", problem))
        valid.append(problem is None)
    named = {str(Path(f)) for f in frame["file"] if f}
    return frame, named, problems, valid


def _row_problem(data_dir: Path, row, shown: str, seen_ids: dict[str, int],
                 seen_files: dict[Path, tuple[int, str]], *, roots: tuple[Path, Path]) -> str | None:
    """The first problem of one metadata row, or None; records the files it names in ``seen_files``."""
    where = f"{shown} line {row.line}"
    if not row.id:
        return f"{where}: empty id; give every transcript a unique id"
    if row.id in seen_ids:
        return f"{where}: duplicate id {row.id!r} (also on line {seen_ids[row.id]}); ids must be unique"
    if not row.file:
        return f"{where}: empty file for id {row.id!r}; name the transcript file"
    for column in ("file", "original"):
        name = getattr(row, column, "")
        if not name:
            continue
        problem, resolved = contained_file(data_dir, name, roots=roots)
        if problem:
            return (f"{where} (id {row.id}): {column} {name!r} {problem}; "
                    f"name the speech's own text file, relative to {_shown(data_dir)}")
        if resolved in seen_files:
            line, doc_id = seen_files[resolved]
            return (f"{where} (id {row.id}): {column} {name!r} names the same file as line {line} (id {doc_id}); "
                    "list each transcript once")
        seen_files[resolved] = (row.line, row.id)
    if row.year_basis and row.year_basis not in config.YEAR_BASES:
        return f"{where}: year_basis {row.year_basis!r} is not one of {', '.join(config.YEAR_BASES)}"
    try:
        parse_year(row.year)
    except CorpusError as err:
        return f"{where}: {err}"
    return None


def _roots(data_dir: Path) -> tuple[Path, Path]:
    """The data folder and the cache folder, every link followed."""
    return data_dir.resolve(), config.cache_dir().resolve()


def contained_file(data_dir: str | Path, name: str, *,
                   roots: tuple[Path, Path] | None = None) -> tuple[str | None, Path]:
    """Check that a metadata row's file name can be a transcript of the folder.

    A transcript is a regular file inside the data folder once every link is
    followed, and none of the folder's own files: not ``metadata.csv``, the
    lock file or the study file, nothing under ``lexicon/``, ``figures/`` or
    the segmentation cache (when the cache is inside the folder). A file
    that does not exist passes (the caller says "file not found").

    ``roots`` are the data folder and the cache folder resolved (:func:`_roots`), when the caller checks many names.

    Returns
    -------
    problem : str or None
        Why it cannot be, to follow the name in a message: "is metadata.csv itself".
    resolved : Path
        The file it names, links followed: two names of one file give the same path.
    """
    data_dir = Path(data_dir)
    path = Path(name)
    if path.is_absolute() or ".." in path.parts:
        return "is outside the data folder", data_dir / path
    root, cache = _roots(data_dir) if roots is None else roots
    try:
        resolved = (data_dir / path).resolve()
    except (OSError, RuntimeError):  # a loop of links
        return "is a link that cannot be followed", data_dir / path
    if not resolved.is_relative_to(root):
        return f"is outside the data folder (a link to {resolved})", resolved
    problem = _reserved(resolved.relative_to(root), root, cache)
    if problem is None and resolved.exists() and not resolved.is_file():
        problem = "is not a regular file"
    return problem, resolved


def _reserved(relative: Path, root: Path, cache: Path) -> str | None:
    """Why a path inside the data folder belongs to the folder itself rather than to a speech, or None."""
    first = relative.parts[0] if relative.parts else ""
    if len(relative.parts) == 1 and first in _OWN_FILES:
        return _OWN_FILES[first]
    if first == config.RESOURCE_DIR:
        return f"is in the lexicon folder ({config.RESOURCE_DIR}/)"
    if first == REPORT_DIR:
        return f"is in the report's {REPORT_DIR} folder"
    if cache.is_relative_to(root) and (root / relative).is_relative_to(cache):
        return "is in the segmentation cache"
    return None


def inspect_corpus(
    data_dir: str | Path = config.DATA_DIR,
    *,
    by: str | Mapping[str, tuple[int, int]] = "year",
    text: bool = True,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Load what can be loaded and collect every problem.

    Parameters
    ----------
    data_dir : path
        Folder with ``metadata.csv`` and the transcripts.
    by : {"year", "plan", "congress", "auto"} or mapping
        The era grouping, as for :func:`load_docs`; ``"auto"`` chooses from
        the years of the transcripts without errors.
    text : bool
        Keep each decoded text (the ``text`` column). False keeps its digest instead (``text_sha256``):
        memory then does not grow with the texts (at 100,000 speeches they are ~1.2 GB as Python strings).

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
    meta, named, problems, valid = _read_metadata(data_dir)
    if meta is None:
        return with_eras(_empty_docs(text=text), by=by), problems
    meta = meta[pd.Series(valid, index=meta.index, dtype=bool)]
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
            decoded, encoding, raw = read_text_file(path, name=where)
        except CorpusError as err:
            problems.append(Problem("error", str(err)))
            continue
        too_few = han_problem(decoded)
        if too_few:
            problems.append(Problem("error", f"{where}: {too_few}; a transcript must be Chinese text: "
                                             "fix the file or remove its row"))
            continue
        text_key = hashlib.sha256(decoded.strip().encode("utf-8")).hexdigest()
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
            **({"text": decoded} if text else {"text_sha256": text_sha256(decoded)}),
            "encoding": encoding,
            "n_chars": len(decoded),
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
        return with_eras(_empty_docs(text=text), by=by), problems
    docs = pd.DataFrame(rows)
    columns = _doc_columns(text=text)
    extra = [c for c in docs.columns if c not in columns]
    docs = docs[[*columns, *extra]].sort_values(["year", "id"], kind="stable").reset_index(drop=True)
    return with_eras(docs, by=by), problems


def han_problem(text: str, *, minimum: int | None = None) -> str | None:
    """Why a text is not a speech in Chinese ("has no Han characters"), or None.

    A speech needs at least ``minimum`` Han characters (default
    ``config.MIN_HAN_CHARS``): every rate is per Han character, so a text
    without them has nothing to count.

    Examples
    --------
    >>> han_problem("Hello, world")
    'has no Han characters'
    >>> han_problem("同志们", minimum=20)
    'has 3 Han characters, fewer than the 20 a transcript needs (config.MIN_HAN_CHARS)'
    """
    minimum = config.MIN_HAN_CHARS if minimum is None else minimum
    # Enough is enough: counting every Han character of 1,000 speeches took 0.43 s of a 1.0 s rerun.
    n = sum(1 for _ in itertools.islice(_HAN_RE.finditer(text), minimum))
    if n >= minimum:
        return None
    if n == 0:
        return "has no Han characters"
    return f"has {n} Han character{'s' * (n != 1)}, fewer than the {minimum} a transcript needs (config.MIN_HAN_CHARS)"


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
    raise_first_error(problems)
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
    # As corpus.toml writes them: a label such as "1969-1977" beside its span cannot be misread.
    spans = ", ".join(f'"{label}" = [{first}, {last}]' for label, (first, last) in ranges.items())
    return (f"{where}: year {year} is in none of the era ranges ({spans}); "
            f"add a range that covers {year} under [eras.ranges] in corpus.toml")


def raise_first_error(problems: list[Problem]) -> None:
    """Raise the first error of :func:`inspect_corpus`'s problems as a :class:`CorpusError`; warnings pass."""
    for problem in problems:
        if problem.level == "error":
            raise CorpusError(problem.message)


def text_sha256(text: str) -> str:
    """The ``text_sha256`` of a decoded text: SHA-256 of its UTF-8, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_doc_text(data_dir: str | Path, file: str, *, sha256: str) -> str:
    """The decoded text of a speech loaded with ``text=False``: its ``file`` read again and checked against its
    ``text_sha256``.

    Raises
    ------
    CorpusError
        When the file cannot be read any more, or no longer holds the text that was loaded (edited meanwhile).
    """
    path = Path(data_dir) / file
    text = read_text_file(path, name=_shown(path)).text
    if text_sha256(text) != sha256:
        raise CorpusError(f"{_shown(path)}: changed while it was being read; run the command again")
    return text


def _doc_columns(*, text: bool) -> tuple[str, ...]:
    return DOC_COLUMNS if text else tuple("text_sha256" if c == "text" else c for c in DOC_COLUMNS)


def _empty_docs(*, text: bool = True) -> pd.DataFrame:
    return pd.DataFrame({col: pd.Series(dtype=object) for col in _doc_columns(text=text)})


def _one_line(value: str) -> str:
    """A value of the file shown inside a one-line message: line breaks as ``\\n``."""
    return value.replace("\r", "\\r").replace("\n", "\\n")


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory if inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
