"""Where a publish spends its time and memory: ``agkg publish`` run in this process, with the
progress hook replaced by one that logs each stage as it starts.

    .venv/bin/python bench/stages.py PROJECT [--full] [--stage-peaks] [--out FILE.json]

For each stage (the names the progress display shows): wall and CPU seconds, the resident set
size at its end and the peak (VmHWM) so far. The time between stages (setup, the publish cache)
is logged as "(between)". The last line is the whole run. Memory figures are the process's own
(``/proc/self/status``), and on the last line also the peak of its children (Jena's Java
process, when validation runs there) and the peak of the process and its children together
(sampled four times a second); CPU seconds include the children's. On a shared machine the CPU
seconds are the steadier figure.

``--stage-peaks`` also gives each stage's own peak (``peak_mib_in_stage``): the peak is reset
at each stage's start (``/proc/self/clear_refs``), so a stage below an earlier, higher one is
seen too. The reset also lowers what ``/usr/bin/time`` reports as the whole run's maximum
resident set size, so take that figure from a run without it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from agkg import cli  # noqa: E402

ENDED = {
    "ontology",
    "load",
    "quotes",
    "provenance",
    "graph",
}  # reported at their end, the rest at their start


def status_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu() -> float:
    """CPU seconds of this process and of the children it has waited for (Jena's validator)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def tree_rss_mib(pid: int) -> float:
    """The resident memory of ``pid`` and of every process under it, together."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
    return total


class TreePeak:
    """The highest resident memory of this process and its children together (the publish and
    Jena's Java process at the same time), sampled every ``interval`` seconds in a thread."""

    def __init__(self, interval: float = 0.25) -> None:
        self.peak = 0.0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.sample, args=(interval,), daemon=True)
        self.thread.start()

    def sample(self, interval: float) -> None:
        while not self.stopped.wait(interval):
            self.peak = max(self.peak, tree_rss_mib(os.getpid()))

    def stop(self) -> float:
        self.stopped.set()
        self.thread.join()
        return self.peak


def reset_peak() -> None:
    """Start VmHWM afresh from the current resident set (Linux 4.0 and later)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class StageLog:
    def __init__(self, stage_peaks: bool = False) -> None:
        self.stage_peaks = stage_peaks
        self.peak = 0.0  # the highest VmHWM seen, over the resets
        self.rows: list[dict[str, Any]] = []
        self.stage: str | None = None
        self.wall = time.perf_counter()
        self.cpu = cpu()
        self.begin = self.wall

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        if stage == self.stage:
            return
        if stage in ENDED:  # the build reports its stages as they end
            self.stage = stage
            self.close()
            self.stage = None
            return
        self.close()
        self.stage = stage

    def close(self) -> None:
        now, used = time.perf_counter(), cpu()
        if now - self.wall > 0.005:
            stage_peak = status_mib("VmHWM")
            self.peak = max(self.peak, stage_peak)
            row = {
                "stage": self.stage or "(between)",
                "wall_s": round(now - self.wall, 2),
                "cpu_s": round(used - self.cpu, 2),
                "rss_mib_at_end": round(status_mib("VmRSS")),
                **({"peak_mib_in_stage": round(stage_peak)} if self.stage_peaks else {}),
                "peak_mib_so_far": round(self.peak),
            }
            self.rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
            if self.stage_peaks:
                reset_peak()
        self.wall, self.cpu = now, used


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--stage-peaks", action="store_true", help="each stage's own peak memory too")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    log = StageLog(args.stage_peaks)
    tree = TreePeak()
    cli.Settings.progress = lambda self: log  # type: ignore[method-assign,assignment,return-value]
    arguments = ["--project", str(args.project), "publish"] + (["--full"] if args.full else [])
    try:
        cli.cli.main(arguments, standalone_mode=False)
    finally:
        log.close()
    total = {
        "stage": "(whole publish)",
        "wall_s": round(time.perf_counter() - log.begin, 2),
        "cpu_s": round(cpu(), 2),
        "peak_mib": round(max(log.peak, status_mib("VmHWM"))),
        "children_peak_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "peak_mib_with_children_sampled": round(tree.stop()),
    }
    print(json.dumps(total), file=sys.stderr, flush=True)
    if args.out:
        args.out.write_text(json.dumps([*log.rows, total], indent=1) + "\n")


if __name__ == "__main__":
    main()
