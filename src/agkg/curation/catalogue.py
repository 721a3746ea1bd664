"""The property catalogue: every claim and qualifier property, as a curator needs to know it.

The ontology is the single source of truth, but it is some 1,500 lines of Turtle; curators need
a list that says, per property, what it means, what it applies to, what value it takes, which
qualifiers go with it, what Wikidata calls it, and how a claim using it is written. This module
derives that list from the ontology (``property_catalogue``), so a property added there is in
the catalogue on the next run, and renders it as Markdown for ``docs/properties.md``
(``render_markdown``; ``agkg properties --markdown``) or finds entries by any of their words
(``search_properties``; ``agkg properties WORD``).

Which qualifiers a property takes is not declared per property anywhere: the loader accepts
every qualifier on every claim, except ``minimum``/``maximum`` (numbers only) and the qualifiers
agkg sets itself for allegations. The catalogue says exactly that, and lists first the
qualifiers a property's definition names ("the currency goes in the currency qualifier").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from agkg.build.alignment import WIKIDATA_PROPERTY_LABELS, wikidata_mapping
from agkg.build.claims import ALLEGATION_QUALIFIERS, BOUND_QUALIFIERS
from agkg.build.ontology import PropertySpec, Vocabulary, term_texts
from agkg.build.suggestions import fold_name
from agkg.vocab import AGKG, OWL, RDFS

NUMERIC_KINDS = ("integer", "positiveInteger", "nonNegativeInteger", "decimal")
KIND_DESCRIPTIONS: dict[str, str] = {
    "time": "a date at the precision the source gives: 2015, 2015-01, 2021-08-15 or 2021-08-27T15:09",
    "integer": "a whole number (3000, not 3,000)",
    "positiveInteger": "a whole number of at least 1",
    "nonNegativeInteger": "a whole number of at least 0",
    "decimal": "a decimal number (10000000 or 2.5)",
    "boolean": "true or false",
    "string": "plain text",
    "langString": "text in the source's language, or {language: text}",
    "anyURI": "an absolute IRI (https://…)",
}
EXAMPLE_VALUES: dict[str, str] = {
    "time": "2015-01",
    "integer": "3000",
    "positiveInteger": "5",
    "nonNegativeInteger": "0",
    "decimal": "10000000",
    "boolean": "true",
    "string": "text",
    "langString": "{en: the words of the source}",
    "anyURI": "https://example.org/",
}
# minimum and maximum around each numeric kind's example value (they must include it)
EXAMPLE_BOUNDS: dict[str, tuple[str, str]] = {
    "integer": ("2500", "4000"),
    "positiveInteger": ("3", "10"),
    "nonNegativeInteger": ("0", "10"),
    "decimal": ("5000000", "10000000"),
}
SHORT_KINDS: dict[str, str] = {
    "time": "date",
    "integer": "whole number",
    "positiveInteger": "whole number ≥ 1",
    "nonNegativeInteger": "whole number ≥ 0",
    "decimal": "decimal number",
    "boolean": "true or false",
    "string": "plain text",
    "langString": "text",
    "anyURI": "IRI",
}
# literal examples fitting particular properties better than the kind's default
NAMED_EXAMPLES: dict[str, str] = {"currency": "USD", "jobTitle": "spokesman"}


@dataclass(frozen=True)
class PropertyEntry:
    """One claim or qualifier property, described for curators."""

    name: str  # what a claims file writes: ``property: leader`` or a key under ``qualifiers:``
    role: str  # "claim" or "qualifier"
    label: str
    definition: str
    alt_labels: list[str]
    applies_to: str | None  # class a claim's subject must be (with its subclasses); None: any
    value_kind: str  # "entity" or a literal kind (ontology.LITERAL_KINDS)
    value_type: str | None  # for entities: the class the value must be, None for any entity
    value: str  # the value in words
    sub_property_of: list[str]
    wikidata: str | None  # P488
    wikidata_label: str | None  # chairperson
    wikidata_match: str | None  # "exact", "close", or "close, via partOf" (inherited)
    named_qualifiers: list[str] = field(default_factory=list)  # qualifiers its definition names
    qualifiers: list[str] = field(default_factory=list)  # every qualifier a claim may add
    note: str = ""  # a rule of the loader about where it may be used
    example: str = ""  # a claim in YAML using it

    @property
    def anchor(self) -> str:
        """The Markdown heading's anchor (GitHub's rule: lowercase, spaces to hyphens)."""
        return f"{self.name.lower()}-{self.role}"


def property_catalogue(vocabulary: Vocabulary) -> list[PropertyEntry]:
    """Every claim property, then every qualifier, each sorted by name, from the ontology."""
    texts = term_texts(vocabulary)
    aligned = wikidata_mapping(vocabulary).properties
    parents: dict[str, list[str]] = {}
    for triple in vocabulary.triples:
        s, p, o = triple.subject, triple.predicate, triple.object
        if p == RDFS.subPropertyOf and s in AGKG and o in AGKG:
            parents.setdefault(AGKG.local_name(s), []).append(AGKG.local_name(o))  # type: ignore[arg-type]
    entries: list[PropertyEntry] = []
    for role, table in (("claim", vocabulary.claim_properties), ("qualifier", vocabulary.qualifiers)):
        for name in sorted(table):
            spec = table[name]
            text = texts.get(name)
            alignment = aligned.get(name)
            match = None
            if alignment is not None:
                match = "exact" if alignment.exact else "close"
                if alignment.via != name:
                    match += f", via {alignment.via}"
            entry = PropertyEntry(
                name=name,
                role=role,
                label=text.label if text else name,
                definition=text.definition if text else "",
                alt_labels=list(text.alt_labels) if text else [],
                applies_to=_local(vocabulary.domains.get(name)) if role == "claim" else None,
                value_kind=spec.kind,
                value_type=_value_type(spec),
                value=describe_value(vocabulary, spec),
                sub_property_of=sorted(parents.get(name, [])),
                wikidata=alignment.wikidata if alignment else None,
                wikidata_label=WIKIDATA_PROPERTY_LABELS.get(alignment.wikidata) if alignment else None,
                wikidata_match=match,
            )
            entries.append(entry)
    qualifier_entries = {e.name: e for e in entries if e.role == "qualifier"}
    return [_complete(entry, vocabulary, qualifier_entries) for entry in entries]


def _complete(
    entry: PropertyEntry, vocabulary: Vocabulary, qualifiers: dict[str, PropertyEntry]
) -> PropertyEntry:
    """Fill in the qualifiers, the loader's rules and the example, which depend on the others."""
    writable = [q for q in sorted(qualifiers) if q not in ALLEGATION_QUALIFIERS]
    if entry.role == "qualifier":
        if entry.name in ALLEGATION_QUALIFIERS:
            note = "set by agkg on a statement every claim of which is an allegation (write `allegation: true` and `attributed_to`); refused under `qualifiers:`"
        elif entry.name in BOUND_QUALIFIERS:
            note = "only on a claim whose value is a number; it must include the value (minimum ≤ value ≤ maximum)"
        else:
            note = "on a claim of any property"
        example = "" if entry.name in ALLEGATION_QUALIFIERS else _qualifier_example(entry)
        return replace(entry, note=note, example=example)
    numeric = entry.value_kind in NUMERIC_KINDS
    accepted = [q for q in writable if numeric or q not in BOUND_QUALIFIERS]
    named = [q for q in accepted if _names_qualifier(entry.definition, qualifiers[q])]
    if numeric:
        named.extend(q for q in BOUND_QUALIFIERS if q not in named)
    example = _claim_example(entry, [qualifiers[q] for q in named])
    return replace(entry, named_qualifiers=named, qualifiers=accepted, example=example)


def _names_qualifier(definition: str, qualifier: PropertyEntry) -> bool:
    """Does a definition name the qualifier, by its name or its label, as a whole word?"""
    for word in (qualifier.name, qualifier.label):
        if word and re.search(rf"\b{re.escape(word)}\b", definition, re.IGNORECASE):
            return True
    return False


def _local(iri: ox.NamedNode | None) -> str | None:
    if iri is None or iri not in AGKG:
        return None
    return AGKG.local_name(iri)


def _value_type(spec: PropertySpec) -> str | None:
    if spec.kind != "entity" or spec.range == OWL.Thing:
        return None
    return _local(spec.range) or spec.range.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def describe_value(vocabulary: Vocabulary, spec: PropertySpec) -> str:
    """The value a property takes, in the words a curator uses: the ``type:`` an entity must
    have (subtypes named), or the literal and how to write it."""
    if spec.kind != "entity":
        return KIND_DESCRIPTIONS[spec.kind]
    if spec.range == OWL.Thing:
        return "the id of any entity"
    kind = _value_type(spec)
    below = [c for c in vocabulary.subclasses_of(spec.range) if c != kind]
    if kind not in vocabulary.superclasses:  # an external class such as skos:Concept
        return f"the id of an entity of type {_or(below)}" if below else f"the id of a {kind}"
    return f"the id of an entity of type {kind}" + (f" (or {_or(below)})" if below else "")


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _placeholder(type_name: str | None) -> str:
    if type_name is None:
        return "some-entity"
    return "some-" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", type_name).lower()


def _example_value(entry: PropertyEntry) -> str:
    if entry.value_kind == "entity":
        return _placeholder(entry.value_type)
    return NAMED_EXAMPLES.get(entry.name, EXAMPLE_VALUES[entry.value_kind])


def _claim_example(entry: PropertyEntry, qualifiers: list[PropertyEntry]) -> str:
    lines = [
        "- subject: " + _placeholder(entry.applies_to),
        f"  property: {entry.name}",
        f"  value: {_example_value(entry)}",
    ]
    if qualifiers:
        lines.append("  qualifiers:")
        bounds = dict(zip(BOUND_QUALIFIERS, EXAMPLE_BOUNDS.get(entry.value_kind, ("", "")), strict=True))
        lines.extend(f"    {q.name}: {bounds.get(q.name) or _example_value(q)}" for q in qualifiers)
    lines.append("  quote: the exact words of the source")
    return "\n".join(lines)


def _qualifier_example(entry: PropertyEntry) -> str:
    return "\n".join(
        [
            "- subject: some-armed-group",
            "  property: memberCount" if entry.name in BOUND_QUALIFIERS else "  property: memberOf",
            "  value: 3000" if entry.name in BOUND_QUALIFIERS else "  value: some-organization",
            "  qualifiers:",
            f"    {entry.name}: "
            + dict(zip(BOUND_QUALIFIERS, EXAMPLE_BOUNDS["integer"], strict=True)).get(
                entry.name, _example_value(entry)
            ),
            "  quote: the exact words of the source",
        ]
    )


# ----- searching


@dataclass(frozen=True)
class PropertyMatch:
    """A catalogue entry a search found, how well (3 a name, 2 a word start, 1 a definition
    word) and by which of its words."""

    entry: PropertyEntry
    matched: str
    score: int


def search_properties(entries: list[PropertyEntry], word: str) -> list[PropertyMatch]:
    """Entries whose name, label, other names, Wikidata id or label contain ``word`` (case and
    accents aside, camelCase read as words), or whose definition does; best first."""
    wanted = fold_name(word)
    squashed = wanted.replace(" ", "")
    if not wanted:
        return []
    matches: list[PropertyMatch] = []
    for entry in entries:
        best: PropertyMatch | None = None
        names = [entry.name, entry.label, *entry.alt_labels, entry.wikidata or "", entry.wikidata_label or ""]
        for name in names:
            folded = fold_name(name)
            if not folded:
                continue
            score = max(match_score(wanted, folded), match_score(squashed, folded.replace(" ", "")))
            if score and (best is None or score > best.score):
                best = PropertyMatch(entry, name, score)
        if best is None and re.search(rf"\b{re.escape(wanted)}", fold_name(entry.definition)):
            best = PropertyMatch(entry, entry.definition, 1)
        if best is not None:
            matches.append(best)
    order = {"claim": 0, "qualifier": 1}
    return sorted(matches, key=lambda m: (-m.score, order[m.entry.role], m.entry.name))


def match_score(wanted: str, name: str) -> int:
    """3 when the folded ``name`` is ``wanted``, 2 when a word of it starts with it, 1 when it
    contains it, else 0 (both folded by ``fold_name``)."""
    if not wanted or not name:
        return 0
    if name == wanted:
        return 3
    if name.startswith(wanted) or f" {wanted}" in name:
        return 2
    return 1 if wanted in name else 0


# ----- Markdown


def render_markdown(entries: list[PropertyEntry]) -> str:
    """``docs/properties.md``: a summary table, then one section per property."""
    out = [
        "# Property catalogue",
        "",
        "<!-- GENERATED from ontology/ by `agkg properties --markdown > docs/properties.md`: do not",
        "     edit; change the ontology and regenerate. tests/test_catalogue.py checks it is current. -->",
        "",
        "Every property a claims file can use ([format](data-format.md)): `property:` takes a claim",
        "property, `qualifiers:` takes qualifier properties. `agkg properties WORD` searches this",
        "list from the command line by name, label, other names, definition and Wikidata label or id.",
        "",
    ]
    for role, title in (("claim", "Claim properties"), ("qualifier", "Qualifiers")):
        chosen = [e for e in entries if e.role == role]
        out += [
            f"## {title}",
            "",
            "| property | label | applies to | value | Wikidata |",
            "|---|---|---|---|---|",
        ]
        for e in chosen:
            applies = e.applies_to or "any entity"
            if role == "qualifier":
                applies = (
                    "set by agkg"
                    if e.name in ALLEGATION_QUALIFIERS
                    else "a claim with a number"
                    if e.name in BOUND_QUALIFIERS
                    else "any claim"
                )
            out.append(
                f"| [`{e.name}`](#{e.anchor}) | {_cell(e.label)} | {applies} | {_cell(_short_value(e))} "
                f"| {_wikidata_cell(e)} |"
            )
        out.append("")
    for role, title in (("claim", "Claim properties in detail"), ("qualifier", "Qualifiers in detail")):
        out += [f"## {title}", ""]
        for e in (e for e in entries if e.role == role):
            out += _section(e)
    return "\n".join(out).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _short_value(entry: PropertyEntry) -> str:
    if entry.value_kind == "entity":
        return entry.value_type or "any entity"
    return SHORT_KINDS[entry.value_kind]


def _wikidata_cell(entry: PropertyEntry) -> str:
    if not entry.wikidata:
        return ""
    label = f" {entry.wikidata_label}" if entry.wikidata_label else ""
    return f"[{entry.wikidata}](https://www.wikidata.org/wiki/Property:{entry.wikidata}){label} ({entry.wikidata_match})"


def _section(entry: PropertyEntry) -> list[str]:
    lines = [f'<a id="{entry.anchor}"></a>', f"### `{entry.name}` ({entry.role}): {entry.label}", ""]
    if entry.definition:
        lines += [entry.definition, ""]
    if entry.alt_labels:
        lines.append(f"- **Also called:** {', '.join(entry.alt_labels)}")
    if entry.role == "claim":
        lines.append(f"- **Applies to:** {entry.applies_to or 'any entity'}")
    else:
        lines.append(f"- **Used:** {entry.note}")
    lines.append(f"- **Value:** {entry.value}")
    if entry.role == "claim":
        if entry.named_qualifiers:
            lines.append(
                f"- **Qualifiers it calls for:** {', '.join(f'`{q}`' for q in entry.named_qualifiers)}"
            )
        others = [q for q in entry.qualifiers if q not in entry.named_qualifiers]
        heading = "Other qualifiers accepted" if entry.named_qualifiers else "Qualifiers accepted"
        lines.append(f"- **{heading}:** {', '.join(f'`{q}`' for q in others)}")
    if entry.sub_property_of:
        lines.append(f"- **Narrower than:** {', '.join(f'`{p}`' for p in entry.sub_property_of)}")
    lines.append(f"- **Wikidata:** {_wikidata_cell(entry) or 'not aligned'}")
    if entry.example:
        lines += ["", "```yaml", entry.example, "```"]
    lines.append("")
    return lines


def render_entry(entry: PropertyEntry) -> str:
    """One entry as plain text for the terminal (``agkg properties WORD``)."""
    kind = "claim property" if entry.role == "claim" else "qualifier"
    rows: list[tuple[str, str]] = []
    if entry.alt_labels:
        rows.append(("also called", ", ".join(entry.alt_labels)))
    if entry.role == "claim":
        rows.append(("applies to", entry.applies_to or "any entity"))
    else:
        rows.append(("used", entry.note))
    rows.append(("value", entry.value))
    if entry.role == "claim":
        if entry.named_qualifiers:
            rows.append(("qualifiers", ", ".join(entry.named_qualifiers) + " (named in its definition)"))
        others = [q for q in entry.qualifiers if q not in entry.named_qualifiers]
        rows.append(("also accepts" if entry.named_qualifiers else "qualifiers", ", ".join(others)))
    if entry.sub_property_of:
        rows.append(("narrower than", ", ".join(entry.sub_property_of)))
    if entry.wikidata:
        label = f" {entry.wikidata_label}" if entry.wikidata_label else ""
        rows.append(("wikidata", f"{entry.wikidata}{label} ({entry.wikidata_match})"))
    else:
        rows.append(("wikidata", "not aligned"))
    lines = [f"{entry.name} ({kind}): {entry.label}"]
    if entry.definition:
        lines.append(f"  {entry.definition}")
    lines.extend(f"  {name + ':':<14} {text}" for name, text in rows)
    if entry.example:
        lines.append("  example:")
        lines.extend(f"    {line}" for line in entry.example.splitlines())
    return "\n".join(lines) + "\n"


def summary_row(entry: PropertyEntry) -> list[str]:
    """The columns ``agkg properties`` lists: name, role, label, applies to, value, Wikidata."""
    applies = entry.applies_to or "any entity"
    if entry.role == "qualifier":
        applies = "a claim"
    wikidata = f"{entry.wikidata} {entry.wikidata_label or ''}".strip() if entry.wikidata else ""
    return [entry.name, entry.role, entry.label, applies, _short_value(entry), wikidata]
