"""The benchmark generator: its claim files load cleanly, and the same seed gives the same bytes.

No timings are asserted here: benchmarks live in bench/ and report to bench/RESULTS.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

import pytest
from bench_modules import load_bench

from agkg.build.graph import build_dataset
from agkg.config import load_config

REPO = Path(__file__).resolve().parent.parent


def _module(name: str) -> ModuleType:
    return load_bench(name)


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    return _module("generate")


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_generated_project_builds_with_every_feature(generate: ModuleType, tmp_path: Path) -> None:
    project = generate.generate_project(tmp_path / "p", triples=3000, seed=7)
    built = build_dataset(load_config(project))
    assert not built.warnings
    counts = built.counts
    # the property entities are a fixed part, whatever the size
    properties = sum(1 for q in built.quads if q.graph_name == built.iris.properties_graph)
    assert 2000 < counts.triples - properties < 4500
    claims = built.data.claims
    assert len({c.source for c in claims}) >= 4
    assert counts.statements < counts.claims  # some facts corroborated by several sources
    assert any(len(s) > 1 for s in built.provenance.statement_sources.values())
    assert any(c.rank == "deprecated" and c.better_supported_by for c in claims)
    assert any(c.attributed_to for c in claims)
    assert any(c.qualifiers for c in claims)
    assert any(len(e.labels) > 1 for e in built.data.entities.values())
    assert any(e.aliases for e in built.data.entities.values())
    assert any(r.anchor is not None for r in built.provenance.references.values())
    assert any(s.relays for s in built.data.sources.values())


def test_same_seed_same_bytes(generate: ModuleType, tmp_path: Path) -> None:
    first = tree_digest(generate.generate_project(tmp_path / "a", triples=2000, seed=3))
    second = tree_digest(generate.generate_project(tmp_path / "b", triples=2000, seed=3))
    other = tree_digest(generate.generate_project(tmp_path / "c", triples=2000, seed=4))
    assert first == second
    assert first != other


def test_results_file_keeps_other_sections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _module("run")
    target = tmp_path / "RESULTS.md"
    target.write_text(
        "# Benchmark results\n\n## Validation\n\ntheirs\n\n## Pipeline\n\nOLDTEXT\n\n## Other\n\nkept\n"
    )
    monkeypatch.setattr(run, "RESULTS_MD", target)
    monkeypatch.setattr(run, "RESULTS", tmp_path / "none")
    run.render_results()
    text = target.read_text()
    assert "theirs" in text and "kept" in text and "OLDTEXT" not in text
    assert text.count("## Pipeline") == 1 and "## Incremental" in text


def test_shape_profile_gives_every_generated_shape_a_kind() -> None:
    """``shape_profile.py --kinds`` times the generated claim shapes by kind; a shape the
    generator names in a new way would fall into no group and go unmeasured."""
    import rdflib
    from rdflib.namespace import SH

    profile = _module("shape_profile")
    claims = rdflib.Graph().parse(REPO / "shapes" / "agkg-claims.ttl")
    generated = {s for p in profile.TARGETS for s in claims.subjects(p, None)}
    kinds = {profile.kind_of(s) for s in generated}
    assert "other" not in kinds
    assert {"ValueShape", "FullValueShape", "LinkShape", "StatementQualifiers"} <= kinds
    assert profile.kind_of(rdflib.URIRef(str(SH) + "AbductedCountFullValueShape")) == "FullValueShape"
