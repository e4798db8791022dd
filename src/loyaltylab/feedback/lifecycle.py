"""The loyalty lifecycle: acquisition, engagement, retention and advocacy per period.

Per calendar period (:func:`lifecycle_funnel`):

* **acquisition** - ``acquired``: customers whose first purchase is in the period;
* **engagement** - ``enrolled``: members enrolled by the end of the period; ``active_members``:
  members who bought in the period;
* **retention** - ``retained``: customers who bought in the period and in the one before;
* **advocacy** - ``advocates``: customers who answered 9-10 (promoters) or referred someone in
  the period (``promoters``, ``referrers`` separately too).

Conversion rates: ``engagement_rate`` = active members / active customers, ``retention_rate`` =
retained / active customers of the previous period, ``advocacy_rate`` = advocates / active
customers.

**Movements** (:func:`lifecycle_movements`): each customer's stage in a period is the highest of
the ladder ``advocate`` > ``retained`` > ``engaged`` (an active member) > ``acquired`` >
``returning`` (bought after a gap) > ``inactive``; the table counts customers by their stage in
one period (rows) and the next (columns), over all pairs of consecutive periods, for customers
acquired by the first of the two.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from loyaltylab.kpi.periods import PANDAS_PERIOD_FREQ
from loyaltylab.rules import end_of_day

__all__ = ["STAGES", "customer_stages", "lifecycle_funnel", "lifecycle_movements"]

#: The lifecycle stages, highest first.
STAGES: tuple[str, ...] = ("advocate", "retained", "engaged", "acquired", "returning", "inactive")


def _periods(stamps: pd.Series, period: str) -> pd.Series:
    return stamps.dt.to_period(PANDAS_PERIOD_FREQ[period])


def _activity(
    transactions: pd.DataFrame,
    members: pd.DataFrame | None,
    surveys: pd.DataFrame | None,
    referrals: pd.DataFrame | None,
    period: str,
    observation_end: Any,
) -> tuple[pd.DataFrame, pd.PeriodIndex]:
    """Return one row per customer and period from first purchase on, with the stage flags."""
    tx = transactions[["customer_id", "timestamp"]].copy()
    tx["customer_id"] = tx["customer_id"].astype(str)
    end = end_of_day(observation_end, "observation_end", optional=True)
    if end is not None:
        tx = tx.loc[tx["timestamp"] < end]
    tx["period"] = _periods(tx["timestamp"], period)
    last = (end - pd.Timedelta(days=1)) if end is not None else tx["timestamp"].max()
    periods = pd.period_range(tx["period"].min(), pd.Period(last, PANDAS_PERIOD_FREQ[period]))
    first = tx.groupby("customer_id")["period"].min()
    bought = set(zip(tx["customer_id"], tx["period"], strict=True))
    grid = pd.MultiIndex.from_product([first.index, periods], names=["customer_id", "period"])
    frame = grid.to_frame(index=False)
    frame = frame.loc[frame["period"] >= frame["customer_id"].map(first)].reset_index(drop=True)
    keys = list(zip(frame["customer_id"], frame["period"], strict=True))
    frame["active"] = [key in bought for key in keys]
    frame["acquired"] = frame["period"] == frame["customer_id"].map(first)
    previous = [(customer, stamp - 1) in bought for customer, stamp in keys]
    frame["retained"] = frame["active"] & pd.Series(previous, index=frame.index)
    frame["enrolled"] = False
    if members is not None and len(members):
        joined = members.drop_duplicates("customer_id").set_index(
            members.drop_duplicates("customer_id")["customer_id"].astype(str)
        )["enrolled_at"]
        enrolled = _periods(frame["customer_id"].map(joined), period)
        frame["enrolled"] = enrolled.notna() & (enrolled <= frame["period"]).fillna(False)
    frame["active_member"] = frame["active"] & frame["enrolled"]
    frame["promoter"] = _flag(frame, surveys, "answered_at", period, surveys_filter=True)
    frame["referrer"] = _flag(frame, referrals, "referred_at", period, id_column="referrer_id")
    frame["advocate"] = frame["promoter"] | frame["referrer"]
    return frame, periods


def _flag(
    frame: pd.DataFrame,
    table: pd.DataFrame | None,
    column: str,
    period: str,
    *,
    surveys_filter: bool = False,
    id_column: str = "customer_id",
) -> pd.Series:
    if table is None or not len(table):
        return pd.Series(False, index=frame.index)
    rows = table.loc[table["nps"] >= 9] if surveys_filter else table
    pairs = set(zip(rows[id_column].astype(str), _periods(rows[column], period), strict=True))
    keys = zip(frame["customer_id"], frame["period"], strict=True)
    return pd.Series([key in pairs for key in keys], index=frame.index)


def lifecycle_funnel(
    transactions: pd.DataFrame,
    *,
    members: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    referrals: pd.DataFrame | None = None,
    period: str = "Q",
    observation_end: Any = None,
) -> pd.DataFrame:
    """Return the lifecycle counts and conversion rates per period (see the module notes).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    members, surveys, referrals : pandas.DataFrame, optional
        Loaded member base, survey answers and referrals.
    period : {"W", "M", "Q"}, default "Q"
    observation_end : date-like, optional

    Returns
    -------
    pandas.DataFrame
        One row per period: ``period``, ``customers`` (acquired so far), ``active``,
        ``acquired``, ``enrolled``, ``active_members``, ``retained``, ``promoters``,
        ``referrers``, ``advocates``, ``engagement_rate``, ``retention_rate``,
        ``advocacy_rate``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [1.0, 1.0, 1.0],
    ...     "timestamp": pd.to_datetime(["2024-01-05", "2024-04-05", "2024-04-09"])})
    >>> funnel = lifecycle_funnel(tx, period="Q", observation_end="2024-06-30")
    >>> funnel[["period", "active", "acquired", "retained", "retention_rate"]].values.tolist()
    [['2024Q1', 1, 1, 0, nan], ['2024Q2', 2, 1, 1, 1.0]]
    """
    frame, periods = _activity(transactions, members, surveys, referrals, period, observation_end)
    grouped = frame.groupby("period")
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "active": grouped["active"].sum(),
            "acquired": grouped["acquired"].sum(),
            "enrolled": grouped["enrolled"].sum(),
            "active_members": grouped["active_member"].sum(),
            "retained": grouped["retained"].sum(),
            "promoters": grouped["promoter"].sum(),
            "referrers": grouped["referrer"].sum(),
            "advocates": grouped["advocate"].sum(),
        }
    ).reindex(periods, fill_value=0)
    table = table.astype(int)
    active = table["active"].where(table["active"] > 0)
    table["engagement_rate"] = table["active_members"] / active
    table["retention_rate"] = table["retained"] / active.shift(1)
    table["advocacy_rate"] = table["advocates"] / active
    table.index = table.index.astype(str)
    return table.rename_axis("period").reset_index()


def customer_stages(
    transactions: pd.DataFrame,
    *,
    members: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    referrals: pd.DataFrame | None = None,
    period: str = "Q",
    observation_end: Any = None,
) -> pd.DataFrame:
    """Return each customer's lifecycle stage per period (``customer_id``, ``period``, ``stage``).

    The stage is the highest of :data:`STAGES` that applies (module notes).
    """
    frame, _ = _activity(transactions, members, surveys, referrals, period, observation_end)
    stage = pd.Series("inactive", index=frame.index)
    stage = stage.mask(frame["active"], "returning")
    stage = stage.mask(frame["acquired"], "acquired")
    stage = stage.mask(frame["active_member"], "engaged")
    stage = stage.mask(frame["retained"], "retained")
    stage = stage.mask(frame["advocate"], "advocate")
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "period": frame["period"].astype(str),
            "stage": pd.Categorical(stage, categories=list(STAGES)),
        }
    )


def lifecycle_movements(stages: pd.DataFrame) -> pd.DataFrame:
    """Return how many customers moved from each stage (rows) to each stage (columns) next period.

    Parameters
    ----------
    stages : pandas.DataFrame
        From :func:`customer_stages`.

    Returns
    -------
    pandas.DataFrame
        A square table over :data:`STAGES`, summed over consecutive period pairs.

    Examples
    --------
    >>> stages = pd.DataFrame({"customer_id": ["a", "a", "b", "b"],
    ...     "period": ["2024Q1", "2024Q2", "2024Q1", "2024Q2"],
    ...     "stage": ["acquired", "retained", "acquired", "inactive"]})
    >>> lifecycle_movements(stages).loc["acquired", ["retained", "inactive"]].tolist()
    [1, 1]
    """
    ordered = stages.sort_values(["customer_id", "period"], kind="stable")
    following = ordered.groupby("customer_id")["stage"].shift(-1)
    pairs = pd.DataFrame({"from": ordered["stage"].astype(str), "to": following}).dropna()
    table = pd.crosstab(pairs["from"], pairs["to"].astype(str))
    return table.reindex(index=list(STAGES), columns=list(STAGES), fill_value=0).astype(int)
