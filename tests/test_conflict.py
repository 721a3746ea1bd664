"""What conflict reporting says (issue 14): ranges without a value, and events exported in the
columns of UCDP GED and ACLED.

Every test runs on a throw-away project whose sources, entities and claims are written here, so
each exported cell can be checked against the claims behind it.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import Result

from agkg.build.claims import load_curated_data
from agkg.build.graph import BuiltDataset, build_dataset
from agkg.build.ontology import load_vocabulary
from agkg.build.validation import load_shapes, validate_dataset
from agkg.config import load_config
from agkg.errors import InputError
from agkg.exports.conflict_export import ACLED_COLUMNS, UCDP_COLUMNS, export_events
from agkg.vocab import RDF, WIKIBASE, WikibaseNamespaces

REPO = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/agkg/"
WB = WikibaseNamespaces(BASE)

SOURCES = """sources:
  - id: paper-a
    type: NewsArticle
    headline: Headline A
    outlet: daily-news
    published: 2021-08-27
    language: en
  - id: paper-b
    type: NewsArticle
    headline: Headline B
    published: 2021-09-01
    language: en
"""

ENTITIES = """entities:
  - {id: daily-news, type: NewsOutlet, label: {en: Daily News}}
  - {id: group-x, type: ArmedGroup, label: {en: Group X}}
  - {id: group-z, type: ArmedGroup, label: {en: Group Z}}
  - {id: gov-y, type: Government, label: {en: Government of Y}}
  - {id: expert, type: Person, label: {en: An Expert}}
  - {id: country-c, type: Country, label: {en: Country C}}
  - {id: province-p, type: Province, label: {en: Province P}}
  - {id: town-t, type: City, label: {en: Town T}}
  - {id: civilians, type: CivilianVictimKind, label: {en: civilians}}
  - {id: bombing-1, type: SuicideBombing, label: {en: Bombing one}}
  - {id: clash-2, type: Battle, label: {en: Clash two}}
  - {id: massacre-3, type: Attack, label: {en: Massacre three}}
  - {id: alleged-4, type: Bombing, label: {en: Alleged four}}
  - {id: disputed-5, type: Attack, label: {en: Disputed five}}
"""

CLAIMS_A = """source: paper-a
claims:
  - {subject: province-p, property: locatedIn, value: country-c, quote: P is in C}
  - {subject: town-t, property: locatedIn, value: province-p, quote: T in P}
  - {subject: bombing-1, property: eventDate, value: 2021-08-26, quote: on 26 August}
  - {subject: bombing-1, property: perpetrator, value: group-x, quote: X carried out the bombing}
  - {subject: bombing-1, property: attackTarget, value: gov-y, quote: aimed at Y's forces}
  - {subject: bombing-1, property: location, value: town-t, quote: in T}
  - subject: bombing-1
    property: killedCount
    value: 170
    qualifiers: {minimum: 150, maximum: 183, approximate: true}
    quote: killed about 170 people, between 150 and 183
    attributed_to: expert
  - subject: bombing-1
    property: killedCount
    value: 99
    quote: 99 dead
    rank: deprecated
    rank_reason: A first count, corrected later.
  - subject: bombing-1
    property: killedCount
    value: 13
    qualifiers: {side: gov-y}
    quote: 13 of Y's soldiers
  - subject: bombing-1
    property: killedCount
    value: 2
    qualifiers: {side: group-x}
    quote: two of the attackers
  - subject: bombing-1
    property: killedCount
    value: 28
    qualifiers: {victimKind: civilians}
    quote: 28 civilians
  - subject: massacre-3
    property: eventDate
    value: 2020
    quote: in 2020
  - {subject: massacre-3, property: perpetrator, value: group-x, quote: X killed villagers}
  - subject: massacre-3
    property: killedCount
    value: 40
    qualifiers: {victimKind: civilians}
    quote: forty villagers
  - subject: alleged-4
    property: perpetrator
    value: group-z
    quote: Y says Z did it
    attributed_to: gov-y
    allegation: true
  - subject: alleged-4
    property: killedCount
    value: 5
    quote: Y says five died
    attributed_to: gov-y
    allegation: true
  - {subject: disputed-5, property: killedCount, value: 20, quote: twenty dead}
"""

CLAIMS_B = """source: paper-b
claims:
  - {subject: clash-2, property: eventDate, value: 2021-08, quote: in August}
  - {subject: clash-2, property: carriedOutBy, value: group-x, quote: X fought}
  - {subject: clash-2, property: attackTarget, value: group-z, quote: against Z}
  - subject: clash-2
    property: killedCount
    qualifiers: {minimum: 7, maximum: 10}
    quote: between 7 and 10 fighters died
  - {subject: disputed-5, property: killedCount, value: 25, quote: 25 dead}
"""


@pytest.fixture
def conflict_project(tmp_path: Path) -> Path:
    root = tmp_path / "conflict"
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, root / folder)
    for kind, name, text in (
        ("sources", "sources", SOURCES),
        ("entities", "entities", ENTITIES),
        ("claims", "paper-a", CLAIMS_A),
        ("claims", "paper-b", CLAIMS_B),
    ):
        (root / "data" / kind).mkdir(parents=True, exist_ok=True)
        (root / "data" / kind / f"{name}.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    (root / "agkg.toml").write_text(
        f'[agkg]\nbase = "{BASE}"\ncorpus = "{tmp_path / "corpus"}"\n', encoding="utf-8"
    )
    return root


@pytest.fixture
def built(conflict_project: Path) -> BuiltDataset:
    return build_dataset(load_config(conflict_project))


# ----------------------------------------------------------------------- ranges without a value


def test_a_range_without_value_is_loaded_with_its_bounds(conflict_project: Path) -> None:
    vocabulary = load_vocabulary(conflict_project / "ontology")
    data = load_curated_data(conflict_project / "data", vocabulary)
    (claim,) = [c for c in data.claims if c.subject == "clash-2" and c.property == "killedCount"]
    assert claim.value is None
    assert [(name, v.lexical) for name, v in claim.qualifiers] == [("maximum", "10"), ("minimum", "7")]


def test_a_range_without_value_states_no_single_number(built: BuiltDataset) -> None:
    triples = set(built.triples())
    clash = ox.NamedNode(f"{BASE}id/clash-2")
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    assert not [t for t in triples if t.subject == clash and t.predicate == WB.direct.killedCount]
    (statement,) = [t.object for t in triples if t.subject == clash and t.predicate == WB.claim.killedCount]
    about = {(t.predicate, t.object) for t in triples if t.subject == statement}
    assert not [p for p, _ in about if p == WB.statement.killedCount]
    assert (WB.qualifier.minimum, ox.Literal("7", datatype=decimal)) in about
    assert (WB.qualifier.maximum, ox.Literal("10", datatype=decimal)) in about
    # the statement's value node holds the range and no amount (Wikibase's bounds without a value)
    (value_node,) = [o for p, o in about if p == WB.statement_value.killedCount]
    held = {(t.predicate, t.object) for t in triples if t.subject == value_node}
    assert (RDF.type, WIKIBASE.QuantityValue) in held
    assert (WIKIBASE.quantityLowerBound, ox.Literal("7", datatype=decimal)) in held
    assert (WIKIBASE.quantityUpperBound, ox.Literal("10", datatype=decimal)) in held
    assert not [p for p, _ in held if p == WIKIBASE.quantityAmount]


def test_the_conflict_project_conforms_to_the_shapes(built: BuiltDataset, conflict_project: Path) -> None:
    shapes, _ = load_shapes(conflict_project / "shapes")
    report = validate_dataset(built, shapes)
    assert report.violations == 0, [r.message for r in report.results if r.severity.endswith("Violation")]


def write_claim(project: Path, text: str) -> None:
    (project / "data" / "claims" / "paper-b.yaml").write_text(
        "source: paper-b\nclaims:\n" + text, encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("claim", "message"),
    [
        (
            "  - {subject: clash-2, property: killedCount, quote: many died}\n",
            "paper-b.yaml:3:5: missing required key 'value'",
        ),
        (
            "  - {subject: clash-2, property: eventDate, qualifiers: {minimum: 7}, quote: x}\n",
            "qualifier minimum bounds a number, but eventDate does not take one",
        ),
        (
            "  - {subject: clash-2, property: killedCount, qualifiers: {minimum: -2}, quote: x}\n",
            "qualifier minimum: -2 is negative; killedCount is never below 0",
        ),
        (
            "  - {subject: clash-2, property: killedCount, qualifiers: {minimum: 9, maximum: 3}, quote: x}\n",
            "qualifier minimum 9 is greater than maximum 3",
        ),
    ],
)
def test_ranges_are_checked(conflict_project: Path, claim: str, message: str) -> None:
    write_claim(conflict_project, claim)
    vocabulary = load_vocabulary(conflict_project / "ontology")
    with pytest.raises(InputError) as error:
        load_curated_data(conflict_project / "data", vocabulary, root=conflict_project)
    assert message in str(error.value)


# ----------------------------------------------------------------------------------- exports


def rows_of(text: str, columns: tuple[str, ...]) -> dict[str, dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == columns
    rows = list(reader)
    key = "relid" if "relid" in columns else "event_id_cnty"
    return {row[key]: row for row in rows}


def filled(row: dict[str, str]) -> dict[str, str]:
    return {column: value for column, value in row.items() if value}


def test_ucdp_export_has_a_row_per_event_with_exactly_what_the_claims_say(built: BuiltDataset) -> None:
    export = export_events(built.data, built.provenance, built.vocabulary, "ucdp")
    rows = rows_of(export.csv_text(), UCDP_COLUMNS)
    assert sorted(rows) == ["alleged-4", "bombing-1", "clash-2", "disputed-5", "massacre-3"]
    assert filled(rows["bombing-1"]) == {
        "id": "2",
        "relid": "bombing-1",
        "year": "2021",
        "type_of_violence": "1",
        "dyad_name": "Group X - Government of Y",
        "side_a": "Group X",
        "side_b": "Government of Y",
        "number_of_sources": "1",
        "source_article": 'Daily News,2021-08-27,"Headline A"',
        "source_office": "Daily News",
        "source_date": "2021-08-27",
        "source_headline": "Headline A",
        "source_original": "An Expert",
        "where_prec": "1",
        "where_description": "Town T",
        "adm_1": "Province P",
        "country": "Country C",
        "date_prec": "1",
        "date_start": "2021-08-26",
        "date_end": "2021-08-26",
        "deaths_a": "2",
        "deaths_b": "13",
        "deaths_civilians": "28",
        "best": "170",
        "low": "150",
        "high": "183",
        "notes": (
            "attackTarget: “aimed at Y's forces” (paper-a) | eventDate: “on 26 August” (paper-a) | "
            "killedCount: “13 of Y's soldiers” (paper-a) | killedCount: “28 civilians” (paper-a) | "
            "killedCount: “killed about 170 people, between 150 and 183” (paper-a) | "
            "killedCount: “two of the attackers” (paper-a) | "
            "location: “in T” (paper-a) | perpetrator: “X carried out the bombing” (paper-a)"
        ),
    }
    # a range without a value: bounds, and no best estimate
    clash = filled(rows["clash-2"])
    assert clash["type_of_violence"] == "2"
    assert (clash["date_start"], clash["date_end"], clash["date_prec"]) == ("2021-08-01", "2021-08-31", "4")
    assert (clash.get("best"), clash["low"], clash["high"]) == (None, "7", "10")
    assert clash["source_article"] == '2021-09-01,"Headline B"'
    assert "source_office" not in clash
    # one-sided violence against civilians, known to the year only
    massacre = filled(rows["massacre-3"])
    assert massacre["type_of_violence"] == "3"
    assert massacre["deaths_civilians"] == "40"
    assert (massacre["date_start"], massacre["date_end"], massacre["date_prec"]) == (
        "2020-01-01",
        "2020-12-31",
        "5",
    )
    assert "best" not in massacre and "side_b" not in massacre
    # allegations are not coded as facts
    assert filled(rows["alleged-4"]) == {"id": "1", "relid": "alleged-4"}
    # two sources disagree: their range, no single best
    disputed = filled(rows["disputed-5"])
    assert (disputed.get("best"), disputed["low"], disputed["high"]) == (None, "20", "25")
    assert disputed["number_of_sources"] == "2"


def test_acled_export_has_a_row_per_event_with_exactly_what_the_claims_say(built: BuiltDataset) -> None:
    export = export_events(built.data, built.provenance, built.vocabulary, "acled")
    rows = rows_of(export.csv_text(), ACLED_COLUMNS)
    assert sorted(rows) == ["alleged-4", "bombing-1", "clash-2", "disputed-5", "massacre-3"]
    bombing = filled(rows["bombing-1"])
    notes = bombing.pop("notes")
    assert bombing == {
        "event_id_cnty": "bombing-1",
        "event_date": "2021-08-26",
        "year": "2021",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Suicide bomb",
        "actor1": "Group X",
        "inter1": "2",
        "actor2": "Government of Y",
        "inter2": "1",
        "interaction": "12",
        "civilian_targeting": "Civilian targeting",
        "country": "Country C",
        "admin1": "Province P",
        "location": "Town T",
        "geo_precision": "1",
        "source": "Daily News",
        "fatalities": "150",
    }
    assert "“28 civilians” (paper-a)" in notes
    clash = filled(rows["clash-2"])
    assert (clash["event_type"], clash["sub_event_type"]) == ("Battles", "Armed clash")
    assert (clash["event_date"], clash["time_precision"], clash["fatalities"]) == ("2021-08-01", "3", "7")
    assert (clash["actor2"], clash["inter2"], clash["interaction"]) == ("Group Z", "2", "22")
    assert clash["source"] == "Headline B"  # no outlet known: the headline names the source
    massacre = filled(rows["massacre-3"])
    assert (massacre["year"], massacre.get("event_date")) == ("2020", None)  # year only: no date
    assert (massacre["actor2"], massacre["inter2"], massacre["interaction"]) == ("Civilians", "7", "27")
    assert "event_type" not in massacre and "fatalities" not in massacre
    assert filled(rows["alleged-4"]) == {
        "event_id_cnty": "alleged-4",
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
    }
    assert rows["disputed-5"]["fatalities"] == "20"  # ACLED codes the lowest report


def documented_empty(heading: str) -> set[str]:
    """The columns docs/conflict-data.md says a format's export always leaves empty."""
    text = (REPO / "docs" / "conflict-data.md").read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    empty = set()
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) == 2 and re.fullmatch(r"empty(?: \(.*\))?", cells[1]):
            empty.update(re.findall(r"`(\w+)`", cells[0]))
    return empty


@pytest.mark.parametrize(
    ("output_format", "columns", "heading"),
    [("ucdp", UCDP_COLUMNS, "## UCDP GED columns"), ("acled", ACLED_COLUMNS, "## ACLED columns")],
)
def test_every_column_is_exercised_or_documented_empty(
    built: BuiltDataset, output_format: str, columns: tuple[str, ...], heading: str
) -> None:
    """The fixture's events fill every column the claims can support; the rest are exactly the
    columns the docs say stay empty (UCDP's and ACLED's own ids and codes, coordinates)."""
    export = export_events(built.data, built.provenance, built.vocabulary, output_format)
    rows = list(csv.DictReader(io.StringIO(export.csv_text())))
    never = {column for column in columns if not any(row[column] for row in rows)}
    assert never == documented_empty(heading)


def test_export_events_command_writes_csv(conflict_project: Path, run_agkg: Callable[..., Result]) -> None:
    out = conflict_project / "events.csv"
    result = run_agkg("--project", conflict_project, "export", "events", "--format", "acled", "--out", out)
    assert result.exit_code == 0, result.output
    assert "5 events exported in ACLED columns" in result.stderr
    assert len(rows_of(out.read_text(encoding="utf-8"), ACLED_COLUMNS)) == 5
    shown = run_agkg("--project", conflict_project, "export", "events", "--format", "ucdp")
    assert shown.exit_code == 0
    assert len(rows_of(shown.stdout, UCDP_COLUMNS)) == 5


def test_export_events_refuses_an_unknown_format(
    conflict_project: Path, run_agkg: Callable[..., Result]
) -> None:
    result = run_agkg("--project", conflict_project, "export", "events", "--format", "gtd")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------ documentation

DOC_ENTITIES = {
    "school-bombing": "SuicideBombing",
    "police-officers": "VictimKind",
    "group-a": "ArmedGroup",
    "person-b": "Person",
    "person-c": "Person",
    "the-valley": "Region",
    "air-strike": "CauseOfDeath",
    "valley-air-strike-2012": "AirStrike",
    "government-of-d": "Government",
    "d-terrorist-list": "DesignationList",
    "leader-of-group-e": "Post",
    "northern-movement": "ArmedGroup",
    "country-f": "Country",
}


def test_the_conflict_reporting_examples_in_the_docs_load(conflict_project: Path) -> None:
    """docs/data-format.md's claim examples are claims agkg accepts, as written."""
    text = (REPO / "docs" / "data-format.md").read_text(encoding="utf-8")
    section = text.split("## Conflict reporting", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    entities = "".join(
        f"  - {{id: {i}, type: {kind}, label: {{en: {i}}}}}\n" for i, kind in DOC_ENTITIES.items()
    )
    (conflict_project / "data" / "entities" / "docs.yaml").write_text(
        "entities:\n" + entities, encoding="utf-8"
    )
    write_claim(conflict_project, block)
    vocabulary = load_vocabulary(conflict_project / "ontology")
    data = load_curated_data(conflict_project / "data", vocabulary, root=conflict_project)
    from_docs = [c for c in data.claims if c.source == "paper-b"]
    assert len(from_docs) == block.count("subject:")
    (range_only,) = [c for c in from_docs if c.property == "memberCount"]
    assert range_only.value is None
    # every kind of fact the TTP explainer needed (issue 14) has its example
    used = {c.property for c in from_docs} | {name for c in from_docs for name, _ in c.qualifiers}
    needed = {
        "killedCount", "minimum", "maximum", "approximate", "victimKind", "side",
        "dateOfDeath", "placeOfDeath", "causeOfDeath", "killedIn",
        "leader", "startTime", "endTime", "replaces", "replacedBy",
        "designatedTerroristBy", "designationList", "pledgedAllegianceTo", "differentFrom",
        "memberFactionCount", "safeHavenIn", "memberCount",
    }  # fmt: skip
    assert needed <= used, sorted(needed - used)


def test_a_range_without_value_is_shown_as_its_range_on_the_page(
    conflict_project: Path, run_agkg: Callable[..., Result]
) -> None:
    result = run_agkg("--project", conflict_project, "--quiet", "publish", "--site", "--allow-missing-texts")
    assert result.exit_code == 0, result.output
    page = (conflict_project / "dist" / "site" / "doc" / "id" / "clash-2.html").read_text(encoding="utf-8")
    shown = [re.sub(r"<[^>]+>", "", v) for v in re.findall(r'<span class="claimed">(.*?)</span>', page)]
    assert "7\u201310" in shown  # seven to ten, with an en dash


def test_the_entities_schema_offers_the_conflict_classes() -> None:
    schema = (REPO / "schema" / "entities.schema.json").read_text(encoding="utf-8")
    vocabulary = load_vocabulary(REPO / "ontology")
    for name in ("Battle", "AirStrike", "DroneStrike", "SuicideBombing", "Abduction", "VictimKind"):
        assert name in vocabulary.classes
        assert f'"{name}"' in schema
    for name in ("CivilianVictimKind", "CauseOfDeath", "DesignationList"):
        assert f'"{name}"' in schema
