"""Atomic file writes: write a temporary file beside the target, then rename it.

A crash, a Ctrl-C or a second process writing at the same time never leaves a
half-written file under the real name: readers see the old file or the new one.
"""

from __future__ import annotations

import os
import uuid
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from . import config

# Ten significant digits: more than any reader needs, and it hides the last-bit differences between CPUs
# (numpy's and OpenBLAS's SIMD kernels differ by ~1e-14 between AVX2 and AVX-512 machines), so the same data
# gives the same CSV bytes on any machine.
CSV_FLOAT_FORMAT = "%.10g"
# UTF-8 with a byte-order mark: Excel, which most of our users open tables with, reads UTF-8 without one as
# the local code page and shows Chinese as mojibake; pandas, R and Python's "utf-8-sig" read it as plain UTF-8.
CSV_ENCODING = "utf-8-sig"


def temp_path(path: Path) -> Path:
    """A hidden temporary name beside ``path``, unique to this process and call."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    tmp = temp_path(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as the bytes :func:`write_csv_atomic` writes (UTF-8 with BOM, LF ends, no index, 10 digits)."""
    return frame.to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT).encode(CSV_ENCODING)


def write_csv_atomic(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM, LF ends, no index, floats to 10 digits) atomically; return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, csv_bytes(frame))
    return path


def data_resource(data_dir: str | Path | None, name: str) -> Path | Traversable:
    """A data folder's own copy of a resource (``DIR/lexicon/<name>``) if it has one, else the shipped one.

    Parameters
    ----------
    data_dir : path or None
        The data folder; None gives the shipped resource.
    name : str
        ``lexicon.tsv``, ``stopwords.txt`` or ``era_markers.csv``.
    """
    if data_dir is not None:
        own = Path(data_dir) / config.RESOURCE_DIR / name
        if own.is_file():
            return own
    return config.resource(name)
