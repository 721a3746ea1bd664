"""The Wikibase RDF form of agkg's data: property entities, and values as Wikibase writes them.

agkg publishes its claims in the shape of the Wikibase RDF dump format
(https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format) under its own base IRI, so
that a Wikidata Query Service query runs on agkg once its PREFIX lines (and local names) are
changed. This module knows the parts of that format that are more than one triple: the property
entities with their predicate families, and the value nodes of times and quantities.

Times keep their precision in ``wikibase:timePrecision`` on a value node (9 year, 10 month,
11 day, 14 second) while the simple value is the ``xsd:dateTime`` of the first instant, exactly
as Wikibase does. Quantities get ``wikibase:QuantityValue`` nodes with their unit (the item
"1" for counts, the currency's Wikidata item for money) and the bounds a source gives
(agkg's ``minimum`` and ``maximum`` qualifiers). Value nodes are named by a content hash, like
Wikibase's ``wdv:`` nodes, so equal values meet in one node and no blank node is needed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pyoxigraph as ox

from agkg.build.claims import LiteralValue, Value
from agkg.build.dates import TimeValue, WikibaseTime, wikibase_time
from agkg.build.ontology import Vocabulary
from agkg.vocab import (
    AGKG,
    BOOLEAN_TYPE,
    CURRENCY_ITEMS,
    GREGORIAN_CALENDAR,
    OWL,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    UNIT_ONE,
    WD,
    WIKIBASE,
    XSD,
    WikibaseNamespaces,
)

Term = ox.NamedNode | ox.Literal
Triple = tuple[ox.NamedNode, ox.NamedNode, Term]

# how each agkg value kind is typed as a Wikibase property
PROPERTY_TYPES: dict[str, ox.NamedNode] = {
    "entity": WIKIBASE.WikibaseItem,
    "time": WIKIBASE.Time,
    "integer": WIKIBASE.Quantity,
    "positiveInteger": WIKIBASE.Quantity,
    "nonNegativeInteger": WIKIBASE.Quantity,
    "decimal": WIKIBASE.Quantity,
    "string": WIKIBASE.String,
    "langString": WIKIBASE.Monolingualtext,
    "anyURI": WIKIBASE.Url,
    "boolean": BOOLEAN_TYPE,
}
QUANTITY_KINDS = frozenset(k for k, t in PROPERTY_TYPES.items() if t == WIKIBASE.Quantity)
# Wikibase types whose simple values are IRIs: their wdt:, ps:, pq: and pr: are object properties
_IRI_TYPES = (WIKIBASE.WikibaseItem, WIKIBASE.Url)
_TIME_PRECISIONS = {"gYear": "year", "gYearMonth": "month", "date": "day", "dateTime": "time"}
# reference properties whose values are not read from the ontology's range
_REFERENCE_KINDS = {"statedIn": "entity", "attributedTo": "entity", "referenceUrl": "anyURI"}
RANK_REASON = "rankReason"  # published as a qualifier (see docs/model.md, "Rank reasons")
VALUE_HASH_DIGITS = 32  # as long as Wikibase's wdv: hashes


@dataclass(frozen=True)
class WikibaseProperty:
    """A property as a Wikibase property entity: its ontology term and what its values are."""

    name: str
    iri: ox.NamedNode
    kind: str
    roles: frozenset[str]  # "claim", "qualifier", "reference"

    @property
    def property_type(self) -> ox.NamedNode:
        return PROPERTY_TYPES[self.kind]


def wikibase_properties(vocabulary: Vocabulary) -> dict[str, WikibaseProperty]:
    """Every claim, qualifier and reference property of the ontology, by name; plus the rank
    reason, which agkg writes as a qualifier."""
    roles: dict[str, set[str]] = {}
    kinds: dict[str, str] = {}
    for name, spec in vocabulary.claim_properties.items():
        roles.setdefault(name, set()).add("claim")
        kinds[name] = spec.kind
    for name, spec in vocabulary.qualifiers.items():
        roles.setdefault(name, set()).add("qualifier")
        kinds.setdefault(name, spec.kind)
    ranges = {
        t.subject: t.object
        for t in vocabulary.triples
        if t.predicate == RDFS.range and isinstance(t.object, ox.NamedNode)
    }
    for triple in vocabulary.triples:
        if (
            triple.predicate == RDF.type
            and triple.object == AGKG.ReferenceProperty
            and triple.subject in AGKG
        ):
            name = AGKG.local_name(triple.subject)  # type: ignore[arg-type]
            roles.setdefault(name, set()).add("reference")
            range_iri = ranges.get(triple.subject)
            kinds.setdefault(name, _REFERENCE_KINDS.get(name) or _range_kind(range_iri))
    roles.setdefault(RANK_REASON, set()).add("qualifier")
    kinds.setdefault(RANK_REASON, "langString")
    return {
        name: WikibaseProperty(name, AGKG.term(name), kinds[name], frozenset(roles[name]))
        for name in sorted(roles)
    }


def _range_kind(range_iri: ox.NamedNode | None) -> str:
    if range_iri == XSD.dateTime:
        return "time"
    if range_iri == RDF.langString:
        return "langString"
    if range_iri is not None and range_iri in XSD:
        return XSD.local_name(range_iri)
    return "entity"


def _direct_alignments(vocabulary: Vocabulary) -> dict[str, tuple[ox.NamedNode, ox.NamedNode]]:
    """Each agkg term's own mapping to a Wikidata entity: (skos:exactMatch or closeMatch, wd:…);
    an exact match wins over a close one."""
    found: dict[str, tuple[ox.NamedNode, ox.NamedNode]] = {}
    for t in sorted(vocabulary.triples, key=str):
        if t.predicate in (SKOS.exactMatch, SKOS.closeMatch) and t.subject in AGKG and t.object in WD:
            name = AGKG.local_name(t.subject)  # type: ignore[arg-type]
            if name not in found or t.predicate == SKOS.exactMatch:
                found[name] = (t.predicate, t.object)  # type: ignore[assignment]
    return found


def _annotations(vocabulary: Vocabulary, iri: ox.NamedNode, predicate: ox.NamedNode) -> list[ox.Literal]:
    return sorted(
        (t.object for t in vocabulary.triples if t.subject == iri and t.predicate == predicate),  # type: ignore[misc]
        key=str,
    )


def property_entity_triples(wb: WikibaseNamespaces, vocabulary: Vocabulary) -> list[Triple]:
    """Every property as Wikibase publishes a property entity: its type, labels and description,
    and the links to each predicate of its family (as in Wikibase's PropertyRdfBuilder fixtures);
    plus the mapping to its verified Wikidata property, the only link to Wikidata it gets."""
    triples: list[Triple] = []
    alignments = _direct_alignments(vocabulary)
    for name, prop in wikibase_properties(vocabulary).items():
        entity = wb.property_entity(name)
        triples.append((entity, RDF.type, WIKIBASE.Property))
        for label in _annotations(vocabulary, prop.iri, RDFS.label):
            triples += [
                (entity, RDFS.label, label),
                (entity, SKOS.prefLabel, label),
                (entity, SCHEMA.name, label),
            ]
        for definition in _annotations(vocabulary, prop.iri, SKOS.definition):
            triples.append((entity, SCHEMA.description, definition))
        triples.append((entity, WIKIBASE.propertyType, prop.property_type))
        triples.append((entity, RDFS.isDefinedBy, prop.iri))
        if name in alignments:
            match, wikidata = alignments[name]
            triples.append((entity, match, wikidata))
        simple = OWL.ObjectProperty if prop.property_type in _IRI_TYPES else OWL.DatatypeProperty
        families = (
            (WIKIBASE.directClaim, wb.direct, simple),
            (WIKIBASE.claim, wb.claim, OWL.ObjectProperty),
            (WIKIBASE.statementProperty, wb.statement, simple),
            (WIKIBASE.statementValue, wb.statement_value, OWL.ObjectProperty),
            (WIKIBASE.qualifier, wb.qualifier, simple),
            (WIKIBASE.qualifierValue, wb.qualifier_value, OWL.ObjectProperty),
            (WIKIBASE.reference, wb.reference, simple),
            (WIKIBASE.referenceValue, wb.reference_value, OWL.ObjectProperty),
        )
        for link, namespace, kind in families:
            predicate = namespace.term(name)
            triples += [(entity, link, predicate), (predicate, RDF.type, kind)]
        # wdno: the class of statements saying the property has no value (owl:complementOf a
        # restriction, which Wikibase writes as a blank node and agkg as a Skolem IRI)
        novalue = wb.novalue.term(name)
        restriction = wb.genid.term("novalue-" + name)
        triples += [
            (entity, WIKIBASE.novalue, novalue),
            (novalue, RDF.type, OWL.Class),
            (novalue, OWL.complementOf, restriction),
            (restriction, RDF.type, OWL.Restriction),
            (restriction, OWL.onProperty, wb.direct.term(name)),
            (restriction, OWL.someValuesFrom, OWL.Thing),
        ]
    return triples


@dataclass(frozen=True)
class ValueNode:
    """A full value (Wikibase's psv:/pqv:/prv: object) and its triples."""

    iri: ox.NamedNode
    triples: tuple[Triple, ...]


def _hash(parts: list[object]) -> str:
    canonical = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:VALUE_HASH_DIGITS]


def time_of(value: LiteralValue) -> TimeValue | None:
    """The agkg time a literal holds, or None if it is not a time."""
    datatype = value.datatype.rsplit("#", 1)[-1]
    if not value.datatype.startswith(XSD.iri) or datatype not in _TIME_PRECISIONS:
        return None
    return TimeValue(value.lexical, _TIME_PRECISIONS[datatype])


def time_literal(time: WikibaseTime) -> ox.Literal:
    return ox.Literal(time.datetime, datatype=XSD.dateTime)


def time_node(wb: WikibaseNamespaces, time: TimeValue) -> ValueNode:
    """A ``wikibase:TimeValue`` node: the instant, its precision, time zone and calendar."""
    wt = wikibase_time(time)
    iri = wb.value_node.term(
        _hash(["time", wt.datetime, wt.precision, wt.timezone, GREGORIAN_CALENDAR.value])
    )
    return ValueNode(
        iri,
        (
            (iri, RDF.type, WIKIBASE.TimeValue),
            (iri, WIKIBASE.timeValue, time_literal(wt)),
            (iri, WIKIBASE.timePrecision, ox.Literal(str(wt.precision), datatype=XSD.integer)),
            (iri, WIKIBASE.timeTimezone, ox.Literal(str(wt.timezone), datatype=XSD.integer)),
            (iri, WIKIBASE.timeCalendarModel, GREGORIAN_CALENDAR),
        ),
    )


@dataclass(frozen=True)
class Quantity:
    """An amount with its unit and the bounds the source gives (either may be missing)."""

    amount: str | None  # None: a range the source gives only by its bounds
    unit: ox.NamedNode | None
    lower: str | None = None
    upper: str | None = None


def quantity_node(wb: WikibaseNamespaces, quantity: Quantity) -> ValueNode:
    """A ``wikibase:QuantityValue`` node: amount, unit and bounds, each when known."""
    unit = quantity.unit.value if quantity.unit else ""
    iri = wb.value_node.term(
        _hash(["quantity", quantity.amount or "", unit, quantity.lower or "", quantity.upper or ""])
    )
    triples: list[Triple] = [(iri, RDF.type, WIKIBASE.QuantityValue)]
    if quantity.amount is not None:
        triples.append((iri, WIKIBASE.quantityAmount, decimal(quantity.amount)))
    if quantity.upper is not None:
        triples.append((iri, WIKIBASE.quantityUpperBound, decimal(quantity.upper)))
    if quantity.lower is not None:
        triples.append((iri, WIKIBASE.quantityLowerBound, decimal(quantity.lower)))
    if quantity.unit is not None:
        triples.append((iri, WIKIBASE.quantityUnit, quantity.unit))
    return ValueNode(iri, tuple(triples))


def decimal(lexical: str) -> ox.Literal:
    return ox.Literal(lexical, datatype=XSD.decimal)


def quantity_unit(qualifiers: tuple[tuple[str, Value], ...]) -> ox.NamedNode | None:
    """A statement's unit: its currency's item when it has a currency qualifier (None for a
    currency without a known item: a wrong unit would be worse than none), else "1"."""
    for name, value in qualifiers:
        if name == "currency" and isinstance(value, LiteralValue):
            return CURRENCY_ITEMS.get(value.lexical)
    return UNIT_ONE


def bounds(qualifiers: tuple[tuple[str, Value], ...]) -> tuple[str | None, str | None]:
    """The lower and upper bound a statement's minimum and maximum qualifiers give."""
    found: dict[str, str] = {}
    for name, value in qualifiers:
        if name in ("minimum", "maximum") and isinstance(value, LiteralValue):
            found[name] = value.lexical
    return found.get("minimum"), found.get("maximum")


class ValueWriter:
    """Simple values and value nodes of the literals of one dataset's properties."""

    def __init__(self, wb: WikibaseNamespaces, properties: dict[str, WikibaseProperty]) -> None:
        self.wb = wb
        self.properties = properties

    def kind(self, name: str) -> str:
        prop = self.properties.get(name)
        return prop.kind if prop else "entity"

    def literal(self, name: str, value: LiteralValue) -> tuple[ox.Literal, ValueNode | None]:
        """The simple value (``wdt:``, ``ps:``, ``pq:``) of a literal of property ``name``, and
        its full value node when Wikibase gives that type one."""
        time = time_of(value)
        if time is not None:
            return time_literal(wikibase_time(time)), time_node(self.wb, time)
        if value.language:
            return ox.Literal(value.lexical, language=value.language), None
        return ox.Literal(value.lexical, datatype=ox.NamedNode(value.datatype)), None

    def quantity(
        self, value: LiteralValue, qualifiers: tuple[tuple[str, Value], ...], with_bounds: bool
    ) -> tuple[ox.Literal, ValueNode]:
        lower, upper = bounds(qualifiers) if with_bounds else (None, None)
        node = quantity_node(self.wb, Quantity(value.lexical, quantity_unit(qualifiers), lower, upper))
        return decimal(value.lexical), node

    def bounds_only(self, qualifiers: tuple[tuple[str, Value], ...]) -> ValueNode | None:
        """The value node of a quantity given only by its bounds ("between 7,000 and 10,000"):
        bounds and unit, and no amount, because the source states no single number."""
        lower, upper = bounds(qualifiers)
        if lower is None and upper is None:
            return None
        return quantity_node(self.wb, Quantity(None, quantity_unit(qualifiers), lower, upper))

    def value(
        self, name: str, value: LiteralValue, qualifiers: tuple[tuple[str, Value], ...], main: bool
    ) -> tuple[ox.Literal, ValueNode | None]:
        """A literal of property ``name`` on a statement with ``qualifiers``: quantities take
        the statement's unit, and the main value (``main``) its bounds."""
        if self.kind(name) in QUANTITY_KINDS:
            return self.quantity(value, qualifiers, main)
        return self.literal(name, value)
