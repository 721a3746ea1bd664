"""The static site written by ``agkg publish --site``: every page and RDF file, working links,
and the web-server configuration for content negotiation."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import DATASET

from agkg.cli import cli
from agkg.site import negotiate

BASE = "https://w3id.org/agkg/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = Path(__file__).resolve().parents[1]
    corpus = (repo.parent / "shared" / "corpus").resolve()
    out = tmp_path_factory.mktemp("published")
    result = CliRunner().invoke(
        cli,
        ["--project", str(DATASET), "--corpus", str(corpus), "publish", "--out", str(out), "--site"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert f"{out / 'site'}/" in result.stdout
    return out / "site"


def test_every_resource_has_a_page_and_three_rdf_files(site: Path) -> None:
    triples = set(ox.parse(path=str(site / "dumps" / "dataset.nt"), format=ox.RdfFormat.N_TRIPLES))
    subjects = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    for iri in subjects:
        kind, _, local = iri[len(BASE) :].partition("/")
        if kind in ("prop", ".well-known"):
            # a property's predicates and its novalue restriction: in its property entity's
            # document (the server redirects each predicate to it)
            entity = f"P-{local.rsplit('/', 1)[-1].removeprefix('novalue-')}"
            assert (site / "doc" / "id" / f"{entity}.ttl").is_file(), iri
            assert iri in (site / "doc" / "id" / f"{entity}.nt").read_text(encoding="utf-8"), iri
            continue
        local = local.split("#")[0]
        for extension in ("html", "ttl", "nt", "jsonld"):
            assert (site / "doc" / kind / f"{local}.{extension}").is_file(), (iri, extension)
    iskp = set(ox.parse(path=str(site / "doc/id/iskp.jsonld"), format=ox.RdfFormat.JSON_LD))
    assert {t for t in triples if t.subject == ox.NamedNode(BASE + "id/iskp")} <= iskp


def test_pages_show_the_evidence(site: Path) -> None:
    page = (site / "doc/id/iskp.html").read_text(encoding="utf-8")
    assert "It was founded in January 2015" in page
    assert "Deprecated: Internal inconsistency" in page
    assert "Query" not in page.split("</nav>")[0]  # no query page on a static host


def test_every_relative_link_resolves_to_a_file(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 200
    checked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r'(?:href|src)="([^"]+)"', text):
            parts = urlsplit(target)
            if parts.scheme or target.startswith("#"):
                continue
            path = (page.parent / unquote(parts.path)).resolve()
            if path.is_dir():
                path = path / "index.html"
            if parts.path.endswith(".well-known/void"):
                path = path.with_name("void.ttl")
            assert path.is_file(), (page.relative_to(site), target)
            assert site.resolve() in path.parents
            if parts.fragment and path.suffix == ".html":
                assert f'id="{parts.fragment}"' in path.read_text(encoding="utf-8"), (page, target)
            checked += 1
    assert checked > 1000


def test_web_server_configuration(site: Path) -> None:
    htaccess = (site / ".htaccess").read_text()
    assert "RewriteBase /agkg/" in htaccess
    assert "RewriteCond %{HTTP_ACCEPT} text/turtle" in htaccess
    assert "doc/$1/$2.ttl [R=303,L]" in htaccess
    assert "doc/$1/$2.html [R=303,L]" in htaccess
    assert "AddType application/ld+json .jsonld" in htaccess
    nginx = (site / "nginx.conf").read_text()
    assert "map $http_accept $agkg_ext" in nginx
    assert "return 303 /agkg/doc/$1/$2.$agkg_ext;" in nginx
    assert (site / ".well-known" / "void.ttl").read_bytes() == (site / "dumps" / "void.ttl").read_bytes()


def test_republishing_removes_stale_files(site: Path, tmp_path: Path) -> None:
    from agkg.site import write_site

    (tmp_path / "doc" / "id").mkdir(parents=True)
    stale = tmp_path / "doc" / "id" / "gone.html"
    stale.write_text("old")
    write_site({"index.html": b"new"}, tmp_path)
    assert not stale.exists() and not (tmp_path / "doc").exists()
    assert (tmp_path / "index.html").read_bytes() == b"new"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml, text/turtle;q=0.9, */*;q=0.1", "text/turtle"),
        ("text/*;q=0.5, application/ld+json", "application/ld+json"),
        ("*/*;q=0.1, text/html;q=0", "text/turtle"),
        ("image/png", None),
        ("text/turtle;q=0", None),
    ],
)
def test_negotiate(accept: str | None, expected: str | None) -> None:
    offers = ["text/html", "text/turtle", "application/n-triples", "application/ld+json"]
    assert negotiate(accept, offers) == expected


def test_pages_keep_the_precision_of_dates(site: Path) -> None:
    """A month is published as its first instant with precision 10 (Wikibase's form); pages
    read the precision from the value node and show the month, never the first day."""
    page = (site / "doc/id/iskp.html").read_text(encoding="utf-8")
    assert '<time datetime="2015-01">January 2015</time>' in page
    assert '<time datetime="2018">2018</time>' in page
    assert "2015-01-01" not in page and "1 January 2015" not in page
    values = [p.read_text(encoding="utf-8") for p in (site / "doc" / "value").glob("*.html")]
    assert any("<h1>Time: January 2015</h1>" in v for v in values)
