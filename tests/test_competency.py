"""Competency questions: every query in queries/ must give exactly its expected answer.

Each query is run through the command line, ``agkg query --file queries/X.rq --format json``, on
the curated data in data/, and its SPARQL JSON result is compared row by row (values as strings,
unbound as None) with the answer below. The queries sort their rows, so order is compared too.
A change in the data that changes an answer must change the expected answer here, on purpose.
"""

# The expected answers quote the articles exactly, curly quotes included.
# ruff: noqa: RUF001

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries"
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()

Row = tuple[str | None, ...]


def agkg() -> list[str]:
    """The agkg command of the running interpreter's environment, else the one on PATH."""
    local = Path(sys.executable).parent / "agkg"
    if local.exists():
        return [str(local)]
    found = shutil.which("agkg")
    if found is None:
        pytest.fail("the agkg command is not installed (pip install -e .)")
    return [found]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*agkg(), *args], cwd=ROOT, capture_output=True, text=True, check=False)


def query(name: str) -> tuple[list[str], list[Row]] | bool:
    """Run queries/<name>.rq; return (variables, rows) for SELECT, the boolean for ASK."""
    done = run("query", "--file", str(QUERIES / f"{name}.rq"), "--format", "json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    if "boolean" in answer:
        return bool(answer["boolean"])
    variables = answer["head"]["vars"]
    rows = [
        tuple(b[v]["value"] if v in b else None for v in variables) for b in answer["results"]["bindings"]
    ]
    return variables, rows


def check(name: str, variables: list[str], expected: list[Row]) -> None:
    got = query(name)
    assert not isinstance(got, bool)
    got_variables, rows = got
    assert got_variables == variables
    assert rows == expected


def test_every_query_has_a_question_and_a_test() -> None:
    names = sorted(path.stem for path in QUERIES.glob("*.rq"))
    assert len(names) >= 15
    # The conflict analyst's queries are answered on a fixture project (the corpus states no
    # leader, death toll or designation): their tests are in test_competency_conflict.py.
    conflict = (Path(__file__).parent / "test_competency_conflict.py").read_text(encoding="utf-8")
    for name in names:
        first = (QUERIES / f"{name}.rq").read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Question: "), name
        test = f"test_{name.replace('-', '_')}"
        assert test in globals() or f"def {test}(" in conflict, f"no test for queries/{name}.rq"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus texts not present")
def test_every_quote_is_verified_against_the_corpus() -> None:
    done = run("verify", "--corpus", str(CORPUS), "--format", "json")
    assert done.returncode == 0, done.stderr
    checks = json.loads(done.stdout)
    assert len(checks) == 106
    assert {c["status"] for c in checks} == {"found"}
    assert all(not c["occurrences"] for c in checks)


GOHEL_CLAIM = (
    "between 2019 and 2021, IS-K, the Taliban’s Haqqani network, and other terror groups located in "
    "Pakistan collaborated on so many major attacks"
)


def test_allegations() -> None:
    """IS-K's charges against the Taliban and Sajjan Gohel's accusation are alleged statements."""
    iskp, gohel, pakistan_groups = (
        "Islamic State Khorasan Province",
        "Sajjan Gohel",
        "other terror groups located in Pakistan",
    )
    check(
        "allegations",
        ["allegedBy", "subject", "property", "value", "status", "source", "quote"],
        [
            (iskp, "Taliban", "ideology", "nationalism", "alleged", "what-is-isis-k-2021",
             "It brands the Afghan Taliban as “filthy nationalists”"),
            (iskp, "Taliban", "statedGoal", "form a government confined to the boundaries of Afghanistan",
             "alleged", "what-is-isis-k-2021",
             "with ambitions only to form a government confined to the boundaries of Afghanistan"),
            (gohel, "Haqqani network", "collaboratedWith", pakistan_groups, "alleged", "siddiqui-2021", GOHEL_CLAIM),
            (gohel, iskp, "collaboratedWith", "Haqqani network", "alleged", "siddiqui-2021", GOHEL_CLAIM),
            (gohel, iskp, "collaboratedWith", pakistan_groups, "alleged", "siddiqui-2021", GOHEL_CLAIM),
        ],
    )  # fmt: skip


def test_article_claims() -> None:
    """What does the article "What Is ISIS-K That Claimed Responsibility For Kabul Airport
    Blasts?" say: every statement citing it, with its rank, quote and attribution?"""
    check(
        "article-claims",
        ["subject", "property", "value", "rank", "quote", "attributedTo"],
        [
            (
                "2021 Kabul airport attack",
                "location",
                "Kabul airport",
                "NormalRank",
                "Kabul Airport Blasts",
                None,
            ),
            (
                "2021 Kabul airport attack",
                "location",
                "Kabul airport",
                "NormalRank",
                "the attack on the Kabul airport",
                "jadoon-mines-2021",
            ),
            (
                "2021 Kabul airport attack",
                "perpetrator",
                "Islamic State Khorasan Province",
                "NormalRank",
                "the attack on the Kabul airport shows the continued threat posed by the group",
                "jadoon-mines-2021",
            ),
            (
                "2021 Kabul airport attack",
                "responsibilityClaimedBy",
                "Islamic State Khorasan Province",
                "NormalRank",
                "ISIS-K That Claimed Responsibility For Kabul Airport Blasts",
                None,
            ),
            (
                "Amira Jadoon",
                "employer",
                "United States Military Academy",
                "NormalRank",
                "Amira Jadoon, a terrorism expert at the US Military Academy West Point",
                None,
            ),
            ("Amira Jadoon", "fieldOfWork", "terrorism", "NormalRank", "a terrorism expert", None),
            (
                "Andrew Mines",
                "employer",
                "Program on Extremism",
                "NormalRank",
                "Andrew Mines, a research fellow at the George Washington University’s Program on Extremism",
                None,
            ),
            (
                "Islamic State",
                "statedGoal",
                "establishing a global caliphate",
                "NormalRank",
                "the Islamic State movement’s goal of establishing a global caliphate",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "affiliateOf",
                "Islamic State",
                "NormalRank",
                "is the official affiliate of the Islamic State movement operating in Afghanistan, as "
                "recognised by Islamic State core leadership",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "allegiance",
                "Islamic State",
                "NormalRank",
                "is the official affiliate of the Islamic State movement operating in Afghanistan, as "
                "recognised by Islamic State core leadership",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "foundedByMembersOf",
                "Islamic Movement of Uzbekistan",
                "NormalRank",
                "former members of the Pakistani Taliban, Afghan Taliban and the Islamic Movement of "
                "Uzbekistan",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "foundedByMembersOf",
                "Pakistani Taliban",
                "NormalRank",
                "ISIS-K was founded by former members of the Pakistani Taliban",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "foundedByMembersOf",
                "Taliban",
                "NormalRank",
                "former members of the Pakistani Taliban, Afghan Taliban",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "groupKind",
                "terrorist organisation",
                "NormalRank",
                "one of the top four deadliest terrorist organisations in the world",
                "Institute for Economics and Peace",
            ),
            (
                "Islamic State Khorasan Province",
                "ideology",
                "jihadism",
                "NormalRank",
                "the foremost jihadist organisation in the region",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "inception",
                "2015-01",
                "NormalRank",
                "ISIS-K was officially founded in January 2015",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "operatesIn",
                "Afghanistan",
                "NormalRank",
                "in major cities across Afghanistan and Pakistan",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "operatesIn",
                "Afghanistan",
                "NormalRank",
                "the official affiliate of the Islamic State movement operating in Afghanistan",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "operatesIn",
                "Pakistan",
                "NormalRank",
                "in major cities across Afghanistan and Pakistan",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "opponentOf",
                "Taliban",
                "NormalRank",
                "It brands the Afghan Taliban as “filthy nationalists”",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "rankedAmongDeadliest",
                "4",
                "NormalRank",
                "By 2018, it had become one of the top four deadliest terrorist organisations in the world",
                "Institute for Economics and Peace",
            ),
            (
                "Islamic State Khorasan Province",
                "receivedSupportFrom",
                "Islamic State core leadership",
                "NormalRank",
                "The group is said to have received money, advice and training from the Islamic State "
                "group’s core organisational body in Iraq and Syria",
                "unnamed sources",
            ),
            (
                "Islamic State Khorasan Province",
                "recruitsFrom",
                "Taliban",
                "NormalRank",
                "ISIS-K has tried to recruit Afghan Taliban members",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "recruitsFrom",
                "various other groups",
                "NormalRank",
                "push disillusioned fighters from other groups into their ranks",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "recruitsFrom",
                "various other groups",
                "NormalRank",
                "the group has poached militants from various other groups",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "statedGoal",
                "cast doubt on any ruling government’s ability to provide security for the population",
                "NormalRank",
                "to cast doubt on any ruling government’s ability to provide security for the population",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "statedGoal",
                "cement itself as the foremost jihadist organisation in the region",
                "NormalRank",
                "It aims to cement itself as the foremost jihadist organisation in the region",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "statedGoal",
                "create chaos and uncertainty in a bid to push disillusioned fighters from other groups "
                "into their ranks",
                "NormalRank",
                "ISIS-K’s goal is to create chaos and uncertainty in a bid to push disillusioned "
                "fighters from other groups into their ranks",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "strategy",
                "establish a beachhead for the Islamic State movement to expand its so-called caliphate "
                "to Central and South Asia",
                "NormalRank",
                "ISIS-K’s general strategy is to establish a beachhead for the Islamic State movement to "
                "expand its so-called caliphate to Central and South Asia",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "strategy",
                "seizing the legacy of jihadist groups that came before it",
                "NormalRank",
                "in part by seizing the legacy of jihadist groups that came before it",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "strategy",
                "sow panic and chaos, disrupt the withdrawal process and demonstrate that the Afghan "
                "Taliban are incapable of providing security to the population",
                "NormalRank",
                "ISIS-K will likely continue its efforts to sow panic and chaos, disrupt the withdrawal "
                "process and demonstrate that the Afghan Taliban are incapable of providing security to "
                "the population",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "targets",
                "Taliban",
                "NormalRank",
                "targeting Taliban positions throughout the country",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "targets",
                "government targets",
                "NormalRank",
                "public areas and institutions, and government targets",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "targets",
                "minority groups",
                "NormalRank",
                "it launched attacks against minority groups",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "targets",
                "public areas",
                "NormalRank",
                "launched attacks against minority groups, public areas and institutions",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State Khorasan Province",
                "targets",
                "public institutions",
                "NormalRank",
                "launched attacks against minority groups, public areas and institutions",
                "jadoon-mines-2021",
            ),
            (
                "Islamic State core leadership",
                "basedIn",
                "Iraq",
                "NormalRank",
                "Islamic State core leadership in Iraq and Syria",
                None,
            ),
            (
                "Islamic State core leadership",
                "basedIn",
                "Syria",
                "NormalRank",
                "Islamic State core leadership in Iraq and Syria",
                None,
            ),
            (
                "Islamic State core leadership",
                "partOf",
                "Islamic State",
                "NormalRank",
                "the Islamic State group’s core organisational body",
                None,
            ),
            (
                "Pakistani Taliban",
                "differentFrom",
                "Taliban",
                "NormalRank",
                "former members of the Pakistani Taliban, Afghan Taliban",
                None,
            ),
            (
                "Program on Extremism",
                "partOf",
                "George Washington University",
                "NormalRank",
                "the George Washington University’s Program on Extremism",
                None,
            ),
            (
                "Taliban",
                "ideology",
                "nationalism",
                "NormalRank",
                "It brands the Afghan Taliban as “filthy nationalists”",
                "Islamic State Khorasan Province",
            ),
            (
                "Taliban",
                "statedGoal",
                "form a government confined to the boundaries of Afghanistan",
                "NormalRank",
                "with ambitions only to form a government confined to the boundaries of Afghanistan",
                "Islamic State Khorasan Province",
            ),
            (
                "U.S. withdrawal from Afghanistan",
                "carriedOutBy",
                "US forces",
                "NormalRank",
                "the U.S. withdrawal from Afghanistan",
                "jadoon-mines-2021",
            ),
            (
                "U.S. withdrawal from Afghanistan",
                "location",
                "Afghanistan",
                "NormalRank",
                "the U.S. withdrawal from Afghanistan",
                "jadoon-mines-2021",
            ),
        ],
    )


def test_attributed_to_person() -> None:
    """Which claims does an article attribute to a named person (an expert) rather than
    assert itself, and with which words?"""
    check(
        "attributed-to-person",
        ["person", "subject", "property", "value", "source", "quote"],
        [
            (
                "Sajjan Gohel",
                "Haqqani network",
                "collaboratedWith",
                "other terror groups located in Pakistan",
                "siddiqui-2021",
                "between 2019 and 2021, IS-K, the Taliban’s Haqqani network, and other terror groups "
                "located in Pakistan collaborated on so many major attacks",
            ),
            (
                "Sajjan Gohel",
                "Haqqani network",
                "partOf",
                "Taliban",
                "siddiqui-2021",
                "the Taliban’s Haqqani network",
            ),
            (
                "Sajjan Gohel",
                "Islamic State Khorasan Province",
                "collaboratedWith",
                "Haqqani network",
                "siddiqui-2021",
                "between 2019 and 2021, IS-K, the Taliban’s Haqqani network, and other terror groups "
                "located in Pakistan collaborated on so many major attacks",
            ),
            (
                "Sajjan Gohel",
                "Islamic State Khorasan Province",
                "collaboratedWith",
                "other terror groups located in Pakistan",
                "siddiqui-2021",
                "between 2019 and 2021, IS-K, the Taliban’s Haqqani network, and other terror groups "
                "located in Pakistan collaborated on so many major attacks",
            ),
            (
                "Sajjan Gohel",
                "other terror groups located in Pakistan",
                "basedIn",
                "Pakistan",
                "siddiqui-2021",
                "other terror groups located in Pakistan",
            ),
            (
                "Sajjan Gohel",
                "other terror groups located in Pakistan",
                "groupKind",
                "terrorist organisation",
                "siddiqui-2021",
                "other terror groups located in Pakistan",
            ),
        ],
    )


def test_corroborated() -> None:
    """Which facts are corroborated by two or more sources, and by which ones?"""
    check(
        "corroborated",
        ["subject", "property", "value", "sources", "source"],
        [
            ("Islamic State Khorasan Province", "ideology", "jihadism", "2", "siddiqui-2021"),
            ("Islamic State Khorasan Province", "ideology", "jihadism", "2", "what-is-isis-k-2021"),
            ("Islamic State Khorasan Province", "inception", "2015-01", "2", "siddiqui-2021"),
            ("Islamic State Khorasan Province", "inception", "2015-01", "2", "what-is-isis-k-2021"),
            ("Islamic State Khorasan Province", "opponentOf", "Taliban", "2", "siddiqui-2021"),
            ("Islamic State Khorasan Province", "opponentOf", "Taliban", "2", "what-is-isis-k-2021"),
            ("Islamic State Khorasan Province", "recruitsFrom", "Taliban", "2", "siddiqui-2021"),
            ("Islamic State Khorasan Province", "recruitsFrom", "Taliban", "2", "what-is-isis-k-2021"),
        ],
    )


def test_deadliest_rankings() -> None:
    """Which groups does which index rank among the N deadliest, as of when, and who says
    so?"""
    check(
        "deadliest-rankings",
        ["group", "n", "index", "asOf", "source", "attributedTo"],
        [
            (
                "Islamic State Khorasan Province",
                "4",
                "Global Terrorism Index",
                "2018",
                "what-is-isis-k-2021",
                "Institute for Economics and Peace",
            )
        ],
    )


def test_founders() -> None:
    """Who founded each group: which people founded it, or members of which other groups
    founded it, and according to which sources?"""
    check(
        "founders",
        ["group", "kind", "founder", "source", "quote"],
        [
            (
                "Islamic State Khorasan Province",
                "founded by members of",
                "Islamic Movement of Uzbekistan",
                "what-is-isis-k-2021",
                "former members of the Pakistani Taliban, Afghan Taliban and the Islamic Movement of "
                "Uzbekistan",
            ),
            (
                "Islamic State Khorasan Province",
                "founded by members of",
                "Pakistani Taliban",
                "what-is-isis-k-2021",
                "ISIS-K was founded by former members of the Pakistani Taliban",
            ),
            (
                "Islamic State Khorasan Province",
                "founded by members of",
                "Taliban",
                "what-is-isis-k-2021",
                "former members of the Pakistani Taliban, Afghan Taliban",
            ),
        ],
    )


def test_group_events() -> None:
    """Which events did each group carry out, commit or claim responsibility for, when and
    where, and according to which sources (and whose words)?"""
    check(
        "group-events",
        ["agent", "role", "event", "date", "place", "source", "attributedTo"],
        [
            (
                "Islamic State Khorasan Province",
                "claimed responsibility",
                "2021 Kabul airport attack",
                None,
                "Kabul airport",
                "what-is-isis-k-2021",
                None,
            ),
            (
                "Islamic State Khorasan Province",
                "perpetrator",
                "2021 Kabul airport attack",
                None,
                "Kabul airport",
                "what-is-isis-k-2021",
                "jadoon-mines-2021",
            ),
            (
                "Taliban",
                "carried out",
                "Doha peace talks",
                None,
                "Doha",
                "siddiqui-2021",
                "Islamic State Khorasan Province",
            ),
            (
                "Taliban",
                "carried out",
                "Release of prisoners from Pul-e-Charki Prison (2021)",
                "2021-08-15",
                "Pul-e-Charki Prison",
                "siddiqui-2021",
                "unnamed reports",
            ),
            (
                "Taliban",
                "carried out",
                "Taliban takeover of Kabul (2021)",
                "2021-08-15",
                "Kabul",
                "siddiqui-2021",
                None,
            ),
            (
                "US forces",
                "carried out",
                "U.S. withdrawal from Afghanistan",
                None,
                "Afghanistan",
                "what-is-isis-k-2021",
                "jadoon-mines-2021",
            ),
            (
                "US-led force",
                "carried out",
                "US-led campaign against the Islamic State caliphate",
                None,
                None,
                "siddiqui-2021",
                None,
            ),
        ],
    )


def test_group_names() -> None:
    """Under which names (label and aliases) is the group also called ISKP known?"""
    check(
        "group-names",
        ["name", "kind"],
        [
            ("IS-K", "alias"),
            ("ISIS-K", "alias"),
            ("ISK", "alias"),
            ("ISKP", "alias"),
            ("Islamic State Khorasan Province", "label"),
        ],
    )


def test_group_parents() -> None:
    """Which groups is each armed group part of, a province of, or affiliated with, and
    according to which sources?"""
    check(
        "group-parents",
        ["group", "relation", "parent", "source", "recognizedBy"],
        [
            ("Haqqani network", "part of", "Taliban", "siddiqui-2021", None),
            (
                "Islamic State Khorasan Province",
                "affiliate of",
                "Islamic State",
                "what-is-isis-k-2021",
                "Islamic State core leadership",
            ),
            ("Islamic State Khorasan Province", "part of", "Islamic State", "siddiqui-2021", None),
            ("Islamic State Khorasan Province", "province of", "Islamic State", "siddiqui-2021", None),
            ("Islamic State core leadership", "part of", "Islamic State", "what-is-isis-k-2021", None),
        ],
    )


def test_iskp_founded() -> None:
    """When was ISIS-K founded, according to which sources, and which of the dates is ranked
    down?"""
    check(
        "iskp-founded",
        ["date", "precision", "rank", "source", "quote"],
        [
            ("2015-01", "gYearMonth", "NormalRank", "siddiqui-2021", "It was founded in January 2015"),
            (
                "2015-01",
                "gYearMonth",
                "NormalRank",
                "what-is-isis-k-2021",
                "ISIS-K was officially founded in January 2015",
            ),
            (
                "2018",
                "gYear",
                "DeprecatedRank",
                "siddiqui-2021",
                "remains active three years after it was founded",
            ),
        ],
    )


def test_iskp_relations() -> None:
    """With which agents is ISIS-K in conflict, collaborating, associated or indirectly
    linked (through whom, over which period), and per which sources?"""
    check(
        "iskp-relations",
        ["relation", "other", "via", "start", "end", "source", "attributedTo"],
        [
            ("associated with", "Haqqani network", None, None, None, "siddiqui-2021", "unnamed analysts"),
            ("collaborated with", "Haqqani network", None, "2019", "2021", "siddiqui-2021", "Sajjan Gohel"),
            (
                "collaborated with",
                "other terror groups located in Pakistan",
                None,
                "2019",
                "2021",
                "siddiqui-2021",
                "Sajjan Gohel",
            ),
            ("indirectly linked to", "Taliban", "Haqqani network", None, None, "siddiqui-2021", None),
            ("opponent of", "Afghan security forces", None, None, None, "siddiqui-2021", None),
            ("opponent of", "Taliban", None, None, None, "siddiqui-2021", None),
            ("opponent of", "Taliban", None, None, None, "what-is-isis-k-2021", None),
            ("opponent of", "US forces", None, None, None, "siddiqui-2021", None),
        ],
    )


def test_iskp_targets() -> None:
    """What does ISIS-K target, according to which source, and on whose word?"""
    check(
        "iskp-targets",
        ["target", "source", "attributedTo"],
        [
            ("Taliban", "what-is-isis-k-2021", None),
            ("girls in schools", "siddiqui-2021", None),
            ("government targets", "what-is-isis-k-2021", "jadoon-mines-2021"),
            ("hospitals", "siddiqui-2021", None),
            ("minority groups", "what-is-isis-k-2021", "jadoon-mines-2021"),
            ("nurses in maternity wards", "siddiqui-2021", None),
            ("pregnant women", "siddiqui-2021", None),
            ("public areas", "what-is-isis-k-2021", "jadoon-mines-2021"),
            ("public institutions", "what-is-isis-k-2021", "jadoon-mines-2021"),
        ],
    )


def test_nangarhar_in_pakistan() -> None:
    """Does the published (best-ranked, truthy) graph place Nangarhar in Pakistan? (One
    article says so; the claim is kept but deprecated, so the answer must be no.)"""
    assert query("nangarhar-in-pakistan") is False


def test_no_wikidata() -> None:
    """Which entities have no Wikidata ID yet?"""
    check(
        "no-wikidata",
        ["type", "entity"],
        [
            ("ArmedGroup", "Haqqani network"),
            ("ArmedGroup", "Islamic Movement of Uzbekistan"),
            ("ArmedGroup", "Islamic State Khorasan Province"),
            ("ArmedGroup", "Islamic State core leadership"),
            ("ArmedGroup", "Pakistani Taliban"),
            ("ArmedGroup", "Taliban"),
            ("ArmedGroup", "other terror groups located in Pakistan"),
            ("ArmedGroup", "various other groups"),
            ("Attack", "US-led campaign against the Islamic State caliphate"),
            ("Bombing", "2021 Kabul airport attack"),
            ("Event", "Doha peace talks"),
            ("Event", "U.S. withdrawal from Afghanistan"),
            ("Facility", "Kabul airport"),
            ("Facility", "Pul-e-Charki Prison"),
            ("Government", "Taliban government"),
            ("GroupKind", "jihadist militant group"),
            ("GroupKind", "terrorist organisation"),
            ("Ideology", "jihadism"),
            ("Ideology", "nationalism"),
            ("Index", "Global Terrorism Index"),
            ("IntelligenceAgency", "Western intelligence agencies"),
            ("NewsOutlet", "The Conversation"),
            ("Person", "Amira Jadoon"),
            ("Person", "Andrew Mines"),
            ("Person", "Aneela Siddiqui"),
            ("Person", "Khalil Haqqani"),
            ("Person", "Sajjan Gohel"),
            ("Post", "head of security in Kabul"),
            ("PrisonRelease", "Release of prisoners from Pul-e-Charki Prison (2021)"),
            ("Region", "Central Asia"),
            ("ResearchInstitute", "Asia Pacific Foundation"),
            ("ResearchInstitute", "Institute for Economics and Peace"),
            ("ResearchInstitute", "Program on Extremism"),
            ("SecurityForce", "Afghan security forces"),
            ("SecurityForce", "US forces"),
            ("SecurityForce", "US-led force"),
            ("SupportKind", "advice"),
            ("SupportKind", "money"),
            ("SupportKind", "training"),
            ("Takeover", "Taliban takeover of Kabul (2021)"),
            ("TargetCategory", "Western interests"),
            ("TargetCategory", "girls in schools"),
            ("TargetCategory", "government targets"),
            ("TargetCategory", "hospitals"),
            ("TargetCategory", "humanitarian interests"),
            ("TargetCategory", "international interests"),
            ("TargetCategory", "minority groups"),
            ("TargetCategory", "nurses in maternity wards"),
            ("TargetCategory", "pregnant women"),
            ("TargetCategory", "public areas"),
            ("TargetCategory", "public institutions"),
            ("University", "George Washington University"),
            ("University", "United States Military Academy"),
            ("UnnamedSource", "unnamed analysts"),
            ("UnnamedSource", "unnamed reports"),
            ("UnnamedSource", "unnamed sources"),
        ],
    )


def test_posts() -> None:
    """Who holds which post, with authority over which place, since when, and according to
    which source?"""
    check(
        "posts",
        ["person", "post", "jurisdiction", "pointInTime", "source"],
        [("Khalil Haqqani", "head of security in Kabul", "Kabul", "2021-08-27", "siddiqui-2021")],
    )


def test_prison_releases() -> None:
    """Which prison releases freed members of which organisations, who carried them out,
    where and when, and on whose word?"""
    check(
        "prison-releases",
        ["event", "freedMembersOf", "by", "place", "date", "attributedTo"],
        [
            (
                "Release of prisoners from Pul-e-Charki Prison (2021)",
                "Islamic State",
                "Taliban",
                "Pul-e-Charki Prison",
                "2021-08-15",
                "unnamed reports",
            ),
            (
                "Release of prisoners from Pul-e-Charki Prison (2021)",
                "al-Qaeda",
                "Taliban",
                "Pul-e-Charki Prison",
                "2021-08-15",
                "unnamed reports",
            ),
        ],
    )


def test_ranked_down() -> None:
    """Which claims are ranked down (deprecated), why, what value is better supported, and
    which source made them?"""
    check(
        "ranked-down",
        ["subject", "property", "value", "source", "reason", "betterValue"],
        [
            (
                "Islamic State Khorasan Province",
                "inception",
                "2018",
                "siddiqui-2021",
                'Internal inconsistency: "three years after it was founded", in an article dated 27 '
                "August 2021, puts the founding in 2018, but the same article says two sentences later "
                'that the group "was founded in January 2015" (six and a half years earlier), and the '
                "other corpus article also gives January 2015. The phrase was probably carried over from "
                "a 2018 text.",
                "2015-01",
            ),
            (
                "Nangarhar",
                "country",
                "Pakistan",
                "siddiqui-2021",
                "Factual error: Nangarhar is a province of eastern Afghanistan (capital Jalalabad) on "
                "the border with Pakistan, not a province of Pakistan. The article itself calls IS-K "
                '"the ... militant group of Afghanistan"; the smuggling routes "in and out of the '
                'country" it mentions run across the Afghanistan-Pakistan border. No corpus source '
                "states Nangarhar's country correctly, so there is no better-supported claim to point "
                "at.",
                None,
            ),
        ],
    )


def test_relayed_report() -> None:
    """Which report does each article relay, who wrote it and where do they work, and which
    claims does the article attribute to that report?"""
    check(
        "relayed-report",
        ["article", "report", "subject", "property", "value"],
        [
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "2021 Kabul airport attack",
                "location",
                "Kabul airport",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "2021 Kabul airport attack",
                "perpetrator",
                "Islamic State Khorasan Province",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "operatesIn",
                "Afghanistan",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "operatesIn",
                "Pakistan",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "recruitsFrom",
                "various other groups",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "statedGoal",
                "cast doubt on any ruling government’s ability to provide security for the population",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "statedGoal",
                "create chaos and uncertainty in a bid to push disillusioned fighters from other groups "
                "into their ranks",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "strategy",
                "establish a beachhead for the Islamic State movement to expand its so-called caliphate "
                "to Central and South Asia",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "strategy",
                "sow panic and chaos, disrupt the withdrawal process and demonstrate that the Afghan "
                "Taliban are incapable of providing security to the population",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "targets",
                "government targets",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "targets",
                "minority groups",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "targets",
                "public areas",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "Islamic State Khorasan Province",
                "targets",
                "public institutions",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "U.S. withdrawal from Afghanistan",
                "carriedOutBy",
                "US forces",
            ),
            (
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                "jadoon-mines-2021",
                "U.S. withdrawal from Afghanistan",
                "location",
                "Afghanistan",
            ),
        ],
    )


def test_report_authors() -> None:
    """Who wrote the report an article relays, in which outlet, and where do the authors
    work (as which title)?"""
    check(
        "report-authors",
        ["report", "outlet", "author", "employer", "jobTitle"],
        [
            (
                "jadoon-mines-2021",
                "The Conversation",
                "Amira Jadoon",
                "United States Military Academy",
                "terrorism expert",
            ),
            (
                "jadoon-mines-2021",
                "The Conversation",
                "Andrew Mines",
                "Program on Extremism",
                "research fellow",
            ),
        ],
    )


def test_sources() -> None:
    """Which sources does the dataset cite, with their type, headline, byline, dateline,
    date (or earliest possible date), content hash and relayed source?"""
    check(
        "sources",
        ["source", "type", "headline", "byline", "dateline", "published", "notBefore", "sha256", "relays"],
        [
            (
                "jadoon-mines-2021",
                "Report",
                None,
                "Amira Jadoon and Andrew Mines",
                None,
                None,
                None,
                None,
                None,
            ),
            (
                "siddiqui-2021",
                "NewsArticle",
                "Afghan Crisis: What you need to know about IS-K",
                "Aneela Siddiqui, Web Editor",
                None,
                "2021-08-27T15:09:00",
                None,
                "9ba8a38579ba0f1888895e54a67f166669566cd0c2845c652be62b9f7eea7175",
                None,
            ),
            (
                "what-is-isis-k-2021",
                "NewsArticle",
                "What Is ISIS-K That Claimed Responsibility For Kabul Airport Blasts?",
                None,
                "New Delhi",
                None,
                "2021-08-26",
                "dfc8d3f87a92d4c2f1979821d6ddb7d134aaf85a6b47315ab4fbc1de238fd7a5",
                "jadoon-mines-2021",
            ),
        ],
    )


def test_support_received() -> None:
    """Which organisation received which kinds of support from whom, according to which
    source and on whose word?"""
    check(
        "support-received",
        ["recipient", "supporter", "kind", "source", "attributedTo"],
        [
            (
                "Islamic State Khorasan Province",
                "Islamic State core leadership",
                "advice",
                "what-is-isis-k-2021",
                "unnamed sources",
            ),
            (
                "Islamic State Khorasan Province",
                "Islamic State core leadership",
                "money",
                "what-is-isis-k-2021",
                "unnamed sources",
            ),
            (
                "Islamic State Khorasan Province",
                "Islamic State core leadership",
                "training",
                "what-is-isis-k-2021",
                "unnamed sources",
            ),
        ],
    )


def test_unnamed_attribution() -> None:
    """Which claims rest on unnamed sources ("analysts", "reports", "is said to") rather
    than on a named person or the article itself?"""
    check(
        "unnamed-attribution",
        ["unnamed", "subject", "property", "value", "source"],
        [
            (
                "unnamed analysts",
                "Islamic State Khorasan Province",
                "associatedWith",
                "Haqqani network",
                "siddiqui-2021",
            ),
            (
                "unnamed reports",
                "Release of prisoners from Pul-e-Charki Prison (2021)",
                "carriedOutBy",
                "Taliban",
                "siddiqui-2021",
            ),
            (
                "unnamed reports",
                "Release of prisoners from Pul-e-Charki Prison (2021)",
                "eventDate",
                "2021-08-15",
                "siddiqui-2021",
            ),
            (
                "unnamed reports",
                "Release of prisoners from Pul-e-Charki Prison (2021)",
                "location",
                "Pul-e-Charki Prison",
                "siddiqui-2021",
            ),
            (
                "unnamed reports",
                "Release of prisoners from Pul-e-Charki Prison (2021)",
                "releasedMembersOf",
                "Islamic State",
                "siddiqui-2021",
            ),
            (
                "unnamed reports",
                "Release of prisoners from Pul-e-Charki Prison (2021)",
                "releasedMembersOf",
                "al-Qaeda",
                "siddiqui-2021",
            ),
            (
                "unnamed sources",
                "Islamic State Khorasan Province",
                "receivedSupportFrom",
                "Islamic State core leadership",
                "what-is-isis-k-2021",
            ),
        ],
    )
