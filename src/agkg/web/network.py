"""The network of relations between groups and their leaders, laid out for a server-side SVG.

An analyst reads the dataset's heart, who is a province, affiliate, splinter, rival or leader of
whom, at a glance from a drawing rather than from a list of statement boxes. The drawing is
computed here, on the server, from the published graph: best rank only (the truthy triples
``{base}prop/direct/…``), plus allegations (statements qualified ``pq:sourcingCircumstances
agkg:allegedly``, which never get a truthy triple) drawn dashed so they never pass for facts.

The layout is deterministic: nodes are ordered by relation and label, positions come from fixed
formulas (a radial layout around one group) or from a fixed number of force-directed steps
started from a circle (the whole network), and every coordinate is rounded, so the same data
always gives byte-identical pages. Nothing is fetched at view time and no script is needed;
the templates put a plain list of the same edges beside the drawing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox

from agkg.vocab import AGKG, RDF, WIKIBASE
from agkg.web.site import SiteData, Term

# The relations drawn, in the order a group's neighbours are placed around it, by kind.
RELATIONS: tuple[tuple[str, str], ...] = (
    ("provinceOf", "parent"),
    ("partOf", "parent"),
    ("memberOf", "parent"),
    ("affiliateOf", "affiliation"),
    ("pledgedAllegianceTo", "affiliation"),
    ("allegiance", "affiliation"),
    ("alliedWith", "affiliation"),
    ("associatedWith", "affiliation"),
    ("collaboratedWith", "affiliation"),
    ("indirectlyLinkedTo", "affiliation"),
    ("receivedSupportFrom", "affiliation"),
    ("providedSafeHavenTo", "affiliation"),
    ("foundedByMembersOf", "split"),
    ("opponentOf", "rival"),
    ("leader", "leader"),
    ("founder", "leader"),
)
KIND_ORDER = {"parent": 0, "affiliation": 1, "split": 2, "rival": 3, "leader": 4}
GROUP_TYPES = (AGKG.ArmedGroup,)

# Drawing sizes, in SVG user units (the SVG scales to the page's width through its viewBox).
ONE_HOP_SIZE = (760.0, 560.0)
WHOLE_SIZE = (760.0, 600.0)
NODE_RADIUS = 9.0
CENTRE_RADIUS = 14.0
LABEL_CHARS = 22  # a node's label wraps after this many characters


@dataclass(frozen=True)
class Relation:
    """One relation between two items: best-ranked, or alleged (drawn dashed)."""

    subject: str
    target: str
    name: str  # the ontology property's local name, ``provinceOf``
    label: str  # its label, "province of"
    kind: str  # parent, affiliation, split, rival or leader
    alleged: bool


@dataclass(frozen=True)
class PlacedNode:
    """A node where the drawing puts it, with the page it links to."""

    iri: str
    label: str
    lines: tuple[str, ...]  # the label, wrapped
    href: str | None
    x: float
    y: float
    r: float
    kind: str  # centre, group, person or other
    label_y: float  # where the first line of the label sits


@dataclass(frozen=True)
class EdgeLine:
    """One relation's words on an edge, in its kind's colour."""

    text: str
    kind: str


@dataclass(frozen=True)
class PlacedEdge:
    """An edge as drawn: the relations from one item to another (all facts, or all
    allegations, dashed), its path, and where its words sit."""

    relations: tuple[Relation, ...]
    kind: str  # the first relation's kind, which gives the line its colour
    alleged: bool
    path: str  # SVG path data, from the subject's rim to the target's
    lines: tuple[EdgeLine, ...]
    text_x: float
    text_y: float


@dataclass(frozen=True)
class NetworkView:
    """What the network template draws: the SVG's nodes and edges and the plain list beside it."""

    key: str  # the drawing's id on its page (its title, description and markers hang off it)
    title: str
    description: str
    width: float
    height: float
    nodes: tuple[PlacedNode, ...]
    edges: tuple[PlacedEdge, ...]
    relations: tuple[ListedRelation, ...]


@dataclass(frozen=True)
class ListedRelation:
    """One line of the list beside the drawing: subject, relation, target, with links."""

    subject: str
    subject_href: str | None
    words: str
    target: str
    target_href: str | None
    alleged: bool


Href = Callable[[ox.NamedNode], str | None]


class Network:
    """The relations of the published dataset, read once from its indexes."""

    def __init__(self, site: SiteData) -> None:
        self.site = site
        self.wb = site.iris.wb

    @cached_property
    def relations(self) -> list[Relation]:
        """Every relation of the dataset (read once, for the whole network)."""
        found = (r for subject in list(self.site.data.out) for r in self._relations_of(subject))
        return sorted(set(found), key=_relation_key)

    def _relations_of(self, subject: Term) -> Iterable[Relation]:
        """The relations ``subject`` is the subject of: its truthy triples, and its alleged
        statements that are not deprecated and not also facts."""
        data = self.site.data
        items = self.wb.entity
        if not isinstance(subject, ox.NamedNode) or subject not in items:
            return
        targets = data.out.get(subject, {})
        for name, kind in RELATIONS:
            direct, claim = self.wb.direct.term(name), self.wb.claim.term(name)
            if direct not in targets and claim not in targets:
                continue
            label = self.site.label(AGKG.term(name))
            best = {t for t in targets.get(direct, []) if isinstance(t, ox.NamedNode) and t in items}
            for target in best:
                yield Relation(subject.value, target.value, name, label, kind, alleged=False)
            for statement in targets.get(claim, []):
                if AGKG.allegedly not in data.objects(statement, self.wb.qualifier.sourcingCircumstances):
                    continue
                if data.first(statement, WIKIBASE.rank) == WIKIBASE.DeprecatedRank:
                    continue
                for value in data.objects(statement, self.wb.statement.term(name)):
                    if isinstance(value, ox.NamedNode) and value in items and value not in best:
                        yield Relation(subject.value, value.value, name, label, kind, alleged=True)

    def around(self, node: ox.NamedNode) -> list[Relation]:
        """The one-hop relations of ``node``: those it is the subject or the target of, found
        from its own triples (no scan of the dataset, so every page stays cheap)."""
        data = self.site.data
        subjects: set[Term] = {node}
        for subject, predicate in data.into.get(node, []):
            if predicate in self.wb.direct:
                subjects.add(subject)
            elif predicate in self.wb.statement:
                subjects.update(s for s, _ in data.into.get(subject, []))
        found = {
            r
            for subject in subjects
            for r in self._relations_of(subject)
            if node.value in (r.subject, r.target)
        }
        return sorted(found, key=_relation_key)

    def groups(self) -> list[ox.NamedNode]:
        """Every armed group of the dataset, by label."""
        data = self.site.data
        found = {
            s
            for kind in GROUP_TYPES
            for s in data.subjects(RDF.type, kind)
            if isinstance(s, ox.NamedNode) and s in self.wb.entity
        }
        return sorted(found, key=lambda n: (self.site.label(n).casefold(), n.value))

    def between_groups(self) -> list[Relation]:
        """The relations whose two ends are both armed groups (the home page's network)."""
        groups = {g.value for g in self.groups()}
        return [r for r in self.relations if r.subject in groups and r.target in groups]

    def kind_of(self, iri: str) -> str:
        types = set(self.site.data.objects(ox.NamedNode(iri), RDF.type))
        if types & set(GROUP_TYPES):
            return "group"
        if AGKG.Person in types:
            return "person"
        return "other"

    # --- views -----------------------------------------------------------------------------------

    def one_hop_view(self, node: ox.NamedNode, href: Href) -> NetworkView | None:
        """``node`` in the middle, its neighbours on a circle around it grouped by relation kind;
        None when it has no relation to draw."""
        relations = self.around(node)
        if not relations:
            return None
        width, height = ONE_HOP_SIZE
        cx, cy = width / 2, height / 2 - 10
        neighbours: dict[str, tuple[int, str]] = {}
        for r in relations:
            other = r.target if r.subject == node.value else r.subject
            order = (KIND_ORDER[r.kind], self._label(other).casefold())
            neighbours[other] = min(neighbours.get(other, order), order)
        ordered = sorted(neighbours, key=lambda iri: (neighbours[iri], iri))
        radius = min(width, height) / 2 - 70
        positions = {node.value: (cx, cy)}
        count = len(ordered)
        for i, iri in enumerate(ordered):
            # start at the top and go clockwise; parents come first, so they sit on top
            angle = -math.pi / 2 + 2 * math.pi * i / count
            positions[iri] = (cx + radius * 1.25 * math.cos(angle), cy + radius * math.sin(angle))
        name = self._label(node.value)
        return self._view(
            "network-one",
            f"Relations of {name}",
            f"{name} and the {count} item{'s' if count != 1 else ''} it is related to: "
            "solid lines are facts at best rank, dashed lines are allegations.",
            (width, height),
            positions,
            relations,
            href,
            centre=node.value,
        )

    def whole_view(self, href: Href) -> NetworkView | None:
        """Every armed group and the relations between them, placed by a fixed number of
        force-directed steps from a circle ordered by label (the same layout every time)."""
        groups = [g.value for g in self.groups()]
        relations = self.between_groups()
        if not groups:
            return None
        width, height = WHOLE_SIZE
        related = {iri for r in relations for iri in (r.subject, r.target)}
        alone = [g for g in groups if g not in related]
        # groups with no relation to another group sit in a row along the bottom, so the force
        # layout spends the drawing on the related ones
        bottom = 70.0 if alone else 0.0
        positions = _force_layout(
            [g for g in groups if g in related],
            [(r.subject, r.target) for r in relations],
            width,
            height - bottom,
        )
        for i, iri in enumerate(alone):
            positions[iri] = ((i + 0.5) * width / len(alone), height - bottom + 14)
        return self._view(
            "network-all",
            "The network of armed groups",
            f"The {len(groups)} armed groups of the dataset and the {len(relations)} relations "
            "between them: solid lines are facts at best rank, dashed lines are allegations.",
            (width, height),
            positions,
            relations,
            href,
            centre=None,
        )

    def _label(self, iri: str) -> str:
        return self.site.label(ox.NamedNode(iri))

    def _view(
        self,
        key: str,
        title: str,
        description: str,
        size: tuple[float, float],
        positions: dict[str, tuple[float, float]],
        relations: list[Relation],
        href: Href,
        centre: str | None,
    ) -> NetworkView:
        width, height = size
        nodes = []
        for iri in sorted(positions, key=lambda i: (i != centre, self._label(i).casefold(), i)):
            x, y = positions[iri]
            r = CENTRE_RADIUS if iri == centre else NODE_RADIUS
            label = self._label(iri)
            lines = _wrap(label, LABEL_CHARS)
            # labels sit below a node in the lower half and above it in the upper half, so they
            # point away from the centre and do not cross the edges
            below = y >= height / 2 - 20 or iri == centre
            label_y = y + r + 14 if below else y - r - 6 - 14 * (len(lines) - 1)
            kind = "centre" if iri == centre else self.kind_of(iri)
            nodes.append(
                PlacedNode(iri, label, lines, href(ox.NamedNode(iri)), _r(x), _r(y), r, kind, _r(label_y))
            )
        radius = {n.iri: n.r for n in nodes}
        edges: list[PlacedEdge] = []
        # the relations from one item to another share an edge, facts apart from allegations;
        # edges between the same two nodes bend apart so each stays readable
        bundles: dict[tuple[str, str, bool], list[Relation]] = defaultdict(list)
        for relation in relations:
            bundles[(relation.subject, relation.target, relation.alleged)].append(relation)
        pairs: dict[frozenset[str], list[tuple[Relation, ...]]] = defaultdict(list)
        for ends in sorted(bundles):
            pairs[frozenset(ends[:2])].append(tuple(bundles[ends]))
        for number, same in enumerate(pairs.values()):
            # neighbouring pairs put their words at different distances along their edges
            along = 0.45 if number % 2 else 0.68
            for i, bundle in enumerate(same):
                bend = (i - (len(same) - 1) / 2) * 56.0
                edges.append(self._edge(bundle, positions, radius, bend, along))
        edges.sort(key=lambda edge: _relation_key(edge.relations[0]))
        listed = tuple(
            ListedRelation(
                self._label(r.subject),
                href(ox.NamedNode(r.subject)),
                r.label,
                self._label(r.target),
                href(ox.NamedNode(r.target)),
                r.alleged,
            )
            for r in relations
        )
        return NetworkView(key, title, description, width, height, tuple(nodes), tuple(edges), listed)

    def _edge(
        self,
        bundle: tuple[Relation, ...],
        positions: dict[str, tuple[float, float]],
        radius: dict[str, float],
        bend: float,
        along: float,
    ) -> PlacedEdge:
        relation = bundle[0]
        (x1, y1), (x2, y2) = positions[relation.subject], positions[relation.target]
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        # start and end on the rims (the end leaves room for the arrowhead)
        sx, sy = x1 + ux * radius[relation.subject], y1 + uy * radius[relation.subject]
        ex, ey = x2 - ux * (radius[relation.target] + 3), y2 - uy * (radius[relation.target] + 3)
        # the bend is measured from a fixed orientation of the pair, so the two directions of
        # a pair bend to different sides
        nx, ny = -uy, ux
        if (relation.subject, relation.target) > (relation.target, relation.subject):
            nx, ny = -nx, -ny
            bend = -bend
        mx, my = (sx + ex) / 2 + nx * bend, (sy + ey) / 2 + ny * bend
        tx, ty = sx + (ex - sx) * along + nx * bend, sy + (ey - sy) * along + ny * bend
        if bend:
            # a quadratic curve whose control point puts its middle at (mx, my)
            qx, qy = 2 * mx - (sx + ex) / 2, 2 * my - (sy + ey) / 2
            path = f"M{_f(sx)},{_f(sy)} Q{_f(qx)},{_f(qy)} {_f(ex)},{_f(ey)}"
        else:
            path = f"M{_f(sx)},{_f(sy)} L{_f(ex)},{_f(ey)}"
        lines = tuple(EdgeLine(f"alleged: {r.label}" if r.alleged else r.label, r.kind) for r in bundle)
        top = ty + 4 - 7 * (len(lines) - 1)
        return PlacedEdge(bundle, relation.kind, relation.alleged, path, lines, _r(tx), _r(top))


def _relation_key(relation: Relation) -> tuple[int, str, str, str, bool]:
    return (KIND_ORDER[relation.kind], relation.name, relation.subject, relation.target, relation.alleged)


def _force_layout(
    nodes: list[str], links: list[tuple[str, str]], width: float, height: float, steps: int = 300
) -> dict[str, tuple[float, float]]:
    """Fruchterman and Reingold's spring layout, deterministic: started from a circle in the
    given order, a fixed number of steps with a linearly falling temperature, then scaled into
    the drawing's margins."""
    count = len(nodes)
    if count == 0:
        return {}
    if count == 1:
        return {nodes[0]: (width / 2, height / 2)}
    index = {iri: i for i, iri in enumerate(nodes)}
    xs = [math.cos(2 * math.pi * i / count) for i in range(count)]
    ys = [math.sin(2 * math.pi * i / count) for i in range(count)]
    k = math.sqrt(4.0 / count)  # ideal distance in a 2 by 2 square
    pairs = sorted({(index[a], index[b]) for a, b in links if a != b})
    for step in range(steps):
        temperature = 0.1 * (1 - step / steps)
        dx, dy = [0.0] * count, [0.0] * count
        for i in range(count):
            for j in range(i + 1, count):
                ddx, ddy = xs[i] - xs[j], ys[i] - ys[j]
                distance = max(math.hypot(ddx, ddy), 1e-3)
                push = k * k / distance
                dx[i] += ddx / distance * push
                dy[i] += ddy / distance * push
                dx[j] -= ddx / distance * push
                dy[j] -= ddy / distance * push
        for i, j in pairs:
            ddx, ddy = xs[i] - xs[j], ys[i] - ys[j]
            distance = max(math.hypot(ddx, ddy), 1e-3)
            pull = distance * distance / k
            dx[i] -= ddx / distance * pull
            dy[i] -= ddy / distance * pull
            dx[j] += ddx / distance * pull
            dy[j] += ddy / distance * pull
        for i in range(count):
            # a weak pull to the middle keeps groups with no relation from drifting off
            dx[i] -= xs[i] * 0.3 * k
            dy[i] -= ys[i] * 0.3 * k
            moved = math.hypot(dx[i], dy[i])
            if moved > 0:
                xs[i] += dx[i] / moved * min(moved, temperature)
                ys[i] += dy[i] / moved * min(moved, temperature)
    low_x, high_x, low_y, high_y = min(xs), max(xs), min(ys), max(ys)
    margin_x, margin_y = 110.0, 60.0
    span_x, span_y = (high_x - low_x) or 1.0, (high_y - low_y) or 1.0
    return {
        iri: (
            margin_x + (xs[i] - low_x) / span_x * (width - 2 * margin_x),
            margin_y + (ys[i] - low_y) / span_y * (height - 2 * margin_y - 20),
        )
        for iri, i in index.items()
    }


def _wrap(text: str, limit: int) -> tuple[str, ...]:
    """``text`` in lines of at most ``limit`` characters where words allow, at most three."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 3:
        lines = [*lines[:2], " ".join(lines[2:])]
    return tuple(lines) or (text,)


def _r(value: float) -> float:
    return round(value, 1)


def _f(value: float) -> str:
    """A coordinate as written in path data: one decimal, no negative zero."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text
