"""The bad-input catalogue, continued from test_loading.py: each class of mistake a curator (or
an attacker with write access to a pull request) can make gives a ``path:line:column`` message,
exit code 2, and writes nothing.

Every case runs the real ``agkg publish`` so the whole contract is checked at once. Cases already
in test_loading.py (syntax errors, duplicate keys, unknown keys, properties, entities and
qualifiers, invalid/impossible/worded dates, homoglyph ids, aliases, quotes not found or found
twice, conflicting ranks, duplicate ids across files) are not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bad_input import (
    CLAIMS,
    ENTITIES,
    ENTITY,
    HEADER,
    SOURCE,
    SOURCES,
    assert_publish_refuses,
    claim,
    write_files,
)
from click.testing import Result

import agkg.build.yamlfile

Run = Callable[..., Result]

GOOD = (
    "  - subject: iskp\n    property: inception\n    value: 2015-01\n"
    "    quote: It was founded in January 2015\n"
)
# (files to add, expected message: the full "path:line:column: message" prefix)
CATALOGUE: list[tuple[str, dict[str, str | bytes], str]] = [
    ("top-level-not-a-mapping", {CLAIMS: "- a\n- b\n"},
     f"{CLAIMS}:1:1: expected a mapping with keys 'source' and 'claims'"),
    ("claims-not-a-list", {CLAIMS: "source: siddiqui-2021\nclaims: 5\n"},
     f"{CLAIMS}:2:9: 'claims' must be a list"),
    ("claim-not-a-mapping", {CLAIMS: HEADER + "  - just some text\n"},
     f"{CLAIMS}:3:5: each claim must be a mapping"),
    ("list-where-one-value", {CLAIMS: claim(subject="[iskp, taliban]")},
     f"{CLAIMS}:3:14: subject must be a single value, not a list or mapping"),
    ("label-not-a-mapping", {ENTITIES: ENTITY.replace("{en: New group}", "[New group]")},
     f"{ENTITIES}:4:12: label must be a mapping from language tag to text"),
    ("quoted-boolean", {CLAIMS: claim(qualifiers='{approximate: "true"}')},
     f"{CLAIMS}:7:31: qualifier approximate: 'true' is not true or false"),
    ("missing-quote", {CLAIMS: HEADER + GOOD.replace("    quote: It was founded in January 2015\n", "")},
     f"{CLAIMS}:3:5: missing required key 'quote'"),
    ("null-subject-silently-dropped", {CLAIMS: claim(subject="null")},
     f"{CLAIMS}:3:14: subject must not be empty"),
    ("null-source-silently-dropped", {CLAIMS: "source: ~\nclaims:\n" + GOOD},
     f"{CLAIMS}:1:9: source must not be empty"),
    ("null-entity-id-silently-dropped", {ENTITIES: ENTITY.replace("id: new-group", "id: null")},
     f"{ENTITIES}:2:9: entity id must not be empty"),
    ("unknown-source", {CLAIMS: "source: siddiqui-2012\nclaims:\n" + GOOD},
     f"{CLAIMS}:1:9: unknown source 'siddiqui-2012' (did you mean 'siddiqui-2021'?)"),
    ("not-a-language-tag", {ENTITIES: ENTITY.replace("{en: New group}", "{english: New group}")},
     f"{ENTITIES}:4:13: 'english' is not a language tag"),
    ("langstring-with-two-languages",
     {CLAIMS: claim(property="statedGoal", value="{en: a caliphate, fr: un califat}")},
     f"{CLAIMS}:5:12: value of statedGoal: give exactly one {{language: text}} pair"),
    ("iri-with-space", {ENTITIES: ENTITY + "    same_as: ['https://example.org/a b']\n"},
     f"{ENTITIES}:5:15: same_as 'https://example.org/a b' is not an absolute IRI"),
    ("iri-with-illegal-characters", {SOURCES: SOURCE + '    url: "https://example.org/<x>\\"{}"\n'},
     f"{SOURCES}:4:10: url 'https://example.org/<x>\"{{}}' is not an absolute http(s) IRI"),
    ("iri-with-file-scheme", {ENTITIES: ENTITY + "    same_as: [file:///etc/passwd]\n"},
     f"{ENTITIES}:5:15: same_as 'file:///etc/passwd' is not an absolute IRI"),
    ("id-with-capitals", {ENTITIES: ENTITY.replace("id: new-group", "id: New-Group")},
     f"{ENTITIES}:2:9: entity id 'New-Group' is not an id"),
    ("id-too-long", {ENTITIES: ENTITY.replace("id: new-group", "id: " + "a" * 81)},
     f"{ENTITIES}:2:9: entity id '{'a' * 81}' is not an id"),
    ("id-with-zero-width-joiner", {ENTITIES: ENTITY.replace("id: new-group", "id: new\u200dgroup")},
     f"{ENTITIES}:2:9: entity id 'new\u200dgroup' contains U+200D (ZERO WIDTH JOINER)"),
    ("id-with-zero-width-non-joiner", {CLAIMS: claim(subject="is\u200ckp")},
     f"{CLAIMS}:3:14: subject 'is\u200ckp' contains U+200C (ZERO WIDTH NON-JOINER)"),
    ("id-with-bidi-control", {ENTITIES: ENTITY.replace("id: new-group", "id: new-group\u202e")},
     f"{ENTITIES}:2:9: entity id 'new-group\u202e' contains U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("id-with-combining-mark", {CLAIMS: claim(subject="i\u0301skp")},
     f"{CLAIMS}:3:14: subject 'i\u0301skp' contains U+0301 (COMBINING ACUTE ACCENT)"),
    ("id-in-arabic-script", {ENTITIES: ENTITY.replace("id: new-group", "id: داعش")},
     f"{ENTITIES}:2:9: entity id 'داعش' contains U+062F (ARABIC LETTER DAL)"),
    ("control-character-in-quote", {CLAIMS: claim(quote='"It was founded\\a in January 2015"')},
     f"{CLAIMS}:6:12: quote contains control character(s) U+0007"),
    ("c1-control-in-label", {ENTITIES: ENTITY.replace("{en: New group}", '{en: "New\\x85group"}')},
     f"{ENTITIES}:4:17: label (en) contains control character(s) U+0085"),
    ("not-utf8", {CLAIMS: b"source: siddiqui-2021\nclaims:\n  - quote: caf\xe9\n"},
     f"{CLAIMS}:3:15: not UTF-8 text (byte 0xE9)"),
    ("two-documents", {CLAIMS: HEADER + GOOD + "---\n" + HEADER},
     f"{CLAIMS}:7:1: only one YAML document per file"),
    ("deeply-nested", {CLAIMS: HEADER + "  - note: " + "[" * 40 + "]" * 40 + "\n"},
     f"{CLAIMS}:3:"),  # column of the 31st bracket; the message is checked below
    ("alias-bomb", {ENTITIES: "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n"
                    + "".join(f"{c}: [*b, *b, *b, *b, *b, *b, *b]\n" for c in "cdefghij")},
     f"{ENTITIES}:1:4: YAML anchors and aliases (&, *) are not allowed"),
    ("merge-key", {ENTITIES: "entities:\n  - &base {id: g1, type: ArmedGroup, label: {en: G}}\n"
                   "  - <<: *base\n    id: g2\n"},
     f"{ENTITIES}:2:5: YAML anchors and aliases (&, *) are not allowed"),
    ("non-text-mapping-key", {CLAIMS: HEADER + GOOD + "    ? [a, b]\n    : c\n"},
     f"{CLAIMS}:7:7: mapping keys must be plain text"),
    ("huge-integer", {CLAIMS: claim(property="memberCount", value="9" * 5000)},
     f"{CLAIMS}:5:12: value of memberCount: a number of 5000 digits is too long (at most 100)"),
    ("time-zone-out-of-range", {CLAIMS: claim(value="2021-08-27T15:09+25:00")},
     f"{CLAIMS}:5:12: value of inception: '2021-08-27T15:09+25:00': time zone offset +25:00 is outside"),
    ("time-of-day-24", {CLAIMS: claim(value="2021-08-27T24:00")},
     f"{CLAIMS}:5:12: value of inception: '2021-08-27T24:00': 24:00:00 is not a time of day"),
    ("year-zero", {CLAIMS: claim(value="0000")},
     f"{CLAIMS}:5:12: value of inception: '0000': year 0000 does not exist"),
    ("zero-for-positive-integer", {CLAIMS: claim(property="rankedAmongDeadliest", value="0")},
     f"{CLAIMS}:5:12: value of rankedAmongDeadliest: 0 must be positive"),
    ("decimal-in-exponent-form", {CLAIMS: claim(subject="shahab-al-muhajir", property="bountyAmount", value="1e7")},
     f"{CLAIMS}:5:12: value of bountyAmount: '1e7' is not a decimal number"),
    ("currency-not-iso-4217", {CLAIMS: claim(qualifiers="{currency: usd}")},
     f"{CLAIMS}:7:28: qualifier currency: 'usd' is not an ISO 4217 code such as USD"),
    ("bad-wikidata-id", {ENTITIES: ENTITY + "    wikidata: Q0\n"},
     f"{ENTITIES}:5:15: wikidata 'Q0' is not an item id like Q42"),
    ("sha256-in-capitals", {SOURCES: SOURCE + "    sha256: " + "AB" * 32 + "\n"},
     f"{SOURCES}:4:13: sha256 must be 64 lowercase hexadecimal digits"),
    ("several-values-in-one-claim", {CLAIMS: claim(value="[2015, 2016]")},
     f"{CLAIMS}:5:12: a claim has one value; write one claim per value"),
    ("subject-outside-the-domain", {CLAIMS: claim(subject="nangarhar", property="memberCount", value="5")},
     f"{CLAIMS}:3:5: subject 'nangarhar' is a Province, but memberCount applies to a Organization"),
    ("source-id-clashes-with-entity-id", {SOURCES: SOURCE.replace("id: new-source", "id: iskp")},
     f"data/entities/groups.yaml:6:5: duplicate id 'iskp' (first defined at {SOURCES}:2:5)"),
    ("duplicate-claim-id-across-files",
     {CLAIMS: claim(id="founding"), "data/claims/zz-other.yaml": claim(id="founding")},
     "data/claims/zz-test.yaml:3:5: duplicate claim id 'founding' (first at data/claims/zz-other.yaml:3:5)"),
    ("claim-better-supported-by-itself", {CLAIMS: claim(id="founding", better_supported_by="founding")},
     f"{CLAIMS}:3:5: better_supported_by points at the claim itself"),
    ("label-repeated-as-alias", {ENTITIES: ENTITY + "    aliases: {en: [New group]}\n"},
     f"{ENTITIES}:5:14: 'New group' is both the en label and an en alias"),
    ("relays-unknown-source", {SOURCES: SOURCE + "    relays: nowhere\n"},
     f"{SOURCES}:2:5: relays: unknown source 'nowhere'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("files", "expected"), [pytest.param(files, expected, id=name) for name, files, expected in CATALOGUE]
)
def test_bad_input_is_reported_at_its_position_and_nothing_is_written(
    project: Path, run_agkg: Run, files: dict[str, str | bytes], expected: str
) -> None:
    assert_publish_refuses(project, run_agkg, files, expected)


def test_deep_nesting_is_refused_before_it_costs_memory(project: Path, run_agkg: Run) -> None:
    write_files(project, {CLAIMS: HEADER + "  - note: " + "[" * 10_000 + "]" * 10_000 + "\n"})
    result = run_agkg("--project", project, "-q", "build")
    assert result.exit_code == 2
    assert f"{CLAIMS}:3:" in result.stderr and "nested deeper than 32 levels" in result.stderr


def test_a_huge_file_is_refused_without_being_parsed(
    project: Path, run_agkg: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 64 MiB is the real limit; a smaller one keeps the test fast and exercises the same check
    monkeypatch.setattr(agkg.build.yamlfile, "MAX_FILE_BYTES", 100_000)
    content = HEADER + "  - note: [" + "x, " * 100_000 + "]\n"
    write_files(project, {CLAIMS: content})
    result = run_agkg("--project", project, "-q", "build")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{CLAIMS}:1:1: file is {len(content)} bytes; the limit is 100000\n")


def test_yaml_tags_are_never_executed(project: Path, run_agkg: Run, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    write_files(project, {CLAIMS: claim(note=f"!!python/object/apply:os.system ['touch {marker}']")})
    result = run_agkg("--project", project, "-q", "build")
    assert not marker.exists()
    assert result.exit_code == 2  # every explicit tag but !!str is refused (test_hostile_input.py)
    assert f"{CLAIMS}:7:11: YAML tag '!!python/object/apply:os.system' is not allowed" in result.stderr


def test_an_empty_dataset_is_refused(project: Path, run_agkg: Run) -> None:
    """Regression: an empty data folder (a wrong --data) published an empty dataset, exit 0."""
    assert run_agkg("--project", project, "-q", "publish").exit_code == 0
    before = {p.name: p.read_bytes() for p in (project / "dist").iterdir() if p.is_file()}
    for kind in ("sources", "entities", "claims"):
        for path in (project / "data" / kind).iterdir():
            path.unlink()
    result = run_agkg("--project", project, "-q", "publish")
    assert result.exit_code == 2
    assert result.stderr.startswith("data: no sources, entities or claims found")
    assert {p.name: p.read_bytes() for p in (project / "dist").iterdir() if p.is_file()} == before


def test_a_missing_data_folder_is_an_input_error(project: Path, run_agkg: Run) -> None:
    result = run_agkg("--project", project, "--data", project / "nothing-here", "-q", "build")
    assert result.exit_code == 2
    assert "nothing-here: data folder not found" in result.stderr


def test_an_empty_file_and_an_explicitly_empty_list_are_harmless(project: Path, run_agkg: Run) -> None:
    write_files(project, {CLAIMS: "", "data/claims/zz-other.yaml": "source: siddiqui-2021\nclaims: []\n"})
    assert run_agkg("--project", project, "-q", "build").exit_code == 0


def test_a_utf8_byte_order_mark_is_accepted(project: Path, run_agkg: Run) -> None:
    write_files(project, {CLAIMS: "\ufeff" + HEADER + GOOD})
    assert run_agkg("--project", project, "-q", "build").exit_code == 0
