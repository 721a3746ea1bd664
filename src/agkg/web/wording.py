"""Values in the words people write them: dates at their precision, numbers, ranks, qualifiers.

The dumps keep the machine forms (``2015-01`` as ``xsd:gYearMonth``, a Wikibase time at
precision 10); a reader wants "January 2015". A month is never shown as its 1st and a year never
as 1 January: the wording follows the precision, which is the point of keeping it.
"""

from __future__ import annotations

import re

from ..dates import TimeValue, parse_time_value

# English month names, whatever the process locale (calendar.month_name follows the locale)
MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# XSD date types, by the local name of their IRI, and the precision they carry
DATE_TYPES = {"gYear": "year", "gYearMonth": "month", "date": "day", "dateTime": "time"}

# Qualifiers read in this order: when, then how much, then the rest (alphabetically after).
QUALIFIER_ORDER = (
    "pointInTime",
    "startTime",
    "endTime",
    "approximate",
    "minimum",
    "maximum",
    "currency",
)


def time_words(value: TimeValue) -> str:
    """``2021`` → "2021", ``2015-01`` → "January 2015", ``2021-08-27`` → "27 August 2021"; a time
    adds the clock ("27 August 2021, 15:09") and its zone when one was given."""
    year = str(int(value.lexical[:4]))
    if value.precision == "year":
        return year
    month = MONTHS[int(value.lexical[5:7])]
    if value.precision == "month":
        return f"{month} {year}"
    day = f"{int(value.lexical[8:10])} {month} {year}"
    if value.precision == "day":
        return day
    clock = value.lexical[11:16]
    zone = value.lexical[19:]
    if zone == "Z":
        zone = " UTC"
    elif zone:
        zone = f" UTC{zone}"
    return f"{day}, {clock}{zone}"


def date_words(lexical: str, datatype: str = "") -> str:
    """An XSD date literal in words; text that is no date comes back as it was."""
    precision = DATE_TYPES.get(datatype)
    try:
        value = parse_time_value(lexical)
    except ValueError:
        return lexical
    if precision is not None and precision != value.precision:
        return lexical
    return time_words(value)


def number_words(lexical: str) -> str:
    """An integer with thousands separated ("3,000"); other numbers as written."""
    if re.fullmatch(r"[+-]?\d+", lexical):
        return f"{int(lexical):,}"
    return lexical


def rank_words(rank: str, competing: bool) -> str | None:
    """A rank worth saying: "deprecated" always, "preferred" only beside other values of the
    same property (it is then what decides), "normal" never (it is every statement's)."""
    if rank == "deprecated":
        return "deprecated"
    if rank == "preferred" and competing:
        return "preferred"
    return None


def qualifier_key(local_name: str, label: str) -> tuple[int, str]:
    """Sort key putting start before end and dates before the rest."""
    if local_name in QUALIFIER_ORDER:
        return QUALIFIER_ORDER.index(local_name), ""
    return len(QUALIFIER_ORDER), label.lower()


def plural(count: int, noun: str) -> str:
    """ "1 source", "3 sources"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
