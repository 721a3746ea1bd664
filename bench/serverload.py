"""What the loopback load benchmarks (load.py, load_endpoint.py) share: a published copy of the
repository's data, ``agkg serve`` started on port 0 and stopped, the entity names to request,
percentiles, and their section of RESULTS.md replaced in place."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AGKG = str(Path(sys.executable).parent / "agkg")


def publish(folder: Path) -> dict[str, str]:
    """Publish the repository's data into ``folder``; the environment that serves it from there."""
    env = {**os.environ, "AGKG_OUT": str(folder)}
    subprocess.run([AGKG, "--project", str(REPO), "publish"], env=env, check=True, capture_output=True)
    return env


def entities(out: Path) -> list[str]:
    text = (out / "dataset.nt").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"^<https://w3id\.org/agkg/id/([A-Za-z0-9._~-]+)>", text, re.MULTILINE)))


def start_server(env: dict[str, str], *options: str) -> tuple[subprocess.Popen[bytes], int]:
    """``agkg serve --port 0`` as a separate process, as in production; the port is read from
    uvicorn's start-up line."""
    server = subprocess.Popen(
        [AGKG, "--project", str(REPO), "serve", "--port", "0", *options],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert server.stderr is not None
    deadline = time.monotonic() + 120
    for raw in server.stderr:
        line = raw.decode("utf-8", "replace")
        found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
        if found:
            # keep draining stderr so that the server never blocks on a full pipe
            threading.Thread(
                target=lambda: server.stderr.read() if server.stderr else None, daemon=True
            ).start()
            return server, int(found.group(1))
        if time.monotonic() > deadline:
            break
    server.kill()
    raise SystemExit("the server did not start")


def stop_server(server: subprocess.Popen[bytes] | None) -> None:
    if server is not None:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def run_threads(threads: list[threading.Thread]) -> float:
    """Start the client threads together and wait for all; the wall-clock seconds they took."""
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def find_section(text: str, heading: str) -> re.Match[str] | None:
    """The section under ``heading`` up to the next ``## `` heading or the end."""
    return re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL).search(text)


def put_section(path: Path, heading: str, section: str) -> None:
    """Replace the section under ``heading`` in ``path`` (or add it), leaving the rest alone."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    found = find_section(text, heading)
    if found:
        text = text[: found.start()] + section + "\n" + text[found.end() :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
