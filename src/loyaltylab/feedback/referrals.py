"""Referrals: how many customers refer, how many new customers come referred, their worth.

* **referral rate** = customers who referred at least one customer / customers (who bought
  before the end of the window);
* **referred share** = new customers (first purchase in the window) with a referral / new
  customers;
* **referred vs other new customers**, over the ``horizon_days`` after each new customer's first
  purchase (only customers whose horizon ends by ``observation_end``): ``retained`` = bought
  again within the horizon, ``value`` = spend within the horizon, first purchase included
  (simple observed value, no model); differences with Wald (retention) and Welch (value)
  intervals;
* **value of one referral** = the mean horizon value of a referred customer. It counts what a
  referred customer spends, not what the referral added: a customer who would have come anyway
  is worth the difference to other new customers (``value_difference``) at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from loyaltylab.rules import end_of_day

__all__ = ["ReferralResult", "referral_analysis"]


@dataclass(frozen=True)
class ReferralResult:
    """Referral rate, referred share and referred vs other new customers.

    Attributes
    ----------
    customers, referrers, referrals, new_customers, referred_new : int
    rate, rate_low, rate_high : float
        Referral rate with Wilson interval.
    referred_share, referred_share_low, referred_share_high : float
    groups : pandas.DataFrame
        Per group (``referred``, ``other new``): ``customers``, ``retention`` (+ Wilson interval),
        ``value`` (mean, + t interval).
    retention_difference, retention_difference_low, retention_difference_high : float
        Referred minus other new customers (Wald interval).
    value, value_difference, value_difference_low, value_difference_high : float
        Value of one referral and the referred-minus-other difference (Welch interval).
    horizon_days : int
    level : float
    """

    customers: int
    referrers: int
    referrals: int
    new_customers: int
    referred_new: int
    rate: float
    rate_low: float
    rate_high: float
    referred_share: float
    referred_share_low: float
    referred_share_high: float
    groups: pd.DataFrame
    retention_difference: float
    retention_difference_low: float
    retention_difference_high: float
    value: float
    value_difference: float
    value_difference_low: float
    value_difference_high: float
    horizon_days: int
    level: float = 0.95

    def summary(self) -> pd.DataFrame:
        """Return referred vs other new customers (retention and value per group)."""
        return self.groups

    def to_metrics(self) -> dict[str, Any]:
        """Return ``rate``, ``value`` and the other headline numbers of the referral programme."""
        return {
            "rate": self.rate,
            "rate_ci_low": self.rate_low,
            "rate_ci_high": self.rate_high,
            "value": self.value,
            "referrals": self.referrals,
            "referrers": self.referrers,
            "referred_share": self.referred_share,
            "retention_difference": self.retention_difference,
            "value_difference": self.value_difference,
            "horizon_days": self.horizon_days,
        }


def _wilson(count: int, total: int, level: float) -> tuple[float, float]:
    if total == 0:
        return float("nan"), float("nan")
    low, high = proportion_confint(count, total, alpha=1 - level, method="wilson")
    return float(low), float(high)


def referral_analysis(
    referrals: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    observation_end: Any = None,
    window_start: Any = None,
    horizon_days: int = 365,
    level: float = 0.95,
) -> ReferralResult:
    """Return the referral KPIs of the module notes.

    Parameters
    ----------
    referrals : pandas.DataFrame
        Loaded referrals (:func:`loyaltylab.feedback.load_referrals`).
    transactions : pandas.DataFrame
        Canonical transactions.
    observation_end : date-like, optional
        Last observed day (default: the last purchase).
    window_start : date-like, optional
        New customers are those whose first purchase is on or after this day (default: all).
    horizon_days : int, default 365
        Days after the first purchase over which retention and value are counted.
    level : float, default 0.95

    Returns
    -------
    ReferralResult

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "b", "c"], "amount": [10.0, 20.0, 5.0, 8.0],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-02-03"])})
    >>> refs = pd.DataFrame({"referrer_id": ["a"], "referred_id": ["b"],
    ...                      "referred_at": pd.to_datetime(["2024-01-30"])})
    >>> result = referral_analysis(refs, tx, observation_end="2024-12-31", horizon_days=90)
    >>> result.rate, result.referred_share, result.value
    (0.3333333333333333, 0.3333333333333333, 25.0)
    """
    tx = transactions[["customer_id", "timestamp", "amount"]].copy()
    tx["customer_id"] = tx["customer_id"].astype(str)
    end = end_of_day(observation_end, "observation_end", optional=True)
    if end is None:
        end = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    start = end_of_day(window_start, "window_start", optional=True)
    tx = tx.loc[tx["timestamp"] < end]
    first = tx.groupby("customer_id")["timestamp"].min()
    referred_ids = set(referrals["referred_id"].astype(str))
    referrers = set(referrals["referrer_id"].astype(str)) & set(first.index)
    customers = len(first)
    rate_low, rate_high = _wilson(len(referrers), customers, level)

    new = first if start is None else first.loc[first >= start - pd.Timedelta(days=1)]
    referred_new = int(new.index.isin(list(referred_ids)).sum())
    share_low, share_high = _wilson(referred_new, len(new), level)

    horizon = pd.Timedelta(days=horizon_days)
    observed = new.loc[new + horizon <= end]
    joined = tx.merge(observed.rename("first"), left_on="customer_id", right_index=True)
    within = joined.loc[joined["timestamp"] < joined["first"] + horizon]
    stats_frame = within.groupby("customer_id").agg(
        orders=("amount", "size"), value=("amount", "sum")
    )
    stats_frame["retained"] = (
        within.loc[within["timestamp"].dt.normalize() > within["first"].dt.normalize()]
        .groupby("customer_id")
        .size()
        .reindex(stats_frame.index)
        .fillna(0)
        > 0
    ).astype(int)
    stats_frame["group"] = np.where(
        stats_frame.index.isin(list(referred_ids)), "referred", "other new"
    )
    rows = []
    z = float(stats.norm.ppf(0.5 + level / 2))
    parts: dict[str, pd.DataFrame] = {}
    for group in ("referred", "other new"):
        part = stats_frame.loc[stats_frame["group"] == group]
        parts[group] = part
        kept = int(part["retained"].sum())
        low, high = _wilson(kept, len(part), level)
        mean = float(part["value"].mean()) if len(part) else float("nan")
        half = (
            float(
                stats.t.ppf(0.5 + level / 2, len(part) - 1)
                * part["value"].std(ddof=1)
                / np.sqrt(len(part))
            )
            if len(part) > 1
            else float("nan")
        )
        rows.append(
            {
                "group": group,
                "customers": len(part),
                "retention": kept / len(part) if len(part) else float("nan"),
                "retention_low": low,
                "retention_high": high,
                "value": mean,
                "value_low": mean - half,
                "value_high": mean + half,
            }
        )
    groups = pd.DataFrame(rows)
    a, b = parts["referred"], parts["other new"]
    p1 = float(a["retained"].mean()) if len(a) else float("nan")
    p0 = float(b["retained"].mean()) if len(b) else float("nan")
    diff = p1 - p0
    se = float(np.sqrt(p1 * (1 - p1) / max(len(a), 1) + p0 * (1 - p0) / max(len(b), 1)))
    value_diff, value_low, value_high = float("nan"), float("nan"), float("nan")
    if len(a) > 1 and len(b) > 1:
        va, vb = a["value"].var(ddof=1) / len(a), b["value"].var(ddof=1) / len(b)
        dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        value_diff = float(a["value"].mean() - b["value"].mean())
        half = float(stats.t.ppf(0.5 + level / 2, dof) * np.sqrt(va + vb))
        value_low, value_high = value_diff - half, value_diff + half
    return ReferralResult(
        customers=customers,
        referrers=len(referrers),
        referrals=len(referrals),
        new_customers=len(new),
        referred_new=referred_new,
        rate=len(referrers) / customers if customers else float("nan"),
        rate_low=rate_low,
        rate_high=rate_high,
        referred_share=referred_new / len(new) if len(new) else float("nan"),
        referred_share_low=share_low,
        referred_share_high=share_high,
        groups=groups,
        retention_difference=diff,
        retention_difference_low=diff - z * se,
        retention_difference_high=diff + z * se,
        value=float(rows[0]["value"]),
        value_difference=value_diff,
        value_difference_low=value_low,
        value_difference_high=value_high,
        horizon_days=horizon_days,
        level=level,
    )
