"""Regenerate shapes/agkg-claims.ttl from the ontology: ``python shapes/generate.py``."""

from __future__ import annotations

from pathlib import Path

from agkg.build.ontology import load_vocabulary
from agkg.build.validation import render_claim_shapes

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    vocabulary = load_vocabulary(HERE.parent / "ontology")
    (HERE / "agkg-claims.ttl").write_text(render_claim_shapes(vocabulary), encoding="utf-8")
