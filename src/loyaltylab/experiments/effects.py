"""Treatment effects of one arm against control: means, proportions and ratio metrics.

Every function works on sufficient statistics (counts, sums, variances), so the same code serves a
ten-row test vector and a ten-million-row experiment. Conventions (reference/statistics.md §1):

- Means: Welch t test; the interval and p-value use the t distribution with Welch-Satterthwaite
  degrees of freedom (R ``t.test``, GrowthBook).
- Proportions: the unpooled Wald interval for the difference and the pooled two-proportion z test
  for its p-value, without continuity correction (R ``prop.test(correct=FALSE)``).
- Ratio metrics (e.g. spend per visit, a ratio of two per-customer sums): delta method per arm,
  normal reference distribution.
- Relative effect ``(treatment - control) / control``: delta method,
  ``Var = s_c^2 m_t^2 / (m_c^4 n_c) + s_t^2 / (m_c^2 n_t)`` (GrowthBook ``variance_of_ratios``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd
from scipy import special, stats

from loyaltylab.errors import ParameterError

__all__ = [
    "EffectEstimate",
    "mean_effect",
    "mean_effect_from_sums",
    "proportion_effect",
    "ratio_effect",
    "ratio_variance",
    "relative_variance",
    "welch_df",
]


@dataclass(frozen=True)
class EffectEstimate:
    """The effect of one treatment arm on one metric, against control.

    Attributes
    ----------
    method : str
        ``"welch"``, ``"proportion"``, ``"ratio"``, ``"regression_hc2"`` or ``"cuped"``.
    n_control, n_treatment : int
        Units in each arm.
    control_mean, treatment_mean : float
        Arm means (for a ratio metric: the ratio of the arm's sums).
    absolute, absolute_se, absolute_ci_low, absolute_ci_high : float
        Difference treatment - control, its standard error and confidence interval.
    relative, relative_se, relative_ci_low, relative_ci_high : float
        ``absolute / control_mean`` by the delta method (NaN when the control mean is 0).
    p_value : float
        Two-sided p-value of "no absolute difference".
    relative_p_value : float
        Two-sided p-value of the delta-method test of the relative effect.
    df : float
        Degrees of freedom of the t reference distribution (``inf`` = normal).
    alpha : float
        1 - confidence level of the intervals.
    """

    method: str
    n_control: int
    n_treatment: int
    control_mean: float
    treatment_mean: float
    absolute: float
    absolute_se: float
    absolute_ci_low: float
    absolute_ci_high: float
    relative: float
    relative_se: float
    relative_ci_low: float
    relative_ci_high: float
    p_value: float
    relative_p_value: float
    df: float
    alpha: float

    def summary(self) -> pd.DataFrame:
        """Return the estimate as a one-row DataFrame."""
        return pd.DataFrame([asdict(self)])


def _check_alpha(alpha: float) -> float:
    if not 0.0 < float(alpha) < 1.0:
        raise ParameterError(f"parameter 'alpha' must lie in (0, 1), got {alpha!r}")
    return float(alpha)


def _check_n(n: float, name: str) -> None:
    if not n >= 2:
        raise ParameterError(f"{name} needs at least 2 units to estimate a variance, got {n}")


def welch_df(var_c: float, n_c: float, var_t: float, n_t: float) -> float:
    """Welch-Satterthwaite degrees of freedom of a difference of two means.

    Parameters
    ----------
    var_c, var_t : float
        Unit-level variances of each arm.
    n_c, n_t : float
        Units in each arm.

    Returns
    -------
    float
        Degrees of freedom; ``inf`` when both variances are 0.
    """
    a, b = var_c / n_c, var_t / n_t
    denominator = a * a / (n_c - 1) + b * b / (n_t - 1)
    if denominator <= 0:
        return math.inf
    return (a + b) ** 2 / denominator


def relative_variance(
    mean_c: float, var_mean_c: float, mean_t: float, var_mean_t: float, cov_means: float = 0.0
) -> float:
    """Delta-method variance of ``mean_t / mean_c - 1``.

    Parameters
    ----------
    mean_c, mean_t : float
        Control and treatment means.
    var_mean_c, var_mean_t : float
        Variances of the two *means* (unit variance / n).
    cov_means : float, default 0
        Covariance of the two means (0 for independent arms).

    Returns
    -------
    float
        ``var_t / m_c^2 + m_t^2 var_c / m_c^4 - 2 m_t cov / m_c^3`` (NaN when ``mean_c`` is 0).
    """
    if mean_c == 0:
        return math.nan
    return (
        var_mean_t / mean_c**2
        + mean_t**2 * var_mean_c / mean_c**4
        - 2.0 * mean_t * cov_means / mean_c**3
    )


def _interval(estimate: float, se: float, df: float, alpha: float) -> tuple[float, float, float]:
    """Return (ci_low, ci_high, two-sided p) of ``estimate`` with standard error ``se``."""
    if not math.isfinite(se) or not math.isfinite(estimate):
        return math.nan, math.nan, math.nan
    if se == 0:
        p = 1.0 if estimate == 0 else 0.0
        return estimate, estimate, p
    statistic = abs(estimate / se)
    if math.isinf(df):
        critical = float(special.ndtri(1 - alpha / 2))
        p = float(2 * special.ndtr(-statistic))
    else:
        critical = float(special.stdtrit(df, 1 - alpha / 2))
        p = float(2 * special.stdtr(df, -statistic))
    return estimate - critical * se, estimate + critical * se, p


def _build(
    method: str,
    n_c: float,
    n_t: float,
    mean_c: float,
    mean_t: float,
    absolute: float,
    var_abs: float,
    relative: float,
    var_rel: float,
    df: float,
    alpha: float,
    p_value: float | None = None,
) -> EffectEstimate:
    se_abs = math.sqrt(var_abs) if var_abs >= 0 else math.nan
    low, high, p_abs = _interval(absolute, se_abs, df, alpha)
    se_rel = math.sqrt(var_rel) if var_rel >= 0 else math.nan
    rel_low, rel_high, p_rel = _interval(relative, se_rel, df, alpha)
    return EffectEstimate(
        method=method,
        n_control=int(n_c),
        n_treatment=int(n_t),
        control_mean=float(mean_c),
        treatment_mean=float(mean_t),
        absolute=float(absolute),
        absolute_se=se_abs,
        absolute_ci_low=low,
        absolute_ci_high=high,
        relative=float(relative),
        relative_se=se_rel,
        relative_ci_low=rel_low,
        relative_ci_high=rel_high,
        p_value=p_abs if p_value is None else float(p_value),
        relative_p_value=p_rel,
        df=float(df),
        alpha=alpha,
    )


def mean_effect(
    mean_c: float,
    var_c: float,
    n_c: float,
    mean_t: float,
    var_t: float,
    n_t: float,
    *,
    alpha: float = 0.05,
) -> EffectEstimate:
    """Welch comparison of two means with a delta-method relative effect.

    Parameters
    ----------
    mean_c, var_c, n_c : float
        Control mean, unit-level variance (``n - 1`` denominator) and unit count.
    mean_t, var_t, n_t : float
        The same for the treatment arm.
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    EffectEstimate
        ``method="welch"``; absolute and relative intervals use the Welch-Satterthwaite df.

    Examples
    --------
    R's ``sleep`` data (reference/statistics.md §4 B1):

    >>> from statistics import mean, variance
    >>> g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    >>> g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    >>> e = mean_effect(mean(g2), variance(g2), 10, mean(g1), variance(g1), 10)
    >>> round(e.p_value, 5)
    0.07939
    """
    alpha = _check_alpha(alpha)
    _check_n(n_c, "the control arm")
    _check_n(n_t, "the treatment arm")
    var_abs = var_c / n_c + var_t / n_t
    df = welch_df(var_c, n_c, var_t, n_t)
    relative = (mean_t - mean_c) / mean_c if mean_c != 0 else math.nan
    var_rel = relative_variance(mean_c, var_c / n_c, mean_t, var_t / n_t)
    return _build(
        "welch", n_c, n_t, mean_c, mean_t, mean_t - mean_c, var_abs, relative, var_rel, df, alpha
    )


def mean_effect_from_sums(
    sum_c: float,
    sum_sq_c: float,
    n_c: float,
    sum_t: float,
    sum_sq_t: float,
    n_t: float,
    *,
    alpha: float = 0.05,
) -> EffectEstimate:
    """Welch comparison from per-arm sums and sums of squares (GrowthBook's inputs).

    Parameters
    ----------
    sum_c, sum_sq_c, n_c : float
        Control sum of values, sum of squared values and unit count.
    sum_t, sum_sq_t, n_t : float
        The same for the treatment arm.
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    EffectEstimate
    """
    mean_c, mean_t = sum_c / n_c, sum_t / n_t
    var_c = (sum_sq_c - sum_c**2 / n_c) / (n_c - 1)
    var_t = (sum_sq_t - sum_t**2 / n_t) / (n_t - 1)
    return mean_effect(mean_c, var_c, n_c, mean_t, var_t, n_t, alpha=alpha)


def proportion_effect(
    successes_c: float,
    n_c: float,
    successes_t: float,
    n_t: float,
    *,
    alpha: float = 0.05,
) -> EffectEstimate:
    """Difference of two proportions: unpooled Wald interval, pooled z-test p-value.

    No continuity correction (R ``prop.test(..., correct=FALSE)``). The relative effect uses the
    delta method with ``p(1-p)/n`` variances and a normal reference distribution.

    Parameters
    ----------
    successes_c, n_c : float
        Control successes and units.
    successes_t, n_t : float
        Treatment successes and units.
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    EffectEstimate
        ``method="proportion"``, ``df=inf``.

    Examples
    --------
    >>> e = proportion_effect(12, 99, 5, 83)  # reference/statistics.md §4 A1/A2
    >>> round(e.p_value, 6)
    0.159181
    """
    alpha = _check_alpha(alpha)
    _check_n(n_c, "the control arm")
    _check_n(n_t, "the treatment arm")
    for name, x, n in (("control", successes_c, n_c), ("treatment", successes_t, n_t)):
        if not 0 <= x <= n:
            raise ParameterError(f"{name} successes must lie in [0, n={n}], got {x}")
    p_c, p_t = successes_c / n_c, successes_t / n_t
    var_mean_c, var_mean_t = p_c * (1 - p_c) / n_c, p_t * (1 - p_t) / n_t
    pooled = (successes_c + successes_t) / (n_c + n_t)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_t))
    diff = p_t - p_c
    if se_pooled > 0:
        p_value = float(2 * stats.norm.sf(abs(diff / se_pooled)))
    else:
        p_value = 1.0
    relative = diff / p_c if p_c != 0 else math.nan
    var_rel = relative_variance(p_c, var_mean_c, p_t, var_mean_t)
    return _build(
        "proportion",
        n_c,
        n_t,
        p_c,
        p_t,
        diff,
        var_mean_c + var_mean_t,
        relative,
        var_rel,
        math.inf,
        alpha,
        p_value=p_value,
    )


def ratio_variance(
    n: float,
    mean_num: float,
    mean_den: float,
    var_num: float,
    var_den: float,
    cov_num_den: float,
) -> float:
    """Delta-method variance of the ratio of means ``mean_num / mean_den`` in one arm.

    Parameters
    ----------
    n : float
        Units (customers) in the arm; numerator and denominator are per-unit totals.
    mean_num, mean_den : float
        Means of the per-unit numerator (e.g. spend) and denominator (e.g. visits).
    var_num, var_den, cov_num_den : float
        Unit-level variances and covariance.

    Returns
    -------
    float
        ``(var_num / m_d^2 - 2 m_n cov / m_d^3 + m_n^2 var_den / m_d^4) / n``.
    """
    if mean_den == 0:
        return math.nan
    return (
        var_num / mean_den**2
        - 2.0 * mean_num * cov_num_den / mean_den**3
        + mean_num**2 * var_den / mean_den**4
    ) / n


def ratio_effect(
    control: tuple[float, float, float, float, float, float],
    treatment: tuple[float, float, float, float, float, float],
    *,
    alpha: float = 0.05,
) -> EffectEstimate:
    """Effect on a ratio metric (e.g. spend per visit) by the delta method.

    Parameters
    ----------
    control, treatment : tuple of 6 floats
        Per arm ``(n, mean_num, mean_den, var_num, var_den, cov_num_den)`` over units, where
        ``num`` and ``den`` are each unit's totals (spend and visits of one customer).
    alpha : float, default 0.05
        1 - confidence level.

    Returns
    -------
    EffectEstimate
        ``method="ratio"``; means are the arms' ratios; normal reference distribution.
    """
    alpha = _check_alpha(alpha)
    n_c, n_t = control[0], treatment[0]
    _check_n(n_c, "the control arm")
    _check_n(n_t, "the treatment arm")
    ratio_c = control[1] / control[2] if control[2] != 0 else math.nan
    ratio_t = treatment[1] / treatment[2] if treatment[2] != 0 else math.nan
    var_c = ratio_variance(*control)
    var_t = ratio_variance(*treatment)
    relative = (ratio_t - ratio_c) / ratio_c if ratio_c not in (0.0,) else math.nan
    var_rel = relative_variance(ratio_c, var_c, ratio_t, var_t)
    return _build(
        "ratio",
        n_c,
        n_t,
        ratio_c,
        ratio_t,
        ratio_t - ratio_c,
        var_c + var_t,
        relative,
        var_rel,
        math.inf,
        alpha,
    )
