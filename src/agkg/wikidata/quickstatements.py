"""QuickStatements (V1 command syntax) export: agkg's sourced statements as Wikidata edits.

One command line per statement and reference: ``Qsubject<TAB>Pprop<TAB>value``, then the
statement's qualifiers (``P585<TAB>+2015-01-00T00:00:00Z/10``), then one reference group whose
properties are written with ``S`` instead of ``P``. A statement with two references is written
twice; QuickStatements adds the second reference to the statement the first line created.

A statement is exported only when all of it can be said in Wikidata terms, because a statement
that loses a qualifier ("approximately", "at least") or its rank says something the source did
not. Everything else is listed as unmappable, with the reason, never dropped silently:

- its subject or an entity value has no Wikidata ID, or the property no verified alignment;
- a qualifier has no verified Wikidata property, or a value has no Wikidata form (booleans);
- it is deprecated (V1 commands cannot set a rank), or alleged (no source states it as fact);
- none of its references can be carried: references the source attributes to someone else
  (an expert, "analysts", a relayed report) are left out, since a Wikidata reference would
  present the claim as the article's own;
- a text contains ``|``, a straight double quote or more than 1,500 characters, which V1
  commands cannot carry (``|`` separates fields; there is no escape).

Reference properties, checked with the search tool (pages and public code quoting Wikidata's
Help:Sources and property tables): P248 stated in (also in the ontology's notes), P1476 title,
P577 publication date, P1683 quotation, P2093 author name string, P854 reference URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agkg.build.alignment import WikidataMapping, wikidata_mapping
from agkg.build.claims import CuratedData, EntityValue, LiteralValue, Value
from agkg.build.graph import BuiltDataset
from agkg.build.provenance import ReferenceRecord, StatementRecord
from agkg.errors import Position
from agkg.vocab import RDF, XSD

STATED_IN = "P248"
TITLE = "P1476"
PUBLICATION_DATE = "P577"
QUOTATION = "P1683"
AUTHOR_NAME_STRING = "P2093"
REFERENCE_URL = "P854"

MAX_TEXT = 1500  # Wikibase's default limit on string and monolingual text values
_PRECISION = {"gYear": 9, "gYearMonth": 10, "date": 11, "dateTime": 11}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]+)*$")


class NotExpressible(Exception):
    """A value or text that V1 commands cannot carry; the message says why."""


@dataclass(frozen=True)
class ExportIssue:
    """A statement left out (or exported with a caveat), where it came from and why."""

    statement: str
    subject: str
    property: str
    value: str
    positions: tuple[Position, ...]
    reason: str

    def __str__(self) -> str:
        where = str(self.positions[0]) if self.positions else self.statement
        return f"{where}: {self.subject} {self.property} {self.value}: {self.reason}"


@dataclass
class QuickStatementsExport:
    """The commands, and an account of every statement that was not exported."""

    commands: list[str] = field(default_factory=list)
    statements: int = 0
    references: int = 0
    unmappable: list[ExportIssue] = field(default_factory=list)
    caveats: list[ExportIssue] = field(default_factory=list)

    def text(self) -> str:
        return "".join(line + "\n" for line in self.commands)


def qs_text(text: str) -> str:
    """A text as V1 carries it: white-space runs folded to one space, refused if not carriable."""
    folded = " ".join(text.split())
    if "|" in folded:
        raise NotExpressible("the text contains '|', the V1 field separator")
    if '"' in folded:
        raise NotExpressible("the text contains a straight double quote, which V1 cannot escape")
    if not folded:
        raise NotExpressible("the text is empty")
    if len(folded) > MAX_TEXT:
        raise NotExpressible(f"the text is longer than Wikidata's {MAX_TEXT} characters")
    return folded


def qs_string(text: str) -> str:
    return f'"{qs_text(text)}"'


def qs_monolingual(text: str, language: str) -> str:
    tag = language.lower()
    if not _LANGUAGE.match(tag):
        raise NotExpressible(f"language tag '{language}' is not a Wikidata language code")
    return f'{tag}:"{qs_text(text)}"'


def qs_time(lexical: str, datatype: str) -> str:
    """``+YYYY-MM-DDT00:00:00Z/precision``: 9 year, 10 month, 11 day (a time of day is dropped)."""
    kind = datatype.removeprefix(XSD.iri)
    if kind not in _PRECISION:
        raise NotExpressible(f"{datatype} is not a date")
    sign = "-" if lexical.startswith("-") else "+"
    body = lexical.lstrip("+-").split("T")[0]
    parts = body.split("-")
    year, month, day = parts[0], (parts[1:2] or ["00"])[0], (parts[2:3] or ["00"])[0]
    return f"{sign}{year}-{month}-{day}T00:00:00Z/{_PRECISION[kind]}"


def qs_value(value: Value, data: CuratedData) -> str:
    """A claim or qualifier value in V1 syntax; NotExpressible says why not."""
    if isinstance(value, EntityValue):
        entity = data.entities.get(value.id)
        if entity is None:
            raise NotExpressible(f"the value '{value.id}' is a source, not an entity")
        if not entity.wikidata:
            raise NotExpressible(f"the value '{value.id}' has no Wikidata ID")
        return entity.wikidata
    return _literal(value)


def _literal(value: LiteralValue) -> str:
    kind = value.datatype.removeprefix(XSD.iri)
    if kind in _PRECISION:
        return qs_time(value.lexical, value.datatype)
    if kind in ("integer", "positiveInteger", "nonNegativeInteger", "decimal"):
        number = value.lexical.lstrip("+")
        return ("+" + number) if not number.startswith("-") else number
    if value.datatype == RDF.langString.value and value.language:
        return qs_monolingual(value.lexical, value.language)
    if kind == "string":
        return qs_string(value.lexical)
    raise NotExpressible(f"a {kind} value has no Wikidata form")


def describe(value: Value) -> str:
    if isinstance(value, EntityValue):
        return value.id
    return value.lexical


def reference_group(reference: ReferenceRecord, data: CuratedData) -> list[str]:
    """The ``S`` properties and values of one reference; NotExpressible if it cannot be carried."""
    if reference.attributed_to:
        raise NotExpressible(
            f"the source attributes it to '{reference.attributed_to}'; a Wikidata reference "
            "would present it as the source's own claim"
        )
    source = data.sources[reference.source]
    parts: list[str] = []
    outlet = data.entities.get(source.outlet) if source.outlet else None
    if outlet is not None and outlet.wikidata:
        parts += ["S" + STATED_IN[1:], outlet.wikidata]
    if source.headline:
        headline_language = source.headline_language or source.language
        parts += ["S" + TITLE[1:], qs_monolingual(source.headline, headline_language)]
    if source.published:
        parts += [
            "S" + PUBLICATION_DATE[1:],
            qs_time(source.published.lexical, XSD.term(source.published.datatype).value),
        ]
    for author in source.authors:
        names = data.entities[author].labels
        name = names.get(source.language) or names.get("en") or next(iter(names.values()), "")
        if name:
            parts += ["S" + AUTHOR_NAME_STRING[1:], qs_string(name)]
    if source.url:
        parts += ["S" + REFERENCE_URL[1:], qs_string(source.url)]
    parts += ["S" + QUOTATION[1:], qs_monolingual(reference.quote, source.language)]
    return parts


def export_quickstatements(built: BuiltDataset, exact_only: bool = False) -> QuickStatementsExport:
    """Write every exportable statement as V1 commands; account for all the others."""
    mapping = wikidata_mapping(built.vocabulary)
    data = built.data
    result = QuickStatementsExport()
    lines: set[str] = set()
    for record in sorted(built.provenance.statements.values(), key=lambda r: r.key):
        try:
            head, caveats = _statement_head(record, data, mapping, exact_only)
        except NotExpressible as reason:
            result.unmappable.append(_issue(record, str(reason)))
            continue
        groups: list[list[str]] = []
        skipped: list[str] = []
        for key in record.references:
            try:
                groups.append(reference_group(built.provenance.references[key], data))
            except NotExpressible as reason:
                skipped.append(str(reason))
        if not groups:
            result.unmappable.append(_issue(record, "no reference can be carried: " + "; ".join(skipped)))
            continue
        result.statements += 1
        result.references += len(groups)
        for caveat in caveats:
            result.caveats.append(_issue(record, caveat))
        if skipped:
            result.caveats.append(
                _issue(record, f"{len(skipped)} reference(s) left out: " + "; ".join(skipped))
            )
        for group in groups:
            lines.add("\t".join(head + group))
    result.commands = sorted(lines, key=_command_order)
    return result


def _statement_head(
    record: StatementRecord, data: CuratedData, mapping: WikidataMapping, exact_only: bool
) -> tuple[list[str], list[str]]:
    caveats: list[str] = []
    if record.alleged_by:
        raise NotExpressible(f"alleged by {', '.join(record.alleged_by)}: no source states it as fact")
    if record.rank == "deprecated":
        raise NotExpressible("deprecated: V1 commands cannot set a rank")
    subject = data.entities.get(record.subject)
    if subject is None or not subject.wikidata:
        raise NotExpressible(f"the subject '{record.subject}' has no Wikidata ID")
    alignment = mapping.properties.get(record.property)
    if alignment is None:
        raise NotExpressible(f"'{record.property}' has no verified Wikidata property")
    if not alignment.exact:
        if exact_only:
            raise NotExpressible(f"'{record.property}' is only a close match of {alignment.wikidata}")
        caveats.append(f"'{record.property}' is a close match of {alignment.wikidata} (via {alignment.via})")
    if record.rank == "preferred":
        caveats.append("preferred rank not carried (V1 commands cannot set a rank)")
    if record.value is None:
        raise NotExpressible("a range without a value: Wikidata quantities need an amount")
    head = [subject.wikidata, alignment.wikidata, qs_value(record.value, data)]
    for name, qualifier in record.qualifiers:
        q_alignment = mapping.properties.get(name)
        if q_alignment is None or (exact_only and not q_alignment.exact):
            raise NotExpressible(f"qualifier '{name}' has no verified Wikidata property")
        try:
            head += [q_alignment.wikidata, qs_value(qualifier, data)]
        except NotExpressible as reason:
            raise NotExpressible(f"qualifier '{name}': {reason}") from None
    return head, caveats


def _issue(record: StatementRecord, reason: str) -> ExportIssue:
    return ExportIssue(
        record.key,
        record.subject,
        record.property,
        describe(record.value) if record.value is not None else "(range without a value)",
        tuple(record.positions),
        reason,
    )


def _command_order(line: str) -> tuple[int, str]:
    subject = line.split("\t", 1)[0]
    return (int(subject[1:]) if subject[1:].isdigit() else 0, line)
