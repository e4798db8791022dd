"""Boundary optima and what the data can identify: the profile likelihood and the data counts.

A one-year log often shows no detectable attrition. The likelihood of BG/NBD or MBG/NBD is then
largest as a → 0 (or b → ∞), that of Pareto/NBD as s → 0 (or β → ∞): each reduces to the NBD,
and the fit reports that as a result (:class:`loyaltylab.clv.fitting.BoundaryFit`) instead of
refusing. This module shows the evidence:

* :func:`profile_likelihood` - the log-likelihood maximised over the other parameters with the
  mean dropout (a / (a + b), or s / β) held at each value of a grid; a curve that never beats
  the NBD (mean dropout 0) is the boundary maximum;
* :func:`describe_data` - the counts a refusal names: customers, repeat buyers, the span of the
  purchases versus the calibration period.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from loyaltylab.clv.fitting import (
    BOUNDARY_TOLERANCE,
    TransactionModelFit,
    check_deadline,
    compress_customers,
    fit_deadline,
    run_quietly,
    validate_summary,
)
from loyaltylab.errors import ParameterError
from loyaltylab.rules import TIME_UNIT_DAYS

__all__ = ["ProfileLikelihood", "profile_likelihood", "describe_data", "boundary_notes"]

DEFAULT_PROFILE_VALUES: tuple[float, ...] = (1e-4, 1e-3, 0.003, 0.01, 0.03, 0.1, 0.3)


def describe_data(rows: pd.DataFrame, time_unit: str = "W", label: str = "the model") -> str:
    """Say in one paragraph what a customer summary can identify, with the counts.

    Parameters
    ----------
    rows : pandas.DataFrame
        Compressed customers (``frequency``, ``recency``, ``T``, ``weight``) or one row per
        customer (weight 1).
    time_unit : str, default "W"
        Unit of recency and T, for the sentence.
    label : str, default "the model"
        Model label, for the sentence.

    Returns
    -------
    str
        The counts and the likely cause.

    Examples
    --------
    >>> rows = pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [3.0, 5.0]})
    >>> print(describe_data(rows))  # doctest: +NORMALIZE_WHITESPACE
    Data: 2 customers, 0 repeat buyers (0.0 %), 0 with 2+ repeat purchases; calibration period
    up to 5 W (customer ages 3-5 W, median 3), latest repeat purchase 0 W after a first
    purchase. Cause: no customer made a repeat purchase, so the purchase rates and the dropout
    of the model cannot be identified; use a longer calibration period or a log with returning
    customers.
    """
    weights = rows["weight"].to_numpy(dtype=float) if "weight" in rows else np.ones(len(rows))
    freq = rows["frequency"].to_numpy(dtype=float)
    rec = rows["recency"].to_numpy(dtype=float)
    age = rows["T"].to_numpy(dtype=float)
    customers = int(weights.sum())
    repeat = int(weights[freq > 0].sum())
    heavy = int(weights[freq > 1].sum())
    order = np.argsort(age)
    cumulative = np.cumsum(weights[order])
    median_age = float(age[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    share = 100 * repeat / customers if customers else 0.0
    counts = (
        f"Data: {customers:,} customers, {repeat:,} repeat buyers ({share:.1f} %), {heavy:,} "
        f"with 2+ repeat purchases; calibration period up to {age.max():.3g} {time_unit} "
        f"(customer ages {age.min():.3g}-{age.max():.3g} {time_unit}, median "
        f"{median_age:.3g}), latest repeat purchase {rec.max():.3g} {time_unit} after a first "
        "purchase."
    )
    days = TIME_UNIT_DAYS.get(time_unit, 7.0)
    if repeat == 0:
        cause = (
            "no customer made a repeat purchase, so the purchase rates and the dropout of "
            f"{label} cannot be identified; use a longer calibration period or a log with "
            "returning customers."
        )
    elif repeat < 20 or heavy < 5:
        cause = (
            f"only {repeat} repeat buyer(s) and {heavy} with 2+ repeat purchases: too few to "
            f"identify the four parameters of {label}; use more customers or a longer period."
        )
    elif age.max() * days < 14:
        cause = (
            f"the calibration period is {age.max() * days:.0f} days long: too short to tell "
            "dropout from a pause; use a longer calibration period."
        )
    else:
        cause = (
            "the likelihood has no usable maximum on these data (see the attempts above); the "
            "profile likelihood (loyaltylab.clv.profile_likelihood) shows its shape."
        )
    return f"{counts} Cause: {cause}"


@dataclass(frozen=True)
class ProfileLikelihood:
    """Log-likelihood of a model with its mean dropout held at each value of a grid.

    Attributes
    ----------
    model : str
        Model name (``"bgnbd"``, ...).
    quantity : str
        What is held fixed, in words (BG/NBD, MBG/NBD: the mean dropout probability
        a / (a + b) per purchase; Pareto/NBD: the mean dropout rate s / β per time unit).
    table : pandas.DataFrame
        ``dropout_mean`` (the value held), ``log_likelihood`` (maximised over the other
        parameters), ``relative`` (minus the boundary model's log-likelihood, or the largest
        value on the grid without it), the parameters at that maximum, and ``converged``.
    boundary_log_likelihood : float or None
        Log-likelihood of the boundary model (NBD: mean dropout 0), if it was fitted.
    """

    model: str
    quantity: str
    table: pd.DataFrame
    boundary_log_likelihood: float | None

    @property
    def maximum_at_boundary(self) -> bool:
        """True when no dropout value on the grid beats the boundary model (mean dropout 0)."""
        best = float(np.nanmax(self.table["log_likelihood"].to_numpy(dtype=float)))
        if self.boundary_log_likelihood is not None:
            return bool(self.boundary_log_likelihood >= best - BOUNDARY_TOLERANCE)
        return bool(np.nanargmax(self.table["log_likelihood"].to_numpy(dtype=float)) == 0)

    def summary(self) -> pd.DataFrame:
        """Return the profile table."""
        return self.table.copy()


def profile_likelihood(
    summary: pd.DataFrame,
    model: str = "bgnbd",
    *,
    values: Sequence[float] = DEFAULT_PROFILE_VALUES,
    time_unit: str = "W",
    timeout_seconds: float | None = 60.0,
) -> ProfileLikelihood:
    """Profile log-likelihood of a model over its mean dropout (towards the boundary at 0).

    For each value m on the grid the mean dropout is held at m - BG/NBD and MBG/NBD:
    a / (a + b) = m; Pareto/NBD: s / β = m - and the other parameters are fitted (BFGS on the
    log-parameters with the family's gradient, started from the boundary model's estimates).
    At m -> 0 every family is the NBD; a profile that never beats the NBD's log-likelihood is
    a maximum on the boundary: no dropout detected.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency``, ``recency``, ``T``.
    model : str, default "bgnbd"
        A family with a boundary (``"bgnbd"``, ``"mbgnbd"``, ``"pareto_nbd"``).
    values : sequence of float, optional
        Grid of the mean dropout (positive; below 1 for the BG/NBD family).
    time_unit : str, default "W"
        Unit of recency and T.
    timeout_seconds : float or None, default 60
        Time limit of the whole profile.

    Returns
    -------
    ProfileLikelihood

    Examples
    --------
    >>> profile = profile_likelihood(summary, "bgnbd")  # doctest: +SKIP
    >>> profile.maximum_at_boundary  # doctest: +SKIP
    True
    """
    from loyaltylab.clv.models import get_transaction_model

    family = get_transaction_model(model)
    if len(family.dropout_parameters) != 2:
        raise ParameterError(
            f"parameter 'model': {family.label} has no dropout process to profile; use one of "
            "the latent-attrition models (bgnbd, mbgnbd, pareto_nbd)"
        )
    grid = np.asarray(sorted(float(v) for v in values), dtype=float)
    if grid.size == 0 or not np.all(grid > 0):
        raise ParameterError("parameter 'values' must be positive numbers (at least one)")
    validate_summary(summary)
    rows = compress_customers(summary, ["frequency", "recency", "T"])
    likelihood = family.likelihood(rows)
    names = list(family.parameter_names)
    shape_index, scale_index = (names.index(p) for p in family.dropout_parameters)
    free = [i for i in range(len(names)) if i != scale_index]
    shape_in_free = free.index(shape_index)
    total = likelihood.n_customers
    records = []
    with fit_deadline(timeout_seconds):
        reduced = family.fit_boundary_model(rows, time_unit)
        start = np.zeros(len(names))
        if reduced is not None:
            # from the NBD's estimates; at its Poisson limit (r = 1e6) from r = 100 with the
            # same mean rate r / α, where the full models' likelihoods are still finite
            shrink = min(1.0, 100.0 / reduced.params["r"])
            for name, value in reduced.params.items():
                start[names.index(name)] = np.log(value * shrink)
        sub_start = start[free]
        for mean in grid:
            # log scale = log shape + offset(m) in both parametrisations
            offset = float(np.log(family.dropout_scale_for_mean(1.0, float(mean))))

            def full(sub: np.ndarray, offset: float = offset) -> np.ndarray:
                point = np.empty(len(names))
                point[free] = sub
                point[scale_index] = sub[shape_in_free] + offset
                return point

            def objective(sub: np.ndarray) -> tuple[float, np.ndarray]:
                check_deadline()
                point = full(sub)
                loglik = likelihood.value(point)
                gradient = np.asarray(likelihood.gradient(point), dtype=float)
                sub_gradient = gradient[free]
                sub_gradient[shape_in_free] += gradient[scale_index]
                if not np.isfinite(loglik) or not np.all(np.isfinite(sub_gradient)):
                    return 1e300, np.zeros(len(free))
                return -loglik / total, -sub_gradient / total

            result = run_quietly(lambda: minimize(objective, sub_start, jac=True, method="BFGS"))
            point = full(np.asarray(result.x))
            record: dict[str, float | bool] = {
                "dropout_mean": float(mean),
                "log_likelihood": float(run_quietly(functools.partial(likelihood.value, point))),
            }
            record |= {name: float(np.exp(point[i])) for i, name in enumerate(names)}
            record["converged"] = bool(result.success or np.max(np.abs(result.jac)) < 1e-5)
            records.append(record)
    table = pd.DataFrame(records)
    reference = (
        reduced.log_likelihood if reduced is not None else float(table["log_likelihood"].max())
    )
    table.insert(2, "relative", table["log_likelihood"] - reference)
    return ProfileLikelihood(
        model=family.name,
        quantity=family.dropout_mean_label,
        table=table,
        boundary_log_likelihood=None if reduced is None else reduced.log_likelihood,
    )


def boundary_notes(fits: dict[str, TransactionModelFit]) -> list[str]:
    """Return the boundary notes of the fits that have one, in order (for a report)."""
    return [fit.boundary.note for fit in fits.values() if fit.boundary is not None]
