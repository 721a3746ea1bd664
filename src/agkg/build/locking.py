"""The publisher lock: two ``agkg publish`` runs into the same place take turns.

The lock is an advisory ``flock`` on the folder that holds the output folder (``dist/``'s
parent), not on a lock file: a lock file would be a stray file left next to ``dist/``, and
deleting it after use would let a third publisher lock a fresh inode while a second still waits
on the old one. The kernel drops a ``flock`` when its holder dies, even by SIGKILL, so a crashed
publisher never leaves a stale lock. The wait is bounded; a publisher that cannot get the lock in
time gives up with a clear error instead of hanging a CI job.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from agkg.errors import ConfigurationError

DEFAULT_WAIT = 600.0  # seconds; a publish of the whole dataset takes a few


@contextmanager
def publisher_lock(
    folder: Path,
    wait: float = DEFAULT_WAIT,
    poll: float = 0.05,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold the exclusive publisher lock on ``folder`` (which must exist) for the ``with`` block.

    ``on_wait`` is called once when another process holds the lock (to say why nothing
    happens). Raises ConfigurationError when another process holds it for longer than ``wait``
    seconds, and OSError when ``folder`` cannot be opened.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: no flock; publishing still stages and swaps atomically
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                if time.monotonic() >= deadline:
                    raise ConfigurationError(
                        f"{folder}: another agkg publish has held the publisher lock for over "
                        f"{wait:.0f} s; try again when it has finished"
                    ) from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
