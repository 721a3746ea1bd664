"""Issue 16, triple stores: remote queries answer as local ones whatever the store's default graph,
push removes the graphs of sources no longer published (and nothing else), and named queries'
declared parameters bind. Against real servers on loopback: Oxigraph with and without
--union-default-graph, and Virtuoso 7."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from conftest import CORPUS, REPO, OxigraphServer, VirtuosoServer, project_source
from test_push import FaultyProxy

from agkg.build.graph import Iris
from agkg.cli import cli
from agkg.errors import RemoteError
from agkg.sparql.push import GraphPayload, PushTarget, load_published, push_dataset
from agkg.sparql.querylib import declares_dataset, list_queries, parse_term, query_variables
from agkg.sparql.remote import HttpClient, read_manifest
from agkg.vocab import data_prefixes

Run = Callable[..., Result]
BASE = "https://w3id.org/agkg/"
IRIS = Iris(BASE)
DBA = {"AGKG_ENDPOINT_USER": "dba", "AGKG_ENDPOINT_PASSWORD": "dba", "AGKG_ENDPOINT_AUTH": "digest"}
NOTHING = "<urn:agkg:test:nothing>"
# Queries whose answers depend on how the store builds its default graph and dataset.
INLINE = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",  # a triple in two graphs counts once
    "graphs": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g",
    "in-graphs": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "from": f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/source/siddiqui-2021> WHERE {{ ?s ?p ?o }}",
    "from-named": f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{BASE}graph/entities> "
    "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
}


FIXTURE_GROUP = """entities:
  - id: fixture-front
    type: ArmedGroup
    label: {en: Fixture Front}
    aliases: {en: [FF, Front of Fixtures]}
"""


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def answer(result: Result) -> object:
    """A JSON result as comparable rows (or the ASK boolean)."""
    assert result.exit_code == 0, result.stderr
    parsed = json.loads(result.stdout)
    if "boolean" in parsed:
        return parsed["boolean"]
    names = parsed["head"]["vars"]
    return names, [tuple((b.get(v) or {}).get("value") for v in names) for b in parsed["results"]["bindings"]]


@pytest.fixture(scope="module")
def store_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project, published into its own dist/."""
    target = tmp_path_factory.mktemp("stores") / "project"
    target.mkdir()
    for folder in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(project_source(folder), target / folder)
    (target / "agkg.toml").write_text(f'[agkg]\nbase = "{BASE}"\ncorpus = "{CORPUS}"\n', encoding="utf-8")
    (target / "data" / "entities" / "fixture.yaml").write_text(FIXTURE_GROUP, encoding="utf-8")
    result = invoke("--project", target, "--quiet", "publish", "--force")
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="module")
def local_answers(store_project: Path) -> dict[str, object]:
    """Every named and inline query's local answer, the reference for the stores."""
    answers = {}
    for query in list_queries(store_project / "queries"):
        answers[query.name] = answer(
            invoke("--project", store_project, "query", "--name", query.name, "--format", "json")
        )
    for key, text in INLINE.items():
        answers[key] = answer(invoke("--project", store_project, "query", text, "--format", "json"))
    answers["group-names g=fixture-front"] = answer(
        invoke("--project", store_project, "query", "--name", "group-names", "--param", "g=id:fixture-front", "--format", "json")
    )  # fmt: skip
    return answers


def assert_same_answers(project: Path, endpoint: str, local: dict[str, object]) -> None:
    def remote(*args: str) -> object:
        return answer(
            invoke("--project", project, "query", *args, "--format", "json", "--endpoint", endpoint)
        )

    differ = []
    for query in list_queries(project / "queries"):
        if remote("--name", query.name) != local[query.name]:
            differ.append(query.name)
    for key, text in INLINE.items():
        if remote(text) != local[key]:
            differ.append(key)
    if (
        remote("--name", "group-names", "--param", "g=id:fixture-front")
        != local["group-names g=fixture-front"]
    ):
        differ.append("group-names g=fixture-front")
    assert differ == []


@pytest.fixture(params=[False, True], ids=["store-default-graph", "union-default-graph"])
def any_oxigraph(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path / "oxigraph", union_default_graph=request.param)
    yield server
    server.stop()


def test_named_queries_answer_as_locally_whatever_the_stores_default_graph(
    store_project: Path, local_answers: dict[str, object], any_oxigraph: OxigraphServer
) -> None:
    # README's Triple stores commands: push with the Graph Store Protocol, query by name.
    pushed = invoke(
        "--project", store_project, "push", "--endpoint", any_oxigraph.query_url, "--graph-store", any_oxigraph.store_url
    )  # fmt: skip
    assert pushed.exit_code == 0, pushed.stderr
    triples, in_graphs = local_answers["triples"], local_answers["in-graphs"]
    assert isinstance(triples, tuple) and isinstance(in_graphs, tuple)
    assert int(in_graphs[1][0][0]) > int(triples[1][0][0]) > 0  # some triples are in two graphs
    names = local_answers["group-names g=fixture-front"]
    assert isinstance(names, tuple) and ("Fixture Front", "label") in names[1]
    assert_same_answers(store_project, any_oxigraph.query_url, local_answers)


def test_a_store_agkg_never_pushed_to_gets_the_query_as_it_is(
    store_project: Path, oxigraph: OxigraphServer
) -> None:
    client = HttpClient(timeout=30)
    put = client.request(
        "PUT", oxigraph.store_url + "?graph=urn:theirs", b"<urn:s> <urn:p> <urn:o> .\n", {"Content-Type": "application/n-triples"}
    )  # fmt: skip
    assert put.status in (201, 204)
    assert read_manifest(oxigraph.query_url, IRIS.push_manifest_graph).dataset is None
    result = invoke("--project", store_project, "query", "SELECT ?s WHERE { ?s ?p ?o }", "--format", "json",
                    "--endpoint", oxigraph.query_url)  # fmt: skip
    assert answer(result) == (["s"], [("urn:s",)])  # the store's (union) default graph


def test_declares_dataset() -> None:
    assert declares_dataset("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }")
    assert declares_dataset("select * from named <urn:g> { graph ?g { ?s ?p ?o } }")
    assert not declares_dataset('SELECT * WHERE { ?s <urn:FROM> "FROM" } # FROM')


# --- push removes what it pushed before and no longer publishes ---------------------------------


def store_quads(server: OxigraphServer) -> dict[str, set[str]]:
    answer = HttpClient(timeout=30).request(
        "GET", server.store_url, headers={"Accept": "application/n-quads"}
    )
    assert answer.status == 200
    graphs: dict[str, set[str]] = {}
    for quad in ox.parse(answer.body, format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs.setdefault(quad.graph_name.value, set()).add(
                f"{quad.subject} {quad.predicate} {quad.object}"
            )
    return graphs


SOMEONE_ELSES = {"https://example.org/theirs": b"<urn:a> <urn:b> <urn:c> .\n",
                 f"{BASE}graph/source/not-pushed-by-agkg": b"<urn:x> <urn:y> <urn:z> .\n"}  # fmt: skip


def put_someone_elses(store_url: str, environ: dict[str, str] | None = None) -> None:
    client = HttpClient(timeout=60, environ=environ)
    for graph, body in SOMEONE_ELSES.items():
        answer = client.request(
            "PUT", f"{store_url}?graph={graph}", body, {"Content-Type": "application/n-triples"}
        )
        assert 200 <= answer.status < 300, answer.body[:300]


def without(graphs: list[GraphPayload], source: str) -> list[GraphPayload]:
    kept = [g for g in graphs if g.name != IRIS.source_graph(source)]
    assert len(kept) == len(graphs) - 1
    return kept


@pytest.mark.parametrize("how", ["gsp", "update"])
def test_push_removes_the_graph_of_a_removed_source_and_nothing_else(
    store_project: Path, oxigraph: OxigraphServer, how: str
) -> None:
    graphs = load_published(store_project / "dist", IRIS)
    target = PushTarget(oxigraph.query_url, oxigraph.store_url if how == "gsp" else None, oxigraph.update_url)
    put_someone_elses(oxigraph.store_url)
    push_dataset(graphs, target, HttpClient(timeout=30), iris=IRIS)
    gone = IRIS.source_graph("siddiqui-2021").value
    assert gone in store_quads(oxigraph)
    # the source is removed from the data; a later push, from anywhere (nothing kept locally)
    report = push_dataset(without(graphs, "siddiqui-2021"), target, HttpClient(timeout=30), iris=IRIS)
    assert report.removed == [gone]
    stored = store_quads(oxigraph)
    assert gone not in stored
    for graph, body in SOMEONE_ELSES.items():
        assert stored[graph] == {body.decode().rstrip(" .\n")}
    # the union no longer holds what only the removed source said
    remaining = set().union(
        *(stored[g.name.value] for g in graphs if g.name.value != gone and g.name != IRIS.shapes_graph)
    )
    union = stored[IRIS.union_graph.value]
    assert len(union) == len(remaining)  # (blank nodes are labelled per graph in the store)
    assert {t for t in union if "_:" not in t} == {t for t in remaining if "_:" not in t}
    manifest = read_manifest(oxigraph.query_url, IRIS.push_manifest_graph)
    assert gone not in manifest.parts and gone not in manifest.named_graphs
    assert manifest.default_graphs == (IRIS.union_graph.value,)
    assert not set(SOMEONE_ELSES) & set(manifest.parts)
    again = push_dataset(without(graphs, "siddiqui-2021"), target, HttpClient(timeout=30), iris=IRIS)
    assert again.removed == []


def test_a_graph_written_by_a_push_that_failed_is_removed_later(
    store_project: Path, oxigraph: OxigraphServer
) -> None:
    graphs = load_published(store_project / "dist", IRIS)
    added = IRIS.source_graph("siddiqui-2021").value
    direct = PushTarget(oxigraph.query_url, oxigraph.store_url)
    push_dataset(without(graphs, "siddiqui-2021"), direct, HttpClient(timeout=30), iris=IRIS)
    # a push adding a source dies after writing its graph, before recording the push as done
    names = [g.name.value for g in graphs]
    proxy = FaultyProxy(oxigraph.port, fail_at=2 + names.index(added) + 1, mode="cut")
    try:
        with pytest.raises(RemoteError):
            push_dataset(
                graphs,
                PushTarget(proxy.url + "/query", proxy.url + "/store"),
                HttpClient(timeout=30),
                iris=IRIS,
                full=True,  # every graph sent, in order: the failing request is the one after it
            )
    finally:
        proxy.close()
    assert added in store_quads(oxigraph)
    # then the source is dropped again before anyone pushes it
    report = push_dataset(without(graphs, "siddiqui-2021"), direct, HttpClient(timeout=30), iris=IRIS)
    assert report.removed == [added] and added not in store_quads(oxigraph)


# --- Virtuoso -----------------------------------------------------------------------------------


def test_virtuoso_answers_as_locally_and_push_removes_stale_graphs(
    store_project: Path, local_answers: dict[str, object], virtuoso: VirtuosoServer
) -> None:
    graphs = load_published(store_project / "dist", IRIS)
    put_someone_elses(virtuoso.store_url, DBA)
    for target, environ in (
        (PushTarget(virtuoso.query_url, virtuoso.store_url), DBA),
        (PushTarget(virtuoso.query_url, update_url=virtuoso.update_url), None),
    ):
        push_dataset(graphs, target, HttpClient(timeout=60, environ=environ), iris=IRIS)
        report = push_dataset(
            without(graphs, "what-is-isis-k-2021"), target, HttpClient(timeout=60, environ=environ), iris=IRIS
        )
        assert report.removed == [IRIS.source_graph("what-is-isis-k-2021").value]
        counts = report_counts(virtuoso, [IRIS.source_graph("what-is-isis-k-2021").value, *SOMEONE_ELSES])
        assert counts == {graph: 1 for graph in SOMEONE_ELSES}
    push_dataset(
        graphs,
        PushTarget(virtuoso.query_url, update_url=virtuoso.update_url),
        HttpClient(timeout=60),
        iris=IRIS,
    )
    assert_same_answers(store_project, virtuoso.query_url, local_answers)


def report_counts(server: VirtuosoServer, graphs: list[str]) -> dict[str, int]:
    # FROM NAMED: without it the query would see the graphs agkg pushed, not someone else's
    named = " ".join(f"FROM NAMED <{g}>" for g in graphs)
    query = f"SELECT ?g (COUNT(*) AS ?n) {named} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    result = invoke("query", query, "--format", "json", "--endpoint", server.query_url)
    parsed = answer(result)
    assert isinstance(parsed, tuple)
    return {str(g): int(str(n)) for g, n in parsed[1]}


# --- named queries' declared parameters ---------------------------------------------------------


def test_every_declared_parameter_binds(store_project: Path) -> None:
    """Each parameter a query in queries/ declares is a variable of its pattern, has an example,
    and binding it selects: the example gives rows, a value matching nothing gives none."""
    prefixes = data_prefixes(BASE)
    queries = list_queries(store_project / "queries")
    declared = 0
    for query in queries:
        for parameter in query.parameters:
            declared += 1
            assert parameter.name in query_variables(query.text), (query.name, parameter.name)
            assert parameter.examples, f"{query.name}: ?{parameter.name} has no example --param"
            for example in parameter.examples:
                key, _, value = example.partition("=")
                assert key == parameter.name
                nothing = (
                    NOTHING if isinstance(parse_term(value, prefixes), ox.NamedNode) else '"no such value"'
                )
                run = ["--project", store_project, "query", "--name", query.name, "--format", "json"]
                given = answer(invoke(*run, "--param", example))
                assert isinstance(given, tuple) and given[1], (query.name, example)
                unmatched = answer(invoke(*run, "--param", f"{key}={nothing}"))
                assert isinstance(unmatched, tuple) and unmatched[1] == [], (query.name, key)
    assert declared >= 1


def test_the_parameters_readme_shows_are_declared(store_project: Path) -> None:
    queries = {q.name: q for q in list_queries(store_project / "queries")}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"--name ([\w.-]+) --param (\w+)=", readme)
    assert shown
    for name, key in shown:
        assert key in {p.name for p in queries[name].parameters}, (name, key)


def test_group_names_lists_the_names_of_the_group_given(store_project: Path) -> None:
    # regression: the query hard-coded the alias "ISKP", so any other ?g gave no rows (exit 0)
    run = ["--project", store_project, "query", "--name", "group-names", "--format", "json"]
    fixture = answer(invoke(*run, "--param", "g=id:fixture-front"))
    assert fixture == (
        ["name", "kind"],
        [("FF", "alias"), ("Front of Fixtures", "alias"), ("Fixture Front", "label")],
    )
    default = answer(invoke(*run))
    assert isinstance(default, tuple) and ("ISKP", "alias") in default[1]
    assert answer(invoke(*run, "--param", "g=id:iskp")) == default
