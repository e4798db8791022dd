"""Power, sample size and minimum detectable effect before a test (two arms, equal sizes).

The formulas are those of R's ``power.t.test`` and ``power.prop.test`` (two-sample, two-sided,
``strict = FALSE``), so results can be checked against R:

- means: noncentral t with ``df = 2 (n - 1)`` and noncentrality ``sqrt(n / 2) * delta / sd``;
- proportions: the unpooled normal approximation ``power = Phi((sqrt(n) |p1 - p2|
  - z_{1-a/2} sqrt((p1 + p2)(q1 + q2) / 2)) / sqrt(p1 q1 + p2 q2))``.

``n`` is always the number of units *per arm*.
"""

from __future__ import annotations

import math

from scipy import optimize, stats

from loyaltylab.errors import ParameterError

__all__ = [
    "mde_means",
    "mde_proportions",
    "power_means",
    "power_proportions",
    "sample_size_means",
    "sample_size_proportions",
]


def _check(alpha: float, power: float | None = None) -> None:
    if not 0 < alpha < 1:
        raise ParameterError(f"parameter 'alpha' must lie in (0, 1), got {alpha}")
    if power is not None and not alpha < power < 1:
        raise ParameterError(f"parameter 'power' must lie in (alpha, 1), got {power}")


def _check_proportion(p: float, name: str) -> None:
    if not 0 < p < 1:
        raise ParameterError(f"parameter {name!r} must lie in (0, 1), got {p}")


def power_means(n: float, delta: float, sd: float = 1.0, alpha: float = 0.05) -> float:
    """Power of a two-sample t test with ``n`` units per arm.

    Parameters
    ----------
    n : float
        Units per arm (>= 2).
    delta : float
        True difference of means.
    sd : float, default 1
        Unit-level standard deviation (common to both arms).
    alpha : float, default 0.05
        Two-sided significance level.

    Returns
    -------
    float

    Examples
    --------
    >>> round(power_means(20, 1.0), 6)  # R power.t.test(n=20, delta=1)
    0.868953
    """
    _check(alpha)
    if n < 2 or sd <= 0:
        raise ParameterError(f"power needs n >= 2 and sd > 0, got n={n}, sd={sd}")
    df = 2.0 * (n - 1.0)
    ncp = math.sqrt(n / 2.0) * abs(delta) / sd
    critical = stats.t.isf(alpha / 2.0, df)
    return float(stats.nct.sf(critical, df, ncp))


def sample_size_means(
    delta: float, sd: float = 1.0, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Units per arm for a two-sample t test to reach ``power``.

    Parameters
    ----------
    delta : float
        Difference of means to detect (non-zero).
    sd : float, default 1
        Unit-level standard deviation.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Target power.

    Returns
    -------
    float
        Fractional units per arm (round up for planning).
    """
    _check(alpha, power)
    if delta == 0 or sd <= 0:
        raise ParameterError(f"sample size needs delta != 0 and sd > 0, got {delta}, {sd}")
    return float(
        optimize.brentq(
            lambda n: power_means(n, delta, sd, alpha) - power, 2.0, 1e12, xtol=1e-10, rtol=1e-12
        )
    )


def mde_means(n: float, sd: float = 1.0, alpha: float = 0.05, power: float = 0.8) -> float:
    """Minimum detectable difference of means with ``n`` units per arm.

    Parameters
    ----------
    n : float
        Units per arm.
    sd : float, default 1
        Unit-level standard deviation.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Target power.

    Returns
    -------
    float
        The smallest absolute difference detected with probability ``power``.
    """
    _check(alpha, power)
    return float(
        optimize.brentq(
            lambda d: power_means(n, d, sd, alpha) - power,
            1e-12 * sd,
            1e3 * sd,
            xtol=1e-14,
            rtol=1e-12,
        )
    )


def power_proportions(n: float, p_control: float, p_treatment: float, alpha: float = 0.05) -> float:
    """Power of the two-proportion test with ``n`` units per arm (R ``power.prop.test``).

    Parameters
    ----------
    n : float
        Units per arm.
    p_control, p_treatment : float
        Conversion rates in (0, 1).
    alpha : float, default 0.05
        Two-sided significance level.

    Returns
    -------
    float

    Examples
    --------
    >>> round(power_proportions(50, 0.5, 0.75), 5)  # R power.prop.test(n=50, p1=.5, p2=.75)
    0.74017
    """
    _check(alpha)
    _check_proportion(p_control, "p_control")
    _check_proportion(p_treatment, "p_treatment")
    q1, q2 = 1 - p_control, 1 - p_treatment
    critical = stats.norm.isf(alpha / 2)
    spread = math.sqrt(p_control * q1 + p_treatment * q2)
    pooled = math.sqrt((p_control + p_treatment) * (q1 + q2) / 2)
    z = (math.sqrt(n) * abs(p_control - p_treatment) - critical * pooled) / spread
    return float(stats.norm.cdf(z))


def sample_size_proportions(
    p_control: float, p_treatment: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Units per arm for the two-proportion test to reach ``power`` (R ``power.prop.test``).

    Parameters
    ----------
    p_control, p_treatment : float
        Conversion rates in (0, 1), different.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Target power.

    Returns
    -------
    float
        Fractional units per arm.

    Examples
    --------
    >>> round(sample_size_proportions(0.5, 0.75, power=0.9), 4)
    76.7069
    """
    _check(alpha, power)
    _check_proportion(p_control, "p_control")
    _check_proportion(p_treatment, "p_treatment")
    if p_control == p_treatment:
        raise ParameterError("p_control and p_treatment must differ")
    q1, q2 = 1 - p_control, 1 - p_treatment
    pooled = math.sqrt((p_control + p_treatment) * (q1 + q2) / 2)
    spread = math.sqrt(p_control * q1 + p_treatment * q2)
    total = stats.norm.isf(alpha / 2) * pooled + stats.norm.ppf(power) * spread
    return float((total / abs(p_control - p_treatment)) ** 2)


def mde_proportions(n: float, p_control: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Minimum detectable increase of a conversion rate with ``n`` units per arm.

    Parameters
    ----------
    n : float
        Units per arm.
    p_control : float
        Baseline conversion rate in (0, 1).
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Target power.

    Returns
    -------
    float
        The smallest absolute increase ``p_treatment - p_control`` detected with ``power``.
    """
    _check(alpha, power)
    _check_proportion(p_control, "p_control")
    upper = 1 - 1e-12
    if power_proportions(n, p_control, upper, alpha) < power:
        raise ParameterError(
            f"with n={n} per arm no increase over {p_control} reaches power {power}"
        )
    root = optimize.brentq(
        lambda p: power_proportions(n, p_control, p, alpha) - power,
        p_control + 1e-12,
        upper,
        xtol=1e-14,
        rtol=1e-12,
    )
    return float(root - p_control)
