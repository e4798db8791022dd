"""The scorecard carries an NPS target read from the feedback report (reports.yaml `targets:`)."""

from __future__ import annotations

import pandas as pd
import pytest

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
    assert target.baseline is not None and target.baseline_start is not None


def test_the_scorecard_reads_the_nps_of_the_run_and_judges_the_target():
    target = _nps_target()
    run = RunMetrics(
        run_dir="run", metrics={"feedback": {"nps": {"value": 24.5, "n": 1379}}}, ran=("feedback",)
    )
    row = build_scorecard([target], run=run, observation_end="2025-12-31").summary().iloc[0]
    assert row["current"] == 24.5 and row["target_value"] == 20
    assert row["missing"] == ""
    # the line from the baseline (middle of 2024Q3) to 24.5 on 2025-12-31 passes 20 by the deadline
    assert row["status"] == "on track"
    assert row["projected"] > 24.5
    low = RunMetrics(run_dir="run", metrics={"feedback": {"nps": {"value": 4.4}}})
    row = build_scorecard([target], run=low, observation_end="2025-12-31").summary().iloc[0]
    # hand calculation: the line through (2024-08-15.5, baseline) and (2025-12-31, 4.4),
    # evaluated on 2026-12-31, stays below 20: off track
    start = (
        pd.Timestamp("2024-07-01") + (pd.Timestamp("2024-09-30") - pd.Timestamp("2024-07-01")) / 2
    )
    end, deadline = pd.Timestamp("2025-12-31"), pd.Timestamp("2026-12-31")
    slope = (4.4 - target.baseline) / (end - start).days
    expected = 4.4 + slope * (deadline - end).days
    assert row["current"] == 4.4 and row["status"] == "off track"
    assert row["projected"] == pytest.approx(expected, rel=0.01)


def test_a_missing_feedback_report_is_named_not_skipped():
    run = RunMetrics(run_dir="run", metrics={}, failed=("feedback",), ran=("feedback",))
    summary = build_scorecard([_nps_target()], run=run, observation_end="2025-12-31").summary()
    assert isinstance(summary, pd.DataFrame)
    assert "feedback" in summary.iloc[0]["missing"] and "failed" in summary.iloc[0]["missing"]
