"""Result objects of the CLV fits: attempts, transaction and spend model fits, boundary optima.

:func:`parameter_table` is the one parameter table of every fit: estimates, standard errors and
95 % intervals computed on the log scale, capped for display so they never overflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from loyaltylab.clv.models.base import TransactionModel

__all__ = [
    "MAX_DISPLAYED_LOG_SE",
    "FitAttempt",
    "TransactionModelFit",
    "BoundaryFit",
    "SpendModelFit",
    "parameter_table",
]

# A log-parameter standard error above this makes the 95 % interval span more than e^(2·1.96·10)
# (a factor of 1e17): the interval is shown as unbounded (NaN) instead of overflowing.
MAX_DISPLAYED_LOG_SE = 10.0


@dataclass(frozen=True)
class FitAttempt:
    """One optimiser run of a fit: what was tried and why it was accepted or rejected."""

    strategy: str
    success: bool
    reason: str
    params: dict[str, float] | None = None
    log_likelihood: float | None = None


@dataclass(frozen=True)
class TransactionModelFit:
    """A fitted BG/NBD, Pareto/NBD or MBG/NBD model.

    Attributes
    ----------
    model : str
        ``"bgnbd"``, ``"pareto_nbd"`` or ``"mbgnbd"``.
    params : dict of str to float
        Estimates with lifetimes' names (BG/NBD, MBG/NBD: r, alpha, a, b; Pareto/NBD: r, alpha, s,
        beta); ``alpha`` and ``beta`` are in the time unit of the summary.
    log_likelihood : float
        Log-likelihood summed over customers, in the time unit of the summary (papers' convention).
    covariance : pandas.DataFrame
        Covariance of the log-parameters (index and columns ``log_r``, ``log_alpha``, ...), the
        inverse Hessian of the summed log-likelihood at the optimum.
    n_customers : int
        Customers fitted.
    n_unique_rows : int
        Distinct (frequency, recency, T) rows after compression.
    attempts : tuple of FitAttempt
        Every optimiser run, in order; the accepted one is the last successful one.
    time_unit : str
        Analysis unit of recency and T (``"W"``, ``"D"`` or ``"M"``), as passed to the fit.
    boundary : BoundaryFit or None
        Set when the maximum is on the boundary (no dropout detected in this window; the CLV
        is an upper bound): the model reduces to the NBD, whose estimates the fit carries.
    """

    model: str
    params: dict[str, float]
    log_likelihood: float
    covariance: pd.DataFrame
    n_customers: int
    n_unique_rows: int
    attempts: tuple[FitAttempt, ...]
    time_unit: str = "W"
    boundary: BoundaryFit | None = None

    @property
    def transaction_model(self) -> TransactionModel:
        """The registered model family of this fit (closed forms, likelihood, label)."""
        # imported here because the model families build on this module
        from loyaltylab.clv.models import get_transaction_model

        return get_transaction_model(self.model)

    @property
    def standard_errors(self) -> dict[str, float]:
        """Delta-method standard errors of the parameters (NaN where unbounded or at a boundary)."""
        table = self.summary()
        return dict(zip(table["parameter"], table["std_error"].astype(float), strict=True))

    def summary(self) -> pd.DataFrame:
        """Return one row per parameter: estimate, standard error, a 95 % interval and a note.

        The interval is symmetric on the log scale (exp(log θ ± 1.96 se)), so it stays positive;
        it is computed on the log scale and shown as NaN ("unbounded") when the standard error
        of log θ exceeds :data:`MAX_DISPLAYED_LOG_SE`, so a flat likelihood never overflows.
        A parameter fixed at a boundary (see :attr:`boundary`) has no standard error.
        """
        fixed = self.boundary.fixed_parameters if self.boundary is not None else ()
        frame = parameter_table(
            self.transaction_model.label, self.params, self.covariance, fixed=fixed
        )
        frame.attrs["log_likelihood"] = self.log_likelihood
        if self.boundary is not None:
            frame.attrs["boundary"] = self.boundary.note
        return frame


@dataclass(frozen=True)
class BoundaryFit:
    """A maximum of the likelihood on the boundary of the parameter space: no dropout detected.

    When the dropout process of BG/NBD, MBG/NBD (a → 0 or b → ∞, so the dropout probability
    a / (a + b) → 0) or Pareto/NBD (s → 0 or β → ∞) vanishes, the model reduces to the NBD
    (gamma-Poisson purchases, nobody drops out). The fit then carries the NBD's estimates of
    r and alpha, the dropout parameters fixed at the boundary, and this note.

    Attributes
    ----------
    parameter : str
        The parameter that ran to its limit, e.g. ``"a → 0"`` or ``"beta → ∞"``.
    reduces_to : str
        Name of the boundary model (``"nbd"``).
    fixed_parameters : tuple of str
        Parameters fixed at the boundary (no standard error).
    boundary_log_likelihood : float
        Log-likelihood of the boundary model (NBD) on the same data.
    best_log_likelihood : float
        Best log-likelihood any fit attempt of the full model reached (within
        :data:`BOUNDARY_TOLERANCE` of the boundary model's, or below it).
    note : str
        The sentence a report shows.
    """

    parameter: str
    reduces_to: str
    fixed_parameters: tuple[str, ...]
    boundary_log_likelihood: float
    best_log_likelihood: float
    note: str

    @property
    def likelihood_ratio(self) -> float:
        """2 x (best log-likelihood of the full model - log-likelihood of the NBD), >= 0."""
        return max(0.0, 2.0 * (self.best_log_likelihood - self.boundary_log_likelihood))


def parameter_table(
    label: str,
    params: dict[str, float],
    covariance: pd.DataFrame,
    *,
    fixed: Sequence[str] = (),
    extra: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per parameter: estimate, standard error, 95 % interval (log scale) and a note.

    Everything is computed on the log scale with numpy (no OverflowError): an interval whose
    log-scale standard error exceeds :data:`MAX_DISPLAYED_LOG_SE`, or that overflows, is shown
    as NaN with the note "unbounded"; a parameter in ``fixed`` is marked "at the boundary".

    Parameters
    ----------
    label : str
        Model label for the ``model`` column.
    params : dict of str to float
        Estimates.
    covariance : pandas.DataFrame
        Covariance of the log-parameters, in the order of ``params``.
    fixed : sequence of str, optional
        Parameters fixed at a boundary.
    extra : dict, optional
        Columns repeated on every row.

    Returns
    -------
    pandas.DataFrame
        ``model``, ``parameter``, ``estimate``, ``std_error``, ``ci_low``, ``ci_high``, ``note``
        (plus ``extra``).

    Examples
    --------
    >>> cov = pd.DataFrame([[0.01, 0.0], [0.0, 25801.0**2]])
    >>> table = parameter_table("BG/NBD", {"r": 0.5, "a": 1e-6}, cov)
    >>> table["note"].tolist()
    ['', 'interval unbounded (standard error of log a = 2.6e+04)']
    >>> bool(np.isnan(table["ci_high"].iloc[1]))
    True
    """
    values = np.array(list(params.values()), dtype=float)
    with np.errstate(all="ignore"):
        log_se = np.sqrt(np.clip(np.diag(covariance.to_numpy(dtype=float)), 0.0, None))
        log_values = np.log(values)
        std_error = values * log_se
        low = np.exp(log_values - 1.96 * log_se)
        high = np.exp(log_values + 1.96 * log_se)
    rows = []
    for index, name in enumerate(params):
        note = ""
        row_se, row_low, row_high = std_error[index], low[index], high[index]
        if name in fixed:
            note = "at the boundary (fixed; no dropout detected)"
            row_se = row_low = row_high = float("nan")
        elif not (
            log_se[index] <= MAX_DISPLAYED_LOG_SE and np.isfinite(row_se) and np.isfinite(row_high)
        ):
            note = f"interval unbounded (standard error of log {name} = {log_se[index]:.2g})"
            row_low = row_high = float("nan")
            if not np.isfinite(row_se):
                row_se = float("nan")
        rows.append(
            {
                "model": label,
                "parameter": name,
                "estimate": float(values[index]),
                "std_error": float(row_se),
                "ci_low": float(row_low),
                "ci_high": float(row_high),
                "note": note,
                **(extra or {}),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class SpendModelFit:
    """A fitted Gamma-Gamma spend model (Fader & Hardie 2013, note 025).

    Attributes
    ----------
    params : dict of str to float
        p, q, v (lifetimes' names; v is the paper's γ), in the data's currency.
    log_likelihood : float
        Summed log-likelihood of the *average* spend per repeat customer (lifetimes/CLVTools
        convention; the JMR paper's value is this minus Σ ln x, reference/clv.md §3 item 2).
    covariance : pandas.DataFrame
        Covariance of ``log_p``, ``log_q``, ``log_v``.
    n_customers : int
        Repeat customers fitted (frequency > 0 and monetary_value > 0).
    n_excluded_one_time : int
        Customers without repeat purchases, not used by the fit (they get the population mean).
    n_unique_rows : int
        Distinct (frequency, monetary_value) rows after compression.
    frequency_spend_correlation : float
        Pearson correlation of frequency and mean spend among the fitted repeat customers; the
        model assumes independence, so a value far from 0 (say |ρ| > 0.3) is a warning sign.
    attempts : tuple of FitAttempt
        Every optimiser run.
    n_excluded_nonpositive_spend : int
        Repeat customers with a mean spend <= 0 (e.g. free or fully refunded repeat orders), left
        out of the fit because the gamma likelihood needs m > 0; their expected spend is still
        the Gamma-Gamma conditional mean E[M | x, m̄] (:func:`loyaltylab.clv.expected_spend`).
    boundary_note : str
        Set when the spend model is on its boundary (no variation in spend within customers,
        p → ∞, or fewer than :data:`~loyaltylab.clv.models.gamma_gamma.MIN_SPEND_CUSTOMERS`
        repeat buyers): spend per order is then each customer's own mean, and the population
        mean the observed mean; "" for an interior fit.
    observed_mean_spend : float
        Mean spend per repeat purchase of the fitted repeat customers (their m̄ weighted by
        their repeat purchases). Customers whose Gamma-Gamma mean is undefined (q <= 1 and no
        repeat purchase) are valued at it (:func:`loyaltylab.clv.expected_spend`).
    """

    params: dict[str, float]
    log_likelihood: float
    covariance: pd.DataFrame
    n_customers: int
    n_excluded_one_time: int
    n_unique_rows: int
    frequency_spend_correlation: float
    attempts: tuple[FitAttempt, ...] = field(default=())
    n_excluded_nonpositive_spend: int = 0
    boundary_note: str = ""
    observed_mean_spend: float = float("nan")

    @property
    def population_mean_spend(self) -> float:
        """Mean spend per transaction of the population, p v / (q - 1) (inf when q <= 1)."""
        p, q, v = (self.params[k] for k in ("p", "q", "v"))
        return p * v / (q - 1.0) if q > 1 else float("inf")

    @property
    def status(self) -> str:
        """``"boundary"`` (see ``boundary_note``) or ``"fitted"``."""
        return "boundary" if self.boundary_note else "fitted"

    @property
    def mean_spend_defined(self) -> bool:
        """Whether the population mean spend p v / (q - 1) exists (q > 1)."""
        return self.params["q"] > 1.0

    @property
    def note(self) -> str:
        """What a reader must know about this spend fit ("" for an interior fit with q > 1)."""
        notes = [self.boundary_note] if self.boundary_note else []
        if not self.mean_spend_defined:
            notes.append(
                f"Gamma-Gamma: q = {self.params['q']:.3g} <= 1, so the mean spend of a customer "
                "without repeat purchases is undefined (heavy tail); those customers are valued "
                f"at the observed mean spend per repeat purchase ({self.observed_mean_spend:,.2f})."
            )
        return " ".join(notes)

    def summary(self) -> pd.DataFrame:
        """Return one row per parameter: estimate, standard error and a 95 % interval.

        The columns ``n_customers`` (repeat customers fitted) and
        ``n_excluded_nonpositive_spend`` (repeat customers with mean spend <= 0, not fitted)
        repeat the fit's counts on every row; ``attrs["log_likelihood"]`` holds the
        log-likelihood.
        """
        frame = parameter_table(
            "Gamma-Gamma",
            self.params,
            self.covariance,
            extra={
                "n_customers": self.n_customers,
                "n_excluded_nonpositive_spend": self.n_excluded_nonpositive_spend,
            },
        )
        frame.attrs["log_likelihood"] = self.log_likelihood
        return frame
