"""The ontology as the loader needs it: which properties claims may use, and what values fit.

The ontology files are the single source of truth. A claim property is any term typed
``agkg:ClaimProperty``; its ``rdfs:range`` says how a YAML value is read. Adding a property to
the ontology is all it takes for curators to use it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from agkg.errors import ConfigurationError
from agkg.vocab import AGKG, OWL, RDF, RDFS, SKOS, XSD

# how a literal-valued range is read from YAML
LITERAL_KINDS: dict[str, str] = {
    AGKG.TimeValue.value: "time",
    XSD.integer.value: "integer",
    XSD.positiveInteger.value: "positiveInteger",
    XSD.nonNegativeInteger.value: "nonNegativeInteger",
    XSD.decimal.value: "decimal",
    XSD.boolean.value: "boolean",
    XSD.string.value: "string",
    RDF.langString.value: "langString",
    XSD.anyURI.value: "anyURI",
}


@dataclass(frozen=True)
class PropertySpec:
    """A claim or qualifier property: its name, IRI and how its values are read."""

    name: str
    iri: ox.NamedNode
    kind: str  # "entity" or one of LITERAL_KINDS' values
    range: ox.NamedNode

    @property
    def takes_entity(self) -> bool:
        return self.kind == "entity"


@dataclass
class Vocabulary:
    """What the ontology allows, derived once per run."""

    triples: list[ox.Triple]
    claim_properties: dict[str, PropertySpec] = field(default_factory=dict)
    qualifiers: dict[str, PropertySpec] = field(default_factory=dict)
    # agkg class local name -> every superclass IRI (itself included), transitively
    superclasses: dict[str, frozenset[str]] = field(default_factory=dict)
    # claim property name -> its rdfs:domain, when the ontology gives one
    domains: dict[str, ox.NamedNode] = field(default_factory=dict)

    @property
    def classes(self) -> list[str]:
        return sorted(self.superclasses)

    def is_a(self, class_name: str, range_iri: ox.NamedNode) -> bool:
        """Is an entity of type ``class_name`` acceptable where ``range_iri`` is expected?"""
        if range_iri == OWL.Thing or range_iri == RDFS.Resource:
            return True
        return range_iri.value in self.superclasses.get(class_name, frozenset())

    def subclasses_of(self, iri: ox.NamedNode) -> list[str]:
        return sorted(name for name, sup in self.superclasses.items() if iri.value in sup)


def load_vocabulary(ontology_dir: Path) -> Vocabulary:
    """Parse every ``*.ttl`` in ``ontology_dir`` and index its classes and properties."""
    files = sorted(ontology_dir.glob("*.ttl"))
    if not files:
        raise ConfigurationError(f"no ontology: {ontology_dir} has no .ttl file")
    triples: list[ox.Triple] = []
    for path in files:
        try:
            triples.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        except SyntaxError as error:
            raise ConfigurationError(f"{path}: {error}") from error
    return index_vocabulary(sorted(set(triples), key=str))


def index_vocabulary(triples: list[ox.Triple]) -> Vocabulary:
    types: dict[ox.NamedNode, set[ox.NamedNode]] = defaultdict(set)
    ranges: dict[ox.NamedNode, list[ox.NamedNode]] = defaultdict(list)
    domains: dict[ox.NamedNode, list[ox.NamedNode]] = defaultdict(list)
    parents: dict[str, set[str]] = defaultdict(set)
    classes: set[ox.NamedNode] = set()
    for s, p, o in ((t.subject, t.predicate, t.object) for t in triples):
        if not isinstance(s, ox.NamedNode):
            continue
        if p == RDF.type and isinstance(o, ox.NamedNode):
            types[s].add(o)
            if o == OWL.Class:
                classes.add(s)
        elif p == RDFS.range and isinstance(o, ox.NamedNode):
            ranges[s].append(o)
        elif p == RDFS.domain and isinstance(o, ox.NamedNode):
            domains[s].append(o)
        elif p == RDFS.subClassOf and isinstance(o, ox.NamedNode):
            parents[s.value].add(o.value)
            classes.add(s)

    vocabulary = Vocabulary(triples=triples)
    for cls in classes:
        if cls in AGKG:
            vocabulary.superclasses[AGKG.local_name(cls)] = frozenset(_ancestors(cls.value, parents))

    for prop, prop_types in types.items():
        if prop not in AGKG:
            continue
        name = AGKG.local_name(prop)
        for marker, table in (
            (AGKG.ClaimProperty, vocabulary.claim_properties),
            (AGKG.QualifierProperty, vocabulary.qualifiers),
        ):
            if marker not in prop_types:
                continue
            prop_ranges = ranges.get(prop, [])
            if len(prop_ranges) != 1:
                raise ConfigurationError(
                    f"ontology: {name} must have exactly one rdfs:range, has {len(prop_ranges)}"
                )
            range_iri = prop_ranges[0]
            kind = LITERAL_KINDS.get(range_iri.value)
            if kind is None:
                is_class = range_iri in classes or range_iri in (OWL.Thing, SKOS.Concept)
                if not is_class:
                    raise ConfigurationError(
                        f"ontology: range {range_iri.value} of {name} is neither a class nor a "
                        "datatype agkg can read"
                    )
                kind = "entity"
            table[name] = PropertySpec(name, prop, kind, range_iri)
            if marker == AGKG.ClaimProperty and len(domains.get(prop, [])) == 1:
                vocabulary.domains[name] = domains[prop][0]
    if not vocabulary.claim_properties:
        raise ConfigurationError("ontology defines no agkg:ClaimProperty")
    return vocabulary


def _ancestors(start: str, parents: dict[str, set[str]]) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


@dataclass(frozen=True)
class TermText:
    """What the ontology says about a term in words: its label, other names and definition."""

    label: str = ""
    alt_labels: tuple[str, ...] = ()
    definition: str = ""


def term_texts(vocabulary: Vocabulary) -> dict[str, TermText]:
    """The English label, ``skos:altLabel``s and definition of every agkg term, by local name.

    The catalogue of properties and the "did you mean" of unknown names both read these, so a
    curator's word ("led by") finds a property the ontology gives that name to.
    """
    labels: dict[str, str] = {}
    alternatives: dict[str, set[str]] = defaultdict(set)
    definitions: dict[str, str] = {}
    for triple in vocabulary.triples:
        s, p, o = triple.subject, triple.predicate, triple.object
        if s not in AGKG or not isinstance(o, ox.Literal) or o.language not in ("en", None):
            continue
        name = AGKG.local_name(s)  # type: ignore[arg-type]
        if p == RDFS.label:
            labels[name] = o.value
        elif p == SKOS.altLabel:
            alternatives[name].add(o.value)
        elif p == SKOS.definition:
            definitions[name] = o.value
    return {
        name: TermText(
            labels.get(name, ""), tuple(sorted(alternatives.get(name, ()))), definitions.get(name, "")
        )
        for name in sorted({*labels, *alternatives, *definitions})
    }
