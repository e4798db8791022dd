"""Always-valid (sequential) confidence intervals, as GrowthBook computes them.

Asymptotic confidence sequences of Waudby-Smith et al. (2023, eq. 9): an interval that stays valid
however often the experiment is peeked at. With ``n`` units in total and ``s^2 = se^2 * n``,

    rho = sqrt((-2 ln a + ln(-2 ln a + 1)) / N*)
    half-width = s * sqrt(2 (n rho^2 + 1) ln(sqrt(n rho^2 + 1) / a) / (n rho)^2)

where ``N*`` is the tuning sample size at which the sequence is tightest (GrowthBook default 5000).
"""

from __future__ import annotations

import math

from loyaltylab.errors import ParameterError

__all__ = ["sequential_halfwidth", "sequential_interval", "sequential_rho"]


def sequential_rho(alpha: float = 0.05, n_star: float = 5000) -> float:
    """Tuning constant rho of the confidence sequence.

    Parameters
    ----------
    alpha : float, default 0.05
        Error rate over the whole sequence.
    n_star : float, default 5000
        Sample size at which the sequence is tightest.

    Returns
    -------
    float
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"parameter 'alpha' must lie in (0, 1), got {alpha}")
    if not n_star > 0:
        raise ParameterError(f"parameter 'n_star' must be > 0, got {n_star}")
    log_term = -2.0 * math.log(alpha)
    return math.sqrt((log_term + math.log(log_term + 1.0)) / n_star)


def sequential_halfwidth(se: float, n: float, alpha: float = 0.05, n_star: float = 5000) -> float:
    """Half-width of the always-valid interval of an estimate with standard error ``se``.

    Parameters
    ----------
    se : float
        Standard error of the estimate (fixed-horizon).
    n : float
        Units in the comparison (control + treatment).
    alpha : float, default 0.05
        Error rate.
    n_star : float, default 5000
        Tuning sample size.

    Returns
    -------
    float
    """
    if not n > 0 or not se >= 0:
        raise ParameterError(f"need n > 0 and se >= 0, got n={n}, se={se}")
    rho = sequential_rho(alpha, n_star)
    s = se * math.sqrt(n)
    term = n * rho**2 + 1.0
    return s * math.sqrt(2.0 * term * math.log(math.sqrt(term) / alpha) / (n * rho) ** 2)


def sequential_interval(
    estimate: float, se: float, n: float, alpha: float = 0.05, n_star: float = 5000
) -> tuple[float, float]:
    """Always-valid confidence interval ``estimate +- half-width``.

    Parameters
    ----------
    estimate : float
        Point estimate (absolute or relative effect).
    se : float
        Its fixed-horizon standard error.
    n : float
        Units in the comparison (control + treatment).
    alpha : float, default 0.05
        Error rate.
    n_star : float, default 5000
        Tuning sample size.

    Returns
    -------
    tuple of float
        (low, high).
    """
    half = sequential_halfwidth(se, n, alpha, n_star)
    return estimate - half, estimate + half
