"""The byte-offset functions an incremental publish patches its dumps with, against the same
operations on a list of lines (``bisect``, filtering, merging)."""

from __future__ import annotations

import bisect
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agkg.build import splicing
from agkg.build.incremental import _patched_blocks, _patched_jsonld, _turtle_blocks
from agkg.build.publishing import compact_jsonld_from_ntriples
from agkg.build.splicing import (
    Spliced,
    TextFile,
    bisect_text,
    count_lines,
    has_line_starting,
    line_at,
    run_of,
    spans_ending,
    splice,
    windows,
)
from agkg.vocab import RDF, data_prefixes

# short lines over a small alphabet: many shared prefixes, equal heads and empty-ish lines
_line = st.text(alphabet="ab <>.", max_size=6).map(lambda s: s.encode() + b"\n")
_lines = st.lists(_line, max_size=30, unique=True).map(sorted)


def _offsets(lines: list[bytes]) -> list[int]:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


@given(_lines, st.binary(max_size=7))
def test_bisect_text_is_bisect_left_on_the_lines(lines: list[bytes], key: bytes) -> None:
    text = b"".join(lines)
    offsets = _offsets(lines)
    assert bisect_text(text, key) == offsets[bisect.bisect_left(lines, key)]


@given(_lines, st.binary(max_size=7), st.data())
def test_bisect_text_within_bounds(lines: list[bytes], key: bytes, data: st.DataObject) -> None:
    offsets = _offsets(lines)
    lo = data.draw(st.integers(0, len(lines)))
    hi = data.draw(st.integers(lo, len(lines)))
    found = bisect_text(b"".join(lines), key, offsets[lo], offsets[hi])
    assert found == offsets[bisect.bisect_left(lines, key, lo, hi)]


def test_bisect_text_on_known_lines() -> None:
    text = b"a\nb b\nc\n"
    assert [bisect_text(text, k) for k in (b"", b"a\n", b"b", b"b b\n", b"b c", b"c\n", b"d")] == [
        0,
        0,
        2,
        2,
        6,
        6,
        8,
    ]


@given(_lines, st.text(alphabet="ab <", max_size=3).map(str.encode))
def test_run_of_is_the_lines_starting_with_the_head(lines: list[bytes], head: bytes) -> None:
    text = b"".join(lines)
    start, end = run_of(text, head)
    assert text[start:end] == b"".join(line for line in lines if line.startswith(head))
    assert has_line_starting(text, head) == any(line.startswith(head) for line in lines)
    assert start == _offsets(lines)[bisect.bisect_left(lines, head)]


def test_line_at() -> None:
    text = b"ab\ncd\n"
    assert [line_at(text, 0), line_at(text, 3), line_at(text, 6)] == [b"ab\n", b"cd\n", b""]


@given(_lines, st.sampled_from([b" <g> .\n", b"b\n", b"\n", b".\n"]))
def test_spans_ending_are_the_lines_with_that_end(lines: list[bytes], suffix: bytes) -> None:
    text = b"".join(lines)
    spans = spans_ending(text, suffix)
    assert [text[a:b] for a, b in spans] == [line for line in lines if line.endswith(suffix)]


def test_spans_ending_on_known_lines() -> None:
    text = b"x <g> .\ny <h> .\nz <g> .\n"
    assert spans_ending(text, b" <g> .\n") == [(0, 8), (16, 24)]


@given(_lines, _lines, st.data())
def test_splice_is_removing_and_merging_lines(
    old: list[bytes], new: list[bytes], data: st.DataObject
) -> None:
    """Remove some lines and merge others in at the offsets ``bisect_text`` gives: the same
    as filtering and sorting the list."""
    gone = data.draw(st.sets(st.sampled_from(old))) if old else set()
    added = [line for line in new if line not in old]
    text = b"".join(old)
    offsets = _offsets(old)
    removed = [(offsets[i], offsets[i + 1]) for i, line in enumerate(old) if line in gone]
    inserted = [(bisect_text(text, line), line) for line in added]
    expected = sorted([line for line in old if line not in gone] + added)
    assert splice(text, removed, inserted) == b"".join(expected)


def test_splice_on_known_text() -> None:
    text = b"a\nc\ne\n"
    assert splice(text, [(2, 4)], [(2, b"b\n"), (4, b"d\n"), (6, b"f\n"), (0, b"0\n")]) == (
        b"0\na\nb\nd\ne\nf\n"
    )
    assert splice(text, [], []) == text
    with pytest.raises(ValueError, match="overlapping"):
        splice(text, [(0, 4), (2, 6)], [])


# --------------------------------------------------------------------------- texts in files
# An incremental publish reads the last publication's dumps from their files in small pieces
# (``TextFile``) and writes the new ones from the old files' ranges and the changes
# (``Spliced``): tiny blocks and windows here, so that every piece boundary is crossed.


@contextlib.contextmanager
def _in_file(text: bytes) -> Iterator[TextFile]:
    with (
        tempfile.TemporaryDirectory() as folder,
        mock.patch.object(splicing, "_BLOCK", 4),
        mock.patch.object(splicing, "_BLOCKS_KEPT", 2),
        mock.patch.object(splicing, "WINDOW", 8),
    ):
        path = Path(folder) / "text"
        path.write_bytes(text)
        opened = TextFile(path)
        try:
            yield opened
        finally:
            opened.close()


@given(_lines, st.binary(max_size=7), st.data())
def test_a_text_file_answers_as_its_bytes(lines: list[bytes], key: bytes, data: st.DataObject) -> None:
    text = b"".join(lines)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(0, len(text)))
    with _in_file(text) as file:
        assert len(file) == len(text)
        assert file[a:b] == text[a:b]
        assert file.find(key, a, b) == text.find(key, a, b)
        assert file.rfind(key, a, b) == text.rfind(key, a, b)
        assert file.find(key, a) == text.find(key, a)
        assert bisect_text(file, key) == bisect_text(text, key)
        assert run_of(file, key) == run_of(text, key)
        assert count_lines(file) == len(lines)
        pieces = list(windows(file))
        assert b"".join(piece for _, piece in pieces) == text
        assert all(piece.endswith(b"\n") and text.startswith(piece, at) for at, piece in pieces)
        for suffix in (b"b\n", b"\n", b".\n"):
            assert spans_ending(file, suffix) == spans_ending(text, suffix)


@given(_lines, _lines, st.data())
def test_spliced_file_is_the_spliced_text(old: list[bytes], new: list[bytes], data: st.DataObject) -> None:
    """A ``Spliced`` file written, read in pieces and searched by line heads is the text that
    removing and merging lines in a list gives."""
    gone = data.draw(st.sets(st.sampled_from(old))) if old else set()
    added = [line for line in new if line not in old]
    text = b"".join(old)
    offsets = _offsets(old)
    removed = [(offsets[i], offsets[i + 1]) for i, line in enumerate(old) if line in gone]
    expected_lines = sorted([line for line in old if line not in gone] + added)
    expected = b"".join(expected_lines)
    head = data.draw(st.text(alphabet="ab <", max_size=3).map(str.encode))
    with _in_file(text) as file, tempfile.TemporaryDirectory() as folder:
        spliced = Spliced(file, removed, [(bisect_text(file, line), line) for line in added])
        assert len(spliced) == len(expected)
        assert bytes(spliced) == expected
        assert b"".join(piece for _, piece in spliced.chunks()) == expected
        assert spliced.lines_starting(head) == [line for line in expected_lines if line.startswith(head)]
        written = Path(folder) / "written"
        spliced.write(written)
        assert written.read_bytes() == expected
        if expected.endswith(b"\n"):
            assert bytes(spliced.ending_replaced(b"\n", b"!")) == expected[:-1] + b"!"


def test_a_spliced_file_is_written_without_the_old_text_in_memory(tmp_path: Path) -> None:
    """The old text's ranges go from file to file: writing a spliced text of 8 MB allocates
    far less than the text (it used to be one ``bytes``)."""
    import tracemalloc

    lines = [b"%08d some line of the old text\n" % i for i in range(200_000)]
    path = tmp_path / "old"
    path.write_bytes(b"".join(lines))
    file = TextFile(path)
    spliced = Spliced(file, [(0, len(lines[0]))], [(bisect_text(file, b"00100000x"), b"00100000x\n")])
    tracemalloc.start()
    try:
        spliced.write(tmp_path / "new")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        file.close()
    assert peak < len(lines) * len(lines[0]) // 20
    new = (tmp_path / "new").read_bytes()
    assert new == b"".join(lines[1:100_001]) + b"00100000x\n" + b"".join(lines[100_001:])


# --------------------------------------------------------------------------- the dumps' blocks
# An incremental publish replaces the Turtle blocks and JSON-LD nodes of the subjects whose
# triples changed in the last publish's text; here against writing the new triples afresh, with
# subjects whose IRIs order differently as IRIs and as N-Triples ("<…/s1/x>" < "<…/s1>").

_BASE = "https://example.org/"
_PREFIXES = data_prefixes(_BASE)
_SUBJECTS = [f"{_BASE}id/s{n}" for n in ("1", "12", "1/x", "1-2", "2", "10")] + [
    f"{_BASE}statement/a",
    "http://other.example/a:b",  # no compact form
]
_OBJECTS = [ox.NamedNode(s) for s in _SUBJECTS[:3]] + [
    ox.Literal("x"),
    ox.Literal('a \\ "quoted"\nline'),
    ox.Literal("2", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ox.Literal("é", language="fr"),
]
_PREDICATES = [ox.NamedNode(f"{_BASE}prop/direct/P-{n}") for n in ("a", "b")] + [RDF.type]
_triple = st.builds(
    ox.Triple,
    st.sampled_from([ox.NamedNode(s) for s in _SUBJECTS]),
    st.sampled_from(_PREDICATES),
    st.sampled_from(_OBJECTS),
)
_triples = st.sets(_triple, min_size=1, max_size=25)


def _ntriples(triples: set[ox.Triple]) -> bytes:
    return b"".join(sorted({f"{t} .\n".encode() for t in triples}))


def _turtle(triples: set[ox.Triple]) -> bytes:
    nt = _ntriples(triples)
    return (
        ox.serialize(
            ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.TURTLE, prefixes=_PREFIXES
        )
        or b""
    )


def _changed_subjects(old: set[ox.Triple], new: set[ox.Triple]) -> tuple[list[bytes], list[bytes]]:
    touched = sorted({f"{t.subject}".encode() for t in old ^ new})
    present = [s for s in touched if any(f"{t.subject}".encode() == s for t in new)]
    return touched, present


@settings(max_examples=150, deadline=None)
@given(_triples, _triples)
def test_patched_turtle_is_the_new_triples_written_afresh(old: set[ox.Triple], new: set[ox.Triple]) -> None:
    touched, present = _changed_subjects(old, new)
    fresh_triples = [t for t in sorted(new, key=str) if f"{t.subject}".encode() in present]
    fresh_triples = list(ox.parse(_ntriples(set(fresh_triples)), format=ox.RdfFormat.N_TRIPLES))
    fresh = dict(zip(present, _turtle_blocks(fresh_triples, _PREFIXES, present), strict=True))  # type: ignore[arg-type]
    patched = _patched_blocks(_turtle(old), _ntriples(old), touched, fresh, _PREFIXES)
    assert patched is not None
    assert bytes(patched) == _turtle(new)


@settings(max_examples=150, deadline=None)
@given(_triples, _triples)
def test_patched_jsonld_is_the_new_triples_written_afresh(old: set[ox.Triple], new: set[ox.Triple]) -> None:
    touched, present = _changed_subjects(old, new)
    fresh_nt = _ntriples({t for t in new if f"{t.subject}".encode() in present})
    patched = _patched_jsonld(
        compact_jsonld_from_ntriples(_ntriples(old), _PREFIXES), fresh_nt, touched, present, _PREFIXES
    )
    assert patched is not None
    assert bytes(patched) == compact_jsonld_from_ntriples(_ntriples(new), _PREFIXES)
