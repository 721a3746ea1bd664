"""Reading a SPARQL query's text without parsing it: where its code is, apart from strings, IRIs
and comments, which may contain any word without it being a keyword."""

from __future__ import annotations

import re

_NOT_CODE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


def mask_non_code(query: str) -> str:
    """The query with strings, IRIs and comments blanked out, keeping its length, so keywords
    and braces can be found and offsets in the masked text are offsets in the query."""
    return _NOT_CODE.sub(lambda m: " " * len(m.group(0)), query)


def uses_service(query: str) -> bool:
    """Does the query contain the SERVICE keyword (outside strings, IRIs and comments)?"""
    return bool(_SERVICE.search(mask_non_code(query)))


_QUERY_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)


def query_form(masked: str) -> str | None:
    """The form of a query masked by ``mask_non_code`` (SELECT, CONSTRUCT, ASK or DESCRIBE: the
    first of those keywords, in capitals), or None when it has none."""
    form = _QUERY_FORM.search(masked)
    return form.group(1).upper() if form is not None else None
