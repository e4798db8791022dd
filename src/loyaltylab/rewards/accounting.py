"""IFRS 15 / ASC 606 accounting of loyalty points (reference/rewards.md §2 "Accounting").

Points that give a material right are a separate performance obligation: the transaction price is
allocated between goods and points on relative stand-alone selling prices, the points' SSP being
their face value times the likelihood of redemption (IFRS 15.B39-B42) [S68]. The amount allocated
to points is a contract liability, released as revenue in proportion to points redeemed over points
expected to be redeemed; breakage is thereby recognised in proportion to the pattern of rights
exercised (ASC 606-10-55-48) [S70][S71]; a revised estimate changes later revenue, not the amount
allocated (cumulative catch-up) [S72]. KPMG Example 10A (IFRS 15.IE267-IE270) is the worked case:
9,000 allocated, 4,175 and 3,552 released [S67].

The simulation pools all points of a program (one portfolio), which is how the standard's
portfolio practical expedient and most retailers' disclosures work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from loyaltylab.errors import ParameterError

__all__ = ["allocate_to_points", "ifrs15_schedule", "points_revenue_to_date"]


def allocate_to_points(
    sales: float,
    points_issued: float,
    point_value: float,
    expected_redemption: float,
    *,
    goods_ssp: float | None = None,
    ratio_decimals: int | None = None,
) -> float:
    """Return the part of the transaction price allocated to points (relative SSP).

    ``allocated = sales * points_ssp / (goods_ssp + points_ssp)`` with
    ``points_ssp = points_issued * point_value * expected_redemption`` (IFRS 15.B42) [S67][S68].

    Parameters
    ----------
    sales : float
        Transaction price (consideration received for goods carrying points).
    points_issued : float
        Points granted with those sales.
    point_value : float
        Currency value of one point when redeemed.
    expected_redemption : float
        Share of points expected to be redeemed, in (0, 1].
    goods_ssp : float, optional
        Stand-alone selling price of the goods (default: ``sales``).
    ratio_decimals : int, optional
        Round the selling-price ratio to this many decimals first, as KPMG's worked example does
        (9 % -> 9,000 of 100,000).

    Returns
    -------
    float

    Examples
    --------
    >>> allocate_to_points(100_000, 10_000, 1.0, 0.97, ratio_decimals=2)  # KPMG Ex. 10A
    9000.0
    """
    for name, value in {
        "sales": sales,
        "points_issued": points_issued,
        "point_value": point_value,
    }.items():
        if value < 0:
            raise ParameterError(f"{name} must be >= 0, got {value!r}")
    if not 0 < expected_redemption <= 1:
        raise ParameterError(f"expected_redemption must be in (0, 1], got {expected_redemption!r}")
    goods = sales if goods_ssp is None else goods_ssp
    points_ssp = points_issued * point_value * expected_redemption
    if goods + points_ssp == 0:
        return 0.0
    ratio = points_ssp / (goods + points_ssp)
    if ratio_decimals is not None:
        ratio = round(ratio, ratio_decimals)
    return float(sales * ratio)


def points_revenue_to_date(
    allocated: float, redeemed_to_date: float, expected_redeemed_total: float
) -> float:
    """Return cumulative revenue recognised on points: ``allocated * redeemed / expected``.

    Parameters
    ----------
    allocated : float
        Transaction price allocated to the points so far.
    redeemed_to_date : float
        Points redeemed so far.
    expected_redeemed_total : float
        Points now expected to be redeemed in total (redeemed + expected future redemptions).

    Returns
    -------
    float
        Capped at ``allocated``.

    Examples
    --------
    >>> round(points_revenue_to_date(9000, 4500, 9700))  # KPMG Ex. 10A, year 2
    4175
    """
    if expected_redeemed_total <= 0:
        return float(allocated) if redeemed_to_date > 0 else 0.0
    return float(allocated * min(1.0, redeemed_to_date / expected_redeemed_total))


def ifrs15_schedule(
    periods: Sequence[object],
    sales: Sequence[float],
    points_issued: Sequence[float],
    points_redeemed: Sequence[float],
    expected_redeemed_total: Sequence[float],
    *,
    point_value: float,
    expected_redemption: float | Sequence[float],
    points_expired: Sequence[float] | None = None,
    extra_allocated: Sequence[float] | None = None,
    ratio_decimals: int | None = None,
    decimals: int | None = None,
) -> pd.DataFrame:
    """Return the IFRS 15 points schedule per period: allocation, liability, revenue, breakage.

    Parameters
    ----------
    periods : sequence
        Period labels.
    sales : sequence of float
        Sales carrying points, per period.
    points_issued, points_redeemed : sequence of float
        Points granted and redeemed per period.
    expected_redeemed_total : sequence of float
        The end-of-period estimate of all points (issued so far) that will ever be redeemed.
    point_value : float
        Currency value per point.
    expected_redemption : float or sequence
        Redemption likelihood used in the points' SSP at issue, per period.
    points_expired : sequence of float, optional
        Points expired per period (reported, and they lower the redemption estimate).
    extra_allocated : sequence of float, optional
        Consideration allocated wholly to points, e.g. partner funding in a coalition.
    ratio_decimals : int, optional
        Passed to :func:`allocate_to_points`.
    decimals : int, optional
        Round cumulative recognised revenue to this many decimals (KPMG rounds to units).

    Returns
    -------
    pandas.DataFrame
        Columns period, sales, allocated_to_points, goods_revenue, points_revenue,
        contract_liability, points_issued, points_redeemed, points_expired, breakage_recognised.
    """
    n = len(periods)
    arrays = [sales, points_issued, points_redeemed, expected_redeemed_total]
    if any(len(item) != n for item in arrays):
        raise ParameterError("ifrs15_schedule: all per-period sequences need the same length")
    rates = (
        [float(value) for value in expected_redemption]
        if isinstance(expected_redemption, Iterable)
        else [float(expected_redemption)] * n
    )
    expired = list(points_expired) if points_expired is not None else [0.0] * n
    extra = list(extra_allocated) if extra_allocated is not None else [0.0] * n
    rows = []
    allocated_cum = issued_cum = redeemed_cum = recognised_cum = 0.0
    for i in range(n):
        allocated = allocate_to_points(
            float(sales[i]),
            float(points_issued[i]),
            point_value,
            rates[i],
            ratio_decimals=ratio_decimals,
        ) + float(extra[i])
        allocated_cum += allocated
        issued_cum += float(points_issued[i])
        redeemed_cum += float(points_redeemed[i])
        cumulative = points_revenue_to_date(
            allocated_cum, redeemed_cum, float(expected_redeemed_total[i])
        )
        if decimals is not None:
            cumulative = round(cumulative, decimals)
        revenue = cumulative - recognised_cum
        recognised_cum = cumulative
        face_rate = allocated_cum / issued_cum if issued_cum else 0.0
        rows.append(
            {
                "period": periods[i],
                "sales": float(sales[i]),
                "allocated_to_points": allocated,
                "goods_revenue": float(sales[i]) - (allocated - float(extra[i])),
                "points_revenue": revenue,
                "contract_liability": allocated_cum - recognised_cum,
                "points_issued": float(points_issued[i]),
                "points_redeemed": float(points_redeemed[i]),
                "points_expired": float(expired[i]),
                "breakage_recognised": max(0.0, recognised_cum - face_rate * redeemed_cum),
            }
        )
    return pd.DataFrame(rows)
