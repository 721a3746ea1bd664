"""Hostile queries against the served endpoint (``agkg serve``): the same loopback listener must
receive nothing when ``FROM``, ``FROM NAMED``, the protocol's graph parameters, ``LOAD`` or
``SERVICE`` point at it, and each such query gets a clear refusal or an answer from the held
graphs only.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")

from test_hostile import SERVICE_DISGUISES, Listener

from agkg.config import load_config
from agkg.web.server import ServerSettings, create_app


@pytest.fixture(scope="module")
def client(published: Path, repo: Path) -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

        app = create_app(load_config(repo, {"out": str(published)}), ServerSettings(query_workers=1))
        with TestClient(app) as test_client:
            yield test_client


@pytest.fixture
def listener() -> Iterator[Listener]:
    made = Listener()
    yield made
    made.close()


def sparql(client: Any, query: str, **params: str) -> Any:
    return client.get(
        "/sparql", params={"query": query, **params}, headers={"Accept": "application/sparql-results+json"}
    )


@pytest.mark.parametrize("query", SERVICE_DISGUISES)
def test_served_service_is_refused(client: Any, listener: Listener, query: str) -> None:
    response = sparql(client, query.format(url=listener.url))
    assert response.status_code in (400, 403), response.text
    assert listener.connections == 0


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <{url}data.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1",
        "SELECT * FROM NAMED <{url}data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1",
        "SELECT * FROM <file:///etc/passwd> WHERE {{ ?s ?p ?o }} LIMIT 1",
    ],
)
def test_served_from_never_fetches(client: Any, listener: Listener, query: str) -> None:
    response = sparql(client, query.format(url=listener.url))
    assert response.status_code in (200, 400, 403), response.text
    if response.status_code == 200:
        assert response.json()["results"]["bindings"] == []
    assert listener.connections == 0


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_served_graph_parameters_never_fetch(client: Any, listener: Listener, parameter: str) -> None:
    response = sparql(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{parameter: f"{listener.url}g"})
    assert response.status_code in (200, 400, 403), response.text
    assert listener.connections == 0


@pytest.mark.parametrize(
    "update", ["LOAD <{url}data.ttl>", "CLEAR ALL", "INSERT DATA {{ <urn:a> <urn:b> <urn:c> }}"]
)
def test_served_updates_are_refused(client: Any, listener: Listener, update: str) -> None:
    text = update.format(url=listener.url)
    for response in (
        sparql(client, text),
        client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-update"}),
        client.post("/sparql", data={"update": text}),
    ):
        assert response.status_code in (400, 403, 405, 415), response.text
    assert listener.connections == 0
