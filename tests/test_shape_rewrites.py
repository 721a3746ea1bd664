"""Shapes rewritten for speed answer as they did before: the old and new text of each rewritten
SPARQL rule, run on the same generated data with mistakes put in for it to find, give the same
results field for field (the shape suite compares the new text with pySHACL and Jena). A
variant of each rule with a changed meaning gives other results on the same data, so the
comparison can fail."""

from __future__ import annotations

from dataclasses import dataclass
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
AGKG = "https://w3id.org/agkg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
BEST_RANK = ox.NamedNode(WIKIBASE + "BestRank")
RANK = ox.NamedNode(WIKIBASE + "rank")


@dataclass(frozen=True)
class Rewrite:
    """One rewritten rule: its shape, a line only its constraint has (a shape may have several),
    its text before the rewrite, and a change to the new text that alters its meaning."""

    shape: str
    marker: str
    old: str
    mutation: tuple[str, str]


# The rules as they were before their rewrite (BestRankShape at wb13, AllegationShape at a0afdea).
REWRITES = [
    Rewrite(
        "BestRankShape",
        "?preferredExists",
        """
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
        ("?other wikibase:rank wikibase:PreferredRank", "?other wikibase:rank wikibase:NormalRank"),
    ),
    Rewrite(
        "AllegationShape",
        "?subject ?path ?value .",
        """
            SELECT DISTINCT $this ?path ?value WHERE {
                $this pq:sourcingCircumstances agkg:allegedly .
                ?subject ?p $this .
                ?property wikibase:claim ?p ;
                    wikibase:statementProperty ?ps ;
                    wikibase:directClaim ?path .
                $this ?ps ?value .
                ?subject ?path ?value .
                OPTIONAL {
                    ?subject ?p ?other .
                    ?other ?ps ?value ;
                        rdf:type wikibase:BestRank .
                    FILTER (?other != $this)
                }
                FILTER (!BOUND(?other))
            }""",
        ("FILTER (?other != $this)", ""),
    ),
]


def _generator() -> ModuleType:
    return load_bench("generate")


def _constraint(shapes: rdflib.Graph, rewrite: Rewrite) -> rdflib.term.Node:
    """The constraint node of ``rewrite`` in ``shapes``."""
    found = [
        c
        for c in shapes.objects(rdflib.URIRef(SHAPES + rewrite.shape), SH.sparql)
        if rewrite.marker in str(shapes.value(c, SH.select))
    ]
    assert len(found) == 1, rewrite.shape
    return found[0]


def with_rules(shapes: rdflib.Graph, texts: dict[Rewrite, str]) -> rdflib.Graph:
    """A copy of ``shapes`` with the SPARQL of each rewritten rule in ``texts`` replaced."""
    copy = rdflib.Graph()
    for triple in shapes:
        copy.add(triple)
    for rewrite, text in texts.items():
        copy.set((_constraint(copy, rewrite), SH.select, rdflib.Literal(text)))
    return copy


def with_mistakes(triples: list[ox.Triple], base: str) -> list[ox.Triple]:
    """The data with mistakes for the rewritten rules to find.

    BestRankShape: best-rank marks taken off some statements and put on deprecated ones.
    AllegationShape: truthy triples put beside alleged statements; for some of them another
    best-ranked statement of the same value is added (which makes the truthy triple right), and
    others are marked best-ranked themselves (which does not)."""
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

    circumstances = ox.NamedNode(base + "prop/qualifier/sourcingCircumstances")
    alleged = sorted({t.subject for t in triples if t.predicate == circumstances}, key=str)
    links = {t.object: t for t in triples if t.predicate.value.rsplit("/", 1)[0] == base + "prop"}
    values = {
        t.subject: t
        for t in triples
        if t.predicate.value.startswith(base + "prop/statement/") and t.subject in links
    }
    for number, statement in enumerate(alleged):
        link, value = links[statement], values[statement]
        name = link.predicate.value.rsplit("/", 1)[1]
        mistaken.append(ox.Triple(link.subject, ox.NamedNode(base + "prop/direct/" + name), value.object))
        if number % 3 == 1:
            other = ox.NamedNode(f"{statement.value}-rival")
            mistaken += [
                ox.Triple(link.subject, link.predicate, other),
                ox.Triple(other, value.predicate, value.object),
                ox.Triple(other, RDF_TYPE, BEST_RANK),
            ]
        elif number % 3 == 0:
            mistaken.append(ox.Triple(statement, RDF_TYPE, BEST_RANK))
    return mistaken


def keys(results: list[ValidationResult]) -> list[tuple[str, ...]]:
    return sorted(r.key() for r in results)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[NTriplesData, str]:
    folder = tmp_path_factory.mktemp("rewrites") / "project"
    _generator().generate_project(folder, triples=8000, seed=3)
    config = load_config(folder)
    built = build_dataset(config)
    return NTriplesData.of(with_mistakes(validation_triples(built), config.base)), config.base


@pytest.fixture(scope="module")
def shapes(data: tuple[NTriplesData, str]) -> rdflib.Graph:
    graph, _ = load_shapes(REPO / "shapes", check=False, base=data[1])
    return graph


@pytest.fixture(scope="module")
def after(data: tuple[NTriplesData, str], shapes: rdflib.Graph) -> list[tuple[str, ...]]:
    return keys(validate_graph(data[0], shapes).results)


def test_rewritten_rules_give_the_old_rules_results(
    data: tuple[NTriplesData, str], shapes: rdflib.Graph, after: list[tuple[str, ...]]
) -> None:
    before = keys(validate_graph(data[0], with_rules(shapes, {r: r.old for r in REWRITES})).results)
    assert after == before
    # the mistakes were found, so the comparison is not between empty lists
    found = {shape for _, _, shape, *_ in after}
    assert {SHAPES + r.shape for r in REWRITES} <= found


@pytest.mark.parametrize("rewrite", REWRITES, ids=lambda r: r.shape)
def test_a_changed_rule_is_told_apart(
    rewrite: Rewrite, data: tuple[NTriplesData, str], shapes: rdflib.Graph, after: list[tuple[str, ...]]
) -> None:
    new = str(shapes.value(_constraint(shapes, rewrite), SH.select))
    assert rewrite.mutation[0] in new
    changed = new.replace(*rewrite.mutation)
    assert keys(validate_graph(data[0], with_rules(shapes, {rewrite: changed})).results) != after


# ------------------------------------------------------------------ the generated qualifier shapes

STATEMENT_QUALIFIERS = rdflib.URIRef(SHAPES + "StatementQualifiers")
AGKG_STATEMENT = rdflib.URIRef(AGKG + "Statement")


def with_targets_on_each(
    shapes: rdflib.Graph, target: rdflib.URIRef, value: rdflib.URIRef | None
) -> rdflib.Graph:
    """``shapes`` with the qualifier shapes targeted one by one (``target`` ``value``, or the
    shape's own qualifier when ``value`` is None) instead of through StatementQualifiers."""
    copy = rdflib.Graph()
    for triple in shapes:
        if triple[0] != STATEMENT_QUALIFIERS:
            copy.add(triple)
    for shape in shapes.objects(STATEMENT_QUALIFIERS, SH.property):
        copy.add((shape, target, value if value is not None else shapes.value(shape, SH.path)))
    return copy


def with_qualifier_mistakes(triples: list[ox.Triple], base: str) -> list[ox.Triple]:
    """Qualifiers of the wrong form on some statements, and one on a reference (which is not a
    statement, so no qualifier shape looks at it)."""
    approximate = ox.NamedNode(base + "prop/qualifier/approximate")
    point_in_time = ox.NamedNode(base + "prop/qualifier/pointInTime")
    statements = sorted({t.subject for t in triples if t.predicate == RANK}, key=str)
    references = sorted(
        {t.object for t in triples if t.predicate.value == "http://www.w3.org/ns/prov#wasDerivedFrom"},
        key=str,
    )
    return [
        *triples,
        *(ox.Triple(s, approximate, ox.Literal("perhaps")) for s in statements[::50]),
        *(ox.Triple(s, point_in_time, ox.Literal("last spring")) for s in statements[7::50]),
        ox.Triple(references[0], approximate, ox.Literal("perhaps")),
    ]


def test_qualifier_shapes_through_one_node_shape_give_the_old_results(
    data: tuple[NTriplesData, str], shapes: rdflib.Graph
) -> None:
    text = NTriplesData.of(
        with_qualifier_mistakes(list(ox.parse(data[0].text.encode(), format=ox.RdfFormat.N_TRIPLES)), data[1])
    )
    assert len(set(shapes.objects(STATEMENT_QUALIFIERS, SH.property))) >= 10
    after = keys(validate_graph(text, shapes).results)
    before = keys(validate_graph(text, with_targets_on_each(shapes, SH.targetClass, AGKG_STATEMENT)).results)
    assert after == before
    found = {(shape, path) for _, path, shape, *_ in after}
    assert (SHAPES + "ApproximateQualifierShape", data[1] + "prop/qualifier/approximate") in found
    assert (SHAPES + "PointInTimeQualifierShape", data[1] + "prop/qualifier/pointInTime") in found
    # targeting the subjects of each qualifier instead would look at the reference too
    changed = keys(validate_graph(text, with_targets_on_each(shapes, SH.targetSubjectsOf, None)).results)
    assert changed != after
