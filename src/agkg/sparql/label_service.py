"""WDQS's label service, ``SERVICE wikibase:label``, answered from the dataset's own labels.

Nearly every query written for the Wikidata Query Service ends with
``SERVICE wikibase:label { bd:serviceParam wikibase:language "en" }``. agkg refuses SERVICE
calls (a local query never fetches anything), so instead of calling a service this module
rewrites the block, before the query runs, into the equivalent pattern over the local data:

* automatic mode (the block holds only ``bd:serviceParam``): every ``?xLabel``, ``?xDescription``
  and ``?xAltLabel`` the query mentions gets bound, for each ``?x`` used in the group holding
  the block, from ``rdfs:label``, ``schema:description`` and ``skos:altLabel``;
* manual mode (the block holds ``?x rdfs:label ?name``, ``?x schema:description ?d`` or
  ``?x skos:altLabel ?a``): only those variables are bound;
* ``wikibase:language "xx,yy"`` is a fallback chain, tried in order (``[AUTO_LANGUAGE]`` is
  English); a missing label falls back, as on Wikidata, to the entity's id, here the local
  name of its IRI (the slug); a literal is its own label; descriptions and alt labels have no
  fallback; alt labels are joined with ", " (in code point order) as WDQS joins them.

As in Blazegraph, the labels are computed after everything else in the group that holds the
block (the generated pattern goes at the end of that group, wherever the block was), and
before any GROUP BY, so ``GROUP BY ?x ?xLabel`` works; alt labels are aggregated in subqueries
of their own, which leave the query's grouping alone. The block is found with rdflib's SPARQL
grammar, and variables, keywords and braces in the text outside strings, IRIs and comments.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from agkg.errors import QueryError
from agkg.vocab import BD, RDFS, SCHEMA, SKOS, WIKIBASE

AUTO_LANGUAGE = "[AUTO_LANGUAGE]"
DEFAULT_LANGUAGE = "en"
ALT_LABEL_SEPARATOR = ", "

# the predicate each kind of binding reads; manual mode names the kind by the predicate
_PREDICATES = {"label": RDFS.label.value, "description": SCHEMA.description.value, "alt": SKOS.altLabel.value}
_KIND_OF_PREDICATE = {iri: kind for kind, iri in _PREDICATES.items()}
# automatic mode: the suffix that names each kind (AltLabel before Label: ?xAltLabel is not ?xAlt's)
_SUFFIXES = (("AltLabel", "alt"), ("Label", "label"), ("Description", "description"))

_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
_SERVICE_HEAD = re.compile(
    r"SERVICE\s+(?:SILENT\s+)?(?:<(?P<iri>[^<>\"{}|^`\\\s]*)>|(?P<prefix>[^\s:{}<>]*):(?P<local>[^\s{}<>]*))",
    re.IGNORECASE,
)
_VARIABLE = re.compile(r"[?$]([A-Za-z0-9_\u00b7\u00c0-\U000effff]+)")
_SELECT_STAR = re.compile(r"SELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?(\*)", re.IGNORECASE)
_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
_OTHER_FORMS = re.compile(r"\b(?:CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class LabelBinding:
    """One variable the service binds: ``target`` gets the ``kind`` of ``subject``."""

    subject: str  # a variable name, or an IRI when ``subject_is_iri``
    kind: str  # "label", "description" or "alt"
    target: str
    subject_is_iri: bool = False


@dataclass(frozen=True)
class LabelBlock:
    """A ``SERVICE wikibase:label`` block: where it is, and what it asks for."""

    start: int
    end: int
    group_end: int  # offset of the closing brace of the group that holds the block
    languages: tuple[str, ...]
    bindings: tuple[LabelBinding, ...]


def rewrite_label_service(query: str, prefixes: Mapping[str, str]) -> str:
    """The query with every ``SERVICE wikibase:label`` block replaced by the equivalent pattern
    over the local labels; any other SERVICE is left in place (for the caller to refuse).

    ``prefixes`` are the ones the query may use without declaring them (the store's); ``bd:``
    is added, as WDQS predeclares it. A malformed label block raises QueryError.
    """
    from agkg.sparql.querytext import mask_non_code

    masked = mask_non_code(query)
    starts = [m.start() for m in _SERVICE.finditer(masked)]
    if not starts:
        return query
    prologue = _prologue(query, {**prefixes, "bd": BD.iri})
    if prologue is None:
        return query  # the query does not even begin well: the engine reports it
    found: list[tuple[int, int, Any]] = []  # (start, end, rdflib's parse of the block)
    for start in starts:
        label = _label_block(query, start, prologue)
        if label is not None:
            found.append((start, *label))
    if not found:
        return query
    outside = _blank_spans(masked, [(start, end) for start, end, _ in found])
    blocks = [
        _read_block(query, masked, outside, start, end, parsed, prologue) for start, end, parsed in found
    ]
    used = set(_VARIABLE.findall(masked))
    helper = "lbl_"
    while any(name.startswith(helper) for name in used):
        helper = "_" + helper
    edits: list[tuple[int, int, int, str]] = []  # (offset, order, length to delete, text to insert)
    counter = _Counter(helper)
    for index, block in enumerate(blocks):
        edits.append((block.start, index, block.end - block.start, "{}"))
        edits.append((block.group_end, index, 0, " " + _pattern(block, counter) + " "))
    rewritten = query
    for offset, _, length, text in sorted(edits, reverse=True):
        rewritten = rewritten[:offset] + text + rewritten[offset + length :]
    return _expand_select_star(query, masked, rewritten, {**prefixes, "bd": BD.iri})


# --- finding and reading the blocks --------------------------------------------------------------


def _prologue(query: str, prefixes: Mapping[str, str]) -> Any:
    """rdflib's prologue of the query (its PREFIX and BASE declarations over ``prefixes``)."""
    from rdflib.plugins.sparql import algebra, parser  # half a second: only for SERVICE queries

    try:
        declared = parser.Prologue.parse_string(query)
        return algebra.translatePrologue(declared[0], None, dict(prefixes))
    except Exception:  # pyparsing and rdflib raise plain exceptions
        return None


def _label_block(query: str, start: int, prologue: Any) -> tuple[int, Any] | None:
    """The end and rdflib's parse of the SERVICE block at ``start`` when it calls
    wikibase:label, else None."""
    head = _SERVICE_HEAD.match(query, start)
    if head is None:
        return None
    from rdflib.term import URIRef  # rdflib takes 0.3 s to import: only for SERVICE queries

    try:
        if head["iri"] is not None:
            service = str(prologue.absolutize(URIRef(head["iri"])))
        else:
            service = str(prologue.resolvePName(head["prefix"], head["local"]))
    except Exception:  # an undeclared prefix: not the label service (the engine reports it)
        return None
    if service != WIKIBASE.label.value:
        return None
    from rdflib.plugins.sparql import parser

    matches = list(parser.ServiceGraphPattern.scan_string(query[start:], max_matches=1))
    if not matches or matches[0][1] != 0:
        raise QueryError(
            f"malformed query: {_where(query, start)}: cannot read the SERVICE wikibase:label block"
        )
    return start + int(matches[0][2]), matches[0][0][0]


def _read_block(
    query: str, masked: str, outside: str, start: int, end: int, service: Any, prologue: Any
) -> LabelBlock:
    """What the block at ``query[start:end]`` asks for, from rdflib's parse of it."""
    from rdflib.plugins.sparql import algebra
    from rdflib.term import Literal, URIRef, Variable

    try:
        resolved = algebra.traverse(
            service, visitPost=functools.partial(algebra.translatePName, prologue=prologue)
        )
        resolved = algebra.traverse(resolved, visitPost=algebra.translatePath)
        pattern = algebra.translateGroupGraphPattern(resolved["graph"])
    except Exception as error:  # rdflib: an undeclared prefix, mostly
        raise QueryError(f"malformed query: {_where(query, start)}: {error}") from error
    languages: list[str] = []
    manual: list[LabelBinding] = []
    for subject, predicate, value in _triples(pattern, query, start):
        if subject == URIRef(BD.serviceParam.value):
            if predicate != URIRef(WIKIBASE.language.value) or not isinstance(value, Literal):
                raise QueryError(
                    f"{_where(query, start)}: the label service takes only "
                    'bd:serviceParam wikibase:language "xx,yy"'
                )
            languages += _languages(str(value), query, start)
            continue
        kind = _KIND_OF_PREDICATE.get(str(predicate))
        if kind is None or not isinstance(value, Variable) or not isinstance(subject, Variable | URIRef):
            raise QueryError(
                f"{_where(query, start)}: in SERVICE wikibase:label, write ?x rdfs:label ?name, "
                "?x schema:description ?d or ?x skos:altLabel ?a (not "
                f"{subject.n3()} {predicate.n3()} {value.n3()})"
            )
        manual.append(LabelBinding(str(subject), kind, str(value), isinstance(subject, URIRef)))
    if not languages:
        raise QueryError(
            f'{_where(query, start)}: the label service needs bd:serviceParam wikibase:language "xx"'
        )
    group_start, group_end = _enclosing_group(masked, start, end, query)
    bindings = manual or _automatic(outside, outside[group_start:group_end])
    return LabelBlock(start, end, group_end, tuple(dict.fromkeys(languages)), tuple(bindings))


def _triples(pattern: Any, query: str, start: int) -> Iterator[tuple[Any, Any, Any]]:
    """The triple patterns of the block; anything else in it is refused."""
    if pattern.name == "BGP":
        yield from pattern["triples"]
    elif pattern.name == "Join":
        yield from _triples(pattern["p1"], query, start)
        yield from _triples(pattern["p2"], query, start)
    else:
        raise QueryError(f"{_where(query, start)}: SERVICE wikibase:label holds triple patterns only")


def _languages(text: str, query: str, start: int) -> list[str]:
    """The fallback chain of ``wikibase:language "xx,yy"``, lower-cased (tags are compared
    case-insensitively); the tags go into the rewritten query, so each is checked."""
    languages = []
    for part in text.split(","):
        tag = part.strip()
        if tag == AUTO_LANGUAGE:
            tag = DEFAULT_LANGUAGE
        if not _LANGUAGE.fullmatch(tag):
            raise QueryError(f"{_where(query, start)}: {tag!r} is not a language tag")
        languages.append(tag.lower())
    return languages


def _automatic(outside: str, group: str) -> list[LabelBinding]:
    """Automatic mode: ``?xLabel``, ``?xAltLabel``, ``?xDescription`` anywhere in the query,
    for each ``?x`` used in the group holding the block."""
    mentioned = list(dict.fromkeys(_VARIABLE.findall(outside)))
    in_group = set(_VARIABLE.findall(group))
    bindings = []
    for name in mentioned:
        for suffix, kind in _SUFFIXES:
            subject = name[: -len(suffix)]
            if name.endswith(suffix) and subject and subject in in_group:
                bindings.append(LabelBinding(subject, kind, name))
                break
    return bindings


def _enclosing_group(masked: str, start: int, end: int, query: str) -> tuple[int, int]:
    """Offsets of the braces of the group that holds the block (strings, IRIs and comments
    are blank in ``masked``, so every brace there is one)."""
    depth, opening = 0, -1
    for offset in range(start - 1, -1, -1):
        if masked[offset] == "}":
            depth += 1
        elif masked[offset] == "{":
            if depth == 0:
                opening = offset
                break
            depth -= 1
    depth = 0
    for offset in range(end, len(masked)):
        if masked[offset] == "{":
            depth += 1
        elif masked[offset] == "}":
            if depth == 0 and opening >= 0:
                return opening, offset
            depth -= 1
    raise QueryError(f"malformed query: {_where(query, start)}: SERVICE outside a group pattern")


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _where(query: str, offset: int) -> str:
    line = query.count("\n", 0, offset) + 1
    column = offset - (query.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


# --- writing the pattern -------------------------------------------------------------------------


class _Counter:
    """Fresh helper variable names, none of which the query uses."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.count = 0

    def fresh(self, what: str) -> str:
        self.count += 1
        return f"?{self.prefix}{what}{self.count}"


def _pattern(block: LabelBlock, counter: _Counter) -> str:
    """The SPARQL that binds what the block asks for, to be placed at the end of its group.

    An unbound ``?x`` must not match every labelled thing in the OPTIONALs below, so the
    lookups use a copy that is a fresh blank node (which has no labels) when ``?x`` is unbound.
    """
    parts: list[str] = []
    subjects: dict[tuple[str, bool], str] = {}
    for binding in block.bindings:
        key = (binding.subject, binding.subject_is_iri)
        if key not in subjects:
            if binding.subject_is_iri:
                subjects[key] = f"<{binding.subject}>"
            else:
                copy = counter.fresh("s")
                x = f"?{binding.subject}"
                parts.append(f"BIND(IF(BOUND({x}), {x}, BNODE()) AS {copy})")
                subjects[key] = copy
        subject = subjects[key]
        predicate = f"<{_PREDICATES[binding.kind]}>"
        values = []
        for language in block.languages:
            value = counter.fresh("v")
            values.append(value)
            if binding.kind == "alt":
                parts.append(_alt_labels(subject, predicate, language, value, counter))
            else:
                parts.append(
                    f'OPTIONAL {{ {subject} {predicate} {value} FILTER(LCASE(LANG({value})) = "{language}") }}'
                )
        if binding.kind == "label":
            values.append(_id_fallback(binding, counter))
        parts.append(f"BIND(COALESCE({', '.join(values)}) AS ?{binding.target})")
    return " ".join(parts)


def _alt_labels(subject: str, predicate: str, language: str, value: str, counter: _Counter) -> str:
    """The alt labels of ``subject`` in ``language``, sorted and joined, as an OPTIONAL
    subquery: its GROUP BY stays inside it, whatever the query groups by."""
    alias = counter.fresh("a")
    group = f"GROUP BY {subject} " if subject.startswith("?") else ""
    projected = subject if subject.startswith("?") else ""
    return (
        f"OPTIONAL {{ SELECT {projected} (GROUP_CONCAT(DISTINCT {alias}; separator={_string(ALT_LABEL_SEPARATOR)}) "
        f"AS {value}) WHERE {{ {{ SELECT {projected} {alias} WHERE {{ {subject} {predicate} {alias} "
        f'FILTER(LCASE(LANG({alias})) = "{language}") }} ORDER BY STR({alias}) }} }} '
        f"{group}HAVING(COUNT({alias}) > 0) }}"
    )


def _id_fallback(binding: LabelBinding, counter: _Counter) -> str:
    """What a thing without a label in any language is called: an IRI its local name (as
    Wikidata shows the Q-id), a literal itself, anything else nothing."""
    if binding.subject_is_iri:
        return _string(re.sub(r"^.*[/#]", "", binding.subject))
    x = f"?{binding.subject}"
    nothing = counter.fresh("none")
    return f'IF(isIRI({x}), REPLACE(STR({x}), "^.*[/#]", ""), IF(isLiteral({x}), {x}, {nothing}))'


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- SELECT * ------------------------------------------------------------------------------------


def _expand_select_star(original: str, masked: str, rewritten: str, prefixes: Mapping[str, str]) -> str:
    """Replace a top-level ``SELECT *`` with the variables it meant before the rewrite, so the
    helper variables stay hidden, as the service's internals are on WDQS."""
    select = _SELECT.search(masked)
    if select is None or _OTHER_FORMS.search(masked, 0, select.start()):
        return rewritten  # not a SELECT query: the first SELECT is a subquery's
    star = _SELECT_STAR.match(masked, select.start())
    if star is None:
        return rewritten
    from rdflib.plugins.sparql import algebra, parser

    try:
        translated = algebra.translateQuery(parser.parseQuery(original), initNs=dict(prefixes))
        in_scope = {str(v) for v in translated.algebra["PV"]}
    except Exception as error:  # rdflib's parser, when it cannot read the query
        raise QueryError(f"malformed query: {error}") from error
    order = list(dict.fromkeys(_VARIABLE.findall(masked)))
    variables = [name for name in order if name in in_scope]
    if not variables:
        return rewritten
    # the rewrite only changed text after the projection, so the star is where it was
    offset = star.start(1)
    return rewritten[:offset] + " ".join(f"?{name}" for name in variables) + rewritten[offset + 1 :]
