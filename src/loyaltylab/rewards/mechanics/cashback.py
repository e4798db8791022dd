"""Cashback: a share of members' spend paid back after the purchase, or taken off at the till.

Cashback is a reward cost booked on the purchase (grocery ~1 % [S53]); an instant discount
lowers the price paid, so it also lowers the points earned on it when the program has points.
"""

from __future__ import annotations

from loyaltylab.rewards.config import Cashback
from loyaltylab.rewards.mechanics.base import Mechanic, Twin, TwinWeek

__all__ = ["CashbackMechanic"]


class CashbackMechanic(Mechanic):
    """Cashback or instant discount (the ``cashback`` part).

    Parameters
    ----------
    cashback : Cashback
    """

    def __init__(self, cashback: Cashback) -> None:
        self.cashback = cashback

    def set_terms(self, twin: Twin, week: TwinWeek) -> None:
        """Add an instant discount to the price, or set the cashback rate."""
        if self.cashback.instant:
            week.discount_rate += self.cashback.rate
        else:
            week.cashback_rate = self.cashback.rate
