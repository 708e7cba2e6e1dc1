"""Put a generated table into a Markdown document, between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``."""

from __future__ import annotations

from pathlib import Path

# benchmarks/markdown.py -> the repository (benchmarks run from a clone, not an installed package).
REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data"


def write_section(path: Path, name: str, text: str) -> None:
    """Replace what stands between the two markers of ``name`` in ``path`` with ``text``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    document = path.read_text(encoding="utf-8")
    head, rest = document.split(start)
    _, tail = rest.split(end)
    path.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")
