"""The scorecard carries an NPS target read from the feedback report (reports.yaml `targets:`)."""

from __future__ import annotations

import pandas as pd

from loyaltylab.metrics import RunMetrics
from loyaltylab.paths import reports_config
from loyaltylab.targets import build_scorecard, load_targets


def _nps_target():
    (target,) = [t for t in load_targets(reports_config()) if t.metric == "nps.value"]
    return target


def test_reports_yaml_has_an_nps_target_read_from_the_feedback_report():
    target = _nps_target()
    assert target.source == "feedback"
    assert target.target_value == 20


def test_the_scorecard_reads_the_nps_of_the_run_and_judges_the_target():
    target = _nps_target()
    run = RunMetrics(
        run_dir="run", metrics={"feedback": {"nps": {"value": 24.5, "n": 1379}}}, ran=("feedback",)
    )
    row = build_scorecard([target], run=run, observation_end="2025-12-31").summary().iloc[0]
    assert row["current"] == 24.5 and row["target_value"] == 20
    assert row["missing"] == ""
    assert row["status"] == "on track"  # already met: 24.5 >= 20
    low = RunMetrics(run_dir="run", metrics={"feedback": {"nps": {"value": 4.4}}})
    row = build_scorecard([target], run=low, observation_end="2025-12-31").summary().iloc[0]
    # not met, and one value per run gives no trend without a baseline: not on track
    assert row["current"] == 4.4 and row["status"] != "on track"


def test_a_missing_feedback_report_is_named_not_skipped():
    run = RunMetrics(run_dir="run", metrics={}, failed=("feedback",), ran=("feedback",))
    summary = build_scorecard([_nps_target()], run=run, observation_end="2025-12-31").summary()
    assert isinstance(summary, pd.DataFrame)
    assert "feedback" in summary.iloc[0]["missing"] and "failed" in summary.iloc[0]["missing"]
