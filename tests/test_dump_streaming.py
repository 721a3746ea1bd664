"""The dataset's dumps streamed through files (issue 18, memory): the same bytes in any piece size.

At a million triples the dumps are written from the N-Quads and N-Triples text read back in
pieces, JSON-LD's nodes and VoID's distinct terms sorted in runs spilled to temporary files,
and TriG grouped through one; none of that may change a byte. Each streaming function is
checked here against the term-by-term writers it must agree with, with pieces small enough
that every run, spill and boundary is exercised.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from bench_modules import load_bench
from test_publishing_speed_equivalence import AWKWARD_IRIS, PREFIXES, random_triples, reference_jsonld

from agkg.build import chunking, publishing
from agkg.build.chunking import file_chunks, text_chunks
from agkg.build.graph import BuiltDataset, build_dataset
from agkg.build.publishing import (
    DUMP_FILES,
    DumpFacts,
    canonical_nquads,
    canonical_ntriples,
    render_dumps,
    trig,
    union_counts_of,
    write_compact_jsonld,
    write_dumps,
    write_sorted_trig,
)
from agkg.config import load_config
from agkg.vocab import RDF, data_prefixes


@pytest.fixture(autouse=True)
def small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sorted runs of a few kilobytes, so that the small data here is spilled and merged."""
    monkeypatch.setattr(publishing, "_RUN_BYTES", 3000)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltDataset:
    project = load_bench("generate").generate_project(
        tmp_path_factory.mktemp("stream") / "p", triples=3000, seed=5
    )
    return build_dataset(load_config(project))


def ntriples_of(triples: list[ox.Triple]) -> bytes:
    return canonical_ntriples(triples)


@pytest.mark.parametrize("size", [1, 2, 97, 4096, 1 << 24])
def test_text_and_file_chunks_end_at_line_ends_and_join_to_the_text(size: int, tmp_path: Path) -> None:
    text = b"".join(f'<http://e/{i}> <http://e/p> "{"x" * (i % 13)}" .\n'.encode() for i in range(200))
    path = tmp_path / "text.nt"
    path.write_bytes(text)
    with path.open("rb") as handle:
        for pieces in (list(text_chunks(text, size)), list(file_chunks(handle, size))):
            assert b"".join(pieces) == text
            assert all(piece.endswith(b"\n") for piece in pieces)
            assert size >= len(text) or len(pieces) > 1


def test_jsonld_nodes_come_out_by_iri_across_pieces_and_runs() -> None:
    # "<a/b>" sorts before "<a>" as a line, after it as an IRI: the node order is not the lines'
    subjects = ["http://e/a", "http://e/a/b", "http://e/a-c", "http://e/a#d", "http://e/ab", "http://e/a/b/c"]
    subjects += [f"http://e/a/{i}" for i in range(40)] + [f"http://e/a#{i}" for i in range(40)]
    triples = [
        ox.Triple(ox.NamedNode(s), ox.NamedNode(f"http://e/p{j}"), ox.Literal(f"{s} {j}"))
        for s in subjects
        for j in range(3)
    ]
    text = ntriples_of(triples)
    expected = reference_jsonld(triples, PREFIXES)
    for size in (1, 50, 400, 1 << 20):
        out = io.BytesIO()
        write_compact_jsonld(lambda size=size: text_chunks(text, size), PREFIXES, out)  # type: ignore[misc]
        assert out.getvalue() == expected, size


@pytest.mark.parametrize("seed", range(3))
def test_jsonld_and_union_counts_in_one_pass_match_the_term_writers(seed: int) -> None:
    triples = sorted(set(random_triples(seed, 400)), key=str)
    rng = random.Random(seed)
    triples += [ox.Triple(ox.NamedNode(rng.choice(AWKWARD_IRIS)), RDF.type, ox.NamedNode("http://e/C"))]
    triples = sorted(set(triples), key=str)
    text = ntriples_of(triples)
    for prefixes in (PREFIXES, {}):
        for size in (1000, 1 << 20):  # 1000 bytes: about a hundred runs each
            out = io.BytesIO()
            counts = write_compact_jsonld(lambda size=size: text_chunks(text, size), prefixes, out)  # type: ignore[misc]
            assert out.getvalue() == reference_jsonld(triples, prefixes)
            assert counts == union_counts_of(text_chunks(text, size))
            assert counts.triples == len(triples)
            assert counts.subjects == len({t.subject for t in triples})
            assert counts.properties == len({t.predicate for t in triples})
            assert counts.objects == len({t.object for t in triples})
            types = Counter(
                t.object.value
                for t in triples
                if t.predicate == RDF.type and isinstance(t.object, ox.NamedNode)
            )
            assert counts.classes == dict(types)


def test_jsonld_of_unusual_triples_falls_back_to_the_general_writer() -> None:
    triples = sorted(set(random_triples(3, 200)), key=str)
    late = ox.Literal("x", language="ar", direction=ox.BaseDirection.RTL)  # after many pieces
    triples.append(ox.Triple(ox.NamedNode("https://w3id.org/agkg/zz"), ox.NamedNode("http://e/p"), late))
    text = ntriples_of(triples)
    out = io.BytesIO()
    out.write(b"before")
    counts = write_compact_jsonld(lambda: text_chunks(text, 100), PREFIXES, out)
    assert out.getvalue() == b"before" + reference_jsonld(triples, PREFIXES)
    assert counts.triples == len(triples)


@pytest.mark.parametrize("held", [1, 500, 1 << 25])
def test_trig_grouped_through_a_spill_file_is_the_term_writers(
    built: BuiltDataset, held: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publishing, "_TRIG_HELD", held)
    prefixes = data_prefixes(built.iris.base)
    out = io.BytesIO()
    write_sorted_trig(text_chunks(built.nquads, 700), prefixes, out)
    assert out.getvalue() == trig(built.quads, prefixes)


def test_dump_facts_from_pieces_are_those_of_the_whole_text(built: BuiltDataset) -> None:
    whole, pieces = DumpFacts(sizes={}), DumpFacts(sizes={})
    whole.read_ntriples(built.ntriples(), built.iris.base)
    pieces.read_ntriples_chunks(text_chunks(built.ntriples(), 300), built.iris.base)
    assert pieces == whole
    assert whole.latest_date and len(whole.examples) == 2 and whole.wikidata_links > 0


def reference_files(built: BuiltDataset) -> dict[str, bytes]:
    """The dataset's files as the term-by-term writers make them, all in memory."""
    prefixes = data_prefixes(built.iris.base)
    triples, quads = built.triples(), built.quads
    return {
        "dataset.ttl": ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b"",
        "dataset.trig": trig(quads, prefixes),
        "dataset.nt": canonical_ntriples(triples),
        "dataset.nq": canonical_nquads(quads),
        "dataset.jsonld": reference_jsonld(triples, prefixes),
    }


def test_dumps_in_small_pieces_are_the_same_bytes_and_let_go_of_the_nquads(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate = load_bench("generate")
    project = generate.generate_project(tmp_path_factory.mktemp("pieces") / "p", triples=2000, seed=7)
    whole = build_dataset(load_config(project))
    expected = reference_files(whole)
    nquads = whole.nquads
    files = render_dumps(whole, whole.vocabulary.triples, [])
    assert {name: files[name] for name in expected} == expected
    assert list(files) == list(DUMP_FILES)

    monkeypatch.setattr(chunking, "TEXT_CHUNK", 1000)  # thousands of pieces, runs and segments
    monkeypatch.setattr(publishing, "_TRIG_HELD", 5000)
    pieces = build_dataset(load_config(project))
    out = tmp_path_factory.mktemp("dist") / "dist"
    written = write_dumps(publishing.dump_producers(pieces, pieces.vocabulary.triples, []), out)
    assert {p.name: (out / p.name).read_bytes() for p in written} == files
    assert {p.name: p.size for p in written} == {name: len(content) for name, content in files.items()}
    assert pieces.nquads == b""  # kept in the published dataset.nq, and read back from it
    assert pieces.read_nquads() == nquads


def test_file_chunks_reads_a_range_in_whole_lines_and_notices_a_short_file(tmp_path: Path) -> None:
    path = tmp_path / "lines.nt"
    lines = [f"<s{n}> <p> {'o' * (n % 7)} .\n".encode() for n in range(200)]
    path.write_bytes(b"".join(lines))
    start = sum(len(line) for line in lines[:50])
    end = start + sum(len(line) for line in lines[50:120])
    with path.open("rb") as handle:
        pieces = list(file_chunks(handle, 64, start, end))
        assert b"".join(pieces) == b"".join(lines[50:120])
        assert all(piece.endswith(b"\n") for piece in pieces) and len(pieces) > 10
        assert b"".join(file_chunks(handle, 64)) == path.read_bytes()
        with pytest.raises(OSError, match="shorter than expected"):
            list(file_chunks(handle, 64, start, path.stat().st_size + 10))
