"""Add and remove transcripts safely.

:func:`add_transcript` checks a file (it decodes, is not empty or binary, is
not a duplicate or a near-duplicate of a speech already there), copies its
original bytes into the data folder under a name it chooses, and appends a
row to ``metadata.csv``. Every write goes to a temporary file that is then
renamed, and a failed add removes what it wrote, so ``metadata.csv`` and the
stored files are either as before or complete. :func:`remove_transcript`
undoes an add.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import config
from .clean import clean_text
from .dating import DateEstimate, date_text, era_markers_file, read_era_markers
from .errors import CorpusError
from .files import write_bytes_atomic
from .load import inspect_corpus, parse_year, read_metadata, read_text_file

MAX_BYTES = 10 * 1024 * 1024  # a long speech is ~50 KB; 10 MB is a book, not a transcript
NEAR_DUPLICATE = 0.9
SHINGLE = 5
COLUMNS = (*config.REQUIRED_COLUMNS, *config.OPTIONAL_COLUMNS)


@dataclass(frozen=True)
class Added:
    """What :func:`add_transcript` did."""

    id: str
    path: Path
    title: str
    year: int
    encoding: str
    n_chars: int
    estimate: DateEstimate
    warning: str | None


def shingles(text: str, *, k: int = SHINGLE) -> set[str]:
    """Character k-grams of the Han and alphanumeric characters of a text."""
    letters = re.sub(r"[^\w]", "", text)
    return {letters[i:i + k] for i in range(max(len(letters) - k + 1, 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    """Share of shingles two texts have in common (0 for two empty sets)."""
    return len(a & b) / len(a | b) if a or b else 0.0


def _title_from(text: str, fallback: str) -> str:
    first = next((line.strip() for line in clean_text(text).split("\n") if line.strip()), "")
    if first and len(first) <= 40 and not re.search(r"[，。！？；：]", first):
        return first
    return fallback


def _next_id(ids: list[str]) -> str:
    numbers = [int(i) for i in ids if i.isdigit()]
    width = max([len(i) for i in ids if i.isdigit()] + [3])
    return str(max(numbers, default=-1) + 1).zfill(width)


def _csv_row(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _metadata_bytes(path: Path, row: list[str]) -> bytes:
    """The current metadata.csv with ``row`` appended, in the file's own encoding."""
    if not path.exists():
        return (_csv_row(list(COLUMNS)) + _csv_row(row)).encode("utf-8")
    text, encoding, _ = read_text_file(path)
    header = next(csv.reader(io.StringIO(text)))
    values = dict(zip(COLUMNS, row, strict=False))
    line = _csv_row([values.get(column.strip(), "") for column in header])
    newline = "\r\n" if "\r\n" in text else "\n"
    joined = text + ("" if text.endswith(("\n", "\r")) else newline) + line.replace("\n", newline)
    try:
        return (("\ufeff" if encoding == "utf-8-sig" else "") + joined).encode(
            "utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeEncodeError:
        raise CorpusError(f"{path}: is {encoding} and cannot hold the new row; save it as UTF-8 first") from None


def add_transcript(
    file: str | Path,
    *,
    year: str | int,
    data_dir: str | Path = config.DATA_DIR,
    title: str | None = None,
    place: str = "",
    occasion: str = "",
    speaker_role: str = "",
    source: str = "",
    force: bool = False,
    max_bytes: int = MAX_BYTES,
) -> Added:
    """Copy a transcript into a data folder and record it in ``metadata.csv``.

    Parameters
    ----------
    file : path
        The transcript (UTF-8, UTF-8 with BOM, GBK/GB18030 or UTF-16 with BOM).
    year : str or int
        Four-digit year of the speech.
    data_dir : path
        The data folder; created with a new ``metadata.csv`` if missing.
    title, place, occasion, speaker_role, source : str
        Metadata; the title defaults to the first line when it is a title,
        else the file name.
    force : bool
        Add even a near-duplicate of a speech already there.

    Returns
    -------
    Added

    Raises
    ------
    CorpusError
        For a missing, empty, binary, too large or undecodable file; a bad
        year; an exact or near duplicate; a broken data folder. Nothing is
        written then.
    """
    file, data_dir = Path(file), Path(data_dir)
    if not file.is_file():
        raise CorpusError(f"{file}: no such file")
    size = file.stat().st_size
    if size > max_bytes:
        raise CorpusError(f"{file}: {size / 1e6:.1f} MB is too large for one speech (limit {max_bytes / 1e6:.0f} MB); "
                          "split it into speeches")
    text, encoding, raw = read_text_file(file)
    year_value = parse_year(str(year))
    docs = _existing(data_dir)
    _check_duplicates(text, file, docs, force=force)
    doc_id = _next_id(list(docs["id"]))
    target = data_dir / f"{doc_id}_{hashlib.sha256(raw).hexdigest()[:16]}.txt"
    estimate = date_text(text, markers=read_era_markers(era_markers_file(data_dir)))
    title = title or _title_from(text, file.stem)
    note = f"added by corpus add from {file.name} on {dt.date.today().isoformat()}"
    if estimate.low is not None:
        note += f"; its words point to {estimate.describe()}"
    row = [doc_id, target.name, str(year_value), title, place, occasion, speaker_role, source, "source", note]
    metadata = data_dir / config.METADATA_FILE
    new_metadata = _metadata_bytes(metadata, row)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        write_bytes_atomic(target, raw)
        write_bytes_atomic(metadata, new_metadata)
    except BaseException:  # Ctrl-C or a full disk: leave the folder as it was
        if metadata.exists() and metadata.read_bytes() == new_metadata:
            raise
        target.unlink(missing_ok=True)
        raise
    warning = None
    if estimate.low is not None and year_value not in estimate:
        warning = (f"{doc_id}: year {year_value} is outside {estimate.low}–{estimate.high}, the years its own words "
                   f"point to ({', '.join(e['marker'] for e in estimate.evidence[:3])})")
    return Added(doc_id, target, title, year_value, encoding, len(text), estimate, warning)


def _existing(data_dir: Path) -> pd.DataFrame:
    """The speeches already in the folder; a broken folder is an error (nothing is added to it)."""
    if not (data_dir / config.METADATA_FILE).exists():
        if data_dir.exists() and any(p.suffix.lower() == ".txt" for p in data_dir.iterdir()):
            raise CorpusError(f"{data_dir}: has transcripts but no {config.METADATA_FILE}; restore it before adding")
        return pd.DataFrame(columns=["id", "text"])
    read_metadata(data_dir)  # broken CSV or columns: one clear error
    docs, problems = inspect_corpus(data_dir)
    errors = [p for p in problems if p.level == "error" and "no transcripts" not in p.message]
    if errors:
        raise CorpusError(f"{errors[0].message} (fix this before adding; `corpus validate` lists every problem)")
    return docs


def _check_duplicates(text: str, file: Path, docs: pd.DataFrame, *, force: bool) -> None:
    if not len(docs):
        return
    mine = shingles(clean_text(text))
    for doc_id, other in zip(docs["id"], docs["text"], strict=True):
        if other.strip() == text.strip():
            raise CorpusError(f"{file}: same text as speech {doc_id}; it is already in the corpus")
        if not 0.6 <= len(other) / max(len(text), 1) <= 1 / 0.6:
            continue  # sizes this far apart cannot share 90% of their shingles, even with page residue
        similarity = jaccard(mine, shingles(clean_text(other)))
        if similarity >= NEAR_DUPLICATE and not force:
            raise CorpusError(f"{file}: near-duplicate of speech {doc_id} ({similarity:.0%} of 5-character shingles "
                              "shared); add --force if it really is another speech")


def remove_transcript(doc_id: str, *, data_dir: str | Path = config.DATA_DIR) -> tuple[str, Path | None]:
    """Remove a speech's row from ``metadata.csv`` and the file it names.

    Returns
    -------
    (title, path)
        The removed row's title and file (None if the file was already gone).
    """
    data_dir = Path(data_dir)
    meta = read_metadata(data_dir)
    rows = meta[meta["id"] == doc_id]
    if rows.empty:
        raise CorpusError(f"no speech with id {doc_id!r} in {data_dir}; `corpus validate` lists them")
    row = rows.iloc[0]
    path = data_dir / config.METADATA_FILE
    text, encoding, _ = read_text_file(path)
    lines = text.splitlines(keepends=True)
    record_lines = _record_lines(text, int(row["line"]))
    kept = "".join(line for i, line in enumerate(lines, start=1) if i not in record_lines)
    bom = "\ufeff" if encoding == "utf-8-sig" else ""
    data = (bom + kept).encode("utf-8" if encoding == "utf-8-sig" else encoding)
    transcript = data_dir / row["file"]
    write_bytes_atomic(path, data)
    if transcript.is_file():
        transcript.unlink()
        return row["title"], transcript
    return row["title"], None


def _record_lines(text: str, end_line: int) -> set[int]:
    """Physical lines of the CSV record that ends on ``end_line`` (a quoted value may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    for _ in reader:
        if reader.line_num == end_line:
            return set(range(previous_end + 1, end_line + 1))
        previous_end = reader.line_num
    return {end_line}
