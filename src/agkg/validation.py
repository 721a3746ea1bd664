"""SHACL validation of a built dataset, with each result traced back to the input line.

pySHACL runs on an rdflib Graph: ENGINES.md found that pySHACL given a pyoxigraph store reports
false ``sh:in`` violations, so we hand it the plain graph it was written for. The ontology is
passed as pySHACL's ontology graph so ``sh:targetClass`` sees subclasses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH as RSH

from .errors import ConfigurationError, Position
from .graph import BuiltDataset

SEVERITY_NAMES = {RSH.Violation: "violation", RSH.Warning: "warning", RSH.Info: "info"}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with where in the input the focus node came from."""

    severity: str
    focus: str
    path: str | None
    shape: str | None
    constraint: str | None
    message: str
    value: str | None
    origins: tuple[Position, ...] = ()


@dataclass
class ValidationReport:
    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    report_turtle: str = ""

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> int:
        return self.count("violation")


def load_shapes(shapes_dir: Path) -> tuple[rdflib.Graph, list[ox.Triple]]:
    """Every ``*.ttl`` in ``shapes_dir``, as an rdflib graph and as sorted triples for publishing."""
    files = sorted(shapes_dir.glob("*.ttl"))
    if not files:
        raise ConfigurationError(f"no shapes: {shapes_dir} has no .ttl file")
    triples: set[ox.Triple] = set()
    for path in files:
        try:
            triples.update(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        except SyntaxError as error:
            raise ConfigurationError(f"{path}: {error}") from error
    return to_rdflib(triples), sorted(triples, key=str)


def to_rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """Copy triples into an rdflib Graph through N-Triples (the fastest route rdflib offers)."""
    graph = rdflib.Graph()
    data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def validate_dataset(built: BuiltDataset, shapes: rdflib.Graph) -> ValidationReport:
    """Validate the union of the dataset's graphs against ``shapes``."""
    from pyshacl import validate  # imported here: it is slow to import and only this needs it

    data_graph = to_rdflib(built.triples())
    ontology_graph = to_rdflib(built.vocabulary.triples)
    conforms, report_graph, _ = validate(
        data_graph,
        shacl_graph=shapes,
        ont_graph=ontology_graph,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    # property shapes are mostly blank nodes: name the node shape that holds them instead
    owners = {ps: ns for ns, ps in shapes.subject_objects(RSH.property)}
    owners.update({c: ns for ns, c in shapes.subject_objects(RSH.sparql)})
    results = []
    for result in report_graph.subjects(rdflib.RDF.type, RSH.ValidationResult):
        source_shape = report_graph.value(result, RSH.sourceShape)
        if isinstance(source_shape, rdflib.BNode) and source_shape in owners:
            source_shape = owners[source_shape]

        def one(predicate: rdflib.URIRef, result: rdflib.term.Node = result) -> str | None:
            value = report_graph.value(result, predicate)
            return None if value is None else str(value)

        focus = one(RSH.focusNode) or ""
        severity = report_graph.value(result, RSH.resultSeverity)
        results.append(
            ValidationResult(
                severity=SEVERITY_NAMES.get(severity, str(severity)),
                focus=focus,
                path=one(RSH.resultPath),
                shape=None if source_shape is None else str(source_shape),
                constraint=one(RSH.sourceConstraintComponent),
                message=one(RSH.resultMessage) or "",
                value=one(RSH.value),
                origins=tuple(built.origins.get(focus, ())),
            )
        )
    results.sort(key=lambda r: (r.origins[:1], r.focus, r.shape or "", r.path or "", r.message))
    return ValidationReport(
        conforms=bool(conforms),
        results=results,
        report_turtle=report_graph.serialize(format="turtle"),
    )
