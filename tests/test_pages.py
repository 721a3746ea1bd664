"""The pages as a reader meets them (issue 17): an entity's summary, values in plain words,
whose words a quote is, sources by name, the home page, a source's claims in reading order,
and hostile text escaped by every template.

One small project with its own corpus, published once with ``--site``; the served pages are
checked against a real server on a loopback port.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from linked_project import publish, running_server
from scaffold import scaffold_project

from agkg.build.dates import parse_time_value
from agkg.web.wording import date_words, qualifier_key, rank_words, time_words

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'

TEXTS = {
    # the claims file lists these claims in another order than the text says them
    "front-report": "The Northern Front was founded in January 2015. Analysts say it has some 3,000 "
    "fighters, between 2,500 and 4,000. Amal Idris has led it since 2019, after Omar Said, its "
    "leader from May 2016 to 2019. It is a province of the Southern Alliance. Officials allege "
    f"that it attacked the depot {HOSTILE} on 27 August 2021. The United States designated it a "
    "terrorist group in 2021.\n",
    "second-look": "Founded in January 2015, the Northern Front is now a province of the Southern "
    "Alliance, a researcher wrote.\n",
}

SOURCES = """sources:
  - id: front-report
    type: NewsArticle
    headline: 'Raids in the north: {hostile}'
    outlet: daily-planet
    published: 2022-03-04T10:30
    language: en
    sha256: {front}
    relays: roe-report
  - id: second-look
    type: NewsArticle
    headline: A second look at the Front
    published: 2023-01
    language: en
    sha256: {second}
  - id: roe-report
    type: Report
    byline: Jane Roe
    outlet: daily-planet
    language: en
"""

ENTITIES = f"""entities:
  - id: northern-front
    type: ArmedGroup
    label: {{en: Northern Front}}
    aliases: {{en: [NF, The Front], fr: [Front du Nord]}}
  - id: southern-alliance
    type: ArmedGroup
    label: {{en: Southern Alliance}}
  - id: amal-idris
    type: Person
    label: {{en: Amal Idris}}
  - id: omar-said
    type: Person
    label: {{en: 'Omar {HOSTILE}'}}
  - id: united-states
    type: Government
    label: {{en: United States government}}
  - id: daily-planet
    type: NewsOutlet
    label: {{en: The Daily Planet}}
  - id: officials
    type: UnnamedSource
    label: {{en: unnamed officials}}
  - id: analysts
    type: UnnamedSource
    label: {{en: unnamed analysts}}
  - id: depot-attack
    type: Attack
    label: {{en: 'Depot attack {HOSTILE}'}}
"""

CLAIMS = {
    "front-report": """source: front-report
claims:
  - subject: northern-front
    property: designatedTerroristBy
    value: united-states
    qualifiers: {pointInTime: 2021}
    quote: The United States designated it a terrorist group in 2021
  - subject: northern-front
    property: leader
    value: omar-said
    qualifiers: {endTime: 2019, startTime: 2016-05}
    quote: Omar Said, its leader from May 2016 to 2019
  - subject: northern-front
    property: leader
    value: amal-idris
    qualifiers: {startTime: 2019}
    quote: Amal Idris has led it since 2019
  - subject: northern-front
    property: inception
    value: 2015-01
    quote: founded in January 2015
  - subject: northern-front
    property: memberCount
    value: 3000
    qualifiers: {approximate: true, minimum: 2500, maximum: 4000}
    quote: some 3,000 fighters, between 2,500 and 4,000
    attributed_to: analysts
  - subject: northern-front
    property: provinceOf
    value: southern-alliance
    quote: a province of the Southern Alliance
  - subject: northern-front
    property: partOf
    value: southern-alliance
    quote: a province of the Southern Alliance
  - subject: depot-attack
    property: carriedOutBy
    value: northern-front
    quote: 'it attacked the depot {hostile}'
    attributed_to: officials
    allegation: true
  - subject: depot-attack
    property: eventDate
    value: 2021-08-27
    quote: on 27 August 2021
""",
    "second-look": """source: second-look
claims:
  - subject: northern-front
    property: provinceOf
    value: southern-alliance
    quote: a province of the Southern
  - subject: northern-front
    property: inception
    value: 2015-01
    quote: Founded in January 2015
""",
}


def make_pages_project(folder: Path) -> Path:
    digests = scaffold_project(folder, TEXTS)
    quoted = HOSTILE.replace("'", "''")
    (folder / "data/sources/sources.yaml").write_text(
        SOURCES.format(hostile=quoted, front=digests["front-report"], second=digests["second-look"]),
        encoding="utf-8",
    )
    (folder / "data/entities/entities.yaml").write_text(ENTITIES, encoding="utf-8")
    for source, claims in CLAIMS.items():
        (folder / "data/claims" / f"{source}.yaml").write_text(
            claims.replace("{hostile}", quoted), encoding="utf-8"
        )
    (folder / "agkg.toml").write_text(
        '[agkg]\nbase = "https://example.org/kg/"\ncorpus = "corpus"\n', encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_pages_project(tmp_path_factory.mktemp("pages") / "project")
    publish(project, "--site")
    return project


@pytest.fixture(scope="module")
def site(project: Path) -> Path:
    return project / "dist" / "site"


def read(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def text_of(fragment: str) -> str:
    """What a reader sees of some HTML: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def summary_of(page: str) -> dict[str, str]:
    block = page.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", block, re.S)
    return {text_of(k): text_of(v) for k, v in rows}


def main_of(page: str) -> str:
    return page.split("<main>", 1)[1].split("</main>", 1)[0]


def card(page: str, anchor_part: str) -> str:
    """The statement card whose id contains ``anchor_part``."""
    cards = page.split('<article class="statement ')[1:]
    return next(c for c in cards if anchor_part in c.split(">", 1)[0])


# --- 1. the summary --------------------------------------------------------------------------------


def test_an_entity_page_opens_with_its_key_facts_and_their_sources(site: Path) -> None:
    page = read(site, "doc/id/northern-front.html")
    facts = summary_of(page)
    assert facts["Founded"] == "January 2015 2 sources"  # corroborated by both texts
    assert facts["Leader now"] == "Amal Idris (since 2019) 1 source"  # not the past leader
    # only unnamed analysts say so: their words, said first (regression: the summary showed
    # an attributed claim as a plain fact)
    assert facts["Strength"] == "according to unnamed analysts: about 3,000 (2,500\u20134,000) 1 source"
    # a source stating it itself (the text's own voice) makes it a plain fact
    assert facts["Founded"].startswith("January 2015")
    # said as provinceOf by two sources and as partOf by one: one fact, two sources
    assert facts["Part of"] == "Southern Alliance 2 sources"
    assert facts["Designated as terrorist by"] == "United States government (since 2021) 1 source"
    assert list(facts)[:2] == ["Founded", "Leader now"]
    # the summary comes before the evidence, and each fact links down to its statement
    assert page.index('class="summary"') < page.index("<h2>Evidence</h2>")
    summary = page.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    for anchor in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{anchor}"' in page
    assert 'href="#northern-front-inception-' in summary


# --- 2. plain words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lexical", "words"),
    [
        ("2021", "2021"),
        ("2015-01", "January 2015"),
        ("2021-08-27", "27 August 2021"),
        ("2021-08-07", "7 August 2021"),
        ("2022-03-04T10:30", "4 March 2022, 10:30"),
        ("2022-03-04T10:30+04:30", "4 March 2022, 10:30 UTC+04:30"),
        ("0900-12", "December 900"),
    ],
)
def test_dates_are_worded_at_their_precision(lexical: str, words: str) -> None:
    assert time_words(parse_time_value(lexical)) == words


def test_a_date_literal_of_another_type_is_left_as_it_is() -> None:
    assert date_words("2015-01", "gYearMonth") == "January 2015"
    assert date_words("2015-01", "date") == "2015-01"  # not a date's lexical form: not guessed
    assert date_words("soon", "date") == "soon"


def test_dates_on_the_pages_follow_the_value_nodes_precision(site: Path) -> None:
    front = read(site, "doc/id/northern-front.html")
    assert '<time datetime="2015-01">January 2015</time>' in front
    assert "1 January 2015" not in front and "2015-01-01" not in front
    attack = read(site, "doc/id/depot-attack.html")
    assert '<time datetime="2021-08-27">27 August 2021</time>' in attack
    # the source's publication time, as people write it
    assert "4 March 2022, 10:30" in text_of(front)
    assert "January 2023" in text_of(read(site, "doc/source/second-look.html"))


def test_qualifiers_come_in_a_natural_order(site: Path) -> None:
    front = read(site, "doc/id/northern-front.html")
    past = next(c for c in front.split('<article class="statement ')[1:] if "omar-said" in c)
    block = past.split('<dl class="qualifiers">', 1)[1].split("</dl>", 1)[0]
    shown = [(text_of(k), text_of(v)) for k, v in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block)]
    assert shown == [("start time", "May 2016"), ("end time", "2019")]
    assert qualifier_key("startTime", "start time") < qualifier_key("endTime", "end time")
    assert qualifier_key("endTime", "end time") < qualifier_key("role", "role")


def test_ranks_are_said_only_where_they_matter() -> None:
    assert rank_words("normal", competing=True) is None
    assert rank_words("preferred", competing=False) is None
    assert rank_words("preferred", competing=True) == "preferred"
    assert rank_words("deprecated", competing=False) == "deprecated"


def test_no_rank_badge_and_no_language_tag_on_a_plain_page(site: Path) -> None:
    front = read(site, "doc/id/northern-front.html")
    assert 'class="rank"' not in front and "normal rank" not in front.lower()
    aliases = text_of(front.split("<dt>Also known as</dt>", 1)[1].split("</dd>", 1)[0])
    assert sorted(aliases.split(", ")) == ["Front du Nord", "NF", "The Front"]  # no "en" after each
    assert '<span lang="fr">Front du Nord</span>' in front  # the language is markup, for readers


def test_attribution_comes_first_and_allegations_stand_apart(site: Path) -> None:
    front = read(site, "doc/id/northern-front.html")
    strength = card(front, "memberCount")
    according = strength.index('<p class="attribution">According to <a')
    assert according < strength.index('<q class="quote">')
    assert "unnamed analysts</a>:" in strength
    attack = read(site, "doc/id/depot-attack.html")
    alleged = card(attack, "carriedOutBy")
    assert alleged.startswith("rank-normal alleged")
    assert '<figure class="evidence alleged">' in alleged
    assert '<p class="attribution allegation">Alleged by <a' in alleged
    assert alleged.index("Alleged by") < alleged.index('<q class="quote">')
    assert "Reported as an allegation by 1 source" in alleged


def test_sources_are_named_by_headline_and_outlet_never_by_slug(site: Path) -> None:
    front = read(site, "doc/id/northern-front.html")
    captions = [text_of(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", front, re.S)]
    first = next(c for c in captions if c.startswith("Raids in the north"))
    assert first.startswith(f"Raids in the north: {HOSTILE}")
    # the relayed report has no headline: named by who wrote it and where, not "roe-report"
    assert "relaying Report by Jane Roe in The Daily Planet" in first
    assert "The Daily Planet" in first
    for page in ("doc/id/northern-front.html", "index.html", "doc/source/front-report.html"):
        main = read(site, page).split("<main>", 1)[1].split("</main>", 1)[0]
        shown = text_of(re.sub(r'<p class="iri">.*?</p>', "", main))  # the IRI itself has the slug
        for slug in ("front-report", "second-look", "roe-report", "daily-planet"):
            assert slug not in shown, (page, slug)


# --- 3. the home page and the source pages ---------------------------------------------------------


def test_the_home_page_says_what_the_dataset_holds(site: Path) -> None:
    page = read(site, "index.html")
    main = page.split("<main>", 1)[1]
    shown = text_of(main)
    assert "2 armed groups" in shown and "3 sources" in shown and "9 statements" in shown
    assert "10 quotes" in shown
    sources = text_of(main.split('<ul class="sources">', 1)[1].split("</ul>", 1)[0])
    assert f"Raids in the north: {HOSTILE} · The Daily Planet · 4 March 2022, 10:30 9 statements" in sources
    assert "A second look at the Front · January 2023 2 statements" in sources
    assert "Report by Jane Roe in The Daily Planet 0 statements" in sources  # the outlet once
    groups = main.split('id="groups"', 1)[1].split("</ol>", 1)[0]
    assert text_of(groups).startswith(">Groups with the most evidence Northern Front 8 quotes")
    # the latest events, once: a timeline (its drawing and its list)
    assert main.count(">Latest events</h2>") == 1
    events = text_of(main.split('class="timeline-list"', 1)[1].split("</ol>", 1)[0])
    assert f"27 August 2021: Depot attack {HOSTILE}" in events
    assert 'href="dumps/dataset.nq"' in main and 'href="doc/dataset.html"' in main
    assert "Cite" in shown and "https://example.org/kg/dataset" in shown
    assert "VISUAL" not in page  # the block for the diagrams is a template comment
    assert 'href="query"' not in main  # a static host has no query page


def test_a_source_page_lists_its_claims_in_reading_order(site: Path) -> None:
    page = read(site, "doc/source/front-report.html")
    claims = page.split('<ol class="claims">', 1)[1].split("</ol>", 1)[0]
    order = re.findall(r'<article class="statement [^"]*" id="([^"]+)"', claims)
    properties = [re.sub(r"-[0-9a-f]{16}$", "", o) for o in order]
    assert properties == [
        "northern-front-inception",
        "northern-front-memberCount",
        "northern-front-leader",  # Amal Idris: "has led it since 2019"
        "northern-front-leader",  # Omar Said, after him in the text
        "northern-front-partOf",  # one quote, two claims: in a stable order
        "northern-front-provinceOf",
        "depot-attack-carriedOutBy",
        "depot-attack-eventDate",
        "northern-front-designatedTerroristBy",
    ]
    assert "Amal Idris" in text_of(claims.split("northern-front-leader", 2)[1])
    # a source page shows only its own quotes, not the other source's
    assert "Founded in January 2015" not in claims


# --- 4. hostile text, in every template -------------------------------------------------------------


def test_hostile_labels_quotes_and_headlines_are_escaped_everywhere(site: Path) -> None:
    pages = [p for p in site.rglob("*.html")]
    kinds = {p.parent.name for p in pages}
    assert {"id", "source", "statement", "reference", "value", "graph"} <= kinds
    hostile = 0
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text, path
        assert "<b>bold</b>" not in text, path
        hostile += text.count("&lt;script&gt;alert(")
    assert hostile > 10


def test_the_served_pages_are_the_same_templates(project: Path) -> None:
    pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")
    with running_server(project) as server:
        status, headers, body = server.request("/")
        assert status == 200 and headers["content-type"].startswith("text/html")
        home = body.decode()
        assert 'href="query">query page</a>' in home and "<script>alert" not in home
        status, _, body = server.request("/doc/id/northern-front.html")
        page = body.decode()
        assert status == 200 and summary_of(page)["Founded"] == "January 2015 2 sources"
        assert "<script>alert" not in page
        status, _, body = server.request("/doc/source/front-report.html")
        assert status == 200 and '<ol class="claims">' in body.decode()
        # the static site has the same pages: what a page shows (its <main>) is byte for byte
        # the same served or written, summary, drawings and timeline included (only the
        # header's link to the query page, which a static host has not, differs)
        site = project / "dist" / "site"
        for path in (
            "doc/id/northern-front.html",
            "doc/id/southern-alliance.html",
            "doc/source/front-report.html",
        ):
            status, _, body = server.request("/" + path)
            assert status == 200 and main_of(body.decode()) == main_of(read(site, path)), path
        assert "<svg" in main_of(read(site, "doc/id/northern-front.html"))
        # the query page echoes the query and shows the answer's text: both escaped
        query = "SELECT ?x WHERE { ?s rdfs:label ?x } # </textarea><script>alert(1)</script>"
        status, _, body = server.request("/query?" + urlencode({"query": query}))
        page = body.decode()
        assert status == 200 and "<script>alert" not in page
        assert "&lt;/textarea&gt;&lt;script&gt;alert(1)" in page
        assert (
            "<td>Omar &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</td>"
            in page
        )
