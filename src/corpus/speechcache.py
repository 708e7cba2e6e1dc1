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
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc

from .files import write_bytes_atomic

SUM_DIGITS = 16


def entry_key(*parts: str | bytes) -> str:
    """A cache key: the SHA-256 of ``parts`` (each hashed apart, so no two lists collide by concatenation)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part.encode() if isinstance(part, str) else part).digest())
    return digest.hexdigest()


def _table_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


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
        self._listed: dict[str, list[str]] = {}

    def _files(self, key: str) -> list[Path]:
        prefix = key[:2]
        if prefix not in self._listed:  # one listing per subfolder, not one glob per key
            try:
                self._listed[prefix] = sorted(os.listdir(self.folder / prefix))
            except OSError:
                self._listed[prefix] = []
        return [self.folder / prefix / name for name in self._listed[prefix]
                if name.startswith(key) and name.endswith(".arrow")]

    def get(self, keys: Iterable[str]) -> dict[str, pa.Table]:
        """The entries found for ``keys`` (each checked against its checksum; a bad one is deleted)."""
        found = {}
        for key in dict.fromkeys(keys):
            for path in self._files(key):
                table = self._read(path)
                if table is not None:
                    found[key] = table
                    break
        return found

    def _read(self, path: Path) -> pa.Table | None:
        try:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest()[:SUM_DIGITS] != path.name.split(".")[1]:
                raise ValueError("checksum")
            return pa.ipc.open_file(pa.BufferReader(data)).read_all()
        except FileNotFoundError:  # removed by a concurrent run that found it damaged
            return None
        except (OSError, ValueError, IndexError, pa.ArrowException):
            self.damaged += 1
            path.unlink(missing_ok=True)
            return None

    def put(self, entries: Mapping[str, pa.Table]) -> None:
        """Store each entry; on the first write that fails, stop and say why in :attr:`unwritable`."""
        for key, table in entries.items():
            data = _table_bytes(table)
            path = self.folder / key[:2] / f"{key}.{hashlib.sha256(data).hexdigest()[:SUM_DIGITS]}.arrow"
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                if not path.exists():
                    write_bytes_atomic(path, data)
            except OSError as err:
                self.unwritable = f"{self.folder}: {err.strerror or err}"
                return
