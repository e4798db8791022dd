"""SMART targets of a loyalty program and their progress: baseline → goal by a deadline.

A target says *which* number should move (``metric``: a KPI name of :mod:`loyaltylab.kpi`, or a
dotted key of another report's metrics file together with ``source``), *from where* (a baseline
period and/or a baseline value), *how far* (an absolute ``target_value`` or a ``relative_change``
such as ``+0.20`` for "+20 %"), *by when* (``deadline``) and *who* answers for it (``owner``).
Targets live in the ``targets:`` section of ``reports.yaml`` (typed by
:class:`loyaltylab.config.targets.TargetConfig`) and are read with :func:`load_targets`.

- :mod:`~loyaltylab.targets.model`: :class:`SmartTarget`, the goal and the better-direction rule;
- :mod:`~loyaltylab.targets.projection`: :func:`project_trend`, :func:`progress_toward`;
- :mod:`~loyaltylab.targets.scorecard`: :func:`evaluate_targets` → :class:`Scorecard` (the
  method: baseline, current, projection, on/off track);
- :mod:`~loyaltylab.targets.build`: :func:`build_scorecard` computes the KPI series first;
- :mod:`~loyaltylab.targets.plots`: :func:`plot_scorecard`, one chart per target.

The metrics of the other reports of a run come from :func:`loyaltylab.metrics.read_run`
(re-exported here for the scorecard notebook).
"""

from loyaltylab.metrics import RunMetrics, read_run
from loyaltylab.targets.build import build_scorecard, kpi_series
from loyaltylab.targets.model import (
    KPI_METRICS,
    LOWER_IS_BETTER,
    SmartTarget,
    load_targets,
    meets_goal,
)
from loyaltylab.targets.plots import plot_scorecard, plot_target
from loyaltylab.targets.projection import TrendProjection, progress_toward, project_trend
from loyaltylab.targets.scorecard import Scorecard, TargetStatus, evaluate_target, evaluate_targets

__all__ = [
    "KPI_METRICS",
    "LOWER_IS_BETTER",
    "RunMetrics",
    "Scorecard",
    "SmartTarget",
    "TargetStatus",
    "TrendProjection",
    "build_scorecard",
    "evaluate_target",
    "evaluate_targets",
    "kpi_series",
    "load_targets",
    "meets_goal",
    "plot_scorecard",
    "plot_target",
    "progress_toward",
    "project_trend",
    "read_run",
]
