"""Pages a person reads and per-resource RDF a program reads, for the server and the static site.

Both serve the same URL layout, relative to the dataset's base IRI, so links are relative and
the pages work wherever they are mounted:

    id/{x}, source/{x}, statement/{x}, reference/{x}   the IRIs: 303 See Other to a document
    doc/{kind}/{x}.html | .ttl | .nt | .jsonld          the documents describing them
    doc/ontology.html                                   classes and properties, with their shapes
    dumps/{file}                                        the published dumps
    .well-known/void                                    the VoID description

The data IRIs are slash IRIs, so they follow the 303 recipe of "Cool URIs for the Semantic Web"
(section 4.3); the ontology's terms are hash IRIs (``…/ontology#ArmedGroup``) and dereference
to the one ontology document. See docs/serving.md.

Everything here is computed from the published files (``dataset.nq``, ``ontology.ttl``,
``shapes.ttl``, ``void.ttl``), so the pages say exactly what the dumps say.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from .errors import ConfigurationError
from .graph import Iris
from .publishing import (
    DUMP_TYPES,
    atomic_write,
    canonical_ntriples,
    compact_jsonld,
    endpoint_description,
    turtle,
    void_prefixes,
)
from .vocab import (
    AGKG,
    DCTERMS,
    OA,
    OWL,
    PROV,
    RDFS,
    SCHEMA,
    VOID,
    WIKIBASE,
    XSD,
    WikibaseNamespaces,
    data_prefixes,
)

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

# What the dataset mints under its base, in URL-path order.
# Value nodes (Wikibase's wdv:) are minted too, so they dereference like the rest.
KINDS = ("id", "source", "statement", "reference", "value")

# Document formats: extension -> media type, in the order offered when a client has no preference.
DOCUMENT_TYPES: dict[str, str] = {
    "html": "text/html",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
PUBLISHED_INPUTS = ("dataset.nq", "ontology.ttl", "shapes.ttl", "void.ttl")
_SAFE_LOCAL = re.compile(r"[A-Za-z0-9._~-]+")
RANK_ORDER = {WIKIBASE.PreferredRank: 0, WIKIBASE.NormalRank: 1, WIKIBASE.DeprecatedRank: 2}
TRUE = ox.Literal("true", datatype=XSD.boolean)
FALSE = ox.Literal("false", datatype=XSD.boolean)


# --- content negotiation (RFC 9110 section 12.5.1) ---------------------------------------------


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their weights, from an Accept header; none means anything."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        weight = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = max(0.0, min(1.0, float(value)))
                except ValueError:
                    weight = 0.0
        ranges.append((media, weight))
    return ranges


def negotiate(header: str | None, offers: Iterable[str]) -> str | None:
    """The offered media type the client prefers most; ties go to the earlier offer.

    A more specific range overrides a wildcard (``text/turtle;q=0`` beats ``*/*``). None when
    the client accepts none of the offers.
    """
    ranges = parse_accept(header)
    best: tuple[float, int, str] | None = None
    for index, offer in enumerate(offers):
        kind = offer.split("/")[0]
        specificity, weight = -1, 0.0
        for media, q in ranges:
            level = 2 if media == offer else 1 if media == f"{kind}/*" else 0 if media == "*/*" else -1
            if level > specificity:
                specificity, weight = level, q
        if specificity >= 0 and weight > 0 and (best is None or weight > best[0]):
            best = (weight, index, offer)
    return best[2] if best else None


# --- indexes over triples ------------------------------------------------------------------------


class Index:
    """Triples by subject and by object, for the fixed lookups the pages make."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.out: dict[Term, dict[ox.NamedNode, list[Term]]] = defaultdict(lambda: defaultdict(list))
        self.into: dict[Term, list[tuple[Term, ox.NamedNode]]] = defaultdict(list)
        for t in sorted(set(triples), key=str):
            self.out[t.subject][t.predicate].append(t.object)
            self.into[t.object].append((t.subject, t.predicate))

    def objects(self, subject: Term, predicate: ox.NamedNode) -> list[Term]:
        found = self.out.get(subject)
        return list(found.get(predicate, [])) if found else []

    def first(self, subject: Term, predicate: ox.NamedNode) -> Term | None:
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def about(self, subject: Term) -> list[ox.Triple]:
        found = self.out.get(subject, {})
        return [ox.Triple(subject, p, o) for p, values in found.items() for o in values]  # type: ignore[arg-type]

    def subjects(self, predicate: ox.NamedNode, obj: Term) -> list[Term]:
        return [s for s, p in self.into.get(obj, []) if p == predicate]

    def has(self, subject: Term) -> bool:
        return subject in self.out


@dataclass
class SiteData:
    """The published dataset, indexed for pages and per-resource descriptions."""

    base: str
    quads: list[ox.Quad]
    ontology_triples: list[ox.Triple]
    shapes_triples: list[ox.Triple]
    files: dict[str, bytes]
    modified: float | None = None  # when the published files were written (seconds since the epoch)
    data: Index = field(init=False)
    ontology: Index = field(init=False)
    shapes: Index = field(init=False)
    graphs: dict[ox.NamedNode, list[ox.Triple]] = field(init=False)

    def __post_init__(self) -> None:
        self.data = Index(ox.Triple(q.subject, q.predicate, q.object) for q in self.quads)
        self.ontology = Index(self.ontology_triples)
        self.shapes = Index(self.shapes_triples)
        graphs: dict[ox.NamedNode, list[ox.Triple]] = defaultdict(list)
        for q in self.quads:
            if isinstance(q.graph_name, ox.NamedNode):
                graphs[q.graph_name].append(ox.Triple(q.subject, q.predicate, q.object))
        self.graphs = dict(graphs)

    @classmethod
    def from_files(cls, files: Mapping[str, bytes], base: str) -> SiteData:
        """Read the published files (as ``render_dumps`` makes them, or as read from dist/)."""
        missing = [name for name in PUBLISHED_INPUTS if name not in files]
        if missing:
            raise ConfigurationError(f"published files missing: {', '.join(missing)} (run 'agkg publish')")
        try:
            quads = list(ox.parse(files["dataset.nq"], format=ox.RdfFormat.N_QUADS))
            ontology = list(ox.parse(files["ontology.ttl"], format=ox.RdfFormat.TURTLE))
            shapes = list(ox.parse(files["shapes.ttl"], format=ox.RdfFormat.TURTLE))
        except SyntaxError as error:
            raise ConfigurationError(f"a published file does not parse: {error}") from error
        if quads and not any(
            q.subject.value.startswith(base + "id/")
            for q in quads[:1000]
            if isinstance(q.subject, ox.NamedNode)
        ):
            raise ConfigurationError(
                f"the published dataset has no IRIs under the base {base}: publish again with this base"
            )
        return cls(base, quads, ontology, shapes, dict(files))

    @classmethod
    def from_folder(cls, folder: Path, base: str) -> SiteData:
        """Read what ``agkg publish`` wrote to ``folder``."""
        if not (folder / "dataset.nq").is_file():
            raise ConfigurationError(f"nothing published in {folder}: run 'agkg publish' first")
        files, modified = {}, 0.0
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in DUMP_TYPES:
                files[path.name] = path.read_bytes()
                modified = max(modified, path.stat().st_mtime)
        site = cls.from_files(files, base)
        site.modified = modified
        return site

    @property
    def iris(self) -> Iris:
        return Iris(self.base)

    @property
    def graph_names(self) -> set[str]:
        """The named graphs a query may select: the data graphs and the ontology graph."""
        return {g.value for g in self.graphs} | {self.iris.ontology_graph.value}

    def dumps(self) -> dict[str, bytes]:
        return {
            name: content for name, content in sorted(self.files.items()) if name.endswith(tuple(DUMP_TYPES))
        }

    # --- what there is ---------------------------------------------------------------------------

    def split(self, iri: str) -> tuple[str, str] | None:
        """(kind, local name) for an IRI this dataset mints, e.g. ('id', 'iskp')."""
        if not iri.startswith(self.base):
            return None
        kind, _, local = iri[len(self.base) :].partition("/")
        local = local.split("#", 1)[0]
        if kind in KINDS and _SAFE_LOCAL.fullmatch(local):
            return kind, local
        return None

    def node(self, kind: str, local: str) -> ox.NamedNode | None:
        """The resource ``{base}{kind}/{local}`` if the dataset describes it."""
        if kind not in KINDS or not _SAFE_LOCAL.fullmatch(local):
            return None
        node = ox.NamedNode(f"{self.base}{kind}/{local}")
        return node if self.data.has(node) else None

    def resources(self) -> Iterator[tuple[str, str]]:
        """Every (kind, local) the dataset describes, sorted."""
        found = {self.split(s.value) for s in self.data.out if isinstance(s, ox.NamedNode)}
        yield from sorted(x for x in found if x is not None)

    # --- the dataset and its graphs ---------------------------------------------------------------

    def void_triples(self, endpoint: str | None = None) -> list[ox.Triple]:
        """The published VoID and DCAT description; served, with the SPARQL ``endpoint`` too."""
        triples = list(ox.parse(self.files["void.ttl"], format=ox.RdfFormat.TURTLE))
        if endpoint is not None:
            licence = next(
                (
                    t.object.value
                    for t in triples
                    if t.subject == self.iris.dataset
                    and t.predicate == DCTERMS.license
                    and isinstance(t.object, ox.NamedNode)
                ),
                None,
            )
            extra = endpoint_description(self.iris, endpoint, *([licence] if licence else []))
            triples += extra
        return triples

    def void_document(self, extension: str, endpoint: str | None = None) -> bytes:
        """The VoID as Turtle (the published bytes when not served), N-Triples or JSON-LD."""
        if extension == "ttl" and endpoint is None:
            return self.files["void.ttl"]
        triples = self.void_triples(endpoint)
        if extension == "ttl":
            return turtle(triples, void_prefixes(self.base))
        if extension == "jsonld":
            return compact_jsonld(triples, void_prefixes(self.base))
        return self.serialize(triples, extension)

    def graph_node(self, name: str) -> ox.NamedNode | None:
        """The named graph ``{base}graph/{name}`` (``entities``, ``properties`` or ``source/{x}``)
        if published."""
        if name not in ("entities", "properties") and not (
            name.startswith("source/") and _SAFE_LOCAL.fullmatch(name.removeprefix("source/"))
        ):
            return None
        node = ox.NamedNode(f"{self.base}graph/{name}")
        return node if node in self.graphs else None

    def graph_description(self, node: ox.NamedNode) -> list[ox.Triple]:
        """What the VoID says about a named graph: its size, the source it holds, its dataset."""
        return sorted({*self.void.about(node), ox.Triple(self.iris.dataset, VOID.subset, node)}, key=str)

    @cached_property
    def void(self) -> Index:
        """The published VoID, indexed once (a site has a page per graph)."""
        return Index(self.void_triples())

    def graph_document(self, name: str, extension: str, live: bool = False) -> bytes | None:
        """The document ``doc/graph/{name}.{extension}``, or None if there is no such graph."""
        node = self.graph_node(name)
        if node is None or extension not in DOCUMENT_TYPES:
            return None
        if extension == "html":
            from .web.pages import Pages

            return Pages(self, live).graph_page(name, node).encode("utf-8")
        return self.serialize(self.graph_description(node), extension)

    def dataset_document(self, extension: str, endpoint: str | None = None) -> bytes | None:
        """The document ``doc/dataset.{extension}``: the VoID and DCAT description, or its page."""
        if extension == "html":
            from .web.pages import Pages

            return Pages(self, endpoint is not None).dataset_page(endpoint).encode("utf-8")
        if extension not in DOCUMENT_TYPES:
            return None
        return self.void_document(extension, endpoint)

    # --- RDF descriptions ------------------------------------------------------------------------

    def description(self, kind: str, node: ox.NamedNode) -> list[ox.Triple]:
        """The triples a document about ``node`` carries.

        An entity comes with its statements and their evidence, so one fetch gives a client
        everything it says and why; a source with its named graph (everything it supports).
        """
        if kind == "source":
            return sorted(
                set(self.graphs.get(self.iris.source_graph(node.value.rsplit("/", 1)[-1]), [])), key=str
            )
        triples = set(self.data.about(node))
        statements: list[Term] = []
        references: list[Term] = []
        family = Family(self.base)
        if kind == "id":
            statements = [o for t in triples if family.claim(t.predicate) for o in [t.object]]
            # a property entity's document declares its predicate family and novalue class
            linked = [
                t.object for t in list(triples) if t.predicate in WIKIBASE and t.object in family.wb.claim
            ]
            for term in linked:
                triples.update(self.data.about(term))
                for t in self.data.about(term):
                    if t.predicate == OWL.complementOf:
                        triples.update(self.data.about(t.object))
        elif kind == "statement":
            statements = [node]
            triples.update(
                ox.Triple(s, p, node) for s, p in self.data.into.get(node, []) if isinstance(s, ox.NamedNode)
            )
        elif kind == "reference":
            references = [node]
        for statement in statements:
            about = self.data.about(statement)
            triples.update(about)
            references.extend(self.data.objects(statement, PROV.wasDerivedFrom))
            triples.update(
                v for t in about if t.object in family.wb.value_node for v in self.data.about(t.object)
            )
        for reference in references:
            about = self.data.about(reference)
            if reference != node:
                triples.update(about)
            triples.update(
                v for t in about if t.object in family.wb.value_node for v in self.data.about(t.object)
            )
            for selector in self.data.objects(reference, OA.hasSelector):
                triples.update(self.data.about(selector))
        return sorted(triples, key=str)

    def serialize(self, triples: list[ox.Triple], extension: str) -> bytes:
        prefixes = data_prefixes(self.base)
        if extension == "ttl":
            return turtle(triples, prefixes)
        if extension == "nt":
            return canonical_ntriples(triples)
        if extension == "jsonld":
            return compact_jsonld(triples, prefixes)
        raise ValueError(extension)

    def document(self, kind: str, local: str, extension: str, live: bool = False) -> bytes | None:
        """The document ``doc/{kind}/{local}.{extension}``, or None if there is no such resource."""
        node = self.node(kind, local)
        if node is None or extension not in DOCUMENT_TYPES:
            return None
        if extension == "html":
            from .web.pages import Pages

            return Pages(self, live).resource(kind, node).encode("utf-8")
        return self.serialize(self.description(kind, node), extension)

    # --- labels ----------------------------------------------------------------------------------

    def label(self, node: Term) -> str:
        for index in (self.data, self.ontology):
            labels = index.objects(node, RDFS.label) + index.objects(node, SCHEMA.headline)
            if labels:
                english = [x for x in labels if isinstance(x, ox.Literal) and x.language == "en"]
                chosen = english[0] if english else labels[0]
                return chosen.value if isinstance(chosen, ox.Literal) else str(chosen)
        if isinstance(node, ox.NamedNode):
            return local_name(node.value)
        if isinstance(node, ox.Literal):
            return node.value
        return str(node)


def context_before(text: str) -> str:
    """The context before a quote without the word its cut start may have split: from the
    first whitespace on (nothing when the context is one word)."""
    cut = re.search(r"\s", text)
    return text[cut.start() :].lstrip() if cut else ""


def context_after(text: str) -> str:
    """The context after a quote without the word its cut end may have split."""
    cut = [m.end() for m in re.finditer(r"\s", text)]
    return text[: cut[-1]].rstrip() if cut else ""


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri


class Family:
    """Which Wikibase predicate family a predicate of the dataset belongs to (p:, ps:, pq:, …)."""

    def __init__(self, base: str) -> None:
        self.wb = WikibaseNamespaces(base)

    @staticmethod
    def _in(namespace_iri: str, predicate: Term) -> bool:
        return (
            isinstance(predicate, ox.NamedNode)
            and predicate.value.startswith(namespace_iri)
            and "/" not in predicate.value[len(namespace_iri) :]
        )

    def claim(self, predicate: Term) -> bool:
        return self._in(self.wb.claim.iri, predicate)

    def statement(self, predicate: Term) -> bool:
        return self._in(self.wb.statement.iri, predicate)

    def statement_value(self, predicate: Term) -> bool:
        return self._in(self.wb.statement_value.iri, predicate)

    def qualifier(self, predicate: Term) -> bool:
        return self._in(self.wb.qualifier.iri, predicate)

    def qualifier_value(self, predicate: Term) -> bool:
        return self._in(self.wb.qualifier_value.iri, predicate)

    def property_term(self, predicate: ox.NamedNode) -> ox.NamedNode:
        """The ontology property a family predicate stands for (``p:inception`` → ``agkg:inception``)."""
        return AGKG.term(local_name(predicate.value))


def prefixed(iri: str, prefixes: Mapping[str, str]) -> str:
    for name, namespace in sorted(prefixes.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{name}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def static_asset(name: str) -> bytes:
    """A file bundled in the package's static/ folder (CSS and script; no CDN)."""
    return resources.files("agkg.web").joinpath("static", name).read_bytes()


STATIC_FILES = ("agkg.css", "query.js")


# --- the static site ----------------------------------------------------------------------------


def render_site(site: SiteData) -> dict[str, bytes]:
    """Every file of the static site, keyed by its path relative to the site root."""
    from .web.pages import Pages  # the web layer sits on top of this module

    pages = Pages(site)
    files: dict[str, bytes] = {
        "index.html": pages.index("").encode(),
        "doc/ontology.html": pages.ontology_page("../").encode(),
    }
    for kind, local in site.resources():
        for extension in DOCUMENT_TYPES:
            content = site.document(kind, local, extension)
            if content is not None:
                files[f"doc/{kind}/{local}.{extension}"] = content
    for extension in DOCUMENT_TYPES:
        files[f"doc/dataset.{extension}"] = site.dataset_document(extension) or b""
        for graph in site.graphs:
            name = graph.value.removeprefix(f"{site.base}graph/")
            files[f"doc/graph/{name}.{extension}"] = site.graph_document(name, extension) or b""
    for name, content in site.dumps().items():
        files[f"dumps/{name}"] = content
    files["dumps/index.html"] = pages.dumps_index("../").encode()
    files[".well-known/void.ttl"] = site.files["void.ttl"]
    for name in STATIC_FILES:
        files[f"static/{name}"] = static_asset(name)
    files[".htaccess"] = apache_config(site.base).encode()
    files["nginx.conf"] = nginx_config(site.base).encode()
    return files


def write_site(files: Mapping[str, bytes], folder: Path) -> list[Path]:
    """Write the site atomically file by file, and remove files a previous run left over."""
    written = []
    for name, content in sorted(files.items()):
        path = folder / name
        atomic_write(path, content)
        written.append(path)
    keep = {p.resolve() for p in written}
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path.resolve() not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written


# The dataset's own IRIs, and its graphs', answered 303 to doc/{path}.{ext}: one capture group.
_DATASET_IRIS = "(dataset|graph/entities|graph/properties|graph/source/[A-Za-z0-9._~-]+)"
# The predicates of a property's Wikibase family ({base}prop/..., p: to wdno:) and the Skolem IRI
# of its novalue class name the property entity: answered 303 to doc/id/P-{name}.{ext}, as
# Wikidata sends p:P571 and wdt:P571 to wd:P571. One capture group: the property's name.
_PROPERTY_IRIS = (
    "(?:prop/(?:direct/|novalue/|(?:statement|qualifier|reference)/(?:value/)?)?"
    "|\\.well-known/genid/novalue-)([A-Za-z0-9_-]+)"
)


def base_path(base: str) -> str:
    """The path of the base IRI, where the site root is served: '/agkg/' for w3id.org/agkg/."""
    path = urlsplit(base).path or "/"
    return path if path.endswith("/") else path + "/"


def apache_config(base: str) -> str:
    """An .htaccess doing the 303 redirects and media types of docs/serving.md (mod_rewrite)."""
    path = base_path(base)
    kinds = "|".join(KINDS)
    rules = []
    for extension, media in (
        ("ttl", "text/turtle"),
        ("nt", "application/n-triples"),
        ("jsonld", "application/ld\\+json"),
    ):
        rules.append(f"RewriteCond %{{HTTP_ACCEPT}} {media}\n")
        rules.append(f"RewriteRule ^({kinds})/([A-Za-z0-9._~-]+)$ doc/$1/$2.{extension} [R=303,L]\n")
        rules.append(f"RewriteCond %{{HTTP_ACCEPT}} {media}\n")
        rules.append(f"RewriteRule ^{_DATASET_IRIS}$ doc/$1.{extension} [R=303,L]\n")
        rules.append(f"RewriteCond %{{HTTP_ACCEPT}} {media}\n")
        rules.append(f"RewriteRule ^{_PROPERTY_IRIS}$ doc/id/P-$1.{extension} [R=303,L]\n")
    rules.append("RewriteCond %{HTTP_ACCEPT} text/turtle\n")
    rules.append("RewriteRule ^ontology$ dumps/ontology.ttl [R=303,L]\n")
    rules.append("RewriteCond %{HTTP_ACCEPT} text/turtle\n")
    rules.append("RewriteRule ^graph/(ontology|shapes)$ dumps/$1.ttl [R=303,L]\n")
    return (
        "# agkg static site: Apache 2.4 with mod_rewrite, mod_headers and mod_mime.\n"
        "# Written by 'agkg publish --site'; see docs/serving.md. The site root is the base IRI\n"
        f"# {base}\n"
        "Options -MultiViews\n"
        "DirectoryIndex index.html\n"
        "AddType text/turtle .ttl\n"
        "AddType application/trig .trig\n"
        "AddType application/n-triples .nt\n"
        "AddType application/n-quads .nq\n"
        "AddType application/ld+json .jsonld\n"
        "AddCharset utf-8 .ttl .trig .nt .nq .jsonld .html\n"
        "<IfModule mod_headers.c>\n"
        '  Header set Access-Control-Allow-Origin "*"\n'
        "</IfModule>\n"
        "RewriteEngine On\n"
        f"RewriteBase {path}\n"
        "# Slash IRIs answer 303 See Other to a document (Cool URIs for the Semantic Web, 4.3).\n"
        "# The Accept header is matched in this order; q-values are not weighed.\n"
        + "".join(rules)
        + f"RewriteRule ^({kinds})/([A-Za-z0-9._~-]+)$ doc/$1/$2.html [R=303,L]\n"
        f"RewriteRule ^{_DATASET_IRIS}$ doc/$1.html [R=303,L]\n"
        "RewriteRule ^ontology$ doc/ontology.html [R=303,L]\n"
        "RewriteRule ^graph/(ontology|shapes)$ doc/ontology.html [R=303,L]\n"
        f"RewriteRule ^{_PROPERTY_IRIS}$ doc/id/P-$1.html [R=303,L]\n"
        "RewriteRule ^\\.well-known/void$ .well-known/void.ttl [T=text/turtle,L]\n"
        "<IfModule mod_headers.c>\n"
        '  <If "%{REQUEST_URI} =~ m#/(id|source|statement|reference|value|graph|prop)/|/genid/novalue-|/dataset$#">\n'
        "    Header append Vary Accept\n"
        "  </If>\n"
        "</IfModule>\n"
    )


def nginx_config(base: str) -> str:
    """An nginx snippet for the same redirects; ``map`` goes in the http block."""
    path = base_path(base)
    kinds = "|".join(KINDS)
    return (
        "# agkg static site for nginx. Written by 'agkg publish --site'; see docs/serving.md.\n"
        f"# The site folder is served at {path} (the path of the base IRI {base}).\n"
        "# 1. In the http { } block:\n"
        "map $http_accept $agkg_ext {\n"
        "    default                    html;\n"
        '    "~*text/turtle"            ttl;\n'
        '    "~*application/n-triples"  nt;\n'
        '    "~*application/ld\\+json"  jsonld;\n'
        "}\n"
        "# 2. In the server { } block (root or alias pointing at dist/site/):\n"
        f"location ~ ^{path}({kinds})/([A-Za-z0-9._~-]+)$ {{\n"
        "    add_header Vary Accept always;\n"
        '    add_header Access-Control-Allow-Origin "*" always;\n'
        f"    return 303 {path}doc/$1/$2.$agkg_ext;\n"
        "}\n"
        f"location ~ ^{path}{_DATASET_IRIS}$ {{\n"
        "    add_header Vary Accept always;\n"
        '    add_header Access-Control-Allow-Origin "*" always;\n'
        f"    return 303 {path}doc/$1.$agkg_ext;\n"
        "}\n"
        f"location ~ ^{path}{_PROPERTY_IRIS}$ {{\n"
        "    add_header Vary Accept always;\n"
        '    add_header Access-Control-Allow-Origin "*" always;\n'
        f"    return 303 {path}doc/id/P-$1.$agkg_ext;\n"
        "}\n"
        f"location ~ ^{path}graph/(ontology|shapes)$ {{\n"
        "    add_header Vary Accept always;\n"
        f"    if ($agkg_ext = ttl) {{ return 303 {path}dumps/$1.ttl; }}\n"
        f"    return 303 {path}doc/ontology.html;\n"
        "}\n"
        f"location = {path}ontology {{\n"
        "    add_header Vary Accept always;\n"
        f"    if ($agkg_ext = ttl) {{ return 303 {path}dumps/ontology.ttl; }}\n"
        f"    return 303 {path}doc/ontology.html;\n"
        "}\n"
        f"location = {path}.well-known/void {{\n"
        f"    rewrite ^ {path}.well-known/void.ttl last;\n"
        "}\n"
        f"location {path} {{\n"
        '    add_header Access-Control-Allow-Origin "*";\n'
        "    types {\n"
        "        text/html html; text/css css; text/javascript js;\n"
        "        text/turtle ttl; application/trig trig; application/n-triples nt;\n"
        "        application/n-quads nq; application/ld+json jsonld;\n"
        "    }\n"
        "    charset utf-8;\n"
        "    charset_types text/turtle application/n-triples application/n-quads application/trig application/ld+json;\n"
        "    index index.html;\n"
        "}\n"
    )


def site_folder(out_dir: Path) -> Path:
    return out_dir / "site"


__all__ = [
    "DOCUMENT_TYPES",
    "SiteData",
    "negotiate",
    "render_site",
    "write_site",
]
