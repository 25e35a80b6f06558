"""The demo report in a real browser: Debian's headless chromium driven by playwright.

Never a downloaded browser: playwright's ``executable_path`` points at
/usr/bin/chromium (installed by .ci/run); the tests skip when it is absent.
Checks: no console errors and no page errors, no network request but the file
itself, a rendered plotly SVG in every chart, choosing another row changes the
local explanation (chart data and text), hover labels show values, and a
feature named ``<script>alert(1)</script>`` renders as text with no dialog. A
screenshot is kept under ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from .test_builder import XSS, demo_html  # noqa: F401  (the shared session fixture)

CHROMIUM = os.environ.get("UNBOXED_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM} "
                                "(.ci/run installs Debian's chromium)")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class Page:
    """A page with everything it logged, requested and opened recorded."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.console, self.errors, self.requests, self.dialogs = [], [], [], []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_function(
            "() => Array.from(document.querySelectorAll('[data-figure]'))"
            ".every(d => d.querySelector('svg.main-svg'))", timeout=60_000)

    def js(self, expr: str):
        return self.page.evaluate(expr)


@pytest.fixture(scope="module")
def demo_page(browser, demo_html):  # noqa: F811
    p = Page(browser, demo_html)
    yield p
    p.page.close()


def test_demo_loads_offline_without_errors(demo_page):
    assert demo_page.errors == []
    assert [m for m in demo_page.console if m[0] in ("error", "warning")] == []
    assert demo_page.requests == [demo_page.url]
    assert demo_page.dialogs == []


def test_every_chart_renders(demo_page):
    counts = demo_page.js("""() => {
        const divs = Array.from(document.querySelectorAll('[data-figure]'));
        return divs.map(d => [d.id, d.querySelectorAll('svg.main-svg').length,
                              d.querySelectorAll('.point, .bars path, .scatterlayer .trace path').length]);
    }""")
    assert len(counts) >= 1 + 5 + 5 + 1 + 5 + 1  # importance, PDP, ALE, beeswarm, dependence, waterfall
    for div_id, n_svg, n_marks in counts:
        assert n_svg >= 1, div_id
        assert n_marks > 0, div_id
    n_points = demo_page.js("() => document.querySelectorAll('#fig-beeswarm .scatterlayer .point').length")
    assert n_points >= 1000  # 1000 rows x 12 features, drawn as SVG points


def test_row_picker_changes_the_local_explanation(demo_page):
    page = demo_page.page
    before = {"text": page.inner_text("#local-reasons"), "head": page.inner_text("#local-headline"),
              "x": demo_page.js("() => JSON.stringify(document.getElementById('fig-waterfall').data[0].x)"),
              "y": demo_page.js("() => JSON.stringify(document.getElementById('fig-waterfall').data[0].y)")}
    assert before["head"].startswith("row 0:")
    page.select_option("#row-picker", "1")
    page.wait_for_function("() => document.getElementById('fig-waterfall').getAttribute('data-row') === '1'")
    after = {"text": page.inner_text("#local-reasons"), "head": page.inner_text("#local-headline"),
             "x": demo_page.js("() => JSON.stringify(document.getElementById('fig-waterfall').data[0].x)"),
             "y": demo_page.js("() => JSON.stringify(document.getElementById('fig-waterfall').data[0].y)")}
    assert after["head"].startswith("row 17:")
    assert after["text"] != before["text"] and after["x"] != before["x"] and after["y"] != before["y"]
    data = demo_page.js("() => window.unboxedReport.data.rows[1]")
    assert json.loads(after["x"]) == data["figure"]["data"][0]["x"]
    assert after["text"].splitlines() == data["reasons"]
    rows = page.locator("#local-table tbody tr")
    assert rows.count() == 20  # inside a closed <details>: read its text, not what is shown
    assert rows.first.locator("td").first.text_content() == data["table"][0][0]
    # the redrawn chart is still a rendered plotly chart
    assert demo_page.js("() => document.querySelectorAll('#fig-waterfall svg.main-svg').length") >= 1
    page.select_option("#row-picker", "0")
    page.wait_for_function("() => document.getElementById('fig-waterfall').getAttribute('data-row') === '0'")
    assert page.inner_text("#local-reasons") == before["text"]
    assert demo_page.errors == []


def test_hover_shows_values(demo_page):
    page = demo_page.page
    page.locator("#fig-importance").scroll_into_view_if_needed()
    box = page.locator("#fig-importance .bars .point path").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.querySelectorAll('#fig-importance .hoverlayer text').length > 0")
    text = demo_page.js("() => Array.from(document.querySelectorAll('#fig-importance .hoverlayer text'))"
                        ".map(t => t.textContent).join(' ')")
    assert "status_of_existing_checking_account" in text and "drop in roc_auc" in text


def test_screenshot_is_kept(demo_page, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "demo-report.png"
    demo_page.page.screenshot(path=str(tmp_path / "demo-report.png"), full_page=True)
    shutil.copy(tmp_path / "demo-report.png", path)
    assert path.stat().st_size > 50_000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_script_in_names_renders_as_text(browser, tmp_path):
    from sklearn.tree import DecisionTreeClassifier

    from unboxed.report import Report
    rng = np.random.default_rng(0)
    X = pd.DataFrame({XSS: rng.normal(size=120), "b": rng.normal(size=120),
                      "c": rng.choice(["<img src=x onerror=alert(2)>", "ok"], size=120)})
    X["c"] = X["c"].astype("category")
    y = np.where(X[XSS] > 0, "<b>yes</b>", "no")
    Xn = X.assign(c=X["c"].cat.codes)
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(Xn, y)
    path = tmp_path / "xss.html"
    Report(model, Xn, y, rows=[0, 1], top=2, n_repeats=1, title=XSS, progress=False).build().save(path)
    p = Page(browser, path)
    try:
        assert p.dialogs == [] and p.errors == []
        assert p.js("() => document.querySelectorAll('script').length") == 3
        assert p.page.inner_text("#title") == XSS
        svg = p.js("() => Array.from(document.querySelectorAll('svg text')).map(t => t.textContent).join('|')")
        assert XSS in svg  # tick labels and titles drawn as text
        assert "<b>yes</b>" in p.page.inner_text("body")
        assert p.requests == [p.url]
    finally:
        p.page.close()
