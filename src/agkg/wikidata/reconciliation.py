"""Matching agkg's entities with Wikidata items.

Which Wikidata property or class an agkg term corresponds to comes only from the ontology's
alignments (``alignment.wikidata_mapping``); nothing here invents an ID.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import time
import unicodedata
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agkg.build.alignment import WikidataMapping, wikidata_mapping
from agkg.build.claims import CuratedData, Entity, EntityValue
from agkg.build.ontology import Vocabulary
from agkg.build.publishing import atomic_write
from agkg.errors import InputError, Position, Problem, RemoteError
from agkg.sparql.remote import USER_AGENT, HttpClient, server_message
from agkg.vocab import AGKG, RDFS, SCHEMA, SKOS, WD, WDT

# ------------------------------------------------------------------------------- reconcile

WDT_IRI = WDT.iri
WIKIDATA_QUERY_SERVICE = "https://query.wikidata.org/sparql"
INSTANCE_OF = "P31"  # checked: public Wikidata property tables (P31 instance of, P279 subclass of)
SUBCLASS_OF = "P279"

# weights of the score's parts (0..100 in all)
NAME_WEIGHT, TYPE_WEIGHT, PROPERTY_WEIGHT = 55.0, 25.0, 20.0
MATCH_SCORE, MATCH_MARGIN = 85.0, 10.0

_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """Case-, accent-, dash- and space-insensitive form of a name, for comparing names only."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", stripped).split())


def name_variants(name: str) -> list[str]:
    """Spellings to look up exactly (labels are matched by equality): as written, and re-cased."""
    variants = [name, name[:1].upper() + name[1:], name.lower(), name.title()]
    return list(dict.fromkeys(v for v in variants if v))


@dataclass(frozen=True)
class Feature:
    """One reason behind a score, as reconciliation services report them."""

    id: str
    value: float | bool
    reason: str


@dataclass
class Candidate:
    """A Wikidata item that may be the entity, with what it was compared on."""

    qid: str
    label: str
    description: str
    types: list[str]
    score: float = 0.0
    match: bool = False
    features: list[Feature] = field(default_factory=list)


@dataclass
class EntityMatch:
    """The candidates for one entity, best first, and what was decided."""

    entity: Entity
    candidates: list[Candidate]
    decision: str = ""  # accepted, ambiguous, below-threshold, no-candidates, "" (not deciding)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass
class ReconcileReport:
    matches: list[EntityMatch]
    requests: int
    cached: int
    retries: int


@dataclass
class _ItemFacts:
    labels: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    aliases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    descriptions: dict[str, str] = field(default_factory=dict)
    values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # P… -> Q… or literal


class SparqlClient:
    """Polite SELECT queries: one at a time, a pause between them, answers cached on disk.

    Wikidata's Query Service asks clients to send a descriptive User-Agent with contact
    details, to run one query at a time, to back off when answered 429 for as long as
    ``Retry-After`` says (``remote.HttpClient`` does that) and not to ask the same thing twice.
    """

    def __init__(
        self,
        endpoint: str,
        contact: str | None = None,
        delay: float = 1.0,
        cache_dir: Path | None = None,
        cache_ttl: float = 7 * 86400.0,
        timeout: float = 60.0,
        http: HttpClient | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.user_agent = USER_AGENT.replace(")", f"; {contact})") if contact else USER_AGENT
        self.user_agent += " reconcile"
        self.delay = delay
        self.cache_dir = cache_dir
        self.cache_ttl = cache_ttl
        self.http = http or HttpClient(timeout)
        self.cached = 0
        self._last = 0.0

    @property
    def requests(self) -> int:
        return self.http.log.requests

    def select(self, query: str) -> list[dict[str, dict[str, str]]]:
        key = hashlib.sha256(f"{self.endpoint}\n{query}".encode()).hexdigest()
        path = self.cache_dir / f"{key}.json" if self.cache_dir else None
        if path is not None and path.exists() and time.time() - path.stat().st_mtime < self.cache_ttl:
            try:
                rows: list[dict[str, dict[str, str]]] = json.loads(path.read_text("utf-8"))
                self.cached += 1
                return rows
            except ValueError:
                pass  # a damaged cache entry is asked again
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        headers = {"Accept": "application/sparql-results+json", "User-Agent": self.user_agent}
        encoded = urllib.parse.urlencode({"query": query})
        if len(encoded) < 1800:  # GET answers can be cached by the service
            result = self.http.request("GET", f"{self.endpoint}?{encoded}", headers=headers)
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            result = self.http.request("POST", self.endpoint, encoded.encode(), headers)
        self._last = time.monotonic()
        if result.status != 200:
            raise RemoteError(f"{self.endpoint}: HTTP {result.status}: {server_message(result.body)}")
        try:
            rows = json.loads(result.body)["results"]["bindings"]
        except (ValueError, KeyError, TypeError) as error:
            raise RemoteError(f"{self.endpoint}: not a SPARQL JSON result: {error}") from None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(rows, ensure_ascii=False).encode("utf-8"))
        return rows


def _literal(text: str, language: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"@{language}'


_PREFIXES = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX schema: <http://schema.org/>\n"
    f"PREFIX wd: <{WD.iri}>\nPREFIX wdt: <{WDT_IRI}>\n"
)


def entity_names(entity: Entity) -> list[tuple[str, str]]:
    """(text, language) of every label and alias."""
    names = [(text, tag) for tag, text in sorted(entity.labels.items())]
    names += [(text, tag) for tag, texts in sorted(entity.aliases.items()) for text in texts]
    return names


def claim_values(data: CuratedData, mapping: WikidataMapping) -> dict[str, dict[str, set[str]]]:
    """Per entity, per mapped Wikidata property, the values its non-deprecated claims give.

    Entity values become their Wikidata IDs (values without one cannot be compared); dates
    stay lexical.
    """
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for claim in data.claims:
        alignment = mapping.properties.get(claim.property)
        if alignment is None or claim.rank == "deprecated" or not alignment.wikidata.startswith("P"):
            continue
        if isinstance(claim.value, EntityValue):
            target = data.entities.get(claim.value.id)
            if target is not None and target.wikidata:
                found[claim.subject][alignment.wikidata].add(target.wikidata)
        elif claim.value is not None:  # a range without a value states no number to compare
            found[claim.subject][alignment.wikidata].add(claim.value.lexical)
    return found


def _same_time(ours: str, theirs: str) -> bool:
    """Dates agree at the coarser of the two precisions (Wikidata gives full timestamps)."""
    mine = ours.lstrip("+").split("T")[0].split("-")
    other = theirs.lstrip("+").split("T")[0].split("-")
    width = min(len(mine), len(other))
    significant = [
        (a, b) for a, b in zip(mine[:width], other[:width], strict=True) if a != "00" and b != "00"
    ]
    return bool(significant) and all(a == b for a, b in significant)


def score_candidate(
    entity: Entity,
    facts: _ItemFacts,
    qid: str,
    expected_classes: list[str],
    candidate_classes: set[str],
    ours: dict[str, set[str]],
    languages: list[str],
) -> Candidate:
    """Compare one item with one entity: names, type, mapped properties; score 0..100."""
    features: list[Feature] = []
    best_name, best_reason = 0.0, ""
    for text, tag in entity_names(entity):
        mine = normalise_name(text)
        for kind, table in (("label", facts.labels), ("alias", facts.aliases)):
            for language, theirs in table.items():
                for name in theirs:
                    similarity = difflib.SequenceMatcher(None, mine, normalise_name(name)).ratio()
                    if (language in (tag, "mul") or similarity == 1.0) and similarity > best_name:
                        best_name = similarity
                        best_reason = f"'{text}'@{tag} ~ {kind} '{name}'@{language} ({similarity:.2f})"
    features.append(Feature("name", round(best_name, 3), best_reason or "no name in common"))

    type_part = 0.5
    if expected_classes and facts.values.get(INSTANCE_OF):
        hit = candidate_classes & set(expected_classes)
        type_part = 1.0 if hit else 0.0
        features.append(
            Feature(
                "type",
                bool(hit),
                f"P31 {', '.join(sorted(facts.values[INSTANCE_OF]))} "
                + (f"is a {', '.join(sorted(hit))}" if hit else f"is not a {', '.join(expected_classes)}"),
            )
        )
    compared = []
    for pid, values in sorted(ours.items()):
        other = facts.values.get(pid)
        if not other:
            continue
        agree = any((a == b) or (not a.startswith("Q") and _same_time(a, b)) for a in values for b in other)
        compared.append(agree)
        features.append(
            Feature(
                pid,
                agree,
                f"{pid}: ours {', '.join(sorted(values))}, theirs {', '.join(sorted(other))}",
            )
        )
    property_part = sum(compared) / len(compared) if compared else 0.5
    score = NAME_WEIGHT * best_name + TYPE_WEIGHT * type_part + PROPERTY_WEIGHT * property_part
    label = _pick(facts.labels, languages) or qid
    description = next(
        (facts.descriptions[lang] for lang in [*languages, "mul"] if lang in facts.descriptions), ""
    )
    return Candidate(
        qid, label, description, sorted(facts.values.get(INSTANCE_OF, ())), round(score, 1), False, features
    )


def _pick(table: dict[str, set[str]], languages: list[str]) -> str:
    for language in [*languages, "mul"]:
        if table.get(language):
            return sorted(table[language])[0]
    return next((sorted(v)[0] for v in table.values() if v), "")


def find_candidates(
    entities: list[Entity],
    data: CuratedData,
    mapping: WikidataMapping,
    client: SparqlClient,
    batch_size: int = 20,
    limit: int = 5,
) -> list[EntityMatch]:
    """Look every entity up by all its names, fetch the candidates' facts, score and rank them."""
    languages = sorted({tag for e in entities for tag, _ in ((t, 0) for t in [*e.labels, *e.aliases])}) or [
        "en"
    ]
    ours_by_entity = claim_values(data, mapping)
    properties = sorted(
        {INSTANCE_OF} | {a.wikidata for a in mapping.properties.values() if a.wikidata.startswith("P")}
    )
    results: list[EntityMatch] = []
    for start in range(0, len(entities), batch_size):
        batch = entities[start : start + batch_size]
        wanted: dict[str, list[str]] = {}
        for entity in batch:
            for text, tag in entity_names(entity):
                for variant in name_variants(text):
                    for language in (tag, "mul"):
                        wanted.setdefault(_literal(variant, language), []).append(entity.id)
        rows = client.select(
            _PREFIXES
            + "SELECT DISTINCT ?name ?item WHERE {\n  VALUES ?name { "
            + " ".join(sorted(wanted))
            + " }\n  { ?item rdfs:label ?name } UNION { ?item skos:altLabel ?name }\n"
            + f'  FILTER(STRSTARTS(STR(?item), "{WD.iri}Q"))\n}}'
        )
        hits: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            name = row["name"]
            key = _literal(name["value"], name.get("xml:lang", ""))
            qid = row["item"]["value"].removeprefix(WD.iri)
            for entity_id in wanted.get(key, []):
                hits[entity_id].add(qid)
        qids = sorted({q for found in hits.values() for q in found})
        facts = _fetch_facts(client, qids, properties, languages)
        classes = _fetch_classes(
            client,
            sorted({t for f in facts.values() for t in f.values.get(INSTANCE_OF, ())}),
            sorted({a.wikidata for aligned in mapping.classes.values() for a in aligned}),
        )
        for entity in batch:
            expected = [a.wikidata for a in mapping.classes.get(entity.type, [])]
            candidates = []
            for qid in sorted(hits.get(entity.id, ())):
                item = facts.get(qid, _ItemFacts())
                reached = {c for t in item.values.get(INSTANCE_OF, ()) for c in classes.get(t, {t})}
                candidates.append(
                    score_candidate(
                        entity, item, qid, expected, reached, ours_by_entity.get(entity.id, {}), languages
                    )
                )
            candidates.sort(key=lambda c: (-c.score, int(c.qid[1:])))
            candidates = candidates[:limit]
            if candidates:
                best = candidates[0]
                runner_up = candidates[1].score if len(candidates) > 1 else 0.0
                contradicted = any(f.value is False for f in best.features)
                best.match = (
                    best.score >= MATCH_SCORE and best.score - runner_up >= MATCH_MARGIN and not contradicted
                )
            results.append(EntityMatch(entity, candidates))
    return results


def _fetch_facts(
    client: SparqlClient, qids: list[str], properties: list[str], languages: list[str]
) -> dict[str, _ItemFacts]:
    facts: dict[str, _ItemFacts] = defaultdict(_ItemFacts)
    if not qids:
        return facts
    wanted_languages = ", ".join(f'"{lang}"' for lang in [*languages, "mul"])
    predicates = "rdfs:label skos:altLabel schema:description " + " ".join(f"wdt:{p}" for p in properties)
    rows = client.select(
        _PREFIXES
        + "SELECT ?item ?p ?v WHERE {\n  VALUES ?item { "
        + " ".join(f"wd:{q}" for q in qids)
        + " }\n  VALUES ?p { "
        + predicates
        + " }\n  ?item ?p ?v .\n"
        + f'  FILTER(!isLiteral(?v) || LANG(?v) = "" || LANG(?v) IN ({wanted_languages}))\n}}'
    )
    for row in rows:
        qid = row["item"]["value"].removeprefix(WD.iri)
        predicate, value = row["p"]["value"], row["v"]
        language = value.get("xml:lang", "")
        item = facts[qid]
        if predicate == RDFS.label.value:
            item.labels[language].add(value["value"])
        elif predicate == SKOS.altLabel.value:
            item.aliases[language].add(value["value"])
        elif predicate == SCHEMA.description.value:
            item.descriptions[language] = value["value"]
        elif predicate.startswith(WDT_IRI):
            pid = predicate.removeprefix(WDT_IRI)
            text = value["value"].removeprefix(WD.iri) if value["type"] == "uri" else value["value"]
            item.values[pid].add(text)
    return facts


def _fetch_classes(client: SparqlClient, types: list[str], classes: list[str]) -> dict[str, set[str]]:
    """For each P31 value, which of the mapped classes it is (itself or via P279*)."""
    reached: dict[str, set[str]] = defaultdict(set)
    if not types or not classes:
        return reached
    rows = client.select(
        _PREFIXES
        + "SELECT DISTINCT ?type ?class WHERE {\n  VALUES ?type { "
        + " ".join(f"wd:{t}" for t in types if t.startswith("Q"))
        + " }\n  VALUES ?class { "
        + " ".join(f"wd:{c}" for c in classes)
        + f" }}\n  ?type wdt:{SUBCLASS_OF}* ?class .\n}}"
    )
    for row in rows:
        reached[row["type"]["value"].removeprefix(WD.iri)].add(row["class"]["value"].removeprefix(WD.iri))
    for t in types:
        reached[t].add(t)
    return reached


def reconcile_entities(
    data: CuratedData,
    vocabulary: Vocabulary,
    client: SparqlClient,
    only: list[str] | None = None,
    batch_size: int = 20,
    limit: int = 5,
) -> ReconcileReport:
    """Candidates for every entity without a Wikidata ID (or only the given ids)."""
    mapping = wikidata_mapping(vocabulary)
    unnamed = {AGKG.UnnamedSource.value}
    entities = [
        e
        for e in sorted(data.entities.values(), key=lambda e: e.id)
        if not e.wikidata
        and (only is None or e.id in only)
        and not (vocabulary.superclasses.get(e.type, frozenset()) & unnamed)
    ]
    matches = find_candidates(entities, data, mapping, client, batch_size, limit)
    return ReconcileReport(matches, client.requests, client.cached, client.http.log.retries)


def decide(matches: list[EntityMatch], threshold: float) -> list[EntityMatch]:
    """Mark each entity accepted (exactly one candidate scores above the threshold), ambiguous, or not."""
    for found in matches:
        above = [c for c in found.candidates if c.score > threshold]
        if not found.candidates:
            found.decision = "no-candidates"
        elif len(above) == 1 and above[0] is found.candidates[0]:
            found.decision = "accepted"
        elif len(above) > 1:
            found.decision = "ambiguous"
        else:
            found.decision = "below-threshold"
    return matches


REVIEW_COLUMNS = (
    "entity", "type", "file", "line", "names", "rank", "candidate", "candidate_label",
    "candidate_description", "candidate_types", "score", "match", "features", "reasons", "decision",
)  # fmt: skip


def review_table(matches: list[EntityMatch]) -> str:
    """The review CSV: one row per candidate (and one for an entity with none)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REVIEW_COLUMNS)
    for found in matches:
        entity = found.entity
        names = "; ".join(f"{text}@{tag}" for text, tag in entity_names(entity))
        common = [entity.id, entity.type, entity.position.path, entity.position.line, names]
        if not found.candidates:
            writer.writerow(
                [*common, "", "", "", "", "", "", "", "", "no item has any of these names", found.decision]
            )
        for rank, candidate in enumerate(found.candidates, 1):
            writer.writerow(
                [
                    *common,
                    rank,
                    candidate.qid,
                    candidate.label,
                    candidate.description,
                    " ".join(candidate.types),
                    f"{candidate.score:.1f}",
                    "true" if candidate.match else "false",
                    " ".join(f"{f.id}={_feature_text(f.value)}" for f in candidate.features),
                    "; ".join(f.reason for f in candidate.features),
                    found.decision if rank == 1 else "",
                ]
            )
    return buffer.getvalue()


def _feature_text(value: float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}"


# ----------------------------------------------------------------- writing accepted IDs


@dataclass(frozen=True)
class AcceptedId:
    entity: Entity
    qid: str
    note: str  # goes in the comment above the new line


def write_wikidata_ids(accepted: list[AcceptedId], project_dir: Path) -> list[Path]:
    """Insert ``wikidata: Q…`` (with a comment) at the end of each entity's block, in place.

    The files are edited as text so that comments, quoting and layout stay as the curator
    wrote them. Entities written in flow style (``- {id: …}``) or already carrying an ID are
    refused, as is a file that no longer parses afterwards (it is left unchanged).
    """
    by_file: dict[Path, list[AcceptedId]] = defaultdict(list)
    for item in accepted:
        by_file[project_dir / item.entity.position.path].append(item)
    written = []
    problems: list[Problem] = []
    for path, items in sorted(by_file.items()):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        # bottom-up, so earlier insertions do not move the lines of later ones
        for item in sorted(items, key=lambda i: -i.entity.position.line):
            position = item.entity.position
            index, column = position.line - 1, position.column - 1
            if index >= len(lines) or not lines[index][column:].startswith("id:"):
                problems.append(Problem(position, "entity is not a block mapping starting with 'id:'"))
                continue
            indent = " " * column
            last = index
            for number in range(index + 1, len(lines)):
                text = lines[number]
                stripped = text.strip()
                if not stripped:
                    continue
                width = len(text) - len(text.lstrip(" "))
                if width < column:
                    break
                if stripped.startswith("wikidata:") and width == column:
                    problems.append(Problem(Position(position.path, number + 1), "already has a wikidata id"))
                    last = -1
                    break
                if not stripped.startswith("#"):
                    last = number
            if last < 0:
                continue
            if not lines[last].endswith("\n"):
                lines[last] += "\n"
            lines[last + 1 : last + 1] = [f"{indent}# {item.note}\n", f"{indent}wikidata: {item.qid}\n"]
        text = "".join(lines)
        try:
            yaml.safe_load(text)
        except yaml.YAMLError as error:
            problems.append(Problem(Position(str(path)), f"edit would break the file: {error}"))
            continue
        atomic_write(path, text.encode("utf-8"))
        written.append(path)
    if problems:
        raise InputError(problems)
    return written
