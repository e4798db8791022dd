"""The one-call analysis of a randomised campaign experiment.

:func:`analyze_experiment` takes one row per unit (customer) with its arm, outcomes, pre-period
covariates and segments, and returns an :class:`ExperimentAnalysis`: the sample-ratio-mismatch
check, a covariate balance table, the effect of every arm on every metric (with multiple-comparison
adjustment, Bayesian chance to win and always-valid intervals), regression-adjusted (CUPED)
effects, capped-vs-uncapped results for revenue-like metrics and exploratory segment effects.

Everything is computed from per-arm sums (``numpy.bincount``) and a few vectorised passes, so ten
million units and three arms take seconds (``benchmarks/experiment_analysis.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.experiments.bayesian import bayesian_lift
from loyaltylab.experiments.corrections import CORRECTIONS, adjust_p_values
from loyaltylab.experiments.effects import (
    EffectEstimate,
    mean_effect,
    proportion_effect,
    ratio_effect,
)
from loyaltylab.experiments.results import EFFECT_FIELDS, ExperimentAnalysis
from loyaltylab.experiments.sequential import sequential_interval
from loyaltylab.experiments.srm import SRM_THRESHOLD, check_srm
from loyaltylab.experiments.tables import (
    adjusted_table,
    arm_moments,
    balance_table,
    capped_table,
    column_values,
    heterogeneity_tables,
)
from loyaltylab.experiments.validation import validate_experiment_frame

# ExperimentAnalysis is defined in loyaltylab.experiments.results; listed here as the return type.
__all__ = ["ExperimentAnalysis", "analyze_experiment", "match_pre_period"]


def match_pre_period(outcomes: Iterable[str], covariates: Iterable[str]) -> dict[str, str]:
    """Pair each outcome with its own pre-period column among ``covariates``.

    The pre-period of outcome ``y`` is the covariate named ``pre_y`` or ``y_pre``.

    Parameters
    ----------
    outcomes : iterable of str
        Outcome columns.
    covariates : iterable of str
        Pre-period columns.

    Returns
    -------
    dict of str to str
        ``{outcome: covariate}`` for outcomes that have one.

    Examples
    --------
    >>> match_pre_period(["spend", "visited"], ["pre_spend", "recency_weeks"])
    {'spend': 'pre_spend'}
    """
    available = set(covariates)
    pairs = {}
    for outcome in outcomes:
        for candidate in (f"pre_{outcome}", f"{outcome}_pre"):
            if candidate in available:
                pairs[outcome] = candidate
                break
    return pairs


def _effect_row(arm: str, outcome: str, kind: str, estimate: EffectEstimate) -> dict[str, Any]:
    row: dict[str, Any] = {
        "arm": arm,
        "outcome": outcome,
        "kind": kind,
        "method": estimate.method,
        "n_control": estimate.n_control,
        "n_treatment": estimate.n_treatment,
    }
    row.update({key: getattr(estimate, key) for key in EFFECT_FIELDS})
    row["relative_p_value"] = estimate.relative_p_value
    return row


def analyze_experiment(
    frame: pd.DataFrame,
    *,
    arm_col: str,
    control: str,
    binary_outcomes: Sequence[str] = (),
    continuous_outcomes: Sequence[str] = (),
    ratio_metrics: Mapping[str, Sequence[str]] | None = None,
    covariates: Sequence[str] = (),
    pre_period: Mapping[str, str] | None = None,
    segments: Sequence[str] = (),
    design_split: Mapping[str, float] | Sequence[float] | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    primary_outcomes: Sequence[str] | None = None,
    capped_outcomes: Sequence[str] | None = None,
    winsorize_quantile: float = 0.99,
    srm_threshold: float = SRM_THRESHOLD,
    sequential_n_star: float = 5000,
) -> ExperimentAnalysis:
    """Analyse a randomised experiment with any number of arms against a control.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit (customer).
    arm_col : str
        Column with each unit's arm.
    control : str
        Label of the control arm.
    binary_outcomes : sequence of str
        0/1 outcomes (conversion); proportions test (unpooled Wald CI, pooled z p-value).
    continuous_outcomes : sequence of str
        Numeric outcomes (spend, visits); Welch test.
    ratio_metrics : mapping of str to (numerator, denominator), optional
        Ratio-of-sums metrics, e.g. ``{"spend_per_visit": ("spend", "visits")}``; delta method.
    covariates : sequence of str
        Pre-period columns: shown in the balance table and used for regression adjustment of the
        outcome whose pre-period they are (``pre_<outcome>``, see :func:`match_pre_period`).
    pre_period : mapping of str to str, optional
        Explicit ``{outcome: covariate}`` pairs; overrides the naming rule.
    segments : sequence of str
        Segment columns for the (exploratory) heterogeneous-effect analysis.
    design_split : mapping or sequence of float, optional
        Designed allocation for the SRM check (default equal).
    alpha : float, default 0.05
        1 - confidence level.
    correction : {"holm", "bh", "bonferroni", "none"}, default "holm"
        Multiple-comparison correction over arms x primary outcomes.
    primary_outcomes : sequence of str, optional
        Outcomes in the correction (default: all binary and continuous outcomes).
    capped_outcomes : sequence of str, optional
        Revenue-like outcomes to winsorise (default: all continuous outcomes).
    winsorize_quantile : float, default 0.99
        Cap at this quantile of the non-zero values (pooled over arms).
    srm_threshold : float, default 0.001
        SRM alert threshold on the p-value.
    sequential_n_star : float, default 5000
        Tuning sample size of the always-valid intervals.

    Returns
    -------
    ExperimentAnalysis

    Raises
    ------
    DataValidationError
        Bad data (see :func:`~loyaltylab.experiments.validate_experiment_frame`).
    ParameterError
        Bad arguments.
    """
    if not 0 < float(alpha) < 1:
        raise ParameterError(f"parameter 'alpha' must lie in (0, 1), got {alpha!r}")
    correction_key = str(correction).strip().lower()
    if correction_key not in CORRECTIONS:
        raise ParameterError(
            f"parameter 'correction' must be one of {CORRECTIONS}, got {correction!r}"
        )
    binary = list(binary_outcomes)
    continuous = list(continuous_outcomes)
    ratios = {name: tuple(parts) for name, parts in (ratio_metrics or {}).items()}
    covariate_names = list(covariates)
    segment_names = list(segments)
    arms = validate_experiment_frame(
        frame,
        arm_col=arm_col,
        control=control,
        binary_outcomes=binary,
        continuous_outcomes=continuous,
        ratio_metrics=ratios,
        covariates=covariate_names,
        segments=segment_names,
    )
    outcomes = binary + continuous
    primary = list(primary_outcomes) if primary_outcomes is not None else outcomes
    unknown = [name for name in primary if name not in outcomes and name not in ratios]
    if unknown:
        raise ParameterError(f"parameter 'primary_outcomes' names unknown outcomes {unknown}")
    pairs = (
        dict(pre_period) if pre_period is not None else match_pre_period(outcomes, covariate_names)
    )
    bad_pairs = {k: v for k, v in pairs.items() if k not in outcomes or v not in frame.columns}
    if bad_pairs:
        raise ParameterError(f"parameter 'pre_period' has unknown outcomes or columns: {bad_pairs}")
    capped_names = list(capped_outcomes) if capped_outcomes is not None else continuous
    unknown = [name for name in capped_names if name not in continuous]
    if unknown:
        raise ParameterError(
            f"parameter 'capped_outcomes' must name continuous outcomes, got {unknown}"
        )

    k = len(arms.labels)
    codes = arms.codes.astype(np.int16 if k < 32000 else np.int64)
    counts = dict(zip(arms.labels, arms.counts.tolist(), strict=True))
    design: Mapping[str, float] | Sequence[float] | None = (
        {str(key): float(value) for key, value in design_split.items()}
        if isinstance(design_split, Mapping)
        else design_split
    )
    srm = check_srm(counts, design, threshold=srm_threshold)

    balance = balance_table(frame, arms, codes, covariate_names)

    rows: list[dict[str, Any]] = []
    kinds: dict[str, str] = {}
    for outcome in outcomes:
        kind = "binary" if outcome in binary else "continuous"
        kinds[outcome] = kind
        n, mean, var = arm_moments(codes, k, column_values(frame, outcome))
        for index in range(1, k):
            if kind == "binary":
                estimate = proportion_effect(
                    mean[0] * n[0], n[0], mean[index] * n[index], n[index], alpha=alpha
                )
            else:
                estimate = mean_effect(
                    mean[0], var[0], n[0], mean[index], var[index], n[index], alpha=alpha
                )
            rows.append(_effect_row(arms.labels[index], outcome, kind, estimate))
            rows[-1]["control_sd"] = math.sqrt(var[0])
    for name, (numerator, denominator) in ratios.items():
        kinds[name] = "ratio"
        num, den = column_values(frame, numerator), column_values(frame, denominator)
        n = np.bincount(codes, minlength=k).astype(float)
        sn = np.bincount(codes, weights=num, minlength=k)
        sd = np.bincount(codes, weights=den, minlength=k)
        snn = np.bincount(codes, weights=num * num, minlength=k)
        sdd = np.bincount(codes, weights=den * den, minlength=k)
        snd = np.bincount(codes, weights=num * den, minlength=k)
        mn, md = sn / n, sd / n
        vn = (snn - sn * mn) / (n - 1)
        vd = (sdd - sd * md) / (n - 1)
        cnd = (snd - sn * md) / (n - 1)
        arm_stats = [(n[i], mn[i], md[i], vn[i], vd[i], cnd[i]) for i in range(k)]
        for index in range(1, k):
            estimate = ratio_effect(arm_stats[0], arm_stats[index], alpha=alpha)
            rows.append(_effect_row(arms.labels[index], name, "ratio", estimate))
    effects = pd.DataFrame(rows)
    effects["primary"] = effects["outcome"].isin(primary)
    effects["p_adjusted"] = np.nan
    if effects["primary"].any():
        mask = effects["primary"].to_numpy()
        effects.loc[mask, "p_adjusted"] = adjust_p_values(
            effects.loc[mask, "p_value"].to_numpy(), correction_key
        )
    effects["significant"] = effects["p_adjusted"].fillna(effects["p_value"]) < alpha
    chance, seq_low, seq_high = [], [], []
    for relative, relative_se, absolute, absolute_se, n_units in zip(
        effects["relative"].to_numpy(dtype=float),
        effects["relative_se"].to_numpy(dtype=float),
        effects["absolute"].to_numpy(dtype=float),
        effects["absolute_se"].to_numpy(dtype=float),
        (effects["n_control"] + effects["n_treatment"]).to_numpy(dtype=float),
        strict=True,
    ):
        if math.isfinite(relative_se) and relative_se > 0:
            chance.append(bayesian_lift(relative, relative_se, alpha=alpha).chance_to_win)
        else:
            chance.append(math.nan)
        if math.isfinite(absolute_se):
            low, high = sequential_interval(
                absolute, absolute_se, n_units, alpha, sequential_n_star
            )
        else:
            low, high = math.nan, math.nan
        seq_low.append(low)
        seq_high.append(high)
    effects["chance_to_win"] = chance
    effects["sequential_ci_low"] = seq_low
    effects["sequential_ci_high"] = seq_high

    adjusted = adjusted_table(frame, arms, codes, pairs, alpha)
    capped = capped_table(frame, codes, arms, capped_names, winsorize_quantile, alpha)
    heterogeneity, tests = heterogeneity_tables(frame, arms, segment_names, primary, kinds, alpha)
    return ExperimentAnalysis(
        arm_col=arm_col,
        control=str(control),
        arms=arms.labels,
        alpha=float(alpha),
        correction=correction_key,
        primary_outcomes=tuple(primary),
        srm=srm,
        balance=balance,
        effects=effects,
        adjusted=adjusted,
        capped=capped,
        heterogeneity=heterogeneity,
        heterogeneity_tests=tests,
        outcome_kinds=kinds,
    )
