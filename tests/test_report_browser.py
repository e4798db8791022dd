"""What a reader sees: stakeholder HTML and run indexes opened in headless Chromium.

Chromium renders the pages from file:// with background networking disabled, so a page that
needed a CDN (require.js, MathJax) would show that here. `.ci/run` installs Debian's chromium;
without it the tests skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml

from loyaltylab.reports import run_reports

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parent / "notebooks"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# matplotlib's first colour cycle entry (#1f77b4), the colour of the fixture's line plot
MATPLOTLIB_C0 = np.array([0x1F, 0x77, 0xB4]) / 255


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run does this)")
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def dump_dom(page: Path, profile: Path) -> str:
    return _chromium(["--dump-dom", page.as_uri()], profile).stdout


class _VisibleText(HTMLParser):
    """Text a reader sees: everything outside <style>, <script>, <head>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(dom: str) -> str:
    parser = _VisibleText()
    parser.feed(dom)
    return " ".join("".join(parser.parts).split())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run does this)")
    root = tmp_path_factory.mktemp("browser")
    payload = {
        "settings": {"timeout_minutes": 10},
        "reports": [
            {"name": "ok", "title": "Fixture report", "notebook": str(FIXTURES / "ok.ipynb")},
            {"name": "fail", "title": "Failing report", "notebook": str(FIXTURES / "fail.ipynb")},
        ],
    }
    (root / "reports.yaml").write_text(yaml.safe_dump(payload), encoding="utf-8")
    result = run_reports(root / "reports.yaml", reports_dir=root / "reports", progress=False)
    assert result.counts == "1 passed, 1 failed"
    return {"result": result, "profile": root / "chromium-profile", "root": root}


def test_report_page_shows_title_figure_table_and_no_code(run):
    page = run["result"].run_dir / "ok.html"
    dom = dump_dom(page, run["profile"])
    assert re.search(r"<title>Fixture report</title>", dom)
    assert len(re.findall(r"<img [^>]*src=\"data:image/png;base64,", dom)) == 1
    assert len(re.findall(r"<table", dom)) >= 1
    assert not re.search(r"(src|href)=\"https?://", dom)  # nothing fetched from the network
    text = visible_text(dom)
    assert "Fixture report" in text and "Contents" in text and "Squares" in text
    assert run["result"].run_id in text and "fixture_sample" in text
    for code in ("import ", "n_points: int", "write_metrics", "output_dir", "In ["):
        assert code not in text, code


def test_failed_report_page_shows_the_error(run):
    dom = dump_dom(run["result"].run_dir / "fail.html", run["profile"])
    text = visible_text(dom)
    assert "This report did not finish" in text
    assert "An Exception was encountered" in text
    assert "deliberate failure in the fixture notebook" in text


def test_run_index_and_reports_index_render(run):
    result = run["result"]
    text = visible_text(dump_dom(result.run_dir / "index.html", run["profile"]))
    assert "Fixture report" in text and "Failing report" in text
    assert "1 passed, 1 failed" in text
    overview = visible_text(dump_dom(result.reports_dir / "index.html", run["profile"]))
    assert result.run_id in overview and "1 passed, 1 failed" in overview


def test_screenshot_shows_the_figure(run):
    import matplotlib.image

    shot = run["root"] / "ok.png"
    _chromium(
        [
            "--hide-scrollbars",
            "--window-size=1100,1600",
            f"--screenshot={shot}",
            (run["result"].run_dir / "ok.html").as_uri(),
        ],
        run["profile"],
    )
    pixels = matplotlib.image.imread(shot)[..., :3]
    # the plotted line (matplotlib blue) is on screen: the inline PNG was decoded and drawn
    close_to_line = np.all(np.abs(pixels - MATPLOTLIB_C0) < 0.06, axis=-1)
    assert close_to_line.sum() > 200
    # and the page is not blank: plenty of non-white pixels (text, table, axes)
    assert (pixels.min(axis=-1) < 0.5).sum() > 5000
