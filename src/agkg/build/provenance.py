"""From claims to Wikidata-style statements and references.

Identical claims (same subject, property, value and qualifiers), from one source or several,
become one statement with one reference per distinct piece of evidence. A statement is alleged
(docs/model.md) when every claim behind it is an allegation; one source stating it as fact makes
it a normal statement, with the allegations as references beside. Statement and reference
identifiers are content hashes, so the same data always yields the same IRIs, a changed claim
yields a new one, and no blank node is ever needed.

This module knows nothing about RDF terms; ``graph.py`` turns its records into triples.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from agkg.build.claims import Claim, CuratedData, EntityValue, Value
from agkg.build.quotes import Anchor
from agkg.errors import InputError, Position, Problem

HASH_HEX_DIGITS = 16  # 64 bits: collision-free in practice far beyond 10^7 statements
RANK_ORDER = {"deprecated": 0, "normal": 1, "preferred": 2}


@dataclass
class ReferenceRecord:
    """One piece of evidence: a quote in a source, and whom the source attributes it to."""

    key: str
    source: str
    quote: str
    prefix: str | None
    suffix: str | None
    attributed_to: str | None
    allegation: bool = False  # the source reports the claim as what attributed_to alleges
    anchor: Anchor | None = None
    positions: list[Position] = field(default_factory=list)


@dataclass
class StatementRecord:
    """One statement: subject, property, value, qualifiers, rank, and its references."""

    key: str
    subject: str
    property: str
    value: Value | None  # None: a range given only by its minimum and maximum qualifiers
    qualifiers: tuple[tuple[str, Value], ...]
    rank: str
    references: list[str] = field(default_factory=list)
    rank_reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    better_supported_by: list[str] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    # who alleges it, when every claim behind the statement is an allegation (else empty)
    alleged_by: list[str] = field(default_factory=list)
    best: bool = False


@dataclass
class Provenance:
    """All statements and references, keyed by their hash-based local identifiers."""

    statements: dict[str, StatementRecord]
    references: dict[str, ReferenceRecord]
    # per statement: the sources whose references support it
    statement_sources: dict[str, list[str]]


def value_key(value: Value | None) -> list[str]:
    if value is None:
        return ["none"]
    if isinstance(value, EntityValue):
        return ["entity", value.id]
    return ["literal", value.lexical, value.datatype, value.language or ""]


def _digest(parts: list[object]) -> str:
    canonical = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_HEX_DIGITS]


def statement_key(claim: Claim) -> str:
    """``{subject}-{property}-{hash}``: readable, and unique for subject+property+value+qualifiers."""
    digest = _digest(
        [
            claim.subject,
            claim.property,
            value_key(claim.value),
            [[name, value_key(value)] for name, value in claim.qualifiers],
        ]
    )
    return f"{claim.subject}-{claim.property}-{digest}"


def reference_key(claim: Claim) -> str:
    """Hash of source, quote (NFC), prefix, suffix, attribution and, for an allegation only (so
    that other references keep their IRIs), the word "allegation": the same words reported once
    as an allegation and once as fact are two pieces of evidence."""

    def nfc(text: str | None) -> str:
        return unicodedata.normalize("NFC", text) if text else ""

    parts: list[object] = [
        claim.source,
        nfc(claim.quote),
        nfc(claim.prefix),
        nfc(claim.suffix),
        claim.attributed_to or "",
    ]
    if claim.allegation:
        parts.append("allegation")
    return _digest(parts)


def claim_keys(claim: Claim) -> tuple[str, str]:
    """The claim's statement key and reference key (an incremental build keeps them per file)."""
    return statement_key(claim), reference_key(claim)


def derive_provenance(
    data: CuratedData,
    anchors: dict[int, Anchor] | None = None,
    keys: dict[int, tuple[str, str]] | None = None,
) -> Provenance:
    """Merge claims into statements; mark best ranks; raise InputError on rank conflicts.

    ``anchors`` maps ``id(claim)`` to where its quote sits in the source text, when known;
    ``keys`` maps ``id(claim)`` to its ``claim_keys``, when already computed.
    """
    anchors = anchors or {}
    keys = keys or {}
    statements: dict[str, StatementRecord] = {}
    references: dict[str, ReferenceRecord] = {}
    statement_sources: dict[str, set[str]] = defaultdict(set)
    first_claim: dict[str, Claim] = {}
    problems: list[Problem] = []
    claim_statement: dict[str, str] = {}
    accusers: dict[str, set[str]] = defaultdict(set)
    stated_as_fact: set[str] = set()

    for claim in data.claims:
        known = keys.get(id(claim))
        skey, rkey = known if known is not None else claim_keys(claim)
        record = statements.get(skey)
        if record is None:
            record = StatementRecord(
                skey, claim.subject, claim.property, claim.value, claim.qualifiers, claim.rank
            )
            statements[skey] = record
            first_claim[skey] = claim
        elif record.rank != claim.rank:
            first = first_claim[skey]
            problems.append(
                Problem(
                    claim.position,
                    f"this claim states the same statement as the claim at {first.position} "
                    f"but ranks it {claim.rank}, not {record.rank}: identical claims must agree on rank",
                )
            )
        record.positions.append(claim.position)
        if rkey not in record.references:
            record.references.append(rkey)
        if claim.rank_reason and claim.rank_reason not in record.rank_reasons:
            record.rank_reasons.append(claim.rank_reason)
        if claim.note and claim.note not in record.notes:
            record.notes.append(claim.note)
        statement_sources[skey].add(claim.source)
        if claim.allegation and claim.attributed_to:
            accusers[skey].add(claim.attributed_to)
        else:
            stated_as_fact.add(skey)
        if claim.id:
            claim_statement[claim.id] = skey

        reference = references.get(rkey)
        if reference is None:
            reference = ReferenceRecord(
                rkey, claim.source, claim.quote, claim.prefix, claim.suffix, claim.attributed_to,
                allegation=claim.allegation, anchor=anchors.get(id(claim)),
            )  # fmt: skip
            references[rkey] = reference
        reference.positions.append(claim.position)

    for claim in data.claims:
        if claim.better_supported_by and claim.better_supported_by in claim_statement:
            known = keys.get(id(claim))
            record = statements[known[0] if known is not None else statement_key(claim)]
            target = claim_statement[claim.better_supported_by]
            if target != record.key and target not in record.better_supported_by:
                record.better_supported_by.append(target)

    if problems:
        raise InputError(problems)
    for skey, alleging in accusers.items():
        if skey not in stated_as_fact:
            statements[skey].alleged_by = sorted(alleging)
    _mark_best_ranks(statements.values())
    for record in statements.values():
        record.references.sort()
        record.better_supported_by.sort()
    return Provenance(
        statements=dict(sorted(statements.items())),
        references=dict(sorted(references.items())),
        statement_sources={k: sorted(v) for k, v in sorted(statement_sources.items())},
    )


def _mark_best_ranks(statements: Iterable[StatementRecord]) -> None:
    """Wikidata's rule: per subject and property, the preferred statements if any, else the
    normal ones; deprecated statements are never best and so never truthy. Alleged statements
    are not facts: they are never best either, and do not compete with the others."""
    groups: dict[tuple[str, str], list[StatementRecord]] = defaultdict(list)
    for record in statements:
        if not record.alleged_by:
            groups[(record.subject, record.property)].append(record)
    for group in groups.values():
        top = max(RANK_ORDER[r.rank] for r in group)
        if top == RANK_ORDER["deprecated"]:
            continue
        for record in group:
            record.best = RANK_ORDER[record.rank] == top
