"""Which program design reaches which SMART target (targets of ``reports.yaml``).

The SMART targets (:func:`loyaltylab.targets.load_targets`) say how far a KPI should move from its
baseline by a deadline. The simulator knows, for each design, how far the program moves a KPI
relative to not having it. A target is compared with the simulated effect when the KPI is one the
simulator produces:

* relative targets (``relative_change``, or ``target_value`` with a ``baseline``) on
  ``retention_rate``, ``churn_rate``, ``aov``, ``purchase_frequency``, ``orders``, ``revenue``,
  ``revenue_per_customer``: the program's relative change against its no-program twin;
* level targets (``target_value``) on ``breakage_rate`` and ``redemption_rate``: the simulated
  level over the horizon.

The goal and which direction is better follow the targets' own rules
(:meth:`loyaltylab.targets.SmartTarget.relative_goal`, :meth:`~loyaltylab.targets.SmartTarget.goal`,
:meth:`~loyaltylab.targets.SmartTarget.better_direction`), so a design "meets" a target here by
the same rule the scorecard uses. Other targets (e.g. a CLV total read from another report) are
listed as not simulated. With a
:class:`~loyaltylab.rewards.uncertainty.MonteCarloResult` the table also gives the share of draws
that reach each target: "how sure we are".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.rewards.results import SimulationResult
from loyaltylab.rewards.uncertainty import MonteCarloResult
from loyaltylab.targets import SmartTarget, meets_goal

__all__ = ["SIMULATED_TARGET_METRICS", "compare_with_targets"]

#: KPI name -> (simulator output, "relative" | "level")
SIMULATED_TARGET_METRICS: dict[str, tuple[str, str]] = {
    "retention_rate": ("retention_relative_change", "relative"),
    "churn_rate": ("churn_relative_change", "relative"),
    "aov": ("aov_change", "relative"),
    "purchase_frequency": ("purchases_change", "relative"),
    "orders": ("purchases_change", "relative"),
    "revenue": ("incremental_revenue_pct", "relative"),
    "revenue_per_customer": ("incremental_revenue_pct", "relative"),
    "breakage_rate": ("breakage_rate", "level"),
    "redemption_rate": ("redemption_rate", "level"),
}


def _goal(target: SmartTarget, kind: str) -> float | None:
    """Return the goal in the simulator's terms, by the targets' one goal rule."""
    return target.relative_goal() if kind == "relative" else target.goal()


def compare_with_targets(
    outcome: SimulationResult | MonteCarloResult, targets: Sequence[SmartTarget]
) -> pd.DataFrame:
    """Return, per program and target, the simulated value, the goal and whether it is met.

    Parameters
    ----------
    outcome : SimulationResult or MonteCarloResult
        One simulation, or Monte Carlo draws (median, interval and probability of meeting).
    targets : sequence of SmartTarget
        From :func:`loyaltylab.targets.load_targets`.

    Returns
    -------
    pandas.DataFrame
        Columns program, target, metric, compared_as, goal, simulated, low, high, meets,
        probability, note.
    """
    if isinstance(outcome, MonteCarloResult):
        draws = outcome.draws
        tail = (1 - outcome.interval) / 2
    else:
        draws = outcome.totals.reset_index().assign(draw=0)
        tail = None
    rows = []
    for target in targets:
        mapped = SIMULATED_TARGET_METRICS.get(target.metric) if not target.source else None
        direction = target.better_direction()
        for program, group in draws.groupby("program", sort=False):
            row: dict[str, Any] = {
                "program": program,
                "target": target.name,
                "metric": target.metric,
                "compared_as": None,
                "goal": np.nan,
                "simulated": np.nan,
                "low": np.nan,
                "high": np.nan,
                "meets": None,
                "probability": np.nan,
                "note": "",
            }
            if mapped is None:
                row["note"] = "not simulated (read from another report or not a simulator output)"
                rows.append(row)
                continue
            column, kind = mapped
            goal = _goal(target, kind)
            values = group[column].dropna()
            row["compared_as"] = (
                "relative change vs no program" if kind == "relative" else "level over horizon"
            )
            if goal is None or values.empty:
                row["note"] = "no comparable goal" if goal is None else "no simulated value"
                rows.append(row)
                continue
            hit = values >= goal if direction == "increase" else values <= goal
            row.update(goal=goal, simulated=float(values.median()))
            row["meets"] = meets_goal(row["simulated"], goal, direction)
            if tail is not None:
                row.update(
                    low=float(values.quantile(tail)),
                    high=float(values.quantile(1 - tail)),
                    probability=float(hit.mean()),
                )
            rows.append(row)
    return pd.DataFrame(rows)
