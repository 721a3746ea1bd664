"""Reading YAML while keeping the line and column of every key and value.

PyYAML's constructors throw positions away and silently let a duplicate key win; curators need
both. We build our own small tree from the parser's event stream in one pass, without
recursion, which also lets us refuse anchors and aliases (alias bombs) and absurd nesting before
they cost memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Position, Problem

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NULL_WORDS = {"", "~", "null", "Null", "NULL"}


@dataclass
class Node:
    position: Position


@dataclass
class Scalar(Node):
    """A scalar as written: ``plain`` is False for quoted and block scalars."""

    text: str
    plain: bool

    @property
    def is_null(self) -> bool:
        return self.plain and self.text in NULL_WORDS


@dataclass
class Sequence(Node):
    items: list[Node] = field(default_factory=list)


@dataclass
class Mapping(Node):
    """Keys in file order; each key keeps its own position for 'unknown key' messages."""

    items: dict[str, tuple[Position, Node]] = field(default_factory=dict)

    def get(self, key: str) -> Node | None:
        entry = self.items.get(key)
        return entry[1] if entry else None


class YamlProblems(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(map(str, problems)))


def read_yaml(path: Path, display_path: str) -> Node | None:
    """Parse one YAML document into a position-keeping tree; None for an empty file.

    Raises YamlProblems listing syntax errors, duplicate keys, anchors/aliases, non-scalar keys
    and nesting deeper than MAX_DEPTH.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise YamlProblems(
            [Problem(Position(display_path), f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")]
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        # point at the bad byte as an editor would: line, and column in characters
        line_start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
        where = Position(display_path, data.count(b"\n", 0, error.start) + 1, column)
        raise YamlProblems(
            [Problem(where, f"not UTF-8 text (byte 0x{data[error.start]:02X}); save the file as UTF-8")]
        ) from None
    return parse_yaml(text, display_path)


def parse_yaml(text: str, display_path: str) -> Node | None:
    """Parse YAML text; see read_yaml."""
    return _parse_yaml(text, display_path, _Loader)


def _parse_yaml(text: str, display_path: str, loader: Any) -> Node | None:
    problems: list[Problem] = []

    def pos(mark: Any) -> Position:
        if mark is None:
            return Position(display_path)
        return Position(display_path, mark.line + 1, mark.column + 1)

    # stack of containers being filled; a mapping also holds its pending key
    stack: list[tuple[Node, Scalar | None]] = []
    root: Node | None = None
    documents = 0

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        container, pending = stack[-1]
        if isinstance(container, Sequence):
            container.items.append(node)
        elif isinstance(container, Mapping):
            if pending is None:
                if not isinstance(node, Scalar):
                    problems.append(Problem(node.position, "mapping keys must be plain text"))
                    stack[-1] = (container, Scalar(node.position, "\0invalid", True))
                    return
                stack[-1] = (container, node)
                return
            stack[-1] = (container, None)
            key = pending.text
            if key == "\0invalid":
                return
            if key in container.items:
                first = container.items[key][0]
                problems.append(
                    Problem(pending.position, f"duplicate key '{key}' (first at line {first.line})")
                )
                return
            container.items[key] = (pending.position, node)

    try:
        for event in yaml.parse(text, Loader=loader):
            anchor = getattr(event, "anchor", None)
            if isinstance(event, yaml.AliasEvent) or anchor:
                problems.append(
                    Problem(pos(event.start_mark), "YAML anchors and aliases (&, *) are not allowed")
                )
                raise YamlProblems(problems)
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    problems.append(Problem(pos(event.start_mark), "only one YAML document per file"))
                    raise YamlProblems(problems)
            elif isinstance(event, yaml.ScalarEvent):
                attach(Scalar(pos(event.start_mark), event.value, not event.style))
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    problems.append(Problem(pos(event.start_mark), f"nested deeper than {MAX_DEPTH} levels"))
                    raise YamlProblems(problems)
                node: Node = (
                    Mapping(pos(event.start_mark))
                    if isinstance(event, yaml.MappingStartEvent)
                    else Sequence(pos(event.start_mark))
                )
                stack.append((node, None))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                finished, _ = stack.pop()
                attach(finished)
    except yaml.YAMLError as error:
        # libyaml gives up on flow collections nested about 1000 deep (PyYAML >= 6.0.3 wheels),
        # before its events reach the depth check above, with a message that changes with its
        # version. When a light scan finds such nesting, the pure-Python parser (no limit of its
        # own, and only read up to that depth) gives the events, so the check above refuses the
        # file in agkg's words at the same place whichever parser is installed.
        if loader is not yaml.SafeLoader and _deep_flow_nesting(text) is not None:
            return _parse_yaml(text, display_path, yaml.SafeLoader)
        if isinstance(error, yaml.MarkedYAMLError):
            mark = error.problem_mark or error.context_mark
            message = error.problem or error.context or "invalid YAML"
            problems.append(Problem(pos(mark), f"YAML syntax error: {message}"))
        else:
            problems.append(Problem(Position(display_path), f"YAML error: {error}"))
    if problems:
        raise YamlProblems(problems)
    return root


_FLOW_MARKS = re.compile(r"[\[\]{}'\"#\n|>]")


def _deep_flow_nesting(text: str) -> int | None:
    """Where a flow collection (``[``, ``{``) opens deeper than MAX_DEPTH, if one does.

    A light scan, not a parser, used only once the parser has failed: it skips comments,
    quoted scalars and block scalars, and counts a bracket in block context only where a
    value starts (a line's start, after ``key:``, ``-`` or ``?``).
    """
    depth = 0
    index = 0
    while (found := _FLOW_MARKS.search(text, index)) is not None:
        at = found.start()
        mark = text[at]
        index = at + 1
        line_start = text.rfind("\n", 0, at) + 1
        before = text[line_start:at].rstrip(" \t")
        at_value = depth > 0 or before in ("", "-", "?") or before.endswith((":", " -", " ?"))
        if mark == "#" and (at == line_start or text[at - 1] in " \t"):
            index = _line_end(text, at)
        elif mark in "'\"" and at_value:
            index = _quote_end(text, at)
        elif mark in "|>" and at_value and depth == 0:
            index = _block_scalar_end(
                text, at, len(text[line_start:at]) - len(text[line_start:at].lstrip(" "))
            )
        elif mark in "[{" and at_value:
            depth += 1
            if depth > MAX_DEPTH:
                return at
        elif mark in "]}" and depth > 0:
            depth -= 1
    return None


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _quote_end(text: str, at: int) -> int:
    """Just past the quoted scalar opening at ``at`` ('' and backslash escapes skipped)."""
    quote = text[at]
    index = at + 1
    while True:
        end = text.find(quote, index)
        if end < 0:
            return len(text)
        if quote == "'" and text.startswith("''", end):
            index = end + 2
        elif quote == '"' and (len(text[index:end]) - len(text[index:end].rstrip("\\"))) % 2:
            index = end + 1
        else:
            return end + 1


def _block_scalar_end(text: str, at: int, indent: int) -> int:
    """The start of the first line after a block scalar (``|``, ``>``) whose indicator is at
    ``at`` on a line indented ``indent``: its lines are blank or indented more."""
    index = _line_end(text, at)
    while index < len(text):
        start = index + 1
        end = _line_end(text, start)
        line = text[start:end]
        if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
            return start
        index = end
    return len(text)
