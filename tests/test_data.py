"""The shipped corpus in data/: raw files untouched, metadata as decided."""

import hashlib

import pandas as pd

from corpus import config, load_docs

from .conftest import DATA_DIR, SEED_SHA256


def test_raw_transcripts_are_byte_identical_to_the_seeds():
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(DATA_DIR.glob("*.txt"))}
    assert found == SEED_SHA256


def test_metadata_years_and_bases():
    meta = pd.read_csv(DATA_DIR / "metadata.csv", dtype=str, keep_default_na=False)
    assert list(meta.columns) == ["id", *["file", "year", "title"], *config.OPTIONAL_COLUMNS]
    assert dict(zip(meta["id"], meta["year"], strict=True)) == {
        "000": "2023", "001": "2023", "002": "2011", "003": "2022", "004": "2006",
    }
    assert dict(zip(meta["id"], meta["year_basis"], strict=True)) == {
        "000": "title", "001": "content", "002": "content", "003": "content", "004": "content",
    }
    assert "十二五" in meta.set_index("id").loc["000", "notes"]
    assert all(f.startswith(i + "_") for i, f in zip(meta["id"], meta["file"], strict=True))


def test_load_docs_on_shipped_corpus():
    docs = load_docs()
    assert list(docs["id"]) == ["004", "002", "003", "000", "001"]  # by year, then id
    assert list(docs["year"]) == [2006, 2011, 2022, 2023, 2023]
    assert list(docs["n_chars"]) == [2959, 3648, 4277, 3110, 4073]
    assert set(docs["encoding"]) == {"utf-8"}
    assert dict(zip(docs["file"], docs["sha256"], strict=True)) == SEED_SHA256
