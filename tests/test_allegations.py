"""Allegations are not facts (issue 13 part 7).

A claim marked ``allegation: true`` keeps its statement, references and attribution, but its
statement, when no source states it as fact, gets no truthy triple and no ``wikibase:BestRank``,
carries ``pq:sourcingCircumstances agkg:allegedly`` and ``pq:allegedBy``, and is shown as
"Alleged by …" on the pages. Each test runs on a throw-away project whose claims are only the
ones written here.
"""

# The quotes are the article's words, curly quotes included.
# ruff: noqa: RUF001

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import Result

from agkg.claims import Claim, LiteralValue, load_curated_data
from agkg.config import load_config
from agkg.errors import InputError, Position
from agkg.graph import BuiltDataset, build_dataset
from agkg.ontology import load_vocabulary
from agkg.provenance import reference_key
from agkg.validation import load_shapes, validate_dataset
from agkg.vocab import AGKG, PROV, RDF, WIKIBASE, XSD, WikibaseNamespaces

BASE = "https://w3id.org/agkg/"
WB = WikibaseNamespaces(BASE)
GOHEL_WORDS = "IS-K, the Taliban’s Haqqani network, and other terror groups located in Pakistan collaborated"

CLAIMS = f"""source: siddiqui-2021
claims:
  # alleged by two parties, stated as fact by nobody: an alleged statement
  - subject: iskp
    property: collaboratedWith
    value: haqqani-network
    quote: '{GOHEL_WORDS}'
    attributed_to: sajjan-gohel
    allegation: true
  - subject: iskp
    property: collaboratedWith
    value: haqqani-network
    quote: 'collaborated on so many major attacks'
    attributed_to: unnamed-reports
    allegation: true

  # alleged by analysts, and stated as fact by the article itself: a normal statement
  - subject: iskp
    property: associatedWith
    value: haqqani-network
    quote: 'IS-K and the Haqqani network, which is tied to the Taliban, have a strong relationship'
    attributed_to: unnamed-analysts
    allegation: true
  - subject: iskp
    property: associatedWith
    value: haqqani-network
    quote: 'Yes, through a third party, the Haqqani network.'

  # an alleged value beside a stated one: the stated one alone is best-ranked
  - subject: iskp
    property: opponentOf
    value: taliban
    quote: 'There is a major difference between the Taliban and IS-K'
  - subject: iskp
    property: opponentOf
    value: us-forces
    quote: 'conflicts with US and security forces'
    attributed_to: taliban
    allegation: true
    rank: deprecated
    rank_reason: An allegation the article does not make its own.

  # attributed, not an allegation: unchanged
  - subject: haqqani-network
    property: partOf
    value: taliban
    quote: 'the Taliban’s Haqqani network'
    attributed_to: sajjan-gohel
"""


@pytest.fixture
def alleging(project: Path) -> Path:
    """The project with the claims above as its only claims."""
    for path in (project / "data" / "claims").glob("*.yaml"):
        path.unlink()
    (project / "data" / "claims" / "siddiqui-2021.yaml").write_text(CLAIMS, encoding="utf-8")
    return project


@pytest.fixture
def built(alleging: Path) -> BuiltDataset:
    return build_dataset(load_config(alleging))


def node(kind: str, local: str) -> ox.NamedNode:
    return ox.NamedNode(f"{BASE}{kind}/{local}")


def statements_of(built: BuiltDataset, subject: str, prop: str) -> dict[str, ox.NamedNode]:
    """The subject's statements through ``prop``, by their value's local name."""
    triples = set(built.triples())
    found = {}
    for t in triples:
        if t.subject == node("id", subject) and t.predicate == WB.claim.term(prop):
            statement = t.object
            assert isinstance(statement, ox.NamedNode)
            (value,) = [
                u.object.value.rsplit("/", 1)[-1]
                for u in triples
                if u.subject == statement and u.predicate == WB.statement.term(prop)
            ]
            found[value] = statement
    return found


def objects(built: BuiltDataset, subject: ox.NamedNode, predicate: ox.NamedNode) -> set[str]:
    return {t.object.value for t in built.triples() if t.subject == subject and t.predicate == predicate}


def test_alleged_statement_has_no_truthy_triple_and_no_best_rank(built: BuiltDataset) -> None:
    (statement,) = statements_of(built, "iskp", "collaboratedWith").values()
    triples = set(built.triples())
    iskp, haqqani = node("id", "iskp"), node("id", "haqqani-network")
    assert ox.Triple(iskp, WB.direct.collaboratedWith, haqqani) not in triples
    # the one truthy link between them is the statement some source states as fact (associatedWith)
    truthy = {
        t.predicate for t in triples if t.subject == iskp and t.object == haqqani and t.predicate in WB.direct
    }
    assert truthy == {WB.direct.associatedWith}
    assert WIKIBASE.BestRank.value not in objects(built, statement, RDF.type)
    assert objects(built, statement, WIKIBASE.rank) == {WIKIBASE.NormalRank.value}
    assert objects(built, statement, WB.qualifier.sourcingCircumstances) == {AGKG.allegedly.value}
    assert objects(built, statement, WB.qualifier.allegedBy) == {
        node("id", "sajjan-gohel").value,
        node("id", "unnamed-reports").value,
    }
    references = objects(built, statement, PROV.wasDerivedFrom)
    assert len(references) == 2
    for reference in references:
        assert objects(built, ox.NamedNode(reference), AGKG.allegation) == {"true"}
    record = next(r for r in built.provenance.statements.values() if r.property == "collaboratedWith")
    assert record.alleged_by == ["sajjan-gohel", "unnamed-reports"] and not record.best


def test_one_source_stating_it_as_fact_makes_a_normal_statement(built: BuiltDataset) -> None:
    (statement,) = statements_of(built, "iskp", "associatedWith").values()
    triples = set(built.triples())
    assert ox.Triple(node("id", "iskp"), WB.direct.associatedWith, node("id", "haqqani-network")) in triples
    assert WIKIBASE.BestRank.value in objects(built, statement, RDF.type)
    assert objects(built, statement, WB.qualifier.sourcingCircumstances) == set()
    assert objects(built, statement, WB.qualifier.allegedBy) == set()
    flags = sorted(
        (
            objects(built, ox.NamedNode(r), AGKG.allegation) != set(),
            objects(built, ox.NamedNode(r), WB.reference.attributedTo) != set(),
        )
        for r in objects(built, statement, PROV.wasDerivedFrom)
    )
    assert flags == [(False, False), (True, True)]  # the article's own words, and the allegation


def test_an_alleged_value_does_not_compete_with_stated_ones(built: BuiltDataset) -> None:
    statements = statements_of(built, "iskp", "opponentOf")
    assert WIKIBASE.BestRank.value in objects(built, statements["taliban"], RDF.type)
    assert WIKIBASE.BestRank.value not in objects(built, statements["us-forces"], RDF.type)
    assert objects(built, statements["us-forces"], WIKIBASE.rank) == {WIKIBASE.DeprecatedRank.value}
    assert objects(built, node("id", "iskp"), WB.direct.opponentOf) == {node("id", "taliban").value}


def test_an_attributed_claim_that_is_no_allegation_is_unchanged(built: BuiltDataset) -> None:
    (statement,) = statements_of(built, "haqqani-network", "partOf").values()
    assert WIKIBASE.BestRank.value in objects(built, statement, RDF.type)
    (reference,) = objects(built, statement, PROV.wasDerivedFrom)
    assert objects(built, ox.NamedNode(reference), AGKG.allegation) == set()
    assert objects(built, ox.NamedNode(reference), WB.reference.attributedTo) == {
        node("id", "sajjan-gohel").value
    }


def test_references_other_than_allegations_keep_their_iris() -> None:
    """The allegation flag joins the reference hash only when set: published IRIs don't move."""
    value = LiteralValue("2015-01", XSD.gYearMonth.value)
    where = Position("data/claims/siddiqui-2021.yaml", 1, 1)
    claim = Claim("siddiqui-2021", "iskp", "inception", value, "It was founded in January 2015", where)
    assert reference_key(claim) == "2591b4a87084079e"  # as before allegations existed
    claim.allegation, claim.attributed_to = True, "unnamed-analysts"
    alleged = reference_key(claim)
    claim.allegation = False
    assert alleged != reference_key(claim)


def test_a_dataset_with_allegations_conforms_to_the_shapes(built: BuiltDataset, alleging: Path) -> None:
    shapes, _ = load_shapes(load_config(alleging).shapes_dir)
    report = validate_dataset(built, shapes)
    assert report.conforms
    assert [r for r in report.results if r.severity != "info"] == []


def test_the_allegations_query_says_who_alleges_what(alleging: Path, run_agkg: Callable[..., Result]) -> None:
    result = run_agkg("--project", alleging, "query", "--name", "allegations", "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    rows = [
        (b["allegedBy"]["value"], b["property"]["value"], b["value"]["value"], b["status"]["value"])
        for b in answer["results"]["bindings"]
    ]
    assert rows == [
        ("Sajjan Gohel", "collaboratedWith", "Haqqani network", "alleged"),
        ("Taliban", "opponentOf", "US forces", "alleged"),
        ("unnamed analysts", "associatedWith", "Haqqani network", "also stated as fact"),
        ("unnamed reports", "collaboratedWith", "Haqqani network", "alleged"),
    ]


# ----------------------------------------------------------------------- bad input

ALLEGATION = """  - subject: iskp
    property: collaboratedWith
    value: haqqani-network
    quote: 'collaborated on so many major attacks'
"""


def problems_of(project: Path, body: str) -> list[str]:
    (project / "data" / "claims" / "zz-test.yaml").write_text(
        "source: siddiqui-2021\nclaims:\n" + body, encoding="utf-8"
    )
    config = load_config(project)
    with pytest.raises(InputError) as caught:
        load_curated_data(config.data_dir, load_vocabulary(config.ontology_dir), root=project)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            ALLEGATION + "    allegation: true\n",
            "zz-test.yaml:7:17: an allegation needs attributed_to: the entity or source that makes the allegation",
            id="no-accuser",
        ),
        pytest.param(
            ALLEGATION + "    attributed_to: sajjan-gohel\n    allegation: yes\n",
            "zz-test.yaml:8:17: allegation: 'yes' is not true or false",
            id="not-a-boolean",
        ),
        pytest.param(
            ALLEGATION + "    attributed_to: sajjan-gohel\n    allegation: 'true'\n",
            "zz-test.yaml:8:17: allegation: 'true' is not true or false",
            id="quoted-boolean",
        ),
        pytest.param(
            ALLEGATION + "    attributed_to: sajjan-gohel\n    allegation: true\n"
            "    rank: preferred\n    rank_reason: The best value.\n",
            "zz-test.yaml:9:11: an allegation cannot be preferred: an alleged statement is never best-ranked",
            id="preferred",
        ),
        pytest.param(
            ALLEGATION + "    qualifiers:\n      allegedBy: sajjan-gohel\n",
            "zz-test.yaml:8:7: qualifier 'allegedBy' is set by agkg for an allegation: write "
            "'allegation: true' and say who alleges it with attributed_to",
            id="qualifier-by-hand",
        ),
        pytest.param(
            ALLEGATION + "    qualifiers:\n      sourcingCircumstances: allegedly\n",
            "zz-test.yaml:8:7: qualifier 'sourcingCircumstances' is set by agkg for an allegation: write "
            "'allegation: true' and say who alleges it with attributed_to",
            id="circumstances-by-hand",
        ),
    ],
)
def test_misused_allegation_is_reported_at_its_position(project: Path, body: str, expected: str) -> None:
    assert problems_of(project, body) == [f"data/claims/{expected}"]


def test_misused_allegation_exits_2_without_a_traceback(
    project: Path, run_agkg: Callable[..., Result]
) -> None:
    (project / "data" / "claims" / "zz-test.yaml").write_text(
        "source: siddiqui-2021\nclaims:\n" + ALLEGATION + "    allegation: true\n", encoding="utf-8"
    )
    result = run_agkg("--project", project, "publish")
    assert result.exit_code == 2
    assert "data/claims/zz-test.yaml:7:17: an allegation needs attributed_to" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "dist").exists()


# ----------------------------------------------------------------------- pages


def test_the_static_page_shows_alleged_by(alleging: Path, run_agkg: Callable[..., Result]) -> None:
    result = run_agkg("--project", alleging, "publish", "--site")
    assert result.exit_code == 0, result.output
    page = (alleging / "dist" / "site" / "doc" / "id" / "iskp.html").read_text(encoding="utf-8")
    assert_alleged_by_shown(page)


def assert_alleged_by_shown(page: str) -> None:
    """The alleged statement's card is marked and names its accusers before the evidence; the
    normal statement with an allegation beside it is not marked, but its evidence says whose."""
    cards = page.split('<article class="statement ')[1:]
    collaborated = next(c for c in cards if "collaboratedWith" in c.split(">", 1)[0])
    assert collaborated.startswith("rank-normal alleged")
    assert '<span class="alleged-mark">alleged</span>' in collaborated
    banner = collaborated.split('<p class="allegation">', 1)[1].split("</p>", 1)[0]
    assert "Alleged by" in banner and "Sajjan Gohel" in banner and "unnamed reports" in banner
    assert collaborated.index("Alleged by") < collaborated.index('<figure class="evidence')
    # each quote says whose allegation it reports, before the quoted words
    assert collaborated.count('<p class="attribution allegation">Alleged by <a') == 2
    assert "Reported as an allegation by 1 source" in collaborated and "Supported by" not in collaborated
    associated = next(c for c in cards if "associatedWith" in c.split(">", 1)[0])
    assert associated.startswith('rank-normal"')
    assert "alleged-mark" not in associated and '<p class="allegation">' not in associated
    assert associated.count('<p class="attribution allegation">Alleged by <a') == 1


def test_the_served_page_shows_alleged_by(alleging: Path, run_agkg: Callable[..., Result]) -> None:
    pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")
    from test_server import running_server

    from agkg.server import ServerSettings

    assert run_agkg("--project", alleging, "publish").exit_code == 0
    with running_server(alleging, ServerSettings()) as server:
        status, _, body = server.request("GET", "/doc/id/iskp.html", headers={"Accept": "text/html"})
    assert status == 200
    assert_alleged_by_shown(body.decode("utf-8"))


@pytest.mark.parametrize(
    ("extra", "valid"),
    [
        ({"attributed_to": "iskp", "allegation": True}, True),
        ({"allegation": True}, False),
        ({"attributed_to": None, "allegation": True}, False),
        ({"attributed_to": "iskp", "allegation": True, "rank": "preferred", "rank_reason": "x"}, False),
        ({"attributed_to": "iskp", "allegation": "yes"}, False),
        ({"qualifiers": {"allegedBy": "iskp"}}, False),
    ],
)
def test_the_json_schema_checks_allegations(repo: Path, extra: dict[str, object], valid: bool) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((repo / "schema" / "claims.schema.json").read_text(encoding="utf-8"))
    claim = {"subject": "taliban", "property": "ideology", "value": "nationalism", "quote": "q", **extra}
    errors = list(Draft202012Validator(schema).iter_errors({"source": "x", "claims": [claim]}))
    assert (errors == []) == valid, errors


def test_an_alleged_statement_is_not_exported_to_wikidata(built: BuiltDataset) -> None:
    from agkg.quickstatements import export_quickstatements

    export = export_quickstatements(built)
    reasons = {(i.subject, i.property): i.reason for i in export.unmappable}
    assert reasons[("iskp", "collaboratedWith")] == (
        "alleged by sajjan-gohel, unnamed-reports: no source states it as fact"
    )
