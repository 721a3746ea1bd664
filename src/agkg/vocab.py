"""Every namespace and IRI constant agkg uses, in one place.

Code says ``PROV.wasDerivedFrom``, never a string IRI, so a typo is an AttributeError at the
point of use rather than a silently wrong triple.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

from pyoxigraph import NamedNode


class Namespace:
    """An IRI prefix whose attributes are the NamedNodes of its terms."""

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return _named_node(self.iri + name)

    def term(self, name: str) -> NamedNode:
        """The term ``name``, for names that are not Python identifiers or come from data."""
        return _named_node(self.iri + name)

    def __contains__(self, node: object) -> bool:
        return isinstance(node, NamedNode) and node.value.startswith(self.iri)

    def local_name(self, node: NamedNode) -> str:
        """The part of ``node`` after this namespace's IRI."""
        if node not in self:
            raise ValueError(f"{node.value} is not in namespace {self.iri}")
        return node.value[len(self.iri) :]


@cache
def _named_node(iri: str) -> NamedNode:
    return NamedNode(iri)


ONTOLOGY_IRI = "https://w3id.org/agkg/ontology"
AGKG = Namespace("https://w3id.org/agkg/ontology#")
AGKGP = Namespace("https://w3id.org/agkg/prop/")
AGKGPS = Namespace("https://w3id.org/agkg/prop/statement/")
DEFAULT_BASE = "https://w3id.org/agkg/"

RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("http://schema.org/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
VOID = Namespace("http://rdfs.org/ns/void#")
WIKIBASE = Namespace("http://wikiba.se/ontology#")
# Blazegraph's namespace, in which WDQS names the label service's parameters (bd:serviceParam)
BD = Namespace("http://www.bigdata.com/rdf#")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
SH = Namespace("http://www.w3.org/ns/shacl#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
ORG = Namespace("http://www.w3.org/ns/org#")
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
MEDIA_TYPES = Namespace("https://www.iana.org/assignments/media-types/")  # for dcat:mediaType
SPARQL_PROTOCOL = NamedNode("https://www.w3.org/TR/sparql11-protocol/")
WIKIDATA_HOME = NamedNode("https://www.wikidata.org/")
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"  # the data's default licence (README)


# Wikidata items the Wikibase value model names (verified in Wikibase's own RDF test fixtures,
# repo/tests/phpunit/data/rdf/RdfBuilder/Q4_values.nt): the calendar of every time value and
# the unit "1" of a count.
GREGORIAN_CALENDAR = WD.Q1985727
UNIT_ONE = WD.Q199
# ISO 4217 codes with the Wikidata item of the currency, the unit of a quantity in it
CURRENCY_ITEMS = {"USD": WD.Q4917, "EUR": WD.Q4916, "GBP": WD.Q25224}
# an agkg property type for yes/no values, which Wikibase has no type for
BOOLEAN_TYPE = AGKG.Boolean


@dataclass(frozen=True)
class WikibaseNamespaces:
    """The Wikibase RDF namespaces of a dataset published under ``base``, as Wikidata's are
    under http://www.wikidata.org/ (see docs/model.md for the side-by-side table).

    Items stay at ``{base}id/{slug}``. Property entities share that namespace as
    ``{base}id/P-{name}``: slugs are lowercase, so a capital P can never collide with one.
    Every predicate family is named with the ontology property's local name
    (``{base}prop/direct/inception`` is Wikidata's ``wdt:P571``).
    """

    base: str

    @cached_property
    def entity(self) -> Namespace:  # wd:
        return Namespace(self.base + "id/")

    @cached_property
    def claim(self) -> Namespace:  # p:
        return Namespace(self.base + "prop/")

    @cached_property
    def direct(self) -> Namespace:  # wdt:
        return Namespace(self.base + "prop/direct/")

    @cached_property
    def statement(self) -> Namespace:  # ps:
        return Namespace(self.base + "prop/statement/")

    @cached_property
    def statement_value(self) -> Namespace:  # psv:
        return Namespace(self.base + "prop/statement/value/")

    @cached_property
    def qualifier(self) -> Namespace:  # pq:
        return Namespace(self.base + "prop/qualifier/")

    @cached_property
    def qualifier_value(self) -> Namespace:  # pqv:
        return Namespace(self.base + "prop/qualifier/value/")

    @cached_property
    def reference(self) -> Namespace:  # pr:
        return Namespace(self.base + "prop/reference/")

    @cached_property
    def reference_value(self) -> Namespace:  # prv:
        return Namespace(self.base + "prop/reference/value/")

    @cached_property
    def novalue(self) -> Namespace:  # wdno:
        return Namespace(self.base + "prop/novalue/")

    @cached_property
    def statement_node(self) -> Namespace:  # wds:
        return Namespace(self.base + "statement/")

    @cached_property
    def reference_node(self) -> Namespace:  # wdref:
        return Namespace(self.base + "reference/")

    @cached_property
    def value_node(self) -> Namespace:  # wdv:
        return Namespace(self.base + "value/")

    @cached_property
    def genid(self) -> Namespace:
        """Skolem IRIs (RDF 1.1, section 3.5) where Wikibase writes blank nodes."""
        return Namespace(self.base + ".well-known/genid/")

    def property_entity(self, name: str) -> NamedNode:
        return self.entity.term("P-" + name)

    def prefixes(self) -> dict[str, str]:
        """Wikidata's prefix names for this dataset's namespaces, for WDQS-style queries."""
        return {
            "wd": self.entity.iri,
            "wdt": self.direct.iri,
            "p": self.claim.iri,
            "ps": self.statement.iri,
            "psv": self.statement_value.iri,
            "pq": self.qualifier.iri,
            "pqv": self.qualifier_value.iri,
            "pr": self.reference.iri,
            "prv": self.reference_value.iri,
            "wdno": self.novalue.iri,
            "wds": self.statement_node.iri,
            "wdref": self.reference_node.iri,
            "wdv": self.value_node.iri,
        }


def data_prefixes(base: str) -> dict[str, str]:
    """Prefixes for published files, including the ones for this dataset's minted IRIs."""
    wb = WikibaseNamespaces(base)
    return {
        "agkg": AGKG.iri,
        "id": base + "id/",
        "p": wb.claim.iri,
        "direct": wb.direct.iri,
        "ps": wb.statement.iri,
        "psv": wb.statement_value.iri,
        "pq": wb.qualifier.iri,
        "pqv": wb.qualifier_value.iri,
        "pr": wb.reference.iri,
        "prv": wb.reference_value.iri,
        "novalue": wb.novalue.iri,
        "value": wb.value_node.iri,
        "genid": wb.genid.iri,
        "source": base + "source/",
        "statement": base + "statement/",
        "ref": base + "reference/",
        "graph": base + "graph/",
        "dcterms": DCTERMS.iri,
        "oa": OA.iri,
        "owl": OWL.iri,
        "prov": PROV.iri,
        "rdf": RDF.iri,
        "rdfs": RDFS.iri,
        "schema": SCHEMA.iri,
        "skos": SKOS.iri,
        "void": VOID.iri,
        "wd": WD.iri,
        "wikibase": WIKIBASE.iri,
        "xsd": XSD.iri,
    }


@dataclass(frozen=True)
class Iris:
    """How this dataset mints IRIs under its base (here, not in graph.py, so that opening a
    published store for a query does not import the build)."""

    base: str

    @property
    def wb(self) -> WikibaseNamespaces:
        """The Wikibase namespaces (p:, ps:, wdt:, …) under this base."""
        return WikibaseNamespaces(self.base)

    def entity(self, identifier: str) -> NamedNode:
        return NamedNode(f"{self.base}id/{identifier}")

    def source(self, identifier: str) -> NamedNode:
        return NamedNode(f"{self.base}source/{identifier}")

    def statement(self, key: str) -> NamedNode:
        return NamedNode(f"{self.base}statement/{key}")

    def reference(self, key: str) -> NamedNode:
        return NamedNode(f"{self.base}reference/{key}")

    def selector(self, key: str, kind: str) -> NamedNode:
        return NamedNode(f"{self.base}reference/{key}#{kind}")

    def source_graph(self, identifier: str) -> NamedNode:
        return NamedNode(f"{self.base}graph/source/{identifier}")

    @property
    def entities_graph(self) -> NamedNode:
        return NamedNode(f"{self.base}graph/entities")

    @property
    def properties_graph(self) -> NamedNode:
        return NamedNode(f"{self.base}graph/properties")

    @property
    def ontology_graph(self) -> NamedNode:
        return NamedNode(f"{self.base}graph/ontology")

    @property
    def shapes_graph(self) -> NamedNode:
        return NamedNode(f"{self.base}graph/shapes")

    @property
    def dataset(self) -> NamedNode:
        return NamedNode(f"{self.base}dataset")

    @property
    def union_graph(self) -> NamedNode:
        """In a triple store: the merge of the pushed graphs, which remote queries take as their
        default graph (stores' own union modes repeat a triple once per graph holding it)."""
        return NamedNode(f"{self.base}graph/union")

    @property
    def push_manifest_graph(self) -> NamedNode:
        """In a triple store: the record of the graphs ``agkg push`` wrote there."""
        return NamedNode(f"{self.base}graph/agkg-push")
