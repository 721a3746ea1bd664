"""HTML pages for the server and the static site, rendered from the templates in ``templates/``.

Every link is relative, so the pages work from any mount point or folder.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from markupsafe import Markup

from ..dates import time_from_wikibase
from ..publishing import DUMP_TYPES
from ..quotes import CONTEXT_CHARS
from ..site import (
    DOCUMENT_TYPES,
    FALSE,
    RANK_ORDER,
    TRUE,
    Family,
    Index,
    SiteData,
    Term,
    context_after,
    context_before,
    local_name,
    prefixed,
)
from ..vocab import (
    AGKG,
    DCAT,
    DCTERMS,
    FOAF,
    MEDIA_TYPES,
    OA,
    ONTOLOGY_IRI,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SH,
    SKOS,
    VOID,
    WD,
    WIKIBASE,
    XSD,
    data_prefixes,
)
from .figures import entity_figures, home_figures
from .templating import render


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

    def downloads(self, kind: str, local: str, root: str) -> str:
        names = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD"}
        items = " ".join(
            f'<a href="{root}doc/{kind}/{quote(local)}.{ext}" type="{DOCUMENT_TYPES[ext]}">{name}</a>'
            for ext, name in names.items()
        )
        return f'<p class="downloads">As data: {items}</p>'

    # --- pages ----------------------------------------------------------------------------------

    def resource(self, kind: str, node: ox.NamedNode) -> str:
        local = node.value.rsplit("/", 1)[-1]
        root = "../../"
        alternates = {ext: f"{quote(local)}.{ext}" for ext in DOCUMENT_TYPES if ext != "html"}
        render = {
            "id": self.entity,
            "source": self.source,
            "statement": self.statement_page,
            "reference": self.reference_page,
            "value": self.value_page,
        }[kind]
        title, body = render(node, root)
        iri = f'<p class="iri">IRI <code>{e(node.value)}</code></p>'
        return self.page(
            title, body.replace("<!--iri-->", iri + self.downloads(kind, local, root), 1), root, alternates
        )

    def entity(self, node: ox.NamedNode, root: str) -> tuple[str, str]:
        data = self.data
        name = self.site.label(node)
        types = [t for t in data.objects(node, RDF.type) if isinstance(t, ox.NamedNode)]
        parts = [f"<h1>{e(name)}</h1>"]
        parts.append('<p class="type">' + ", ".join(self.link(t, root) for t in types) + "</p><!--iri-->")
        for description in data.objects(node, SCHEMA.description):
            parts.append(f'<p class="description">{self.value(description, root)}</p>')
        names = []
        for label in data.objects(node, RDFS.label):
            if isinstance(label, ox.Literal) and label.value != name:
                names.append(self.value(label, root))
        aliases = [self.value(a, root) for a in data.objects(node, SKOS.altLabel)]
        facts = []
        if names:
            facts.append(("Other names", ", ".join(names)))
        if aliases:
            facts.append(("Also known as", ", ".join(aliases)))
        for same in data.objects(node, OWL.sameAs):
            if isinstance(same, ox.NamedNode):
                text = f"Wikidata {local_name(same.value)}" if same.value.startswith(WD.iri) else same.value
                facts.append(("Same as", f'<a class="external" href="{e(same.value)}">{e(text)}</a>'))
        if facts:
            parts.append(self.facts(facts))
        parts.append(entity_figures(self.site, node, lambda n: self.href(n, root)))

        by_property: dict[ox.NamedNode, list[Term]] = defaultdict(list)
        for predicate, values in data.out.get(node, {}).items():
            if self.family.claim(predicate):
                by_property[predicate].extend(values)
        if by_property:
            parts.append("<h2>Statements</h2>")
        for predicate in sorted(by_property, key=lambda p: self.property_label(p)):
            claim_property = self.family.property_term(predicate)
            parts.append(
                f'<section class="property"><h3>{self.link(claim_property, root, self.property_label(predicate))}</h3>'
            )
            for statement in self.sorted_statements(by_property[predicate]):
                parts.append(self.statement_card(statement, root))
            parts.append("</section>")

        mentions = self.mentions(node, root)
        if mentions:
            parts.append('<h2>In statements about others</h2><ul class="mentions">' + mentions + "</ul>")
        said = [r for r in data.subjects(self.family.wb.reference.attributedTo, node)]
        if said:
            parts.append("<h2>Quoted as saying</h2>")
            parts.extend(self.evidence(r, root) for r in said)
        for predicate, heading in ((SCHEMA.author, "Wrote"), (SCHEMA.publisher, "Published")):
            works = data.subjects(predicate, node)
            if works:
                items = "".join(f"<li>{self.link(w, root)}</li>" for w in works)
                parts.append(f"<h2>{heading}</h2><ul>{items}</ul>")
        return name, "\n".join(parts)

    def property_label(self, predicate: ox.NamedNode) -> str:
        name = local_name(predicate.value)
        return self.site.label(AGKG.term(name))

    def sorted_statements(self, statements: Iterable[Term]) -> list[Term]:
        def key(statement: Term) -> tuple[int, str]:
            rank = self.data.first(statement, WIKIBASE.rank)
            return RANK_ORDER.get(rank, 1) if isinstance(rank, ox.NamedNode) else 1, str(
                self.statement_value(statement)
            )

        return sorted(set(statements), key=key)

    def statement_value(self, statement: Term) -> Term | None:
        for predicate, values in self.data.out.get(statement, {}).items():
            if self.family.statement(predicate) and values:
                return values[0]
        return None

    def range_text(self, statement: Term) -> str:
        """A quantity given only by its bounds ("between 7 and 10"), shown as the range."""
        wb = self.family.wb
        low, high = (self.data.first(statement, wb.qualifier.term(bound)) for bound in ("minimum", "maximum"))
        shown = [e(x.value) if isinstance(x, ox.Literal) else None for x in (low, high)]
        if shown[0] and shown[1]:
            return f"{shown[0]}\u2013{shown[1]}"  # an en dash, as ranges are printed
        if shown[0]:
            return f"≥ {shown[0]}"
        if shown[1]:
            return f"≤ {shown[1]}"
        return "?"

    def statement_time(self, statement: Term) -> ox.Literal | None:
        """A statement's time value at its precision, if its value is a time."""
        for predicate, values in self.data.out.get(statement, {}).items():
            if self.family.statement_value(predicate) and values:
                return self.time_of(values[0])
        return None

    def time_of(self, value_node: Term | None) -> ox.Literal | None:
        """A Wikibase time value node's date at its precision (``2015-01`` for a month), as the
        literal of the XSD type of that precision, so pages never show a month as a day."""
        if value_node is None:
            return None
        instant = self.data.first(value_node, WIKIBASE.timeValue)
        precision = self.data.first(value_node, WIKIBASE.timePrecision)
        if not isinstance(instant, ox.Literal) or not isinstance(precision, ox.Literal):
            return None
        try:
            time = time_from_wikibase(instant.value, int(precision.value))
        except ValueError:
            return None
        return ox.Literal(time.lexical, datatype=XSD.term(time.datatype))

    def shown_value(self, statement: Term, predicate: ox.NamedNode, value: Term, root: str) -> str:
        """A statement's or qualifier's value as a page shows it: a time at its precision."""
        namespaces = (
            (self.family.wb.statement, self.family.wb.statement_value),
            (self.family.wb.qualifier, self.family.wb.qualifier_value),
        )
        for simple, full in namespaces:
            if predicate in simple:
                node = self.data.first(statement, full.term(simple.local_name(predicate)))
                time = self.time_of(node)
                if time is not None:
                    return self.value(time, root)
        return self.value(value, root)

    def statement_card(
        self, statement: Term, root: str, only_source: Term | None = None, subject: bool = False
    ) -> str:
        data = self.data
        rank = data.first(statement, WIKIBASE.rank)
        rank_name = (
            local_name(rank.value).removesuffix("Rank").lower()
            if isinstance(rank, ox.NamedNode)
            else "normal"
        )
        value = self.statement_value(statement)
        alleged = AGKG.allegedly in data.objects(statement, self.family.wb.qualifier.sourcingCircumstances)
        parts = [
            f'<article class="statement rank-{e(rank_name)}{" alleged" if alleged else ""}" '
            f'id="{e(local_name(str(statement).strip("<>")))}">'
        ]
        head = ""
        if subject:
            for s, p in data.into.get(statement, []):
                if self.family.claim(p) and isinstance(p, ox.NamedNode):
                    head = f"{self.link(s, root)} · {self.link(self.family.property_term(p), root, self.property_label(p))}: "
        shown = self.range_text(statement)
        if value is not None:
            for predicate in data.out.get(statement, {}):
                if self.family.statement(predicate) and isinstance(predicate, ox.NamedNode):
                    shown = self.shown_value(statement, predicate, value, root)
        mark = ' <span class="alleged-mark">alleged</span>' if alleged else ""
        parts.append(
            f'<p class="value">{head}<span class="claimed">{shown}</span>{mark} <span class="rank">{e(rank_name)} rank</span>'
        )
        if isinstance(statement, ox.NamedNode):
            local = statement.value.rsplit("/", 1)[-1]
            parts.append(
                f' <a class="permalink" href="{root}doc/statement/{quote(local)}.html" title="this statement">¶</a>'
            )
        parts.append("</p>")
        if alleged:  # an allegation is not a fact: say whose it is before anything else
            accusers = ", ".join(
                self.link(a, root) for a in data.objects(statement, self.family.wb.qualifier.allegedBy)
            )
            parts.append(
                f'<p class="allegation"><strong>Alleged by {accusers or "an unnamed party"}</strong>: '
                "no source states this as fact.</p>"
            )
        if rank_name == "deprecated":
            reasons = [
                self.value(r, root) for r in data.objects(statement, self.family.wb.qualifier.rankReason)
            ]
            better = []
            for other in data.objects(statement, AGKG.betterSupportedBy):
                other_value = self.statement_value(other)
                if isinstance(other, ox.NamedNode):
                    local = other.value.rsplit("/", 1)[-1]
                    time = self.statement_time(other)
                    text = (
                        time.value
                        if time is not None
                        else self.site.label(other_value)
                        if other_value is not None
                        else local
                    )
                    better.append(f'<a href="{root}doc/statement/{quote(local)}.html">{e(text)}</a>')
            note = "Deprecated: " + ("; ".join(reasons) if reasons else "ranked down")
            if better:
                note += ". Better supported: " + ", ".join(better)
            parts.append(f'<p class="deprecated-reason">{note}</p>')
        qualifiers = []
        skip = {
            RDF.type,
            WIKIBASE.rank,
            PROV.wasDerivedFrom,
            self.family.wb.qualifier.rankReason,
            AGKG.betterSupportedBy,
            self.family.wb.qualifier.sourcingCircumstances,  # shown as "Alleged by" above
            self.family.wb.qualifier.allegedBy,
            RDFS.comment,
        }
        for predicate, values in data.out.get(statement, {}).items():
            if (
                predicate in skip
                or not self.family.qualifier(predicate)
                or not isinstance(predicate, ox.NamedNode)
            ):
                continue
            term = self.family.property_term(predicate)
            for v in values:
                qualifiers.append(
                    (
                        self.link(term, root, self.site.label(term)),
                        self.shown_value(statement, predicate, v, root),
                    )
                )
        if qualifiers:
            parts.append(
                '<dl class="qualifiers">'
                + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in qualifiers)
                + "</dl>"
            )
        for comment in data.objects(statement, RDFS.comment):
            parts.append(f'<p class="note">{self.value(comment, root)}</p>')
        references = data.objects(statement, PROV.wasDerivedFrom)
        sources = {data.first(r, OA.hasSource) for r in references} - {None}
        count = len(sources)
        if alleged:  # sources repeating an allegation do not corroborate it
            parts.append(
                f'<p class="corroboration">Reported as an allegation by {count} source{"s" if count != 1 else ""}</p>'
            )
        else:
            parts.append(
                f'<p class="corroboration">Supported by {count} source{"s" if count != 1 else ""}'
                f"{' (corroborated)' if count > 1 else ''}</p>"
            )
        for reference in references:
            if only_source is None or data.first(reference, OA.hasSource) == only_source:
                parts.append(self.evidence(reference, root))
        parts.append("</article>")
        return "".join(parts)

    def evidence(self, reference: Term, root: str) -> str:
        """The quoted words, who the source attributes them to, and the source."""
        data = self.data
        quote_node = next(
            (
                s
                for s in data.objects(reference, OA.hasSelector)
                if OA.TextQuoteSelector in data.objects(s, RDF.type)
            ),
            None,
        )
        exact = data.first(quote_node, OA.exact) if quote_node is not None else None
        prefix = data.first(quote_node, OA.prefix) if quote_node is not None else None
        suffix = data.first(quote_node, OA.suffix) if quote_node is not None else None
        position = next(
            (
                s
                for s in data.objects(reference, OA.hasSelector)
                if OA.TextPositionSelector in data.objects(s, RDF.type)
            ),
            None,
        )
        start = data.first(position, OA.start) if position is not None else None
        parts = ['<figure class="evidence">']
        words = e(exact.value) if isinstance(exact, ox.Literal) else ""
        before = after = ""
        if isinstance(prefix, ox.Literal):
            # the prefix is the text's beginning when the quote starts right after it
            whole = isinstance(start, ox.Literal) and start.value == str(len(prefix.value))
            shown = prefix.value if whole else context_before(prefix.value)
            before = f'<span class="context">{"" if whole else "…"}{e(shown)}</span>'
        if isinstance(suffix, ox.Literal):
            # a suffix shorter than the context taken is the end of the text
            whole = len(suffix.value) < CONTEXT_CHARS
            shown = suffix.value if whole else context_after(suffix.value)
            after = f'<span class="context">{e(shown)}{"" if whole else "…"}</span>'
        parts.append(f'<blockquote>{before}<q class="quote">{words}</q>{after}</blockquote>')
        if data.first(reference, AGKG.quoteVerified) == FALSE:  # no corpus held the source's text
            parts.append('<p class="unverified">quote not verified against the source text</p>')
        cite = []
        attributed = data.first(reference, self.family.wb.reference.attributedTo)
        if attributed is not None and data.first(reference, AGKG.allegation) == TRUE:
            cite.append(
                f'<span class="attribution allegation">alleged by {self.link(attributed, root)}</span>'
            )
        elif attributed is not None:
            cite.append(f'<span class="attribution">attributed to {self.link(attributed, root)}</span>')
        source = data.first(reference, OA.hasSource)
        if source is not None:
            cite.append(f"<cite>{self.link(source, root)}</cite>")
            outlet = data.first(source, SCHEMA.publisher)
            if outlet is not None:
                cite.append(f'<span class="outlet">{self.link(outlet, root)}</span>')
            date = data.first(source, SCHEMA.datePublished)
            if isinstance(date, ox.Literal):
                cite.append(f'<time datetime="{e(date.value)}">{e(date.value.replace("T", " "))}</time>')
            earliest = data.first(source, AGKG.publishedNotBefore)
            if date is None and isinstance(earliest, ox.Literal):
                # an undated source: the date is the earliest it can be, not when it appeared
                cite.append(
                    f'<span class="undated">not before <time datetime="{e(earliest.value)}">'
                    f"{e(earliest.value.replace('T', ' '))}</time></span>"
                )
        parts.append("<figcaption>" + " · ".join(cite) + "</figcaption></figure>")
        return "".join(parts)

    def mentions(self, node: Term, root: str) -> str:
        items = []
        for statement, predicate in self.data.into.get(node, []):
            if self.family.statement(predicate):
                for subject, p in self.data.into.get(statement, []):
                    if self.family.claim(p) and isinstance(p, ox.NamedNode):
                        items.append(
                            f"<li>{self.link(subject, root)} · {e(self.property_label(p))} "
                            f'<a href="{e(self.href(statement, root) or "")}">statement</a></li>'
                        )
        return "".join(sorted(set(items)))

    def facts(self, rows: list[tuple[str, str]]) -> str:
        return '<dl class="facts">' + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"

    def source(self, node: ox.NamedNode, root: str) -> tuple[str, str]:
        data = self.data
        title = self.site.label(node)
        rows: list[tuple[str, str]] = []
        fields = (
            ("Type", RDF.type),
            ("Author", SCHEMA.author),
            ("Byline", AGKG.byline),
            ("Outlet", SCHEMA.publisher),
            ("Dateline", AGKG.dateline),
            ("Published", SCHEMA.datePublished),
            ("Published not before", AGKG.publishedNotBefore),
            ("Language", SCHEMA.inLanguage),
            ("Original", SCHEMA.url),
            ("Relays", AGKG.relays),
            ("Text sha256", AGKG.sha256),
            ("Note", RDFS.comment),
        )
        for name, predicate in fields:
            values = data.objects(node, predicate)
            if values:
                rows.append((name, ", ".join(self.value(v, root) for v in values)))
        relayed_by = data.subjects(AGKG.relays, node)
        if relayed_by:
            rows.append(("Relayed by", ", ".join(self.link(s, root) for s in relayed_by)))
        parts = [f"<h1>{e(title)}</h1><!--iri-->", self.facts(rows)]
        statements = []
        for reference in data.subjects(OA.hasSource, node):
            statements.extend(data.subjects(PROV.wasDerivedFrom, reference))
        by_subject: dict[Term, list[Term]] = defaultdict(list)
        for statement in set(statements):
            for subject, predicate in data.into.get(statement, []):
                if self.family.claim(predicate):
                    by_subject[subject].append(statement)
        total = len(set(statements))
        parts.append(
            f"<h2>What this source supports</h2><p>{total} statement{'s' if total != 1 else ''} about {len(by_subject)} entities.</p>"
        )
        for subject in sorted(by_subject, key=lambda s: self.site.label(s).lower()):
            parts.append(f'<section class="subject"><h3>{self.link(subject, root)}</h3>')
            for statement in sorted(by_subject[subject], key=lambda s: (self.property_label_of(s), str(s))):
                parts.append(self.statement_card(statement, root, only_source=node, subject=True))
            parts.append("</section>")
        return title, "\n".join(parts)

    def property_label_of(self, statement: Term) -> str:
        for _, predicate in self.data.into.get(statement, []):
            if self.family.claim(predicate) and isinstance(predicate, ox.NamedNode):
                return self.property_label(predicate)
        return ""

    def statement_page(self, node: ox.NamedNode, root: str) -> tuple[str, str]:
        title = "Statement"
        for subject, predicate in self.data.into.get(node, []):
            if self.family.claim(predicate) and isinstance(predicate, ox.NamedNode):
                title = f"{self.site.label(subject)} · {self.property_label(predicate)}"
        return title, f"<h1>{e(title)}</h1><!--iri-->" + self.statement_card(node, root, subject=True)

    def value_page(self, node: ox.NamedNode, root: str) -> tuple[str, str]:
        """A time or quantity value node: its fields, and the statements using it."""
        rows = [
            (
                self.site.label(p) if isinstance(p, ox.NamedNode) else str(p),
                ", ".join(self.value(v, root) for v in values),
            )
            for p, values in sorted(self.data.out.get(node, {}).items(), key=lambda item: str(item[0]))
        ]
        time = self.time_of(node)
        title = f"Time {time.value}" if time is not None else "Value"
        users = sorted({s for s, _ in self.data.into.get(node, [])}, key=str)
        parts = [f"<h1>{e(title)}</h1><!--iri-->", self.facts(rows), "<h2>Used by</h2><ul>"]
        parts.extend(f"<li>{self.link(u, root)}</li>" for u in users)
        parts.append("</ul>")
        return title, "\n".join(parts)

    def reference_page(self, node: ox.NamedNode, root: str) -> tuple[str, str]:
        parts = ["<h1>Reference</h1><!--iri-->", self.evidence(node, root), "<h2>Statements citing it</h2>"]
        parts.extend(
            self.statement_card(s, root, subject=True) for s in self.data.subjects(PROV.wasDerivedFrom, node)
        )
        return "Reference", "\n".join(parts)

    def index(self, root: str = "") -> str:
        by_type: dict[str, list[Term]] = defaultdict(list)
        sources = []
        for kind, local in self.site.resources():
            node = ox.NamedNode(f"{self.site.base}{kind}/{local}")
            if kind == "id":
                kinds = self.data.objects(node, RDF.type)
                by_type[self.site.label(kinds[0]) if kinds else "thing"].append(node)
            elif kind == "source":
                sources.append(node)
        parts = [
            "<h1>Armed Groups Knowledge Graph</h1>",
            "<p>Claims about armed groups from news reporting, as Wikidata-style statements, each "
            "with the words of the article that support it.</p>",
            home_figures(self.site, lambda n: self.href(n, root)),
            "<h2>Sources</h2><ul>" + "".join(f"<li>{self.link(s, root)}</li>" for s in sources) + "</ul>",
            "<h2>Entities</h2>",
        ]
        for name in sorted(by_type):
            items = sorted(by_type[name], key=lambda n: self.site.label(n).lower())
            parts.append(
                f'<h3>{e(name)}</h3><ul class="entities">'
                + "".join(f"<li>{self.link(n, root)}</li>" for n in items)
                + "</ul>"
            )
        return self.page("Home", "\n".join(parts), root)

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
