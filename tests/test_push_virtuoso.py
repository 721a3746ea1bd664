"""The same push and queries against Virtuoso 7 (Debian's virtuoso-opensource), a second real store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from conftest import DATASET, VirtuosoServer

from agkg.build.graph import Iris
from agkg.sparql.push import DEFAULT_BATCH, GraphPayload, PushTarget, load_published, push_dataset
from agkg.sparql.remote import HttpClient

Run = Callable[..., Result]
REPO = Path(__file__).resolve().parents[1]
QUERIES = sorted(p.stem for p in (REPO / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def repo() -> Path:
    """The project the local answers come from: the frozen dataset the pushed dumps were
    published from (conftest's ``published``), not the live data/ curators add to."""
    return DATASET


IRIS = Iris("https://w3id.org/agkg/")
DBA = {"AGKG_ENDPOINT_USER": "dba", "AGKG_ENDPOINT_PASSWORD": "dba", "AGKG_ENDPOINT_AUTH": "digest"}


@pytest.fixture(scope="module")
def graphs(published: Path) -> list[GraphPayload]:
    return load_published(published, IRIS)


def snapshot(server: VirtuosoServer, graphs: list[GraphPayload]) -> dict[str, list[str]]:
    """Each graph's triples as N-Triples lines, blank nodes left out (their labels are per load)."""
    result = {}
    for graph in graphs:
        client = HttpClient(timeout=60, environ=DBA)
        answer = client.request(
            "GET",
            f"{server.store_url}?graph={graph.name.value}",
            headers={"Accept": "application/n-triples"},
        )
        assert answer.status == 200, answer.body[:300]
        lines = answer.body.decode("utf-8").splitlines()
        result[graph.name.value] = sorted(line for line in lines if line.strip() and "_:" not in line)
    return result


def test_push_by_graph_store_then_by_update(virtuoso: VirtuosoServer, graphs: list[GraphPayload]) -> None:
    gsp = PushTarget(virtuoso.query_url, virtuoso.store_url)
    first = push_dataset(graphs, gsp, HttpClient(timeout=60, environ=DBA), iris=IRIS, full=True)
    assert {g.method for g in first.graphs} == {"gsp"} and all(g.stored == g.triples for g in first.graphs)
    before = snapshot(virtuoso, graphs)
    again = push_dataset(graphs, gsp, HttpClient(timeout=60, environ=DBA), iris=IRIS)
    assert [g.stored for g in again.graphs] == [g.stored for g in first.graphs]
    assert snapshot(virtuoso, graphs) == before  # idempotent
    update = PushTarget(virtuoso.query_url, update_url=virtuoso.update_url)
    for batch_size in (DEFAULT_BATCH, 60):  # Virtuoso refuses an INSERT DATA of a few thousand triples
        report = push_dataset(
            graphs, update, HttpClient(timeout=60), batch_size=batch_size, iris=IRIS, full=True
        )
        assert {g.method for g in report.graphs} == {"update"}
        assert all(g.stored == g.triples for g in report.graphs)
        assert snapshot(virtuoso, graphs) == before


def test_every_library_query_answers_the_same_on_virtuoso(
    run_agkg: Run, repo: Path, virtuoso: VirtuosoServer, graphs: list[GraphPayload]
) -> None:
    push_dataset(
        graphs,
        PushTarget(virtuoso.query_url, update_url=virtuoso.update_url),
        HttpClient(timeout=60),
        iris=IRIS,
    )

    def answer(result: Result) -> object:
        assert result.exit_code == 0, result.stderr
        parsed = json.loads(result.stdout)
        if "boolean" in parsed:
            return parsed["boolean"]
        names = parsed["head"]["vars"]
        return names, [
            tuple((b.get(v) or {}).get("value") for v in names) for b in parsed["results"]["bindings"]
        ]

    for name in QUERIES:
        local = answer(run_agkg("--project", repo, "query", "--name", name, "--format", "json"))
        remote = run_agkg(
            "--project", repo, "query", "--name", name, "--format", "json", "--endpoint", virtuoso.query_url
        )
        assert answer(remote) == local, name
    bad = run_agkg("--project", repo, "query", "SELECT ?x WHERE { ?x ?y }", "--endpoint", virtuoso.query_url)
    assert bad.exit_code == 3 and "Virtuoso 37000" in bad.stderr
