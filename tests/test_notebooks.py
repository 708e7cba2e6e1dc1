"""Notebooks are thin, stored without outputs, and run top to bottom headless."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import DATA_DIR, FIGURES_DIR, REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS][:1] == ["01-corpus-overview.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_clean_and_thin(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert not any(line.lstrip().startswith(("def ", "class ")) for c in code for line in c.source.splitlines())
    assert "parameters" in code[0].metadata.get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_headless_on_the_folder_it_is_given(path, tmp_path, monkeypatch, shipped_report):
    data = tmp_path / "speeches"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("figures"))
    tracked = {p.name: p.read_bytes() for p in FIGURES_DIR.iterdir()}
    monkeypatch.setenv("CORPUS_DATA_DIR", str(data))  # the kernel inherits it: as `CORPUS_DATA_DIR=… make lab`
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert {p.name: p.read_bytes() for p in FIGURES_DIR.iterdir()} == tracked  # the repository's figures untouched
    written = sorted(p.name for p in (data / "figures").iterdir())
    expected = {"01": ["corpus_overview"], "02": ["keyness_by_era", "word_shift"], "03": ["topic_prevalence"],
                "04": ["dating"], "05": ["collocates", "compare", "periods"]}[path.name[:2]]
    assert written == sorted(f"{name}.{ext}" for name in expected for ext in ("csv", "pdf", "png", "svg"))
    for name in (name for name in expected if (shipped_report / f"{name}.csv").exists()):
        # the notebooks find what the report finds
        assert (data / "figures" / f"{name}.csv").read_bytes() == (shipped_report / f"{name}.csv").read_bytes(), name
