"""The ontology: parses, labels and defines every term, is OWL RL consistent, and agrees with
the JSON Schemas curators' editors use."""

from __future__ import annotations

import json
from pathlib import Path

import owlrl
import pytest
import rdflib
import yaml
from jsonschema import Draft202012Validator
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from agkg.build.claims import ALLEGATION_QUALIFIERS
from agkg.build.ontology import load_vocabulary

AGKG_NAMESPACES = ("https://w3id.org/agkg/ontology#", "https://w3id.org/agkg/prop/")
OWLRL_ERROR = rdflib.URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")


@pytest.fixture(scope="module")
def ontology(repo: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((repo / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def test_every_term_has_label_definition_and_is_defined_by(ontology: rdflib.Graph) -> None:
    ontology_iri = rdflib.URIRef("https://w3id.org/agkg/ontology")
    terms = {
        s for s in ontology.subjects() if isinstance(s, rdflib.URIRef) and str(s).startswith(AGKG_NAMESPACES)
    }
    assert len(terms) > 100
    for term in sorted(terms):
        assert ontology.value(term, RDFS.label) is not None, term
        assert ontology.value(term, SKOS.definition) is not None, term
        assert (term, RDFS.isDefinedBy, ontology_iri) in ontology, term


def test_header(ontology: rdflib.Graph) -> None:
    header = rdflib.URIRef("https://w3id.org/agkg/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    dcterms = rdflib.Namespace("http://purl.org/dc/terms/")
    for predicate in (dcterms.title, dcterms.description, dcterms.license, dcterms.creator, OWL.versionIRI):
        assert ontology.value(header, predicate) is not None, predicate


def test_consistent_under_owl_rl(ontology: rdflib.Graph) -> None:
    closure = rdflib.Graph()
    for triple in ontology:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    assert len(closure) > len(ontology)
    assert list(closure.subjects(RDF.type, OWLRL_ERROR)) == []
    assert list(closure.subjects(RDF.type, OWL.Nothing)) == []


def test_owl_rl_check_detects_an_inconsistency(ontology: rdflib.Graph) -> None:
    """The consistency check above can fail: a person who is also a place is caught."""
    agkg = rdflib.Namespace("https://w3id.org/agkg/ontology#")
    broken = rdflib.Graph()
    for triple in ontology:
        broken.add(triple)
    broken.add((agkg.Person, OWL.disjointWith, agkg.Place))
    thing = rdflib.URIRef("https://example.org/x")
    broken.add((thing, RDF.type, agkg.Person))
    broken.add((thing, RDF.type, agkg.Place))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(broken)
    assert list(broken.subjects(RDF.type, OWLRL_ERROR)) != []


def test_schema_enums_match_the_ontology(repo: Path) -> None:
    vocabulary = load_vocabulary(repo / "ontology")
    text = (repo / "schema" / "claims.schema.json").read_text(encoding="utf-8")
    for name in vocabulary.claim_properties:
        assert f'"{name}"' in text, f"claims.schema.json does not know property {name}"
    for name in vocabulary.qualifiers:
        if name in ALLEGATION_QUALIFIERS:  # set by agkg from `allegation: true`, not written
            assert f'"{name}"' not in text, f"claims.schema.json offers qualifier {name}"
        else:
            assert f'"{name}"' in text, f"claims.schema.json does not know qualifier {name}"


@pytest.mark.parametrize("kind", ["sources", "entities", "claims"])
def test_data_files_validate_against_their_json_schema(repo: Path, kind: str) -> None:
    schema = json.loads((repo / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    files = sorted((repo / "data" / kind).glob("*.yaml"))
    assert files
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document = json.loads(json.dumps(document, default=str))  # YAML dates to strings
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == [], f"{path.name}: {errors[:3]}"


def test_schema_rejects_an_unknown_key(repo: Path) -> None:
    schema = json.loads((repo / "schema" / "claims.schema.json").read_text(encoding="utf-8"))
    document = {
        "source": "x",
        "claims": [{"subject": "a", "property": "partOf", "value": "b", "quote": "q", "qoute": "typo"}],
    }
    assert list(Draft202012Validator(schema).iter_errors(document))
