"""The ontology's Wikidata alignments, as the build, reconciliation and export need them.

The ontology says which Wikidata property or class an agkg term corresponds to with
``skos:exactMatch`` / ``skos:closeMatch`` to ``wd:P…`` and ``wd:Q…`` (verified ids only). This
is the only place agkg learns those correspondences; sub-properties and subclasses inherit their
nearest ancestor's alignment, as a close match.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from agkg.build.ontology import Vocabulary
from agkg.vocab import AGKG, RDFS, SKOS, WD

# The English labels of the Wikidata properties agkg aligns with or writes, as checked with their
# ids (see the ontology's header): the property catalogue shows them, and a curator who writes
# Wikidata's word ("chairperson", "founded by") is pointed at agkg's property.
WIKIDATA_PROPERTY_LABELS: dict[str, str] = {
    "P17": "country",
    "P39": "position held",
    "P112": "founded by",
    "P131": "located in the administrative territorial entity",
    "P159": "headquarters location",
    "P248": "stated in",
    "P276": "location",
    "P361": "part of",
    "P463": "member of",
    "P488": "chairperson",
    "P571": "inception",
    "P577": "publication date",
    "P580": "start time",
    "P582": "end time",
    "P585": "point in time",
    "P854": "reference URL",
    "P1476": "title",
    "P1480": "sourcing circumstances",
    "P1683": "quotation",
    "P2093": "author name string",
}


@dataclass(frozen=True)
class Alignment:
    """An agkg term's Wikidata counterpart; ``exact`` False for a close (narrower or looser) match."""

    wikidata: str  # P571, Q5
    exact: bool
    via: str  # the agkg term whose alignment this is (itself, or a super-property/-class)


@dataclass
class WikidataMapping:
    """Which Wikidata property each claim/qualifier property maps to, and which classes each type."""

    properties: dict[str, Alignment] = field(default_factory=dict)
    classes: dict[str, list[Alignment]] = field(default_factory=dict)

    def property_for(self, wikidata_pid: str) -> list[str]:
        """The agkg properties aligned (directly) with a Wikidata property."""
        return sorted(n for n, a in self.properties.items() if a.wikidata == wikidata_pid and a.via == n)


def wikidata_mapping(vocabulary: Vocabulary) -> WikidataMapping:
    """Collect the ontology's Wikidata alignments; sub-properties and subclasses inherit them as close."""
    direct: dict[str, Alignment] = {}
    parents: dict[str, set[str]] = defaultdict(set)
    for triple in vocabulary.triples:
        s, p, o = triple.subject, triple.predicate, triple.object
        if s not in AGKG:
            continue
        name = AGKG.local_name(s)  # type: ignore[arg-type]
        if p in (SKOS.exactMatch, SKOS.closeMatch) and o in WD:
            identifier = WD.local_name(o)  # type: ignore[arg-type]
            exact = p == SKOS.exactMatch
            known = direct.get(name)
            if known is None or (exact and not known.exact):
                direct[name] = Alignment(identifier, exact, name)
        elif p == RDFS.subPropertyOf and o in AGKG:
            parents[name].add(AGKG.local_name(o))  # type: ignore[arg-type]

    mapping = WikidataMapping()
    for name in sorted({*vocabulary.claim_properties, *vocabulary.qualifiers}):
        if name in direct:
            mapping.properties[name] = direct[name]
            continue
        # nearest aligned super-property, breadth first; inherited alignments are close at best
        seen, frontier = {name}, sorted(parents.get(name, ()))
        while frontier:
            aligned = [direct[p] for p in frontier if p in direct]
            if aligned:
                mapping.properties[name] = Alignment(aligned[0].wikidata, False, aligned[0].via)
                break
            frontier = sorted({q for p in frontier for q in parents.get(p, ()) if q not in seen})
            seen.update(frontier)
    for name, ancestors in vocabulary.superclasses.items():
        found: list[Alignment] = []
        if name in direct:
            found.append(direct[name])
        for iri in sorted(ancestors):
            if iri.startswith(AGKG.iri) and iri != AGKG.term(name).value:
                other = iri[len(AGKG.iri) :]
                if other in direct and direct[other].wikidata not in {a.wikidata for a in found}:
                    found.append(Alignment(direct[other].wikidata, False, other))
        if found:
            mapping.classes[name] = found
    return mapping
