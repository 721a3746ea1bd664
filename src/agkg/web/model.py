"""What each page shows, as plain dataclasses computed from the published dataset.

The templates only lay these out; every decision about what a reader sees is made here: which
statements make an entity's summary, how a value is worded, whose words a quote is, in which
order a source's claims come. Keeping it apart from the HTML lets tests and other renderers
(a future JSON view) use the same facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from agkg.build.dates import TimeValue, time_from_wikibase
from agkg.build.quotes import CONTEXT_CHARS
from agkg.vocab import AGKG, OA, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, WD, WIKIBASE, XSD
from agkg.web.site import (
    FALSE,
    RANK_ORDER,
    TRUE,
    Family,
    SiteData,
    Term,
    context_after,
    context_before,
    local_name,
)
from agkg.web.wording import date_words, number_words, qualifier_key, rank_words, time_words

# --- the pieces of a page -------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A value or a link as a reader sees it.

    ``datetime`` is the machine form of a date (for ``<time datetime>``), ``language`` the
    language of a text (an attribute, not a badge after every alias), ``title`` a tooltip.
    """

    text: str
    href: str | None = None
    external: bool = False
    datetime: str | None = None
    language: str | None = None
    title: str | None = None


@dataclass
class Evidence:
    """A quote in its context, whose words it reports, and the source that printed it."""

    quote: str
    before: str = ""
    before_cut: bool = False
    after: str = ""
    after_cut: bool = False
    verified: bool = True
    speaker: Shown | None = None  # "According to …" or "Alleged by …"
    alleged: bool = False
    source: Shown | None = None
    outlet: Shown | None = None
    published: Shown | None = None
    not_before: Shown | None = None
    relays: list[Shown] = field(default_factory=list)


@dataclass
class Qualifier:
    name: Shown
    values: list[Shown]


@dataclass
class StatementView:
    """One statement: its value in words, rank if it matters, qualifiers, evidence."""

    anchor: str
    value: Shown
    rank: str  # preferred, normal or deprecated (for the style)
    rank_words: str | None  # said only where it matters
    permalink: str | None = None
    subject: Shown | None = None
    property: Shown | None = None
    alleged: bool = False
    accusers: list[Shown] = field(default_factory=list)
    deprecated_reasons: list[str] = field(default_factory=list)
    better: list[Shown] = field(default_factory=list)
    qualifiers: list[Qualifier] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sources: int = 0
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class PropertyGroup:
    """An entity's statements for one property, under its name."""

    name: Shown
    anchor: str
    statements: list[StatementView]


@dataclass
class SummaryValue:
    """A key fact's value at best rank, with its sources, linking down to its evidence."""

    value: Shown
    sources: int
    evidence: str  # the fragment of the statement below
    alleged: bool = False
    since: str | None = None  # a leader's start, a designation's date
    # whose words the value is when no source states it in its own voice ("according to
    # unnamed analysts"), or who alleges it; empty when a source says it as fact
    according_to: list[Shown] = field(default_factory=list)


@dataclass
class SummaryFact:
    label: str
    values: list[SummaryValue]


@dataclass
class Mention:
    subject: Shown
    property: str
    statement: str


@dataclass
class ResourceHeader:
    """What every resource page starts with: its title, IRI and the other formats."""

    title: str
    iri: str
    downloads: list[Shown]


@dataclass
class EntityPage:
    header: ResourceHeader
    types: list[Shown]
    descriptions: list[Shown]
    names: list[tuple[str, list[Shown]]]
    summary: list[SummaryFact]
    groups: list[PropertyGroup]
    mentions: list[Mention]
    quoted: list[Evidence]
    works: list[tuple[str, list[Shown]]]


@dataclass
class SourcePage:
    header: ResourceHeader
    name: str
    rows: list[tuple[str, list[Shown]]]
    claims: list[StatementView]  # in the order their quotes come in the text
    subjects: int


@dataclass
class StatementPage:
    header: ResourceHeader
    statement: StatementView


@dataclass
class ReferencePage:
    header: ResourceHeader
    evidence: Evidence
    statements: list[StatementView]


@dataclass
class ValuePage:
    header: ResourceHeader
    rows: list[tuple[str, list[Shown]]]
    users: list[Shown]


ResourcePage = EntityPage | SourcePage | StatementPage | ReferencePage | ValuePage


@dataclass
class SourceEntry:
    source: Shown
    outlet: Shown | None
    date: Shown | None
    not_before: Shown | None
    claims: int


@dataclass
class HomePage:
    """The dataset at a glance: what it is, what it holds, from where, and how to use it."""

    title: str
    description: str
    counts: list[tuple[str, int]]
    sources: list[SourceEntry]
    groups: list[tuple[Shown, int]]  # the groups with the most evidence, and how many quotes
    by_type: list[tuple[str, list[Shown]]]
    dataset_iri: str
    licence: Shown | None
    publisher: str | None
    issued: str | None
    modified: str | None
    live: bool
    downloads: list[Shown] = field(default_factory=list)


# The key facts an entity page opens with: (label, properties), in this order.
SUMMARY = (
    ("Kind", ("groupKind",)),
    ("Founded", ("inception",)),
    ("Dissolved", ("dissolution",)),
    ("Based in", ("basedIn",)),
    ("Leader now", ("leader",)),
    ("Strength", ("memberCount",)),
    ("Part of", ("partOf", "provinceOf", "affiliateOf")),
    ("Designated as terrorist by", ("designatedTerroristBy",)),
    ("Died", ("dateOfDeath",)),
)
# A key fact's label when it has several values ("Leaders now: A; B").
PLURALS = {"Leader now": "Leaders now"}
# Qualifiers folded into the value they qualify ("about 3,000 (2,500 to 4,000)")
FOLDED = ("approximate", "minimum", "maximum")


class Models:
    """Builds page models from the site data; ``root`` leads from a page to the site root."""

    def __init__(self, site: SiteData, root: str) -> None:
        self.site = site
        self.data = site.data
        self.root = root
        self.family = Family(site.base)
        self.wb = self.family.wb

    # --- links and values -------------------------------------------------------------------

    def href(self, node: Term) -> str | None:
        """Where a page links for ``node``: its document here, the ontology page, or outside."""
        if not isinstance(node, ox.NamedNode):
            return None
        found = self.site.split(node.value)
        if found and self.data.has(node):
            kind, local = found
            return f"{self.root}doc/{kind}/{quote(local)}.html"
        if node.value.startswith((AGKG.iri, self.wb.claim.iri)):
            return f"{self.root}doc/ontology.html#{quote(local_name(node.value))}"
        if node.value.startswith(("http://", "https://")):
            return node.value
        return None

    def name(self, node: Term) -> str:
        """What a reader calls ``node``: a source by its headline (or by who wrote it where),
        anything else by its label; never by its slug when something better is known."""
        if isinstance(node, ox.NamedNode) and self.data.objects(node, RDF.type) and self.is_source(node):
            return self.source_name(node)
        return self.site.label(node)

    def is_source(self, node: Term) -> bool:
        found = self.site.split(node.value) if isinstance(node, ox.NamedNode) else None
        return found is not None and found[0] == "source"

    def source_name(self, node: Term) -> str:
        headline = self.data.first(node, SCHEMA.headline)
        if isinstance(headline, ox.Literal):
            return headline.value
        kinds = [t for t in self.data.objects(node, RDF.type) if isinstance(t, ox.NamedNode)]
        kind = self.site.label(kinds[0]) if kinds else "source"
        kind = "report" if kind.lower() in ("source", "") else kind
        byline = self.data.first(node, AGKG.byline)
        authors = [self.site.label(a) for a in self.data.objects(node, SCHEMA.author)]
        who = byline.value if isinstance(byline, ox.Literal) else " and ".join(authors)
        outlet = self.data.first(node, SCHEMA.publisher)
        text = kind[:1].upper() + kind[1:]
        if who:
            text += f" by {who}"
        if outlet is not None:
            text += f" in {self.site.label(outlet)}"
        if not who and outlet is None:
            text = f"Untitled {kind.lower()}"
        return text

    def outlet(self, source: Term) -> Term | None:
        """The outlet to name beside a source, unless its name already says it."""
        if self.data.first(source, SCHEMA.headline) is None:
            return None
        return self.data.first(source, SCHEMA.publisher)

    def link(self, node: Term, text: str | None = None) -> Shown:
        target = self.href(node)
        if target is None:
            return self.value(node)
        external = target.startswith(("http://", "https://"))
        return Shown(text if text is not None else self.name(node), target, external=external)

    def value(self, node: Term | None) -> Shown:
        """A term in words: a date at its precision, a number with separators, a yes or no."""
        if node is None:
            return Shown("?")
        if isinstance(node, ox.Literal):
            if node.language:
                return Shown(node.value, language=node.language)
            kind = local_name(node.datatype.value)
            if node.datatype.value.startswith(XSD.iri) and kind in (
                "gYear",
                "gYearMonth",
                "date",
                "dateTime",
            ):
                return Shown(date_words(node.value, kind), datetime=node.value)
            if node.datatype == XSD.boolean:
                return Shown("yes" if node.value in ("true", "1") else "no")
            if node.datatype.value.startswith(XSD.iri) and kind in (
                "integer",
                "decimal",
                "nonNegativeInteger",
            ):
                return Shown(number_words(node.value))
            return Shown(node.value)
        if isinstance(node, ox.NamedNode):
            target = self.href(node)
            if target is None:
                return Shown(self.name(node))
            return self.link(node)
        return Shown(str(node))

    def time_of(self, value_node: Term | None) -> TimeValue | None:
        """A Wikibase time value node's date at its precision (a month stays a month)."""
        if value_node is None:
            return None
        instant = self.data.first(value_node, WIKIBASE.timeValue)
        precision = self.data.first(value_node, WIKIBASE.timePrecision)
        if not isinstance(instant, ox.Literal) or not isinstance(precision, ox.Literal):
            return None
        try:
            return time_from_wikibase(instant.value, int(precision.value))
        except ValueError:
            return None

    def time_shown(self, time: TimeValue) -> Shown:
        return Shown(time_words(time), datetime=time.lexical)

    def property_label(self, predicate: ox.NamedNode) -> str:
        return self.site.label(AGKG.term(local_name(predicate.value)))

    def property_link(self, predicate: ox.NamedNode) -> Shown:
        return self.link(self.family.property_term(predicate), self.property_label(predicate))

    def downloads(self, stem: str) -> list[Shown]:
        names = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD"}
        media = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json"}
        return [Shown(name, f"{stem}.{ext}", title=media[ext]) for ext, name in names.items()]

    def header(self, kind: str, node: ox.NamedNode, title: str) -> ResourceHeader:
        local = node.value.rsplit("/", 1)[-1]
        return ResourceHeader(title, node.value, self.downloads(f"{self.root}doc/{kind}/{quote(local)}"))

    # --- statements ---------------------------------------------------------------------------

    def statement_value(self, statement: Term) -> Term | None:
        for predicate, values in self.data.out.get(statement, {}).items():
            if self.family.statement(predicate) and values:
                return values[0]
        return None

    def claim_of(self, statement: Term) -> tuple[Term, ox.NamedNode] | None:
        """(subject, p: predicate) of a statement."""
        for subject, predicate in self.data.into.get(statement, []):
            if self.family.claim(predicate) and isinstance(predicate, ox.NamedNode):
                return subject, predicate
        return None

    def rank(self, statement: Term) -> str:
        rank = self.data.first(statement, WIKIBASE.rank)
        if isinstance(rank, ox.NamedNode):
            return local_name(rank.value).removesuffix("Rank").lower()
        return "normal"

    def qualifier(self, statement: Term, name: str) -> list[Term]:
        return self.data.objects(statement, self.wb.qualifier.term(name))

    def qualifier_time(self, statement: Term, name: str) -> TimeValue | None:
        return self.time_of(self.data.first(statement, self.wb.qualifier_value.term(name)))

    def alleged(self, statement: Term) -> bool:
        return AGKG.allegedly in self.qualifier(statement, "sourcingCircumstances")

    def shown_statement_value(self, statement: Term) -> Shown:
        """The value with its bounds and approximation folded in: "about 3,000 (2,500 to 4,000)"."""
        claim = self.claim_of(statement)
        value = self.statement_value(statement)
        if claim is not None and value is not None:
            name = local_name(claim[1].value)
            time = self.time_of(self.data.first(statement, self.wb.statement_value.term(name)))
            shown = self.time_shown(time) if time is not None else self.value(value)
        else:
            shown = Shown("")
        low, high = (self.data.first(statement, self.wb.qualifier.term(b)) for b in ("minimum", "maximum"))
        bounds = ""
        words = [number_words(x.value) if isinstance(x, ox.Literal) else None for x in (low, high)]
        if words[0] and words[1]:
            bounds = f"{words[0]}\u2013{words[1]}"  # an en dash, as ranges are printed
        elif words[0]:
            bounds = f"at least {words[0]}"
        elif words[1]:
            bounds = f"at most {words[1]}"
        text = shown.text
        if value is None:
            text = bounds or "?"
        elif bounds:
            text = f"{text} ({bounds})"
        if TRUE in self.qualifier(statement, "approximate"):
            text = f"about {text}"
        return Shown(text, shown.href, shown.external, shown.datetime, shown.language, shown.title)

    def sources_of(self, statement: Term) -> set[Term]:
        references = self.data.objects(statement, PROV.wasDerivedFrom)
        return {s for r in references for s in [self.data.first(r, OA.hasSource)] if s is not None}

    def statement_view(
        self,
        statement: Term,
        competing: bool = False,
        only_source: Term | None = None,
        with_subject: bool = False,
    ) -> StatementView:
        data = self.data
        rank = self.rank(statement)
        local = local_name(statement.value) if isinstance(statement, ox.NamedNode) else str(statement)
        view = StatementView(
            anchor=local,
            value=self.shown_statement_value(statement),
            rank=rank,
            rank_words=rank_words(rank, competing),
            permalink=f"{self.root}doc/statement/{quote(local)}.html"
            if isinstance(statement, ox.NamedNode)
            else None,
            alleged=self.alleged(statement),
        )
        claim = self.claim_of(statement)
        if with_subject and claim is not None:
            view.subject = self.link(claim[0])
            view.property = self.property_link(claim[1])
        if view.alleged:
            view.accusers = [self.link(a) for a in self.qualifier(statement, "allegedBy")]
        if rank == "deprecated":
            view.deprecated_reasons = [
                r.value for r in self.qualifier(statement, "rankReason") if isinstance(r, ox.Literal)
            ]
            for other in data.objects(statement, AGKG.betterSupportedBy):
                if isinstance(other, ox.NamedNode):
                    shown = self.shown_statement_value(other)
                    view.better.append(
                        Shown(shown.text, f"{self.root}doc/statement/{quote(local_name(other.value))}.html")
                    )
        skip = {"rankReason", "sourcingCircumstances", "allegedBy", *FOLDED}
        qualifiers: list[tuple[tuple[int, str], Qualifier]] = []
        for predicate, values in data.out.get(statement, {}).items():
            if not self.family.qualifier(predicate) or not isinstance(predicate, ox.NamedNode):
                continue
            name = local_name(predicate.value)
            if name in skip:
                continue
            term = self.family.property_term(predicate)
            label = self.site.label(term)
            time = self.qualifier_time(statement, name)
            words = [self.time_shown(time)] if time is not None else [self.value(v) for v in values]
            qualifiers.append((qualifier_key(name, label), Qualifier(self.link(term, label), words)))
        view.qualifiers = [q for _, q in sorted(qualifiers, key=lambda item: item[0])]
        view.notes = [c.value for c in data.objects(statement, RDFS.comment) if isinstance(c, ox.Literal)]
        view.sources = len(self.sources_of(statement))
        for reference in data.objects(statement, PROV.wasDerivedFrom):
            if only_source is None or data.first(reference, OA.hasSource) == only_source:
                view.evidence.append(self.evidence(reference))
        return view

    def sorted_statements(self, statements: Iterable[Term]) -> list[Term]:
        def key(statement: Term) -> tuple[int, str]:
            rank = self.data.first(statement, WIKIBASE.rank)
            order = RANK_ORDER.get(rank, 1) if isinstance(rank, ox.NamedNode) else 1
            return order, str(self.statement_value(statement))

        return sorted(set(statements), key=key)

    # --- evidence -----------------------------------------------------------------------------

    def selector(self, reference: Term, kind: ox.NamedNode) -> Term | None:
        return next(
            (
                s
                for s in self.data.objects(reference, OA.hasSelector)
                if kind in self.data.objects(s, RDF.type)
            ),
            None,
        )

    def quote_start(self, reference: Term) -> int | None:
        """Where the quote starts in the source's text, if known."""
        position = self.selector(reference, OA.TextPositionSelector)
        start = self.data.first(position, OA.start) if position is not None else None
        return int(start.value) if isinstance(start, ox.Literal) and start.value.isdigit() else None

    def evidence(self, reference: Term) -> Evidence:
        """The quoted words, whose words they are, and the source."""
        data = self.data
        quote_node = self.selector(reference, OA.TextQuoteSelector)
        exact = data.first(quote_node, OA.exact) if quote_node is not None else None
        prefix = data.first(quote_node, OA.prefix) if quote_node is not None else None
        suffix = data.first(quote_node, OA.suffix) if quote_node is not None else None
        found = Evidence(quote=exact.value if isinstance(exact, ox.Literal) else "")
        if isinstance(prefix, ox.Literal):
            # the prefix is the text's beginning when the quote starts right after it
            whole = self.quote_start(reference) == len(prefix.value)
            found.before = prefix.value if whole else context_before(prefix.value)
            found.before_cut = not whole
        if isinstance(suffix, ox.Literal):
            # a suffix shorter than the context taken is the end of the text
            whole = len(suffix.value) < CONTEXT_CHARS
            found.after = suffix.value if whole else context_after(suffix.value)
            found.after_cut = not whole
        found.verified = data.first(reference, AGKG.quoteVerified) != FALSE
        speaker = data.first(reference, self.wb.reference.attributedTo)
        if speaker is not None:
            found.speaker = self.link(speaker)
            found.alleged = data.first(reference, AGKG.allegation) == TRUE
        source = data.first(reference, OA.hasSource)
        if source is not None:
            found.source = self.link(source)
            outlet = self.outlet(source)
            found.outlet = self.link(outlet) if outlet is not None else None
            date = data.first(source, SCHEMA.datePublished)
            found.published = self.value(date) if isinstance(date, ox.Literal) else None
            earliest = data.first(source, AGKG.publishedNotBefore)
            if date is None and isinstance(earliest, ox.Literal):
                # an undated source: the date is the earliest it can be, not when it appeared
                found.not_before = self.value(earliest)
            found.relays = [self.link(r) for r in data.objects(source, AGKG.relays)]
        return found

    # --- pages --------------------------------------------------------------------------------

    def claims_by_property(self, node: Term) -> dict[ox.NamedNode, list[Term]]:
        found: dict[ox.NamedNode, list[Term]] = defaultdict(list)
        for predicate, values in self.data.out.get(node, {}).items():
            if self.family.claim(predicate) and isinstance(predicate, ox.NamedNode):
                found[predicate].extend(values)
        return found

    def best(self, statements: Iterable[Term]) -> list[Term]:
        """The statements at the best rank present (never deprecated ones)."""
        ranked = [s for s in set(statements) if self.rank(s) != "deprecated"]
        if any(self.rank(s) == "preferred" for s in ranked):
            ranked = [s for s in ranked if self.rank(s) == "preferred"]
        return self.sorted_statements(ranked)

    def summary(self, node: Term) -> list[SummaryFact]:
        """The key facts at best rank, each value with its number of sources.

        One value said through several properties (``partOf`` and ``provinceOf`` the same
        group) is one fact, its sources counted once each, linking to its first statement.
        """
        claims = {local_name(p.value): values for p, values in self.claims_by_property(node).items()}
        facts = []
        for label, names in SUMMARY:
            values: dict[tuple[str, str | None, bool], tuple[SummaryValue, set[Term]]] = {}
            # per value: who the sources attribute it to, and whether one states it itself
            speakers: dict[tuple[str, str | None, bool], tuple[set[Term], list[bool]]] = {}
            for name in names:
                for statement in self.best(claims.get(name, [])):
                    if name == "leader" and self.qualifier(statement, "endTime"):
                        continue  # a past leader is in the evidence, not "now"
                    since = self.qualifier_time(statement, "startTime") or self.qualifier_time(
                        statement, "pointInTime"
                    )
                    shown = self.shown_statement_value(statement)
                    alleged = self.alleged(statement)
                    sources = self.sources_of(statement)
                    key = (shown.text, shown.href, alleged)
                    said, own_voice = speakers.setdefault(key, (set(), [False]))
                    for reference in self.data.objects(statement, PROV.wasDerivedFrom):
                        speaker = self.data.first(reference, self.wb.reference.attributedTo)
                        if speaker is None:
                            own_voice[0] = True
                        else:
                            said.add(speaker)
                    if key in values:
                        values[key][1].update(sources)
                        continue
                    anchor = local_name(statement.value) if isinstance(statement, ox.NamedNode) else ""
                    fact = SummaryValue(
                        shown, 0, anchor, alleged, time_words(since) if since is not None else None
                    )
                    values[key] = (fact, set(sources))
            for key, (fact, sources) in values.items():
                fact.sources = len(sources)
                said, own_voice = speakers[key]
                if fact.alleged or not own_voice[0]:
                    # attribution first: a value only others' words support is theirs
                    fact.according_to = sorted(
                        (self.link(s) for s in said), key=lambda shown: shown.text.casefold()
                    )
            if values:
                if len(values) > 1:
                    label = PLURALS.get(label, label)
                facts.append(SummaryFact(label, [fact for fact, _ in values.values()]))
        return facts

    def entity_page(self, node: ox.NamedNode) -> EntityPage:
        data = self.data
        title = self.site.label(node)
        types = [
            self.link(t)
            for t in data.objects(node, RDF.type)
            if isinstance(t, ox.NamedNode) and t != WIKIBASE.Item  # every entity is an Item
        ]
        descriptions = [self.value(d) for d in data.objects(node, SCHEMA.description)]
        names: list[tuple[str, list[Shown]]] = []
        other = [
            self.value(x)
            for x in data.objects(node, RDFS.label)
            if isinstance(x, ox.Literal) and x.value != title
        ]
        if other:
            names.append(("Other names", other))
        aliases = [self.value(a) for a in data.objects(node, SKOS.altLabel)]
        if aliases:
            names.append(("Also known as", aliases))
        for same in data.objects(node, OWL.sameAs):
            if isinstance(same, ox.NamedNode):
                text = f"Wikidata {local_name(same.value)}" if same.value.startswith(WD.iri) else same.value
                names.append(("Same as", [Shown(text, same.value, external=True)]))
        groups = []
        by_property = self.claims_by_property(node)
        for predicate in sorted(by_property, key=self.property_label):
            statements = self.sorted_statements(by_property[predicate])
            competing = len([s for s in statements if self.rank(s) != "deprecated"]) > 1
            groups.append(
                PropertyGroup(
                    self.property_link(predicate),
                    "p-" + local_name(predicate.value),
                    [self.statement_view(s, competing) for s in statements],
                )
            )
        mentions = []
        for statement, predicate in data.into.get(node, []):
            if self.family.statement(predicate):
                claim = self.claim_of(statement)
                if claim is not None:
                    mentions.append(
                        Mention(
                            self.link(claim[0]), self.property_label(claim[1]), self.href(statement) or ""
                        )
                    )
        mentions.sort(key=lambda m: (m.subject.text.lower(), m.property, m.statement))
        quoted = [self.evidence(r) for r in data.subjects(self.wb.reference.attributedTo, node)]
        works = []
        for predicate, heading in ((SCHEMA.author, "Wrote"), (SCHEMA.publisher, "Published")):
            found = [self.link(w) for w in data.subjects(predicate, node)]
            if found:
                works.append((heading, found))
        return EntityPage(
            self.header("id", node, title),
            types,
            descriptions,
            names,
            self.summary(node),
            groups,
            mentions,
            quoted,
            works,
        )

    def source_rows(self, node: ox.NamedNode) -> list[tuple[str, list[Shown]]]:
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
        rows = []
        for label, predicate in fields:
            values = self.data.objects(node, predicate)
            if predicate == RDF.type and any(v in AGKG for v in values):
                values = [v for v in values if v in AGKG]  # not schema:NewsArticle beside it
            if values:
                rows.append((label, [self.value(v) for v in values]))
        relayed_by = self.data.subjects(AGKG.relays, node)
        if relayed_by:
            rows.append(("Relayed by", [self.link(s) for s in relayed_by]))
        return rows

    def source_page(self, node: ox.NamedNode) -> SourcePage:
        """A source and its claims in reading order: the order of their quotes in its text."""
        data = self.data
        name = self.source_name(node)
        placed: list[tuple[tuple[int, int, str], Term]] = []
        seen: set[Term] = set()
        for reference in data.subjects(OA.hasSource, node):
            start = self.quote_start(reference)
            for statement in data.subjects(PROV.wasDerivedFrom, reference):
                key = (0 if start is not None else 1, start or 0, str(statement))
                placed.append((key, statement))
        claims = []
        for _, statement in sorted(placed, key=lambda item: item[0]):
            if statement in seen:
                continue
            seen.add(statement)
            claims.append(self.statement_view(statement, only_source=node, with_subject=True))
        subjects = {c.subject.text for c in claims if c.subject is not None}
        return SourcePage(
            self.header("source", node, name), name, self.source_rows(node), claims, len(subjects)
        )

    def statement_page(self, node: ox.NamedNode) -> StatementPage:
        title = "Statement"
        claim = self.claim_of(node)
        if claim is not None:
            title = f"{self.name(claim[0])} · {self.property_label(claim[1])}"
        return StatementPage(
            self.header("statement", node, title), self.statement_view(node, with_subject=True)
        )

    def reference_page(self, node: ox.NamedNode) -> ReferencePage:
        statements = [
            self.statement_view(s, with_subject=True) for s in self.data.subjects(PROV.wasDerivedFrom, node)
        ]
        return ReferencePage(self.header("reference", node, "Reference"), self.evidence(node), statements)

    def value_page(self, node: ox.NamedNode) -> ValuePage:
        """A time or quantity value node: its fields, and the statements using it."""
        rows = [
            (
                self.site.label(p),
                [Shown(v.value) if isinstance(v, ox.Literal) else self.value(v) for v in values],
            )
            for p, values in sorted(self.data.out.get(node, {}).items(), key=lambda item: str(item[0]))
        ]
        time = self.time_of(node)
        title = f"Time: {time_words(time)}" if time is not None else "Value"
        users = [self.link(u) for u in sorted({s for s, _ in self.data.into.get(node, [])}, key=str)]
        return ValuePage(self.header("value", node, title), rows, users)

    # --- the home page ------------------------------------------------------------------------

    def home_page(
        self,
        title: str,
        description: str,
        licence: Shown | None,
        publisher: str | None,
        dates: tuple[str, str],
    ) -> HomePage:
        data = self.data
        entities: list[ox.NamedNode] = []
        sources: list[ox.NamedNode] = []
        statements = references = 0
        for kind, local in self.site.resources():
            node = ox.NamedNode(f"{self.site.base}{kind}/{local}")
            if kind == "id" and not local.startswith("P-"):
                entities.append(node)
            elif kind == "source":
                sources.append(node)
            elif kind == "statement":
                statements += 1
            elif kind == "reference":
                references += 1
        by_type: dict[str, list[Shown]] = defaultdict(list)
        for node in entities:
            kinds = data.objects(node, RDF.type)
            named = [k for k in kinds if k != WIKIBASE.Item] or kinds
            by_type[self.site.label(named[0]) if named else "thing"].append(self.link(node))
        source_entries = []
        for node in sources:
            claims = {
                s for r in data.subjects(OA.hasSource, node) for s in data.subjects(PROV.wasDerivedFrom, r)
            }
            date = data.first(node, SCHEMA.datePublished)
            earliest = data.first(node, AGKG.publishedNotBefore)
            outlet = self.outlet(node)
            source_entries.append(
                SourceEntry(
                    self.link(node),
                    self.link(outlet) if outlet is not None else None,
                    self.value(date) if date is not None else None,
                    self.value(earliest) if date is None and earliest is not None else None,
                    len(claims),
                )
            )
        source_entries.sort(key=lambda s: (-(s.claims), s.source.text.lower()))
        groups = []
        for node in entities:
            if AGKG.ArmedGroup not in data.objects(node, RDF.type):
                continue
            quotes = {
                r
                for values in self.claims_by_property(node).values()
                for s in values
                for r in data.objects(s, PROV.wasDerivedFrom)
            }
            if quotes:
                groups.append((self.link(node), len(quotes)))
        groups.sort(key=lambda g: (-g[1], g[0].text.lower()))
        counts = [
            ("armed groups", sum(1 for n in entities if AGKG.ArmedGroup in data.objects(n, RDF.type))),
            ("entities", len(entities)),
            ("statements", statements),
            ("quotes", references),
            ("sources", len(sources)),
        ]
        return HomePage(
            title=title,
            description=description,
            counts=counts,
            sources=source_entries,
            groups=groups[:10],
            by_type=[(name, sorted(by_type[name], key=lambda s: s.text.lower())) for name in sorted(by_type)],
            dataset_iri=self.site.iris.dataset.value,
            licence=licence,
            publisher=publisher,
            issued=dates[0] or None,
            modified=dates[1] or None,
            live=False,
        )
