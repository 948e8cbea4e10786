"""report.html in a real browser: Debian's headless Chromium with no network, driven over
the DevTools protocol (a websocket), so that console errors, uncaught exceptions and every
request the page makes are seen as they happen.

Skipped where chromium is not installed (`apt-get install chromium`; .ci/run installs it);
under CI (CI set) a missing chromium fails instead, so the test cannot quietly stop running.
The screenshot and the printed PDF go to pytest's tmp folder; the test prints their paths.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ReportSite

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAPTOP = {"width": 1366, "height": 768}

websocket = pytest.importorskip("websocket", reason="websocket-client is a dev dependency")


class Browser:
    """One headless Chromium page over the DevTools protocol: calls, and the events that
    arrive meanwhile (console messages, exceptions, log entries, requests)."""

    def __init__(self, url: str) -> None:
        self.socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.last_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.last_id += 1
        self.socket.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.last_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            if "method" in message:
                self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event["method"] == method:
                    self.events.remove(event)
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {method} within {timeout} s")
            self.socket.settimeout(left)
            message = json.loads(self.socket.recv())
            if "method" in message:
                self.events.append(message)

    def open(self, path: Path) -> None:
        """Load ``path`` with the network emulated offline, and wait until it has loaded."""
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call(
            "Network.emulateNetworkConditions",
            offline=True,
            latency=0,
            downloadThroughput=-1,
            uploadThroughput=-1,
        )
        self.call("Emulation.setDeviceMetricsOverride", deviceScaleFactor=1, mobile=False, **LAPTOP)
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.evaluate("new Promise(r => requestAnimationFrame(() => r(1)))")  # painted

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"evaluate: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, error log entries, and any
        request for something that is not in the file itself."""
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error",
                "warning",
                "assert",
            ):
                texts = [str(a.get("value", a.get("description", ""))) for a in params["args"]]
                found.append(f"console.{params['type']}: {' '.join(texts)}")
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(
                    f"exception: {details.get('exception', {}).get('description', details)}"
                )
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log {params['entry']['level']}: {params['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    found.append(f"request: {url}")
        return found

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.socket.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    profile = tmp_path / "profile"
    profile.mkdir()
    log = (tmp_path / "chromium.log").open("wb")
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--no-first-run",
            "--no-default-browser-check",
            # No name resolves and no proxy is used: the browser has no way out.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--no-proxy-server",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    page: Browser | None = None
    try:
        port = _devtools_port(profile, process)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        page = Browser(url)
        yield page
    finally:
        if page is not None:
            page.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group of the browser we started
            process.wait(timeout=10)
        log.close()


def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    """Chromium writes the port it chose into DevToolsActivePort once it listens."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"chromium exited with {process.returncode}")
        if marker.exists():
            lines = marker.read_text().splitlines()
            if lines and lines[0].isdigit():
                return int(lines[0])
        time.sleep(0.05)
    raise AssertionError("chromium did not open its DevTools port within 30 s")


_MEASURE = """
(() => {
  const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
    const box = svg.getBoundingClientRect();
    const paths = {};
    for (const p of svg.querySelectorAll('path')) {
      paths[p.getAttribute('class')] = Math.round(p.getTotalLength());
    }
    const painted = [...svg.querySelectorAll('path, rect, line, text')].filter(e => {
      const b = e.getBBox(); return b.width > 0 || b.height > 0;
    }).length;
    return {id: svg.id, width: box.width, height: box.height, paths, painted};
  });
  const grid = document.querySelector('table.grid');
  const days = [...grid.querySelectorAll('tbody td:not(.nm)')];
  const filled = days.filter(td => {
    const style = getComputedStyle(td);
    return style.backgroundColor !== 'rgba(0, 0, 0, 0)' && td.offsetWidth > 0;
  }).length;
  const night = grid.querySelector('tbody td.f2');
  const bars = [...document.querySelectorAll('table.fair i')];
  return {
    charts,
    rows: grid.querySelectorAll('tbody tr').length,
    cells: days.length,
    filled,
    nightColour: night ? getComputedStyle(night).backgroundColor : null,
    bars: bars.length,
    widestBar: Math.max(...bars.map(i => i.getBoundingClientRect().width)),
    pageWidth: document.documentElement.scrollWidth,
  };
})()
"""


def test_report_renders_in_chromium_without_errors_or_requests(
    browser: Browser, report_site: ReportSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    browser.open(report_site.out / "report.html")
    seen = browser.evaluate(_MEASURE)
    plan = report_site.plan
    charts = {c["id"]: c for c in seen["charts"]}
    assert set(charts) == {"coverage-chart", "service-level-chart"}
    for chart in charts.values():
        assert chart["width"] > 1000 and chart["height"] > 200, chart  # fills a laptop's width
        assert chart["painted"] > 20, chart
    coverage = charts["coverage-chart"]["paths"]
    assert coverage["scheduled"] > 1000 and coverage["required"] > 1000
    assert coverage["short"] > 0  # the first night's shortfall, highlighted
    assert charts["service-level-chart"]["paths"]["level"] > 500
    assert seen["rows"] == len(plan.problem.agents)
    assert seen["cells"] == seen["filled"] == len(plan.problem.agents) * plan.problem.days
    assert seen["nightColour"] == "rgb(30, 58, 138)"  # M, the night family, in dark blue
    assert seen["bars"] == 4 * len(plan.problem.agents) and seen["widestBar"] > 50
    assert seen["pageWidth"] <= LAPTOP["width"]  # no sideways scrolling on a laptop

    metrics = browser.call("Page.getLayoutMetrics")["cssContentSize"]
    shot = browser.call(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": LAPTOP["width"], "height": metrics["height"], "scale": 1},
    )
    screenshot = tmp_path / "report.png"
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    assert screenshot.stat().st_size > 10_000

    browser.call("Emulation.setEmulatedMedia", media="print")
    printed = browser.evaluate(_MEASURE)
    assert all(c["width"] > 500 and c["painted"] > 20 for c in printed["charts"])
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(base64.b64decode(browser.call("Page.printToPDF", printBackground=True)["data"]))
    assert pdf.read_bytes().startswith(b"%PDF")

    assert browser.problems() == []
    with capsys.disabled():
        print(f"\nreport.html in chromium: screenshot {screenshot}, print {pdf}")


def test_the_harness_sees_console_errors_exceptions_and_requests(
    browser: Browser, tmp_path: Path
) -> None:
    """The check above is only worth something if it catches what it looks for."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><title>broken</title>"
        '<img src="http://callshift.invalid/logo.png">'
        '<script>console.error("boom"); missing_function();</script>'
    )
    browser.open(page)
    problems = browser.problems()
    assert any(p == "console.error: boom" for p in problems), problems
    assert any(p.startswith("exception: ReferenceError: missing_function") for p in problems)
    assert any(p == "request: http://callshift.invalid/logo.png" for p in problems), problems
