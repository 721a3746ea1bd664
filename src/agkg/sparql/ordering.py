"""Sorting a SELECT query's answer outside the engine, when that gives the engine's own order.

A SELECT that ends in ``ORDER BY`` over plain variables spends most of its time in the sort on
a large answer: Oxigraph compares terms by decoding them from its RocksDB store again for every
comparison. At 1M triples ``queries/posts.rq`` took 3.55 s with its ``ORDER BY`` and 0.93 s
without; reading the engine's TSV answer once and sorting its rows here takes about 0.25 s
more (bench/RESULTS.md, "10M completed; ORDER BY outside the engine").

The order is the engine's, kept exactly where SPARQL defines one: unbound first, then IRIs by
their text, then literals by (lexical form, datatype IRI, language tag), which is what Oxigraph
does for the strings and language-tagged strings these queries sort on (a test compares the two
on random terms). A key column holding anything else (a number, a date, a blank node, a typed
literal) hands the query back to the engine. Rows equal on every key are put in the order of
their whole text, where the engine's order is its own choice; so the answer is the same
wherever it is computed.

``DISTINCT``, ``LIMIT`` and ``OFFSET`` keep their meaning: ``ORDER BY`` keys that are projected
variables order the same rows before and after projection and ``DISTINCT``, and the slice is
taken from the sorted rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from agkg.sparql.querytext import mask_non_code

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_KEY = r"(?:[?$]\w+|(?:ASC|DESC)\s*\(\s*[?$]\w+\s*\))"
_SLICE = r"(?:LIMIT\s+\d+|OFFSET\s+\d+)"
# the last solution modifiers of a query: ORDER BY plain keys, then LIMIT and OFFSET, at its end
_TRAILING_ORDER = re.compile(rf"\bORDER\s+BY((?:\s*{_KEY})+)\s*((?:{_SLICE}\s*){{0,2}})\Z", re.IGNORECASE)
_ONE_KEY = re.compile(r"(DESC|ASC)?\s*\(?\s*[?$](\w+)", re.IGNORECASE)
_QUERY_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_SIMPLE_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class OrderedSelect:
    """A SELECT split into the query without its trailing ``ORDER BY`` (and slice) and what
    they asked for."""

    unordered: str
    keys: tuple[tuple[str, bool], ...]  # (variable name, descending), most significant first
    limit: int | None
    offset: int


def split_order_by(query: str) -> OrderedSelect | None:
    """The SELECT ``query`` without its trailing ``ORDER BY`` over plain variables, or None
    when it is another form or ends in anything else (an expression key, a VALUES block)."""
    masked = mask_non_code(query).rstrip()
    form = _QUERY_FORM.search(masked)
    if form is None or form.group(1).upper() != "SELECT":
        return None
    match = _TRAILING_ORDER.search(masked)
    if match is None:
        return None
    keys = tuple(
        (name, (direction or "").upper() == "DESC") for direction, name in _ONE_KEY.findall(match.group(1))
    )
    limit, offset = None, 0
    for word, number in re.findall(r"(LIMIT|OFFSET)\s+(\d+)", match.group(2), re.IGNORECASE):
        if word.upper() == "LIMIT":
            limit = int(number)
        else:
            offset = int(number)
    return OrderedSelect(query[: match.start()], keys, limit, offset)


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code is not None:
            return chr(int(code, 16))
        return _SIMPLE_ESCAPES.get(match.group(3), match.group(0))

    return _ESCAPE.sub(one, text)


def _term_key(cell: str) -> tuple[int, str, str, str] | None:
    """A TSV cell's place in SPARQL's order, or None for a kind this module does not order."""
    if not cell:
        return (0, "", "", "")
    if cell[0] == "<":
        return (2, cell[1:-1], "", "")
    if cell[0] != '"':
        return None  # a blank node, or a number or boolean written bare
    end = cell.rindex('"')
    value, suffix = cell[1:end], cell[end + 1 :]
    if "\\" in value:
        value = _unescape(value)
    if not suffix or suffix == f"^^<{_XSD_STRING}>":
        return (3, value, _XSD_STRING, "")
    if suffix[0] == "@":
        return (3, value, _LANG_STRING, suffix[1:])
    return None


def _ranks(cells: set[str]) -> dict[str, int] | None:
    """Each cell's rank in SPARQL's order (equal terms written two ways share one), or None if
    a cell holds a term of a kind this module does not order. Ranking the distinct cells once
    lets the rows be sorted on small integers: an answer repeats its labels many times."""
    keyed = []
    for cell in cells:
        key = _term_key(cell)
        if key is None:
            return None
        keyed.append((key, cell))
    keyed.sort()
    ranks: dict[str, int] = {}
    rank, previous = 0, None
    for key, cell in keyed:
        if key != previous:
            rank, previous = rank + 1, key
        ranks[cell] = rank
    return ranks


def sort_tsv(answer: bytes, select: OrderedSelect) -> bytes | None:
    """The SPARQL TSV ``answer`` with its rows in the order ``select`` asks for and sliced as it
    asks, or None when a key is not a projected variable or holds a term of another kind."""
    text = answer.decode("utf-8")
    head, _, body = text.partition("\n")
    variables = [name[1:] for name in head.split("\t")] if head else []
    try:
        columns = [(variables.index(name), descending) for name, descending in select.keys]
    except ValueError:
        return None
    rows = body.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    table = [row.split("\t") for row in rows]
    ranks = []  # per key column: each distinct cell's place among the column's cells
    for column, descending in columns:
        ranked = _ranks({cells[column] for cells in table})
        if ranked is None:
            return None
        ranks.append((column, {cell: -rank for cell, rank in ranked.items()} if descending else ranked))
    decorated = list(
        zip(*([rank[cells[column]] for cells in table] for column, rank in ranks), rows, strict=True)
    )
    decorated.sort()
    chosen = decorated[select.offset :]
    if select.limit is not None:
        chosen = chosen[: select.limit]
    lines = [head, *(str(item[-1]) for item in chosen)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sorted_answer(
    evaluate: Callable[[str], ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples], query: str
) -> ox.QuerySolutions | None:
    """The answer to ``query`` with its ``ORDER BY`` done here, ``evaluate`` running the query
    without it; None when the engine must sort it (see the module's docstring)."""
    select = split_order_by(query)
    if select is None:
        return None
    answer = evaluate(select.unordered)
    if not isinstance(answer, ox.QuerySolutions):
        return None
    ordered = sort_tsv(answer.serialize(format=ox.QueryResultsFormat.TSV) or b"", select)
    if ordered is None:
        return None
    parsed = ox.parse_query_results(ordered, format=ox.QueryResultsFormat.TSV)
    return parsed if isinstance(parsed, ox.QuerySolutions) else None
