"""agkg — the Armed Groups Knowledge Graph.

Curated claims from news reporting about armed groups, published as RDF with Wikidata-style
statements and references that point at the quoted words.
"""

from __future__ import annotations

__version__ = "0.1.0"
