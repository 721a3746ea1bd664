"""ORDER BY done outside the engine (agkg.sparql.ordering) gives the engine's order."""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agkg.sparql.ordering import OrderedSelect, sort_tsv, sorted_answer, split_order_by
from agkg.sparql.query import DatasetStore, run_query
from agkg.vocab import Iris

EX = "http://example.org/"
ROW = ox.NamedNode(EX + "Row")
COLUMNS = ("a", "b", "c")
TSV = ox.QueryResultsFormat.TSV

# characters that stress the order and the TSV escapes: case, accents, a space, quotes, a
# backslash, tab and newline, a character outside the BMP
_CHARS = st.sampled_from(["a", "b", "A", "é", " ", '"', "'", "\\", "\t", "\n", "z", "\u00a0", "\U0001d11e"])
_TEXT = st.text(_CHARS, max_size=4)
_TERM = st.one_of(
    st.none(),
    _TEXT.map(lambda text: ox.NamedNode(EX + text.encode("unicode_escape").hex())),
    _TEXT.map(ox.Literal),
    st.tuples(_TEXT, st.sampled_from(["en", "fr", "en-gb", "fa"])).map(
        lambda pair: ox.Literal(pair[0], language=pair[1])
    ),
)
_ROWS = st.lists(st.tuples(_TERM, _TERM, _TERM), max_size=30)
_KEYS = st.lists(st.tuples(st.sampled_from(COLUMNS), st.booleans()), min_size=1, max_size=3)


def _store(rows: Sequence[tuple[ox.NamedNode | ox.Literal | None, ...]]) -> ox.Store:
    store = ox.Store()
    for index, row in enumerate(rows):
        node = ox.NamedNode(f"{EX}row/{index}")
        store.add(ox.Quad(node, ox.NamedNode(EX + "type"), ROW))
        for column, term in zip(COLUMNS, row, strict=True):
            if term is not None:
                store.add(ox.Quad(node, ox.NamedNode(EX + column), term))
    return store


def _query(keys: list[tuple[str, bool]], distinct: bool, tail: str = "") -> str:
    order = " ".join(f"DESC(?{name})" if descending else f"?{name}" for name, descending in keys)
    optionals = " ".join(f"OPTIONAL {{ ?r <{EX}{name}> ?{name} }}" for name in COLUMNS)
    return (
        f"SELECT {'DISTINCT ' if distinct else ''}?a ?b ?c "
        f"WHERE {{ ?r <{EX}type> <{EX}Row> {optionals} }} ORDER BY {order} {tail}"
    )


def _rows(answer: bytes) -> list[list[str]]:
    return [line.split("\t") for line in answer.decode().split("\n")[1:] if line]


def _key_columns(rows: list[list[str]], keys: list[tuple[str, bool]]) -> list[tuple[str, ...]]:
    return [tuple(row[COLUMNS.index(name)] for name, _ in keys) for row in rows]


def _engine(store: ox.Store, query: str) -> bytes:
    answer = store.query(query)
    assert isinstance(answer, ox.QuerySolutions)
    return answer.serialize(format=TSV) or b""


def _ours(store: ox.Store, query: str) -> bytes:
    answer = sorted_answer(store.query, query)
    assert answer is not None, "strings, IRIs and unbound keys are sorted outside the engine"
    return answer.serialize(format=TSV) or b""


@settings(max_examples=150, deadline=None)
@given(rows=_ROWS, keys=_KEYS, distinct=st.booleans())
def test_the_order_is_the_engines(
    rows: list[tuple[ox.NamedNode | ox.Literal | None, ...]], keys: list[tuple[str, bool]], distinct: bool
) -> None:
    store = _store(rows)
    query = _query(keys, distinct)
    engine = _rows(_engine(store, query))
    ours = _rows(_ours(store, query))
    assert sorted(ours) == sorted(engine)  # the same rows
    assert _key_columns(ours, keys) == _key_columns(engine, keys)  # in the same order


@settings(max_examples=60, deadline=None)
@given(rows=_ROWS, keys=_KEYS, limit=st.integers(0, 12), offset=st.integers(0, 12))
def test_a_slice_is_taken_after_the_sort(
    rows: list[tuple[ox.NamedNode | ox.Literal | None, ...]],
    keys: list[tuple[str, bool]],
    limit: int,
    offset: int,
) -> None:
    store = _store(rows)
    query = _query(keys, False, f"OFFSET {offset} LIMIT {limit}")
    engine = _rows(_engine(store, query))
    ours = _rows(_ours(store, query))
    assert _key_columns(ours, keys) == _key_columns(engine, keys)


def test_rows_equal_on_the_keys_come_in_one_order_whatever_the_store_order() -> None:
    rows = [(ox.Literal("same"), ox.Literal(text), None) for text in ("y", "x", "z")]
    first = _ours(_store(rows), _query([("a", False)], False))
    second = _ours(_store(list(reversed(rows))), _query([("a", False)], False))
    assert first == second
    assert [row[1] for row in _rows(first)] == ['"x"', '"y"', '"z"']


@pytest.mark.parametrize(
    "terms",
    [
        [
            ox.Literal("10", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            ox.Literal("9"),
        ],
        [ox.Literal("2024-01-02", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))],
        [ox.BlankNode("b1"), ox.Literal("x")],
    ],
    ids=["number", "date", "blank-node"],
)
def test_other_kinds_of_key_are_left_to_the_engine(terms: list[ox.Literal | ox.BlankNode]) -> None:
    store = ox.Store()
    for index, term in enumerate(terms):
        store.add(ox.Quad(ox.NamedNode(f"{EX}row/{index}"), ox.NamedNode(EX + "a"), term))
    query = f"SELECT ?a WHERE {{ ?r <{EX}a> ?a }} ORDER BY ?a"
    assert sorted_answer(store.query, query) is None


def test_run_query_still_orders_numbers_by_value() -> None:
    store = ox.Store()
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    for index, number in enumerate(("10", "9", "100")):
        store.add(
            ox.Quad(
                ox.NamedNode(f"{EX}row/{index}"), ox.NamedNode(EX + "n"), ox.Literal(number, datatype=integer)
            )
        )
    dataset = DatasetStore(store, Iris("https://w3id.org/agkg/"), rebuilt=False)
    answer = run_query(dataset, f"SELECT ?n WHERE {{ ?r <{EX}n> ?n }} ORDER BY DESC(?n)")
    assert isinstance(answer, ox.QuerySolutions)
    assert [solution["n"].value for solution in answer] == ["100", "10", "9"]


def test_run_query_sorts_strings_outside_the_engine_with_the_same_answer() -> None:
    rows = [(ox.Literal(text), None, None) for text in ("b", "a", "B", "é")]
    dataset = DatasetStore(_store(rows), Iris("https://w3id.org/agkg/"), rebuilt=False)
    query = _query([("a", False)], False)
    answer = run_query(dataset, query)
    assert isinstance(answer, ox.QuerySolutions)
    assert [solution["a"].value for solution in answer] == ["B", "a", "b", "é"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s DESC(?o)", (("s", False), ("o", True))),
        ("select * where { ?s ?p ?o } order by asc( ?s ) $o\n", (("s", False), ("o", False))),
        ("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5 OFFSET 2 # done\n", (("s", False),)),
    ],
)
def test_a_trailing_order_by_over_variables_is_split(
    query: str, expected: tuple[tuple[str, bool], ...]
) -> None:
    select = split_order_by(query)
    assert select is not None
    assert select.keys == expected
    assert "ORDER" not in select.unordered.upper()


def test_the_slice_is_read() -> None:
    select = split_order_by("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s OFFSET 2 LIMIT 5")
    assert select is not None and (select.limit, select.offset) == (5, 2)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 1 } ?s ?q ?v }",
        "SELECT * WHERE { ?s ?p ?o } ORDER BY STR(?s)",
        "SELECT * WHERE { ?s ?p ?o } ORDER BY ?s VALUES ?s { <http://example.org/x> }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3",
        'SELECT * WHERE { ?s ?p "ORDER BY ?s" }',
        "SELECT * WHERE { ?s ?p ?o } # ORDER BY ?s",
    ],
    ids=["no-order", "subquery", "expression", "values", "construct", "in-string", "in-comment"],
)
def test_anything_else_is_not_split(query: str) -> None:
    assert split_order_by(query) is None


def test_a_key_that_is_not_projected_is_left_to_the_engine() -> None:
    select = OrderedSelect("SELECT ?a WHERE {}", (("hidden", False),), None, 0)
    assert sort_tsv(b'?a\n"x"\n', select) is None
