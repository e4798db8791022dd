"""Bayesian chance-to-win on the relative lift, as GrowthBook's default engine computes it.

The likelihood of the relative lift is normal, ``N(lift, se^2)`` with the delta-method standard
error; a normal prior ``N(prior_mean, prior_variance)`` (flat when ``prior_variance`` is None) gives
a normal posterior. Chance to win is the posterior probability that the lift is above 0
(GrowthBook docs/statistics/details.mdx, eq. 5-6).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd
from scipy import stats

from loyaltylab.errors import ParameterError

__all__ = ["BayesianLift", "bayesian_lift"]


@dataclass(frozen=True)
class BayesianLift:
    """Posterior of the relative lift.

    Attributes
    ----------
    mean, sd : float
        Posterior mean and standard deviation of the relative lift.
    ci_low, ci_high : float
        Equal-tailed credible interval.
    chance_to_win : float
        Posterior probability that the lift is positive.
    prior_mean : float
        Prior mean (0 when flat).
    prior_variance : float or None
        Prior variance; None for the flat (improper) prior.
    alpha : float
        1 - credibility of the interval.
    """

    mean: float
    sd: float
    ci_low: float
    ci_high: float
    chance_to_win: float
    prior_mean: float
    prior_variance: float | None
    alpha: float

    def summary(self) -> pd.DataFrame:
        """Return the posterior as a one-row DataFrame."""
        return pd.DataFrame([asdict(self)])


def bayesian_lift(
    lift: float,
    se: float,
    *,
    prior_mean: float = 0.0,
    prior_variance: float | None = None,
    alpha: float = 0.05,
) -> BayesianLift:
    """Normal-normal posterior of a relative lift and its chance to win.

    Parameters
    ----------
    lift : float
        Observed relative lift (``treatment / control - 1``).
    se : float
        Its delta-method standard error (GrowthBook uses ``p(1-p)`` without ``n/(n-1)`` for
        proportions).
    prior_mean : float, default 0
        Mean of the normal prior on the lift.
    prior_variance : float, optional
        Variance of the prior; None (default) for a flat prior.
    alpha : float, default 0.05
        1 - credibility of the interval.

    Returns
    -------
    BayesianLift

    Examples
    --------
    >>> round(bayesian_lift(0.05, 0.035716).chance_to_win, 4)  # statistics.md §4 F6
    0.9192
    """
    if not se > 0 or not math.isfinite(se):
        raise ParameterError(f"the standard error must be positive and finite, got {se}")
    if not 0 < alpha < 1:
        raise ParameterError(f"parameter 'alpha' must lie in (0, 1), got {alpha}")
    data_precision = 1.0 / se**2
    if prior_variance is None:
        precision, mean = data_precision, lift
    else:
        if not prior_variance > 0:
            raise ParameterError(f"parameter 'prior_variance' must be > 0, got {prior_variance}")
        precision = data_precision + 1.0 / prior_variance
        mean = (lift * data_precision + prior_mean / prior_variance) / precision
    sd = math.sqrt(1.0 / precision)
    critical = stats.norm.isf(alpha / 2)
    return BayesianLift(
        mean=float(mean),
        sd=float(sd),
        ci_low=float(mean - critical * sd),
        ci_high=float(mean + critical * sd),
        chance_to_win=float(stats.norm.sf(0.0, loc=mean, scale=sd)),
        prior_mean=float(prior_mean) if prior_variance is not None else 0.0,
        prior_variance=None if prior_variance is None else float(prior_variance),
        alpha=float(alpha),
    )
