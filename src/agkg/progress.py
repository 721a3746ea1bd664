"""How long library runs report how far they got, without printing anything themselves.

The library is told a callable; ``cli.py`` hands it a progress bar on a terminal and nothing
otherwise. A stage name alone (``progress("validate")``) says what is running; with counts
(``progress("push", 1200, 50000)``) it says how far, which is what a bar with a rate needs.
A plain ``Callable[[str], None]`` is still accepted wherever only stage names are given.
"""

from __future__ import annotations

from typing import Protocol


class CountedProgress(Protocol):
    """Told the stage a run is in and, where known, ``done`` of ``total`` items."""

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None: ...
