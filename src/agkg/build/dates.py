"""Dates at the precision a text gives them.

"January 2015" is a month, not 1 January 2015; we keep the precision in the literal's XSD type
(xsd:gYear, xsd:gYearMonth, xsd:date, xsd:dateTime), the standard way that survives every RDF
tool without an extra precision property.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime

_DATE = re.compile(
    r"^(?P<year>\d{4})"
    r"(?:-(?P<month>\d{2})"
    r"(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)

PRECISIONS = ("year", "month", "day", "time")
DATATYPES = {"year": "gYear", "month": "gYearMonth", "day": "date", "time": "dateTime"}


@dataclass(frozen=True)
class TimeValue:
    """A date or time; ``lexical`` is the XSD lexical form of type ``xsd:{datatype}``."""

    lexical: str
    precision: str

    @property
    def datatype(self) -> str:
        return DATATYPES[self.precision]

    @property
    def earliest(self) -> str:
        """The first day the value can mean, as YYYY-MM-DD (for ordering checks)."""
        if self.precision == "year":
            return self.lexical + "-01-01"
        if self.precision == "month":
            return self.lexical + "-01"
        return self.lexical[:10]

    @property
    def latest(self) -> str:
        """The last day the value can mean, as YYYY-MM-DD."""
        year = int(self.lexical[:4])
        if self.precision == "year":
            return f"{year:04d}-12-31"
        month = int(self.lexical[5:7])
        if self.precision == "month":
            return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
        return self.lexical[:10]


def parse_time_value(text: str) -> TimeValue:
    """Read ``2015``, ``2015-01``, ``2021-08-15`` or ``2021-08-27T15:09``; ValueError says why not."""
    match = _DATE.match(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a date; write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm")
    year = int(match["year"])
    if year == 0:
        raise ValueError(f"'{text}': year 0000 does not exist")
    if match["month"] is None:
        return TimeValue(match["year"], "year")
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise ValueError(f"'{text}': month {month} does not exist")
    if match["day"] is None:
        return TimeValue(f"{match['year']}-{match['month']}", "month")
    day = int(match["day"])
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"'{text}': day {day} does not exist in {year:04d}-{month:02d}")
    date = f"{match['year']}-{match['month']}-{match['day']}"
    if match["hour"] is None:
        return TimeValue(date, "day")
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"'{text}': {hour:02d}:{minute:02d}:{second:02d} is not a time of day")
    zone = match["zone"] or ""
    if zone not in ("", "Z") and (int(zone[4:6]) > 59 or (int(zone[1:3]), int(zone[4:6])) > (14, 0)):
        # XSD 1.1 (D.3.7): offsets run from -14:00 to +14:00
        raise ValueError(f"'{text}': time zone offset {zone} is outside -14:00 to +14:00")
    return TimeValue(f"{date}T{hour:02d}:{minute:02d}:{second:02d}{zone}", "time")


# Wikibase's time precisions (https://www.mediawiki.org/wiki/Wikibase/DataModel#Dates_and_times)
WIKIBASE_PRECISIONS = {"year": 9, "month": 10, "day": 11, "time": 14}
PRECISION_NAMES = {number: name for name, number in WIKIBASE_PRECISIONS.items()}


@dataclass(frozen=True)
class WikibaseTime:
    """A time as Wikibase writes it: an ``xsd:dateTime`` in UTC with the unknown parts at their
    first value (``2015-01`` is ``2015-01-01T00:00:00Z``), the precision that says which parts
    are known, and the time zone offset in minutes the value was given in."""

    datetime: str
    precision: int
    timezone: int


def wikibase_time(value: TimeValue) -> WikibaseTime:
    """``value`` as a Wikibase time: a month becomes its first instant, at precision 10."""
    precision = WIKIBASE_PRECISIONS[value.precision]
    if value.precision != "time":
        return WikibaseTime(value.earliest + "T00:00:00Z", precision, 0)
    moment = datetime.fromisoformat(value.lexical.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return WikibaseTime(value.lexical[:19] + "Z", precision, 0)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return WikibaseTime(utc.isoformat(timespec="seconds") + "Z", precision, minutes)


def time_from_wikibase(datetime_lexical: str, precision: int) -> TimeValue:
    """The agkg time a Wikibase time stands for (the inverse of ``wikibase_time`` up to the
    time zone): ``2015-01-01T00:00:00Z`` at precision 10 is the month ``2015-01``."""
    name = PRECISION_NAMES.get(precision, "time")
    lengths = {"year": 4, "month": 7, "day": 10, "time": 20}
    return TimeValue(datetime_lexical[: lengths[name]], name)
