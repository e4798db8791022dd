"""A SMART target and its rules: the goal and which direction is better (one implementation).

:class:`SmartTarget` is the validated ``targets:`` entry of ``reports.yaml``
(:class:`loyaltylab.config.targets.TargetConfig`) plus what a target means:

* **goal** (:meth:`SmartTarget.goal`): ``target_value``, or ``baseline * (1 + relative_change)``;
  as a change relative to the baseline (:meth:`SmartTarget.relative_goal`): ``relative_change``,
  or ``target_value / baseline - 1``;
* **better direction** (:meth:`SmartTarget.better_direction`): ``direction`` if given; else the
  sign of ``relative_change``; else ``target_value`` against the baseline (below it: decrease);
  else the metric's own sense (:data:`LOWER_IS_BETTER`: churn, breakage); else increase.

The scorecard (:mod:`loyaltylab.targets.scorecard`) and the simulated comparison of reward
programs (:mod:`loyaltylab.rewards.scorecard`) both use these rules.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from loyaltylab.config import load_config
from loyaltylab.config.targets import TargetConfig, validate_targets
from loyaltylab.errors import ConfigError
from loyaltylab.kpi import KPI_DEFINITIONS

__all__ = ["KPI_METRICS", "LOWER_IS_BETTER", "SmartTarget", "load_targets", "meets_goal"]

#: KPI names a target may use without ``source``: every KPI of
#: :data:`loyaltylab.kpi.KPI_DEFINITIONS` the scorecard can compute per period (customer KPIs
#: with :func:`loyaltylab.kpi.kpis_by_period`, program KPIs with
#: :func:`loyaltylab.kpi.program_kpis` per period). CLV KPIs need ``source``.
KPI_METRICS: tuple[str, ...] = tuple(
    name for name, _, _ in KPI_DEFINITIONS if not name.startswith("clv_")
)

#: Metrics for which lower is better: the direction of a target on them when neither
#: ``direction``, a relative change nor a baseline says otherwise.
LOWER_IS_BETTER: frozenset[str] = frozenset({"churn_rate", "breakage_rate"})


def meets_goal(value: float, goal: float, direction: str) -> bool:
    """Whether ``value`` reaches ``goal`` (``>=`` for ``"increase"``, ``<=`` for ``"decrease"``).

    Examples
    --------
    >>> meets_goal(0.18, 0.20, "decrease"), meets_goal(0.18, 0.20, "increase")
    (True, False)
    """
    return value >= goal if direction == "increase" else value <= goal


class SmartTarget(TargetConfig):
    """One SMART target: metric, baseline, goal, deadline and owner (see the module notes).

    The attributes are those of :class:`loyaltylab.config.targets.TargetConfig`.

    Examples
    --------
    >>> t = SmartTarget(name="aov", metric="aov", deadline="2026-12-31", owner="CRM",
    ...                 baseline=40.0, relative_change=0.15)
    >>> round(t.goal(), 6), t.better_direction()
    (46.0, 'increase')
    """

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
        """
        if self.target_value is not None:
            return self.target_value
        base = self.baseline if baseline is None else baseline
        if base is None or self.relative_change is None:
            return None
        return base * (1.0 + self.relative_change)

    def relative_goal(self, baseline: float | None = None) -> float | None:
        """Return the goal as a change relative to the baseline (``0.15`` = +15 %).

        Parameters
        ----------
        baseline : float, optional
            Baseline value; defaults to :attr:`baseline`.

        Returns
        -------
        float or None
            ``relative_change``, or ``target_value / baseline - 1``; ``None`` for an absolute
            target without a (non-zero) baseline.

        Examples
        --------
        >>> target = SmartTarget(name="a", metric="aov", deadline="2026-12-31", owner="CRM",
        ...                      target_value=46.0, baseline=40.0)
        >>> round(target.relative_goal(), 6)
        0.15
        """
        if self.relative_change is not None:
            return self.relative_change
        base = self.baseline if baseline is None else baseline
        if self.target_value is None or not base:
            return None
        return self.target_value / base - 1.0

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
        if base is not None and self.target_value is not None:
            return "decrease" if self.target_value < base else "increase"
        return "decrease" if self.metric in LOWER_IS_BETTER else "increase"

    def summary(self) -> pd.DataFrame:
        """Return the target as a one-row DataFrame."""
        return pd.DataFrame([{name: getattr(self, name) for name in type(self).model_fields}])


def load_targets(
    config: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    kpi_metrics: Collection[str] = KPI_METRICS,
) -> tuple[SmartTarget, ...]:
    """Read and validate the ``targets:`` section of ``reports.yaml``.

    Parameters
    ----------
    config : path-like, mapping or sequence of mappings
        A ``reports.yaml`` (read and validated whole by :func:`loyaltylab.config.load_config`),
        a parsed mapping with a ``targets`` key, or the list itself. A file or mapping without
        ``targets`` gives ``()``.
    kpi_metrics : collection of str, default :data:`KPI_METRICS`
        Metric names allowed without ``source``.

    Returns
    -------
    tuple of SmartTarget

    Raises
    ------
    ConfigError
        Naming every invalid target by its YAML path (``targets[1].deadline: ...``): a missing
        or unknown key, an unknown metric, both or neither of a value and a relative change, a
        relative target without a baseline (value or period), a baseline period given by one
        end only or ending before it starts, a deadline on or before the end of the baseline
        period, an unparseable date or number, a duplicate name or metric.

    Examples
    --------
    >>> targets = load_targets({"targets": [{
    ...     "name": "retention_plus_20", "metric": "retention_rate", "relative_change": 0.2,
    ...     "baseline_start": "2024-01-01", "baseline_end": "2024-12-31",
    ...     "deadline": "2025-12-31", "owner": "CRM lead"}]})
    >>> targets[0].relative_change
    0.2
    """
    if isinstance(config, str | os.PathLike):
        entries: Sequence[TargetConfig] = load_config(Path(config), kpi_metrics=kpi_metrics).targets
    elif isinstance(config, Mapping):
        entries = validate_targets(config.get("targets"), kpi_metrics=kpi_metrics)
    elif isinstance(config, Sequence):
        entries = validate_targets(list(config), kpi_metrics=kpi_metrics)
    else:
        raise ConfigError(f"targets config must be a path, a mapping or a list, got {config!r}")
    return tuple(SmartTarget.model_validate(dict(entry)) for entry in entries)
