"""Loyalty-program KPIs (members, points, breakage, reward cost) and the member comparison.

:func:`program_kpis` reads the transactions, the members table and the points ledger (the frames
:func:`loyaltylab.data.load_members` and :func:`loyaltylab.data.load_ledger` return);
:func:`member_comparison` sets members beside non-members, descriptively
(:data:`loyaltylab.kpi.SELF_SELECTION_NOTE`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.data.loyalty import LEDGER_KINDS
from loyaltylab.errors import ParameterError
from loyaltylab.kpi.definitions import PROGRAM_KPIS, SELF_SELECTION_NOTE, kpi_summary
from loyaltylab.kpi.engine import as_period, finite_or_nan, observation_window, ratio
from loyaltylab.kpi.segments import kpis_by_segment
from loyaltylab.kpi.validation import validate_ledger, validate_members, validate_transactions

__all__ = ["ProgramKPIs", "member_comparison", "program_kpis"]


@dataclass(frozen=True)
class ProgramKPIs:
    """Loyalty-program KPIs at the end of a window (formulas in :data:`KPI_DEFINITIONS`).

    Attributes
    ----------
    observation_end : pandas.Timestamp
        Last day included (members enrolled and ledger rows up to and including it).
    point_value : float
        Cost to the firm of one redeemed point, in currency.
    customers : int
        Transacting customers of the window plus members who did not transact.
    members : int
        Members enrolled on or before ``observation_end``.
    active_members : int
        Members with an order in the last ``active_days`` days of the window.
    enrolment_rate, participation_rate : float
        ``members / customers`` and ``active_members / members``.
    points_issued, points_redeemed, points_expired, points_adjusted, points_outstanding : float
        Ledger totals; redeemed and expired as positive amounts; outstanding = signed sum.
    redemption_rate, breakage_rate : float
        ``points_redeemed / points_issued`` and ``points_expired / points_issued``.
    reward_cost, reward_cost_share : float
        ``points_redeemed * point_value`` and that divided by the window's revenue.
    revenue : float
        Revenue of the window's transactions.
    members_vs_non_members : pandas.DataFrame
        Descriptive KPIs of members and non-members (see :data:`SELF_SELECTION_NOTE`).
    """

    observation_end: pd.Timestamp
    point_value: float
    active_days: int
    customers: int
    members: int
    active_members: int
    enrolment_rate: float
    participation_rate: float
    points_issued: float
    points_redeemed: float
    points_expired: float
    points_adjusted: float
    points_outstanding: float
    redemption_rate: float
    breakage_rate: float
    reward_cost: float
    reward_cost_share: float
    revenue: float
    members_vs_non_members: pd.DataFrame = field(repr=False)
    note: str = SELF_SELECTION_NOTE

    def to_metrics(self) -> dict[str, Any]:
        """Return the program KPI values as ``{kpi: value}`` (for ``write_metrics``)."""
        return {name: getattr(self, name) for name in PROGRAM_KPIS}

    def summary(self) -> pd.DataFrame:
        """Return one row per program KPI: ``kpi``, ``value``, ``unit``, ``formula``."""
        return kpi_summary(self.to_metrics())


def member_comparison(
    transactions: pd.DataFrame,
    members: pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
    retention_period: str = "M",
) -> pd.DataFrame:
    """Compare the KPIs of members and non-members - descriptively.

    Customers enrolled on or before ``observation_end`` are ``"member"``, others
    ``"non-member"``. The gap is **not** an effect of the program: members self-select (see
    :data:`SELF_SELECTION_NOTE`, also stored in ``DataFrame.attrs["note"]``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    members : pandas.DataFrame
        Members table (``customer_id``, ``enrolled_at``, ...).
    observation_start, observation_end : date-like, optional
        The window, as in :func:`customer_kpis`.
    retention_period : {"W", "M", "Q"}, default "M"
        Period of retention and churn.

    Returns
    -------
    pandas.DataFrame
        :func:`kpis_by_segment` output with index ``member`` / ``non-member``.
    """
    frame = validate_transactions(transactions)
    table = validate_members(members)
    period = as_period(retention_period, "retention_period")
    end = observation_window(frame, observation_start, observation_end, period).end
    enrolled = set(table.loc[table["enrolled_at"] < end + pd.Timedelta(days=1), "customer_id"])
    customers = frame["customer_id"].drop_duplicates()
    labels = pd.Series(
        np.where(pd.Index(list(enrolled)).get_indexer(customers) >= 0, "member", "non-member"),
        index=customers.to_numpy(),
    )
    out = kpis_by_segment(
        frame,
        labels,
        observation_start=observation_start,
        observation_end=observation_end,
        retention_period=retention_period,
    )
    out.index.name = "group"
    out.attrs["note"] = SELF_SELECTION_NOTE
    return out


def program_kpis(
    transactions: pd.DataFrame,
    members: pd.DataFrame,
    ledger: pd.DataFrame,
    *,
    observation_start: Any = None,
    observation_end: Any = None,
    point_value: float = 0.01,
    active_days: int = 90,
) -> ProgramKPIs:
    """Compute the loyalty-program KPIs.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (revenue, activity of members).
    members : pandas.DataFrame
        Members table per the contract (``customer_id``, ``enrolled_at``, ``tier``, ``channel``).
    ledger : pandas.DataFrame
        Points ledger (``customer_id``, ``timestamp``, ``kind`` in earn/redeem/expire/adjust,
        signed ``points``: earn > 0, redeem < 0, expire < 0).
    observation_start, observation_end : date-like, optional
        The window for revenue and customers, as in :func:`customer_kpis`; members and ledger
        count everything up to ``observation_end`` (points accumulate over the program's life).
    point_value : float, default 0.01
        Cost of one redeemed point in currency.
    active_days : int, default 90
        A member is active with an order in the last ``active_days`` days of the window.

    Returns
    -------
    ProgramKPIs
    """
    frame = validate_transactions(transactions)
    member_table = validate_members(members)
    ledger_table = validate_ledger(ledger)
    if (
        not isinstance(point_value, int | float)
        or not math.isfinite(point_value)
        or point_value < 0
    ):
        raise ParameterError(f"parameter 'point_value' must be a number >= 0, got {point_value!r}")
    if isinstance(active_days, bool) or not isinstance(active_days, int) or active_days < 1:
        raise ParameterError(
            f"parameter 'active_days' must be a whole number >= 1, got {active_days!r}"
        )
    window = observation_window(frame, observation_start, observation_end, "M")
    stop = window.end_exclusive
    in_window = (frame["timestamp"] >= window.start) & (frame["timestamp"] < stop)
    enrolled = member_table.loc[member_table["enrolled_at"] < stop, "customer_id"]
    buyers = frame.loc[in_window, "customer_id"].unique()
    customers = len(set(buyers) | set(enrolled))
    recent = frame.loc[
        (frame["timestamp"] >= stop - pd.Timedelta(days=active_days)) & (frame["timestamp"] < stop),
        "customer_id",
    ].unique()
    active_members = int(enrolled.isin(recent).sum())
    rows = ledger_table.loc[ledger_table["timestamp"] < stop]
    totals = rows.groupby("kind")["points"].sum().reindex(list(LEDGER_KINDS), fill_value=0.0)
    issued = float(totals["earn"])
    redeemed = float(-totals["redeem"])
    expired = float(-totals["expire"])
    adjusted = float(totals["adjust"])
    revenue = float(frame.loc[in_window, "amount"].sum())
    reward_cost = redeemed * float(point_value)
    comparison = member_comparison(
        frame,
        member_table,
        observation_start=window.start,
        observation_end=window.end,
    )
    return ProgramKPIs(
        observation_end=window.end,
        point_value=float(point_value),
        active_days=active_days,
        customers=customers,
        members=len(enrolled),
        active_members=active_members,
        enrolment_rate=finite_or_nan(ratio(len(enrolled), customers)),
        participation_rate=finite_or_nan(ratio(active_members, len(enrolled))),
        points_issued=issued,
        points_redeemed=redeemed,
        points_expired=expired,
        points_adjusted=adjusted,
        points_outstanding=float(rows["points"].sum()),
        redemption_rate=finite_or_nan(ratio(redeemed, issued)),
        breakage_rate=finite_or_nan(ratio(expired, issued)),
        reward_cost=reward_cost,
        reward_cost_share=finite_or_nan(ratio(reward_cost, revenue)),
        revenue=revenue,
        members_vs_non_members=comparison,
    )
