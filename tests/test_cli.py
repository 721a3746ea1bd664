"""The command line as a user meets it: outputs, and the documented exit codes."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from conftest import DATASET

from agkg.cli import EXIT_BAD_INPUT, EXIT_NOT_CONFORMING, EXIT_OK, EXIT_REMOTE, cli

Run = Callable[..., Result]

STRICT_SHAPE = """
@prefix agkg: <https://w3id.org/agkg/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
<https://example.org/shapes#GroupsNeedWikidata> a sh:NodeShape ;
    sh:targetClass agkg:ArmedGroup ;
    sh:property [ sh:path agkg:wikidataId ; sh:minCount 1 ;
                  sh:message "this repository requires a Wikidata id on every armed group" ] .
"""


def test_build_prints_counts(project: Path, run_agkg: Run) -> None:
    result = run_agkg("--project", project, "build")
    assert result.exit_code == EXIT_OK, result.stderr
    counts = dict(line.split() for line in result.stdout.splitlines())
    assert set(counts) == {"sources", "entities", "claims", "statements", "references", "triples", "quads"}
    assert int(counts["sources"]) == 3
    assert int(counts["claims"]) > int(counts["statements"]) > 50


def test_query_when_was_iskp_founded_and_by_which_sources(project: Path, run_agkg: Run) -> None:
    query = """
        SELECT DISTINCT ?date ?precision ?headline WHERE {
          id:iskp p:inception ?st . ?st wikibase:rank wikibase:NormalRank ;
              ps:inception ?date ; psv:inception/wikibase:timePrecision ?precision ;
              prov:wasDerivedFrom ?ref .
          ?ref pr:statedIn ?source . ?source schema:headline ?headline }
        ORDER BY ?headline"""
    result = run_agkg("--project", project, "query", query, "--format", "json")
    assert result.exit_code == EXIT_OK, result.stderr
    rows = [
        (b["date"]["value"], b["precision"]["value"], b["headline"]["value"])
        for b in json.loads(result.stdout)["results"]["bindings"]
    ]
    assert rows == [  # January 2015: the first instant, at month precision (10)
        ("2015-01-01T00:00:00Z", "10", "Afghan Crisis: What you need to know about IS-K"),
        (
            "2015-01-01T00:00:00Z",
            "10",
            "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
        ),
    ]


def test_query_formats(project: Path, run_agkg: Run) -> None:
    query = "SELECT ?label WHERE { id:iskp rdfs:label ?label }"
    expected = {
        "csv": b"label\r\nIslamic State Khorasan Province\r\n",
        "tsv": b'?label\n"Islamic State Khorasan Province"@en\n',
    }
    for fmt, data in expected.items():
        assert run_agkg("--project", project, "query", query, "--format", fmt).stdout_bytes == data
    xml = run_agkg("--project", project, "query", query, "--format", "xml").stdout
    assert '<literal xml:lang="en">Islamic State Khorasan Province</literal>' in xml
    table = run_agkg("--project", project, "query", query).stdout
    assert table.splitlines()[2] == "Islamic State Khorasan Province"
    graph = run_agkg(
        "--project",
        project,
        "query",
        "CONSTRUCT { id:iskp rdfs:label ?l } WHERE { id:iskp rdfs:label ?l }",
        "--format",
        "ntriples",
    ).stdout
    assert graph == (
        "<https://w3id.org/agkg/id/iskp> <http://www.w3.org/2000/01/rdf-schema#label> "
        '"Islamic State Khorasan Province"@en .\n'
    )
    assert run_agkg("--project", project, "query", "ASK { id:iskp ?p ?o }").stdout == "yes\n"


def test_query_reuses_the_cached_store_until_the_data_changes(project: Path, run_agkg: Run) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l }"
    first = run_agkg("--project", project, "query", query, "--format", "csv").stdout
    cache = project / ".agkg" / "query" / "dataset.nq"
    stamp = cache.stat().st_mtime_ns
    assert run_agkg("--project", project, "query", query, "--format", "csv").stdout == first
    assert cache.stat().st_mtime_ns == stamp
    entities = project / "data" / "entities" / "zz-new.yaml"
    entities.write_text(
        "entities:\n  - id: new-group\n    type: ArmedGroup\n    label: {en: New group}\n", encoding="utf-8"
    )
    second = run_agkg("--project", project, "query", query, "--format", "csv").stdout
    assert int(second.split()[1]) == int(first.split()[1]) + 1


def test_validate_conforms(project: Path, run_agkg: Run) -> None:
    result = run_agkg("--project", project, "validate")
    assert result.exit_code == EXIT_OK, result.stdout + result.stderr


def test_violations_exit_1_and_publish_refuses_unless_forced(project: Path, run_agkg: Run) -> None:
    (project / "shapes" / "zz-strict.ttl").write_text(STRICT_SHAPE, encoding="utf-8")
    result = run_agkg("--project", project, "validate")
    assert result.exit_code == EXIT_NOT_CONFORMING
    assert re.search(
        r"^data/entities/groups\.yaml:\d+(:\d+)?: .*this repository requires", result.stdout, re.M
    )
    refused = run_agkg("--project", project, "publish")
    assert refused.exit_code == EXIT_NOT_CONFORMING
    assert "nothing published" in refused.stderr
    assert not (project / "dist").exists()
    forced = run_agkg("--project", project, "publish", "--force")
    assert forced.exit_code == EXIT_OK
    assert (project / "dist" / "dataset.ttl").exists()


def test_usage_errors_exit_2(project: Path, run_agkg: Run) -> None:
    assert run_agkg("--project", project, "query").exit_code == EXIT_BAD_INPUT
    assert run_agkg("--project", project, "query", "SELEC ?x").exit_code == EXIT_BAD_INPUT
    refused = run_agkg(
        "--project", project, "query", "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"
    )
    assert refused.exit_code == EXIT_BAD_INPUT
    assert "SERVICE calls are refused" in refused.stderr
    assert run_agkg("--project", project, "publish", "--no-such-option").exit_code == EXIT_BAD_INPUT


def test_unreachable_endpoint_exits_3(run_agkg: Run) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_agkg(
        "query", "--endpoint", f"http://127.0.0.1:{port}/sparql", "ASK { ?s ?p ?o }", "--timeout", "5"
    )
    assert result.exit_code == EXIT_REMOTE
    assert f"http://127.0.0.1:{port}/sparql" in result.stderr


def test_verify_finds_every_quote(corpus: Path, run_agkg: Run) -> None:
    result = run_agkg("--project", DATASET, "verify", "--corpus", corpus, "--format", "json")
    assert result.exit_code == EXIT_OK, result.stderr
    checks = json.loads(result.stdout)
    assert checks and all(c["status"] == "found" for c in checks)
    text = (corpus / "000_e79d1eb089dba4fc.txt").read_text(encoding="utf-8")
    for check in checks:
        if check["source"] == "siddiqui-2021":
            start, end = check["start"], check["end"]
            assert " ".join(text[start:end].split()) == " ".join(check["quote"].split())


def test_verify_reports_a_missing_quote_with_exit_2(project: Path, corpus: Path, run_agkg: Run) -> None:
    path = project / "data" / "claims" / "zz.yaml"
    path.write_text(
        "source: siddiqui-2021\nclaims:\n  - subject: iskp\n    property: memberCount\n"
        '    value: 4000\n    quote: "The group had about 4,000 fighters"\n',
        encoding="utf-8",
    )
    result = run_agkg("--project", project, "verify", "--corpus", corpus)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "data/claims/zz.yaml:6:12: quote not found in the source text; closest passage" in result.stderr


def test_readme_documents_every_command_and_exit_code(repo: Path) -> None:
    readme = (repo / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"agkg {name}" in readme, f"README does not document 'agkg {name}'"
    for code in (EXIT_OK, EXIT_NOT_CONFORMING, EXIT_BAD_INPUT, EXIT_REMOTE):
        assert f"| {code} |" in readme
