"""The Wikibase value model: times at their precision, quantities with unit and bounds, and the
property entities with every link Wikibase gives a property."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from agkg.build.claims import LiteralValue
from agkg.build.dates import TimeValue, parse_time_value, time_from_wikibase, wikibase_time
from agkg.build.ontology import load_vocabulary
from agkg.build.wikibase import ValueWriter, property_entity_triples, wikibase_properties
from agkg.vocab import OWL, RDF, WD, WIKIBASE, XSD, WikibaseNamespaces

REPO = Path(__file__).resolve().parents[1]
WB = WikibaseNamespaces("https://example.org/kg/")


@pytest.mark.parametrize(
    ("written", "instant", "precision", "zone"),
    [
        ("2015", "2015-01-01T00:00:00Z", 9, 0),
        ("2015-01", "2015-01-01T00:00:00Z", 10, 0),
        ("2021-08-15", "2021-08-15T00:00:00Z", 11, 0),
        ("2021-08-27T15:09", "2021-08-27T15:09:00Z", 14, 0),
        ("2021-08-27T01:09:00+04:30", "2021-08-26T20:39:00Z", 14, 270),
    ],
)
def test_times_as_wikibase_writes_them(written: str, instant: str, precision: int, zone: int) -> None:
    time = wikibase_time(parse_time_value(written))
    assert (time.datetime, time.precision, time.timezone) == (instant, precision, zone)
    if zone == 0:  # precision gives the written date back
        assert time_from_wikibase(time.datetime, time.precision) == parse_time_value(
            written + (":00Z" if precision == 14 else "")
        )


def test_namespaces_follow_the_base() -> None:
    assert WB.direct.inception.value == "https://example.org/kg/prop/direct/inception"
    assert WB.qualifier_value.pointInTime.value == "https://example.org/kg/prop/qualifier/value/pointInTime"
    assert WB.property_entity("inception").value == "https://example.org/kg/id/P-inception"
    assert WB.value_node.iri == "https://example.org/kg/value/"


def test_values_of_one_content_share_one_node() -> None:
    writer = ValueWriter(WB, wikibase_properties(load_vocabulary(REPO / "ontology")))
    month = LiteralValue("2015-01", XSD.gYearMonth.value)
    simple, node = writer.value("inception", month, (), main=True)
    _, again = writer.value("pointInTime", month, (), main=False)
    assert simple == ox.Literal("2015-01-01T00:00:00Z", datatype=XSD.dateTime)
    assert node is not None and again is not None and node.iri == again.iri
    assert (node.iri, WIKIBASE.timePrecision, ox.Literal("10", datatype=XSD.integer)) in node.triples
    assert (node.iri, WIKIBASE.timeCalendarModel, WD.Q1985727) in node.triples


def test_quantities_carry_unit_and_bounds() -> None:
    writer = ValueWriter(WB, wikibase_properties(load_vocabulary(REPO / "ontology")))
    count = LiteralValue("3000", XSD.integer.value)
    ranged = (
        ("minimum", LiteralValue("2500", XSD.decimal.value)),
        ("maximum", LiteralValue("4000", XSD.decimal.value)),
    )
    simple, node = writer.value("memberCount", count, ranged, main=True)
    assert simple == ox.Literal("3000", datatype=XSD.decimal)
    assert node is not None
    fields = {p: o for _, p, o in node.triples}
    assert fields[WIKIBASE.quantityUnit] == WD.Q199
    assert fields[WIKIBASE.quantityLowerBound] == ox.Literal("2500", datatype=XSD.decimal)
    assert fields[WIKIBASE.quantityUpperBound] == ox.Literal("4000", datatype=XSD.decimal)
    dollars = (("currency", LiteralValue("USD", XSD.string.value)),)
    pounds = (("currency", LiteralValue("GBP", XSD.string.value)),)
    amount = LiteralValue("5000000", XSD.decimal.value)
    usd, gbp = (
        writer.value("bountyAmount", amount, dollars, True)[1],
        writer.value("bountyAmount", amount, pounds, True)[1],
    )
    assert usd is not None and gbp is not None and usd.iri != gbp.iri
    assert (usd.iri, WIKIBASE.quantityUnit, WD.Q4917) in usd.triples
    assert (gbp.iri, WIKIBASE.quantityUnit, WD.Q25224) in gbp.triples
    unknown = writer.value(
        "bountyAmount", amount, (("currency", LiteralValue("AFN", XSD.string.value)),), True
    )[1]
    assert unknown is not None and WIKIBASE.quantityUnit not in {p for _, p, _ in unknown.triples}


def test_every_property_is_a_property_entity_with_its_family() -> None:
    vocabulary = load_vocabulary(REPO / "ontology")
    triples = property_entity_triples(WB, vocabulary)
    entities = {s for s, p, o in triples if p == RDF.type and o == WIKIBASE.Property}
    names = {*vocabulary.claim_properties, *vocabulary.qualifiers, "statedIn", "quotation", "referenceUrl",
             "publicationDate", "attributedTo", "rankReason"}  # fmt: skip
    assert entities == {WB.property_entity(n) for n in names}
    links = (
        WIKIBASE.directClaim, WIKIBASE.claim, WIKIBASE.statementProperty, WIKIBASE.statementValue,
        WIKIBASE.qualifier, WIKIBASE.qualifierValue, WIKIBASE.reference, WIKIBASE.referenceValue,
        WIKIBASE.novalue, WIKIBASE.propertyType,
    )  # fmt: skip
    for entity in entities:
        assert {p for s, p, _ in triples if s == entity} >= set(links)
    types = {s: o for s, p, o in triples if p == WIKIBASE.propertyType}
    assert types[WB.property_entity("inception")] == WIKIBASE.Time
    assert types[WB.property_entity("memberCount")] == WIKIBASE.Quantity
    assert types[WB.property_entity("quotation")] == WIKIBASE.Monolingualtext
    assert types[WB.property_entity("statedIn")] == WIKIBASE.WikibaseItem
    assert types[WB.property_entity("referenceUrl")] == WIKIBASE.Url
    # the novalue class, with a Skolem IRI where Wikibase writes a blank node
    restriction = WB.genid.term("novalue-inception")
    assert (WB.novalue.inception, OWL.complementOf, restriction) in triples
    assert (restriction, OWL.onProperty, WB.direct.inception) in triples
    assert all(not isinstance(t, ox.BlankNode) for triple in triples for t in triple)


def test_time_value_round_trip_for_every_precision() -> None:
    for text in ("0001", "9999-12", "2020-02-29", "2021-08-27T23:59:59"):
        value = parse_time_value(text)
        time = wikibase_time(value)
        assert time_from_wikibase(time.datetime, time.precision).lexical.rstrip("Z") == value.lexical
        assert isinstance(time_from_wikibase(time.datetime, time.precision), TimeValue)
