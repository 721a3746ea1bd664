"""Shapes rewritten for speed answer as they did before: the old and new text of each rewritten
SPARQL rule, run on the same generated data with mistakes put in for it to find, give the same
results field for field (the shape suite compares the new text with pySHACL and Jena)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest
import rdflib
from bench_modules import load_bench
from rdflib.namespace import SH

from agkg.build.graph import build_dataset
from agkg.build.validation import (
    NTriplesData,
    ValidationResult,
    load_shapes,
    validate_graph,
    validation_triples,
)
from agkg.config import load_config

REPO = Path(__file__).resolve().parent.parent
SHAPES = "https://w3id.org/agkg/shapes#"
WIKIBASE = "http://wikiba.se/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
BEST_RANK = ox.NamedNode(WIKIBASE + "BestRank")
RANK = ox.NamedNode(WIKIBASE + "rank")

# The rules as they were before the rewrite (shapes/agkg-shapes.ttl at wb13).
OLD = {
    "BestRankShape": """
            SELECT DISTINCT $this ?value (wikibase:rank AS ?path) WHERE {
                $this wikibase:rank ?value .
                FILTER NOT EXISTS { $this ?circumstances agkg:allegedly }
                ?property wikibase:claim ?p .
                ?subject ?p $this .
                BIND (EXISTS { $this rdf:type wikibase:BestRank } AS ?marked)
                BIND (EXISTS {
                    ?subject ?p ?other .
                    ?other wikibase:rank wikibase:PreferredRank .
                } AS ?preferredExists)
                BIND (?value = wikibase:PreferredRank
                      || (?value = wikibase:NormalRank && !?preferredExists) AS ?best)
                FILTER (?marked != ?best)
            }""",
}


def _generator() -> ModuleType:
    return load_bench("generate")


def with_old_rules(shapes: rdflib.Graph) -> rdflib.Graph:
    """A copy of ``shapes`` with each rewritten rule's SPARQL replaced by its old text."""
    old = rdflib.Graph()
    for triple in shapes:
        old.add(triple)
    for name, text in OLD.items():
        constraints = list(old.objects(rdflib.URIRef(SHAPES + name), SH.sparql))
        assert len(constraints) == 1, name
        old.set((constraints[0], SH.select, rdflib.Literal(text)))
    return old


def with_mistakes(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The data with mistakes for the rule: best-rank marks taken off some statements and put
    on deprecated ones."""
    statements = sorted({t.subject for t in triples if t.predicate == RANK}, key=str)
    deprecated = {
        t.subject
        for t in triples
        if t.predicate == RANK and t.object == ox.NamedNode(WIKIBASE + "DeprecatedRank")
    }
    unmark = set(statements[::40])
    mistaken = [
        t for t in triples if not (t.predicate == RDF_TYPE and t.object == BEST_RANK and t.subject in unmark)
    ]
    mistaken += [ox.Triple(s, RDF_TYPE, BEST_RANK) for s in sorted(deprecated, key=str)[::3]]
    return mistaken


def keys(results: list[ValidationResult]) -> list[tuple[str, ...]]:
    return sorted(r.key() for r in results)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[NTriplesData, str]:
    folder = tmp_path_factory.mktemp("rewrites") / "project"
    _generator().generate_project(folder, triples=8000, seed=3)
    config = load_config(folder)
    built = build_dataset(config)
    return NTriplesData.of(with_mistakes(validation_triples(built))), config.base


def test_rewritten_rules_give_the_old_rules_results(data: tuple[NTriplesData, str]) -> None:
    text, base = data
    new, _ = load_shapes(REPO / "shapes", check=False, base=base)
    before = keys(validate_graph(text, with_old_rules(new)).results)
    after = keys(validate_graph(text, new).results)
    assert after == before
    # the mistakes were found, so the comparison is not between empty lists
    found = {shape for _, _, shape, *_ in after}
    assert {SHAPES + name for name in OLD} <= found
