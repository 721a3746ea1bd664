"""The SPARQL endpoint's engine: query workers with time and memory limits, and result formats.

pyoxigraph evaluates a query inside the calling process and cannot be interrupted, so queries
never run in the server process: each goes to a worker process holding its own copy of the
store (loaded from the published N-Quads). A worker that outlives the time limit is killed and
replaced; one that outgrows its memory allowance (an address-space limit set inside the worker)
dies on the failed allocation and is replaced; either way the client gets a 503 saying why.

Workers sit in two lanes so that cheap queries never queue behind expensive ones for long:
the *general* lane runs anything, the *fast* lane only queries not known to be expensive, and a
query still running in the fast lane after ``fast_seconds`` is stopped there and run again in
the general lane. Whether a query is expensive is learnt from its own earlier runs (the dataset
is read-only, so a query's cost repeats). A request that finds no free worker within
``queue_wait`` gets 503 with ``Retry-After``. See docs/serving.md.

The server (server.py) owns HTTP; this module owns what happens to a query once it is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from agkg.build.publishing import canonical_nquads
from agkg.build.querystore import open_query_store
from agkg.errors import ConfigurationError, QueryError
from agkg.vocab import FORMATS, RDF, SD, VOID, XSD, Iris, data_prefixes
from agkg.web.site import SiteData, negotiate

SOLUTION_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
# Media types a CONSTRUCT/DESCRIBE answer is written in. Turtle is a subset of N3, so a client
# asking for N3 gets Turtle (labelled as the N3 it asked for, which it is).
GRAPH_RESULT_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/n3": ox.RdfFormat.TURTLE,
}
# format= values as the clients sending them mean them: (for SELECT/ASK, for CONSTRUCT/DESCRIBE).
# SPARQLWrapper sends its return format's name (xml, json, turtle, n3, rdf+xml, json-ld, csv,
# tsv), sometimes followed by a media type; "xml" and "json" name a family, not one type.
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "rdf": (None, "application/rdf+xml"),
    "rdf+xml": (None, "application/rdf+xml"),
    "rdfxml": (None, "application/rdf+xml"),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "n3": (None, "text/n3"),
    "ntriples": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "nt": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"),
    "json-ld": (None, "application/ld+json"),
}
RESULT_FORMAT_NAMES = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "N3",
)


def with_charset(media: str) -> str:
    return f"{media}; charset=utf-8" if media.startswith("text/") else media


def choose_media(
    graph: bool, accept: str | None, formats: Sequence[str], exclude: Sequence[str] = ()
) -> str | None:
    """The media type to answer in: the first ``format=`` value that names one for this kind of
    result, else the Accept header's choice; None when neither allows one (406)."""
    offers = [m for m in (GRAPH_RESULT_TYPES if graph else SOLUTION_TYPES) if m not in exclude]
    for name in formats:
        value = name.strip().lower()
        if "/" in value:
            media = value.split(";")[0].strip()
            if media in offers:
                return media
            continue
        pair = FORMAT_NAMES.get(value)
        if pair is not None and pair[graph] in offers:
            return pair[graph]
    return negotiate(accept, offers)


# RDF/XML writes a predicate as an XML element: namespace + a local name that is an XML NCName.
_XML_LOCAL_NAME = re.compile(r"[^\W\d][\w.-]*\Z")


def writable_as_rdf_xml(triples: Sequence[ox.Triple]) -> bool:
    """Can RDF/XML express every predicate? (``http://example.org/p/`` has no local name, and
    pyoxigraph would write a broken element for it.)"""
    return all(_XML_LOCAL_NAME.search(t.predicate.value) for t in triples)


def is_update(text: str) -> bool:
    """Does ``text`` parse as SPARQL 1.1 Update? Asked only of text that did not parse as a
    query, so that a word like "delete" in a comment or a string never makes a query an update."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parsed = parseUpdate(text)
    except Exception:
        return False
    # an empty text, or one with only a prologue, is an update of no operations: not an update
    return "request" in parsed and bool(parsed["request"])


@dataclass(frozen=True)
class QueryLimits:
    """What a query may cost: time, memory, rows, and how long it may wait for a worker."""

    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    fast_workers: int = 2
    fast_seconds: float = 0.25
    memory_mb: int = 1024
    queue_wait: float = 2.0


# --- the query worker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: str | None
    max_rows: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()


@dataclass
class QueryOutcome:
    status: int
    media_type: str
    body: bytes
    truncated: bool = False
    seconds: float = 0.0
    retry_after: int | None = None
    retire: bool = False  # the worker cannot go on (out of memory): replace it

    @classmethod
    def error(cls, status: int, message: str, retry_after: int | None = None) -> QueryOutcome:
        body = (message.rstrip() + "\n").encode("utf-8")
        return cls(status, "text/plain; charset=utf-8", body, retry_after=retry_after)


def query_store_nquads(site: SiteData) -> bytes:
    """The store a worker loads, as N-Quads: the named graphs as published, the ontology in its
    graph, and a default graph holding the union of both, each triple once (as ``agkg query``'s
    store has it, so the endpoint and the command give the same answers)."""
    from agkg.sparql.query import query_store_quads

    return canonical_nquads(query_store_quads(site.quads, site.ontology_triples, site.iris))


def _data_kib() -> int | None:
    """This process's private data (VmData), which RLIMIT_DATA bounds; None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def limit_memory(megabytes: int) -> None:
    """Let this process's data grow by at most ``megabytes`` from now on.

    RLIMIT_DATA (heap and private anonymous mappings) rather than RLIMIT_AS: it counts what a
    query allocates, not the shared libraries and reserved stacks. An allocation past it fails;
    in Rust (pyoxigraph) that aborts the process, in Python it raises MemoryError.
    """
    import resource

    now = _data_kib()
    if now is None or megabytes <= 0:
        return
    limit = now * 1024 + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _copy_query_store(publication: Path, target: Path) -> bool:
    """Checkpoint the publication's query store into ``target`` for the workers to open
    read-only; False if it has none or it cannot be copied. A checkpoint (hard links on one
    file system) rather than the published folder itself, so that a publish replacing the
    publication while the server runs cannot pull the files from under the workers."""
    store = open_query_store(publication)
    if store is None:
        return False
    try:
        store.backup(str(target))
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        return False
    return True


def _worker_main(conn: Connection, nquads: str, base: str, memory_mb: int, niceness: int) -> None:
    """A query worker: open the store once (an on-disk query store read-only, in milliseconds;
    N-Quads loaded into memory), then answer requests until the pipe closes."""
    from agkg.sparql.query import DatasetStore

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    if niceness:
        os.nice(niceness)
    if os.path.isdir(nquads):
        store = ox.Store.read_only(nquads)
    else:
        store = ox.Store()
        store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    dataset = DatasetStore(store, Iris(base), rebuilt=False)
    limit_memory(memory_mb)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        started = time.perf_counter()
        try:
            outcome = answer_query(dataset, request)
        except MemoryError:
            outcome = QueryOutcome.error(503, memory_message(memory_mb))
            outcome.retire = True
        except Exception as error:  # a worker must answer, whatever happened
            outcome = QueryOutcome.error(500, f"query failed: {error}")
        outcome.seconds = time.perf_counter() - started
        conn.send(outcome)
        if outcome.retire:
            return


def memory_message(memory_mb: int) -> str:
    return (
        f"query stopped: it needed more than the {memory_mb} MB memory limit "
        "(add LIMIT, avoid ORDER BY over large joins, or narrow the patterns)"
    )


def answer_query(dataset: Any, request: QueryRequest) -> QueryOutcome:
    """Evaluate and serialize one query, in the format the client asked for, at most max_rows."""
    from agkg.sparql.guarded import engine_sorts, evaluate_apart
    from agkg.sparql.query import run_query

    try:
        if request.default_graphs or request.named_graphs:
            # protocol-level dataset (default-graph-uri / named-graph-uri): local graphs only,
            # checked by the server before the request got here
            def evaluate(text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
                return dataset.store.query(  # type: ignore[no-any-return]
                    text,
                    default_graph=[ox.NamedNode(g) for g in request.default_graphs] or None,
                    named_graphs=[ox.NamedNode(g) for g in request.named_graphs] or None,
                    prefixes=data_prefixes(dataset.iris.base),
                )

            # the engine's sort may abort the process: it runs apart (sparql/guarded.py)
            result = (
                evaluate_apart(evaluate, request.query)
                if engine_sorts(request.query)
                else evaluate(request.query)
            )
        else:
            result = run_query(dataset, request.query)
    except (SyntaxError, QueryError) as error:
        if is_update(request.query):
            return QueryOutcome.error(403, "this endpoint is read-only: SPARQL Update is refused")
        message = str(error)
        return QueryOutcome.error(
            400, message if isinstance(error, QueryError) else f"malformed query: {message}"
        )
    except OSError as error:
        return QueryOutcome.error(400, str(error))
    graph = isinstance(result, ox.QueryTriples)
    media = choose_media(graph, request.accept, request.formats)
    if media is None:
        offered = GRAPH_RESULT_TYPES if graph else SOLUTION_TYPES
        kind = "a CONSTRUCT/DESCRIBE result is a graph" if graph else "a SELECT/ASK result is a table"
        return QueryOutcome.error(406, f"{kind}: accept " + ", ".join(offered))
    if isinstance(result, ox.QueryTriples):
        triples: list[ox.Triple] = []
        truncated = False
        for triple in result:
            if len(triples) == request.max_rows:
                truncated = True
                break
            triples.append(triple)
        if media == "application/rdf+xml" and not writable_as_rdf_xml(triples):
            media = choose_media(True, request.accept, request.formats, exclude=["application/rdf+xml"])
            if media is None:
                return QueryOutcome.error(
                    406,
                    "this graph cannot be written as RDF/XML (a predicate IRI ends without an XML "
                    "local name): accept " + ", ".join(m for m in GRAPH_RESULT_TYPES if "xml" not in m),
                )
        return _graph_outcome(triples, media, dataset.iris.base, truncated=truncated)
    kind = SOLUTION_TYPES[media]
    if isinstance(result, ox.QueryBoolean):
        buffer = io.BytesIO()
        result.serialize(buffer, format=getattr(ox.QueryResultsFormat, kind.upper()))
        return QueryOutcome(200, with_charset(media), buffer.getvalue())
    variables = [v.value for v in result.variables]
    rows: list[list[Any]] = []
    truncated = False
    for solution in result:
        if len(rows) == request.max_rows:
            truncated = True
            break
        rows.append([solution[v] for v in variables])
    body = SOLUTION_WRITERS[kind](variables, rows)
    return QueryOutcome(200, with_charset(media), body, truncated=truncated)


def _graph_outcome(triples: list[ox.Triple], media: str, base: str, truncated: bool) -> QueryOutcome:
    rdf_format = GRAPH_RESULT_TYPES[media]
    prefixes = data_prefixes(base) if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    body = ox.serialize(sorted(triples, key=str), format=rdf_format, prefixes=prefixes) or b""
    return QueryOutcome(200, with_charset(media), body, truncated=truncated)


# SPARQL results writers. pyoxigraph serializes a whole result; capping rows means writing the
# formats here (SPARQL 1.1 Query Results JSON, XML, CSV and TSV, plus RDF-star triple terms).


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype != XSD.string:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")},
    }


def _write_json(variables: list[str], rows: list[list[Any]]) -> bytes:
    bindings = [
        {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows
    ]
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
        if term.datatype != XSD.string:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{xml_escape(term.value)}</literal>"
        return f"<literal>{xml_escape(term.value)}</literal>"
    parts = "".join(f"<{k}>{_xml_term(getattr(term, k))}</{k}>" for k in ("subject", "predicate", "object"))
    return f"<triple>{parts}</triple>"


def _write_xml(variables: list[str], rows: list[list[Any]]) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        out += [
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v, t in zip(variables, row, strict=True)
            if t is not None
        ]
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    return str(term)


def _write_csv(variables: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_csv_value(t) for t in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _write_tsv(variables: list[str], rows: list[list[Any]]) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


SOLUTION_WRITERS: dict[str, Callable[[list[str], list[list[Any]]], bytes]] = {
    "json": _write_json,
    "xml": _write_xml,
    "csv": _write_csv,
    "tsv": _write_tsv,
}


# --- the pool -----------------------------------------------------------------------------------

GENERAL, FAST = "general", "fast"
# The general lane is where long queries run: at a lower CPU priority, so that on a busy machine
# the server process and the fast lane are scheduled first and cheap answers stay quick.
GENERAL_NICENESS = 10


@dataclass(eq=False)
class _Worker:
    process: Any  # multiprocessing.Process (the spawn context's class)
    conn: Connection
    lane: str

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


async def readable(conn: Connection, seconds: float) -> bool:
    """Wait until the worker has written (an answer, or EOF when it died), at most ``seconds``.

    On the event loop rather than in a thread: with a thread per waiting query, long queries
    would occupy asyncio's few default threads and a fast query would wait for one.
    """
    if conn.poll(0):
        return True
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()
    descriptor = conn.fileno()
    loop.add_reader(descriptor, lambda: None if ready.done() else ready.set_result(None))
    try:
        await asyncio.wait({ready}, timeout=max(seconds, 0.0))
    finally:
        loop.remove_reader(descriptor)
    return ready.done()


@dataclass
class _Run:
    """How one exchange with a worker ended: an outcome, or late (still running), or died."""

    outcome: QueryOutcome | None
    late: bool = False


def query_key(query: str) -> str:
    """The query's identity for the cost history: its text with whitespace runs collapsed."""
    return hashlib.sha256(" ".join(query.split()).encode("utf-8")).hexdigest()


@dataclass
class QueryPool:
    """Worker processes holding the store, in a general and a fast lane (see the module doc)."""

    site: SiteData
    limits: QueryLimits
    # the publication the site was read from: its query store is used when it has one
    publication: Path | None = None
    folder: Path = field(init=False)
    store_path: Path = field(init=False)
    stopped: int = 0  # queries stopped at the time limit, for tests and logs
    memory_stopped: int = 0  # queries stopped at the memory limit
    demoted: int = 0  # queries moved from the fast lane to the general lane
    busy: int = 0  # requests refused because no worker came free in time
    history_size: int = 4096
    _idle: dict[str, list[_Worker]] = field(init=False, default_factory=lambda: {GENERAL: [], FAST: []})
    _waiters: list[tuple[tuple[str, ...], asyncio.Future[_Worker]]] = field(init=False, default_factory=list)
    _all: set[_Worker] = field(init=False, default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    _costs: OrderedDict[str, float] = field(init=False, default_factory=OrderedDict)

    async def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="agkg-serve-"))
        self.store_path = self.folder / "store"
        if self.publication is None or not _copy_query_store(self.publication, self.store_path):
            self.store_path = self.folder / "store.nq"
            self.store_path.write_bytes(query_store_nquads(self.site))
        lanes = [GENERAL] * self.limits.workers + [FAST] * self.limits.fast_workers
        workers = await asyncio.gather(*(self._spawn(lane) for lane in lanes))
        for worker in workers:
            self._release(worker)

    async def _spawn(self, lane: str) -> _Worker:
        # forkserver: one clean process with the modules imported forks each worker, so a
        # replacement is ready in milliseconds plus the store's load (spawn re-imports everything,
        # which took 0.7 s and more under load, and left the fast lane short meanwhile)
        context: Any = multiprocessing.get_context("spawn")  # Windows has no fork server
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["agkg.web.endpoint", "agkg.sparql.query"])
        parent, child = context.Pipe()
        process = context.Process(
            target=_worker_main,
            args=(
                child,
                str(self.store_path),
                self.site.base,
                self.limits.memory_mb,
                GENERAL_NICENESS if lane == GENERAL else 0,
            ),
            daemon=True,
            name=f"agkg-query-{lane}",
        )
        process.start()
        child.close()
        worker = _Worker(process, parent, lane)
        self._all.add(worker)
        ready = await readable(parent, 120)
        try:
            if not ready:
                raise ConfigurationError("a query worker did not start in 120 s")
            parent.recv()
        except EOFError:
            self._all.discard(worker)
            worker.stop()
            raise ConfigurationError("a query worker failed to start") from None
        except ConfigurationError:
            self._all.discard(worker)
            worker.stop()
            raise
        return worker

    def pids(self) -> list[int]:
        return [w.process.pid for w in self._all if w.process.is_alive()]

    # Handing out workers: a worker coming free goes to the longest-waiting request that may use
    # its lane, else back to its lane's idle list.

    def _release(self, worker: _Worker) -> None:
        for index, (lanes, future) in enumerate(self._waiters):
            if worker.lane in lanes and not future.done():
                del self._waiters[index]
                future.set_result(worker)
                return
        self._idle[worker.lane].append(worker)

    async def _acquire(self, lanes: tuple[str, ...]) -> _Worker | None:
        for lane in lanes:
            if self._idle[lane]:
                return self._idle[lane].pop()
        future: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        entry = (lanes, future)
        self._waiters.append(entry)
        try:
            await asyncio.wait({future}, timeout=self.limits.queue_wait)
        except BaseException:  # the request was cancelled: give back a worker it was handed
            if future.done() and not future.cancelled():
                self._release(future.result())
            raise
        finally:
            # no await between the wait ending and here: no worker can be handed to it now
            with contextlib.suppress(ValueError):
                self._waiters.remove(entry)
        if future.done() and not future.cancelled():
            return future.result()
        future.cancel()
        return None

    async def _retire(self, worker: _Worker) -> None:
        """Stop a worker (killed and reaped before the client hears why) and start its
        replacement in the same lane in the background."""
        self._all.discard(worker)
        await asyncio.to_thread(worker.stop)

        async def replace() -> None:
            for attempt in range(3):  # a replacement that fails to start is tried again, twice
                try:
                    self._release(await self._spawn(worker.lane))
                    return
                except (ConfigurationError, EOFError, OSError):
                    await asyncio.sleep(1 + attempt)

        task = asyncio.get_running_loop().create_task(replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _exchange(self, worker: _Worker, request: QueryRequest, seconds: float) -> _Run:
        try:
            worker.conn.send(request)
            if not await readable(worker.conn, seconds):
                return _Run(None, late=True)
            outcome: QueryOutcome = await asyncio.to_thread(worker.conn.recv)
            return _Run(outcome)
        except (EOFError, OSError):
            return _Run(None)
        except asyncio.CancelledError:
            # the request went away mid-query (server shutting down): the worker may still be
            # computing, so it is replaced rather than handed to the next request
            task = asyncio.get_running_loop().create_task(self._retire(worker))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            raise

    def _remember(self, key: str, seconds: float) -> None:
        self._costs[key] = seconds
        self._costs.move_to_end(key)
        while len(self._costs) > self.history_size:
            self._costs.popitem(last=False)

    def _busy(self) -> QueryOutcome:
        self.busy += 1
        return QueryOutcome.error(
            503,
            f"every query worker stayed busy for {self.limits.queue_wait:g} s; try again later",
            retry_after=max(1, round(self.limits.timeout)),
        )

    async def run(self, request: QueryRequest) -> QueryOutcome:
        """Answer one query within the limits: an outcome whatever happens, never an exception."""
        limits = self.limits
        key = query_key(request.query)
        expensive = self._costs.get(key, 0.0) > limits.fast_seconds
        worker = await self._acquire((GENERAL,) if expensive else (GENERAL, FAST))
        if worker is None:
            return self._busy()
        spent = 0.0
        if worker.lane == FAST:
            run = await self._exchange(worker, request, min(limits.fast_seconds, limits.timeout))
            if run.late:
                # too slow for the fast lane: stop it there, run it again in the general lane
                self.demoted += 1
                self._remember(key, limits.fast_seconds * 2)
                await self._retire(worker)
                spent = limits.fast_seconds
                if spent >= limits.timeout:
                    self.stopped += 1
                    return self._time_limit()
                worker = await self._acquire((GENERAL,))
                if worker is None:
                    return self._busy()
            else:
                return await self._finish(worker, run, key)
        run = await self._exchange(worker, request, limits.timeout - spent)
        return await self._finish(worker, run, key)

    def _time_limit(self) -> QueryOutcome:
        return QueryOutcome.error(
            503,
            f"query stopped: it ran longer than the {self.limits.timeout:g} s limit "
            "(put required patterns first, add LIMIT, or narrow the patterns)",
        )

    async def _finish(self, worker: _Worker, run: _Run, key: str) -> QueryOutcome:
        if run.late:
            self.stopped += 1
            self._remember(key, self.limits.timeout)
            await self._retire(worker)
            return self._time_limit()
        if run.outcome is None:
            # the worker died: a failed allocation past the memory limit aborts it (SIGABRT)
            await self._retire(worker)
            if worker.process.exitcode == -signal.SIGABRT:
                self.memory_stopped += 1
                self._remember(key, self.limits.timeout)
                return QueryOutcome.error(503, memory_message(self.limits.memory_mb))
            return QueryOutcome.error(500, "the query worker died while answering; it has been restarted")
        outcome = run.outcome
        self._remember(key, outcome.seconds)
        if outcome.retire:
            self.memory_stopped += 1
            await self._retire(worker)
        else:
            self._release(worker)
        return outcome

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._all):
            await asyncio.to_thread(worker.stop)
        self._all.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- what the endpoint is -----------------------------------------------------------------------


def dataset_clause(query: str, base: str) -> list[str]:
    """The IRIs of the query's FROM and FROM NAMED clauses (rdflib's parser resolves prefixes)."""
    from rdflib.plugins.sparql import prepareQuery

    parsed = prepareQuery(query, initNs=data_prefixes(base))
    found = []
    for clause in parsed.algebra.get("datasetClause") or []:
        iri = clause.get("default") or clause.get("named")
        if iri is not None:
            found.append(str(iri))
    return found


def service_description(endpoint: str, site: SiteData) -> list[ox.Triple]:
    """SPARQL 1.1 Service Description of the endpoint: language, formats, the dataset's graphs."""
    service, dataset, default = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = [
        ox.Triple(service, RDF.type, SD.Service),
        ox.Triple(service, SD.endpoint, ox.NamedNode(endpoint)),
        ox.Triple(service, SD.supportedLanguage, SD.SPARQL11Query),
        ox.Triple(service, SD.feature, SD.UnionDefaultGraph),
        ox.Triple(service, SD.defaultDataset, dataset),
        ox.Triple(dataset, RDF.type, SD.Dataset),
        ox.Triple(dataset, SD.defaultGraph, default),
        ox.Triple(default, RDF.type, SD.Graph),
        ox.Triple(dataset, VOID.term("inDataset"), site.iris.dataset),
    ]
    for name in RESULT_FORMAT_NAMES:
        triples.append(ox.Triple(service, SD.resultFormat, FORMATS.term(name)))
    for index, graph in enumerate(sorted(site.graph_names)):
        named = ox.BlankNode(f"g{index}")
        triples += [
            ox.Triple(dataset, SD.namedGraph, named),
            ox.Triple(named, RDF.type, SD.NamedGraph),
            ox.Triple(named, SD.name, ox.NamedNode(graph)),
        ]
    return triples


# The service description's formats: Turtle first, so */* and no Accept get Turtle (SPARQL 1.1
# Service Description §2); a browser naming text/html gets the query page instead.
DESCRIPTION_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def describe_service(endpoint: str, site: SiteData, media: str) -> bytes:
    """The service description serialized as ``media`` (one of DESCRIPTION_TYPES)."""
    rdf_format = DESCRIPTION_TYPES[media]
    prefixes = (
        {"sd": SD.iri, "formats": FORMATS.iri, "void": VOID.iri, "rdf": RDF.iri}
        if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML)
        else None
    )
    return ox.serialize(service_description(endpoint, site), format=rdf_format, prefixes=prefixes) or b""
