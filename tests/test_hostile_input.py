"""Hostile input files, second round (issue 16): what a held-out set of bad files got through.

Each case failed before its fix in one of three ways: a traceback with exit code 1 (an IRI or a
language tag that only the RDF library refused), a message without line and column (a NUL
byte, a file over the size limit), or no message at all (the file was accepted and published).
Now every one is ``path:line:column: message``, exit code 2, and nothing is written. The last
tests check forms the JSON Schemas allow against the loader, and where a SHACL result about a
truthy value is reported.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from bad_input import (
    CLAIMS,
    ENTITIES,
    ENTITY,
    SOURCE,
    SOURCES,
    assert_publish_refuses,
    claim,
    write_files,
)
from click.testing import Result
from jsonschema import Draft202012Validator

from agkg.build.claims import load_curated_data
from agkg.build.ontology import load_vocabulary
from agkg.errors import InputError

Run = Callable[..., Result]

SIDDIQUI_SHA = "9ba8a38579ba0f1888895e54a67f166669566cd0c2845c652be62b9f7eea7175"


def members(qualifiers: str, value: str = "3000") -> str:
    return claim(property="memberCount", value=value, qualifiers=qualifiers)


# (name, files to add, the expected "path:line:column: message" prefix)
CATALOGUE: list[tuple[str, dict[str, str | bytes], str]] = [
    # 1. an IRI or a language tag that only pyoxigraph refused: a traceback, exit code 1
    ("iri-bare-percent", {ENTITIES: ENTITY + "    same_as: ['https://example.org/a%zz']\n"},
     f"{ENTITIES}:5:15: same_as 'https://example.org/a%zz' is not an absolute IRI: Invalid IRI percent"),
    ("iri-percent-at-the-end", {SOURCES: SOURCE + "    url: https://example.org/100%\n"},
     f"{SOURCES}:4:10: url 'https://example.org/100%' is not an absolute http(s) IRI: Invalid IRI percent"),
    ("iri-second-hash", {SOURCES: SOURCE + "    url: 'https://example.org/a#b#c'\n"},
     f"{SOURCES}:4:10: url 'https://example.org/a#b#c' is not an absolute http(s) IRI: Invalid IRI code point '#'"),
    ("iri-brackets-in-path", {ENTITIES: ENTITY + "    same_as: ['https://example.org/[x]']\n"},
     f"{ENTITIES}:5:15: same_as 'https://example.org/[x]' is not an absolute IRI: Invalid IRI code point '['"),
    ("tag-region-twice", {ENTITIES: ENTITY.replace("{en: New group}", "{pt-BR-BR: Grupo}")},
     f"{ENTITIES}:4:13: 'pt-BR-BR' is not a language tag"),
    ("tag-region-twice-in-aliases", {ENTITIES: ENTITY + "    aliases: {fa-AF-AF: [Gruh]}\n"},
     f"{ENTITIES}:5:15: 'fa-AF-AF' is not a language tag"),
    ("tag-empty-private-use", {ENTITIES: ENTITY + "    description: {en-x: A group}\n"},
     f"{ENTITIES}:5:19: 'en-x' is not a language tag"),
    ("source-language-tag", {SOURCES: SOURCE + "    language: pt-BR-BR\n"},
     f"{SOURCES}:4:15: 'pt-BR-BR' is not a language tag"),
    ("value-language-tag", {CLAIMS: claim(property="statedGoal", value="{en-x: a caliphate}")},
     f"{CLAIMS}:5:13: 'en-x' is not a language tag"),
    ("qualifier-language-tag",
     {CLAIMS: claim(subject="khalil-haqqani", property="holdsPost", value="kabul-security-chief",
                    qualifiers="{jobTitle: {fa-AF-AF: amir}}")},
     f"{CLAIMS}:7:29: 'fa-AF-AF' is not a language tag"),
    # 2. no line or column
    ("nul-byte", {CLAIMS: claim(note='"a\x00b"')},
     f"{CLAIMS}:7:13: control character U+0000 is not allowed in a YAML file"),
    ("escape-byte", {CLAIMS: claim(quote="It was \x1b[31mfounded")},
     f"{CLAIMS}:6:19: control character U+001B is not allowed in a YAML file"),
    # 3. accepted silently
    ("binary-tag", {CLAIMS: claim(note="!!binary aGVsbG8=")},
     f"{CLAIMS}:7:11: YAML tag '!!binary' is not allowed"),
    ("int-tag", {CLAIMS: claim(property="memberCount", value="!!int 5")},
     f"{CLAIMS}:5:12: YAML tag '!!int' is not allowed"),
    ("local-tag-on-a-mapping", {ENTITIES: ENTITY.replace("{en: New group}", "!lang {en: New group}")},
     f"{ENTITIES}:4:12: YAML tag '!lang' is not allowed"),
    ("negative-member-count", {CLAIMS: claim(property="memberCount", value="-5")},
     f"{CLAIMS}:5:12: value of memberCount: -5 is negative"),
    ("negative-bounty", {CLAIMS: claim(subject="khalil-haqqani", property="bountyAmount", value="-10.5")},
     f"{CLAIMS}:5:12: value of bountyAmount: -10.5 is negative"),
    ("negative-minimum-of-a-count", {CLAIMS: members("{minimum: -100}")},
     f"{CLAIMS}:7:27: qualifier minimum: -100 is negative"),
    ("minimum-above-maximum", {CLAIMS: members("{minimum: 4000, maximum: 2000}")},
     f"{CLAIMS}:7:42: qualifier minimum 4000 is greater than maximum 2000 (line 7, column 27)"),
    ("value-below-minimum", {CLAIMS: members("{minimum: 3500}")},
     f"{CLAIMS}:7:27: qualifier minimum: 3500 is above the value 3000"),
    ("value-above-maximum", {CLAIMS: members("{maximum: 2500}")},
     f"{CLAIMS}:7:27: qualifier maximum: 2500 is below the value 3000"),
    ("bounds-on-a-date", {CLAIMS: claim(qualifiers="{minimum: 2014}")},
     f"{CLAIMS}:7:27: qualifier minimum bounds a number, but inception does not take one"),
    ("not-before-after-published",
     {SOURCES: SOURCE + "    published: 2021-08-01\n    published_not_before: 2021-08-05\n"},
     f"{SOURCES}:5:27: published_not_before 2021-08-05 is after published 2021-08-01 (line 4, column 16)"),
    ("two-sources-one-sha256", {SOURCES: SOURCE + f"    sha256: {SIDDIQUI_SHA}\n"},
     f"{SOURCES}:4:13: sha256 is also that of source 'siddiqui-2021' (data/sources/corpus.yaml:15:13)"),
    ("source-relays-itself", {SOURCES: SOURCE + "    relays: new-source\n"},
     f"{SOURCES}:4:13: relays: source 'new-source' relays itself"),
    ("relay-cycle",
     {SOURCES: SOURCE + "    relays: other-source\n  - id: other-source\n    type: Report\n    relays: new-source\n"},
     f"{SOURCES}:4:13: relays: sources relay each other in a circle (new-source -> other-source -> new-source)"),
    ("two-entities-one-wikidata-id", {ENTITIES: ENTITY + "    wikidata: Q2429253\n"},
     f"{ENTITIES}:5:15: wikidata Q2429253 is also the id of entity 'islamic-state' (data/entities/groups.yaml:20:15)"),
    ("one-language-twice", {ENTITIES: ENTITY.replace("{en: New group}", "{en: New group, EN: Other}")},
     f"{ENTITIES}:4:28: language 'EN' is given twice (first at line 4, column 13)"),
    ("empty-label", {ENTITIES: ENTITY.replace("{en: New group}", "{}")},
     f"{ENTITIES}:4:12: label is empty: give at least one {{language: text}} pair"),
    ("claims-in-a-subfolder", {"data/claims/2021/zz-test.yaml": claim(subject="iskp2")},
     "data/claims/2021/zz-test.yaml:3:14: subject: unknown entity 'iskp2' (did you mean 'iskp'?)"),
    ("entities-in-a-subfolder", {"data/entities/more/zz-test.yaml": ENTITY + "  - id: x\n"},
     "data/entities/more/zz-test.yaml:5:5: missing required key 'type'"),
    ("upper-case-suffix", {"data/claims/zz-test.YAML": claim(subject="iskp2")},
     "data/claims/zz-test.YAML:3:14: subject: unknown entity 'iskp2'"),
    ("yaml-outside-the-data-folders", {"data/claim/zz-test.yaml": claim()},
     "data/claim/zz-test.yaml:1:1: this file is never read"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("files", "expected"), [pytest.param(files, expected, id=name) for name, files, expected in CATALOGUE]
)
def test_hostile_input_is_reported_at_its_position_and_nothing_is_written(
    project: Path, run_agkg: Run, files: dict[str, str | bytes], expected: str
) -> None:
    assert_publish_refuses(project, run_agkg, files, expected)


def test_every_problem_in_every_file_is_reported_in_one_run(project: Path, run_agkg: Run) -> None:
    """The new checks add to each other and to the old ones instead of stopping the run."""
    cases = [
        c
        for c in CATALOGUE
        if c[0] in ("iri-bare-percent", "nul-byte", "relay-cycle", "claims-in-a-subfolder")
    ]
    for _, files, _ in cases:
        write_files(project, files)
    result = run_agkg("--project", project, "-q", "build")
    assert result.exit_code == 2
    for _, _, expected in cases:
        assert any(line.startswith(expected) for line in result.stderr.splitlines()), expected


def test_a_file_over_the_size_limit_has_a_line_and_column(
    project: Path, run_agkg: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agkg.build.yamlfile

    monkeypatch.setattr(agkg.build.yamlfile, "MAX_FILE_BYTES", 100_000)  # above the bundled files
    write_files(project, {CLAIMS: claim(note="x" * 200_000)})
    result = run_agkg("--project", project, "-q", "build")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{CLAIMS}:1:1: file is ")


def test_a_binary_file_gets_a_bounded_list_of_positions(project: Path, run_agkg: Run) -> None:
    write_files(project, {CLAIMS: b"source: siddiqui-2021\n" + bytes(range(1, 9)) * 100 + b"\n"})
    result = run_agkg("--project", project, "-q", "build")
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith(CLAIMS)]
    assert lines[0] == f"{CLAIMS}:2:1: control character U+0001 is not allowed in a YAML file"
    assert lines[-1].endswith("more such characters") and len(lines) == 21


def test_a_str_tag_is_text_like_a_quoted_value(project: Path, run_agkg: Run) -> None:
    """``!!str`` is the one tag allowed: like quotes, it makes the value text, so a tagged
    ``true`` is not a boolean (and is refused where one is needed)."""
    write_files(project, {CLAIMS: claim(value="!!str 2015-01", note="!!str 2015")})
    assert run_agkg("--project", project, "-q", "build").exit_code == 0
    write_files(project, {CLAIMS: claim(qualifiers="{approximate: !!str true}")})
    result = run_agkg("--project", project, "-q", "build")
    assert f"{CLAIMS}:7:31: qualifier approximate: 'true' is not true or false" in result.stderr


def test_claims_in_subfolders_are_read_and_hidden_folders_are_not(project: Path, run_agkg: Run) -> None:
    def claims_count(result: Result) -> int:
        assert result.exit_code == 0, result.output
        counts = dict(line.split() for line in result.stdout.splitlines())
        return int(counts["claims"])

    before = claims_count(run_agkg("--project", project, "-q", "build"))
    write_files(
        project,
        {
            "data/claims/2021/august/zz-test.yaml": claim(property="dissolution", value="2030"),
            "data/claims/.hidden/zz-test.yaml": claim(subject="not-read"),
        },
    )
    assert claims_count(run_agkg("--project", project, "-q", "build")) == before + 1


def test_a_language_map_headline_is_published_in_its_language(project: Path, run_agkg: Run) -> None:
    write_files(project, {SOURCES: SOURCE + "    language: en\n    headline: {fr: Le rapport}\n"})
    result = run_agkg("--project", project, "-q", "query", "--format", "json",
                      "SELECT ?h WHERE { ?s <http://schema.org/headline> ?h FILTER(LANG(?h) = 'fr') }")  # fmt: skip
    assert result.exit_code == 0, result.output
    (binding,) = json.loads(result.stdout)["results"]["bindings"]
    assert binding["h"] == {"type": "literal", "value": "Le rapport", "xml:lang": "fr"}


def test_a_base_iri_that_mints_invalid_iris_is_refused(project: Path, run_agkg: Run) -> None:
    for base, reason in [
        ("https://example.org/a%zz/", "Invalid IRI percent encoding"),
        ("https://example.org/[x]/", "Invalid IRI code point '['"),
        ("https://example.org/ns#", "end with '/'"),  # references would get a second '#'
    ]:
        result = run_agkg("--project", project, "--base", base, "-q", "build")
        assert result.exit_code == 2, (base, result.output)
        assert reason in result.stderr and "Traceback" not in result.output


# ------------------------------------------------------------------ where SHACL results land


def test_a_dissolution_before_the_inception_is_reported_at_the_claim(project: Path, run_agkg: Run) -> None:
    """Regression: the result was given at the entity (data/entities/groups.yaml:6)."""
    write_files(project, {CLAIMS: claim(property="dissolution", value="2014")})
    result = run_agkg("--project", project, "-q", "validate")
    assert result.exit_code == 1
    (line,) = [line for line in result.stdout.splitlines() if "dissolved" in line]
    assert line.startswith(f"{CLAIMS}:3: dissolved (2014) before it came into existence (2015-01)")


def test_an_incremental_publish_reports_it_at_the_claim_too(project: Path, run_agkg: Run) -> None:
    from agkg.build.incremental import build_and_validate
    from agkg.build.validation import load_shapes
    from agkg.config import load_config

    assert run_agkg("--project", project, "-q", "publish").exit_code == 0
    write_files(project, {CLAIMS: claim(property="dissolution", value="2014")})
    config = load_config(project)
    build = build_and_validate(config, load_shapes(config.shapes_dir, check=False)[0])
    assert build.mode == "incremental", build.reason
    (result,) = [r for r in build.report.results if "dissolved" in r.message]
    assert [str(p) for p in result.origins] == [f"{CLAIMS}:3:5"]
    # published anyway; then an edit elsewhere: the result is kept from the cache, and placed again
    assert run_agkg("--project", project, "-q", "publish", "--force").exit_code == 0
    other = claim(subject="taliban", property="operatesIn", value="afghanistan")
    other = other.replace(
        "It was founded in January 2015", "the Taliban, who are only interested in Afghanistan"
    )
    write_files(project, {"data/claims/zz-other.yaml": other})
    build = build_and_validate(config, load_shapes(config.shapes_dir, check=False)[0])
    assert build.mode == "incremental", build.reason
    (result,) = [r for r in build.report.results if "dissolved" in r.message]
    assert [str(p) for p in result.origins] == [f"{CLAIMS}:3:5"]


def test_a_stray_file_added_after_a_publish_is_reported(project: Path, run_agkg: Run) -> None:
    """An incremental publish looks only at claims files; a YAML file outside the data folders
    makes it build in full, which reports the file."""
    assert run_agkg("--project", project, "-q", "publish").exit_code == 0
    write_files(project, {"data/claim/zz-test.yaml": claim()})
    result = run_agkg("--project", project, "-q", "publish")
    assert result.exit_code == 2
    assert result.stderr.startswith("data/claim/zz-test.yaml:1:1: this file is never read")


# ------------------------------------------------------------------ the JSON Schemas agree


# (kind, file text, does it load?) -- forms of values; the loader's checks across values and
# files (unknown ids, dates that do not exist, quotes, cycles) are beyond a JSON Schema
SCHEMA_CASES: list[tuple[str, str, bool]] = [
    ("sources", SOURCE + "    headline: The report\n", True),
    ("sources", SOURCE + "    headline: {en: The report}\n", True),
    ("sources", SOURCE + "    headline: {fa-AF: گزارش}\n", True),
    ("sources", SOURCE + "    headline: null\n", True),
    ("sources", SOURCE + "    headline: {en: The report, fr: Le rapport}\n", False),
    ("sources", SOURCE + "    headline: {}\n", False),
    ("sources", SOURCE + "    headline: [The report]\n", False),
    ("sources", SOURCE + "    headline: {english: The report}\n", False),
    ("sources", SOURCE + "    language: zh-Hant-TW\n", True),
    ("sources", SOURCE + "    language: pt-BR-BR\n", False),
    ("sources", SOURCE + "    language: en-x\n", False),
    ("sources", SOURCE + "    language: en-x-private\n", True),
    ("sources", SOURCE + "    url: https://example.org/a?b=c#d\n", True),
    ("sources", SOURCE + "    url: https://example.org/a%20b\n", True),
    ("sources", SOURCE + "    url: https://example.org/a%zz\n", False),
    ("sources", SOURCE + "    url: 'https://example.org/a#b#c'\n", False),
    ("sources", SOURCE + "    url: ftp://example.org/a\n", False),
    ("sources", SOURCE + "    sha256: " + "AB" * 32 + "\n", False),
    ("sources", SOURCE + "    type: Blog\n", False),
    ("sources", SOURCE + "    published: 2021-08\n", True),
    ("sources", SOURCE + "    published: August 2021\n", False),
    ("sources", SOURCE + "    authors: null\n", True),
    ("sources", SOURCE + "    headlin: typo\n", False),
    ("entities", ENTITY, True),
    ("entities", ENTITY.replace("{en: New group}", "{en: New group, ps-AF: ډله}"), True),
    ("entities", ENTITY.replace("{en: New group}", "{}"), False),
    ("entities", ENTITY.replace("{en: New group}", "{pt-BR-BR: Grupo}"), False),
    ("entities", ENTITY.replace("{en: New group}", "{en-GB-oed: Group}"), False),
    ("entities", ENTITY + "    aliases: {en: [NG, The group]}\n", True),
    ("entities", ENTITY + "    aliases: {en: []}\n", True),
    ("entities", ENTITY + "    aliases: {fa-AF-AF: [x]}\n", False),
    ("entities", ENTITY + "    description: {}\n", False),
    ("entities", ENTITY + "    description: null\n", True),
    ("entities", ENTITY + "    wikidata: Q0\n", False),
    ("entities", ENTITY + "    same_as: [https://example.org/g]\n", True),
    ("entities", ENTITY + "    same_as: ['file:///etc/passwd']\n", False),
    ("entities", ENTITY + "    same_as: ['https://example.org/[x]']\n", False),
    ("entities", ENTITY + "    type: Blog\n", False),
    ("claims", claim(), True),
    ("claims", claim(property="statedGoal", value="a caliphate"), True),
    ("claims", claim(property="statedGoal", value="{ar: خلافة}"), True),
    ("claims", claim(property="statedGoal", value="{en-x: a caliphate}"), False),
    ("claims", claim(property="statedGoal", value="{en: a, fr: b}"), False),
    (
        "claims",
        claim(property="memberCount", value="3000", qualifiers="{minimum: 2000, maximum: [4000]}"),
        True,
    ),
    ("claims", claim(qualifiers="{approximate: yes please}"), False),
    ("claims", claim(qualifiers="{currency: usd}"), False),
    ("claims", claim(qualifiers="{unknown: 1}"), False),
    ("claims", claim(rank="deprecated", rank_reason="wrong"), True),
    ("claims", claim(prefix="null", suffix="null", note="null", id="null"), True),
    ("claims", claim(qoute="typo"), False),
]


def _loads(project: Path, kind: str, text: str) -> bool:
    """Does the loader accept the project's data with ``text`` added as a file of ``kind``?"""
    (project / "data" / kind / "zz-test.yaml").write_text(text, encoding="utf-8")
    try:
        load_curated_data(project / "data", load_vocabulary(project / "ontology"), root=project)
    except InputError:
        return False
    return True


@pytest.mark.parametrize(
    ("kind", "text", "valid"),
    [
        pytest.param(*case, id=f"{case[0]}-{i}-{'valid' if case[2] else 'invalid'}")
        for i, case in enumerate(SCHEMA_CASES)
    ],
)
def test_the_schema_and_the_loader_agree(
    repo: Path, project: Path, kind: str, text: str, valid: bool
) -> None:
    schema = json.loads((repo / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    document = json.loads(json.dumps(yaml.safe_load(text), default=str))  # YAML dates to strings
    schema_ok = not list(Draft202012Validator(schema).iter_errors(document))
    assert (schema_ok, _loads(project, kind, text)) == (valid, valid)


@pytest.mark.parametrize(
    "tag",
    ["en", "fa-AF", "zh-Hant-TW", "es-419", "sl-rozaj-biske", "de-CH-1901", "en-a-bbb-x-a-ccc", "zh-yue-HK",
     "en-x-agkg", "pt-BR-BR", "fa-AF-AF", "en-x", "en-US-", "e", "english", "en--us", "en-GB-oed", "i-klingon",
     "en-1234567890", "x-private", "123", "en-Latn-Cyrl"],
)  # fmt: skip
def test_language_tags_follow_the_rdf_library(tag: str) -> None:
    """The schema's pattern and the loader agree, and both refuse what pyoxigraph refuses."""
    import pyoxigraph as ox

    from agkg.build.claims import LANGUAGE_TAG, language_tag_problem  # added with these checks

    try:
        ox.Literal("", language=tag)
        library = True
    except ValueError:
        library = False
    loader = language_tag_problem(tag) is None
    assert bool(LANGUAGE_TAG.match(tag)) == loader
    assert not loader or library, f"the loader accepts {tag!r}, which pyoxigraph refuses"
