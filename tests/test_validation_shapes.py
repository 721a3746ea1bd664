"""The shape suite: data-driven, like the W3C SHACL test suite.

Each ``tests/shapes/<case>.ttl`` starts from ``base.ttl`` (a conforming graph), adds the
triples of its Turtle body and removes its ``# remove:`` lines; its ``# expect:`` lines list
every result the shapes must give (``Shape path Severity``, ``-`` for no path), and a case with
none must conform. The same cases run through pySHACL (the reference), pyshacl-turbo (the
engine agkg uses below millions of triples) and agkg's Jena engine (Apache Jena's SHACL), which
must agree.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import SH

from agkg.build.jena import find_jena
from agkg.build.ontology import load_vocabulary
from agkg.build.validation import (
    SHAPES_NAMESPACE,
    ValidationReport,
    check_shapes,
    load_shapes,
    schema_triples,
    to_rdflib,
    validate_graph,
)

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "shapes"
BASE = CASES / "base.ttl"
SEVERITIES = {"Violation": "violation", "Warning": "warning", "Info": "info"}
PREFIXES = "".join(line + "\n" for line in BASE.read_text().splitlines() if line.startswith("@prefix"))
NAMESPACES = dict(re.findall(r"@prefix\s+(\w+):\s+<([^>]+)>", PREFIXES))


@dataclass(frozen=True)
class Case:
    name: str
    graph: rdflib.Graph
    expected: Counter[tuple[str, str, str]]


def expand(curie: str) -> str:
    if curie == "-":
        return ""
    prefix, local = curie.split(":", 1)
    return NAMESPACES[prefix] + local


def case_names() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.ttl"))


@cache
def ontology() -> rdflib.Graph:
    return to_rdflib(schema_triples(load_vocabulary(REPO / "ontology").triples))


@cache
def shapes() -> rdflib.Graph:
    return load_shapes(REPO / "shapes")[0]


def load_case(name: str) -> Case:
    """The case's data graph (without the ontology) and its expected results."""
    text = (CASES / f"{name}.ttl").read_text(encoding="utf-8")
    graph = rdflib.Graph().parse(BASE)
    expected: Counter[tuple[str, str, str]] = Counter()
    removals = []
    for line in text.splitlines():
        if line.startswith("# remove:"):
            removals.append(line.removeprefix("# remove:"))
        elif line.startswith("# expect:"):
            shape, path, severity = line.removeprefix("# expect:").split()
            expected[(SHAPES_NAMESPACE + shape, expand(path), SEVERITIES[severity])] += 1
    if name != "base":
        for triple in rdflib.Graph().parse(data=PREFIXES + "\n".join(removals), format="turtle"):
            assert triple in graph, f"{name}: removes {triple}, which base.ttl does not have"
            graph.remove(triple)
        graph += rdflib.Graph().parse(data=PREFIXES + text, format="turtle")
    return Case(name, graph, expected)


def results_of(report: ValidationReport) -> Counter[tuple[str, str, str]]:
    return Counter((r.shape or "", r.path or "", r.severity) for r in report.results)


def validate_case(case: Case, engine: str) -> ValidationReport:
    return validate_graph(case.graph + ontology(), shapes(), engine)


def test_the_suite_has_conforming_and_violating_cases() -> None:
    cases = [load_case(n) for n in case_names()]
    assert sum(1 for c in cases if not c.expected) >= 5
    assert sum(1 for c in cases if c.expected) >= 40


def test_every_hand_written_shape_has_a_violating_case() -> None:
    """Every named shape in the hand-written shape files that can produce a result is exercised."""
    graph = rdflib.Graph()
    for path in sorted((REPO / "shapes").glob("*.ttl")):
        if path.name != "agkg-claims.ttl":  # generated from the ontology
            graph.parse(path)
    checking = {
        str(s)
        for s in set(graph.subjects(rdflib.RDF.type, SH.PropertyShape))
        | set(graph.subjects(SH.sparql, None))
        | {s for s in graph.subjects(rdflib.RDF.type, SH.NodeShape) if (s, SH["or"], None) in graph}
        if isinstance(s, rdflib.URIRef)
    }
    exercised = {shape for name in case_names() for shape, _, _ in load_case(name).expected}
    assert checking - exercised == set()


@pytest.mark.parametrize("name", case_names())
def test_case_gives_exactly_the_expected_results(name: str) -> None:
    case = load_case(name)
    report = validate_case(case, "turbo")
    assert results_of(report) == case.expected
    assert report.conforms == (not any(s == "violation" for _, _, s in case.expected))


MINTED = ("id/", "statement/", "reference/", "source/", "value/")


def rename(term: rdflib.term.Node, name: str) -> rdflib.term.Node:
    """Give a case's minted IRIs a case-specific form, so all cases fit in one graph."""
    if isinstance(term, rdflib.URIRef):
        for kind in MINTED:
            prefix = "https://w3id.org/agkg/" + kind
            if term.startswith(prefix):
                return rdflib.URIRef(f"{prefix}{name}--{term[len(prefix) :]}")
    return term


@cache
def all_cases(names: tuple[str, ...] | None = None) -> rdflib.Graph:
    """Every case (or the cases named) in one graph, minted IRIs renamed per case, plus the
    ontology: one engine run checks them all, which matters for pySHACL (seconds a case) and
    Jena (a JVM a run)."""
    graph = rdflib.Graph()
    for name in case_names() if names is None else names:
        for s, p, o in load_case(name).graph:
            graph.add((rename(s, name), rename(p, name), rename(o, name)))
    return graph + ontology()


# pySHACL runs each SPARQL-based constraint as a query per focus node over the whole graph, so
# its time grows with cases x graph size: all cases at once took over 15 minutes, batches of
# this many take a fraction of that with the same comparison.
PYSHACL_BATCH = 8


def test_the_merged_cases_give_the_union_of_their_results() -> None:
    """Renaming keeps the cases apart: the merged graph gives each case's results, no more."""
    merged = results_of(validate_graph(all_cases(), shapes(), "turbo"))
    assert merged == sum((load_case(name).expected for name in case_names()), Counter())


@pytest.mark.parametrize("batch", range(0, len(case_names()), PYSHACL_BATCH))
def test_turbo_and_pyshacl_agree_result_for_result(batch: int) -> None:
    """Focus, path, shape, severity, constraint component, value and message all agree."""
    graph = all_cases(tuple(case_names()[batch : batch + PYSHACL_BATCH]))
    turbo = sorted(r.key() for r in validate_graph(graph, shapes(), "turbo").results)
    reference = sorted(r.key() for r in validate_graph(graph, shapes(), "pyshacl").results)
    assert turbo == reference


def test_shapes_conform_to_shacl_shacl_in_pyshacl_and_turbo() -> None:
    import pyshacl

    conforms, _, text = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes(), meta_shacl=True)
    assert conforms, text
    assert check_shapes(shapes()) == []


# ----------------------------------------------------------------------------- Jena

needs_jena = pytest.mark.skipif(
    find_jena() is None and not os.environ.get("CI"),
    reason="Java or Apache Jena is not installed (apt-get install -y default-jdk-headless "
    "libapache-jena-java); CI runs it",
)


@needs_jena
def test_jena_agrees_with_turbo_on_every_case() -> None:
    """agkg's Jena engine (Apache Jena's shacl in a Java process, its report read back) gives
    the same results as turbo on all cases: focus node, path, shape, severity, constraint
    component, value and message."""
    assert find_jena() is not None, "CI must have Jena: .ci/run installs libapache-jena-java"
    jena = validate_graph(all_cases(), shapes(), "jena")
    assert jena.engine == "jena"
    ours = validate_graph(all_cases(), shapes(), "turbo").results
    assert sorted(r.key() for r in jena.results) == sorted(r.key() for r in ours)
    # and so the two agree on the conformance of every case
    for name in case_names():
        marker = f"{name}--"
        assert any(marker in r.focus for r in jena.results) == bool(load_case(name).expected), name
