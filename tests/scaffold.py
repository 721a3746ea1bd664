"""The skeleton every throw-away test project shares: its folders, the repository's ontology
and shapes, and its own corpus of article texts."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def scaffold_project(folder: Path, texts: dict[str, str]) -> dict[str, str]:
    """Make ``folder``'s data and corpus folders, copy in the ontology and shapes, write each
    text as ``corpus/<source>.txt``; return each source's sha256 for its sources entry."""
    for name in ("data/sources", "data/entities", "data/claims", "corpus"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    for name in ("ontology", "shapes"):
        shutil.copytree(REPO / name, folder / name, dirs_exist_ok=True)
    digests = {}
    for source, text in texts.items():
        (folder / "corpus" / f"{source}.txt").write_text(text, encoding="utf-8")
        digests[source] = hashlib.sha256(text.encode()).hexdigest()
    return digests
