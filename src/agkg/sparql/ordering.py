"""Sorting a SELECT query's answer outside the engine, in the engine's own order.

A SELECT that ends in ``ORDER BY`` over plain variables spends most of its time in the sort on
a large answer: Oxigraph compares terms by decoding them from its RocksDB store again for every
comparison. At 1M triples ``queries/posts.rq`` took 3.55 s with its ``ORDER BY`` and 0.93 s
without; reading the engine's TSV answer once and sorting its rows here takes about 0.25 s
more (bench/RESULTS.md, "10M completed; ORDER BY outside the engine").

The order is Oxigraph's (0.5.13, spareval's ``cmp_terms``): unbound first, then blank nodes by
their labels, IRIs by their text, then literals. Two literals Oxigraph can compare by value
(two numbers of any numeric types, two dateTimes, dates, times or durations) go by value, exactly
as Oxigraph converts and compares them (an integer against a double as a double, a decimal of
more than 18 fraction digits or an integer past an i64 as text, NaN as text); any other pair
goes by (lexical form, datatype IRI, language tag). A test compares the two orders on random
numbers, dates, durations, ill-typed literals and mixed columns.

Those rules are not always one order: in a column of numbers and numeric strings, 9 < 10 by
value while "10" < "5" < "9" by text. Oxigraph's sort then panics and aborts the process, or
returns an order of its own choosing; agkg sorts such a column itself, in an order that keeps
every order SPARQL defines (values within a family, strings by code point), and says so
(``SortedTsv.engines_order``). The cases are: a family's values interleaved with text-ordered
literals or another family against their texts, dateTimes (dates, times) with and without a
timezone in one column, durations mixing months with days, and integers or decimals a float or
double of the column rounds onto. Only the calendar fragments (gYear, gYearMonth, gMonth,
gMonthDay, gDay) and a cell this module cannot read are still handed back to the engine, which
then evaluates the query a second time. The decision is made from the answer in hand, so a query
sorted here is evaluated once. Rows equal on every key are put in the order of their whole
text, where the engine's order is its own choice (its sort is unstable); so the answer is the
same wherever it is computed.

``DISTINCT``, ``LIMIT`` and ``OFFSET`` keep their meaning: ``ORDER BY`` keys that are projected
variables order the same rows before and after projection and ``DISTINCT``, and the slice is
taken from the sorted rows.
"""

from __future__ import annotations

import math
import re
import struct
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from operator import itemgetter
from typing import Any, NamedTuple

import pyoxigraph as ox

from agkg.sparql.querytext import mask_non_code, query_form
from agkg.vocab import RDF, XSD

_XSD_STRING = XSD.string.value
_XSD_INTEGER = XSD.integer.value
_XSD_DECIMAL = XSD.decimal.value
_XSD_DOUBLE = XSD.double.value
_XSD_BOOLEAN = XSD.boolean.value
_LANG_STRING = RDF.langString.value

_KEY = r"(?:[?$]\w+|(?:ASC|DESC)\s*\(\s*[?$]\w+\s*\))"
_SLICE = r"(?:LIMIT\s+\d+|OFFSET\s+\d+)"
# the last solution modifiers of a query: ORDER BY plain keys, then LIMIT and OFFSET, at its end
_TRAILING_ORDER = re.compile(rf"\bORDER\s+BY((?:\s*{_KEY})+)\s*((?:{_SLICE}\s*){{0,2}})\Z", re.IGNORECASE)
_ONE_KEY = re.compile(r"(DESC|ASC)?\s*\(?\s*[?$](\w+)", re.IGNORECASE)
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
    if query_form(masked) != "SELECT":
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


# A literal's place among the others when Oxigraph has no value order between them: its
# lexical form, then its datatype IRI, then its language tag ("" for none).
_LexicalKey = tuple[str, str, str]
# a value in its family's order: a number (int, float; (infinity's sign, Fraction) where
# integers or decimals meet floats), seconds on a time line, or a duration's months
_Value = Any


class _Literal(NamedTuple):
    """A literal cell as Oxigraph's ORDER BY sees it: where it goes by its text and, when it
    has a value Oxigraph orders it by, the family of that value and the value (a tuple, not a
    dataclass: an answer can hold a million of them)."""

    lexical: _LexicalKey
    family: str | None  # "number", "dateTime", "date", "time", "duration"; None: by text
    value: _Value = None
    variant: str = ""  # a kind within the family whose values compare only among themselves


# Oxigraph orders the literals of these kinds by value (spareval's ``partial_cmp_literals``),
# the numbers among themselves whatever their type, the three durations likewise
_NUMERIC = {
    XSD.integer.value: "integer",
    XSD.decimal.value: "decimal",
    XSD.float.value: "float",
    XSD.double.value: "double",
}
# the store keeps these as xsd:integer; one seen here did not parse as an integer
_DERIVED_INTEGERS = {
    XSD.term(name).value
    for name in [
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
}
_DURATIONS = {XSD.duration.value, XSD.yearMonthDuration.value, XSD.dayTimeDuration.value}
# ordered by value too (Oxigraph's calendar extension), but not here: a query sorting on them
# is left to the engine
_UNSUPPORTED = {XSD.term(name).value for name in ("gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay")}

_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_DOUBLE_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF")
_TIMEZONE = r"(Z|[+-][0-9]{2}:[0-9]{2})?"
_DATE_TEXT = r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})"
_TIME_TEXT = r"([0-9]{2}):([0-9]{2}):([0-9]{2}(?:\.[0-9]+)?)"
_DATE_TIME = re.compile(f"{_DATE_TEXT}T{_TIME_TEXT}{_TIMEZONE}")
_DATE = re.compile(f"{_DATE_TEXT}{_TIMEZONE}")
_TIME = re.compile(f"{_TIME_TEXT}{_TIMEZONE}")
_DURATION = re.compile(
    r"(-?)P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?"
    r"(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+(?:\.[0-9]+)?)S)?)?"
)
_I64 = (-(2**63), 2**63 - 1)
_I128 = (-(2**127), 2**127 - 1)
_DECIMAL_DIGITS = 18  # Oxigraph's xsd:decimal: an i128 counting 10^-18ths
_SCALE = 10**_DECIMAL_DIGITS
_MINUTES_14_HOURS = 14 * 60


def _number(lexical: str, kind: str) -> tuple[str, int | float] | None:
    """The value Oxigraph gives a numeric literal, or None when it does not parse (Oxigraph
    then orders the literal by its text): an integer is an i64, a decimal an i128 counting
    10^-18ths (at most 18 digits after the point), a float an f32."""
    if kind == "integer":
        if _INTEGER_TEXT.fullmatch(lexical) is None:
            return None
        integer = int(lexical)
        return ("integer", integer) if _I64[0] <= integer <= _I64[1] else None
    if kind == "decimal":
        match = _DECIMAL_TEXT.fullmatch(lexical)
        if match is None or not (match.group(2) or match.group(3)):
            return None
        fraction = (match.group(3) or "").rstrip("0")
        if len(fraction) > _DECIMAL_DIGITS:
            return None
        scaled = int((match.group(2) + fraction) or "0") * 10 ** (_DECIMAL_DIGITS - len(fraction))
        scaled = -scaled if match.group(1) == "-" else scaled
        return ("decimal", scaled) if _I128[0] <= scaled <= _I128[1] else None
    if lexical == "NaN" or _DOUBLE_TEXT.fullmatch(lexical) is None:
        return None  # NaN has no order: Oxigraph compares it with any number by its text
    number = float(lexical)
    return (kind, _to_f32(number) if kind == "float" else number)


def _to_f32(number: float) -> float:
    """``number`` rounded to the nearest f32 (Rust's ``as f32``)."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", number))[0])
    except OverflowError:
        return math.copysign(math.inf, number)


def _integer_to_f32(integer: int) -> float:
    """An i64 rounded once to the nearest f32, ties to even (Rust's ``as f32``; going through
    an f64 would round twice)."""
    magnitude = abs(integer)
    excess = magnitude.bit_length() - 24
    if excess <= 0:
        return float(integer)
    kept, rest = divmod(magnitude, 1 << excess)
    half = 1 << (excess - 1)
    if rest > half or (rest == half and kept & 1):
        kept += 1
    return math.copysign(float(kept << excess), integer)


def _decimal_to_f64(scaled: int) -> float:
    """Oxigraph's xsd:decimal to xsd:double conversion: the trailing zeros taken off the
    scaled integer first, then one division (two roundings, as Oxigraph does them)."""
    shift = _SCALE
    while scaled and shift != 1 and scaled % 10 == 0:
        scaled, shift = scaled // 10, shift // 10
    return float(scaled) / float(shift)


def _days(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a date of the proleptic Gregorian calendar (astronomical years,
    as Oxigraph counts them)."""
    year -= month <= 2
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _seconds(text: str) -> int | Fraction:
    return Fraction(text) if "." in text else int(text)


def _offset(zone: str | None) -> int | None:
    """A timezone's offset in minutes, None without one; ValueError past ±14:00."""
    if zone is None:
        return None
    if zone == "Z":
        return 0
    minutes = int(zone[1:3]) * 60 + int(zone[4:6])
    if int(zone[4:6]) > 59 or minutes > _MINUTES_14_HOURS:
        raise ValueError(zone)
    return -minutes if zone[0] == "-" else minutes


def _clock(hour: str, minute: str, second: str) -> int | Fraction:
    seconds = _seconds(second)
    if int(hour) > 23 or int(minute) > 59 or seconds >= 60:
        raise ValueError(second)
    return int(hour) * 3600 + int(minute) * 60 + seconds


def _date(year: str, month: str, day: str) -> int:
    if len(year.lstrip("-")) > 4 and year.lstrip("-")[0] == "0":
        raise ValueError(year)
    y, m, d = int(year), int(month), int(day)
    if not 1 <= m <= 12 or not 1 <= d <= _days_in_month(y, m):
        raise ValueError(day)
    return _days(y, m, d) * 86400


def _moment(lexical: str, family: str) -> tuple[int | Fraction, str] | None:
    """A dateTime's, date's or time's place on Oxigraph's time line in seconds (one without a
    timezone read as UTC) and whether it has a timezone; None when it does not parse."""
    try:
        if family == "dateTime" and (match := _DATE_TIME.fullmatch(lexical)):
            year, month, day, hour, minute, second, zone = match.groups()
            value = _date(year, month, day) + _clock(hour, minute, second)
        elif family == "date" and (match := _DATE.fullmatch(lexical)):
            year, month, day, zone = match.groups()
            value = _date(year, month, day)
        elif family == "time" and (match := _TIME.fullmatch(lexical)):
            hour, minute, second, zone = match.groups()
            value = _clock(hour, minute, second)
        else:
            return None
        offset = _offset(zone)
    except ValueError:
        return None
    return (value - 60 * (offset or 0), "zoned" if offset is not None else "local")


def _duration(lexical: str, datatype: str) -> tuple[int, int | Fraction] | None:
    """A duration's months and seconds, or None when it does not parse (a yearMonthDuration
    has no days or time, a dayTimeDuration no years or months)."""
    match = _DURATION.fullmatch(lexical)
    if match is None or not any(match.groups()[1:]) or lexical.endswith("T"):
        return None
    if datatype == XSD.yearMonthDuration.value and any(match.groups()[3:]):
        return None
    if datatype == XSD.dayTimeDuration.value and any(match.groups()[1:3]):
        return None
    sign = -1 if match.group(1) else 1
    years, months, days, hours, minutes = (int(part or 0) for part in match.groups()[1:6])
    seconds = _seconds(match.group(7) or "0")
    return (
        sign * (years * 12 + months),
        sign * (days * 86400 + hours * 3600 + minutes * 60 + seconds),
    )


def _literal(value: str, datatype: str, language: str) -> _Literal | None:
    """What Oxigraph orders a literal by; None for a kind this module leaves to the engine."""
    lexical = (value, datatype, language)
    if datatype in _UNSUPPORTED or "--" in language:  # base direction: rdf:dirLangString
        return None
    kind = _NUMERIC.get(datatype) or ("integer" if datatype in _DERIVED_INTEGERS else None)
    if kind is not None:
        number = _number(value, kind)
        return _Literal(lexical, "number", number) if number is not None else _Literal(lexical, None)
    local = datatype[len(XSD.iri) :] if datatype.startswith(XSD.iri) else ""
    if local in ("dateTime", "date", "time"):
        moment = _moment(value, local)
        if moment is None:
            return _Literal(lexical, None)
        return _Literal(lexical, local, moment[0], moment[1])
    if datatype in _DURATIONS:
        duration = _duration(value, datatype)
        return _Literal(lexical, "duration", duration) if duration is not None else _Literal(lexical, None)
    return _Literal(lexical, None)


_BARE_BOOLEANS = {"true", "false"}


def _parse_literal(cell: str) -> _Literal | None:
    """A TSV literal cell: quoted with a language tag or datatype, or a bare number or
    boolean (the Turtle short forms Oxigraph writes for integers, decimals, doubles and
    booleans)."""
    if cell[0] != '"':
        if (
            len(cell) < 19 and cell.isascii() and (cell[1:] if cell[0] == "-" else cell).isdigit()
        ):  # the common case
            return _Literal((cell, _XSD_INTEGER, ""), "number", ("integer", int(cell)))
        if cell in _BARE_BOOLEANS:
            return _literal(cell, _XSD_BOOLEAN, "")
        if "e" in cell or "E" in cell:
            return _literal(cell, _XSD_DOUBLE, "")
        return _literal(cell, _XSD_DECIMAL if "." in cell else _XSD_INTEGER, "")
    end = cell.rindex('"')
    value, suffix = cell[1:end], cell[end + 1 :]
    if "\\" in value:
        value = _unescape(value)
    if not suffix:
        return _Literal((value, _XSD_STRING, ""), None)
    if suffix[0] == "@":
        return _literal(value, _LANG_STRING, suffix[1:])
    if suffix.startswith("^^<") and suffix.endswith(">"):
        return _literal(value, suffix[3:-1], "")
    return None


_Keys = tuple[list[_Value], bool]  # a key per member, and whether the order is exactly Oxigraph's


def _number_keys(members: list[_Literal]) -> _Keys:
    """Each number's place among the column's numbers, and whether that is exactly how
    Oxigraph compares them.

    Oxigraph compares two integers or decimals exactly, and an integer or decimal with a
    float or double after converting it to the float's type; that is one order (the exact
    values) unless a conversion rounds onto or past a float of the column: 2^53 + 1 is then
    equal to the double 2^53 yet greater than the integer 2^53, and the engine has no order.
    The exact values are used all the same: they keep every order SPARQL's ``<`` defines."""
    kinds = {member.value[0] for member in members}
    if kinds == {"integer"} or kinds <= {"float", "double"}:
        return [member.value[1] for member in members], True
    if kinds <= {"integer", "decimal"}:
        return [m.value[1] * _SCALE if m.value[0] == "integer" else m.value[1] for m in members], True
    doubles = sorted(m.value[1] for m in members if m.value[0] == "double")
    floats = sorted(m.value[1] for m in members if m.value[0] == "float")
    keys: list[_Value] = []
    exact = True
    for member in members:
        kind, number = member.value
        if kind in ("float", "double"):
            infinite = math.isinf(number)
            keys.append((int(math.copysign(1, number)), Fraction(0)) if infinite else (0, Fraction(number)))
            continue
        value = Fraction(number) if kind == "integer" else Fraction(number, _SCALE)
        as_double = float(number) if kind == "integer" else _decimal_to_f64(number)
        as_float = _integer_to_f32(number) if kind == "integer" else _to_f32(as_double)
        for others, rounded in ((doubles, as_double), (floats, as_float)):
            if others and _rounds_past(value, rounded, others):
                exact = False
        keys.append((0, value))
    return keys, exact


def _rounds_past(exact: Fraction, rounded: float, others: list[float]) -> bool:
    """Whether a float of ``others`` lies between an exact value and its rounding (inclusive),
    so that comparing the rounding with it differs from comparing the exact value."""
    if not math.isinf(rounded) and Fraction(rounded) == exact:
        return False
    low, high = (exact, rounded) if exact <= rounded else (rounded, exact)
    index = bisect_left(others, low)
    return index < len(others) and others[index] <= high


def _family_keys(family: str, members: list[_Literal]) -> _Keys:
    """Each member's place in its family's order, and whether that is exactly Oxigraph's.

    It is not for times with and without a timezone (XSD leaves those within 14 hours of
    each other unordered, and Oxigraph compares their texts instead), nor for durations that
    mix months with days or seconds (P1M against P30D is likewise unordered). Those are put
    in an order that keeps every comparison XSD does define: a time without a timezone read
    as UTC; a duration as the instant it reaches from 1696-09-01T00:00:00Z, the first of
    XSD's four reference instants (it orders two durations the same way at all four when
    they have an order)."""
    if family == "number":
        return _number_keys(members)
    if family == "duration":
        months = any(member.value[0] for member in members)
        seconds = any(member.value[1] for member in members)
        if not (months and seconds):
            return [m.value[0] if months else m.value[1] for m in members], True
        return [_reference_instant(m.value[0]) + m.value[1] for m in members], False
    exact = len({member.variant for member in members}) == 1
    return [member.value for member in members], exact


def _reference_instant(months: int) -> int:
    year, month = divmod(1696 * 12 + 8 + months, 12)
    return _days(year, month + 1, 1) * 86400


def _literal_order(
    texts: dict[_LexicalKey, list[str]], valued: dict[str, _Literal]
) -> tuple[list[list[str]], bool]:
    """The literal cells of a column in order, equal ones grouped, and whether the order is
    exactly Oxigraph's. ``texts`` are the cells ordered by their text, by (lexical form,
    datatype, language); ``valued`` those of a kind Oxigraph orders by value.

    Oxigraph compares two literals by value when both have one of a kind it orders (two
    numbers, two dateTimes...) and otherwise by their text. Here the literals are put in
    their textual order, then each family's places in it are filled again with the family's
    members in value order. That is Oxigraph's order when its comparisons are one order: each
    family's members, in value order, fall between the same other literals as their texts put
    them. Otherwise they go round in a circle (9 < 10 by value, "10" < "5" < "9" by text),
    Oxigraph's sort aborts the process ("user-provided comparison function does not correctly
    implement a total order", pyoxigraph 0.5.13) or returns an order of its own, and this one,
    which keeps every order SPARQL defines (values within a family, strings by code point), is
    the answer."""
    if not valued:
        return [texts[text] for text in sorted(texts)], True
    families: dict[str, list[tuple[str, _Literal]]] = {}
    for cell, literal in valued.items():
        families.setdefault(literal.family or "", []).append((cell, literal))
    orders: dict[str, list[tuple[_Value, _LexicalKey, str]]] = {}
    exact = True
    for name, members in families.items():
        keys, family_exact = _family_keys(name, [literal for _, literal in members])
        exact = exact and family_exact
        if not texts and len(families) == 1:  # one family alone: the common case
            ranked = sorted(zip(keys, (cell for cell, _ in members), strict=True), key=itemgetter(0))
            return _runs((name, key, [cell]) for key, cell in ranked), exact
        orders[name] = sorted(
            zip(
                keys, (literal.lexical for _, literal in members), (cell for cell, _ in members), strict=True
            ),
            key=itemgetter(0, 1),
        )
    cells_of = dict(texts)
    family_of: dict[_LexicalKey, str] = {}
    queues: dict[str, list[tuple[_Value, _LexicalKey]]] = {}
    for name, order in orders.items():
        queue = queues[name] = []
        for key, lexical, cell in order:
            if lexical in family_of:
                cells_of[lexical].append(cell)
            else:
                family_of[lexical] = name
                cells_of[lexical] = [cell]
                queue.append((key, lexical))
    by_text = sorted(cells_of)
    # the textual order with each family's places filled again in value order
    taken = dict.fromkeys(queues, 0)
    sequence: list[tuple[str | None, _Value, _LexicalKey]] = []
    for text in by_text:
        family = family_of.get(text)
        if family is None:
            sequence.append((None, None, text))
            continue
        key, lexical = queues[family][taken[family]]
        taken[family] += 1
        sequence.append((family, key, lexical))
    if exact:
        exact = _is_engines_order(by_text, sequence, family_of)
    return _runs((name, key, cells_of[lexical]) for name, key, lexical in sequence), exact


def _runs(sequence: Iterable[tuple[str | None, _Value, list[str]]]) -> list[list[str]]:
    """The cells of ``sequence`` grouped where neighbours of one family have equal values."""
    groups: list[list[str]] = []
    previous: tuple[str | None, _Value] = (None, None)
    for name, key, cells in sequence:
        if name is not None and groups and (name, key) == previous:
            groups[-1].extend(cells)
        else:
            groups.append(list(cells))
        previous = (name, key)
    return groups


def _is_engines_order(
    texts: list[_LexicalKey],
    sequence: list[tuple[str | None, _Value, _LexicalKey]],
    family_of: dict[_LexicalKey, str],
) -> bool:
    """Whether Oxigraph's comparisons agree with ``sequence`` (the textual order ``texts``
    with each family refilled in value order): for every literal and every other class of
    literals (the texts, another family), as many of that class come before it as its text
    puts before it, and members equal in value sit side by side. A class's members come in
    their own order on both sides, so equal counts mean the same members."""
    classes = {name for name, _, _ in sequence}
    place_in_text = {text: index for index, text in enumerate(texts)}
    before_by_text: dict[str | None, list[int]] = {name: [] for name in classes}
    counts = dict.fromkeys(classes, 0)
    for text in texts:
        for name in classes:
            before_by_text[name].append(counts[name])
        counts[family_of.get(text)] += 1
    counts = dict.fromkeys(classes, 0)
    place_in_sequence: dict[_LexicalKey, int] = {}
    for index, (family, _, lexical) in enumerate(sequence):
        place = place_in_text[lexical]
        if any(name != family and counts[name] != before_by_text[name][place] for name in classes):
            return False
        counts[family] += 1
        place_in_sequence[lexical] = index
    ordered = sorted((family, key, place_in_sequence[lexical]) for family, key, lexical in sequence if family)
    for (family, key, place), (next_family, next_key, next_place) in pairwise(ordered):
        if (family, key) == (next_family, next_key) and next_place != place + 1:
            return False
    return True


def _ranks(cells: set[str]) -> tuple[dict[str, int], bool] | None:
    """Each cell's rank in ORDER BY's order (terms Oxigraph finds equal share one) and whether
    it is exactly Oxigraph's, or None if the column holds terms this module does not order.
    Ranking the distinct cells once lets the rows be sorted on small integers: an answer
    repeats its labels many times.

    Unbound comes first, then blank nodes by their labels in this answer (the labels
    Oxigraph sorts them by; a store may label them anew when it is loaded again), IRIs by
    their text, and literals (``_literal_order``)."""
    blanks: dict[str, list[str]] = {}
    iris: dict[str, list[str]] = {}
    texts: dict[_LexicalKey, list[str]] = {}
    valued: dict[str, _Literal] = {}
    unbound: list[str] = []
    for cell in cells:
        if not cell:
            unbound.append(cell)
        elif cell[0] == "<":
            iris.setdefault(cell[1:-1], []).append(cell)
        elif cell.startswith("_:"):
            blanks.setdefault(cell[2:], []).append(cell)
        else:
            literal = _parse_literal(cell)
            if literal is None:
                return None
            if literal.family is None:
                texts.setdefault(literal.lexical, []).append(cell)
            else:
                valued[cell] = literal
    literal_groups, exact = _literal_order(texts, valued)
    groups = [unbound] if unbound else []
    groups += [blanks[label] for label in sorted(blanks)]
    groups += [iris[iri] for iri in sorted(iris)]
    groups += literal_groups
    return {cell: rank for rank, group in enumerate(groups, 1) for cell in group}, exact


@dataclass(frozen=True)
class SortedTsv:
    """A TSV answer sorted here, and whether its order is exactly the engine's (False where
    the engine has no one order for a key column's literals; see ``_literal_order``)."""

    text: bytes
    engines_order: bool


def sort_tsv(answer: bytes, select: OrderedSelect) -> SortedTsv | None:
    """The SPARQL TSV ``answer`` with its rows in the order ``select`` asks for and sliced as it
    asks, or None when a key is not a projected variable or holds a term of a kind this module
    does not order."""
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
    engines_order = True
    for column, descending in columns:
        ranked = _ranks({cells[column] for cells in table})
        if ranked is None:
            return None
        order, exact = ranked
        engines_order = engines_order and exact
        ranks.append((column, {cell: -rank for cell, rank in order.items()} if descending else order))
    decorated = list(
        zip(*([rank[cells[column]] for cells in table] for column, rank in ranks), rows, strict=True)
    )
    decorated.sort()
    chosen = decorated[select.offset :]
    if select.limit is not None:
        chosen = chosen[: select.limit]
    lines = [head, *(str(item[-1]) for item in chosen)]
    return SortedTsv(("\n".join(lines) + "\n").encode("utf-8"), engines_order)


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
    parsed = ox.parse_query_results(ordered.text, format=ox.QueryResultsFormat.TSV)
    return parsed if isinstance(parsed, ox.QuerySolutions) else None
