"""The run index a manager opens: headline numbers, status colours, readable times (no kernel)."""

from __future__ import annotations

import json

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from loyaltylab.reports.catalog import metrics_catalog
from loyaltylab.reports.html import notebook_to_html
from loyaltylab.reports.index import HEADLINES, readable_time, write_run_index


def test_every_headline_key_is_in_the_metrics_catalog():
    catalog = metrics_catalog()
    for topic, entries in HEADLINES.items():
        for _, key in entries:
            concrete = key.replace("{best_program}", "points_basic")
            assert catalog.matching(topic, concrete), (topic, key)


def test_readable_time_has_no_microseconds_or_iso_t():
    text = readable_time("2026-12-01T14:03:12.123456+00:00")
    assert "T14" not in text and ".123456" not in text and "2026" in text and ":" in text


def _run(tmp_path, failed=0):
    run_dir = tmp_path / "2026-12-01T140312Z"
    (run_dir / "card").mkdir(parents=True)
    (run_dir / "card" / "05_scorecard.metrics.json").write_text(
        json.dumps({"n_on_track": 2, "n_targets": 5}), encoding="utf-8"
    )
    (run_dir / "clv").mkdir()
    (run_dir / "clv" / "02_clv.metrics.json").write_text(
        json.dumps({"clv": {"total": 75123.4}, "customers": {"active_probable_share": 0.4123}}),
        encoding="utf-8",
    )
    reports = [
        {"name": "card", "title": "Scorecard", "status": "ok", "role": "scorecard",
         "metrics_files": ["card/05_scorecard.metrics.json"], "html": "card.html"},
        {"name": "clv", "title": "CLV", "status": "ok",
         "metrics_files": ["clv/02_clv.metrics.json"], "html": "clv.html"},
    ]
    reports += [{"name": f"bad{i}", "title": "Bad", "status": "failed", "error": "ValueError: x",
                 "metrics_files": []} for i in range(failed)]
    status = {"run_id": run_dir.name, "state": "finished", "complete": True, "currency": "$",
              "started_at": "2026-12-01T14:03:12.123456+00:00",
              "finished_at": "2026-12-01T14:09:40.654321+00:00", "selected": [], "reports": reports}
    (run_dir / "status.json").write_text(json.dumps(status), encoding="utf-8")
    return write_run_index(run_dir).read_text(encoding="utf-8")


def test_run_index_shows_headline_numbers_and_does_not_colour_zero_failed_red(tmp_path):
    page = _run(tmp_path)
    assert "<b>$75,123</b>" in page and "<b>41.2 %</b>" in page  # catalog units: currency, share
    assert "targets on track:</span> <b>2</b>" in page
    assert '<span class="muted">0 failed</span>' in page and 'class="failed">0 failed' not in page
    assert ".123456" not in page and "14:03:12" not in page and "started 1 Dec 2026, 14:03" in page
    failing = _run(tmp_path / "second", failed=1)
    assert '<span class="failed">1 failed</span>' in failing
    assert "no numbers: the report failed" in failing


def test_failed_page_says_what_where_and_what_to_do_without_empty_sections():
    boiler = new_markdown_cell("An Exception was encountered at 'In [2]'.")
    boiler.metadata["tags"] = ["papermill-error-cell-tag"]
    ok = new_code_cell("x", execution_count=1,
                       outputs=[new_output("stream", name="stdout", text="first numbers")])
    bad = new_code_cell("y", execution_count=2, outputs=[
        new_output("error", ename="ValueError", evalue="no column 'amount'",
                   traceback=["Traceback (most recent call last)", "ValueError: no column"])])
    never = new_code_cell("z")
    nb = new_notebook(cells=[boiler, new_markdown_cell("## The data"), ok,
                             new_markdown_cell("## The model"), bad,
                             new_markdown_cell("## Later section"), never])
    page = notebook_to_html(nb, title="T", status="failed",
                            error="ValueError: no column 'amount' (in cell In [2])",
                            report_name="clv_cdnow")
    assert "An Exception was encountered" not in page and "Traceback" not in page
    assert "Later section" not in page  # nothing ran under it
    assert "first numbers" in page
    assert "in cell In [2] of the section “The model”" in page
    assert "loyaltylab run --only clv_cdnow" in page
