"""Events as conflict researchers load them: CSV in the columns of UCDP GED and of ACLED.

Researchers who study political violence work in the UCDP Georeferenced Event Dataset and in
ACLED, one row per event, with their column names and value conventions; an export in those
shapes lets agkg's sourced events sit beside theirs. Every column is documented in
docs/conflict-data.md. Nothing is invented: a column the claims do not support stays empty.

The export reads the loaded claims and the statements derived from them (``CuratedData`` and
``Provenance``), not the RDF, so it does not depend on how statements are written as triples.
Only best-ranked statements count; a statement no source states as fact (an allegation) is never
best-ranked, and allegation references are left out of the notes, so an export never turns what
a party alleges into a coded fact.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from agkg.build.claims import CuratedData, Entity, EntityValue, LiteralValue, Value
from agkg.build.dates import TimeValue, parse_time_value
from agkg.build.ontology import Vocabulary
from agkg.build.provenance import Provenance, StatementRecord
from agkg.vocab import AGKG

FORMATS = ("ucdp", "acled")

# UCDP GED's 49 columns, in the order of its CSV, then agkg's ``notes`` (the quotes).
UCDP_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
    "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2",
    "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob", "notes",
)  # fmt: skip

# ACLED's export columns, in its order.
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)  # fmt: skip

# agkg event class -> (ACLED disorder type, event type, sub-event type); the most specific class
# of an event that is listed decides. Classes not listed (Event, Attack, Takeover) could be more
# than one ACLED type, so their rows leave the three columns empty.
ACLED_EVENT_TYPES: dict[str, tuple[str, str, str]] = {
    "Battle": ("Political violence", "Battles", "Armed clash"),
    "AirStrike": ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    "DroneStrike": ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    "SuicideBombing": ("Political violence", "Explosions/Remote violence", "Suicide bomb"),
    "Bombing": ("Political violence", "Explosions/Remote violence", ""),
    "Abduction": ("Political violence", "Violence against civilians", "Abduction/forced disappearance"),
    "PrisonRelease": ("Strategic developments", "Strategic developments", ""),
    "Founding": ("Strategic developments", "Strategic developments", "Change to group/activity"),
}

# ACLED's actor type codes (inter1, inter2): agkg class -> code.
ACLED_STATE_FORCES = 1
ACLED_REBEL_GROUP = 2
ACLED_CIVILIANS = 7
ACLED_EXTERNAL_OTHER = 8

# UCDP's types of violence
UCDP_STATE_BASED = 1
UCDP_NON_STATE = 2
UCDP_ONE_SIDED = 3

OUTCOME_PROPERTIES = ("killedCount",)
PERPETRATOR_PROPERTIES = ("perpetrator", "carriedOutBy")


@dataclass(frozen=True)
class Count:
    """One best-ranked count of people killed: the value and UCDP's low and high estimates."""

    value: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    sides: tuple[str, ...]
    victim_kinds: tuple[str, ...]


@dataclass
class EventExport:
    """One CSV table: the format's columns and one row per event, every cell a string."""

    format: str
    columns: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)

    def csv_text(self) -> str:
        """The table as CSV (RFC 4180, CRLF line ends as both datasets ship, UTF-8 text)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(self.columns), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()


def export_events(
    data: CuratedData, provenance: Provenance, vocabulary: Vocabulary, output_format: str
) -> EventExport:
    """A row for each event entity of the dataset, in the columns of ``output_format``."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown format {output_format!r}: use one of {', '.join(FORMATS)}")
    facts = _Facts(data, provenance, vocabulary)
    events = sorted(
        (e for e in data.entities.values() if vocabulary.is_a(e.type, AGKG.Event)), key=lambda e: e.id
    )
    export = EventExport(output_format, UCDP_COLUMNS if output_format == "ucdp" else ACLED_COLUMNS)
    for number, event in enumerate(events, start=1):
        row = facts.ucdp_row(event, number) if output_format == "ucdp" else facts.acled_row(event)
        export.rows.append({column: row.get(column, "") for column in export.columns})
    return export


class _Facts:
    """The best-ranked statements, indexed for the questions an event row asks."""

    def __init__(self, data: CuratedData, provenance: Provenance, vocabulary: Vocabulary) -> None:
        self.data = data
        self.provenance = provenance
        self.vocabulary = vocabulary
        self.best: dict[tuple[str, str], list[StatementRecord]] = defaultdict(list)
        for record in sorted(provenance.statements.values(), key=lambda r: r.key):
            if record.best and not record.alleged_by:
                self.best[(record.subject, record.property)].append(record)

    # ----- reading statements

    def statements(self, subject: str, *properties: str) -> list[StatementRecord]:
        return [r for p in properties for r in self.best.get((subject, p), [])]

    def entity_values(self, subject: str, *properties: str) -> list[str]:
        found: list[str] = []
        for record in self.statements(subject, *properties):
            if isinstance(record.value, EntityValue) and record.value.id not in found:
                found.append(record.value.id)
        return found

    def is_a(self, identifier: str, class_name: str) -> bool:
        entity = self.data.entities.get(identifier)
        return entity is not None and self.vocabulary.is_a(entity.type, AGKG.term(class_name))

    def label(self, identifier: str) -> str:
        entity = self.data.entities.get(identifier)
        if entity is None:
            source = self.data.sources.get(identifier)
            return (source.headline or identifier) if source else identifier
        return entity.labels.get("en") or next(iter(entity.labels.values()), identifier)

    def labels(self, identifiers: list[str]) -> str:
        return "; ".join(self.label(i) for i in identifiers)

    # ----- what an event row needs

    def dates(self, event: str) -> list[TimeValue]:
        found = []
        for record in self.statements(event, "eventDate"):
            if isinstance(record.value, LiteralValue):
                found.append(parse_time_value(record.value.lexical))
        return found

    def perpetrators(self, event: str) -> list[str]:
        return [a for a in self.entity_values(event, *PERPETRATOR_PROPERTIES) if self.is_a(a, "Agent")]

    def targets(self, event: str) -> list[str]:
        return [a for a in self.entity_values(event, "attackTarget") if self.is_a(a, "Agent")]

    def counts(self, event: str, prop: str = "killedCount") -> list[Count]:
        found = []
        for record in self.statements(event, prop):
            value = Decimal(record.value.lexical) if isinstance(record.value, LiteralValue) else None
            qualifiers: dict[str, list[Value]] = defaultdict(list)
            for name, qualifier in record.qualifiers:
                qualifiers[name].append(qualifier)

            def number(name: str, qualifiers: dict[str, list[Value]] = qualifiers) -> Decimal | None:
                values = [Decimal(v.lexical) for v in qualifiers[name] if isinstance(v, LiteralValue)]
                return values[0] if len(values) == 1 else None

            def ids(name: str, qualifiers: dict[str, list[Value]] = qualifiers) -> tuple[str, ...]:
                return tuple(sorted(v.id for v in qualifiers[name] if isinstance(v, EntityValue)))

            found.append(Count(value, number("minimum"), number("maximum"), ids("side"), ids("victimKind")))
        return found

    def places(self, event: str) -> tuple[str, str, str, str]:
        """(most specific place, province, country, where precision class) of the event."""
        locations = self.entity_values(event, "location")
        if len(locations) != 1:
            return "", "", "", ""
        place = locations[0]
        province = country = ""
        seen = {place}
        todo = [place]
        while todo:
            current = todo.pop(0)
            if self.is_a(current, "Country") and not country:
                country = current
            elif self.is_a(current, "Province") and not province:
                province = current
            for parent in self.entity_values(current, "locatedIn", "country"):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        kind = self.data.entities[place].type if place in self.data.entities else ""
        return place, province, country, kind

    def evidence(self, event: str) -> tuple[list[str], list[str], list[str]]:
        """The sources of the event's best statements, the parties they attribute claims to, and
        the notes (each quote with its source), allegation references left out."""
        sources: list[str] = []
        originals: list[str] = []
        notes: list[str] = []
        records = [r for (subject, _), rs in sorted(self.best.items()) if subject == event for r in rs]
        for record in records:
            for key in record.references:
                reference = self.provenance.references[key]
                if reference.allegation:
                    continue
                if reference.source not in sources:
                    sources.append(reference.source)
                if reference.attributed_to and reference.attributed_to not in originals:
                    originals.append(reference.attributed_to)
                note = f"{record.property}: “{' '.join(reference.quote.split())}” ({reference.source})"
                if note not in notes:
                    notes.append(note)
        return sorted(sources), originals, sorted(notes)

    def source_fields(self, sources: list[str]) -> dict[str, str]:
        offices, dates, headlines, articles = [], [], [], []
        for identifier in sources:
            source = self.data.sources[identifier]
            office = self.label(source.outlet) if source.outlet else ""
            date = source.published.lexical[:10] if source.published else ""
            headline = source.headline or ""
            offices.append(office)
            dates.append(date)
            headlines.append(headline)
            articles.append(
                ",".join(part for part in (office, date, f'"{headline}"' if headline else "") if part)
            )
        return {
            "source_office": ";".join(offices) if any(offices) else "",
            "source_date": ";".join(dates) if any(dates) else "",
            "source_headline": ";".join(headlines) if any(headlines) else "",
            "source_article": ";".join(articles) if any(articles) else "",
        }

    def civilian_victims(self, counts: list[Count]) -> bool:
        return any(self.is_a(kind, "CivilianVictimKind") for c in counts for kind in c.victim_kinds)

    # ----- UCDP GED

    def ucdp_row(self, event: Entity, number: int) -> dict[str, str]:
        row: dict[str, str] = {"id": str(number), "relid": event.id}
        side_a, side_b = self.perpetrators(event.id), self.targets(event.id)
        row["side_a"], row["side_b"] = self.labels(side_a), self.labels(side_b)
        if side_a and side_b:
            row["dyad_name"] = f"{row['side_a']} - {row['side_b']}"
        counts = self.counts(event.id)
        row["type_of_violence"] = self.type_of_violence(side_a, side_b, counts)
        sources, originals, notes = self.evidence(event.id)
        row["number_of_sources"] = str(len(sources)) if sources else ""
        row.update(self.source_fields(sources))
        row["source_original"] = self.labels(originals)
        row["notes"] = " | ".join(notes)
        place, province, country, kind = self.places(event.id)
        row["where_description"] = self.label(place) if place else ""
        row["adm_1"] = self.label(province) if province else ""
        row["country"] = self.label(country) if country else ""
        row["where_prec"] = _ucdp_where_prec(kind, self.vocabulary)
        dates = self.dates(event.id)
        if dates:
            start, end = min(d.earliest for d in dates), max(d.latest for d in dates)
            row["date_start"], row["date_end"], row["year"] = start, end, start[:4]
            row["date_prec"] = _ucdp_date_prec(dates, start, end)
        row.update(self.ucdp_deaths(counts, side_a, side_b))
        return row

    def type_of_violence(self, side_a: list[str], side_b: list[str], counts: list[Count]) -> str:
        """1 state-based (a state's forces on one side), 2 non-state (organised groups on both
        sides, no state), 3 one-sided (an organised actor, no opposing agent, civilian victims)."""
        state = [a for a in side_a + side_b if self.is_a(a, "Government") or self.is_a(a, "SecurityForce")]
        if side_a and side_b:
            return str(UCDP_STATE_BASED if state else UCDP_NON_STATE)
        if side_a and not side_b and self.civilian_victims(counts):
            return str(UCDP_ONE_SIDED)
        return ""

    def ucdp_deaths(self, counts: list[Count], side_a: list[str], side_b: list[str]) -> dict[str, str]:
        row: dict[str, str] = {}
        totals = [c for c in counts if not c.sides and not c.victim_kinds]
        if len(totals) == 1:
            total = totals[0]
            row["best"] = _number(total.value)
            row["low"] = _number(total.minimum if total.minimum is not None else total.value)
            row["high"] = _number(total.maximum if total.maximum is not None else total.value)
        elif totals:  # sources disagree: the estimates' full range, and no single best
            lows = [x for c in totals if (x := c.minimum if c.minimum is not None else c.value) is not None]
            highs = [x for c in totals if (x := c.maximum if c.maximum is not None else c.value) is not None]
            row["low"] = _number(min(lows)) if lows else ""
            row["high"] = _number(max(highs)) if highs else ""
        for column, wanted in (("deaths_a", side_a), ("deaths_b", side_b)):
            values = {
                c.value for c in counts if c.sides and set(c.sides) <= set(wanted) and c.value is not None
            }
            if wanted and len(values) == 1:
                row[column] = _number(values.pop())
        civilian = {
            c.value
            for c in counts
            if c.victim_kinds
            and all(self.is_a(k, "CivilianVictimKind") for k in c.victim_kinds)
            and not c.sides
            and c.value is not None
        }
        if len(civilian) == 1:
            row["deaths_civilians"] = _number(civilian.pop())
        return row

    # ----- ACLED

    def acled_row(self, event: Entity) -> dict[str, str]:
        row: dict[str, str] = {"event_id_cnty": event.id}
        disorder, event_type, sub_event_type = _acled_types(event.type, self.vocabulary)
        row.update(disorder_type=disorder, event_type=event_type, sub_event_type=sub_event_type)
        counts = self.counts(event.id)
        actor1, actor2 = self.perpetrators(event.id), self.targets(event.id)
        row["actor1"], row["actor2"] = self.labels(actor1), self.labels(actor2)
        place, province, country, kind = self.places(event.id)
        civilians = self.civilian_victims(counts)
        inter1 = self.inter(actor1)
        inter2 = self.inter(actor2)
        if not actor2 and civilians:
            # ACLED names civilian victims "Civilians (Country)", actor type 7
            row["actor2"] = f"Civilians ({self.label(country)})" if country else "Civilians"
            inter2 = ACLED_CIVILIANS
        row["inter1"] = str(inter1) if inter1 else ""
        row["inter2"] = str(inter2) if inter2 else ""
        if inter1 and inter2:
            row["interaction"] = str(min(inter1, inter2) * 10 + max(inter1, inter2))
        elif inter1 and not actor2:
            row["interaction"] = f"{inter1}0"  # ACLED: an actor acting alone
        if civilians and disorder == "Political violence":
            row["civilian_targeting"] = "Civilian targeting"
        row["country"] = self.label(country) if country else ""
        row["admin1"] = self.label(province) if province else ""
        row["location"] = self.label(place) if place else ""
        row["geo_precision"] = _acled_geo_precision(kind, self.vocabulary)
        dates = self.dates(event.id)
        if dates:
            start = min(d.earliest for d in dates)
            row["year"] = start[:4]
            precision = _acled_time_precision(dates)
            if precision:
                row["event_date"], row["time_precision"] = start, precision
        sources, _originals, notes = self.evidence(event.id)
        names = []
        for identifier in sources:
            source = self.data.sources[identifier]
            name = self.label(source.outlet) if source.outlet else (source.headline or identifier)
            if name not in names:
                names.append(name)
        row["source"] = "; ".join(names)
        row["notes"] = " | ".join(notes)
        row["fatalities"] = _acled_fatalities(counts)
        return row

    def inter(self, actors: list[str]) -> int:
        """ACLED's actor type of the first actor: 1 state forces, 2 rebel group, 8 other."""
        if not actors:
            return 0
        actor = actors[0]
        if self.is_a(actor, "Government") or self.is_a(actor, "SecurityForce"):
            return ACLED_STATE_FORCES
        if self.is_a(actor, "ArmedGroup"):
            return ACLED_REBEL_GROUP
        return ACLED_EXTERNAL_OTHER


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else str(value)


def _most_specific(class_name: str, table: Mapping[str, object], vocabulary: Vocabulary) -> str:
    """The entry of ``table`` for the class itself or its nearest listed superclass."""
    if class_name in table:
        return class_name
    ancestors = vocabulary.superclasses.get(class_name, frozenset())
    listed = [name for name in table if AGKG.term(name).value in ancestors]
    # the nearest listed superclass is the one with the most ancestors of its own
    return max(listed, key=lambda n: len(vocabulary.superclasses.get(n, ())), default="")


def _acled_types(class_name: str, vocabulary: Vocabulary) -> tuple[str, str, str]:
    chosen = _most_specific(class_name, ACLED_EVENT_TYPES, vocabulary)
    return ACLED_EVENT_TYPES.get(chosen, ("", "", ""))


# place class -> UCDP where_prec: 1 the exact place (a town, a site), 4 a first-order
# administrative division, 5 a region larger than that, 6 the whole country.
UCDP_WHERE_PREC = {"City": "1", "Facility": "1", "Province": "4", "Region": "5", "Country": "6"}
# place class -> ACLED geo_precision: 1 the town itself, 3 a larger region.
ACLED_GEO_PRECISION = {"City": "1", "Facility": "1", "Province": "3", "Region": "3"}


def _ucdp_where_prec(kind: str, vocabulary: Vocabulary) -> str:
    return UCDP_WHERE_PREC.get(_most_specific(kind, UCDP_WHERE_PREC, vocabulary), "") if kind else ""


def _acled_geo_precision(kind: str, vocabulary: Vocabulary) -> str:
    return ACLED_GEO_PRECISION.get(_most_specific(kind, ACLED_GEO_PRECISION, vocabulary), "") if kind else ""


def _ucdp_date_prec(dates: list[TimeValue], start: str, end: str) -> str:
    """UCDP date_prec: 1 the exact day, 4 a month, 5 more than a month within a year."""
    if start == end:
        return "1"
    if start[:7] == end[:7]:
        return "4"
    if start[:4] == end[:4]:
        return "5"
    return ""


def _acled_time_precision(dates: list[TimeValue]) -> str:
    """ACLED time_precision: 1 the day is known, 3 only the month; empty when only the year is."""
    precisions = {d.precision for d in dates}
    if len(dates) == 1 or len({d.earliest for d in dates}) == 1:
        if precisions <= {"day", "time"}:
            return "1"
        if precisions == {"month"}:
            return "3"
    return ""


def _acled_fatalities(counts: list[Count]) -> str:
    """ACLED codes the most conservative total: the lowest estimate any source gives."""
    totals = [c for c in counts if not c.sides and not c.victim_kinds]
    lows = [x for c in totals if (x := c.minimum if c.minimum is not None else c.value) is not None]
    return _number(min(lows)) if lows else ""


__all__ = ["ACLED_COLUMNS", "FORMATS", "UCDP_COLUMNS", "EventExport", "export_events"]
