"""The report runner end to end on tiny fixture notebooks (tests/notebooks/).

One module-scoped history of runs in one reports folder (7 short kernels):
  run A  ok + scorecard, all reports           -> passes, becomes reports/latest
  run B  ok only (--only), passes              -> partial: latest stays A
  run C  ok + scorecard + fail + slow (timeout)-> 2 failed: latest stays A
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest
import yaml

from loyaltylab.metrics import read_run_metrics
from loyaltylab.reports import (
    create_run_dir,
    latest_run,
    list_runs,
    load_config,
    read_run_status,
    run_reports,
)
from loyaltylab.reports.html import table_of_contents

FIXTURES = Path(__file__).parent / "notebooks"
# The slow fixture sleeps 60 s; the limit stops it after 0.15 min = 9 s while leaving the
# ~3 s fixture reports (kernel start included) room on a loaded 2-core machine.
TIMEOUT_MINUTES = 0.15

pytestmark = pytest.mark.slow


def _config(folder: Path, names: list[str]) -> Path:
    entries = {
        "ok": {
            "name": "ok",
            "title": "Fixture report",
            "notebook": str(FIXTURES / "ok.ipynb"),
            "parameters": {"n_points": 4, "label": "from-yaml"},
        },
        "card": {
            "name": "card",
            "title": "Scorecard",
            "role": "scorecard",
            "notebook": str(FIXTURES / "scorecard.ipynb"),
        },
        "fail": {
            "name": "fail",
            "title": "Failing report",
            "notebook": str(FIXTURES / "fail.ipynb"),
        },
        "slow": {"name": "slow", "title": "Slow report", "notebook": str(FIXTURES / "sleep.ipynb")},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "reports.yaml"
    payload = {
        "settings": {"timeout_minutes": TIMEOUT_MINUTES},
        "reports": [entries[name] for name in names],
    }
    path.write_text(yaml.safe_dump(payload, sort_keys=False), encoding="utf-8")
    return path


def _digests(folder: Path) -> dict[str, str]:
    """Content hash of every file under a run folder (what a later run must not touch)."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    root = tmp_path_factory.mktemp("runner")
    reports_dir = root / "reports"
    good = load_config(_config(root / "good", ["ok", "card"]))
    mixed = load_config(_config(root / "mixed", ["ok", "card", "fail", "slow"]))
    run_a = run_reports(good, reports_dir=reports_dir, progress=False)
    latest_after_a = latest_run(reports_dir)
    files_of_a = _digests(run_a.run_dir)
    run_b = run_reports(
        good, only=["ok"], reports_dir=reports_dir, progress=False, overrides=["ok.n_points=3"]
    )
    latest_after_b = latest_run(reports_dir)
    run_c = run_reports(mixed, reports_dir=reports_dir, progress=False)
    return {
        "reports_dir": reports_dir,
        "a": run_a,
        "b": run_b,
        "c": run_c,
        "latest_after_a": latest_after_a,
        "latest_after_b": latest_after_b,
        "files_of_a": files_of_a,
    }


def test_passing_run_counts_and_becomes_latest(history):
    run_a = history["a"]
    assert run_a.counts == "2 passed, 0 failed"
    assert run_a.ok and run_a.complete
    assert history["latest_after_a"] == run_a.run_dir.resolve()
    assert run_a.latest == run_a.run_id


def test_partial_and_failed_runs_never_replace_latest(history):
    run_a, run_b, run_c = history["a"], history["b"], history["c"]
    assert run_b.counts == "1 passed, 0 failed" and not run_b.complete
    assert history["latest_after_b"] == run_a.run_dir.resolve()
    assert run_c.counts == "2 passed, 2 failed" and not run_c.ok
    assert latest_run(history["reports_dir"]) == run_a.run_dir.resolve()
    assert run_c.latest == run_a.run_id


def test_later_partial_and_failed_runs_leave_every_file_of_an_earlier_run_intact(history):
    run_a = history["a"]
    assert _digests(run_a.run_dir) == history["files_of_a"]
    assert {"ok.html", "card.html", "status.json", "index.html"} <= set(history["files_of_a"])
    assert read_run_status(run_a.run_dir)["state"] == "finished"


def test_each_run_gets_its_own_folder(history):
    folders = {history[key].run_dir for key in ("a", "b", "c")}
    assert len(folders) == 3
    for key in ("a", "b", "c"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d{6}Z(-\d+)?", history[key].run_id)


def test_run_folder_layout(history):
    run_dir = history["c"].run_dir
    for name in ("ok", "card", "fail", "slow"):
        assert (run_dir / f"{name}.ipynb").is_file()
        assert (run_dir / f"{name}.html").is_file()
        assert (run_dir / name).is_dir()
    assert (run_dir / "status.json").is_file()
    assert (run_dir / "index.html").is_file()
    assert (run_dir / "ok" / "00_fixture.metrics.json").is_file()


def test_status_json_records_outcome_duration_parameters_and_paths(history):
    run_dir = history["c"].run_dir
    status = read_run_status(run_dir)
    assert status["state"] == "finished" and status["complete"] is True
    assert status["current"] is None
    assert status["runner"]["pid"] == os.getpid() and status["runner"]["host"]
    assert (status["passed"], status["failed"]) == (2, 2)
    assert status["timeout_minutes"] == TIMEOUT_MINUTES
    by_name = {report["name"]: report for report in status["reports"]}
    # the scorecard runs after all others
    assert [report["name"] for report in status["reports"]] == ["ok", "fail", "slow", "card"]
    assert {n: r["status"] for n, r in by_name.items()} == {
        "ok": "ok",
        "fail": "failed",
        "slow": "failed",
        "card": "ok",
    }
    ok = by_name["ok"]
    assert ok["error"] is None and ok["duration_seconds"] > 0
    assert ok["parameters"] == {
        "n_points": 4,
        "label": "from-yaml",
        "output_dir": str(run_dir / "ok"),
    }
    assert (ok["notebook"], ok["html"], ok["output_dir"]) == ("ok.ipynb", "ok.html", "ok")
    assert ok["metrics_files"] == ["ok/00_fixture.metrics.json"]
    assert by_name["card"]["parameters"]["run_dir"] == str(run_dir)
    fail = by_name["fail"]
    assert fail["error_type"] == "PapermillExecutionError"
    assert fail["error"].startswith("ValueError: deliberate failure in the fixture notebook")
    slow = by_name["slow"]
    assert slow["error_type"] == "CellTimeoutError"
    assert "time limit of 0.15 minute(s)" in slow["error"]
    # stopped at the limit (9 s), not after the 60 s sleep
    assert 8.5 < slow["duration_seconds"] < 40


def test_notebooks_receive_parameters_and_output_dir(history):
    # sum of squares 0..n-1 computed by hand: n=4 -> 0+1+4+9 = 14; n=3 (-p) -> 0+1+4 = 5
    metrics_c = read_run_metrics(history["c"].run_dir)
    assert metrics_c["ok"]["sum_of_squares"] == 14
    assert metrics_c["ok"]["label"] == "from-yaml"
    metrics_b = read_run_metrics(history["b"].run_dir)
    assert metrics_b["ok"]["n_points"] == 3 and metrics_b["ok"]["sum_of_squares"] == 5
    # the scorecard ran last with run_dir injected and saw the other report's metrics
    assert metrics_c["card"]["reports_seen"] == ["ok"]


def test_failed_notebooks_are_kept_with_the_error_visible(history):
    run_dir = history["c"].run_dir
    failed = nbformat.read(run_dir / "fail.ipynb", as_version=4)
    assert "papermill-error-cell-tag" in failed.cells[0].metadata.get("tags", [])
    fail_html = (run_dir / "fail.html").read_text(encoding="utf-8")
    assert "An Exception was encountered" not in fail_html  # boilerplate: in the .ipynb only
    assert "Where:" in fail_html and "What to do:" in fail_html
    assert "deliberate failure in the fixture notebook" in fail_html
    slow = nbformat.read(run_dir / "slow.ipynb", as_version=4)
    assert "loyaltylab-error-note" in slow.cells[0].metadata.get("tags", [])
    slow_html = (run_dir / "slow.html").read_text(encoding="utf-8")
    assert "This report did not finish" in slow_html
    assert "of the section “The slow step”" in slow_html  # a time limit: where it stopped
    assert "CellTimeoutError" in slow_html


def test_stakeholder_html_has_no_code_and_no_parameters_cell(history):
    run_dir = history["c"].run_dir
    page = (run_dir / "ok.html").read_text(encoding="utf-8")
    for code in (
        "import matplotlib",
        "write_metrics(",
        "resolve_output_dir",
        "n_points: int",
        "squares.plot(",
        "output_dir = ",
        "# Parameters",
    ):
        assert code not in page, code
    body = page[page.index("<main>") :]
    for markup in (
        'class="jp-InputPrompt',
        'class="jp-OutputPrompt',
        "jp-CodeMirrorEditor",
        'class="highlight',
    ):
        assert markup not in body, markup  # no code cells, no prompts
    assert "<title>Fixture report</title>" in page
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == 1
    assert '<table border="1" class="dataframe">' in page
    assert "<script" not in page  # no require.js / MathJax: renders offline
    assert history["c"].run_id in page
    assert "fixture_sample" in page  # data source: the notebook's default `transactions`
    assert str(run_dir) not in page  # output_dir (a server path) is not shown to readers


def test_stakeholder_html_has_a_table_of_contents(history):
    page = (history["c"].run_dir / "ok.html").read_text(encoding="utf-8")
    assert '<a href="#Squares">Squares</a>' in page
    assert '<a href="#Key-numbers">Key numbers</a>' in page
    headings = [text for _, _, text in table_of_contents(page)]
    assert headings == ["Fixture report", "Squares", "Key numbers"]


def test_run_index_lists_scorecard_first_and_links_reports(history):
    page = (history["c"].run_dir / "index.html").read_text(encoding="utf-8")
    positions = [page.index(f'href="{name}.html"') for name in ("card", "ok", "fail", "slow")]
    assert positions == sorted(positions)
    assert "2 passed" in page and "2 failed" in page
    assert "deliberate failure in the fixture notebook" in page


def test_reports_index_lists_runs_newest_first_with_counts(history):
    runs = list_runs(history["reports_dir"])
    expected = [history[key].run_id for key in ("c", "b", "a")]
    assert list(runs["run_id"]) == expected
    assert list(zip(runs["passed"], runs["failed"], strict=True)) == [(2, 2), (1, 0), (2, 0)]
    page = (history["reports_dir"] / "index.html").read_text(encoding="utf-8")
    assert f'Latest complete run: <a href="runs/{history["a"].run_id}/index.html">' in page
    table = page[page.index("<table>") :]
    positions = [table.index(f'href="runs/{run_id}/index.html"') for run_id in expected]
    assert positions == sorted(positions)
    assert '2 passed</span>, <span class="failed">2 failed' in page


def test_create_run_dir_never_reuses_a_folder(tmp_path):
    when = datetime(2026, 11, 23, 20, 30, 0, tzinfo=UTC)
    first = create_run_dir(tmp_path, when)
    second = create_run_dir(tmp_path, when)
    third = create_run_dir(tmp_path, when)
    assert [p.name for p in (first, second, third)] == [
        "2026-11-23T203000Z",
        "2026-11-23T203000Z-2",
        "2026-11-23T203000Z-3",
    ]


def test_status_is_readable_json(history):
    text = (history["a"].run_dir / "status.json").read_text(encoding="utf-8")
    assert json.loads(text)["run_id"] == history["a"].run_id
    summary = history["c"].summary()
    assert list(summary["status"]) == ["ok", "failed", "failed", "ok"]
