"""Every IRI in the published dumps dereferences, on the server and on the static site, and the
server's responses carry links and validators and answer conditional requests (issue 16)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox
import pytest

pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")

from linked_project import BASE, Running, make_project, publish, running_server

from agkg.web.server import not_modified

TURTLE = "text/turtle"
HTML = "text/html"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = make_project(tmp_path_factory.mktemp("linked") / "project")
    publish(folder, "--site")
    return folder


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Running]:
    with running_server(project) as running:
        yield running


def iris_in(content: bytes, rdf_format: ox.RdfFormat) -> set[str]:
    """Every IRI under the base that a file uses as subject, predicate, object or graph."""
    found = set()
    for quad in ox.parse(content, format=rdf_format):
        graph = quad.graph_name if isinstance(quad, ox.Quad) else None
        for term in (quad.subject, quad.predicate, quad.object, graph):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
                found.add(term.value)
    return found


def published_iris(dist: Path) -> set[str]:
    found = iris_in((dist / "dataset.nq").read_bytes(), ox.RdfFormat.N_QUADS)
    for name in ("void.ttl", "ontology.ttl", "shapes.ttl", "dataset.trig"):
        rdf_format = ox.RdfFormat.TRIG if name.endswith(".trig") else ox.RdfFormat.TURTLE
        found |= iris_in((dist / name).read_bytes(), rdf_format)
    return found


def mentions(document: bytes, iri: str) -> bool:
    node = ox.NamedNode(iri)
    return any(node in (t.subject, t.object) for t in ox.parse(document, format=ox.RdfFormat.TURTLE))


def dereference(server: Running, iri: str, accept: str) -> tuple[int, dict[str, str], bytes, bool]:
    """GET the IRI (without its fragment) as a client would, following one 303."""
    path = "/" + iri[len(BASE) :].split("#")[0]
    status, headers, body = server.request(path, {"Accept": accept})
    if status != 303:
        return status, headers, body, False
    assert "Accept" in headers.get("vary", ""), path
    status, headers, body = server.request(urljoin(path, headers["location"]), {"Accept": accept})
    return status, headers, body, True


def test_every_iri_in_the_dumps_dereferences_on_the_server(project: Path, server: Running) -> None:
    iris = published_iris(project / "dist")
    _, _, served_void = server.request("/.well-known/void", {"Accept": TURTLE})
    iris |= iris_in(served_void, ox.RdfFormat.TURTLE)
    paths = {iri[len(BASE) :].split("#")[0].split("/")[0] for iri in iris}
    assert {"id", "source", "statement", "reference", "graph", "dataset", "dumps", "sparql"} <= paths
    assert BASE + "graph/entities" in iris and BASE + "dataset" in iris
    for iri in sorted(iris):
        status, headers, body, redirected = dereference(server, iri, TURTLE)
        assert status == 200, (iri, status, body[:200])
        if redirected:  # a thing, not a document: the document it was sent to describes it
            assert headers["content-type"].startswith(TURTLE), iri
            assert mentions(body, iri), iri
        status, headers, body, redirected = dereference(server, iri, HTML)
        assert status == 200, (iri, status, body[:200])
        if redirected:
            assert headers["content-type"].startswith(HTML), iri


def test_graph_and_dataset_iris_are_303_to_their_documents(server: Running) -> None:
    for path, document in (
        ("/graph/entities", "../doc/graph/entities"),
        ("/graph/source/dated-2021", "../../doc/graph/source/dated-2021"),
        ("/dataset", "doc/dataset"),
    ):
        for accept, extension in ((TURTLE, "ttl"), ("application/ld+json", "jsonld"), (HTML, "html")):
            status, headers, _ = server.request(path, {"Accept": accept})
            assert status == 303 and headers["location"] == f"{document}.{extension}", (path, accept)
    assert server.request("/graph/source/nothing")[0] == 404
    assert server.request("/graph/ontology", {"Accept": TURTLE})[1]["location"] == "../dumps/ontology.ttl"
    _, _, graph = server.request("/doc/graph/source/dated-2021.ttl")
    triples = {
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(graph, format=ox.RdfFormat.TURTLE)
    }
    node = ox.NamedNode(BASE + "graph/source/dated-2021")
    assert (
        ox.Triple(
            node, ox.NamedNode("http://purl.org/dc/terms/source"), ox.NamedNode(BASE + "source/dated-2021")
        )
        in triples
    )
    _, _, page = server.request("/doc/dataset.html")
    assert b"dataset.nq" in page and b"2 links to Wikidata" in page


# --- the static site and its web-server rules ----------------------------------------------------


def apache_rules(htaccess: str) -> list[tuple[list[str], str, str, str]]:
    """(Accept conditions, pattern, target, flags) of each RewriteRule, in order."""
    rules, conditions = [], []
    for line in htaccess.splitlines():
        words = line.split()
        if line.startswith("RewriteCond %{HTTP_ACCEPT}"):
            conditions.append(words[2])
        elif line.startswith("RewriteRule"):
            rules.append((conditions, words[1], words[2], words[3] if len(words) > 3 else ""))
            conditions = []
    return rules


def apache_get(site: Path, rules: list[tuple[list[str], str, str, str]], path: str, accept: str) -> Path:
    """The file Apache serves for ``path`` (relative to the RewriteBase), after a 303 if any."""
    for conditions, pattern, target, flags in rules:
        match = re.search(pattern, path)
        if match and all(re.search(c, accept) for c in conditions):
            resolved = re.sub(r"\$(\d)", lambda m, x=match: x.group(int(m.group(1))), target).split("#")[0]
            assert "R=303" in flags or "T=" in flags, (path, target)
            return site / resolved
    found = site / path
    return found / "index.html" if found.is_dir() else found


def test_every_iri_in_the_dumps_dereferences_on_the_static_site(project: Path) -> None:
    site = project / "dist" / "site"
    htaccess = (site / ".htaccess").read_text(encoding="utf-8")
    assert "RewriteBase /kg/" in htaccess
    rules = apache_rules(htaccess)
    nginx = (site / "nginx.conf").read_text(encoding="utf-8")
    locations = re.findall(r"location ~ \^/kg/(\S+)\$ \{\n(?:.*\n)*?    return 303 /kg/(\S+);", nginx)
    iris = published_iris(project / "dist")
    assert BASE + "graph/source/undated-2021" in iris
    for iri in sorted(iris):
        path = iri[len(BASE) :].split("#")[0]
        for accept, extension in ((TURTLE, "ttl"), (HTML, "html")):
            served = apache_get(site, rules, path, accept)
            assert served.is_file(), (iri, accept, served)
            if served.relative_to(site).parts[0] == "doc":
                assert served.suffix == "." + extension, (iri, served)
                if extension == "ttl":
                    assert mentions(served.read_bytes(), iri), iri
                # nginx sends the same resources to the same documents
                targets = [
                    re.sub(r"\$(\d)", lambda m, x=x: x.group(int(m.group(1))), target)
                    for pattern, target in locations
                    if (x := re.fullmatch(pattern, path))
                ]
                assert [t.replace("$agkg_ext", extension) for t in targets] == [
                    str(served.relative_to(site))
                ], (iri, targets)
            else:  # a document itself (a dump, the home page), served as the file
                assert served.relative_to(site).parts[0] in ("dumps", "index.html"), (iri, served)


# --- links, validators and conditional requests ---------------------------------------------------


def test_a_resource_links_to_its_documents(server: Running) -> None:
    status, headers, _ = server.request("/id/northern-front", {"Accept": TURTLE})
    assert status == 303
    link = headers["link"]
    assert '<../doc/id/northern-front.ttl>; rel="describedby"; type="text/turtle"' in link
    assert '<../doc/id/northern-front.html>; rel="describedby"; type="text/html"' in link


@pytest.mark.parametrize(
    ("path", "accept", "link"),
    [
        ("/doc/id/northern-front.ttl", None, '<northern-front.html>; rel="alternate"; type="text/html"'),
        ("/doc/id/northern-front.html", None, '<../../id/northern-front>; rel="describes"'),
        ("/doc/graph/source/dated-2021.nt", None, '<../../../graph/source/dated-2021>; rel="describes"'),
        ("/doc/dataset.jsonld", None, '<../dataset>; rel="describes"'),
        ("/dumps/dataset.nq", None, '<../.well-known/void>; rel="describedby"; type="text/turtle"'),
        ("/.well-known/void", TURTLE, '<../doc/dataset.html>; rel="alternate"; type="text/html"'),
        ("/.well-known/void", "application/n-triples", '<../dataset>; rel="describes"'),
        ("/", None, '<.well-known/void>; rel="describedby"; type="text/turtle"'),
        ("/doc/ontology.html", None, '<../dumps/ontology.ttl>; rel="alternate"; type="text/turtle"'),
        ("/static/agkg.css", None, None),
    ],
)
def test_documents_carry_links_and_validators_and_answer_conditional_requests(
    project: Path, server: Running, path: str, accept: str | None, link: str | None
) -> None:
    asked = {"Accept": accept} if accept else {}
    status, headers, body = server.request(path, asked)
    assert status == 200
    if link is not None:
        assert link in headers["link"]
    etag = headers["etag"]
    assert etag == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'  # from the bytes alone
    # the publication's time, or a later change of agkg's page code
    published = max(p.stat().st_mtime for p in (project / "dist").iterdir() if p.is_file())
    assert parsedate_to_datetime(headers["last-modified"]).timestamp() >= int(published)

    for conditions in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": headers["last-modified"]},
    ):
        status, again, body304 = server.request(path, {**asked, **conditions})
        assert status == 304 and body304 == b"", conditions
        assert again["etag"] == etag
    for conditions in (
        {"If-None-Match": '"other"'},
        {"If-Modified-Since": formatdate(published - 3600, usegmt=True)},
        {"If-None-Match": '"other"', "If-Modified-Since": headers["last-modified"]},  # the tag decides
        {"If-Modified-Since": "not a date"},
    ):
        status, _, again_body = server.request(path, {**asked, **conditions})
        assert status == 200 and again_body == body, conditions


def test_entity_tags_differ_between_formats_and_survive_a_restart(project: Path, server: Running) -> None:
    tags = {}
    for accept in (TURTLE, "application/ld+json"):
        _, headers, _ = server.request("/.well-known/void", {"Accept": accept})
        tags[accept] = headers["etag"]
        assert "Accept" in headers["vary"]
    assert len(set(tags.values())) == 2
    _, first, _ = server.request("/doc/id/northern-front.html")
    with running_server(project) as restarted:
        _, second, _ = restarted.request("/doc/id/northern-front.html")
        _, void, _ = restarted.request("/.well-known/void", {"Accept": TURTLE})
    assert first["etag"] == second["etag"] and first["last-modified"] == second["last-modified"]
    assert void["etag"] == tags[TURTLE]


def test_not_modified() -> None:
    assert not_modified({"if-none-match": '"a", "b"'}, '"b"', None)
    assert not not_modified({"if-none-match": '"a"'}, '"b"', 0.0)
    assert not_modified({"if-modified-since": "Thu, 01 Jan 1970 00:00:10 GMT"}, '"b"', 10.9)
    assert not not_modified({"if-modified-since": "Thu, 01 Jan 1970 00:00:10 GMT"}, '"b"', 11.0)
    assert not not_modified({"if-modified-since": "Thu, 01 Jan 1970 00:00:10 GMT"}, '"b"', None)
    assert not not_modified({}, '"b"', 0.0)
