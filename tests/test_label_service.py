"""WDQS's ``SERVICE wikibase:label``, answered from the local labels by ``agkg query`` and by the
served /sparql endpoint (uvicorn on a loopback port), on a small project whose entities have
labels, descriptions and aliases in some languages and not in others."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import Result

from agkg.config import load_config
from agkg.sparql.label_service import rewrite_label_service
from agkg.vocab import data_prefixes

REPO = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/agkg/"
ID = BASE + "id/"
TEXT = "Alpha Front is led by Pat Leader. Beta Brigade is allied with Alpha Front.\n"
ENTITIES = """entities:
  - id: alpha
    type: ArmedGroup
    label: {en: Alpha Front, fr: Front Alpha}
    aliases: {en: [Alpha, AF], fr: [FA]}
    description: {en: an armed group, fr: un groupe armé}
  - id: beta
    type: ArmedGroup
    label: {fr: Brigade Bêta}
    description: {fr: une brigade}
  - id: gamma
    type: ArmedGroup
    label: {de: Gamma-Gruppe}
  - id: pat
    type: Person
    label: {en: Pat Leader}
"""
CLAIMS = """source: src
claims:
  - subject: alpha
    property: leader
    value: pat
    quote: Alpha Front is led by Pat Leader
  - subject: beta
    property: alliedWith
    value: alpha
    quote: Beta Brigade is allied with Alpha Front
"""

Row = tuple[str | None, ...]

# --- the queries and their answers (each row: one value per variable, None when unbound;
# literals as value@lang, so a label's language is checked too)

AUTOMATIC = """SELECT ?g ?gLabel ?gDescription ?gAltLabel ?leader ?leaderLabel WHERE {
  ?g a agkg:ArmedGroup .
  OPTIONAL { ?g direct:leader ?leader }
  SERVICE wikibase:label { bd:serviceParam wikibase:language "en,fr" . }
} ORDER BY ?g"""
AUTOMATIC_ROWS = [
    (ID + "alpha", "Alpha Front@en", "an armed group@en", "AF, Alpha@en", ID + "pat", "Pat Leader@en"),
    (ID + "beta", "Brigade Bêta@fr", "une brigade@fr", None, None, None),
    (ID + "gamma", "gamma", None, None, None, None),
]

FRENCH_FIRST = """SELECT ?g ?gLabel ?gAltLabel WHERE {
  ?g a agkg:ArmedGroup .
  SERVICE wikibase:label { bd:serviceParam wikibase:language "fr,[AUTO_LANGUAGE]" }
} ORDER BY ?g"""
FRENCH_FIRST_ROWS = [
    (ID + "alpha", "Front Alpha@fr", "FA@fr"),
    (ID + "beta", "Brigade Bêta@fr", None),
    (ID + "gamma", "gamma", None),
]

# placed first in its group, with the words SERVICE wikibase:label in a comment and a string
GERMAN = """SELECT ?g ?gLabel WHERE {
  SERVICE wikibase:label { bd:serviceParam wikibase:language "de" } # SERVICE wikibase:label {
  ?g a agkg:ArmedGroup FILTER(?g != "SERVICE wikibase:label { ")
} ORDER BY ?g"""
GERMAN_ROWS = [(ID + "alpha", "alpha"), (ID + "beta", "beta"), (ID + "gamma", "Gamma-Gruppe@de")]

MANUAL = """SELECT ?g ?gLabel ?name ?about WHERE {
  ?g a agkg:ArmedGroup .
  SERVICE wikibase:label {
    bd:serviceParam wikibase:language "fr" .
    ?g rdfs:label ?name .
    ?g schema:description ?about .
  }
} ORDER BY ?g"""
# manual mode binds only what it names: ?gLabel stays unbound
MANUAL_ROWS = [
    (ID + "alpha", None, "Front Alpha@fr", "un groupe armé@fr"),
    (ID + "beta", None, "Brigade Bêta@fr", "une brigade@fr"),
    (ID + "gamma", None, "gamma", None),
]

GROUPED = """SELECT ?g ?gLabel ?gAltLabel (COUNT(?ally) AS ?allies) WHERE {
  ?g a agkg:ArmedGroup .
  OPTIONAL { ?ally direct:alliedWith ?g }
  SERVICE wikibase:label { bd:serviceParam wikibase:language "en" }
} GROUP BY ?g ?gLabel ?gAltLabel ORDER BY ?g"""
GROUPED_ROWS = [
    (ID + "alpha", "Alpha Front@en", "AF, Alpha@en", "1"),
    (ID + "beta", "beta", None, "0"),
    (ID + "gamma", "gamma", None, "0"),
]

# SELECT * shows the query's variables and the manual ones, never the rewrite's helpers
STAR = """SELECT * WHERE {
  ?g direct:leader ?p .
  SERVICE wikibase:label {
    bd:serviceParam wikibase:language "en" .
    ?p rdfs:label ?pName .
    id:beta rdfs:label ?betaName .
    id:alpha skos:altLabel ?alphaAliases .
  }
}"""
STAR_VARIABLES = ["g", "p", "pName", "betaName", "alphaAliases"]
STAR_ROWS = [(ID + "alpha", ID + "pat", "Pat Leader@en", "beta", "AF, Alpha@en")]

ANSWERED = [
    (AUTOMATIC, AUTOMATIC_ROWS),
    (FRENCH_FIRST, FRENCH_FIRST_ROWS),
    (GERMAN, GERMAN_ROWS),
    (MANUAL, MANUAL_ROWS),
    (GROUPED, GROUPED_ROWS),
    (STAR, STAR_ROWS),
]
QUERY_IDS = ["automatic", "french-first", "german", "manual", "grouped", "select-star"]

REMOTE_SERVICE = "SELECT ?s WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
BOTH_SERVICES = """SELECT ?s ?sLabel WHERE {
  SERVICE <http://example.org/sparql> { ?s ?p ?o }
  SERVICE wikibase:label { bd:serviceParam wikibase:language "en" }
}"""
MALFORMED = [
    (
        "SELECT ?g ?gLabel WHERE { ?g a agkg:ArmedGroup SERVICE wikibase:label { ?g rdfs:label ?gLabel } }",
        'line 1, column 48: the label service needs bd:serviceParam wikibase:language "xx"',
    ),
    (
        'SELECT ?g WHERE { ?g a agkg:ArmedGroup SERVICE wikibase:label { bd:serviceParam wikibase:language "en\\") } }" } }',
        "line 1, column 40: 'en\") } }' is not a language tag",
    ),
    (
        "SELECT ?g WHERE { ?g a agkg:ArmedGroup\n"
        '  SERVICE wikibase:label { bd:serviceParam wikibase:language "en" . ?g rdfs:comment ?c } }',
        "line 2, column 3: in SERVICE wikibase:label, write ?x rdfs:label ?name",
    ),
    (
        'SELECT ?g WHERE { ?g a agkg:ArmedGroup SERVICE wikibase:label { bd:serviceParam wikibase:language "en" ',
        "line 1, column 40: cannot read the SERVICE wikibase:label block",
    ),
]


def labelled_project(root: Path) -> Path:
    """A project with one source, four entities and two claims (the ontology and shapes are
    the repository's)."""
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, root / folder)
    for folder in ("data/sources", "data/entities", "data/claims", "corpus"):
        (root / folder).mkdir(parents=True)
    (root / "corpus" / "text.txt").write_text(TEXT, encoding="utf-8")
    digest = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    (root / "data" / "sources" / "s.yaml").write_text(
        f"sources:\n  - id: src\n    type: Report\n    language: en\n    sha256: {digest}\n", encoding="utf-8"
    )
    (root / "data" / "entities" / "e.yaml").write_text(ENTITIES, encoding="utf-8")
    (root / "data" / "claims" / "src.yaml").write_text(CLAIMS, encoding="utf-8")
    (root / "agkg.toml").write_text(f'[agkg]\nbase = "{BASE}"\ncorpus = "corpus"\n', encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return labelled_project(tmp_path_factory.mktemp("labelled"))


def table(results: dict[str, object]) -> tuple[list[str], list[Row]]:
    """Variables and rows of SPARQL JSON results; literals as value@lang."""
    head = results["head"]
    assert isinstance(head, dict)
    variables: list[str] = head["vars"]
    body = results["results"]
    assert isinstance(body, dict)

    def show(term: dict[str, str] | None) -> str | None:
        if term is None:
            return None
        lang = term.get("xml:lang")
        return f"{term['value']}@{lang}" if lang else term["value"]

    return variables, [tuple(show(b.get(v)) for v in variables) for b in body["bindings"]]


def local(run_agkg: Callable[..., Result], project: Path, query: str) -> Result:
    return run_agkg("--project", project, "--quiet", "query", query, "--format", "json")


# --- agkg query ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "rows"), ANSWERED, ids=QUERY_IDS)
def test_local_query_answers_the_label_service(
    labelled: Path, run_agkg: Callable[..., Result], query: str, rows: list[Row]
) -> None:
    result = local(run_agkg, labelled, query)
    assert result.exit_code == 0, result.stderr
    variables, answered = table(json.loads(result.stdout))
    assert answered == rows
    if query is STAR:
        assert variables == STAR_VARIABLES


def test_a_construct_with_a_select_star_subquery(labelled: Path, run_agkg: Callable[..., Result]) -> None:
    """Only a SELECT query's own ``SELECT *`` is expanded; here the first SELECT is a subquery's."""
    query = """CONSTRUCT { ?g rdfs:comment ?name } WHERE {
      { SELECT * WHERE { ?g a agkg:ArmedGroup
        SERVICE wikibase:label { bd:serviceParam wikibase:language "fr" . ?g rdfs:label ?name } } }
    }"""
    result = run_agkg("--project", labelled, "--quiet", "query", query, "--format", "ntriples")
    assert result.exit_code == 0, result.stderr
    comment = "<http://www.w3.org/2000/01/rdf-schema#comment>"
    assert sorted(result.stdout.splitlines()) == [
        f'<{ID}alpha> {comment} "Front Alpha"@fr .',
        f'<{ID}beta> {comment} "Brigade Bêta"@fr .',
        f'<{ID}gamma> {comment} "gamma" .',
    ]


def test_other_services_are_still_refused(labelled: Path, run_agkg: Callable[..., Result]) -> None:
    for query in (REMOTE_SERVICE, BOTH_SERVICES):
        result = local(run_agkg, labelled, query)
        assert result.exit_code == 2
        assert "SERVICE calls are refused" in result.stderr


@pytest.mark.parametrize(
    ("query", "message"), MALFORMED, ids=["no-language", "bad-tag", "bad-triple", "unclosed"]
)
def test_a_bad_label_block_is_a_usage_error(
    labelled: Path, run_agkg: Callable[..., Result], query: str, message: str
) -> None:
    result = local(run_agkg, labelled, query)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_rewrite_leaves_other_services_and_queries_alone() -> None:
    prefixes = data_prefixes(BASE)
    plain = "SELECT ?s WHERE { ?s ?p 'SERVICE wikibase:label { }' } # SERVICE wikibase:label {"
    assert rewrite_label_service(plain, prefixes) == plain
    assert rewrite_label_service(REMOTE_SERVICE, prefixes) == REMOTE_SERVICE
    rewritten = rewrite_label_service(BOTH_SERVICES, prefixes)
    assert "SERVICE <http://example.org/sparql> { ?s ?p ?o }" in rewritten
    assert "wikibase:label" not in rewritten


# --- the served endpoint -------------------------------------------------------------------------


@contextlib.contextmanager
def serving(project: Path) -> Iterator[str]:
    """agkg's app under uvicorn on 127.0.0.1, on a port the OS picks."""
    uvicorn = pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")
    from agkg.web.server import ServerSettings, create_app

    app = create_app(load_config(project), ServerSettings(query_workers=1))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="module")
def endpoint(labelled: Path) -> Iterator[str]:
    from click.testing import CliRunner

    from agkg.cli import cli

    published = CliRunner().invoke(cli, ["--project", str(labelled), "--quiet", "publish"])
    assert published.exit_code == 0, published.output
    with serving(labelled) as url:
        yield url + "/sparql"


def ask(endpoint: str, query: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        endpoint + "?" + urlencode({"query": query}), headers={"Accept": "application/sparql-results+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize(("query", "rows"), ANSWERED, ids=QUERY_IDS)
def test_served_sparql_answers_the_label_service(endpoint: str, query: str, rows: list[Row]) -> None:
    status, body = ask(endpoint, query)
    assert status == 200, body
    variables, answered = table(json.loads(body))
    assert answered == rows
    if query is STAR:
        assert variables == STAR_VARIABLES


def test_served_sparql_still_refuses_other_services(endpoint: str) -> None:
    for query in (REMOTE_SERVICE, BOTH_SERVICES):
        status, body = ask(endpoint, query)
        assert status == 403
        assert b"SERVICE is refused" in body


def test_served_sparql_reports_a_bad_label_block(endpoint: str) -> None:
    query, message = MALFORMED[1]
    status, body = ask(endpoint, query)
    assert status == 400
    assert message in body.decode("utf-8")
