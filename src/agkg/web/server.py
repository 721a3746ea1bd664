"""The linked-data server: dereferenceable IRIs, pages with evidence, and a safe SPARQL endpoint.

``create_app(config)`` builds an ASGI application (Starlette) serving what ``agkg publish``
wrote to the output folder, so pages, query answers and dumps agree with the published files.
Starlette and uvicorn come with the ``serve`` extra and are imported only here, lazily.

SPARQL queries never run in the server process: the endpoint's engine (worker processes with
time and memory limits, result formats) is in endpoint.py; this module reads the protocol's
requests and refuses what the endpoint does not do. See docs/serving.md for every status code.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

import pyoxigraph as ox

from agkg import code_files
from agkg.build.publishing import DUMP_TYPES
from agkg.config import Config
from agkg.errors import ConfigurationError, QueryError
from agkg.vocab import data_prefixes
from agkg.web.about import QueryAnswer, query_answer
from agkg.web.endpoint import (
    DESCRIPTION_TYPES,
    QueryLimits,
    QueryOutcome,
    QueryPool,
    QueryRequest,
    dataset_clause,
    describe_service,
    is_update,
)
from agkg.web.endpoint import with_charset as _with_charset
from agkg.web.pages import Pages
from agkg.web.site import DOCUMENT_TYPES, STATIC_FILES, SiteData, negotiate, static_asset

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

# the Wikibase predicate families under {base}prop/ besides p: and ps: (all of them name the
# property entity; see vocab.WikibaseNamespaces)
PROPERTY_FAMILIES = (
    "direct", "statement/value", "qualifier", "qualifier/value", "reference", "reference/value",
    "novalue",
)  # fmt: skip

GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)


@dataclass(frozen=True)
class ServerSettings:
    """Limits and policies of the server; the CLI fills them from flags or AGKG_* variables."""

    query_timeout: float = 10.0
    max_rows: int = 10_000
    max_request_bytes: int = 64 * 1024
    query_workers: int = 2
    cors_origins: tuple[str, ...] = ("*",)
    query_memory: int = 1024  # MB a query may add to its worker's memory
    fast_workers: int = 2  # the fast lane: workers for queries not known to be expensive
    fast_seconds: float = 0.25  # longer than this is expensive: off the fast lane
    queue_wait: float = 2.0  # seconds a request may wait for a worker before 503 + Retry-After

    def query_limits(self) -> QueryLimits:
        return QueryLimits(
            timeout=self.query_timeout,
            max_rows=self.max_rows,
            workers=self.query_workers,
            fast_workers=self.fast_workers,
            fast_seconds=self.fast_seconds,
            memory_mb=self.query_memory,
            queue_wait=self.queue_wait,
        )


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
    pool = QueryPool(site, settings.query_limits(), publication)
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

    def property_term(request: Request) -> Response:
        """A predicate of a property's family (``/prop/inception``, ``/prop/direct/inception``)
        and the Skolem IRI of its novalue class (``/.well-known/genid/novalue-inception``) name
        the property entity (``/id/P-inception``), as Wikidata's ``p:P571`` and ``wdt:P571``
        name ``wd:P571``: 303 to that entity's document, which declares them."""
        up = "../" * request.url.path.strip("/").count("/")
        name = request.path_params["name"]
        if request.url.path.startswith("/.well-known/genid/"):
            if not name.startswith("novalue-"):
                return text(404, f"no node '{name}' in this dataset")
            name = name.removeprefix("novalue-")
        if site.node("id", f"P-{name}") is None:
            return text(404, f"no property '{name}' in this dataset")
        return negotiated(request, f"{up}doc/id/P-{quote(name)}")

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
        from agkg.sparql.querytext import uses_service

        if uses_service(query):
            return text(403, "SERVICE is refused: this endpoint answers from its own dataset only")
        requested = params.get("default-graph-uri", []) + params.get("named-graph-uri", [])
        if _FROM.search(query):
            try:
                requested += dataset_clause(query, site.base)
            except Exception as error:
                if is_update(query):
                    return text(403, "this endpoint is read-only: SPARQL Update is refused")
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
        from agkg.sparql.label_service import rewrite_label_service

        try:  # WDQS's label service is answered from local labels, not refused as a SERVICE
            query = rewrite_label_service(query, data_prefixes(site.base))
        except QueryError as error:
            return text(400, str(error))
        refused = refusal(query, params)
        if refused is not None:
            return refused
        request = QueryRequest(
            query=query,
            accept=accept,
            max_rows=settings.max_rows,
            default_graphs=tuple(params.get("default-graph-uri", [])),
            named_graphs=tuple(params.get("named-graph-uri", [])),
            formats=tuple(params.get("format", [])),
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
            # the service description, unless the client names HTML (a browser): the query page
            media = negotiate(request.headers.get("accept"), [*DESCRIPTION_TYPES, "text/html"])
            if media == "text/html":
                return see_other("query")
            media = media or "text/turtle"
            body = describe_service(str(request.url.replace(query="")), site, media)
            return Response(body, media_type=_with_charset(media), headers={"Vary": "Accept"})
        outcome = await execute(query, params, request.headers.get("accept"))
        if not isinstance(outcome, QueryOutcome):
            return outcome
        headers = {"Vary": "Accept", "X-Query-Seconds": f"{outcome.seconds:.4f}"}
        if outcome.truncated:
            headers["X-Result-Truncated"] = f"first {settings.max_rows} rows"
        if outcome.retry_after is not None:
            headers["Retry-After"] = str(outcome.retry_after)
        return Response(
            outcome.body, status_code=outcome.status, media_type=outcome.media_type, headers=headers
        )

    async def query_page(request: Request) -> Response:
        params = parse_qs(request.url.query, keep_blank_values=True)
        query = params.get("query", [""])[0]
        answer = None
        if query:
            if len(query.encode()) > settings.max_request_bytes:
                answer = QueryAnswer(error=f"The query is over the {settings.max_request_bytes} byte limit.")
            else:
                outcome = await execute(query, {}, "application/sparql-results+json, text/turtle;q=0.9")
                answer = _answer_of(outcome, settings.max_rows, site.base)
        return HTMLResponse(pages.query_page(query, examples, answer, settings))

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
        *(
            Route(f"/{kind}/{local}", resource)
            for kind in ("id", "source", "statement", "reference", "value")
        ),
        Route("/dataset", dataset),
        Route("/graph/{name:str}", graph),
        Route("/graph/source/{name:str}", graph),
        Route("/doc/ontology.html", ontology_page),
        Route("/doc/dataset.{extension:str}", dataset_document),
        Route("/doc/graph/{name:str}", graph_document),
        Route("/doc/graph/source/{name:str}", graph_document),
        Route("/doc/{kind:str}/{name:str}", document),
        Route("/ontology", ontology),
        Route("/prop/{name:str}", property_term),
        Route("/prop/statement/{name:str}", property_term),
        Route("/.well-known/genid/{name:str}", property_term),
        # every other Wikibase predicate family (wdt:, psv:, pq:, pqv:, pr:, prv:, wdno:)
        *(Route(f"/prop/{family}/{{name:str}}", property_term) for family in PROPERTY_FAMILIES),
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
    """When agkg's page code, templates and static files last changed (an upgrade changes the pages)."""
    web = Path(__file__).parent
    files = [*code_files(), *web.glob("templates/*"), *web.glob("static/*")]
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


def _answer_of(outcome: QueryOutcome | Response, max_rows: int, base: str) -> QueryAnswer:
    """A query's outcome as the query page shows it."""
    if not isinstance(outcome, QueryOutcome):
        return QueryAnswer(error=bytes(outcome.body).decode("utf-8", "replace"))
    return query_answer(
        outcome.status,
        outcome.media_type,
        outcome.body,
        outcome.truncated,
        outcome.seconds,
        max_rows,
        base,
    )


def serve(config: Config, host: str, port: int, settings: ServerSettings | None = None) -> None:
    """Run the app with uvicorn until interrupted."""
    _require_serve_extra()
    import uvicorn

    app = create_app(config, settings)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)
