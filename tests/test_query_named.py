"""Named queries (queries/*.rq): --list, --name and --param binding, locally."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import Result

from agkg.errors import QueryError
from agkg.sparql.querylib import (
    bind_with_values,
    declare_prefixes,
    list_queries,
    parse_params,
    parse_term,
    prepare_local,
    prepare_remote,
    projected_variables,
)
from agkg.vocab import data_prefixes

PREFIXES = data_prefixes("https://w3id.org/agkg/")
Run = Callable[..., Result]


def rows(output: str) -> list[tuple[str | None, ...]]:
    answer = json.loads(output)
    names = answer["head"]["vars"]
    return [tuple(b.get(v, {}).get("value") for v in names) for b in answer["results"]["bindings"]]


def test_list_shows_every_query_with_its_question(run_agkg: Run, repo: Path) -> None:
    result = run_agkg("--project", repo, "query", "--list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    names = sorted(p.stem for p in (repo / "queries").glob("*.rq"))
    assert [line.split()[0] for line in lines] == names
    for line, query in zip(lines, list_queries(repo / "queries"), strict=True):
        assert query.question and query.question in line


def test_named_query_without_params_equals_the_file(run_agkg: Run, repo: Path) -> None:
    by_name = run_agkg("--project", repo, "query", "--name", "sources", "--format", "json")
    by_file = run_agkg("--project", repo, "query", "--file", repo / "queries/sources.rq", "--format", "json")
    assert by_name.exit_code == 0, by_name.output
    assert rows(by_name.stdout) == rows(by_file.stdout)
    assert len(rows(by_name.stdout)) >= 2


def test_param_on_a_projected_variable_selects_its_rows(run_agkg: Run, repo: Path) -> None:
    every = rows(run_agkg("--project", repo, "query", "--name", "sources", "--format", "json").stdout)
    first = every[0][0]
    assert first is not None
    result = run_agkg(
        "--project", repo, "query", "--name", "sources", "--param", f"source={first}", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert rows(result.stdout) == [row for row in every if row[0] == first]


def test_param_on_an_inner_variable_binds_an_iri(run_agkg: Run, repo: Path) -> None:
    # group-names asks about ?g, the group with the alias "ISKP"; binding ?g to the group's IRI
    # gives the same names, binding it to a group without that alias gives none.
    plain = rows(run_agkg("--project", repo, "query", "--name", "group-names", "--format", "json").stdout)
    bound = run_agkg(
        "--project", repo, "query", "--name", "group-names", "--param", "g=id:iskp", "--format", "json"
    )
    assert bound.exit_code == 0, bound.output
    assert rows(bound.stdout) == plain and plain
    other = run_agkg(
        "--project", repo, "query", "--name", "group-names", "--param", "g=<urn:nothing>", "--format", "json"
    )
    assert rows(other.stdout) == []


@pytest.mark.parametrize(
    "value",
    ['x" } } ; DROP ALL #', '"a" . } INSERT DATA { <a> <b> <c> } #', "?s } UNION { ?s ?p ?o", "<a> <b>"],
)
def test_hostile_values_never_change_the_query(run_agkg: Run, repo: Path, value: str) -> None:
    result = run_agkg(
        "--project", repo, "query", "--name", "group-names", "--param", f"g={value}", "--format", "json"
    )
    # Either refused as not an RDF term (exit 2), or bound as one term: no rows either way.
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 0:
        assert rows(result.stdout) == []


def test_unknown_variable_and_unknown_name_are_usage_errors(run_agkg: Run, repo: Path) -> None:
    result = run_agkg("--project", repo, "query", "--name", "sources", "--param", "nope=1")
    assert result.exit_code == 2
    assert "no variable ?nope" in result.stderr
    result = run_agkg("--project", repo, "query", "--name", "no-such-query")
    assert result.exit_code == 2
    assert "no query named 'no-such-query'" in result.stderr and "sources" in result.stderr
    result = run_agkg("--project", repo, "query", "--name", "../etc/passwd")
    assert result.exit_code == 2


def test_parse_term_kinds() -> None:
    assert parse_term("id:iskp", PREFIXES) == ox.NamedNode("https://w3id.org/agkg/id/iskp")
    assert parse_term("<http://example.org/x>", PREFIXES) == ox.NamedNode("http://example.org/x")
    assert parse_term('"ISKP"@en', PREFIXES) == ox.Literal("ISKP", language="en")
    assert parse_term('"2015"^^xsd:gYear', PREFIXES) == ox.Literal(
        "2015", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")
    )
    assert parse_term("plain words: here", PREFIXES) == ox.Literal("plain words: here")
    assert parse_term("https://example.org/x", PREFIXES) == ox.Literal("https://example.org/x")
    with pytest.raises(QueryError):
        parse_term("<a> <b> <c>", PREFIXES)
    with pytest.raises(QueryError):
        parse_params(["no-equals-sign"], PREFIXES)


def test_values_go_where_a_prebound_variable_would_be() -> None:
    query = 'SELECT ?n WHERE { ?g <urn:p> "{ WHERE" . BIND (STR(?g) AS ?n) } ORDER BY ?n'
    bound = bind_with_values(query, {"g": ox.NamedNode("urn:x")})
    assert bound.startswith('SELECT ?n WHERE { VALUES (?g) { (<urn:x>) }  ?g <urn:p> "{ WHERE"')
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert "WHERE { VALUES (?s)" in bind_with_values(construct, {"s": ox.NamedNode("urn:s")})
    assert projected_variables("SELECT DISTINCT ?a (COUNT(*) AS ?n) WHERE { ?a ?b ?c } GROUP BY ?a") == {
        "a",
        "n",
    }
    assert projected_variables("SELECT * { ?a ?b ?c }") is None


def test_local_and_remote_preparation_bind_the_same_variables() -> None:
    query = "SELECT ?s ?label WHERE { ?s rdfs:label ?l . BIND (STR(?l) AS ?label) }"
    params = {"label": ox.Literal("x"), "l": ox.Literal("x", language="en")}
    text, substitutions = prepare_local(query, params)
    assert substitutions == {ox.Variable("label"): ox.Literal("x")}
    assert 'VALUES (?l) { ("x"@en) }' in text
    remote = prepare_remote(query, params, PREFIXES)
    assert remote.startswith("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
    assert remote.rstrip().endswith('VALUES (?label) { ("x") }')
    assert declare_prefixes("PREFIX rdfs: <urn:r#>\nASK { ?s rdfs:x ?o }", PREFIXES).startswith(
        "PREFIX rdfs:"
    )
