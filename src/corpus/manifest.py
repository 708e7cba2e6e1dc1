"""What a run read and wrote, so that a rerun with the same inputs can stop at once.

A run hashes everything its files depend on (:func:`fingerprint`) and, when
it is done, writes a manifest (``.corpus-report.json`` in the output folder)
with that hash and a checksum of every file it wrote. :func:`up_to_date`
says whether the last run had the same inputs and left its files untouched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from . import config
from .files import write_bytes_atomic

MANIFEST = ".corpus-report.json"
# Libraries whose version can change a figure or a table.
LIBRARIES = ("matplotlib", "numpy", "pandas", "scikit-learn", "scipy", "jieba", "rjieba", "pyarrow", "stopwordsiso",
             "opencc")


def code_and_libraries() -> list[bytes]:
    """The package's own source files and the versions of :data:`LIBRARIES`, as hashable parts."""
    package = Path(__file__).parent
    parts = [path.read_bytes() for path in sorted(package.glob("*.py"))]
    return parts + [f"{name}={config.package_version(name)}".encode() for name in LIBRARIES]


def fingerprint(parts: Iterable[bytes]) -> str:
    """One hash of ``parts``, in order (each part hashed apart, so no two lists collide by concatenation)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def last_run(out_dir: str | Path) -> dict:
    """The last run's manifest: ``inputs``, ``files`` (name: sha256) and ``figures`` (name: key); empty if none."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def unchanged(out_dir: str | Path, paths: Iterable[Path], recorded: dict) -> bool:
    """Is every one of ``paths`` still what the last run wrote (same sha256 as ``recorded[name]``)?"""
    try:
        return all(path.is_file() and recorded.get(path.name) == hashlib.sha256(path.read_bytes()).hexdigest()
                   for path in paths)
    except OSError:
        return False


def up_to_date(out_dir: str | Path, inputs: str) -> list[Path] | None:
    """The files of the last run, if it had the same ``inputs`` and every file is still as it wrote it."""
    out_dir = Path(out_dir)
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("inputs") != inputs:
            return None
        files = [out_dir / name for name in manifest.get("files", {})]
        for path in files:
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != manifest["files"][path.name]:
                return None
    except (OSError, ValueError, AttributeError, TypeError):  # missing, unreadable or not our format: redo
        return None
    return files


def write_manifest(out_dir: str | Path, inputs: str, written: Iterable[Path], *,
                   figures: dict[str, str] | None = None) -> Path:
    """Record ``inputs``, a checksum of each written file and each figure's key; return the manifest's path."""
    path = Path(out_dir) / MANIFEST
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in written}
    manifest = {"inputs": inputs, "files": files, "figures": dict(sorted((figures or {}).items()))}
    write_bytes_atomic(path, json.dumps(manifest, indent=1).encode())
    return path
