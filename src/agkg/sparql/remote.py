"""Talking to remote SPARQL services: queries through SPARQLWrapper, and plain HTTP for push.

Every request names agkg and its version in its User-Agent, has a timeout, and is retried a
bounded number of times with backoff when the server answers 429 (Too Many Requests) or 503
(Service Unavailable), waiting as long as its ``Retry-After`` asks (within a cap).

Credentials come only from the environment (``AGKG_ENDPOINT_USER``, ``AGKG_ENDPOINT_PASSWORD``,
and ``AGKG_ENDPOINT_AUTH`` = ``basic`` or ``digest``), never from the command line where they
would show in shell history and process lists. Errors carry the server's own message and map to
exit code 3.

Queries on a store agkg pushed to are sent with the RDF dataset agkg recorded there (SPARQL 1.1
Protocol 2.1.4, ``default-graph-uri`` and ``named-graph-uri``), so they see the same default
graph and named graphs as local queries whatever the store's own default graph is.

A result the server marks as partial (HTTP 206, or Virtuoso's ``X-SQL-State`` header on an
"anytime" query cut short) is an error, never passed off as the complete answer.
"""

from __future__ import annotations

import ast
import email.utils
import http.client
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

import pyoxigraph as ox

from agkg import __version__
from agkg.errors import QueryError, RemoteError
from agkg.vocab import DCTERMS, SCHEMA, SD

USER_AGENT = f"agkg/{__version__} (Armed Groups Knowledge Graph; https://w3id.org/agkg/)"

_SELECT_FORMATS = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "table": "json"}
_GRAPH_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "table": "turtle"}
_ACCEPT = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "json-ld": "application/ld+json",
}
# media types an answer in each wire format may carry (the SPARQL 1.1 ones, and the older or
# more generic names servers still send)
_MEDIA_TYPES = {
    "json": ("application/sparql-results+json", "application/json"),
    "xml": ("application/sparql-results+xml", "application/xml", "text/xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
    "turtle": ("text/turtle", "application/x-turtle"),
    "nt": ("application/n-triples", "text/plain"),
    "json-ld": ("application/ld+json", "application/json"),
}
RETRY_STATUSES = (429, 503)
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying a 429/503 answer."""

    retries: int = 3
    backoff: float = 0.5  # first wait without Retry-After; doubles each time
    max_wait: float = 30.0  # no single wait is longer, whatever Retry-After says

    def wait(self, attempt: int, retry_after: str | None) -> float:
        asked = parse_retry_after(retry_after)
        seconds = asked if asked is not None else self.backoff * (2**attempt)
        return max(0.0, min(seconds, self.max_wait))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str
    scheme: str  # basic or digest


def credentials_from_env(environ: Mapping[str, str] | None = None) -> Credentials | None:
    env = os.environ if environ is None else environ
    user = env.get("AGKG_ENDPOINT_USER")
    if not user:
        return None
    scheme = env.get("AGKG_ENDPOINT_AUTH", "basic").lower()
    if scheme not in ("basic", "digest"):
        raise RemoteError(f"AGKG_ENDPOINT_AUTH must be basic or digest, not {scheme!r}")
    return Credentials(user, env.get("AGKG_ENDPOINT_PASSWORD", ""), scheme)


@dataclass
class RequestLog:
    """Counts what was sent, for reports and tests."""

    requests: int = 0
    retries: int = 0
    waited: float = 0.0
    sent: int = 0  # bytes of request bodies (updates, graphs) and query texts
    statuses: list[int] = field(default_factory=list)


def server_message(body: bytes, limit: int = 600) -> str:
    """The useful part of an error body, on one line."""
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, dict):
                text = str(parsed.get("message") or parsed.get("error") or text)
        except ValueError:
            pass
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def check_complete(status: int, headers: Mapping[str, str] | Any, url: str) -> None:
    """Refuse a partial result: HTTP 206, or an X-SQL-State header (Virtuoso's anytime queries)."""
    state = headers.get("X-SQL-State")
    if status == 206 or state:
        detail = headers.get("X-SQL-Message") or ""
        what = f"HTTP {status}" + (f", X-SQL-State {state}" if state else "")
        raise RemoteError(
            f"{url}: the endpoint returned a partial result ({what}){': ' + detail if detail else ''}; "
            "the answer is incomplete (raise the server's limits or narrow the query)"
        )


def check_media_type(headers: Mapping[str, str] | Any, wire: str, url: str) -> None:
    """Refuse an answer in another format than asked for (an HTML error page sent with 200, a
    proxy's login form): passing it on would hand the caller something that is not a result."""
    declared = headers.get("Content-Type")
    if not declared:
        return  # nothing declared: the parser that reads it will judge
    media_type = declared.split(";", 1)[0].strip().lower()
    if media_type not in _MEDIA_TYPES[wire]:
        raise RemoteError(
            f"{url}: the endpoint answered with Content-Type {media_type}, not a {wire} result "
            f"({', '.join(_MEDIA_TYPES[wire])})"
        )


@dataclass
class RemoteAnswer:
    """An endpoint's answer, not yet read: stream it with ``write_to`` or take it with ``read``."""

    stream: IO[bytes]
    format: str  # json, xml, csv, tsv, turtle, nt, json-ld
    query_type: str  # SELECT, ASK, CONSTRUCT, DESCRIBE
    url: str

    def write_to(self, out: IO[bytes]) -> int:
        """Copy the body to ``out`` chunk by chunk; a body cut short is an error."""
        total = 0
        try:
            while chunk := self.stream.read(_CHUNK):
                out.write(chunk)
                total += len(chunk)
        except (http.client.IncompleteRead, OSError) as error:
            raise RemoteError(f"{self.url}: the result was cut off after {total} bytes: {error}") from None
        finally:
            self.stream.close()
        # http.client's read(n) returns short data without complaint when the connection closes
        # early, so compare with the announced length.
        announced = getattr(self.stream, "headers", {}).get("Content-Length")
        if announced is not None and announced.isdigit() and total < int(announced):
            raise RemoteError(f"{self.url}: the result was cut off after {total} of {announced} bytes")
        return total

    def read(self) -> bytes:
        import io

        buffer = io.BytesIO()
        self.write_to(buffer)
        return buffer.getvalue()

    def json(self) -> dict[str, object]:
        try:
            parsed: dict[str, object] = json.loads(self.read())
        except ValueError as error:
            raise RemoteError(f"{self.url}: the endpoint sent malformed JSON: {error}") from None
        return parsed


def _wire_format(query_type: str, output_format: str) -> str:
    if query_type in ("SELECT", "ASK"):
        wire = _SELECT_FORMATS.get(output_format)
    elif query_type in ("CONSTRUCT", "DESCRIBE"):
        wire = _GRAPH_FORMATS.get(output_format)
    else:
        raise QueryError(f"only SELECT, ASK, CONSTRUCT and DESCRIBE can be sent, not {query_type}")
    if wire is None:
        raise QueryError(f"--format {output_format} does not fit a {query_type} query")
    return wire


def _sparqlwrapper_message(error: Exception) -> str:
    """SPARQLWrapper puts the server's body in its message as a bytes repr: take it back out."""
    text = str(error)
    head, sep, tail = text.partition("\n\nResponse:\n")
    if sep:
        try:
            body = ast.literal_eval(tail)
            if isinstance(body, bytes):
                return server_message(body)
        except (ValueError, SyntaxError):
            pass
    return head


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset a query is sent with (SPARQL 1.1 Protocol 2.1.4): graph IRIs."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreManifest:
    """What ``agkg push`` recorded in a store's manifest graph (see ``push.manifest_triples``).

    ``parts`` are every graph agkg wrote there (a later push removes the ones no longer
    published); ``default_graphs`` and ``named_graphs`` are the dataset queries are sent with;
    ``digests`` the SHA-256 of each graph's published content as last written (``schema:sha256``,
    see ``push.Payload.digest``), by which a later push skips the graphs that did not change.
    A graph with several digests recorded gets none here: it is sent again.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    digests: Mapping[str, str] = field(default_factory=dict)

    @property
    def dataset(self) -> QueryDataset | None:
        """The dataset to query, once a push has completed (None before)."""
        return QueryDataset(self.default_graphs, self.named_graphs) if self.default_graphs else None


def read_manifest(
    url: str,
    manifest: ox.NamedNode,
    timeout: float = 60.0,
    environ: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    log: RequestLog | None = None,
) -> StoreManifest:
    """The manifest agkg keeps in the store at ``url`` (empty when there is none).

    It is read with ``GRAPH``, which reaches a named graph whatever the store's default graph.
    """
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH {manifest} {{ ?s ?p ?o }} }}"
    answer = query_endpoint(url, query, "json", timeout, environ, policy, sleep, log)
    results = answer.json().get("results")
    rows = results.get("bindings", []) if isinstance(results, dict) else []
    found: dict[str, set[str]] = {
        SD.defaultGraph.value: set(),
        SD.namedGraph.value: set(),
        DCTERMS.hasPart.value: set(),
    }
    digests: dict[str, set[str]] = {}
    for row in rows:
        try:
            subject, predicate, value = row["s"]["value"], row["p"]["value"], row["o"]
        except (KeyError, TypeError) as error:
            raise RemoteError(f"{url}: unexpected manifest row {row!r}") from error
        if not isinstance(value, dict):
            continue
        if subject == manifest.value and predicate in found and value.get("type") == "uri":
            found[predicate].add(str(value["value"]))
        elif predicate == SCHEMA.sha256.value and value.get("type") == "literal":
            digests.setdefault(subject, set()).add(str(value.get("value")))
    return StoreManifest(
        tuple(sorted(found[SD.defaultGraph.value])),
        tuple(sorted(found[SD.namedGraph.value])),
        tuple(sorted(found[DCTERMS.hasPart.value])),
        {graph: next(iter(values)) for graph, values in sorted(digests.items()) if len(values) == 1},
    )


def query_endpoint(
    url: str,
    query: str,
    output_format: str,
    timeout: float = 60.0,
    environ: Mapping[str, str] | None = None,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    log: RequestLog | None = None,
    dataset: QueryDataset | None = None,
) -> RemoteAnswer:
    """Send ``query`` to ``url``; raise RemoteError with the server's message on failure.

    With a ``dataset``, the query runs on its graphs (protocol parameters, which take precedence
    over the store's default graph and over the query's FROM clauses).
    """
    from SPARQLWrapper import DIGEST, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    policy = policy or RetryPolicy()
    log = log if log is not None else RequestLog()
    credentials = credentials_from_env(environ)
    wrapper = SPARQLWrapper(url, agent=USER_AGENT)
    wrapper.setQuery(query)
    query_type = str(wrapper.queryType).upper()
    wire = _wire_format(query_type, output_format)
    wrapper.setReturnFormat("turtle" if wire == "nt" else wire)  # SPARQLWrapper knows no "nt"
    wrapper.addCustomHttpHeader("Accept", _ACCEPT[wire])
    wrapper.setMethod(POST)  # form-encoded body: a dataset of thousands of graphs fits
    if dataset is not None:
        for graph in dataset.default_graphs:
            wrapper.addParameter("default-graph-uri", graph)
        for graph in dataset.named_graphs:
            wrapper.addParameter("named-graph-uri", graph)
    wrapper.setTimeout(int(max(1, round(timeout))))
    if credentials is not None:
        wrapper.setCredentials(credentials.user, credentials.password)
        if credentials.scheme == "digest":
            wrapper.setHTTPAuth(DIGEST)
    attempt = 0
    while True:
        log.requests += 1
        log.sent += len(query.encode("utf-8"))
        try:
            response = wrapper.query().response
        except urllib.error.HTTPError as error:
            log.statuses.append(error.code)
            if error.code in RETRY_STATUSES and attempt < policy.retries:
                wait = policy.wait(attempt, error.headers.get("Retry-After"))
                attempt += 1
                log.retries += 1
                log.waited += wait
                sleep(wait)
                continue
            message = server_message(error.read())
            tried = f" after {attempt + 1} attempts" if attempt else ""
            raise RemoteError(f"{url}: HTTP {error.code} {error.reason}{tried}: {message}") from None
        except SPARQLWrapperException as error:
            status = getattr(error.__context__, "code", None)
            if status is not None:
                log.statuses.append(status)
            prefix = f"HTTP {status}: " if status else ""
            raise RemoteError(f"{url}: {prefix}{_sparqlwrapper_message(error)}") from None
        except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, refused connections
            reason = getattr(error, "reason", error)
            raise RemoteError(f"{url}: {reason or type(error).__name__}") from None
        status = response.getcode()
        log.statuses.append(status)
        check_complete(status, response.headers, url)
        check_media_type(response.headers, wire, url)
        return RemoteAnswer(stream=response, format=wire, query_type=query_type, url=url)


def run_remote_query(
    url: str,
    query: str,
    output_format: str,
    manifest: ox.NamedNode,
    timeout: float = 60.0,
    environ: Mapping[str, str] | None = None,
) -> RemoteAnswer:
    """Send ``query`` to a store, on the dataset agkg pushed there (see ``read_manifest``).

    A query that names its own graphs (FROM, FROM NAMED) gets them, also as protocol
    parameters: Oxigraph's server started with ``--union-default-graph`` ignores FROM. A store
    agkg never pushed to gets the query as it is, on the store's own default graph.
    """
    from agkg.sparql.querylib import declares_dataset, query_dataset

    log = RequestLog()
    dataset: QueryDataset | None = None
    if declares_dataset(query):
        named = query_dataset(query)
        dataset = QueryDataset(*named) if named is not None else None
    else:
        dataset = read_manifest(url, manifest, timeout, environ, log=log).dataset
    return query_endpoint(url, query, output_format, timeout, environ, log=log, dataset=dataset)


class RequestBody(Protocol):
    """A request body sent in pieces, read afresh each time it is iterated: a retry, or the
    answer to a digest challenge, sends it again (so a generator, read once, would not do)."""

    @property
    def length(self) -> int: ...

    def __iter__(self) -> Iterator[bytes]: ...


@dataclass
class HttpResult:
    status: int
    headers: Any
    body: bytes


class HttpClient:
    """Plain HTTP for the Graph Store Protocol and SPARQL Update, with the same manners as queries."""

    def __init__(
        self,
        timeout: float = 60.0,
        environ: Mapping[str, str] | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout = timeout
        self.environ = environ
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.log = RequestLog()
        handlers: list[urllib.request.BaseHandler] = []
        credentials = credentials_from_env(environ)
        self._credentials = credentials
        self._passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        self._digest: _ChallengeKeepingDigestAuth | None = None
        if credentials is not None:
            if credentials.scheme == "digest":
                self._digest = _ChallengeKeepingDigestAuth(self._passwords)
                handlers.append(self._digest)
            else:
                handlers.append(_PreemptiveBasicAuth(credentials))
        self._opener = urllib.request.build_opener(*handlers)

    def request(
        self,
        method: str,
        url: str,
        body: bytes | RequestBody | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResult:
        """Send one request (retrying 429/503); any answer comes back, connection failures raise."""
        if body is not None and not isinstance(body, bytes):
            headers = {**(headers or {}), "Content-Length": str(body.length)}
        if self._credentials is not None:
            # The digest handler answers a challenge only for URLs it has a password for.
            self._passwords.add_password(None, url, self._credentials.user, self._credentials.password)
        if self._digest is not None and body and self._digest.challenge is None:
            self._probe(url)
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=body, method=method)
            request.add_header("User-Agent", USER_AGENT)
            for name, value in (headers or {}).items():
                request.add_header(name, value)
            self.log.requests += 1
            self.log.sent += 0 if body is None else len(body) if isinstance(body, bytes) else body.length
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    result = HttpResult(response.status, response.headers, response.read())
            except urllib.error.HTTPError as error:
                result = HttpResult(error.code, error.headers, error.read())
            except (OSError, http.client.HTTPException) as error:
                reason = getattr(error, "reason", error)
                raise RemoteError(f"{url}: {reason or type(error).__name__}") from None
            self.log.statuses.append(result.status)
            if result.status in RETRY_STATUSES and attempt < self.policy.retries:
                wait = self.policy.wait(attempt, result.headers.get("Retry-After"))
                attempt += 1
                self.log.retries += 1
                self.log.waited += wait
                self.sleep(wait)
                continue
            return result

    def _probe(self, url: str) -> None:
        """Fetch the store's digest challenge with a bodiless request before sending a body.

        A store that refuses an unauthenticated request may close the connection without
        reading its body (Virtuoso 7 does): a large body then fails with a broken pipe instead of
        being sent again with credentials. After the probe, requests carry the answer to the
        challenge from the start (``_ChallengeKeepingDigestAuth``).
        """
        probe = urllib.request.Request(url, method="HEAD")
        probe.add_header("User-Agent", USER_AGENT)
        self.log.requests += 1
        try:
            with self._opener.open(probe, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            error.read()
        except (OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            raise RemoteError(f"{url}: {reason or type(error).__name__}") from None


class _ChallengeKeepingDigestAuth(urllib.request.HTTPDigestAuthHandler):
    """The standard library's digest authentication, answering the last challenge up front.

    urllib answers a digest challenge only after a 401, by sending the request again; a request
    with a body then goes out twice, and the first time to a store that may not read it.
    """

    def __init__(self, passwords: urllib.request.HTTPPasswordMgr) -> None:
        super().__init__(passwords)
        self.challenge: dict[str, str] | None = None

    def retry_http_digest_auth(self, req: urllib.request.Request, auth: str) -> Any:
        _scheme, challenge = auth.split(" ", 1)
        self.challenge = urllib.request.parse_keqv_list(
            [item for item in urllib.request.parse_http_list(challenge) if item]
        )
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        if self.challenge is not None and req.data is not None and not req.has_header(self.auth_header):
            answer = self.get_authorization(req, self.challenge)
            if answer:
                req.add_unredirected_header(self.auth_header, f"Digest {answer}")
        return req

    https_request = http_request


class _PreemptiveBasicAuth(urllib.request.BaseHandler):
    """Send Basic credentials with every request (stores rarely send a challenge first)."""

    def __init__(self, credentials: Credentials) -> None:
        import base64

        token = f"{credentials.user}:{credentials.password}".encode()
        self._header = "Basic " + base64.b64encode(token).decode("ascii")

    def http_request(self, request: urllib.request.Request) -> urllib.request.Request:
        request.add_unredirected_header("Authorization", self._header)
        return request

    https_request = http_request
