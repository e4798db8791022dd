"""Tiers: qualification in a rolling window, upgrades and downgrades, the benefits of status.

The rolling metric, ranks and flows live in :class:`~loyaltylab.rewards.tiers.TierState`. Each
tier gives a price discount and an earn multiplier on points [S87][S90] and a status reduction
of the dropout probability [S24][S26]; a downgraded member buys less for a while
(``demotion_rate_drop``) and is more likely to leave (``demotion_penalty`` per rank of the
tier left) [S28].
The goal distance is the remaining share of the way to the next tier.
"""

from __future__ import annotations

import numpy as np

from loyaltylab.rewards.behaviour import Behaviour
from loyaltylab.rewards.config import TierRules
from loyaltylab.rewards.mechanics.base import Mechanic, Twin, TwinWeek
from loyaltylab.rewards.tiers import TierState

__all__ = ["TierMechanic", "demotion_dropout_factor"]


def demotion_dropout_factor(previous_rank: np.ndarray, penalty: float) -> np.ndarray:
    """Return the dropout multiplier of demoted members: ``1 + penalty x previous rank`` [S28].

    The higher the tier a member is demoted from (rank 0 = first tier), the larger the penalty.

    Parameters
    ----------
    previous_rank : numpy.ndarray
        Each demoted member's rank before the downgrade.
    penalty : float
        ``demotion_penalty``.

    Returns
    -------
    numpy.ndarray of float32

    Examples
    --------
    >>> demotion_dropout_factor(np.array([1, 2]), 0.25).tolist()
    [1.25, 1.5]
    """
    return 1 + penalty * previous_rank.astype(np.float32)


class TierMechanic(Mechanic):
    """Tier qualification and benefits (the ``tiers`` part).

    Parameters
    ----------
    rules : TierRules
    behaviour : Behaviour
        ``demotion_weeks``, ``demotion_penalty``, ``demotion_rate_drop``, ``status_effect``.
    n_customers : int
    horizon : int
        Weeks simulated (rows of the tier counts).
    """

    def __init__(
        self, rules: TierRules, behaviour: Behaviour, n_customers: int, horizon: int
    ) -> None:
        self.rules = rules
        self.behaviour = behaviour
        self.state = TierState(rules, n_customers)
        self.discount = np.array([tier.discount for tier in rules.tiers])
        self.earn_multiplier = np.array([tier.earn_multiplier for tier in rules.tiers])
        self.status = np.array(
            [tier.status_dropout_reduction for tier in rules.tiers], dtype=np.float32
        )
        self.counts = np.zeros((horizon, self.state.n_tiers))
        self.demoted_until = np.full(n_customers, -1, dtype=np.int16)
        self.demotion_factor = np.ones(n_customers, dtype=np.float32)

    def setup(self, twin: Twin) -> None:
        """Attach the tier state and the tier counts to the twin."""
        twin.tiers = self.state
        twin.tier_counts = self.counts

    def start_week(self, twin: Twin, week: TwinWeek) -> None:
        """Roll the window and apply due downgrades."""
        b = self.behaviour
        down, previous = self.state.start_week(week.week)
        week.downgrades = int(down.size)
        if down.size:
            self.demoted_until[down] = week.week + b.demotion_weeks
            self.demotion_factor[down] = demotion_dropout_factor(previous, b.demotion_penalty)

    def goal_distance(self, twin: Twin, week: TwinWeek) -> np.ndarray | None:
        """Return members' remaining share of the way to the next tier."""
        return self.state.distance_to_next(week.members)

    def scale_purchase_rate(
        self, twin: Twin, week: TwinWeek, response: np.ndarray, multiplier: np.ndarray
    ) -> None:
        """Demoted members buy less for ``demotion_weeks`` [S28]."""
        b = self.behaviour
        if b.demotion_rate_drop > 0:
            demoted = self.demoted_until[week.members] > week.week
            multiplier[demoted] *= 1 - response[demoted] * np.float32(b.demotion_rate_drop)

    def set_terms(self, twin: Twin, week: TwinWeek) -> None:
        """Add the tier discount; scale the earn multiplier by the tier's."""
        rank = self.state.rank[week.buyers]
        week.discount_rate += self.discount[rank]
        if week.earn_multiplier is not None:
            week.earn_multiplier *= self.earn_multiplier[rank]

    def on_purchases(self, twin: Twin, week: TwinWeek) -> None:
        """Add members' qualifying spend (or points) and upgrade at the thresholds."""
        by_spend = self.rules.metric == "spend" or week.points is None
        qualifying = week.spend if by_spend else week.points
        assert qualifying is not None
        members_buying = week.buyers[week.is_member]
        self.state.add(members_buying, qualifying[week.is_member])
        week.upgrades = self.state.upgrade(members_buying)
        self.counts[week.week] = np.bincount(
            self.state.rank[week.members], minlength=self.state.n_tiers
        )

    def scale_dropout(
        self, twin: Twin, week: TwinWeek, who: np.ndarray, factor: np.ndarray
    ) -> None:
        """Status lowers dropout [S24][S26]; a recent demotion raises it [S28]."""
        b = self.behaviour
        if b.status_effect > 0:
            reduction = self.status[self.state.rank[who]] * np.float32(b.status_effect)
            factor *= 1 - reduction
        if b.demotion_penalty > 0:
            demoted = self.demoted_until[who] > week.week
            factor[demoted] *= self.demotion_factor[who[demoted]]
