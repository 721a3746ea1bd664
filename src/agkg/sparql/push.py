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

The published files are read as text, never whole in memory nor as term objects
(``load_published``): each graph's N-Triples go to a temporary file as ``dataset.trig`` is
parsed, the union is ``dataset.nt``, and request bodies are read from disk in pieces.

Afterwards one query counts the triples of every pushed graph; a count that differs from the
published one is an error.

Two more graphs make the store answer like a local query, and let a later push clean up:

* ``{base}graph/union``, the RDF merge of the pushed graphs but the shapes: remote queries take
  it as their default graph. Stores' own ways to query several graphs as one (Oxigraph's
  ``--union-default-graph``, several ``default-graph-uri``, Virtuoso's default) were found to
  return a triple once per graph holding it, where the merge holds it once.
* ``{base}graph/agkg-push``, the manifest (SPARQL Service Description and Dublin Core terms):
  the dataset queries are sent with (``sd:defaultGraph``, ``sd:namedGraph``), every graph
  agkg wrote (``dcterms:hasPart``) and the digest of each one's published content
  (``schema:sha256``, ``content_digest``). It lives in the store, so any later push, from any
  machine, removes the graphs of sources no longer published, and never a graph agkg did not
  write. Graphs about to be written are added to it before they are, so a push that fails
  midway leaves none unrecorded.

A push sends only what changed since the push the manifest records (``--full``: everything;
a manifest without digests, from an older agkg, gets a full push too). A graph whose digest
equals the recorded one is skipped; the others are replaced as above. The union is patched by
difference when that is safe (``Pusher._old_triples``): the changed graphs' old triples are
fetched before they are replaced, the new graphs' triples added, and each old triple the
published union lacks deleted unless a published graph in the store still holds it. After a
push stopped at any point, the next one repairs the store, because the manifest drops the
digests of the graphs about to change, and the union's, before anything changes, and gets
each graph's new digest only once the graph is written: a graph or union possibly half-written
has no digest, so it is sent whole. The triple counts of every graph are checked, sent or not,
and only the digests of graphs counted right are recorded (a write a store answered but lost is
sent again by the next push).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import tempfile
import time
import urllib.parse
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO, Protocol, overload

import pyoxigraph as ox

from agkg.build.chunking import file_chunks
from agkg.errors import ConfigurationError, RemoteError
from agkg.progress import CountedProgress
from agkg.sparql.remote import HttpClient, StoreManifest, query_endpoint, read_manifest, server_message
from agkg.vocab import DCTERMS, RDF, SCHEMA, SD, Iris

NTRIPLES_TYPE = {"Content-Type": "application/n-triples; charset=utf-8"}
GSP_FALLBACK_STATUSES = (404, 405, 501)
GSP_DELETE_FALLBACK_STATUSES = (405, 501)
DEFAULT_BATCH = 500
# Bytes of N-Triples per Graph Store Protocol request: a bigger graph is sent as a PUT of its
# first piece and POSTs of the rest. A store applies each request as one transaction and holds
# it in memory until it commits: at 10M triples the union's one PUT of 1.5 GB took an Oxigraph
# server past 11.5 GB before it was stopped (bench/RESULTS.md, "10M completed").
GSP_PIECE_BYTES = 64 << 20
# Triples per INSERT {…} WHERE {} (used for blank nodes): Virtuoso 7 compiles a template into
# SQL and refuses one of ~1,600 triples ("generated SQL text has exceeded 10000 lines").
TEMPLATE_BATCH = 500
# Triples sent between two records of the sent graphs' digests in the manifest: after a push
# stopped midway, the next one sends again at most about this many that were already there.
RECORD_TRIPLES = 250_000
# The most triples of changed graphs (old or new) for which the union is patched rather than
# replaced: their old versions are held as a set of lines while it is patched, about 210 MiB
# for a million (measured on 1M benchmark data). At 10M the entities graph, which changes with
# most edits, has about 0.95M triples; replacing the union instead sends ten times more.
PATCH_LIMIT = 1_000_000


class Payload(Protocol):
    """One named graph to push: its IRI, how many triples it has (unique), and its N-Triples
    as one request body or as update batches."""

    @property
    def name(self) -> ox.NamedNode: ...

    @property
    def count(self) -> int: ...

    @property
    def triples(self) -> list[ox.Triple]: ...

    def body(self) -> Body: ...

    def bodies(self, limit: int) -> list[Body]: ...

    def update_batches(self, size: int) -> Iterator[Batch]: ...

    @property
    def blank_nodes(self) -> bool: ...

    def digest(self) -> str:
        """SHA-256 of the graph as published (``content_digest``), in hexadecimal."""
        ...


@dataclass(frozen=True)
class Batch:
    """N-Triples lines for one update request; ``blank`` when any has a blank node."""

    text: str
    blank: bool


@dataclass(frozen=True)
class Body:
    """A request body: its length in bytes, and its bytes in pieces, made afresh for each
    sending (``remote.RequestBody``)."""

    length: int
    pieces: Callable[[], Iterator[bytes]]

    def __iter__(self) -> Iterator[bytes]:
        return self.pieces()


@dataclass(frozen=True)
class GraphPayload:
    """One named graph to push, held in memory: its IRI and its triples (unique, in a stable order).

    The ontology, the shapes and the manifest are pushed so: they are small, and the ontology
    and shapes have blank nodes, whose triples the update batches keep together."""

    name: ox.NamedNode
    triples: list[ox.Triple]

    @property
    def count(self) -> int:
        return len(self.triples)

    def body(self) -> Body:
        text = ntriples(self.triples).encode("utf-8")
        return Body(len(text), lambda: iter((text,)))

    def bodies(self, limit: int) -> list[Body]:
        """One body: a graph held in memory is small (the ontology, the shapes, the manifest)."""
        return [self.body()]

    def update_batches(self, size: int) -> Iterator[Batch]:
        if any(_has_blank(t) for t in self.triples):
            size = min(size, TEMPLATE_BATCH)
        for part in batches(self.triples, size):
            yield Batch(ntriples(part), any(_has_blank(t) for t in part))

    @property
    def blank_nodes(self) -> bool:
        return any(_has_blank(t) for t in self.triples)

    def digest(self) -> str:
        plain = ntriples(t for t in self.triples if not _has_blank(t)).encode("utf-8")
        return content_digest([plain], [[t for t in self.triples if _has_blank(t)]])


@dataclass(frozen=True)
class Segment:
    """Bytes ``offset`` to ``offset + length`` of an open file: whole N-Triples lines."""

    handle: BinaryIO
    offset: int
    length: int


@dataclass(frozen=True)
class GraphText:
    """One named graph to push whose N-Triples lie in files (the published ``dataset.nt``, or
    the lines of ``dataset.nq`` gathered per graph): read in pieces as they are sent, so a
    graph of any size costs about ``BLOCK`` bytes of memory (``load_published``).

    ``plain`` holds lines without blank nodes; each group of ``blank`` the lines with blank
    nodes of one published graph (their labels mean one node within it), parsed only to batch
    updates, where the triples of a blank node must go in one request."""

    name: ox.NamedNode
    count: int
    plain: list[Segment]
    blank: list[list[Segment]] = field(default_factory=list)

    @property
    def triples(self) -> list[ox.Triple]:
        """The triples, parsed: for small graphs only (and tests)."""
        return [
            _triple(q)
            for segments in (self.plain, *self.blank)
            for q in ox.parse(b"".join(_blocks(segments)), format=ox.RdfFormat.N_TRIPLES)
        ]

    def body(self) -> Body:
        segments = [*self.plain, *(s for group in self.blank for s in group)]
        return Body(sum(s.length for s in segments), lambda: _blocks(segments))

    def bodies(self, limit: int) -> list[Body]:
        """The body in pieces of at most about ``limit`` bytes, each of whole lines; the lines
        with blank nodes all in the last one, as a blank node's label means one node only
        within one request."""
        pieces: list[list[Segment]] = [[]]
        room = limit
        for segment in (part for whole in self.plain for part in _cut(whole, limit)):
            if segment.length > room and pieces[-1]:
                pieces.append([])
                room = limit
            pieces[-1].append(segment)
            room -= segment.length
        pieces[-1].extend(s for group in self.blank for s in group)
        return [Body(sum(s.length for s in piece), partial(_blocks, piece)) for piece in pieces]

    def update_batches(self, size: int) -> Iterator[Batch]:
        lines: list[bytes] = []
        for block in _blocks(self.plain):
            for line in block.splitlines(keepends=True):
                lines.append(line)
                if len(lines) >= size:
                    yield Batch(b"".join(lines).decode("utf-8"), False)
                    lines = []
        if lines:
            yield Batch(b"".join(lines).decode("utf-8"), False)
        for group in self.blank:
            text = b"".join(_blocks(group))
            triples = [_triple(q) for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]
            for part in batches(triples, min(size, TEMPLATE_BATCH)):
                yield Batch(ntriples(part), any(_has_blank(t) for t in part))

    @property
    def blank_nodes(self) -> bool:
        return bool(self.blank)

    def digest(self) -> str:
        groups = [
            [_triple(q) for q in ox.parse(b"".join(_blocks(group)), format=ox.RdfFormat.N_TRIPLES)]
            for group in self.blank
        ]
        return content_digest(_blocks(self.plain), groups)


def content_digest(plain: Iterable[bytes], blank: Iterable[list[ox.Triple]]) -> str:
    """SHA-256 of a graph's N-Triples lines without blank nodes as published (``agkg publish``
    writes them in a deterministic order), then of each group of its triples with blank nodes,
    canonicalised (RDFC-1.0) and sorted: a parser gives a blank node a new label each time.

    Equal digests mean the same published content; a different order of the same lines gives
    another digest, which only costs sending the graph again.
    """
    digest = hashlib.sha256()
    for block in plain:
        digest.update(block)
    for group in blank:
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in group)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        digest.update(b"\0blank nodes\n")
        digest.update("".join(sorted(f"{q} .\n" for q in dataset)).encode("utf-8"))
    return digest.hexdigest()


BLOCK = 1 << 20  # bytes read from a file at a time, for a request body or update batches
HELD = 16 << 20  # bytes of a graph's lines gathered before they go to the spill file


def _blocks(segments: Iterable[Segment]) -> Iterator[bytes]:
    """The segments' bytes in pieces of about ``BLOCK``, each ending at a line end (``os.pread``:
    several readers of one open file do not disturb each other)."""
    for segment in segments:
        yield from file_chunks(segment.handle, BLOCK, segment.offset, segment.offset + segment.length)


def _cut(segment: Segment, limit: int) -> Iterator[Segment]:
    """The segment in parts of at most ``limit`` bytes, each ending at a line end (longer only
    where no line ends in the ``BLOCK`` bytes before a cut: then at the next line end)."""
    descriptor = segment.handle.fileno()
    offset, end = segment.offset, segment.offset + segment.length
    while end - offset > limit:
        cut = offset + limit
        start = max(offset, cut - BLOCK)
        before = os.pread(descriptor, cut - start, start).rfind(b"\n")  # the last line end
        if before >= 0:
            cut = start + before + 1
        while before < 0 and cut < end:  # a long line: the line end after the cut
            window = os.pread(descriptor, min(BLOCK, end - cut), cut)
            if not window:
                raise OSError(f"{segment.handle.name}: shorter than expected")
            found = window.find(b"\n")
            if found >= 0:
                cut += found + 1
                break
            cut += len(window)
        yield Segment(segment.handle, offset, cut - offset)
        offset = cut
    if end > offset:
        yield Segment(segment.handle, offset, end - offset)


class PublishedGraphs(Sequence[Payload]):
    """The graphs of a publication, in the order of their names, and their union, with the
    files they are read from (closed by ``close``, or when this is collected)."""

    def __init__(self, graphs: list[Payload], union: GraphText, files: contextlib.ExitStack) -> None:
        self.graphs = graphs
        self.union = union
        self._close = weakref.finalize(self, files.close)

    @overload
    def __getitem__(self, index: int) -> Payload: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Payload]: ...

    def __getitem__(self, index: int | slice) -> Payload | Sequence[Payload]:
        return self.graphs[index]

    def __len__(self) -> int:
        return len(self.graphs)

    def close(self) -> None:
        self._close()

    def __enter__(self) -> PublishedGraphs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class PushTarget:
    """Where a store takes queries, Graph Store Protocol requests and updates."""

    query_url: str
    graph_store_url: str | None = None
    update_url: str | None = None


UNCHANGED = "unchanged"


@dataclass
class GraphResult:
    graph: str
    triples: int
    stored: int
    # gsp or update (replaced), unchanged (its digest was recorded: not sent), or, for the
    # union, difference (patched: the changed graphs' triples added, the ones left removed)
    method: str


@dataclass
class PushReport:
    graphs: list[GraphResult] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # graphs of an earlier push, no longer published
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    fell_back: bool = False
    full: bool = False  # every graph sent: --full, or no digests recorded in the store
    sent_bytes: int = 0  # request bodies and query texts

    @property
    def triples(self) -> int:
        return sum(g.triples for g in self.graphs)

    @property
    def sent(self) -> list[GraphResult]:
        return [g for g in self.graphs if g.method != UNCHANGED]

    @property
    def skipped(self) -> list[GraphResult]:
        return [g for g in self.graphs if g.method == UNCHANGED]

    @property
    def sent_triples(self) -> int:
        """Triples of the graphs sent (a patched union's: those of the changed graphs)."""
        return sum(g.triples for g in self.sent if g.method != "difference")


def load_published(out_dir: Path, iris: Iris) -> PublishedGraphs:
    """The graphs of a published dataset in ``out_dir`` (``agkg publish`` writes it).

    Never held as a whole, nor as term objects: ``dataset.trig`` is parsed as a stream, each
    graph's triples written as N-Triples to a temporary spill file that requests are sent from;
    the union is ``dataset.nt`` (the named graphs' triples, deduplicated) with the ontology's
    triples it lacks. Only the ontology and the shapes are held in memory. Blank nodes, if a
    publication has some, are kept apart per graph in the union (``union_graph``).
    """
    needed = {name: out_dir / name for name in ("dataset.trig", "dataset.nt", "ontology.ttl", "shapes.ttl")}
    missing = [name for name, path in needed.items() if not path.is_file()]
    if missing:
        raise ConfigurationError(
            f"{out_dir}: no {', '.join(missing)}: run 'agkg publish' first (or pass --dist)"
        )
    files = contextlib.ExitStack()
    try:
        fixed = {
            graph: GraphPayload(graph, _parse_unique(needed[name], ox.RdfFormat.TURTLE))
            for graph, name in ((iris.ontology_graph, "ontology.ttl"), (iris.shapes_graph, "shapes.ttl"))
        }
        spill = files.enter_context(tempfile.TemporaryFile(prefix="agkg-push-"))  # noqa: SIM115 (closed by files)
        texts = _split_trig(needed["dataset.trig"], spill)
        graphs: list[Payload] = sorted([*texts, *fixed.values()], key=lambda g: g.name.value)
        union = _published_union(graphs, files.enter_context(needed["dataset.nt"].open("rb")), spill, iris)
        spill.flush()
    except ConfigurationError:
        files.close()
        raise
    except (SyntaxError, OSError, ValueError) as error:
        files.close()
        raise ConfigurationError(f"{out_dir}: cannot read the published dataset: {error}") from error
    except BaseException:
        files.close()
        raise
    return PublishedGraphs(graphs, union, files)


def _parse_unique(path: Path, format: ox.RdfFormat) -> list[ox.Triple]:
    return sorted({_triple(q) for q in ox.parse(path=path, format=format)}, key=str)


def _triple(quad: ox.Quad | ox.Triple) -> ox.Triple:
    return ox.Triple(quad.subject, quad.predicate, quad.object)


def _has_blank(triple: ox.Triple | ox.Quad) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _line_has_blank(line: bytes) -> bool:
    """Whether an N-Triples line has a blank node: parsed only when ``_:`` is in it at all."""
    return b"_:" in line and any(_has_blank(q) for q in ox.parse(line, format=ox.RdfFormat.N_TRIPLES))


def _split_trig(path: Path, spill: BinaryIO) -> list[GraphText]:
    """Each graph of a TriG file as N-Triples lines in ``spill``: parsed as a stream, written
    out a graph at a time or every ``HELD`` bytes within one, so about ``HELD`` bytes are held.

    Each graph's triples are kept unique, as push's sets of triples kept them. ``agkg publish``
    writes one block per graph, its triples in the order of their N-Triples lines (those of
    the sorted ``dataset.nq``), so a repeated line would follow its twin and only the last line
    is compared; a graph out of that order, or in several blocks, is checked against a set of
    its lines instead (about the size of the graph).
    """
    segments: dict[ox.NamedNode, tuple[list[Segment], list[Segment]]] = {}
    counts: dict[ox.NamedNode, int] = defaultdict(int)
    current: ox.NamedNode | None = None
    previous = ""
    seen: set[str] | None = None  # the current graph's lines, once they are out of order
    plain: list[str] = []
    blank: list[str] = []
    held = 0

    def write_held() -> None:
        nonlocal held
        if current is None:
            return
        for lines, kept in zip((plain, blank), segments[current], strict=True):
            if lines:
                text = "".join(lines).encode("utf-8")
                kept.append(Segment(spill, spill.tell(), len(text)))
                spill.write(text)
                counts[current] += len(lines)
                lines.clear()
        held = 0

    def lines_so_far(graph: ox.NamedNode) -> set[str]:
        write_held()
        spill.flush()
        text = b"".join(_blocks([*segments[graph][0], *segments[graph][1]]))
        return set(text.decode("utf-8").splitlines(keepends=True))

    for quad in ox.parse(path=path, format=ox.RdfFormat.TRIG):
        graph = quad.graph_name
        if graph != current:
            if not isinstance(graph, ox.NamedNode):
                raise ConfigurationError(f"{path}: triples outside a named graph")
            write_held()
            current, previous, seen = graph, "", None
            if graph in segments:  # a graph in a second block
                seen = lines_so_far(graph)
            else:
                segments[graph] = ([], [])
        line = f"{quad.triple} .\n"
        if seen is None:
            if line == previous:
                continue
            if line < previous:
                seen = lines_so_far(graph)
        if seen is not None:
            if line in seen:
                continue
            seen.add(line)
        previous = line
        (blank if _has_blank(quad) else plain).append(line)
        held += len(line)
        if held >= HELD:
            write_held()
    write_held()
    return [
        GraphText(graph, counts[graph], plain_segments, [blank_segments] if blank_segments else [])
        for graph, (plain_segments, blank_segments) in segments.items()
    ]


def _published_union(graphs: list[Payload], nt: BinaryIO, spill: BinaryIO, iris: Iris) -> GraphText:
    """The union graph of a publication (``union_graph``'s triples), as text: ``dataset.nt`` is
    the union of the dataset's named graphs, deduplicated; the ontology's triples it lacks are
    added. Lines with blank nodes are left out of ``dataset.nt`` and taken from each graph
    instead, their nodes renamed apart per graph as ``union_graph`` does."""
    spill.flush()  # the graphs' lines with blank nodes are read back from it
    ontology = {t for g in graphs if g.name == iris.ontology_graph for t in g.triples if not _has_blank(t)}
    subjects = {str(t.subject).encode("utf-8") for t in ontology}
    plain: list[Segment] = []
    count = start = position = 0
    for line in nt:
        if _line_has_blank(line):
            if position > start:
                plain.append(Segment(nt, start, position - start))
            start = position + len(line)
        else:
            count += 1
            if line[: line.find(b" ")] in subjects:
                ontology.difference_update(_triple(q) for q in ox.parse(line, format=ox.RdfFormat.N_TRIPLES))
        position += len(line)
    if position > start:
        plain.append(Segment(nt, start, position - start))

    def spilled(triples: list[ox.Triple]) -> Segment:
        text = ntriples(triples).encode("utf-8")
        segment = Segment(spill, spill.tell(), len(text))
        spill.write(text)
        return segment

    extra = sorted(ontology, key=str)
    plain.append(spilled(extra))
    count += len(extra)
    blank: list[list[Segment]] = []
    for number, graph in enumerate(graphs):
        if graph.name in (iris.shapes_graph, iris.union_graph, iris.push_manifest_graph):
            continue
        if isinstance(graph, GraphText):
            kept = [
                _triple(q)
                for group in graph.blank
                for q in ox.parse(b"".join(_blocks(group)), format=ox.RdfFormat.N_TRIPLES)
            ]
        else:
            kept = [t for t in graph.triples if _has_blank(t)]
        if kept:
            blank.append([spilled(list(_blank_nodes_apart(kept, f"g{number}x")))])
            count += len(kept)
    return GraphText(iris.union_graph, count, plain, blank)


def union_graph(graphs: Sequence[Payload], iris: Iris) -> GraphPayload:
    """The RDF merge of every graph but the shapes: what a local query's default graph holds.

    Blank nodes are kept apart per graph (RDF 1.1 Semantics, merge), so two graphs' ``_:b0``
    never become one node.
    """
    merged: set[ox.Triple] = set()
    for number, graph in enumerate(graphs):
        if graph.name not in (iris.shapes_graph, iris.union_graph, iris.push_manifest_graph):
            merged.update(_blank_nodes_apart(graph.triples, f"g{number}x"))
    return GraphPayload(iris.union_graph, sorted(merged, key=str))


def _blank_nodes_apart(triples: Iterable[ox.Triple], tag: str) -> Iterator[ox.Triple]:
    for t in triples:
        if not (isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)):
            yield t  # the same object: the union of a million triples costs no copies of them
            continue
        subject = ox.BlankNode(tag + t.subject.value) if isinstance(t.subject, ox.BlankNode) else t.subject
        obj = ox.BlankNode(tag + t.object.value) if isinstance(t.object, ox.BlankNode) else t.object
        yield ox.Triple(subject, t.predicate, obj)


def manifest_graph(
    iris: Iris,
    default: list[ox.NamedNode],
    named: list[ox.NamedNode],
    parts: list[ox.NamedNode],
    digests: Mapping[str, str] | None = None,
) -> GraphPayload:
    """The manifest: the dataset to query (``sd:defaultGraph``, ``sd:namedGraph``) and every
    graph agkg wrote (``dcterms:hasPart``), as triples about the manifest graph's IRI, and the
    digest of each graph's content as written (``schema:sha256``, a triple about the graph)."""
    subject = iris.push_manifest_graph
    triples = {ox.Triple(subject, RDF.type, SD.Dataset)}
    triples.update(ox.Triple(subject, SD.defaultGraph, g) for g in default)
    triples.update(ox.Triple(subject, SD.namedGraph, g) for g in named)
    triples.update(ox.Triple(subject, DCTERMS.hasPart, g) for g in parts)
    triples.update(digest_triples(digests or {}))
    return GraphPayload(subject, sorted(triples, key=str))


def digest_triples(digests: Mapping[str, str]) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(g), SCHEMA.sha256, ox.Literal(d)) for g, d in sorted(digests.items())]


def _describes(
    manifest: StoreManifest,
    union: ox.NamedNode,
    named: list[ox.NamedNode],
    parts: list[ox.NamedNode],
    digests: Mapping[str, str],
) -> bool:
    """Whether the store's manifest is the one a push of these graphs writes last: a push that
    stopped just before writing it leaves every graph current but the dataset to query stale."""
    return (
        manifest.default_graphs == (union.value,)
        and set(manifest.named_graphs) == {g.value for g in named}
        and set(manifest.parts) == {g.value for g in parts}
        and dict(manifest.digests) == dict(digests)
    )


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
    """An update adding ``triples`` to ``graph`` (``insert_text``)."""
    return insert_text(graph, Batch(ntriples(triples), any(_has_blank(t) for t in triples)))


def insert_text(graph: ox.NamedNode, batch: Batch) -> str:
    """An update adding a batch of N-Triples lines to ``graph``.

    ``INSERT DATA`` when there are no blank nodes; otherwise ``INSERT {…} WHERE {}``, whose
    template may hold blank nodes (SPARQL 1.1 Update 3.1.3; Virtuoso refuses them in INSERT DATA).
    """
    body = f"GRAPH {graph} {{\n{batch.text}}}"
    if batch.blank:
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

    def push(self, graphs: Sequence[Payload], iris: Iris, full: bool = False) -> PushReport:
        """Replace each changed graph, update the union, remove what an earlier push left,
        record it all; with ``full``, or when the store records no digests, send every graph."""
        started = time.perf_counter()
        earlier = self.manifest(iris)
        union: Payload = graphs.union if isinstance(graphs, PublishedGraphs) else union_graph(graphs, iris)
        payloads = [*graphs, union]
        names = [g.name for g in payloads]
        written = {g.value for g in names}
        digests = {g.name.value: g.digest() for g in payloads}
        report = PushReport(full=full or not earlier.digests)
        recorded: Mapping[str, str] = {} if report.full else earlier.digests
        send = [g for g in graphs if recorded.get(g.name.value) != digests[g.name.value]]
        stale = sorted(set(earlier.parts) - written - {iris.push_manifest_graph.value})
        union_current = recorded.get(union.name.value) == digests[union.name.value]
        named = [g.name for g in graphs if g.name != iris.shapes_graph]
        stale_manifest = not _describes(earlier, union.name, named, names, digests)
        if send or stale or not union_current or stale_manifest:
            old = self._old_triples(union, send, stale, recorded) if not union_current else None
            # Before anything changes, the manifest lists every graph about to be written (so a
            # push stopped midway leaves none a later push would not know to remove) and loses
            # the digests of the graphs about to change, and the union's unless it is current:
            # a graph or union left half-written is then sent whole by the next push.
            kept = {name: digest for name, digest in recorded.items() if digests.get(name) == digest}
            parts = sorted({*names, *(ox.NamedNode(g) for g in earlier.parts)}, key=lambda n: n.value)
            default = [ox.NamedNode(g) for g in earlier.default_graphs]
            self._push_graph(
                manifest_graph(iris, default, [ox.NamedNode(g) for g in earlier.named_graphs], parts, kept)
            )
            methods = self._send(send, union, old, union_current, stale, named, digests, iris, report)
        else:
            methods = {}
        for graph in payloads:
            report.graphs.append(
                GraphResult(graph.name.value, graph.count, -1, methods.get(graph.name.value, UNCHANGED))
            )
        stored = self.count([*names, *(ox.NamedNode(g) for g in report.removed)])
        mismatches = []
        for result in report.graphs:
            result.stored = stored.get(result.graph, 0)
            if result.stored != result.triples:
                mismatches.append(f"{result.graph}: pushed {result.triples}, store holds {result.stored}")
        # a graph whose removal was lost stays in the manifest, for the next push to remove
        left = [ox.NamedNode(g) for g in report.removed if stored.get(g, 0)]
        mismatches.extend(f"{g.value}: removed, store holds {stored[g.value]}" for g in left)
        # The digests of the graphs the store holds as counted: one that differs is sent again
        # by the next push (a lost write, or a graph changed in the store since it was sent).
        verified = {
            g.name.value: digests[g.name.value] for g in payloads if stored.get(g.name.value) == g.count
        }
        if methods or stale_manifest or verified != digests:
            self._push_graph(manifest_graph(iris, [union.name], named, [*names, *left], verified))
        report.requests = self.client.log.requests
        report.retries = self.client.log.retries
        report.sent_bytes = self.client.log.sent
        report.fell_back = self.fell_back
        report.seconds = time.perf_counter() - started
        if mismatches:
            raise RemoteError(
                "triple counts differ after the push: "
                + "; ".join(mismatches)
                + " (the next push sends or removes them again)"
            )
        return report

    def _send(
        self,
        send: list[Payload],
        union: Payload,
        old: set[bytes] | None,
        union_current: bool,
        stale: list[str],
        named: list[ox.NamedNode],
        digests: Mapping[str, str],
        iris: Iris,
        report: PushReport,
    ) -> dict[str, str]:
        """Replace the changed graphs, recording their digests as they are done, remove the
        stale ones, then update the union: patched when ``old`` holds the changed graphs' old
        triples, replaced otherwise. The methods used, by graph."""
        methods: dict[str, str] = {}
        union_triples = 0 if union_current else sum(g.count for g in send) if old is not None else union.count
        total, done = sum(g.count for g in send) + union_triples, 0
        pending: list[Payload] = []
        for graph in send:
            if self.progress:
                self.progress("push (triples)", done, total)
            methods[graph.name.value] = self._push_graph(graph)
            done += graph.count
            pending.append(graph)
            if sum(g.count for g in pending) >= RECORD_TRIPLES:
                self._record(pending, digests, iris)
                pending = []
        if pending:
            self._record(pending, digests, iris)
        for name in stale:
            if self.progress:
                self.progress(f"remove {name}")
            self._drop_graph(ox.NamedNode(name))
            report.removed.append(name)
        if self.progress:
            self.progress("push (triples)", done, total)
        if old is not None:
            self._patch_union(union, send, old, named)
            methods[union.name.value] = "difference"
        elif not union_current:
            methods[union.name.value] = self._push_graph(union)
        if self.progress:
            self.progress("push (triples)", total, total)
        return methods

    def _record(self, graphs: list[Payload], digests: Mapping[str, str], iris: Iris) -> None:
        """Add the digests of graphs just replaced to the manifest, which lost them before, for
        those the store holds as many triples of as were sent (one query counts them)."""
        stored = self.count([g.name for g in graphs])
        written = {g.name.value: digests[g.name.value] for g in graphs if stored.get(g.name.value) == g.count}
        if written:
            self._add(
                iris.push_manifest_graph, GraphPayload(iris.push_manifest_graph, digest_triples(written))
            )

    def _add(self, graph: ox.NamedNode, payload: Payload) -> None:
        """Add a payload's triples to a graph: Graph Store Protocol POST (5.5), or INSERT."""
        if self.use_gsp:
            assert self.target.graph_store_url is not None
            url = with_graph_parameter(self.target.graph_store_url, graph)
            for body in payload.bodies(GSP_PIECE_BYTES):
                answer = self.client.request("POST", url, body, NTRIPLES_TYPE)
                if not 200 <= answer.status < 300:
                    raise RemoteError(
                        f"{url}: HTTP {answer.status} adding to {graph.value}: {server_message(answer.body)}"
                    )
            return
        for batch in payload.update_batches(self.batch_size):
            self.update(insert_text(graph, batch))

    def _old_triples(
        self, union: Payload, send: list[Payload], stale: list[str], recorded: Mapping[str, str]
    ) -> set[bytes] | None:
        """The changed and stale graphs' triples as the store holds them, as N-Triples lines,
        when the union can be patched; None when it is to be replaced whole.

        Patched only when the store's union is the merge of the stored graphs (its digest is
        recorded: it is removed before any graph changes), a SPARQL Update URL is given (to
        delete), no graph concerned has blank nodes (a blank node's label means another node in
        each request), and the changed graphs are not too big (``PATCH_LIMIT``, half the union).
        """
        if (
            union.name.value not in recorded
            or self.target.update_url is None
            or not (send or stale)
            or any(g.blank_nodes for g in send)
            or sum(g.count for g in send) > min(PATCH_LIMIT, union.count // 2)
        ):
            return None
        values = " ".join(str(g) for g in [*(g.name for g in send), *(ox.NamedNode(n) for n in stale)])
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        answer = query_endpoint(
            self.target.query_url,
            query,
            "turtle",  # Virtuoso offers a CONSTRUCT's answer in Turtle, not N-Triples
            timeout=self.client.timeout,
            policy=self.client.policy,
            sleep=self.client.sleep,
            log=self.client.log,
            environ=self.client.environ,
        )
        lines: set[bytes] = set()
        with tempfile.TemporaryFile(prefix="agkg-push-old-") as spool:
            answer.write_to(spool)
            spool.seek(0)
            try:
                for quad in ox.parse(spool, format=ox.RdfFormat.TURTLE):
                    if _has_blank(quad) or len(lines) >= PATCH_LIMIT:
                        return None
                    lines.add(f"{_triple(quad)} .".encode())
            except SyntaxError as error:
                raise RemoteError(f"{self.target.query_url}: unreadable Turtle: {error}") from None
        return lines

    def _patch_union(
        self, union: Payload, send: list[Payload], old: set[bytes], named: list[ox.NamedNode]
    ) -> None:
        """Make the stored union the new one by difference, once the changed graphs are replaced.

        The new graphs' triples are added (adding a triple the union has changes nothing). Of
        the old graphs' triples, those the published union has (as text) stay; each other one is
        deleted unless a published graph in the store still holds it: a store may hold a term in
        another form than published (Oxigraph stores an ``xsd:nonNegativeInteger`` as
        ``xsd:integer``), so only the store can say whether another graph has the same triple.
        """
        for graph in send:
            self._add(union.name, graph)
        left = old  # (taken over: a million lines weigh some 200 MiB)
        for block in union.body():
            left.difference_update(block.split(b"\n"))
        if not left:
            return
        triples = [_triple(q) for q in ox.parse(b"\n".join(sorted(left)), format=ox.RdfFormat.N_TRIPLES)]
        # the union's parts: every published graph but the shapes. A filter on the few graphs
        # holding a triple, not VALUES, which an engine may try graph by graph for each triple.
        graphs = ", ".join(str(g) for g in named)
        for part in batches(triples, self.batch_size):
            rows = "\n".join(f"({t.subject} {t.predicate} {t.object})" for t in part)
            self.update(
                f"DELETE {{ GRAPH {union.name} {{ ?s ?p ?o }} }}\n"
                f"WHERE {{ VALUES (?s ?p ?o) {{\n{rows}\n}}\n"
                f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g IN ({graphs})) }} }}"
            )

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

    def _push_graph(self, graph: Payload) -> str:
        if self.use_gsp:
            assert self.target.graph_store_url is not None
            first, *rest = graph.bodies(GSP_PIECE_BYTES)
            url = with_graph_parameter(self.target.graph_store_url, graph.name)
            answer = self.client.request("PUT", url, first, NTRIPLES_TYPE)
            if 200 <= answer.status < 300:
                for body in rest:  # the rest added to the graph (Graph Store Protocol 5.5, POST)
                    added = self.client.request("POST", url, body, NTRIPLES_TYPE)
                    if not 200 <= added.status < 300:
                        raise RemoteError(
                            f"{url}: HTTP {added.status} adding to {graph.name.value}: "
                            f"{server_message(added.body)}"
                        )
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

    def _replace_by_update(self, graph: Payload) -> None:
        name = str(graph.name)
        parts = graph.update_batches(self.batch_size)
        first, second = next(parts, Batch("", False)), next(parts, None)
        if second is None:
            # One request: the store applies it as one transaction (SPARQL 1.1 Update, 3.1.3 DROP).
            self.update(f"DROP SILENT GRAPH {name} ;\n{insert_text(graph.name, first)}")
            return
        staging = ox.NamedNode(graph.name.value + "-agkg-staging")
        self.update(f"DROP SILENT GRAPH {staging}")
        try:
            for part in itertools.chain((first, second), parts):
                self.update(insert_text(staging, part))
            loaded = self.count([staging]).get(staging.value, 0)
            if loaded != graph.count:
                raise RemoteError(
                    f"staging graph {staging.value} holds {loaded} triples, expected {graph.count}"
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
    graphs: Sequence[Payload],
    target: PushTarget,
    client: HttpClient | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: CountedProgress | None = None,
    *,
    iris: Iris,
    full: bool = False,
) -> PushReport:
    """Replace each graph in the store that differs from the published one (each one with
    ``full``), remove the graphs an earlier push wrote that are no longer published, then
    verify the counts of all."""
    return Pusher(target, client or HttpClient(), batch_size, progress).push(graphs, iris, full)
