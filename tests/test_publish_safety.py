"""Publishing where it cannot write, two publishers at once, and a hostile publish cache.

Regression tests for issue 16 ("Publishing and install"):
- a read-only parent of the output folder gave an OSError traceback (exit 1);
- two publishes at once: a slow ``--full`` run that had read older data finished last and left
  ``dist/`` with the older data;
- the publish cache was read with pickle, so a ``.agkg/`` folder committed into a data
  repository ran code on the next publish.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

import agkg.build.incremental
import agkg.build.locking
from agkg.cli import cli

Run = Callable[..., Result]
CLAIMS = "data/claims/siddiqui-2021.yaml"
EDITED_NOTE = "The value 2018 is the article's date (2021) minus the three years it states."


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _cache_written(project: Path) -> bool:
    return (project / ".agkg" / "publish").exists() and any((project / ".agkg" / "publish").rglob("*"))


def _assert_clean_refusal(result: Result, project: Path) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("agkg: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output and "Error" not in result.stderr
    assert not _cache_written(project)


# ----- 4. a folder that cannot be written is a clean error, exit 2, nothing written


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable, for root too: root ignores permission bits, so as root the
    folder is made immutable (chattr +i, which binds root as well) and the test is skipped
    only where the file system does not support that."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    done = chattr and subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode == 0
    if not done:
        pytest.skip("running as root where chattr +i is unavailable: no way to make a folder read-only")
    try:
        yield
    finally:
        subprocess.run([str(chattr), "-i", str(folder)], check=True)


def test_read_only_parent_is_a_clean_error(project: Path, run_agkg: Run, tmp_path: Path) -> None:
    parent = tmp_path / "read-only"
    with read_only(parent):
        result = run_agkg("--project", project, "-q", "publish", "--out", parent / "dist")
        assert _files(parent) == []
    _assert_clean_refusal(result, project)
    assert f"{parent / 'dist'}: cannot write the publication" in result.stderr


def test_parent_that_is_a_file_is_a_clean_error(project: Path, run_agkg: Run, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    result = run_agkg("--project", project, "-q", "publish", "--out", tmp_path / "a-file" / "sub" / "dist")
    _assert_clean_refusal(result, project)
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "not a folder\n"
    assert "cannot publish here" in result.stderr


def test_staging_folder_that_cannot_be_made_is_a_clean_error(
    project: Path, run_agkg: Run, tmp_path: Path
) -> None:
    # a name that fits the file system's limit, but not with the staging folder's suffix: the
    # staging folder cannot be created, whoever runs the test
    parent = tmp_path / "out"
    parent.mkdir()
    result = run_agkg("--project", project, "-q", "publish", "--out", parent / ("d" * 250))
    _assert_clean_refusal(result, project)
    assert _files(parent) == []


# ----- 5. two publishers at once: the last to finish is the last to have read the data


def test_a_slow_publish_does_not_overwrite_newer_data(
    project: Path, run_agkg: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_has_read, release_slow, quick_stopped = threading.Event(), threading.Event(), threading.Event()
    real_build = agkg.build.incremental.build_and_validate

    def build(*args: Any, **kwargs: Any) -> Any:
        built = real_build(*args, **kwargs)
        if threading.current_thread().name == "slow":
            slow_has_read.set()
            assert release_slow.wait(120)
        return built

    class Clock:
        """locking's clock: its first sleep means the quick publisher waits for the lock."""

        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            quick_stopped.set()
            time.sleep(seconds)

    monkeypatch.setattr(agkg.build.incremental, "build_and_validate", build)
    monkeypatch.setattr(agkg.build.locking, "time", Clock)
    codes: dict[str, Any] = {}

    def publish(name: str, *options: str) -> None:
        try:
            codes[name] = cli.main(
                ["--project", str(project), "-q", "publish", *options], standalone_mode=False
            )
        finally:
            if name == "quick":
                quick_stopped.set()

    slow = threading.Thread(target=publish, args=("slow", "--full"), name="slow")
    slow.start()
    try:
        assert slow_has_read.wait(120)
        claims = project / CLAIMS
        text = claims.read_text(encoding="utf-8")
        claims.write_text(text.replace(EDITED_NOTE, "An edited note."), encoding="utf-8")
        quick = threading.Thread(target=publish, args=("quick",), name="quick")
        quick.start()
        # either it published already (it could, before the fix) or it waits for the lock
        assert quick_stopped.wait(120)
    finally:
        release_slow.set()
    slow.join(120)
    quick.join(120)
    assert codes == {"slow": None, "quick": None}
    monkeypatch.undo()
    expected = run_agkg("--project", project, "-q", "publish", "--full", "--out", tmp_path / "expected")
    assert expected.exit_code == 0
    published = (project / "dist" / "dataset.nq").read_bytes()
    assert b"An edited note." in published
    assert published == (tmp_path / "expected" / "dataset.nq").read_bytes()


# ----- 6. the publish cache cannot run code


class Payload:
    """Unpickling this runs ``touch marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_a_hostile_cache_runs_nothing_and_the_build_is_full(
    project: Path, run_agkg: Run, tmp_path: Path
) -> None:
    first = run_agkg("--project", project, "-q", "publish")
    assert first.exit_code == 0
    dumps = {p.name: p.read_bytes() for p in (project / "dist").iterdir() if p.is_file()}
    cache = project / ".agkg" / "publish"
    marker = tmp_path / "pwned"
    hostile = pickle.dumps(Payload(marker))
    planted = [p for p in cache.rglob("*") if p.is_file() and not p.name.startswith("dataset.")]
    assert planted
    for path in planted:
        path.write_bytes(hostile)
    # and under every name a pickle-reading agkg used
    (cache / "state.pickle").write_bytes(pickle.dumps((3, Payload(marker))))
    for path in planted:
        path.with_suffix(".pickle").write_bytes(hostile)
    result = run_agkg("--project", project, "-q", "publish")
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    assert "full build: the publish cache cannot be read" in result.stderr
    assert {p.name: p.read_bytes() for p in (project / "dist").iterdir() if p.is_file()} == dumps
    assert not list(cache.rglob("*.pickle"))  # old-format leftovers are removed
    assert json.loads((cache / "state.json").read_bytes())  # plain data
    # the cache written by that full build is used again
    again = run_agkg("--project", project, "-q", "publish")
    assert "incremental build" in again.stderr and not marker.exists()
