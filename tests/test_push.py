"""agkg push against a real Oxigraph server on loopback: GSP, Update fallback, re-push, failures."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import Result
from conftest import OxigraphServer

from agkg.build.graph import Iris
from agkg.errors import RemoteError
from agkg.sparql.push import GraphPayload, PushTarget, batches, load_published, push_dataset
from agkg.sparql.remote import USER_AGENT, HttpClient

Run = Callable[..., Result]
IRIS = Iris("https://w3id.org/agkg/")


def store_graphs(server: OxigraphServer) -> dict[str, ox.Dataset]:
    """Every named graph in the server, canonicalised (blank nodes renamed stably)."""
    client = HttpClient(timeout=30)
    answer = client.request("GET", server.store_url, headers={"Accept": "application/n-quads"})
    assert answer.status == 200
    graphs: dict[str, ox.Dataset] = {}
    for quad in ox.parse(answer.body, format=ox.RdfFormat.N_QUADS):
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        if name in (IRIS.union_graph.value, IRIS.push_manifest_graph.value):
            continue  # agkg's own graphs beside the published ones (tests/test_stores_default_graph.py)
        graphs.setdefault(name, ox.Dataset()).add(ox.Quad(quad.subject, quad.predicate, quad.object))
    for dataset in graphs.values():
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return graphs


def canonical(graphs: list[GraphPayload]) -> dict[str, ox.Dataset]:
    """The graphs as an Oxigraph store holds them, canonicalised.

    Oxigraph 0.5 stores some derived integer types as xsd:integer (an xsd:nonNegativeInteger
    reads back as xsd:integer), so the expectation goes through a pyoxigraph Store too.
    """
    store = ox.Store()
    for graph in graphs:
        store.extend(ox.Quad(t.subject, t.predicate, t.object, graph.name) for t in graph.triples)
    result = {}
    for graph in graphs:
        dataset = ox.Dataset(
            ox.Quad(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, graph.name)
        )
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        result[graph.name.value] = dataset
    return result


def same(a: dict[str, ox.Dataset], b: dict[str, ox.Dataset]) -> bool:
    assert sorted(a) == sorted(b)
    for name in a:
        extra, lacking = set(a[name]) - set(b[name]), set(b[name]) - set(a[name])
        assert not extra and not lacking, (name, sorted(map(str, extra))[:3], sorted(map(str, lacking))[:3])
    return True


def changed(graphs: list[GraphPayload]) -> list[GraphPayload]:
    """A different version of every graph: one extra triple each."""
    marker = ox.NamedNode("urn:agkg:test#version")
    return [
        GraphPayload(g.name, sorted([*g.triples, ox.Triple(g.name, marker, ox.Literal("old"))], key=str))
        for g in graphs
    ]


@pytest.fixture(scope="module")
def graphs(published: Path) -> list[GraphPayload]:
    return load_published(published, IRIS)


def test_published_graphs(graphs: list[GraphPayload]) -> None:
    names = [g.name.value for g in graphs]
    assert IRIS.entities_graph.value in names
    assert IRIS.ontology_graph.value in names and IRIS.shapes_graph.value in names
    assert sum(n.startswith(IRIS.base + "graph/source/") for n in names) >= 2


def test_push_with_graph_store_protocol_then_again(
    oxigraph: OxigraphServer, graphs: list[GraphPayload]
) -> None:
    target = PushTarget(oxigraph.query_url, oxigraph.store_url, oxigraph.update_url)
    first = push_dataset(graphs, target, HttpClient(timeout=30), iris=IRIS)
    assert {g.method for g in first.graphs} == {"gsp"}
    assert all(g.stored == g.triples for g in first.graphs)
    # a PUT per graph and the union, the manifest read, recorded before, the graphs counted and
    # their digests recorded after them, the count query, the manifest after all
    assert first.requests == len(graphs) + 7 and first.full
    after_first = store_graphs(oxigraph)
    assert same(after_first, canonical(graphs))
    second = push_dataset(graphs, target, HttpClient(timeout=30), iris=IRIS)
    assert second.triples == first.triples
    # nothing changed: the manifest read and the count query, every graph counted
    assert {g.method for g in second.graphs} == {"unchanged"} and second.requests == 2
    assert all(g.stored == g.triples for g in second.graphs) and not second.full
    assert same(store_graphs(oxigraph), after_first)  # idempotent


def test_push_replaces_an_older_version(oxigraph: OxigraphServer, graphs: list[GraphPayload]) -> None:
    target = PushTarget(oxigraph.query_url, oxigraph.store_url)
    push_dataset(changed(graphs), target, HttpClient(timeout=30), iris=IRIS)
    push_dataset(graphs, target, HttpClient(timeout=30), iris=IRIS)
    assert same(store_graphs(oxigraph), canonical(graphs))


@pytest.mark.parametrize("batch_size", [20_000, 40])
def test_update_fallback_and_staged_batches(
    oxigraph: OxigraphServer, graphs: list[GraphPayload], batch_size: int
) -> None:
    # No Graph Store at this URL (Oxigraph answers 404), so push falls back to SPARQL Update.
    target = PushTarget(oxigraph.query_url, oxigraph.url + "/no-graph-store", oxigraph.update_url)
    push_dataset(changed(graphs), target, HttpClient(timeout=30), batch_size=batch_size, iris=IRIS)
    report = push_dataset(graphs, target, HttpClient(timeout=30), batch_size=batch_size, iris=IRIS)
    assert report.fell_back and {g.method for g in report.graphs} == {"update"}
    stored = store_graphs(oxigraph)
    assert same(stored, canonical(graphs))  # no staging graph left behind either
    if batch_size < 100:
        assert report.requests > 3 * len(graphs)


def test_batches_keep_blank_node_groups_together(graphs: list[GraphPayload]) -> None:
    shapes = next(g for g in graphs if g.name == IRIS.shapes_graph)
    parts = batches(shapes.triples, 10)
    assert sum(len(p) for p in parts) == len(shapes.triples)
    seen: dict[ox.BlankNode, int] = {}
    for number, part in enumerate(parts):
        for triple in part:
            for term in (triple.subject, triple.object):
                if isinstance(term, ox.BlankNode):
                    assert seen.setdefault(term, number) == number


class FaultyProxy:
    """Forwards requests to a real server; the chosen PUT/POST is cut off halfway through its body,
    or swallowed (answered 204 without forwarding)."""

    def __init__(self, upstream_port: int, fail_at: int, mode: str) -> None:
        self.count = 0
        self.user_agents: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length) if length else b""
                proxy.user_agents.append(self.headers.get("User-Agent", ""))
                writes = self.command in ("PUT", "POST", "DELETE") and "/query" not in self.path
                if writes:
                    proxy.count += 1
                if writes and proxy.count == fail_at:
                    if mode == "swallow":
                        self.send_response(204)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    with socket.create_connection(("127.0.0.1", upstream_port), timeout=10) as raw:
                        head = f"{self.command} {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        head += f"Content-Type: {self.headers.get('Content-Type')}\r\n"
                        head += f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
                        raw.sendall(head.encode() + body[: length // 2])
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_PUT = do_POST = do_DELETE = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy_factory(oxigraph: OxigraphServer) -> Iterator[Callable[[int, str], FaultyProxy]]:
    made: list[FaultyProxy] = []

    def make(fail_at: int, mode: str = "cut") -> FaultyProxy:
        proxy = FaultyProxy(oxigraph.port, fail_at, mode)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


@pytest.mark.parametrize(("how", "batch_size"), [("gsp", 20_000), ("update", 20_000), ("update", 40)])
def test_a_failure_midway_leaves_every_graph_old_or_new(
    oxigraph: OxigraphServer,
    graphs: list[GraphPayload],
    proxy_factory: Callable[[int, str], FaultyProxy],
    how: str,
    batch_size: int,
) -> None:
    old, new = canonical(changed(graphs)), canonical(graphs)
    direct = PushTarget(oxigraph.query_url, oxigraph.store_url, oxigraph.update_url)
    push_dataset(changed(graphs), direct, HttpClient(timeout=30), iris=IRIS)
    # in the second or later graph: past the first graph's batches and its few other requests
    proxy = proxy_factory(3 if batch_size > 1000 else len(graphs[0].triples) // batch_size + 8)
    target = PushTarget(
        proxy.url + "/query",
        proxy.url + "/store" if how == "gsp" else None,
        proxy.url + "/update",
    )
    with pytest.raises(RemoteError):
        push_dataset(graphs, target, HttpClient(timeout=30), batch_size=batch_size, iris=IRIS)
    stored = store_graphs(oxigraph)
    assert set(stored) == set(new)  # no staging graph is left
    states = [
        "new" if set(stored[n]) == set(new[n]) else "old" if set(stored[n]) == set(old[n]) else "torn"
        for n in new
    ]
    assert "torn" not in states
    assert "new" in states and "old" in states
    # and pushing again completes the job
    push_dataset(graphs, direct, HttpClient(timeout=30), iris=IRIS)
    assert same(store_graphs(oxigraph), new)


def test_a_lost_write_is_caught_by_the_count(
    oxigraph: OxigraphServer, graphs: list[GraphPayload], proxy_factory: Callable[[int, str], FaultyProxy]
) -> None:
    push_dataset(
        changed(graphs), PushTarget(oxigraph.query_url, oxigraph.store_url), HttpClient(timeout=30), iris=IRIS
    )
    proxy = proxy_factory(2, "swallow")
    target = PushTarget(proxy.url + "/query", proxy.url + "/store")
    with pytest.raises(RemoteError, match="triple counts differ"):
        push_dataset(graphs, target, HttpClient(timeout=30), iris=IRIS)
    assert all(agent == USER_AGENT for agent in proxy.user_agents)


def test_push_command(run_agkg: Run, repo: Path, published: Path, oxigraph: OxigraphServer) -> None:
    args = ["--project", repo, "push", "--dist", published, "--endpoint", oxigraph.query_url]
    result = run_agkg(*args, "--graph-store", oxigraph.store_url)
    assert result.exit_code == 0, result.output
    assert "counts verified" in result.stderr
    assert len(result.stdout.splitlines()) == len(load_published(published, IRIS)) + 1  # and the union
    result = run_agkg(*args)
    assert result.exit_code == 2 and "--graph-store" in result.stderr
    refused = run_agkg(
        "--project", repo, "push", "--dist", published, "--endpoint", "http://127.0.0.1:9/query",
        "--graph-store", "http://127.0.0.1:9/store", "--timeout", "5",
    )  # fmt: skip
    assert refused.exit_code == 3 and "127.0.0.1:9" in refused.stderr
    missing = run_agkg(*args, "--dist", repo / "no-such-dist", "--update", oxigraph.update_url)
    assert missing.exit_code == 2 and "agkg publish" in missing.stderr
