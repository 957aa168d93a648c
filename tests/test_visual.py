"""Every report and the portfolio email as a reader sees them: laid out by headless Chromium
at a desktop and a phone width, and measured there.

Each page fails when it scrolls sideways, when any visible text is smaller than 11 px
(chart text: its font size times the SVG's scale on screen), or when two labels of a chart
overlap. One Chromium, driven over the DevTools protocol (a WebSocket, through Tornado,
which Jupyter already installs), opens each page at each width, measures it with a script
once its fonts have loaded and saves a screenshot (the page's first 9,000 px) to
``test-artefacts/visual/`` (not versioned) to look at.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from tornado.websocket import websocket_connect

from tests.conftest import ROOT, require_tool
from tests.test_snapshots import Sample

pytestmark = [pytest.mark.system, pytest.mark.slow]

ARTEFACTS = ROOT / "test-artefacts" / "visual"
MIN_TEXT_PX = 11.0
REPORT_WIDTHS = (1280, 390)
EMAIL_WIDTHS = (600, 375)
SCREENSHOT_MAX_HEIGHT = 9000  # px; the top of a long page is what is looked at first
PAGES = (
    "customer-KA0001-en",
    "customer-KA0008-zh-CN",
    "portfolio-en",
    "index-en",
    "targets-2027-zh-CN",
    "email-portfolio-en",
)
CASES = [
    (page, width)
    for page in PAGES
    for width in (EMAIL_WIDTHS if page.startswith("email") else REPORT_WIDTHS)
]

# Evaluated in the page once its fonts have loaded; resolves to the measurements.
MEASURE = r"""
(function (MIN, TOLERANCE) {
  function shown(el) {
    return getComputedStyle(el).visibility !== "hidden" && el.getClientRects().length > 0;
  }
  function where(el) {
    var figure = el.closest("figure");
    if (figure) return "chart: " + (figure.getAttribute("aria-label") || "").slice(0, 50);
    var css = String(el.className || "").trim();
    return el.tagName.toLowerCase() + (css ? "." + css.split(/\s+/).join(".") : "");
  }
  return (document.fonts ? document.fonts.ready : Promise.resolve()).then(function () {
    var root = document.documentElement;
    var out = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
               height: root.scrollHeight, smallest: 1e9, small: [], overlaps: [], charts: 0};
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      var text = node.nodeValue.trim();
      var el = node.parentElement;
      if (!text || el.closest("svg, script, style") || !shown(el)) continue;
      var size = parseFloat(getComputedStyle(el).fontSize);
      out.smallest = Math.min(out.smallest, size);
      if (size < MIN) out.small.push([Math.round(size * 10) / 10, text.slice(0, 50), where(el)]);
    }
    document.querySelectorAll("svg").forEach(function (svg) {
      if (!shown(svg)) return;
      out.charts += 1;
      var boxes = [];
      svg.querySelectorAll("text").forEach(function (t) {
        var text = t.textContent.trim();
        if (!text || !shown(t)) return;
        var m = t.getScreenCTM();
        var size = parseFloat(getComputedStyle(t).fontSize) * Math.sqrt(m.a * m.a + m.b * m.b);
        out.smallest = Math.min(out.smallest, size);
        if (size < MIN) out.small.push([Math.round(size * 10) / 10, text.slice(0, 50), where(svg)]);
        // The glyphs' box, not the line's: the lines of one label may touch, glyphs may not.
        var r = t.getBoundingClientRect(), inset = 0.2 * size;
        boxes.push({r: {left: r.left + inset, right: r.right - inset, top: r.top + inset,
                        bottom: r.bottom - inset}, text: text});
      });
      for (var i = 0; i < boxes.length; i++) {
        for (var j = i + 1; j < boxes.length; j++) {
          var a = boxes[i].r, b = boxes[j].r;
          var w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          var h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > TOLERANCE && h > TOLERANCE) {
            out.overlaps.push([boxes[i].text.slice(0, 40), boxes[j].text.slice(0, 40), where(svg)]);
          }
        }
      }
    });
    out.smallest = Math.round(out.smallest * 10) / 10;
    return out;
  });
})(%(min)s, 1.5)
"""
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio", "--remote-debugging-port=0", "about:blank",
)  # fmt: skip


def _email_html(s: Sample) -> str:
    """The portfolio email as a mail app shows it: charts from their parts, not cid: links."""
    from kamreport.mail.charts import email_charts
    from kamreport.mail.message import render_email
    from kamreport.mail.summary import portfolio_summary

    summary = portfolio_summary(s.dataset, s.as_of, s.params, s.figures)
    charts = email_charts(summary, s.fmt)
    email = render_email(
        summary, charts, s.fmt, confidentiality="Internal", data_hash=s.provenance.data_hash,
        params_hash=s.provenance.params_hash, accounts=s.dataset.accounts,
    )  # fmt: skip
    page = email.html
    for chart in charts:
        data = base64.b64encode(chart.png).decode("ascii")
        page = page.replace(f"cid:{email.cids[chart.name]}", f"data:image/png;base64,{data}")
    return page


def _pages(sample_dir: Path, folder: Path) -> dict[str, str]:
    """The HTML of every page, rendered from the sample data as the snapshot tests do."""
    from kamreport.batch import index as index_page
    from kamreport.render import render
    from kamreport.reports import customer, portfolio, targets
    from kamreport.views.display import Display
    from kamreport.views.index import index_view
    from kamreport.views.portfolio import portfolio_display, portfolio_view
    from kamreport.views.targets import targets_view

    en, zh = Sample(sample_dir, "en"), Sample(sample_dir, "zh-CN")
    pages = {}
    for account_id, s, name in (("KA0001", en, "customer-KA0001-en"),
                                ("KA0008", zh, "customer-KA0008-zh-CN")):  # fmt: skip
        review = customer.analyse(s.dataset, account_id, s.as_of, s.params, s.figures)
        view = customer.view(review, customer.charts(review, s.fmt), s.fmt, s.provenance,
                             s.params, accounts=s.dataset.accounts)  # fmt: skip
        pages[name] = render("customer.html.j2", s.fmt, page=view.page, view=view)
    review = portfolio.analyse(en.dataset, en.as_of, en.params, en.figures)
    view = portfolio_view(review, portfolio.charts(review, en.fmt),
                          portfolio_display(en.fmt, review), en.provenance, en.params,
                          {"KA0001": "../customers/KA0001/report.html"})  # fmt: skip
    pages["portfolio-en"] = render("portfolio.html.j2", en.fmt, page=view.page, view=view)
    ids = [str(a) for a in en.dataset.accounts["account_id"].head(12)]
    status = {a: "rendered" for a in ids[:9]} | {ids[9]: "skipped", ids[10]: "failed"}
    errors = {ids[10]: ("NotebookExecutionError: customer_report.ipynb failed in cell 3", "")}
    table = index_page.rows(ids, en.dataset.accounts, en.figures.metrics, status, errors,
                            {a: folder / "customers" / a for a in ids}, folder, "en")  # fmt: skip
    view = index_view(table, Display(en.fmt), en.provenance, en.as_of)
    pages["index-en"] = render("index.html.j2", en.fmt, page=view.page, view=view)
    setting = targets.analyse(zh.run(), 2027)
    view = targets_view(setting, Display(zh.fmt), zh.provenance, targets.workbook_name(2027))
    pages["targets-2027-zh-CN"] = render("targets.html.j2", zh.fmt, page=view.page, view=view)
    pages["email-portfolio-en"] = _email_html(en)
    return pages


class Browser:
    """A headless Chromium and one tab of it, spoken to over the DevTools protocol."""

    def __init__(self, path: str, profile: Path) -> None:
        port_file = profile / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)  # a previous run's
        self.process = subprocess.Popen(
            [path, f"--user-data-dir={profile}", *CHROMIUM_FLAGS],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not port_file.is_file() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise AssertionError("Chromium did not start its DevTools server")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        self.loop = asyncio.new_event_loop()
        self.socket: Any = None
        try:
            url = f"http://127.0.0.1:{port}/json/new?about:blank"
            request = urllib.request.Request(url, method="PUT")
            with urllib.request.urlopen(request, timeout=30) as response:
                self.tab = json.load(response)["webSocketDebuggerUrl"]
            self.socket = self.loop.run_until_complete(self._connect())
            self.next_id = 0
            self.call("Page.enable")
        except BaseException:
            self.close()
            raise

    async def _connect(self) -> Any:
        return await websocket_connect(self.tab, max_message_size=512 * 2**20)

    async def _call(self, method: str, params: dict[str, Any], until: str | None) -> Any:
        self.next_id += 1
        call_id = self.next_id
        message = {"id": call_id, "method": method, "params": params}
        await self.socket.write_message(json.dumps(message))
        result, event_seen = None, until is None
        while result is None or not event_seen:
            message = json.loads(await asyncio.wait_for(self.socket.read_message(), 60))
            if message.get("id") == call_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result = message["result"]
            elif until and message.get("method") == until:
                event_seen = True
        return result

    def call(self, method: str, until: str | None = None, **params: Any) -> Any:
        """Send one command and wait for its answer (and for the event ``until``)."""
        return self.loop.run_until_complete(self._call(method, params, until))

    def look(self, page: Path, width: int, shot: Path) -> dict[str, Any]:
        """Open ``page`` at ``width`` px, measure it and save its screenshot to ``shot``."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900,
                  deviceScaleFactor=1, mobile=False)  # fmt: skip
        self.call("Page.navigate", until="Page.loadEventFired", url=page.as_uri())
        answer = self.call("Runtime.evaluate", expression=MEASURE % {"min": MIN_TEXT_PX},
                           awaitPromise=True, returnByValue=True)  # fmt: skip
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        result = answer["result"]["value"]
        height = max(600, min(int(result["height"]), SCREENSHOT_MAX_HEIGHT))
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        image = self.call("Page.captureScreenshot", format="png", clip=clip,
                          captureBeyondViewport=True)  # fmt: skip
        shot.write_bytes(base64.b64decode(image["data"]))
        result["screenshot"] = str(shot)
        return result

    def close(self) -> None:
        if getattr(self, "socket", None) is not None:
            self.socket.close()
        if getattr(self, "loop", None) is not None and not self.loop.is_closed():
            self.loop.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def looks(sample_dir, tmp_path_factory) -> dict[tuple[str, int], dict[str, Any]]:
    """Measurements of every page at every width (screenshots in test-artefacts/visual/)."""
    path = require_tool("chromium", "chromium-browser", "google-chrome")
    work = tmp_path_factory.mktemp("visual")
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    ARTEFACTS.mkdir(parents=True)
    files = {}
    for name, page in _pages(sample_dir, work).items():
        files[name] = work / f"{name}.html"
        files[name].write_text(page, encoding="utf-8")
    browser = Browser(path, work / "profile")
    try:
        looks = {
            (name, width): browser.look(files[name], width, ARTEFACTS / f"{name}-{width}.png")
            for name, width in CASES
        }
    finally:
        browser.close()
    summary = {
        f"{name}-{width}": {
            "page_bytes": files[name].stat().st_size,
            "width": look["scrollWidth"],
            "height": look["height"],
            "smallest_text_px": look["smallest"],
            "charts": look["charts"],
        }
        for (name, width), look in looks.items()
    }
    (ARTEFACTS / "measurements.json").write_text(json.dumps(summary, indent=1) + "\n")
    return looks


@pytest.mark.parametrize(("page", "width"), CASES)
def test_no_sideways_scrolling(looks, page, width):
    look = looks[(page, width)]
    assert look["scrollWidth"] <= look["clientWidth"], (
        f"{page} at {width} px is {look['scrollWidth']} px wide; see {look['screenshot']}"
    )


@pytest.mark.parametrize(("page", "width"), CASES)
def test_no_text_smaller_than_11_px(looks, page, width):
    look = looks[(page, width)]
    assert not look["small"], (
        f"{page} at {width} px: text under {MIN_TEXT_PX} px (size, text, where): "
        f"{look['small'][:12]}; see {look['screenshot']}"
    )


@pytest.mark.parametrize(("page", "width"), CASES)
def test_chart_labels_do_not_overlap(looks, page, width):
    look = looks[(page, width)]
    assert not look["overlaps"], (
        f"{page} at {width} px: overlapping chart labels: {look['overlaps'][:12]}; "
        f"see {look['screenshot']}"
    )
