"""Timelines: an entity's dated facts in order, and the dataset's events by date.

Time is the other axis an analyst reads a group by (founded, led by whom from when to when,
attacks, designations, deaths), and it is scattered over statement boxes on the evidence part
of a page. Here the dated facts are gathered at best rank (``wikibase:BestRank`` statements;
deprecated values and allegations are left to the evidence) and ordered.

Dates are shown at the precision their Wikibase time value node gives
(``wikibase:timePrecision`` 9 year, 10 month, 11 day, 14 second): a month is "January 2015",
never "1 January 2015", and on the drawing it covers the whole month, so a year-precision
founding is a bar the width of the year rather than a dot on 1 January.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pyoxigraph as ox

from agkg.build.dates import time_from_wikibase
from agkg.vocab import AGKG, RDF, WIKIBASE
from agkg.web.site import SiteData, Term

MONTHS = tuple(calendar.month_name)  # "", "January", …: English, as the pages are

# What a dated value of the entity's own means, in the words a timeline uses.
OWN_DATES = {
    "inception": ("Founded", "founding"),
    "dissolution": ("Dissolved", "dissolution"),
    "dateOfDeath": ("Died", "death"),
    "eventDate": ("Took place", "event"),
}
# Incoming relations a person's or group's timeline shows from the other side.
INCOMING_WORDS = {"leader": "Leader of", "founder": "Founder of", "holdsPost": "Held by"}
DESIGNATIONS = ("designatedTerroristBy", "sanctionedBy")

WIDTH = 760.0
ROW = 34.0
TOP = 34.0
SIDE = 16.0


@dataclass(frozen=True)
class When:
    """A date at its precision: what it says ("January 2015"), its HTML ``datetime`` value, and
    the first and last day it can mean."""

    text: str
    datetime: str  # 2015, 2015-01, 2015-01-03 or a full date and time
    first: date
    last: date
    precision: int


@dataclass(frozen=True)
class Entry:
    """One dated fact: a moment, or a span from ``start`` to ``end`` (open when ``end`` is None
    and the fact is a term still running, as far as the sources say)."""

    start: When
    end: When | None
    span: bool
    what: str
    other: str | None  # the label of the item the fact names, linked after ``what``
    href: str | None
    kind: str  # founding, dissolution, death, event, term, designation, other
    note: str = ""  # how an event involves the entity ("perpetrator")


@dataclass(frozen=True)
class Bar:
    """An entry as drawn: its row, its extent and where its words go."""

    entry: Entry
    x: float
    width: float
    y: float
    text: str
    text_x: float
    anchor: str  # start or end
    open_end: bool


@dataclass(frozen=True)
class Tick:
    x: float
    year: int


@dataclass(frozen=True)
class TimelineView:
    """What the timeline template shows: the list of entries and the drawing of them."""

    key: str
    title: str
    entries: tuple[Entry, ...]
    width: float
    height: float
    axis_y: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]


Href = Callable[[ox.NamedNode], str | None]


def when(site: SiteData, value_node: Term | None) -> When | None:
    """The date a Wikibase time value node holds, at its precision (None if it holds none)."""
    if value_node is None:
        return None
    instant = site.data.first(value_node, WIKIBASE.timeValue)
    precision = site.data.first(value_node, WIKIBASE.timePrecision)
    if not isinstance(instant, ox.Literal) or not isinstance(precision, ox.Literal):
        return None
    try:
        number = int(precision.value)
        time = time_from_wikibase(instant.value, number)
        year, month, day = int(instant.value[0:4]), int(instant.value[5:7]), int(instant.value[8:10])
    except ValueError:
        return None
    first = date(year, month, day)
    if time.precision == "year":
        return When(f"{year}", time.lexical, date(year, 1, 1), date(year, 12, 31), number)
    if time.precision == "month":
        last = date(year, month, calendar.monthrange(year, month)[1])
        return When(f"{MONTHS[month]} {year}", time.lexical, date(year, month, 1), last, number)
    text = f"{day} {MONTHS[month]} {year}"
    if time.precision == "time":
        text += f", {instant.value[11:16]} UTC"
    return When(text, time.lexical, first, first, number)


class Timeline:
    """The dated facts of the published dataset, at best rank."""

    def __init__(self, site: SiteData, href: Href) -> None:
        self.site = site
        self.href = href
        self.wb = site.iris.wb
        self.data = site.data

    def _best(self, statements: Iterable[Term]) -> list[Term]:
        return sorted(
            (s for s in set(statements) if WIKIBASE.BestRank in self.data.objects(s, RDF.type)), key=str
        )

    def _qualifier_time(self, statement: Term, name: str) -> When | None:
        return when(self.site, self.data.first(statement, self.wb.qualifier_value.term(name)))

    def _property_label(self, name: str) -> str:
        return self.site.label(AGKG.term(name))

    def _link(self, value: Term) -> tuple[str | None, str | None]:
        if isinstance(value, ox.NamedNode):
            return self.site.label(value), self.href(value)
        if isinstance(value, ox.Literal):
            return value.value, None
        return None, None

    def of(self, node: ox.NamedNode) -> list[Entry]:
        """``node``'s dated facts: its own dated statements and dated qualifiers, the terms and
        events others' statements give it, in order of date."""
        entries: list[Entry] = []
        for predicate, statements in self.data.out.get(node, {}).items():
            if predicate not in self.wb.claim or predicate in self.wb.direct:
                continue
            name = self.wb.claim.local_name(predicate)
            if "/" in name:
                continue
            for statement in self._best(statements):
                entries.extend(self._own(name, statement))
        for subject, predicate in sorted(set(self.data.into.get(node, [])), key=str):
            if predicate not in self.wb.statement or not isinstance(subject, ox.NamedNode):
                continue
            name = self.wb.statement.local_name(predicate)
            if "/" in name or not self._best([subject]):
                continue
            entries.extend(self._incoming(name, subject))
        return sorted(set(entries), key=_entry_key)

    def _own(self, name: str, statement: Term) -> Iterable[Entry]:
        value_node = self.data.first(statement, self.wb.statement_value.term(name))
        own = when(self.site, value_node)
        if own is not None:
            what, kind = OWN_DATES.get(name, (self._property_label(name).capitalize(), "other"))
            yield Entry(own, None, False, what, None, None, kind)
            return
        value = self.data.first(statement, self.wb.statement.term(name))
        if value is None:
            return
        other, href = self._link(value)
        kind = "designation" if name in DESIGNATIONS else "term"
        what = self._property_label(name).capitalize() + ":"
        yield from self._qualified(statement, what, other, href, kind)

    def _qualified(
        self, statement: Term, what: str, other: str | None, href: str | None, kind: str
    ) -> Iterable[Entry]:
        start, end = self._qualifier_time(statement, "startTime"), self._qualifier_time(statement, "endTime")
        if start is not None:
            yield Entry(start, end, True, what, other, href, kind)
        elif end is not None:
            yield Entry(end, None, False, f"Ended: {what}", other, href, kind)
        point = self._qualifier_time(statement, "pointInTime")
        if point is not None:
            yield Entry(
                point, None, False, what, other, href, "designation" if kind == "designation" else "other"
            )

    def _incoming(self, name: str, statement: ox.NamedNode) -> Iterable[Entry]:
        for subject, predicate in self.data.into.get(statement, []):
            if not isinstance(subject, ox.NamedNode) or predicate != self.wb.claim.term(name):
                continue
            label, href = self._link(subject)
            event_date = self._event_date(subject)
            if event_date is not None:
                words = self._property_label(name)
                yield Entry(event_date, None, False, "", label, href, "event", note=words)
                continue
            words = INCOMING_WORDS.get(name, f"{self._property_label(name).capitalize()} (from)")
            yield from self._qualified(statement, words, label, href, "term")

    def _event_date(self, event: ox.NamedNode) -> When | None:
        name = "eventDate"
        for statement in self._best(self.data.objects(event, self.wb.claim.term(name))):
            found = when(self.site, self.data.first(statement, self.wb.statement_value.term(name)))
            if found is not None:
                return found
        return None

    def events(self) -> list[Entry]:
        """Every event of the dataset with a best-ranked date, by date (the home page's)."""
        predicate = self.wb.claim.eventDate
        entries = []
        for subject, statements in self.data.out.items():
            if not isinstance(subject, ox.NamedNode) or predicate not in statements:
                continue
            found = self._event_date(subject)
            if found is not None:
                label, href = self._link(subject)
                entries.append(Entry(found, None, False, "", label, href, "event"))
        return sorted(set(entries), key=_entry_key)


def _entry_key(entry: Entry) -> tuple[object, ...]:
    """Date order, then a total order over every field, so ties never depend on hashing."""
    end = entry.end.last if entry.end else entry.start.last
    return (
        entry.start.first,
        entry.start.precision,
        end,
        entry.what,
        entry.other or "",
        entry.note,
        entry.kind,
        entry.href or "",
        entry.span,
    )


def timeline_view(key: str, title: str, entries: list[Entry]) -> TimelineView | None:
    """``entries`` laid out on a horizontal axis of years, one row each; None when there are none."""
    if not entries:
        return None
    low = min(e.start.first for e in entries)
    high = max((e.end or e.start).last for e in entries)
    first_year, last_year = low.year, high.year + 1
    start, stop = date(first_year, 1, 1).toordinal(), date(last_year, 1, 1).toordinal()
    scale = (WIDTH - 2 * SIDE) / max(stop - start, 1)

    def x_of(day: date) -> float:
        return SIDE + (day.toordinal() - start) * scale

    years = last_year - first_year
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 250, 500, 1000) if years / s <= 10) if years else 1
    ticks = tuple(
        Tick(round(x_of(date(year, 1, 1)), 1), year)
        for year in range(first_year, last_year + 1)
        if year % step == 0 or year == first_year
    )
    bars = []
    for row, entry in enumerate(entries):
        open_end = entry.span and entry.end is None
        left = x_of(entry.start.first)
        right = WIDTH - SIDE if open_end else x_of((entry.end or entry.start).last + timedelta(days=1))
        width = max(right - left, 4.0)
        y = TOP + 16 + row * ROW
        text = _bar_text(entry)
        anchor, text_x = ("start", left) if left < WIDTH * 0.55 else ("end", left + width)
        bars.append(Bar(entry, round(left, 1), round(width, 1), y, text, round(text_x, 1), anchor, open_end))
    height = TOP + 16 + len(entries) * ROW + 4
    return TimelineView(key, title, tuple(entries), WIDTH, height, TOP, tuple(bars), ticks)


def _bar_text(entry: Entry) -> str:
    words = " ".join(w for w in (entry.what, entry.other or "", f"({entry.note})" if entry.note else "") if w)
    if entry.span:
        until = entry.end.text if entry.end else "…"
        return f"{entry.start.text} \u2013 {until}: {words}"  # an en dash, as spans are printed
    return f"{entry.start.text}: {words}"
