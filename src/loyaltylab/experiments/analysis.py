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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.experiments.bayesian import bayesian_lift
from loyaltylab.experiments.corrections import CORRECTIONS, adjust_p_values
from loyaltylab.experiments.cuped import arm_regression_stats, regression_adjusted_from_stats
from loyaltylab.experiments.effects import (
    EffectEstimate,
    mean_effect,
    proportion_effect,
    ratio_effect,
)
from loyaltylab.experiments.heterogeneity import segment_effects
from loyaltylab.experiments.power import (
    mde_means,
    mde_proportions,
    sample_size_means,
    sample_size_proportions,
)
from loyaltylab.experiments.sequential import sequential_interval
from loyaltylab.experiments.srm import SRM_THRESHOLD, SrmResult, check_srm
from loyaltylab.experiments.validation import ArmCodes, validate_experiment_frame
from loyaltylab.experiments.winsorize import nonzero_cap

__all__ = [
    "ExperimentAnalysis",
    "analyze_experiment",
    "match_pre_period",
    "planning_table",
    "recommendation",
]

_EFFECT_FIELDS = (
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
            effects.setdefault(row.arm, {})[row.outcome] = {
                key: getattr(row, key)
                for key in (
                    *_EFFECT_FIELDS,
                    "p_adjusted",
                    "chance_to_win",
                    "n_control",
                    "n_treatment",
                )
            }
        cuped: dict[str, dict[str, Any]] = {}
        for row in self.adjusted.itertuples(index=False):
            cuped.setdefault(row.arm, {})[row.outcome] = {
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
            capped.setdefault(row.arm, {})[row.outcome] = {
                "cap": row.cap,
                "absolute": row.capped_absolute,
                "absolute_ci_low": row.capped_ci_low,
                "absolute_ci_high": row.capped_ci_high,
                "p_value": row.capped_p_value,
            }
        heterogeneity: dict[str, Any] = {}
        for row in self.heterogeneity_tests.itertuples(index=False):
            node = heterogeneity.setdefault(row.segment, {}).setdefault(row.arm, {})
            node[row.outcome] = {"p_value": row.p_value, "chi2": row.chi2, "df": row.df}
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
    row.update({key: getattr(estimate, key) for key in _EFFECT_FIELDS})
    row["relative_p_value"] = estimate.relative_p_value
    return row


def _arm_moments(codes: np.ndarray, k: int, y: np.ndarray) -> tuple[np.ndarray, ...]:
    n = np.bincount(codes, minlength=k).astype(float)
    s1 = np.bincount(codes, weights=y, minlength=k)
    s2 = np.bincount(codes, weights=y * y, minlength=k)
    mean = s1 / n
    var = np.maximum((s2 - s1 * mean) / (n - 1), 0.0)
    return n, mean, var


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float)


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
    if isinstance(design_split, Mapping):
        design = {str(key): float(value) for key, value in design_split.items()}
    else:
        design = design_split
    srm = check_srm(counts, design, threshold=srm_threshold)

    balance = _balance_table(frame, arms, codes, covariate_names)

    rows: list[dict[str, Any]] = []
    kinds: dict[str, str] = {}
    for outcome in outcomes:
        kind = "binary" if outcome in binary else "continuous"
        kinds[outcome] = kind
        n, mean, var = _arm_moments(codes, k, _values(frame, outcome))
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
        num, den = _values(frame, numerator), _values(frame, denominator)
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
    for row in effects.itertuples(index=False):
        if math.isfinite(row.relative_se) and row.relative_se > 0:
            chance.append(bayesian_lift(row.relative, row.relative_se, alpha=alpha).chance_to_win)
        else:
            chance.append(math.nan)
        if math.isfinite(row.absolute_se):
            low, high = sequential_interval(
                row.absolute,
                row.absolute_se,
                row.n_control + row.n_treatment,
                alpha,
                sequential_n_star,
            )
        else:
            low, high = math.nan, math.nan
        seq_low.append(low)
        seq_high.append(high)
    effects["chance_to_win"] = chance
    effects["sequential_ci_low"] = seq_low
    effects["sequential_ci_high"] = seq_high

    adjusted = _adjusted_table(frame, arms, codes, pairs, alpha)
    capped = _capped_table(frame, codes, arms, capped_names, winsorize_quantile, alpha)
    heterogeneity, tests = _heterogeneity_tables(frame, arms, segment_names, primary, kinds, alpha)
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


def _balance_table(
    frame: pd.DataFrame, arms: ArmCodes, codes: np.ndarray, covariates: Sequence[str]
) -> pd.DataFrame:
    rows = []
    k = len(arms.labels)
    for covariate in covariates:
        n, mean, var = _arm_moments(codes, k, _values(frame, covariate))
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


def _adjusted_table(
    frame: pd.DataFrame, arms: ArmCodes, codes: np.ndarray, pairs: Mapping[str, str], alpha: float
) -> pd.DataFrame:
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
        y = _values(frame, outcome)[order]
        x = _values(frame, covariate)[order]
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


def _capped_table(
    frame: pd.DataFrame,
    codes: np.ndarray,
    arms: ArmCodes,
    outcomes: Sequence[str],
    quantile: float,
    alpha: float,
) -> pd.DataFrame:
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
        y = _values(frame, outcome)
        cap = nonzero_cap(y, quantile)
        capped_y = np.minimum(y, cap)
        n, mean, var = _arm_moments(codes, k, y)
        _, cmean, cvar = _arm_moments(codes, k, capped_y)
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


def _heterogeneity_tables(
    frame: pd.DataFrame,
    arms: ArmCodes,
    segments: Sequence[str],
    outcomes: Sequence[str],
    kinds: Mapping[str, str],
    alpha: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    effect_parts, test_parts = [], []
    for segment in segments:
        for outcome in outcomes:
            if kinds.get(outcome) == "ratio":
                continue
            result = segment_effects(
                _values(frame, outcome), arms, frame[segment], outcome=outcome, alpha=alpha
            )
            effect_parts.append(result.effects)
            test_parts.append(result.tests)
    if not effect_parts:
        return (
            pd.DataFrame(columns=["outcome", "segment", "segment_value", "arm", "absolute"]),
            pd.DataFrame(columns=["outcome", "segment", "arm", "chi2", "df", "p_value"]),
        )
    return pd.concat(effect_parts, ignore_index=True), pd.concat(test_parts, ignore_index=True)


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
        best = rows.loc[rows["absolute"].idxmax()]
        return (
            f"No arm reliably improved {outcome}: the best, {best['arm']!r}, changed it by "
            f"{_format_effect(best['absolute'], kind)} ({level} CI "
            f"{_format_effect(best['absolute_ci_low'], kind)} to "
            f"{_format_effect(best['absolute_ci_high'], kind)}, {adjust_note}p = "
            f"{best[p_column]:.2g}), which is consistent with no effect. Keep the current "
            "program or test a stronger offer."
        )
    best = winners.loc[winners["absolute"].idxmax()]
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
    rows = []
    table = analysis.effects[analysis.effects["kind"].isin(["binary", "continuous"])]
    for row in table.itertuples(index=False):
        n = float(row.n_control)
        base = float(row.control_mean)
        if row.kind == "binary":
            if not 0 < base < 1:
                continue
            mde = mde_proportions(n, base, analysis.alpha, power)
            target = base + row.absolute
            needed = (
                sample_size_proportions(base, target, analysis.alpha, power)
                if 0 < target < 1 and row.absolute != 0
                else math.nan
            )
        else:
            sd = float(row.control_sd)
            if not sd > 0:
                continue
            mde = mde_means(n, sd, analysis.alpha, power)
            needed = (
                sample_size_means(row.absolute, sd, analysis.alpha, power)
                if row.absolute != 0
                else math.nan
            )
        rows.append(
            {
                "outcome": row.outcome,
                "arm": row.arm,
                "units_per_arm": int(n),
                "mde_absolute": mde,
                "mde_relative": mde / base if base else math.nan,
                "observed_absolute": row.absolute,
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
