"""What the pages about the dataset itself show: the ontology, the VoID description, a graph,
the dumps and the query page, as dataclasses for their templates.

Resource pages (entities, sources, statements) are in ``model``; these describe the
publication, so they read the ontology, the shapes and the VoID rather than the claims.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from ..publishing import DUMP_TYPES
from ..site import Index, SiteData, Term, local_name, prefixed
from ..vocab import (
    AGKG,
    DCAT,
    DCTERMS,
    FOAF,
    MEDIA_TYPES,
    ONTOLOGY_IRI,
    OWL,
    RDF,
    RDFS,
    SH,
    SKOS,
    VOID,
    data_prefixes,
)
from .model import Models, Shown
from .wording import date_words, number_words


@dataclass
class ShapeNote:
    """A SHACL shape checking a term: ``constraint`` is None when it targets a class."""

    shape: str
    constraint: str | None = None


@dataclass
class TermEntry:
    anchor: str
    label: str
    definition: str | None
    rows: list[tuple[str, list[Shown]]]
    shapes: list[ShapeNote]


@dataclass
class OntologyPage:
    iri: str
    namespace: str
    classes: list[TermEntry]
    properties: list[TermEntry]


@dataclass
class Download:
    name: str
    href: str
    media: str
    size: str


@dataclass
class DatasetPage:
    title: str
    iri: str
    description: str
    downloads: list[Shown]
    rows: list[tuple[str, list[Shown]]]
    files: list[Download]
    graphs: list[tuple[Shown, str]]
    links: list[tuple[str, str]]


@dataclass
class GraphPage:
    title: str
    iri: str
    downloads: list[Shown]
    triples: str
    source: Shown | None


@dataclass
class QueryAnswer:
    """A query's answer as the query page shows it: an error, a yes or no, text or a table."""

    error: str | None = None
    boolean: bool | None = None
    text: str | None = None
    notices: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[Shown]] = field(default_factory=list)


@dataclass
class Example:
    name: str
    question: str
    text: str


@dataclass
class QueryPage:
    query: str
    timeout: float
    max_rows: int
    examples: list[Example]
    answer: QueryAnswer | None


def ontology_page(site: SiteData, root: str) -> OntologyPage:
    """Every class and property of agkg, with the shapes that check it."""
    onto, shapes = site.ontology, site.shapes
    models = Models(site, root)
    terms = sorted(
        (s for s in onto.out if isinstance(s, ox.NamedNode) and s.value.startswith(AGKG.iri)),
        key=lambda s: s.value.lower(),
    )
    classes = [t for t in terms if OWL.Class in onto.objects(t, RDF.type)]
    properties = [t for t in terms if t not in classes]
    # shape constraints: node shapes by target class; property shapes by path
    targeting: dict[Term, list[Term]] = defaultdict(list)
    constraining: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
    for shape in shapes.out:
        for target in shapes.objects(shape, SH.targetClass):
            targeting[target].append(shape)
        for property_shape in shapes.objects(shape, SH.property):
            for path in shapes.objects(property_shape, SH.path):
                constraining[path].append((shape, property_shape))
    prefixes = {**data_prefixes(site.base), "sh": SH.iri}

    def shape_name(shape: Term) -> str:
        label = shapes.first(shape, RDFS.label)
        return label.value if isinstance(label, ox.Literal) else local_name(str(shape).strip("<>"))

    def constraint(property_shape: Term) -> str:
        bits = []
        for predicate, values in shapes.out.get(property_shape, {}).items():
            if predicate == SH.path:
                continue
            for v in values:
                shown = (
                    v.value
                    if isinstance(v, ox.Literal)
                    else local_name(v.value)
                    if isinstance(v, ox.NamedNode)
                    else "…"
                )
                bits.append(f"{local_name(predicate.value)} {shown}")
        return "; ".join(bits)

    def value(node: Term) -> Shown:
        if isinstance(node, ox.NamedNode) and node.value.startswith(AGKG.iri):
            return Shown(site.label(node), f"#{local_name(node.value)}")
        if isinstance(node, ox.NamedNode):
            return Shown(prefixed(node.value, prefixes), node.value, external=True)
        return models.value(node)

    def entry(term: ox.NamedNode) -> TermEntry:
        rows = []
        for title, predicate in (
            ("Type", RDF.type),
            ("Subclass of", RDFS.subClassOf),
            ("Subproperty of", RDFS.subPropertyOf),
            ("Domain", RDFS.domain),
            ("Range", RDFS.range),
            ("Comment", RDFS.comment),
        ):
            values = onto.objects(term, predicate)
            if values:
                rows.append((title, [value(v) for v in values]))
        notes = [ShapeNote(shape_name(s)) for s in targeting.get(term, [])]
        notes += [ShapeNote(shape_name(s), constraint(p)) for s, p in constraining.get(term, [])]
        definition = onto.first(term, SKOS.definition) or onto.first(term, RDFS.comment)
        return TermEntry(
            local_name(term.value),
            site.label(term),
            definition.value if isinstance(definition, ox.Literal) else None,
            rows,
            notes,
        )

    return OntologyPage(ONTOLOGY_IRI, AGKG.iri, [entry(t) for t in classes], [entry(t) for t in properties])


def dataset_page(site: SiteData, endpoint: str | None, root: str) -> DatasetPage:
    """The VoID and DCAT description, for people."""
    void = Index(site.void_triples(endpoint))
    dataset = site.iris.dataset
    models = Models(site, root)

    def literal(node: Term, predicate: ox.NamedNode) -> str:
        value = void.first(node, predicate)
        return value.value if isinstance(value, ox.Literal) else ""

    def external(node: Term | None) -> list[Shown]:
        return [Shown(node.value, node.value, external=True)] if isinstance(node, ox.NamedNode) else []

    def agent(predicate: ox.NamedNode) -> list[Shown]:
        node = void.first(dataset, predicate)
        name = void.first(node, FOAF.name) if node is not None else None
        return [Shown(name.value)] if isinstance(name, ox.Literal) else external(node)

    def words(text: str) -> list[Shown]:
        return [Shown(text)] if text else []

    rows = [
        ("Publisher", agent(DCTERMS.publisher)),
        ("Creator", agent(DCTERMS.creator)),
        ("Licence", external(void.first(dataset, DCTERMS.license))),
        ("Issued", words(date_words(literal(dataset, DCTERMS.issued)))),
        ("Modified", words(date_words(literal(dataset, DCTERMS.modified)))),
        ("Triples", words(number_words(literal(dataset, VOID.triples)))),
        ("Entities", words(number_words(literal(dataset, VOID.entities)))),
    ]
    if endpoint is not None:
        rows.append(("SPARQL endpoint", [Shown(endpoint, f"{root}sparql")]))
    rows.append(("For example", [models.link(x) for x in void.objects(dataset, VOID.exampleResource)]))
    files = []
    for distribution in void.objects(dataset, DCAT.distribution):
        url = void.first(distribution, DCAT.downloadURL)
        if not isinstance(url, ox.NamedNode):
            continue
        name = url.value.rsplit("/", 1)[-1]
        media = void.first(distribution, DCAT.mediaType)
        files.append(
            Download(
                name,
                f"{root}dumps/{quote(name)}",
                media.value.removeprefix(MEDIA_TYPES.iri) if isinstance(media, ox.NamedNode) else "",
                number_words(literal(distribution, DCAT.byteSize)),
            )
        )
    graphs = []
    for graph in void.objects(dataset, VOID.subset):
        if VOID.Linkset in void.objects(graph, RDF.type):
            continue
        name = str(graph)[1:-1].removeprefix(f"{site.base}graph/")
        graphs.append(
            (Shown(name, f"{root}doc/graph/{quote(name)}.html"), number_words(literal(graph, VOID.triples)))
        )
    links = []
    for linkset in void.subjects(RDF.type, VOID.Linkset):
        target = void.first(linkset, VOID.objectsTarget)
        title = void.first(target, DCTERMS.title) if target is not None else None
        links.append(
            (
                number_words(literal(linkset, VOID.triples)),
                title.value if isinstance(title, ox.Literal) else str(target),
            )
        )
    return DatasetPage(
        literal(dataset, DCTERMS.title),
        dataset.value,
        literal(dataset, DCTERMS.description),
        models.downloads(f"{root}doc/dataset"),
        [(k, v) for k, v in rows if v],
        files,
        graphs,
        links,
    )


def graph_page(site: SiteData, name: str, node: ox.NamedNode, root: str) -> GraphPage:
    """A named graph: how big it is and what it holds."""
    void = Index(site.graph_description(node))
    source = void.first(node, DCTERMS.source)
    triples = void.first(node, VOID.triples)
    models = Models(site, root)
    return GraphPage(
        f"Graph of {models.name(source)}" if isinstance(source, ox.NamedNode) else "Graph of the entities",
        node.value,
        models.downloads(f"{root}doc/graph/{quote(name)}"),
        number_words(triples.value) if isinstance(triples, ox.Literal) else "",
        models.link(source) if isinstance(source, ox.NamedNode) else None,
    )


def dumps_index(site: SiteData) -> list[Download]:
    return [
        Download(name, quote(name), DUMP_TYPES.get(Path(name).suffix, ""), f"{len(content):,}")
        for name, content in site.dumps().items()
    ]


def query_answer(
    status: int, media_type: str, body: bytes, truncated: bool, seconds: float, max_rows: int, base: str
) -> QueryAnswer:
    """A query's outcome for the query page; the dataset's IRIs link to this server's pages."""
    text = body.decode("utf-8", "replace")
    if status != 200:
        return QueryAnswer(error=text)
    answer = QueryAnswer()
    if truncated:
        answer.notices.append(f"Showing the first {max_rows} rows only.")
    if not media_type.startswith("application/sparql-results+json"):
        answer.text = text
        return answer
    results = json.loads(text)
    if "boolean" in results:
        return QueryAnswer(boolean=bool(results["boolean"]))
    answer.columns = list(results["head"]["vars"])

    def cell(term: dict[str, str] | None) -> Shown:
        if term is None:
            return Shown("")
        if term["type"] == "uri":
            iri = term["value"]
            # the dataset's own IRIs resolve on this server: link them here, not to the base's host
            return Shown(iri, iri[len(base) :] if iri.startswith(base) else iri)
        return Shown(term["value"])

    bindings = results["results"]["bindings"]
    answer.rows = [[cell(row.get(v)) for v in answer.columns] for row in bindings]
    count = len(bindings)
    answer.notices.append(f"{count} row{'s' if count != 1 else ''} in {seconds * 1000:.1f} ms")
    return answer
