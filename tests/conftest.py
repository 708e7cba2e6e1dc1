"""Shared fixtures: a tiny hand-made data folder, the repository's paths, a private cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus import config

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data"
FIGURES_DIR = REPO / "figures"


@pytest.fixture(scope="session", autouse=True)
def _isolated(tmp_path_factory):
    """The whole run: the shipped data as the default folder (``data/``), and a cache of its own, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        patch.setenv("CORPUS_CACHE_DIR", str(tmp_path_factory.mktemp("corpus-cache")))
        patch.setenv("CORPUS_DEBUG", "1")  # a bug raises, rather than the one line `internal error` users get
        yield

SEED_SHA256 = {
    "000_8934f3c4a65f5158.txt": "a634232feae6972ada8226328597171bd990eee0ac433d23902679fa97761021",
    "001_9e234dee620ed9fc.txt": "ce2ca4fec42bbb5f6aedc479f1c874b02d66ad969433525ed96c0a7cc5c61dee",
    "002_592489f94325e6aa.txt": "2f99c0f0c12c9d8169643d3a99f5abdbd5cc259f411974504ef8bd7b05867d04",
    "003_4d9b8e3b0a9fea20.txt": "8ce11ca4ddf47310aa25eeb904f6ecaffe3a3bcf93cd5f4089ab6999e448e407",
    "004_4d0e5faa5036e474.txt": "66ce53cfacd113404eba5b64da573db0864613bc9cbc0b5c3cc519d887bf4cd5",
}

TINY_TEXTS = {
    "a.txt": "同志们：\n今年是“十一五”开局之年，工会要建功“十一五”。\n",
    "b.txt": "同志们：\n今年是“十二五”开局之年，工会要坚持党建带工建。\n",
}
TINY_METADATA = "id,file,year,title\na,a.txt,2006,甲\nb,b.txt,2011,乙\n"


def write_corpus(folder: Path, texts: dict[str, str | bytes], metadata: str) -> Path:
    """Write transcripts (str as UTF-8, bytes as given) and metadata.csv into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in texts.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    (folder / config.METADATA_FILE).write_text(metadata, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """Two short speeches, 2006 and 2011."""
    return write_corpus(tmp_path / "tiny", TINY_TEXTS, TINY_METADATA)


@pytest.fixture(scope="session")
def shipped_report(tmp_path_factory) -> Path:
    """The report of the shipped data folder, built once per test run (figures drawn in this process)."""
    from corpus.report import build_report

    out = tmp_path_factory.mktemp("report")
    build_report(DATA_DIR, out_dir=out, figure_worker=False)
    return out
