"""The package's folders show its architecture, and imports flow one way: the build knows
nothing of the services over it, and no service reaches into a service beside it except
through the layers below (a page may run a SPARQL query; a query never renders a page)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "agkg"

# what each layer may import from agkg, besides itself and the shared top-level modules
ALLOWED: dict[str, set[str]] = {
    "build": set(),
    "sparql": {"build"},
    "exports": {"build"},
    "wikidata": {"build", "sparql"},
    "web": {"build", "sparql"},
    "curation": {"build", "sparql"},
}
SHARED = {"vocab", "config", "errors", "progress", "__init__"}


def agkg_imports(path: Path) -> set[str]:
    """The agkg modules a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.split(".")[0] == "agkg"}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    wrong = {
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for module in agkg_imports(path)
        if (other := layer_of(module)) is not None and other != layer and other not in ALLOWED[layer]
    }
    assert not wrong, sorted(wrong)


def test_the_top_level_holds_only_shared_modules_and_the_command_line() -> None:
    top = {path.stem for path in PACKAGE.glob("*.py")}
    assert top <= SHARED | {"cli", "__main__"}, sorted(top - SHARED - {"cli", "__main__"})


def test_the_rule_sees_a_wrong_import(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from agkg.web.site import write_site\n", encoding="utf-8")
    assert "agkg.web.site" in agkg_imports(bad)
    assert layer_of("agkg.web.site") == "web" and "web" not in ALLOWED["build"]
