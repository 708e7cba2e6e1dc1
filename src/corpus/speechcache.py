"""Per-speech results on disk: each written once, atomically, under the hash of what it depends on.

A rerun after adding one transcript should redo that speech only. Stages
that work speech by speech (cleaning, finding era markers) store each
speech's result as one small Arrow IPC file, ``CACHE/<kind>/<key[:2]>/<key>.<sum>.arrow``:

- ``key`` hashes exactly what the result depends on (the speech's text, the
  rules' source code, the resource files), so a changed rule or text simply
  misses, and nothing is ever invalidated by hand;
- ``sum`` is the first 16 hex digits of the SHA-256 of the file's bytes,
  checked before use: a damaged, truncated or foreign file is deleted and
  recomputed, never trusted and never a crash;
- files are written to a temporary name and renamed, so concurrent runs
  writing the same entry write the same bytes under the same name, and a
  reader sees a whole file or none; nothing is ever merged or appended.

No pickle: an entry is a plain Arrow table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyarrow as pa

from .files import EntryFiles, open_entry, read_entry, remove_quietly, table_bytes, unwritable_reason


def entry_key(*parts: str | bytes) -> str:
    """A cache key: the SHA-256 of ``parts`` (each hashed apart, so no two lists collide by concatenation)."""
    return digest_key(*(hashlib.sha256(part.encode() if isinstance(part, str) else part).digest() for part in parts))


def digest_key(*digests: bytes) -> str:
    """The :func:`entry_key` of parts given by their SHA-256 digests: ``entry_key(a, b) == digest_key(sha256(a),
    sha256(b))``, so a key can be made from a text's digest without the text."""
    digest = hashlib.sha256()
    for part in digests:
        digest.update(part)
    return digest.hexdigest()


class SpeechCache:
    """One kind of per-speech result (``"clean"``, ``"markers"`` …) under ``cache_dir/<kind>``.

    :attr:`damaged` counts the entries found damaged (and deleted) since the cache was opened;
    :attr:`unwritable` says why entries could not be stored (a run without a writable cache still works: it
    recomputes next time).
    """

    def __init__(self, cache_dir: str | Path, kind: str):
        self.folder = Path(cache_dir) / kind
        self.damaged = 0
        self.unwritable: str | None = None
        self._entries = EntryFiles(self.folder)
        self._siblings: dict[str, SpeechCache] = {}

    def sibling(self, kind: str) -> SpeechCache:
        """The cache of another kind in the same cache folder: one object per kind, so that a caller going
        through the speeches a slice at a time lists its folder once, not once per slice."""
        if kind not in self._siblings:
            self._siblings[kind] = SpeechCache(self.folder.parent, kind)
        return self._siblings[kind]

    def get(self, keys: Iterable[str]) -> dict[str, pa.Table]:
        """The entries found for ``keys`` (each checked against its checksum; a bad one is deleted)."""
        found = {}
        for key in dict.fromkeys(keys):
            for path in self._entries.of(key):
                table = self._read(path)
                if table is not None:
                    found[key] = table
                    break
        return found

    def open(self, key: str) -> pa.ipc.RecordBatchFileReader | None:
        """The entry of ``key`` opened to be read batch by batch (:func:`corpus.files.open_entry`), or None (a bad
        one is deleted, as by :meth:`get`)."""
        for path in self._entries.of(key):
            reader = self._read(path, open_entry)
            if reader is not None:
                return reader
        return None

    def has(self, key: str) -> bool:
        """Whether an entry is stored under ``key`` (not read: it is checked when it is read)."""
        return bool(self._entries.of(key))

    def _read(self, path: Path, read=read_entry):
        """``read(path)``, or None if the file is gone or unreadable, or damaged (then it is deleted)."""
        try:
            return read(path)
        except OSError:  # removed by a concurrent run that found it damaged, or unreadable: recompute
            return None
        except ValueError:
            self.damaged += 1
            remove_quietly(path)
            return None

    def put(self, entries: Mapping[str, pa.Table]) -> None:
        """Store each entry; on the first write that fails, stop and say why in :attr:`unwritable`."""
        for key, table in entries.items():
            if self.unwritable:
                return
            try:
                self._entries.store(key, table_bytes(table))
            except OSError as err:
                self.unwritable = unwritable_reason(self.folder.parent, err)
                return

    def replace(self, key: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> None:
        """Store ``batches`` as the only entry of ``key`` (:meth:`corpus.files.EntryFiles.replace`): for one large
        result that supersedes the last; on failure, say why in :attr:`unwritable`."""
        if self.unwritable:
            return
        try:
            self._entries.replace(key, schema, batches)
        except OSError as err:
            self.unwritable = unwritable_reason(self.folder.parent, err)


def cache_notes(cache) -> list[str]:
    """What a run should say about a cache (a :class:`SpeechCache` or :class:`~corpus.tokencache.TokenCache`).

    At most two lines: damaged entries deleted and recomputed, and why results could not be stored. The second
    names the cache folder, not the kind, so a run with several caches in one unwritable folder can say it once.
    """
    notes = []
    if cache.damaged:
        notes.append(f"cache: {cache.damaged} damaged {cache.folder.name} entr{'ies' if cache.damaged > 1 else 'y'} "
                     f"deleted and recomputed ({cache.folder})")
    if cache.unwritable:
        notes.append(f"cache: cannot store results ({cache.unwritable}); they will be recomputed next time "
                     "(set CORPUS_CACHE_DIR to a writable folder)")
    return notes
