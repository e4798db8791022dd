"""What to do after an experiment: a plain-language recommendation and the next test's power.

:func:`recommendation` turns an :class:`~loyaltylab.experiments.ExperimentAnalysis` into a
sentence with its uncertainty; :func:`planning_table` gives the minimum detectable effects and
sample sizes for a follow-up test from this test's control arm.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.experiments.power import (
    mde_means,
    mde_proportions,
    sample_size_means,
    sample_size_proportions,
)
from loyaltylab.experiments.results import ExperimentAnalysis

__all__ = ["planning_table", "recommendation"]


def _format_effect(value: float, kind: str) -> str:
    if kind == "binary":
        return f"{value * 100:+.2f} percentage points"
    return f"{value:+,.3g}"


def recommendation(
    analysis: ExperimentAnalysis,
    outcome: str | None = None,
    *,
    targeting: str | Mapping[str, str] | None = None,
) -> str:
    """Return a plain-language recommendation with its uncertainty.

    Parameters
    ----------
    analysis : ExperimentAnalysis
        The analysed experiment.
    outcome : str, optional
        The decision metric (default: the first primary outcome).
    targeting : str or mapping of arm to str, optional
        A sentence about targeting (e.g. :meth:`loyaltylab.uplift.UpliftReport.sentences`),
        appended when an arm is recommended; with a mapping, the recommended arm's sentence.

    Returns
    -------
    str
    """
    outcome = outcome or analysis.primary_outcomes[0]
    rows = analysis.effects[analysis.effects["outcome"] == outcome]
    if rows.empty:
        raise ParameterError(
            f"outcome {outcome!r} was not analysed; choose one of "
            f"{sorted(analysis.effects['outcome'].unique())}"
        )
    level = f"{(1 - analysis.alpha) * 100:.0f} %"
    if analysis.srm.mismatch:
        return (
            f"Do not act on this test yet: the arm sizes do not match the design "
            f"(sample ratio mismatch, p = {analysis.srm.p_value:.2g}), so the assignment is "
            "suspect. Fix the assignment and rerun."
        )
    kind = str(rows["kind"].iloc[0])
    p_column = "p_adjusted" if rows["p_adjusted"].notna().all() else "p_value"
    winners = rows[(rows[p_column] < analysis.alpha) & (rows["absolute"] > 0)]
    adjust_note = (
        f"{analysis.correction}-adjusted "
        if p_column == "p_adjusted" and analysis.correction != "none"
        else ""
    )
    if winners.empty:
        best = rows.iloc[rows["absolute"].argmax()]
        return (
            f"No arm reliably improved {outcome}: the best, {best['arm']!r}, changed it by "
            f"{_format_effect(best['absolute'], kind)} ({level} CI "
            f"{_format_effect(best['absolute_ci_low'], kind)} to "
            f"{_format_effect(best['absolute_ci_high'], kind)}, {adjust_note}p = "
            f"{best[p_column]:.2g}), which is consistent with no effect. Keep the current "
            "program or test a stronger offer."
        )
    best = winners.iloc[winners["absolute"].argmax()]
    sentence = (
        f"Use {best['arm']!r}: it raised {outcome} by {_format_effect(best['absolute'], kind)}"
        f" ({best['relative'] * 100:+.1f} % relative; {level} CI "
        f"{_format_effect(best['absolute_ci_low'], kind)} to "
        f"{_format_effect(best['absolute_ci_high'], kind)}, {adjust_note}p = "
        f"{best[p_column]:.2g}, chance to beat control {best['chance_to_win'] * 100:.0f} %)."
    )
    if isinstance(targeting, Mapping):
        targeting = targeting.get(str(best["arm"]))
    if targeting:
        sentence += " " + targeting
    return sentence


def planning_table(analysis: ExperimentAnalysis, *, power: float = 0.8) -> pd.DataFrame:
    """Power planning for the next test, from this test's control arm.

    For every binary and continuous outcome: the minimum detectable effect with as many units
    per arm as this test's control had, and the units per arm needed to detect each arm's
    observed effect (R ``power.prop.test`` / ``power.t.test`` conventions).

    Parameters
    ----------
    analysis : ExperimentAnalysis
        The analysed experiment.
    power : float, default 0.8
        Target power.

    Returns
    -------
    pandas.DataFrame
        outcome, arm, units_per_arm, mde_absolute, mde_relative, observed_absolute,
        units_needed_for_observed.
    """
    rows: list[dict[str, Any]] = []
    table = analysis.effects[analysis.effects["kind"].isin(["binary", "continuous"])]
    for row in table.to_dict("records"):
        n = float(row["n_control"])
        base = float(row["control_mean"])
        observed = float(row["absolute"])
        if row["kind"] == "binary":
            if not 0 < base < 1:
                continue
            mde = mde_proportions(n, base, analysis.alpha, power)
            target = base + observed
            needed = (
                sample_size_proportions(base, target, analysis.alpha, power)
                if 0 < target < 1 and observed != 0
                else math.nan
            )
        else:
            sd = float(row["control_sd"])
            if not sd > 0:
                continue
            mde = mde_means(n, sd, analysis.alpha, power)
            needed = (
                sample_size_means(observed, sd, analysis.alpha, power)
                if observed != 0
                else math.nan
            )
        rows.append(
            {
                "outcome": row["outcome"],
                "arm": row["arm"],
                "units_per_arm": int(n),
                "mde_absolute": mde,
                "mde_relative": mde / base if base else math.nan,
                "observed_absolute": row["absolute"],
                "units_needed_for_observed": needed,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "outcome",
            "arm",
            "units_per_arm",
            "mde_absolute",
            "mde_relative",
            "observed_absolute",
            "units_needed_for_observed",
        ],
    )
