"""The layering rules of DESIGN.md, checked on every import in ``src/attunement``.

``domain`` imports nothing of the project; ``content``, ``nlp`` and
``personalize`` import only ``domain``; ``services`` is the one layer that
touches ``store``; interfaces (``cli``, ``web``) call ``services`` and may
name ``domain`` types to show them. ``config`` and ``errors`` are shared by all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "attunement"
SHARED = {"config", "errors"}
ALLOWED = {
    "domain": set(),
    "content": {"domain"},
    "nlp": {"domain"},
    "personalize": {"domain"},
    "store": {"domain"},
    "services": {"domain", "content", "nlp", "personalize", "store"},
    "cli": {"domain", "services"},
    "web": {"domain", "services"},
    "__init__": {"coach", "services"},
    "coach": {"domain", "services"},
    "__main__": {"cli"},
    "config": set(),
    "errors": set(),
}


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _project_imports(path: Path) -> set[str]:
    """The top-level ``attunement`` subpackages a module imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module + "." + alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "attunement" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(module: Path) -> None:
    layer = _layer(module)
    assert layer in ALLOWED, f"{layer} is a new layer: add its rule to DESIGN.md and this test"
    imported = _project_imports(module) - SHARED - {layer, "__version__"}
    forbidden = imported - ALLOWED[layer]
    assert not forbidden, f"{module.relative_to(PACKAGE)} imports {sorted(forbidden)}"


def test_runtime_code_never_imports_torch() -> None:
    for module in MODULES:
        text = module.read_text(encoding="utf-8")
        assert "import torch" not in text, module
