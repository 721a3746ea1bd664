"""HTML pages for the server and the static site, rendered from the templates in ``templates/``.

Every link is relative, so the pages work from any mount point or folder.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from markupsafe import Markup

from ..publishing import DUMP_TYPES
from ..site import (
    DOCUMENT_TYPES,
    Family,
    Index,
    SiteData,
    Term,
    local_name,
    prefixed,
)
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
    XSD,
    data_prefixes,
)
from .figures import entity_figures, home_figures
from .model import Models, ResourcePage, Shown
from .templating import render
from .wording import date_words


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


class Pages:
    """HTML pages. Every link is relative, so pages work from any mount point or folder."""

    def __init__(self, site: SiteData, live: bool = False) -> None:
        self.site = site
        self.data = site.data
        self.live = live  # served by agkg serve (has a query page), or a static site
        self.family = Family(site.base)

    # --- skeleton -----------------------------------------------------------------------------

    def page(self, title: str, body: str, root: str, alternates: Mapping[str, str] | None = None) -> str:
        """``body`` (HTML built in Python) in the shared layout."""
        return render("markup.html", body=Markup(body), **self.layout(title, root, alternates))

    def layout(self, title: str, root: str, alternates: Mapping[str, str] | None = None) -> dict[str, object]:
        """What base.html needs: the title, the way up to the site root, the other formats."""
        return {
            "title": title,
            "root": root,
            "live": self.live,
            "alternates": [(DOCUMENT_TYPES[ext], href) for ext, href in (alternates or {}).items()],
        }

    def href(self, node: Term, root: str) -> str | None:
        """Where a page links for ``node``: its document here, the ontology page, or outside."""
        if not isinstance(node, ox.NamedNode):
            return None
        found = self.site.split(node.value)
        if found and self.data.has(node):
            kind, local = found
            return f"{root}doc/{kind}/{quote(local)}.html"
        if node.value.startswith((AGKG.iri, self.family.wb.claim.iri)):
            return f"{root}doc/ontology.html#{quote(local_name(node.value))}"
        if node.value.startswith(("http://", "https://")):
            return node.value
        return None

    def link(self, node: Term, root: str, text: str | None = None) -> str:
        label = text if text is not None else self.site.label(node)
        target = self.href(node, root)
        if target is None:
            return self.value(node, root)
        return f'<a href="{e(target)}">{e(label)}</a>'

    def value(self, node: Term, root: str) -> str:
        if isinstance(node, ox.Literal):
            shown = e(node.value)
            if node.language:
                return f'{shown} <span class="lang">{e(node.language)}</span>'
            if node.datatype not in (XSD.string, RDF.langString):
                kind = local_name(node.datatype.value)
                return f'<span class="literal" title="{e(node.datatype.value)}">{shown}</span> <span class="datatype">{e(kind)}</span>'
            return shown
        if isinstance(node, ox.NamedNode):
            return self.link(node, root)
        return e(node)

    # --- pages rendered from their own templates ---------------------------------------------

    def resource(self, kind: str, node: ox.NamedNode) -> str:
        """The page of a resource the dataset mints: an entity, source, statement, reference or value."""
        local = node.value.rsplit("/", 1)[-1]
        root = "../../"
        models = Models(self.site, root)
        builders: dict[str, Callable[[ox.NamedNode], ResourcePage]] = {
            "id": models.entity_page,
            "source": models.source_page,
            "statement": models.statement_page,
            "reference": models.reference_page,
            "value": models.value_page,
        }
        page = builders[kind](node)
        template = {"id": "entity.html"}.get(kind, f"{kind}.html")
        alternates = {ext: f"{quote(local)}.{ext}" for ext in DOCUMENT_TYPES if ext != "html"}
        figures = entity_figures(self.site, node, models.href) if kind == "id" else Markup("")
        return render(
            template, page=page, figures=figures, **self.layout(page.header.title, root, alternates)
        )

    def index(self, root: str = "") -> str:
        """The home page: what the dataset is and holds, its sources, and how to use it."""
        void = self.site.void
        dataset = self.site.iris.dataset

        def literal(predicate: ox.NamedNode) -> str:
            value = void.first(dataset, predicate)
            return value.value if isinstance(value, ox.Literal) else ""

        publisher = void.first(dataset, DCTERMS.publisher)
        publisher_name = void.first(publisher, FOAF.name) if publisher is not None else None
        licence = void.first(dataset, DCTERMS.license)
        models = Models(self.site, root)
        page = models.home_page(
            title=literal(DCTERMS.title) or "Armed Groups Knowledge Graph",
            description=literal(DCTERMS.description),
            licence=Shown(licence.value, licence.value, external=True)
            if isinstance(licence, ox.NamedNode)
            else None,
            publisher=publisher_name.value if isinstance(publisher_name, ox.Literal) else None,
            dates=(date_words(literal(DCTERMS.issued)), date_words(literal(DCTERMS.modified))),
        )
        page.live = self.live
        page.downloads = [
            Shown(label, f"{root}dumps/{name}")
            for name, label in (
                ("dataset.nq", "N-Quads"),
                ("dataset.trig", "TriG"),
                ("dataset.ttl", "Turtle"),
            )
            if name in self.site.files
        ]
        figures = home_figures(self.site, models.href)
        return render("home.html", page=page, figures=figures, **self.layout("Home", root))

    def facts(self, rows: list[tuple[str, str]]) -> str:
        return '<dl class="facts">' + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"

    def ontology_page(self, root: str = "../") -> str:
        onto = self.site.ontology
        shapes = self.site.shapes
        terms = sorted(
            (s for s in onto.out if isinstance(s, ox.NamedNode) and s.value.startswith(AGKG.iri)),
            key=lambda s: s.value.lower(),
        )
        classes = [t for t in terms if OWL.Class in onto.objects(t, RDF.type)]
        properties = [t for t in terms if t not in classes]
        # shape constraints: node shapes by target class; property shapes by path
        targeting: dict[Term, list[Term]] = defaultdict(list)
        for shape in shapes.out:
            for target in shapes.objects(shape, SH.targetClass):
                targeting[target].append(shape)
        constraining: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
        for shape in shapes.out:
            for property_shape in shapes.objects(shape, SH.property):
                for path in shapes.objects(property_shape, SH.path):
                    constraining[path].append((shape, property_shape))

        def shape_name(shape: Term) -> str:
            label = shapes.first(shape, RDFS.label)
            return label.value if isinstance(label, ox.Literal) else local_name(str(shape).strip("<>"))

        def constraint(property_shape: Term) -> str:
            bits = []
            for predicate, values in shapes.out.get(property_shape, {}).items():
                if predicate in (SH.path,):
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

        def term_entry(term: ox.NamedNode) -> str:
            name = local_name(term.value)
            rows: list[tuple[str, str]] = []
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
                    rows.append((title, ", ".join(self.onto_value(v, root) for v in values)))
            for shape in targeting.get(term, []):
                rows.append(("Shape", f"instances are checked by <em>{e(shape_name(shape))}</em>"))
            for shape, property_shape in constraining.get(term, []):
                rows.append(("Shape", f"<em>{e(shape_name(shape))}</em>: {e(constraint(property_shape))}"))
            definition = onto.first(term, SKOS.definition) or onto.first(term, RDFS.comment)
            text = f"<p>{e(definition.value)}</p>" if isinstance(definition, ox.Literal) else ""
            return (
                f'<section class="term" id="{e(name)}"><h3>{e(self.site.label(term))} <code>agkg:{e(name)}</code></h3>'
                f"{text}{self.facts(rows)}</section>"
            )

        parts = [
            "<h1>The agkg ontology</h1>",
            f'<p class="iri">IRI <code>{e(ONTOLOGY_IRI)}</code> · terms are <code>{e(AGKG.iri)}…</code> · '
            f'<a href="{root}dumps/ontology.ttl">Turtle</a> · <a href="{root}dumps/shapes.ttl">shapes</a></p>',
            f"<h2>Classes ({len(classes)})</h2>",
            *[term_entry(t) for t in classes],
            f"<h2>Properties ({len(properties)})</h2>",
            *[term_entry(t) for t in properties],
        ]
        return self.page("Ontology", "\n".join(parts), root)

    def onto_value(self, node: Term, root: str) -> str:
        if isinstance(node, ox.NamedNode) and node.value.startswith(AGKG.iri):
            return f'<a href="#{e(local_name(node.value))}">{e(self.site.label(node))}</a>'
        if isinstance(node, ox.NamedNode):
            shown = prefixed(node.value, {**data_prefixes(self.site.base), "sh": SH.iri})
            return f'<a class="external" href="{e(node.value)}">{e(shown)}</a>'
        return self.value(node, root)

    def dataset_page(self, endpoint: str | None = None) -> str:
        """``doc/dataset.html``: the VoID and DCAT description, for people."""
        root = "../"
        void = Index(self.site.void_triples(endpoint))
        dataset = self.site.iris.dataset

        def literal(node: Term, predicate: ox.NamedNode) -> str:
            value = void.first(node, predicate)
            return e(value.value) if isinstance(value, ox.Literal) else ""

        def agent(predicate: ox.NamedNode) -> str:
            node = void.first(dataset, predicate)
            name = void.first(node, FOAF.name) if node is not None else None
            if isinstance(name, ox.Literal):
                return e(name.value)
            return self.external(node)

        rows = [
            ("Publisher", agent(DCTERMS.publisher)),
            ("Creator", agent(DCTERMS.creator)),
            ("Licence", self.external(void.first(dataset, DCTERMS.license))),
            ("Issued", literal(dataset, DCTERMS.issued)),
            ("Modified", literal(dataset, DCTERMS.modified)),
            ("Triples", literal(dataset, VOID.triples)),
            ("Entities", literal(dataset, VOID.entities)),
        ]
        if endpoint is not None:
            rows.append(("SPARQL endpoint", f'<a href="{root}sparql"><code>{e(endpoint)}</code></a>'))
        examples = [self.link(x, root) for x in void.objects(dataset, VOID.exampleResource)]
        if examples:
            rows.append(("For example", ", ".join(examples)))
        parts = [
            f"<h1>{literal(dataset, DCTERMS.title)}</h1>",
            f'<p class="iri">IRI <code>{e(dataset.value)}</code></p>',
            f'<p class="description">{literal(dataset, DCTERMS.description)}</p>',
            self.downloads_of(f"{root}doc/dataset", root),
            self.facts([(k, v) for k, v in rows if v]),
            "<h2>Downloads</h2><table><tr><th>file</th><th>media type</th><th>bytes</th></tr>",
        ]
        for distribution in void.objects(dataset, DCAT.distribution):
            url = void.first(distribution, DCAT.downloadURL)
            if not isinstance(url, ox.NamedNode):
                continue
            name = url.value.rsplit("/", 1)[-1]
            media = void.first(distribution, DCAT.mediaType)
            parts.append(
                f'<tr><td><a href="{root}dumps/{quote(name)}">{e(name)}</a></td>'
                f"<td>{e(media.value.removeprefix(MEDIA_TYPES.iri) if isinstance(media, ox.NamedNode) else '')}</td>"
                f"<td>{literal(distribution, DCAT.byteSize)}</td></tr>"
            )
        parts.append("</table><h2>Graphs</h2><ul>")
        for graph in void.objects(dataset, VOID.subset):
            if VOID.Linkset in void.objects(graph, RDF.type):
                continue
            name = str(graph)[1:-1].removeprefix(f"{self.site.base}graph/")
            parts.append(
                f'<li><a href="{root}doc/graph/{quote(name)}.html">{e(name)}</a>: '
                f"{literal(graph, VOID.triples)} triples</li>"
            )
        parts.append("</ul><h2>Links</h2><ul>")
        for linkset in void.subjects(RDF.type, VOID.Linkset):
            target = void.first(linkset, VOID.objectsTarget)
            title = void.first(target, DCTERMS.title) if target is not None else None
            parts.append(
                f"<li>{literal(linkset, VOID.triples)} links to "
                f"{e(title.value if isinstance(title, ox.Literal) else target)}</li>"
            )
        parts.append("</ul>")
        return self.page("About the dataset", "\n".join(parts), root, _alternates("dataset"))

    def external(self, node: Term | None) -> str:
        if not isinstance(node, ox.NamedNode):
            return ""
        return f'<a class="external" href="{e(node.value)}">{e(node.value)}</a>'

    def graph_page(self, name: str, node: ox.NamedNode) -> str:
        """``doc/graph/{name}.html``: a named graph, how big it is and what it holds."""
        root = "../" * (name.count("/") + 2)
        void = Index(self.site.graph_description(node))
        source = void.first(node, DCTERMS.source)
        rows = [("Triples", e(getattr(void.first(node, VOID.triples), "value", "")))]
        if isinstance(source, ox.NamedNode):
            title = f"Graph of {self.site.label(source)}"
            rows.append(("Holds", f"what {self.link(source, root)} supports, as its page shows"))
        else:
            title = "Graph of the entities"
            rows.append(
                ("Holds", f'the labels, types and identifiers of the <a href="{root}index.html">entities</a>')
            )
        rows.append(("Part of", f'<a href="{root}doc/dataset.html">the dataset</a>'))
        parts = [
            f"<h1>{e(title)}</h1>",
            f'<p class="iri">IRI <code>{e(node.value)}</code></p>',
            self.downloads_of(f"{root}doc/graph/{quote(name)}", root),
            self.facts(rows),
        ]
        return self.page(title, "\n".join(parts), root, _alternates(name.rsplit("/", 1)[-1]))

    def downloads_of(self, stem: str, root: str) -> str:
        names = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD"}
        items = " ".join(
            f'<a href="{stem}.{ext}" type="{DOCUMENT_TYPES[ext]}">{name}</a>' for ext, name in names.items()
        )
        return f'<p class="downloads">As data: {items}</p>'

    def dumps_index(self, root: str = "../") -> str:
        rows = "".join(
            f'<tr><td><a href="{e(name)}">{e(name)}</a></td><td>{len(content):,}</td>'
            f"<td>{e(DUMP_TYPES.get(Path(name).suffix, ''))}</td></tr>"
            for name, content in self.site.dumps().items()
        )
        body = (
            "<h1>Dumps</h1><table><tr><th>file</th><th>bytes</th><th>media type</th></tr>" + rows + "</table>"
        )
        return self.page("Dumps", body, root)

    def query_page(
        self, query: str, examples: list[tuple[str, str, str]], results: str, limits: object
    ) -> str:
        """The query form (works without script), the examples, and the rendered answer."""
        timeout = getattr(limits, "query_timeout", 0)
        max_rows = getattr(limits, "max_rows", 0)
        parts = [
            "<h1>Query</h1>",
            f'<p class="notice">SPARQL 1.1 over the whole dataset (default graph: the union of all graphs). '
            f"Queries stop after {timeout:g} s and return at most {max_rows} rows; SERVICE and updates are "
            f'refused. Programs use the endpoint <a href="sparql"><code>sparql</code></a>.</p>',
            '<form id="query-form" method="get" action="query">'
            f'<textarea id="query" name="query" spellcheck="false" aria-label="SPARQL query">{e(query)}</textarea>'
            '<p><button type="submit">Run</button> <span class="notice">Ctrl+Enter runs the query</span></p></form>',
        ]
        if results:
            parts.append(f'<section id="results"><h2>Results</h2>{results}</section>')
        if examples:
            parts.append('<h2>Examples</h2><ul class="examples">')
            for name, question, text in examples:
                parts.append(
                    f'<li><a data-example="example-{e(name)}" href="query?query={quote(text)}">{e(question)}</a>'
                    f' <code>{e(name)}.rq</code><pre hidden id="example-{e(name)}">{e(text)}</pre></li>'
                )
            parts.append("</ul>")
        parts.append('<script src="static/query.js"></script>')
        return self.page("Query", "\n".join(parts), "")


def _alternates(stem: str) -> dict[str, str]:
    """The other formats of a document, relative to it."""
    return {ext: f"{quote(stem)}.{ext}" for ext in DOCUMENT_TYPES if ext != "html"}
