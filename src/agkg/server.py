"""The linked-data server: dereferenceable IRIs, pages with evidence, and a safe SPARQL endpoint.

``create_app(config)`` builds an ASGI application (Starlette) serving what ``agkg publish``
wrote to the output folder, so pages, query answers and dumps agree with the published files.
Starlette and uvicorn come with the ``serve`` extra and are imported only here, lazily.

SPARQL queries never run in the server process. pyoxigraph evaluates a query in-process and
cannot be interrupted, so each query goes to a worker process holding its own copy of the
store (the publication's on-disk query store opened read-only, or else the published N-Quads
loaded into memory); a query that outlives the time limit is stopped by
killing its worker, which is then replaced. See docs/serving.md for every status code.
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
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from .config import Config
from .errors import ConfigurationError, QueryError
from .graph import Iris
from .publishing import DUMP_TYPES, canonical_nquads
from .querystore import open_query_store
from .site import DOCUMENT_TYPES, STATIC_FILES, Pages, SiteData, e, negotiate, static_asset
from .vocab import FORMATS, RDF, SD, VOID, XSD, data_prefixes

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

# The SPARQL 1.1 Service Description vocabulary (only the server uses it).

SOLUTION_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
# ?format= short names, for clients that cannot set Accept (links, some libraries)
FORMAT_NAMES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "ntriples": "application/n-triples",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
}
_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>|#[^\n]*)\s*)*"
    r"(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)


@dataclass(frozen=True)
class ServerSettings:
    """Limits and policies of the server; the CLI fills them from flags or AGKG_* variables."""

    query_timeout: float = 10.0
    max_rows: int = 10_000
    max_request_bytes: int = 64 * 1024
    query_workers: int = 2
    cors_origins: tuple[str, ...] = ("*",)


# --- the query worker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryRequest:
    query: str
    accept: str | None
    max_rows: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass
class QueryOutcome:
    status: int
    media_type: str
    body: bytes
    truncated: bool = False
    seconds: float = 0.0

    @classmethod
    def error(cls, status: int, message: str) -> QueryOutcome:
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode("utf-8"))


def query_store_nquads(site: SiteData) -> bytes:
    """The store a worker loads, as N-Quads: the named graphs as published, the ontology in its
    graph, and a default graph holding the union of both, each triple once (as ``agkg query``'s
    store has it, so the endpoint and the command give the same answers)."""
    from .query import query_store_quads

    return canonical_nquads(query_store_quads(site.quads, site.ontology_triples, site.iris))


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


def _worker_main(conn: Connection, nquads: str, base: str) -> None:
    """A query worker: open the store once (an on-disk query store read-only, in milliseconds;
    N-Quads loaded into memory), then answer requests until the pipe closes."""
    from .query import DatasetStore

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    if os.path.isdir(nquads):
        store = ox.Store.read_only(nquads)
    else:
        store = ox.Store()
        store.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    dataset = DatasetStore(store, Iris(base), rebuilt=False)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        started = time.perf_counter()
        try:
            outcome = answer_query(dataset, request)
        except Exception as error:  # a worker must answer, whatever happened
            outcome = QueryOutcome.error(500, f"query failed: {error}")
        outcome.seconds = time.perf_counter() - started
        conn.send(outcome)


def answer_query(dataset: Any, request: QueryRequest) -> QueryOutcome:
    """Evaluate and serialize one query, in the format the client accepts, at most max_rows."""
    from .query import run_query

    try:
        if request.default_graphs or request.named_graphs:
            # protocol-level dataset (default-graph-uri / named-graph-uri): local graphs only,
            # checked by the server before the request got here
            result = dataset.store.query(
                request.query,
                default_graph=[ox.NamedNode(g) for g in request.default_graphs] or None,
                named_graphs=[ox.NamedNode(g) for g in request.named_graphs] or None,
                prefixes=data_prefixes(dataset.iris.base),
            )
        else:
            result = run_query(dataset, request.query)
    except SyntaxError as error:
        return QueryOutcome.error(400, f"malformed query: {error}")
    except (QueryError, OSError) as error:
        return QueryOutcome.error(400, str(error))
    if isinstance(result, ox.QueryTriples):
        media = negotiate(request.accept, GRAPH_TYPES)
        if media is None:
            return QueryOutcome.error(
                406, "a CONSTRUCT/DESCRIBE result is a graph: accept " + ", ".join(GRAPH_TYPES)
            )
        triples: list[ox.Triple] = []
        for triple in result:
            if len(triples) == request.max_rows:
                return _graph_outcome(triples, media, dataset.iris.base, truncated=True)
            triples.append(triple)
        return _graph_outcome(triples, media, dataset.iris.base, truncated=False)
    media = negotiate(request.accept, SOLUTION_TYPES)
    if media is None:
        return QueryOutcome.error(406, "a SELECT/ASK result is a table: accept " + ", ".join(SOLUTION_TYPES))
    kind = SOLUTION_TYPES[media]
    if isinstance(result, ox.QueryBoolean):
        buffer = io.BytesIO()
        result.serialize(buffer, format=getattr(ox.QueryResultsFormat, kind.upper()))
        return QueryOutcome(200, _with_charset(media), buffer.getvalue())
    variables = [v.value for v in result.variables]
    rows: list[list[Any]] = []
    truncated = False
    for solution in result:
        if len(rows) == request.max_rows:
            truncated = True
            break
        rows.append([solution[v] for v in variables])
    body = SOLUTION_WRITERS[kind](variables, rows)
    return QueryOutcome(200, _with_charset(media), body, truncated=truncated)


def _graph_outcome(triples: list[ox.Triple], media: str, base: str, truncated: bool) -> QueryOutcome:
    rdf_format = GRAPH_TYPES[media]
    prefixes = data_prefixes(base) if rdf_format == ox.RdfFormat.TURTLE else None
    body = ox.serialize(sorted(triples, key=str), format=rdf_format, prefixes=prefixes) or b""
    return QueryOutcome(200, _with_charset(media), body, truncated=truncated)


def _with_charset(media: str) -> str:
    return f"{media}; charset=utf-8" if media.startswith("text/") else media


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


@dataclass(eq=False)
class _Worker:
    process: Any  # multiprocessing.Process (the spawn context's class)
    conn: Connection

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


@dataclass
class QueryPool:
    """Worker processes holding the store; a query past the time limit kills its worker."""

    site: SiteData
    size: int
    timeout: float
    # the publication the site was read from: its query store is used when it has one
    publication: Path | None = None
    folder: Path = field(init=False)
    store_path: Path = field(init=False)
    stopped: int = 0  # queries stopped at the limit, for tests and logs
    _idle: asyncio.Queue[_Worker] = field(init=False)
    _all: set[_Worker] = field(init=False, default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)

    async def start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="agkg-serve-"))
        self.store_path = self.folder / "store"
        if self.publication is None or not _copy_query_store(self.publication, self.store_path):
            self.store_path = self.folder / "store.nq"
            self.store_path.write_bytes(query_store_nquads(self.site))
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def _spawn(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_worker_main,
            args=(child, str(self.store_path), self.site.base),
            daemon=True,
            name="agkg-query",
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._all.add(worker)
        ready = await asyncio.to_thread(parent.poll, 120)
        if not ready:
            worker.stop()
            raise ConfigurationError("a query worker did not start in 120 s")
        parent.recv()
        return worker

    async def _replace(self) -> None:
        worker = await self._spawn()
        self._idle.put_nowait(worker)

    def pids(self) -> list[int]:
        return [w.process.pid for w in self._all if w.process.is_alive()]

    async def run(self, request: QueryRequest) -> QueryOutcome:
        try:
            worker = await asyncio.wait_for(self._idle.get(), self.timeout)
        except TimeoutError:
            return QueryOutcome.error(
                503, f"all query workers stayed busy for {self.timeout:g} s; try again later"
            )
        keep = False
        try:
            worker.conn.send(request)
            if await asyncio.to_thread(worker.conn.poll, self.timeout):
                outcome: QueryOutcome = await asyncio.to_thread(worker.conn.recv)
                keep = True
                return outcome
            self.stopped += 1
            return QueryOutcome.error(
                503,
                f"query stopped: it ran longer than the {self.timeout:g} s limit "
                "(put required patterns first, add LIMIT, or narrow the patterns)",
            )
        except (EOFError, OSError):
            return QueryOutcome.error(500, "the query worker died while answering; it has been restarted")
        finally:
            if keep:
                self._idle.put_nowait(worker)
            else:
                self._all.discard(worker)
                await asyncio.to_thread(worker.stop)
                task = asyncio.get_running_loop().create_task(self._replace())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._all):
            await asyncio.to_thread(worker.stop)
        self._all.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the application ----------------------------------------------------------------------------


def _require_serve_extra() -> None:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise ConfigurationError(
            f"serving needs the 'serve' extra ({error.name} is missing): pip install 'agkg[serve]'"
        ) from None


def create_app(
    config: Config, settings: ServerSettings | None = None, site: SiteData | None = None
) -> Starlette:
    """The ASGI application serving the published dataset in ``config.out_dir`` (or ``site``)."""
    _require_serve_extra()
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route

    settings = settings or ServerSettings()
    publication = None if site else config.out_dir
    site = site or SiteData.from_folder(config.out_dir, config.base)
    pages = Pages(site, live=True)
    pool = QueryPool(site, settings.query_workers, settings.query_timeout, publication)
    examples = _examples(config.project_dir / "queries")
    cache: dict[tuple[str, str, str], bytes] = {}
    etags: dict[tuple[str, str], str] = {}  # by path and media type: what is served never changes
    graph_names = site.graph_names
    endpoint = site.base + "sparql"  # the endpoint in the VoID: this server's, at the base
    # pages change with the publication and with agkg's code that renders them
    modified = max(site.modified, _code_modified()) if site.modified is not None else None

    def text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)

    def see_other(location: str, headers: dict[str, str] | None = None) -> Response:
        return RedirectResponse(location, status_code=303, headers={"Vary": "Accept", **(headers or {})})

    def send(
        request: Request,
        body: bytes,
        media_type: str,
        links: Iterable[str] = (),
        vary: bool = False,
    ) -> Response:
        """A representation with its validators and links; 304 to a conditional request for
        the bytes the client holds (see ``not_modified``)."""
        key = (request.url.path, media_type)
        if key not in etags:
            etags[key] = content_etag(body)
        headers = {"ETag": etags[key]}
        if modified is not None:
            headers["Last-Modified"] = formatdate(modified, usegmt=True)
        if links:
            headers["Link"] = ", ".join(links)
        if vary:
            headers["Vary"] = "Accept"
        if not_modified(request.headers, etags[key], modified):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=media_type, headers=headers)

    def resource(request: Request) -> Response:
        kind = request.url.path.strip("/").split("/")[-2]
        local = request.path_params["local"]
        if site.node(kind, local) is None:
            return text(404, f"no {kind} '{local}' in this dataset")
        return negotiated(request, f"../doc/{kind}/{quote(local)}")

    def negotiated(request: Request, stem: str) -> Response:
        """303 See Other to the document ``{stem}.{ext}`` in the format the client prefers,
        naming every format in ``Link: rel="describedby"``."""
        media = negotiate(request.headers.get("accept"), DOCUMENT_TYPES.values())
        if media is None:
            return text(406, "available as " + ", ".join(DOCUMENT_TYPES.values()), {"Vary": "Accept"})
        extension = next(x for x, m in DOCUMENT_TYPES.items() if m == media)
        links = [f'<{stem}.{x}>; rel="describedby"; type="{m}"' for x, m in DOCUMENT_TYPES.items()]
        return see_other(f"{stem}.{extension}", {"Link": ", ".join(links)})

    def document_links(stem: str, extension: str, about: str) -> list[str]:
        """A document's links: its other formats, and the resource it describes (RFC 6892)."""
        links = [
            f'<{stem}.{x}>; rel="alternate"; type="{m}"' for x, m in DOCUMENT_TYPES.items() if x != extension
        ]
        return [*links, f'<{about}>; rel="describes"']

    def document(request: Request) -> Response:
        kind, name = request.path_params["kind"], request.path_params["name"]
        local, _, extension = name.rpartition(".")
        key = (kind, local, extension)
        if key not in cache:
            content = site.document(kind, local, extension, live=True)
            if content is None:
                return text(404, f"no document {kind}/{name}")
            cache[key] = content
        media = DOCUMENT_TYPES[extension]
        links = document_links(quote(local), extension, f"../../{kind}/{quote(local)}")
        return send(request, cache[key], _with_charset(media) if media != "text/html" else media, links)

    def dataset(request: Request) -> Response:
        return negotiated(request, "doc/dataset")

    def dataset_document(request: Request) -> Response:
        extension = request.path_params["extension"]
        key = ("dataset", "", extension)
        if key not in cache:
            content = site.dataset_document(extension, endpoint)
            if content is None:
                return text(404, f"no document dataset.{extension}")
            cache[key] = content
        media = DOCUMENT_TYPES[extension]
        links = document_links("dataset", extension, "../dataset")
        return send(request, cache[key], _with_charset(media) if media != "text/html" else media, links)

    def graph(request: Request) -> Response:
        name = request.url.path.strip("/").removeprefix("graph/")
        if name in ("ontology", "shapes"):  # pushed to stores by agkg push; described by the ontology page
            media = negotiate(request.headers.get("accept"), ["text/html", "text/turtle"])
            return see_other(f"../dumps/{name}.ttl" if media == "text/turtle" else "../doc/ontology.html")
        if site.graph_node(name) is None:
            return text(404, f"no graph '{name}' in this dataset")
        up = "../" * name.count("/")
        return negotiated(request, f"{up}../doc/graph/{name}")

    def graph_document(request: Request) -> Response:
        name = request.url.path.strip("/").removeprefix("doc/graph/")
        local, _, extension = name.rpartition(".")
        key = ("graph", local, extension)
        if key not in cache:
            content = site.graph_document(local, extension, live=True)
            if content is None:
                return text(404, f"no document graph/{name}")
            cache[key] = content
        media = DOCUMENT_TYPES[extension]
        up = "../" * (local.count("/") + 2)
        stem = quote(local.rsplit("/", 1)[-1])
        links = document_links(stem, extension, f"{up}graph/{quote(local)}")
        return send(request, cache[key], _with_charset(media) if media != "text/html" else media, links)

    def ontology(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), ["text/html", "text/turtle"])
        return see_other("dumps/ontology.ttl" if media == "text/turtle" else "doc/ontology.html")

    def ontology_term(request: Request) -> Response:
        depth = request.url.path.strip("/").count("/")
        up = "../" * depth
        name = request.path_params["name"]
        media = negotiate(request.headers.get("accept"), ["text/html", "text/turtle"])
        if media == "text/turtle":
            return see_other(f"{up}dumps/ontology.ttl")
        return see_other(f"{up}doc/ontology.html#{quote(name)}")

    def ontology_page(request: Request) -> Response:
        if ("ontology", "", "html") not in cache:
            cache[("ontology", "", "html")] = pages.ontology_page("../").encode()
        links = ['<../dumps/ontology.ttl>; rel="alternate"; type="text/turtle"']
        return send(request, cache[("ontology", "", "html")], "text/html; charset=utf-8", links)

    def index(request: Request) -> Response:
        if ("index", "", "html") not in cache:
            cache[("index", "", "html")] = pages.index("").encode()
        links = ['<doc/dataset.html>; rel="describedby"; type="text/html"', VOID_LINK.format(up="")]
        return send(request, cache[("index", "", "html")], "text/html; charset=utf-8", links)

    def dumps_index(request: Request) -> Response:
        if ("dumps", "", "html") not in cache:
            cache[("dumps", "", "html")] = pages.dumps_index("../").encode()
        return send(
            request, cache[("dumps", "", "html")], "text/html; charset=utf-8", [VOID_LINK.format(up="../")]
        )

    def dump(request: Request) -> Response:
        name = request.path_params["name"]
        content = site.dumps().get(name)
        if content is None:
            return text(404, f"no dump {name}")
        media = _with_charset(DUMP_TYPES[Path(name).suffix])
        return send(request, content, media, [VOID_LINK.format(up="../")])

    def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return text(404, f"no static file {name}")
        media = "text/css" if name.endswith(".css") else "text/javascript"
        return send(request, static_asset(name), f"{media}; charset=utf-8")

    def void(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), GRAPH_TYPES)
        if media is None:
            return text(406, "available as " + ", ".join(GRAPH_TYPES), {"Vary": "Accept"})
        extension = next(x for x, m in DOCUMENT_TYPES.items() if m == media)
        key = ("void", "", extension)
        if key not in cache:
            cache[key] = site.void_document(extension, endpoint)
        links = [f'<../doc/dataset.{x}>; rel="alternate"; type="{m}"' for x, m in DOCUMENT_TYPES.items()] + [
            '<../dataset>; rel="describes"'
        ]
        return send(request, cache[key], _with_charset(media), links, vary=True)

    async def read_body(request: Request) -> bytes | Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_request_bytes:
            return text(413, f"request body over the {settings.max_request_bytes} byte limit")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > settings.max_request_bytes:
                return text(413, f"request body over the {settings.max_request_bytes} byte limit")
            chunks.append(chunk)
        return b"".join(chunks)

    async def protocol_request(request: Request) -> tuple[dict[str, list[str]], str | None] | Response:
        """The protocol parameters and the query, from GET, form POST or direct POST."""
        raw_query = request.url.query
        if len(raw_query.encode()) > settings.max_request_bytes:
            return text(413, f"query string over the {settings.max_request_bytes} byte limit")
        params = parse_qs(raw_query, keep_blank_values=True)
        direct: str | None = None
        if request.method == "POST":
            body = await read_body(request)
            if not isinstance(body, bytes):
                return body
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            try:
                decoded = body.decode("utf-8")
            except UnicodeDecodeError:
                return text(400, "the request body is not UTF-8")
            if content_type == "application/x-www-form-urlencoded":
                for name, values in parse_qs(decoded, keep_blank_values=True).items():
                    params.setdefault(name, []).extend(values)
            elif content_type == "application/sparql-query":
                direct = decoded
            elif content_type == "application/sparql-update":
                return text(403, "this endpoint is read-only: SPARQL Update is refused")
            else:
                return text(
                    415,
                    "POST a query as application/x-www-form-urlencoded (query=…) or application/sparql-query",
                )
        if "update" in params:
            return text(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = params.get("query", [])
        if direct is not None:
            if queries:
                return text(400, "a direct POST carries the query in the body, not also in a query parameter")
            queries = [direct]
        if len(queries) > 1:
            return text(400, "give exactly one query parameter")
        return params, (queries[0] if queries else None)

    def refusal(query: str, params: dict[str, list[str]]) -> Response | None:
        from .query import uses_service

        if _UPDATE.match(query):
            return text(403, "this endpoint is read-only: SPARQL Update is refused")
        if uses_service(query):
            return text(403, "SERVICE is refused: this endpoint answers from its own dataset only")
        requested = params.get("default-graph-uri", []) + params.get("named-graph-uri", [])
        if _FROM.search(query):
            try:
                requested += _dataset_clause(query, site.base)
            except Exception as error:
                return text(400, f"malformed query: {error}")
        remote = [g for g in requested if g not in graph_names]
        if remote:
            return text(
                403,
                f"FROM <{remote[0]}> is refused: only this dataset's graphs can be selected, "
                "nothing is fetched (see the service description for the graph names)",
            )
        return None

    async def execute(
        query: str, params: dict[str, list[str]], accept: str | None
    ) -> QueryOutcome | Response:
        from .label_service import rewrite_label_service

        try:  # WDQS's label service is answered from local labels, not refused as a SERVICE
            query = rewrite_label_service(query, data_prefixes(site.base))
        except QueryError as error:
            return text(400, str(error))
        refused = refusal(query, params)
        if refused is not None:
            return refused
        chosen = params.get("format", [None])[0]
        if chosen:
            accept = FORMAT_NAMES.get(chosen.lower(), chosen)
        request = QueryRequest(
            query=query,
            accept=accept,
            max_rows=settings.max_rows,
            default_graphs=tuple(params.get("default-graph-uri", [])),
            named_graphs=tuple(params.get("named-graph-uri", [])),
        )
        return await pool.run(request)

    async def sparql(request: Request) -> Response:
        parsed = await protocol_request(request)
        if not isinstance(parsed, tuple):
            return parsed
        params, query = parsed
        if query is None:
            if request.method == "POST":
                return text(400, "no query given")
            media = negotiate(request.headers.get("accept"), ["text/html", *GRAPH_TYPES])
            if media == "text/html":
                return see_other("query")
            media = media or "text/turtle"
            description = service_description(str(request.url.replace(query="")), site)
            body = ox.serialize(
                description,
                format=GRAPH_TYPES[media],
                prefixes=_sd_prefixes() if media == "text/turtle" else None,
            )
            return Response(body or b"", media_type=_with_charset(media), headers={"Vary": "Accept"})
        outcome = await execute(query, params, request.headers.get("accept"))
        if not isinstance(outcome, QueryOutcome):
            return outcome
        headers = {"Vary": "Accept", "X-Query-Seconds": f"{outcome.seconds:.4f}"}
        if outcome.truncated:
            headers["X-Result-Truncated"] = f"first {settings.max_rows} rows"
        return Response(
            outcome.body, status_code=outcome.status, media_type=outcome.media_type, headers=headers
        )

    async def query_page(request: Request) -> Response:
        params = parse_qs(request.url.query, keep_blank_values=True)
        query = params.get("query", [""])[0]
        result_html = ""
        if query:
            if len(query.encode()) > settings.max_request_bytes:
                result_html = (
                    f'<p class="error">The query is over the {settings.max_request_bytes} byte limit.</p>'
                )
            else:
                outcome = await execute(query, {}, "application/sparql-results+json, text/turtle;q=0.9")
                result_html = _render_outcome(outcome, settings.max_rows, site.base)
        return HTMLResponse(pages.query_page(query, examples, result_html, settings))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    local = "{local:str}"
    routes = [
        Route("/", index),
        Route("/index.html", index),
        *(Route(f"/{kind}/{local}", resource) for kind in ("id", "source", "statement", "reference")),
        Route("/dataset", dataset),
        Route("/graph/{name:str}", graph),
        Route("/graph/source/{name:str}", graph),
        Route("/doc/ontology.html", ontology_page),
        Route("/doc/dataset.{extension:str}", dataset_document),
        Route("/doc/graph/{name:str}", graph_document),
        Route("/doc/graph/source/{name:str}", graph_document),
        Route("/doc/{kind:str}/{name:str}", document),
        Route("/ontology", ontology),
        Route("/prop/{name:str}", ontology_term),
        Route("/prop/statement/{name:str}", ontology_term),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/query", query_page),
        Route("/.well-known/void", void),
        Route("/dumps/", dumps_index),
        Route("/dumps/{name:str}", dump),
        Route("/static/{name:str}", static),
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
            allow_headers=["Accept", "Content-Type", "If-None-Match", "If-Modified-Since"],
            expose_headers=[
                "X-Result-Truncated",
                "X-Query-Seconds",
                "Location",
                "ETag",
                "Last-Modified",
                "Link",
            ],
            max_age=3600,
        )
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.pool = pool
    app.state.site = site
    return app


# --- HTTP caching (RFC 9110 section 13, RFC 9111) ----------------------------------------------

VOID_LINK = '<{up}.well-known/void>; rel="describedby"; type="text/turtle"'


def content_etag(body: bytes) -> str:
    """A strong entity tag from the bytes alone, so it is the same after a restart and on
    every server process serving the same publication."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _code_modified() -> float:
    """When agkg's page code and static files last changed (an upgrade changes the pages)."""
    package = Path(__file__).parent
    files = [*package.glob("*.py"), *package.glob("static/*")]
    return max((f.stat().st_mtime for f in files), default=0.0)


def not_modified(headers: Mapping[str, str], etag: str, modified: float | None) -> bool:
    """Whether a GET may be answered 304 Not Modified: ``If-None-Match`` names the entity tag
    (weak comparison, RFC 9110 section 13.1.2), or, only when there is no ``If-None-Match``,
    ``If-Modified-Since`` is no earlier than the publication (section 13.1.3)."""
    match = headers.get("if-none-match")
    if match is not None:
        tags = [t.strip().removeprefix("W/") for t in match.split(",")]
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since is None or modified is None:
        return False
    try:
        date = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False  # an invalid date is ignored
    if date.tzinfo is None:
        return False
    return int(modified) <= date.timestamp()


def _dataset_clause(query: str, base: str) -> list[str]:
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
    for name in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
    ):
        triples.append(ox.Triple(service, SD.resultFormat, FORMATS.term(name)))
    for index, graph in enumerate(sorted(site.graph_names)):
        named = ox.BlankNode(f"g{index}")
        triples += [
            ox.Triple(dataset, SD.namedGraph, named),
            ox.Triple(named, RDF.type, SD.NamedGraph),
            ox.Triple(named, SD.name, ox.NamedNode(graph)),
        ]
    return triples


def _sd_prefixes() -> dict[str, str]:
    return {"sd": SD.iri, "formats": FORMATS.iri, "void": VOID.iri, "rdf": RDF.iri}


def _examples(folder: Path) -> list[tuple[str, str, str]]:
    """(name, question, text) for each queries/*.rq, the question from its first comment line."""
    found = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        question = (
            first.lstrip("# ").removeprefix("Question:").strip() if first.startswith("#") else path.stem
        )
        found.append((path.stem, question, text))
    return found


def _render_outcome(outcome: QueryOutcome | Response, max_rows: int, base: str) -> str:
    """A query answer as HTML for the query page."""
    if not isinstance(outcome, QueryOutcome):
        body = bytes(outcome.body).decode("utf-8", "replace")
        return f'<p class="error">{e(body)}</p>'
    body = outcome.body.decode("utf-8", "replace")
    if outcome.status != 200:
        return f'<p class="error">{e(body)}</p>'
    note = f'<p class="notice">Showing the first {max_rows} rows only.</p>' if outcome.truncated else ""
    if not outcome.media_type.startswith("application/sparql-results+json"):
        return note + f"<pre>{e(body)}</pre>"
    results = json.loads(body)
    if "boolean" in results:
        return f'<p class="answer">{"yes" if results["boolean"] else "no"}</p>'
    variables = results["head"]["vars"]
    rows = results["results"]["bindings"]

    def cell(term: dict[str, str] | None) -> str:
        if term is None:
            return ""
        if term["type"] == "uri":
            iri = term["value"]
            # the dataset's own IRIs resolve on this server: link them here, not to the base's host
            href = iri[len(base) :] if iri.startswith(base) else iri
            return f'<a href="{e(href)}">{e(iri)}</a>'
        return e(term["value"])

    head = "".join(f"<th>{e(v)}</th>" for v in variables)
    lines = "".join("<tr>" + "".join(f"<td>{cell(r.get(v))}</td>" for v in variables) + "</tr>" for r in rows)
    count = f'<p class="notice">{len(rows)} row{"s" if len(rows) != 1 else ""} in {outcome.seconds * 1000:.1f} ms</p>'
    return note + count + f'<table class="results"><tr>{head}</tr>{lines}</table>'


def serve(config: Config, host: str, port: int, settings: ServerSettings | None = None) -> None:
    """Run the app with uvicorn until interrupted."""
    _require_serve_extra()
    import uvicorn

    app = create_app(config, settings)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)
