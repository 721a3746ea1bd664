"""The SPARQL endpoint with the clients people use: SPARQLWrapper, rdflib's SPARQLStore, agkg.

Each test talks to a real ``agkg serve`` app under uvicorn on a loopback port (port 0) and
compares what the client got with the same query answered locally. Regression tests for
issue 16 (the endpoint part): read queries refused as updates because of a word in a comment,
406 for graph results in RDF/XML or N3 and for ``format=`` values meant for graphs, and a bare
GET redirected to the HTML page instead of returning the service description.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")

import rdflib
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, JSONLD, N3, RDFXML, TURTLE, XML, SPARQLWrapper
from test_server import CHROME_ACCEPT, Running, published_project, running_server

from agkg.cli import cli
from agkg.config import load_config
from agkg.sparql.query import DatasetStore, open_dataset, run_query
from agkg.web.server import ServerSettings

REPO = Path(__file__).resolve().parents[1]
PREFIXES = (
    "PREFIX agkg: <https://w3id.org/agkg/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
SELECT = PREFIXES + "SELECT ?g ?label WHERE { ?g a agkg:ArmedGroup ; rdfs:label ?label } ORDER BY ?g ?label"
ASK = PREFIXES + "ASK { ?g a agkg:ArmedGroup }"
CONSTRUCT = PREFIXES + "CONSTRUCT { ?g rdfs:label ?label } WHERE { ?g a agkg:ArmedGroup ; rdfs:label ?label }"
DESCRIBE = "DESCRIBE <https://w3id.org/agkg/id/iskp>"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = (REPO.parent / "shared" / "corpus").resolve()
    return published_project(tmp_path_factory.mktemp("clients") / "project", corpus)


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Running]:
    with running_server(project, ServerSettings(query_timeout=10.0, query_workers=1)) as running:
        yield running


@pytest.fixture(scope="module")
def local(project: Path) -> DatasetStore:
    return open_dataset(load_config(project))


def local_graph(local: DatasetStore, query: str) -> rdflib.Graph:
    import pyoxigraph as ox

    answer = run_query(local, query)
    assert isinstance(answer, ox.QueryTriples)
    text = ox.serialize(list(answer), format=ox.RdfFormat.N_TRIPLES) or b""
    return rdflib.Graph().parse(data=text.decode("utf-8"), format="nt")


def local_rows(local: DatasetStore, query: str) -> list[tuple[str, ...]]:
    import pyoxigraph as ox

    answer = run_query(local, query)
    assert isinstance(answer, ox.QuerySolutions)
    names = [v.value for v in answer.variables]
    return [tuple(str(s[n].value) for n in names) for s in answer]


# --- 1. read queries are never refused as updates -----------------------------------------------


def agkg_json(*args: str) -> object:
    result = CliRunner().invoke(cli, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return json.loads(result.stdout)


def test_every_named_query_answers_through_the_served_endpoint(server: Running, project: Path) -> None:
    """Regression: six of the bundled queries begin with a comment containing 'with',
    'delete', 'add'… and were refused with 403 (so `agkg query --endpoint` exited 3)."""
    names = sorted(p.stem for p in (project / "queries").glob("*.rq"))
    assert len(names) >= 15
    for name in names:
        here = agkg_json("--project", str(project), "query", "--name", name)
        there = agkg_json(
            "--project", str(project), "query", "--name", name, "--endpoint", server.url + "/sparql"
        )
        assert there == here, name


@pytest.mark.parametrize(
    "query",
    [
        "# Which groups were deleted, merged with others, or added? Load them all.\nASK { ?s ?p ?o }",
        "# copy\n# move\nPREFIX ex: <http://example.org/>\n# drop\nSELECT * WHERE { ?s ex:p ?o }",
        "BASE <http://example.org/>\n# with\nSELECT * WHERE { ?s <delete> 'INSERT DATA' }",
    ],
)
def test_read_queries_with_update_words_are_answered(server: Running, query: str) -> None:
    status, _, body = server.get("/sparql?" + urlencode({"query": query}), "application/sparql-results+json")
    assert status == 200, body
    assert "head" in json.loads(body)


@pytest.mark.parametrize(
    "update",
    [
        "# a comment first\nINSERT DATA { <http://example.org/a> <http://example.org/b> 1 }",
        "PREFIX ex: <http://example.org/>\nWITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "ADD <http://example.org/a> TO <http://example.org/b>",
        "CLEAR ALL",
        "DELETE WHERE { ?s ?p ?o } ; INSERT DATA { <http://example.org/a> <http://example.org/b> 2 }",
    ],
)
def test_updates_sent_as_queries_are_still_refused(server: Running, update: str) -> None:
    status, _, body = server.get("/sparql?" + urlencode({"query": update}))
    assert status == 403 and b"SPARQL Update is refused" in body
    for malformed in ("SELECT * WHERE { ?s ?p }", "", "PREFIX ex: <http://example.org/>", "# only a comment"):
        status, _, body = server.get("/sparql?" + urlencode({"query": malformed}))
        assert status == 400 and b"malformed query" in body, malformed


# --- 4. graph results for the common clients ----------------------------------------------------


def sparqlwrapper(server: Running, query: str, fmt: str | None) -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    if fmt is not None:
        client.setReturnFormat(fmt)
    return client


def as_graph(converted: object, fmt: str | None) -> rdflib.Graph:
    if isinstance(converted, rdflib.Graph):
        return converted
    assert isinstance(converted, bytes | str), type(converted)
    parse_as = {TURTLE: "turtle", N3: "n3", JSONLD: "json-ld", JSON: "json-ld"}[fmt or XML]
    return rdflib.Graph().parse(data=converted, format=parse_as)


@pytest.mark.parametrize("fmt", [None, XML, RDFXML, TURTLE, N3, JSONLD])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_sparqlwrapper_graph_results(
    server: Running, local: DatasetStore, query: str, fmt: str | None
) -> None:
    """Regression: SPARQLWrapper's default (RDF/XML, sent as Accept and as format=xml) and N3
    got 406 for CONSTRUCT and DESCRIBE."""
    response = sparqlwrapper(server, query, fmt).query()
    got = as_graph(response.convert(), fmt)
    expected = local_graph(local, query)
    assert len(expected) > 3
    assert isomorphic(got, expected)


@pytest.mark.parametrize("fmt", [None, XML, JSON])
def test_sparqlwrapper_select_and_ask(server: Running, local: DatasetStore, fmt: str | None) -> None:
    rows = sparqlwrapper(server, SELECT, fmt).query().convert()
    boolean = sparqlwrapper(server, ASK, fmt).query().convert()
    if fmt == JSON:
        assert isinstance(rows, dict) and isinstance(boolean, dict)
        got = [tuple(b[v]["value"] for v in rows["head"]["vars"]) for b in rows["results"]["bindings"]]
        assert boolean["boolean"] is True
    else:  # SPARQL XML results as a DOM
        ns = "http://www.w3.org/2005/sparql-results#"
        got = [
            tuple(b.firstChild.firstChild.data for b in r.getElementsByTagNameNS(ns, "binding"))
            for r in rows.getElementsByTagNameNS(ns, "result")
        ]
        assert boolean.getElementsByTagNameNS(ns, "boolean")[0].firstChild.data == "true"
    assert got == local_rows(local, SELECT)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rdflib_sparqlstore_select_ask_construct_describe(
    server: Running, local: DatasetStore, method: str
) -> None:
    """Regression: rdflib's SPARQLStore asks for 'application/sparql-results+xml,
    application/rdf+xml', and got 406 for CONSTRUCT and DESCRIBE."""
    graph = rdflib.Graph(store=SPARQLStore(server.url + "/sparql", method=method))
    rows = [tuple(str(term) for term in row) for row in graph.query(SELECT)]  # type: ignore[union-attr]
    assert rows == local_rows(local, SELECT)
    assert graph.query(ASK).askAnswer is True
    for query in (CONSTRUCT, DESCRIBE):
        answer = graph.query(query).graph
        assert answer is not None and isomorphic(answer, local_graph(local, query)), query


@pytest.mark.parametrize(
    ("fmt", "accept", "expected"),
    [
        ("xml", "text/turtle", "application/rdf+xml"),  # the format= the client sent wins
        ("json", None, "application/ld+json"),
        ("n3", None, "text/n3"),
        ("rdf+xml", None, "application/rdf+xml"),
        ("csv", "text/turtle", "text/turtle"),  # meaningless for a graph: the Accept header decides
        ("application/n-triples", None, "application/n-triples"),
        (None, "text/n3", "text/n3"),
        (None, "application/rdf+xml;q=0.5, text/turtle;q=0.9", "text/turtle"),
    ],
)
def test_graph_format_choice(server: Running, fmt: str | None, accept: str | None, expected: str) -> None:
    params = {"query": CONSTRUCT, **({"format": fmt} if fmt else {})}
    status, headers, body = server.get("/sparql?" + urlencode(params), accept)
    assert status == 200, body
    assert headers["content-type"].split(";")[0] == expected
    parse_as = {
        "application/rdf+xml": "xml",
        "application/ld+json": "json-ld",
        "text/n3": "n3",
        "text/turtle": "turtle",
        "application/n-triples": "nt",
    }[expected]
    assert len(rdflib.Graph().parse(data=body, format=parse_as)) > 3


def test_format_for_tables_and_unacceptable_types(server: Running) -> None:
    status, headers, _ = server.get("/sparql?" + urlencode({"query": ASK, "format": "xml"}), "text/turtle")
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+xml")
    status, headers, _ = server.get("/sparql?" + urlencode({"query": SELECT, "format": "turtle"}), "text/csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    status, _, body = server.get("/sparql?" + urlencode({"query": CONSTRUCT}), "image/png")
    assert status == 406 and b"application/rdf+xml" in body


def test_graphs_rdf_xml_cannot_express_fall_back_or_get_406(server: Running) -> None:
    query = "CONSTRUCT { ?s <http://example.org/p/> ?o } WHERE { ?s a ?o } LIMIT 3"
    status, _, body = server.get("/sparql?" + urlencode({"query": query}), "application/rdf+xml")
    assert status == 406 and b"cannot be written as RDF/XML" in body
    accept = "application/rdf+xml, text/turtle;q=0.5"
    status, headers, body = server.get("/sparql?" + urlencode({"query": query}), accept)
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=body, format="turtle")) == 3


# --- 5. the service description -----------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.mark.parametrize(
    ("accept", "media", "parse_as"),
    [
        (None, "text/turtle", "turtle"),
        ("*/*", "text/turtle", "turtle"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/rdf+xml, text/turtle;q=0.5", "application/rdf+xml", "xml"),
    ],
)
def test_bare_get_is_the_service_description(
    server: Running, accept: str | None, media: str, parse_as: str
) -> None:
    """Regression: a bare GET with Accept */* (or none) was a 303 to the HTML query page."""
    status, headers, body = server.get("/sparql", accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media
    described = rdflib.Graph().parse(data=body, format=parse_as)
    services = list(described.subjects(rdflib.RDF.type, rdflib.URIRef(SD + "Service")))
    assert len(services) == 1
    endpoint = described.value(services[0], rdflib.URIRef(SD + "endpoint"))
    assert str(endpoint) == server.url + "/sparql"
    formats = {str(o) for o in described.objects(services[0], rdflib.URIRef(SD + "resultFormat"))}
    assert "http://www.w3.org/ns/formats/RDF_XML" in formats


@pytest.mark.parametrize("accept", ["text/html", CHROME_ACCEPT])
def test_browsers_still_get_the_query_page(server: Running, accept: str) -> None:
    status, headers, _ = server.get("/sparql", accept)
    assert status == 303 and headers["location"] == "query"
