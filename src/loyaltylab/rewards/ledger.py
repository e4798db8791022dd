"""A vectorised points ledger: lots with issue date and expiry, lock days, oldest-first redemption.

The one points engine of the package: the twin simulation (:mod:`~loyaltylab.rewards.simulate`)
and the synthetic loyalty data (:mod:`loyaltylab.datasets.loyalty`) both book their points here.

All customers share one clock - weeks in the simulation - so lots are kept as a ring of issue
buckets - one row per bucket, one column per customer (``float32`` by default) - and "oldest
first" is the same column order for everyone [S111]. Expiry policies follow Open Loyalty: after N
days, end of year, never [S91][S96][S97]; newly earned points can be locked for some days before
they can be redeemed (``pointsDaysLocked``) [S97]. A fourth policy, ``after_inactivity_days``,
expires a customer's whole balance ``expiry_days`` after their last activity (an earning).

Resolution: under ``after_days`` a lot bucket spans ``ceil(expiry_weeks / 12)`` weeks (one week for
expiry up to 12 weeks, nine weeks for two years; at most 13 buckets, which bounds memory at 1 M
customers) and the whole bucket expires ``expiry_weeks`` after its first week, so a point lives
between ``expiry_weeks - bucket + 1`` and ``expiry_weeks`` weeks. ``end_of_year`` lets points
expire at the end of the calendar year after the one in which they were earned (weeks 52k are
year ends).

Clock: one tick is a week by default (``tick``). Inactivity expiry works on any tick, and an
earning may carry its own time per customer (``at``), so event times - ``datetime64[ns]`` as
integers with a one-nanosecond tick - can drive the ledger one purchase at a time
(:meth:`PointsLedger.expire_inactive`); the lot policies and lock days need the weekly clock.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from loyaltylab.config.programs import EXPIRY_POLICIES
from loyaltylab.errors import ParameterError

__all__ = ["WEEK", "WEEKS_PER_YEAR", "ExpiryRules", "PointsLedger"]

WEEKS_PER_YEAR = 52
#: The simulation's clock tick.
WEEK = np.timedelta64(7, "D")
_NEVER_ACTIVE = -(2**62)  # last-activity time of a customer who never earned


class ExpiryRules(Protocol):
    """What the ledger reads from a points configuration (``PointsRules`` has these fields)."""

    @property
    def expiry(self) -> str:
        """Expiry policy, one of :data:`loyaltylab.config.programs.EXPIRY_POLICIES`."""
        ...

    @property
    def expiry_days(self) -> int:
        """Lifetime of a lot (``after_days``) or of an idle balance (``after_inactivity_days``)."""
        ...

    @property
    def lock_days(self) -> int:
        """Days before newly earned points can be redeemed."""
        ...


def _ticks(days: int, tick: np.timedelta64) -> int:
    """Whole ticks covering ``days`` days (rounded up)."""
    return int(-(-(np.timedelta64(int(days), "D")) // tick))


class PointsLedger:
    """Points lots of ``n_customers`` customers on a weekly clock.

    Call :meth:`start_week` at the start of every week ``t = 0, 1, ...`` (it releases locked
    points and expires due lots), then :meth:`earn` and :meth:`redeem`. Event-driven callers
    (inactivity expiry, own times per customer) call :meth:`expire_inactive` before each
    customer's next earning instead.

    Parameters
    ----------
    rules : PointsRules or ExpiryRules
        Expiry policy, expiry days and lock days.
    n_customers : int
        Number of customers.
    dtype : numpy dtype, default numpy.float32
        Of the balances and lots (``float64`` for exact whole-point books).
    tick : numpy.timedelta64, default one week
        Length of one clock step; other ticks than a week only with ``after_inactivity_days``
        or ``never`` and no lock days.

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

    def __init__(
        self,
        rules: ExpiryRules,
        n_customers: int,
        *,
        dtype: type[np.floating] = np.float32,
        tick: np.timedelta64 = WEEK,
    ) -> None:
        self.rules = rules
        self.n = int(n_customers)
        self.policy = rules.expiry
        if self.policy not in EXPIRY_POLICIES:
            raise ParameterError(
                f"ledger expiry policy must be one of {list(EXPIRY_POLICIES)}, got {self.policy!r}"
            )
        weekly = tick == WEEK
        if not weekly and (self.policy in ("after_days", "end_of_year") or rules.lock_days):
            raise ParameterError(
                f"expiry {self.policy!r} and lock days need the weekly clock (tick = 7 days), "
                f"got tick {tick}; use expiry 'after_inactivity_days' or 'never' without lock days"
            )
        self.tick = tick
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
        # inactivity: ticks an idle balance lives, and each customer's last earning (in ticks)
        self.idle_ticks = (
            max(1, _ticks(rules.expiry_days, tick)) if self.policy == "after_inactivity_days" else 0
        )
        self.last_activity = np.full(self.n if self.idle_ticks else 0, _NEVER_ACTIVE, np.int64)
        self.lots = np.zeros((self.n_slots, self.n), dtype=dtype)
        self.lock_weeks = math.ceil(rules.lock_days / 7)
        self.locked = np.zeros((max(self.lock_weeks, 1), self.n), dtype=dtype)
        self.balance = np.zeros(self.n, dtype=dtype)
        self.locked_index: list[list[np.ndarray]] = [[] for _ in range(self.locked.shape[0])]
        self.total = 0.0  # outstanding points (available + locked), kept as a running sum
        self.week = -1

    # -- clock ------------------------------------------------------------------------------
    def _slot(self, week: int) -> int:
        if self.n_slots == 1:
            return 0
        return (week // self.bucket_weeks) % self.n_slots

    def _age_order(self) -> list[int]:
        if self.n_slots == 1:
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
        elif self.idle_ticks:
            _, amounts, _ = self._expire_idle(np.arange(self.n), week)
            expired = float(amounts.sum(dtype=np.float64))
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
    def endow(self, index: np.ndarray, points: np.ndarray) -> None:
        """Credit points before week 0 (enrolment gifts); they count as earned in week 0.

        Parameters
        ----------
        index : numpy.ndarray of int
            Customer positions (unique).
        points : numpy.ndarray
            Points per position, >= 0.
        """
        if self.week != -1:
            raise ParameterError(f"points can be endowed only before week 0, now week {self.week}")
        self.week = 0
        self.earn(index, points)
        self.week = -1

    def earn(self, index: np.ndarray, points: np.ndarray, at: np.ndarray | None = None) -> None:
        """Credit ``points`` to customers ``index`` this week (locked first if lock days > 0).

        Parameters
        ----------
        index : numpy.ndarray of int
            Customer positions (unique).
        points : numpy.ndarray
            Points per position, >= 0.
        at : numpy.ndarray of int, optional
            Time of each earning in ticks (default: the current week); it is the customer's
            last activity under ``after_inactivity_days``.
        """
        if index.size == 0:
            return
        if self.idle_ticks:
            self.last_activity[index] = self.week if at is None else at
        values = points.astype(self.balance.dtype, copy=False)
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
        wanted = points.astype(self.balance.dtype, copy=False)
        if np.any(wanted > self.balance[index] * (1 + 1e-5) + 1e-3):
            raise ParameterError("cannot redeem more points than the available balance")
        order = np.asarray(self._age_order(), dtype=np.intp)
        block = self.lots[np.ix_(order, index)]
        before = np.cumsum(block, axis=0) - block
        take = np.clip(wanted[None, :] - before, 0.0, block)
        self.lots[np.ix_(order, index)] = block - take
        taken = take.sum(axis=0)
        self.balance[index] = np.maximum(self.balance[index] - taken, 0.0)
        total = float(taken.sum(dtype=np.float64))
        self.total -= total
        return total

    def expire_inactive(
        self, index: np.ndarray, now: np.ndarray | int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Expire the balances of customers ``index`` idle for longer than the expiry at ``now``.

        Under ``after_inactivity_days`` a balance expires ``expiry_days`` after the customer's last
        earning; an earning exactly then still finds it.

        Parameters
        ----------
        index : numpy.ndarray of int
            Customer positions (unique).
        now : int or numpy.ndarray of int
            Time in ticks (one per position, or one for all).

        Returns
        -------
        (numpy.ndarray, numpy.ndarray, numpy.ndarray)
            Positions whose balance expired, the points expired and when they expired (ticks).

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> rules = SimpleNamespace(expiry="after_inactivity_days", expiry_days=14, lock_days=0)
        >>> ledger = PointsLedger(rules, 2)  # two idle weeks allowed
        >>> ledger.start_week(0)
        0.0
        >>> ledger.earn(np.array([0, 1]), np.array([10.0, 5.0]), at=np.array([0, 1]))
        >>> gone, points, when = ledger.expire_inactive(np.array([0, 1]), 3)
        >>> gone.tolist(), points.tolist(), when.tolist()
        ([0], [10.0], [2])
        """
        if not self.idle_ticks:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros(0, dtype=self.balance.dtype), empty
        gone, amounts, due = self._expire_idle(index, now)
        self.total -= float(amounts.sum(dtype=np.float64))
        return gone, amounts, due

    def _expire_idle(
        self, index: np.ndarray, now: np.ndarray | int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        last = self.last_activity[index]
        holding = self.balance[index] > 0
        lapsed = holding & (last + self.idle_ticks < now)
        gone = index[lapsed]
        amounts = self.balance[gone].copy()
        if gone.size:
            self.balance[gone] = 0.0
            self.lots[:, gone] = 0.0
        return gone, amounts, last[lapsed] + self.idle_ticks

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
