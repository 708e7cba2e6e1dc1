"""Paths and defaults, in one place.

Every function that touches the file system takes its directory as a keyword
argument whose default comes from here, so tests and users can point it
elsewhere (``--data DIR`` on the command line). Nothing here does I/O.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

# src/corpus/config.py -> parents[2] is the repository root.
ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
FIGURES_DIR = ROOT / "figures"
METADATA_FILE = "metadata.csv"
LEXICON_FILE = DATA_DIR / "lexicon" / "lexicon.tsv"
STOPWORDS_FILE = DATA_DIR / "lexicon" / "stopwords.txt"
ERA_MARKERS_FILE = DATA_DIR / "lexicon" / "era_markers.csv"
# Segmentation cache; keyed by content, so several data folders can share it.
CACHE_DIR = Path(os.environ.get("CORPUS_CACHE_DIR", ROOT / ".cache"))

SEED = 1

REQUIRED_COLUMNS = ("id", "file", "year", "title")
OPTIONAL_COLUMNS = (
    "place",
    "occasion",
    "speaker_role",
    "source",
    "year_basis",
    "notes",
)
YEAR_BASES = ("content", "title", "source")

# A speech of the People's Republic; a year after this one is a typo.
YEAR_MIN = 1949


def year_max() -> int:
    """Latest plausible year for a speech: the current calendar year."""
    return _dt.date.today().year


# Anonymisation placeholders (XXX, x, *, 20x ...) all become this one
# character. U+25A1 WHITE SQUARE is how Chinese documents mark redactions
# (□□县), it is not a Han character, and jieba emits it as a single token.
PLACEHOLDER = "\u25a1"

# The report's word shift compares these eras when the data have them (else the first and last era).
WORD_SHIFT_ERAS = ("2011", "2023")

# Topic models fit at most this many paragraphs (a seeded sample), so the report stays quick at scale.
TOPIC_SAMPLE = 3000

# Tokens handled at once where a step would otherwise need a temporary the size of the corpus.
SLICE_TOKENS = 4_000_000

# Figures with one row per speech show at most this many rows; beyond it they aggregate by era.
MAX_FIGURE_ROWS = 40

# Figures: a report page's text width (A4, 2.5 cm margins) and print dpi.
FIGURE_WIDTH_IN = 6.3
FIGURE_DPI = 300
FIGURE_FORMATS = ("png", "svg", "pdf")
