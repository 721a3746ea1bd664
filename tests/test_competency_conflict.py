"""Competency questions of a conflict analyst (issue 14): leaders and succession, deaths per
event, designations, the groups a person led.

The corpus articles state none of these facts (no leader of a group, no death toll, no
designation), so each query is answered on a throw-away project written here, whose claims are
built to exercise what the question turns on: a current leader against a past one, a successor
named or not, a range without a value, whom a count counts, a deprecated claim, an allegation,
a designation that ended. Each query in queries/ is run through the command line, as a user
would, and its rows are compared exactly, in order.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from agkg.cli import cli

REPO = Path(__file__).resolve().parents[1]
QUERIES = REPO / "queries"

Row = tuple[str | None, ...]

SOURCES = """sources:
  - {id: paper-a, type: NewsArticle, headline: Headline A, published: 2021-08-27, language: en, sha256: SHA-A}
  - {id: paper-b, type: NewsArticle, headline: Headline B, published: 2021-09-01, language: en, sha256: SHA-B}
"""

ENTITIES = """entities:
  - {id: group-a, type: ArmedGroup, label: {en: Group A}}
  - {id: group-e, type: ArmedGroup, label: {en: Group E}}
  - {id: person-b, type: Person, label: {en: Person B}}
  - {id: person-c, type: Person, label: {en: Person C}}
  - {id: person-d, type: Person, label: {en: Person D}}
  - {id: gov-y, type: Government, label: {en: Government of Y}}
  - {id: y-terrorist-list, type: DesignationList, label: {en: Y terrorist list}}
  - {id: expert, type: Person, label: {en: An Expert}}
  - {id: civilians, type: CivilianVictimKind, label: {en: civilians}}
  - {id: bombing-1, type: SuicideBombing, label: {en: Bombing one}}
  - {id: clash-2, type: Battle, label: {en: Clash two}}
"""

CLAIMS_A = """source: paper-a
claims:
  - subject: group-a
    property: leader
    value: person-b
    qualifiers: {startTime: 2015-01, endTime: 2019-05, replacedBy: person-c}
    quote: B led the group from January 2015 until May 2019, when C took over
  - subject: group-a
    property: leader
    value: person-c
    qualifiers: {startTime: 2019-05, replaces: person-b}
    quote: B led the group from January 2015 until May 2019, when C took over
  - subject: group-a
    property: leader
    value: person-d
    quote: D leads Group A
    rank: deprecated
    rank_reason: A confusion with Group E, which D leads.
  - subject: group-e
    property: leader
    value: person-c
    qualifiers: {startTime: 2012, endTime: 2014}
    quote: C had led Group E from 2012 to 2014
  - subject: group-e
    property: leader
    value: person-d
    qualifiers: {startTime: 2014}
    quote: D has led Group E since 2014
    attributed_to: expert
  - subject: bombing-1
    property: killedCount
    value: 170
    qualifiers: {minimum: 150, maximum: 183, approximate: true}
    quote: killed about 170 people, between 150 and 183
    attributed_to: expert
  - subject: bombing-1
    property: killedCount
    value: 28
    qualifiers: {victimKind: civilians}
    quote: 28 civilians
  - subject: group-a
    property: designatedTerroristBy
    value: gov-y
    qualifiers: {startTime: 2014-06, designationList: y-terrorist-list}
    quote: Y listed the group as a terrorist organisation in June 2014
  - subject: group-e
    property: sanctionedBy
    value: gov-y
    qualifiers: {startTime: 2016, endTime: 2020}
    quote: Y sanctioned Group E from 2016 to 2020
"""

CLAIMS_B = """source: paper-b
claims:
  - subject: clash-2
    property: killedCount
    qualifiers: {minimum: 7, maximum: 10, side: group-e}
    quote: between 7 and 10 of E's fighters died
  - subject: clash-2
    property: killedCount
    value: 40
    quote: Y says 40 of its soldiers died
    attributed_to: gov-y
    allegation: true
  - subject: group-a
    property: leader
    value: person-c
    qualifiers: {startTime: 2019-05, replaces: person-b}
    quote: C has led Group A since May 2019
"""


@pytest.fixture(scope="module")
def conflict_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("competency") / "project"
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, root / folder)
    sources = SOURCES
    (root / "corpus").mkdir(parents=True)
    for claims, marker in ((CLAIMS_A, "SHA-A"), (CLAIMS_B, "SHA-B")):
        # the article: each quote once, as a sentence, so that every quote is verified
        quotes = dict.fromkeys(
            line.split("quote: ", 1)[1] for line in claims.splitlines() if "quote: " in line
        )
        text = "".join(f"{quote}.\n" for quote in quotes).encode("utf-8")
        digest = hashlib.sha256(text).hexdigest()
        (root / "corpus" / f"{marker}.txt").write_bytes(text)
        sources = sources.replace(marker, digest)
    for kind, name, text in (
        ("sources", "sources", sources),
        ("entities", "entities", ENTITIES),
        ("claims", "paper-a", CLAIMS_A),
        ("claims", "paper-b", CLAIMS_B),
    ):
        (root / "data" / kind).mkdir(parents=True, exist_ok=True)
        (root / "data" / kind / f"{name}.yaml").write_text(text, encoding="utf-8")
    (root / "agkg.toml").write_text(
        f'[agkg]\nbase = "https://w3id.org/agkg/"\ncorpus = "{root / "corpus"}"\n', encoding="utf-8"
    )
    return root


def check(project: Path, name: str, variables: list[str], expected: list[Row]) -> None:
    """Run queries/<name>.rq on the project through the CLI; compare variables and rows."""
    result = CliRunner().invoke(
        cli,
        ["--project", str(project), "query", "--file", str(QUERIES / f"{name}.rq"), "--format", "json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["head"]["vars"] == variables
    rows = [
        tuple(b[v]["value"] if v in b else None for v in variables) for b in answer["results"]["bindings"]
    ]
    assert rows == expected


def test_the_fixture_project_validates(conflict_project: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(conflict_project), "validate"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "0 violations" in result.stderr


def test_current_leaders(conflict_project: Path) -> None:
    """Who leads each group now: not the predecessor with an end and a successor, not the
    deprecated claim; one row per source, with the attribution."""
    check(
        conflict_project,
        "current-leaders",
        ["group", "leader", "since", "source", "attributedTo"],
        [
            ("Group A", "Person C", "2019-05", "paper-a", None),
            ("Group A", "Person C", "2019-05", "paper-b", None),
            ("Group E", "Person D", "2014", "paper-a", "An Expert"),
        ],
    )


def test_leader_succession(conflict_project: Path) -> None:
    """The chain of leaders by start time, with replaces / replacedBy where the source names
    them; two sources of one claim are one row."""
    check(
        conflict_project,
        "leader-succession",
        ["group", "start", "end", "leader", "replaces", "replacedBy", "alleged", "sources"],
        [
            ("Group A", "2015-01", "2019-05", "Person B", None, "Person C", "false", "paper-a"),
            ("Group A", "2019-05", None, "Person C", "Person B", None, "false", "paper-a paper-b"),
            ("Group E", "2012", "2014", "Person C", None, None, "false", "paper-a"),
            ("Group E", "2014", None, "Person D", None, None, "false", "paper-a"),
        ],
    )


def test_event_deaths(conflict_project: Path) -> None:
    """Deaths per event: a best figure with bounds, a count of civilians, a range without a
    value on one side, and an allegation marked as one."""
    check(
        conflict_project,
        "event-deaths",
        [
            "event",
            "killed",
            "minimum",
            "maximum",
            "approximate",
            "victimKind",
            "side",
            "rank",
            "alleged",
            "source",
            "quote",
            "attributedTo",
        ],
        [
            (
                "Bombing one",
                "170",
                "150",
                "183",
                "true",
                None,
                None,
                "NormalRank",
                "false",
                "paper-a",
                "killed about 170 people, between 150 and 183",
                "An Expert",
            ),
            (
                "Bombing one",
                "28",
                None,
                None,
                None,
                "civilians",
                None,
                "NormalRank",
                "false",
                "paper-a",
                "28 civilians",
                None,
            ),
            (
                "Clash two",
                "40",
                None,
                None,
                None,
                None,
                None,
                "NormalRank",
                "true",
                "paper-b",
                "Y says 40 of its soldiers died",
                "Government of Y",
            ),
            (
                "Clash two",
                None,
                "7",
                "10",
                None,
                None,
                "Group E",
                "NormalRank",
                "false",
                "paper-b",
                "between 7 and 10 of E's fighters died",
                None,
            ),
        ],
    )


def test_designations(conflict_project: Path) -> None:
    """Which groups a government designated or sanctioned, when, until when, under which list."""
    check(
        conflict_project,
        "designations",
        ["government", "group", "designation", "start", "end", "list", "source"],
        [
            (
                "Government of Y",
                "Group A",
                "designated terrorist",
                "2014-06",
                None,
                "Y terrorist list",
                "paper-a",
            ),
            ("Government of Y", "Group E", "sanctioned", "2016", "2020", None, "paper-a"),
        ],
    )


def test_person_led_groups(conflict_project: Path) -> None:
    """The groups each person led, in order; the deprecated claim that D leads Group A is not
    among them."""
    check(
        conflict_project,
        "person-led-groups",
        ["person", "group", "start", "end", "source"],
        [
            ("Person B", "Group A", "2015-01", "2019-05", "paper-a"),
            ("Person C", "Group E", "2012", "2014", "paper-a"),
            ("Person C", "Group A", "2019-05", None, "paper-a"),
            ("Person C", "Group A", "2019-05", None, "paper-b"),
            ("Person D", "Group E", "2014", None, "paper-a"),
        ],
    )
