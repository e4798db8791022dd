"""SMART targets of a loyalty program and their progress: baseline → goal by a deadline.

A target says *which* number should move (``metric``: a KPI name of :mod:`loyaltylab.kpi`, or a
dotted key of another report's metrics file together with ``source``), *from where* (a baseline
period and/or a baseline value), *how far* (an absolute ``target_value`` or a ``relative_change``
such as ``+0.20`` for "+20 %"), *by when* (``deadline``) and *who* answers for it (``owner``).
Targets live in the ``targets:`` section of ``reports.yaml`` and are read with :func:`load_targets`;
:func:`evaluate_targets` turns them into a :class:`Scorecard` (baseline, current value, goal,
progress, projection to the deadline, on/off track) and :func:`plot_scorecard` draws one chart per
target.

Method (documented once, used everywhere):

* For a KPI target the scorecard receives the KPI's per-period series (one value per week /
  month / quarter, complete periods only). Each period is placed at its midpoint in time. The
  **baseline** is the mean of the periods whose midpoint lies in ``[baseline_start,
  baseline_end]`` (unless ``baseline`` is given explicitly); the **current** value is the last
  period.
* The **projection** is an ordinary least-squares straight line through the periods from
  ``baseline_start`` onwards (all periods if no baseline period is set), evaluated at the deadline.
  With fewer than two periods there is no trend and no projection.
* A target read from another report (``source``) has one current value per run. Its trend is the
  straight line through two points, ``(midpoint of the baseline period, baseline)`` (end day
  included: 2024-01-01..2024-12-31 → 2024-07-02) and ``(as_of, current)``; without a baseline
  period there is no projection.
* **Progress** = ``(current − baseline) / (goal − baseline)``: 0 at the baseline, 1 when the goal is
  reached, negative when the metric moved the wrong way (not clipped).
* **On track** = the projection reaches the goal (``>=`` for a metric that should increase, ``<=``
  for one that should decrease). Without a projection a target is on track only if the goal is
  already met, otherwise unknown (``None``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from loyaltylab.errors import ConfigError, ParameterError
from loyaltylab.kpi import (
    KPI_DEFINITIONS,
    PANDAS_PERIOD_FREQ,
    ProgramKPIs,
    kpis_by_period,
    program_kpis,
    read_period_series,
)
from loyaltylab.metrics import get_metric, read_run_metrics

__all__ = [
    "KPI_METRICS",
    "RunMetrics",
    "build_scorecard",
    "kpi_series",
    "read_run",
    "Scorecard",
    "SmartTarget",
    "TargetStatus",
    "TrendProjection",
    "evaluate_target",
    "evaluate_targets",
    "load_targets",
    "plot_scorecard",
    "plot_target",
    "progress_toward",
    "project_trend",
]

#: KPI names a target may use without ``source``: every KPI of
#: :data:`loyaltylab.kpi.KPI_DEFINITIONS` the scorecard can compute per period (customer KPIs
#: with :func:`loyaltylab.kpi.kpis_by_period`, program KPIs with
#: :func:`loyaltylab.kpi.program_kpis` per period). CLV KPIs need ``source``.
KPI_METRICS: tuple[str, ...] = tuple(
    name for name, _, _ in KPI_DEFINITIONS if not name.startswith("clv_")
)
_PROGRAM_FIELDS = frozenset(f.name for f in fields(ProgramKPIs))
_SERIES_KEYS = frozenset({"freq", "periods", "values"})

_REQUIRED = ("name", "metric", "deadline", "owner")
_OPTIONAL = (
    "baseline_start",
    "baseline_end",
    "baseline",
    "target_value",
    "relative_change",
    "source",
    "direction",
    "description",
    "unit",
)
_DIRECTIONS = ("increase", "decrease")


@dataclass(frozen=True)
class SmartTarget:
    """One SMART target: metric, baseline, goal, deadline and owner.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"retention_plus_20"``.
    metric : str
        A KPI name (see :data:`KPI_METRICS`) or, with ``source``, a dotted key of that report's
        metrics file (``"clv.total"``).
    deadline : pandas.Timestamp
        Date by which the goal should be reached.
    owner : str
        Who answers for the target.
    baseline_start, baseline_end : pandas.Timestamp or None
        The baseline period (inclusive); both or neither.
    baseline : float or None
        Baseline value given explicitly; otherwise computed over the baseline period.
    target_value : float or None
        Absolute goal (exactly one of ``target_value`` and ``relative_change`` is set).
    relative_change : float or None
        Goal relative to the baseline, ``0.20`` = +20 %.
    source : str or None
        Report name (``reports.yaml`` ``name``) whose metrics file holds ``metric``.
    direction : {"increase", "decrease"} or None
        Which way is better; inferred from the goal and baseline when ``None``.
    description : str
        Free text shown on the scorecard.
    unit : str
        Unit of the metric for the chart (default: the KPI's unit, else "metric units").
    """

    name: str
    metric: str
    deadline: pd.Timestamp
    owner: str
    baseline_start: pd.Timestamp | None = None
    baseline_end: pd.Timestamp | None = None
    baseline: float | None = None
    target_value: float | None = None
    relative_change: float | None = None
    source: str | None = None
    direction: str | None = None
    description: str = ""
    unit: str = ""

    def goal(self, baseline: float | None = None) -> float | None:
        """Return the goal value, given the baseline (needed for a relative target).

        Parameters
        ----------
        baseline : float, optional
            Baseline value; defaults to :attr:`baseline`.

        Returns
        -------
        float or None
            ``target_value``, or ``baseline * (1 + relative_change)``; ``None`` when a relative
            target has no baseline value yet.

        Examples
        --------
        >>> t = SmartTarget("aov", "aov", pd.Timestamp("2026-12-31"), "CRM", baseline=40.0,
        ...                 relative_change=0.15)
        >>> round(t.goal(), 6)
        46.0
        """
        if self.target_value is not None:
            return self.target_value
        base = self.baseline if baseline is None else baseline
        if base is None or self.relative_change is None:
            return None
        return base * (1.0 + self.relative_change)

    def better_direction(self, baseline: float | None = None) -> str:
        """Return ``"increase"`` or ``"decrease"``: which way the metric should move.

        Parameters
        ----------
        baseline : float, optional
            Baseline value used to infer the direction of an absolute target.

        Returns
        -------
        str
        """
        if self.direction is not None:
            return self.direction
        if self.relative_change is not None:
            return "decrease" if self.relative_change < 0 else "increase"
        base = self.baseline if baseline is None else baseline
        if base is not None and self.target_value is not None and self.target_value < base:
            return "decrease"
        return "increase"

    def summary(self) -> pd.DataFrame:
        """Return the target as a one-row DataFrame."""
        return pd.DataFrame([{name: getattr(self, name) for name in self.__dataclass_fields__}])


def load_targets(
    config: str | Path | Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    kpi_metrics: Sequence[str] = KPI_METRICS,
) -> tuple[SmartTarget, ...]:
    """Read and validate the ``targets:`` section of ``reports.yaml``.

    Parameters
    ----------
    config : str, pathlib.Path, mapping or sequence of mappings
        A path to a YAML file with a top-level ``targets:`` list, the parsed file (a mapping with
        ``targets``), or the list itself. A file or mapping without ``targets`` gives ``()``.
    kpi_metrics : sequence of str, default :data:`KPI_METRICS`
        Metric names allowed without ``source``.

    Returns
    -------
    tuple of SmartTarget

    Raises
    ------
    ConfigError
        Naming every invalid target (up to five) and the count: a missing or unknown key, an
        unknown metric, a target given both or neither as a value and a relative change, a relative
        target without a baseline (value or period; a ``source`` metric with one value per run
        needs the value, else the scorecard reports its goal as missing), a baseline
        period given by one end only or ending before it starts, a deadline on or before the end of
        the baseline period, an unparseable date or number, a duplicate name or metric.

    Examples
    --------
    >>> targets = load_targets({"targets": [{
    ...     "name": "retention_plus_20", "metric": "retention_rate", "relative_change": 0.2,
    ...     "baseline_start": "2024-01-01", "baseline_end": "2024-12-31",
    ...     "deadline": "2025-12-31", "owner": "CRM lead"}]})
    >>> targets[0].relative_change
    0.2
    """
    entries = _target_entries(config)
    known = set(kpi_metrics)
    targets: list[SmartTarget] = []
    problems: list[str] = []
    for index, entry in enumerate(entries):
        label = f"targets[{index}]"
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            label += f" {entry['name']!r}"
        errors: list[str] = []
        target = _parse_target(entry, known, errors)
        if errors:
            problems.extend(f"{label}: {error}" for error in errors)
        elif target is not None:
            targets.append(target)
    for key in ("name", "metric"):
        values = [getattr(target, key) for target in targets]
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            problems.append(
                f"duplicate target {key}(s) {duplicates[:5]} (the scorecard keys results by "
                f"{key}; give one target per {key})"
            )
    if problems:
        shown = "\n  ".join(problems[:5])
        more = f"\n  ... and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ConfigError(f"{len(problems)} problem(s) in the targets:\n  {shown}{more}")
    return tuple(targets)


def _target_entries(config: Any) -> list[Any]:
    if isinstance(config, str | Path):
        path = Path(config)
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read targets from {path}: {error}") from None
    if isinstance(config, Mapping):
        entries = config.get("targets")
        if entries is None:
            return []
    elif isinstance(config, Sequence):
        entries = config
    else:
        raise ConfigError(f"targets config must be a path, a mapping or a list, got {config!r}")
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise ConfigError(f"'targets' must be a list of targets, got {entries!r}")
    return list(entries)


def _parse_target(entry: Any, known: set[str], errors: list[str]) -> SmartTarget | None:
    if not isinstance(entry, Mapping):
        errors.append(f"must be a mapping of keys, got {entry!r}")
        return None
    missing = [key for key in _REQUIRED if entry.get(key) in (None, "")]
    if missing:
        errors.append(f"missing required key(s) {missing}")
    unknown = sorted(str(key) for key in entry if key not in _REQUIRED + _OPTIONAL)
    if unknown:
        errors.append(f"unknown key(s) {unknown}; allowed: {list(_REQUIRED + _OPTIONAL)}")
    name = str(entry.get("name", ""))
    metric = str(entry.get("metric", ""))
    owner = str(entry.get("owner", ""))
    source = entry.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        errors.append(f"'source' must be a report name, got {source!r}")
        source = None
    if metric and source is None and metric not in known:
        errors.append(
            f"unknown metric {metric!r}: use a KPI name {sorted(known)} or name the report "
            f"whose metrics file holds it with 'source'"
        )
    deadline = _date(entry, "deadline", errors)
    start = _date(entry, "baseline_start", errors)
    end = _date(entry, "baseline_end", errors)
    baseline = _number(entry, "baseline", errors)
    target_value = _number(entry, "target_value", errors)
    relative = _number(entry, "relative_change", errors)
    direction = entry.get("direction")
    if direction is not None and direction not in _DIRECTIONS:
        errors.append(f"'direction' must be one of {list(_DIRECTIONS)}, got {direction!r}")
    given = {key for key in ("baseline_start", "baseline_end") if entry.get(key) not in (None, "")}
    if len(given) == 1:
        errors.append("the baseline period needs both 'baseline_start' and 'baseline_end'")
    if start is not None and end is not None and end < start:
        errors.append(f"baseline_end {end.date()} is before baseline_start {start.date()}")
    goals = {key for key in ("target_value", "relative_change") if entry.get(key) not in (None, "")}
    if len(goals) != 1:
        errors.append("give exactly one of 'target_value' and 'relative_change'")
    if relative is not None:
        if relative <= -1.0:
            errors.append(
                f"'relative_change' must be > -1 (a fraction: 0.2 = +20 %), got {relative}"
            )
        if baseline is None and start is None:
            errors.append(
                "relative target without baseline: give a 'baseline' value or a baseline period "
                "('baseline_start', 'baseline_end')"
            )
    if deadline is not None:
        latest = end if end is not None else start
        if latest is not None and deadline <= latest:
            errors.append(
                f"deadline {deadline.date()} is not after the baseline period "
                f"ending {latest.date()}"
            )
    if errors:
        return None
    return SmartTarget(
        name=name,
        metric=metric,
        deadline=deadline,  # type: ignore[arg-type]
        owner=owner,
        baseline_start=start,
        baseline_end=end,
        baseline=baseline,
        target_value=target_value,
        relative_change=relative,
        source=source,
        direction=direction,
        description=str(entry.get("description", "")),
        unit=str(entry.get("unit", "")),
    )


def _date(entry: Mapping[str, Any], key: str, errors: list[str]) -> pd.Timestamp | None:
    value = entry.get(key)
    if value is None or value == "":
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        errors.append(f"'{key}' is not a date: {value!r}")
        return None
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _number(entry: Mapping[str, Any], key: str, errors: list[str]) -> float | None:
    value = entry.get(key)
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        errors.append(f"'{key}' must be a number, got {value!r}")
        return None
    if not math.isfinite(number):
        errors.append(f"'{key}' must be finite, got {value!r}")
        return None
    return number


@dataclass(frozen=True)
class TrendProjection:
    """A straight-line trend and its value at the deadline.

    Attributes
    ----------
    intercept : float
        Fitted value at ``origin``.
    slope_per_day : float
        Change of the metric per day.
    origin : pandas.Timestamp
        Time of the first point used (x = 0).
    n_points : int
        Number of points the line was fitted through.
    deadline : pandas.Timestamp
        Where the line is evaluated.
    projected : float
        Value of the line at the deadline.
    """

    intercept: float
    slope_per_day: float
    origin: pd.Timestamp
    n_points: int
    deadline: pd.Timestamp
    projected: float

    def value_at(self, when: pd.Timestamp | pd.DatetimeIndex) -> Any:
        """Return the trend's value at one or more dates."""
        days = (pd.to_datetime(when) - self.origin) / pd.Timedelta(days=1)
        return self.intercept + self.slope_per_day * np.asarray(days, dtype=float)

    def summary(self) -> pd.DataFrame:
        """Return the trend as a one-row DataFrame."""
        return pd.DataFrame([{name: getattr(self, name) for name in self.__dataclass_fields__}])


def _period_times(index: pd.Index) -> pd.DatetimeIndex:
    """Return the time of each period: the midpoint of a Period, the timestamp otherwise."""
    if isinstance(index, pd.PeriodIndex):
        start = index.start_time
        end = index.end_time
        return pd.DatetimeIndex(start + (end - start) / 2)
    return pd.DatetimeIndex(pd.to_datetime(index))


def project_trend(series: pd.Series, deadline: Any) -> TrendProjection | None:
    """Fit a least-squares straight line through a per-period series and evaluate it at a date.

    Parameters
    ----------
    series : pandas.Series
        Values indexed by a ``PeriodIndex`` (each period placed at its midpoint) or by dates.
        Missing values are not allowed.
    deadline : date-like
        Where to evaluate the line.

    Returns
    -------
    TrendProjection or None
        ``None`` when fewer than two distinct times are given (no trend can be fitted).

    Raises
    ------
    ParameterError
        If the series holds missing values (the caller must decide what a missing period means).

    Examples
    --------
    >>> s = pd.Series([0.30, 0.32, 0.34], index=pd.to_datetime(["2025-01-01", "2025-01-11",
    ...                                                         "2025-01-21"]))
    >>> round(project_trend(s, "2025-01-31").projected, 6)
    0.36
    """
    if series.isna().any():
        raise ParameterError(
            f"series {series.name!r} has {int(series.isna().sum())} missing value(s)"
        )
    times = _period_times(series.index)
    if len(series) < 2 or times.nunique() < 2:
        return None
    origin = times.min()
    x = np.asarray((times - origin) / pd.Timedelta(days=1), dtype=float)
    y = series.to_numpy(dtype=float)
    slope, intercept = np.polyfit(x, y, deg=1)
    when = pd.Timestamp(deadline)
    projected = intercept + slope * (when - origin) / pd.Timedelta(days=1)
    return TrendProjection(
        intercept=float(intercept),
        slope_per_day=float(slope),
        origin=origin,
        n_points=len(series),
        deadline=when,
        projected=float(projected),
    )


def progress_toward(
    baseline: float | None, current: float | None, goal: float | None
) -> float | None:
    """Return the share of the way from baseline to goal covered by the current value.

    Parameters
    ----------
    baseline, current, goal : float or None
        The three values of a target.

    Returns
    -------
    float or None
        ``(current - baseline) / (goal - baseline)``; ``None`` if a value is missing or the goal
        equals the baseline.

    Examples
    --------
    >>> progress_toward(40.0, 43.0, 46.0)
    0.5
    """
    if baseline is None or current is None or goal is None or goal == baseline:
        return None
    return (current - baseline) / (goal - baseline)


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

    def status_label(self) -> str:
        """Return ``"on track"``, ``"off track"`` or ``"unknown"``."""
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
        """Return the scorecard for a stakeholder page: one row per target, indexed by its name.

        Values are rounded to four significant digits and progress is given in percent, so the
        table fits a page; :meth:`summary` keeps the full numbers.

        Returns
        -------
        pandas.DataFrame
            Columns ``metric``, ``owner``, ``deadline``, ``baseline``, ``current``,
            ``target value``, ``projected``, ``progress %``, ``status``, ``note`` (the missing
            numbers and the method's caveats).
        """
        table = self.summary()
        values = ["baseline", "current", "target_value", "projected"]
        out = table[["target", "metric", "owner", "deadline"]].copy()
        for column in values:
            out[column] = table[column].map(_significant)
        out["progress %"] = (100 * table["progress"].astype(float)).round(0)
        out["status"] = table["status"]
        out["note"] = [
            "; ".join(part for part in (missing, note) if part)
            for missing, note in zip(table["missing"], table["note"], strict=True)
        ]
        return out.rename(columns={"target_value": "target value"}).set_index("target")

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
            for label in ("off track", "unknown")
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
        """Return ``{"targets": {metric: {baseline, current, target, projected, on_track}}}``."""
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
                    "deadline": s.target.deadline,
                    "missing": s.missing,
                    "note": s.note,
                }
                for s in self.statuses
            },
            "n_targets": len(self.statuses),
            "n_on_track": sum(s.on_track is True for s in self.statuses),
            "n_missing": sum(bool(s.missing) for s in self.statuses),
        }


def evaluate_target(
    target: SmartTarget,
    *,
    series: pd.Series | None = None,
    current: float | None = None,
    as_of: Any = None,
    missing: str = "",
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

    Returns
    -------
    TargetStatus
    """
    baseline = target.baseline
    trend: TrendProjection | None = None
    notes = [missing] if missing else []
    caveats: list[str] = []
    stamp = None if as_of in (None, "") else pd.Timestamp(as_of)
    if series is not None:
        series = series.dropna().sort_index()
        if series.empty and not notes:
            notes.append(f"no complete period with a value of {target.metric!r}")
    if series is not None and not series.empty:
        times = _period_times(series.index)
        if baseline is None and target.baseline_start is not None:
            end_of_day = target.baseline_end + pd.Timedelta(days=1) - pd.Timedelta(1)
            inside = (times >= target.baseline_start) & (times <= end_of_day)
            if inside.any():
                baseline = float(series[inside].mean())
            else:
                notes.append(
                    f"no period of the data falls in the baseline period "
                    f"{target.baseline_start.date()}..{target.baseline_end.date()} (the data's "
                    f"periods run {times[0].date()}..{times[-1].date()}, by midpoint)"
                )
        current = float(series.iloc[-1])
        fit_on = series
        if target.baseline_start is not None:
            fit_on = series[times >= target.baseline_start]
        trend = project_trend(fit_on, target.deadline)
        if trend is None:
            caveats.append("fewer than two periods since the baseline start: no trend")
        if stamp is None:
            stamp = times[-1]
    elif current is not None and series is None:
        if baseline is not None and target.baseline_start is not None and stamp is not None:
            period_end = target.baseline_end + pd.Timedelta(days=1)  # the end day is included
            middle = target.baseline_start + (period_end - target.baseline_start) / 2
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
    if goal is not None:
        reference = projected
        if reference is None and current is not None and _meets(current, goal, direction):
            reference = current
        if reference is not None:
            on_track = _meets(reference, goal, direction)
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
    )


def _significant(value: Any, digits: int = 4) -> float | None:
    if value is None or not np.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{digits}g}")


def _meets(value: float, goal: float, direction: str) -> bool:
    return value >= goal if direction == "increase" else value <= goal


def evaluate_targets(
    targets: Sequence[SmartTarget],
    *,
    kpi_series: Mapping[str, pd.Series] | None = None,
    run_metrics: Mapping[str, Mapping[str, Any]] | None = None,
    as_of: Any = None,
    failed_reports: Sequence[str] = (),
    kpi_notes: Mapping[str, str] | None = None,
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
            statuses.append(evaluate_target(target, series=series, as_of=as_of, missing=note))
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
        statuses.append(
            evaluate_target(target, series=series, current=value, as_of=as_of, missing=note)
        )
    return Scorecard(statuses=tuple(statuses))


@dataclass(frozen=True)
class RunMetrics:
    """The metrics the other reports of a run wrote, and which reports failed.

    Attributes
    ----------
    run_dir : str
        The run folder ("" when none was given).
    metrics : dict
        ``{report name: metrics}`` (:func:`loyaltylab.metrics.read_run_metrics`), without the
        scorecard's own folder.
    failed : tuple of str
        Reports whose status in ``status.json`` is not ``"ok"``.
    ran : tuple of str
        Reports listed in ``status.json`` so far (the scorecard runs last).
    """

    run_dir: str
    metrics: dict[str, dict[str, Any]]
    failed: tuple[str, ...] = ()
    ran: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """Return one row per report: whether it ran, its status and whether it wrote metrics."""
        names = list(dict.fromkeys([*self.ran, *self.metrics]))
        rows = [
            {
                "report": name,
                "status": "failed" if name in self.failed else ("ok" if name in self.ran else "?"),
                "metrics": name in self.metrics,
            }
            for name in names
        ]
        return pd.DataFrame(rows, columns=["report", "status", "metrics"])


def read_run(run_dir: Any, *, output_dir: Any = None) -> RunMetrics:
    """Read the metrics and the report statuses of a run folder.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        ``reports/runs/<run-id>``; ``""`` or ``None`` gives an empty :class:`RunMetrics` (the
        scorecard then shows only the KPIs it computes itself).
    output_dir : str or pathlib.Path, optional
        The scorecard's own output folder; its metrics (from an earlier run of the scorecard)
        are left out.

    Returns
    -------
    RunMetrics

    Raises
    ------
    ParameterError
        If ``run_dir`` is given but is not a folder.
    """
    if run_dir is None or not str(run_dir).strip():
        return RunMetrics(run_dir="", metrics={})
    folder = Path(run_dir)
    if not folder.is_dir():
        raise ParameterError(f"parameter 'run_dir' is not a folder: {run_dir!r}")
    metrics = read_run_metrics(folder)
    if output_dir is not None and str(output_dir).strip():
        own = Path(output_dir).resolve()
        if own.parent == folder.resolve():
            metrics.pop(own.name, None)
    ran: list[str] = []
    failed: list[str] = []
    status_path = folder / "status.json"
    if status_path.is_file():
        try:
            records = json.loads(status_path.read_text(encoding="utf-8")).get("reports", [])
        except (OSError, json.JSONDecodeError, AttributeError):
            records = []
        for record in records:
            if isinstance(record, Mapping) and isinstance(record.get("name"), str):
                ran.append(record["name"])
                if record.get("status") != "ok":
                    failed.append(record["name"])
    return RunMetrics(run_dir=str(folder), metrics=metrics, failed=tuple(failed), ran=tuple(ran))


def kpi_series(
    transactions: pd.DataFrame,
    names: Sequence[str],
    *,
    period: str = "M",
    observation_end: Any = None,
    members: pd.DataFrame | None = None,
    ledger: pd.DataFrame | None = None,
    point_value: float = 0.01,
) -> dict[str, pd.Series]:
    """Compute the per-period series of KPIs with :mod:`loyaltylab.kpi` (complete periods only).

    Customer KPIs come from :func:`loyaltylab.kpi.kpis_by_period`; program KPIs
    (``enrolment_rate``, ``breakage_rate``, ...) from :func:`loyaltylab.kpi.program_kpis` run on
    each complete period (members and ledger counted up to the period's end), and only when
    ``members`` and ``ledger`` are given.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    names : sequence of str
        KPI names (see :data:`KPI_METRICS`); names that cannot be computed are left out.
    period : {"W", "M", "Q"}, default "M"
        Period of the series.
    observation_end : date-like, optional
        Last day observed (default: the last transaction's day).
    members, ledger : pandas.DataFrame, optional
        Canonical member table and points ledger, for program KPIs.
    point_value : float, default 0.01
        Cost of a redeemed point (for ``reward_cost`` and ``reward_cost_share``).

    Returns
    -------
    dict of str to pandas.Series
        One Series per computable KPI, indexed by ``PeriodIndex``, without missing values.
    """
    by_period = kpis_by_period(transactions, period, observation_end=observation_end)
    complete = by_period.loc[by_period["complete"]]
    periods = pd.PeriodIndex(complete.index, freq=PANDAS_PERIOD_FREQ[by_period.attrs["period"]])
    out: dict[str, pd.Series] = {}
    for name in dict.fromkeys(names):
        if name in complete.columns:
            values = pd.Series(complete[name].to_numpy(dtype=float), index=periods, name=name)
            out[name] = values.dropna()
    wanted = [n for n in dict.fromkeys(names) if n not in out and n in _PROGRAM_FIELDS]
    if wanted and members is not None and ledger is not None:
        rows = [
            program_kpis(
                transactions,
                members,
                ledger,
                observation_start=when.start_time,
                observation_end=when.end_time.normalize(),
                point_value=point_value,
            )
            for when in periods
        ]
        for name in wanted:
            values = pd.Series([float(getattr(row, name)) for row in rows], index=periods)
            out[name] = values.rename(name).dropna()
    return out


def build_scorecard(
    targets: Sequence[SmartTarget],
    *,
    transactions: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
    ledger: pd.DataFrame | None = None,
    run: RunMetrics | None = None,
    period: str = "M",
    observation_end: Any = None,
    point_value: float = 0.01,
) -> Scorecard:
    """Compute the KPI series the targets need and evaluate every target (the scorecard).

    Parameters
    ----------
    targets : sequence of SmartTarget
        From :func:`load_targets`.
    transactions : pandas.DataFrame, optional
        Canonical transactions for the KPI targets; without them KPI targets are "missing".
    members, ledger : pandas.DataFrame, optional
        For program KPI targets.
    run : RunMetrics, optional
        The other reports' metrics (:func:`read_run`) for ``source`` targets.
    period : {"W", "M", "Q"}, default "M"
        Period of the KPI series (and so of the trend).
    observation_end : date-like, optional
        Last day observed; also the date of the values read from other reports.
    point_value : float, default 0.01
        Cost of a redeemed point.

    Returns
    -------
    Scorecard
    """
    run = run or RunMetrics(run_dir="", metrics={})
    names = [target.metric for target in targets if target.source is None]
    notes: dict[str, str] = {}
    series: dict[str, pd.Series] = {}
    if names and transactions is None:
        notes = {name: "no transactions given to compute the KPI" for name in names}
    elif names:
        series = kpi_series(
            transactions,
            names,
            period=period,
            observation_end=observation_end,
            members=members,
            ledger=ledger,
            point_value=point_value,
        )
        for name in names:
            if name not in series and name in _PROGRAM_FIELDS:
                notes[name] = f"program KPI {name!r} needs the members and ledger tables"
    as_of = observation_end
    if as_of in (None, "") and transactions is not None and len(transactions):
        as_of = pd.Timestamp(transactions["timestamp"].max()).normalize()
    return evaluate_targets(
        targets,
        kpi_series=series,
        run_metrics=run.metrics,
        as_of=as_of,
        failed_reports=run.failed,
        kpi_notes=notes,
    )


def plot_target(status: TargetStatus, ax: Any = None, *, unit: str = "metric units") -> Any:
    """Draw one target: the per-period values, baseline, goal, trend and deadline.

    Parameters
    ----------
    status : TargetStatus
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created when ``None``.
    unit : str, default "metric units"
        Unit of the metric for the y-axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    target = status.target
    if status.series is not None and len(status.series):
        ax.plot(
            _period_times(status.series.index),
            status.series.to_numpy(dtype=float),
            marker="o",
            label=f"{target.metric} per period",
        )
    elif status.current is not None and status.as_of is not None:
        ax.plot([status.as_of], [status.current], marker="o", linestyle="", label="current")
    if status.baseline is not None:
        ax.axhline(status.baseline, color="grey", linestyle=":", label="baseline")
    if status.goal is not None:
        ax.axhline(status.goal, color="green", linestyle="--", label="target")
    if status.trend is not None:
        times = pd.DatetimeIndex([status.trend.origin, target.deadline])
        ax.plot(times, status.trend.value_at(times), color="orange", label="trend to deadline")
    ax.axvline(target.deadline, color="black", linewidth=0.8, label="deadline")
    if status.missing and status.current is None:
        ax.text(
            0.5,
            0.5,
            f"no value: {status.missing}",
            transform=ax.transAxes,
            ha="center",
            va="center",
            wrap=True,
            color="firebrick",
        )
    title = f"{target.name}: {status.status_label()}"
    if status.missing:
        title += " (numbers missing)"
    ax.set_title(title)
    ax.set_xlabel("date (period midpoint)")
    ax.set_ylabel(f"{target.metric} ({unit})")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_scorecard(
    scorecard: Scorecard, axes: Any = None, *, units: Mapping[str, str] | None = None
) -> Any:
    """Draw one chart per target (see :func:`plot_target`).

    Parameters
    ----------
    scorecard : Scorecard
    axes : sequence of matplotlib.axes.Axes, optional
        One Axes per target; a new figure with one row per target is created when ``None``.
    units : mapping of str to str, optional
        Unit per metric name for the y-axis labels; a target's own ``unit`` wins; default
        "metric units".

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    count = len(scorecard.statuses)
    if axes is None:
        _, axes = plt.subplots(max(count, 1), 1, figsize=(8, 3.2 * max(count, 1)), squeeze=False)
    axes = np.asarray(axes).ravel()
    if len(axes) < count:
        raise ParameterError(f"plot_scorecard needs {count} axes, got {len(axes)}")
    units = units or {}
    if not count:
        axes[0].set_title("No targets configured")
        axes[0].set_xlabel("date")
        axes[0].set_ylabel("metric (metric units)")
    for status, ax in zip(scorecard.statuses, axes, strict=False):
        unit = status.target.unit or units.get(status.target.metric, "metric units")
        plot_target(status, ax=ax, unit=unit)
    if count:
        axes[0].figure.tight_layout()
    return axes
