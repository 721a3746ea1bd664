"""Loading the published dataset into a remote triple store, graph by graph.

The graphs pushed are the ones ``agkg publish`` wrote: one per source and the entities graph
(``dataset.trig``), the ontology (``ontology.ttl``) and the shapes (``shapes.ttl``).

Each graph is replaced as a whole, in one step the store performs atomically, so a push that
fails midway leaves every graph either as it was or as it is now, and pushing the same data
twice leaves the store as it was after the first push:

* SPARQL 1.1 Graph Store Protocol ``PUT`` of the graph's triples (section 5.3: replace), when a
  graph store URL is given;
* otherwise, or when the store answers the PUT with 404/405/501, SPARQL 1.1 Update: a graph
  that fits in one batch is replaced by one request (``DROP SILENT GRAPH; INSERT DATA``);
  a larger one is loaded batch by batch into a staging graph, counted there, and ``MOVE``d over
  the target. Blank nodes (the ontology and shapes have some) keep all their triples in one
  batch, because a blank node label means a different node in each request.

Afterwards one query counts the triples of every pushed graph; a count that differs from the
published one is an error.

Two more graphs make the store answer like a local query, and let a later push clean up:

* ``{base}graph/union``, the RDF merge of the pushed graphs but the shapes: remote queries take
  it as their default graph. Stores' own ways to query several graphs as one (Oxigraph's
  ``--union-default-graph``, several ``default-graph-uri``, Virtuoso's default) were found to
  return a triple once per graph holding it, where the merge holds it once.
* ``{base}graph/agkg-push``, the manifest (SPARQL Service Description and Dublin Core terms):
  the dataset queries are sent with (``sd:defaultGraph``, ``sd:namedGraph``) and every graph
  agkg wrote (``dcterms:hasPart``). It lives in the store, so any later push, from any machine,
  removes the graphs of sources no longer published, and never a graph agkg did not write.
  Graphs about to be written are added to it before they are, so a push that fails midway
  leaves none unrecorded.
"""

from __future__ import annotations

import contextlib
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from agkg.errors import ConfigurationError, RemoteError
from agkg.progress import CountedProgress
from agkg.sparql.remote import HttpClient, StoreManifest, query_endpoint, read_manifest, server_message
from agkg.vocab import DCTERMS, RDF, SD, Iris

GSP_FALLBACK_STATUSES = (404, 405, 501)
GSP_DELETE_FALLBACK_STATUSES = (405, 501)
DEFAULT_BATCH = 500
# Triples per INSERT {…} WHERE {} (used for blank nodes): Virtuoso 7 compiles a template into
# SQL and refuses one of ~1,600 triples ("generated SQL text has exceeded 10000 lines").
TEMPLATE_BATCH = 500


@dataclass(frozen=True)
class GraphPayload:
    """One named graph to push: its IRI and its triples (unique, in a stable order)."""

    name: ox.NamedNode
    triples: list[ox.Triple]


@dataclass(frozen=True)
class PushTarget:
    """Where a store takes queries, Graph Store Protocol requests and updates."""

    query_url: str
    graph_store_url: str | None = None
    update_url: str | None = None


@dataclass
class GraphResult:
    graph: str
    triples: int
    stored: int
    method: str  # gsp or update


@dataclass
class PushReport:
    graphs: list[GraphResult] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # graphs of an earlier push, no longer published
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    fell_back: bool = False

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)


def load_published(out_dir: Path, iris: Iris) -> list[GraphPayload]:
    """The graphs of a published dataset in ``out_dir`` (``agkg publish`` writes it)."""
    needed = {name: out_dir / name for name in ("dataset.trig", "ontology.ttl", "shapes.ttl")}
    missing = [name for name, path in needed.items() if not path.is_file()]
    if missing:
        raise ConfigurationError(
            f"{out_dir}: no {', '.join(missing)}: run 'agkg publish' first (or pass --dist)"
        )
    by_graph: dict[ox.NamedNode, set[ox.Triple]] = defaultdict(set)
    try:
        for quad in ox.parse(path=needed["dataset.trig"], format=ox.RdfFormat.TRIG):
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise ConfigurationError(f"{needed['dataset.trig']}: triples outside a named graph")
            by_graph[quad.graph_name].add(ox.Triple(quad.subject, quad.predicate, quad.object))
        for graph, name in ((iris.ontology_graph, "ontology.ttl"), (iris.shapes_graph, "shapes.ttl")):
            by_graph[graph].update(
                ox.Triple(q.subject, q.predicate, q.object)
                for q in ox.parse(path=needed[name], format=ox.RdfFormat.TURTLE)
            )
    except (SyntaxError, OSError) as error:
        raise ConfigurationError(f"{out_dir}: cannot read the published dataset: {error}") from error
    return [
        GraphPayload(graph, sorted(triples, key=str))
        for graph, triples in sorted(by_graph.items(), key=lambda item: item[0].value)
    ]


def union_graph(graphs: list[GraphPayload], iris: Iris) -> GraphPayload:
    """The RDF merge of every graph but the shapes: what a local query's default graph holds.

    Blank nodes are kept apart per graph (RDF 1.1 Semantics, merge), so two graphs' ``_:b0``
    never become one node.
    """
    merged: set[ox.Triple] = set()
    for number, graph in enumerate(graphs):
        if graph.name not in (iris.shapes_graph, iris.union_graph, iris.push_manifest_graph):
            merged.update(_blank_nodes_apart(graph.triples, f"g{number}x"))
    return GraphPayload(iris.union_graph, sorted(merged, key=str))


def _blank_nodes_apart(triples: list[ox.Triple], tag: str) -> Iterator[ox.Triple]:
    for t in triples:
        if not (isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)):
            yield t  # the same object: the union of a million triples costs no copies of them
            continue
        subject = ox.BlankNode(tag + t.subject.value) if isinstance(t.subject, ox.BlankNode) else t.subject
        obj = ox.BlankNode(tag + t.object.value) if isinstance(t.object, ox.BlankNode) else t.object
        yield ox.Triple(subject, t.predicate, obj)


def manifest_graph(
    iris: Iris, default: list[ox.NamedNode], named: list[ox.NamedNode], parts: list[ox.NamedNode]
) -> GraphPayload:
    """The manifest: the dataset to query (``sd:defaultGraph``, ``sd:namedGraph``) and every
    graph agkg wrote (``dcterms:hasPart``), all as triples about the manifest graph's IRI."""
    subject = iris.push_manifest_graph
    triples = {ox.Triple(subject, RDF.type, SD.Dataset)}
    triples.update(ox.Triple(subject, SD.defaultGraph, g) for g in default)
    triples.update(ox.Triple(subject, SD.namedGraph, g) for g in named)
    triples.update(ox.Triple(subject, DCTERMS.hasPart, g) for g in parts)
    return GraphPayload(subject, sorted(triples, key=str))


def ntriples(triples: Iterable[ox.Triple]) -> str:
    return "".join(f"{t} .\n" for t in triples)


def batches(triples: list[ox.Triple], size: int) -> list[list[ox.Triple]]:
    """Split into batches of about ``size``, keeping triples linked by blank nodes together."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def find(node: ox.BlankNode) -> ox.BlankNode:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        parent[node] = root
        return root

    for triple in triples:
        nodes = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        for node in nodes[1:]:
            parent[find(node)] = find(nodes[0])
        for node in nodes:
            find(node)
    groups: dict[object, list[ox.Triple]] = defaultdict(list)
    for index, triple in enumerate(triples):
        blank = next((t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)), None)
        groups[find(blank) if blank is not None else index].append(triple)
    result: list[list[ox.Triple]] = []
    current: list[ox.Triple] = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            result.append(current)
            current = []
        current.extend(group)
    if current:
        result.append(current)
    return result


def insert(graph: ox.NamedNode, triples: list[ox.Triple]) -> str:
    """An update adding ``triples`` to ``graph``.

    ``INSERT DATA`` when there are no blank nodes; otherwise ``INSERT {…} WHERE {}``, whose
    template may hold blank nodes (SPARQL 1.1 Update 3.1.3; Virtuoso refuses them in INSERT DATA).
    """
    body = f"GRAPH {graph} {{\n{ntriples(triples)}}}"
    if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        return f"INSERT {{ {body} }} WHERE {{}}"
    return f"INSERT DATA {{ {body} }}"


def with_graph_parameter(url: str, graph: ox.NamedNode) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}graph={urllib.parse.quote(graph.value, safe='')}"


class Pusher:
    """Pushes graphs to one target through one HTTP client."""

    def __init__(
        self,
        target: PushTarget,
        client: HttpClient,
        batch_size: int = DEFAULT_BATCH,
        progress: CountedProgress | None = None,
    ) -> None:
        if batch_size < 1:
            raise ConfigurationError("the batch size must be at least 1")
        self.target = target
        self.client = client
        self.batch_size = batch_size
        self.progress = progress
        self.use_gsp = target.graph_store_url is not None
        self.fell_back = False

    def push(self, graphs: list[GraphPayload], iris: Iris) -> PushReport:
        """Replace each graph, add the union, remove what an earlier push left, record it all."""
        started = time.perf_counter()
        report = PushReport()
        earlier = self.manifest(iris)
        union = union_graph(graphs, iris)
        payloads = [*graphs, union]
        names = [g.name for g in payloads]
        written = {g.value for g in names}
        unrecorded = written - set(earlier.parts)
        if unrecorded:
            # Record the graphs about to be written first: a push failing midway leaves none
            # that a later push would not know to remove.
            self._push_graph(
                manifest_graph(
                    iris,
                    [ox.NamedNode(g) for g in earlier.default_graphs],
                    [ox.NamedNode(g) for g in earlier.named_graphs],
                    sorted({*names, *(ox.NamedNode(g) for g in earlier.parts)}, key=lambda n: n.value),
                )
            )
        total, done = sum(len(g.triples) for g in payloads), 0
        for graph in payloads:
            if self.progress:
                self.progress("push (triples)", done, total)
            method = self._push_graph(graph)
            report.graphs.append(GraphResult(graph.name.value, len(graph.triples), -1, method))
            done += len(graph.triples)
        if self.progress:
            self.progress("push (triples)", done, total)
        protected = written | {iris.push_manifest_graph.value}
        for stale in sorted(set(earlier.parts) - protected):
            if self.progress:
                self.progress(f"remove {stale}")
            self._drop_graph(ox.NamedNode(stale))
            report.removed.append(stale)
        named = [g.name for g in graphs if g.name != iris.shapes_graph]
        self._push_graph(manifest_graph(iris, [union.name], named, names))
        stored = self.count(names)
        mismatches = []
        for result in report.graphs:
            result.stored = stored.get(result.graph, 0)
            if result.stored != result.triples:
                mismatches.append(f"{result.graph}: pushed {result.triples}, store holds {result.stored}")
        report.requests = self.client.log.requests
        report.retries = self.client.log.retries
        report.fell_back = self.fell_back
        report.seconds = time.perf_counter() - started
        if mismatches:
            raise RemoteError("triple counts differ after the push: " + "; ".join(mismatches))
        return report

    def manifest(self, iris: Iris) -> StoreManifest:
        """The store's record of an earlier push (empty when there was none)."""
        return read_manifest(
            self.target.query_url,
            iris.push_manifest_graph,
            timeout=self.client.timeout,
            environ=self.client.environ,
            policy=self.client.policy,
            sleep=self.client.sleep,
            log=self.client.log,
        )

    def _drop_graph(self, graph: ox.NamedNode) -> None:
        """Remove a graph: Graph Store Protocol DELETE (5.4; 404 means already gone), or DROP."""
        if self.use_gsp:
            assert self.target.graph_store_url is not None
            url = with_graph_parameter(self.target.graph_store_url, graph)
            answer = self.client.request("DELETE", url)
            if 200 <= answer.status < 300 or answer.status == 404:
                return
            if answer.status in GSP_DELETE_FALLBACK_STATUSES and self.target.update_url:
                self.use_gsp = False
                self.fell_back = True
            else:
                raise RemoteError(
                    f"{url}: HTTP {answer.status} removing {graph.value}: {server_message(answer.body)}"
                )
        self.update(f"DROP SILENT GRAPH {graph}")

    def _push_graph(self, graph: GraphPayload) -> str:
        if self.use_gsp:
            assert self.target.graph_store_url is not None
            body = ntriples(graph.triples).encode("utf-8")
            url = with_graph_parameter(self.target.graph_store_url, graph.name)
            answer = self.client.request(
                "PUT", url, body, {"Content-Type": "application/n-triples; charset=utf-8"}
            )
            if 200 <= answer.status < 300:
                return "gsp"
            if answer.status in GSP_FALLBACK_STATUSES and self.target.update_url and not self.fell_back:
                self.use_gsp = False
                self.fell_back = True
            else:
                raise RemoteError(
                    f"{url}: HTTP {answer.status} replacing {graph.name.value}: {server_message(answer.body)}"
                )
        self._replace_by_update(graph)
        return "update"

    def update(self, text: str) -> None:
        url = self.target.update_url
        if url is None:
            raise ConfigurationError("no SPARQL Update URL: pass --update (or --graph-store)")
        answer = self.client.request(
            "POST", url, text.encode("utf-8"), {"Content-Type": "application/sparql-update; charset=utf-8"}
        )
        if not 200 <= answer.status < 300:
            raise RemoteError(f"{url}: HTTP {answer.status}: {server_message(answer.body)}")

    def _replace_by_update(self, graph: GraphPayload) -> None:
        name = str(graph.name)
        size = self.batch_size
        if any(
            isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in graph.triples
        ):
            size = min(size, TEMPLATE_BATCH)
        parts = batches(graph.triples, size)
        if len(parts) <= 1:
            # One request: the store applies it as one transaction (SPARQL 1.1 Update, 3.1.3 DROP).
            self.update(f"DROP SILENT GRAPH {name} ;\n{insert(graph.name, graph.triples)}")
            return
        staging = ox.NamedNode(graph.name.value + "-agkg-staging")
        self.update(f"DROP SILENT GRAPH {staging}")
        try:
            for part in parts:
                self.update(insert(staging, part))
            loaded = self.count([staging]).get(staging.value, 0)
            if loaded != len(graph.triples):
                raise RemoteError(
                    f"staging graph {staging.value} holds {loaded} triples, expected {len(graph.triples)}"
                )
            self.update(f"MOVE SILENT GRAPH {staging} TO GRAPH {name}")
        except RemoteError:
            with contextlib.suppress(RemoteError):
                self.update(f"DROP SILENT GRAPH {staging}")
            raise

    def count(self, graphs: list[ox.NamedNode]) -> dict[str, int]:
        """Triples per graph, as the store's query endpoint counts them."""
        values = " ".join(str(g) for g in graphs)
        query = f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
        answer = query_endpoint(
            self.target.query_url,
            query,
            "json",
            timeout=self.client.timeout,
            policy=self.client.policy,
            sleep=self.client.sleep,
            log=self.client.log,
            environ=self.client.environ,
        )
        body = answer.json()
        counts: dict[str, int] = {}
        results = body.get("results")
        bindings = results.get("bindings", []) if isinstance(results, dict) else []
        for row in bindings:
            try:
                counts[row["g"]["value"]] = int(row["n"]["value"])
            except (KeyError, TypeError, ValueError) as error:
                raise RemoteError(f"{self.target.query_url}: unexpected count result {row!r}") from error
        return counts


def push_dataset(
    graphs: list[GraphPayload],
    target: PushTarget,
    client: HttpClient | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: CountedProgress | None = None,
    *,
    iris: Iris,
) -> PushReport:
    """Replace each graph in the store with the published one, remove the graphs an earlier
    push wrote that are no longer published, then verify the counts."""
    return Pusher(target, client or HttpClient(), batch_size, progress).push(graphs, iris)
