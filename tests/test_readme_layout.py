"""README's Layout table names every module of the library, so a new module is never undocumented."""

from __future__ import annotations

from pathlib import Path


def test_layout_lists_every_module(repo: Path) -> None:
    readme = (repo / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :]
    layout = layout[: layout.index("\n## ")]
    package = repo / "src" / "agkg"
    modules = [p.name for p in package.glob("*.py") if not p.name.startswith("__")]
    folders = [p.name for p in package.iterdir() if p.is_dir() and not p.name.startswith("__")]
    missing = [m for m in modules if f"`src/agkg/{m}`" not in layout and f"`{m}`" not in layout]
    missing += [f"{f}/" for f in folders if f"`src/agkg/{f}/`" not in layout]
    assert not missing, f"README's Layout table does not list: {', '.join(sorted(missing))}"
