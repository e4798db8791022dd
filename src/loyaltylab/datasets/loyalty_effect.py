"""The true program effect of the synthetic loyalty data, and what enrolment selects on.

Used by :mod:`loyaltylab.datasets.loyalty`: :func:`recent_orders` is the behaviour the
``"behaviour"`` enrolment selection scores, :func:`program_purchases` draws the members' extra
purchases (rate ``effect * lam`` from enrolment to dropout, spend from the member's own
Gamma-Gamma distribution) and :func:`effect_truth` the truth about them, with the naive
member/non-member gap (:func:`loyaltylab.evaluation.naive_gap`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "PROGRAM_EFFECT_UNIT",
    "RECENT_DAYS",
    "effect_truth",
    "program_purchases",
    "recent_orders",
]

#: What ``true_program_effect`` measures (written to the truth).
PROGRAM_EFFECT_UNIT = (
    "relative lift in orders per customer-month while alive, from the enrolment on (0.08 = +8 %)"
)
#: Days of history the ``"behaviour"`` selection counts orders in, before the decision purchase.
RECENT_DAYS = 182


def recent_orders(tx: pd.DataFrame, ids: pd.Series, decision: pd.Series) -> np.ndarray:
    """Count each customer's orders in the :data:`RECENT_DAYS` days before her decision time.

    Parameters
    ----------
    tx : pandas.DataFrame
        ``customer_id``, ``timestamp``.
    ids : pandas.Series
        The customers, in the order of the result.
    decision : pandas.Series
        Each customer's decision time (her first purchase after the launch; ``NaT``: none),
        aligned with ``ids``.

    Returns
    -------
    numpy.ndarray
        Orders in ``[decision - RECENT_DAYS days, decision)``; 0 without a decision time.
    """
    window = pd.Timedelta(days=RECENT_DAYS)
    at = tx["customer_id"].map(pd.Series(decision.to_numpy(), index=ids.to_numpy()))
    inside = (at.notna() & (tx["timestamp"] < at) & (tx["timestamp"] >= at - window)).to_numpy()
    counts = tx.loc[inside].groupby("customer_id").size()
    return ids.map(counts).fillna(0).to_numpy(dtype=float)


def program_purchases(
    members: pd.DataFrame, effect: float, end_exclusive: pd.Timestamp, rng: np.random.Generator
) -> pd.DataFrame:
    """Draw the members' extra purchases: rate ``effect * lam`` from enrolment to dropout.

    Parameters
    ----------
    members : pandas.DataFrame
        ``customer_id``, ``enrolled_at``, ``lam`` (per week), ``alive_until`` (``NaT``: alive at
        the end), ``nu`` and ``mean_spend`` (Gamma-Gamma spend: shape ``mean_spend * nu``,
        rate ``nu``).
    effect : float
        Relative lift of the purchase rate (0.08 = +8 %).
    end_exclusive : pandas.Timestamp
        The day after the observation end.
    rng : numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``timestamp`` (whole seconds, from enrolment to dropout), ``amount``,
        ``order_id`` (``p0000000`` ...) and ``incremental`` (True).
    """
    start_ns = members["enrolled_at"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    until = members["alive_until"].to_numpy(dtype="datetime64[ns]")
    stop_ns = np.where(np.isnat(until), end_exclusive.value, until.view(np.int64))
    stop_ns = np.minimum(stop_ns, end_exclusive.value)
    weeks = np.maximum(stop_ns - start_ns, 0) / (7 * 86_400 * 10**9)
    lam = members["lam"].to_numpy(dtype=float)
    counts = rng.poisson(effect * lam * weeks)
    owner = np.repeat(np.arange(len(members)), counts)
    offset = rng.random(len(owner)) * (stop_ns - start_ns)[owner]
    stamp_ns = start_ns[owner] + (np.floor(offset / 1e9) * 1e9).astype(np.int64)
    stamp_ns = np.minimum(stamp_ns, end_exclusive.value - 10**9)
    nu = members["nu"].to_numpy(dtype=float)[owner]
    shape = members["mean_spend"].to_numpy(dtype=float)[owner] * nu
    amount = np.maximum(np.round(rng.gamma(shape, 1.0 / nu), 2), 0.01)
    return pd.DataFrame(
        {
            "customer_id": members["customer_id"].to_numpy()[owner].astype(object),
            "timestamp": pd.to_datetime(stamp_ns, unit="ns"),
            "amount": amount,
            "order_id": [f"p{index:07d}" for index in range(len(owner))],
            "incremental": np.ones(len(owner), dtype=bool),
        }
    )


def effect_truth(
    tx: pd.DataFrame, members: pd.DataFrame, launch: pd.Timestamp, end: pd.Timestamp
) -> dict[str, Any]:
    """Return the truth of the program effect: extra orders and revenue, realised lift, naive gap.

    Parameters
    ----------
    tx : pandas.DataFrame
        All transactions with ``incremental`` (the program's extra purchases).
    members : pandas.DataFrame
        ``customer_id``, ``enrolled_at``.
    launch, end : pandas.Timestamp
        Program launch and observation end (days).

    Returns
    -------
    dict
        ``incremental_orders``, ``incremental_revenue``, ``realised_program_effect`` (extra
        orders / members' other orders after their enrolment purchase) and
        ``naive_program_gap`` (:func:`loyaltylab.evaluation.naive_gap`; ``nan`` without
        members).
    """
    from loyaltylab.evaluation import naive_gap

    extra = tx["incremental"].to_numpy(bool)
    if members.empty:
        return {
            "incremental_orders": 0,
            "incremental_revenue": 0.0,
            "realised_program_effect": 0.0,
            "naive_program_gap": float("nan"),
        }
    enrolled = pd.Series(
        members["enrolled_at"].to_numpy(dtype="datetime64[ns]"), index=members["customer_id"]
    )
    joined = tx["customer_id"].map(enrolled)
    after = (joined.notna() & (tx["timestamp"] > joined)).to_numpy()
    base_after = int((after & ~extra).sum())
    gap = naive_gap(tx, members, program_start=launch, observation_end=end)
    return {
        "incremental_orders": int(extra.sum()),
        "incremental_revenue": float(tx.loc[extra, "amount"].sum()),
        "realised_program_effect": float(extra.sum()) / base_after if base_after else 0.0,
        "naive_program_gap": gap,
    }
