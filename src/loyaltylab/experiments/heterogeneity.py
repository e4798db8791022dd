"""Heterogeneous effects by segment: exploratory, never a rollout decision on its own.

The model is the saturated interaction regression ``y ~ arm * segment`` with HC2 robust errors.
Saturated, its fitted values are the cell means and each cell's HC2 leverage is ``1 / n``, so the
HC2 variance of a cell mean is ``s^2 / n`` and everything follows from per-cell sums:

- the effect in segment ``s`` is ``mean(t, s) - mean(c, s)``, variance ``s2_ts/n_ts + s2_cs/n_cs``;
- the interaction coefficient against the first segment is the difference of two such effects;
- the Wald test that all interaction terms are 0 (effect equal in every segment) is
  ``Q = sum_s w_s (tau_s - tau_w)^2``, ``w_s = 1 / Var(tau_s)``, chi-square with ``S - 1`` df.

The tests check these against statsmodels ``ols(...).fit(cov_type="HC2")``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab.experiments.validation import ArmCodes, validate_experiment_frame

__all__ = ["HeterogeneityResult", "heterogeneous_effects", "segment_effects"]


@dataclass(frozen=True)
class HeterogeneityResult:
    """Effects of each treatment arm within each segment value, and a test of equality.

    Attributes
    ----------
    outcome, segment : str
        The outcome and the segment column.
    effects : pandas.DataFrame
        One row per arm and segment value: n_control, n_treatment, control_mean,
        treatment_mean, absolute, se, ci_low, ci_high, p_value.
    tests : pandas.DataFrame
        One row per arm: chi2, df, p_value of "the effect is the same in every segment".
    """

    outcome: str
    segment: str
    effects: pd.DataFrame
    tests: pd.DataFrame

    exploratory: bool = True

    def summary(self) -> pd.DataFrame:
        """Return the per-segment effects with the arm's heterogeneity p-value."""
        return self.effects.merge(
            self.tests[["arm", "p_value"]].rename(columns={"p_value": "heterogeneity_p_value"}),
            on="arm",
        )


def segment_effects(
    y: np.ndarray,
    arms: ArmCodes,
    segment: pd.Series,
    *,
    outcome: str = "outcome",
    alpha: float = 0.05,
) -> HeterogeneityResult:
    """Per-segment effects from arrays (the fast path used by the analysis).

    Parameters
    ----------
    y : numpy.ndarray
        Outcome per unit.
    arms : ArmCodes
        Arm codes (control = 0).
    segment : pandas.Series
        Segment value per unit.
    outcome : str, default "outcome"
        Outcome name for the tables.
    alpha : float, default 0.05
        1 - confidence level (normal reference, as statsmodels' HC2 default).

    Returns
    -------
    HeterogeneityResult
    """
    y = np.asarray(y, dtype=float)
    seg_codes, seg_labels = pd.factorize(segment, sort=True)
    n_seg, n_arm = len(seg_labels), len(arms.labels)
    cell = arms.codes * n_seg + seg_codes
    size = n_arm * n_seg
    n = np.bincount(cell, minlength=size).reshape(n_arm, n_seg).astype(float)
    s1 = np.bincount(cell, weights=y, minlength=size).reshape(n_arm, n_seg)
    s2 = np.bincount(cell, weights=y * y, minlength=size).reshape(n_arm, n_seg)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = np.where(n > 1, (s2 - s1 * mean) / (n - 1), np.nan)
        var = np.maximum(var, 0.0)
        var_mean = var / n
    critical = stats.norm.isf(alpha / 2)
    rows, tests = [], []
    for arm_index in range(1, n_arm):
        tau = mean[arm_index] - mean[0]
        v = var_mean[arm_index] + var_mean[0]
        se = np.sqrt(v)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = 2 * stats.norm.sf(np.abs(tau / se))
        for s_index, label in enumerate(seg_labels):
            rows.append(
                {
                    "outcome": outcome,
                    "segment": segment.name,
                    "segment_value": str(label),
                    "arm": arms.labels[arm_index],
                    "n_control": int(n[0, s_index]),
                    "n_treatment": int(n[arm_index, s_index]),
                    "control_mean": mean[0, s_index],
                    "treatment_mean": mean[arm_index, s_index],
                    "absolute": tau[s_index],
                    "se": se[s_index],
                    "ci_low": tau[s_index] - critical * se[s_index],
                    "ci_high": tau[s_index] + critical * se[s_index],
                    "p_value": p[s_index],
                }
            )
        ok = np.isfinite(tau) & np.isfinite(v) & (v > 0)
        if ok.sum() >= 2:
            w = 1.0 / v[ok]
            pooled = float((w * tau[ok]).sum() / w.sum())
            chi2 = float((w * (tau[ok] - pooled) ** 2).sum())
            df = int(ok.sum() - 1)
            p_het = float(stats.chi2.sf(chi2, df))
        else:
            chi2, df, p_het = np.nan, 0, np.nan
        tests.append(
            {
                "outcome": outcome,
                "segment": segment.name,
                "arm": arms.labels[arm_index],
                "chi2": chi2,
                "df": df,
                "p_value": p_het,
            }
        )
    return HeterogeneityResult(
        outcome=outcome,
        segment=str(segment.name),
        effects=pd.DataFrame(rows),
        tests=pd.DataFrame(tests),
    )


def heterogeneous_effects(
    frame: pd.DataFrame,
    *,
    arm_col: str,
    control: str,
    outcome: str,
    segment: str,
    alpha: float = 0.05,
) -> HeterogeneityResult:
    """Effect of every treatment arm on ``outcome`` within each value of ``segment``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit.
    arm_col : str
        Arm column.
    control : str
        Control label.
    outcome : str
        Numeric (or 0/1) outcome column.
    segment : str
        Segment column.
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    HeterogeneityResult
        Exploratory: many segments mean many chances of a spurious difference.
    """
    arms = validate_experiment_frame(
        frame, arm_col=arm_col, control=control, continuous_outcomes=[outcome], segments=[segment]
    )
    return segment_effects(
        frame[outcome].to_numpy(dtype=float), arms, frame[segment], outcome=outcome, alpha=alpha
    )
