"""The drawings of a page: an entity's network and timeline, the home page's network and events.

The page code calls these with its own way of linking a node (``href``), so the drawings link
exactly as the rest of the page does, from the server and from the static site alike.
"""

from __future__ import annotations

import pyoxigraph as ox
from markupsafe import Markup

from agkg.web.network import Href, Network
from agkg.web.site import SiteData
from agkg.web.templating import render
from agkg.web.timeline import Timeline, timeline_view


def entity_figures(site: SiteData, node: ox.NamedNode, href: Href) -> Markup:
    """The "Relations" and "Timeline" sections of an entity's page (empty when it has neither)."""
    network = Network(site).one_hop_view(node, href)
    name = site.label(node)
    timeline = timeline_view("timeline-one", f"Timeline of {name}", Timeline(site, href).of(node))
    return Markup(render("figures.html", network=network, timeline=timeline, home=False))


# How many of the latest events the home page shows (the rest are on their groups' pages).
LATEST_EVENTS = 12


def home_figures(site: SiteData, href: Href, latest: int = LATEST_EVENTS) -> Markup:
    """The home page's network of armed groups and its latest events by date.

    The events are one presentation, a timeline of the ``latest`` most recent in date order
    (a drawing and the list of the same entries), rather than a timeline and a separate list
    repeating it.
    """
    network = Network(site).whole_view(href)
    events = Timeline(site, href).events()
    shown = events[-latest:] if latest > 0 else []
    timeline = timeline_view("timeline-events", "Latest events by date", shown)
    return Markup(render("figures.html", network=network, timeline=timeline, home=True, events=len(events)))
