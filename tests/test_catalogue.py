"""The property catalogue (issue 14 part 3): derived from the ontology, searchable from the
command line, and kept in docs/properties.md, which cannot go stale.

Entries are checked on a small fixture ontology written here, so a new property is seen to
appear without anyone touching the generator; only the staleness check reads the real ontology.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from agkg.build.ontology import load_vocabulary
from agkg.curation.catalogue import PropertyEntry, property_catalogue, render_markdown, search_properties

ONTOLOGY = """
@prefix agkg: <https://w3id.org/agkg/ontology#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wd:   <http://www.wikidata.org/entity/> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .

agkg:Agent a owl:Class ; rdfs:label "agent"@en .
agkg:Organization a owl:Class ; rdfs:label "organisation"@en ; rdfs:subClassOf agkg:Agent .
agkg:ArmedGroup a owl:Class ; rdfs:label "armed group"@en ; rdfs:subClassOf agkg:Organization .
agkg:Person a owl:Class ; rdfs:label "person"@en ; rdfs:subClassOf agkg:Agent .

agkg:leader a agkg:ClaimProperty, owl:ObjectProperty ;
    rdfs:label "leader"@en ;
    skos:altLabel "led by"@en, "chief"@en ;
    skos:definition "The object person leads the subject organisation."@en ;
    rdfs:domain agkg:Organization ;
    rdfs:range agkg:Person ;
    skos:closeMatch wd:P488 .

agkg:partOf a agkg:ClaimProperty, owl:ObjectProperty ;
    rdfs:label "part of"@en ;
    skos:definition "The subject is a unit of the object."@en ;
    rdfs:domain agkg:Organization ;
    rdfs:range agkg:Organization ;
    skos:closeMatch wd:P361 .

agkg:provinceOf a agkg:ClaimProperty, owl:ObjectProperty ;
    rdfs:label "province of"@en ;
    skos:definition "The subject is a province of the object."@en ;
    rdfs:domain agkg:ArmedGroup ;
    rdfs:range agkg:ArmedGroup ;
    rdfs:subPropertyOf agkg:partOf .

agkg:bountyAmount a agkg:ClaimProperty, owl:DatatypeProperty ;
    rdfs:label "bounty amount"@en ;
    skos:definition "The reward offered for the subject person; the currency goes in the currency qualifier."@en ;
    rdfs:domain agkg:Person ;
    rdfs:range xsd:decimal .

agkg:inception a agkg:ClaimProperty, owl:DatatypeProperty ;
    rdfs:label "inception"@en ;
    skos:definition "When the subject came into existence."@en ;
    rdfs:range agkg:TimeValue ;
    skos:exactMatch wd:P571 .

agkg:currency a agkg:QualifierProperty, owl:DatatypeProperty ;
    rdfs:label "currency"@en ;
    skos:definition "An ISO 4217 code."@en ;
    rdfs:range xsd:string .

agkg:minimum a agkg:QualifierProperty, owl:DatatypeProperty ;
    rdfs:label "minimum"@en ; skos:definition "Lower bound."@en ; rdfs:range xsd:decimal .

agkg:maximum a agkg:QualifierProperty, owl:DatatypeProperty ;
    rdfs:label "maximum"@en ; skos:definition "Upper bound."@en ; rdfs:range xsd:decimal .

agkg:pointInTime a agkg:QualifierProperty, owl:DatatypeProperty ;
    rdfs:label "point in time"@en ; skos:definition "When it holds."@en ;
    rdfs:range agkg:TimeValue ; skos:exactMatch wd:P585 .

agkg:allegedBy a agkg:QualifierProperty, owl:ObjectProperty ;
    rdfs:label "alleged by"@en ; skos:definition "Who alleges it."@en ; rdfs:range owl:Thing .
"""

# what another engineer adds to the ontology: the catalogue must pick it up unaided
NEW_PROPERTY = """
agkg:spokesperson a agkg:ClaimProperty, owl:ObjectProperty ;
    rdfs:label "spokesperson"@en ;
    skos:altLabel "speaks for"@en ;
    skos:definition "The object person speaks for the subject organisation."@en ;
    rdfs:domain agkg:Organization ;
    rdfs:range agkg:Person .
"""


@pytest.fixture
def fixture_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "ontology").mkdir(parents=True)
    (project / "ontology" / "agkg.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (project / "agkg.toml").write_text('[agkg]\nbase = "https://w3id.org/agkg/"\n', encoding="utf-8")
    return project


def entries_of(project: Path) -> dict[str, PropertyEntry]:
    return {e.name: e for e in property_catalogue(load_vocabulary(project / "ontology"))}


def test_entries_say_domain_value_qualifiers_and_wikidata(fixture_project: Path) -> None:
    entries = entries_of(fixture_project)
    assert [e.name for e in entries.values() if e.role == "claim"] == [
        "bountyAmount", "inception", "leader", "partOf", "provinceOf",
    ]  # fmt: skip
    leader = entries["leader"]
    assert (leader.label, leader.alt_labels, leader.applies_to) == (
        "leader",
        ["chief", "led by"],
        "Organization",
    )
    assert (leader.value_kind, leader.value_type) == ("entity", "Person")
    assert "Person" in leader.value
    assert (leader.wikidata, leader.wikidata_label, leader.wikidata_match) == ("P488", "chairperson", "close")
    # qualifiers: bounds only on numbers, allegation qualifiers never written by curators
    assert leader.qualifiers == ["currency", "pointInTime"]
    bounty = entries["bountyAmount"]
    assert bounty.named_qualifiers == ["currency", "minimum", "maximum"]
    assert bounty.qualifiers == ["currency", "maximum", "minimum", "pointInTime"]
    # a sub-property inherits its parent's alignment, as a close match, and says so
    province = entries["provinceOf"]
    assert (province.wikidata, province.wikidata_match, province.sub_property_of) == (
        "P361",
        "close, via partOf",
        ["partOf"],
    )
    assert entries["inception"].applies_to is None
    assert entries["inception"].wikidata_match == "exact"
    assert "refused under `qualifiers:`" in entries["allegedBy"].note
    assert entries["allegedBy"].example == ""
    assert "number" in entries["minimum"].note


def test_examples_are_claims_in_yaml_using_the_property(fixture_project: Path) -> None:
    for entry in entries_of(fixture_project).values():
        if not entry.example:
            continue
        (claim,) = yaml.safe_load(entry.example)
        if entry.role == "claim":
            assert claim["property"] == entry.name
        else:
            assert entry.name in claim["qualifiers"]
        bounds = claim.get("qualifiers", {})
        if "minimum" in bounds:  # a valid claim: the bounds include the value
            assert bounds["minimum"] <= claim["value"] <= bounds.get("maximum", claim["value"])


def test_a_property_added_to_the_ontology_is_in_the_catalogue(
    fixture_project: Path, run_agkg: Callable[..., Result]
) -> None:
    before = run_agkg("--project", fixture_project, "properties", "--markdown")
    assert before.exit_code == 0 and "spokesperson" not in before.stdout
    with (fixture_project / "ontology" / "agkg.ttl").open("a", encoding="utf-8") as f:
        f.write(NEW_PROPERTY)
    after = run_agkg("--project", fixture_project, "properties", "--markdown")
    assert after.exit_code == 0
    assert (
        "| [`spokesperson`](#spokesperson-claim) | spokesperson | Organization | Person |  |" in after.stdout
    )
    assert "### `spokesperson` (claim): spokesperson" in after.stdout
    assert "- **Also called:** speaks for" in after.stdout
    assert "  property: spokesperson\n  value: some-person\n" in after.stdout
    found = run_agkg("--project", fixture_project, "properties", "speaks for")
    assert found.stdout.startswith("spokesperson (claim property): spokesperson\n")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("led by", "leader"),  # an alias
        ("ledBy", "leader"),  # camelCase read as words
        ("LEDBY", "leader"),  # case aside, spaces aside
        ("chairperson", "leader"),  # the Wikidata property's label
        ("P488", "leader"),  # the Wikidata id
        ("reward", "bountyAmount"),  # a word of the definition
    ],
)
def test_search_finds_a_property_by_any_of_its_words(fixture_project: Path, word: str, expected: str) -> None:
    entries = list(entries_of(fixture_project).values())
    assert search_properties(entries, word)[0].entry.name == expected


def test_properties_command_shows_one_match_in_full_and_lists_several(
    fixture_project: Path, run_agkg: Callable[..., Result]
) -> None:
    one = run_agkg("--project", fixture_project, "properties", "led by")
    assert one.exit_code == 0
    assert one.stdout.startswith("leader (claim property): leader\n  The object person leads")
    assert "  applies to:    Organization\n" in one.stdout
    assert "  wikidata:      P488 chairperson (close)\n" in one.stdout
    assert "    - subject: some-organization\n" in one.stdout

    listing = run_agkg("--project", fixture_project, "properties")
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["property", "role", "label", "applies", "to", "value", "wikidata"]
    assert any(
        line.split()[:2] == ["leader", "claim"] and line.endswith("P488 chairperson") for line in lines
    )
    assert len(lines) == 2 + 10

    as_json = run_agkg("--project", fixture_project, "properties", "--json", "time")
    names = [e["name"] for e in json.loads(as_json.stdout)]
    assert names == ["pointInTime"]

    missing = run_agkg("--project", fixture_project, "properties", "ledr")
    assert missing.exit_code == 0 and missing.stdout == ""
    assert "agkg: no property matches 'ledr' (did you mean 'leader'?)" in missing.stderr


def test_docs_properties_md_is_current(repo: Path, run_agkg: Callable[..., Result]) -> None:
    """docs/properties.md is what the generator makes of the ontology now; regenerate with
    ``agkg properties --markdown > docs/properties.md``."""
    generated = run_agkg("--project", repo, "properties", "--markdown")
    assert generated.exit_code == 0, generated.stderr
    written = (repo / "docs" / "properties.md").read_text(encoding="utf-8")
    assert written == generated.stdout, (
        "docs/properties.md is stale: run agkg properties --markdown > docs/properties.md"
    )
    # and it is the library's rendering, with every claim property and qualifier in it
    vocabulary = load_vocabulary(repo / "ontology")
    assert written == render_markdown(property_catalogue(vocabulary))
    for name in (*vocabulary.claim_properties, *vocabulary.qualifiers):
        assert f"### `{name}` (" in written
