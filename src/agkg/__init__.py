"""agkg — the Armed Groups Knowledge Graph.

Curated claims from news reporting about armed groups, published as RDF with Wikidata-style
statements and references that point at the quoted words.
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"


def code_files() -> list[Path]:
    """agkg's own Python files, every subpackage included: caches and stores fingerprint them,
    so an upgrade or a development edit never reuses what older code built."""
    return sorted(Path(__file__).parent.rglob("*.py"))
