"""The linked-data server, for real: uvicorn on a loopback port, real HTTP clients.

Every IRI in the dumps must dereference (303 to a document in the format asked for), the SPARQL
endpoint must follow the SPARQL 1.1 Protocol with SPARQLWrapper as the client, and the limits
(read-only, time limit, row cap, request size, SERVICE and remote FROM) must hold.
"""

# The evidence quotes the articles exactly, curly quotes included.

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import threading
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")

import uvicorn
from conftest import project_source
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from agkg.cli import cli
from agkg.config import load_config
from agkg.web.server import ServerSettings, create_app

REPO = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/agkg/"
CHROME_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def published_project(folder: Path, corpus: Path) -> Path:
    """A copy of the project, published with ``agkg publish`` into its dist/."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(project_source(name), folder / name)
    (folder / "agkg.toml").write_text(f'[agkg]\nbase = "{BASE}"\ncorpus = "{corpus}"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--project", str(folder), "publish"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


@dataclass
class Running:
    url: str
    app: object
    client_timeout: float = 60.0  # seconds the test client waits for an answer

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.host, timeout=self.client_timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, headers={"Accept": accept} if accept else {})


@contextlib.contextmanager
def running_server(project: Path, settings: ServerSettings, wrap: object = None) -> Iterator[Running]:
    """create_app() under uvicorn on 127.0.0.1, port chosen by the OS (bind port 0)."""
    app = create_app(load_config(project), settings)
    served = wrap(app) if callable(wrap) else app
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(served, log_level="warning", lifespan="on"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield Running(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = (REPO.parent / "shared" / "corpus").resolve()
    if not corpus.is_dir():
        pytest.fail(f"the shared corpus is missing at {corpus}")
    return published_project(tmp_path_factory.mktemp("served") / "project", corpus)


LIMITS = ServerSettings(query_timeout=2.0, max_rows=50, max_request_bytes=8192, query_workers=2)


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Running]:
    with running_server(project, LIMITS) as running:
        yield running


def dump_triples(project: Path) -> set[ox.Triple]:
    return set(ox.parse(path=str(project / "dist" / "dataset.nt"), format=ox.RdfFormat.N_TRIPLES))


# --- dereferencing ------------------------------------------------------------------------------

PARSERS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def dereference(server: Running, iri: str, accept: str) -> tuple[str, str, bytes]:
    """GET the IRI (mapped to the server), expect 303, follow it; (location, type, body)."""
    assert iri.startswith(BASE)
    path = "/" + iri[len(BASE) :]
    status, headers, _ = server.get(path, accept)
    assert status == 303, (iri, status)
    assert "accept" in headers.get("vary", "").lower()
    location = headers["location"]
    target = os.path.normpath(os.path.join(os.path.dirname(path), location))
    status, headers, body = server.get(target, accept)
    assert status == 200, (target, status)
    return target, headers["content-type"], body


@pytest.mark.parametrize("accept", list(PARSERS))
def test_every_entity_and_source_iri_dereferences_to_its_description(
    server: Running, project: Path, accept: str
) -> None:
    triples = dump_triples(project)
    subjects = sorted(
        {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
        & {
            s
            for s in (t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode))
            if s.startswith((BASE + "id/", BASE + "source/"))
        }
    )
    assert len(subjects) > 40
    for iri in subjects:
        _, content_type, body = dereference(server, iri, accept)
        assert content_type.split(";")[0] == accept
        got = set(ox.parse(body, format=PARSERS[accept]))
        own = {t for t in triples if isinstance(t.subject, ox.NamedNode) and t.subject.value == iri}
        missing = own - got
        assert not missing, (iri, sorted(map(str, missing))[:3])


def test_entity_description_carries_statements_and_evidence(server: Running) -> None:
    _, _, body = dereference(server, BASE + "id/iskp", "text/turtle")
    got = set(ox.parse(body, format=ox.RdfFormat.TURTLE))
    exact = {t.object.value for t in got if t.predicate.value == "http://www.w3.org/ns/oa#exact"}
    assert "It was founded in January 2015" in exact
    ranks = {t.object.value for t in got if t.predicate.value == "http://wikiba.se/ontology#rank"}
    assert "http://wikiba.se/ontology#DeprecatedRank" in ranks


def test_statement_and_reference_iris_dereference(server: Running, project: Path) -> None:
    triples = dump_triples(project)
    statement = next(t.subject.value for t in triples if str(t.subject).startswith(f"<{BASE}statement/"))
    reference = next(
        t.subject.value
        for t in triples
        if str(t.subject).startswith(f"<{BASE}reference/") and "#" not in t.subject.value
    )
    for iri in (statement, reference):
        _, _, body = dereference(server, iri, "application/n-triples")
        assert f"<{iri}>" in body.decode()


def test_browsers_get_html_and_default_is_html(server: Running) -> None:
    for accept in (CHROME_ACCEPT, None, "*/*"):
        target, content_type, body = dereference(server, BASE + "id/iskp", accept or "")
        assert target == "/doc/id/iskp.html"
        assert content_type.startswith("text/html")
        assert "Islamic State Khorasan Province" in body.decode()


def test_quality_values_are_weighed(server: Running) -> None:
    status, headers, _ = server.get("/id/iskp", "text/html;q=0.5, application/ld+json")
    assert status == 303 and headers["location"].endswith(".jsonld")
    status, headers, _ = server.get("/id/iskp", "*/*, text/html;q=0")
    assert status == 303 and headers["location"].endswith(".ttl")


def test_unknown_resource_is_404_and_unacceptable_type_is_406(server: Running) -> None:
    assert server.get("/id/no-such-entity", "text/turtle")[0] == 404
    assert server.get("/doc/id/no-such-entity.ttl")[0] == 404
    assert server.get("/id/iskp", "image/png")[0] == 406


def test_ontology_iri_dereferences(server: Running) -> None:
    status, headers, _ = server.get("/ontology", CHROME_ACCEPT)
    assert status == 303 and headers["location"] == "doc/ontology.html"
    status, headers, _ = server.get("/ontology", "text/turtle")
    assert status == 303 and headers["location"] == "dumps/ontology.ttl"
    status, headers, body = server.get("/doc/ontology.html")
    page = body.decode()
    assert status == 200
    assert 'id="ArmedGroup"' in page and "armed group" in page
    assert "Statement" in page  # a shape label, shown where it constrains a term
    status, headers, _ = server.get("/prop/statement/inception", CHROME_ACCEPT)
    assert status == 303 and headers["location"] == "../../doc/id/P-inception.html"


# --- pages --------------------------------------------------------------------------------------


def test_entity_page_shows_statements_with_evidence(server: Running) -> None:
    status, _, body = server.get("/doc/id/iskp.html")
    page = body.decode()
    assert status == 200
    assert "Islamic State Khorasan Province" in page
    assert "ISIS-K" in page  # alias
    assert "It was founded in January 2015" in page  # the quoted words
    assert "Afghan Crisis: What you need to know about IS-K" in page  # source headline
    assert "2021-08-27" in page  # date
    assert "According to <a" in page and "unnamed analysts" in page
    assert "Supported by 2 sources (corroborated)" in page
    assert "rank-deprecated" in page and "Deprecated: Internal inconsistency" in page
    assert "Better supported" in page
    assert 'href="../../doc/source/siddiqui-2021.html"' in page  # pages link to each other
    assert 'href="../../doc/ontology.html#ArmedGroup"' in page
    assert '<a href="../../query">Query</a>' in page  # the served pages link the query page
    country = server.get("/doc/id/afghanistan.html")[2].decode()
    assert 'href="http://www.wikidata.org/entity/Q889"' in country and "Wikidata Q889" in country


def test_source_page_lists_what_it_supports(server: Running) -> None:
    status, _, body = server.get("/doc/source/siddiqui-2021.html")
    page = body.decode()
    assert status == 200
    assert "What this source supports" in page
    assert "remains active three years after it was founded" in page
    assert 'href="../../doc/id/iskp.html"' in page


def test_pages_load_nothing_from_other_hosts(server: Running) -> None:
    for path in ("/doc/id/iskp.html", "/query", "/", "/doc/ontology.html"):
        page = server.get(path)[2].decode()
        for marker in ('src="http', 'stylesheet" href="http', 'src="//'):
            assert marker not in page, (path, marker)
    assert server.get("/static/agkg.css")[0] == 200
    assert server.get("/static/query.js")[0] == 200


def test_query_page_runs_a_query_and_lists_examples(server: Running) -> None:
    query = "SELECT ?label WHERE { id:iskp rdfs:label ?label }"
    status, _, body = server.get("/query?" + urlencode({"query": query}))
    page = body.decode()
    assert status == 200
    assert "<td>Islamic State Khorasan Province</td>" in page
    assert "iskp-founded.rq" in page  # examples from queries/
    status, _, body = server.get("/query?" + urlencode({"query": "SELECT WHERE {"}))
    assert 'class="error"' in body.decode()


# --- SPARQL protocol ----------------------------------------------------------------------------


def wrapper(server: Running, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def local_answer(project: Path, name: str) -> object:
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(project),
            "query",
            "--file",
            str(project / "queries" / f"{name}.rq"),
            "--format",
            "json",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_matches_the_command_line(server: Running, project: Path, method: str) -> None:
    query = (project / "queries" / "iskp-founded.rq").read_text(encoding="utf-8")
    client = wrapper(server, query, JSON)
    client.setMethod(method)
    got = client.query().convert()
    assert got == local_answer(project, "iskp-founded")


def test_select_in_every_results_format(server: Running) -> None:
    query = "SELECT ?g ?label WHERE { ?g a agkg:ArmedGroup ; rdfs:label ?label } ORDER BY ?g"
    xml = wrapper(server, query, XML).query().convert()
    assert len(xml.getElementsByTagNameNS("http://www.w3.org/2005/sparql-results#", "result")) > 3
    csv_text = wrapper(server, query, CSV).query().convert().decode()
    assert csv_text.startswith("g,label\r\n") and "Islamic State Khorasan Province" in csv_text
    tsv_text = wrapper(server, query, TSV).query().convert().decode()
    assert tsv_text.startswith("?g\t?label\n") and f"<{BASE}id/iskp>" in tsv_text
    parsed = ox.parse_query_results(tsv_text.encode(), format=ox.QueryResultsFormat.TSV)
    assert len(list(parsed)) == csv_text.count("\r\n") - 1 == tsv_text.count("\n") - 1


def test_ask_and_construct(server: Running) -> None:
    assert wrapper(server, "ASK { id:iskp a agkg:ArmedGroup }", JSON).query().convert() == {
        "head": {},
        "boolean": True,
    }
    graph = wrapper(server, "CONSTRUCT { id:iskp rdfs:label ?l } WHERE { id:iskp rdfs:label ?l }", TURTLE)
    body = graph.query().response.read()
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    assert len(triples) == 1 and triples[0].object.value == "Islamic State Khorasan Province"


def test_direct_and_form_posts(server: Running) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a agkg:ArmedGroup }"
    for body, content_type in (
        (query.encode(), "application/sparql-query"),
        (urlencode({"query": query}).encode(), "application/x-www-form-urlencoded"),
    ):
        status, headers, answer = server.request(
            "POST",
            "/sparql",
            body,
            {"Content-Type": content_type, "Accept": "application/sparql-results+json"},
        )
        assert status == 200, answer
        assert headers["content-type"].startswith("application/sparql-results+json")
        assert int(json.loads(answer)["results"]["bindings"][0]["n"]["value"]) > 3
    status, _, _ = server.request("POST", "/sparql", query.encode(), {"Content-Type": "text/plain"})
    assert status == 415


def test_bare_get_is_the_service_description(server: Running) -> None:
    status, headers, body = server.get("/sparql", "text/turtle")
    assert status == 200
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoints = [t.object.value for t in triples if t.predicate.value == sd + "endpoint"]
    assert endpoints == [server.url + "/sparql"]
    names = {t.object.value for t in triples if t.predicate.value == sd + "name"}
    assert BASE + "graph/entities" in names
    status, headers, _ = server.get("/sparql", CHROME_ACCEPT)
    assert status == 303 and headers["location"] == "query"


def test_malformed_query_is_400_with_the_parser_message(server: Running) -> None:
    with pytest.raises(QueryBadFormed) as caught:
        wrapper(server, "SELECT ?x WHERE { ?x ?y }", JSON).query()
    assert "malformed query" in str(caught.value)
    status, _, body = server.get("/sparql?" + urlencode({"query": "SELECT ?x WHERE { ?x ?y }"}))
    assert (status == 400 and b"error at" in body) or b"expected" in body


def test_updates_are_refused(server: Running) -> None:
    insert = "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }"
    for status, _, _ in (
        server.get("/sparql?" + urlencode({"query": insert})),
        server.request(
            "POST",
            "/sparql",
            urlencode({"update": insert}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        server.request("POST", "/sparql", insert.encode(), {"Content-Type": "application/sparql-update"}),
    ):
        assert status == 403
    client = wrapper(server, insert, JSON)  # SPARQLWrapper sends it as update=…
    client.setMethod(POST)
    with pytest.raises(urllib.error.HTTPError) as refused:
        client.query()
    assert refused.value.code == 403
    # and nothing changed
    ask = "ASK { <http://example.org/a> ?p ?o }"
    assert wrapper(server, ask, JSON).query().convert()["boolean"] is False


def test_service_and_remote_from_are_refused(server: Running) -> None:
    service = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
    status, _, body = server.get("/sparql?" + urlencode({"query": service}))
    assert status == 403 and b"SERVICE is refused" in body
    remote = "SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }"
    status, _, body = server.get("/sparql?" + urlencode({"query": remote}))
    assert status == 403 and b"http://example.org/remote.ttl" in body
    status, _, _ = server.get(
        "/sparql?"
        + urlencode({"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": "http://example.org/x"})
    )
    assert status == 403
    # a FROM naming one of the dataset's own graphs is answered from that graph only
    local = f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/entities> WHERE {{ ?s ?p ?o }}"
    status, _, body = server.get("/sparql?" + urlencode({"query": local}), "application/sparql-results+json")
    assert status == 200
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 100


def test_request_size_is_capped(server: Running) -> None:
    padding = "#" + "x" * 9000 + "\n"
    status, _, _ = server.request(
        "POST", "/sparql", (padding + "ASK {}").encode(), {"Content-Type": "application/sparql-query"}
    )
    assert status == 413
    status, _, _ = server.get("/sparql?" + urlencode({"query": padding + "ASK {}"}))
    assert status == 413


def test_result_rows_are_capped(server: Running) -> None:
    status, headers, body = server.get(
        "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}), "application/sparql-results+json"
    )
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == LIMITS.max_rows
    assert headers["x-result-truncated"] == f"first {LIMITS.max_rows} rows"
    status, headers, body = server.get(
        "/sparql?" + urlencode({"query": "CONSTRUCT WHERE { ?s ?p ?o }"}), "application/n-triples"
    )
    assert status == 200 and len(body.decode().splitlines()) == LIMITS.max_rows
    assert "x-result-truncated" in headers


def test_cors(server: Running) -> None:
    status, headers, _ = server.request(
        "OPTIONS",
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    status, headers, _ = server.request(
        "GET", "/sparql?" + urlencode({"query": "ASK {}"}), headers={"Origin": "https://example.org"}
    )
    assert status == 200 and headers["access-control-allow-origin"] == "*"


def test_a_slow_query_is_stopped_at_the_limit(server: Running) -> None:
    pool = server.app.state.pool  # type: ignore[attr-defined]
    before = set(pool.pids())
    started = time.monotonic()
    status, _, body = server.get("/sparql?" + urlencode({"query": SLOW_QUERY}))
    elapsed = time.monotonic() - started
    assert status == 503
    assert b"query stopped" in body and b"2 s limit" in body
    assert LIMITS.query_timeout <= elapsed < LIMITS.query_timeout + 3
    # the worker that ran it is gone (killed, not left computing), and a new one took its place
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(pool.pids()) < LIMITS.query_workers:
        time.sleep(0.1)
    after = set(pool.pids())
    killed = before - after
    assert len(killed) == 1
    for pid in killed:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert pool.stopped >= 1
    status, _, _ = server.get("/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"}))
    assert status == 200


# --- VoID and dumps -----------------------------------------------------------------------------


def test_void_and_dumps(server: Running, project: Path) -> None:
    status, _, body = server.get("/.well-known/void", "text/turtle")
    assert status == 200
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    dumps = [t.object.value for t in triples if t.predicate.value == "http://rdfs.org/ns/void#dataDump"]
    assert BASE + "dumps/dataset.nt" in dumps
    for iri in dumps:
        name = iri.rsplit("/", 1)[-1]
        status, _, content = server.get("/dumps/" + name)
        assert status == 200, name
        assert content == (project / "dist" / name).read_bytes()
    status, _headers, body = server.get("/.well-known/void", "application/ld+json")
    assert status == 200 and json.loads(body)
    status, _, listing = server.get("/dumps/")
    assert status == 200 and b"dataset.trig" in listing
    assert server.get("/dumps/../agkg.toml")[0] == 404


def test_missing_publication_is_a_clear_error(tmp_path: Path) -> None:
    from agkg.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="agkg publish"):
        create_app(load_config(tmp_path))
