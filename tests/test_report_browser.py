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
    assert "An Exception was encountered" not in text  # papermill's boilerplate is left out
    assert "Where:" in text and "What to do:" in text
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


# ----------------------------------------------------------------------------------------------
# issue 12: every report of a real run, as a manager sees it on a 1400 x 900 screen

SCREEN = (1400, 900)
BANNED = {
    "NaN": re.compile(r"\bNaN\b"),
    "None": re.compile(r"\bNone\b"),
    "nan": re.compile(r"\bnan\b"),
    "**": re.compile(r"\*\*"),
    "Traceback": re.compile(r"Traceback"),
    "a warning": re.compile(r"\b\w+Warning\b|warnings\.warn"),
}

_PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="{src}" style="width:{w}px;height:{h}px;border:0"></iframe>
<pre id="out">pending</pre>
<script>
document.getElementById('f').addEventListener('load', function () {{
  var out = {{}};
  try {{
    var doc = this.contentDocument, win = this.contentWindow;
    var width = doc.documentElement.clientWidth;
    function box(selector) {{
      var el = doc.querySelector(selector);
      if (!el) return null;
      var r = el.getBoundingClientRect();
      return {{top: r.top, bottom: r.bottom, text: el.innerText}};
    }}
    out.answer = box('.ll-answer');
    out.failure = box('.ll-failure');
    out.text = doc.body.innerText;
    out.overflowing = [];
    doc.querySelectorAll('table').forEach(function (t) {{
      if (t.getBoundingClientRect().right <= width + 1) return;
      var el = t.parentElement, ok = false;
      while (el && el !== doc.body) {{
        var s = win.getComputedStyle(el);
        if ((s.overflowX === 'auto' || s.overflowX === 'scroll')
            && el.getBoundingClientRect().right <= width + 1) {{ ok = true; break; }}
        el = el.parentElement;
      }}
      if (!ok) out.overflowing.push(t.innerText.slice(0, 60));
    }});
  }} catch (e) {{ out.error = String(e); }}
  document.getElementById('out').textContent = JSON.stringify(out);
}});
</script></body></html>
"""


def inspect_page(page: Path, profile: Path, work: Path) -> dict:
    """Open ``page`` in a 1400 x 900 frame and return what the reader sees (from the DOM)."""
    import html as html_lib
    import json

    probe = work / f"probe-{page.stem}.html"
    probe.write_text(_PROBE.format(src=page.as_uri(), w=SCREEN[0], h=SCREEN[1]), encoding="utf-8")
    dom = _chromium(
        ["--allow-file-access-from-files", "--virtual-time-budget=15000",
         f"--window-size={SCREEN[0] + 50},{SCREEN[1] + 200}", "--dump-dom", probe.as_uri()],
        profile,
    ).stdout
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.DOTALL)
    assert found and found.group(1) != "pending", f"{page.name}: the probe did not finish"
    return json.loads(html_lib.unescape(found.group(1)))


def reader_problems(seen: dict, ok: bool) -> list[str]:
    """What is wrong with a page as a manager sees it (empty: nothing)."""
    problems = []
    if seen.get("error"):
        problems.append(f"cannot inspect: {seen['error']}")
        return problems
    first = seen.get("answer") if ok else seen.get("failure")
    what = "answer box" if ok else "failure box"
    if first is None:
        problems.append(f"no {what}")
    elif first["top"] > SCREEN[1] - 60:
        problems.append(f"the {what} starts {first['top']:.0f} px down, below the first screen")
    elif ok and not re.search(r"\d", first["text"]):
        problems.append("the answer box holds no number")
    text = seen.get("text", "")
    for name, pattern in BANNED.items():
        hit = pattern.search(text)
        if hit:
            start = max(hit.start() - 40, 0)
            problems.append(f"visible {name}: ...{text[start:hit.end() + 40]!r}...")
    for table in seen.get("overflowing", []):
        problems.append(f"a table wider than the page does not scroll: {table!r}")
    return problems


@pytest.fixture(scope="module")
def project_run(tmp_path_factory):
    """A run of the project's reports.yaml (or the run folder in LOYALTYLAB_REPORT_RUN)."""
    import os

    from loyaltylab.paths import reports_config

    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run does this)")
    given = os.environ.get("LOYALTYLAB_REPORT_RUN")
    if given:
        return Path(given).resolve()
    root = tmp_path_factory.mktemp("project-run")
    return run_reports(reports_config(), reports_dir=root / "reports", progress=False).run_dir


def test_every_report_opens_with_its_answer_and_reads_cleanly(project_run, tmp_path):
    import json

    status = json.loads((project_run / "status.json").read_text(encoding="utf-8"))
    shots = project_run / "screenshots"
    shots.mkdir(exist_ok=True)
    failures: dict[str, list[str]] = {}
    for report in status["reports"]:
        if not report.get("html"):
            failures[report["name"]] = ["no HTML page"]
            continue
        page = project_run / report["html"]
        seen = inspect_page(page, tmp_path / "profile", tmp_path)
        problems = reader_problems(seen, report.get("status") == "ok")
        shot = shots / f"{report['name']}.png"
        _chromium(["--hide-scrollbars", f"--window-size={SCREEN[0]},{SCREEN[1]}",
                   f"--screenshot={shot}", page.as_uri()], tmp_path / "profile")
        if not shot.exists():
            problems.append("no screenshot")
        if problems:
            failures[report["name"]] = problems
    index = visible_text(dump_dom(project_run / "index.html", tmp_path / "profile"))
    if not re.search(r"\d", index) or "passed" not in index:
        failures["index.html"] = ["the run index shows no counts or numbers"]
    message = "\n".join(f"{name}: " + "; ".join(items) for name, items in failures.items())
    assert not failures, f"{len(failures)} page(s) a manager cannot read at a glance:\n{message}"
