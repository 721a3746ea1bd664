"""VoID and DCAT: what a LOD-cloud crawler or a data-portal harvester finds about the dataset
(issue 16), in the published void.ttl and in the served one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from linked_project import BASE, Running, make_project, publish, running_server

from agkg.cli import cli

PREFIXES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
DATASET = rdflib.URIRef(BASE + "dataset")
SETTINGS = (
    'publisher = "https://example.org/people/analysts"\n'
    'creator = "Example Analysts"\n'
    'license = "https://creativecommons.org/licenses/by-sa/4.0/"\n'
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = make_project(tmp_path_factory.mktemp("void") / "project", SETTINGS)
    publish(folder)
    return folder


def graph_of(content: bytes) -> rdflib.Graph:
    return rdflib.Graph().parse(data=content, format="turtle")


def values(graph: rdflib.Graph, query: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in graph.query(PREFIXES + query)]  # type: ignore[arg-type]


def test_the_dataset_is_a_dcat_dataset_with_a_distribution_per_dump(project: Path) -> None:
    void = graph_of((project / "dist" / "void.ttl").read_bytes())
    rows = values(
        void,
        """SELECT ?url ?media ?size WHERE {
             ?catalog a dcat:Catalog ; dcat:dataset ?dataset .
             ?dataset a dcat:Dataset, void:Dataset ; dcat:distribution ?d .
             ?d a dcat:Distribution ; dcat:downloadURL ?url ; dcat:mediaType ?media ; dcat:byteSize ?size .
           }""",
    )
    found = {str(url): (str(media), int(size)) for url, media, size in rows}  # type: ignore[call-overload]
    media_types = {
        "ttl": "text/turtle",
        "nt": "application/n-triples",
        "nq": "application/n-quads",
        "trig": "application/trig",
        "jsonld": "application/ld+json",
    }
    expected = {
        f"{BASE}dumps/dataset.{ext}": (
            f"https://www.iana.org/assignments/media-types/{media}",
            (project / "dist" / f"dataset.{ext}").stat().st_size,
        )
        for ext, media in media_types.items()
    }
    assert found == expected


def test_publisher_creator_and_licence_come_from_the_settings(project: Path) -> None:
    void = graph_of((project / "dist" / "void.ttl").read_bytes())
    rows = values(
        void,
        f"""SELECT ?publisher ?name ?licence WHERE {{
              <{DATASET}> dcterms:publisher ?publisher ; dcterms:creator [ foaf:name ?name ] ;
                          dcterms:license ?licence .
            }}""",
    )
    assert [tuple(map(str, row)) for row in rows] == [
        (
            "https://example.org/people/analysts",
            "Example Analysts",
            "https://creativecommons.org/licenses/by-sa/4.0/",
        )
    ]
    for distribution in void.objects(DATASET, rdflib.URIRef("http://www.w3.org/ns/dcat#distribution")):
        assert (
            str(void.value(distribution, rdflib.DCTERMS.license))
            == "https://creativecommons.org/licenses/by-sa/4.0/"
        )


def test_dates_come_from_the_data_and_the_file_is_byte_stable(project: Path) -> None:
    first = (project / "dist" / "void.ttl").read_bytes()
    void = graph_of(first)
    # the latest source date: published 2021-09-03 (the other is not before 2021-08-26)
    assert void.value(DATASET, rdflib.DCTERMS.modified) == rdflib.Literal(
        "2021-09-03", datatype=rdflib.XSD.date
    )
    assert void.value(DATASET, rdflib.DCTERMS.issued) == rdflib.Literal(
        "2021-09-03", datatype=rdflib.XSD.date
    )
    publish(project, "--full")
    assert (project / "dist" / "void.ttl").read_bytes() == first


def test_configured_release_dates_are_used(tmp_path: Path) -> None:
    folder = make_project(tmp_path / "project", 'issued = 2021-10-01\nmodified = "2022-01-15"\n')
    publish(folder)
    void = graph_of((folder / "dist" / "void.ttl").read_bytes())
    assert void.value(DATASET, rdflib.DCTERMS.issued) == rdflib.Literal(
        "2021-10-01", datatype=rdflib.XSD.date
    )
    assert void.value(DATASET, rdflib.DCTERMS.modified) == rdflib.Literal(
        "2022-01-15", datatype=rdflib.XSD.date
    )
    # default licence and agents
    assert str(void.value(DATASET, rdflib.DCTERMS.license)) == "https://creativecommons.org/licenses/by/4.0/"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('license = "CC BY 4.0"\n', "license 'CC BY 4.0' must be the absolute http(s) IRI"),
        ('modified = "2021-02-30"\n', "modified '2021-02-30' must be a date, YYYY-MM-DD"),
        ('issued = "August 2021"\n', "issued 'August 2021' must be a date"),
    ],
)
def test_bad_catalogue_settings_are_refused(tmp_path: Path, setting: str, message: str) -> None:
    folder = make_project(tmp_path / "project", setting)
    result = CliRunner().invoke(cli, ["--project", str(folder), "publish"], catch_exceptions=False)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (folder / "dist").exists()


def test_links_to_wikidata_are_a_linkset_and_examples_are_described(project: Path) -> None:
    void = graph_of((project / "dist" / "void.ttl").read_bytes())
    rows = values(
        void,
        f"""SELECT ?links ?uriSpace WHERE {{
              <{DATASET}> void:subset ?linkset .
              ?linkset a void:Linkset ; void:linkPredicate owl:sameAs ; void:triples ?links ;
                       void:subjectsTarget <{DATASET}> ; void:objectsTarget [ void:uriSpace ?uriSpace ] .
            }}""",
    )
    assert [(int(links), str(space)) for links, space in rows] == [(2, "http://www.wikidata.org/entity/")]  # type: ignore[call-overload]
    data = rdflib.Graph().parse(project / "dist" / "dataset.nt", format="nt")
    examples = list(void.objects(DATASET, rdflib.VOID.exampleResource))
    assert examples
    assert all((example, None, None) in data for example in examples)


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Running]:
    with running_server(project) as running:
        yield running


def test_the_served_void_names_the_sparql_endpoint(server: Running) -> None:
    status, _, body = server.request("/.well-known/void", {"Accept": "text/turtle"})
    assert status == 200
    void = graph_of(body)
    endpoint = rdflib.URIRef(BASE + "sparql")
    assert void.value(DATASET, rdflib.VOID.sparqlEndpoint) == endpoint
    rows = values(
        void,
        f"""SELECT ?service WHERE {{
              ?service a dcat:DataService ; dcat:endpointURL <{endpoint}> ; dcat:servesDataset <{DATASET}> .
              ?catalog a dcat:Catalog ; dcat:service ?service .
            }}""",
    )
    assert len(rows) == 1
    # the endpoint answers where the VoID says, under the server's root
    status, headers, _ = server.request(
        "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}
    )
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+json")


def test_the_published_void_names_no_endpoint(project: Path) -> None:
    """A static host cannot answer queries: only a served VoID has an endpoint."""
    void = graph_of((project / "dist" / "void.ttl").read_bytes())
    assert void.value(DATASET, rdflib.VOID.sparqlEndpoint) is None
