"""``agkg validate`` end to end: rules broken in a copy of the project are reported at the claim
file and line, in every format, with the documented exit codes (0 conforms, 1 violations,
2 bad input or broken shapes).

Rules the loader already enforces cannot be broken through YAML; for those the dataset is built
and then edited (triples removed or added) before validating, and the result must still point
at the claim that produced the edited node.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from conftest import DATASET, project_source

from agkg.build.dates import TimeValue, wikibase_time
from agkg.build.graph import BuiltDataset, build_dataset
from agkg.build.ontology import load_vocabulary
from agkg.build.validation import (
    NTriplesData,
    load_shapes,
    render_claim_shapes,
    render_report,
    schema_triples,
    to_rdflib,
    validate_graph,
    validation_triples,
)
from agkg.build.wikibase import time_literal, time_node
from agkg.cli import cli
from agkg.config import load_config
from agkg.errors import ConfigurationError, Position
from agkg.vocab import AGKG, PROV, RDFS, SKOS, WIKIBASE

REPO = Path(__file__).resolve().parents[1]
CLAIMS = "data/claims/siddiqui-2021.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project (data, ontology, shapes, settings) to break."""
    for folder in ("data", "ontology", "shapes", "schema"):
        if project_source(folder).is_dir():
            shutil.copytree(project_source(folder), tmp_path / folder)
    shutil.copy(REPO / "agkg.toml", tmp_path / "agkg.toml")
    corpus = REPO.parent / "shared" / "corpus"
    text = (tmp_path / "agkg.toml").read_text()
    (tmp_path / "agkg.toml").write_text(text.replace('"../shared/corpus"', json.dumps(str(corpus))))
    return tmp_path


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--project", str(project), "validate", *args])
    return result.exit_code, result.stdout, result.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    """1-based line of the claim item ('  - ...') that holds ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if text in line)
    while not lines[index].lstrip().startswith("- "):
        index -= 1
    return index + 1


def event_after_publication(project: Path) -> int:
    """Date the fall of Kabul after the article that reports it; the claim's line."""
    claims = project / CLAIMS
    edit(
        claims,
        "    property: eventDate\n    value: 2021-08-15\n    quote: 'the Taliban gained control of Kabul on August 15'\n",
        "    property: eventDate\n    value: 2021-09-15\n    quote: 'the Taliban gained control of Kabul on August 15'\n",
    )
    return line_of(claims, "value: 2021-09-15")


# ----------------------------------------------------------------------------- the real data


def test_the_curated_data_conforms(project: Path) -> None:
    code, out, err = run(project)
    assert code == 0, out + err
    assert "0 violations, 0 warnings" in err
    assert "info: no Wikidata id yet: reconcile this entity (WikidataMissingShape, agkg:wikidataId)" in out


def test_strict_passes_on_notes_alone(project: Path) -> None:
    assert run(project, "--strict")[0] == 0


def test_generated_claim_shapes_are_current() -> None:
    vocabulary = load_vocabulary(REPO / "ontology")
    committed = (REPO / "shapes" / "agkg-claims.ttl").read_text(encoding="utf-8")
    assert committed == render_claim_shapes(vocabulary), "run: python shapes/generate.py"


def test_every_claim_property_and_qualifier_has_shapes() -> None:
    vocabulary = load_vocabulary(REPO / "ontology")
    shapes = load_shapes(REPO / "shapes")[0]
    paths = {str(o) for o in shapes.objects(None, rdflib.SH.path)}
    for name in vocabulary.claim_properties:
        assert f"https://w3id.org/agkg/prop/statement/{name}" in paths
        assert f"https://w3id.org/agkg/prop/direct/{name}" in paths
    for name in vocabulary.qualifiers:
        assert f"https://w3id.org/agkg/prop/qualifier/{name}" in paths


def test_every_class_of_the_ontology_is_targeted() -> None:
    """Each class is a target or a subclass of one, so no node of the graph goes unchecked."""
    vocabulary = load_vocabulary(REPO / "ontology")
    shapes = load_shapes(REPO / "shapes")[0]
    targets = {str(o) for o in shapes.objects(None, rdflib.SH.targetClass)}
    for name, ancestors in vocabulary.superclasses.items():
        if name in ("ClaimProperty", "QualifierProperty", "ReferenceProperty"):
            continue  # ontology terms, not data
        assert ancestors & targets, f"agkg:{name} is not targeted by any shape"


# ----------------------------------------------------------------------------- via the YAML


def test_event_after_publication_points_at_the_claim_in_every_format(project: Path) -> None:
    line = event_after_publication(project)
    expected = (
        f"{CLAIMS}:{line}: the event is dated 2021-09-15, after the publication of every source "
        "that reports it (EventBeforePublicationShape, ps:eventDate)"
    )
    code, out, err = run(project)
    assert code == 1
    assert expected in out.splitlines()
    assert "1 violations" in err

    code, out, _ = run(project, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False
    [violation] = [r for r in report["results"] if r["severity"] == "violation"]
    assert (violation["file"], violation["line"]) == (CLAIMS, line)
    assert (violation["shape"], violation["path"]) == ("EventBeforePublicationShape", "ps:eventDate")

    code, out, _ = run(project, "--format", "github")
    assert code == 1
    errors = [x for x in out.splitlines() if x.startswith("::error ")]
    assert errors == [
        f"::error file={CLAIMS},line={line},col=5,title=agkg EventBeforePublicationShape::"
        "the event is dated 2021-09-15, after the publication of every source that reports it "
        "(EventBeforePublicationShape, ps:eventDate)"
    ]
    assert all(x.startswith("::notice ") for x in out.splitlines() if x not in errors)

    code, out, _ = run(project, "--format", "junit")
    assert code == 1
    root = ET.fromstring(out)
    failures = root.findall(".//failure")
    assert root.get("failures") == "1" and len(failures) == 1
    assert failures[0].get("type") == "violation"
    assert failures[0].text is not None and failures[0].text.startswith(f"{CLAIMS}:{line}: ")

    code, out, _ = run(project, "--format", "turtle")
    assert code == 1
    report_graph = rdflib.Graph().parse(data=out, format="turtle")
    assert (None, rdflib.SH.conforms, rdflib.Literal(False)) in report_graph
    assert (
        None,
        rdflib.SH.sourceShape,
        rdflib.URIRef("https://w3id.org/agkg/shapes#EventBeforePublicationShape"),
    ) in report_graph


def test_a_warning_passes_unless_strict(project: Path) -> None:
    """A claim attributed to a report its source no longer says it relays: a warning."""
    edit(project / "data/sources/corpus.yaml", "    relays: jadoon-mines-2021\n", "")
    code, out, _err = run(project)
    assert code == 0
    warnings = [x for x in out.splitlines() if ": warning: " in x]
    assert warnings and all("(AttributedSourceRelayedShape, pr:attributedTo)" in x for x in warnings)
    assert all(x.startswith("data/claims/what-is-isis-k-2021.yaml:") for x in warnings)
    code, out, _ = run(project, "--strict")
    assert code == 1
    code, out, _ = run(project, "--strict", "--format", "github")
    assert code == 1 and "::warning file=data/claims/what-is-isis-k-2021.yaml,line=" in out
    root = ET.fromstring(run(project, "--strict", "--format", "junit")[1])
    assert {f.get("type") for f in root.findall(".//failure")} == {"warning"}


def test_a_conforming_junit_report_has_a_passing_case(project: Path) -> None:
    root = ET.fromstring(run(project, "--format", "junit")[1])
    assert root.get("failures") == "0" and int(root.get("tests") or 0) > 0


# ----------------------------------------------------------------------------- exit code 2


def test_bad_yaml_is_exit_2(project: Path) -> None:
    edit(
        project / CLAIMS,
        "    property: eventDate\n    value: 2021-08-15\n    quote: 'the Taliban",
        "    property: eventDate\n    value: 2021-13-15\n    quote: 'the Taliban",
    )
    code, _, err = run(project)
    assert code == 2
    assert re.search(rf"{re.escape(CLAIMS)}:\d+:\d+: ", err)


def test_shapes_that_do_not_parse_are_exit_2(project: Path) -> None:
    (project / "shapes" / "broken.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\nthis is not turtle\n"
    )
    code, _, err = run(project)
    assert code == 2
    assert "broken.ttl" in err


def test_shapes_that_fail_shacl_shacl_are_exit_2(project: Path) -> None:
    (project / "shapes" / "broken.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ex: <https://example.org/> .\n"
        'ex:BadShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:minCount "one" .\n'
    )
    code, _, err = run(project)
    assert code == 2
    assert "SHACL-SHACL" in err and "https://example.org/BadShape" in err


def test_a_sparql_constraint_that_does_not_parse_is_exit_2(project: Path) -> None:
    (project / "shapes" / "broken.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ex: <https://example.org/> .\n"
        "ex:BadShape a sh:NodeShape ; sh:targetClass ex:Thing ;\n"
        '    sh:sparql [ sh:select "SELECT $this WHERE { $this ?p }" ] .\n'
    )
    code, _, err = run(project)
    assert code == 2, err


# ----------------------------------------------------------------------------- via the built graph


@pytest.fixture(scope="module")
def built() -> BuiltDataset:
    return build_dataset(load_config(DATASET, {}))


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes(REPO / "shapes")[0]


def statement_of(
    built: BuiltDataset, subject: str, prop: str, rank: str | None = None
) -> tuple[str, Position]:
    """A statement's IRI and the position of the (first) claim behind it."""
    for record in built.provenance.statements.values():
        if record.subject == subject and record.property == prop and (rank is None or record.rank == rank):
            return built.iris.statement(record.key).value, record.positions[0]
    raise AssertionError(f"no {prop} statement about {subject}")


def validate_edited(
    built: BuiltDataset,
    shapes: rdflib.Graph,
    remove: set[ox.Triple] = frozenset(),  # type: ignore[assignment]
    add: set[ox.Triple] = frozenset(),  # type: ignore[assignment]
) -> list[str]:
    triples = set(validation_triples(built))
    assert remove <= triples
    graph = to_rdflib((triples - remove) | add)
    report = validate_graph(graph, shapes, "turbo", built.origins)
    text = render_report(report, "text", built.iris.base)
    return [x for x in text.splitlines() if x and ": info: " not in x]


def test_a_statement_stripped_of_its_references(built: BuiltDataset, shapes: rdflib.Graph) -> None:
    iri, position = statement_of(built, "iskp", "inception", "normal")
    node = ox.NamedNode(iri)
    refs = {t for t in validation_triples(built) if t.subject == node and t.predicate == PROV.wasDerivedFrom}
    lines = validate_edited(built, shapes, remove=refs)
    assert lines == [
        f"{position.path}:{position.line}: statement has no reference (ReferenceShape, prov:wasDerivedFrom)"
    ]
    assert position.path.startswith("data/claims/")


def test_a_quote_emptied(built: BuiltDataset, shapes: rdflib.Graph) -> None:
    reference = next(iter(built.provenance.references.values()))
    quote = ox.NamedNode(built.iris.selector(reference.key, "quote").value)
    exact = {
        t for t in validation_triples(built) if t.subject == quote and t.predicate.value.endswith("#exact")
    }
    [old] = exact
    lines = validate_edited(
        built, shapes, remove=exact, add={ox.Triple(quote, old.predicate, ox.Literal(""))}
    )
    where = f"{reference.positions[0].path}:{reference.positions[0].line}"
    assert sorted(lines) == [
        f"{where}: a quote selector holds exactly one non-empty quote (ExactShape, oa:exact)",
        f"{where}: reference has no quote: it needs a quote selector with non-empty oa:exact text (QuoteShape, oa:hasSelector)",
    ]


def test_a_deprecated_statement_made_best(built: BuiltDataset, shapes: rdflib.Graph) -> None:
    iri, position = statement_of(built, "iskp", "inception", "deprecated")
    node = ox.NamedNode(iri)
    lines = validate_edited(
        built, shapes, add={ox.Triple(node, ox.NamedNode(rdflib.RDF.type), WIKIBASE.BestRank)}
    )
    where = f"{position.path}:{position.line}"
    assert [x.split(": ", 1)[0] for x in lines] == [where, where]
    assert "(BestRankShape, wikibase:rank)" in lines[0] + lines[1]
    assert "(BestRankTruthyShape, direct:inception)" in lines[0] + lines[1]


def test_a_truthy_triple_removed(built: BuiltDataset, shapes: rdflib.Graph) -> None:
    _iri, position = statement_of(built, "iskp", "inception", "normal")
    iskp = built.iris.entity("iskp")
    truthy = {
        t
        for t in validation_triples(built)
        if t.subject == iskp and t.predicate == built.iris.wb.direct.inception
    }
    lines = validate_edited(built, shapes, remove=truthy)
    assert lines and all(
        x.startswith(f"{position.path}:{position.line}: best-ranked statement without its truthy triple")
        for x in lines
    )


def test_a_label_repeated_as_alias(built: BuiltDataset, shapes: rdflib.Graph) -> None:
    iskp = built.iris.entity("iskp")
    entity = built.data.entities["iskp"]
    label = ox.Literal(entity.labels["en"], language="en")
    lines = validate_edited(built, shapes, add={ox.Triple(iskp, SKOS.altLabel, label)})
    assert lines == [
        f"{entity.position.path}:{entity.position.line}: the alias {entity.labels['en']} repeats the label "
        "in the same language: drop the alias (AliasShape, skos:altLabel)"
    ]


def test_a_second_label_in_one_language(built: BuiltDataset, shapes: rdflib.Graph) -> None:
    iskp = built.iris.entity("iskp")
    entity = built.data.entities["iskp"]
    extra = ox.Literal("ZZZ second label", language="en")
    lines = validate_edited(
        built, shapes, add={ox.Triple(iskp, RDFS.label, extra), ox.Triple(iskp, SKOS.prefLabel, extra)}
    )
    assert len(lines) == 1 and lines[0].startswith(
        f"{entity.position.path}:{entity.position.line}: two labels"
    )
    assert lines[0].endswith("(LabelShape, rdfs:label)")


def test_start_after_end_on_a_statement(built: BuiltDataset, shapes: rdflib.Graph) -> None:
    iri, position = statement_of(built, "iskp", "inception", "normal")
    node = ox.NamedNode(iri)
    wb = built.iris.wb
    start, end = time_node(wb, TimeValue("2020", "year")), time_node(wb, TimeValue("2019", "year"))
    lines = validate_edited(
        built,
        shapes,
        add={
            ox.Triple(node, wb.qualifier.startTime, time_literal(wikibase_time(TimeValue("2020", "year")))),
            ox.Triple(node, wb.qualifier_value.startTime, start.iri),
            ox.Triple(node, wb.qualifier.endTime, time_literal(wikibase_time(TimeValue("2019", "year")))),
            ox.Triple(node, wb.qualifier_value.endTime, end.iri),
            *(ox.Triple(*t) for t in start.triples + end.triples),
        },
    )
    assert lines == [
        f"{position.path}:{position.line}: the end time 2019 is before the start time 2020 (StartEndShape, pq:endTime)"
    ]


def test_configuration_error_for_missing_shapes(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        load_shapes(tmp_path)


@pytest.mark.parametrize("engine", ["turbo", "pyshacl"])
def test_non_ascii_text_reaches_the_engines_escaped_and_comes_back_intact(engine: str) -> None:
    """The data graph is handed over as ASCII N-Triples (\\u escapes, to hold it at one byte per
    character); values in results must still be the real text, astral characters included."""
    group = ox.NamedNode("https://w3id.org/agkg/id/g")
    labels = [ox.Literal("داعش خراسان", language="ps"), ox.Literal("د خراسان 😀 ولایت", language="ps")]
    triples = [
        ox.Triple(group, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), AGKG.Organization),
        *(ox.Triple(group, RDFS.label, label) for label in labels),
        *(ox.Triple(group, SKOS.prefLabel, label) for label in labels),
    ]
    schema = schema_triples(load_vocabulary(REPO_SHAPES.parent / "ontology").triples)
    data = NTriplesData.of(triples + schema)
    assert data.text.isascii() and "\\U0001F600" in data.text
    shapes, _ = load_shapes(REPO_SHAPES)
    report = validate_graph(data, shapes, engine)
    two_labels = [r for r in report.results if r.shape and r.shape.endswith("#LabelShape")]
    assert len(two_labels) == 1
    assert {two_labels[0].value} <= {label.value for label in labels}
    assert "😀" in two_labels[0].message and "داعش خراسان" in two_labels[0].message


REPO_SHAPES = Path(__file__).resolve().parent.parent / "shapes"
