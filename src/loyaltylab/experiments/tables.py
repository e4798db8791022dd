"""The tables of an experiment analysis besides the effects: balance, CUPED, capped, segments.

Each function takes the validated frame and its integer arm codes (control = 0) and returns the
DataFrame :class:`~loyaltylab.experiments.ExperimentAnalysis` stores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from loyaltylab.experiments.cuped import arm_regression_stats, regression_adjusted_from_stats
from loyaltylab.experiments.effects import mean_effect
from loyaltylab.experiments.heterogeneity import segment_effects
from loyaltylab.experiments.validation import ArmCodes
from loyaltylab.experiments.winsorize import nonzero_cap

__all__ = [
    "adjusted_table",
    "arm_moments",
    "balance_table",
    "capped_table",
    "column_values",
    "heterogeneity_tables",
]


def arm_moments(codes: np.ndarray, k: int, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Return per-arm count, mean and sample variance of ``y`` (one ``bincount`` pass each).

    Parameters
    ----------
    codes : numpy.ndarray of int
        Arm code of every unit, 0 to ``k - 1``.
    k : int
        Number of arms.
    y : numpy.ndarray of float
        One value per unit.

    Returns
    -------
    tuple of numpy.ndarray
        ``(n, mean, variance)``, each of length ``k``.

    Examples
    --------
    >>> n, mean, var = arm_moments(np.array([0, 0, 1, 1]), 2, np.array([1.0, 3.0, 2.0, 2.0]))
    >>> n.tolist(), mean.tolist(), var.tolist()
    ([2.0, 2.0], [2.0, 2.0], [2.0, 0.0])
    """
    n = np.bincount(codes, minlength=k).astype(float)
    s1 = np.bincount(codes, weights=y, minlength=k)
    s2 = np.bincount(codes, weights=y * y, minlength=k)
    mean = s1 / n
    var = np.maximum((s2 - s1 * mean) / (n - 1), 0.0)
    return n, mean, var


def column_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Return ``frame[column]`` as a float array."""
    return frame[column].to_numpy(dtype=float)


def balance_table(
    frame: pd.DataFrame, arms: ArmCodes, codes: np.ndarray, covariates: Sequence[str]
) -> pd.DataFrame:
    """Return the covariate balance table: arm means, standardised difference, Welch p-value.

    |SMD| > 0.1 flags the covariate as imbalanced for that arm.
    """
    rows = []
    k = len(arms.labels)
    for covariate in covariates:
        n, mean, var = arm_moments(codes, k, column_values(frame, covariate))
        for index in range(1, k):
            pooled_sd = math.sqrt((var[0] + var[index]) / 2)
            smd = (mean[index] - mean[0]) / pooled_sd if pooled_sd > 0 else 0.0
            welch = mean_effect(mean[0], var[0], n[0], mean[index], var[index], n[index])
            rows.append(
                {
                    "covariate": covariate,
                    "arm": arms.labels[index],
                    "control_mean": mean[0],
                    "arm_mean": mean[index],
                    "std_mean_difference": smd,
                    "p_value": welch.p_value,
                    "imbalanced": abs(smd) > 0.1,
                }
            )
    columns = [
        "covariate",
        "arm",
        "control_mean",
        "arm_mean",
        "std_mean_difference",
        "p_value",
        "imbalanced",
    ]
    return pd.DataFrame(rows, columns=columns)


def adjusted_table(
    frame: pd.DataFrame, arms: ArmCodes, codes: np.ndarray, pairs: Mapping[str, str], alpha: float
) -> pd.DataFrame:
    """Return regression-adjusted (CUPED, HC2) effects of each outcome on its pre-period column."""
    columns = [
        "arm",
        "outcome",
        "covariate",
        "absolute",
        "absolute_se",
        "absolute_ci_low",
        "absolute_ci_high",
        "relative",
        "relative_ci_low",
        "relative_ci_high",
        "p_value",
        "unadjusted_absolute",
        "unadjusted_ci_low",
        "unadjusted_ci_high",
        "variance_reduction",
    ]
    if not pairs:
        return pd.DataFrame(columns=columns)
    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(arms.counts)))
    rows = []
    for outcome, covariate in pairs.items():
        y = column_values(frame, outcome)[order]
        x = column_values(frame, covariate)[order]
        stats_ = [
            arm_regression_stats(y[bounds[i] : bounds[i + 1]], x[bounds[i] : bounds[i + 1]])
            for i in range(len(arms.labels))
        ]
        for index in range(1, len(arms.labels)):
            result = regression_adjusted_from_stats(stats_[0], stats_[index], alpha=alpha)
            est, raw = result.adjusted, result.unadjusted
            rows.append(
                {
                    "arm": arms.labels[index],
                    "outcome": outcome,
                    "covariate": covariate,
                    "absolute": est.absolute,
                    "absolute_se": est.absolute_se,
                    "absolute_ci_low": est.absolute_ci_low,
                    "absolute_ci_high": est.absolute_ci_high,
                    "relative": est.relative,
                    "relative_ci_low": est.relative_ci_low,
                    "relative_ci_high": est.relative_ci_high,
                    "p_value": est.p_value,
                    "unadjusted_absolute": raw.absolute,
                    "unadjusted_ci_low": raw.absolute_ci_low,
                    "unadjusted_ci_high": raw.absolute_ci_high,
                    "variance_reduction": result.variance_reduction,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def capped_table(
    frame: pd.DataFrame,
    codes: np.ndarray,
    arms: ArmCodes,
    outcomes: Sequence[str],
    quantile: float,
    alpha: float,
) -> pd.DataFrame:
    """Return each outcome's effect capped at ``quantile`` of its non-zero values, and uncapped."""
    columns = [
        "arm",
        "outcome",
        "cap",
        "units_capped",
        "uncapped_absolute",
        "uncapped_ci_low",
        "uncapped_ci_high",
        "uncapped_p_value",
        "capped_absolute",
        "capped_ci_low",
        "capped_ci_high",
        "capped_p_value",
    ]
    rows = []
    k = len(arms.labels)
    for outcome in outcomes:
        y = column_values(frame, outcome)
        cap = nonzero_cap(y, quantile)
        capped_y = np.minimum(y, cap)
        n, mean, var = arm_moments(codes, k, y)
        _, cmean, cvar = arm_moments(codes, k, capped_y)
        for index in range(1, k):
            raw = mean_effect(mean[0], var[0], n[0], mean[index], var[index], n[index], alpha=alpha)
            cap_est = mean_effect(
                cmean[0], cvar[0], n[0], cmean[index], cvar[index], n[index], alpha=alpha
            )
            rows.append(
                {
                    "arm": arms.labels[index],
                    "outcome": outcome,
                    "cap": cap,
                    "units_capped": int((y > cap).sum()),
                    "uncapped_absolute": raw.absolute,
                    "uncapped_ci_low": raw.absolute_ci_low,
                    "uncapped_ci_high": raw.absolute_ci_high,
                    "uncapped_p_value": raw.p_value,
                    "capped_absolute": cap_est.absolute,
                    "capped_ci_low": cap_est.absolute_ci_low,
                    "capped_ci_high": cap_est.absolute_ci_high,
                    "capped_p_value": cap_est.p_value,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def heterogeneity_tables(
    frame: pd.DataFrame,
    arms: ArmCodes,
    segments: Sequence[str],
    outcomes: Sequence[str],
    kinds: Mapping[str, str],
    alpha: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return per-segment effects and the test of equal effects across segments (not ratios)."""
    effect_parts, test_parts = [], []
    for segment in segments:
        for outcome in outcomes:
            if kinds.get(outcome) == "ratio":
                continue
            result = segment_effects(
                column_values(frame, outcome), arms, frame[segment], outcome=outcome, alpha=alpha
            )
            effect_parts.append(result.effects)
            test_parts.append(result.tests)
    if not effect_parts:
        return (
            pd.DataFrame(columns=["outcome", "segment", "segment_value", "arm", "absolute"]),
            pd.DataFrame(columns=["outcome", "segment", "arm", "chi2", "df", "p_value"]),
        )
    return pd.concat(effect_parts, ignore_index=True), pd.concat(test_parts, ignore_index=True)
