"""The network of relations and the timelines (issue 17 parts 2 and 3), on a throw-away project
whose claims are only the ones written here (the quotes are the article's words).

The drawings are computed from the published files, as the pages are: best rank from the truthy
triples, allegations dashed, deprecated values left out, dates at their precision, and the same
bytes on every run.
"""

# ruff: noqa: RUF001

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import Result

from agkg.web.figures import entity_figures, home_figures
from agkg.web.network import Box, Network
from agkg.web.site import SiteData
from agkg.web.timeline import Timeline

BASE = "https://w3id.org/agkg/"
HAQQANI_WORDS = "between 2019 and 2021, IS-K, the Taliban’s Haqqani network, and other terror groups located in Pakistan collaborated on so many major attacks"

CLAIMS = f"""source: siddiqui-2021
claims:
  - subject: iskp
    property: provinceOf
    value: islamic-state
    quote: 'IS-K is the Islamic State’s Central Asian province'
  # a split, from the other side: a group founded by members of ISKP's neighbour
  - subject: iskp
    property: foundedByMembersOf
    value: pakistani-taliban
    quote: 'It was founded in January 2015'
  # a rival, stated
  - subject: iskp
    property: opponentOf
    value: taliban
    quote: 'There is a major difference between the Taliban and IS-K'
  # a rival, deprecated: not drawn
  - subject: iskp
    property: opponentOf
    value: al-qaeda
    quote: 'There is a major difference between the Taliban and IS-K'
    rank: deprecated
    rank_reason: The article names the Taliban, not al-Qaeda.
  # alleged only: drawn dashed
  - subject: iskp
    property: collaboratedWith
    value: haqqani-network
    qualifiers:
      startTime: 2019
      endTime: 2021
    quote: '{HAQQANI_WORDS}'
    attributed_to: sajjan-gohel
    allegation: true
  # incoming: another group's relation to ISKP
  - subject: islamic-movement-of-uzbekistan
    property: affiliateOf
    value: iskp
    quote: 'IS-K is the Islamic State’s Central Asian province'
  # a leader with a term (month precision, still running)
  - subject: iskp
    property: leader
    value: khalil-haqqani
    qualifiers:
      startTime: 2020-06
    quote: 'It was founded in January 2015'
  # a designation on a day, and a death in a year
  - subject: iskp
    property: designatedTerroristBy
    value: us-forces
    qualifiers:
      pointInTime: 2016-01-14
    quote: 'It was founded in January 2015'
  - subject: khalil-haqqani
    property: dateOfDeath
    value: 2021
    quote: 'It was founded in January 2015'
  # dates at three precisions
  - subject: iskp
    property: inception
    value: 2015-01
    quote: 'It was founded in January 2015'
  - subject: fall-of-kabul-2021
    property: eventDate
    value: 2021-08-15
    quote: 'the Taliban gained control of Kabul on August 15'
  - subject: fall-of-kabul-2021
    property: carriedOutBy
    value: taliban
    quote: 'the Taliban gained control of Kabul on August 15'
"""


def item(local: str) -> ox.NamedNode:
    return ox.NamedNode(f"{BASE}id/{local}")


def href(node: ox.NamedNode) -> str:
    return "../id/" + node.value.rsplit("/", 1)[-1] + ".html"


@pytest.fixture
def published(project: Path, run_agkg: Callable[..., Result]) -> Path:
    for path in (project / "data" / "claims").glob("*.yaml"):
        path.unlink()
    (project / "data" / "claims" / "siddiqui-2021.yaml").write_text(CLAIMS, encoding="utf-8")
    result = run_agkg("--project", project, "publish", "--site")
    assert result.exit_code == 0, result.output
    return project / "dist"


@pytest.fixture
def site(published: Path) -> SiteData:
    return SiteData.from_folder(published, BASE)


def relations(site: SiteData, local: str) -> set[tuple[str, str, str, bool]]:
    return {
        (r.subject.rsplit("/", 1)[-1], r.name, r.target.rsplit("/", 1)[-1], r.alleged)
        for r in Network(site).around(item(local))
    }


def test_one_hop_network_is_best_rank_with_allegations_dashed(site: SiteData) -> None:
    assert relations(site, "iskp") == {
        ("iskp", "provinceOf", "islamic-state", False),
        ("iskp", "foundedByMembersOf", "pakistani-taliban", False),
        ("iskp", "opponentOf", "taliban", False),
        ("iskp", "collaboratedWith", "haqqani-network", True),
        ("islamic-movement-of-uzbekistan", "affiliateOf", "iskp", False),
        ("iskp", "leader", "khalil-haqqani", False),
    }
    view = Network(site).one_hop_view(item("iskp"), href)
    assert view is not None
    dashed = [edge for edge in view.edges if edge.alleged]
    assert [edge.text for edge in dashed] == ["alleged: collaborated with"]
    # every node links to its page, the centre first
    assert view.nodes[0].iri == item("iskp").value and view.nodes[0].kind == "centre"
    assert {n.href for n in view.nodes} >= {"../id/islamic-state.html", "../id/khalil-haqqani.html"}
    kinds = {n.label: n.kind for n in view.nodes}
    assert kinds["Khalil Haqqani"] == "person" and kinds["Taliban"] == "group"


def test_whole_network_joins_groups_only(site: SiteData) -> None:
    view = Network(site).whole_view(href)
    assert view is not None
    names = {n.label for n in view.nodes}
    assert {"Islamic State Khorasan Province", "Taliban", "al-Qaeda"} <= names
    assert "Khalil Haqqani" not in names  # a person, not a group
    assert all(edge.relations[0].kind != "leader" for edge in view.edges)
    # every node is inside the drawing
    assert all(0 < n.x < view.width and 0 < n.y < view.height for n in view.nodes)


def test_timeline_shows_dates_at_their_precision(site: SiteData) -> None:
    entries = Timeline(site, href).of(item("iskp"))
    shown = [(e.start.text, e.end.text if e.end else None, e.span, e.what, e.other) for e in entries]
    assert shown == [
        ("January 2015", None, False, "Founded", None),
        ("14 January 2016", None, False, "Designated as terrorist by:", "US forces"),
        ("June 2020", None, True, "Leader:", "Khalil Haqqani"),
    ]  # the alleged collaboration (2019 to 2021) is not a fact at best rank
    # a month is a month: never the first of it
    assert entries[0].start.datetime == "2015-01"
    person = Timeline(site, href).of(item("khalil-haqqani"))
    assert [(e.start.text, e.what, e.other, e.kind) for e in person] == [
        ("June 2020", "Leader of", "Islamic State Khorasan Province", "term"),
        ("2021", "Died", None, "death"),
    ]
    taliban = Timeline(site, href).of(item("taliban"))
    assert [(e.start.text, e.other, e.note) for e in taliban] == [
        ("15 August 2021", "Taliban takeover of Kabul (2021)", "carried out by")
    ]
    events = Timeline(site, href).events()
    assert [(e.start.text, e.other) for e in events] == [
        ("15 August 2021", "Taliban takeover of Kabul (2021)")
    ]


def test_pages_carry_the_drawings_and_are_deterministic(site: SiteData, published: Path) -> None:
    page = (published / "site" / "doc" / "id" / "iskp.html").read_text(encoding="utf-8")
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert 'stroke-dasharray="7 5"' in page  # the allegation
    assert '<time datetime="2015-01">January 2015</time>' in page
    assert "1 January 2015" not in page
    home = (published / "site" / "index.html").read_text(encoding="utf-8")
    assert "Network of armed groups" in home and 'class="network-list"' in home
    # the same data gives the same bytes, from a fresh read of the files
    again = SiteData.from_folder(published, BASE)
    assert entity_figures(site, item("iskp"), href) == entity_figures(again, item("iskp"), href)
    assert home_figures(site, href) == home_figures(again, href)


def test_hostile_labels_stay_escaped_in_drawings(project: Path, run_agkg: Callable[..., Result]) -> None:
    groups = project / "data" / "entities" / "groups.yaml"
    text = groups.read_text(encoding="utf-8")
    groups.write_text(
        text.replace("label: {en: Taliban}", 'label: {en: "Taliban <script>alert(1)</script>"}'),
        encoding="utf-8",
    )
    for path in (project / "data" / "claims").glob("*.yaml"):
        path.unlink()
    (project / "data" / "claims" / "siddiqui-2021.yaml").write_text(CLAIMS, encoding="utf-8")
    result = run_agkg("--project", project, "publish")
    assert result.exit_code == 0, result.output
    site = SiteData.from_folder(project / "dist", BASE)
    shown = str(entity_figures(site, item("iskp"), href)) + str(home_figures(site, href))
    assert "<script>" not in shown
    assert "Taliban &lt;script&gt;alert(1)&lt;/script&gt;" in shown


RENDER = """
import sys
from pathlib import Path
import pyoxigraph as ox
from agkg.web.site import SiteData
from agkg.web.figures import entity_figures, home_figures
site = SiteData.from_folder(Path(sys.argv[1]), sys.argv[2])
href = lambda n: n.value
iskp = ox.NamedNode(sys.argv[2] + "id/iskp")
sys.stdout.write(str(entity_figures(site, iskp, href)) + str(home_figures(site, href)))
"""


def test_drawings_are_byte_identical_under_any_hash_seed(published: Path) -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        done = subprocess.run(
            [sys.executable, "-c", RENDER, str(published), BASE],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert "<svg" in outputs.pop()


# Several relations between the same two groups (ISKP part of, province of and affiliate of the
# Islamic State), a fact and an allegation between the same two (the Haqqani network), and a
# second, earlier event: the crowd that made the labels stack on each other.
CROWDED = f"""
  - subject: iskp
    property: partOf
    value: islamic-state
    quote: 'IS-K is the Islamic State’s Central Asian province'
  - subject: iskp
    property: affiliateOf
    value: islamic-state
    quote: 'IS-K is the Islamic State’s Central Asian province'
  - subject: iskp
    property: associatedWith
    value: haqqani-network
    quote: '{HAQQANI_WORDS}'
  - subject: iskp
    property: associatedWith
    value: taliban
    quote: 'There is a major difference between the Taliban and IS-K'
  # a second leader in office: the summary says "Leaders now"
  - subject: iskp
    property: leader
    value: sajjan-gohel
    qualifiers:
      startTime: 2021
    quote: 'It was founded in January 2015'
  - subject: pul-e-charki-release-2021
    property: eventDate
    value: 2021-08
    quote: 'the Taliban gained control of Kabul on August 15'
"""


@pytest.fixture
def crowded(project: Path, run_agkg: Callable[..., Result]) -> Path:
    for path in (project / "data" / "claims").glob("*.yaml"):
        path.unlink()
    (project / "data" / "claims" / "siddiqui-2021.yaml").write_text(CLAIMS + CROWDED, encoding="utf-8")
    result = run_agkg("--project", project, "publish", "--site")
    assert result.exit_code == 0, result.output
    return project / "dist"


def test_edge_labels_list_each_relation_once_and_never_overlap(crowded: Path) -> None:
    """Regression (issue 17): "part of / province of / affiliate of" were stacked on one edge
    beside other edges' words, and labels of neighbouring edges covered each other."""
    site = SiteData.from_folder(crowded, BASE)
    network = Network(site)
    iskp, state, haqqani = (item(x).value for x in ("iskp", "islamic-state", "haqqani-network"))
    for view in (network.one_hop_view(item("iskp"), href), network.whole_view(href)):
        assert view is not None
        to_state = [e for e in view.edges if (e.relations[0].subject, e.relations[0].target) == (iskp, state)]
        # one edge for the three relations, each named once, on lines that fit a phone
        assert len(to_state) == 1
        assert to_state[0].text == "part of · province of · affiliate of"
        assert all(len(" · ".join(p.text for p in line)) <= 26 for line in to_state[0].lines)
        # a fact and an allegation between the same two stay two edges, the allegation dashed
        to_haqqani = [
            e for e in view.edges if (e.relations[0].subject, e.relations[0].target) == (iskp, haqqani)
        ]
        assert sorted((e.alleged, e.text) for e in to_haqqani) == [
            (False, "associated with"),
            (True, "alleged: collaborated with"),
        ]
        # no label covers another label or a node, and each is inside the drawing
        boxes = [e.box for e in view.edges]
        for i, box in enumerate(boxes):
            text = view.edges[i].text
            assert box.left >= 0 and box.top >= 0, text
            assert box.right <= view.width and box.bottom <= view.height, text
            assert all(box.overlap(other) == 0 for other in boxes[i + 1 :]), (view.key, text)
            for node in view.nodes:
                circle = Box(node.x - node.r, node.y - node.r, node.x + node.r, node.y + node.r)
                assert box.overlap(circle) == 0, (text, node.label)
            # the words are drawn where the box is
            assert box.left < view.edges[i].text_x < box.right, text
            assert box.top < view.edges[i].text_y < box.bottom, text


def test_home_page_shows_the_latest_events_once(crowded: Path) -> None:
    """Regression (issue 17): the home page had an "Events" timeline and a "Latest events"
    list repeating it; now one timeline of the latest events, in date order."""
    home = (crowded / "site" / "index.html").read_text(encoding="utf-8")
    assert home.count(">Latest events</h2>") == 1
    assert home.count('class="timeline-list"') == 1
    # each event is listed once (and drawn once), in date order: August 2021 before the 15th
    kabul = "Taliban takeover of Kabul (2021)</a>"
    charki = "Release of prisoners from Pul-e-Charki Prison (2021)</a>"
    # (the "Everything, by kind" index at the foot of the page names every entity, events too)
    assert home.count(kabul) == 2
    events = home[home.index('id="timeline-events-heading"') : home.index("Everything, by kind")]
    assert events.count(kabul) == 1 and events.count(charki) == 1
    assert events.index(charki) < events.index(kabul)
    assert "Every dated event, in date order" in home
    # with room for one, the latest is the one shown, and the page says how many there are
    site = SiteData.from_folder(crowded, BASE)
    latest = str(home_figures(site, href, latest=1))
    assert "Taliban takeover of Kabul (2021)" in latest and "Pul-e-Charki" not in latest
    assert "The 1 latest of 2 dated events" in latest


def test_a_summary_with_several_current_leaders_says_leaders(crowded: Path) -> None:
    page = (crowded / "site" / "doc" / "id" / "iskp.html").read_text(encoding="utf-8")
    summary = page.split('<section class="summary"', 1)[1].split("</section>", 1)[0]
    assert "<dt>Leaders now</dt>" in summary and "Leader now" not in summary
    assert "Khalil Haqqani" in summary and "Sajjan Gohel" in summary
