"""Points: earning on purchases, the reward catalogue, redemption from the ledger.

Members earn ``earn_rate`` points per currency unit paid (after discounts) plus
``points_per_purchase`` per purchase, times the week's earn multiplier (campaigns, tiers, paid
membership), plus bonus and partner points; points go to the
:class:`~loyaltylab.rewards.ledger.PointsLedger` (lots, expiry, locks). A member who can afford the
cheapest reward redeems with the weekly ``redemption_propensity`` and takes the most expensive
reward she can afford [S111]; a redemption counts as a completed goal (learning [S9]) and starts
a window of redemption momentum [S11][S12]. The goal distance is the remaining share of the way
to the next multiple of the cheapest reward [S1][S2].
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from loyaltylab.rewards.behaviour import Behaviour, FloatArray
from loyaltylab.rewards.config import Economics, PointsRules
from loyaltylab.rewards.ledger import PointsLedger
from loyaltylab.rewards.mechanics.base import Mechanic, Twin, TwinWeek

__all__ = [
    "MAX_LEARNING_GOALS",
    "EarnRules",
    "PointsMechanic",
    "choose_rewards",
    "goal_distance_to_reward",
    "points_for_purchases",
]

MAX_LEARNING_GOALS = 5
_TOLERANCE = 1e-4  # balances are float32: a balance this close to a price affords it


class EarnRules(Protocol):
    """What earning reads from a points configuration (``PointsRules`` has these fields)."""

    @property
    def earn_rate(self) -> float:
        """Points per currency unit."""
        ...

    @property
    def points_per_purchase(self) -> float:
        """Points per purchase occasion."""
        ...


def points_for_purchases(
    rules: EarnRules,
    amount: np.ndarray,
    purchases: np.ndarray | int,
    multiplier: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Return the points earned on purchases: ``(earn_rate x amount + per purchase) x multiplier``.

    Parameters
    ----------
    rules : PointsRules or EarnRules
        ``earn_rate`` and ``points_per_purchase``.
    amount : numpy.ndarray
        Amount paid (after discounts), per buyer.
    purchases : numpy.ndarray or int
        Purchase occasions per buyer.
    multiplier : numpy.ndarray or float, default 1.0
        Earn multiplier per buyer.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> rules = PointsRules(earn_rate=2.0, points_per_purchase=5.0)
    >>> points_for_purchases(rules, np.array([30.0]), np.array([2]), np.array([1.5])).tolist()
    [105.0]
    """
    points: np.ndarray = (
        rules.earn_rate * amount + rules.points_per_purchase * purchases
    ) * multiplier
    return points


def choose_rewards(balance: np.ndarray, reward_points: np.ndarray) -> np.ndarray:
    """Return the catalogue position of the most expensive reward each balance affords.

    Parameters
    ----------
    balance : numpy.ndarray
        Points available (each at least the cheapest reward).
    reward_points : numpy.ndarray
        Prices of the rewards, ascending.

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> choose_rewards(np.array([250.0, 600.0, 599.99995]), np.array([200.0, 600.0])).tolist()
    [0, 1, 1]
    """
    return np.searchsorted(reward_points, balance + _TOLERANCE, side="right") - 1


def goal_distance_to_reward(balance: FloatArray, smallest_reward: float) -> FloatArray:
    """Return the remaining share of the way to the next multiple of the cheapest reward.

    Parameters
    ----------
    balance : numpy.ndarray
        Points balances.
    smallest_reward : float
        Price of the cheapest reward.

    Returns
    -------
    numpy.ndarray
        In (0, 1]: 1 right after a reward, 0.1 with nine tenths collected.

    Examples
    --------
    >>> goal_distance_to_reward(np.array([0.0, 450.0], dtype=np.float32), 500.0).tolist()
    [1.0, 0.10000000149011612]
    """
    smallest = np.float32(smallest_reward)
    return (smallest - np.mod(balance, smallest)) / smallest


class PointsMechanic(Mechanic):
    """Earning, the catalogue and redemption of a points currency (the ``points`` part).

    Parameters
    ----------
    rules : PointsRules
    economics : Economics
        ``reward_cost_ratio`` prices the threshold reward.
    behaviour : Behaviour
        ``redemption_propensity``, ``learning``, ``redemption_uplift``,
        ``redemption_window_weeks``.
    n_customers : int
    """

    def __init__(
        self, rules: PointsRules, economics: Economics, behaviour: Behaviour, n_customers: int
    ) -> None:
        self.rules = rules
        self.behaviour = behaviour
        self.ledger = PointsLedger(rules, n_customers)
        catalogue = rules.rewards(economics.reward_cost_ratio)
        self.reward_points = np.array([r.points for r in catalogue], dtype=np.float64)
        self.reward_cost = np.array([r.cost_to_firm for r in catalogue], dtype=np.float64)
        self.reward_value = np.array([r.value_to_customer for r in catalogue], dtype=np.float64)
        self.goals = np.zeros(n_customers, dtype=np.int16)
        self.momentum_until = np.full(n_customers, -1, dtype=np.int16)

    def setup(self, twin: Twin) -> None:
        """Attach the ledger to the twin and credit endowed points to members."""
        twin.ledger = self.ledger
        if self.rules.endowed_points > 0:
            index = np.flatnonzero(twin.member)
            self.ledger.endow(index, np.full(index.size, self.rules.endowed_points))

    def start_week(self, twin: Twin, week: TwinWeek) -> None:
        """Release locked points and expire due lots."""
        week.expired = self.ledger.start_week(week.week)

    def goal_distance(self, twin: Twin, week: TwinWeek) -> np.ndarray | None:
        """Return members' remaining share of the way to the next reward."""
        if not self.reward_points.size:
            return None
        balance = self.ledger.balance[week.members]
        return goal_distance_to_reward(balance, float(self.reward_points[0]))

    def scale_purchase_rate(
        self, twin: Twin, week: TwinWeek, response: np.ndarray, multiplier: np.ndarray
    ) -> None:
        """Apply learning per completed goal [S9] and redemption momentum [S11][S12]."""
        b = self.behaviour
        members = week.members
        if b.learning > 0:
            goals = np.minimum(self.goals[members], MAX_LEARNING_GOALS).astype(np.float32)
            multiplier *= 1 + response * np.float32(b.learning) * goals
        if b.redemption_uplift > 0:
            boosted = self.momentum_until[members] > week.week
            multiplier[boosted] *= 1 + response[boosted] * np.float32(b.redemption_uplift)

    def on_purchases(self, twin: Twin, week: TwinWeek) -> None:
        """Credit earned, bonus and partner points, then let members redeem."""
        assert week.earn_multiplier is not None  # set by the step for programs with points
        points = points_for_purchases(
            self.rules, week.paid_amount, week.counts, week.earn_multiplier
        )
        for bonus in week.bonus_points:
            points = points + bonus
        points = points * week.is_member
        self.ledger.earn(week.buyers[week.is_member], points[week.is_member])
        week.points = points
        week.issued = float(points.sum())
        members = week.members
        if week.partner_points_per_member is not None and members.size:
            amount = week.partner_points_per_member
            self.ledger.earn(members, np.full(members.size, amount, dtype=np.float32))
            week.partner_points = amount * members.size
            week.issued += week.partner_points
        self._redeem(twin, week)

    def _redeem(self, twin: Twin, week: TwinWeek) -> None:
        """Members who can afford the cheapest reward redeem at the weekly propensity."""
        members = week.members
        if not self.reward_points.size or not members.size:
            return
        b = self.behaviour
        affordable = self.ledger.balance[members] >= self.reward_points[0] - _TOLERANCE
        willing = week.shared.u_aux[members] < b.redemption_propensity
        redeemers = members[affordable & willing]
        if not redeemers.size:
            return
        balance = self.ledger.balance[redeemers].astype(np.float64)
        choice = choose_rewards(balance, self.reward_points)
        week.redeemed = self.ledger.redeem(redeemers, self.reward_points[choice])
        week.redemption_cost = float(self.reward_cost[choice].sum())
        week.reward_value = float(self.reward_value[choice].sum())
        week.redemptions = int(redeemers.size)
        self.goals[redeemers] += 1
        twin.redeemed_any[redeemers] = True
        self.momentum_until[redeemers] = week.week + 1 + b.redemption_window_weeks
        twin.margin[redeemers] -= self.reward_cost[choice] * week.discount_factor

    def end_week(self, twin: Twin, week: TwinWeek) -> None:
        """Record the points outstanding."""
        week.points_outstanding = self.ledger.outstanding()
