"""A W3C Reconciliation Service API (version 0.2, what OpenRefine 3.x speaks) over agkg's entities.

Endpoints, relative to the service URL (see docs/reconciliation.md):

- ``GET /`` the manifest; ``GET|POST /?queries=`` a reconciliation batch; ``?extend=`` data
  extension (a ``callback`` parameter wraps any of them as JSONP);
- ``/suggest/entity``, ``/suggest/type``, ``/suggest/property`` with ``prefix=``;
- ``/properties?type=`` proposes properties to extend with; ``/preview?id=`` an HTML card.

Entity identifiers are agkg's ids (``iskp``), types are ontology class names (``ArmedGroup``),
properties are claim property names (``inception``), or a Wikidata property ID the ontology
aligns (``P571``), or ``wikidata`` for an entity's Wikidata ID. Only best-ranked claims count,
as in the truthy graph. Needs the ``serve`` extra (starlette, uvicorn).
"""

from __future__ import annotations

import difflib
import html
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from agkg import __version__
from agkg.build.alignment import wikidata_mapping
from agkg.build.claims import EntityValue, LiteralValue, Value
from agkg.build.graph import BuiltDataset
from agkg.vocab import AGKG, RDFS, WikibaseNamespaces
from agkg.wikidata.reconciliation import normalise_name

API_VERSION = "0.2"
DEFAULT_LIMIT = 10
MAX_QUERIES = 1000  # per batch; OpenRefine sends 10 by default
DEFAULT_TYPES = ("ArmedGroup", "Organization", "Person", "Place", "Event")


MIN_SIMILARITY = 0.6  # name similarity below which an entity is no candidate at all
# Words too common in the names of this domain to make two names alike on their own
# ("al Qaida" and "al-Shabaab" share "al"); short tokens are compared exactly, never fuzzily.
NAME_STOPWORDS = frozenset({"al", "el", "ad", "ar", "as", "ash", "at", "ul", "the", "of", "and", "de", "la"})
MIN_FUZZY_TOKEN = 4  # characters; shorter tokens must be equal to count as shared


def name_similarity(query: str, name: str) -> float:
    """How alike two normalised names are, 0 to 1; 0 unless they plausibly name the same thing.

    Character similarity over the whole string alone finds "al qaida" and "central asia" 60 %
    alike (the letters of "al" and "a...ia" line up). So a name is a candidate only when the
    two strings are alike as a whole once spaces are ignored ("alqaida" / "alqaeda"), or they
    share a distinctive word: not a stopword, and equal or, for words of MIN_FUZZY_TOKEN
    letters or more, a near spelling ("qaida" / "qaeda"). The similarity is then the better of
    the whole-string and the space-free ratios.
    """
    if query == name:
        return 1.0
    whole = difflib.SequenceMatcher(None, query, name).ratio()
    compact = difflib.SequenceMatcher(None, query.replace(" ", ""), name.replace(" ", "")).ratio()
    if compact < 0.85 and not _share_a_word(query.split(), name.split()):
        return 0.0
    return max(whole, compact)


def _share_a_word(query_words: list[str], name_words: list[str]) -> bool:
    for word in query_words:
        if word in NAME_STOPWORDS:
            continue
        for other in name_words:
            if other in NAME_STOPWORDS:
                continue
            if word == other and len(word) >= 2:
                return True
            if (
                min(len(word), len(other)) >= MIN_FUZZY_TOKEN
                and difflib.SequenceMatcher(None, word, other).ratio() >= 0.8
            ):
                return True
    return False


class BadRequest(Exception):
    """The request is not a well-formed Reconciliation API request (answered 400)."""


@dataclass
class IndexedEntity:
    id: str
    type: str
    name: str
    names: list[str]  # labels and aliases, every language
    description: str
    wikidata: str | None
    values: dict[str, list[Value]] = field(default_factory=dict)


class ReconciliationIndex:
    """What the service answers from: entities, their names and best-ranked claim values."""

    def __init__(self, built: BuiltDataset) -> None:
        self.base = built.iris.base
        self.vocabulary = built.vocabulary
        self.mapping = wikidata_mapping(built.vocabulary)
        self.labels = _term_labels(built)
        self.entities: dict[str, IndexedEntity] = {}
        for entity in built.data.entities.values():
            name = entity.labels.get("en") or next(iter(entity.labels.values()), entity.id)
            names = [*entity.labels.values(), *(a for aliases in entity.aliases.values() for a in aliases)]
            description = entity.descriptions.get("en") or next(iter(entity.descriptions.values()), "")
            self.entities[entity.id] = IndexedEntity(
                entity.id, entity.type, name, names, description, entity.wikidata
            )
        for record in built.provenance.statements.values():
            if record.best and record.subject in self.entities:
                values = self.entities[record.subject].values.setdefault(record.property, [])
                if record.value is not None and record.value not in values:
                    values.append(record.value)
        self.source_names = {s.id: s.headline or s.id for s in built.data.sources.values()}

    # ----- names of things

    def type_ref(self, name: str) -> dict[str, str]:
        return {"id": name, "name": self.labels.get(name, name)}

    def value_name(self, value: Value) -> str:
        if isinstance(value, EntityValue):
            found = self.entities.get(value.id)
            return found.name if found else self.source_names.get(value.id, value.id)
        return value.lexical

    def property_name(self, pid: str) -> str | None:
        if pid == "wikidata":
            return "Wikidata ID"
        names = self.property_ids(pid)
        return self.labels.get(names[0], names[0]) if names else None

    def property_ids(self, pid: str) -> list[str]:
        """agkg claim properties a query's ``pid`` stands for."""
        if pid in self.vocabulary.claim_properties:
            return [pid]
        if pid.startswith(AGKG.iri) and pid[len(AGKG.iri) :] in self.vocabulary.claim_properties:
            return [pid[len(AGKG.iri) :]]
        # the property entity, by its IRI or local name (P-inception), as the dumps name it
        entity = WikibaseNamespaces(self.base).property_entity("")
        for prefix in (entity.value, "P-"):
            if pid.startswith(prefix) and pid[len(prefix) :] in self.vocabulary.claim_properties:
                return [pid[len(prefix) :]]
        return [p for p in self.mapping.property_for(pid) if p in self.vocabulary.claim_properties]

    def is_a(self, entity: IndexedEntity, type_id: str) -> bool:
        name = type_id[len(AGKG.iri) :] if type_id.startswith(AGKG.iri) else type_id
        return self.vocabulary.is_a(entity.type, AGKG.term(name))

    # ----- reconciliation

    def reconcile(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        """Candidates for one query, best first (Reconciliation API 0.2, section 4)."""
        text = str(query.get("query", "")).strip()
        types = query.get("type") or []
        types = [types] if isinstance(types, str) else list(types)
        strict = query.get("type_strict", "any")
        limit = int(query.get("limit") or DEFAULT_LIMIT)
        conditions = query.get("properties") or []
        target = normalise_name(text)
        scored = []
        for entity in self.entities.values():
            fits = [self.is_a(entity, t) for t in types]
            if types and strict != "should" and not (all(fits) if strict == "all" else any(fits)):
                continue
            features: list[dict[str, Any]] = []
            similarity = 0.0
            exact = False
            if target:
                for name in entity.names:
                    normalised = normalise_name(name)
                    exact = exact or normalised == target
                    similarity = max(similarity, name_similarity(target, normalised))
                if similarity < MIN_SIMILARITY:
                    continue
                features.append({"id": "name", "value": round(similarity, 3)})
            # None: the entity has no value for the property, which says nothing either way
            compared: list[bool] = []
            for condition in conditions:
                agree = self.condition_holds(entity, str(condition.get("pid", "")), condition.get("v"))
                if agree is not None:
                    compared.append(agree)
                    features.append({"id": f"property:{condition.get('pid')}", "value": agree})
            if types:
                features.append({"id": "type", "value": any(fits)})
            fraction = sum(compared) / len(compared) if compared else 1.0
            if not target and not any(compared):
                continue
            score = 100 * (0.6 * similarity + 0.4 * fraction) if target else 100 * fraction
            if strict == "should" and types and not any(fits):
                score *= 0.8
            scored.append((round(score, 1), exact and all(compared), entity, features))
        scored.sort(key=lambda s: (-s[0], s[2].id))
        exact_ones = [s for s in scored if s[1]]
        results = []
        for score, exact, entity, features in scored[:limit]:
            results.append(
                {
                    "id": entity.id,
                    "name": entity.name,
                    "description": entity.description,
                    "score": score,
                    "match": exact and len(exact_ones) == 1,
                    "type": [self.type_ref(entity.type)],
                    "features": features,
                }
            )
        return results

    def condition_holds(self, entity: IndexedEntity, pid: str, wanted: Any) -> bool | None:
        """Whether ``entity`` has the value ``wanted`` for ``pid``; None when it has no value
        for ``pid`` at all: a fact the data does not hold is unknown, not a disagreement."""
        wanted_values = wanted if isinstance(wanted, list) else [wanted]
        if pid == "wikidata":
            if not entity.wikidata:
                return None
            return any(str(w).strip() == entity.wikidata for w in wanted_values if w is not None)
        have = [v for prop in self.property_ids(pid) for v in entity.values.get(prop, [])]
        if not have:
            return None
        return any(self._value_matches(value, w) for value in have for w in wanted_values)

    def _value_matches(self, value: Value, wanted: Any) -> bool:
        if isinstance(wanted, dict):
            identifier = str(wanted.get("id", ""))
            if isinstance(value, EntityValue):
                target = self.entities.get(value.id)
                return identifier in (value.id, self.base + "id/" + value.id) or bool(
                    target and target.wikidata and identifier == target.wikidata
                )
            return False
        text = str(wanted).strip()
        if isinstance(wanted, bool):
            text = str(wanted).lower()
        if isinstance(value, EntityValue):
            found = self.entities.get(value.id)
            names = found.names if found else [value.id]
            return value.id == text or any(normalise_name(n) == normalise_name(text) for n in names)
        if isinstance(value, LiteralValue):
            if value.datatype.endswith(("gYear", "gYearMonth", "date", "dateTime")):
                return bool(text) and (value.lexical.startswith(text) or text.startswith(value.lexical))
            return normalise_name(value.lexical) == normalise_name(text)
        return False

    # ----- data extension

    def extend(self, request: dict[str, Any]) -> dict[str, Any]:
        ids = request.get("ids")
        properties = request.get("properties")
        if not isinstance(ids, list) or not isinstance(properties, list):
            raise BadRequest("extend needs 'ids' and 'properties' lists")
        pids = [str(p.get("id")) for p in properties if isinstance(p, dict) and p.get("id")]
        coarse_as = {
            str(p.get("id")): _setting(p, "coarse_dates", COARSE_DATE_CHOICES)
            for p in properties
            if isinstance(p, dict) and p.get("id")
        }
        meta = []
        for pid in pids:
            entry: dict[str, Any] = {"id": pid, "name": self.property_name(pid) or pid}
            names = self.property_ids(pid)
            spec = self.vocabulary.claim_properties.get(names[0]) if names else None
            if spec is not None and spec.takes_entity and spec.range in AGKG:
                entry["type"] = self.type_ref(AGKG.local_name(spec.range))
            meta.append(entry)
        rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for identifier in map(str, ids):
            entity = self.entities.get(identifier)
            row: dict[str, list[dict[str, Any]]] = {}
            for pid in pids:
                if entity is None:
                    row[pid] = []
                elif pid == "wikidata":
                    row[pid] = [{"str": entity.wikidata}] if entity.wikidata else []
                else:
                    values = [v for p in self.property_ids(pid) for v in entity.values.get(p, [])]
                    row[pid] = [self.extension_value(v, coarse_as[pid]) for v in values]
            rows[identifier] = row
        return {"meta": meta, "rows": rows}

    def extension_value(self, value: Value, coarse_dates: str = "text") -> dict[str, Any]:
        """One value as a data extension cell (Reconciliation API 0.2, section 6).

        The API has one date form, ``{"date": ...}`` with a full ISO 8601 date and time (the
        schema's pattern requires both), and no way to say "January 2015". A value known to the
        day is a ``date``; one known only to the month or year is, by default, text as written
        (``{"str": "2015-01"}``), because ``2015-01-01T00:00:00Z`` would claim a day the sources
        never gave (and would be exported onwards as one). With the property setting
        ``coarse_dates: start`` it is a ``date`` at the first instant of its period instead, for
        sorting and timeline facets; the curator asks for that knowingly.
        """
        if isinstance(value, EntityValue):
            if value.id in self.entities:
                return {"id": value.id, "name": self.value_name(value)}
            return {"str": self.value_name(value)}
        kind = value.datatype.rsplit("#", 1)[-1]
        if kind in ("integer", "positiveInteger", "nonNegativeInteger"):
            return {"int": int(value.lexical)}
        if kind == "decimal":
            return {"float": float(value.lexical)}
        if kind == "date":
            return {"date": f"{value.lexical}T00:00:00Z"}
        if kind == "dateTime":
            return {"date": _full_date_time(value.lexical)}
        if kind in ("gYearMonth", "gYear") and coarse_dates == "start":
            start = value.lexical + ("-01" if kind == "gYearMonth" else "-01-01")
            return {"date": f"{start}T00:00:00Z"}
        return {"str": value.lexical}

    def propose_properties(self, type_id: str, limit: int) -> dict[str, Any]:
        name = type_id[len(AGKG.iri) :] if type_id.startswith(AGKG.iri) else type_id
        proposals = []
        for prop in sorted(self.vocabulary.claim_properties):
            domain = self.vocabulary.domains.get(prop)
            if domain is None or self.vocabulary.is_a(name, domain):
                proposals.append({"id": prop, "name": self.labels.get(prop, prop)})
        proposals.append({"id": "wikidata", "name": "Wikidata ID"})
        return {"type": type_id, "properties": proposals[:limit], "limit": limit}

    # ----- suggest

    def suggest_entities(self, prefix: str, type_id: str | None, limit: int) -> list[dict[str, Any]]:
        wanted = normalise_name(prefix)
        found = []
        for entity in sorted(self.entities.values(), key=lambda e: e.id):
            if type_id and not self.is_a(entity, type_id):
                continue
            if any(normalise_name(n).startswith(wanted) or wanted in normalise_name(n) for n in entity.names):
                found.append(
                    {
                        "id": entity.id,
                        "name": entity.name,
                        "description": entity.description,
                        "notable": [self.type_ref(entity.type)],
                    }
                )
        return found[:limit]

    def suggest_types(self, prefix: str, limit: int) -> list[dict[str, Any]]:
        wanted = normalise_name(prefix)
        return [
            self.type_ref(name)
            for name in self.vocabulary.classes
            if wanted in normalise_name(self.labels.get(name, name)) or wanted in normalise_name(name)
        ][:limit]

    def suggest_properties(self, prefix: str, limit: int) -> list[dict[str, Any]]:
        wanted = normalise_name(prefix)
        return [
            {"id": name, "name": self.labels.get(name, name)}
            for name in sorted(self.vocabulary.claim_properties)
            if wanted in normalise_name(self.labels.get(name, name)) or wanted in normalise_name(name)
        ][:limit]

    def manifest(self, root: str) -> dict[str, Any]:
        return {
            "versions": [API_VERSION],
            "name": "agkg — Armed Groups Knowledge Graph",
            "identifierSpace": self.base + "id/",
            "schemaSpace": AGKG.iri,
            "serviceVersion": __version__,
            "view": {"url": self.base + "id/{{id}}"},
            "defaultTypes": [self.type_ref(t) for t in DEFAULT_TYPES if t in self.vocabulary.superclasses],
            "preview": {"url": root + "/preview?id={{id}}", "width": 420, "height": 160},
            "suggest": {
                kind: {"service_url": root, "service_path": f"/suggest/{kind}"}
                for kind in ("entity", "type", "property")
            },
            "extend": {
                "propose_properties": {"service_url": root, "service_path": "/properties"},
                "property_settings": [
                    {
                        "name": "coarse_dates",
                        "label": "Dates known only to the month or year",
                        "type": "select",
                        "default": "text",
                        "choices": [
                            {"value": "text", "name": "as text, at their precision (2015-01)"},
                            {"value": "start", "name": "as dates, at the start of the period (2015-01-01)"},
                        ],
                        "help_text": "The API's dates are full dates and times: a date known only to "
                        "the month or year can be one only by pretending to know the day.",
                    }
                ],
            },
        }

    def preview(self, identifier: str) -> str | None:
        entity = self.entities.get(identifier)
        if entity is None:
            return None
        link = (
            f' · <a href="http://www.wikidata.org/entity/{html.escape(entity.wikidata)}" target="_blank">'
            f"{html.escape(entity.wikidata)}</a>"
            if entity.wikidata
            else ""
        )
        aliases = ", ".join(html.escape(n) for n in entity.names if n != entity.name)
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
            + html.escape(entity.name)
            + '</title></head><body style="font-family:sans-serif;font-size:13px;margin:6px">'
            + f'<strong><a href="{html.escape(self.base)}id/{html.escape(entity.id)}" target="_blank">'
            + f"{html.escape(entity.name)}</a></strong> ({html.escape(self.labels.get(entity.type, entity.type))}"
            + f"){link}<p>{html.escape(entity.description)}</p>"
            + (f"<p>Also: {aliases}</p>" if aliases else "")
            + "</body></html>"
        )


COARSE_DATE_CHOICES = ("text", "start")
_DATE_TIME = re.compile(r"^(?P<minutes>[^T]+T\d{2}:\d{2})(?P<seconds>:\d{2}(?:\.\d+)?)?(?P<zone>.*)$")


def _setting(prop: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    """A data extension property setting (sent as text), or the first choice, its default."""
    settings = prop.get("settings")
    value = settings.get(name) if isinstance(settings, dict) else None
    if value is None:
        return choices[0]
    if str(value) not in choices:
        raise BadRequest(f"setting {name!r} must be one of {', '.join(choices)}")
    return str(value)


def _full_date_time(lexical: str) -> str:
    """An xsd:dateTime with seconds, as the API's date pattern requires; a time zone only if
    the data gives one (a time of unknown zone is not made UTC)."""
    match = _DATE_TIME.match(lexical)
    if match is None:
        return lexical
    return match["minutes"] + (match["seconds"] or ":00") + match["zone"]


def _term_labels(built: BuiltDataset) -> dict[str, str]:
    labels: dict[str, str] = {}
    for triple in built.vocabulary.triples:
        if triple.predicate == RDFS.label and triple.subject in AGKG:
            literal = triple.object
            language = getattr(literal, "language", None)
            name = AGKG.local_name(triple.subject)  # type: ignore[arg-type]
            if language in (None, "en") or name not in labels:
                labels[name] = str(getattr(literal, "value", ""))
    return labels


# --------------------------------------------------------------------------------- HTTP


def create_app(built: BuiltDataset, public_url: str | None = None) -> Starlette:
    """The ASGI app serving the Reconciliation API over ``built``'s entities (CORS open)."""
    index = ReconciliationIndex(built)

    def root_of(request: Request) -> str:
        return (public_url or str(request.base_url)).rstrip("/")

    async def params(request: Request) -> dict[str, str]:
        values = {k: v for k, v in request.query_params.items()}
        if request.method == "POST":
            # OpenRefine posts application/x-www-form-urlencoded; parsed here so that the
            # service needs no multipart library
            body = (await request.body()).decode("utf-8", errors="replace")
            values.update(urllib.parse.parse_qsl(body, keep_blank_values=True))
        return values

    def answer(payload: Any, values: dict[str, str], status: int = 200) -> Response:
        callback = values.get("callback")
        if callback and callback.replace("_", "").replace(".", "").isalnum():
            body = f"{callback}({json.dumps(payload, ensure_ascii=False)});"
            return Response(body, status, media_type="application/javascript")
        return JSONResponse(payload, status)

    def limit_of(values: dict[str, str], default: int = DEFAULT_LIMIT) -> int:
        try:
            return max(1, min(int(values.get("limit") or default), 1000))
        except ValueError:
            raise BadRequest("limit must be an integer") from None

    async def service(request: Request) -> Response:
        values = await params(request)
        try:
            if "queries" in values:
                batch = _json_object(values["queries"], "queries")
                if len(batch) > MAX_QUERIES:
                    raise BadRequest(f"at most {MAX_QUERIES} queries in one batch")
                results = {}
                for key, query in batch.items():
                    if not isinstance(query, dict):
                        raise BadRequest(f"query {key!r} is not an object")
                    results[key] = {"result": index.reconcile(query)}
                return answer(results, values)
            if "extend" in values:
                return answer(index.extend(_json_object(values["extend"], "extend")), values)
        except BadRequest as error:
            return answer({"status": "error", "message": str(error)}, values, 400)
        except (TypeError, ValueError) as error:
            return answer({"status": "error", "message": f"malformed query: {error}"}, values, 400)
        return answer(index.manifest(root_of(request)), values)

    def suggest(kind: str) -> Any:
        async def endpoint(request: Request) -> Response:
            values = await params(request)
            try:
                limit = limit_of(values)
            except BadRequest as error:
                return answer({"status": "error", "message": str(error)}, values, 400)
            prefix = values.get("prefix", "")
            if kind == "entity":
                result = index.suggest_entities(prefix, values.get("type"), limit)
            elif kind == "type":
                result = index.suggest_types(prefix, limit)
            else:
                result = index.suggest_properties(prefix, limit)
            return answer({"result": result}, values)

        return endpoint

    async def properties(request: Request) -> Response:
        values = await params(request)
        try:
            limit = limit_of(values, 50)
        except BadRequest as error:
            return answer({"status": "error", "message": str(error)}, values, 400)
        return answer(index.propose_properties(values.get("type", ""), limit), values)

    async def preview(request: Request) -> Response:
        page = index.preview(request.query_params.get("id", ""))
        if page is None:
            return HTMLResponse("<p>No such entity.</p>", 404)
        return HTMLResponse(page)

    routes = [
        Route("/", service, methods=["GET", "POST"]),
        Route("/suggest/entity", suggest("entity"), methods=["GET", "POST"]),
        Route("/suggest/type", suggest("type"), methods=["GET", "POST"]),
        Route("/suggest/property", suggest("property"), methods=["GET", "POST"]),
        Route("/properties", properties, methods=["GET", "POST"]),
        Route("/preview", preview, methods=["GET"]),
    ]
    middleware = [
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])
    ]
    return Starlette(routes=routes, middleware=middleware)


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except ValueError as error:
        raise BadRequest(f"{what} is not JSON: {error}") from None
    if not isinstance(parsed, dict):
        raise BadRequest(f"{what} must be a JSON object")
    return parsed
