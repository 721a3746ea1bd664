"""Validation in bounded pieces (issue 18) gives the results of validating everything at once.

A full build's focus nodes are cut into pieces, each validated on the triples its shapes read
(agkg.build.regions); these tests compare that with one whole run, field for field, on a
generated 100k-triple project with mistakes put in for the rules that read beyond the focus
node, and on every case of the shape suite cut as small as it goes.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from bench_modules import load_bench
from rdflib.compare import isomorphic
from rdflib.namespace import SH
from test_validation_shapes import case_names, load_case, ontology

from agkg.build import regions, validation
from agkg.build.graph import BuiltDataset, build_dataset
from agkg.build.ontology import load_vocabulary
from agkg.build.regions import plan_pieces, schema_triples
from agkg.build.validation import (
    NTriplesData,
    ValidationReport,
    ValidationResult,
    load_shapes,
    result_order,
    validate_dataset,
    validate_in_pieces,
)
from agkg.config import load_config

REPO = Path(__file__).resolve().parents[1]
WIKIBASE = "http://wikiba.se/ontology#"
RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
BEST_RANK = f"<{WIKIBASE}BestRank>".encode()
RANK = f"<{WIKIBASE}rank>".encode()
PUBLISHED = b"<http://schema.org/datePublished>"
GYEAR = b"http://www.w3.org/2001/XMLSchema#gYear"
EVERYTHING = 10**9  # a piece size no test graph reaches: validated whole


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes(REPO / "shapes", check=False)[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltDataset:
    """The issue's 100k case: a generated project (not the benchmark's seed 7)."""
    folder = tmp_path_factory.mktemp("pieces") / "p100k"
    project = load_bench("generate").generate_project(folder, triples=100_000, seed=13)
    return build_dataset(load_config(project))


def graph_text(built: BuiltDataset) -> bytes:
    """What ``validate_dataset`` validates: the union, then the ontology's schema triples."""
    schema = schema_triples(built.vocabulary.triples)
    return built.ntriples() + (ox.serialize(schema, format=ox.RdfFormat.N_TRIPLES) or b"")


def with_mistakes(text: bytes) -> bytes:
    """Mistakes for the rules that read past their focus node (a statement's subject and its
    siblings, the truthy triples on the subject, the sources of a statement's references): the
    best-rank mark taken off every 7th statement that has it and put on every 5th deprecated
    one, every 11th truthy triple dropped, every other source dated 1900. Kept sorted by
    subject, as a build's text is."""
    lines = text.splitlines(keepends=True)
    marked = [line for line in lines if line.split(b" ")[1:3] == [RDF_TYPE, BEST_RANK]]
    deprecated = sorted(
        {
            line.split(b" ")[0]
            for line in lines
            if line.split(b" ")[1:3] == [RANK, f"<{WIKIBASE}DeprecatedRank>".encode()]
        }
    )
    truthy = [line for line in lines if b"/prop/direct/" in line.split(b" ")[1]]
    published = [line for line in lines if line.split(b" ")[1] == PUBLISHED]
    dropped = set(marked[::7]) | set(truthy[::11]) | set(published[::2])
    added = {b" ".join([subject, RDF_TYPE, BEST_RANK]) + b" .\n" for subject in deprecated[::5]}
    # sources published long before the events they report (a statement's reference's source)
    added |= {
        line.split(b" ")[0] + b" " + PUBLISHED + b' "1900"^^<' + GYEAR + b"> .\n" for line in published[::2]
    }
    assert dropped and added
    return b"".join(sorted((set(lines) - dropped) | added))


def ordered(report: ValidationReport) -> list[ValidationResult]:
    """The results in report order, ties (same position and text) broken by every field."""
    return sorted(report.results, key=lambda r: (result_order(r), r.key()))


def engine_inputs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size (triples) of every data graph handed to the engine from now on."""
    sizes: list[int] = []
    run = validation.run_engine

    def counted(
        data: NTriplesData, shapes: rdflib.Graph, engine: str = "turbo", focus: list[str] | None = None
    ) -> rdflib.Graph:
        sizes.append(data.text.count("\n"))
        return run(data, shapes, engine, focus)

    monkeypatch.setattr(validation, "run_engine", counted)
    return sizes


# ----------------------------------------------------------------------------- the 100k case


def test_the_100k_case_gives_the_same_results_whole_and_in_pieces(
    built: BuiltDataset, shapes: rdflib.Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = with_mistakes(graph_text(built))
    whole = validate_in_pieces(text, shapes, origins=built.origins, piece_triples=EVERYTHING)
    sizes = engine_inputs(monkeypatch)
    pieces = validate_in_pieces(text, shapes, origins=built.origins, piece_triples=30_000)
    assert len(sizes) >= 5
    assert {r.shape.rsplit("#", 1)[-1] for r in whole.results if r.shape} >= {
        "BestRankShape",
        "BestRankTruthyShape",
        "TruthyShape",
        "WikidataMissingShape",
        "EventBeforePublicationShape",
    }
    assert whole.violations > 100
    assert ordered(pieces) == ordered(whole)  # every field, origins included
    assert [result_order(r) for r in pieces.results] == [result_order(r) for r in whole.results]
    assert pieces.conforms == whole.conforms
    assert (
        pieces.report_graph is not None
    )  # one result node per result (the suite's cases compare the graphs)
    assert len(set(pieces.report_graph.subjects(rdflib.RDF.type, SH.ValidationResult))) == len(whole.results)


def test_the_pieces_bound_what_the_engine_holds(
    built: BuiltDataset, shapes: rdflib.Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each piece's region stops growing once it reaches the piece size: the engine's input is
    the size plus at most one node's neighbourhood, a fraction of the whole graph."""
    text = graph_text(built)
    total = text.count(b"\n")
    size = 20_000
    plan = plan_pieces(text, size, *validation._piece_targets(shapes))
    assert plan is not None
    one_node = max(
        len(plan.global_text.splitlines()) + plan._close(term, {}, [])
        for key in plan.keys[:: max(1, len(plan.keys) // 2000)]
        for term in plan.terms[key]
    )
    sizes = engine_inputs(monkeypatch)
    validate_in_pieces(text, shapes, piece_triples=size)
    assert len(sizes) >= total // size
    assert max(sizes) <= size + one_node
    assert max(sizes) < total // 3
    # every node a shape can target is in exactly one piece
    owned = [key for piece in plan.pieces() for key in piece.focus]
    assert sorted(owned) == plan.keys


def test_a_full_build_at_most_one_piece_is_validated_whole_as_before(
    built: BuiltDataset, shapes: rdflib.Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = engine_inputs(monkeypatch)
    report = validate_dataset(built, shapes)
    assert built.counts.triples <= validation.PIECE_TRIPLES
    assert sizes == [len(graph_text(built).splitlines())]
    in_pieces = validate_dataset(built, shapes, piece_triples=40_000)
    assert len(sizes) > 2
    assert ordered(in_pieces) == ordered(report)


def test_a_graph_whose_whole_run_would_not_fit_in_memory_is_validated_in_pieces(
    built: BuiltDataset, shapes: rdflib.Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = validate_dataset(built, shapes)
    triples = len(graph_text(built).splitlines())
    monkeypatch.setattr(validation, "PIECE_TRIPLES", 40_000)
    monkeypatch.setattr(
        validation, "_available_memory", lambda: triples * validation.WHOLE_RUN_BYTES_PER_TRIPLE - 1
    )
    sizes = engine_inputs(monkeypatch)
    in_pieces = validate_dataset(built, shapes)
    assert len(sizes) > 2
    assert max(sizes) < triples
    assert ordered(in_pieces) == ordered(whole)


def test_a_graph_whose_whole_run_fits_is_validated_whole_however_big(
    built: BuiltDataset, shapes: rdflib.Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    triples = len(graph_text(built).splitlines())
    monkeypatch.setattr(validation, "PIECE_TRIPLES", 40_000)
    monkeypatch.setattr(
        validation, "_available_memory", lambda: triples * validation.WHOLE_RUN_BYTES_PER_TRIPLE
    )
    sizes = engine_inputs(monkeypatch)
    validate_dataset(built, shapes)
    assert sizes == [triples]


def test_where_memory_cannot_be_read_pieces_start_above_the_piece_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(validation, "_available_memory", lambda: None)
    assert validation.whole_run_fits(validation.PIECE_TRIPLES)
    assert not validation.whole_run_fits(validation.PIECE_TRIPLES + 1)


def test_the_memory_available_counts_this_process_and_the_system() -> None:
    available = validation._available_memory()
    assert available is not None  # Linux
    rss = int(
        next(
            line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmRSS:")
        ).split()[1]
    )
    assert available > rss * 1024


# ----------------------------------------------------------------------------- the shape suite


def sorted_text(graph: rdflib.Graph) -> bytes:
    triples = ox.parse(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    return ox.serialize(sorted(set(triples), key=str), format=ox.RdfFormat.N_TRIPLES) or b""


@pytest.mark.parametrize("name", case_names())
def test_every_shape_case_gives_the_same_results_in_small_pieces(
    name: str, shapes: rdflib.Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = sorted_text(load_case(name).graph + ontology())
    whole = validate_in_pieces(text, shapes, piece_triples=EVERYTHING)
    sizes = engine_inputs(monkeypatch)
    pieces = validate_in_pieces(text, shapes, piece_triples=SUITE_PIECE)
    assert len(sizes) >= 3
    assert ordered(pieces) == ordered(whole)
    assert whole.report_graph is not None and pieces.report_graph is not None
    assert isomorphic(pieces.report_graph, whole.report_graph)


SUITE_PIECE = 30  # triples (beside the schema): a node or two and their neighbourhoods


# ----------------------------------------------------------------------------- the fallbacks


def test_what_the_split_cannot_place_is_validated_whole(
    shapes: rdflib.Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = sorted_text(load_case("base").graph + ontology())
    sizes = engine_inputs(monkeypatch)
    blank = text + b'_:b <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n'
    validate_in_pieces(blank, shapes, piece_triples=SUITE_PIECE)
    assert sizes == [blank.count(b"\n")]
    targeted = rdflib.Graph() + shapes
    targeted.add((rdflib.URIRef("urn:x:shape"), SH.target, rdflib.BNode()))
    assert validation._piece_targets(targeted) is None


def test_the_regions_module_is_what_the_incremental_build_uses() -> None:
    from agkg.build import incremental

    assert incremental.validation_region is regions.validation_region
    assert validation.schema_triples is regions.schema_triples
    assert schema_triples(load_vocabulary(REPO / "ontology").triples)
