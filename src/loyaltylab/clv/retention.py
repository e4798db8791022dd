"""Contractual retention: the shifted-beta-geometric (sBG) model of paid memberships.

In a contractual setting (a paid membership, a subscription) every member renews or leaves at the
end of each period, so the data are the survivors of a cohort at the start of each period
(1000, 631, 468, ...) or one record per member (periods paid, still a member or not). Fader &
Hardie (2007, "How to Project Customer Retention", Journal of Interactive Marketing 21(1):76-90)
let each member leave at every renewal with a constant probability θ that varies across members as
Beta(γ, δ). With the member's lifetime T counted in periods paid (T = 1: left at the first
renewal):

* P(T = t) = B(γ + 1, δ + t - 1) / B(γ, δ), t = 1, 2, ...
* S(t) = P(T > t) = B(γ, δ + t) / B(γ, δ), the share of a cohort still a member after t renewals;
* r(t) = S(t) / S(t - 1) = (δ + t - 1) / (γ + δ + t - 1), the retention rate at renewal t, which
  rises with t because the members most likely to leave leave first.

The discounted expected residual lifetime of Fader & Hardie (2010, "Customer-Base Valuation in a
Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing Science 29(1):85-93, eq. 6)
of a member who has made n - 1 renewals, valued just before the n-th renewal, is

    DERL(d | n - 1) = Σ_{t >= n} S(t) / S(n - 1) / (1 + d) ** (t - n)
                    = (δ + n - 1) / (γ + δ + n - 1) · 2F1(1, δ + n; γ + δ + n; 1 / (1 + d)),

the number of future payments the member is expected to make, discounted at rate d per period;
a member's residual CLV is the value of a period times the DERL.

:func:`fit_retention_model` fits the model by maximum likelihood on the log-parameters with the
exact gradient and Hessian, and returns a :class:`RetentionFit` with standard errors, the
survival and retention curves, the DERL, residual CLV and a projection against a holdout;
:func:`renewal_counts` turns member records into the counts the fit uses;
:func:`plot_retention_projection` draws the projection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy.optimize import minimize
from scipy.special import betaln, digamma, hyp2f1, polygamma

from loyaltylab.errors import DataValidationError, ModelConvergenceError, ParameterError

__all__ = [
    "RETENTION_MODELS",
    "RenewalCounts",
    "RetentionFit",
    "fit_retention_model",
    "plot_retention_projection",
    "renewal_counts",
    "sbg_log_likelihood",
]

RETENTION_MODELS: tuple[str, ...] = ("sbg",)
"""Names :func:`fit_retention_model` accepts: ``"sbg"`` (shifted-beta-geometric)."""

_MAX_LOG = 700.0  # exp() of more overflows a float; intervals are capped here


@dataclass(frozen=True)
class RenewalCounts:
    """What a retention fit uses: members leaving at each renewal and members still members.

    Attributes
    ----------
    churned : numpy.ndarray of int
        ``churned[t - 1]``: members whose lifetime is t periods (left at renewal t), t = 1..K.
    censored : numpy.ndarray of int
        ``censored[t]``: members known to have made t renewals and still members (T > t),
        t = 0..K.
    survivors : tuple of int or None
        The cohort's survivors at the start of each period when the counts came from one
        cohort observed to the same period (None for member records).
    """

    churned: np.ndarray
    censored: np.ndarray
    survivors: tuple[int, ...] | None = None

    @property
    def n_members(self) -> int:
        """Members counted."""
        return int(self.churned.sum() + self.censored.sum())

    @property
    def n_churned(self) -> int:
        """Members seen leaving."""
        return int(self.churned.sum())

    @property
    def n_periods(self) -> int:
        """Renewals covered (the longest observed tenure in periods)."""
        return int(max(len(self.churned), len(self.censored) - 1))

    def at_renewal(self) -> np.ndarray:
        """Members whose decision at renewal t = 1..K is observed (left then, or renewed)."""
        k = self.n_periods
        churned = np.zeros(k)
        churned[: len(self.churned)] = self.churned
        censored = np.zeros(k + 1)
        censored[: len(self.censored)] = self.censored
        # decided at renewal t: left at t or later, or known to be a member after t renewals
        later_churn = np.cumsum(churned[::-1])[::-1]
        later_censored = np.cumsum(censored[::-1])[::-1][1:]
        return np.asarray(later_churn + later_censored)

    def terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Likelihood terms (u, v, w): w members contribute log B(γ + u, δ + v) - log B(γ, δ)."""
        t_churn = np.arange(1, len(self.churned) + 1)
        t_cens = np.arange(len(self.censored))
        u = np.concatenate([np.ones(len(t_churn)), np.zeros(len(t_cens))])
        v = np.concatenate([t_churn - 1.0, t_cens.astype(float)])
        w = np.concatenate([self.churned, self.censored]).astype(float)
        keep = w > 0
        return u[keep], v[keep], w[keep]


def _check_survivors(survivors: Sequence[int] | np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(survivors)
    if values.ndim != 1 or values.size < 2:
        raise DataValidationError(
            f"parameter {name!r} must be a list of at least 2 survivor counts (the cohort at the "
            f"start of each period, e.g. [1000, 631, 468]), got {survivors!r}"
        )
    if values.dtype == bool or not np.issubdtype(values.dtype, np.number):
        raise DataValidationError(f"parameter {name!r} must hold whole numbers, got {survivors!r}")
    finite = np.isfinite(values.astype(float))
    whole = finite & (values.astype(float) == np.round(values.astype(float)))
    if not whole.all():
        bad = values[~whole][:5].tolist()
        raise DataValidationError(
            f"parameter {name!r}: {int((~whole).sum())} counts are not whole numbers, e.g. {bad}"
        )
    counts = values.astype(np.int64)
    if counts[0] <= 0 or (counts < 0).any():
        raise DataValidationError(
            f"parameter {name!r}: the first count must be > 0 and no count negative, "
            f"got {counts[:5].tolist()}"
        )
    rising = np.flatnonzero(np.diff(counts) > 0)
    if rising.size:
        examples = [f"period {i}: {counts[i]} -> {counts[i + 1]}" for i in rising[:5]]
        raise DataValidationError(
            f"parameter {name!r}: survivors must not increase, but they do at {rising.size} "
            f"periods ({'; '.join(examples)}); pass one cohort's counts (new members are a "
            "new cohort) or member records through renewal_counts"
        )
    return counts


def renewal_counts(
    survivors: Sequence[int] | np.ndarray | pd.DataFrame,
    *,
    periods_column: str = "periods",
    active_column: str = "active",
) -> RenewalCounts:
    """Return the renewal counts of a cohort's survivors or of member renewal records.

    Parameters
    ----------
    survivors : sequence of int, or pandas.DataFrame
        Either the survivors of one cohort at the start of periods 0, 1, ..., K (the first is the
        cohort's size), or one row per member with the periods the member has paid for
        (``periods_column``, a whole number >= 1) and whether the member is still a member
        (``active_column``, bool). A member who left after paying t periods has lifetime t; a
        member still active after paying t periods has made t - 1 renewals (T > t - 1).
    periods_column, active_column : str
        Column names of member records.

    Returns
    -------
    RenewalCounts

    Raises
    ------
    DataValidationError
        Counts that rise, are negative or not whole; records with a missing column, periods < 1
        or not whole, or an active flag that is not boolean.

    Examples
    --------
    >>> counts = renewal_counts([1000, 631, 468])
    >>> counts.churned.tolist(), counts.censored.tolist()
    ([369, 163], [0, 0, 468])
    >>> records = pd.DataFrame({"periods": [1, 2, 3, 3], "active": [False, False, True, True]})
    >>> renewal_counts(records).censored.tolist()
    [0, 0, 2]
    """
    if not isinstance(survivors, pd.DataFrame):
        counts = _check_survivors(survivors, "survivors")
        censored = np.zeros(len(counts), dtype=np.int64)
        censored[-1] = counts[-1]
        return RenewalCounts(
            churned=-np.diff(counts),
            censored=censored,
            survivors=tuple(int(c) for c in counts),
        )
    records = survivors
    missing = [c for c in (periods_column, active_column) if c not in records.columns]
    if missing:
        raise DataValidationError(
            f"member renewal records need the columns {missing}; found {list(records.columns)[:8]}"
            "; name yours with periods_column= and active_column="
        )
    if records.empty:
        raise DataValidationError("member renewal records are empty: no member to fit")
    periods = pd.to_numeric(records[periods_column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(periods) | (periods < 1) | (periods != np.round(periods))
    if bad.any():
        examples = records.loc[bad, periods_column].head(5).tolist()
        raise DataValidationError(
            f"column {periods_column!r}: {int(bad.sum())} rows are not whole numbers >= 1 "
            f"(periods paid for), e.g. {examples}"
        )
    active_values = records[active_column]
    if not pd.api.types.is_bool_dtype(active_values):
        raise DataValidationError(
            f"column {active_column!r} must be boolean (True: still a member), got dtype "
            f"{active_values.dtype}; e.g. {active_values.head(5).tolist()}"
        )
    active = active_values.to_numpy(dtype=bool)
    tenure = periods.astype(np.int64)
    k = int(tenure.max())
    churned = np.bincount(tenure[~active], minlength=k + 1)[1:]
    censored = np.bincount(tenure[active] - 1, minlength=k)
    return RenewalCounts(churned=churned.astype(np.int64), censored=censored.astype(np.int64))


def sbg_log_likelihood(
    log_params: np.ndarray, counts: RenewalCounts
) -> tuple[float, np.ndarray, np.ndarray]:
    """Return the sBG log-likelihood, its gradient and Hessian in (log γ, log δ).

    Parameters
    ----------
    log_params : numpy.ndarray
        ``[log γ, log δ]``.
    counts : RenewalCounts

    Returns
    -------
    tuple
        (log-likelihood, gradient of shape (2,), Hessian of shape (2, 2)).

    Examples
    --------
    >>> value, _, _ = sbg_log_likelihood(np.log([0.704, 1.182]), renewal_counts([1000, 631]))
    >>> round(value, 2)
    -658.46
    """
    gamma, delta = np.exp(np.asarray(log_params, dtype=float))
    u, v, w = counts.terms()
    a, b = gamma + u, delta + v
    total = w.sum()
    value = float((w * (betaln(a, b) - betaln(gamma, delta))).sum())
    base_g = digamma(gamma + delta)
    g_gamma = (w * (digamma(a) - digamma(a + b))).sum() - total * (digamma(gamma) - base_g)
    g_delta = (w * (digamma(b) - digamma(a + b))).sum() - total * (digamma(delta) - base_g)
    t1 = polygamma(1, a + b)
    base_h = polygamma(1, gamma + delta)
    h_gg = (w * (polygamma(1, a) - t1)).sum() - total * (polygamma(1, gamma) - base_h)
    h_dd = (w * (polygamma(1, b) - t1)).sum() - total * (polygamma(1, delta) - base_h)
    h_gd = -(w * t1).sum() + total * base_h
    theta = np.array([gamma, delta])
    grad = np.array([g_gamma, g_delta])
    hess = np.array([[h_gg, h_gd], [h_gd, h_dd]])
    # chain rule to the log scale: d/dlog x = x d/dx
    log_hess = np.outer(theta, theta) * hess + np.diag(theta * grad)
    return value, theta * grad, log_hess


@dataclass(frozen=True)
class RetentionFit:
    """A fitted shifted-beta-geometric retention model (Fader & Hardie 2007).

    Attributes
    ----------
    model : str
        ``"sbg"``.
    params : dict of str to float
        ``gamma`` and ``delta`` of the Beta distribution of the churn probability per renewal.
    log_likelihood : float
        Maximised log-likelihood (no combinatorial constant, as in the paper).
    covariance : pandas.DataFrame
        Covariance of (log γ, log δ), the inverse of the negative Hessian.
    counts : RenewalCounts
        The data fitted.
    period_days : int or None
        Length of a renewal period in days, when known (365 for yearly renewals).
    """

    model: str
    params: dict[str, float]
    log_likelihood: float
    covariance: pd.DataFrame
    counts: RenewalCounts
    period_days: int | None = None

    @property
    def gamma(self) -> float:
        """γ of the Beta(γ, δ) churn probability."""
        return self.params["gamma"]

    @property
    def delta(self) -> float:
        """δ of the Beta(γ, δ) churn probability."""
        return self.params["delta"]

    @property
    def standard_errors(self) -> dict[str, float]:
        """Standard errors of γ and δ (delta method from the log scale)."""
        log_se = np.sqrt(np.diag(self.covariance.to_numpy()))
        pairs = zip(self.params.items(), log_se, strict=True)
        return {name: float(value * se) for (name, value), se in pairs}

    @property
    def n_members(self) -> int:
        """Members fitted."""
        return self.counts.n_members

    @property
    def mean_churn(self) -> float:
        """Mean churn probability per renewal across new members, γ / (γ + δ)."""
        return self.gamma / (self.gamma + self.delta)

    def survival(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """S(t) = B(γ, δ + t) / B(γ, δ): share of a new cohort still members after t renewals.

        Parameters
        ----------
        t : float or array
            Renewals (periods) since joining; S(0) = 1.

        Returns
        -------
        numpy.ndarray
        """
        t = np.asarray(t, dtype=float)
        return np.asarray(
            np.exp(betaln(self.gamma, self.delta + t) - betaln(self.gamma, self.delta))
        )

    def retention_rate(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """r(t) = (δ + t - 1) / (γ + δ + t - 1): share of members renewing at renewal t >= 1."""
        t = np.asarray(t, dtype=float)
        return np.asarray((self.delta + t - 1) / (self.gamma + self.delta + t - 1))

    def churn_probability(self, t: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """P(T = t) = B(γ + 1, δ + t - 1) / B(γ, δ): share of a new cohort leaving at renewal t."""
        t = np.asarray(t, dtype=float)
        log_p = betaln(self.gamma + 1, self.delta + t - 1) - betaln(self.gamma, self.delta)
        return np.asarray(np.exp(log_p))

    def derl(self, discount_rate: float, renewals: int = 0) -> float:
        """Discounted expected residual lifetime (Fader & Hardie 2010, eq. 6).

        The expected number of future payments of a member who has made ``renewals`` renewals,
        valued just before the next renewal, each payment discounted at ``discount_rate`` per
        period from that renewal on:
        (δ + n - 1) / (γ + δ + n - 1) · 2F1(1, δ + n; γ + δ + n; 1 / (1 + d)), n = renewals + 1.

        Parameters
        ----------
        discount_rate : float
            Discount rate per period, >= 0. With 0 the residual lifetime is finite only when
            γ > 1 (infinite otherwise).
        renewals : int, default 0
            Renewals the member has made (0: a member in the first period).

        Returns
        -------
        float

        Examples
        --------
        >>> fit = fit_retention_model([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(fit.derl(0.10), 3)
        2.964
        """
        d = _check_rate(discount_rate, "discount_rate")
        if isinstance(renewals, bool) or not isinstance(renewals, int | np.integer) or renewals < 0:
            raise ParameterError(
                f"parameter 'renewals' must be a whole number >= 0, got {renewals!r}"
            )
        n = int(renewals) + 1
        g, dl = self.gamma, self.delta
        if d == 0 and g <= 1:
            return math.inf
        return float((dl + n - 1) / (g + dl + n - 1) * hyp2f1(1.0, dl + n, g + dl + n, 1 / (1 + d)))

    def residual_clv(
        self, value_per_period: float, discount_rate: float, renewals: int = 0
    ) -> float:
        """Residual CLV of a member: value of a period times :meth:`derl`.

        Parameters
        ----------
        value_per_period : float
            Margin a member brings per period (fee plus margin on purchases, less costs).
        discount_rate : float
            Discount rate per period.
        renewals : int, default 0
            Renewals the member has made.

        Returns
        -------
        float
        """
        if not isinstance(value_per_period, int | float) or not math.isfinite(value_per_period):
            raise ParameterError(
                f"parameter 'value_per_period' must be a finite number, got {value_per_period!r}"
            )
        return float(value_per_period) * self.derl(discount_rate, renewals)

    def projection(
        self, holdout: Sequence[int] | np.ndarray, *, first_period: int | None = None
    ) -> pd.DataFrame:
        """Project the cohort's survivors into a holdout and compare with what happened.

        Parameters
        ----------
        holdout : sequence of int
            Actual survivors at the start of the holdout periods.
        first_period : int, optional
            Period of the first holdout count (default: the period after the fitted survivors).

        Returns
        -------
        pandas.DataFrame
            ``period``, ``actual``, ``projected`` (cohort size × S(period)), ``error``
            (projected - actual) and ``percent_error``; ``attrs["mean_absolute_percent_error"]``.
        """
        actual = np.asarray(holdout, dtype=float)
        size = self.counts.survivors[0] if self.counts.survivors else self.n_members
        start = first_period if first_period is not None else self.counts.n_periods + 1
        periods = np.arange(start, start + actual.size)
        projected = size * self.survival(periods)
        frame = pd.DataFrame(
            {
                "period": periods,
                "actual": actual,
                "projected": projected,
                "error": projected - actual,
                "percent_error": 100 * (projected - actual) / actual,
            }
        )
        frame.attrs["mean_absolute_percent_error"] = float(frame["percent_error"].abs().mean())
        return frame

    def summary(self) -> pd.DataFrame:
        """Return one row per parameter: estimate, standard error and a 95 % interval.

        The interval is exp(log θ ± 1.96 se) with the exponent capped so it never overflows;
        ``attrs`` holds the log-likelihood, members and periods.
        """
        log_se = np.sqrt(np.diag(self.covariance.to_numpy()))
        rows = []
        for (name, value), se in zip(self.params.items(), log_se, strict=True):
            log_value = math.log(value)
            rows.append(
                {
                    "model": "sBG",
                    "parameter": name,
                    "estimate": value,
                    "std_error": value * se,
                    "ci_low": math.exp(max(log_value - 1.96 * se, -_MAX_LOG)),
                    "ci_high": math.exp(min(log_value + 1.96 * se, _MAX_LOG)),
                }
            )
        frame = pd.DataFrame(rows)
        frame.attrs["log_likelihood"] = self.log_likelihood
        frame.attrs["n_members"] = self.n_members
        frame.attrs["n_periods"] = self.counts.n_periods
        return frame


def _check_rate(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ParameterError(f"parameter {name!r} must be a number >= 0, got {value!r}")
    if not math.isfinite(value):
        raise ParameterError(f"parameter {name!r} must be finite, got {value!r}")
    return float(value)


def _identification_problem(counts: RenewalCounts) -> str | None:
    decided = counts.at_renewal()
    if counts.n_churned == 0:
        return "no member left in the data, so the churn probability cannot be estimated"
    observed = int((decided > 0).sum())
    if observed < 2:
        return (
            f"renewal decisions are observed at {observed} renewal(s); the two parameters need "
            "at least 2 (give at least 3 survivor counts, or records with tenures of 2+ periods)"
        )
    if int(decided[1:].sum()) == 0:
        return "every member decided at the first renewal only; later retention is unobserved"
    return None


def fit_retention_model(
    survivors: Sequence[int] | np.ndarray | pd.DataFrame | RenewalCounts,
    model: str = "sbg",
    *,
    period_days: int | None = None,
    periods_column: str = "periods",
    active_column: str = "active",
) -> RetentionFit:
    """Fit the shifted-beta-geometric retention model to survivors or member renewal records.

    Parameters
    ----------
    survivors : sequence of int, pandas.DataFrame or RenewalCounts
        The survivors of one cohort at the start of periods 0, 1, ..., K (e.g. 1000, 631, 468),
        or member renewal records (see :func:`renewal_counts`).
    model : {"sbg"}, default "sbg"
        Shifted-beta-geometric (Fader & Hardie 2007).
    period_days : int, optional
        Length of a renewal period in days (kept on the result, e.g. 365).
    periods_column, active_column : str
        Column names of member records.

    Returns
    -------
    RetentionFit

    Raises
    ------
    ParameterError
        Unknown model or a bad ``period_days``.
    DataValidationError
        Invalid counts or records (see :func:`renewal_counts`).
    ModelConvergenceError
        The data cannot identify the model (nobody left, or decisions at fewer than two
        renewals), or the optimum is not finite; the message gives the counts.

    Examples
    --------
    >>> fit = fit_retention_model([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(fit.params["gamma"], 3), round(fit.params["delta"], 3), round(fit.log_likelihood, 2)
    (0.704, 1.182, -1680.27)
    >>> round(float(fit.survival(12)) * 1000)  # 173 members were left in year 12
    170
    """
    if model not in RETENTION_MODELS:
        raise ParameterError(
            f"parameter 'model' must be one of {list(RETENTION_MODELS)}, got {model!r}"
        )
    if period_days is not None and (
        isinstance(period_days, bool) or not isinstance(period_days, int) or period_days < 1
    ):
        raise ParameterError(
            f"parameter 'period_days' must be a whole number >= 1, got {period_days!r}"
        )
    counts = (
        survivors
        if isinstance(survivors, RenewalCounts)
        else renewal_counts(survivors, periods_column=periods_column, active_column=active_column)
    )
    where = (
        f"{counts.n_members} members, {counts.n_churned} seen leaving, "
        f"{counts.n_periods} renewal period(s)"
    )
    problem = _identification_problem(counts)
    if problem is not None:
        raise ModelConvergenceError(f"sBG cannot be fitted: {problem} ({where})")
    total = counts.n_members

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad, _ = sbg_log_likelihood(x, counts)
        return -value / total, -grad / total

    def maximise(start: list[float]) -> tuple[np.ndarray, bool]:
        result = minimize(
            objective, np.array(start), jac=True, method="BFGS", options={"gtol": 1e-7}
        )
        x = np.asarray(result.x, dtype=float)
        for _ in range(20):  # Newton polish with the exact Hessian
            value, grad, hess = sbg_log_likelihood(x, counts)
            if not (math.isfinite(value) and np.all(np.isfinite(x))):
                return x, False
            if np.max(np.abs(grad)) < 1e-9 * total:
                return x, bool(np.all(np.linalg.eigvalsh(hess) < 0))
            step = np.linalg.solve(hess, grad)
            if not np.all(np.isfinite(step)):
                return x, False
            x = x - step
        return x, False

    for start in ([0.0, 0.0], [-1.0, 1.0], [1.0, 2.0]):
        x, converged = maximise(start)
        if converged:
            break
    value, grad, hess = sbg_log_likelihood(x, counts)
    eigen = np.linalg.eigvalsh(hess)
    if np.all(x > math.log(1e4)) and math.isfinite(value):
        churn = 1 / (1 + math.exp(x[1] - x[0]))
        raise ModelConvergenceError(
            "sBG: churn looks the same for every member (gamma and delta grow without bound at "
            f"a churn of {churn:.3f} per renewal), so the spread of churn across members is not "
            f"identified; a constant churn per renewal describes these data ({where})"
        )
    if not (math.isfinite(value) and np.all(np.isfinite(x)) and np.all(eigen < 0)):
        raise ModelConvergenceError(
            "sBG did not reach an interior maximum (log-likelihood "
            f"{value:.4g}, gamma {math.exp(min(x[0], _MAX_LOG)):.4g}, delta "
            f"{math.exp(min(x[1], _MAX_LOG)):.4g}); the retention data are too flat or too "
            f"short to tell members apart ({where})"
        )
    labels = ["log_gamma", "log_delta"]
    return RetentionFit(
        model=model,
        params={"gamma": float(math.exp(x[0])), "delta": float(math.exp(x[1]))},
        log_likelihood=float(value),
        covariance=pd.DataFrame(np.linalg.inv(-hess), index=labels, columns=labels),
        counts=counts,
        period_days=period_days,
    )


def plot_retention_projection(
    fit: RetentionFit,
    holdout: Sequence[int] | np.ndarray | None = None,
    *,
    horizon: int | None = None,
    unit: str = "period",
    ax: Axes | None = None,
) -> Axes:
    """Survivors of the cohort, actual vs the sBG's fit and projection, calibration end marked.

    Parameters
    ----------
    fit : RetentionFit
        A fit to a cohort's survivors.
    holdout : sequence of int, optional
        Actual survivors in the periods after the fitted ones, drawn as open markers.
    horizon : int, optional
        Last period drawn (default: the end of the holdout, or twice the fitted periods).
    unit : str, default "period"
        Name of a period for the axis label (e.g. "year").
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    fitted = fit.counts.survivors
    k = fit.counts.n_periods
    extra = 0 if holdout is None else len(holdout)
    last = horizon if horizon is not None else (k + extra if extra else 2 * k)
    periods = np.arange(0, last + 1)
    size = fitted[0] if fitted else fit.n_members
    ax.plot(periods, size * fit.survival(periods), color="C0", label="sBG fit and projection")
    if fitted:
        ax.plot(np.arange(len(fitted)), fitted, "o", color="black", label="Actual (fitted)")
    if holdout is not None:
        ax.plot(
            np.arange(k + 1, k + 1 + extra),
            np.asarray(holdout),
            "o",
            mfc="none",
            color="black",
            label="Actual (holdout)",
        )
    ax.axvline(k, color="grey", ls=":", lw=1)
    ax.set_title("Members still active: sBG projection vs actual")
    ax.set_xlabel(f"{unit.capitalize()}s since joining")
    ax.set_ylabel("Members (count)")
    ax.legend()
    return ax
