"""A non-editable install works anywhere: resources ship inside the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv

from .conftest import DATA_DIR, FIGURES_DIR, REPO


def test_a_wheel_in_a_fresh_venv_runs_the_report_outside_the_repository(tmp_path):
    project = tmp_path / "project"  # build from a copy: nothing is written into the repository
    shutil.copytree(REPO / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, project / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(project)], check=True)
    wheel = next((tmp_path / "dist").glob("corpus-*.whl"))
    resources = {"corpus/resources/lexicon.tsv", "corpus/resources/stopwords.txt", "corpus/resources/era_markers.csv"}
    assert resources <= set(
        subprocess.run([sys.executable, "-m", "zipfile", "-l", str(wheel)], capture_output=True, text=True,
                       check=True).stdout.split())

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    # The dependencies come from this environment (a path, not its .pth files: our editable corpus stays out).
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / "venv" / site.split(str(env_dir) + "/", 1)[1] / "deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n")

    data = tmp_path / "work" / "speeches"
    shutil.copytree(DATA_DIR, data)
    env = {**os.environ, "CORPUS_CACHE_DIR": str(tmp_path / "cache"), "MPLBACKEND": "Agg"}
    where = subprocess.run([str(python), "-c", "import corpus; print(corpus.__file__)"], capture_output=True,
                           text=True, check=True, env=env, cwd=tmp_path / "work").stdout
    assert where.startswith(str(env_dir)), where
    run = subprocess.run([str(env_dir / "bin" / "corpus"), "report", "--data", "speeches", "--out", "out"],
                         capture_output=True, text=True, env=env, cwd=tmp_path / "work")
    assert run.returncode == 0, run.stderr
    assert "segmented 5, cached 0" in run.stderr
    # Same lexicon and markers as the repository's: the same tables.
    for name in ("keyness_by_era.csv", "dating.csv", "documents.csv"):
        assert (tmp_path / "work" / "out" / name).read_bytes() == (FIGURES_DIR / name).read_bytes(), name
