"""``agkg draft``: propose claims for a registered source, sentence by sentence, for review.

A draft is a starting point, not an answer: every claim carries ``status: draft`` (the loader
refuses it until a curator deletes it) and a ``confidence``. What a draft proposes is always in
its quote: an entity by one of its labels or aliases, a date or number by its words, a text value
as a span of the quote. Relations come from cue phrases ("founded by", "based in", "claimed
responsibility for"); a pronoun subject ("It was founded …") is read as the article's main group,
with a lower confidence and a note saying so. Names the dataset lacks become entity stubs in a
separate file, also marked draft.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pysbd

from agkg.build.claims import display_path
from agkg.build.ontology import PropertySpec, Vocabulary
from agkg.build.publishing import atomic_write
from agkg.build.quotes import SourceText, find_quote
from agkg.build.yamlfile import Mapping, Node, Scalar, Sequence, YamlProblems, read_yaml
from agkg.curation.mentions import (
    DateMention,
    EntityIndex,
    KnownEntity,
    Mention,
    NewName,
    Quantity,
    dates_in,
    number_word,
    quantities_in,
)
from agkg.curation.sources import slugify
from agkg.errors import ConfigurationError, InputError, Problem
from agkg.vocab import RDFS, SKOS


@dataclass(frozen=True)
class DraftClaim:
    """One proposed claim; ``value`` is an entity id or a literal's lexical form."""

    subject: str
    property: str
    value: str
    kind: str  # "entity", "time", "integer", "positiveInteger", "decimal", "langString"
    quote: str
    confidence: float
    qualifiers: tuple[tuple[str, str], ...] = ()
    prefix: str | None = None
    attributed_to: str | None = None
    note: str | None = None
    subject_in_quote: bool = True


@dataclass(frozen=True)
class DraftEntity:
    id: str
    type: str
    label: str
    language: str
    quote: str
    looks_like: str | None


@dataclass
class SentenceDraft:
    """What one sentence gave: claims, and what the curator should see beside them."""

    start: int
    text: str
    claims: list[DraftClaim] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    new_names: list[NewName] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    quantities: list[str] = field(default_factory=list)
    attribution: str | None = None


@dataclass(frozen=True)
class Draft:
    source: str
    sentences: list[SentenceDraft]
    entities: list[DraftEntity]

    @property
    def claims(self) -> list[DraftClaim]:
        return [c for s in self.sentences for c in s.claims]


@dataclass(frozen=True)
class DraftResult:
    """The files ``write_draft`` wrote and what they hold."""

    claims_file: Path
    entities_file: Path | None
    claims: int
    entities: int
    ambiguous: int


@dataclass(frozen=True)
class Catalog:
    """Sources and entities as written, read leniently: a draft is made before review."""

    sources: dict[str, dict[str, str | None]]
    entities: list[KnownEntity]


# (property, cue) pairs; the mode says where subject and value are found around the cue
_FORWARD: list[tuple[str, str, float]] = [
    ("foundedByMembersOf", r"\bfounded by (?:former )?members of\b", 0.8),
    # not "formed by former H fighters": members of H, not H, founded it
    (
        "founder",
        r"\b(?:founded|established|formed) by\b(?!(?: [\w-]+){0,3}? (?:members|fighters|militants|commanders|defectors|cadres)\b)",
        0.7,
    ),
    ("leader", r"\b(?:led|headed|commanded) by\b", 0.8),
    ("basedIn", r"\b(?:based|headquartered|stationed) in\b|\blocated in\b", 0.8),
    ("operatesIn", r"\b(?:operat(?:es|ing|ed)|active|dominance|presence|strongholds?) in\b", 0.7),
    ("affiliateOf", r"\baffiliate of\b|\bpledged allegiance to\b|\baffiliated with\b", 0.8),
    (
        "pledgedAllegianceTo",
        r"\b(?:pledged|pledges|pledging|swore|swears|sworn|gave) (?:its |their |his )?(?:allegiance|loyalty|bay[\u2019']?ah) to\b",
        0.7,
    ),
    (
        "allegiance",
        r"\b(?:loyal to|(?:owes|owed|has|had|kept|keeps) (?:its |their |his )?allegiance to)\b",
        0.6,
    ),
    ("memberOf", r"\b(?:an? )?(?:(?:former|senior|founding|top) )?(?:member|commander|fighter) of\b", 0.6),
    ("partOf", r"\b(?:is|are|was) (?:also )?(?:a )?part of\b|\b(?:branch|wing|faction) of\b", 0.8),
    (
        "opponentOf",
        r"\b(?:fight(?:s|ing)? against|fought(?: against)?|at war with|rivals? (?:of|to)|opposed to|conflicts? with"
        r"|brands|enem(?:y|ies) (?:of|to)|clash(?:es|ed)? with|battl(?:es|ed|ing)|(?:waged|wages|waging) war (?:on|against)"
        r"|hostile to)\b",
        0.6,
    ),
    ("alliedWith", r"\b(?:allied with|alliance with|allies of)\b", 0.7),
    ("associatedWith", r"\b(?:tied to|linked to|ties (?:to|with)|relationship with|connected to)\b", 0.6),
    (
        "targets",
        r"\b(?:target(?:s|ing|ed)?|attacks? (?:against|on)|attacked|(?:shooting|killing|bombing) of)\b",
        0.6,
    ),
    ("recruitsFrom", r"\b(?:recruit(?:s|ed|ing)?|poach(?:es|ed)?)\b[^.;]{0,40}?\bfrom\b", 0.7),
    ("receivedSupportFrom", r"\breceived\b[^.;]{0,60}?\bfrom\b", 0.7),
    ("threatTo", r"\bthreat (?:to|for)\b", 0.6),
    # the passive of an attack's agent: "the bombing was carried out by G"
    ("perpetrator", r"\b(?:was|were) (?:carried out|perpetrated|committed) by\b", 0.7),
    ("releasedMembersOf", r"\b(?:freed|released)\b[^.;]{0,60}?\bincluding\b", 0.5),
    (
        "employer",
        r"\b(?:expert|fellow|researcher|analyst|professor|director|scholar|spokes(?:man|person)) (?:at|with)\b",
        0.7,
    ),
]
_INVERSE: list[tuple[str, str, float]] = [
    ("responsibilityClaimedBy", r"\bclaimed responsibility for\b", 0.8),
    # "G claimed the bombing", "G claimed credit for it": the value must be a named event
    ("responsibilityClaimedBy", r"\bclaim(?:ed|s|ing)(?: credit for)?\b(?! responsibility| that)", 0.6),
    ("perpetrator", r"\b(?:carried out|was behind|were behind|perpetrated)\b", 0.7),
]
_DATED: list[tuple[str, str, float]] = [
    (
        "inception",
        r"\b(?:was |were )?(?:officially )?(?:founded|formed|established|created|set up)(?: (?:in|on))?\b",
        0.8,
    ),
    ("dissolution", r"\b(?:dissolved|disbanded) (?:in|on)\b", 0.7),
    ("dateOfDeath", r"\b(?:was |were )?(?:killed|died|assassinated) (?:in|on)\b", 0.6),
]
_TEXT: list[tuple[str, str, float]] = [
    ("statedGoal", r"\b(?:goal|aim|objective) (?:is|was) to\b|\baims? to\b|\bambitions? (?:only )?to\b", 0.6),
    ("strategy", r"\bstrategy (?:is|was) to\b|\bin part by\b|\befforts to\b", 0.5),
]
# verbs that tell an event of a kind without naming it; the kind is an ontology class
_EVENT_CUES: list[tuple[str, str]] = [
    ("Takeover", r"\b(?:gained|took|seized|won) control of\b|\b(?:captured|seized|overran|took over)\b"),
    ("PrisonRelease", r"\b(?:freed|released)\b[^.;]{0,60}?\bprisoners?\s+(?:from|in|at)\b"),
]
_PRONOUN = re.compile(r"(?:^|(?<=[\s\u201c\"\u2018(]))(?:It|it|They|they|The group|the group|Its|its)\b")
_CLAUSE_END = re.compile(
    r"[.;:!?]|,\s+(?:which|who|while|but|as|according|and\s+(?:has|have|had|is|was|are)\b)|\s+\u2013\s+"
)
_COORDINATION = re.compile(
    r"^(?:,\s*|\s+and\s+|,\s*and\s+|\s+or\s+|,\s*or\s+)(?:the\s+|both\s+)?$"
    r"|^,?\s+(?:particularly|especially|notably|including|mainly)\s+(?:[a-z]+\s+)?$"
)


def _spaced(cue: str) -> str:
    """A cue written with plain spaces matches any white space (news texts hold no-break spaces)."""
    return cue.replace(" ", r"\s+")


_YES_NO_QUESTION = re.compile(
    r"^(?:Are|Is|Was|Were|Do|Does|Did|Has|Have|Had|Can|Could|Will|Would|Should)\b[^\n]*\?\s*$"
)
# "X, which is tied to Y": the relative clause is about X
_RELATIVE = re.compile(
    r"^,?\s+(?:which|who|that)\s+(?:(?:is|are|was|were|has|have|had)\s+)?(?:[a-z]+\s+){0,3}$"
)
# "IS-K, the Taliban's Haqqani network and ...": a relative clause between two parties of a list
_INSERTED = re.compile(r",?\s+(?:which|who)\b[^.;]*,\s+(?:and\s+)?")
_PROVINCE_OF = re.compile(r"(?:\u2019s|'s)?\s+(?:[a-z]+\s+){0,2}(?:province|region|city|district|state)\b")
_ATTRIBUTION_VERBS = re.compile(r"\b(?:said|says|told|warned|estimates?|estimated|believes?|claims?)\b")


_PREDICATIVE = (
    r"(?:\b(?:is|are|was|were|became|become|becomes|remains?|remained)|,)\s+"
    r"(?:(?:also|now|still|once|effectively)\s+)?(?:(?:the|a|an|its|their)\s+)?"
    r"(?:(?:main|largest|former|regional|local|official|key|chief|bitter|sworn)\s+)?"
)
_PREPOSITIONS = frozenset({"of", "to", "with", "by", "in", "from", "for", "at", "through", "against"})


def _inflections(phrase: str) -> set[str]:
    """A label and its common forms in running prose: "ally of" → "allies of", "belongs to" →
    "belong to", "belonged to"; passives ("backed by") stand as written."""
    words = phrase.split()
    head, rest = words[0], words[1:]
    forms = {phrase}
    if words[-1] == "by" or head.endswith("ed"):
        return forms
    if len(words) == 2 and words[1] in ("of", "to") and not head.endswith("s"):  # "rival of" → "rivals of"
        plural = (
            head[:-1] + "ies"
            if head.endswith("y") and head[-2:-1] not in "aeiou"
            else (head + "es" if head.endswith(("ch", "sh", "s", "x")) else head + "s")
        )
        forms.add(" ".join([plural, *rest]))
    elif head.endswith("s") and not head.endswith("ss"):  # a verb: "works for" → "work(ed) for"
        base = head[:-3] + "y" if head.endswith("ies") and len(head) > 4 else head[:-1]
        past = base[:-1] + "ied" if base.endswith("y") else base + ("d" if base.endswith("e") else "ed")
        forms |= {" ".join([base, *rest]), " ".join([past, *rest])}
    return forms


def _ontology_cues(vocabulary: Vocabulary) -> list[tuple[str, str]]:
    """Cue phrases read from the ontology: each entity-valued claim property's English label and
    alternative labels that end in a preposition ("backed by", "ally of", "splinter of"), with
    their inflections. A property added to the ontology with good labels is drafted without a
    hand-written rule; single words ("head", "within") are too loose to be cues on their own."""
    names = {spec.iri.value: name for name, spec in vocabulary.claim_properties.items() if spec.takes_entity}
    phrases: set[tuple[str, str]] = set()
    for triple in vocabulary.triples:
        name = names.get(getattr(triple.subject, "value", ""))
        if name is None or triple.predicate.value not in (RDFS.label.value, SKOS.altLabel.value):
            continue
        literal = triple.object
        if getattr(literal, "language", None) != "en":
            continue
        words = str(getattr(literal, "value", "")).lower().split()
        if len(words) >= 2 and words[-1] in _PREPOSITIONS:
            # "members of G" names some of G's members, not what the subject belongs to
            forms = {" ".join(words)} if name == "memberOf" else _inflections(" ".join(words))
            for form in forms:
                phrases.add((name, form))
    cues = []
    for name, form in sorted(phrases):
        words = form.split()
        cue = r"\b" + r"\s+".join(re.escape(w) for w in words) + r"\b"
        if words[-1] == "of" and not words[0].endswith("ed") and words[0] not in ("in", "at"):
            # a noun ("rival of", "part of") states a relation only as a predicate or in
            # apposition: "G is a rival of H", "G, an offshoot of H"; not "in part of the city"
            cue = _PREDICATIVE + cue
        cues.append((name, cue))
    return cues


def read_catalog(data_dir: Path, root: Path) -> Catalog:
    """Every source's fields and every entity's names, from the YAML as written.

    A source just added still has its ``review`` list and entity stubs still have ``status``:
    the loader would refuse them, but a draft may be made before anyone has reviewed those.
    """
    sources: dict[str, dict[str, str | None]] = {}
    entities: list[KnownEntity] = []
    problems: list[Problem] = []
    for kind in ("sources", "entities"):
        for path in sorted(data_dir.glob(f"{kind}/*.y*ml")):
            try:
                node = read_yaml(path, display_path(path, root))
            except YamlProblems as error:
                problems.extend(error.problems)
                continue
            items = node.get(kind) if isinstance(node, Mapping) else None
            for item in items.items if isinstance(items, Sequence) else []:
                if not isinstance(item, Mapping) or not isinstance(item.get("id"), Scalar):
                    continue
                identifier = _text(item.get("id")) or ""
                if kind == "sources":
                    sources[identifier] = {
                        key: _text(item.get(key)) for key in ("sha256", "language", "relays", "headline")
                    }
                else:
                    entities.append(
                        KnownEntity(identifier, _text(item.get("type")) or "Thing", tuple(_names(item)))
                    )
    if problems:
        raise InputError(problems)
    return Catalog(sources, entities)


def _text(node: Node | None) -> str | None:
    return node.text if isinstance(node, Scalar) and not node.is_null else None


def _names(item: Mapping) -> Iterable[str]:
    for key in ("label", "aliases"):
        node = item.get(key)
        if not isinstance(node, Mapping):
            continue
        for _, value in node.items.values():
            if isinstance(value, Scalar) and not value.is_null:
                yield value.text
            elif isinstance(value, Sequence):
                yield from (v.text for v in value.items if isinstance(v, Scalar) and not v.is_null)


def draft_claims(
    text: str,
    source_id: str,
    catalog: Catalog,
    vocabulary: Vocabulary,
    language: str = "en",
    relays: str | None = None,
) -> Draft:
    """Propose claims for ``text``; pure (no files), so benchmarks and tests can call it."""
    text = unicodedata.normalize("NFC", text)
    source = SourceText(Path(source_id), hashlib.sha256(text.encode()).hexdigest(), text)
    index = EntityIndex(catalog.entities)
    types = {e.id: e.type for e in catalog.entities}
    drafter = _Drafter(text, source, index, types, vocabulary, language, relays, catalog)
    return drafter.run(source_id)


class _Drafter:
    def __init__(
        self,
        text: str,
        source: SourceText,
        index: EntityIndex,
        types: dict[str, str],
        vocabulary: Vocabulary,
        language: str,
        relays: str | None,
        catalog: Catalog,
    ) -> None:
        self.text = text
        self.source = source
        self.index = index
        self.types = types
        self.vocabulary = vocabulary
        self.language = language
        self.relays = relays
        self.unnamed = {
            word: e.id
            for e in catalog.entities
            if e.type == "UnnamedSource"
            for word in ("analysts", "reports", "sources")
            if any(word in n for n in e.names)
        }
        all_mentions = index.mentions(text)
        # the article's main group: the first one named (headlines name what the article is about)
        groups = [m.ids[0] for m in all_mentions if not m.ambiguous and self._is(m.ids[0], "ArmedGroup")]
        self.focus = groups[0] if groups else None
        self.stubs: dict[str, DraftEntity] = {}
        self.ontology_cues = _ontology_cues(vocabulary)

    # ----- helpers

    def _is(self, entity_id: str, class_name: str) -> bool:
        spec = self.vocabulary.superclasses.get(self.types.get(entity_id, ""), frozenset())
        return any(iri.endswith(("#" + class_name, "/" + class_name)) for iri in spec)

    def _fits_range(self, entity_id: str, spec: PropertySpec) -> bool:
        return self.vocabulary.is_a(self.types.get(entity_id, ""), spec.range)

    def _fits_domain(self, entity_id: str, prop: str) -> bool:
        domain = self.vocabulary.domains.get(prop)
        return domain is None or self.vocabulary.is_a(self.types.get(entity_id, ""), domain)

    def _unique(self, start: int, end: int, sentence: tuple[int, int]) -> tuple[str, str | None]:
        """The quote ``text[start:end]``, widened to its sentence or given a prefix until it is
        found exactly once in the text."""
        quote = self.text[start:end].strip()
        if len(find_quote(self.source, quote, None, None)) == 1:
            return quote, None
        whole = self.text[sentence[0] : sentence[1]].strip()
        if len(find_quote(self.source, whole, None, None)) == 1 and len(whole) <= 400:
            return whole, None
        for width in (16, 32, 64, 128):
            prefix = self.text[max(0, start - width) : start]
            if start - width > 0:  # begin at a word, not inside one
                prefix = prefix.split(None, 1)[-1] if len(prefix.split(None, 1)) > 1 else prefix
            prefix = prefix.strip()
            if prefix and len(find_quote(self.source, quote, prefix, None)) == 1:
                return quote, prefix
        return quote, None

    # ----- the pass

    def run(self, source_id: str) -> Draft:
        sentences = []
        for start, end in self._sentences():
            sentences.append(self._sentence(start, end))
        return Draft(source_id, sentences, sorted(self.stubs.values(), key=lambda e: e.id))

    def _sentences(self) -> list[tuple[int, int]]:
        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        spans = []
        for paragraph in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", self.text):
            for span in segmenter.segment(paragraph.group(0)):
                piece = span.sent.rstrip()
                if piece.strip():
                    spans.append(
                        (paragraph.start() + span.start, paragraph.start() + span.start + len(piece))
                    )
        return spans

    def _sentence(self, s0: int, s1: int) -> SentenceDraft:
        result = SentenceDraft(s0, self.text[s0:s1])
        mentions = self.index.mentions(self.text, s0, s1)
        result.mentions = mentions
        plain = [m for m in mentions if not m.ambiguous]
        result.new_names = self.index.new_names(self.text, s0, s1, mentions) if s0 > 0 else []
        for name in result.new_names:
            self._stub(name, s0, s1)
        dates = dates_in(self.text, s0, s1, self.language)
        result.dates = [f"{d.surface} → {d.iso}" for d in dates]
        quantities = quantities_in(self.text, s0, s1)
        result.quantities = [f"{q.surface} → {q.value} {q.unit or ''}".strip() for q in quantities]
        result.attribution = self._attribution(s0, s1, plain)
        emit = _Emitter(self, result, (s0, s1))
        if _YES_NO_QUESTION.match(result.text):
            return result  # "Are they linked to the Taliban?" asks; it does not say
        sentence = self.text[s0:s1]
        for prop, cue, confidence in _FORWARD:
            for match in re.finditer(_spaced(cue), sentence):
                self._forward(emit, prop, s0 + match.start(), s0 + match.end(), plain, confidence)
        for prop, cue, confidence in _INVERSE:
            for match in re.finditer(_spaced(cue), sentence):
                self._inverse(emit, prop, s0 + match.start(), s0 + match.end(), plain, confidence)
        for prop, cue, confidence in _DATED:
            for match in re.finditer(_spaced(cue), sentence):
                after = [d for d in dates if s0 + match.end() <= d.start <= s0 + match.end() + 3]
                after = after or self._clause_date(dates, s0 + match.start(), s0 + match.end(), s0)
                subject = self._subject(prop, s0 + match.start(), plain, s0)
                if after and subject:
                    emit.add(
                        subject, prop, after[0].iso, "time",
                        min(s0 + match.start(), after[0].start), max(s0 + match.end(), after[0].end), confidence,
                    )  # fmt: skip
        for prop, cue, confidence in _TEXT:
            for match in re.finditer(_spaced(cue), sentence):
                self._text_value(emit, prop, s0 + match.start(), s0 + match.end(), plain, confidence)
        self._provinces(emit, sentence, s0, plain)
        self._kinds(emit, plain, s0)
        self._places(emit, plain)
        self._mutual(emit, sentence, s0, plain)
        self._possessives(emit, plain)
        self._affiliations(emit, plain)
        self._quantities(emit, quantities, plain, s0)
        self._rankings(emit, sentence, s0, plain)
        self._different(emit, sentence, s0, plain)
        self._posts(emit, plain, s0)
        self._descriptive_names(emit, plain)
        self._events_described(emit, sentence, s0, plain)
        self._fields_of_work(emit, sentence, s0, plain)
        self._leaders(emit, plain)
        self._designations(emit, sentence, s0, plain)
        self._tolls(emit, quantities, plain, s0)
        self._event_dates(emit, dates, plain)
        self._founders_members(emit, sentence, s0, plain)
        self._member_appositions(emit, plain)
        # last, so that a pair a specific rule read ("Nangarhar, Afghanistan" → country) is not
        # read again under a looser label ("located in" → locatedIn)
        emit.taken = {(c.subject, c.value) for c in result.claims}
        for prop, cue in self.ontology_cues:
            for match in re.finditer(cue, sentence):
                self._forward(emit, prop, s0 + match.start(), s0 + match.end(), plain, 0.5)
        return result

    def _stub(self, name: NewName, s0: int, s1: int) -> None:
        if name.looks_like is not None:
            return
        identifier = slugify(name.surface, 8) or "entity"
        if identifier in self.types or identifier in self.stubs:
            if identifier in self.stubs:
                return
            identifier = f"{identifier}-new"
        self.stubs[identifier] = DraftEntity(
            identifier, name.type, name.surface, self.language, self.text[s0:s1].strip(), name.looks_like
        )

    def _subject(self, prop: str, cue_start: int, mentions: list[Mention], s0: int) -> _Subject | None:
        """The nearest fitting entity before the cue in the same clause, else the article's main
        group when a pronoun ("It", "the group") stands there."""
        for mention in reversed([m for m in mentions if m.end <= cue_start]):
            gap = self.text[mention.end : cue_start]
            if (_CLAUSE_END.search(gap) and not _RELATIVE.match(gap)) or len(gap) > 140:
                break
            if self._fits_domain(mention.ids[0], prop):
                return _Subject(mention.ids[0], mention.start, True)
        lead = self.text[s0:cue_start]
        pronouns = list(_PRONOUN.finditer(lead))
        if (
            self.focus
            and pronouns
            and not _CLAUSE_END.search(lead[pronouns[-1].end() :])
            and self._fits_domain(self.focus, prop)
        ):
            return _Subject(self.focus, s0 + pronouns[-1].start(), False)
        return None

    def _values_after(
        self, cue_end: int, mentions: list[Mention], accept: Callable[[str], bool]
    ) -> list[Mention]:
        chain: list[Mention] = []
        last = cue_end
        for mention in (m for m in mentions if m.start >= cue_end):
            gap = self.text[last : mention.start]
            if not chain:
                if _CLAUSE_END.search(gap) or len(gap) > 60:
                    break
            elif not _COORDINATION.match(gap):
                break
            if accept(mention.ids[0]):
                chain.append(mention)
            last = mention.end
        return chain

    def _forward(
        self, emit: _Emitter, prop: str, c0: int, c1: int, mentions: list[Mention], confidence: float
    ) -> None:
        spec = self.vocabulary.claim_properties.get(prop)
        if spec is None:
            return
        subject = self._subject(prop, c0, mentions, emit.bounds[0])
        if subject is None:
            return

        def accept(entity: str) -> bool:
            # a country is where attacks happen, not what they target
            place_target = prop == "targets" and self._is(entity, "Place")
            return self._fits_range(entity, spec) and entity != subject.id and not place_target

        values = self._values_after(c1, mentions, accept)
        for value in values:
            for each in [*self._coordinated(subject, prop, mentions, emit.bounds[0], c0), subject]:
                emit.add(each, prop, value.ids[0], "entity", c0, value.end, confidence)

    def _coordinated(
        self, subject: _Subject, prop: str, mentions: list[Mention], s0: int, cue: int
    ) -> list[_Subject]:
        """ "A and B are based in X", "A, B and C fight Y": the parties listed before the subject,
        each of the property's domain, when nothing but commas and "and" stands between. Not
        when a relative clause holds the cue ("A and B, which is tied to C"): it is about B."""
        if not subject.named or re.search(r",\s+(?:which|who|that)\b", self.text[subject.start : cue]):
            return []
        chain: list[_Subject] = []
        edge = subject.start
        for mention in reversed([m for m in mentions if s0 <= m.end <= edge]):
            gap = self.text[mention.end : edge]
            if not re.fullmatch(r"(?:,\s*|\s+and\s+|,\s*and\s+)(?:the\s+)?", gap):
                break
            if not self._fits_domain(mention.ids[0], prop) or self._is(mention.ids[0], "UnnamedSource"):
                break
            # "IS's Taliban rivals": a possessive owner is not a party of the list
            chain.insert(0, _Subject(mention.ids[0], mention.start, True))
            edge = mention.start
        return chain

    def _inverse(
        self, emit: _Emitter, prop: str, c0: int, c1: int, mentions: list[Mention], confidence: float
    ) -> None:
        spec = self.vocabulary.claim_properties.get(prop)
        if spec is None:
            return
        agent = self._subject_as_value(spec, c0, mentions)
        if agent is None:
            return
        events = self._values_after(
            c1, mentions, lambda i: self._fits_domain(i, prop) and self._is(i, "Event")
        )
        for event in events[:1]:
            emit.add(
                _Subject(event.ids[0], event.start, True),
                prop,
                agent.ids[0],
                "entity",
                agent.start,
                event.end,
                confidence,
            )

    def _subject_as_value(self, spec: PropertySpec, c0: int, mentions: list[Mention]) -> Mention | None:
        for mention in reversed([m for m in mentions if m.end <= c0]):
            if _CLAUSE_END.search(self.text[mention.end : c0]):
                return None
            if self._fits_range(mention.ids[0], spec):
                return mention
        return None

    def _text_value(
        self, emit: _Emitter, prop: str, c0: int, c1: int, mentions: list[Mention], confidence: float
    ) -> None:
        subject = self._subject(prop, c0, mentions, emit.bounds[0])
        if subject is None:
            return
        rest = self.text[c1 : emit.bounds[1]]
        end = re.search(r"[.;:!?]|,\s|\s+\u2013\s", rest)
        value = rest[: end.start() if end else len(rest)].strip()
        if len(value.split()) < 3:
            return
        emit.add(subject, prop, value, "langString", c0, c1 + rest.index(value) + len(value), confidence)

    def _provinces(self, emit: _Emitter, sentence: str, s0: int, mentions: list[Mention]) -> None:
        for match in re.finditer(r"(?:\u2019s|'s) (?:[A-Z]\w+ ){0,3}province\b", sentence):
            owner = [m for m in mentions if m.end == s0 + match.start()]
            if not owner or not self._is(owner[0].ids[0], "ArmedGroup"):
                continue
            subject = self._subject("provinceOf", owner[0].start, mentions, s0)
            if subject is not None and subject.id != owner[0].ids[0]:
                emit.add(
                    subject, "provinceOf", owner[0].ids[0], "entity", owner[0].start, s0 + match.end(), 0.7
                )
                # "the Islamic State's Central Asian province": the region it operates in
                words = match.group(0).split()[1:-1]
                for size in range(len(words), 0, -1):
                    adjective = " ".join(words[:size])
                    place = self._place_of_adjective(adjective)
                    if place is not None:
                        emit.add(
                            subject, "operatesIn", place, "entity", owner[0].start, s0 + match.end(), 0.5
                        )
                        break

    def _place_of_adjective(self, adjective: str) -> str | None:
        """The one known place whose name the adjective is formed from by a suffix ("Central
        Asian", "Syrian", "Pakistani"), so the place's name is still written in the quote."""
        places = {
            entity.id
            for entity in self.index.entities.values()
            if self._is(entity.id, "Place")
            for name in entity.names
            if adjective.startswith(name) and adjective[len(name) :] in ("n", "an", "i", "ian", "ese")
        }
        return next(iter(places)) if len(places) == 1 else None

    def _kinds(self, emit: _Emitter, mentions: list[Mention], s0: int) -> None:
        """A group kind or ideology named in a clause about a group: ``groupKind`` / ``ideology``."""
        for mention in mentions:
            entity = mention.ids[0]
            prop = (
                "groupKind"
                if self._is(entity, "GroupKind")
                else "ideology"
                if self._is(entity, "Ideology")
                else None
            )
            if prop is None:
                continue
            subject = self._subject(prop, mention.start, mentions, s0)
            if subject is not None and self._is(subject.id, "ArmedGroup"):
                emit.add(subject, prop, entity, "entity", mention.start, mention.end, 0.5)
                # "the jihadist militant group of Afghanistan": the group's country
                country = [m for m in mentions if m.start > mention.end and self._is(m.ids[0], "Country")]
                if (
                    prop == "groupKind"
                    and country
                    and re.fullmatch(r"\s+(?:of|from)\s+", self.text[mention.end : country[0].start])
                ):
                    emit.add(
                        subject, "country", country[0].ids[0], "entity", mention.start, country[0].end, 0.5
                    )

    def _places(self, emit: _Emitter, mentions: list[Mention]) -> None:
        """ "Doha, Qatar" and "Nangarhar, which is Pakistan's eastern province": a place and its
        country."""
        for first, second in itertools.pairwise(mentions):
            if not (
                self._is(second.ids[0], "Country")
                and self._is(first.ids[0], "Place")
                and not self._is(first.ids[0], "Country")
            ):
                continue
            gap = self.text[first.end : second.start]
            if re.fullmatch(r",\s*", gap):
                end, confidence = second.end, 0.7
            elif re.fullmatch(
                r",?\s+(?:which|that)\s+is\s+(?:(?:the|a|an)\s+)?|,\s+(?:the|a|an)\s+", gap
            ) and (tail := _PROVINCE_OF.match(self.text, second.end)):
                end, confidence = tail.end(), 0.6
            else:
                continue
            emit.add(
                _Subject(first.ids[0], first.start, True),
                "country",
                second.ids[0],
                "entity",
                first.start,
                end,
                confidence,
            )

    def _mutual(self, emit: _Emitter, sentence: str, s0: int, mentions: list[Mention]) -> None:
        """ "A, B and C collaborated", "A and B have a strong relationship": each pair, in order."""
        cues = (
            ("collaboratedWith", r"\b(?:collaborated|cooperated|worked together)\b", 0.6),
            ("associatedWith", r"\b(?:have|had|has) an? (?:[a-z]+ )?(?:relationship|ties|links)\b", 0.6),
        )
        for prop, cue, confidence in cues:
            for match in re.finditer(_spaced(cue), sentence):
                c0 = s0 + match.start()
                chain: list[Mention] = []
                inserted = [
                    (s0 + r.start(), s0 + r.end())
                    for r in re.finditer(r",\s+(?:which|who)\b[^,.;]*,", sentence)
                ]
                outside = [
                    m for m in mentions if m.end <= c0 and not any(a <= m.start < b for a, b in inserted)
                ]
                edge = c0
                for mention in reversed(outside):
                    gap = self.text[mention.end : edge]
                    if chain and gap in ("\u2019s ", "'s "):
                        edge = mention.start  # "the Taliban's Haqqani network": a modifier, not a party
                        continue
                    linked = _COORDINATION.match(gap) or _INSERTED.fullmatch(gap)
                    if chain and not linked:
                        break
                    if not chain and not (
                        _INSERTED.fullmatch(gap) or (len(gap) <= 40 and not _CLAUSE_END.search(gap))
                    ):
                        break
                    if self._is(mention.ids[0], "Agent") and not self._is(mention.ids[0], "UnnamedSource"):
                        chain.insert(0, mention)
                        edge = mention.start
                for i, first in enumerate(chain):
                    for second in chain[i + 1 :]:
                        if first.ids[0] != second.ids[0]:
                            emit.add(
                                _Subject(first.ids[0], first.start, True),
                                prop, second.ids[0], "entity", first.start, max(second.end, s0 + match.end()), confidence,
                            )  # fmt: skip

    def _possessives(self, emit: _Emitter, mentions: list[Mention]) -> None:
        """ "the Taliban's Haqqani network": a group named as another group's part."""
        for owner, part in itertools.pairwise(mentions):
            if (
                self.text[owner.end : part.start] in ("\u2019s ", "'s ")
                and self._is(owner.ids[0], "ArmedGroup")
                and self._is(part.ids[0], "ArmedGroup")
            ):
                emit.add(
                    _Subject(part.ids[0], part.start, True),
                    "partOf",
                    owner.ids[0],
                    "entity",
                    owner.start,
                    part.end,
                    0.5,
                )

    def _affiliations(self, emit: _Emitter, mentions: list[Mention]) -> None:
        """ "Dr. Sajjan Gohel of the Asia Pacific Foundation": a person and the body they work for."""
        spec = self.vocabulary.claim_properties.get("employer")
        for person, body in itertools.pairwise(mentions):
            if (
                spec is not None
                and re.fullmatch(r"\s+(?:of|from|at)\s+(?:the\s+)?", self.text[person.end : body.start])
                and self._is(person.ids[0], "Person")
                and self._fits_range(body.ids[0], spec)
                and not self._is(body.ids[0], "ArmedGroup")
            ):
                emit.add(
                    _Subject(person.ids[0], person.start, True),
                    "employer",
                    body.ids[0],
                    "entity",
                    person.start,
                    body.end,
                    0.6,
                )

    def _quantities(
        self, emit: _Emitter, quantities: list[Quantity], mentions: list[Mention], s0: int
    ) -> None:
        for quantity in quantities:
            if quantity.unit in ("fighters", "members", "militants", "troops", "recruits", "men"):
                subject = self._subject("memberCount", quantity.start, mentions, s0)
                qualifiers = [("approximate", "true")] if quantity.approximate else []
                if quantity.bound:
                    qualifiers.append((quantity.bound, quantity.value))
                if subject is not None and "." not in quantity.value:
                    emit.add(
                        subject,
                        "memberCount",
                        quantity.value,
                        "integer",
                        quantity.start,
                        quantity.end,
                        0.7,
                        tuple(qualifiers),
                    )
            elif (
                quantity.unit
                and quantity.unit.isupper()
                and "bounty"
                in self.text[quantity.end : quantity.end + 40]
                + self.text[max(s0, quantity.start - 20) : quantity.start]
            ):
                people = [m for m in mentions if m.end <= quantity.start and self._is(m.ids[0], "Person")]
                if people:
                    person = people[-1]
                    emit.add(
                        _Subject(person.ids[0], person.start, True),
                        "bountyAmount", quantity.value, "decimal", person.start, quantity.end, 0.6,
                        (("currency", quantity.unit),),
                    )  # fmt: skip

    def _rankings(self, emit: _Emitter, sentence: str, s0: int, mentions: list[Mention]) -> None:
        for match in re.finditer(r"\btop (\w+) (?:most )?deadliest\b", sentence):
            rank = number_word(match.group(1))
            subject = self._subject("rankedAmongDeadliest", s0 + match.start(), mentions, s0)
            if rank and subject is not None:
                emit.add(
                    subject,
                    "rankedAmongDeadliest",
                    str(rank),
                    "positiveInteger",
                    s0 + match.start(),
                    s0 + match.end(),
                    0.6,
                )

    def _different(self, emit: _Emitter, sentence: str, s0: int, mentions: list[Mention]) -> None:
        """ "a difference between A and B", "A is distinct from B", "Unlike A, … B": two groups a
        reader must not merge (``differentFrom``). Which of the two is the subject is the text's
        choice only for "A … from B"; for the symmetric phrasings the article's main group is."""
        groups = [m for m in mentions if self._is(m.ids[0], "Organization")]

        def pair(first: Mention, second: Mention, start: int, end: int, ordered: bool) -> None:
            if first.ids[0] == second.ids[0]:
                return
            if not ordered and second.ids[0] == self.focus:
                first, second = second, first
            emit.add(
                _Subject(first.ids[0], first.start, True),
                "differentFrom", second.ids[0], "entity", start, end, 0.6,
            )  # fmt: skip

        for match in re.finditer(_spaced(r"\b(?:difference|distinction|split) between\b"), sentence):
            after = [m for m in groups if m.start >= s0 + match.end()]
            if (
                len(after) >= 2
                and re.fullmatch(r"\s+and\s+(?:the\s+)?", self.text[after[0].end : after[1].start])
                and len(self.text[s0 + match.end() : after[0].start]) <= 8
            ):
                pair(after[0], after[1], s0 + match.start(), after[1].end, False)
        for match in re.finditer(
            _spaced(
                r"\b(?:(?:is|are|was|were) (?:also )?(?:different|distinct|separate) from|not to be confused with)\b"
            ),
            sentence,
        ):
            before = [m for m in groups if m.end <= s0 + match.start()]
            after = [m for m in groups if m.start >= s0 + match.end()]
            if (
                before
                and after
                and len(self.text[before[-1].end : s0 + match.start()]) <= 3
                and len(self.text[s0 + match.end() : after[0].start]) <= 8
            ):
                pair(before[-1], after[0], before[-1].start, after[0].end, True)
        lead = re.match(r"\s*Unlike\s+(?:the\s+)?", sentence)
        if lead:
            other = [m for m in groups if m.start == s0 + lead.end()]
            rest = [m for m in groups if other and m.start > other[0].end]
            if other and rest:
                # the main clause's subject: the first group after the comma that closes "Unlike A, …"
                comma = self.text.find(",", other[0].end)
                subject = [m for m in rest if comma != -1 and m.start > comma]
                if subject:
                    pair(subject[0], other[0], other[0].start, subject[0].end, True)

    def _posts(self, emit: _Emitter, mentions: list[Mention], s0: int) -> None:
        """A post named with its place ("head of security in Kabul"): ``jurisdiction``; a person
        said to hold it ("X is now in charge of security in Kabul"): ``holdsPost``."""
        for mention in mentions:
            if not self._is(mention.ids[0], "Post"):
                continue
            for inner in self.index.mentions(self.text, mention.start + 1, mention.end):
                if not inner.ambiguous and self._is(inner.ids[0], "Place"):
                    emit.add(
                        _Subject(mention.ids[0], mention.start, True),
                        "jurisdiction", inner.ids[0], "entity", mention.start, inner.end, 0.6,
                    )  # fmt: skip
            for person in reversed([m for m in mentions if m.end <= mention.start]):
                gap = self.text[person.end : mention.start]
                if not self._is(person.ids[0], "Person"):
                    continue
                holds = re.search(
                    r"(?:^|,)\s+(?:is|was|has\s+been|had\s+been|became|remains|served\s+as|named|appointed)\s+"
                    r"(?:(?:now|still|later|as|the|new)\s+)*$",
                    gap,
                )
                before = gap[: holds.start()] if holds else ""
                if holds and (
                    not before or re.fullmatch(r",\s+(?:who|which)\b(?:[^.;:!?]|\.(?=\d))*", before)
                ):
                    emit.add(
                        _Subject(person.ids[0], person.start, True),
                        "holdsPost", mention.ids[0], "entity", person.start, mention.end, 0.6,
                    )  # fmt: skip
                break

    def _descriptive_names(self, emit: _Emitter, mentions: list[Mention]) -> None:
        """A collective named by a description ("other terror groups located in Pakistan"): the
        description's own words say its kind and where it is based."""
        for mention in mentions:
            if not self._is(mention.ids[0], "Organization"):
                continue
            subject = _Subject(mention.ids[0], mention.start, True)
            inner = [
                m for m in self.index.mentions(self.text, mention.start + 1, mention.end) if not m.ambiguous
            ]
            for part in inner:
                if self._is(part.ids[0], "GroupKind"):
                    emit.add(subject, "groupKind", part.ids[0], "entity", mention.start, mention.end, 0.5)
                elif self._is(part.ids[0], "Place") and re.search(
                    _spaced(r"\b(?:based|located|headquartered) in (?:the )?$"),
                    self.text[mention.start : part.start],
                ):
                    emit.add(subject, "basedIn", part.ids[0], "entity", mention.start, mention.end, 0.6)

    def _events_described(self, emit: _Emitter, sentence: str, s0: int, mentions: list[Mention]) -> None:
        """An event told rather than named ("X gained control of Kabul", "freed prisoners from Y
        Prison"): when exactly one known event of the verb's kind has the place in its name, its
        agent and location. The event's own name is not in the quote, so the claim says so."""
        for kind, cue in _EVENT_CUES:
            for match in re.finditer(_spaced(cue), sentence):
                c0, c1 = s0 + match.start(), s0 + match.end()
                place = next(
                    (
                        m for m in mentions
                        if c1 <= m.start <= c1 + 40 and not m.ambiguous and self._is(m.ids[0], "Place")
                        and not _CLAUSE_END.search(self.text[c1 : m.start])
                    ),
                    None,
                )  # fmt: skip
                if place is None:
                    continue
                place_names = [n.lower() for n in self.index.entities[place.ids[0]].names]
                events = [
                    e for e in self.index.entities.values()
                    if self._is(e.id, kind)
                    and any(p in n.lower() for n in e.names for p in place_names)
                ]  # fmt: skip
                if len(events) != 1:
                    continue
                event = _Subject(events[0].id, c0, False)
                note = f"Event read from its description as {events[0].id}: check it."
                emit.add(event, "location", place.ids[0], "entity", c0, place.end, 0.5, note=note)
                agents = [
                    m for m in mentions
                    if m.end <= c0 and not m.ambiguous and self._is(m.ids[0], "Agent")
                    and not self._is(m.ids[0], "UnnamedSource")
                ]  # fmt: skip
                # "When X took the city, they freed …": the pronoun is the earlier clause's agent
                pronoun = re.search(r"\b(?:they|it)\s+(?:[a-z]+ly\s+|later\s+|then\s+)?$", self.text[s0:c0])
                if pronoun:
                    agents = [m for m in agents if m.end <= s0 + pronoun.start()]
                    agent_note = note + " Its agent was read from a pronoun."
                else:
                    agents = [
                        m
                        for m in agents[-1:]
                        if re.fullmatch(r"\s+(?:[a-z]+\s+){0,3}", self.text[m.end : c0])
                    ]
                    agent_note = note
                if agents:
                    emit.add(
                        _Subject(events[0].id, agents[-1].start, False),
                        "carriedOutBy", agents[-1].ids[0], "entity", agents[-1].start, place.end, 0.5,
                        note=agent_note,
                    )  # fmt: skip
                rest = self.text[place.end : emit.bounds[1]]
                including = re.match(r"[^.;]{0,40}?\bincluding\s+", rest)
                if kind == "PrisonRelease" and including:
                    chain = self._values_after(
                        place.end + including.end(),
                        mentions,
                        lambda i: self._is(i, "Organization"),
                    )
                    for member in chain:
                        emit.add(
                            _Subject(events[0].id, c0, False),
                            "releasedMembersOf", member.ids[0], "entity", member.start, member.end, 0.5,
                            note=note,
                        )  # fmt: skip

    def _clause_date(self, dates: list[DateMention], c0: int, c1: int, s0: int) -> list[DateMention]:
        """The date of a dated verb not written right after it: "In 2015, G was founded", "G was
        founded in Zenda in 2015". Only the sentence's one date, in the verb's clause, after "in"
        or "on"."""
        if len(dates) != 1:
            return []
        date = dates[0]
        if not re.search(r"\b(?:[Ii]n|[Oo]n)\s+$", self.text[max(s0, date.start - 4) : date.start]):
            return []
        if date.end <= c0:
            gap = self.text[date.end : c0]
            return [date] if len(gap) <= 80 and not _CLAUSE_END.search(gap.removeprefix(",")) else []
        gap = self.text[c1 : date.start]
        return [date] if date.start >= c1 and len(gap) <= 50 and not re.search(r"[,.;:!?]", gap) else []

    def _founders_members(self, emit: _Emitter, sentence: str, s0: int, mentions: list[Mention]) -> None:
        """ "G was formed by former H fighters": founded by members of H, the group named as the
        members' modifier."""
        spec = self.vocabulary.claim_properties.get("foundedByMembersOf")
        if spec is None:
            return
        for match in re.finditer(_spaced(r"\b(?:founded|formed|established|created|set up) by\s+"), sentence):
            c0, c1 = s0 + match.start(), s0 + match.end()
            source = next(
                (
                    m for m in mentions
                    if c1 <= m.start <= c1 + 30 and not m.ambiguous
                    and re.fullmatch(r"(?:(?:[a-z]+|[A-Z][a-z]+)\s+){0,2}", self.text[c1 : m.start])
                    and re.match(r"\s+(?:members|fighters|militants|commanders|defectors|cadres)\b", self.text[m.end :])
                ),
                None,
            )  # fmt: skip
            subject = self._subject("foundedByMembersOf", c0, mentions, s0)
            if source is None or subject is None or not self._fits_range(source.ids[0], spec):
                continue
            tail = re.match(r"\s+\w+", self.text[source.end :])
            end = source.end + (tail.end() if tail else 0)
            emit.add(subject, "foundedByMembersOf", source.ids[0], "entity", c0, end, 0.6)

    def _member_appositions(self, emit: _Emitter, mentions: list[Mention]) -> None:
        """ "P, a former G commander": a person's membership told in apposition."""
        for person, group in itertools.pairwise(mentions):
            gap = self.text[person.end : group.start]
            role = re.match(
                r"\s+(?:member|commander|fighter|militant|leader|figure|official|operative|cleric)\b",
                self.text[group.end :],
            )
            if (
                role
                and re.fullmatch(
                    r",\s+(?:a|an|the)\s+(?:(?:former|senior|top|veteran|mid-level|local)\s+)*", gap
                )
                and self._is(person.ids[0], "Person")
                and self._is(group.ids[0], "Organization")
            ):
                emit.add(
                    _Subject(person.ids[0], person.start, True),
                    "memberOf", group.ids[0], "entity", person.start, group.end + role.end(), 0.6,
                )  # fmt: skip

    def _event_dates(self, emit: _Emitter, dates: list[DateMention], mentions: list[Mention]) -> None:
        """A named event with a date beside it in its clause: "the Zenda bombing on 3 May 2020",
        "On 3 May 2020, the Zenda bombing killed …". Only when the sentence names one event and one
        date, so which date belongs to which event is not a guess."""
        events = {m.ids[0] for m in mentions if self._is(m.ids[0], "Event")}
        if len(events) != 1 or len(dates) != 1:
            return
        event = next(m for m in mentions if self._is(m.ids[0], "Event"))
        date = dates[0]
        first, second = (event, date) if event.end <= date.start else (date, event)
        gap = self.text[first.end : second.start]
        if len(gap) > 60 or (_CLAUSE_END.search(gap) and not re.fullmatch(r",\s+(?:the\s+)?", gap)):
            return
        if not re.search(r"\b(?:on|in)\s+$", self.text[emit.bounds[0] : date.start]):
            return
        emit.add(
            _Subject(event.ids[0], event.start, True),
            "eventDate", date.iso, "time", min(event.start, date.start), max(event.end, date.end), 0.5,
        )  # fmt: skip

    def _fields_of_work(self, emit: _Emitter, sentence: str, s0: int, mentions: list[Mention]) -> None:
        """ "X has been tracking extremist networks in Afghanistan", "X, an expert on Y": what a
        person works on, as the text's own words."""
        for match in re.finditer(
            _spaced(
                r"\b(?:has|have) been (?=(?:tracking|studying|researching|monitoring|covering|investigating)\b)"
                r"|\b(?:an? )?(?:expert|specialist|authority) (?:on|in) "
                r"|\bspeciali[sz](?:es|ed|ing) in "
            ),
            sentence,
        ):
            c0, c1 = s0 + match.start(), s0 + match.end()
            person = [m for m in mentions if m.end <= c0 and self._is(m.ids[0], "Person")]
            if not person or len(self.text[person[-1].end : c0]) > 80:
                continue
            gap = self.text[person[-1].end : c0]
            if re.search(r"[.;:!?]", gap):
                continue
            rest = self.text[c1 : emit.bounds[1]]
            end = re.search(
                r"[.;:!?]|,\s|\s+\u2013\s|\s+(?:and|but)\s+(?:has|is|was|he|she)\b"
                r"|\s+(?:for|since|over)\s+(?:(?:many|several|the\s+past)\s+)?(?:years|decades|months|\d)",
                rest,
            )
            value = rest[: end.start() if end else len(rest)].strip()
            if 2 <= len(value.split()) <= 12:
                emit.add(
                    _Subject(person[-1].ids[0], person[-1].start, True),
                    "fieldOfWork", value, "langString", c0, c1 + rest.index(value) + len(value), 0.5,
                )  # fmt: skip

    def _leaders(self, emit: _Emitter, mentions: list[Mention]) -> None:
        """Leaders named in apposition: "P, the leader of G", "G's leader P", "G leader P", "the
        emir of G, P". ("led by" is a cue of its own.)"""
        title = r"(?:leader|head|chief|emir|commander(?:-in-chief)?|founder)"
        for first, second in itertools.pairwise(mentions):
            gap = self.text[first.end : second.start]
            person, group = (
                (first, second)
                if re.fullmatch(
                    rf",\s+(?:the\s+|its\s+)?(?:(?:new|current|former|late|then|top|overall|supreme)\s+)?{title}\s+of\s+(?:the\s+)?",
                    gap,
                )
                else (second, first)
                if re.fullmatch(
                    rf"(?:[\u2019']s)?\s+(?:(?:new|current|former|late|then|top|overall|supreme)\s+)?{title},?\s+",
                    gap,
                )
                else (None, None)
            )
            if person is None or group is None:
                continue
            if not (self._is(person.ids[0], "Person") and self._is(group.ids[0], "Organization")):
                continue
            prop = "founder" if "founder" in gap else "leader"
            emit.add(
                _Subject(group.ids[0], group.start, True),
                prop, person.ids[0], "entity", min(first.start, second.start), second.end, 0.6,
            )  # fmt: skip
        for match in re.finditer(
            rf"\b(?:[Tt]he\s+)?{title}\s+of\s+(?:the\s+)?", self.text[emit.bounds[0] : emit.bounds[1]]
        ):
            end = emit.bounds[0] + match.end()
            group = next((m for m in mentions if m.start == end), None)
            person = next(
                (m for m in mentions if group and re.fullmatch(r",\s+", self.text[group.end : m.start])), None
            )
            if (
                group
                and person
                and self._is(group.ids[0], "Organization")
                and self._is(person.ids[0], "Person")
            ):
                emit.add(
                    _Subject(group.ids[0], group.start, True),
                    "founder" if "founder" in match.group(0) else "leader", person.ids[0], "entity",
                    emit.bounds[0] + match.start(), person.end, 0.6,
                )  # fmt: skip

    def _designations(self, emit: _Emitter, sentence: str, s0: int, mentions: list[Mention]) -> None:
        """ "A designated G a terrorist organisation" / "G was designated … by A": a designation;
        "A sanctioned G" / "G was sanctioned by A": a sanction."""
        for prop, verb, needs in (
            ("designatedTerroristBy", r"\bdesignated\b", r"\bterror"),
            ("sanctionedBy", r"\bsanction(?:ed|s)\b", r""),
        ):
            spec = self.vocabulary.claim_properties.get(prop)
            if spec is None or not re.search(needs, sentence, re.IGNORECASE):
                continue
            for match in re.finditer(verb, sentence):
                c0, c1 = s0 + match.start(), s0 + match.end()
                before = [
                    m for m in mentions if m.end <= c0 and not _CLAUSE_END.search(self.text[m.end : c0])
                ]
                after = [
                    m for m in mentions if m.start >= c1 and not _CLAUSE_END.search(self.text[c1 : m.start])
                ]
                passive = re.search(r"\b(?:was|were|been|being|is|are)\s+(?:\w+\s+)?$", self.text[s0:c0])
                if passive:
                    groups = [
                        m
                        for m in before
                        if self._fits_domain(m.ids[0], prop) and self._is(m.ids[0], "Organization")
                    ]
                    by = re.search(r"\bby\s+(?:the\s+)?", self.text[c1 : emit.bounds[1]])
                    agents = [
                        m for m in after
                        if by and m.start == c1 + by.end() and self._fits_range(m.ids[0], spec)
                    ]  # fmt: skip
                    if groups and agents:
                        emit.add(
                            _Subject(groups[-1].ids[0], groups[-1].start, True),
                            prop, agents[0].ids[0], "entity", groups[-1].start, agents[0].end, 0.6,
                        )  # fmt: skip
                else:
                    agents = [m for m in before if self._fits_range(m.ids[0], spec)]
                    groups = [
                        m for m in after
                        if self._is(m.ids[0], "Organization") and len(self.text[c1 : m.start]) <= 12
                    ]  # fmt: skip
                    if agents and groups and agents[-1].ids[0] != groups[0].ids[0]:
                        emit.add(
                            _Subject(groups[0].ids[0], groups[0].start, True),
                            prop, agents[-1].ids[0], "entity", agents[-1].start, groups[0].end, 0.6,
                        )  # fmt: skip

    def _tolls(self, emit: _Emitter, quantities: list[Quantity], mentions: list[Mention], s0: int) -> None:
        """ "The attack killed at least 170 people": a count of people killed or injured, for the
        one event the sentence names; a hedge becomes ``approximate`` or a bound."""
        events = {m.ids[0] for m in mentions if self._is(m.ids[0], "Event")}
        if len(events) != 1:
            return
        event = next(m for m in mentions if m.ids[0] in events)
        for quantity in quantities:
            if quantity.unit not in ("people", "civilians", "soldiers", "troops", "men", "deaths", "dead"):
                continue
            near = self.text[max(s0, quantity.start - 30) : quantity.end + 25]
            prop = (
                "killedCount"
                if re.search(r"\b(?:kill(?:ed|ing|s)?|dead|deaths?|died|lives)\b", near)
                else "injuredCount"
                if re.search(r"\b(?:injur(?:ed|ing|ies)|wound(?:ed|ing))\b", near)
                else None
            )
            if prop is None or "." in quantity.value:
                continue
            qualifiers = [("approximate", "true")] if quantity.approximate else []
            if quantity.bound:
                qualifiers.append((quantity.bound, quantity.value))
            emit.add(
                _Subject(event.ids[0], event.start, True),
                prop, quantity.value, "integer", quantity.start, quantity.end, 0.6, tuple(qualifiers),
            )  # fmt: skip

    def _attribution(self, s0: int, s1: int, mentions: list[Mention]) -> str | None:
        """Whom the sentence says its words come from: "according to X", "X said", "is said
        to", a relayed report ("as per a report", "the report added")."""
        sentence = self.text[s0:s1]
        match = re.search(r"\b[Aa]ccording\s+to\b", sentence)
        if match:
            after = [m for m in mentions if m.start >= s0 + match.end() and m.start <= s0 + match.end() + 6]
            if after and (self._is(after[0].ids[0], "Agent") or self._is(after[0].ids[0], "UnnamedSource")):
                return after[0].ids[0]
        if re.search(r"\bas per a report\b|\bthe report (?:added|said|says)\b|\breported\b", sentence):
            return self.relays or self.unnamed.get("reports")
        for verb in _ATTRIBUTION_VERBS.finditer(sentence):
            near = [
                m for m in mentions
                if (0 <= s0 + verb.start() - m.end <= 3 or 0 <= m.start - (s0 + verb.end()) <= 3)
                and (self._is(m.ids[0], "Person") or self._is(m.ids[0], "UnnamedSource"))
            ]  # fmt: skip
            if near:
                return near[0].ids[0]
        if re.search(r"\b(?:is|are|was|were) said to\b|\breportedly\b", sentence):
            return self.unnamed.get("sources")
        return None


@dataclass(frozen=True)
class _Subject:
    id: str
    start: int
    named: bool  # False when read from a pronoun


class _Emitter:
    """Collects a sentence's claims, each once, with a unique quote."""

    def __init__(self, drafter: _Drafter, result: SentenceDraft, bounds: tuple[int, int]) -> None:
        self.drafter = drafter
        self.result = result
        self.bounds = bounds
        self.seen: set[tuple[str, str, str]] = set()
        # (subject, value) pairs already read by another rule; none of them is read again
        self.taken: set[tuple[str, str]] = set()

    def add(
        self,
        subject: _Subject,
        prop: str,
        value: str,
        kind: str,
        start: int,
        end: int,
        confidence: float,
        qualifiers: tuple[tuple[str, str], ...] = (),
        note: str | None = None,
    ) -> None:
        key = (subject.id, prop, value)
        if key in self.seen or subject.id == value or (subject.id, value) in self.taken:
            return
        self.seen.add(key)
        quote, prefix = self.drafter._unique(min(start, subject.start), end, self.bounds)
        if not subject.named:
            confidence -= 0.2
            note = (
                note or f"Subject read from a pronoun as the article's main group ({subject.id}): check it."
            )
        self.result.claims.append(
            DraftClaim(
                subject=subject.id,
                property=prop,
                value=value,
                kind=kind,
                quote=quote,
                confidence=round(max(0.1, min(confidence, 0.95)), 2),
                qualifiers=qualifiers,
                prefix=prefix,
                attributed_to=self.result.attribution if self.result.attribution != subject.id else None,
                note=note,
                subject_in_quote=subject.named,
            )
        )


# ----- files


def write_draft(
    data_dir: Path,
    corpus_dir: Path | None,
    root: Path,
    vocabulary: Vocabulary,
    source_id: str,
    out: Path | None = None,
    entities_out: Path | None = None,
) -> DraftResult:
    """Draft claims for ``source_id`` into ``data/claims/SOURCE.yaml`` (or ``out``) and new
    entity stubs into ``data/entities/draft-SOURCE.yaml``; never overwrite either."""
    catalog = read_catalog(data_dir, root)
    source = catalog.sources.get(source_id)
    if source is None:
        raise InputError.single(display_path(data_dir / "sources", root), f"unknown source '{source_id}'")
    sha256 = source.get("sha256")
    if not sha256:
        raise InputError.single(
            display_path(data_dir / "sources", root),
            f"source '{source_id}' has no sha256: no text to draft from",
        )
    if corpus_dir is None or not corpus_dir.is_dir():
        raise ConfigurationError("no corpus folder: set 'corpus' in agkg.toml, AGKG_CORPUS or --corpus")
    text = _find_text(corpus_dir, sha256)
    if text is None:
        raise ConfigurationError(f"no file in {corpus_dir} has sha256 {sha256}")
    claims_file = out or data_dir / "claims" / f"{source_id}.yaml"
    entities_file = entities_out or (
        claims_file.with_name(f"{claims_file.stem}.entities.yaml")
        if out
        else data_dir / "entities" / f"draft-{source_id}.yaml"
    )
    for path in (claims_file, entities_file):
        if path.exists():
            hint = "" if out else " (give --out to write the draft elsewhere)"
            raise InputError.single(display_path(path, root), f"already exists; not overwritten{hint}")
    draft = draft_claims(
        text, source_id, catalog, vocabulary, source.get("language") or "en", source.get("relays")
    )
    used = {c.subject for c in draft.claims} | {c.value for c in draft.claims if c.kind == "entity"}
    stubs = [e for e in draft.entities]
    if stubs:
        atomic_write(entities_file, render_entities(draft, stubs, used).encode("utf-8"))
    atomic_write(claims_file, render_claims(draft, catalog).encode("utf-8"))
    return DraftResult(
        claims_file=claims_file,
        entities_file=entities_file if stubs else None,
        claims=len(draft.claims),
        entities=len(stubs),
        ambiguous=sum(1 for s in draft.sentences for m in s.mentions if m.ambiguous),
    )


def _find_text(corpus_dir: Path, sha256: str) -> str | None:
    for path in sorted(corpus_dir.iterdir()):
        if path.is_file():
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() == sha256:
                try:
                    return data.decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


def _scalar(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _comment(text: str, width: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def render_claims(draft: Draft, catalog: Catalog) -> str:
    lines = [
        "# yaml-language-server: $schema=../../schema/claims.schema.json",
        f"# Draft claims for {draft.source}, proposed by agkg draft sentence by sentence. Review each claim:",
        "# correct subject, property, value and quote, then delete 'status' (validate and publish refuse",
        "# drafts) and 'confidence'. Delete what is wrong; add what was missed. Comments list what each",
        "# sentence names: known entities, ambiguous names, new names, dates and quantities.",
        f"source: {draft.source}",
        "claims:",
    ]
    for sentence in draft.sentences:
        notes = _sentence_notes(sentence)
        if not sentence.claims and not notes:
            continue
        lines.append("")
        lines.append(f"  # {_comment(sentence.text)}")
        lines.extend(f"  # {n}" for n in notes)
        for claim in sentence.claims:
            lines.extend(_claim_lines(claim))
    if not draft.claims:
        lines[-1] = "claims: []"
    return "\n".join(lines) + "\n"


def _sentence_notes(sentence: SentenceDraft) -> list[str]:
    notes = []
    named = sorted({f"{m.ids[0]} ({m.surface})" for m in sentence.mentions if not m.ambiguous})
    if named:
        notes.append("mentions: " + ", ".join(named))
    for mention in sentence.mentions:
        if mention.ambiguous:
            notes.append(f"ambiguous: '{mention.surface}' may be {' or '.join(mention.ids)}: not guessed")
    for name in sentence.new_names:
        hint = (
            f" (looks like '{name.looks_like}': add it as an alias?)"
            if name.looks_like
            else f" ({name.type}? stub drafted)"
        )
        notes.append(f"new name: {name.surface}{hint}")
    if sentence.dates:
        notes.append("dates: " + "; ".join(sentence.dates))
    if sentence.quantities:
        notes.append("quantities: " + "; ".join(sentence.quantities))
    if sentence.attribution:
        notes.append(f"attributed to: {sentence.attribution}")
    return notes


def _claim_lines(claim: DraftClaim) -> list[str]:
    value = _scalar(claim.value) if claim.kind == "langString" else claim.value
    lines = [
        f"  - subject: {claim.subject}",
        f"    property: {claim.property}",
        f"    value: {value}",
    ]
    if claim.qualifiers:
        lines.append("    qualifiers:")
        lines.extend(f"      {name}: {v}" for name, v in claim.qualifiers)
    lines.append(f"    quote: {_scalar(claim.quote)}")
    if claim.prefix:
        lines.append(f"    prefix: {_scalar(claim.prefix)}")
    if claim.attributed_to:
        lines.append(f"    attributed_to: {claim.attributed_to}")
    if claim.note:
        lines.append(f"    note: {_scalar(claim.note)}")
    lines.append("    status: draft")
    lines.append(f"    confidence: {claim.confidence}")
    return lines


def render_entities(draft: Draft, stubs: list[DraftEntity], used: set[str]) -> str:
    lines = [
        "# yaml-language-server: $schema=../../schema/entities.schema.json",
        f"# Entity stubs drafted by agkg draft for names in {draft.source} that no entity has. Review each:",
        "# fix id, type and label (or delete the stub and add the name as an alias of an existing entity),",
        "# then delete 'status' (validate and publish refuse drafts).",
        "entities:",
    ]
    for stub in stubs:
        lines.append("")
        lines.append(
            f"  # in: {_comment(stub.quote)}" + ("  (used by a drafted claim)" if stub.id in used else "")
        )
        lines.append(f"  - id: {stub.id}")
        lines.append(f"    type: {stub.type}")
        lines.append(f"    label: {{{stub.language}: {_scalar(stub.label)}}}")
        lines.append("    status: draft")
    return "\n".join(lines) + "\n"
