"""Paths and defaults, in one place.

Every function that touches the file system takes its directory as a keyword
argument whose default comes from here, so tests and users can point it
elsewhere (``--data DIR`` on the command line). Nothing here does I/O, and
settings that come from the environment are read when they are used, not
when this module is imported.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import importlib.resources
import os
from importlib.resources.abc import Traversable
from pathlib import Path

from .errors import CorpusError

# Relative to the working directory, as a command-line user expects (`corpus report` in a project folder).
DATA_DIR = Path("data")
FIGURES_DIR = Path("figures")
METADATA_FILE = "metadata.csv"
# The default lexicon, stopwords and era markers ship inside the package (src/corpus/resources/);
# a data folder's own lexicon/<name> overrides them (see corpus.files.data_resource).
RESOURCE_DIR = "lexicon"
LEXICON_FILE = "lexicon.tsv"
STOPWORDS_FILE = "stopwords.txt"
ERA_MARKERS_FILE = "era_markers.csv"
RESOURCES = (LEXICON_FILE, STOPWORDS_FILE, ERA_MARKERS_FILE)


def resource(name: str) -> Traversable:
    """A file shipped with the package (``lexicon.tsv``, ``stopwords.txt``, ``era_markers.csv``).

    Read through :mod:`importlib.resources`, so it is found however the
    package was installed (editable, wheel, zip).
    """
    return importlib.resources.files("corpus") / "resources" / name


def cache_dir() -> Path:
    """Where segmentation is cached: ``$CORPUS_CACHE_DIR``, else the user's cache folder.

    Read on every call, so a notebook or a test can set the variable at any
    time. The cache is keyed by content, so several data folders share it.
    An empty variable counts as unset (it would otherwise mean the working directory).
    """
    chosen = os.environ.get("CORPUS_CACHE_DIR", "").strip()
    if chosen:
        return _expand(chosen, "CORPUS_CACHE_DIR")
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (_expand(base, "XDG_CACHE_HOME") if base else _expand("~", "HOME") / ".cache") / "corpus"


def _expand(path: str, variable: str) -> Path:
    try:
        return Path(path).expanduser()
    except RuntimeError:  # ~user of no such user, or no home folder at all
        raise CorpusError(f"{variable}={path!r}: cannot find the home folder it names; "
                          "set CORPUS_CACHE_DIR to an absolute path") from None


def cache_folder(choice: str | Path | bool) -> Path | None:
    """The cache folder a ``cache_dir`` option names: True for :func:`cache_dir`, a path, or False for none.

    An empty string counts as True, as an empty ``CORPUS_CACHE_DIR`` does: ``Path("")`` is the working directory.
    """
    if choice is False:
        return None
    if choice is True or (isinstance(choice, str) and not choice.strip()):
        return cache_dir()
    return Path(choice)


def package_version(package: str) -> str:
    """The installed version of ``package``, or ``"missing"``."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


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

# A transcript has at least this many Han characters: `corpus add` refuses fewer (counted after cleaning) and
# `corpus validate` reports them, since every rate is per Han character. Real speeches have hundreds; the
# default only rules out texts with none, so that short hand-made examples still load.
MIN_HAN_CHARS = 1


def year_max() -> int:
    """Latest plausible year for a speech: the current calendar year."""
    return _dt.date.today().year


# Anonymisation placeholders (XXX, x, *, 20x ...) all become this one
# character. U+25A1 WHITE SQUARE is how Chinese documents mark redactions
# (□□县), it is not a Han character, and jieba emits it as a single token.
PLACEHOLDER = "\u25a1"

# Topic models: NMF on TF-IDF, LDA on counts (here so that the command line lists them without loading sklearn).
TOPIC_MODELS = ("nmf", "lda")

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
# The most a text file may hold (a long speech is ~50 KB; 10 MB is a book): reading stops there, so a device or
# a runaway file (`--file /dev/zero`) gives an error, not unbounded memory.
MAX_TEXT_BYTES = 10 * 1024 * 1024
# The most a table (metadata.csv, a manifest) may hold: ~150 bytes a row, so 100,000 speeches are ~15 MB.
MAX_TABLE_BYTES = 1024 * 1024 * 1024

# User patterns (terms, KWIC, era markers) are matched with a time bound, so that a catastrophic one such as
# (a|aa)+b fails with an error instead of running for ever: each pattern may take PATTERN_TIMEOUT_S seconds plus
# one second per PATTERN_CHARS_PER_S characters of the texts it searches, in total over one command. Ordinary
# patterns run at 1 M (\S+?发展) to 1,000 M (十二五) characters per second.
PATTERN_TIMEOUT_S = 2.0
PATTERN_CHARS_PER_S = 1_000_000

# Segmenters: rjieba when installed (token-identical, faster), else jieba (corpus.segment).
ENGINES = ("auto", "jieba", "rjieba")
