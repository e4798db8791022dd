"""The synthetic data's points program: its settings and its booking on the rewards ledger.

:class:`PointsProgram` speaks the rewards points vocabulary (earn rate, point value, redemption
threshold, expiry policy and days); :func:`book_points` books members' purchases on the one
points engine of the package, :class:`~loyaltylab.rewards.ledger.PointsLedger`, with whole-balance
expiry after ``expiry_days`` without a purchase (the ledger's ``after_inactivity_days``) on the
purchase times. Used by :mod:`loyaltylab.datasets.loyalty`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.rewards.ledger import PointsLedger
from loyaltylab.rewards.mechanics.points import points_for_purchases

__all__ = ["PointsProgram", "book_points"]


@dataclass(frozen=True)
class PointsProgram:
    """The synthetic data's points program, in the vocabulary of the rewards ``PointsRules``.

    Its points are booked on the rewards :class:`~loyaltylab.rewards.ledger.PointsLedger` with
    the ledger's ``after_inactivity_days`` expiry; earning is the rewards
    :func:`~loyaltylab.rewards.mechanics.points.points_for_purchases`, rounded down per
    purchase. Only the redemption behaviour (all whole rewards, right after a purchase, with
    ``redeem_probability``) and the tiers by points earned to date are its own.

    Attributes
    ----------
    earn_rate : float, default 1.0
        Points per currency unit spent (rounded down per purchase).
    redemption_threshold : float, default 200.0
        Points per reward; redemptions are whole multiples of it.
    redeem_probability : float, default 0.5
        Chance that a member with enough points redeems right after a purchase.
    expiry_days : int, default 365
        Inactivity (days without a purchase) after which the whole balance expires.
    point_value : float, default 0.01
        Cost to the firm of one redeemed point, in currency.
    tier_thresholds : mapping of str to float
        Tier name → points earned to date needed for it (the lowest must be 0).
    expiry : str
        Always ``"after_inactivity_days"`` (a class constant, read by the ledger).
    lock_days, points_per_purchase
        Always 0 (class constants, read by the ledger and the earning rule).
    """

    expiry: ClassVar[str] = "after_inactivity_days"
    lock_days: ClassVar[int] = 0
    points_per_purchase: ClassVar[float] = 0.0

    earn_rate: float = 1.0
    redemption_threshold: float = 200.0
    redeem_probability: float = 0.5
    expiry_days: int = 365
    point_value: float = 0.01
    tier_thresholds: Mapping[str, float] = field(
        default_factory=lambda: {"base": 0.0, "silver": 500.0, "gold": 1500.0}
    )

    def __post_init__(self) -> None:
        checks = {
            "earn_rate": self.earn_rate > 0,
            "redemption_threshold": self.redemption_threshold > 0,
            "redeem_probability": 0 <= self.redeem_probability <= 1,
            "expiry_days": self.expiry_days >= 1,
            "point_value": self.point_value >= 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ParameterError(
                    f"PointsProgram {name!r} is out of range: {getattr(self, name)}"
                )
        if not self.tier_thresholds or min(self.tier_thresholds.values()) != 0:
            raise ParameterError(
                f"PointsProgram 'tier_thresholds' needs a tier at 0 points, got "
                f"{dict(self.tier_thresholds)}"
            )

    @property
    def tiers(self) -> tuple[str, ...]:
        """Tier names from lowest to highest threshold."""
        return tuple(sorted(self.tier_thresholds, key=self.tier_thresholds.__getitem__))

    def summary(self) -> pd.DataFrame:
        """Return the program's settings as a two-column table (``setting``, ``value``)."""
        values = asdict(self)
        values["tier_thresholds"] = dict(self.tier_thresholds)
        return pd.DataFrame(list(values.items()), columns=["setting", "value"])


def book_points(
    purchases: pd.DataFrame,
    program: PointsProgram,
    end_exclusive: pd.Timestamp,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Book members' purchases on the rewards points ledger; return the ledger and balances.

    The ledger runs on the purchase times (one tick = one nanosecond), one purchase rank at a
    time (the *k*-th purchase of every member together): idle balances expire, the purchase
    earns, the member may redeem; balances still idle at the observation end expire last.

    Parameters
    ----------
    purchases : pandas.DataFrame
        Members' purchases (``customer_id``, ``timestamp``, ``amount``, ``order_id``), sorted
        by customer and time.
    program : PointsProgram
    end_exclusive : pandas.Timestamp
        The day after the observation end.
    rng : numpy.random.Generator
        Draws the redemption decisions (one uniform per purchase).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Ledger rows (``customer_id``, ``timestamp``, ``kind``, ``points`` signed, ``order_id``)
        and per member ``points_issued``, ``points_redeemed``, ``points_expired``,
        ``points_balance``.

    Examples
    --------
    >>> purchases = pd.DataFrame({"customer_id": ["a", "a"], "amount": [150.0, 80.0],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-03-01"]), "order_id": ["1", "2"]})
    >>> program = PointsProgram(redemption_threshold=100.0, redeem_probability=1.0,
    ...     expiry_days=30)
    >>> rows, balances = book_points(purchases, program, pd.Timestamp("2024-06-01"),
    ...     np.random.default_rng(0))
    >>> rows["kind"].tolist(), rows["points"].tolist()
    (['earn', 'redeem', 'expire', 'earn', 'expire'], [150.0, -100.0, -50.0, 80.0, -80.0])
    """
    ids, member_index = np.unique(purchases["customer_id"].to_numpy(), return_inverse=True)
    times = purchases["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    amounts = purchases["amount"].to_numpy(dtype=float)
    earn = np.floor(points_for_purchases(program, amounts, 1))
    orders = purchases["order_id"].astype(str).to_numpy()
    redeem_draws = rng.random(len(purchases))
    rank = purchases.groupby("customer_id", sort=False).cumcount().to_numpy()
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(rank.max(initial=-1) + 2))
    threshold = program.redemption_threshold
    ledger = PointsLedger(program, len(ids), dtype=np.float64, tick=np.timedelta64(1, "ns"))

    issued = np.zeros(len(ids))
    redeemed = np.zeros(len(ids))
    expired = np.zeros(len(ids))
    events: list[tuple[np.ndarray, np.ndarray, str, np.ndarray, np.ndarray]] = []

    def expire(index: np.ndarray, now: np.ndarray | int) -> None:
        gone, points, due = ledger.expire_inactive(index, now)
        if gone.size:
            no_order = np.full(len(gone), None)
            events.append((gone, due.view("datetime64[ns]"), "expire", -points, no_order))
            expired[gone] += points

    for k in range(len(bounds) - 1):
        rows = by_rank[bounds[k] : bounds[k + 1]]
        who = member_index[rows]
        expire(who, times[rows])
        earned = earn[rows]
        positive = earned > 0
        events.append(
            (
                who[positive],
                times[rows][positive].view("datetime64[ns]"),
                "earn",
                earned[positive],
                orders[rows][positive],
            )
        )
        ledger.earn(who, earned, at=times[rows])
        issued[who] += earned
        balance = ledger.balance
        redeem = (balance[who] >= threshold) & (redeem_draws[rows] < program.redeem_probability)
        if redeem.any():
            spenders = who[redeem]
            amount = np.floor(balance[spenders] / threshold) * threshold
            events.append(
                (
                    spenders,
                    times[rows][redeem].view("datetime64[ns]"),
                    "redeem",
                    -amount,
                    np.full(len(spenders), None),
                )
            )
            ledger.redeem(spenders, amount)
            redeemed[spenders] += amount
    expire(np.arange(len(ids)), int(np.datetime64(end_exclusive, "ns").view(np.int64)))

    columns = ["customer_id", "timestamp", "kind", "points", "order_id"]
    if events:
        ledger_frame = pd.DataFrame(
            {
                "customer_id": np.concatenate([ids[e[0]] for e in events]),
                "timestamp": np.concatenate([e[1] for e in events]),
                "kind": np.concatenate([np.full(len(e[0]), e[2]) for e in events]),
                "points": np.concatenate([e[3] for e in events]).astype(float),
                "order_id": np.concatenate([e[4] for e in events]),
            }
        )
    else:
        ledger_frame = pd.DataFrame(columns=columns)
    order = ledger_frame["kind"].map({"earn": 0, "adjust": 1, "redeem": 2, "expire": 3})
    ledger_frame = (
        ledger_frame.assign(_order=order)
        .sort_values(["customer_id", "timestamp", "_order"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    ledger_frame["timestamp"] = ledger_frame["timestamp"].astype("datetime64[ns]")
    balances = pd.DataFrame(
        {
            "customer_id": ids.astype(str),
            "points_issued": issued,
            "points_redeemed": redeemed,
            "points_expired": expired,
            "points_balance": ledger.balance,
        }
    )
    return ledger_frame[columns], balances
