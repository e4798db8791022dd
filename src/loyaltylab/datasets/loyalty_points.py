"""The synthetic data's points program: its rules, its members' behaviour, its booking.

:class:`SyntheticPointsProgram` holds a real :class:`~loyaltylab.config.programs.PointsRules` -
the one points vocabulary of the package (earn rate, point value, redemption threshold, expiry
policy and days) - plus the behaviour of the synthetic members that is no program rule (how
likely they redeem, the tiers they are reported in). :func:`book_points` books members'
purchases on the one points engine of the package,
:class:`~loyaltylab.rewards.ledger.PointsLedger`, on the purchase times. Used by
:mod:`loyaltylab.datasets.loyalty`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.config.programs import PointsRules
from loyaltylab.errors import ParameterError
from loyaltylab.rewards.ledger import PointsLedger
from loyaltylab.rewards.mechanics.points import points_for_purchases

__all__ = ["SYNTHETIC_POINTS_RULES", "SyntheticPointsProgram", "book_points"]

#: The points rules of the synthetic data (and of the committed snapshot): 1 point per currency
#: unit, rewards of 200 points worth 0.01 each, the whole balance expiring after 365 days
#: without a purchase.
SYNTHETIC_POINTS_RULES = PointsRules(
    earn_rate=1.0,
    point_value=0.01,
    redemption_threshold=200.0,
    expiry="after_inactivity_days",
    expiry_days=365,
)
# what booking on purchase times can do: the lot policies and lock days need the weekly clock
_EXPIRY_ON_PURCHASE_TIMES = ("after_inactivity_days", "never")


def _default_tiers() -> dict[str, float]:
    return {"base": 0.0, "silver": 500.0, "gold": 1500.0}


@dataclass(frozen=True)
class SyntheticPointsProgram:
    """The synthetic data's points program: program rules plus members' behaviour.

    The rules are a :class:`~loyaltylab.config.programs.PointsRules`, booked on the rewards
    :class:`~loyaltylab.rewards.ledger.PointsLedger` on the purchase times; earning is the
    rewards :func:`~loyaltylab.rewards.mechanics.points.points_for_purchases`, rounded down per
    purchase. Only the members' behaviour is the data's own: after a purchase that brings the
    balance to ``points.redemption_threshold`` or more, a member redeems, with
    ``redeem_probability``, as many whole rewards as the balance covers; the members' tiers
    are by points earned to date.

    Attributes
    ----------
    points : PointsRules, default :data:`SYNTHETIC_POINTS_RULES`
        The program's points rules. Booking on purchase times supports expiry
        ``"after_inactivity_days"`` (the whole balance ``expiry_days`` after the last purchase)
        or ``"never"``, no lock days, no reward catalogue (rewards of
        ``redemption_threshold`` points) and no endowed points.
    redeem_probability : float, default 0.5
        Chance that a member with enough points redeems right after a purchase.
    tier_thresholds : mapping of str to float
        Tier name -> points earned to date needed for it (the lowest must be 0).

    Examples
    --------
    >>> program = SyntheticPointsProgram().with_rules(expiry_days=90)
    >>> program.points.expiry, program.points.expiry_days, program.points.redemption_threshold
    ('after_inactivity_days', 90, 200.0)
    """

    points: PointsRules = SYNTHETIC_POINTS_RULES
    redeem_probability: float = 0.5
    tier_thresholds: Mapping[str, float] = field(default_factory=_default_tiers)

    def __post_init__(self) -> None:
        rules = self.points
        if not isinstance(rules, PointsRules):
            raise ParameterError(
                f"SyntheticPointsProgram 'points' must be a PointsRules, got "
                f"{type(rules).__name__}; build it with PointsRules(...) or "
                f"SyntheticPointsProgram().with_rules(...)"
            )
        unsupported = {
            "expiry": rules.expiry not in _EXPIRY_ON_PURCHASE_TIMES,
            "lock_days": rules.lock_days != 0,
            "catalogue": bool(rules.catalogue),
            "endowed_points": rules.endowed_points != 0,
        }
        wrong = [name for name, bad in unsupported.items() if bad]
        if wrong:
            given = {name: getattr(rules, name) for name in wrong}
            raise ParameterError(
                f"SyntheticPointsProgram 'points' uses rules the synthetic booking on purchase "
                f"times does not model: {given}; use expiry {list(_EXPIRY_ON_PURCHASE_TIMES)}, "
                f"lock_days 0, no catalogue (rewards of redemption_threshold points) and no "
                f"endowed points, or simulate the program with loyaltylab.rewards"
            )
        if not 0 <= self.redeem_probability <= 1:
            raise ParameterError(
                f"SyntheticPointsProgram 'redeem_probability' is out of range: "
                f"{self.redeem_probability} (give a probability in [0, 1])"
            )
        if not self.tier_thresholds or min(self.tier_thresholds.values()) != 0:
            raise ParameterError(
                f"SyntheticPointsProgram 'tier_thresholds' needs a tier at 0 points, got "
                f"{dict(self.tier_thresholds)}"
            )

    def with_rules(self, **changes: Any) -> SyntheticPointsProgram:
        """Return a copy whose points rules have ``changes`` (validated as ``PointsRules``).

        Parameters
        ----------
        **changes
            ``PointsRules`` fields, e.g. ``expiry_days=60`` or ``point_value=0.02``.

        Returns
        -------
        SyntheticPointsProgram

        Raises
        ------
        loyaltylab.errors.ConfigError
            A value the points rules refuse, named ``points.<field>``.
        """
        rules = PointsRules(**{**self.points.model_dump(), **changes})
        return replace(self, points=rules)

    @property
    def tiers(self) -> tuple[str, ...]:
        """Tier names from lowest to highest threshold."""
        return tuple(sorted(self.tier_thresholds, key=self.tier_thresholds.__getitem__))

    def settings(self) -> dict[str, Any]:
        """Return the settings the synthetic data's truth records (``truth["program"]``).

        Returns
        -------
        dict
            ``earn_rate``, ``redemption_threshold``, ``redeem_probability``, ``expiry_days``,
            ``point_value``, ``tier_thresholds``.
        """
        return {
            "earn_rate": self.points.earn_rate,
            "redemption_threshold": self.points.redemption_threshold,
            "redeem_probability": self.redeem_probability,
            "expiry_days": self.points.expiry_days,
            "point_value": self.points.point_value,
            "tier_thresholds": dict(self.tier_thresholds),
        }

    def summary(self) -> pd.DataFrame:
        """Return :meth:`settings` as a two-column table (``setting``, ``value``)."""
        return pd.DataFrame(list(self.settings().items()), columns=["setting", "value"])


def book_points(
    purchases: pd.DataFrame,
    program: SyntheticPointsProgram,
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
    program : SyntheticPointsProgram
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
    >>> program = SyntheticPointsProgram(redeem_probability=1.0).with_rules(
    ...     redemption_threshold=100.0, expiry_days=30)
    >>> rows, balances = book_points(purchases, program, pd.Timestamp("2024-06-01"),
    ...     np.random.default_rng(0))
    >>> rows["kind"].tolist(), rows["points"].tolist()
    (['earn', 'redeem', 'expire', 'earn', 'expire'], [150.0, -100.0, -50.0, 80.0, -80.0])
    """
    ids, member_index = np.unique(purchases["customer_id"].to_numpy(), return_inverse=True)
    times = purchases["timestamp"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    amounts = purchases["amount"].to_numpy(dtype=float)
    earn = np.floor(points_for_purchases(program.points, amounts, 1))
    orders = purchases["order_id"].astype(str).to_numpy()
    redeem_draws = rng.random(len(purchases))
    rank = purchases.groupby("customer_id", sort=False).cumcount().to_numpy()
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(rank.max(initial=-1) + 2))
    threshold = program.points.redemption_threshold
    ledger = PointsLedger(program.points, len(ids), dtype=np.float64, tick=np.timedelta64(1, "ns"))

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
