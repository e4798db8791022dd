"""A vectorised points ledger: lots with issue date and expiry, lock days, oldest-first redemption.

All customers share one weekly clock, so lots are kept as a ring of issue buckets - one row per
bucket, one column per customer (``float32``) - and "oldest first" is the same column order for
everyone [S111]. Expiry policies follow Open Loyalty: after N days, end of year, never
[S91][S96][S97]; newly earned points can be locked for some days before they can be redeemed
(``pointsDaysLocked``) [S97].

Resolution: under ``after_days`` a lot bucket spans ``ceil(expiry_weeks / 12)`` weeks (one week for
expiry up to 12 weeks, nine weeks for two years; at most 13 buckets, which bounds memory at 1 M
customers) and the whole bucket expires ``expiry_weeks`` after its first week, so a point lives
between ``expiry_weeks - bucket + 1`` and ``expiry_weeks`` weeks. ``end_of_year`` lets points
expire at the end of the calendar year after the one in which they were earned (weeks 52k are
year ends).
"""

from __future__ import annotations

import math

import numpy as np

from loyaltylab.errors import ParameterError
from loyaltylab.rewards.config import PointsRules

__all__ = ["PointsLedger", "WEEKS_PER_YEAR"]

WEEKS_PER_YEAR = 52


class PointsLedger:
    """Points lots of ``n_customers`` customers on a weekly clock.

    Call :meth:`start_week` at the start of every week ``t = 0, 1, ...`` (it releases locked
    points and expires due lots), then :meth:`earn` and :meth:`redeem`.

    Parameters
    ----------
    rules : PointsRules
        Expiry policy, expiry days and lock days.
    n_customers : int
        Number of customers.

    Examples
    --------
    >>> from loyaltylab.rewards.config import PointsRules
    >>> ledger = PointsLedger(PointsRules(expiry="never"), 2)
    >>> ledger.start_week(0)
    0.0
    >>> ledger.earn(np.array([0, 1]), np.array([10.0, 5.0]))
    >>> float(ledger.redeem(np.array([0]), np.array([4.0])))
    4.0
    >>> ledger.balance.tolist()
    [6.0, 5.0]
    """

    def __init__(self, rules: PointsRules, n_customers: int) -> None:
        self.rules = rules
        self.n = int(n_customers)
        self.policy = rules.expiry
        if self.policy == "after_days":
            self.expiry_weeks = max(1, math.ceil(rules.expiry_days / 7))
            self.bucket_weeks = max(1, math.ceil(self.expiry_weeks / 12))
            self.n_slots = math.ceil(self.expiry_weeks / self.bucket_weeks) + 1
        elif self.policy == "end_of_year":
            self.expiry_weeks = 2 * WEEKS_PER_YEAR
            self.bucket_weeks = WEEKS_PER_YEAR
            self.n_slots = 2
        else:
            self.expiry_weeks = 0
            self.bucket_weeks = 1
            self.n_slots = 1
        self.lots = np.zeros((self.n_slots, self.n), dtype=np.float32)
        self.lock_weeks = math.ceil(rules.lock_days / 7)
        self.locked = np.zeros((max(self.lock_weeks, 1), self.n), dtype=np.float32)
        self.balance = np.zeros(self.n, dtype=np.float32)
        self.locked_index: list[list[np.ndarray]] = [[] for _ in range(self.locked.shape[0])]
        self.total = 0.0  # outstanding points (available + locked), kept as a running sum
        self.week = -1

    # -- clock ------------------------------------------------------------------------------
    def _slot(self, week: int) -> int:
        if self.policy == "never":
            return 0
        return (week // self.bucket_weeks) % self.n_slots

    def _age_order(self) -> list[int]:
        if self.policy == "never":
            return [0]
        newest = self.week // self.bucket_weeks
        return [(newest - self.n_slots + 1 + j) % self.n_slots for j in range(self.n_slots)]

    def start_week(self, week: int) -> float:
        """Advance to ``week``: release locked points, expire due lots.

        Parameters
        ----------
        week : int
            The next week (must be the previous one + 1).

        Returns
        -------
        float
            Points expired this week (all customers).
        """
        if week != self.week + 1:
            raise ParameterError(f"ledger weeks must advance one at a time: {self.week} -> {week}")
        self.week = week
        expired = 0.0
        if self.policy == "after_days" and week >= self.expiry_weeks:
            due = week - self.expiry_weeks
            if due % self.bucket_weeks == 0:
                slot = self._slot(due)
                expired = self._expire_slot(slot)
        elif self.policy == "end_of_year" and week > 0 and week % WEEKS_PER_YEAR == 0:
            # the bucket of the year before last expires now (it started 2 years ago)
            if week >= 2 * WEEKS_PER_YEAR:
                expired = self._expire_slot(self._slot(week - 2 * WEEKS_PER_YEAR))
        if self.lock_weeks > 0:
            slot = week % self.lock_weeks
            pending = self.locked_index[slot]
            if pending:
                index = np.unique(np.concatenate(pending))
                values = self.locked[slot, index]
                self.lots[self._slot(week), index] += values
                self.balance[index] += values
                self.locked[slot, index] = 0.0
                self.locked_index[slot] = []
        self.total -= expired
        return expired

    def _expire_slot(self, slot: int) -> float:
        row = self.lots[slot]
        total = float(row.sum(dtype=np.float64))
        if total:
            self.balance -= row
            np.maximum(self.balance, 0.0, out=self.balance)
            row[:] = 0.0
        return total

    # -- flows ------------------------------------------------------------------------------
    def earn(self, index: np.ndarray, points: np.ndarray) -> None:
        """Credit ``points`` to customers ``index`` this week (locked first if lock days > 0).

        Parameters
        ----------
        index : numpy.ndarray of int
            Customer positions (unique).
        points : numpy.ndarray
            Points per position, >= 0.
        """
        if index.size == 0:
            return
        values = points.astype(np.float32, copy=False)
        self.total += float(values.sum(dtype=np.float64))
        if self.lock_weeks > 0:
            slot = (self.week + self.lock_weeks) % self.lock_weeks
            self.locked[slot, index] += values
            self.locked_index[slot].append(index)
        else:
            self.lots[self._slot(self.week), index] += values
            self.balance[index] += values

    def redeem(self, index: np.ndarray, points: np.ndarray) -> float:
        """Take ``points`` from customers ``index``, oldest lots first.

        Parameters
        ----------
        index : numpy.ndarray of int
            Customer positions (unique).
        points : numpy.ndarray
            Points to take per position; must not exceed the available balance.

        Returns
        -------
        float
            Points redeemed.
        """
        if index.size == 0:
            return 0.0
        wanted = points.astype(np.float32, copy=False)
        if np.any(wanted > self.balance[index] * (1 + 1e-5) + 1e-3):
            raise ParameterError("cannot redeem more points than the available balance")
        order = self._age_order()
        block = self.lots[np.ix_(order, index)]
        before = np.cumsum(block, axis=0) - block
        take = np.clip(wanted[None, :] - before, 0.0, block)
        self.lots[np.ix_(order, index)] = block - take
        taken = take.sum(axis=0)
        self.balance[index] = np.maximum(self.balance[index] - taken, 0.0)
        total = float(taken.sum(dtype=np.float64))
        self.total -= total
        return total

    def outstanding(self, mask: np.ndarray | None = None) -> float:
        """Return outstanding points (available + locked), optionally for a mask of customers."""
        if mask is None:
            return max(self.total, 0.0)
        return float(
            self.balance[mask].sum(dtype=np.float64) + self.locked[:, mask].sum(dtype=np.float64)
        )

    def lot_ages(self) -> np.ndarray:
        """Return the lots as (bucket, customer), oldest bucket first (for inspection and tests)."""
        return self.lots[self._age_order()].copy()
