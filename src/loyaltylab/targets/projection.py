"""The trend of a target's metric and the progress from baseline to goal.

* The **projection** is an ordinary least-squares straight line through the points, each
  period placed at its midpoint in time, evaluated at the deadline
  (:func:`project_trend`). With fewer than two distinct times there is no trend.
* **Progress** = ``(current - baseline) / (goal - baseline)``: 0 at the baseline, 1 when the
  goal is reached, negative when the metric moved the wrong way (not clipped)
  (:func:`progress_toward`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError

__all__ = ["TrendProjection", "period_times", "progress_toward", "project_trend"]


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


def period_times(index: pd.Index) -> pd.DatetimeIndex:
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
    times = period_times(series.index)
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
