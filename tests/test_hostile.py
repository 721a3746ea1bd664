"""Hostile queries: local SPARQL never reads a file or URL it is pointed at.

Each test points ``FROM``, ``FROM NAMED``, ``LOAD``, ``SERVICE`` (in every disguise) or a JSON-LD
``@context`` at a TCP listener on loopback, and asserts that the listener received no connection
at all. The served endpoint (``agkg serve``) is covered once its code is committed.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import Result
from conftest import project_source

Run = Callable[..., Result]


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it is sent (and answers none)."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.socket.close()
        self.thread.join(timeout=5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    made = Listener()
    yield made
    made.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    """One project copy for the module: queries change nothing, and its query cache stays warm."""
    target = tmp_path_factory.mktemp("hostile") / "project"
    for folder in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(project_source(folder), target / folder)
    (target / "agkg.toml").write_text(f'[agkg]\nbase = "https://w3id.org/agkg/"\ncorpus = "{corpus}"\n')
    return target


@pytest.fixture
def ask(shared: Path, run_agkg: Run) -> Callable[..., Result]:
    def run(query: str, *options: str) -> Result:
        return run_agkg("--project", shared, "-q", "query", query, "--format", "json", *options)

    return run


def test_the_listener_does_count_connections(listener: Listener) -> None:
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5):
        pass
    for _ in range(100):
        if listener.connections:
            break
        threading.Event().wait(0.01)
    assert listener.connections == 1


def test_from_and_from_named_only_select_graphs_already_held(
    ask: Callable[..., Result], listener: Listener
) -> None:
    for clause in (
        f"FROM <{listener.url}data.ttl>",
        f"FROM NAMED <{listener.url}data.ttl>",
        "FROM <file:///etc/passwd>",
    ):
        result = ask(f"SELECT ?s ?p ?o {clause} WHERE {{ ?s ?p ?o }} LIMIT 5")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["results"]["bindings"] == []  # no such graph here
    assert listener.connections == 0


def test_graph_clauses_fetch_nothing(ask: Callable[..., Result], listener: Listener) -> None:
    result = ask(f"SELECT * WHERE {{ GRAPH <{listener.url}g> {{ ?s ?p ?o }} }}")
    assert result.exit_code == 0
    assert listener.connections == 0


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <{url}data.ttl>",
        "LOAD SILENT <{url}data.ttl> INTO GRAPH <urn:x>",
        "INSERT DATA {{ <urn:a> <urn:b> <urn:c> }}",
        "CLEAR ALL",
        "DROP SILENT GRAPH <urn:x> ; LOAD <{url}>",
    ],
)
def test_updates_are_not_queries(ask: Callable[..., Result], listener: Listener, update: str) -> None:
    result = ask(update.format(url=listener.url))
    assert result.exit_code == 2
    assert "malformed query" in result.stderr
    assert listener.connections == 0


SERVICE_DISGUISES = [
    "SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ service <{url}sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SeRvIcE SILENT <{url}sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE<{url}sparql>{{?s ?p ?o}} }}",
    "SELECT * WHERE {{ SERVICE#comment\n<{url}sparql> {{ ?s ?p ?o }} }}",
    "PREFIX remote: <{url}> SELECT * WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ FILTER(1<2) SERVICE <{url}sparql> {{ ?s ?p ?o }} FILTER(2>1) }}",
    'SELECT * WHERE {{ BIND("#" AS ?x) SERVICE <{url}sparql> {{ ?s ?p ?o }} }}',
    "SELECT * WHERE {{ BIND('''\"''' AS ?x) SERVICE <{url}sparql> {{ ?s ?p ?o }} BIND('\"' AS ?y) }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }} }} }}",
    "ASK {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <{url}sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("query", SERVICE_DISGUISES)
def test_service_is_refused_in_every_disguise(
    ask: Callable[..., Result], listener: Listener, query: str
) -> None:
    result = ask(query.format(url=listener.url))
    assert result.exit_code == 2, result.output
    assert "SERVICE calls are refused; pass --allow-service" in result.stderr
    assert listener.connections == 0


def test_escaped_keywords_do_not_smuggle_a_service_call(
    ask: Callable[..., Result], listener: Listener
) -> None:
    result = ask(f"SELECT * WHERE {{ \\u0053ERVICE <{listener.url}sparql> {{ ?s ?p ?o }} }}")
    assert result.exit_code == 2
    assert listener.connections == 0


def test_service_as_a_word_in_strings_iris_and_comments_is_no_call(
    ask: Callable[..., Result], listener: Listener
) -> None:
    query = (
        "# SERVICE <http://127.0.0.1/> in a comment\n"
        'SELECT ?x WHERE { BIND("SERVICE <x> {}" AS ?x) FILTER(?x != <urn:SERVICE>) }'
    )
    result = ask(query)
    assert result.exit_code == 0, result.stderr
    assert listener.connections == 0


def test_a_parameter_cannot_inject_a_service_call(shared: Path, run_agkg: Run, listener: Listener) -> None:
    injected = f'x" }} SERVICE <{listener.url}sparql> {{ ?s ?p ?o }} BIND("y'
    result = run_agkg(
        "--project", shared, "-q", "query", "SELECT ?v WHERE { BIND(?x AS ?v) }",
        "--param", f"x={injected}", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (binding,) = json.loads(result.stdout)["results"]["bindings"]
    assert binding["v"]["value"] == injected  # bound as a literal, never parsed as query text
    assert listener.connections == 0


def test_a_remote_jsonld_context_is_never_fetched(listener: Listener) -> None:
    document = json.dumps({"@context": f"{listener.url}context.jsonld", "@id": "urn:a", "name": "x"})
    with pytest.raises(SyntaxError, match="remote context"):
        list(ox.parse(document.encode(), format=ox.RdfFormat.JSON_LD))
    assert listener.connections == 0


def test_the_published_jsonld_needs_no_remote_context(published: Path) -> None:
    document = json.loads((published / "dataset.jsonld").read_bytes())
    context = document["@context"]
    assert isinstance(context, dict) and all(isinstance(v, str) for v in context.values())
    assert (
        len(list(ox.parse((published / "dataset.jsonld").read_bytes(), format=ox.RdfFormat.JSON_LD))) > 1000
    )


def test_a_jsonld_result_is_self_contained(shared: Path, run_agkg: Run) -> None:
    result = run_agkg(
        "--project", shared, "-q", "query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
        "--format", "jsonld",
    )  # fmt: skip
    assert result.exit_code == 0
    assert len(list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.JSON_LD))) == 3
