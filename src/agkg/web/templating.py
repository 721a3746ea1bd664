"""The Jinja2 environment the pages are rendered with.

Autoescaping is on for every template: a label, quote or IRI from the data is text, never
markup, whatever it contains. Undefined names raise, so a template asking for data its page
model does not carry fails in the tests instead of printing nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2


@cache
def environment() -> jinja2.Environment:
    """One environment per process: templates are compiled once and cached by Jinja2."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("agkg.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["path"] = lambda text: quote(str(text))
    return env


def render(template: str, **context: Any) -> str:
    """The page ``template`` filled with ``context`` (plain data: dataclasses, strings, lists)."""
    return environment().get_template(template).render(**context)
