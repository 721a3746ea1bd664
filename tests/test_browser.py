"""A real browser (Debian's headless Chromium) shows an entity page with its evidence.

The page is loaded in a same-origin frame by a small harness page that only this test serves;
the harness reports which quotes the browser actually laid out (non-empty box, displayed,
visible, not transparent), and Chromium's --dump-dom hands that report back. A screenshot of
the page is saved next to the test's temporary files (its path is printed).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("uvicorn", reason="the 'serve' extra is not installed")

from test_server import published_project, running_server

from agkg.web.server import ServerSettings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)",
)
REPO = Path(__file__).resolve().parents[1]

HARNESS = """<!DOCTYPE html><html><body>
<iframe id="page" src="/doc/id/iskp.html" style="width:1280px;height:4000px"></iframe>
<pre id="report">waiting</pre>
<script>
document.getElementById("page").addEventListener("load", function () {
  var doc = this.contentDocument, win = this.contentWindow;
  function shown(el) {
    var box = el.getBoundingClientRect(), style = win.getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.display !== "none" &&
      style.visibility === "visible" && parseFloat(style.opacity) > 0;
  }
  var pick = function (selector) {
    return Array.prototype.filter.call(doc.querySelectorAll(selector), shown)
      .map(function (el) { return el.textContent; });
  };
  document.getElementById("report").textContent = JSON.stringify({
    title: doc.title, quotes: pick("q.quote"), sources: pick("figcaption cite"),
    attributions: pick(".attribution"), deprecated: pick(".deprecated-reason")
  });
});
</script></body></html>"""

Scope = MutableMapping[str, Any]
App = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def with_harness(app: App) -> App:
    async def wrapped(
        scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] == "http" and scope["path"] == "/__harness":
            body = HARNESS.encode()
            headers = [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_entity_page_shows_the_quoted_evidence(tmp_path: Path) -> None:
    corpus = (REPO.parent / "shared" / "corpus").resolve()
    project = published_project(tmp_path / "project", corpus)
    with running_server(project, ServerSettings(query_workers=1), wrap=with_harness) as server:
        done = chromium(
            tmp_path / "profile-dom", "--virtual-time-budget=10000", "--dump-dom", server.url + "/__harness"
        )
        assert done.returncode == 0, done.stderr[-2000:]
        found = re.search(r'<pre id="report">(.*?)</pre>', done.stdout, re.DOTALL)
        assert found, done.stdout[-2000:]
        report = json.loads(html.unescape(found.group(1)))
        screenshot = tmp_path / "iskp.png"
        shot = chromium(
            tmp_path / "profile-shot",
            "--window-size=1280,2400",
            "--hide-scrollbars",
            f"--screenshot={screenshot}",
            server.url + "/id/iskp",  # the IRI itself: the browser follows the 303 to the page
        )
        assert shot.returncode == 0, shot.stderr[-2000:]
    print(f"screenshot: {screenshot}")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000
    assert report["title"].startswith("Islamic State Khorasan Province")
    assert "It was founded in January 2015" in report["quotes"]
    assert "remains active three years after it was founded" in report["quotes"]
    assert any("Afghan Crisis: What you need to know about IS-K" in s for s in report["sources"])
    assert any("unnamed analysts" in a for a in report["attributions"])
    assert any(d.startswith("Deprecated: Internal inconsistency") for d in report["deprecated"])
