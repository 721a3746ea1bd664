"""Reading YAML while keeping the line and column of every key and value.

PyYAML's constructors throw positions away and silently let a duplicate key win; curators need
both. We build our own small tree from the parser's event stream in one pass, without
recursion, which also lets us refuse anchors and aliases (alias bombs) and absurd nesting before
they cost memory.

Explicit YAML tags are refused (``!!binary``, ``!!python/...``, local ``!tags``): the tree keeps
only text, so a tag would be silently dropped and the untagged text published. The one exception
is ``!!str``, the core-schema way of saying "this is text", which reads like a quoted scalar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from agkg.errors import Position, Problem

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 32

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NULL_WORDS = {"", "~", "null", "Null", "NULL"}
STR_TAG = "tag:yaml.org,2002:str"
# what YAML's reader refuses (YAML 1.1 "printable"); PyYAML reports it only as a character offset
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# a binary file would otherwise give one message per byte
MAX_CHARACTER_PROBLEMS = 20


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
        # the file is never read, so the place is its start; it is still a place editors can open
        raise YamlProblems(
            [Problem(Position(display_path, 1, 1), f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")]
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


def text_position(text: str, index: int, display_path: str) -> Position:
    """The line and column (in characters, 1-based) of ``text[index]``."""
    line_start = text.rfind("\n", 0, index) + 1
    return Position(display_path, text.count("\n", 0, index) + 1, index - line_start + 1)


def unprintable_characters(text: str, display_path: str) -> list[Problem]:
    """Every character YAML refuses to read (NUL, ESC, other controls), at its line and column."""
    problems = []
    for count, match in enumerate(_NOT_PRINTABLE.finditer(text)):
        if count == MAX_CHARACTER_PROBLEMS:
            rest = sum(1 for _ in _NOT_PRINTABLE.finditer(text, match.start()))
            problems.append(
                Problem(text_position(text, match.start(), display_path), f"and {rest} more such characters")
            )
            break
        code = ord(match.group())
        kind = "control character" if code < 0x20 or 0x7F <= code < 0xA0 else "character"
        problems.append(
            Problem(
                text_position(text, match.start(), display_path),
                f"{kind} U+{code:04X} is not allowed in a YAML file",
            )
        )
    return problems


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
            tag = getattr(event, "tag", None)
            if tag is not None and not (isinstance(event, yaml.ScalarEvent) and tag == STR_TAG):
                shown = (
                    "!!" + tag.removeprefix("tag:yaml.org,2002:")
                    if tag.startswith("tag:yaml.org,2002:")
                    else tag
                )
                problems.append(
                    Problem(
                        pos(event.start_mark),
                        f"YAML tag '{shown}' is not allowed: write the value as plain text (only !!str is accepted)",
                    )
                )
            if isinstance(event, yaml.ScalarEvent):
                # !!str makes a plain scalar text, as quotes do
                attach(Scalar(pos(event.start_mark), event.value, not event.style and tag is None))
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
            # the reader's errors (a NUL or ESC byte) carry only a character offset
            found = unprintable_characters(text, display_path)
            if found:
                problems.extend(found)
            else:
                where = getattr(error, "position", None)
                at = (
                    text_position(text, where, display_path)
                    if isinstance(where, int)
                    else Position(display_path, 1, 1)
                )
                problems.append(Problem(at, f"YAML error: {getattr(error, 'reason', None) or error}"))
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
