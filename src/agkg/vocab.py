"""Every namespace and IRI constant agkg uses, in one place.

Code says ``PROV.wasDerivedFrom``, never a string IRI, so a typo is an AttributeError at the
point of use rather than a silently wrong triple.
"""

from __future__ import annotations

from functools import cache

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


def data_prefixes(base: str) -> dict[str, str]:
    """Prefixes for published files, including the ones for this dataset's minted IRIs."""
    return {
        "agkg": AGKG.iri,
        "agkgp": AGKGP.iri,
        "agkgps": AGKGPS.iri,
        "id": base + "id/",
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
        "wdt": WDT.iri,
        "wikibase": WIKIBASE.iri,
        "xsd": XSD.iri,
    }
