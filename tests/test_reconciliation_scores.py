"""Reconciliation service scores, candidates and extension values, on a small fixture project.

Regression tests for issue 16 (found with OpenRefine 3.6.2): a property the entity has no value
for was scored as a disagreement; look-alike strings ("al Qaida" / "Central Asia") were offered
as candidates; dates known to the month came back as text with no way to get dates, and times
of unknown zone were made UTC.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REPO, free_port
from test_reconciliation_service import validators  # noqa: F401 - the W3C schemas, as a fixture

from agkg.build.graph import BuiltDataset, build_dataset
from agkg.config import load_config
from agkg.wikidata.reconciliation_service import ReconciliationIndex, create_app, name_similarity

TEXT = (
    "The Taliban hold Kabul. The Pakistani Taliban are based in Pakistan. "
    "The Islamic State was founded in June 2014. The Tehrik was founded on 14 December 2007. "
    "Al-Qaeda was founded in 1988. The meeting began on 29 February 2020 at 10:30. "
    "The meeting ended at 18:05 in Doha."
)

ENTITIES = """\
entities:
  - {id: afghanistan, type: Country, label: {en: Afghanistan}}
  - {id: pakistan, type: Country, label: {en: Pakistan}}
  - {id: central-asia, type: Region, label: {en: Central Asia}}
  - {id: south-asia, type: Region, label: {en: South Asia}}
  - {id: taliban, type: ArmedGroup, label: {en: Taliban}}
  - {id: pakistani-taliban, type: ArmedGroup, label: {en: Pakistani Taliban}, aliases: {en: [TTP]}}
  - {id: islamic-state, type: ArmedGroup, label: {en: Islamic State}}
  - {id: al-qaeda, type: ArmedGroup, label: {en: al-Qaeda}}
  - {id: al-shabaab, type: ArmedGroup, label: {en: al-Shabaab}}
  - {id: haqqani-network, type: ArmedGroup, label: {en: Haqqani network}}
  - {id: doha-meeting, type: Event, label: {en: Doha meeting}}
  - {id: doha-closing, type: Event, label: {en: Doha closing}}
"""

CLAIMS = """\
source: fixture-article
claims:
  - {subject: pakistani-taliban, property: country, value: pakistan, quote: 'The Pakistani Taliban are based in Pakistan'}
  - {subject: islamic-state, property: inception, value: 2014-06, quote: 'The Islamic State was founded in June 2014'}
  - {subject: pakistani-taliban, property: inception, value: 2007-12-14, quote: 'The Tehrik was founded on 14 December 2007'}
  - {subject: al-qaeda, property: inception, value: 1988, quote: 'Al-Qaeda was founded in 1988'}
  - {subject: doha-meeting, property: eventDate, value: '2020-02-29T10:30', quote: 'The meeting began on 29 February 2020 at 10:30'}
  - {subject: doha-closing, property: eventDate, value: '2020-02-29T18:05:00+03:00', quote: 'The meeting ended at 18:05 in Doha'}
"""


def _sources(sha256: str) -> str:
    return (
        "sources:\n  - id: fixture-article\n    type: NewsArticle\n    headline: A fixture\n"
        f"    published: 2021-08-27\n    language: en\n    sha256: {sha256}\n"
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltDataset:
    root = tmp_path_factory.mktemp("recon")
    project, corpus = root / "project", root / "corpus"
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, project / folder)
    corpus.mkdir()
    (corpus / "fixture.txt").write_text(TEXT, encoding="utf-8")
    sha256 = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    files = {
        "data/sources/sources.yaml": _sources(sha256),
        "data/entities/entities.yaml": ENTITIES,
        "data/claims/fixture-article.yaml": CLAIMS,
        "agkg.toml": f'[agkg]\nbase = "https://example.org/kg/"\ncorpus = "{corpus}"\n',
    }
    for name, content in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(content, encoding="utf-8")
    return build_dataset(load_config(project))


@pytest.fixture(scope="module")
def index(built: BuiltDataset) -> ReconciliationIndex:
    return ReconciliationIndex(built)


def top(results: list[dict[str, Any]]) -> dict[str, Any]:
    assert results, "no candidate"
    return results[0]


# ----- 1. a property the entity has no value for is unknown, not a disagreement


def test_a_missing_property_does_not_lower_an_exact_match(index: ReconciliationIndex) -> None:
    alone = top(index.reconcile({"query": "Taliban", "type": "ArmedGroup"}))
    with_country = top(
        index.reconcile(
            {
                "query": "Taliban",
                "type": "ArmedGroup",
                "type_strict": "should",
                "properties": [{"pid": "country", "v": "Afghanistan"}],
            }
        )
    )
    assert (alone["id"], alone["score"], alone["match"]) == ("taliban", 100.0, True)
    assert (with_country["id"], with_country["score"], with_country["match"]) == ("taliban", 100.0, True)
    assert not any(f["id"] == "property:country" for f in with_country["features"])


def test_a_property_the_entity_has_still_counts_both_ways(index: ReconciliationIndex) -> None:
    def candidate(country: str) -> dict[str, Any]:
        query = {
            "query": "Pakistani Taliban",
            "type": "ArmedGroup",
            "properties": [{"pid": "country", "v": country}],
        }
        found = {r["id"]: r for r in index.reconcile(query)}
        return found["pakistani-taliban"]

    agree, disagree = candidate("Pakistan"), candidate("Afghanistan")
    assert (agree["score"], agree["match"]) == (100.0, True)
    assert {"id": "property:country", "value": True} in agree["features"]
    assert (disagree["score"], disagree["match"]) == (60.0, False)
    assert {"id": "property:country", "value": False} in disagree["features"]


def test_only_unknown_properties_find_nothing_without_a_name(index: ReconciliationIndex) -> None:
    assert index.reconcile({"properties": [{"pid": "wikidata", "v": "Q889"}]}) == []
    found = index.reconcile({"properties": [{"pid": "country", "v": "Pakistan"}]})
    assert [r["id"] for r in found] == ["pakistani-taliban"]


# ----- 2. candidates must be plausible


@pytest.mark.parametrize(
    ("query", "wanted", "never"),
    [
        ("al Qaida", "al-qaeda", {"central-asia", "south-asia", "al-shabaab", "islamic-state"}),
        ("Al Qaeda", "al-qaeda", {"central-asia", "al-shabaab"}),
        ("al-Shabab", "al-shabaab", {"al-qaeda", "central-asia"}),
        ("Haqani Network", "haqqani-network", {"central-asia", "south-asia"}),
        ("Islamic States", "islamic-state", {"pakistan", "central-asia"}),
        ("Talibans", "taliban", {"central-asia", "south-asia", "pakistan"}),
    ],
)
def test_look_alike_strings_are_no_candidates(
    index: ReconciliationIndex, query: str, wanted: str, never: set[str]
) -> None:
    for strict in ("should", "any"):
        results = index.reconcile({"query": query, "type": "ArmedGroup", "type_strict": strict})
        assert top(results)["id"] == wanted
        assert never.isdisjoint(r["id"] for r in results), results
    untyped = index.reconcile({"query": query})
    assert top(untyped)["id"] == wanted and never.isdisjoint(r["id"] for r in untyped)


def test_a_region_does_not_match_a_group_name(index: ReconciliationIndex) -> None:
    # the reported case: OpenRefine sends type_strict "should", so type alone did not exclude it
    results = index.reconcile({"query": "al Qaida", "type": "ArmedGroup", "type_strict": "should"})
    assert [r["id"] for r in results] == ["al-qaeda"]
    assert name_similarity("al qaida", "central asia") == 0.0


@pytest.mark.parametrize(
    ("a", "b"),
    [("al qaida", "al qaeda"), ("taliban", "afghan taliban"), ("isk", "is k"), ("haqani network", "haqqani")],
)
def test_near_spellings_stay_candidates(a: str, b: str) -> None:
    assert name_similarity(a, b) >= 0.6


# ----- 3. dates in data extension


def test_extension_dates_keep_their_precision(index: ReconciliationIndex) -> None:
    request = {
        "ids": ["islamic-state", "pakistani-taliban", "al-qaeda", "doha-meeting", "doha-closing"],
        "properties": [{"id": "inception"}, {"id": "eventDate"}],
    }
    rows = index.extend(request)["rows"]
    assert rows["pakistani-taliban"]["inception"] == [{"date": "2007-12-14T00:00:00Z"}]
    assert rows["islamic-state"]["inception"] == [{"str": "2014-06"}]  # not 2014-06-01
    assert rows["al-qaeda"]["inception"] == [{"str": "1988"}]
    # a time of unknown zone is not made UTC; a given zone is kept
    assert rows["doha-meeting"]["eventDate"] == [{"date": "2020-02-29T10:30:00"}]
    assert rows["doha-closing"]["eventDate"] == [{"date": "2020-02-29T18:05:00+03:00"}]


def test_coarse_dates_as_dates_when_asked(index: ReconciliationIndex) -> None:
    request = {
        "ids": ["islamic-state", "al-qaeda", "pakistani-taliban"],
        "properties": [{"id": "inception", "settings": {"coarse_dates": "start"}}],
    }
    rows = index.extend(request)["rows"]
    assert rows["islamic-state"]["inception"] == [{"date": "2014-06-01T00:00:00Z"}]
    assert rows["al-qaeda"]["inception"] == [{"date": "1988-01-01T00:00:00Z"}]
    assert rows["pakistani-taliban"]["inception"] == [{"date": "2007-12-14T00:00:00Z"}]


# ----- the same over HTTP, every response checked against the W3C 0.2 schemas


@pytest.fixture(scope="module")
def service_url(built: BuiltDataset) -> Iterator[str]:
    import uvicorn

    app = create_app(built)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _post(url: str, params: dict[str, str]) -> tuple[int, Any]:
    data = urllib.parse.urlencode(params).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url + "/", data=data), timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_served_answers_validate(service_url: str, validators: dict[str, Any]) -> None:  # noqa: F811
    with urllib.request.urlopen(service_url + "/", timeout=30) as response:
        manifest = json.loads(response.read())
    validators["manifest"].validate(manifest)
    setting = manifest["extend"]["property_settings"][0]
    assert setting["name"] == "coarse_dates" and setting["default"] == "text"
    batch = {
        "q0": {
            "query": "Taliban",
            "type": "ArmedGroup",
            "properties": [{"pid": "country", "v": "Afghanistan"}],
        },
        "q1": {"query": "al Qaida", "type": "ArmedGroup", "type_strict": "should"},
    }
    assert not list(validators["reconciliation-query-batch"].iter_errors(batch))
    status, results = _post(service_url, {"queries": json.dumps(batch)})
    assert status == 200
    validators["reconciliation-result-batch"].validate(results)
    assert results["q0"]["result"][0]["match"] and [r["id"] for r in results["q1"]["result"]] == ["al-qaeda"]
    for settings in ({}, {"coarse_dates": "start"}):
        request = {
            "ids": ["islamic-state", "doha-meeting", "doha-closing", "pakistani-taliban"],
            "properties": [{"id": p, "settings": settings} for p in ("inception", "eventDate")],
        }
        assert not list(validators["data-extension-query"].iter_errors(request))
        status, extended = _post(service_url, {"extend": json.dumps(request)})
        assert status == 200
        validators["data-extension-response"].validate(extended)
    assert extended["rows"]["islamic-state"]["inception"] == [{"date": "2014-06-01T00:00:00Z"}]
    bad = {"ids": ["islamic-state"], "properties": [{"id": "inception", "settings": {"coarse_dates": "mid"}}]}
    status, answer = _post(service_url, {"extend": json.dumps(bad)})
    assert status == 400 and "coarse_dates" in answer["message"]
