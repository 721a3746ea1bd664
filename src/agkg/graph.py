"""Building the RDF dataset: entities, sources, statements and references as quads.

Each source gets a named graph holding its own metadata and everything it supports (statements,
their truthy triples, and its references), so a graph read alone says what that source says.
Entity descriptions go in one entities graph. See docs/model.md for the shape of every node.

Besides the quads, the build remembers which input lines produced each minted node
(``origins``), so a SHACL violation on a statement can be reported at the claim that made it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .alignment import wikidata_mapping
from .claims import CuratedData, EntityValue, Source, Value, load_curated_data
from .config import Config
from .entity_names import shared_name_warnings
from .errors import InputError, Position, Problem
from .ontology import Vocabulary, load_vocabulary
from .provenance import Provenance, ReferenceRecord, StatementRecord, claim_keys, derive_provenance
from .quotes import Anchor, SourceText, check_claim_quote, load_corpus, source_text
from .vocab import (
    AGKG,
    AGKGP,
    AGKGPS,
    OA,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    WD,
    WDT,
    WIKIBASE,
    XSD,
)

RANK_INDIVIDUALS = {
    "normal": WIKIBASE.NormalRank,
    "preferred": WIKIBASE.PreferredRank,
    "deprecated": WIKIBASE.DeprecatedRank,
}


@dataclass(frozen=True)
class Iris:
    """How this dataset mints IRIs under its base."""

    base: str

    def entity(self, identifier: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}id/{identifier}")

    def source(self, identifier: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}source/{identifier}")

    def statement(self, key: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}statement/{key}")

    def reference(self, key: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}reference/{key}")

    def selector(self, key: str, kind: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}reference/{key}#{kind}")

    def source_graph(self, identifier: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}graph/source/{identifier}")

    @property
    def entities_graph(self) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}graph/entities")

    @property
    def ontology_graph(self) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}graph/ontology")

    @property
    def shapes_graph(self) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}graph/shapes")

    @property
    def dataset(self) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}dataset")

    @property
    def union_graph(self) -> ox.NamedNode:
        """In a triple store: the merge of the pushed graphs, which remote queries take as their
        default graph (stores' own union modes repeat a triple once per graph holding it)."""
        return ox.NamedNode(f"{self.base}graph/union")

    @property
    def push_manifest_graph(self) -> ox.NamedNode:
        """In a triple store: the record of the graphs ``agkg push`` wrote there."""
        return ox.NamedNode(f"{self.base}graph/agkg-push")


@dataclass
class BuildCounts:
    sources: int
    entities: int
    claims: int
    statements: int
    references: int
    triples: int
    quads: int


@dataclass
class BuiltDataset:
    """The result of a build: quads in named graphs, and what they came from."""

    iris: Iris
    vocabulary: Vocabulary
    data: CuratedData
    provenance: Provenance
    quads: list[ox.Quad]  # unique, sorted by their N-Quads form (triples() relies on it)
    counts: BuildCounts
    origins: dict[str, list[Position]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    claim_keys: list[tuple[str, str]] = field(default_factory=list)  # per claim: statement, reference
    _triples: list[ox.Triple] | None = field(default=None, repr=False, compare=False)

    def release_triples(self) -> None:
        """Drop the cached union (``triples()`` computes it again when next asked)."""
        self._triples = None

    def triples(self) -> list[ox.Triple]:
        """The union of all graphs, each triple once, sorted (computed once; a fresh list)."""
        if self._triples is None:
            # the quads are sorted by "s p o g", so equal triples are adjacent and already in
            # the order of their "s p o" form (see publishing.trig on why the orders agree)
            triples: list[ox.Triple] = []
            previous: ox.Triple | None = None
            for q in self.quads:
                triple = ox.Triple(q.subject, q.predicate, q.object)
                if triple != previous:
                    triples.append(triple)
                    previous = triple
            if len(set(triples)) != len(triples):  # not built by assemble(): sort the slow way
                triples = sorted(set(triples), key=str)
            self._triples = triples
        return list(self._triples)


Progress = Callable[[str], None]


def build_dataset(config: Config, progress: Progress | None = None) -> BuiltDataset:
    """Load the ontology and curated data under ``config`` and build the dataset.

    Raises InputError for bad input (including quotes not found in an available source text)
    and ConfigurationError for a missing or broken ontology.
    """
    clock = StageClock(progress)
    step = clock.step
    vocabulary = load_vocabulary(config.ontology_dir)
    step("ontology")
    data = load_curated_data(config.data_dir, vocabulary, root=config.project_dir)
    step("load")
    corpus, warnings = read_corpus(config)
    anchors = anchor_quotes(data, corpus)
    step("quotes")
    keys = [claim_keys(claim) for claim in data.claims]
    provenance = derive_provenance(data, anchors, {id(c): k for c, k in zip(data.claims, keys, strict=True)})
    step("provenance")
    built = assemble(Iris(config.base), vocabulary, data, provenance)
    built.claim_keys = keys
    built.warnings.extend(
        warnings + corpus_warnings(data, corpus) + shared_name_warnings(data.entities.values())
    )
    step("graph")
    built.timings = clock.timings
    return built


class StageClock:
    """Times a build's stages: ``step(name)`` ends the stage ``name`` and tells ``progress``."""

    def __init__(self, progress: Progress | None) -> None:
        self.timings: dict[str, float] = {}
        self.progress = progress
        self.started = time.perf_counter()

    def step(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self.started
        self.started = now
        if self.progress:
            self.progress(name)


def read_corpus(config: Config) -> tuple[dict[str, SourceText], list[str]]:
    """The source texts by sha256, and a warning if the corpus folder is configured but missing."""
    if config.corpus_dir is None:
        return {}, []
    if config.corpus_dir.is_dir():
        return load_corpus(config.corpus_dir), []
    return {}, [
        f"corpus folder {config.corpus_dir} not found: quotes are not checked against "
        "the texts and references carry no character offsets"
    ]


def corpus_warnings(data: CuratedData, corpus: dict[str, SourceText]) -> list[str]:
    """A warning for each source whose text (by sha256) is not in a non-empty corpus."""
    return [
        f"source '{source.id}': no file with sha256 {source.sha256[:12]}… in the corpus"
        for source in data.sources.values()
        if source.sha256 and corpus and source.sha256 not in corpus
    ]


def anchor_quotes(data: CuratedData, corpus: dict[str, SourceText]) -> dict[int, Anchor]:
    """Find every quote whose source text is available; a quote not found there is an error."""
    anchors: dict[int, Anchor] = {}
    problems: list[Problem] = []
    for claim in data.claims:
        text = source_text(data, corpus, claim.source)
        if text is None:
            continue
        check = check_claim_quote(claim, text)
        if check.anchor is not None:
            anchors[id(claim)] = check.anchor
        else:
            problems.append(Problem(check.position, check.describe()))
    if problems:
        raise InputError(problems)
    return anchors


def literal(value: str, datatype: ox.NamedNode | None = None, language: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=datatype or XSD.string)


class _Terms:
    """RDF terms for claim values, and the Wikidata form of a value for ``wdt:`` triples."""

    def __init__(self, iris: Iris, data: CuratedData) -> None:
        self.iris = iris
        self.entities = data.entities

    def term(self, value: Value) -> ox.NamedNode | ox.Literal:
        if isinstance(value, EntityValue):
            if value.id in self.entities:
                return self.iris.entity(value.id)
            return self.iris.source(value.id)
        if value.language:
            return ox.Literal(value.lexical, language=value.language)
        return ox.Literal(value.lexical, datatype=ox.NamedNode(value.datatype))

    def wikidata_value(self, value: Value) -> ox.NamedNode | ox.Literal:
        entity = self.entities.get(value.id) if isinstance(value, EntityValue) else None
        return WD.term(entity.wikidata) if entity and entity.wikidata else self.term(value)


def entities_graph_quads(iris: Iris, vocabulary: Vocabulary, data: CuratedData) -> list[ox.Quad]:
    """The entities graph: every entity's type, labels, aliases, descriptions and identifiers."""
    quads: list[ox.Quad] = []
    graph = iris.entities_graph
    # Wikidata's own truthy predicates beside ours, for reconcilers: only verified alignments
    mapping = wikidata_mapping(vocabulary)

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(s, p, o, graph))

    for entity in sorted(data.entities.values(), key=lambda e: e.id):
        node = iris.entity(entity.id)
        add(node, RDF.type, AGKG.term(entity.type))
        for tag, label in sorted(entity.labels.items()):
            add(node, RDFS.label, literal(label, language=tag))
            add(node, SKOS.prefLabel, literal(label, language=tag))
        for tag, names in sorted(entity.aliases.items()):
            for name in names:
                add(node, SKOS.altLabel, literal(name, language=tag))
        for tag, text in sorted(entity.descriptions.items()):
            add(node, SCHEMA.description, literal(text, language=tag))
        for alignment in mapping.classes.get(entity.type, []):
            if alignment.wikidata.startswith("Q"):
                add(node, WDT.P31, WD.term(alignment.wikidata))
        if entity.wikidata:
            add(node, OWL.sameAs, WD.term(entity.wikidata))
            add(node, AGKG.wikidataId, literal(entity.wikidata))
        for iri in entity.same_as:
            add(node, OWL.sameAs, ox.NamedNode(iri))
    return quads


@dataclass
class SourceContent:
    """What one source's graph is made of: its metadata, the statements it supports and its
    references. The same content always gives the same quads (``source_graph_quads``), which
    is what lets an incremental build reuse an unchanged source's graph."""

    source: Source
    statements: list[StatementRecord]  # sorted by key
    references: list[ReferenceRecord]  # sorted by key


def source_contents(data: CuratedData, provenance: Provenance) -> dict[str, SourceContent]:
    """Each source's content, by source id, in id order."""
    statements_by_source: dict[str, list[StatementRecord]] = defaultdict(list)
    for key, sources in provenance.statement_sources.items():
        for source_id in sources:
            statements_by_source[source_id].append(provenance.statements[key])
    references_by_source: dict[str, list[ReferenceRecord]] = defaultdict(list)
    for reference in provenance.references.values():
        references_by_source[reference.source].append(reference)
    return {
        source.id: SourceContent(
            source,
            sorted(statements_by_source[source.id], key=lambda r: r.key),
            sorted(references_by_source[source.id], key=lambda r: r.key),
        )
        for source in sorted(data.sources.values(), key=lambda s: s.id)
    }


def source_graph_quads(
    iris: Iris, vocabulary: Vocabulary, data: CuratedData, content: SourceContent
) -> list[ox.Quad]:
    """One source's named graph: its metadata, the statements it supports (with their truthy
    triples) and its references."""
    quads: list[ox.Quad] = []
    terms = _Terms(iris, data)
    term = terms.term
    mapping = wikidata_mapping(vocabulary)
    source = content.source
    graph = iris.source_graph(source.id)

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(s, p, o, graph))

    node = iris.source(source.id)
    add(node, RDF.type, AGKG.term(source.type))
    add(node, RDF.type, SCHEMA.term(source.type))
    if source.headline:
        headline_language = source.headline_language or source.language
        add(node, SCHEMA.headline, literal(source.headline, language=headline_language))
    for author in source.authors:
        add(node, SCHEMA.author, iris.entity(author))
    if source.byline:
        add(node, AGKG.byline, literal(source.byline))
    if source.outlet:
        add(node, SCHEMA.publisher, iris.entity(source.outlet))
    if source.dateline:
        add(node, AGKG.dateline, literal(source.dateline))
    if source.published:
        add(
            node,
            SCHEMA.datePublished,
            literal(source.published.lexical, XSD.term(source.published.datatype)),
        )
    if source.published_not_before:
        when = source.published_not_before
        add(node, AGKG.publishedNotBefore, literal(when.lexical, XSD.term(when.datatype)))
    add(node, SCHEMA.inLanguage, literal(source.language))
    if source.url:
        add(node, SCHEMA.url, ox.NamedNode(source.url))
    if source.sha256:
        add(node, AGKG.sha256, literal(source.sha256))
    if source.relays:
        add(node, AGKG.relays, iris.source(source.relays))
    if source.note:
        add(node, RDFS.comment, literal(source.note, language="en"))

    own_references = {r.key for r in content.references}
    for record in content.statements:
        subject = iris.entity(record.subject)
        statement = iris.statement(record.key)
        # A range given only by its bounds states no single number: no truthy triple and no
        # statement value, only the minimum and maximum qualifiers (claims.Claim.value).
        value = term(record.value) if record.value is not None else None
        if record.best:
            if value is not None and record.value is not None:
                add(subject, AGKG.term(record.property), value)
                aligned = mapping.properties.get(record.property)
                if aligned is not None and aligned.wikidata.startswith("P"):
                    add(subject, WDT.term(aligned.wikidata), terms.wikidata_value(record.value))
            add(statement, RDF.type, WIKIBASE.BestRank)
        add(subject, AGKGP.term(record.property), statement)
        add(statement, RDF.type, AGKG.Statement)
        if value is not None:
            add(statement, AGKGPS.term(record.property), value)
        add(statement, WIKIBASE.rank, RANK_INDIVIDUALS[record.rank])
        for name, qualifier in record.qualifiers:
            add(statement, AGKG.term(name), term(qualifier))
        if record.alleged_by:  # Wikidata's "sourcing circumstances: allegedly" (P1480, Q32188232)
            add(statement, AGKG.sourcingCircumstances, AGKG.allegedly)
            for accuser in record.alleged_by:
                add(statement, AGKG.allegedBy, term(EntityValue(accuser)))
        for reason in record.rank_reasons:
            add(statement, AGKG.rankReason, literal(reason, language="en"))
        for better in record.better_supported_by:
            add(statement, AGKG.betterSupportedBy, iris.statement(better))
        for note in record.notes:
            add(statement, RDFS.comment, literal(note, language="en"))
        for key in record.references:
            if key in own_references:
                add(statement, PROV.wasDerivedFrom, iris.reference(key))

    for reference in content.references:
        ref = iris.reference(reference.key)
        add(ref, RDF.type, AGKG.Reference)
        add(ref, RDF.type, OA.SpecificResource)
        add(ref, OA.hasSource, node)
        if reference.attributed_to:
            add(ref, AGKG.attributedTo, term(EntityValue(reference.attributed_to)))
        if reference.allegation:
            add(ref, AGKG.allegation, literal("true", XSD.boolean))
        quote = iris.selector(reference.key, "quote")
        add(ref, OA.hasSelector, quote)
        add(quote, RDF.type, OA.TextQuoteSelector)
        add(quote, OA.exact, literal(reference.quote))
        anchor = reference.anchor
        prefix = anchor.prefix if anchor else reference.prefix
        suffix = anchor.suffix if anchor else reference.suffix
        if prefix:
            add(quote, OA.prefix, literal(prefix))
        if suffix:
            add(quote, OA.suffix, literal(suffix))
        if anchor:
            position = iris.selector(reference.key, "position")
            add(ref, OA.hasSelector, position)
            add(position, RDF.type, OA.TextPositionSelector)
            add(position, OA.start, literal(str(anchor.start), XSD.nonNegativeInteger))
            add(position, OA.end, literal(str(anchor.end), XSD.nonNegativeInteger))
    return quads


def truthy_origin(subject: str, path: str, value: str) -> str:
    """The ``origins`` key of a truthy triple (no IRI holds a NUL, so it cannot clash with one)."""
    return f"{subject}\0{path}\0{value}"


def dataset_origins(iris: Iris, data: CuratedData, provenance: Provenance) -> dict[str, list[Position]]:
    """The input lines behind each minted node (entities, sources, statements, references), and
    behind each truthy triple (``truthy_origin``): a result about an entity's truthy value, such as
    a dissolution before the inception, belongs at the claims that gave the value."""
    origins: dict[str, list[Position]] = {}
    terms = _Terms(iris, data)
    for entity in sorted(data.entities.values(), key=lambda e: e.id):
        origins[iris.entity(entity.id).value] = [entity.position]
    for source in sorted(data.sources.values(), key=lambda s: s.id):
        origins.setdefault(iris.source(source.id).value, []).append(source.position)
    for record in provenance.statements.values():
        origins[iris.statement(record.key).value] = record.positions
        if record.best and record.value is not None:
            subject, path = iris.entity(record.subject).value, AGKG.term(record.property).value
            key = truthy_origin(subject, path, terms.term(record.value).value)
            origins[key] = sorted({*origins.get(key, []), *record.positions})
    for reference in provenance.references.values():
        origins[iris.reference(reference.key).value] = reference.positions
    return origins


def build_counts(data: CuratedData, provenance: Provenance, quads: int) -> BuildCounts:
    return BuildCounts(
        sources=len(data.sources),
        entities=len(data.entities),
        claims=len(data.claims),
        statements=len(provenance.statements),
        references=len(provenance.references),
        triples=0,
        quads=quads,
    )


def assemble(iris: Iris, vocabulary: Vocabulary, data: CuratedData, provenance: Provenance) -> BuiltDataset:
    """Turn checked data and statement records into quads."""
    quads = entities_graph_quads(iris, vocabulary, data)
    for content in source_contents(data, provenance).values():
        quads.extend(source_graph_quads(iris, vocabulary, data, content))
    unique = set(quads)
    built = BuiltDataset(
        iris=iris,
        vocabulary=vocabulary,
        data=data,
        provenance=provenance,
        quads=sorted(unique, key=str),
        counts=build_counts(data, provenance, len(unique)),
        origins=dataset_origins(iris, data, provenance),
    )
    built.counts.triples = len(built.triples())
    return built


def load_only(config: Config) -> CuratedData:
    """Load and check the curated data without building (for tools that need only that)."""
    return load_curated_data(config.data_dir, load_vocabulary(config.ontology_dir), root=config.project_dir)
