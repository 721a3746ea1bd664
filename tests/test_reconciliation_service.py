"""The Reconciliation Service API 0.2, served by uvicorn on loopback, checked against the W3C schemas."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DATASET, REPO, free_port
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource

from agkg.build.graph import build_dataset
from agkg.config import load_config

SPEC = (REPO.parent / "shared" / "reconciliation-api" / "0.2").resolve()
SCHEMA_FILES = {
    "manifest": "manifest.json",
    "reconciliation-query-batch": "reconciliation-query-batch.json",
    "reconciliation-result-batch": "reconciliation-result-batch.json",
    "data-extension-query": "data-extension-query.json",
    "data-extension-response": "data-extension-response.json",
    "data-extension-property-proposal": "data-extension-property-proposal.json",
    "suggest-entities-response": "suggest-entities-response.json",
    "suggest-properties-response": "suggest-properties-response.json",
    "suggest-types-response": "suggest-types-response.json",
}


def _registry() -> Registry:
    resources = []
    for path in sorted((SPEC / "schemas").glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        resources.append(
            (document["$id"].rstrip("#"), Resource.from_contents(document, default_specification=_DRAFT))
        )
    return Registry().with_resources(resources)


from referencing.jsonschema import DRAFT7 as _DRAFT  # noqa: E402 - used by _registry above


@pytest.fixture(scope="module")
def validators() -> dict[str, Draft7Validator]:
    if not SPEC.is_dir():
        pytest.fail(f"the Reconciliation API schemas are missing at {SPEC}: tests need ../shared")
    registry = _registry()
    found = {}
    for name, filename in SCHEMA_FILES.items():
        schema = json.loads((SPEC / "schemas" / filename).read_text(encoding="utf-8"))
        found[name] = Draft7Validator(schema, registry=registry, format_checker=FormatChecker())
    return found


def example_cases() -> list[tuple[str, str, bool]]:
    cases = []
    for name in SCHEMA_FILES:
        for verdict in ("valid", "invalid"):
            for path in sorted((SPEC / "examples" / name / verdict).glob("*.json")):
                cases.append((name, path.name, verdict == "valid"))
    return cases


@pytest.mark.parametrize(("schema", "example", "valid"), example_cases())
def test_validator_setup_judges_the_spec_examples(
    validators: dict[str, Draft7Validator], schema: str, example: str, valid: bool
) -> None:
    verdict = "valid" if valid else "invalid"
    document = json.loads((SPEC / "examples" / schema / verdict / example).read_text(encoding="utf-8"))
    errors = list(validators[schema].iter_errors(document))
    assert (not errors) == valid, [e.message for e in errors]


def test_examples_include_invalid_ones() -> None:
    assert sum(1 for _, _, valid in example_cases() if not valid) >= 10


class Service:
    def __init__(self, url: str) -> None:
        self.url = url

    def call(
        self,
        path: str,
        params: dict[str, str] | None = None,
        post: bool = False,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        encoded = urllib.parse.urlencode(params or {})
        url = self.url + path + ("" if post or not encoded else "?" + encoded)
        request = urllib.request.Request(url, data=encoded.encode() if post else None, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, path: str, params: dict[str, str] | None = None, post: bool = False) -> Any:
        status, _, body = self.call(path, params, post)
        assert status == 200, body
        return json.loads(body)


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    import uvicorn

    from agkg.wikidata.reconciliation_service import create_app

    built = build_dataset(load_config(DATASET))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(built), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield Service(f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(10)


def queries(validators: dict[str, Draft7Validator], batch: dict[str, Any]) -> dict[str, str]:
    assert not list(validators["reconciliation-query-batch"].iter_errors(batch))
    return {"queries": json.dumps(batch)}


def test_manifest(service: Service, validators: dict[str, Draft7Validator]) -> None:
    manifest = service.json("/")
    validators["manifest"].validate(manifest)
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "https://w3id.org/agkg/id/"
    assert manifest["suggest"]["entity"]["service_url"] == service.url
    assert {"id": "ArmedGroup", "name": "armed group"} in manifest["defaultTypes"]


@pytest.mark.parametrize("post", [False, True])
def test_query_batch_get_and_post(
    service: Service, validators: dict[str, Draft7Validator], post: bool
) -> None:
    batch = {
        "q0": {"query": "ISIS-K"},
        "q1": {"query": "Taliban", "type": "ArmedGroup", "limit": 3},
        "q2": {"query": "Islamic State Khorasan", "type": ["Person"]},
    }
    results = service.json("/", queries(validators, batch), post)
    validators["reconciliation-result-batch"].validate(results)
    assert set(results) == {"q0", "q1", "q2"}
    top = results["q0"]["result"][0]
    assert (top["id"], top["match"], top["score"]) == ("iskp", True, 100.0)
    assert top["type"] == [{"id": "ArmedGroup", "name": "armed group"}]
    assert {"id": "name", "value": 1.0} in top["features"]
    q1 = results["q1"]["result"]
    assert q1[0]["id"] == "taliban" and q1[0]["match"] and len(q1) <= 3
    assert all(r["id"] != "taliban-government" or not r["match"] for r in q1)
    assert results["q2"]["result"] == []  # nobody of type Person has that name


def test_property_conditions_score_and_decide(
    service: Service, validators: dict[str, Draft7Validator]
) -> None:
    batch = {
        "agree": {"query": "IS-K", "properties": [{"pid": "inception", "v": "2015"}]},
        "by-entity": {
            "query": "IS-K",
            "properties": [{"pid": "https://w3id.org/agkg/id/P-inception", "v": "2015"}],
        },
        "disagree": {"query": "IS-K", "properties": [{"pid": "P571", "v": "1999"}]},
        "entity": {"query": "Doha", "properties": [{"pid": "country", "v": {"id": "qatar"}}]},
        "by-qid": {"query": "Islamic State", "properties": [{"pid": "wikidata", "v": "Q2429253"}]},
        "only-properties": {"properties": [{"pid": "country", "v": "Qatar"}]},
    }
    results = service.json("/", queries(validators, batch), post=True)
    validators["reconciliation-result-batch"].validate(results)
    agree, disagree = results["agree"]["result"][0], results["disagree"]["result"][0]
    assert agree["match"] and {"id": "property:inception", "value": True} in agree["features"]
    assert not disagree["match"] and disagree["score"] < agree["score"]
    assert results["by-entity"]["result"][0]["score"] == agree["score"]  # the property entity's IRI
    assert results["entity"]["result"][0]["id"] == "doha" and results["entity"]["result"][0]["match"]
    assert results["by-qid"]["result"][0]["id"] == "islamic-state"
    assert [r["id"] for r in results["only-properties"]["result"]] == ["doha"]


def test_data_extension(service: Service, validators: dict[str, Draft7Validator]) -> None:
    request = {
        "ids": ["iskp", "doha", "nobody"],
        "properties": [{"id": "inception"}, {"id": "country"}, {"id": "wikidata"}, {"id": "memberCount"}],
    }
    assert not list(validators["data-extension-query"].iter_errors(request))
    response = service.json("/", {"extend": json.dumps(request)}, post=True)
    validators["data-extension-response"].validate(response)
    rows = response["rows"]
    assert rows["iskp"]["inception"] == [{"str": "2015-01"}]  # the deprecated 2018 is not best-ranked
    assert rows["iskp"]["memberCount"] == [{"int": 3000}]
    assert rows["doha"]["country"] == [{"id": "qatar", "name": "Qatar"}]
    assert rows["nobody"] == {"inception": [], "country": [], "wikidata": [], "memberCount": []}
    assert {"id": "country", "name": "country", "type": {"id": "Country", "name": "country"}} in response[
        "meta"
    ]
    proposal = service.json("/properties", {"type": "ArmedGroup"})
    validators["data-extension-property-proposal"].validate(proposal)
    names = {p["id"] for p in proposal["properties"]}
    assert {"inception", "leader", "wikidata"} <= names and "eventDate" not in names


def test_suggest_preview_and_jsonp(service: Service, validators: dict[str, Draft7Validator]) -> None:
    entities = service.json("/suggest/entity", {"prefix": "isis"})
    validators["suggest-entities-response"].validate(entities)
    assert entities["result"][0]["id"] == "iskp"
    types = service.json("/suggest/type", {"prefix": "armed"})
    validators["suggest-types-response"].validate(types)
    assert types["result"] == [{"id": "ArmedGroup", "name": "armed group"}]
    properties = service.json("/suggest/property", {"prefix": "incep"})
    validators["suggest-properties-response"].validate(properties)
    assert properties["result"] == [{"id": "inception", "name": "inception"}]
    status, headers, body = service.call("/preview", {"id": "islamic-state"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert b"Islamic State" in body and b"Q2429253" in body
    assert service.call("/preview", {"id": "nobody"})[0] == 404
    status, headers, body = service.call("/", {"callback": "cb"})
    assert headers["content-type"].startswith("application/javascript")
    text = body.decode()
    assert text.startswith("cb(") and text.endswith(");")
    validators["manifest"].validate(json.loads(text[3:-2]))


def test_cors(service: Service) -> None:
    _, headers, _ = service.call("/", headers={"Origin": "http://127.0.0.1:3333"})
    assert headers["access-control-allow-origin"] == "*"
    request = urllib.request.Request(
        service.url + "/",
        method="OPTIONS",
        headers={"Origin": "http://127.0.0.1:3333", "Access-Control-Request-Method": "POST"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert "POST" in response.headers["access-control-allow-methods"]


@pytest.mark.parametrize("bad", ["not json", "[1, 2]", '{"q0": "Taliban"}'])
def test_malformed_batches_are_400(service: Service, bad: str) -> None:
    status, _, body = service.call("/", {"queries": bad}, post=True)
    assert status == 400 and json.loads(body)["status"] == "error"


def test_schemas_folder_is_the_shared_one() -> None:
    assert Path(REPO.parent / "shared" / "reconciliation-api" / "0.2").resolve() == SPEC
