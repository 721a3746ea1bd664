"""agkg draft: claims proposed with exact, unique quotes, never inventing a value, refused by
validate and publish until reviewed."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from agkg.build.ontology import load_vocabulary
from agkg.build.quotes import SourceText, find_quote
from agkg.curation.draft import Catalog, draft_claims, read_catalog
from agkg.curation.mentions import KnownEntity, surface_names

Run = Callable[..., Result]

TEXT = """\
Example Front Claims Responsibility

The Example Front is based in Kandahar. It was founded in March 2014 by former militants.

The group had about 2,500 fighters, according to analysts. The Example Front is based in Kandahar.

The Front is a rival of the Other Front.
"""

ENTITIES = """\
entities:
  - id: example-front
    type: ArmedGroup
    label: {en: Example Front}
    aliases: {en: [the Front]}
  - id: other-front
    type: ArmedGroup
    label: {en: Other Front}
    aliases: {en: [the Front]}
  - id: kandahar
    type: City
    label: {en: Kandahar}
  - id: unnamed-analysts
    type: UnnamedSource
    label: {en: unnamed analysts}
    aliases: {en: [analysts]}
"""


@pytest.fixture
def small(tmp_path: Path, repo: Path) -> Path:
    project = tmp_path / "p"
    corpus = tmp_path / "corpus"
    for folder in ("sources", "entities", "claims"):
        (project / "data" / folder).mkdir(parents=True)
    corpus.mkdir()
    (corpus / "000_x.txt").write_text(TEXT, encoding="utf-8")
    sha = hashlib.sha256(TEXT.encode()).hexdigest()
    (project / "data" / "sources" / "s.yaml").write_text(
        f"sources:\n  - id: front-2022\n    type: NewsArticle\n    language: en\n    sha256: {sha}\n",
        encoding="utf-8",
    )
    (project / "data" / "entities" / "e.yaml").write_text(ENTITIES, encoding="utf-8")
    for folder in ("ontology", "shapes"):
        shutil.copytree(repo / folder, project / folder)
    (project / "agkg.toml").write_text('[agkg]\ncorpus = "../corpus"\n', encoding="utf-8")
    return project


def test_draft_proposes_claims_with_unique_quotes_and_refuses_to_overwrite(
    small: Path, run_agkg: Run
) -> None:
    result = run_agkg("--project", small, "draft", "front-2022")
    assert result.exit_code == 0, result.stderr
    claims_file = small / "data" / "claims" / "front-2022.yaml"
    assert result.stdout.splitlines()[0] == "data/claims/front-2022.yaml"
    text = claims_file.read_text(encoding="utf-8")
    assert "value: kandahar" in text and "property: basedIn" in text
    assert "property: inception\n    value: 2014-03" in text
    assert "property: memberCount\n    value: 2500\n    qualifiers:\n      approximate: true" in text
    assert "attributed_to: unnamed-analysts" in text
    # "The Example Front is based in Kandahar" occurs twice: the second claim gets a prefix
    assert text.count('quote: "Example Front is based in Kandahar"') == 2
    assert r'prefix: "Claims Responsibility\n\nThe"' in text
    assert 'prefix: "analysts. The"' in text
    # "the Front" names two entities: listed, not guessed
    assert "ambiguous: 'The Front' may be example-front or other-front: not guessed" in text
    assert "status: draft" in text and re.search(r"confidence: 0\.\d+", text)
    again = run_agkg("--project", small, "draft", "front-2022")
    assert again.exit_code == 2
    assert "data/claims/front-2022.yaml: already exists; not overwritten" in again.stderr
    assert claims_file.read_text(encoding="utf-8") == text
    elsewhere = small / "review" / "front.yaml"
    assert run_agkg("--project", small, "draft", "front-2022", "--out", elsewhere).exit_code == 0
    assert elsewhere.is_file()


def test_validate_refuses_drafts_at_their_line(small: Path, run_agkg: Run) -> None:
    """Regression: before drafts existed, 'status' was an unknown key; now it names the draft."""
    (small / "data" / "claims" / "front-2022.yaml").write_text(
        "source: front-2022\nclaims:\n  - subject: example-front\n    property: basedIn\n    value: kandahar\n"
        '    quote: "It was founded in March 2014"\n    status: draft\n    confidence: 0.8\n',
        encoding="utf-8",
    )
    for command in ("validate", "publish"):
        result = run_agkg("--project", small, command)
        assert result.exit_code == 2
        assert (
            "data/claims/front-2022.yaml:3: claim is a draft: review it and remove 'status'" in result.stderr
        )


def test_unknown_source_is_an_error(small: Path, run_agkg: Run) -> None:
    result = run_agkg("--project", small, "draft", "nope")
    assert result.exit_code == 2
    assert "unknown source 'nope'" in result.stderr


def _value_words(claim_value: str, kind: str) -> list[str]:
    """How a value can be written: an ISO date by its year, a number by its digits."""
    if kind == "time":
        return [claim_value[:4]]
    if kind in ("integer", "positiveInteger", "decimal"):
        return [claim_value]
    return [claim_value]


def _numbers_in(quote: str) -> set[str]:
    found = set()
    words = {
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
    }
    for word, number in words.items():
        if re.search(rf"\b{word}\b", quote, re.IGNORECASE):
            found.add(str(number))
    for match in re.finditer(r"(\d[\d,]*(?:\.\d+)?)(?:\s?(million|billion|thousand))?", quote):
        digits = match.group(1).replace(",", "")
        scale = {"million": 10**6, "billion": 10**9, "thousand": 10**3}.get(match.group(2) or "", 1)
        found.add(digits)
        found.add(str(round(float(digits) * scale)))
    return found


def test_a_draft_never_invents_on_any_corpus_article(corpus: Path, repo: Path) -> None:
    """Every value of every drafted claim is written in its quote, and every quote is found
    exactly once in its article (with its prefix), on every text in ../shared/corpus."""
    articles = sorted(p for p in corpus.glob("*.txt"))
    if not articles:
        pytest.skip(f"no corpus articles in {corpus}")
    vocabulary = load_vocabulary(repo / "ontology")
    catalog = read_catalog(repo / "data", repo)
    # labels and aliases, plus an ideology's adjective ("jihadist" for jihadism)
    names = {e.id: surface_names(e) for e in catalog.entities}
    drafted = 0
    for article in articles:
        text = article.read_text(encoding="utf-8")
        source = SourceText(article, hashlib.sha256(text.encode()).hexdigest(), text)
        draft = draft_claims(text, article.stem, catalog, vocabulary)
        for claim in draft.claims:
            drafted += 1
            where = f"{article.name}: {claim}"
            assert len(find_quote(source, claim.quote, claim.prefix, None)) == 1, where
            folded = claim.quote.lower()
            if claim.kind == "entity":
                assert any(n.lower() in folded for n in names[claim.value]), where
            elif claim.kind == "time":
                assert claim.value[:4] in claim.quote, where
            elif claim.kind in ("integer", "positiveInteger", "decimal"):
                assert claim.value in _numbers_in(claim.quote), where
            else:
                assert claim.value in claim.quote, where
            if claim.subject_in_quote:
                assert any(n.lower() in folded for n in names[claim.subject]), where
            else:
                # a pronoun read as the main group, or an event told by its description
                assert claim.note and ("pronoun" in claim.note or "description" in claim.note), where
    assert drafted > 10


def test_end_to_end_on_a_corpus_article(project: Path, corpus: Path, tmp_path: Path, run_agkg: Run) -> None:
    """add-source → draft → the curator's review (drop 'review' and 'status') → validate green."""
    article = corpus / "003_57ae7ad77087f975.txt"
    sources = project / "data" / "sources" / "corpus.yaml"
    text = sources.read_text(encoding="utf-8")
    start = text.index("  - id: what-is-isis-k-2021")
    end = text.index("  - id: jadoon-mines-2021")
    sources.write_text(text[:start] + text[end:], encoding="utf-8")
    (project / "data" / "claims" / "what-is-isis-k-2021.yaml").unlink()
    own_corpus = tmp_path / "own-corpus"
    own_corpus.mkdir()
    shutil.copy(corpus / "000_e79d1eb089dba4fc.txt", own_corpus)
    base = ["--project", project, "--corpus", own_corpus]

    added = run_agkg(*base, "add-source", article, "--id", "what-is-isis-k-2021")
    assert added.exit_code == 0, added.stderr
    assert (own_corpus / "001_dfc8d3f87a92d4c2.txt").read_bytes() == article.read_bytes()
    drafted = run_agkg(*base, "draft", "what-is-isis-k-2021")
    assert drafted.exit_code == 0, drafted.stderr
    assert run_agkg(*base, "validate").exit_code == 2

    sources.write_text(
        "".join(
            row
            for row in sources.read_text(encoding="utf-8").splitlines(keepends=True)
            if "review" not in row
        ),
        encoding="utf-8",
    )
    for path in [
        *(project / "data" / "claims").glob("*.yaml"),
        *(project / "data" / "entities").glob("draft-*.yaml"),
    ]:
        rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(r for r in rows if r.strip() != "status: draft"), encoding="utf-8")
    result = run_agkg(*base, "validate")
    assert result.exit_code == 0, result.stdout + result.stderr
    claims = (project / "data" / "claims" / "what-is-isis-k-2021.yaml").read_text(encoding="utf-8")
    assert "property: inception\n    value: 2015-01" in claims


def test_catalog_reads_unreviewed_records() -> None:
    catalog = Catalog({}, [KnownEntity("x", "ArmedGroup", ("X Front",))])
    assert catalog.entities[0].names == ("X Front",)


def test_relative_clauses_lists_possessives_and_questions(repo: Path) -> None:
    """The list before "have a strong relationship" skips the relative clause inside it; a
    possessive between two groups is a part; a yes/no question proposes nothing."""
    catalog = Catalog(
        {},
        [
            KnownEntity("alpha", "ArmedGroup", ("Alpha Front",)),
            KnownEntity("beta", "ArmedGroup", ("Beta network",)),
            KnownEntity("gamma", "ArmedGroup", ("Gamma",)),
            KnownEntity("jihadism", "Ideology", ("jihadism",)),
            KnownEntity("analysts", "UnnamedSource", ("analysts",)),
        ],
    )
    text = (
        "Alpha Front Report\n\nAre they linked to Gamma?\n\n"
        "According to analysts, Alpha Front and the Beta network, which is tied to Gamma, have a strong relationship.\n\n"
        "Gamma\u2019s Beta network is a jihadist group.\n"
    )
    draft = draft_claims(text, "t", catalog, load_vocabulary(repo / "ontology"))
    found = {(c.subject, c.property, c.value, c.attributed_to) for c in draft.claims}
    assert ("alpha", "associatedWith", "beta", "analysts") in found
    assert ("beta", "associatedWith", "gamma", "analysts") in found
    assert ("beta", "partOf", "gamma", None) in found
    assert ("beta", "ideology", "jihadism", None) in found
    assert not [c for c in draft.claims if c.quote.startswith("Are they")]
    assert ("alpha", "associatedWith", "gamma") not in {(s, p, v) for s, p, v, _ in found}


def test_conflict_reporting_cues(repo: Path) -> None:
    """Relations conflict reporting states without a "led by": differences, posts, leaders in
    apposition, designations, pledges, tolls, descriptive names and events told, not named."""
    catalog = Catalog(
        {},
        [
            KnownEntity("alpha", "ArmedGroup", ("Alpha Front",)),
            KnownEntity("beta", "ArmedGroup", ("Beta Movement",)),
            KnownEntity("rim-groups", "ArmedGroup", ("small militias based in Ruritania",)),
            KnownEntity("militia-kind", "GroupKind", ("militia",)),
            KnownEntity("ruritania", "Country", ("Ruritania",)),
            KnownEntity("zenda", "City", ("Zenda",)),
            KnownEntity("zenda-jail", "Facility", ("Zenda Jail",)),
            KnownEntity("freedonia", "Government", ("Freedonian government",)),
            KnownEntity("jan-kos", "Person", ("Jan Kos",)),
            KnownEntity("ola-rem", "Person", ("Ola Rem",)),
            KnownEntity("zenda-chief", "Post", ("police chief of Zenda",)),
            KnownEntity("zenda-fall", "Takeover", ("Fall of Zenda",)),
            KnownEntity("jail-break", "PrisonRelease", ("Zenda Jail break",)),
            KnownEntity("market-bombing", "Bombing", ("market bombing",)),
        ],
    )
    text = (
        "Alpha Front Explained\n\n"
        "There is a clear difference between the Beta Movement and the Alpha Front.\n\n"
        "Ola Rem, who spent years abroad, is now police chief of Zenda.\n\n"
        "Jan Kos, the leader of the Alpha Front, spoke.\n\n"
        "In 2019 the Alpha Front pledged allegiance to the Beta Movement.\n\n"
        "The Freedonian government designated the Alpha Front a terrorist organisation.\n\n"
        "The market bombing killed at least 40 people.\n\n"
        "Small militias based in Ruritania joined them.\n\n"
        "When the Alpha Front seized Zenda, they freed prisoners from Zenda Jail, including Beta Movement members.\n\n"
        "Ola Rem has been tracking armed groups in Ruritania for years.\n"
    )
    draft = draft_claims(text, "t", catalog, load_vocabulary(repo / "ontology"))
    found = {(c.subject, c.property, c.value) for c in draft.claims}
    expected = {
        ("alpha", "differentFrom", "beta"),  # the article's main group is the subject
        ("zenda-chief", "jurisdiction", "zenda"),
        ("ola-rem", "holdsPost", "zenda-chief"),
        ("alpha", "leader", "jan-kos"),
        ("alpha", "pledgedAllegianceTo", "beta"),
        ("alpha", "designatedTerroristBy", "freedonia"),
        ("market-bombing", "killedCount", "40"),
        ("rim-groups", "basedIn", "ruritania"),
        ("rim-groups", "groupKind", "militia-kind"),
        ("zenda-fall", "location", "zenda"),
        ("zenda-fall", "carriedOutBy", "alpha"),
        ("jail-break", "location", "zenda-jail"),
        ("jail-break", "releasedMembersOf", "beta"),
        ("ola-rem", "fieldOfWork", "tracking armed groups in Ruritania"),
    }
    assert expected <= found, sorted(expected - found)
    toll = next(c for c in draft.claims if c.property == "killedCount")
    assert toll.qualifiers == (("minimum", "40"),)
    told = [c for c in draft.claims if c.subject in ("zenda-fall", "jail-break")]
    assert all(not c.subject_in_quote and c.note and "description" in c.note for c in told)
    assert ("beta", "differentFrom", "alpha") not in found


def _invented(repo: Path, text: str, entities: list[KnownEntity]) -> set[tuple[str, str, str]]:
    draft = draft_claims(text, "t", Catalog({}, entities), load_vocabulary(repo / "ontology"))
    for claim in draft.claims:  # never invents: every value is in its quote
        assert claim.kind != "entity" or any(
            n.lower() in claim.quote.lower() for e in entities if e.id == claim.value for n in e.names
        ), claim
    return {(c.subject, c.property, c.value) for c in draft.claims}


NEWS_ENTITIES = [
    KnownEntity("alpha", "ArmedGroup", ("Alpha Front",)),
    KnownEntity("beta", "ArmedGroup", ("Beta Movement",)),
    KnownEntity("gamma", "ArmedGroup", ("Gamma Brigade",)),
    KnownEntity("freedonia", "Government", ("Freedonian government",)),
    KnownEntity("ruritania", "Country", ("Ruritania",)),
    KnownEntity("zenda", "City", ("Zenda",)),
    KnownEntity("zenda-bombing", "Bombing", ("Zenda bombing",)),
]


def test_cues_come_from_the_ontology_labels(repo: Path) -> None:
    """Relations no hand-written cue covers are read from the properties' labels and their
    inflections ("backed by", "splinters of", "allied to"); a noun label needs a predicate or an
    apposition, and a pair a specific rule read is not read again under a looser label."""
    text = (
        "Alpha Front Explained\n\n"
        "The Beta Movement is backed by the Freedonian government.\n\n"
        "The Gamma Brigade, a splinter of the Alpha Front, grew.\n\n"
        "The Alpha Front was allied to the Beta Movement.\n\n"
        "Fighting in part of the Alpha Front region spread.\n"
    )
    found = _invented(repo, text, NEWS_ENTITIES)
    assert {
        ("beta", "receivedSupportFrom", "freedonia"),
        ("gamma", "foundedByMembersOf", "alpha"),
        ("alpha", "alliedWith", "beta"),
    } <= found, sorted(found)
    assert not [f for f in found if f[1] == "partOf"]


def test_subjects_in_coordination(repo: Path) -> None:
    """ "A and B are based in X": each listed party; but a relative clause after the list is
    about its last party only."""
    text = (
        "Alpha Front Explained\n\n"
        "The Alpha Front and the Beta Movement are based in Zenda.\n\n"
        "The Gamma Brigade and the Beta Movement, which is allied with the Freedonian government, met.\n"
    )
    found = _invented(repo, text, NEWS_ENTITIES)
    assert {("alpha", "basedIn", "zenda"), ("beta", "basedIn", "zenda")} <= found, sorted(found)
    assert ("beta", "alliedWith", "freedonia") in found
    assert ("gamma", "alliedWith", "freedonia") not in found


def test_named_event_dated_in_its_clause(repo: Path) -> None:
    """ "the Zenda bombing on 3 May 2020": the event's date, when the sentence holds one event
    and one date; two dates leave it to the curator."""
    text = (
        "Alpha Front Explained\n\n"
        "The Alpha Front carried out the Zenda bombing on 3 May 2020.\n\n"
        "Between 1 May 2020 and 9 May 2020 the Zenda bombing was planned.\n"
    )
    found = _invented(repo, text, NEWS_ENTITIES)
    assert ("zenda-bombing", "eventDate", "2020-05-03") in found, sorted(found)
    assert len([f for f in found if f[1] == "eventDate"]) == 1


PEOPLE = [
    *NEWS_ENTITIES,
    KnownEntity("jan-kos", "Person", ("Jan Kos",)),
]


def test_dates_claims_passives_and_member_appositions(repo: Path) -> None:
    """Constructions of news prose: the date of "was founded" before it or later in its clause,
    "G claimed the bombing", the passive "was carried out by G", "formed by former H fighters",
    "P, a former G commander"."""
    text = (
        "Alpha Front Explained\n\n"
        "In January 2015, the Alpha Front was founded.\n\n"
        "The Gamma Brigade was established in Zenda in 2017.\n\n"
        "The Beta Movement claimed the Zenda bombing.\n\n"
        "The Zenda bombing was carried out by the Gamma Brigade.\n\n"
        "The Gamma Brigade was formed by former Alpha Front fighters.\n\n"
        "Jan Kos, a former Beta Movement commander, spoke.\n"
    )
    found = _invented(repo, text, PEOPLE)
    expected = {
        ("alpha", "inception", "2015-01"),
        ("gamma", "inception", "2017"),
        ("zenda-bombing", "responsibilityClaimedBy", "beta"),
        ("zenda-bombing", "perpetrator", "gamma"),
        ("gamma", "foundedByMembersOf", "alpha"),
        ("jan-kos", "memberOf", "beta"),
    }
    assert expected <= found, sorted(expected - found)
    assert ("gamma", "founder", "alpha") not in found
