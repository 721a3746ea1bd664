"""Issue 18, part 4: ``agkg push`` reads the publication as text, graph by graph.

Its memory is bounded by a constant and the largest graph, not by the dataset (measured with
tracemalloc), and the store ends up holding exactly what it held when push parsed the whole
TriG into term objects: every graph, the union (blank nodes kept apart per graph) and the
manifest, by Graph Store Protocol and by SPARQL Update, against a real Oxigraph server.
"""

from __future__ import annotations

import tracemalloc
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import OxigraphServer

from agkg.build.graph import Iris
from agkg.errors import ConfigurationError
from agkg.sparql import push
from agkg.sparql.push import GraphPayload, PushReport, PushTarget, load_published, push_dataset
from agkg.sparql.remote import HttpClient
from agkg.vocab import SCHEMA

IRIS = Iris("https://w3id.org/agkg/")
EX = "https://example.org/"


def write_publication(folder: Path, quads: list[ox.Quad], grouped: bool = True) -> Path:
    """The files ``agkg push`` reads, as ``agkg publish`` writes them: sorted unique N-Quads and
    N-Triples lines, TriG (one block per graph, or, not ``grouped``, a block per run of a
    graph's quads in N-Quads order), a small ontology (with a triple the data has too) and
    shapes with blank nodes."""
    folder.mkdir()
    lines = sorted({f"{q} .\n" for q in quads})
    (folder / "dataset.nq").write_text("".join(lines), encoding="utf-8")
    union = sorted({f"{ox.Triple(q.subject, q.predicate, q.object)} .\n" for q in quads})
    (folder / "dataset.nt").write_text("".join(union), encoding="utf-8")
    if grouped:
        in_order = sorted(quads, key=lambda q: (q.graph_name.value, str(q.triple)))
    else:
        in_order = sorted(quads, key=str)
    ox.serialize(in_order, output=folder / "dataset.trig", format=ox.RdfFormat.TRIG)
    (folder / "ontology.ttl").write_text(
        f"<{EX}Thing> a <http://www.w3.org/2002/07/owl#Class> .\n"
        f"<{EX}s0> <{EX}p> 0 .\n"  # also in a named graph: the union holds it once
        f"<{EX}o> <{EX}blank> [ <{EX}p> 1 ] .\n",
        encoding="utf-8",
    )
    (folder / "shapes.ttl").write_text(
        f"<{EX}Shape> a <http://www.w3.org/ns/shacl#NodeShape> ; "
        f"<http://www.w3.org/ns/shacl#property> [ <http://www.w3.org/ns/shacl#path> <{EX}p> ] .\n",
        encoding="utf-8",
    )
    return folder


def synthetic(graphs: int, triples: int, blank: bool) -> list[ox.Quad]:
    quads = []
    for g in range(graphs):
        graph = ox.NamedNode(f"{IRIS.base}graph/source/s{g:02d}")
        for n in range(triples):
            text = ox.Literal(f"a quote long enough to weigh something, number {n} of graph {g}")
            quads.append(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}p"), ox.Literal(n), graph))
            quads.append(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}quote{g}"), text, graph))
        if blank:  # the same label in every graph: a different node in each
            node = ox.BlankNode("b0")
            quads.append(ox.Quad(ox.NamedNode(f"{EX}s0"), ox.NamedNode(f"{EX}blank"), node, graph))
            quads.append(ox.Quad(node, ox.NamedNode(f"{EX}p"), ox.Literal(g), graph))
            quads.append(ox.Quad(node, ox.NamedNode(f"{EX}q"), ox.Literal("same in each graph"), graph))
    return quads


def parsed_as_before(folder: Path) -> list[GraphPayload]:
    """The graphs as push read them before: the whole TriG parsed into sets of term objects."""
    by_graph: dict[ox.NamedNode, set[ox.Triple]] = defaultdict(set)
    for quad in ox.parse(path=folder / "dataset.trig", format=ox.RdfFormat.TRIG):
        assert isinstance(quad.graph_name, ox.NamedNode)
        by_graph[quad.graph_name].add(ox.Triple(quad.subject, quad.predicate, quad.object))
    for graph, name in ((IRIS.ontology_graph, "ontology.ttl"), (IRIS.shapes_graph, "shapes.ttl")):
        by_graph[graph].update(
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(path=folder / name, format=ox.RdfFormat.TURTLE)
        )
    return [
        GraphPayload(g, sorted(t, key=str)) for g, t in sorted(by_graph.items(), key=lambda i: i[0].value)
    ]


def everything(server: OxigraphServer) -> dict[str, set[ox.Quad]]:
    """Every graph in the store, the union and the manifest too, each canonicalised."""
    answer = HttpClient(timeout=30).request(
        "GET", server.store_url, headers={"Accept": "application/n-quads"}
    )
    assert answer.status == 200
    graphs: dict[str, ox.Dataset] = defaultdict(ox.Dataset)
    for quad in ox.parse(answer.body, format=ox.RdfFormat.N_QUADS):
        assert isinstance(quad.graph_name, ox.NamedNode)
        graphs[quad.graph_name.value].add(ox.Quad(quad.subject, quad.predicate, quad.object))
    for dataset in graphs.values():
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {name: set(dataset) for name, dataset in graphs.items()}


def without_digests(graphs: dict[str, set[ox.Quad]]) -> dict[str, set[ox.Quad]]:
    """The store's graphs but the digests in the manifest: a graph held as term objects
    (``GraphPayload``) has its triples in another order than as text, so another digest."""
    return {name: {q for q in quads if q.predicate != SCHEMA.sha256} for name, quads in graphs.items()}


def summary(report: PushReport) -> list[tuple[str, int, int, str]]:
    return [(g.graph, g.triples, g.stored, g.method) for g in report.graphs]


@pytest.mark.parametrize("how", ["gsp", "update"])
@pytest.mark.parametrize("blank", [False, True])
def test_the_store_holds_what_it_held_before(
    tmp_path: Path, oxigraph: OxigraphServer, how: str, blank: bool
) -> None:
    folder = write_publication(tmp_path / "dist", synthetic(4, 30, blank), grouped=blank)
    if not blank:  # graphs in several blocks each
        assert (folder / "dataset.trig").read_text().count("graph/source/s00> {") > 1
    if how == "gsp":
        target = PushTarget(oxigraph.query_url, oxigraph.store_url)
    else:  # no Graph Store there: SPARQL Update, in staged batches
        target = PushTarget(oxigraph.query_url, oxigraph.url + "/no-graph-store", oxigraph.update_url)
    before = push_dataset(parsed_as_before(folder), target, HttpClient(timeout=30), batch_size=25, iris=IRIS)
    expected = everything(oxigraph)
    with load_published(folder, IRIS) as graphs:
        now = push_dataset(graphs, target, HttpClient(timeout=30), batch_size=25, iris=IRIS, full=True)
    assert summary(now) == summary(before)
    assert without_digests(everything(oxigraph)) == without_digests(expected)
    union = expected[IRIS.union_graph.value]
    # 30 numbers shared by 4 graphs, 30 quotes in each, the ontology's 4 triples but the one the
    # data has too; and with blank nodes, 3 triples per graph, none merged across graphs
    assert len(union) == 30 + 4 * 30 + 3 + (4 * 3 if blank else 0)
    assert len({q.object for q in union if q.predicate.value == f"{EX}blank"}) == (5 if blank else 1)


def test_the_published_project_pushes_as_before(published: Path, oxigraph: OxigraphServer) -> None:
    target = PushTarget(oxigraph.query_url, oxigraph.store_url)
    before = push_dataset(parsed_as_before(published), target, HttpClient(timeout=30), iris=IRIS)
    expected = everything(oxigraph)
    with load_published(published, IRIS) as graphs:
        now = push_dataset(graphs, target, HttpClient(timeout=30), iris=IRIS, full=True)
    assert summary(now) == summary(before)
    assert without_digests(everything(oxigraph)) == without_digests(expected)


def test_memory_is_bounded_by_the_largest_graph_not_the_dataset(
    tmp_path: Path, oxigraph: OxigraphServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 24 graphs of about 60 kB of N-Quads each; text is held 16 kB at a time
    folder = write_publication(tmp_path / "dist", synthetic(24, 200, False))
    monkeypatch.setattr(push, "HELD", 16_000, raising=False)  # as on the old code, which lacks them
    monkeypatch.setattr(push, "BLOCK", 16_000, raising=False)
    largest = max(len(g.triples) for g in parsed_as_before(folder))
    sizes = defaultdict(int)
    for line in (folder / "dataset.nq").read_bytes().splitlines():
        sizes[line.rsplit(b" ", 2)[1]] += len(line)
    assert len(sizes) == 24 and largest == 400
    target = PushTarget(oxigraph.query_url, oxigraph.store_url)
    client = HttpClient(timeout=30)
    push_dataset(parsed_as_before(folder)[:1], target, client, iris=IRIS)  # imports what push uses
    tracemalloc.start()
    try:
        report = push_dataset(load_published(folder, IRIS), target, client, iris=IRIS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.triples == 24 * 400 + 4 + 3 + (200 + 24 * 200 + 3)  # graphs, ontology, shapes, union
    dataset = (folder / "dataset.nq").stat().st_size
    assert dataset > 1_400_000
    # the whole dataset's text, or its terms as objects, would be several times more
    assert peak < 4 * max(sizes.values()) + 50_000 < dataset / 4, (peak, max(sizes.values()), dataset)


def test_a_triple_outside_a_named_graph_is_refused(tmp_path: Path) -> None:
    folder = write_publication(tmp_path / "dist", synthetic(2, 3, False))
    with (folder / "dataset.trig").open("a", encoding="utf-8") as out:
        out.write(f"<{EX}s> <{EX}p> <{EX}o> .\n")
    with pytest.raises(ConfigurationError, match="triples outside a named graph"):
        load_published(folder, IRIS)


def test_each_graphs_triples_are_counted_once(tmp_path: Path) -> None:
    folder = write_publication(tmp_path / "dist", synthetic(2, 3, False))
    graph = f"{IRIS.base}graph/source/s00"
    with (folder / "dataset.trig").open("a", encoding="utf-8") as out:  # a second block, repeating
        out.write(f"<{graph}> {{ <{EX}s9> <{EX}p> 9 . <{EX}s1> <{EX}p> 1 . <{EX}s1> <{EX}p> 1 . }}\n")
    graphs = load_published(folder, IRIS)
    counts = {g.name.value: g.count for g in graphs}
    assert counts[graph] == 6 + 1 and len(set(next(g for g in graphs if g.name.value == graph).triples)) == 7
    assert graphs.union.count == 3 + 3 * 2 + 3  # the union is dataset.nt's, and the ontology's


@pytest.mark.parametrize("blank", [False, True])
def test_a_big_graph_goes_in_bounded_requests_and_the_store_holds_the_same(
    tmp_path: Path, oxigraph: OxigraphServer, monkeypatch: pytest.MonkeyPatch, blank: bool
) -> None:
    folder = write_publication(tmp_path / "dist", synthetic(3, 40, blank), grouped=blank)
    target = PushTarget(oxigraph.query_url, oxigraph.store_url)
    with load_published(folder, IRIS) as graphs:
        whole = push_dataset(graphs, target, HttpClient(timeout=30), iris=IRIS)
    expected = everything(oxigraph)
    monkeypatch.setattr(push, "GSP_PIECE_BYTES", 700)
    client = HttpClient(timeout=30)
    with load_published(folder, IRIS) as graphs:
        union = graphs.union
        pieces = union.bodies(700)
        assert len(pieces) > 5
        assert b"".join(b"".join(body) for body in pieces) == b"".join(union.body())
        assert all(body.length <= 700 for body in pieces[:-1])
        assert all(b"".join(body).endswith(b"\n") for body in pieces)
        if blank:
            assert b"_:" in b"".join(pieces[-1]) and not any(b"_:" in b"".join(b) for b in pieces[:-1])
        pieced = push_dataset(graphs, target, client, iris=IRIS, full=True)
    assert summary(pieced) == summary(whole)
    assert pieced.requests > whole.requests + 5  # the pieces were sent as requests of their own
    assert everything(oxigraph) == expected
