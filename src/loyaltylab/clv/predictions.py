"""Per-customer predictions: expected purchases, P(alive), expected spend and discounted CLV.

Predictions use the numerically stable closed forms of the model families in
:mod:`loyaltylab.clv.models` (identical to lifetimes where lifetimes is accurate, finite for heavy
buyers where lifetimes overflows), picked by the fit's ``model`` name through the registry, are
computed once per distinct (frequency, recency, T) row and mapped back to customers.

Discounting scheme of :func:`customer_lifetime_value`
------------------------------------------------------
The horizon H (in the analysis unit) is cut into steps of ``step`` units (default 1: weekly for
weeks), t_k = min(k · step, H), k = 1..K. The transactions expected in step k are the difference
of the transaction model's conditional expectation, E[Y(t_k)] - E[Y(t_{k-1})]; each is valued at
the Gamma-Gamma expected spend E[M | x, m̄] and discounted to today at the annual rate d as
(1 + d) ** (-t_k / units_per_year), i.e. cash flows are counted at the end of each step:

    CLV = Σ_k (E[Y(t_k)] - E[Y(t_{k-1})]) · E[M] · (1 + d) ** (-t_k / units_per_year)

With d = 0 this is E[Y(H)] · E[M]. lifetimes' ``customer_lifetime_value`` is the special case of
monthly steps (4.345 weeks) with a monthly rate; unlike it, inputs are aligned by position, so
there is no pandas-index NaN (btyd #57), and H and d are in explicit units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.clv.fitting import (
    SpendModelFit,
    TransactionModelFit,
    unique_rows,
    validate_summary,
)
from loyaltylab.clv.models import SPEND_MODEL, get_transaction_model
from loyaltylab.clv.models.base import Parameters
from loyaltylab.errors import ModelConvergenceError, ParameterError
from loyaltylab.rules import TIME_UNIT_DAYS  # the one table of time units; re-exported

__all__ = [
    "TIME_UNIT_DAYS",
    "CLVResult",
    "expected_purchases",
    "expected_purchases_new_customer",
    "probability_alive",
    "expected_spend",
    "discounted_expected_purchases",
    "customer_lifetime_value",
    "clv_tiers",
    "clv_by_segment",
]


def _params(fit: TransactionModelFit | SpendModelFit, draws: np.ndarray | None) -> list[Any]:
    """Parameters as floats, or as (n_draws, 1) columns of ``draws``."""
    if draws is None:
        return list(fit.params.values())
    return [draws[:, [i]] for i in range(draws.shape[1])]


def _xt_pairs(x: np.ndarray, age: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    return unique_rows(pd.DataFrame({"x": x, "T": age}), ["x", "T"])


def expected_if_alive(
    model: str,
    params: Parameters,
    t: float | np.ndarray,
    x: np.ndarray,
    age: np.ndarray,
    pairs: tuple[pd.DataFrame, np.ndarray] | None = None,
) -> np.ndarray:
    """E[Y(t) | x, T, alive] of ``model``, evaluated once per distinct (x, T) pair.

    ``pairs`` (from a previous call's ``_xt_pairs(x, age)``) saves recomputing the pairs.
    """
    family = get_transaction_model(model)
    x = np.asarray(x, dtype=float)
    age = np.asarray(age, dtype=float)
    with np.errstate(all="ignore"):
        if np.ndim(t) == 0 and x.ndim == 1 and len(x) > 1000:
            unique, codes = pairs if pairs is not None else _xt_pairs(x, age)
            values = family.expected_purchases_if_alive(
                params, t, unique["x"].to_numpy(), unique["T"].to_numpy()
            )
            return np.asarray(values[..., codes])
        return family.expected_purchases_if_alive(params, t, x, age)


def conditional_expected(
    model: str,
    params: Parameters,
    t: float | np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    age: np.ndarray,
    alive: np.ndarray | None = None,
    pairs: tuple[pd.DataFrame, np.ndarray] | None = None,
) -> np.ndarray:
    """E[Y(t) | x, t_x, T] of ``model`` for parameters ``params`` (floats or draw columns).

    Computed as E[Y(t) | x, T, alive] x P(alive | x, t_x, T); pass ``alive`` to reuse P(alive).
    """
    if alive is None:
        alive = alive_probability(model, params, x, t_x, age)
    return np.asarray(expected_if_alive(model, params, t, x, age, pairs) * alive)


def alive_probability(
    model: str, params: Parameters, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """P(alive | x, t_x, T) of ``model`` for parameters ``params`` (floats or draw columns)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        return get_transaction_model(model).probability_alive(params, x, t_x, age)


def _index(summary: pd.DataFrame) -> pd.Index:
    # an Index of a column of unknown dtype is Any in the pandas stubs
    index: pd.Index = (
        pd.Index(summary["customer_id"], name="customer_id")
        if "customer_id" in summary.columns
        else pd.Index(summary.index)
    )
    return index


def _check_horizon(value: float, name: str) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ParameterError(f"parameter {name!r} must be a finite number >= 0, got {value!r}")
    return float(value)


def expected_purchases(
    fit: TransactionModelFit, summary: pd.DataFrame, horizon: float
) -> pd.Series:
    """Return the expected repeat purchases of each customer in the next ``horizon`` time units.

    Parameters
    ----------
    fit : TransactionModelFit
        A fitted transaction model.
    summary : pandas.DataFrame
        Customers (``frequency``, ``recency``, ``T``; ``customer_id`` becomes the index).
    horizon : float
        Length of the future period, in the fit's time unit.

    Returns
    -------
    pandas.Series
        E[Y(horizon) | frequency, recency, T], named ``expected_purchases``.

    Examples
    --------
    >>> expected_purchases(fit, summary, 52)  # doctest: +SKIP
    """
    horizon = _check_horizon(horizon, "horizon")
    validate_summary(summary)
    rows, codes = unique_rows(summary, ["frequency", "recency", "T"])
    values = conditional_expected(
        fit.model,
        _params(fit, None),
        horizon,
        rows["frequency"].to_numpy(),
        rows["recency"].to_numpy(),
        rows["T"].to_numpy(),
    )
    return pd.Series(values[codes], index=_index(summary), name="expected_purchases")


def expected_purchases_new_customer(fit: TransactionModelFit, t: float | np.ndarray) -> np.ndarray:
    """Return E[X(t)], the expected repeat purchases of a new customer in its first t units.

    Uses lifetimes' unconditional expectations (BG/NBD eq. 9, Pareto/NBD note 009 eq. 27,
    MBG/NBD), which are stable for the population parameters.

    Parameters
    ----------
    fit : TransactionModelFit
        A fitted transaction model.
    t : float or array
        Customer age(s) in the fit's time unit.

    Returns
    -------
    numpy.ndarray
    """
    model = get_transaction_model(fit.model)
    return model.expected_purchases_new_customer(_params(fit, None), t)


def probability_alive(fit: TransactionModelFit, summary: pd.DataFrame) -> pd.Series:
    """Probability that each customer is still active at the end of the summary period.

    Parameters
    ----------
    fit : TransactionModelFit
        A fitted transaction model.
    summary : pandas.DataFrame
        Customers (``frequency``, ``recency``, ``T``).

    Returns
    -------
    pandas.Series
        P(alive | frequency, recency, T), named ``probability_alive``.
    """
    validate_summary(summary)
    rows, codes = unique_rows(summary, ["frequency", "recency", "T"])
    values = alive_probability(
        fit.model,
        _params(fit, None),
        rows["frequency"].to_numpy(),
        rows["recency"].to_numpy(),
        rows["T"].to_numpy(),
    )
    return pd.Series(values[codes], index=_index(summary), name="probability_alive")


def expected_spend(spend_fit: SpendModelFit, summary: pd.DataFrame) -> pd.Series:
    """Gamma-Gamma expected spend per future transaction, E[M | x, m̄], of each customer.

    E[M | x, m̄] = (q - 1) / (p x + q - 1) · p v / (q - 1) + p x / (p x + q - 1) · m̄
    (Fader & Hardie 2013, note 025, eq. 5; lifetimes' ``conditional_expected_average_profit``).
    Customers without repeat purchases (x = 0) get the population mean p v / (q - 1); repeat
    customers with m̄ <= 0, left out of the fit (``n_excluded_nonpositive_spend``), get the same
    formula, i.e. the population mean shrunk towards their m̄ (below it, negative if m̄ is
    negative enough). When q <= 1 the population mean does not exist: customers without repeat
    purchases then get the observed mean spend per repeat purchase
    (``spend_fit.observed_mean_spend``, said in ``spend_fit.note``); at the spend model's
    boundary (``spend_fit.boundary_note``) every repeat customer gets their own mean.

    Parameters
    ----------
    spend_fit : SpendModelFit
        A fitted Gamma-Gamma model.
    summary : pandas.DataFrame
        Customers (``frequency``, ``monetary_value``).

    Returns
    -------
    pandas.Series
        Named ``expected_spend``, in the data's currency.
    """
    validate_summary(summary, require_monetary=True)
    values = SPEND_MODEL.expected_spend(
        _params(spend_fit, None),
        summary["frequency"].to_numpy(dtype=float),
        summary["monetary_value"].to_numpy(dtype=float),
        spend_fit.observed_mean_spend,
    )
    return pd.Series(values, index=_index(summary), name="expected_spend")


def _step_times(horizon: float, step: float) -> np.ndarray:
    n_steps = max(1, math.ceil(horizon / step - 1e-9))
    times: np.ndarray = np.minimum(np.arange(1, n_steps + 1) * step, horizon)
    return times


def discounted_expected_purchases(
    model: str,
    params: Parameters,
    x: np.ndarray,
    t_x: np.ndarray,
    age: np.ndarray,
    *,
    horizon: float,
    discount_rate: float,
    units_per_year: float,
    step: float = 1.0,
) -> np.ndarray:
    """Σ_k (E[Y(t_k)] - E[Y(t_{k-1})]) (1 + d) ** (-t_k / units_per_year) (module docstring)."""
    if horizon == 0:
        return np.zeros(np.broadcast_shapes(np.shape(params[0]), np.shape(x)))
    times = _step_times(horizon, step)
    alive = alive_probability(model, params, x, t_x, age)
    pairs = _xt_pairs(np.asarray(x, dtype=float), np.asarray(age, dtype=float))
    total: np.ndarray | float = 0.0
    previous: np.ndarray | float = 0.0
    for t_k in times:
        current = conditional_expected(model, params, t_k, x, t_x, age, alive=alive, pairs=pairs)
        total = total + (current - previous) * (1.0 + discount_rate) ** (-t_k / units_per_year)
        previous = current
    return np.asarray(total)


@dataclass(frozen=True)
class CLVResult:
    """Per-customer CLV with the settings it was computed with.

    Attributes
    ----------
    per_customer : pandas.DataFrame
        One row per customer: ``customer_id`` (if given), ``frequency``, ``recency``, ``T``,
        ``monetary_value``, ``probability_alive``, ``expected_purchases`` (undiscounted, over the
        horizon), ``expected_spend``, ``clv`` (discounted), ``clv_tier``.
    model : str
        Transaction model used.
    horizon : float
        Horizon in ``time_unit``.
    discount_rate : float
        Annual discount rate.
    time_unit : str
        Analysis unit.
    step : float
        Discounting step in ``time_unit``.
    """

    per_customer: pd.DataFrame
    model: str
    horizon: float
    discount_rate: float
    time_unit: str
    step: float

    @property
    def total(self) -> float:
        """Sum of the customers' CLV."""
        return float(self.per_customer["clv"].sum())

    def summary(self) -> pd.DataFrame:
        """Return one row of headline numbers (customers, total, mean, median, top-10 % share)."""
        clv = self.per_customer["clv"]
        top = clv.sort_values(ascending=False)
        top_decile = top.iloc[: max(1, math.ceil(0.10 * len(top)))].sum()
        return pd.DataFrame(
            [
                {
                    "model": get_transaction_model(self.model).label,
                    "horizon": self.horizon,
                    "time_unit": self.time_unit,
                    "discount_rate": self.discount_rate,
                    "n_customers": len(clv),
                    "clv_total": float(clv.sum()),
                    "clv_mean": float(clv.mean()),
                    "clv_median": float(clv.median()),
                    "top_10pct_share": float(top_decile / clv.sum()) if clv.sum() else np.nan,
                    "expected_purchases_total": float(
                        self.per_customer["expected_purchases"].sum()
                    ),
                }
            ]
        )


def customer_lifetime_value(
    transaction_fit: TransactionModelFit,
    spend_fit: SpendModelFit,
    summary: pd.DataFrame,
    *,
    horizon: float = 52.0,
    discount_rate: float = 0.10,
    step: float = 1.0,
    time_unit: str | None = None,
) -> CLVResult:
    """Discounted customer lifetime value over ``horizon`` (scheme in the module docstring).

    Parameters
    ----------
    transaction_fit : TransactionModelFit
        BG/NBD, Pareto/NBD or MBG/NBD fit.
    spend_fit : SpendModelFit
        Gamma-Gamma fit.
    summary : pandas.DataFrame
        Customers: ``frequency``, ``recency``, ``T``, ``monetary_value`` (``customer_id``
        optional), in the same time unit as the fit.
    horizon : float, default 52
        Future period in time units (52 weeks = one year).
    discount_rate : float, default 0.10
        Annual discount rate (0.10 = 10 % a year), >= 0.
    step : float, default 1
        Length of a discounting step in time units.
    time_unit : {"W", "D", "M"}, optional
        Defaults to the fit's time unit.

    Returns
    -------
    CLVResult

    Examples
    --------
    >>> result = customer_lifetime_value(bgnbd, gamma_gamma, summary, horizon=52)  # doctest: +SKIP
    >>> result.total  # doctest: +SKIP
    """
    horizon = _check_horizon(horizon, "horizon")
    discount_rate = _check_horizon(discount_rate, "discount_rate")
    if not isinstance(step, int | float) or not step > 0:
        raise ParameterError(f"parameter 'step' must be a number > 0, got {step!r}")
    unit = time_unit or transaction_fit.time_unit
    if unit not in TIME_UNIT_DAYS:
        raise ParameterError(f"parameter 'time_unit' must be one of {list(TIME_UNIT_DAYS)}")
    validate_summary(summary, require_monetary=True)
    units_per_year = 365.25 / TIME_UNIT_DAYS[unit]
    rows, codes = unique_rows(summary, ["frequency", "recency", "T"])
    x, t_x, age = (rows[c].to_numpy() for c in ("frequency", "recency", "T"))
    params = _params(transaction_fit, None)
    discounted = discounted_expected_purchases(
        transaction_fit.model,
        params,
        x,
        t_x,
        age,
        horizon=horizon,
        discount_rate=discount_rate,
        units_per_year=units_per_year,
        step=float(step),
    )
    purchases = conditional_expected(transaction_fit.model, params, horizon, x, t_x, age)
    alive = alive_probability(transaction_fit.model, params, x, t_x, age)
    spend = expected_spend(spend_fit, summary).to_numpy()
    frame = pd.DataFrame(index=summary.index)
    if "customer_id" in summary.columns:
        frame["customer_id"] = summary["customer_id"]
    for column in ("frequency", "recency", "T", "monetary_value"):
        frame[column] = summary[column].to_numpy(dtype=float)
    frame["probability_alive"] = alive[codes]
    frame["expected_purchases"] = purchases[codes]
    frame["expected_spend"] = spend
    frame["clv"] = discounted[codes] * spend
    _refuse_non_finite(frame, transaction_fit.model, transaction_fit.params)
    frame["clv_tier"] = clv_tiers(frame["clv"]).values
    return CLVResult(
        per_customer=frame.reset_index(drop=True),
        model=transaction_fit.model,
        horizon=horizon,
        discount_rate=discount_rate,
        time_unit=unit,
        step=float(step),
    )


def _refuse_non_finite(frame: pd.DataFrame, model: str, params: Mapping[str, float]) -> None:
    """Refuse a CLV table with a NaN or infinite value (a total would silently skip it)."""
    columns = ["probability_alive", "expected_purchases", "expected_spend", "clv"]
    bad = ~np.isfinite(frame[columns].to_numpy(dtype=float)).all(axis=1)
    if not bad.any():
        return
    shown = frame.loc[bad, ["frequency", "recency", "T", "monetary_value", *columns]].head(5)
    fitted = ", ".join(f"{name}={value:.4g}" for name, value in params.items())
    raise ModelConvergenceError(
        f"the {model} fit ({fitted}) gives no finite CLV for {int(bad.sum())} of {len(frame)} "
        f"customers (a total would skip them); examples:\n{shown.to_string()}\n"
        "Use another model (parameter 'models' / model=...) or check the time unit and the "
        "calibration period."
    )


def clv_tiers(clv: pd.Series, top_shares: Sequence[float] = (0.01, 0.10)) -> pd.Series:
    """Label customers by CLV rank: ``"top 1%"``, ``"top 1-10%"``, ``"rest"`` (by default).

    Ties are broken by order of appearance, so each tier holds exactly ceil(share · n) customers.

    Parameters
    ----------
    clv : pandas.Series
        CLV per customer.
    top_shares : sequence of float, default (0.01, 0.10)
        Increasing cumulative shares of customers defining the tiers.

    Returns
    -------
    pandas.Series
        Ordered categorical with the tier of each customer, same index as ``clv``.
    """
    shares = list(top_shares)
    if not shares or any(not 0 < s < 1 for s in shares) or shares != sorted(shares):
        raise ParameterError(
            f"parameter 'top_shares' must be increasing shares in (0, 1), got {top_shares!r}"
        )

    def pct(share: float) -> str:
        return f"{100 * share:g}%"

    labels = [f"top {pct(shares[0])}"]
    labels += [f"top {pct(lo)}-{pct(hi)}" for lo, hi in zip(shares, shares[1:], strict=False)]
    labels.append("rest")
    n = len(clv)
    values = clv.to_numpy(dtype=float)
    cutoffs = [math.ceil(share * n) for share in shares]
    # Only the top ceil(largest share · n) customers need a rank: they are among those with a
    # CLV >= the value at that position (np.partition, linear time); a stable sort of those
    # candidates (in order of appearance) ranks them as a stable sort of everyone would.
    threshold = -np.partition(-values, cutoffs[-1] - 1)[cutoffs[-1] - 1]
    candidates = np.flatnonzero(values >= threshold) if np.isfinite(threshold) else np.arange(n)
    order = candidates[np.argsort(-values[candidates], kind="stable")]  # ties: appearance
    rank = np.full(n, n + 1, dtype=np.int64)  # beyond every cutoff: "rest"
    rank[order] = np.arange(1, len(order) + 1)
    tier = np.searchsorted(np.array(cutoffs), rank, side="left")
    return pd.Series(
        pd.Categorical.from_codes(tier, categories=pd.Index(labels), ordered=True),
        index=clv.index,
        name="clv_tier",
    )


def clv_by_segment(
    result: CLVResult | pd.DataFrame, segments: pd.Series | str | None = None
) -> pd.DataFrame:
    """Aggregate CLV per segment: customers, total, mean, median, share of total, P(alive).

    Parameters
    ----------
    result : CLVResult or pandas.DataFrame
        Output of :func:`customer_lifetime_value` (or its ``per_customer`` frame).
    segments : pandas.Series, str or None
        Segment of each customer: a Series indexed by ``customer_id`` (every customer must have
        one), the name of a column of ``per_customer``, or None for the CLV tiers.

    Returns
    -------
    pandas.DataFrame
        One row per segment: CLV tiers from the best down; categorical segments in category
        order; other segments sorted by total CLV descending.

    Raises
    ------
    ParameterError
        Segments missing for some customers (count and examples named).
    """
    frame = result.per_customer if isinstance(result, CLVResult) else result
    if segments is None:
        labels = frame["clv_tier"]
    elif isinstance(segments, str):
        if segments not in frame.columns:
            raise ParameterError(f"parameter 'segments': no column {segments!r} in the CLV table")
        labels = frame[segments]
    else:
        if "customer_id" not in frame.columns:
            raise ParameterError("parameter 'segments' as a Series needs a customer_id column")
        labels = frame["customer_id"].map(segments)
    missing = labels.isna().to_numpy()
    if missing.any():
        examples = frame.loc[missing].head(5).get("customer_id", frame.index[missing][:5])
        raise ParameterError(
            f"parameter 'segments': {int(missing.sum())} customer(s) have no segment, e.g. "
            f"{list(examples)}"
        )
    ordered = isinstance(labels.dtype, pd.CategoricalDtype)
    labelled = frame.assign(segment=labels.to_numpy() if not ordered else labels.values)
    table = labelled.groupby("segment", observed=True).agg(
        n_customers=("clv", "size"),
        clv_total=("clv", "sum"),
        clv_mean=("clv", "mean"),
        clv_median=("clv", "median"),
        probability_alive_mean=("probability_alive", "mean"),
        expected_purchases_mean=("expected_purchases", "mean"),
    )
    total = frame["clv"].sum()
    table["clv_share"] = table["clv_total"] / total if total else np.nan
    if segments is None:
        table = table.sort_values("clv_mean", ascending=False)
    elif not ordered:
        table = table.sort_values("clv_total", ascending=False)
    return table.reset_index()
