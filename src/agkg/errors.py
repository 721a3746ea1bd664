"""Errors that carry data: where the problem is, and what it is.

Input problems are collected, not raised one at a time, so a curator sees every mistake in a
file in one run. The CLI maps each exception class to one exit code (see ``cli.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Position:
    """A place in an input file; line and column are 1-based, as editors show them."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        if self.column <= 0:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in the input, at a position."""

    position: Position
    message: str

    def __str__(self) -> str:
        return f"{self.position}: {self.message}"


class AgkgError(Exception):
    """Base class of every error agkg raises on purpose."""


class InputError(AgkgError):
    """The curated input (claims, entities, sources, query, options) is wrong. Exit code 2."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: str | Path, message: str, line: int = 0, column: int = 0) -> InputError:
        return cls([Problem(Position(str(path), line, column), message)])


class ConfigurationError(AgkgError):
    """A setting, file or folder agkg needs is missing or broken. Exit code 2."""


class QueryError(AgkgError):
    """A SPARQL query is malformed or refused. Exit code 2."""


class RemoteError(AgkgError):
    """A remote SPARQL endpoint failed or answered something unusable. Exit code 3."""


class NotConformingError(AgkgError):
    """The dataset does not conform to the shapes (publish without --force). Exit code 1."""


class AnswersDifferError(AgkgError):
    """A competency query's answer differs from its expected answer (``agkg test``). Exit code 1."""
