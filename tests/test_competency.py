"""Competency questions: the mechanism that checks their answers (``agkg test``).

The bundled dataset's expected answers are data beside the queries (``queries/expected/``),
checked by ``agkg test`` in .ci/run as a curator's CI would, and re-recorded with
``agkg test --record`` after review: adding an article changes those files, never this test
suite. Here the mechanism runs on a small fixture project (tests/linked_project.py): record,
pass, a changed answer is a readable diff with exit code 1, re-record.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from linked_project import make_project

from agkg.cli import cli

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"

# the fixture project's base is https://example.org/kg/ (tests/linked_project.py): its truthy
# triples are wdt: (prop/direct/), its time values psv: nodes with their precision
PARTS = """# Question: Which group is part of which?
PREFIX wdt: <https://example.org/kg/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?group ?parent WHERE {
  ?g wdt:partOf ?p ; rdfs:label ?group . ?p rdfs:label ?parent .
} ORDER BY ?group ?parent
"""
FOUNDED = """# Question: Is any group founded in 2019?
PREFIX p: <https://example.org/kg/prop/>
PREFIX psv: <https://example.org/kg/prop/statement/value/>
PREFIX wikibase: <http://wikiba.se/ontology#>
ASK {
  ?g p:inception/psv:inception [ wikibase:timeValue ?date ; wikibase:timePrecision ?precision ]
  FILTER(STRSTARTS(STR(?date), "2019-03") && ?precision = 10)
}
"""
LEADERS = """# Question: Which groups have a leader named in the data?
PREFIX agkg: <https://w3id.org/agkg/ontology#>
PREFIX wdt: <https://example.org/kg/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?group ?leader WHERE {
  ?g a agkg:ArmedGroup ; rdfs:label ?group .
  OPTIONAL { ?g wdt:leader ?l . ?l rdfs:label ?leader }
}
"""


def agkg(project: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--project", str(project), "--quiet", *args])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = make_project(tmp_path / "p")
    (folder / "queries").mkdir()
    for name, text in (("parts", PARTS), ("founded", FOUNDED), ("leaders", LEADERS)):
        (folder / "queries" / f"{name}.rq").write_text(text, encoding="utf-8")
    return folder


def add_claim(project: Path, claim: str) -> None:
    claims = project / "data/claims/dated-2021.yaml"
    claims.write_text(claims.read_text(encoding="utf-8") + claim, encoding="utf-8")


NEW_PARENT = (
    "  - subject: northern-front\n    property: partOf\n    value: southern-alliance\n"
    "    quote: 'veterans of the river war'\n"
)


def test_record_then_pass(project: Path) -> None:
    recorded = agkg(project, "test", "--record")
    assert recorded.exit_code == 0, recorded.output
    expected = project / "queries" / "expected"
    assert sorted(p.name for p in expected.iterdir()) == ["founded.tsv", "leaders.tsv", "parts.tsv"]
    assert (expected / "founded.tsv").read_text() == "true\n"
    assert (
        expected / "parts.tsv"
    ).read_text() == '?group\t?parent\n"Northern Front"@en\t"Southern Alliance"@en\n'
    # an unbound variable is an empty field; rows of a query without ORDER BY are sorted
    assert (expected / "leaders.tsv").read_text().splitlines() == [
        "?group\t?leader",
        '"Northern Front"@en\t',
        '"Southern Alliance"@en\t',
    ]
    checked = agkg(project, "test")
    assert checked.exit_code == 0, checked.output
    assert "3 answers checked: 3 same, 0 different" in checked.stderr
    again = agkg(project, "test", "--record")
    assert "0 answers recorded, 3 unchanged" in again.stderr


def test_a_changed_answer_is_a_readable_diff_and_exit_1(project: Path) -> None:
    assert agkg(project, "test", "--record").exit_code == 0
    add_claim(project, NEW_PARENT.replace("southern-alliance", "amal-idris"))
    entities = project / "data/entities/entities.yaml"
    entities.write_text(
        entities.read_text().replace(
            "type: Person\n    label: {en: Amal Idris}", "type: ArmedGroup\n    label: {en: Amal Idris}"
        )
    )
    checked = agkg(project, "test")
    assert checked.exit_code == 1, checked.output
    assert "FAIL parts: the answer differs from queries/expected/parts.tsv" in checked.stdout
    assert '  + "Northern Front"@en | "Amal Idris"@en' in checked.stdout.splitlines()
    assert "FAIL leaders" in checked.stdout
    assert '  + "Amal Idris"@en | ' in checked.stdout.splitlines()
    assert "ok   founded" in checked.stdout
    assert "2 answer(s) differ" in checked.stderr

    # re-recording one answer after review leaves only the other to differ
    assert agkg(project, "test", "--record", "parts").exit_code == 0
    assert agkg(project, "test", "parts").exit_code == 0
    assert agkg(project, "test").exit_code == 1
    assert agkg(project, "test", "--record").exit_code == 0
    assert agkg(project, "test").exit_code == 0


def test_a_removed_row_and_a_changed_column(project: Path) -> None:
    assert agkg(project, "test", "--record").exit_code == 0
    claims = project / "data/claims/undated-2021.yaml"
    claims.write_text(claims.read_text().replace("property: partOf", "property: alliedWith"))
    (project / "queries" / "leaders.rq").write_text(LEADERS.replace("?leader", "?chief"))
    checked = agkg(project, "test")
    assert checked.exit_code == 1
    lines = checked.stdout.splitlines()
    assert '  - "Northern Front"@en | "Southern Alliance"@en' in lines
    assert "  columns: expected '?group\\t?leader', got '?group\\t?chief'" in lines


def test_a_named_query_without_an_answer_is_an_error(project: Path) -> None:
    result = agkg(project, "test", "parts")
    assert result.exit_code == 2
    assert "no expected answer for parts" in result.stderr
    nothing = agkg(project, "test")
    assert nothing.exit_code == 2
    assert "no query in queries/ has an expected answer" in nothing.stderr
    unknown = agkg(project, "test", "nope")
    assert unknown.exit_code == 2
    assert "no query named 'nope'" in unknown.stderr


def test_an_answer_whose_query_is_gone_is_reported(project: Path) -> None:
    assert agkg(project, "test", "--record").exit_code == 0
    (project / "queries" / "leaders.rq").unlink()
    result = agkg(project, "test")
    assert result.exit_code == 0
    assert "queries/expected/leaders.tsv: no query of that name" in result.stderr


def test_every_bundled_query_has_a_question_and_an_expected_answer() -> None:
    """The structure of the bundled library, not its answers (those are checked by agkg test)."""
    names = sorted(path.stem for path in QUERIES.glob("*.rq"))
    assert names
    for name in names:
        first = (QUERIES / f"{name}.rq").read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Question: "), name
        assert any((QUERIES / "expected" / f"{name}{s}").is_file() for s in (".tsv", ".nt")), (
            f"no expected answer for queries/{name}.rq: review it and run 'agkg test --record {name}'"
        )
