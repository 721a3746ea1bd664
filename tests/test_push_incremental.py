"""Incremental push: only the graphs whose published digest differs from the one the store's
manifest records are sent, and the union is patched by difference; the store then holds exactly
what a full push leaves, also after a push stopped at any request. Against real Oxigraph servers
on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import Result
from conftest import OxigraphServer, VirtuosoServer
from test_push import FaultyProxy
from test_push_stream import EX, everything, write_publication
from test_push_virtuoso import DBA, snapshot

from agkg.build.graph import Iris
from agkg.errors import RemoteError
from agkg.sparql import push as push_module
from agkg.sparql.push import GraphPayload, PushReport, PushTarget, load_published, push_dataset
from agkg.sparql.remote import HttpClient, read_manifest
from agkg.vocab import SCHEMA, XSD

IRIS = Iris("https://w3id.org/agkg/")
P, START, END = ox.NamedNode(f"{EX}p"), ox.NamedNode(f"{EX}start"), ox.NamedNode(f"{EX}end")


def source(number: int) -> ox.NamedNode:
    return ox.NamedNode(f"{IRIS.base}graph/source/s{number:02d}")


def version_1() -> list[ox.Quad]:
    """Four sources sharing ten triples (and one with the ontology), each with ten of its own;
    s01 and s02 share an offset typed xsd:nonNegativeInteger (Oxigraph stores it as
    xsd:integer), s01 alone has another."""
    quads = []
    for g in range(4):
        for n in range(10):
            subject = ox.NamedNode(f"{EX}s{n}")
            quads.append(ox.Quad(subject, P, ox.Literal(n), source(g)))
            quads.append(
                ox.Quad(subject, ox.NamedNode(f"{EX}quote{g}"), ox.Literal(f"text {n} of {g}"), source(g))
            )
    offset = ox.Literal("5", datatype=XSD.nonNegativeInteger)
    quads += [ox.Quad(ox.NamedNode(f"{EX}a"), START, offset, source(g)) for g in (1, 2)]
    quads.append(
        ox.Quad(ox.NamedNode(f"{EX}a"), END, ox.Literal("7", datatype=XSD.nonNegativeInteger), source(1))
    )
    return quads


def version_2() -> list[ox.Quad]:
    """s01 loses a triple of its own, one it shares and its own offset, and gains one; s03 is
    gone; s04 is new; s00, s02, the ontology and the shapes are as they were."""
    dropped = {
        ox.Quad(ox.NamedNode(f"{EX}s0"), ox.NamedNode(f"{EX}quote1"), ox.Literal("text 0 of 1"), source(1)),
        ox.Quad(ox.NamedNode(f"{EX}s3"), P, ox.Literal(3), source(1)),
        ox.Quad(ox.NamedNode(f"{EX}a"), END, ox.Literal("7", datatype=XSD.nonNegativeInteger), source(1)),
    }
    quads = [q for q in version_1() if q not in dropped and q.graph_name != source(3)]
    quads.append(ox.Quad(ox.NamedNode(f"{EX}s1"), ox.NamedNode(f"{EX}new"), ox.Literal("added"), source(1)))
    quads += [
        ox.Quad(ox.NamedNode(f"{EX}s0"), P, ox.Literal(0), source(4)),
        ox.Quad(ox.NamedNode(f"{EX}s9"), ox.NamedNode(f"{EX}quote4"), ox.Literal("only in s04"), source(4)),
    ]
    return quads


def publication(folder: Path, quads: list[ox.Quad], ontology_edit: bool = False) -> Path:
    write_publication(folder, quads)
    if ontology_edit:  # a graph with blank nodes changes: the union is replaced whole
        with (folder / "ontology.ttl").open("a", encoding="utf-8") as out:
            out.write(f"<{EX}Other> a <http://www.w3.org/2002/07/owl#Class> .\n")
    return folder


def push(folder: Path, target: PushTarget, full: bool = False) -> PushReport:
    with load_published(folder, IRIS) as graphs:
        return push_dataset(graphs, target, HttpClient(timeout=30), iris=IRIS, full=full)


def targets(server: OxigraphServer | FaultyProxy, how: str) -> PushTarget:
    url = server.url
    return PushTarget(
        url + "/query",
        None if how == "update" else url + "/store",
        None if how == "gsp-only" else url + "/update",
    )


@pytest.fixture
def second_store(tmp_path: Path) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path / "second")
    yield server
    server.stop()


def methods(report: PushReport) -> dict[str, str]:
    return {g.graph.removeprefix(IRIS.base): g.method for g in report.graphs}


@pytest.mark.parametrize("how", ["gsp", "update", "gsp-only"])
def test_an_incremental_push_leaves_what_a_full_push_leaves(
    tmp_path: Path, oxigraph: OxigraphServer, second_store: OxigraphServer, how: str
) -> None:
    v1 = publication(tmp_path / "v1", version_1())
    v2 = publication(tmp_path / "v2", version_2())
    target = targets(oxigraph, how)
    assert push(v1, target).full
    report = push(v2, target)
    assert not report.full and report.removed == [source(3).value]
    replaced = "update" if how == "update" else "gsp"
    assert methods(report) == {
        "graph/ontology": "unchanged",
        "graph/shapes": "unchanged",
        "graph/source/s00": "unchanged",
        "graph/source/s01": replaced,
        "graph/source/s02": "unchanged",
        "graph/source/s04": replaced,
        # patched where a SPARQL Update URL can delete; a Graph Store alone replaces it whole
        "graph/union": replaced if how == "gsp-only" else "difference",
    }
    assert len(report.sent) == 3 and len(report.skipped) == 4
    assert all(g.stored == g.triples for g in report.graphs)  # every graph counted, sent or not
    full = push(v2, targets(second_store, how), full=True)
    assert full.full and len(full.sent) == 7
    assert everything(oxigraph) == everything(second_store)  # the union and the manifest too
    assert report.sent_triples == sum(
        g.triples
        for g in report.graphs
        if g.graph in (source(1).value, source(4).value) or (g.method == "gsp" and how == "gsp-only")
    )
    again = push(v2, target)
    assert not again.sent and again.requests == 2


def test_a_changed_graph_with_blank_nodes_gets_the_union_replaced(
    tmp_path: Path, oxigraph: OxigraphServer, second_store: OxigraphServer
) -> None:
    v1 = publication(tmp_path / "v1", version_1())
    v2 = publication(tmp_path / "v2", version_2(), ontology_edit=True)
    push(v1, targets(oxigraph, "gsp"))
    report = push(v2, targets(oxigraph, "gsp"))
    assert methods(report)["graph/ontology"] == "gsp" and methods(report)["graph/union"] == "gsp"
    push(v2, targets(second_store, "gsp"), full=True)
    assert everything(oxigraph) == everything(second_store)


def test_a_manifest_without_digests_gets_a_full_push(tmp_path: Path, oxigraph: OxigraphServer) -> None:
    v1 = publication(tmp_path / "v1", version_1())
    target = targets(oxigraph, "gsp")
    push(v1, target)
    # as an agkg that recorded no digests left it
    HttpClient().request(
        "POST",
        oxigraph.update_url,
        f"DELETE WHERE {{ GRAPH {IRIS.push_manifest_graph} {{ ?g {SCHEMA.sha256} ?d }} }}".encode(),
        {"Content-Type": "application/sparql-update"},
    )
    assert not read_manifest(oxigraph.query_url, IRIS.push_manifest_graph).digests
    report = push(v1, target)
    assert report.full and not report.skipped
    assert len(read_manifest(oxigraph.query_url, IRIS.push_manifest_graph).digests) == len(report.graphs)
    assert not push(v1, target).sent


@pytest.mark.parametrize(("how", "mode"), [("gsp", "cut"), ("update", "cut"), ("gsp", "swallow")])
def test_a_push_stopped_at_any_request_is_repaired_by_the_next(
    tmp_path: Path, oxigraph: OxigraphServer, how: str, mode: str
) -> None:
    """Each write of an incremental push in turn is cut off halfway through its body (the push
    dies there), or answered as done but not done (a lost write); then pushing the old version,
    and the new one, each leaves exactly what a full push of it leaves: no graph or union left
    half-done is taken as current."""
    v1 = publication(tmp_path / "v1", version_1())
    v2 = publication(tmp_path / "v2", version_2())
    direct = targets(oxigraph, how)

    def drop_all() -> None:
        answer = HttpClient().request(
            "POST", oxigraph.update_url, b"DROP ALL", {"Content-Type": "application/sparql-update"}
        )
        assert answer.status == 204

    expected = {}
    for name, folder in (("v2", v2), ("v1", v1)):
        drop_all()
        push(folder, direct, full=True)
        expected[name] = everything(oxigraph)
    drop_all()
    push(v1, direct, full=True)
    counter = FaultyProxy(oxigraph.port, 0, mode)
    try:
        push(v2, targets(counter, how))
    finally:
        counter.close()
    # the manifest, s01, s04, their digests, s03 removed, the union's two additions and its
    # deletion, the manifest again
    assert counter.count >= 9
    for fail_at in range(1, counter.count + 1):
        drop_all()
        push(v1, direct, full=True)
        proxy = FaultyProxy(oxigraph.port, fail_at, mode)
        try:
            with contextlib.suppress(RemoteError):  # a lost write is not always noticed
                push(v2, targets(proxy, how))
        finally:
            proxy.close()
        # after a cut, going back to the old version shows a half-done graph taken as old;
        # after a lost write, pushing the new version again shows it taken as done
        for name in ("v1", "v2") if mode == "cut" else ("v2", "v1"):
            push(v1 if name == "v1" else v2, direct)
            assert everything(oxigraph) == expected[name], (fail_at, name)


def test_push_command_full_and_incremental(
    run_agkg: Callable[..., Result], repo: Path, tmp_path: Path, oxigraph: OxigraphServer
) -> None:
    v1 = publication(tmp_path / "v1", version_1())
    v2 = publication(tmp_path / "v2", version_2())
    args = ["--project", repo, "push", "--endpoint", oxigraph.query_url, "--graph-store", oxigraph.store_url]
    first = run_agkg(*args, "--update", oxigraph.update_url, "--dist", v1)
    assert first.exit_code == 0 and "7 sent, 0 unchanged (full push)" in first.stderr
    second = run_agkg(*args, "--update", oxigraph.update_url, "--dist", v2)
    assert second.exit_code == 0, second.output
    assert "3 sent, 4 unchanged;" in second.stderr
    assert f"{IRIS.base}graph/source/s00  " in second.stdout and "unchanged" in second.stdout
    assert f"{source(3).value}  removed" in second.stdout
    forced = run_agkg(*args, "--dist", v2, "--full")
    assert forced.exit_code == 0 and "7 sent, 0 unchanged (full push)" in forced.stderr


@pytest.mark.parametrize(
    "limit", [10, 30]
)  # below the changed graphs' 22 new triples; above them, below their 32 old ones
def test_too_many_changed_triples_get_the_union_replaced(
    tmp_path: Path,
    oxigraph: OxigraphServer,
    second_store: OxigraphServer,
    monkeypatch: pytest.MonkeyPatch,
    limit: int,
) -> None:
    v1 = publication(tmp_path / "v1", version_1())
    v2 = publication(tmp_path / "v2", version_2())
    push(v1, targets(oxigraph, "gsp"))
    monkeypatch.setattr(push_module, "PATCH_LIMIT", limit)
    report = push(v2, targets(oxigraph, "gsp"))
    assert methods(report)["graph/union"] == "gsp" and len(report.sent) == 3
    push(v2, targets(second_store, "gsp"), full=True)
    assert everything(oxigraph) == everything(second_store)


def test_an_incremental_push_to_virtuoso_leaves_what_a_full_push_leaves(
    tmp_path: Path, virtuoso: VirtuosoServer
) -> None:
    """Virtuoso answers a CONSTRUCT in Turtle only, and evaluates the union's guarded deletion
    itself; its graphs then hold what a full push leaves (the store is shared with other tests:
    this compares the graphs this publication writes)."""
    v1 = publication(tmp_path / "v1", version_1())
    v2 = publication(tmp_path / "v2", version_2())
    target = PushTarget(virtuoso.query_url, virtuoso.store_url, virtuoso.update_url)

    def push_to_virtuoso(folder: Path, full: bool = False) -> PushReport:
        with load_published(folder, IRIS) as graphs:
            return push_dataset(graphs, target, HttpClient(timeout=60, environ=DBA), iris=IRIS, full=full)

    def graphs() -> dict[str, list[str]]:
        names = [GraphPayload(source(n), []) for n in (0, 1, 2, 4)]  # (s03 removed: a 404)
        names += [
            GraphPayload(g, []) for g in (IRIS.union_graph, IRIS.ontology_graph, IRIS.push_manifest_graph)
        ]
        return snapshot(virtuoso, names)

    push_to_virtuoso(v1, full=True)
    report = push_to_virtuoso(v2)
    assert methods(report)["graph/union"] == "difference" and len(report.sent) == 3
    incremental = graphs()
    push_to_virtuoso(v2, full=True)
    assert graphs() == incremental
    assert len(incremental[IRIS.union_graph.value]) > 40 and report.removed == [source(3).value]


def test_a_graph_changed_in_the_store_behind_agkgs_back_is_caught_and_sent_again(
    tmp_path: Path, oxigraph: OxigraphServer
) -> None:
    v1 = publication(tmp_path / "v1", version_1())
    target = targets(oxigraph, "gsp")
    push(v1, target)
    HttpClient().request("DELETE", f"{oxigraph.store_url}?graph={source(0).value}")
    with pytest.raises(
        RemoteError, match=f"{source(0).value}: pushed 20, store holds 0 .the next push sends"
    ):
        push(v1, target)
    assert [g.graph for g in push(v1, target).sent] == [source(0).value]
    assert not push(v1, target).sent
