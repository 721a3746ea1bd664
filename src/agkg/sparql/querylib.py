"""The named-query library (``queries/*.rq``) and safe parameter binding.

A named query is a file ``queries/NAME.rq`` whose first line is ``# Question: …``. The
parameters it is meant to take are declared in its opening comments (``# Parameter ?key: what
it selects, e.g. --param key=value``), so ``--list`` can show them and a test can check that
each binds. Parameters (``--param key=value``) bind the query variable ``?key`` to one RDF
term. The value is parsed as an RDF term (an ``<IRI>``, a prefixed name such as ``id:iskp``, a
quoted literal with an optional language tag or datatype, or else a plain string) and the
resulting term object is what reaches the query: locally as a pyoxigraph substitution (the
variable is pre-bound), or as a ``VALUES`` block written from the term's canonical N-Triples
form. The user's text is never pasted into the query, so a value cannot change the query's
shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from agkg.errors import QueryError
from agkg.sparql.querytext import mask_non_code

Term = ox.NamedNode | ox.Literal
Substitutions = dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUESTION = re.compile(r"^#\s*Question:\s*(.*)$")
_PARAMETER = re.compile(r"^#\s*Parameter\s+[?$]([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")
_EXAMPLE = re.compile(r"--param\s+([A-Za-z_][A-Za-z0-9_]*=\S+)")

_PREFIX_DECLARATION = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)
_DATASET_CLAUSE = re.compile(
    r"\s+(NAMED\s+)?(?:<([^<>\"{}|^`\\\s]*)>|([A-Za-z][\w.-]*)?:([\w.-]*))", re.IGNORECASE
)
_PREFIX_IRI = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\"{}|^`\\\s]*)>", re.IGNORECASE)
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class QueryParameter:
    """A parameter a named query declares: the variable, what it is for, and examples
    (``KEY=VALUE`` as given to ``--param``)."""

    name: str
    description: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class NamedQuery:
    """One query of the library."""

    name: str
    path: Path
    question: str
    text: str
    parameters: tuple[QueryParameter, ...] = ()


def list_queries(folder: Path) -> list[NamedQuery]:
    """Every ``*.rq`` in ``folder``, sorted by name."""
    if not folder.is_dir():
        raise QueryError(f"no query library: {folder} is not a folder")
    return [_read(path) for path in sorted(folder.glob("*.rq"))]


def load_named_query(folder: Path, name: str) -> NamedQuery:
    """The query ``folder/NAME.rq``; the error names the known queries when it is missing."""
    if not _NAME.match(name):
        raise QueryError(f"query name {name!r} may contain only letters, digits, '.', '_' and '-'")
    path = folder / f"{name}.rq"
    if not path.is_file():
        known = ", ".join(q.name for q in list_queries(folder)) if folder.is_dir() else "none"
        raise QueryError(f"no query named {name!r} in {folder} (known: {known})")
    return _read(path)


def _read(path: Path) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryError(f"{path}: cannot read query: {error}") from error
    lines = text.splitlines()
    match = _QUESTION.match(lines[0]) if lines else None
    parameters = []
    for line in lines:
        if not line.startswith("#"):
            break  # declarations are in the opening comments only
        declared = _PARAMETER.match(line)
        if declared:
            name, description = declared.group(1), declared.group(2).strip()
            parameters.append(QueryParameter(name, description, tuple(_EXAMPLE.findall(description))))
    return NamedQuery(path.stem, path, match.group(1).strip() if match else "", text, tuple(parameters))


def parse_term(value: str, prefixes: dict[str, str]) -> Term:
    """One RDF term from a parameter value.

    ``<iri>``, ``prefix:local`` (with the dataset's prefixes), ``"text"``, ``"text"@lang`` and
    ``"text"^^datatype`` are read as Turtle would read them; anything else is a plain string.
    """
    text = value.strip()
    looks_like_term = text.startswith(("<", '"', "'")) or (
        ":" in text and text.split(":", 1)[0] in prefixes and not text.startswith(("http:", "https:"))
    )
    if not looks_like_term:
        return ox.Literal(value)
    declarations = "".join(f"@prefix {name}: <{iri}> .\n" for name, iri in sorted(prefixes.items()))
    document = f"{declarations}<urn:agkg:s> <urn:agkg:p> {text} .".encode()
    try:
        triples = list(ox.parse(document, format=ox.RdfFormat.TURTLE))
    except SyntaxError as error:
        raise QueryError(f"parameter value {value!r} is not an RDF term: {error}") from None
    if len(triples) != 1:
        raise QueryError(f"parameter value {value!r} must be exactly one RDF term")
    term = triples[0].object
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise QueryError(f"parameter value {value!r} must be an IRI or a literal")
    return term


def parse_params(pairs: list[str] | tuple[str, ...], prefixes: dict[str, str]) -> dict[str, Term]:
    """``key=value`` pairs to variable name → term."""
    bound: dict[str, Term] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip("?$")
        if not sep or not _VARIABLE_NAME.match(key):
            raise QueryError(f"--param {pair!r}: expected NAME=VALUE with NAME a SPARQL variable name")
        if key in bound:
            raise QueryError(f"--param {key} given twice")
        bound[key] = parse_term(value, prefixes)
    return bound


def query_variables(query: str) -> set[str]:
    """The names of the variables the query mentions (outside strings, IRIs and comments)."""
    return set(re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", mask_non_code(query)))


def check_params(query: str, params: dict[str, Term]) -> None:
    unknown = sorted(set(params) - query_variables(query))
    if unknown:
        raise QueryError(
            f"the query has no variable {', '.join('?' + name for name in unknown)} to bind; "
            f"its variables: {', '.join('?' + v for v in sorted(query_variables(query)))}"
        )


def projected_variables(query: str) -> set[str] | None:
    """The variables of a SELECT query's projection, or None for other forms and ``SELECT *``."""
    masked = mask_non_code(query)
    form = _FORM.search(masked)
    if form is None or form.group(1).upper() != "SELECT":
        return None
    depth_zero = _depth_zero_where(masked)
    clause = masked[form.end() : depth_zero if depth_zero is not None else len(masked)]
    clause = re.split(r"\b(?:FROM|WHERE)\b|\{", clause, maxsplit=1, flags=re.IGNORECASE)[0]
    outside_expressions = re.sub(r"\([^()]*\)", " ", re.sub(r"\([^()]*\)", " ", clause))
    if "*" in outside_expressions:
        return None
    bare = re.findall(r"[?$]([A-Za-z_][A-Za-z0-9_]*)", outside_expressions)
    named = re.findall(r"\bAS\s+[?$]([A-Za-z_][A-Za-z0-9_]*)", clause, re.IGNORECASE)
    return set(bare) | set(named)


def _depth_zero_where(masked: str) -> int | None:
    """Offset just after the opening brace of the query's outermost WHERE group."""
    depth = 0
    form = _FORM.search(masked)
    is_construct = form is not None and form.group(1).upper() == "CONSTRUCT"
    for match in re.finditer(r"\bWHERE\b\s*\{|[{}]", masked, re.IGNORECASE):
        token = match.group(0)
        if token.upper().startswith("WHERE"):
            if depth == 0:
                return match.end()
            depth += 1
        elif token == "{":
            if depth == 0 and not is_construct and form is not None and match.start() > form.end():
                # SELECT/ASK/DESCRIBE may leave out the WHERE keyword.
                return match.end()
            depth += 1
        else:
            depth -= 1
    return None


def values_block(params: dict[str, Term]) -> str:
    """A VALUES block for the bindings, written from the terms (never from user text)."""
    names = sorted(params)
    variables = " ".join(f"?{name}" for name in names)
    row = " ".join(str(params[name]) for name in names)
    return f" VALUES ({variables}) {{ ({row}) }} "


def bind_with_values(query: str, params: dict[str, Term]) -> str:
    """The query with a VALUES block opening its outermost WHERE group.

    At the start of the group the values join before any FILTER, BIND or OPTIONAL of that group
    is evaluated, which is how a pre-bound variable behaves there.
    """
    if not params:
        return query
    check_params(query, params)
    offset = _depth_zero_where(mask_non_code(query))
    if offset is None:
        raise QueryError("cannot find the query's WHERE group to bind parameters in")
    return query[:offset] + values_block(params) + query[offset:]


def split_params(query: str, params: dict[str, Term]) -> tuple[dict[str, Term], dict[str, Term]]:
    """(parameters naming projected variables, the others).

    A projected variable may be computed by the query (``BIND (… AS ?source)``), so it is bound
    on the query's answer; any other variable is bound where the WHERE group begins.
    """
    check_params(query, params)
    projected = projected_variables(query) or set()
    return (
        {k: v for k, v in params.items() if k in projected},
        {k: v for k, v in params.items() if k not in projected},
    )


def prepare_local(query: str, params: dict[str, Term]) -> tuple[str, Substitutions | None]:
    """Query text and pyoxigraph substitutions (which pre-bind projected variables only)."""
    on_answer, in_where = split_params(query, params)
    substitutions: Substitutions = {ox.Variable(name): term for name, term in on_answer.items()}
    return bind_with_values(query, in_where), substitutions or None


def prepare_remote(query: str, params: dict[str, Term], prefixes: dict[str, str]) -> str:
    """Query text for an endpoint: the same bindings as ``prepare_local``, as VALUES blocks
    (projected variables in the trailing VALUES clause, SPARQL 1.1 section 18.2.4.3), and the
    dataset's prefixes declared."""
    on_answer, in_where = split_params(query, params)
    text = bind_with_values(query, in_where)
    if on_answer:
        text = text.rstrip() + "\n" + values_block(on_answer).strip() + "\n"
    return declare_prefixes(text, prefixes)


def declares_dataset(query: str) -> bool:
    """Does the query choose its own graphs (``FROM`` or ``FROM NAMED``, SPARQL 1.1 section 13.2)?"""
    return bool(_FROM.search(mask_non_code(query)))


def query_dataset(query: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The IRIs of the query's ``FROM`` and ``FROM NAMED`` graphs, or None when one cannot be
    read for sure (a relative IRI, an undeclared prefix)."""
    masked = mask_non_code(query)
    declared = {
        m.group(1) or "": m.group(2)
        for m in _PREFIX_IRI.finditer(query)
        if masked[m.start()] != " "  # a declaration, not text in a comment or string
    }
    default: list[str] = []
    named: list[str] = []
    for clause in _FROM.finditer(masked):
        rest = _DATASET_CLAUSE.match(query, clause.end())
        if rest is None:
            return None
        if rest.group(2) is not None:
            iri = rest.group(2)
        elif (rest.group(3) or "") in declared:
            iri = declared[rest.group(3) or ""] + rest.group(4)
        else:
            return None
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
            return None
        (named if rest.group(1) else default).append(iri)
    return tuple(default), tuple(named)


def declare_prefixes(query: str, prefixes: dict[str, str]) -> str:
    """Declare the dataset's prefixes the query uses without declaring them itself.

    Local queries get them from the store; a remote endpoint knows only what the text declares,
    so this makes the same text mean the same thing in both places.
    """
    masked = mask_non_code(query)
    declared = {m.group(1) or "" for m in _PREFIX_DECLARATION.finditer(masked)}
    missing = [
        name
        for name in sorted(prefixes)
        if name not in declared and re.search(rf"(?<![\w?$]){re.escape(name)}:", masked)
    ]
    if not missing:
        return query
    head = "".join(f"PREFIX {name}: <{prefixes[name]}>\n" for name in missing)
    return head + query
