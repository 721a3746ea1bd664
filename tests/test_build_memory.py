"""The built dataset held as N-Quads text (issue 18, memory): the same dataset as the quad
objects it replaced, the same data for the SHACL engine, and set aside while the engine runs.

A million ``ox.Quad`` objects took over 1 GB; the text takes a fifth of that. These tests pin
what the text must equal, so that the dumps and validation cannot drift from the objects'.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
from bench_modules import load_bench

from agkg.build import validation
from agkg.build.graph import BuiltDataset, build_dataset
from agkg.build.validation import (
    NTriplesData,
    load_shapes,
    validate_dataset,
    validate_graph,
    validation_triples,
)
from agkg.config import load_config

REPO = Path(__file__).resolve().parent.parent


def _generate() -> ModuleType:
    return load_bench("generate")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltDataset:
    project = _generate().generate_project(tmp_path_factory.mktemp("memory") / "p", triples=3000, seed=5)
    return build_dataset(load_config(project))


def test_nquads_are_the_sorted_unique_quads_and_the_union_their_triples(built: BuiltDataset) -> None:
    quads = built.quads
    lines = built.nquads.splitlines(keepends=True)
    assert lines == sorted(set(lines))
    assert [f"{q} .\n".encode() for q in quads] == lines
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    assert built.triples() == triples
    assert built.ntriples() == ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert built.counts.triples == len(triples) and built.counts.quads == len(quads)


def test_engine_text_is_what_the_triples_serialize_to_in_any_slice_size(
    built: BuiltDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not built.ntriples().isascii()  # the generator writes labels in Pashto, Arabic, Urdu
    expected = NTriplesData.of(validation_triples(built)).text
    schema = validation.schema_triples(built.vocabulary.triples)
    schema_text = ox.serialize(schema, format=ox.RdfFormat.N_TRIPLES) or b""
    for size in (1, 97, 1 << 20):  # slices ending mid-way through a multi-byte character's line
        monkeypatch.setattr(validation, "_SLICE_BYTES", size)
        assert NTriplesData.from_ntriples(built.ntriples(), schema_text).text == expected
    assert expected.isascii()


def test_validation_sets_the_nquads_aside_and_gives_them_back(
    built: BuiltDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    shapes, _ = load_shapes(load_config(REPO).shapes_dir, check=False)
    before = built.nquads
    held: list[int] = []
    engine = validation.run_engine

    def watched(data: NTriplesData, shapes_graph: object, name: str = "turbo") -> object:
        held.append(len(built.nquads))
        return engine(data, shapes_graph, name)  # type: ignore[arg-type]

    monkeypatch.setattr(validation, "run_engine", watched)
    report = validate_dataset(built, shapes)
    assert held == [0]  # the text was out of memory while the engine ran
    assert built.nquads == before
    monkeypatch.setattr(validation, "run_engine", engine)
    direct = validate_graph(NTriplesData.of(validation_triples(built)), shapes, "turbo", built.origins)
    assert [r.key() for r in report.results] == [r.key() for r in direct.results]
