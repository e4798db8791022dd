"""The result of :func:`~loyaltylab.experiments.analyze_experiment`: one frozen object.

:class:`ExperimentAnalysis` holds the SRM check and the tables of the analysis (balance, effects,
CUPED, capped, segments), its :meth:`~ExperimentAnalysis.summary` headline table and the nested
:meth:`~ExperimentAnalysis.metrics` a report writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from loyaltylab.experiments.srm import SrmResult

__all__ = ["EFFECT_FIELDS", "ExperimentAnalysis"]

EFFECT_FIELDS = (
    "control_mean",
    "treatment_mean",
    "absolute",
    "absolute_se",
    "absolute_ci_low",
    "absolute_ci_high",
    "relative",
    "relative_se",
    "relative_ci_low",
    "relative_ci_high",
    "p_value",
)


@dataclass(frozen=True)
class ExperimentAnalysis:
    """Everything known about one experiment.

    Attributes
    ----------
    arm_col, control : str
        Arm column and control label.
    arms : tuple of str
        All arms, control first.
    alpha : float
        1 - confidence level of every interval.
    correction : str
        Multiple-comparison method applied over arms x primary outcomes.
    primary_outcomes : tuple of str
        Outcomes included in the correction.
    srm : SrmResult
        Sample-ratio-mismatch check (look at this first).
    balance : pandas.DataFrame
        Per treatment arm and covariate: control and arm means and the standardised mean
        difference (|SMD| > 0.1 flags an imbalance).
    effects : pandas.DataFrame
        Per arm and outcome: means, absolute and relative effects with intervals, p-value,
        adjusted p-value, chance to win and always-valid (sequential) interval.
    adjusted : pandas.DataFrame
        Regression-adjusted (CUPED, HC2) effects with the share of variance removed.
    capped : pandas.DataFrame
        Revenue-like outcomes winsorised at a quantile of non-zero values, next to uncapped.
    heterogeneity : pandas.DataFrame
        Exploratory per-segment effects.
    heterogeneity_tests : pandas.DataFrame
        Per segment column, arm and outcome: test that the effect is equal across segments.
    """

    arm_col: str
    control: str
    arms: tuple[str, ...]
    alpha: float
    correction: str
    primary_outcomes: tuple[str, ...]
    srm: SrmResult
    balance: pd.DataFrame
    effects: pd.DataFrame
    adjusted: pd.DataFrame
    capped: pd.DataFrame
    heterogeneity: pd.DataFrame
    heterogeneity_tests: pd.DataFrame
    outcome_kinds: Mapping[str, str] = field(default_factory=dict)

    @property
    def treatments(self) -> tuple[str, ...]:
        """Treatment arms (every arm but the control)."""
        return self.arms[1:]

    def summary(self) -> pd.DataFrame:
        """Return the headline table: one row per arm and outcome."""
        columns = [
            "arm",
            "outcome",
            "kind",
            "control_mean",
            "treatment_mean",
            "absolute",
            "absolute_ci_low",
            "absolute_ci_high",
            "relative",
            "p_value",
            "p_adjusted",
            "chance_to_win",
        ]
        return self.effects[columns].copy()

    def metrics(self) -> dict[str, Any]:
        """Return the key numbers as a nested dict for ``write_metrics``.

        Returns
        -------
        dict
            ``srm.{p_value, chi2, mismatch, observed}``,
            ``effects.<arm>.<outcome>.{control_mean, treatment_mean, absolute, absolute_ci_low,
            absolute_ci_high, relative, relative_ci_low, relative_ci_high, p_value, p_adjusted,
            chance_to_win}``, ``cuped.<arm>.<outcome>.{...,variance_reduction}``,
            ``capped.<arm>.<outcome>.{cap, absolute, ...}`` and
            ``heterogeneity.<segment>.<arm>.<outcome>.p_value``.
        """
        effects: dict[str, dict[str, Any]] = {}
        for row in self.effects.itertuples(index=False):
            effects.setdefault(str(row.arm), {})[str(row.outcome)] = {
                key: getattr(row, key)
                for key in (
                    *EFFECT_FIELDS,
                    "p_adjusted",
                    "chance_to_win",
                    "n_control",
                    "n_treatment",
                )
            }
        cuped: dict[str, dict[str, Any]] = {}
        for row in self.adjusted.itertuples(index=False):
            cuped.setdefault(str(row.arm), {})[str(row.outcome)] = {
                "covariate": row.covariate,
                "absolute": row.absolute,
                "absolute_ci_low": row.absolute_ci_low,
                "absolute_ci_high": row.absolute_ci_high,
                "relative": row.relative,
                "p_value": row.p_value,
                "variance_reduction": row.variance_reduction,
            }
        capped: dict[str, dict[str, Any]] = {}
        for row in self.capped.itertuples(index=False):
            capped.setdefault(str(row.arm), {})[str(row.outcome)] = {
                "cap": row.cap,
                "absolute": row.capped_absolute,
                "absolute_ci_low": row.capped_ci_low,
                "absolute_ci_high": row.capped_ci_high,
                "p_value": row.capped_p_value,
            }
        heterogeneity: dict[str, Any] = {}
        for row in self.heterogeneity_tests.itertuples(index=False):
            node = heterogeneity.setdefault(str(row.segment), {}).setdefault(str(row.arm), {})
            node[str(row.outcome)] = {"p_value": row.p_value, "chi2": row.chi2, "df": row.df}
        return {
            "arms": list(self.arms),
            "control": self.control,
            "alpha": self.alpha,
            "correction": self.correction,
            "srm": {
                "p_value": self.srm.p_value,
                "chi2": self.srm.chi2,
                "mismatch": self.srm.mismatch,
                "observed": dict(zip(self.srm.arms, self.srm.observed, strict=True)),
            },
            "effects": effects,
            "cuped": cuped,
            "capped": capped,
            "heterogeneity": heterogeneity,
        }
