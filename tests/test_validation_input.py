"""``validate_dataset`` hands pyshacl-turbo the data as N-Triples text (parsed in Rust, no rdflib
copy); the results must be exactly those of validating the same triples as an rdflib Graph, on
data with and without violations."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from conftest import DATASET

from agkg.build.graph import build_dataset
from agkg.build.validation import (
    NTriplesData,
    load_shapes,
    to_rdflib,
    validate_dataset,
    validate_graph,
    validation_triples,
)
from agkg.config import load_config
from agkg.vocab import PROV

REPO = Path(__file__).resolve().parents[1]


def test_ntriples_input_gives_the_results_of_an_rdflib_graph() -> None:
    engine = "turbo"
    built = build_dataset(load_config(DATASET, {}))
    shapes = load_shapes(REPO / "shapes")[0]
    triples = validation_triples(built)
    # break it: drop every reference link of a few statements, so there are violations to report
    dropped = {t for t in triples if t.predicate == PROV.wasDerivedFrom}
    subjects = sorted({t.subject.value for t in dropped})[:3]
    edited = [t for t in triples if not (t in dropped and t.subject.value in subjects)]
    assert len(edited) < len(triples)
    for data in (triples, edited):
        ours = validate_graph(NTriplesData.of(data), shapes, engine, built.origins)
        reference = validate_graph(to_rdflib(data), shapes, engine, built.origins)
        assert ours.results == reference.results
        assert ours.conforms == reference.conforms
    assert any(r.severity == "violation" for r in ours.results)
    if engine == "turbo":
        assert (
            validate_dataset(built, shapes).results
            == validate_graph(to_rdflib(triples), shapes, "turbo", built.origins).results
        )


def test_empty_ntriples() -> None:
    assert NTriplesData.of([]).text == ""
    assert NTriplesData.of([ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("c"))]).text
