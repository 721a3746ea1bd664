"""`agkg publish`: every dump is written, parses with two independent parsers to the same
graph, is byte-identical run after run, and follows the Wikidata-style model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import Result
from conftest import DATASET
from rdflib.compare import isomorphic

from agkg.build.graph import build_dataset
from agkg.build.publishing import DUMP_FILES, QUERY_STORE
from agkg.config import load_config
from agkg.sparql.query import store_from_built

WIKIBASE = "http://wikiba.se/ontology#"
AGKG = "https://w3id.org/agkg/ontology#"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, repo: Path, corpus: Path) -> Path:
    """The bundled project published once into a temporary folder."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "agkg", "--project", str(DATASET), "--corpus", str(corpus), "-q",
         "publish", "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def oxigraph_triples(path: Path, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=fmt)}


def test_publish_writes_every_file(published: Path) -> None:
    assert sorted(p.name for p in published.iterdir()) == sorted([*DUMP_FILES, QUERY_STORE])
    assert all((published / name).stat().st_size > 0 for name in DUMP_FILES)


@pytest.mark.parametrize(
    ("name", "ox_format", "rdflib_format"),
    [
        ("dataset.ttl", ox.RdfFormat.TURTLE, "turtle"),
        ("dataset.nt", ox.RdfFormat.N_TRIPLES, "nt"),
        ("dataset.jsonld", ox.RdfFormat.JSON_LD, "json-ld"),
    ],
)
def test_dumps_parse_to_the_same_graph_with_both_parsers(
    published: Path, name: str, ox_format: ox.RdfFormat, rdflib_format: str
) -> None:
    reference = rdflib.Graph().parse(published / "dataset.nt", format="nt")
    ours = rdflib.Graph().parse(published / name, format=rdflib_format)
    assert isomorphic(ours, reference)
    assert oxigraph_triples(published / name, ox_format) == oxigraph_triples(
        published / "dataset.nt", ox.RdfFormat.N_TRIPLES
    )
    assert len(reference) > 1000


def test_trig_and_nquads_hold_one_graph_per_source_and_match(published: Path) -> None:
    trig = set(ox.parse(path=str(published / "dataset.trig"), format=ox.RdfFormat.TRIG))
    nquads = set(ox.parse(path=str(published / "dataset.nq"), format=ox.RdfFormat.N_QUADS))
    assert trig == nquads
    graphs = {q.graph_name.value for q in trig if isinstance(q.graph_name, ox.NamedNode)}
    assert graphs == {
        "https://w3id.org/agkg/graph/entities",
        "https://w3id.org/agkg/graph/properties",
        "https://w3id.org/agkg/graph/source/siddiqui-2021",
        "https://w3id.org/agkg/graph/source/what-is-isis-k-2021",
        "https://w3id.org/agkg/graph/source/jadoon-mines-2021",
    }
    rdflib_dataset = rdflib.Dataset()
    rdflib_dataset.parse(published / "dataset.trig", format="trig")
    assert len(list(rdflib_dataset.quads())) == len(trig)
    union = {ox.Triple(q.subject, q.predicate, q.object) for q in trig}
    assert union == oxigraph_triples(published / "dataset.ttl", ox.RdfFormat.TURTLE)


def test_jsonld_is_compact_with_a_local_context(published: Path) -> None:
    document = json.loads((published / "dataset.jsonld").read_text(encoding="utf-8"))
    assert isinstance(document["@context"], dict)
    assert document["@context"]["agkg"] == AGKG
    assert all(node["@id"].split(":")[0] in document["@context"] for node in document["@graph"])


def test_ontology_shapes_and_void_parse(published: Path) -> None:
    ontology = rdflib.Graph().parse(published / "ontology.ttl")
    assert (rdflib.URIRef("https://w3id.org/agkg/ontology"), rdflib.RDF.type, rdflib.OWL.Ontology) in ontology
    shapes = rdflib.Graph().parse(published / "shapes.ttl")
    assert (
        len(list(shapes.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#NodeShape"))))
        >= 5
    )
    void = rdflib.Graph().parse(published / "void.ttl")
    dataset = rdflib.URIRef("https://w3id.org/agkg/dataset")
    triples = int(void.value(dataset, rdflib.URIRef("http://rdfs.org/ns/void#triples")))  # type: ignore[arg-type]
    assert triples == len(rdflib.Graph().parse(published / "dataset.nt", format="nt"))


def test_publishing_twice_and_under_other_hash_seeds_is_byte_identical(
    published: Path, tmp_path: Path, repo: Path, corpus: Path
) -> None:
    for seed in ("1", "4242"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "agkg", "--project", str(DATASET), "--corpus", str(corpus), "-q",
             "publish", "--out", str(out)],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        for name in DUMP_FILES:
            assert (out / name).read_bytes() == (published / name).read_bytes(), name


def test_no_blank_nodes_in_the_data(published: Path) -> None:
    for triple in oxigraph_triples(published / "dataset.nt", ox.RdfFormat.N_TRIPLES):
        assert not isinstance(triple.subject, ox.BlankNode)
        assert not isinstance(triple.object, ox.BlankNode)


def test_base_iri_is_configurable(project: Path, run_agkg: Callable[..., Result]) -> None:
    out = project / "out"
    result = run_agkg("--project", project, "--base", "https://example.org/ag/", "publish", "--out", out)
    assert result.exit_code == 0, result.stderr
    subjects = {t.subject.value for t in oxigraph_triples(out / "dataset.nt", ox.RdfFormat.N_TRIPLES)}
    assert "https://example.org/ag/id/iskp" in subjects
    assert not any(s.startswith("https://w3id.org/agkg/id/") for s in subjects)


def test_a_bad_base_iri_is_refused(project: Path, run_agkg: Callable[..., Result]) -> None:
    result = run_agkg("--project", project, "--base", "not an iri", "build")
    assert result.exit_code == 2
    assert "base IRI 'not an iri' must start with http://" in result.stderr


@pytest.fixture(scope="module")
def store(repo: Path, corpus: Path) -> ox.Store:
    """The bundled dataset in a query store, as `agkg query` sees it."""
    return store_from_built(build_dataset(load_config(DATASET, {"corpus": str(corpus)})))


class TestModel:
    """The Wikidata-style statement model on the built dataset."""

    def ask(self, store: ox.Store, where: str) -> list[dict[str, str]]:
        prefixes = (
            f"PREFIX agkg: <{AGKG}> PREFIX p: <https://w3id.org/agkg/prop/> "
            "PREFIX ps: <https://w3id.org/agkg/prop/statement/> "
            "PREFIX psv: <https://w3id.org/agkg/prop/statement/value/> "
            "PREFIX pq: <https://w3id.org/agkg/prop/qualifier/> "
            "PREFIX pr: <https://w3id.org/agkg/prop/reference/> "
            "PREFIX wdt: <https://w3id.org/agkg/prop/direct/> "
            f"PREFIX wikibase: <{WIKIBASE}> PREFIX prov: <http://www.w3.org/ns/prov#> "
            "PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX id: <https://w3id.org/agkg/id/> "
        )
        solutions = store.query(prefixes + where)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]

    def test_merged_statement_has_a_reference_per_source(self, store: ox.Store) -> None:
        rows = self.ask(
            store,
            """
            SELECT ?st (COUNT(DISTINCT ?source) AS ?n) WHERE {
              id:iskp p:inception ?st . ?st ps:inception "2015-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ;
                  psv:inception/wikibase:timePrecision 10 ;
                  prov:wasDerivedFrom ?ref . ?ref pr:statedIn ?source } GROUP BY ?st""",
        )
        assert len(rows) == 1 and rows[0]["n"] == "2"

    def test_deprecated_statement_is_kept_but_not_truthy(self, store: ox.Store) -> None:
        rows = self.ask(
            store,
            """
            SELECT ?value ?reason ?better WHERE {
              id:iskp p:inception ?st . ?st wikibase:rank wikibase:DeprecatedRank ;
                  ps:inception ?value ; pq:rankReason ?reason ; agkg:betterSupportedBy ?better }""",
        )
        assert [r["value"] for r in rows] == ["2018-01-01T00:00:00Z"]
        assert "Internal inconsistency" in rows[0]["reason"]
        truthy = self.ask(store, "SELECT ?v WHERE { id:iskp wdt:inception ?v }")
        assert [r["v"] for r in truthy] == ["2015-01-01T00:00:00Z"]
        assert rows[0]["better"].startswith("https://w3id.org/agkg/statement/iskp-inception-")

    def test_truthy_triples_are_exactly_the_best_ranked_statements(self, store: ox.Store) -> None:
        missing = self.ask(
            store,
            """
            SELECT ?s ?st WHERE { ?s ?p ?st . ?st a wikibase:BestRank ; ?ps ?v .
              ?property wikibase:claim ?p ; wikibase:statementProperty ?ps ; wikibase:directClaim ?claim .
              FILTER NOT EXISTS { ?s ?claim ?v } }""",
        )
        assert missing == []
        best = self.ask(
            store,
            """
            SELECT (COUNT(DISTINCT ?st) AS ?n) WHERE { ?s ?p ?st . ?st a wikibase:BestRank .
              ?property wikibase:claim ?p }""",
        )
        assert int(best[0]["n"]) > 50, "the join through the property entities must match the best statements"
        deprecated_truthy = self.ask(
            store,
            """
            SELECT ?s ?st WHERE { ?s ?p ?st . ?st wikibase:rank wikibase:DeprecatedRank ; ?ps ?v .
              ?property wikibase:claim ?p ; wikibase:statementProperty ?ps ; wikibase:directClaim ?claim .
              ?s ?claim ?v . FILTER NOT EXISTS { ?other a wikibase:BestRank . ?s ?p ?other . ?other ?ps ?v } }""",
        )
        assert deprecated_truthy == []

    def test_references_carry_quote_and_position_selectors(self, store: ox.Store, corpus: Path) -> None:
        rows = self.ask(
            store,
            """
            SELECT ?exact ?prefix ?start ?end WHERE {
              ?ref oa:hasSelector ?q, ?p . ?q a oa:TextQuoteSelector ; oa:exact ?exact ; oa:prefix ?prefix .
              ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
              FILTER(?exact = "It was founded in January 2015") }""",
        )
        assert len(rows) == 1
        text = (corpus / "000_e79d1eb089dba4fc.txt").read_text(encoding="utf-8")
        start, end = int(rows[0]["start"]), int(rows[0]["end"])
        assert text[start:end] == rows[0]["exact"]
        assert text[:start].endswith(rows[0]["prefix"])

    def test_attributed_claims_name_who_said_them(self, store: ox.Store) -> None:
        rows = self.ask(
            store,
            """
            SELECT DISTINCT ?who WHERE { ?ref pr:attributedTo ?who } ORDER BY ?who""",
        )
        who = {r["who"].rsplit("/", 1)[-1] for r in rows}
        assert {"sajjan-gohel", "unnamed-analysts", "jadoon-mines-2021"} <= who


def test_no_wikidata_vocabulary_about_agkg_things(published: Path) -> None:
    """Regression (issue 13): agkg asserted Wikidata predicates on its own subjects (33
    ``wdt:P31 wd:Q43229`` and others, some pointing at agkg objects). Links to Wikidata are now
    mapping links only: ``owl:sameAs`` from an item to its verified Wikidata item, and
    ``skos:exactMatch`` from a property entity to its verified Wikidata property."""
    triples = oxigraph_triples(published / "dataset.ttl", ox.RdfFormat.TURTLE)
    wikidata = ("http://www.wikidata.org/prop/", "http://www.wikidata.org/entity/P")
    assert [t for t in triples if t.predicate.value.startswith(wikidata)] == []
    to_wikidata = {
        (t.subject.value.rsplit("/", 1)[-1], t.predicate.value, t.object.value.rsplit("/", 1)[-1])
        for t in triples
        if isinstance(t.object, ox.NamedNode) and t.object.value.startswith("http://www.wikidata.org/")
    }
    predicates = {p for _, p, _ in to_wikidata}
    # value-model items Wikibase itself uses (calendar, unit "1", currencies) besides the mappings
    assert predicates <= {
        "http://www.w3.org/2002/07/owl#sameAs",
        "http://www.w3.org/2004/02/skos/core#exactMatch",
        "http://www.w3.org/2004/02/skos/core#closeMatch",
        "http://wikiba.se/ontology#timeCalendarModel",
        "http://wikiba.se/ontology#quantityUnit",
    }
    assert ("P-inception", "http://www.w3.org/2004/02/skos/core#exactMatch", "P571") in to_wikidata
    assert ("islamic-state", "http://www.w3.org/2002/07/owl#sameAs", "Q2429253") in to_wikidata
