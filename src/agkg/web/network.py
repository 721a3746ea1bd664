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
EDGE_CHARS = 26  # an edge's label wraps between relation names after this many characters
# Estimated text extents (system-ui at the drawing's sizes; a little generous, so labels that
# pass the collision check do not touch in a browser): width of a character, height of a line.
# The sizes are network.html's fonts (13 for edges, 14 for names, 16 bold for the centre),
# large enough to stay readable when a phone shows the drawing at 40rem (network.html's CSS).
EDGE_CHAR_WIDTH, EDGE_LINE = 7.0, 15.0
NODE_CHAR_WIDTH, CENTRE_CHAR_WIDTH, NODE_LINE = 7.8, 9.6, 15.0
# Where along an edge its label may sit, best first: the middle, then alternately nearer
# either end (each place is also tried beside the line: see _place_label).
ALONG = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85)


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
    allegations, dashed), its path, and where its words sit.

    ``lines`` is the label as printed: each line a run of relation names (each in its kind's
    colour, a name said once however many statements give it), separated by " · ".
    """

    relations: tuple[Relation, ...]
    kind: str  # the first relation's kind, which gives the line its colour
    alleged: bool
    path: str  # SVG path data, from the subject's rim to the target's
    lines: tuple[tuple[EdgeLine, ...], ...]
    text_x: float
    text_y: float  # the first line's baseline
    box: Box  # the room the label takes, which no other label, node or name overlaps

    @property
    def text(self) -> str:
        """The label's words on one line, as a reader says them."""
        return " · ".join(piece.text for line in self.lines for piece in line)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle of the drawing, in SVG user units."""

    left: float
    top: float
    right: float
    bottom: float

    def overlap(self, other: Box) -> float:
        """The area this box shares with ``other`` (0 when they only touch)."""
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        return width * height if width > 0 and height > 0 else 0.0


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
            label_y = y + r + NODE_LINE if below else y - r - 6 - NODE_LINE * (len(lines) - 1)
            kind = "centre" if iri == centre else self.kind_of(iri)
            nodes.append(
                PlacedNode(iri, label, lines, href(ox.NamedNode(iri)), _r(x), _r(y), r, kind, _r(label_y))
            )
        radius = {n.iri: n.r for n in nodes}
        # what edge labels must keep clear of: the nodes and their names
        taken = [box for node in nodes for box in _node_boxes(node, centre)]
        # the relations from one item to another share an edge, facts apart from allegations;
        # edges between the same two nodes bend apart so each stays readable
        bundles: dict[tuple[str, str, bool], list[Relation]] = defaultdict(list)
        for relation in relations:
            bundles[(relation.subject, relation.target, relation.alleged)].append(relation)
        pairs: dict[frozenset[str], list[tuple[Relation, ...]]] = defaultdict(list)
        for ends in sorted(bundles):
            pairs[frozenset(ends[:2])].append(tuple(bundles[ends]))
        drawn: list[tuple[tuple[Relation, ...], float]] = []
        for same in pairs.values():
            for i, bundle in enumerate(same):
                drawn.append((bundle, (i - (len(same) - 1) / 2) * 56.0))
        # the longest labels are placed first, while there is most room; then by relation, so
        # the placement (like everything here) never depends on the order of a dict or a set
        drawn.sort(key=lambda item: (-_label_area(_edge_lines(item[0])), _relation_key(item[0][0])))
        curves = [_Curve.of(bundle, positions, radius, bend) for bundle, bend in drawn]
        edges = [_place_label(curve, curves, taken, size) for curve in curves]
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


@dataclass(frozen=True)
class _Curve:
    """An edge's line before its label is placed: a quadratic curve from ``start`` through
    ``control`` to ``end`` (a straight line when the control point is the middle), and the
    unit normal its bend and its label's sideways offsets are measured along."""

    bundle: tuple[Relation, ...]
    start: tuple[float, float]
    control: tuple[float, float]
    end: tuple[float, float]
    normal: tuple[float, float]
    path: str

    @classmethod
    def of(
        cls,
        bundle: tuple[Relation, ...],
        positions: dict[str, tuple[float, float]],
        radius: dict[str, float],
        bend: float,
    ) -> _Curve:
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
        # the control point that puts the curve's middle at (mx, my)
        qx, qy = 2 * mx - (sx + ex) / 2, 2 * my - (sy + ey) / 2
        if bend:
            path = f"M{_f(sx)},{_f(sy)} Q{_f(qx)},{_f(qy)} {_f(ex)},{_f(ey)}"
        else:
            path = f"M{_f(sx)},{_f(sy)} L{_f(ex)},{_f(ey)}"
        return cls(bundle, (sx, sy), (qx, qy), (ex, ey), (nx, ny), path)

    def point(self, t: float) -> tuple[float, float]:
        (sx, sy), (qx, qy), (ex, ey) = self.start, self.control, self.end
        return (
            (1 - t) ** 2 * sx + 2 * (1 - t) * t * qx + t * t * ex,
            (1 - t) ** 2 * sy + 2 * (1 - t) * t * qy + t * t * ey,
        )

    def samples(self) -> list[tuple[float, float]]:
        """Points along the curve about every 8 units, to tell whether a label covers it."""
        (sx, sy), (ex, ey) = self.start, self.end
        count = max(int(math.hypot(ex - sx, ey - sy) / 8), 2)
        return [self.point(i / count) for i in range(count + 1)]


# What a placement of an edge's label costs, so that the cheapest is chosen: covering another
# label, a node or a name costs most (per unit of area covered), a label standing away from its
# edge costs (per unit of distance: words far from their line read as another edge's), and so
# does covering other edges' lines (per point of them covered, every 8 units) or sitting away
# from the middle of its edge.
OVERLAP_COST = 20.0
AWAY_COST = 1.5
CROSSING_COST = 3.0
OFF_MIDDLE_COST = 40.0  # per unit of t, the fraction of the edge's length


def _place_label(
    curve: _Curve, curves: list[_Curve], taken: list[Box], size: tuple[float, float]
) -> PlacedEdge:
    """``curve`` as an edge, its label at the cheapest of a fixed list of places along it (on
    the line, just beside it, clear of it): overlapping no label placed before it, no node and
    no name where there is room, near its line and the line's middle. ``taken`` grows by the
    label's box. The places and their order are fixed, so the same drawing comes every time."""
    relation = curve.bundle[0]
    nx, ny = curve.normal
    lines = _edge_lines(curve.bundle)
    width = max(_line_chars(line) for line in lines) * EDGE_CHAR_WIDTH + 6
    height = EDGE_LINE * len(lines) + 2
    # beside the line: just off it (the box may still touch a steep line), or far enough
    # sideways that the box clears it whatever its slope
    clear = (abs(ny) * width + abs(nx) * height) / 2 + 3
    near = min(height / 2 + 4, clear)
    frame = Box(2.0, 2.0, size[0] - 2, size[1] - 2)
    others = [point for other in curves if other is not curve for point in other.samples()]
    best: tuple[float, Box] | None = None
    for away in (0.0, near, -near, clear, -clear):
        for t in ALONG:
            px, py = curve.point(t)
            cx, cy = px + nx * away, py + ny * away
            box = Box(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
            # the part of the label outside the drawing counts as overlap
            covered = sum(box.overlap(other) for other in taken) + width * height - box.overlap(frame)
            crossed = sum(1 for x, y in others if box.left < x < box.right and box.top < y < box.bottom)
            cost = (
                OVERLAP_COST * covered
                + AWAY_COST * abs(away)
                + CROSSING_COST * crossed
                + OFF_MIDDLE_COST * abs(t - 0.5)
            )
            if best is None or cost < best[0]:
                best = (cost, box)
    assert best is not None
    box = best[1]
    taken.append(box)
    baseline = box.top + 1 + EDGE_LINE - 3  # the first line's baseline, 3 units above its foot
    return PlacedEdge(
        curve.bundle,
        relation.kind,
        relation.alleged,
        curve.path,
        lines,
        _r((box.left + box.right) / 2),
        _r(baseline),
        box,
    )


def _edge_lines(bundle: tuple[Relation, ...]) -> tuple[tuple[EdgeLine, ...], ...]:
    """The label of an edge: each relation name once, in order, wrapped between names; an
    allegation's label starts "alleged:" (once, not before every name)."""
    pieces: list[EdgeLine] = []
    said: set[str] = set()
    for relation in bundle:
        if relation.label not in said:
            said.add(relation.label)
            prefix = "alleged: " if relation.alleged and not pieces else ""
            pieces.append(EdgeLine(prefix + relation.label, relation.kind))
    lines: list[list[EdgeLine]] = []
    for piece in pieces:
        if lines and _line_chars(lines[-1]) + 3 + len(piece.text) <= EDGE_CHARS:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return tuple(tuple(line) for line in lines)


def _line_chars(line: Iterable[EdgeLine]) -> int:
    """How many characters a line of relation names prints, with its " · " separators."""
    texts = [piece.text for piece in line]
    return sum(len(text) for text in texts) + 3 * (len(texts) - 1)


def _label_area(lines: tuple[tuple[EdgeLine, ...], ...]) -> float:
    return max(_line_chars(line) for line in lines) * len(lines)


def _node_boxes(node: PlacedNode, centre: str | None) -> tuple[Box, Box]:
    """The room a node takes: its circle, and its name (drawn below or above it)."""
    circle = Box(node.x - node.r - 2, node.y - node.r - 2, node.x + node.r + 2, node.y + node.r + 2)
    char = CENTRE_CHAR_WIDTH if node.iri == centre else NODE_CHAR_WIDTH
    half = max(len(line) for line in node.lines) * char / 2 + 2
    name = Box(
        node.x - half, node.label_y - 14, node.x + half, node.label_y + NODE_LINE * (len(node.lines) - 1) + 5
    )
    return circle, name


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
