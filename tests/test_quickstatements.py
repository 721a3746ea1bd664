"""`agkg export quickstatements`: valid V1 commands with references; the rest listed with reasons."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from agkg.build.graph import build_dataset
from agkg.build.provenance import ReferenceRecord
from agkg.config import load_config
from agkg.wikidata.quickstatements import NotExpressible, qs_monolingual, qs_text, qs_time, reference_group

# V1 command grammar (Help:QuickStatements): TAB-separated entity, property, value, then
# qualifier pairs (P…), then source pairs (S…).
ITEM = re.compile(r"^Q[1-9][0-9]*$")
PROPERTY = re.compile(r"^P[1-9][0-9]*$")
SOURCE = re.compile(r"^S[1-9][0-9]*$")
VALUE = re.compile(
    r'^(Q[1-9][0-9]*|"[^"|\t]+"|[a-z]{2,3}(-[a-z0-9]+)*:"[^"|\t]+"'
    r"|[+-][0-9]{4,}-[0-9]{2}-[0-9]{2}T00:00:00Z/(9|10|11)|[+-]?[0-9]+(\.[0-9]+)?)$"
)
XSD = "http://www.w3.org/2001/XMLSchema#"

# P17 (country) is checked (public Wikidata property tables: "P17 … country"), not yet in the
# ontology; the test project adds it. The iskp item ID is the fixture's FICTIONAL Q9900000010.
EXTRA_ALIGNMENT = """@prefix agkg: <https://w3id.org/agkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wd: <http://www.wikidata.org/entity/> .
agkg:country skos:exactMatch wd:P17 .
"""


def assert_v1(line: str) -> None:
    fields = line.split("\t")
    assert len(fields) >= 5 and len(fields) % 2 == 1, line
    assert ITEM.match(fields[0]) and PROPERTY.match(fields[1]) and VALUE.match(fields[2]), line
    pairs = list(zip(fields[3::2], fields[4::2], strict=True))
    kinds = ["S" if SOURCE.match(p) else "P" if PROPERTY.match(p) else "?" for p, _ in pairs]
    assert "?" not in kinds and "S" in kinds, line
    assert kinds == sorted(kinds), f"qualifiers must come before sources: {line}"
    for _, value in pairs:
        assert VALUE.match(value), (value, line)


@pytest.fixture
def qs_project(project: Path) -> Path:
    (project / "ontology" / "test-alignments.ttl").write_text(EXTRA_ALIGNMENT, encoding="utf-8")
    groups = project / "data" / "entities" / "groups.yaml"
    text = groups.read_text(encoding="utf-8")
    marker = "  - id: iskp\n    type: ArmedGroup\n"
    assert marker in text
    groups.write_text(text.replace(marker, marker + "    wikidata: Q9900000010\n"), encoding="utf-8")
    return project


def export(
    run_agkg: Callable[..., Result], project: Path, *extra: str
) -> tuple[list[str], list[list[str]], Result]:
    out, issues = project / "qs.txt", project / "unmappable.tsv"
    result = run_agkg(
        "--project", project, "export", "quickstatements", "--out", out, "--unmappable", issues, *extra
    )
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in issues.read_text(encoding="utf-8").splitlines()[1:]]
    return out.read_text(encoding="utf-8").splitlines(), rows, result


def test_every_command_is_valid_v1_with_a_reference(
    run_agkg: Callable[..., Result], qs_project: Path
) -> None:
    lines, _, _ = export(run_agkg, qs_project)
    assert lines
    for line in lines:
        assert_v1(line)
    assert len(lines) == len(set(lines))


def test_country_claim_with_title_date_author_and_quotation(
    run_agkg: Callable[..., Result], qs_project: Path
) -> None:
    lines, _, _ = export(run_agkg, qs_project)
    assert (
        "Q3861\tP17\tQ846"
        '\tS1476\ten:"Afghan Crisis: What you need to know about IS-K"'
        "\tS577\t+2021-08-27T00:00:00Z/11"
        '\tS2093\t"Aneela Siddiqui"'
        '\tS1683\ten:"Doha, Qatar"'
    ) in lines


def test_inception_keeps_month_precision_and_both_sources(
    run_agkg: Callable[..., Result], qs_project: Path
) -> None:
    lines, _, _ = export(run_agkg, qs_project)
    inception = [line for line in lines if line.startswith("Q9900000010\tP571\t")]
    assert inception and all(line.split("\t")[2] == "+2015-01-00T00:00:00Z/10" for line in inception)
    titles = {line.split("\t")[4] for line in inception}
    assert len(titles) == 2  # one reference line per source
    assert not any("+2018" in line for line in lines)  # the deprecated 2018 claim


def test_unmappable_statements_are_listed_with_reasons(
    run_agkg: Callable[..., Result], qs_project: Path
) -> None:
    _, rows, result = export(run_agkg, qs_project)
    reasons = {(r[2], r[3], r[4]): r[6] for r in rows if r[5] == "unmappable"}
    assert "deprecated" in reasons[("iskp", "inception", "2018")]
    assert "deprecated" in reasons[("nangarhar", "country", "pakistan")]
    assert "no verified Wikidata property" in reasons[("iskp", "opponentOf", "taliban")]
    assert "has no Wikidata ID" in reasons[("taliban", "operatesIn", "afghanistan")]
    assert all(r[0].startswith("data/claims/") for r in rows)  # every row says where the claim is
    assert "unmappable" in result.stderr


def test_close_matches_are_noted_and_excluded_by_exact_only(
    run_agkg: Callable[..., Result], qs_project: Path
) -> None:
    lines, rows, _ = export(run_agkg, qs_project)
    assert any(line.startswith("Q9900000010\tP361\tQ2429253\t") for line in lines)
    assert any(r[5] == "caveat" and "close match of P361" in r[6] for r in rows)
    exact, rows, _ = export(run_agkg, qs_project, "--exact-only")
    assert not any("\tP361\t" in line for line in exact)
    assert any("only a close match of P361" in r[6] for r in rows)
    assert any("\tP571\t" in line for line in exact)


def test_repository_data_exports_only_verified_mappings(
    run_agkg: Callable[..., Result], project: Path
) -> None:
    lines, rows, _ = export(run_agkg, project)
    # the one claim whose subject, property (country, P17) and value all have verified IDs
    assert lines == [
        'Q3861\tP17\tQ846\tS1476\ten:"Afghan Crisis: What you need to know about IS-K"'
        '\tS577\t+2021-08-27T00:00:00Z/11\tS2093\t"Aneela Siddiqui"\tS1683\ten:"Doha, Qatar"'
    ]
    assert len(rows) == 92


@pytest.mark.parametrize(
    ("lexical", "datatype", "expected"),
    [
        ("2015", "gYear", "+2015-00-00T00:00:00Z/9"),
        ("2015-01", "gYearMonth", "+2015-01-00T00:00:00Z/10"),
        ("2021-08-15", "date", "+2021-08-15T00:00:00Z/11"),
        ("2021-08-27T15:09:00", "dateTime", "+2021-08-27T00:00:00Z/11"),
    ],
)
def test_time_precision(lexical: str, datatype: str, expected: str) -> None:
    assert qs_time(lexical, XSD + datatype) == expected


@pytest.mark.parametrize("text", ['say "hello"', "a | b", "", "x" * 1501])
def test_texts_v1_cannot_carry_are_refused(text: str) -> None:
    with pytest.raises(NotExpressible):
        qs_text(text)


def test_monolingual_folds_white_space() -> None:
    assert qs_monolingual("It was\n founded  in", "en") == 'en:"It was founded in"'


def test_attributed_references_are_not_carried(qs_project: Path) -> None:
    built = build_dataset(load_config(qs_project))
    attributed = [r for r in built.provenance.references.values() if r.attributed_to]
    assert attributed
    with pytest.raises(NotExpressible, match="attributes it to"):
        reference_group(attributed[0], built.data)
    own = ReferenceRecord("k", "siddiqui-2021", "Doha, Qatar", None, None, None)
    assert reference_group(own, built.data)[-2:] == ["S1683", 'en:"Doha, Qatar"']
