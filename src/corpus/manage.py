"""Add and remove transcripts safely.

:func:`add_transcript` adds one file, :func:`add_transcripts` several and
:func:`add_manifest` the rows of a CSV manifest, all in the same way: every
file is checked first (it exists, its text can be read, its year is valid, it
is not a duplicate or a near-duplicate of a speech already there or of another
file of the same call), and only if every file passes are they copied into the
data folder and recorded in ``metadata.csv`` with one atomic write. One bad
file means nothing is added.

The original bytes are stored under a name chosen here (``005_<sha256>.docx``);
a document (``.docx``, ``.pdf``, ``.html``) also gets its extracted text beside
it as UTF-8 (``005_<sha256>.txt``), which the ``file`` column names, so every
later stage reads plain text; the ``original`` and ``extraction`` columns name
the original and how its text was extracted (see :mod:`corpus.extract`). A
plain-text file is stored once and needs neither column.

Every write goes to a temporary file that is then renamed, and a failed add
removes what it wrote, so ``metadata.csv`` and the stored files are either as
before or complete; a full disk or a read-only folder is a one-line error.
Adds and removes in the same folder take turns: they hold a lock
(``.corpus.lock`` in the folder, kept there; an ``flock``, which the kernel
releases when its holder dies, so a crash leaves no stale lock) from reading
``metadata.csv`` to the last file written or deleted, so two at once lose no
row, never reuse an id, and never see a row without its file or a file
without its row. :func:`remove_transcript` undoes an add, and deletes only
files an add could have stored.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from . import config
from .clean import clean_text
from .dating import DateEstimate, date_text, era_markers_file, read_era_markers, year_warning
from .errors import CorpusError
from .extract import Extracted, document_format, extract_text
from .files import temp_path, write_bytes_atomic
from .load import (
    LOCK_FILE,
    contained_file,
    han_problem,
    inspect_corpus,
    metadata_rows,
    parse_year,
    read_metadata,
    read_table_file,
)

MAX_BYTES = config.MAX_TEXT_BYTES  # the bound of every text read (10 MB: a book, not a transcript)
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024  # a .docx or .pdf with images is larger than its text
NEAR_DUPLICATE = 0.9
SHINGLE = 5
TITLE_MAX_CHARS = 40
COLUMNS = (*config.REQUIRED_COLUMNS, *config.OPTIONAL_COLUMNS)
# Written when a document is added (a plain-text add leaves them empty and does not need them).
DOCUMENT_COLUMNS = ("original", "extraction")
# Manifest columns that corpus add chooses itself: ignored when a manifest has them.
CHOSEN_COLUMNS = ("id", *DOCUMENT_COLUMNS)
LOCK_TIMEOUT = 120  # seconds; an add of 50 documents takes a few


@dataclass(frozen=True)
class Added:
    """What an add did for one file.

    ``path`` is the stored text (named in ``metadata.csv``'s ``file``); for a
    document, ``original`` is the stored original and ``extraction`` how its
    text was extracted (``"docx:python-docx 1.2.0"``); for plain text
    ``original`` is None and ``extraction`` is ``"text"``. ``encoding`` is the
    plain-text file's encoding, ``"utf-8"`` (of the stored text) for a document.
    ``from_file`` is the file it was added from.
    """

    id: str
    path: Path
    title: str
    year: int
    encoding: str
    n_chars: int
    estimate: DateEstimate
    warning: str | None
    original: Path | None = None
    extraction: str = "text"
    from_file: Path | None = None


@dataclass(frozen=True)
class NewSpeech:
    """One file to add, with its metadata (what a manifest row or the command line gives).

    ``year`` may be None when the call takes it from the file name
    (``year_from_name``). ``extra`` holds other columns to record. ``where``
    says where it came from in messages ("speeches.csv line 7"); empty for a
    file named on the command line.
    """

    file: Path
    year: str | int | None = None
    title: str | None = None
    place: str = ""
    occasion: str = ""
    speaker_role: str = ""
    source: str = ""
    year_basis: str = ""
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    where: str = ""


class AddError(CorpusError):
    """Several files could not be added; nothing was.

    ``problems`` has one line per problem (naming the manifest line or the
    file); the message itself is the one-line summary.
    """

    def __init__(self, problems: list[str], total: int, *, unit: str = "file") -> None:
        self.problems = list(problems)
        n_bad = len({p.split(": ", 1)[0] for p in problems})  # a row or file may have two problems
        super().__init__(f"nothing added: {n_bad} of {total} {unit}s {'has' if n_bad == 1 else 'have'} "
                         f"{'a problem' if len(problems) == 1 else 'problems'}; fix {'it' if n_bad == 1 else 'them'} "
                         "and run the same command again")


class Removed(NamedTuple):
    """What :func:`remove_transcript` did: the row's title, the text file and original it deleted (None if
    none), and the files it kept, each as ``(name, why)``."""

    title: str
    path: Path | None
    original: Path | None
    kept: tuple[tuple[str, str], ...] = ()


def shingles(text: str, *, k: int = SHINGLE) -> set[str]:
    """Character k-grams of the Han and alphanumeric characters of a text."""
    letters = re.sub(r"[^\w]", "", text)
    return {letters[i:i + k] for i in range(max(len(letters) - k + 1, 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    """Share of shingles two texts have in common (0 for two empty sets)."""
    return len(a & b) / len(a | b) if a or b else 0.0


def default_title(text: str, fallback: str) -> str:
    """The title rule: the first non-empty line of the cleaned text when it looks like a title, else ``fallback``.

    A line looks like a title when it has at most 40 characters and no
    sentence punctuation (，。！？；：). The same rule holds for every format:
    for a document it reads the extracted text (a .docx heading, a PDF's
    first line, a web page's headline), and ``fallback`` is the file name
    without its extension.
    """
    first = next((line.strip() for line in clean_text(text).split("\n") if line.strip()), "")
    if first and len(first) <= TITLE_MAX_CHARS and not re.search(r"[，。！？；：]", first):
        return first
    return fallback


def year_from_name(path: str | Path, pattern: str | re.Pattern) -> int:
    """The year in a file's name, or else in its folders' names, by a regular expression with one group.

    The file name is searched first, then its folder, then the folder above
    and so on: the first match gives the year (``(\\d{4})`` finds 2011 in
    ``2011/讲话.docx`` and in ``讲话-2011.docx``).

    Raises
    ------
    CorpusError
        When nothing matches or the group is not a valid year.
    """
    compiled = _year_pattern(pattern)
    path = Path(path)
    for part in (path.name, *(p.name for p in path.parents)):
        match = compiled.search(part)
        if match:
            try:
                return parse_year(match.group(1))
            except CorpusError as err:
                raise CorpusError(f"{path}: --year-from-name found {match.group(1)!r} in {part!r}: {err}") from None
    raise CorpusError(f"{path}: --year-from-name {compiled.pattern!r} matches neither its name nor its folders; "
                      "give its year in the manifest's year column, or rename it")


def _year_pattern(pattern: str | re.Pattern) -> re.Pattern:
    try:
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
    except re.error as err:
        raise CorpusError(f"--year-from-name {pattern!r} is not a valid regular expression ({err})") from None
    if compiled.groups != 1:
        raise CorpusError(f"--year-from-name {compiled.pattern!r} must have exactly one group (…), around the year, "
                          "e.g. '(\\d{4})'")
    return compiled


def add_transcript(
    file: str | Path,
    *,
    year: str | int | None = None,
    data_dir: str | Path = config.DATA_DIR,
    title: str | None = None,
    place: str = "",
    occasion: str = "",
    speaker_role: str = "",
    source: str = "",
    force: bool = False,
    max_bytes: int = MAX_BYTES,
    year_from_name: str | None = None,
) -> Added:
    """Copy a transcript into a data folder and record it in ``metadata.csv``.

    Parameters
    ----------
    file : path
        The transcript: plain text (UTF-8, UTF-8 with BOM, GBK/GB18030 or
        UTF-16 with BOM), Word ``.docx``, ``.pdf`` with a text layer, or a
        saved web page ``.html``/``.htm`` (documents need
        ``pip install 'corpus[formats]'``; see :mod:`corpus.extract`).
    year : str or int, optional
        Four-digit year of the speech; needed unless ``year_from_name`` is given.
    data_dir : path
        The data folder; created with a new ``metadata.csv`` if missing.
    title, place, occasion, speaker_role, source : str
        Metadata. The default title follows one rule for every format
        (:func:`default_title`): the first non-empty line of the (cleaned,
        extracted) text when it looks like a title (at most 40 characters, no
        sentence punctuation ，。！？；：), else the file name without its extension.
    force : bool
        Add even a near-duplicate of a speech already there.
    max_bytes : int
        The largest text accepted (a plain-text file's size; a document's extracted text, in UTF-8).
    year_from_name : str, optional
        A regular expression with one group that finds the year in the
        file's name or its folders' names (see :func:`year_from_name`).

    Returns
    -------
    Added

    Raises
    ------
    CorpusError
        For a missing, empty, binary, too large or undecodable file; a
        corrupt, password-protected or scanned document; a bad year; an exact
        or near duplicate; a broken data folder. Nothing is written then.
    """
    speech = NewSpeech(Path(file), year=year, title=title, place=place, occasion=occasion,
                       speaker_role=speaker_role, source=source)
    return add_transcripts([speech], data_dir=data_dir, force=force, max_bytes=max_bytes,
                           year_from_name=year_from_name)[0]


def add_transcripts(
    speeches: Iterable[NewSpeech | str | Path],
    *,
    data_dir: str | Path = config.DATA_DIR,
    year: str | int | None = None,
    year_from_name: str | None = None,
    force: bool = False,
    max_bytes: int = MAX_BYTES,
    unit: str = "file",
    problems: Iterable[tuple[float, str]] = (),
    total: int | None = None,
) -> list[Added]:
    """Add several transcripts at once: all of them, or none.

    Every file is checked first (as :func:`add_transcript` does, and against
    the others: two files with the same text, or near-duplicates without
    ``force``, are refused); only when all pass are they copied and their
    rows appended to ``metadata.csv`` in one atomic write, with consecutive ids.

    Parameters
    ----------
    speeches : iterable of NewSpeech or path
        The files, with their metadata (a bare path takes ``year``).
    data_dir : path
        The data folder; created with a new ``metadata.csv`` if missing.
    year : str or int, optional
        The year of a speech that gives none.
    year_from_name : str, optional
        Or: a regular expression with one group that finds the year of a
        speech that gives none in its file name or folders (:func:`year_from_name`).
    force : bool
        Add near-duplicates anyway.
    max_bytes : int
        The largest text accepted.
    unit, problems, total
        For callers that found problems of their own (:func:`add_manifest`):
        what the inputs are called in the summary, the problems already
        found as ``(position, message)`` (the position among ``speeches``
        says where the message goes in the list; nothing is added then), and
        the number of inputs.

    Returns
    -------
    list of Added
        In the order given.

    Raises
    ------
    CorpusError
        The one problem when a single file is added.
    AddError
        Otherwise: ``problems`` lists every problem, one line each. Nothing is written.
    """
    speeches = [s if isinstance(s, NewSpeech) else NewSpeech(Path(s)) for s in speeches]
    found: list[tuple[float, str]] = list(problems)
    total = len(speeches) if total is None else total
    if not speeches and not found:
        raise CorpusError("nothing to add: give the files, or a manifest that lists them")
    if year is not None and year_from_name is not None:
        raise CorpusError("give --year or --year-from-name, not both")
    pattern = _year_pattern(year_from_name) if year_from_name is not None else None
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():  # no file can go there: say that, not a problem per file
        raise CorpusError(f"{data_dir}: is a file, not a data folder; pass --data DIR (a folder, new or existing)")
    markers = read_era_markers(era_markers_file(data_dir))
    ready: list[tuple[int, _Ready]] = []
    for index, speech in enumerate(speeches):
        try:
            ready.append((index, _prepare(speech, year=year, pattern=pattern, markers=markers, max_bytes=max_bytes)))
        except CorpusError as err:
            found.append((index, _located(speech, str(err))))
    found += _duplicates_among(ready, force=force)
    if found:  # this call fails: list every problem, reading the folder without taking its lock
        if data_dir.exists():
            try:
                found += _duplicates_of_corpus(ready, _existing(data_dir), force=force)
            except CorpusError as err:
                found.append((len(speeches), str(err)))
        _fail(found, total, unit)
    created = not data_dir.exists()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CorpusError(f"{data_dir}: cannot create the data folder ({err.strerror}); "
                          "give --data a folder you can write to") from None
    try:
        with _locked(data_dir):
            docs = _existing(data_dir)
            found += _duplicates_of_corpus(ready, docs, force=force)
            if found:
                _fail(found, total, unit)
            return _write(data_dir, [r for _, r in ready], docs)
    except BaseException:
        if created:  # a folder this call made and nothing went into: remove it again
            with contextlib.suppress(OSError):
                (data_dir / LOCK_FILE).unlink(missing_ok=True)
                data_dir.rmdir()
        raise


def add_manifest(
    manifest: str | Path,
    *,
    data_dir: str | Path = config.DATA_DIR,
    year: str | int | None = None,
    year_from_name: str | None = None,
    force: bool = False,
    max_bytes: int = MAX_BYTES,
    defaults: dict[str, str] | None = None,
) -> list[Added]:
    """Add every file a CSV manifest lists, all or none (see :func:`add_transcripts`).

    The manifest has ``metadata.csv``'s columns: ``file`` (required; relative
    to the manifest's folder), ``year``, ``title``, ``place``, ``occasion``,
    ``speaker_role``, ``source``, ``year_basis``, ``notes``, and any other
    column, which is recorded as is (added to ``metadata.csv``'s header if it
    lacks it). ``id``, ``original`` and ``extraction`` are chosen by the add
    and ignored. An empty ``year`` cell takes ``year`` or ``year_from_name``;
    other empty cells take ``defaults`` (e.g. ``{"place": "某县"}``).

    Raises
    ------
    AddError
        Listing every bad row, one line each, as ``MANIFEST line N: problem``
        (a missing or undecodable file, a bad year, a duplicate of a speech
        already there or of another row, a malformed row). Nothing is added.
    CorpusError
        When the manifest itself cannot be read or has no ``file`` column.
    """
    manifest = Path(manifest)
    entries = _manifest_entries(manifest, defaults=defaults)
    if not entries:
        raise CorpusError(f"{manifest}: lists no files; add rows under its header (file,year,title,…)")
    speeches = [e for e in entries if isinstance(e, NewSpeech)]
    problems, seen = [], 0
    for entry in entries:  # a malformed row's problem goes before the next good row's
        if isinstance(entry, NewSpeech):
            seen += 1
        else:
            problems.append((seen - 0.5, entry))
    return add_transcripts(speeches, data_dir=data_dir, year=year, year_from_name=year_from_name, force=force,
                           max_bytes=max_bytes, unit="row", problems=problems, total=len(entries))


def read_manifest(manifest: str | Path, *, defaults: dict[str, str] | None = None) -> tuple[list[NewSpeech], list[str]]:
    """The rows of a manifest as :class:`NewSpeech` (files relative to its folder), and the malformed rows' problems.

    Raises
    ------
    CorpusError
        When the file cannot be read, is not CSV, or has no ``file`` column.
    """
    entries = _manifest_entries(Path(manifest), defaults=defaults)
    return [e for e in entries if isinstance(e, NewSpeech)], [e for e in entries if isinstance(e, str)]


def _manifest_entries(manifest: Path, *, defaults: dict[str, str] | None) -> list[NewSpeech | str]:
    """Each data row of the manifest in order: a NewSpeech, or the one-line problem of a malformed row."""
    defaults = {k: v for k, v in (defaults or {}).items() if v}
    shown = str(manifest)
    if not manifest.is_file():
        raise CorpusError(f"{shown}: no such file; give the manifest CSV (columns file,year,title,…)")
    text = read_table_file(manifest, name=shown).text
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as err:
        raise CorpusError(f"{shown} line {reader.line_num}: malformed CSV ({err}); check the quotes on that line") \
            from None
    records = [(line, row) for line, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise CorpusError(f"{shown}: is empty; its first line must be a header with a file column (file,year,title,…)")
    header = [cell.strip() for cell in records[0][1]]
    if "file" not in header:
        raise CorpusError(f"{shown}: has no 'file' column (header is: {','.join(header)}); "
                          "the header needs file and may have year,title,place,occasion,speaker_role,source,…")
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    if repeated or "" in header:
        raise CorpusError(f"{shown}: " + (f"column {repeated[0]!r} appears twice in the header; keep one"
                                          if repeated else "the header has an empty column name; name it or remove it"))
    known = {"file", "year", "title", "place", "occasion", "speaker_role", "source", "year_basis", "notes"}
    entries: list[NewSpeech | str] = []
    for line, row in records[1:]:
        where = f"{shown} line {line}"
        if len(row) != len(header):
            entries.append(f"{where}: {len(row)} fields where the header has {len(header)}; "
                           "quote values that contain commas")
            continue
        values = {**defaults, **{c: v.strip() for c, v in zip(header, row, strict=True) if v.strip()}}
        if not values.get("file"):
            entries.append(f"{where}: empty file; name the transcript, relative to {manifest.parent}")
            continue
        basis = values.get("year_basis", "")
        if basis and basis not in config.YEAR_BASES:
            entries.append(f"{where}: year_basis {basis!r} is not one of {', '.join(config.YEAR_BASES)}")
            continue
        entries.append(NewSpeech(
            manifest.parent / values["file"], year=values.get("year"), title=values.get("title"),
            place=values.get("place", ""), occasion=values.get("occasion", ""),
            speaker_role=values.get("speaker_role", ""), source=values.get("source", ""), year_basis=basis,
            notes=values.get("notes", ""),
            extra={c: values.get(c, "") for c in header if c not in known and c not in CHOSEN_COLUMNS},
            where=where,
        ))
    return entries


@dataclass(frozen=True)
class _Ready:
    """A file that passed its own checks: what will be written."""

    speech: NewSpeech
    extracted: Extracted
    year: int
    title: str
    estimate: DateEstimate
    key: str
    shingles: frozenset[str]


def _prepare(speech: NewSpeech, *, year, pattern, markers, max_bytes: int) -> _Ready:
    """Check one file on its own (no data folder needed); raise its first problem."""
    file = speech.file
    if not file.is_file():
        raise CorpusError(f"{file}: no such file")
    size = file.stat().st_size
    is_document = document_format(file) is not None
    limit = MAX_DOCUMENT_BYTES if is_document else max_bytes
    if size > limit:
        raise CorpusError(f"{file}: {size / 1e6:.1f} MB is too large for one speech (limit {limit / 1e6:.0f} MB); "
                          "split it into speeches")
    extracted = extract_text(file)
    text_bytes = len(extracted.text.encode("utf-8"))
    if is_document and text_bytes > max_bytes:
        raise CorpusError(f"{file}: its text is {text_bytes / 1e6:.1f} MB, too large for one speech "
                          f"(limit {max_bytes / 1e6:.0f} MB); split it into speeches")
    given = "" if speech.year is None else str(speech.year).strip()
    if given:
        year_value = parse_year(given)
    elif pattern is not None:
        year_value = year_from_name(file, pattern)
    elif year is not None and str(year).strip():
        year_value = parse_year(str(year))
    else:
        raise CorpusError(f"{file}: no year; give --year YEAR, a year in the manifest's year column, "
                          "or --year-from-name PATTERN")
    text = extracted.text
    cleaned = clean_text(text)
    too_few = han_problem(cleaned)
    if too_few:
        raise CorpusError(f"{file}: {too_few} (after cleaning); a transcript must be Chinese text")
    return _Ready(speech, extracted, year_value, speech.title or default_title(text, file.stem),
                  date_text(text, markers=markers), _text_key(text), frozenset(shingles(cleaned)))


def _text_key(text: str) -> str:
    """Texts with the same key are the same speech: equal once all whitespace is gone (any format, any layout)."""
    return hashlib.sha256(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()


def _located(speech: NewSpeech, message: str) -> str:
    return f"{speech.where}: {message}" if speech.where else message


def _name(speech: NewSpeech) -> str:
    return speech.where or str(speech.file)


def _near(a: frozenset[str], b: frozenset[str]) -> float | None:
    """Their Jaccard similarity when it can reach NEAR_DUPLICATE (sizes alone rule most pairs out), else None."""
    if not a or not b or min(len(a), len(b)) < NEAR_DUPLICATE * max(len(a), len(b)):
        return None
    similarity = jaccard(a, b)
    return similarity if similarity >= NEAR_DUPLICATE else None


def _duplicates_among(ready: list[tuple[int, _Ready]], *, force: bool) -> list[tuple[int, str]]:
    """Files of one call that repeat each other: the later one is the problem."""
    found = []
    kept: list[_Ready] = []
    for index, item in ready:
        problem = None
        for other in kept:
            if other.key == item.key:
                problem = f"{item.speech.file}: same text as {_name(other.speech)}; list each speech once"
            elif not force and (similarity := _near(item.shingles, other.shingles)) is not None:
                problem = (f"{item.speech.file}: near-duplicate of {_name(other.speech)} ({similarity:.0%} of "
                           "5-character shingles shared); add --force if it really is another speech")
            if problem:
                break
        if problem:
            found.append((index, _located(item.speech, problem)))
        else:
            kept.append(item)
    return found


def _duplicates_of_corpus(ready: list[tuple[int, _Ready]], docs: pd.DataFrame, *, force: bool) -> list[tuple[int, str]]:
    if not len(docs):
        return []
    existing = [(doc_id, _text_key(text), text) for doc_id, text in zip(docs["id"], docs["text"], strict=True)]
    by_key = {key: doc_id for doc_id, key, _ in reversed(existing)}
    cached: dict[str, frozenset[str]] = {}
    found = []
    for index, item in ready:
        problem = None
        if item.key in by_key:
            problem = f"{item.speech.file}: same text as speech {by_key[item.key]}; it is already in the corpus"
        elif not force:
            size = len(item.extracted.text)
            for doc_id, _, text in existing:
                if not 0.6 <= len(text) / max(size, 1) <= 1 / 0.6:
                    continue  # sizes this far apart cannot share 90% of their shingles, even with page residue
                if doc_id not in cached:
                    cached[doc_id] = frozenset(shingles(clean_text(text)))
                similarity = _near(item.shingles, cached[doc_id])
                if similarity is not None:
                    problem = (f"{item.speech.file}: near-duplicate of speech {doc_id} ({similarity:.0%} of "
                               "5-character shingles shared); add --force if it really is another speech")
                    break
        if problem:
            found.append((index, _located(item.speech, problem)))
    return found


def _fail(found: list[tuple[float, str]], total: int, unit: str) -> None:
    problems = [message for _, message in sorted(found, key=lambda item: item[0])]  # stable: in input order
    if total == 1 and len(problems) == 1:
        raise CorpusError(problems[0])
    raise AddError(problems, total, unit=unit)


def _write(data_dir: Path, ready: list[_Ready], docs: pd.DataFrame) -> list[Added]:
    """Store every file and append every row in one write of metadata.csv; on failure remove what was stored."""
    ids = list(docs["id"])
    files: list[tuple[Path, bytes]] = []
    rows: list[dict[str, str]] = []
    added: list[Added] = []
    today = dt.date.today().isoformat()
    for item in ready:
        doc_id = _next_id(ids)
        ids.append(doc_id)
        extracted, speech = item.extracted, item.speech
        stem = f"{doc_id}_{hashlib.sha256(extracted.raw).hexdigest()[:16]}"
        text_path = data_dir / f"{stem}.txt"
        original = None
        if extracted.is_document:
            original = data_dir / f"{stem}{speech.file.suffix.lower()}"
            files += [(original, extracted.raw), (text_path, extracted.text.encode("utf-8"))]
        else:
            files.append((text_path, extracted.raw))
        note = f"added by corpus add from {speech.file.name} on {today}"
        if item.estimate.low is not None:
            note += f"; its words point to {item.estimate.describe()}"
        rows.append({
            **speech.extra,
            "id": doc_id, "file": text_path.name, "year": str(item.year), "title": item.title,
            "place": speech.place, "occasion": speech.occasion, "speaker_role": speech.speaker_role,
            "source": speech.source, "year_basis": speech.year_basis or "source",
            "notes": f"{speech.notes}; {note}" if speech.notes else note,
            "original": original.name if original else "",
            "extraction": extracted.method if extracted.is_document else "",
        })
        warning = year_warning(doc_id, item.year, item.estimate, basis=speech.year_basis)
        added.append(Added(doc_id, text_path, item.title, item.year, extracted.encoding or "utf-8",
                           len(extracted.text), item.estimate, warning, original, extracted.method, speech.file))
    metadata = data_dir / config.METADATA_FILE
    new_metadata = _metadata_bytes(metadata, rows)
    written: list[Path] = []
    writing = metadata
    try:
        for writing, data in [*files, (metadata, new_metadata)]:
            write_bytes_atomic(writing, data)
            written.append(writing)
    except BaseException as err:  # Ctrl-C or a full disk: leave the folder as it was
        if metadata.exists() and metadata.read_bytes() == new_metadata:
            raise
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise _write_error(err, writing, "nothing was added") from None
        raise
    return added


def _write_error(err: OSError, path: Path, outcome: str) -> CorpusError:
    """A failed write (full disk, read-only folder) as one line: which file, why, and that nothing changed."""
    return CorpusError(f"{path}: cannot write it ({err.strerror or err}); {outcome}; "
                       "free some space or make the data folder writable, then run the same command again")


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """Hold the folder's lock: one add or remove at a time reads and rewrites metadata.csv.

    The lock file stays after release (removing it would let two processes
    lock two different files of the same name); it holds nothing.
    """
    from filelock import FileLock, Timeout

    path = data_dir / LOCK_FILE
    lock = FileLock(path, timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout:
        # An flock dies with its process, so this is a live command (or a file system without flock, e.g. old NFS).
        raise CorpusError(f"{path}: another corpus command (add or remove) has held this lock for "
                          f"{LOCK_TIMEOUT:g} s; wait for it to finish and run this again") from None
    except OSError as err:
        raise CorpusError(f"{path}: cannot open the lock file ({err.strerror or err}); make the data folder "
                          "writable, or remove the lock file if it is not a plain file") from None
    try:
        yield
    finally:
        lock.release()


def _next_id(ids: list[str]) -> str:
    numbers = [int(i) for i in ids if i.isdigit()]
    width = max([len(i) for i in ids if i.isdigit()] + [3])
    return str(max(numbers, default=-1) + 1).zfill(width)


def _csv_row(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _records(text: str) -> list[tuple[int, int, list[str]]]:
    """The CSV records of a text with the physical lines each spans: (first line, last line, cells), 1-based."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records, previous_end = [], 0
    for row in reader:
        records.append((previous_end + 1, reader.line_num, row))
        previous_end = reader.line_num
    return records


def _physical_lines(text: str) -> list[str]:
    """The lines as the csv module counts them (\\n, \\r\\n or \\r), with their line ends."""
    return io.StringIO(text, newline="").readlines()


def _metadata_bytes(path: Path, rows: list[dict[str, str]]) -> bytes:
    """metadata.csv with ``rows`` appended, in the file's own encoding and line ends.

    A column the rows need (``original``, ``extraction``, a manifest's own)
    that the header lacks is added at the end of the header, and every
    existing row gets an empty value for it; the rest of the file is kept byte for byte.
    """
    needed = [c for c in dict.fromkeys(c for row in rows for c in row) if c not in COLUMNS
              and any(row.get(c) for row in rows)]
    if not path.exists():
        header = [*COLUMNS, *needed]
        return "".join([_csv_row(header), *(_csv_row([row.get(c, "") for c in header]) for row in rows)]).encode()
    text, encoding, _ = read_table_file(path)
    newline = "\r\n" if "\r\n" in text else "\n"
    records = _records(text)
    start, end, header_cells = next(r for r in records if any(cell.strip() for cell in r[2]))
    header = [cell.strip() for cell in header_cells]
    missing = [c for c in needed if c not in header]
    if missing:
        lines = _physical_lines(text)
        for first, last, row in records:
            if first > end and row:  # a data row (blank lines stay blank): one more empty value per new column
                body = lines[last - 1].rstrip("\r\n")
                lines[last - 1] = body + "," * len(missing) + lines[last - 1][len(body):]
        ending = lines[end - 1][len(lines[end - 1].rstrip("\r\n")):]
        lines[start - 1:end] = [_csv_row([*header_cells, *missing]).rstrip("\n") + ending]
        text = "".join(lines)
        header += missing
    appended = "".join(_csv_row([row.get(c, "") for c in header]) for row in rows)
    joined = text + ("" if text.endswith(("\n", "\r")) or not text else newline) + appended.replace("\n", newline)
    try:
        return (("\ufeff" if encoding == "utf-8-sig" else "") + joined).encode(
            "utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeEncodeError:
        raise CorpusError(f"{path}: is {encoding} and cannot hold the new rows; save it as UTF-8 first") from None


def _existing(data_dir: Path) -> pd.DataFrame:
    """The speeches already in the folder; a broken folder is an error (nothing is added to it)."""
    if data_dir.exists() and not data_dir.is_dir():
        raise CorpusError(f"{data_dir}: is a file, not a data folder; pass --data DIR (a folder, new or existing)")
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


def remove_transcript(doc_id: str, *, data_dir: str | Path = config.DATA_DIR) -> Removed:
    """Remove a speech's row from ``metadata.csv``, the file it names and its stored original.

    A file is deleted only when ``corpus add`` could have stored it: a plain
    file directly in the data folder (not a link), that
    :func:`corpus.load.contained_file` accepts, and that no other row names.
    Any other file is kept, and the row is removed all the same: a row naming
    ``metadata.csv``, a second name of another speech's transcript, or a link
    to a file elsewhere goes, and what it named stays. The row and the files
    go together, under the folder's lock, or nothing changes.

    Returns
    -------
    Removed
        The removed row's title, its text file and its original (each None
        if it was already gone, kept, or, for the original, if it had none),
        and the files kept with the reason.

    Raises
    ------
    CorpusError
        No row with that id; an unreadable ``metadata.csv``; another command
        holding the lock; a failed write (then nothing was removed).
    """
    data_dir = Path(data_dir)
    with _locked(data_dir) if data_dir.is_dir() else contextlib.nullcontext():
        rows = metadata_rows(data_dir)
        match = rows.index[rows["id"] == doc_id]
        if not len(match):
            raise CorpusError(f"no speech with id {doc_id!r} in {data_dir}; `corpus validate` lists them")
        row, others = rows.loc[match[0]], rows.drop(index=match[0])
        targets: list[Path | None] = []
        kept: list[tuple[str, str]] = []
        for column in ("file", "original"):
            name = row.get(column, "")
            why = _why_kept(data_dir, name, others) if name else None
            if why:
                kept.append((name, why))
            targets.append(data_dir / name if name and not why and (data_dir / name).is_file() else None)
        metadata = data_dir / config.METADATA_FILE
        text, encoding, _ = read_table_file(metadata)
        record_lines = _record_lines(text, int(row["line"]))
        kept_text = "".join(line for i, line in enumerate(_physical_lines(text), start=1) if i not in record_lines)
        bom = "\ufeff" if encoding == "utf-8-sig" else ""
        _commit_removal(metadata, (bom + kept_text).encode("utf-8" if encoding == "utf-8-sig" else encoding),
                        [t for t in targets if t is not None])
    return Removed(row["title"], *targets, tuple(kept))


def _why_kept(data_dir: Path, name: str, others: pd.DataFrame) -> str | None:
    """Why remove must keep the file a row names (as "it …" or a sentence), or None when it may delete it."""
    problem, resolved = contained_file(data_dir, name)
    if problem:
        return f"it {problem}"
    if len(Path(name).parts) != 1 or (data_dir / name).is_symlink():
        return "corpus add stores transcripts directly in the data folder, never in a subfolder or as a link"
    for other in others.itertuples(index=False):
        for value in (other.file, getattr(other, "original", "")):
            if value and contained_file(data_dir, value)[1] == resolved:
                return f"line {other.line} (id {other.id}) names it too"
    return None


def _commit_removal(metadata: Path, data: bytes, targets: list[Path]) -> None:
    """Write ``metadata.csv`` without the row and delete its files: both, or (on failure) neither."""
    parked: list[tuple[Path, Path]] = []
    writing = metadata
    try:
        for writing in targets:  # set aside first, so that a failed write can put them back
            hidden = temp_path(writing)
            writing.rename(hidden)
            parked.append((writing, hidden))
        writing = metadata
        write_bytes_atomic(metadata, data)
    except BaseException as err:
        for target, hidden in reversed(parked):
            hidden.rename(target)
        if isinstance(err, OSError):
            raise _write_error(err, writing, "nothing was removed") from None
        raise
    for _, hidden in parked:
        hidden.unlink(missing_ok=True)


def _record_lines(text: str, end_line: int) -> set[int]:
    """Physical lines of the CSV record that ends on ``end_line`` (a quoted value may span lines)."""
    for start, end, _ in _records(text):
        if end == end_line:
            return set(range(start, end + 1))
    return {end_line}
