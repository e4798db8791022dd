"""Tier state of many customers: rolling qualification window, upgrades, downgrades, flows.

Qualification follows Open Loyalty levels: a threshold on spend or points (``tierAssignType``) in
a rolling window, upgrades as soon as a threshold is reached, and a downgrade mode of ``none``,
``automatic`` (as soon as the rolling metric falls below the tier) or ``after_days`` (re-evaluated
every N days) [S90]-[S94]. The rolling window is kept as a ring of buckets of
``ceil(window_weeks / 13)`` weeks (four weeks for a year), like the points ledger.
"""

from __future__ import annotations

import math

import numpy as np

from loyaltylab.rewards.config import TierRules

__all__ = ["TierState"]


class TierState:
    """Tier ranks (0 = first tier) and rolling qualification metric of ``n_customers``.

    Parameters
    ----------
    rules : TierRules
    n_customers : int

    Examples
    --------
    >>> from loyaltylab.rewards.config import Tier, TierRules
    >>> rules = TierRules((Tier("base", 0), Tier("gold", 100)), downgrade="automatic")
    >>> state = TierState(rules, 2)
    >>> state.start_week(0)
    (array([], dtype=int64), array([], dtype=int8))
    >>> state.add(np.array([0]), np.array([150.0]))
    >>> state.upgrade(np.array([0, 1]))
    1
    >>> state.rank.tolist()
    [1, 0]
    """

    def __init__(self, rules: TierRules, n_customers: int) -> None:
        self.rules = rules
        self.thresholds = np.array([tier.threshold for tier in rules.tiers], dtype=np.float64)
        self.n_tiers = len(rules.tiers)
        window_weeks = max(1, math.ceil(rules.window_days / 7))
        self.bucket_weeks = max(1, math.ceil(window_weeks / 13))
        self.n_slots = max(1, math.ceil(window_weeks / self.bucket_weeks))
        self.review_weeks = max(1, round(rules.downgrade_days / 7))
        self.ring = np.zeros((self.n_slots, n_customers), dtype=np.float32)
        self.metric = np.zeros(n_customers, dtype=np.float32)
        self.rank = np.zeros(n_customers, dtype=np.int8)
        self.week = -1
        self.flows = np.zeros((self.n_tiers, self.n_tiers), dtype=np.int64)

    def start_week(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """Advance the window to ``week`` and apply due downgrades.

        Parameters
        ----------
        week : int

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            Positions of customers downgraded this week and their previous ranks.
        """
        self.week = week
        rolled = False
        if week % self.bucket_weeks == 0:
            slot = (week // self.bucket_weeks) % self.n_slots
            row = self.ring[slot]
            if week >= self.n_slots * self.bucket_weeks:
                self.metric -= row
                np.maximum(self.metric, 0.0, out=self.metric)
                rolled = True
            row[:] = 0.0
        mode = self.rules.downgrade
        due = (mode == "automatic" and rolled) or (
            mode == "after_days" and week > 0 and week % self.review_weeks == 0
        )
        if not due:
            return np.array([], dtype=np.int64), np.array([], dtype=np.int8)
        qualified = self.qualified(self.metric)
        down = np.flatnonzero(qualified < self.rank)
        previous = self.rank[down].copy()
        np.add.at(self.flows, (previous, qualified[down]), 1)
        self.rank[down] = qualified[down]
        return down, previous

    def qualified(self, metric: np.ndarray) -> np.ndarray:
        """Return the tier rank a metric value qualifies for."""
        return (np.searchsorted(self.thresholds, metric, side="right") - 1).astype(np.int8)

    def add(self, index: np.ndarray, values: np.ndarray) -> None:
        """Add qualifying spend or points of customers ``index`` this week."""
        if index.size == 0:
            return
        slot = (self.week // self.bucket_weeks) % self.n_slots
        self.ring[slot, index] += values.astype(np.float32, copy=False)
        self.metric[index] += values.astype(np.float32, copy=False)

    def upgrade(self, index: np.ndarray) -> int:
        """Upgrade customers ``index`` whose metric reached a higher tier; return how many."""
        if index.size == 0:
            return 0
        qualified = self.qualified(self.metric[index])
        up = qualified > self.rank[index]
        if not up.any():
            return 0
        who = index[up]
        np.add.at(self.flows, (self.rank[who], qualified[up]), 1)
        self.rank[who] = qualified[up]
        return int(up.sum())

    def distance_to_next(self, index: np.ndarray | None = None) -> np.ndarray:
        """Return the remaining share of the way to the next tier (1 in the top tier).

        Parameters
        ----------
        index : numpy.ndarray of int, optional
            Customers to compute it for (default: all).
        """
        ranks = self.rank if index is None else self.rank[index]
        metric = self.metric if index is None else self.metric[index]
        top = self.n_tiers - 1
        thresholds = self.thresholds.astype(np.float32)
        rank = np.minimum(ranks, top - 1).astype(np.intp)
        low = thresholds[rank]
        high = thresholds[rank + 1]
        distance = np.clip((high - metric) / (high - low), 0.0, 1.0)
        distance[ranks >= top] = 1.0
        return distance
