"""Where each target stands: baseline, current value, goal, projection, progress, on/off track.

Method (see also :mod:`loyaltylab.targets.projection`):

* For a KPI target the scorecard receives the KPI's per-period series (one value per week /
  month / quarter, complete periods only). Each period is placed at its midpoint in time. The
  **baseline** is the mean of the periods whose midpoint lies in ``[baseline_start,
  baseline_end]`` (unless ``baseline`` is given explicitly); the **current** value is the mean
  over a trailing window of ``current_months`` months (default 3: the last three monthly
  periods, so one noisy month is not compared with a six-month baseline). The trend is fitted
  through the periods from ``baseline_start`` onwards (all periods if no baseline period is
  set), after the metric's leading zeros (a KPI that is 0 until the program produces it, such
  as breakage before the first points expire, is not a straight line from zero); with fewer
  than ``min_history`` periods left there is **not enough history** to project.
  A share (``*_rate`` or ``*_share`` with values in 0..1) is projected inside 0..1.
* A target read from another report (``source``) has one current value per run, dated by that
  report's ``data.observation_end`` when it writes one (else undated: it is shown as a value
  against its target, not on the time axis). Its trend is the straight line through two
  points, ``(midpoint of the baseline period, baseline)`` (end day included:
  2024-01-01..2024-12-31 → 2024-07-02) and ``(as_of, current)``; without a baseline
  period there is no projection.
* **On track** = the projection reaches the goal in the better direction
  (:meth:`SmartTarget.better_direction <loyaltylab.targets.SmartTarget.better_direction>`).
  Without a projection a target is on track only if the goal is already met, otherwise unknown
  (``None``).
* A target whose **deadline has passed** (the data run past it) is not projected: it has
  **ended**, and is evaluated at the deadline. Its value is that of the last period whose
  midpoint is on or before the deadline (a ``source`` target has only the value of the run,
  which is named as later than the deadline); it **met** the goal if that value reaches it in
  the better direction, else it **missed** it. The status reads "ended — met" or
  "ended — missed"; ``on_track`` is empty (there is no track left) and ``met`` says it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.kpi import read_period_series
from loyaltylab.metrics import get_metric
from loyaltylab.targets.model import SmartTarget, meets_goal
from loyaltylab.targets.projection import (
    TrendProjection,
    period_times,
    progress_toward,
    project_trend,
)

__all__ = ["STATUS_LABELS", "Scorecard", "TargetStatus", "evaluate_target", "evaluate_targets"]

_SERIES_KEYS = frozenset({"freq", "periods", "values"})
_ENDED = {True: "met", False: "missed"}
STATUS_LABELS = (
    "on track",
    "off track",
    "unknown",
    "ended — met",
    "ended — missed",
    "ended — unknown",
)
"""Every status a target can have, in the order the headline counts them."""


@dataclass(frozen=True, eq=False)
class TargetStatus:
    """Where one target stands.

    Attributes
    ----------
    target : SmartTarget
    baseline, current, goal, projected, progress : float or None
        See the module docstring for the method; ``None`` when it could not be computed.
    on_track : bool or None
        ``None`` when unknown.
    missing : str
        Empty, or which number is missing and why (e.g. the source report did not run).
    note : str
        Empty, or a caveat of the method (e.g. no trend from a single value).
    series : pandas.Series or None
        The per-period series behind a KPI target.
    trend : TrendProjection or None
        The fitted line.
    as_of : pandas.Timestamp or None
        Date of the current value.
    ended : bool
        The deadline has passed: ``current`` is the value at the deadline, there is no
        projection and ``on_track`` is ``None``.
    met : bool or None
        For an ended target, whether the value at the deadline reached the goal (``None``
        when a number is missing or the target has not ended).
    current_window : str
        The periods ``current`` is the mean of (``"2025-10..2025-12"``); empty for one value.
    data_source : str
        Where the target's numbers come from (the purchase data, or ``report clv_cdnow``).
    """

    target: SmartTarget
    baseline: float | None
    current: float | None
    goal: float | None
    projected: float | None
    progress: float | None
    on_track: bool | None
    missing: str = ""
    note: str = ""
    series: pd.Series | None = field(default=None, repr=False)
    trend: TrendProjection | None = None
    as_of: pd.Timestamp | None = None
    ended: bool = False
    met: bool | None = None
    current_window: str = ""
    data_source: str = ""

    def status_label(self) -> str:
        """Return the status: one of :data:`STATUS_LABELS`.

        ``"on track"``, ``"off track"`` or ``"unknown"``; once the deadline has passed,
        ``"ended — met"``, ``"ended — missed"`` or ``"ended — unknown"``.
        """
        if self.ended:
            return f"ended — {'unknown' if self.met is None else _ENDED[self.met]}"
        if self.on_track is None:
            return "unknown"
        return "on track" if self.on_track else "off track"


@dataclass(frozen=True, eq=False)
class Scorecard:
    """The status of every target.

    Attributes
    ----------
    statuses : tuple of TargetStatus
    """

    statuses: tuple[TargetStatus, ...]

    def summary(self) -> pd.DataFrame:
        """Return one row per target: baseline, current, goal, projection, progress, status."""
        rows = [
            {
                "target": s.target.name,
                "metric": s.target.metric,
                "source": s.target.source or "kpi",
                "data_source": s.data_source,
                "current_window": s.current_window,
                "owner": s.target.owner,
                "baseline": s.baseline,
                "current": s.current,
                "target_value": s.goal,
                "deadline": s.target.deadline.date(),
                "projected": s.projected,
                "progress": s.progress,
                "status": s.status_label(),
                "missing": s.missing,
                "note": s.note,
            }
            for s in self.statuses
        ]
        columns = [
            "target",
            "metric",
            "source",
            "data_source",
            "current_window",
            "owner",
            "baseline",
            "current",
            "target_value",
            "deadline",
            "projected",
            "progress",
            "status",
            "missing",
            "note",
        ]
        return pd.DataFrame(rows, columns=columns)

    def report_table(self) -> pd.DataFrame:
        """Return the scorecard for a stakeholder page: one row per target, numbers as text.

        Values read in the metric's unit (a share as ``28.9 %``, money in the run's currency,
        progress as a percentage); :meth:`summary` keeps the full numbers.

        Returns
        -------
        pandas.DataFrame
            Columns ``target``, ``data source``, ``owner``, ``deadline``, ``baseline``,
            ``current``, ``target value``, ``projected``, ``progress``, ``status``, ``note``
            (the missing numbers, the current value's periods and the method's caveats).
        """
        rows = []
        for s in self.statuses:
            show = _formatter(s.target)
            window = f"current = mean of {s.current_window}" if ".." in s.current_window else ""
            rows.append(
                {
                    "target": s.target.name,
                    "data source": s.data_source or (s.target.source or "purchase data"),
                    "owner": s.target.owner,
                    "deadline": str(s.target.deadline.date()),
                    "baseline": show(s.baseline),
                    "current": show(s.current),
                    "target value": show(s.goal),
                    "projected": show(s.projected) if s.trend is not None else "no trend",
                    "progress": _percent(s.progress),
                    "status": s.status_label(),
                    "note": "; ".join(part for part in (s.missing, window, s.note) if part),
                }
            )
        return pd.DataFrame(rows, columns=[
            "target", "data source", "owner", "deadline", "baseline", "current",
            "target value", "projected", "progress", "status", "note",
        ])

    def headline(self) -> str:
        """Return one sentence for a manager: how many targets are on track, off track, unknown.

        Examples
        --------
        >>> Scorecard(statuses=()).headline()
        'No targets are configured.'
        """
        count = len(self.statuses)
        if not count:
            return "No targets are configured."
        labels = [status.status_label() for status in self.statuses]
        parts = [f"{labels.count('on track')} of {count} targets are on track"]
        parts += [
            f"{labels.count(label)} {label}"
            for label in STATUS_LABELS[1:]
            if labels.count(label)
        ]
        text = ", ".join(parts) + "."
        gaps = sum(bool(status.missing) for status in self.statuses)
        if gaps:
            text += f" {gaps} target(s) lack a number - see 'What is missing'."
        return text

    def missing(self) -> pd.DataFrame:
        """Return the targets with a missing number and the reason."""
        table = self.summary()
        return table.loc[table["missing"] != "", ["target", "metric", "source", "missing"]]

    def to_metrics(self) -> dict[str, Any]:
        """Return the key numbers for the metrics file.

        ``{"targets": {metric: {baseline, current, target, projected, on_track, status, ended,
        met, ...}}, "n_targets", "n_on_track", "n_ended", "n_missing"}``.
        """
        return {
            "targets": {
                s.target.metric: {
                    "name": s.target.name,
                    "baseline": s.baseline,
                    "current": s.current,
                    "target": s.goal,
                    "projected": s.projected,
                    "progress": s.progress,
                    "on_track": s.on_track,
                    "status": s.status_label(),
                    "ended": s.ended,
                    "met": s.met,
                    "deadline": s.target.deadline,
                    "missing": s.missing,
                    "note": s.note,
                }
                for s in self.statuses
            },
            "n_targets": len(self.statuses),
            "n_on_track": sum(s.on_track is True for s in self.statuses),
            "n_ended": sum(s.ended for s in self.statuses),
            "n_missing": sum(bool(s.missing) for s in self.statuses),
        }


def evaluate_target(
    target: SmartTarget,
    *,
    series: pd.Series | None = None,
    current: float | None = None,
    as_of: Any = None,
    missing: str = "",
    current_months: float = 3.0,
    min_history: int = 6,
    data_source: str = "",
) -> TargetStatus:
    """Compute baseline, current value, goal, projection, progress and on/off track for a target.

    Parameters
    ----------
    target : SmartTarget
    series : pandas.Series, optional
        The KPI's per-period values (complete periods only), indexed by ``PeriodIndex`` or dates.
        Used for KPI targets.
    current : float, optional
        The current value of a ``source`` target, read from another report's metrics.
    as_of : date-like, optional
        Date of ``current`` (the run's observation end); needed for the two-point projection.
    missing : str, default ""
        Why a number is missing, if the caller knows (e.g. "report 'clv_cdnow' did not run").
    current_months : float, default 3
        Trailing window of the current value: the mean of the periods that start within this
        many months before the end of the last period (at the deadline, for an ended target).
    min_history : int, default 6
        Fewest periods (after leading zeros) a trend is fitted through; fewer: "not enough
        history", no projection.
    data_source : str, default ""
        Where the numbers come from, for the page.

    Returns
    -------
    TargetStatus
        A target whose deadline lies before ``as_of`` (or before the last period) has ended:
        evaluated at the deadline, not projected (see the module notes).

    Examples
    --------
    >>> target = SmartTarget(name="aov", metric="aov", deadline="2025-03-31", owner="CRM",
    ...                      baseline=40.0, target_value=46.0)
    >>> months = pd.period_range("2025-01", periods=5, freq="M")
    >>> status = evaluate_target(target, series=pd.Series([45, 46, 47, 39, 38.0], index=months))
    >>> status.status_label(), status.current, status.projected, status.current_window
    ('ended — met', 46.0, None, '2025-01..2025-03')
    """
    baseline = target.baseline
    trend: TrendProjection | None = None
    notes = [missing] if missing else []
    caveats: list[str] = []
    stamp = None if as_of in (None, "") else pd.Timestamp(as_of)
    deadline_end = target.deadline + pd.Timedelta(days=1) - pd.Timedelta(1)
    ended = False
    window = ""
    if series is not None:
        series = series.dropna().sort_index()
        if series.empty and not notes:
            notes.append(f"no complete period with a value of {target.metric!r}")
    if series is not None and not series.empty:
        times = period_times(series.index)
        start, end = target.baseline_start, target.baseline_end
        if baseline is None and start is not None and end is not None:
            end_of_day = end + pd.Timedelta(days=1) - pd.Timedelta(1)
            inside = (times >= start) & (times <= end_of_day)
            if inside.any():
                baseline = float(series[inside].mean())
            else:
                notes.append(
                    f"no period of the data falls in the baseline period "
                    f"{start.date()}..{end.date()} (the data's "
                    f"periods run {times[0].date()}..{times[-1].date()}, by midpoint)"
                )
        if stamp is None:
            stamp = times[-1]
        ended = bool(stamp > deadline_end or times[-1] > deadline_end)
        if ended:
            by_deadline = series[times <= deadline_end]
            if by_deadline.empty:
                current = None
                notes.append(
                    f"the deadline {target.deadline.date()} has passed but no period of the data "
                    f"ends by it (the periods run {times[0].date()}..{times[-1].date()}, by "
                    "midpoint)"
                )
            else:
                current, window = _trailing_mean(by_deadline, current_months)
                caveats.append(
                    f"the deadline {target.deadline.date()} has passed (data to "
                    f"{stamp.date()}): evaluated at the deadline, with the value of "
                    f"{window}"
                )
        else:
            current, window = _trailing_mean(series, current_months)
            fit_on = series
            if target.baseline_start is not None:
                fit_on = series[times >= target.baseline_start]
            trend, caveat = _fit_trend(fit_on, target, min_history)
            if caveat:
                caveats.append(caveat)
    elif current is not None and series is None and stamp is not None and stamp > deadline_end:
        ended = True
        caveats.append(
            f"the deadline {target.deadline.date()} has passed: evaluated with the value of "
            f"{stamp.date()}, the only one there is (later than the deadline)"
        )
    elif current is not None and series is None:
        start, end = target.baseline_start, target.baseline_end
        if baseline is not None and start is not None and end is not None and stamp is not None:
            period_end = end + pd.Timedelta(days=1)  # the end day is included
            middle = start + (period_end - start) / 2
            two_points = pd.Series([baseline, current], index=pd.DatetimeIndex([middle, stamp]))
            trend = project_trend(two_points, target.deadline)
        if trend is None:
            caveats.append("one value per run and no dated baseline: no trend")
    elif not notes:
        notes.append(f"no value for metric {target.metric!r}")
    goal = target.goal(baseline)
    if goal is None and target.relative_change is not None and not notes:
        notes.append("relative goal needs a baseline")
    projected = None if trend is None else trend.projected
    direction = target.better_direction(baseline)
    on_track: bool | None = None
    met: bool | None = None
    if ended:
        if goal is not None and current is not None:
            met = meets_goal(current, goal, direction)
    elif goal is not None:
        reference = projected
        if reference is None and current is not None and meets_goal(current, goal, direction):
            reference = current
        if reference is not None:
            on_track = meets_goal(reference, goal, direction)
    return TargetStatus(
        target=target,
        baseline=baseline,
        current=current,
        goal=goal,
        projected=projected,
        progress=progress_toward(baseline, current, goal),
        on_track=on_track,
        missing="; ".join(notes),
        note="; ".join(caveats),
        series=series,
        trend=trend,
        as_of=stamp,
        ended=ended,
        met=met,
        current_window=window,
        data_source=data_source,
    )


def _trailing_mean(series: pd.Series, months: float) -> tuple[float, str]:
    """Return the mean of the periods starting within ``months`` months before the series' end.

    Returns the mean and the periods it covers (``"2025-10..2025-12"``, one label for one).
    """
    index = series.index
    if isinstance(index, pd.PeriodIndex):
        starts = pd.DatetimeIndex(index.start_time)
        end = index[-1].end_time
    else:
        starts = pd.DatetimeIndex(pd.to_datetime(index))
        end = starts[-1]
    whole, rest = divmod(float(months), 1.0)
    since = end - pd.DateOffset(months=int(whole)) - pd.Timedelta(days=30.44 * rest)
    inside = np.asarray(starts > since)
    inside[-1] = True
    chosen = series[inside]
    first, last = _period_label(chosen.index[0]), _period_label(chosen.index[-1])
    return float(chosen.mean()), first if first == last else f"{first}..{last}"


def _fit_trend(
    series: pd.Series, target: SmartTarget, min_history: int
) -> tuple[TrendProjection | None, str]:
    """Fit the trend after the metric's leading zeros; ``None`` with a reason when it cannot."""
    values = series.to_numpy(dtype=float)
    notes: list[str] = []
    nonzero = np.flatnonzero(values != 0)
    if len(nonzero) and nonzero[0] > 0:
        start = int(nonzero[0])
        notes.append(
            f"{target.metric} is 0 until {_period_label(series.index[start - 1])}: the trend "
            f"starts at {_period_label(series.index[start])}"
        )
        series = series.iloc[start:]
    if len(series) < max(min_history, 2):
        notes.append(
            f"not enough history to project: {len(series)} period(s) to fit, needs {min_history}"
        )
        return None, "; ".join(notes)
    trend = project_trend(series, target.deadline)
    share = target.metric.endswith(("_rate", "_share")) and bool(
        ((values >= 0) & (values <= 1)).all()
    )
    if trend is not None and share and not 0.0 <= trend.projected <= 1.0:
        clipped = min(max(trend.projected, 0.0), 1.0)
        notes.append(f"the straight line leaves 0..1 by the deadline: projected at {clipped:g}")
        trend = TrendProjection(
            intercept=trend.intercept,
            slope_per_day=trend.slope_per_day,
            origin=trend.origin,
            n_points=trend.n_points,
            deadline=trend.deadline,
            projected=clipped,
        )
    return trend, "; ".join(notes)


def _period_label(label: Any) -> str:
    """Return a period as people write it (``2025-03``), a timestamp as its day."""
    if isinstance(label, pd.Period):
        return str(label)
    return str(pd.Timestamp(label).date())


def _formatter(target: SmartTarget) -> Any:
    """Return how a target's values read: by its ``unit`` or its KPI's unit."""
    from loyaltylab.display import MISSING, format_money, format_number, format_percent
    from loyaltylab.kpi import KPI_DEFINITIONS

    unit = target.unit or {name: u for name, _, u in KPI_DEFINITIONS}.get(target.metric, "")
    text = str(unit).lower()

    def show(value: float | None) -> str:
        if value is None or not np.isfinite(value):
            return MISSING
        if text.startswith("share") or target.metric.endswith(("_rate", "_share")):
            return format_percent(value)
        if text.startswith("currency"):
            return format_money(value)
        return format_number(value)

    return show


def _percent(value: float | None) -> str:
    """Return a progress share as ``'-84 %'`` (``n/a`` when there is none)."""
    from loyaltylab.display import MISSING

    if value is None or not np.isfinite(value):
        return MISSING
    return f"{100 * value:.0f} %"


def evaluate_targets(
    targets: Sequence[SmartTarget],
    *,
    kpi_series: Mapping[str, pd.Series] | None = None,
    run_metrics: Mapping[str, Mapping[str, Any]] | None = None,
    as_of: Any = None,
    failed_reports: Sequence[str] = (),
    kpi_notes: Mapping[str, str] | None = None,
    current_months: float = 3.0,
    min_history: int = 6,
    data_source: str = "",
) -> Scorecard:
    """Evaluate every target against KPI series and the metrics of the other reports of a run.

    Parameters
    ----------
    targets : sequence of SmartTarget
        From :func:`load_targets`.
    kpi_series : mapping of str to pandas.Series, optional
        Per-period series of the KPI targets, keyed by KPI name.
    run_metrics : mapping, optional
        ``{report name: metrics}`` as returned by :func:`loyaltylab.metrics.read_run_metrics`.
        A ``source`` target reads the number at its dotted ``metric`` key; if that key holds a
        per-period series (``{"freq", "periods", "values"}``, as in the ``kpi_by_period``
        section of :func:`loyaltylab.kpi.period_series_metrics`), the series is used.
    as_of : date-like, optional
        Date of the values read from ``run_metrics`` (the observation end).
    failed_reports : sequence of str, default ()
        Reports of the run that failed; named in the "missing" note of their targets.
    kpi_notes : mapping of str to str, optional
        Why a KPI has no series (e.g. "needs members and ledger"), by KPI name.
    current_months, min_history : float, int
        See :func:`evaluate_target`.
    data_source : str, default ""
        What the KPI targets are computed on (the purchase data's name), shown per target.

    Returns
    -------
    Scorecard
        A target whose number is unavailable still gets a row, with ``missing`` saying why.
    """
    kpi_series = kpi_series or {}
    run_metrics = run_metrics or {}
    kpi_notes = kpi_notes or {}
    statuses = []
    for target in targets:
        if target.source is None:
            series = kpi_series.get(target.metric)
            note = ""
            if series is None:
                note = kpi_notes.get(target.metric, f"KPI {target.metric!r} not computed")
            statuses.append(
                evaluate_target(
                    target, series=series, as_of=as_of, missing=note,
                    current_months=current_months, min_history=min_history,
                    data_source=data_source or "purchase data",
                )
            )
            continue
        report = run_metrics.get(target.source)
        value = None if report is None else get_metric(report, target.metric)
        series = None
        note = ""
        if report is None:
            why = "failed" if target.source in failed_reports else "did not run or wrote no metrics"
            note = f"report {target.source!r} {why}"
        elif isinstance(value, Mapping) and _SERIES_KEYS <= set(value):
            series = read_period_series({target.metric: value})[target.metric]
            value = None
        elif not isinstance(value, int | float) or isinstance(value, bool):
            note = f"report {target.source!r} has no number at {target.metric!r}"
            value = None
        dated = None if report is None else get_metric(report, "data.observation_end")
        label = f"report {target.source}"
        if series is not None and len(series):
            label += f" (its series to {_period_label(series.index[-1])})"
        elif dated not in (None, ""):
            label += f" (data to {pd.Timestamp(dated).date()})"
        elif report is not None:
            label += " (undated: that report's own data period)"
        statuses.append(
            evaluate_target(
                target, series=series, current=value,
                as_of=dated if dated not in (None, "") else as_of,
                missing=note, current_months=current_months, min_history=min_history,
                data_source=label,
            )
        )
    return Scorecard(statuses=tuple(statuses))
