"""Loading the curated YAML files (sources, entities, claims) into checked Python objects.

Every problem in every file is collected and reported together, each at the line and column
where the curator wrote it, because fixing one error per run is slow and demoralising. Nothing
here writes anything; a single problem makes ``load_curated_data`` raise ``InputError``.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from agkg.build.dates import TimeValue, parse_time_value
from agkg.build.ontology import PropertySpec, Vocabulary
from agkg.build.suggestions import NameIndex, property_names
from agkg.build.suggestions import did_you_mean as did_you_mean_by_name
from agkg.build.yamlfile import Mapping, Node, Scalar, Sequence, YamlProblems, read_yaml
from agkg.errors import InputError, Position, Problem
from agkg.vocab import RDF, XSD

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
# A well-formed BCP 47 tag (RFC 5646 section 2.1) whose primary language has 2 or 3 letters:
# extlangs, script, region, variants, extensions, private use. The same pattern is in schema/.
LANGUAGE_TAG = re.compile(
    r"^[A-Za-z]{2,3}(-[A-Za-z]{3}){0,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?"
    r"(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(-[0-9A-WYZa-wyz](-[A-Za-z0-9]{2,8})+)*"
    r"(-[Xx](-[A-Za-z0-9]{1,8})+)?$"
)
QID_PATTERN = re.compile(r"^Q[1-9][0-9]*$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
INTEGER_PATTERN = re.compile(r"^[+-]?[0-9]+$")
DECIMAL_PATTERN = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
# Python refuses int() of more than 4300 digits; no count in a news report comes near this.
MAX_INTEGER_DIGITS = 100
# properties whose values are counts or amounts, and so never negative (with their bounds)
NON_NEGATIVE_PROPERTIES = frozenset({"memberCount", "bountyAmount", "rankedAmongDeadliest"})
BOUND_QUALIFIERS = ("minimum", "maximum")
DATA_KINDS = ("sources", "entities", "claims")
RANKS = ("normal", "preferred", "deprecated")
SOURCE_TYPES = ("NewsArticle", "Report")
# characters never legitimate in curated text: C0/C1 controls other than tab and newline
_FORBIDDEN_CHARS = {chr(c) for c in range(0x20) if c not in (0x09, 0x0A)} | {
    chr(c) for c in range(0x7F, 0xA0)
}

SOURCE_KEYS = (
    "id", "type", "headline", "authors", "byline", "outlet", "dateline", "published",
    "published_not_before", "language", "url", "sha256", "relays", "note", "review",
    "text_held_elsewhere",
)  # fmt: skip
ENTITY_KEYS = ("id", "type", "label", "aliases", "description", "wikidata", "same_as", "status")
CLAIM_KEYS = (
    "id", "subject", "property", "value", "qualifiers", "quote", "prefix", "suffix",
    "attributed_to", "allegation", "rank", "rank_reason", "better_supported_by", "note", "status",
    "confidence",
)  # fmt: skip
# Qualifiers the builder sets from ``allegation: true`` (see provenance.py); a curator who wrote
# them under ``qualifiers:`` would make an allegation without saying who makes it.
ALLEGATION_QUALIFIERS = ("sourcingCircumstances", "allegedBy")


@dataclass(frozen=True, order=True)
class EntityValue:
    """A value that is another entity (or source), by id."""

    id: str


@dataclass(frozen=True, order=True)
class LiteralValue:
    """A literal: lexical form, full datatype IRI, and language for rdf:langString."""

    lexical: str
    datatype: str
    language: str | None = None


Value = EntityValue | LiteralValue


@dataclass
class Source:
    id: str
    type: str
    position: Position
    headline: str | None = None
    headline_language: str | None = None  # when written {lang: text}; else the source's language
    authors: list[str] = field(default_factory=list)
    byline: str | None = None
    outlet: str | None = None
    dateline: str | None = None
    published: TimeValue | None = None
    published_not_before: TimeValue | None = None
    language: str = "en"
    url: str | None = None
    sha256: str | None = None
    relays: str | None = None
    note: str | None = None
    # where the sha256 was written (to report a text missing from the corpus there)
    sha256_position: Position | None = None
    # why no corpus holds the text: the curator's explicit word that its quotes go unverified
    text_held_elsewhere: str | None = None


@dataclass
class Entity:
    id: str
    type: str
    position: Position
    labels: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    wikidata: str | None = None
    same_as: list[str] = field(default_factory=list)


@dataclass
class Claim:
    """One thing one source says, with the words it says it in."""

    source: str
    subject: str
    property: str
    # None only for a quantity the source gives as a range alone ("between 7,000 and 10,000"):
    # its bounds are then the minimum and maximum qualifiers, and no single number is stated
    value: Value | None
    quote: str
    position: Position
    id: str | None = None
    qualifiers: tuple[tuple[str, Value], ...] = ()
    prefix: str | None = None
    suffix: str | None = None
    attributed_to: str | None = None
    # the source reports the claim as what ``attributed_to`` alleges, not as fact
    allegation: bool = False
    rank: str = "normal"
    rank_reason: str | None = None
    better_supported_by: str | None = None
    note: str | None = None
    quote_position: Position | None = None


@dataclass
class CuratedData:
    """Everything under ``data/``, checked and cross-referenced."""

    sources: dict[str, Source]
    entities: dict[str, Entity]
    claims: list[Claim]
    files: list[Path]

    def claims_by_id(self) -> dict[str, Claim]:
        return {c.id: c for c in self.claims if c.id}


def is_yaml_file(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml") and path.is_file()


def yaml_files_under(folder: Path) -> list[Path]:
    """Every YAML file in ``folder`` and its subfolders, in a stable order.

    Subfolders are read because curators use them to group files (by outlet, by year) and expect
    them to count; a file silently left out would be a claim silently unpublished. Hidden
    folders and files (``.git``, editor backups) are skipped, and symbolic links to folders are
    not followed, so a link loop cannot make the walk endless.
    """
    found: list[Path] = []
    for directory, subfolders, names in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found.extend(
            Path(directory) / name
            for name in names
            if not name.startswith(".") and is_yaml_file(Path(directory) / name)
        )
    return sorted(found)


def data_files(data_dir: Path) -> dict[str, list[Path]]:
    """The YAML files of each kind (subfolders included), in a stable order."""
    return {kind: yaml_files_under(data_dir / kind) for kind in DATA_KINDS}


def stray_data_files(data_dir: Path) -> list[Path]:
    """YAML files under ``data_dir`` that are in none of the three folders, so never read."""
    if not data_dir.is_dir():
        return []
    stray = [p for p in data_dir.iterdir() if not p.name.startswith(".") and is_yaml_file(p)]
    for folder in sorted(data_dir.iterdir()):
        hidden = folder.name.startswith(".")
        if folder.is_dir() and not folder.is_symlink() and folder.name not in DATA_KINDS and not hidden:
            stray.extend(yaml_files_under(folder))
    return sorted(stray)


def load_curated_data(data_dir: Path, vocabulary: Vocabulary, root: Path | None = None) -> CuratedData:
    """Load and check every file under ``data_dir``; raise InputError listing every problem.

    Paths in messages are relative to ``root`` (the project folder) when given.
    """
    loader = _Loader(vocabulary, root or data_dir.parent)
    files = data_files(data_dir)
    if not data_dir.is_dir():
        raise InputError.single(loader.display(data_dir), "data folder not found")
    for path in files["sources"]:
        loader.read_sources_file(path)
    for path in files["entities"]:
        loader.read_entities_file(path)
    for path in files["claims"]:
        loader.read_claims_file(path)
    for path in stray_data_files(data_dir):
        loader.problem(
            Position(loader.display(path), 1, 1),
            "this file is never read: put sources, entities and claims in data/sources/, "
            "data/entities/ and data/claims/ (subfolders of those are read)",
        )
    loader.check_cross_references()
    if not loader.problems and not (loader.sources or loader.entities or loader.claims):
        # An empty folder (a wrong --data, a botched checkout) would otherwise publish an
        # empty dataset over the real one.
        loader.problem(
            Position(loader.display(data_dir)),
            "no sources, entities or claims found: refusing to build an empty dataset",
        )
    if loader.problems:
        raise InputError(loader.problems)
    return CuratedData(
        sources=loader.sources,
        entities=loader.entities,
        claims=loader.claims,
        files=[p for kind in ("sources", "entities", "claims") for p in files[kind]],
    )


def load_entities(data_dir: Path, vocabulary: Vocabulary, root: Path | None = None) -> dict[str, Entity]:
    """Load and check only the entity files, for looking entities up while claims are still
    being written (a broken claims file does not hide them); raise InputError on their problems."""
    loader = _Loader(vocabulary, root or data_dir.parent)
    if not data_dir.is_dir():
        raise InputError.single(loader.display(data_dir), "data folder not found")
    for path in data_files(data_dir)["entities"]:
        loader.read_entities_file(path)
    if loader.problems:
        raise InputError(loader.problems)
    return loader.entities


def display_path(path: Path, root: Path) -> str:
    """How messages name a file: relative to the project folder when inside it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def load_claims_files(
    paths: list[Path],
    vocabulary: Vocabulary,
    root: Path,
    sources: dict[str, Source],
    entities: dict[str, Entity],
    other_claim_ids: dict[str, Position],
) -> dict[Path, list[Claim]] | None:
    """Load only the claims files ``paths``, against sources and entities loaded before and the
    claim ids of every other claims file (an incremental build's changed files).

    Returns each file's claims, or None if anything is wrong: the caller then runs
    ``load_curated_data``, which reports every problem exactly as a full load does, so an
    incremental build never words an error differently.
    """
    loader = _Loader(vocabulary, root)
    loader.sources = sources
    loader.entities = entities
    loader.claim_ids = dict(other_claim_ids)
    per_file: dict[Path, list[Claim]] = {}
    for path in paths:
        loader.pending = []
        first = len(loader.claims)
        loader.read_claims_file(path)
        for pending in loader.pending:
            loader.finish_claim(pending)
        per_file[path] = loader.claims[first:]
    if loader.problems or any(identifier not in entities for identifier, _, _ in loader.entity_refs):
        return None
    return per_file


def better_supported_problems(claims: list[Claim], vocabulary: Vocabulary, root: Path) -> list[Problem]:
    """The cross-file checks of ``better_supported_by`` over every claim (see ``load_claims_files``)."""
    loader = _Loader(vocabulary, root)
    loader.claims = claims
    loader.claim_ids = {c.id: c.position for c in claims if c.id}
    loader.check_better_supported()
    return loader.problems


@dataclass
class _PendingClaim:
    claim: Claim
    value_node: Node | None  # None: a range without a value (bounds in the qualifiers)
    qualifier_nodes: list[tuple[str, Node, Position]]
    attributed_node: Node | None
    better_node: Node | None


class _Loader:
    """Holds the problems found so far and the ids already seen, across all files."""

    def __init__(self, vocabulary: Vocabulary, root: Path) -> None:
        self.vocabulary = vocabulary
        self.root = root
        self.problems: list[Problem] = []
        self.sources: dict[str, Source] = {}
        self.entities: dict[str, Entity] = {}
        self.claims: list[Claim] = []
        self.pending: list[_PendingClaim] = []
        self.claim_ids: dict[str, Position] = {}
        self.id_positions: dict[str, Position] = {}
        self.entity_refs: list[tuple[str, Position, str]] = []  # id, where, what for
        self.relays_positions: dict[str, Position] = {}  # source id -> where its relays is written
        self.sha256_owners: dict[str, tuple[str, Position]] = {}  # sha256 -> first source, where
        self.wikidata_owners: dict[str, tuple[str, Position]] = {}  # Q-id -> first entity, where
        self._names: dict[str, NameIndex] = {}  # see names_of

    # ----- plumbing

    def names_of(self, table: str) -> NameIndex:
        """Each known property, qualifier or entity with its other names (labels, aliases), for
        suggesting what an unknown one meant; indexed once per table (entities: once all are read)."""
        cached = self._names.get(table)
        if table in ("entities", "attributable"):  # attributed_to: an entity or a source
            sources = self.sources if table == "attributable" else {}
            if cached is None or len(cached.candidates) != len(self.entities) + len(sources):
                names: dict[str, list[str]] = {
                    e.id: [*e.labels.values(), *(a for names in e.aliases.values() for a in names)]
                    for e in self.entities.values()
                }
                names.update({s: [] for s in sources if s not in names})
                cached = NameIndex(names)
        elif cached is None:
            cached = NameIndex(property_names(self.vocabulary, getattr(self.vocabulary, table)))
        self._names[table] = cached
        return cached

    def display(self, path: Path) -> str:
        return display_path(path, self.root)

    def problem(self, position: Position, message: str) -> None:
        self.problems.append(Problem(position, message))

    def read(self, path: Path) -> Node | None:
        try:
            return read_yaml(path, self.display(path))
        except YamlProblems as error:
            self.problems.extend(error.problems)
            return None

    def top_level(self, path: Path, expected: tuple[str, ...], list_key: str) -> list[Mapping]:
        """The mappings listed under ``list_key`` in a file whose top level has ``expected`` keys."""
        root = self.read(path)
        if root is None:
            return []
        if not isinstance(root, Mapping):
            self.problem(root.position, f"expected a mapping with key '{list_key}' at the top")
            return []
        self.check_keys(root, expected)
        items = root.get(list_key)
        if items is None:
            self.problem(root.position, f"missing key '{list_key}'")
            return []
        if isinstance(items, Scalar) and items.is_null:
            return []
        if not isinstance(items, Sequence):
            self.problem(items.position, f"'{list_key}' must be a list")
            return []
        result = []
        for item in items.items:
            if isinstance(item, Mapping):
                result.append(item)
            else:
                self.problem(item.position, f"each entry of '{list_key}' must be a mapping")
        return result

    def check_keys(self, node: Mapping, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        for key, (position, _) in node.items.items():
            if key not in allowed:
                self.problem(position, f"unknown key '{key}'{did_you_mean(key, allowed)}")

    def refuse_unreviewed(self, item: Mapping, what: str) -> None:
        """Machine-drafted records (``agkg draft``, ``agkg add-source``) carry ``status`` or
        ``review`` until a curator has checked them: they must never reach a dump unread."""
        where = Position(item.position.path, item.position.line)
        if item.get("status") is not None:
            self.problem(where, f"{what} is a draft: review it and remove 'status'")
        review = item.get("review")
        if review is not None:
            fields = (
                [n.text for n in review.items if isinstance(n, Scalar)]
                if isinstance(review, Sequence)
                else []
            )
            named = f" ({', '.join(fields)})" if fields else ""
            self.problem(where, f"{what} has guessed fields to review{named}: check them and remove 'review'")
        confidence = item.get("confidence")
        if confidence is not None and not (
            isinstance(confidence, Scalar) and _is_unit_number(confidence.text)
        ):
            self.problem(confidence.position, "confidence must be a number from 0 to 1")

    def scalar(self, node: Node | None, what: str, required: bool = False) -> str | None:
        """The text of a scalar value, or None when absent or null."""
        if node is None or (isinstance(node, Scalar) and node.is_null):
            if required:
                where = node.position if node else None
                if where:
                    self.problem(where, f"{what} must not be empty")
            return None
        if not isinstance(node, Scalar):
            self.problem(node.position, f"{what} must be a single value, not a list or mapping")
            return None
        self.check_text(node, what)
        return node.text

    def required(self, mapping: Mapping, key: str, what: str | None = None) -> str | None:
        node = mapping.get(key)
        if node is None:
            self.problem(mapping.position, f"missing required key '{key}'")
            return None
        return self.scalar(node, what or f"'{key}'", required=True)

    def check_text(self, node: Scalar, what: str) -> None:
        bad = sorted({c for c in node.text if c in _FORBIDDEN_CHARS})
        if bad:
            names = ", ".join(f"U+{ord(c):04X}" for c in bad)
            self.problem(node.position, f"{what} contains control character(s) {names}")

    def identifier(self, node: Node | None, what: str, required: bool = False) -> str | None:
        """An id; with ``required``, a key written but left empty (``id: null``) is a problem,
        where it used to make the whole entry vanish without a word."""
        text = self.scalar(node, what, required=required)
        if text is None or node is None:
            return None
        if not ID_PATTERN.match(text):
            self.problem(node.position, describe_bad_id(text, what))
            return None
        return text

    def declare_id(self, identifier: str, position: Position) -> bool:
        if identifier in self.id_positions:
            first = self.id_positions[identifier]
            self.problem(position, f"duplicate id '{identifier}' (first defined at {first})")
            return False
        self.id_positions[identifier] = position
        return True

    def id_list(self, node: Node | None, what: str) -> list[tuple[str, Position]]:
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return []
        items = node.items if isinstance(node, Sequence) else [node]
        result = []
        for item in items:
            value = self.identifier(item, what)
            if value:
                result.append((value, item.position))
        return result

    def date(self, node: Node | None, what: str) -> TimeValue | None:
        text = self.scalar(node, what)
        if text is None or node is None:
            return None
        try:
            return parse_time_value(text)
        except ValueError as error:
            self.problem(node.position, f"{what}: {error}")
            return None

    def language_tag(self, tag: str, position: Position, seen: dict[str, Position] | None = None) -> bool:
        """Is ``tag`` a language tag the RDF library accepts? Reports why not at ``position``.

        ``seen`` collects the tags of one mapping: tags are case-insensitive (RFC 5646 2.1.1),
        so ``en`` and ``EN`` are the same language given twice.
        """
        message = language_tag_problem(tag)
        if message is not None:
            self.problem(position, message)
            return False
        if seen is not None:
            first = seen.get(tag.lower())
            if first is not None:
                self.problem(position, f"language '{tag}' is given twice (first at {describe_place(first)})")
                return False
            seen[tag.lower()] = position
        return True

    def language_map(self, node: Node | None, what: str) -> dict[str, str]:
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return {}
        if not isinstance(node, Mapping):
            self.problem(node.position, f"{what} must be a mapping from language tag to text")
            return {}
        if not node.items:
            # as the JSON Schemas say (minProperties 1): {} is a label or text left unwritten
            self.problem(node.position, f"{what} is empty: give at least one {{language: text}} pair")
            return {}
        result = {}
        seen: dict[str, Position] = {}
        for tag, (position, value) in node.items.items():
            if not self.language_tag(tag, position, seen):
                continue
            text = self.scalar(value, f"{what} ({tag})", required=True)
            if text is not None:
                if not text.strip():
                    self.problem(value.position, f"{what} ({tag}) is empty")
                    continue
                result[tag] = text
        return result

    def language_lists(self, node: Node | None, what: str) -> dict[str, list[str]]:
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return {}
        if not isinstance(node, Mapping):
            self.problem(node.position, f"{what} must map language tags to lists of text")
            return {}
        result: dict[str, list[str]] = {}
        seen: dict[str, Position] = {}
        for tag, (position, value) in node.items.items():
            if not self.language_tag(tag, position, seen):
                continue
            items = value.items if isinstance(value, Sequence) else [value]
            texts: list[str] = []
            for item in items:
                text = self.scalar(item, f"{what} ({tag})", required=True)
                if text is None:
                    continue
                if not text.strip():
                    self.problem(item.position, f"{what} ({tag}) is empty")
                elif text in texts:
                    self.problem(item.position, f"{what} ({tag}) lists '{text}' twice")
                else:
                    texts.append(text)
            result[tag] = texts
        return result

    # ----- sources

    def read_sources_file(self, path: Path) -> None:
        for item in self.top_level(path, ("sources",), "sources"):
            self.check_keys(item, SOURCE_KEYS)
            self.refuse_unreviewed(item, "source")
            identifier = self.identifier(item.get("id"), "source id", required=True)
            if item.get("id") is None:
                self.problem(item.position, "missing required key 'id'")
            source_type = self.required(item, "type")
            if source_type is not None and source_type not in SOURCE_TYPES:
                node = item.get("type")
                assert node is not None
                self.problem(
                    node.position,
                    f"source type '{source_type}' is not one of {', '.join(SOURCE_TYPES)}"
                    + did_you_mean(source_type, SOURCE_TYPES),
                )
            if identifier is None or not self.declare_id(identifier, item.position):
                continue
            source = Source(identifier, source_type or "NewsArticle", item.position)
            headline_node = item.get("headline")
            if isinstance(headline_node, Mapping):
                headlines = self.language_map(headline_node, "headline")
                if len(headlines) == 1:
                    ((source.headline_language, source.headline),) = headlines.items()
                elif headlines:
                    self.problem(headline_node.position, "headline: give exactly one {language: text} pair")
            else:
                source.headline = self.scalar(headline_node, "headline")
            for author, where in self.id_list(item.get("authors"), "author"):
                source.authors.append(author)
                self.entity_refs.append((author, where, "author"))
            source.byline = self.scalar(item.get("byline"), "byline")
            source.outlet = self.identifier(item.get("outlet"), "outlet")
            if source.outlet:
                outlet_node = item.get("outlet")
                assert outlet_node is not None
                self.entity_refs.append((source.outlet, outlet_node.position, "outlet"))
            source.dateline = self.scalar(item.get("dateline"), "dateline")
            source.published = self.date(item.get("published"), "published")
            source.published_not_before = self.date(item.get("published_not_before"), "published_not_before")
            if source.published and source.published_not_before:
                not_before_node = item.get("published_not_before")
                published_node = item.get("published")
                assert not_before_node is not None and published_node is not None
                if source.published_not_before.earliest > source.published.latest:
                    self.problem(
                        not_before_node.position,
                        f"published_not_before {source.published_not_before.lexical} is after "
                        f"published {source.published.lexical} ({describe_place(published_node.position)})",
                    )
            language_node = item.get("language")
            language = self.scalar(language_node, "language")
            if (
                language is not None
                and language_node is not None
                and self.language_tag(language, language_node.position)
            ):
                source.language = language
            url_node = item.get("url")
            source.url = self.scalar(url_node, "url")
            if source.url and url_node and (reason := iri_problem(source.url)):
                self.problem(
                    url_node.position, f"url '{source.url}' is not an absolute http(s) IRI: {reason}"
                )
                source.url = None
            sha_node = item.get("sha256")
            source.sha256 = self.scalar(sha_node, "sha256")
            if source.sha256 and sha_node and not SHA256_PATTERN.match(source.sha256):
                self.problem(sha_node.position, "sha256 must be 64 lowercase hexadecimal digits")
                source.sha256 = None
            if sha_node is not None:
                source.sha256_position = sha_node.position
            elsewhere_node = item.get("text_held_elsewhere")
            source.text_held_elsewhere = self.scalar(elsewhere_node, "text_held_elsewhere")
            if isinstance(elsewhere_node, Scalar) and not (source.text_held_elsewhere or "").strip():
                self.problem(
                    elsewhere_node.position,
                    "text_held_elsewhere says why no corpus holds the text (where it is, who holds it)",
                )
            if source.sha256 and sha_node:
                # the corpus finds a text by its hash: two sources with one text would share it
                if source.sha256 in self.sha256_owners:
                    owner, where = self.sha256_owners[source.sha256]
                    self.problem(
                        sha_node.position,
                        f"sha256 is also that of source '{owner}' ({where}): two sources cannot have the same text",
                    )
                else:
                    self.sha256_owners[source.sha256] = (identifier, sha_node.position)
            relays_node = item.get("relays")
            source.relays = self.identifier(relays_node, "relays")
            if source.relays and relays_node is not None:
                self.relays_positions[identifier] = relays_node.position
            source.note = self.scalar(item.get("note"), "note")
            self.sources[identifier] = source

    # ----- entities

    def read_entities_file(self, path: Path) -> None:
        classes = self.vocabulary.classes
        for item in self.top_level(path, ("entities",), "entities"):
            self.check_keys(item, ENTITY_KEYS)
            self.refuse_unreviewed(item, "entity")
            identifier = self.identifier(item.get("id"), "entity id", required=True)
            if item.get("id") is None:
                self.problem(item.position, "missing required key 'id'")
            entity_type = self.required(item, "type")
            type_node = item.get("type")
            if entity_type is not None and type_node is not None and entity_type not in classes:
                self.problem(
                    type_node.position,
                    f"unknown type '{entity_type}'{did_you_mean(entity_type, classes)}",
                )
                entity_type = None
            if identifier is None or not self.declare_id(identifier, item.position):
                continue
            entity = Entity(identifier, entity_type or "", item.position)
            entity.labels = self.language_map(item.get("label"), "label")
            if item.get("label") is None:
                self.problem(item.position, "missing required key 'label'")
            entity.aliases = self.language_lists(item.get("aliases"), "aliases")
            for tag, names in entity.aliases.items():
                if entity.labels.get(tag) in names:
                    aliases_node = item.get("aliases")
                    assert aliases_node is not None
                    self.problem(
                        aliases_node.position,
                        f"'{entity.labels[tag]}' is both the {tag} label and an {tag} alias",
                    )
            entity.descriptions = self.language_map(item.get("description"), "description")
            qid_node = item.get("wikidata")
            entity.wikidata = self.scalar(qid_node, "wikidata")
            if entity.wikidata and qid_node and not QID_PATTERN.match(entity.wikidata):
                self.problem(qid_node.position, f"wikidata '{entity.wikidata}' is not an item id like Q42")
                entity.wikidata = None
            if entity.wikidata and qid_node:
                # one Wikidata item is one thing: two entities with its id are a duplicate entity
                if entity.wikidata in self.wikidata_owners:
                    owner, where = self.wikidata_owners[entity.wikidata]
                    self.problem(
                        qid_node.position,
                        f"wikidata {entity.wikidata} is also the id of entity '{owner}' ({where}): "
                        "merge the two entities, or correct one id",
                    )
                else:
                    self.wikidata_owners[entity.wikidata] = (identifier, qid_node.position)
            same_as_node = item.get("same_as")
            if same_as_node is not None and not (isinstance(same_as_node, Scalar) and same_as_node.is_null):
                items = same_as_node.items if isinstance(same_as_node, Sequence) else [same_as_node]
                for iri_node in items:
                    iri = self.scalar(iri_node, "same_as")
                    if iri and (reason := iri_problem(iri)):
                        self.problem(iri_node.position, f"same_as '{iri}' is not an absolute IRI: {reason}")
                    elif iri:
                        entity.same_as.append(iri)
            self.entities[identifier] = entity

    # ----- claims

    def read_claims_file(self, path: Path) -> None:
        root = self.read(path)
        if root is None:
            return
        if not isinstance(root, Mapping):
            self.problem(root.position, "expected a mapping with keys 'source' and 'claims'")
            return
        self.check_keys(root, ("source", "claims"))
        source_node = root.get("source")
        source_id = self.identifier(source_node, "source", required=True)
        if source_node is None:
            self.problem(root.position, "missing required key 'source'")
        elif source_id and source_id not in self.sources:
            self.problem(
                source_node.position,
                f"unknown source '{source_id}'{did_you_mean(source_id, self.sources)}",
            )
            source_id = None
        for item in self.top_level_claims(root):
            self.read_claim(item, source_id)

    def top_level_claims(self, root: Mapping) -> list[Mapping]:
        items = root.get("claims")
        if items is None:
            self.problem(root.position, "missing key 'claims'")
            return []
        if isinstance(items, Scalar) and items.is_null:
            return []
        if not isinstance(items, Sequence):
            self.problem(items.position, "'claims' must be a list")
            return []
        result = []
        for item in items.items:
            if isinstance(item, Mapping):
                result.append(item)
            else:
                self.problem(item.position, "each claim must be a mapping")
        return result

    def read_claim(self, item: Mapping, source_id: str | None) -> None:
        self.check_keys(item, CLAIM_KEYS)
        self.refuse_unreviewed(item, "claim")
        claim_id = self.identifier(item.get("id"), "claim id")
        if claim_id:
            if claim_id in self.claim_ids:
                self.problem(
                    item.position,
                    f"duplicate claim id '{claim_id}' (first at {self.claim_ids[claim_id]})",
                )
            else:
                self.claim_ids[claim_id] = item.position
        subject = self.identifier(item.get("subject"), "subject", required=True)
        subject_node = item.get("subject")
        if subject_node is None:
            self.problem(item.position, "missing required key 'subject'")
        property_name = self.required(item, "property")
        property_node = item.get("property")
        spec = None
        if property_name is not None and property_node is not None:
            spec = self.vocabulary.claim_properties.get(property_name)
            if spec is None:
                self.problem(
                    property_node.position,
                    f"unknown property '{property_name}'"
                    + did_you_mean_by_name(property_name, self.names_of("claim_properties")),
                )
        value_node = item.get("value")
        # a quantity given only as a range ("between 7,000 and 10,000") has bounds and no value
        written_qualifiers = item.get("qualifiers")
        bounded = isinstance(written_qualifiers, Mapping) and any(
            name in BOUND_QUALIFIERS for name in written_qualifiers.items
        )
        if value_node is None and not bounded:
            self.problem(item.position, "missing required key 'value'")
        quote_node = item.get("quote")
        quote = self.scalar(quote_node, "quote")
        if quote_node is None:
            self.problem(item.position, "missing required key 'quote'")
        elif quote is None or not quote.strip():
            self.problem(quote_node.position, "quote is empty: give the exact words that support the claim")
            quote = None
        rank = self.scalar(item.get("rank"), "rank") or "normal"
        rank_node = item.get("rank")
        if rank not in RANKS:
            assert rank_node is not None
            self.problem(rank_node.position, f"rank '{rank}' is not one of {', '.join(RANKS)}")
            rank = "normal"
        rank_reason = self.scalar(item.get("rank_reason"), "rank_reason")
        if rank != "normal" and not (rank_reason and rank_reason.strip()):
            self.problem((rank_node or item).position, f"a {rank} claim needs a rank_reason saying why")
        allegation = self.allegation(item, rank, rank_node)
        qualifier_nodes: list[tuple[str, Node, Position]] = []
        qualifiers_node = item.get("qualifiers")
        if qualifiers_node is not None and not (
            isinstance(qualifiers_node, Scalar) and qualifiers_node.is_null
        ):
            if isinstance(qualifiers_node, Mapping):
                for name, (position, node) in qualifiers_node.items.items():
                    if name in ALLEGATION_QUALIFIERS:
                        self.problem(
                            position,
                            f"qualifier '{name}' is set by agkg for an allegation: write "
                            "'allegation: true' and say who alleges it with attributed_to",
                        )
                    elif name not in self.vocabulary.qualifiers:
                        self.problem(
                            position,
                            f"unknown qualifier '{name}'"
                            + did_you_mean_by_name(name, self.names_of("qualifiers")),
                        )
                    else:
                        qualifier_nodes.append((name, node, position))
            else:
                self.problem(qualifiers_node.position, "qualifiers must be a mapping")
        if (
            None in (subject, spec, quote, source_id)
            or subject_node is None
            or (value_node is None and not bounded)
        ):
            return
        assert subject is not None and spec is not None
        assert quote is not None and source_id is not None
        self.entity_refs.append((subject, subject_node.position, "subject"))
        claim = Claim(
            source=source_id,
            subject=subject,
            property=spec.name,
            value=EntityValue(""),  # read once every entity is known
            quote=quote,
            position=item.position,
            id=claim_id,
            prefix=self.scalar(item.get("prefix"), "prefix"),
            suffix=self.scalar(item.get("suffix"), "suffix"),
            allegation=allegation,
            rank=rank,
            rank_reason=rank_reason,
            note=self.scalar(item.get("note"), "note"),
            quote_position=quote_node.position if quote_node else None,
        )
        self.pending.append(
            _PendingClaim(
                claim,
                value_node,
                qualifier_nodes,
                item.get("attributed_to"),
                item.get("better_supported_by"),
            )
        )

    def allegation(self, item: Mapping, rank: str, rank_node: Node | None) -> bool:
        """``allegation: true|false``; an allegation names who alleges it and is never preferred."""
        node = item.get("allegation")
        if node is None or (isinstance(node, Scalar) and node.is_null):
            return False
        text = self.scalar(node, "allegation")
        if text is None:  # a list or mapping: reported by scalar()
            return False
        assert isinstance(node, Scalar)
        if not node.plain or text not in ("true", "false"):
            self.problem(node.position, f"allegation: '{text}' is not true or false")
            return False
        if text == "false":
            return False
        attributed = item.get("attributed_to")
        if attributed is None or (isinstance(attributed, Scalar) and attributed.is_null):
            self.problem(
                node.position,
                "an allegation needs attributed_to: the entity or source that makes the allegation",
            )
        if rank == "preferred":
            assert rank_node is not None
            self.problem(
                rank_node.position,
                "an allegation cannot be preferred: an alleged statement is never best-ranked",
            )
        return True

    # ----- values, once all ids are known

    def read_value(self, node: Node, spec: PropertySpec, language: str, what: str) -> Value | None:
        if spec.kind == "langString" and isinstance(node, Mapping):
            texts = self.language_map(node, what)
            if len(texts) != 1:
                if texts:  # with none, language_map has said why
                    self.problem(node.position, f"{what}: give exactly one {{language: text}} pair")
                return None
            ((tag, language_text),) = texts.items()
            return LiteralValue(language_text, RDF.langString.value, tag)
        text = self.scalar(node, what)
        if text is None:
            self.problem(node.position, f"{what} must not be empty")
            return None
        assert isinstance(node, Scalar)
        kind = spec.kind
        if kind == "entity":
            if not ID_PATTERN.match(text):
                self.problem(node.position, describe_bad_id(text, what))
                return None
            entity = self.entities.get(text)
            if entity is None:
                hint = did_you_mean_by_name(text, self.names_of("entities"))
                self.problem(node.position, f"{what}: unknown entity '{text}'{hint}")
                return None
            if entity.type and not self.vocabulary.is_a(entity.type, spec.range):
                expected = spec.range.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                self.problem(
                    node.position,
                    f"{what}: '{text}' is a {entity.type}, but {spec.name} takes a {expected}",
                )
                return None
            return EntityValue(text)
        if kind == "time":
            try:
                time = parse_time_value(text)
            except ValueError as error:
                self.problem(node.position, f"{what}: {error}")
                return None
            return LiteralValue(time.lexical, XSD.term(time.datatype).value)
        if kind in ("integer", "positiveInteger", "nonNegativeInteger"):
            if len(text.lstrip("+-")) > MAX_INTEGER_DIGITS:
                self.problem(
                    node.position,
                    f"{what}: a number of {len(text.lstrip('+-'))} digits is too long "
                    f"(at most {MAX_INTEGER_DIGITS})",
                )
                return None
            if not INTEGER_PATTERN.match(text):
                self.problem(
                    node.position,
                    f"{what}: '{text}' is not a whole number (write 3000, not 3,000 or 'about 3000')",
                )
                return None
            number = int(text)
            if (kind == "positiveInteger" and number < 1) or (kind == "nonNegativeInteger" and number < 0):
                self.problem(node.position, f"{what}: {number} must be {kind.removesuffix('Integer')}")
                return None
            if number < 0 and spec.name in NON_NEGATIVE_PROPERTIES:
                self.problem(node.position, f"{what}: {number} is negative; {spec.name} is never below 0")
                return None
            return LiteralValue(str(number), XSD.term(kind).value)
        if kind == "decimal":
            if not DECIMAL_PATTERN.match(text):
                self.problem(node.position, f"{what}: '{text}' is not a decimal number")
                return None
            if spec.name in NON_NEGATIVE_PROPERTIES and Decimal(text) < 0:
                self.problem(node.position, f"{what}: {text} is negative; {spec.name} is never below 0")
                return None
            return LiteralValue(text.lstrip("+"), XSD.decimal.value)
        if kind == "boolean":
            if not node.plain or text not in ("true", "false"):
                self.problem(node.position, f"{what}: '{text}' is not true or false")
                return None
            return LiteralValue(text, XSD.boolean.value)
        if kind == "langString":
            return LiteralValue(text, RDF.langString.value, language)
        if kind == "anyURI":
            if reason := iri_problem(text):
                self.problem(node.position, f"{what}: '{text}' is not an absolute IRI: {reason}")
                return None
            return LiteralValue(text, XSD.anyURI.value)
        if spec.name == "currency" and not CURRENCY_PATTERN.match(text):
            self.problem(node.position, f"{what}: '{text}' is not an ISO 4217 code such as USD")
            return None
        return LiteralValue(text, XSD.string.value)

    def check_cross_references(self) -> None:
        for identifier, position, what in self.entity_refs:
            if identifier not in self.entities:
                self.problem(
                    position,
                    f"{what}: unknown entity '{identifier}'"
                    + did_you_mean_by_name(identifier, self.names_of("entities")),
                )
        for source in self.sources.values():
            if source.relays and source.relays not in self.sources:
                self.problem(
                    source.position,
                    f"relays: unknown source '{source.relays}'{did_you_mean(source.relays, self.sources)}",
                )
        self.check_relay_cycles()
        for pending in self.pending:
            self.finish_claim(pending)
        self.check_better_supported()

    def check_relay_cycles(self) -> None:
        """A source that relays itself, directly or round a chain, has no original: each cycle is
        reported once, at the relays line of its first source in file order."""
        reported: set[str] = set()
        for start in sorted(self.relays_positions, key=lambda s: self.relays_positions[s]):
            chain = [start]
            current = self.sources[start].relays
            while current in self.sources and current not in chain and current not in reported:
                chain.append(current)
                current = self.sources[current].relays
            if current not in chain:
                continue
            cycle = chain[chain.index(current) :]
            reported.update(cycle)
            first = min(cycle, key=lambda s: self.relays_positions[s])
            if len(cycle) == 1:
                self.problem(self.relays_positions[first], f"relays: source '{first}' relays itself")
                continue
            turn = cycle.index(first)
            ordered = cycle[turn:] + cycle[:turn] + [first]
            self.problem(
                self.relays_positions[first],
                f"relays: sources relay each other in a circle ({' -> '.join(ordered)})",
            )

    def check_bounds(self, claim: Claim, pending: _PendingClaim) -> bool:
        """``minimum`` and ``maximum`` bound the claim's number: they need a number to bound,
        keep the property's sign, and must not exclude each other or the value."""
        bounds: list[tuple[str, Decimal, Position]] = []
        for name, node, _position in pending.qualifier_nodes:
            if name in BOUND_QUALIFIERS:
                items = node.items if isinstance(node, Sequence) else [node]
                bounds.extend((name, Decimal(i.text), i.position) for i in items if isinstance(i, Scalar))
        if not bounds:
            return True
        spec = self.vocabulary.claim_properties[claim.property]
        if spec.kind not in ("integer", "positiveInteger", "nonNegativeInteger", "decimal"):
            for name, _, position in bounds:
                self.problem(
                    position, f"qualifier {name} bounds a number, but {claim.property} does not take one"
                )
            return False
        crossed = False
        for low_name, low, low_position in bounds:
            for high_name, high, high_position in bounds:
                if low_name == "minimum" and high_name == "maximum" and low > high:
                    other, later = sorted((low_position, high_position))
                    self.problem(
                        later,
                        f"qualifier minimum {low} is greater than maximum {high} ({describe_place(other)})",
                    )
                    crossed = True
        ok = not crossed
        value = Decimal(claim.value.lexical) if isinstance(claim.value, LiteralValue) else None
        never_negative = claim.property in NON_NEGATIVE_PROPERTIES or spec.kind in (
            "positiveInteger",
            "nonNegativeInteger",
        )
        for name, bound, position in bounds:
            if bound < 0 and never_negative:
                self.problem(
                    position, f"qualifier {name}: {bound} is negative; {claim.property} is never below 0"
                )
                ok = False
            elif crossed or value is None:
                continue  # a minimum above the maximum excludes the value anyway: said once
            elif name == "minimum" and bound > value:
                self.problem(position, f"qualifier minimum: {bound} is above the value {value}")
                ok = False
            elif name == "maximum" and bound < value:
                self.problem(position, f"qualifier maximum: {bound} is below the value {value}")
                ok = False
        return ok

    def finish_claim(self, pending: _PendingClaim) -> None:
        claim = pending.claim
        language = self.sources[claim.source].language
        spec = self.vocabulary.claim_properties[claim.property]
        ok = True
        subject = self.entities.get(claim.subject)
        domain = self.vocabulary.domains.get(claim.property)
        if subject and subject.type and domain and not self.vocabulary.is_a(subject.type, domain):
            expected = domain.value.rsplit("#", 1)[-1]
            self.problem(
                claim.position,
                f"subject '{claim.subject}' is a {subject.type}, but {claim.property} applies to a {expected}",
            )
            ok = False
        values: list[Value | None] = [None]
        if pending.value_node is not None:
            values = list(self.read_values(pending.value_node, spec, language, f"value of {claim.property}"))
            if len(values) != 1:
                if len(values) > 1:
                    self.problem(
                        pending.value_node.position, "a claim has one value; write one claim per value"
                    )
                ok = False
        qualifiers: list[tuple[str, Value]] = []
        for name, node, _position in pending.qualifier_nodes:
            qualifier_values = self.read_values(
                node, self.vocabulary.qualifiers[name], language, f"qualifier {name}"
            )
            if not qualifier_values:
                ok = False
            qualifiers.extend((name, v) for v in qualifier_values)
        attributed = self.identifier(pending.attributed_node, "attributed_to")
        if attributed and attributed not in self.entities and attributed not in self.sources:
            assert pending.attributed_node is not None
            known = self.names_of("attributable")
            self.problem(
                pending.attributed_node.position,
                f"attributed_to: unknown entity or source '{attributed}'"
                + did_you_mean_by_name(attributed, known),
            )
            ok = False
        claim.attributed_to = attributed
        claim.better_supported_by = self.identifier(pending.better_node, "better_supported_by")
        if ok:
            claim.value = values[0]
            ok = self.check_bounds(claim, pending)
        if ok:
            claim.qualifiers = tuple(sorted(set(qualifiers)))
            self.claims.append(claim)

    def read_values(self, node: Node, spec: PropertySpec, language: str, what: str) -> list[Value]:
        items = node.items if isinstance(node, Sequence) else [node]
        if not items:
            self.problem(node.position, f"{what} is an empty list")
        values = []
        for item in items:
            value = self.read_value(item, spec, language, what)
            if value is not None:
                values.append(value)
        return values if len(values) == len(items) else []

    def check_better_supported(self) -> None:
        by_id = {c.id: c for c in self.claims if c.id}
        for claim in self.claims:
            target = claim.better_supported_by
            if target is None:
                continue
            if target not in self.claim_ids:
                self.problem(
                    claim.position,
                    f"better_supported_by: unknown claim id '{target}'{did_you_mean(target, self.claim_ids)}",
                )
            elif target == claim.id:
                self.problem(claim.position, "better_supported_by points at the claim itself")
            elif target in by_id and by_id[target].rank == "deprecated":
                self.problem(claim.position, f"better_supported_by: claim '{target}' is itself deprecated")


def _is_unit_number(text: str) -> bool:
    try:
        return 0.0 <= float(text) <= 1.0
    except ValueError:
        return False


def describe_place(position: Position) -> str:
    """'line 12, column 5', for naming a second place in the same file."""
    return f"line {position.line}, column {position.column}"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest candidate, or ''."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def describe_bad_id(text: str, what: str) -> str:
    """Explain why an id is refused; look-alike letters from other scripts are named."""
    for char in text:
        if ord(char) > 0x7E:
            name = unicodedata.name(char, "unnamed character")
            return (
                f"{what} '{text}' contains U+{ord(char):04X} ({name}); ids are lowercase ASCII "
                "letters, digits and hyphens"
            )
    return f"{what} '{text}' is not an id: use lowercase ASCII letters, digits and hyphens, starting with a letter or digit, at most 80 characters"


def iri_problem(text: str) -> str | None:
    """Why ``text`` is not an absolute http(s) IRI that RDF accepts, or None when it is.

    The final word is pyoxigraph's, the library that writes the IRI into every dump (RFC 3987:
    a bare ``%``, a second ``#``, ``[`` outside an IPv6 host are all refused there); checking
    here turns its exception into a message at the line the curator wrote.
    """
    if not re.match(r"^https?://[^/\s]", text):
        return "it must start with http:// or https:// and a host"
    bad = sorted({c for c in text if c in ' <>"{}|\\^`' or ord(c) <= 0x20})
    if bad:
        return "it contains " + ", ".join(f"U+{ord(c):04X}" if ord(c) <= 0x20 else repr(c) for c in bad)
    try:
        ox.NamedNode(text)
    except ValueError as error:
        return str(error)
    return None


def is_safe_iri(text: str) -> bool:
    """An absolute http(s) IRI with no character that RDF syntaxes forbid in IRIs."""
    return iri_problem(text) is None


def language_tag_problem(tag: str) -> str | None:
    """Why ``tag`` is not a language tag agkg accepts, or None when it is.

    Well-formed BCP 47 with a two- or three-letter language (``LANGUAGE_TAG``), and accepted by
    pyoxigraph, which writes the tag into every dump (``pt-BR-BR`` or ``en-x`` used to pass the
    pattern and then fail there with a traceback).
    """
    example = " (e.g. en, ps, fa-AF)"
    if not LANGUAGE_TAG.match(tag):
        return (
            f"'{tag}' is not a language tag{example}: not well-formed BCP 47 (language-Script-REGION-variant)"
        )
    try:
        ox.Literal("", language=tag)
    except ValueError as error:
        return f"'{tag}' is not a language tag{example}: {error}"
    return None
