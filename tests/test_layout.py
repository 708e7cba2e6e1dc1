"""The layout shows the pipeline: each module imports only the modules before it."""

from __future__ import annotations

import ast

from .conftest import REPO

ORDER = [
    "errors", "config", "files", "manifest", "memory", "periods", "study", "arrays", "spill", "tokencache",
    "speechcache", "extract", "load", "clean", "lexicon", "segment", "features", "keyness", "kwic", "collocates",
    "breaks", "topics", "dating", "speechmap", "markers", "compare", "plots", "htmlpage", "explore", "manage",
    "report", "cli", "__init__", "__main__",
]
PACKAGE = REPO / "src" / "corpus"


def _imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("corpus."):
            found.add(node.module.split(".")[1])
    return found


def test_every_module_is_placed():
    assert sorted(p.stem for p in PACKAGE.glob("*.py")) == sorted(ORDER)


def test_each_module_imports_only_modules_to_its_left():
    wrong = {
        module: sorted(name for name in _imports(module) if ORDER.index(name) >= ORDER.index(module))
        for module in ORDER
    }
    assert {module: names for module, names in wrong.items() if names} == {}
