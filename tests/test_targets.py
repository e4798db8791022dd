"""Tests of loyaltylab.targets: SMART targets from reports.yaml, progress and trend projection.

Every expected number below is computed by hand in the comment next to it (least squares on a
few points, progress as a fraction of the way from baseline to goal), never by the code under test.
"""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from loyaltylab.errors import ConfigError, ParameterError
from loyaltylab.targets import (
    KPI_METRICS,
    evaluate_target,
    evaluate_targets,
    load_targets,
    plot_scorecard,
    progress_toward,
    project_trend,
)


def _target(**overrides):
    entry = {
        "name": "retention_plus_20",
        "metric": "retention_rate",
        "baseline_start": "2024-01-01",
        "baseline_end": "2024-01-28",
        "relative_change": 0.20,
        "deadline": "2024-12-30",
        "owner": "CRM lead",
    }
    entry.update(overrides)
    return {key: value for key, value in entry.items() if value is not None}


def _load_error(**overrides) -> str:
    with pytest.raises(ConfigError) as info:
        load_targets({"targets": [_target(**overrides)]})
    return str(info.value)


# --- loading -------------------------------------------------------------------------------


def test_load_targets_reads_the_reports_yaml_section(tmp_path):
    path = tmp_path / "reports.yaml"
    path.write_text(
        "reports: []\n"
        "targets:\n"
        "  - name: retention_plus_20\n"
        "    metric: retention_rate\n"
        "    baseline_start: 2024-01-01\n"
        "    baseline_end: 2024-12-31\n"
        "    relative_change: 0.20\n"
        "    deadline: 2025-12-31\n"
        "    owner: CRM lead\n"
        "  - name: clv_total\n"
        "    metric: clv.total\n"
        "    source: clv_cdnow\n"
        "    target_value: 150000\n"
        "    deadline: 2026-06-30\n"
        "    owner: CFO\n"
    )
    retention, clv = load_targets(path)
    assert retention.baseline_start == pd.Timestamp("2024-01-01")
    assert retention.baseline_end == pd.Timestamp("2024-12-31")
    assert retention.relative_change == 0.20 and retention.target_value is None
    assert retention.deadline == pd.Timestamp("2025-12-31")
    assert clv.source == "clv_cdnow" and clv.target_value == 150000.0
    assert clv.baseline is None and clv.baseline_start is None


def test_a_config_without_targets_gives_none():
    assert load_targets({"reports": []}) == ()


def test_the_projects_reports_yaml_targets_are_valid():
    from loyaltylab.paths import reports_config

    targets = {target.metric: target for target in load_targets(reports_config())}
    # issue 3: "retention +20 %, AOV +15 %, repeat purchases +10 %", plus a metric of another report
    assert targets["retention_rate"].relative_change == 0.20
    assert targets["aov"].relative_change == 0.15
    assert targets["repeat_purchase_rate"].relative_change == 0.10
    assert any(target.source for target in targets.values())


def test_unknown_metric_is_a_config_error():
    message = _load_error(metric="retension_rate")
    assert "unknown metric 'retension_rate'" in message and "retention_rate" in message
    assert "targets[0]: target 'retention_plus_20'" in message  # the YAML path and the name


def test_a_metric_from_another_report_needs_source_and_is_then_accepted():
    assert "unknown metric 'clv.total'" in _load_error(
        metric="clv.total", relative_change=None, target_value=1.0
    )
    (target,) = load_targets([_target(metric="clv.total", source="clv_cdnow", baseline=100.0)])
    assert target.goal() == pytest.approx(120.0)  # 100 * (1 + 0.20)


def test_relative_target_without_baseline_is_a_config_error():
    message = _load_error(baseline_start=None, baseline_end=None)
    assert "relative target without baseline" in message
    message = _load_error(
        metric="clv.total", source="clv_cdnow", baseline_start=None, baseline_end=None
    )
    assert "relative target without baseline" in message and "'baseline' value" in message
    # an absolute target needs no baseline
    assert load_targets(
        [_target(baseline_start=None, baseline_end=None, relative_change=None, target_value=0.4)]
    )


def test_deadline_before_the_baseline_is_a_config_error():
    message = _load_error(deadline="2024-01-15")
    assert "deadline 2024-01-15 is not after the baseline period ending 2024-01-28" in message


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"owner": None}, "targets[0].owner: Field required"),
        ({"target_value": 0.5}, "exactly one of 'target_value' and 'relative_change'"),
        ({"relative_change": None}, "exactly one of 'target_value' and 'relative_change'"),
        ({"deadline": "end of next year"}, "targets[0].deadline: not a date"),
        ({"relative_change": "twenty percent"}, "targets[0].relative_change: Input should be a va"),
        ({"relative_change": -1.5}, "'relative_change' must be > -1"),
        ({"baseline_end": None}, "needs both 'baseline_start' and 'baseline_end'"),
        ({"baseline_end": "2023-12-01"}, "baseline_end 2023-12-01 is before baseline_start"),
        ({"deadlne": "2025-01-01"}, "targets[0].deadlne: unknown key"),
        ({"direction": "up"}, "targets[0].direction: Input should be 'increase' or 'decrease'"),
    ],
)
def test_each_invalid_target_is_named(overrides, expected):
    assert expected in _load_error(**overrides)


def test_all_problems_are_reported_in_one_error_with_a_count():
    entries = [_target(name="a", metric="nope"), _target(name="b", owner=None), "not a mapping"]
    with pytest.raises(ConfigError) as info:
        load_targets({"targets": entries})
    message = str(info.value)
    assert message.startswith("the targets: 3 problems:")
    assert "targets[0]: target 'a'" in message and "targets[1].owner" in message
    assert "targets[2]: Input should be a valid dictionary" in message


def test_duplicate_names_and_metrics_are_rejected():
    with pytest.raises(ConfigError, match="duplicate target name"):
        load_targets([_target(), _target(metric="aov")])
    with pytest.raises(ConfigError, match="duplicate target metric"):
        load_targets([_target(), _target(name="other")])


def test_kpi_metrics_cover_the_issue_examples():
    # issue 3: "retention +20 %, AOV +15 %, repeat purchases +10 %"
    assert {"retention_rate", "aov", "repeat_purchase_rate"} <= set(KPI_METRICS)


# --- projection and progress (hand computations) --------------------------------------------


def test_project_trend_matches_a_hand_least_squares_fit():
    # x = 0, 10, 20 days, y = 0.30, 0.34, 0.32: xbar = 10, ybar = 0.32,
    # Sxy = (-10)(-0.02) + 0 + 10(0) = 0.2, Sxx = 200 -> slope 0.001/day, intercept 0.31;
    # at day 40: 0.31 + 0.04 = 0.35
    series = pd.Series(
        [0.30, 0.34, 0.32], index=pd.to_datetime(["2025-01-01", "2025-01-11", "2025-01-21"])
    )
    trend = project_trend(series, "2025-02-10")
    assert trend.slope_per_day == pytest.approx(0.001)
    assert trend.intercept == pytest.approx(0.31)
    assert trend.projected == pytest.approx(0.35)
    assert trend.n_points == 3


def test_project_trend_places_periods_at_their_midpoints():
    # January's midpoint is day 15.5 after 2025-01-01, February's is 31 + 14 = day 45;
    # values 1 and 2 -> slope 1/29.5 per day; 2025-03-31 is day 89:
    # 1 + (89 - 15.5) / 29.5 = 3.491525...
    series = pd.Series([1.0, 2.0], index=pd.period_range("2025-01", periods=2, freq="M"))
    assert project_trend(series, "2025-03-31").projected == pytest.approx(1 + 73.5 / 29.5)


def test_project_trend_needs_two_points_and_no_gaps():
    assert (
        project_trend(pd.Series([1.0], index=pd.to_datetime(["2025-01-01"])), "2026-01-01") is None
    )
    with pytest.raises(ParameterError, match="1 missing value"):
        project_trend(
            pd.Series([1.0, None], index=pd.to_datetime(["2025-01-01", "2025-02-01"])), "2026-01-01"
        )


def test_progress_toward_hand_values():
    assert progress_toward(40.0, 43.0, 46.0) == pytest.approx(0.5)
    assert progress_toward(0.30, 0.27, 0.36) == pytest.approx(-0.5)  # moved the wrong way
    assert progress_toward(0.30, 0.24, 0.20) == pytest.approx(0.6)  # a decrease target
    assert progress_toward(None, 1.0, 2.0) is None
    assert progress_toward(1.0, 1.0, 1.0) is None


def _weekly_retention(weeks: int) -> pd.Series:
    # exactly linear: 0.30 + 0.002 k for week k, dated 2024-01-01 + 7 k days
    index = pd.date_range("2024-01-01", periods=weeks, freq="7D")
    return pd.Series([0.30 + 0.002 * k for k in range(weeks)], index=index, name="retention_rate")


def test_evaluate_kpi_target_by_hand():
    (target,) = load_targets([_target()])
    status = evaluate_target(target, series=_weekly_retention(10))
    # baseline period 2024-01-01..2024-01-28 holds weeks 0..3: mean 0.30 + 0.002 * 1.5 = 0.303
    assert status.baseline == pytest.approx(0.303)
    assert status.goal == pytest.approx(0.3636)  # 0.303 * 1.2
    # current: the trailing three months (weeks dated after 2023-12-04, i.e. all ten weeks):
    # mean 0.30 + 0.002 * 4.5 = 0.309
    assert status.current == pytest.approx(0.309)
    assert status.current_window == "2024-01-01..2024-03-04"
    assert status.progress == pytest.approx(0.006 / 0.0606)  # (0.309 - 0.303) / (0.3636 - 0.303)
    # the line is exact: 2024-12-30 is day 364 = week 52 -> 0.30 + 0.104 = 0.404 >= 0.3636
    assert status.projected == pytest.approx(0.404)
    assert status.on_track is True and status.missing == ""


def test_evaluate_kpi_target_off_track_by_hand():
    (target,) = load_targets([_target(deadline="2024-06-03")])
    status = evaluate_target(target, series=_weekly_retention(10))
    # 2024-06-03 is day 154 = week 22 -> 0.30 + 0.044 = 0.344 < 0.3636
    assert status.projected == pytest.approx(0.344)
    assert status.on_track is False


def test_decrease_target_uses_the_other_comparison():
    churn = _target(name="churn_down", metric="churn_rate", relative_change=-0.25)
    (target,) = load_targets([churn])
    series = pd.Series(
        [0.40, 0.38, 0.36, 0.34, 0.32, 0.30],
        index=pd.date_range("2024-01-01", periods=6, freq="7D"),
    )
    status = evaluate_target(target, series=series)
    # baseline weeks 0..3: 0.37; goal 0.37 * 0.75 = 0.2775; slope -0.02/week;
    # 2024-12-30 = week 52 -> 0.40 - 1.04 = -0.64, a share: kept in 0..1 -> 0 <= 0.2775
    assert status.baseline == pytest.approx(0.37)
    assert status.goal == pytest.approx(0.2775)
    assert status.projected == 0.0 and "leaves 0..1" in status.note
    assert status.on_track is True
    # current: mean of all six weeks (inside the trailing three months) = 0.35
    assert status.progress == pytest.approx((0.35 - 0.37) / (0.2775 - 0.37))


def test_source_target_two_point_projection_by_hand():
    entry = _target(
        name="clv_up",
        metric="clv.total",
        source="clv_cdnow",
        baseline=1000.0,
        baseline_start="2024-01-01",
        baseline_end="2024-12-31",
        relative_change=0.15,
        deadline="2026-07-02",
    )
    (target,) = load_targets([entry])
    scorecard = evaluate_targets(
        [target], run_metrics={"clv_cdnow": {"clv": {"total": 1100.0}}}, as_of="2025-07-02"
    )
    (status,) = scorecard.statuses
    # baseline period midpoint 2024-07-02 (183 days after 2024-01-01), as_of 365 days later:
    # +100 per 365 days; deadline another 365 days later -> 1200 >= goal 1150
    assert status.goal == pytest.approx(1150.0)
    assert status.projected == pytest.approx(1200.0)
    assert status.progress == pytest.approx(100.0 / 150.0)
    assert status.on_track is True
    metrics = scorecard.to_metrics()["targets"]["clv.total"]
    assert metrics["baseline"] == 1000.0 and metrics["current"] == 1100.0
    assert metrics["target"] == pytest.approx(1150.0) and metrics["on_track"] is True


def test_missing_numbers_are_named_not_dropped():
    targets = load_targets(
        [
            _target(),
            _target(
                name="clv_abs",
                metric="clv.total",
                source="clv_cdnow",
                relative_change=None,
                target_value=5.0,
            ),
            _target(
                name="aov_abs",
                metric="aov",
                source="customers",
                relative_change=None,
                target_value=50.0,
            ),
        ]
    )
    scorecard = evaluate_targets(
        targets, kpi_series={}, run_metrics={"customers": {"kpi": {}}}, failed_reports=["clv_cdnow"]
    )
    table = scorecard.summary()
    assert list(table["target"]) == ["retention_plus_20", "clv_abs", "aov_abs"]
    assert list(table["status"]) == ["unknown"] * 3
    notes = dict(zip(table["target"], table["missing"], strict=True))
    assert "KPI 'retention_rate' not computed" in notes["retention_plus_20"]
    assert "report 'clv_cdnow' failed" in notes["clv_abs"]
    assert "report 'customers' has no number at 'aov'" in notes["aov_abs"]
    assert len(scorecard.missing()) == 3
    metrics = scorecard.to_metrics()
    assert metrics["n_missing"] == 3 and metrics["targets"]["aov"]["current"] is None


def test_a_relative_source_target_on_one_value_per_run_reports_its_missing_baseline():
    # a baseline period is enough for a series from another report, not for a single number
    (target,) = load_targets([_target(metric="clv.total", source="clv_cdnow")])
    scorecard = evaluate_targets([target], run_metrics={"clv_cdnow": {"clv": {"total": 5.0}}})
    (status,) = scorecard.statuses
    assert status.current == 5.0 and status.goal is None and status.on_track is None
    assert "relative goal needs a baseline" in status.missing


def test_an_absolute_goal_already_met_without_trend_is_on_track():
    (target,) = load_targets(
        [
            _target(
                metric="clv.total",
                source="r",
                baseline_start=None,
                baseline_end=None,
                relative_change=None,
                target_value=10.0,
            )
        ]
    )
    status = evaluate_target(target, current=12.0)
    assert status.projected is None and status.on_track is True
    assert status.missing == "" and "no trend" in status.note
    assert evaluate_target(target, current=8.0).on_track is None


def test_plot_scorecard_draws_one_labelled_chart_per_target():
    targets = load_targets([_target(), _target(name="aov_up", metric="aov", relative_change=0.15)])
    series = {"retention_rate": _weekly_retention(10)}
    scorecard = evaluate_targets(targets, kpi_series=series)
    axes = plot_scorecard(scorecard, units={"retention_rate": "share of customers"})
    assert len(axes) == 2
    assert axes[0].get_title() == "retention_plus_20: on track"
    assert axes[0].get_ylabel() == "retention_rate (share of customers)"
    assert axes[1].get_title().endswith("(numbers missing)")
    assert all(ax.get_xlabel() for ax in axes)


def test_report_table_rounds_for_the_page_and_joins_the_notes():
    targets = load_targets([_target(), _target(name="aov_up", metric="aov", relative_change=0.15)])
    scorecard = evaluate_targets(targets, kpi_series={"retention_rate": _weekly_retention(10)})
    table = scorecard.report_table().set_index("target")
    row = table.loc["retention_plus_20"]
    # baseline 0.303, goal 0.3636, current 0.309, progress 0.006 / 0.0606 = 9.9 % -> "10 %"
    assert row["baseline"] == "30.3 %" and row["target value"] == "36.4 %"
    assert row["current"] == "30.9 %" and row["projected"] == "40.4 %"
    assert row["progress"] == "10 %" and row["status"] == "on track"
    assert row["note"] == "current = mean of 2024-01-01..2024-03-04"
    assert row["data source"] == "purchase data"
    assert table.loc["aov_up", "note"] == "KPI 'aov' not computed"
    assert table.loc["aov_up", "current"] == "n/a"
    assert scorecard.headline() == (
        "1 of 2 targets are on track, 1 unknown. 1 target(s) lack a number - see 'What is missing'."
    )


def test_an_empty_series_is_reported_missing():
    (target,) = load_targets([_target()])
    empty = pd.Series([float("nan")], index=pd.to_datetime(["2024-01-01"]))
    status = evaluate_target(target, series=empty)
    assert status.current is None and status.on_track is None
    assert "no complete period with a value of 'retention_rate'" in status.missing


def test_a_baseline_period_outside_the_data_is_named():
    (target,) = load_targets([_target(baseline_start="2023-01-01", baseline_end="2023-06-30")])
    status = evaluate_target(target, series=_weekly_retention(3))
    assert status.baseline is None and status.goal is None and status.on_track is None
    assert "no period of the data falls in the baseline period 2023-01-01..2023-06-30" in (
        status.missing
    )
    assert "2024-01-01..2024-01-15" in status.missing  # weeks 0..2 of the series


# --- one goal and direction rule (issue 8) --------------------------------------------------


def test_rewards_comparison_uses_the_targets_goal_and_direction_rule():
    # issue 8 drift: rewards/scorecard.py decided "better" by the metric's name only (breakage:
    # lower is better) while the targets used the goal against the baseline. A breakage target
    # of 0.25 on a baseline of 0.15 wants *more* breakage: the scorecard called 0.20 progress
    # (0.25 not yet reached, so not met), rewards called it met (0.20 <= 0.25).
    from loyaltylab.rewards.scorecard import compare_with_targets
    from loyaltylab.rewards.uncertainty import MonteCarloResult

    (target,) = load_targets(
        [
            _target(
                name="breakage_up",
                metric="breakage_rate",
                baseline_start=None,
                baseline_end=None,
                baseline=0.15,
                relative_change=None,
                target_value=0.25,
            )
        ]
    )
    status = evaluate_target(target, current=0.20)
    assert target.better_direction() == "increase" and status.progress == pytest.approx(0.5)
    draws = pd.DataFrame({"draw": [0, 1, 2], "program": "points", "breakage_rate": 0.20})
    outcome = MonteCarloResult(
        draws=draws, parameters=pd.DataFrame(), interval=0.8, n_customers=1, horizon_weeks=52
    )
    (row,) = compare_with_targets(outcome, [target]).to_dict("records")
    assert row["goal"] == status.goal == 0.25
    assert row["meets"] is False and row["probability"] == 0.0  # as the scorecard: not reached
    # a relative target reads its goal through the same rule: 46 on a baseline of 40 is +15 %
    aov = target.model_copy(update={"metric": "aov", "target_value": 46.0, "baseline": 40.0})
    assert aov.relative_goal() == pytest.approx(0.15) and aov.goal() == 46.0


def test_without_a_baseline_the_metric_says_which_way_is_better():
    # an absolute churn target without baseline or direction: lower is better (it used to
    # count as "increase" in the scorecard and "decrease" in the rewards comparison)
    churn = _target(
        name="churn_cap",
        metric="churn_rate",
        baseline_start=None,
        baseline_end=None,
        relative_change=None,
        target_value=0.3,
    )
    (target,) = load_targets([churn])
    assert target.better_direction() == "decrease"
    assert evaluate_target(target, current=0.25).on_track is True  # 0.25 <= 0.3: goal met
    assert evaluate_target(target, current=0.35).on_track is None  # not met, no trend


# ----------------------------------------------------------------------------------------------
# issue 9: a target whose deadline has passed was projected backwards with no note; it has now
# ended and is evaluated at the deadline ("ended — met" / "ended — missed")


def test_an_ended_target_is_evaluated_at_the_deadline_not_projected():
    (target,) = load_targets([_target(deadline="2024-02-19")])
    status = evaluate_target(target, series=_weekly_retention(10), as_of="2024-03-10")
    # baseline weeks 0..3: 0.303, goal 0.3636. The deadline 2024-02-19 is week 7 (day 49):
    # the value there is the mean of the three months to it: weeks 0..7, 0.30 + 0.002 * 3.5 =
    # 0.307 < 0.3636 -> missed; weeks 8 and 9 are after it
    assert status.ended is True and status.projected is None and status.trend is None
    assert status.current == pytest.approx(0.307)
    assert status.met is False and status.on_track is None
    assert status.status_label() == "ended — missed"
    assert "the deadline 2024-02-19 has passed (data to 2024-03-10)" in status.note
    assert "value of 2024-01-01..2024-02-19" in status.note
    assert status.progress == pytest.approx(0.004 / 0.0606)  # (0.307 - 0.303) / (0.3636 - 0.303)


def test_an_ended_target_met_by_the_deadline_stays_met_when_it_falls_later():
    target = load_targets(
        [
            _target(
                baseline=40.0,
                relative_change=None,
                target_value=46.0,
                metric="aov",
                name="aov",
                baseline_start=None,
                baseline_end=None,
                deadline="2025-03-31",
            )
        ]
    )[0]
    months = pd.period_range("2025-01", periods=6, freq="M")
    # the three months to the deadline average (45 + 46 + 47) / 3 = 46 >= 46; April-June fall
    # to 38: judged at the deadline
    series = pd.Series([45.0, 46.0, 47.0, 39.0, 38.0, 38.0], index=months)
    status = evaluate_target(target, series=series)
    assert status.current == 46.0 and status.met is True
    assert status.status_label() == "ended — met"
    assert "value of 2025-01..2025-03" in status.note
    # decrease: the same numbers against a goal of at most 42 are missed at the deadline
    churn = load_targets(
        [
            _target(
                name="churn",
                metric="churn_rate",
                baseline=0.5,
                relative_change=None,
                target_value=0.42,
                baseline_start=None,
                baseline_end=None,
                deadline="2025-03-31",
            )
        ]
    )[0]
    churn_series = series / 100
    assert evaluate_target(churn, series=churn_series).status_label() == "ended — missed"
    assert evaluate_target(churn, series=churn_series.iloc[:2] + 0.0).ended is False


def test_an_ended_target_without_a_period_by_the_deadline_names_it():
    target = load_targets(
        [_target(deadline="2023-12-15", baseline=0.3, baseline_start=None, baseline_end=None)]
    )[0]
    status = evaluate_target(target, series=_weekly_retention(4))
    assert status.status_label() == "ended — unknown" and status.current is None
    assert "no period of the data ends by it" in status.missing


def test_an_ended_source_target_says_its_value_is_later_than_the_deadline():
    entry = _target(
        name="clv_up",
        metric="clv.total",
        source="clv_cdnow",
        baseline=1000.0,
        baseline_start="2024-01-01",
        baseline_end="2024-12-31",
        relative_change=0.15,
        deadline="2025-06-30",
    )
    (target,) = load_targets([entry])
    scorecard = evaluate_targets(
        [target], run_metrics={"clv_cdnow": {"clv": {"total": 1200.0}}}, as_of="2025-07-02"
    )
    (status,) = scorecard.statuses
    assert status.projected is None and status.met is True  # 1200 >= 1150
    assert status.status_label() == "ended — met"
    assert "value of 2025-07-02, the only one there is (later than the deadline)" in status.note
    metrics = scorecard.to_metrics()
    entry_metrics = metrics["targets"]["clv.total"]
    assert entry_metrics["status"] == "ended — met"
    assert entry_metrics["ended"] is True and entry_metrics["met"] is True
    assert entry_metrics["on_track"] is None and entry_metrics["projected"] is None
    assert metrics["n_ended"] == 1 and metrics["n_on_track"] == 0
    assert "1 ended — met" in scorecard.headline()
    assert scorecard.report_table().set_index("target").loc["clv_up", "status"] == "ended — met"


def test_a_target_whose_deadline_is_ahead_is_still_projected():
    (target,) = load_targets([_target()])
    status = evaluate_target(target, series=_weekly_retention(10), as_of="2024-03-10")
    assert status.ended is False and status.met is None
    assert status.projected == pytest.approx(0.404) and status.status_label() == "on track"
    assert (
        evaluate_targets([target], kpi_series={}).to_metrics()["targets"]["retention_rate"][
            "status"
        ]
        == "unknown"
    )


# ----------------------------------------------------------------------------------------------
# issue 12: "current" is a trailing window, the trend does not run a line through a series that
# starts at zero, and a number from another report is labelled with its own data


def test_current_is_the_trailing_three_months_not_the_last_month():
    (target,) = load_targets([_target(baseline_start="2024-01-01", baseline_end="2024-06-30",
                                      deadline="2025-12-31")])
    months = pd.period_range("2024-01", periods=12, freq="M")
    values = [0.30] * 9 + [0.33, 0.36, 0.27]  # December alone is a dip
    status = evaluate_target(target, series=pd.Series(values, index=months))
    assert status.current == pytest.approx(0.32)  # (0.33 + 0.36 + 0.27) / 3
    assert status.current_window == "2024-10..2024-12"
    assert status.baseline == pytest.approx(0.30)
    one_month = evaluate_target(target, series=pd.Series(values, index=months), current_months=1)
    assert one_month.current == pytest.approx(0.27)


def test_a_hockey_stick_is_not_a_straight_line_from_zero():
    breakage = _target(name="breakage_cap", metric="breakage_rate", baseline_start=None,
                       baseline_end=None, relative_change=None, target_value=0.20,
                       direction="decrease", deadline="2025-12-31")
    (target,) = load_targets([breakage])
    months = pd.period_range("2024-01", periods=18, freq="M")
    # 0 for 12 months, then 0.02 more each month: 0.02 .. 0.12 (the issue's 0 -> 0.129)
    values = [0.0] * 12 + [0.02 * k for k in range(1, 7)]
    status = evaluate_target(target, series=pd.Series(values, index=months))
    # fitted on the six non-zero months only: +0.02 a month, exact. Mid-June 2025 = 0.12; the
    # deadline 2025-12-31 is 199.5 days after the June midpoint (2025-06-15 12:00):
    # 0.12 + 0.02 * 12 / 365 * 199.5 = 0.2512 > 0.20 -> off track (the line through all 18
    # months, from zero, would say about 0.15 and "on track")
    slope_per_day = 0.02 * 12 / 365
    assert status.trend.n_points == 6
    assert status.projected == pytest.approx(0.12 + slope_per_day * 199.5, rel=2e-2)
    assert status.on_track is False
    assert "breakage_rate is 0 until 2024-12: the trend starts at 2025-01" in status.note


def test_not_enough_history_to_project():
    (target,) = load_targets([_target(deadline="2025-12-31")])
    status = evaluate_target(target, series=_weekly_retention(4))
    assert status.trend is None and status.projected is None and status.on_track is None
    assert "not enough history to project: 4 period(s) to fit, needs 6" in status.note
    assert status.status_label() == "unknown"


def test_a_value_from_another_report_carries_its_own_source_and_date():
    entry = _target(name="clv_total", metric="clv.total", source="clv_cdnow", baseline=None,
                    baseline_start=None, baseline_end=None, relative_change=None,
                    target_value=75000.0, deadline="2026-12-31")
    (target,) = load_targets([entry])
    undated = evaluate_targets([target], run_metrics={"clv_cdnow": {"clv": {"total": 80000.0}}},
                               as_of="2025-12-31", data_source="synthetic")
    (status,) = undated.statuses
    assert status.data_source == "report clv_cdnow (undated: that report's own data period)"
    assert status.on_track is True  # 80,000 >= 75,000 already
    dated = evaluate_targets(
        [target],
        run_metrics={"clv_cdnow": {"clv": {"total": 80000.0},
                                   "data": {"observation_end": "1998-06-30"}}},
        as_of="2025-12-31",
    )
    (status,) = dated.statuses
    assert status.data_source == "report clv_cdnow (data to 1998-06-30)"
    assert status.as_of == pd.Timestamp("1998-06-30")  # not the scorecard's 2025-12-31


def test_a_single_value_is_drawn_against_its_target_not_as_a_lonely_dot():
    entry = _target(name="clv_total", metric="clv.total", source="clv_cdnow", baseline=None,
                    baseline_start=None, baseline_end=None, relative_change=None,
                    target_value=75000.0, deadline="2026-12-31", unit="currency")
    (target,) = load_targets([entry])
    card = evaluate_targets([target], run_metrics={"clv_cdnow": {"clv": {"total": 60000.0}}})
    (ax,) = plot_scorecard(card)
    assert [p.get_width() for p in ax.patches] == [60000.0]  # a bar, not a dot on a time axis
    assert ax.get_xlabel() == "clv.total (currency)"
    assert "report clv_cdnow" in ax.get_title()


def test_a_series_from_another_report_is_labelled_with_its_own_last_period():
    entry = _target(name="freq", metric="kpi_by_period.purchase_frequency",
                    source="customers_loyalty", baseline=None, baseline_start=None,
                    baseline_end=None, relative_change=None, target_value=2.0,
                    deadline="2026-12-31")
    (target,) = load_targets([entry])
    series = {"freq": "Q-DEC", "periods": ["2024-01-01", "2024-04-01"], "values": [1.0, 1.5]}
    metrics = {"customers_loyalty": {"kpi_by_period": {"purchase_frequency": series}}}
    card = evaluate_targets([target], run_metrics=metrics)
    assert card.statuses[0].data_source == "report customers_loyalty (its series to 2024Q2)"
