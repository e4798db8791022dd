"""Notebook 05_scorecard: its typed parameters, the KPI units of its charts and its metrics.

The notebook's ``remove-cell`` after the ``parameters`` cell calls
``params = ScorecardParameters.from_namespace(globals())``; the scorecard itself is
:func:`loyaltylab.targets.build_scorecard` on the targets of ``targets_file``, the purchase data
and the metrics of the run (:func:`loyaltylab.targets.read_run`).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

import pandas as pd
from pydantic import Field, field_validator

from loyaltylab.data import LoadedTransactions
from loyaltylab.errors import LoyaltyLabError
from loyaltylab.kpi import KPI_DEFINITIONS
from loyaltylab.paths import reports_config
from loyaltylab.reports.notebooks.loading import OptionalSource, ProgramDataParameters
from loyaltylab.reports.notebooks.parameters import Day
from loyaltylab.targets import RunMetrics, Scorecard, SmartTarget, load_targets

__all__ = ["ScorecardParameters", "answer", "kpi_units", "to_metrics"]


class ScorecardParameters(ProgramDataParameters):
    """Validated parameters of notebook 05_scorecard (one field per line of its parameters cell).

    ``targets_file`` is read when the parameters are validated (a bad target stops the run at
    once, naming the parameter and the target's YAML path); :attr:`targets` holds its targets.
    ``members`` and ``ledger`` come as a pair; ``load`` holds the transaction loader's options
    plus ``members`` / ``ledger`` mappings of the member and ledger loaders' options.

    Examples
    --------
    >>> params = ScorecardParameters.from_namespace({"period": "q", "output_dir": ""})
    >>> params.period, params.observation_end.date(), params.members, len(params.targets) > 0
    ('Q', datetime.date(2025, 12, 31), 'synthetic_loyalty', True)
    """

    notebook = "05_scorecard"

    targets_file: str = ""
    transactions: str = "synthetic"
    members: OptionalSource = "synthetic_loyalty"
    ledger: OptionalSource = "synthetic_loyalty"
    observation_end: Day = pd.Timestamp("2025-12-31")
    current_months: float = Field(3.0, gt=0)
    run_dir: str = ""

    @field_validator("targets_file")
    @classmethod
    def _targets_load(cls, value: str) -> str:
        value = value.strip()
        try:
            load_targets(value or reports_config())
        except LoyaltyLabError as error:  # a ConfigError names each target by its YAML path
            raise ValueError(f"cannot read its targets: {error}") from None
        return value

    @cached_property
    def targets(self) -> tuple[SmartTarget, ...]:
        """The SMART targets of ``targets_file`` (empty: the project's ``reports.yaml``)."""
        return tuple(load_targets(self.targets_file or reports_config()))


def kpi_units() -> dict[str, str]:
    """Return the unit of every KPI of :data:`loyaltylab.kpi.KPI_DEFINITIONS`, for the charts.

    Returns
    -------
    dict
        ``{kpi: unit}``.

    Examples
    --------
    >>> kpi_units()["aov"]
    'currency per order'
    """
    return {name: unit for name, _, unit in KPI_DEFINITIONS}


def to_metrics(
    scorecard: Scorecard,
    loaded: LoadedTransactions,
    run: RunMetrics,
    params: ScorecardParameters,
) -> dict[str, Any]:
    """Collect the numbers of notebook 05_scorecard for its metrics file.

    Parameters
    ----------
    scorecard : Scorecard
        From :func:`loyaltylab.targets.build_scorecard`.
    loaded : LoadedTransactions
        The transactions the KPI targets were computed on.
    run : RunMetrics
        The run whose report metrics were read.
    params : ScorecardParameters
        For the observation end and the period.

    Returns
    -------
    dict
        The scorecard's own metrics (:meth:`Scorecard.to_metrics`) plus ``data`` (source,
        observation end, period) and ``run`` (folder, reports read, reports failed); every key
        is in the metrics catalog.
    """
    return {
        **scorecard.to_metrics(),
        "data": {
            "source": loaded.source,
            "observation_end": params.observation_end,
            "period": params.period,
        },
        "run": {
            "run_dir": run.run_dir,
            "reports_read": sorted(run.metrics),
            "reports_failed": list(run.failed),
        },
    }


def answer(scorecard: Scorecard, *, max_targets: int = 3) -> list[str]:
    """Write the opening answer of notebook 05_scorecard: the count, then the targets that matter.

    Parameters
    ----------
    scorecard : Scorecard
        From :func:`loyaltylab.targets.build_scorecard`.
    max_targets : int, default 3
        Targets named one by one (off track first, then unknown, then on track).

    Returns
    -------
    list of str
        The headline count, one sentence per named target (its value now against the goal, the
        projection or why there is none) and, when targets were left out, how many.

    Examples
    --------
    >>> answer(Scorecard(statuses=()))
    ['No targets are configured.']
    """
    headline = re.sub(r" \d+ target\(s\) lack a number.*$", "", scorecard.headline())
    sentences = [f"**{headline.rstrip('.')}**."] if scorecard.statuses else [headline]
    order = {"off track": 0, "ended — missed": 0, "unknown": 1, "ended — unknown": 1}
    ranked = sorted(scorecard.statuses, key=lambda s: order.get(s.status_label(), 2))
    table = scorecard.report_table().set_index("target")
    for status in ranked[:max_targets]:
        row = table.loc[status.target.name]
        what = status.target.description or status.target.name
        if status.current is None:
            sentences.append(f"{what}: {status.status_label()} - {status.missing or status.note}.")
            continue
        now = f"{row['current']} now" + (
            f" (mean of {status.current_window})" if ".." in status.current_window else ""
        )
        text = f"{what}: **{status.status_label()}**, {now} against {row['target value']} "
        text += f"by {row['deadline']}"
        if status.trend is not None:
            text += f"; the trend reaches {row['projected']}"
        elif "not enough history" in status.note:
            text += "; not enough history to project"
        sentences.append(text + f" ({row['data source']}).")
    left = len(ranked) - max_targets
    if left > 0:
        sentences.append(f"{left} more target(s) in the table below.")
    return sentences[:5]
