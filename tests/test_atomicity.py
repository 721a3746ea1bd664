"""A publication is replaced whole or not at all, and publishers take turns.

``agkg publish`` is interrupted at every step of writing (before, inside and after each file,
before and after the swap) by SIGINT, by SIGKILL and by a write that fails as on a full disk;
each time ``dist/`` afterwards is byte for byte the previous publication or the complete new
one, and no stray file is left (a SIGKILLed run's staging folder is removed by the next run).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

import agkg.build.publishing
from agkg.build.publishing import DUMP_FILES, write_dumps
from agkg.errors import ConfigurationError

Run = Callable[..., Result]
Snapshot = dict[str, bytes]


def snapshot(folder: Path) -> Snapshot:
    """Every file's bytes, but the query store's database (RocksDB files are not byte-stable;
    its fingerprint file is kept, and tests/test_query_store.py checks its content)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[:2] != ("query-store", "db")
    }


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name != folder.name)


@pytest.fixture
def old(tmp_path: Path, published: Path) -> tuple[Path, Snapshot]:
    """A folder holding a real publication (with a site/ sub-folder), alone in its parent."""
    out = tmp_path / "parent" / "dist"
    out.mkdir(parents=True)
    for name in DUMP_FILES:
        (out / name).write_bytes((published / name).read_bytes())
    (out / "site").mkdir()
    (out / "site" / "index.html").write_text("<p>old site</p>")
    return out, snapshot(out)


@pytest.fixture
def new_files(published: Path) -> dict[str, bytes]:
    return {name: (published / name).read_bytes() + b"\n# new\n" for name in DUMP_FILES}


def new_snapshot(new_files: dict[str, bytes]) -> Snapshot:
    return {**new_files, "site/index.html": b"<p>old site</p>"}


def test_producers_run_one_at_a_time_each_after_the_file_before_is_written(
    old: tuple[Path, Snapshot], new_files: dict[str, bytes]
) -> None:
    """``write_dumps`` given (name, producer) pairs holds one file's bytes at a time: each
    producer runs only once the file before it is in the staging folder."""
    out, _ = old
    names = list(new_files)
    calls: list[str] = []

    def producer(index: int) -> Callable[[], bytes]:
        def produce() -> bytes:
            if index:
                staged = [p for p in out.parent.iterdir() if agkg.build.publishing.STAGING_MARK in p.name]
                assert len(staged) == 1 and (staged[0] / names[index - 1]).is_file()
            calls.append(names[index])
            return new_files[names[index]]

        return produce

    done: list[str] = []
    written = write_dumps([(n, producer(i)) for i, n in enumerate(names)], out, progress=done.append)
    assert calls == done == names
    assert [w.size for w in written] == [len(new_files[n]) for n in names]
    assert snapshot(out) == new_snapshot(new_files)
    assert siblings(out) == []


def test_a_successful_publish_replaces_everything_and_keeps_the_site(
    old: tuple[Path, Snapshot], new_files: dict[str, bytes]
) -> None:
    out, _ = old
    written = write_dumps(new_files, out)
    assert [w.path for w in written] == [out / name for name in new_files]
    assert snapshot(out) == new_snapshot(new_files)
    assert siblings(out) == []
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)


# Steps at which the publisher is interrupted: the n-th file about to be written, the n-th file
# written but not yet fsynced, the swap about to happen, the swap done but the old folder not
# yet removed.
STEPS = ["write-1", "write-5", "write-8", "fsync-1", "fsync-8", "swap", "swapped"]

INJECT = textwrap.dedent(
    """
    import os, shutil, signal, sys
    from pathlib import Path
    import agkg.build.publishing as publishing

    step, how = sys.argv[1], sys.argv[2]
    counts = {"write": 0, "fsync": 0}

    def interrupt():
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif how == "int":
            os.kill(os.getpid(), signal.SIGINT)
            raise SystemExit("SIGINT was not delivered")
        raise OSError(28, "No space left on device")

    def hook(kind, original):
        def wrapped(*args, **kwargs):
            counts[kind] += 1
            if step == f"{kind}-{counts[kind]}":
                interrupt()
            return original(*args, **kwargs)
        return wrapped

    publishing.atomic_write = hook("write", publishing.atomic_write)
    publishing.os.fsync = hook("fsync", os.fsync)
    original_swap = publishing._swap
    def swap(staging, target):
        if step == "swap":
            interrupt()
        original_swap(staging, target)
        if step == "swapped":
            interrupt()
    publishing._swap = swap

    folder, out = Path(sys.argv[3]), Path(sys.argv[4])
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    publishing.write_dumps(files, out)
    """
)


def run_interrupted(step: str, how: str, new: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", INJECT, step, how, str(new), str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("how", ["kill", "int", "full-disk"])
@pytest.mark.parametrize("step", STEPS)
def test_publish_interrupted_at_any_step_leaves_old_or_new_and_no_stray_files(
    old: tuple[Path, Snapshot], new_files: dict[str, bytes], tmp_path: Path, step: str, how: str
) -> None:
    out, before = old
    staged = tmp_path / "new"
    staged.mkdir()
    for name, content in new_files.items():
        (staged / name).write_bytes(content)
    result = run_interrupted(step, how, staged, out)
    assert result.returncode != 0
    after = snapshot(out)
    if step == "swapped":
        assert after == new_snapshot(new_files)  # the swap is the commit point
    else:
        assert after == before
    if how == "kill" and step != "swapped":
        assert len(siblings(out)) <= 1  # the staging folder a SIGKILL cannot clean up...
    elif how == "kill":
        assert len(siblings(out)) == 1  # ...also holds the old publication after the swap
    else:
        assert siblings(out) == [], result.stderr  # SIGINT and errors clean up after themselves
    if how == "full-disk" and step != "swapped":
        assert "No space left on device" in result.stderr
        assert "the previous one is unchanged" in result.stderr
    # the next publish recovers: it removes what was left and publishes
    write_dumps(new_files, out)
    assert snapshot(out) == new_snapshot(new_files)
    assert siblings(out) == []


def test_a_full_disk_in_process_is_a_clear_error(
    old: tuple[Path, Snapshot], new_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = old
    calls = []

    def failing(path: Path, content: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        original(path, content)

    original = agkg.build.publishing.atomic_write
    monkeypatch.setattr(agkg.build.publishing, "atomic_write", failing)
    with pytest.raises(ConfigurationError, match=r"No space left on device.*the previous one is unchanged"):
        write_dumps(new_files, out)
    assert snapshot(out) == before and siblings(out) == []


def test_the_fallback_swap_killed_half_way_is_recovered(
    old: tuple[Path, Snapshot], new_files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without RENAME_EXCHANGE the swap is two renames; dying between them leaves no dist/ for
    an instant, and the next publish must put the old one back before anything else."""
    out, before = old
    monkeypatch.setattr(agkg.build.publishing, "_exchange", lambda a, b: False)
    renames: list[tuple[str, str]] = []
    real_rename = os.rename

    def dying_rename(a: str | Path, b: str | Path) -> None:
        renames.append((str(a), str(b)))
        real_rename(a, b)
        if ".previous-" in str(b):
            raise KeyboardInterrupt  # as if killed right after parking the old folder

    monkeypatch.setattr(agkg.build.publishing.os, "rename", dying_rename)
    with pytest.raises(KeyboardInterrupt):
        write_dumps(new_files, out)
    monkeypatch.setattr(agkg.build.publishing.os, "rename", real_rename)
    assert not out.exists()
    agkg.build.publishing._recover(out)
    assert snapshot(out) == before and siblings(out) == []
    write_dumps(new_files, out)  # and the fallback swap works when not interrupted
    assert snapshot(out) == new_snapshot(new_files) and siblings(out) == []


def test_a_folder_agkg_did_not_publish_is_never_replaced(tmp_path: Path, new_files: dict[str, bytes]) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigurationError, match=r"holds files agkg does not publish \(notes\.txt\)"):
        write_dumps(new_files, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_symlinked_dist_keeps_its_link(tmp_path: Path, new_files: dict[str, bytes]) -> None:
    real = tmp_path / "www" / "agkg"
    real.mkdir(parents=True)
    link = tmp_path / "dist"
    link.symlink_to(real, target_is_directory=True)
    write_dumps(new_files, link)
    assert link.is_symlink() and snapshot(link) == new_files


def test_publish_into_the_project_folder_by_mistake_is_refused(project: Path, run_agkg: Run) -> None:
    result = run_agkg("--project", project, "-q", "publish", "--out", project)
    assert result.exit_code == 2
    assert "holds files agkg does not publish" in result.stderr
    assert (project / "data" / "claims").is_dir()


def test_a_real_publish_killed_at_random_moments(project: Path) -> None:
    """End to end: the CLI killed by SIGKILL or SIGINT part-way, as a user or CI would."""
    command = [sys.executable, "-m", "agkg", "--project", str(project), "-q", "publish"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    out = project / "dist"
    old_publication = snapshot(out)
    (project / "data" / "entities" / "zz-new.yaml").write_text(
        "entities:\n  - id: new-group\n    type: ArmedGroup\n    label: {en: New group}\n"
    )
    expected = project / "expected"
    subprocess.run([*command, "--out", str(expected)], check=True, capture_output=True, timeout=120)
    new_publication = snapshot(expected)
    assert new_publication != old_publication
    for delay, sig in ((0.5, signal.SIGKILL), (1.0, signal.SIGINT)):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(sig)
        process.wait(timeout=60)
        assert snapshot(out) in (old_publication, new_publication)
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    assert snapshot(out) == new_publication
    assert not [name for name in siblings(out) if name.startswith(".dist.")]


LOCKED = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import agkg.build.publishing as publishing

    log, name, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    original = publishing.atomic_write
    def slow(path, content):
        with log.open("a") as handle:
            handle.write(f"{name} {path.name}\\n")
        time.sleep(0.02)
        original(path, content)
    publishing.atomic_write = slow
    publishing.write_dumps({f"dataset.{i}": name.encode() for i in ("ttl", "nt", "nq", "trig")}, out)
    """
)


def test_two_publishers_at_once_take_turns(tmp_path: Path) -> None:
    log, out = tmp_path / "log", tmp_path / "parent" / "dist"
    processes = [
        subprocess.Popen([sys.executable, "-c", LOCKED, str(log), name, str(out)], stderr=subprocess.PIPE)
        for name in ("a", "b", "c")
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
    writers = [line.split()[0] for line in log.read_text().splitlines()]
    assert len(writers) == 12
    runs = [writers[i : i + 4] for i in range(0, 12, 4)]
    assert all(len(set(run)) == 1 for run in runs), writers  # never interleaved
    contents = {p.read_bytes() for p in out.iterdir()}
    assert len(contents) == 1  # one publisher's complete publication, not a mix
    assert siblings(out) == []


def test_a_publisher_that_cannot_get_the_lock_gives_up_clearly(tmp_path: Path) -> None:
    import fcntl

    from agkg.build.locking import publisher_lock

    descriptor = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    try:
        with (
            pytest.raises(ConfigurationError, match="another agkg publish has held the publisher lock"),
            publisher_lock(tmp_path, wait=0.2),
        ):
            pass
    finally:
        os.close(descriptor)
    with publisher_lock(tmp_path, wait=0.2):  # released with its holder
        pass


def test_publish_site_failing_midway_leaves_the_previous_publication(
    project: Path, run_agkg: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the static site used to be written into the live dist/ after the swap."""
    import agkg.web.site

    assert run_agkg("--project", project, "publish", "--site").exit_code == 0
    dist = project / "dist"
    before = {p.relative_to(dist): p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    assert any(str(p).startswith("site/") for p in before)
    real_write_site = agkg.web.site.write_site

    def write_half_then_fail(files: dict[str, bytes], folder: Path) -> list[Path]:
        half = dict(list(files.items())[: len(files) // 2])
        real_write_site(half, folder)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(agkg.web.site, "write_site", write_half_then_fail)
    (project / "data" / "entities" / "zz.yaml").write_text(
        "entities:\n  - id: new-group\n    type: ArmedGroup\n    label: {en: New group}\n", encoding="utf-8"
    )
    result = run_agkg("--project", project, "publish", "--site")
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    after = {p.relative_to(dist): p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in project.iterdir() if p.name.startswith(".dist")] == []
