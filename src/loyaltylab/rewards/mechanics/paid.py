"""Paid membership: uptake falling with the fee, the fee per period, member discount, churn.

Uptake halves with every ``half_uptake_fee_per_month`` of monthly-equivalent fee [S36]; members
pay the fee at the start of every billing period, get a price discount and an earn multiplier on
points, and leave the membership at the monthly churn (4 % by default [S35]), which ends their
member benefits but not their buying.
"""

from __future__ import annotations

import numpy as np

from loyaltylab.rewards.behaviour import Behaviour
from loyaltylab.rewards.config import PaidMembership
from loyaltylab.rewards.ledger import WEEKS_PER_YEAR
from loyaltylab.rewards.mechanics.base import Mechanic, Twin, TwinWeek

__all__ = ["PaidMechanic", "billing_weeks", "weekly_churn"]


def weekly_churn(monthly_churn: float) -> float:
    """Return the weekly churn probability of a monthly churn (12 months = 52 weeks).

    Parameters
    ----------
    monthly_churn : float

    Returns
    -------
    float

    Examples
    --------
    >>> round(weekly_churn(0.04), 6)  # 1 - 0.96 ** (12 / 52)
    0.009376
    """
    return float(1 - (1 - monthly_churn) ** (12 / WEEKS_PER_YEAR))


def billing_weeks(period_days: int) -> int:
    """Return the billing period in whole weeks (at least one).

    Examples
    --------
    >>> billing_weeks(365), billing_weeks(30), billing_weeks(7)
    (52, 4, 1)
    """
    return max(1, round(period_days / 7))


class PaidMechanic(Mechanic):
    """Paid membership (the ``paid`` part).

    Parameters
    ----------
    paid : PaidMembership
    behaviour : Behaviour
        ``paid_monthly_churn`` when the part does not set ``monthly_churn``.
    """

    def __init__(self, paid: PaidMembership, behaviour: Behaviour) -> None:
        self.paid = paid
        monthly = paid.monthly_churn
        self.monthly_churn = behaviour.paid_monthly_churn if monthly is None else monthly
        self.billing_weeks = billing_weeks(paid.period_days)

    def enrolment_share(self) -> float | None:
        """Return the uptake at the fee."""
        return self.paid.uptake()

    def start_week(self, twin: Twin, week: TwinWeek) -> None:
        """Members leave at the weekly churn (from week 1 on)."""
        if week.week == 0:
            return
        churn = weekly_churn(self.monthly_churn)
        # u_aux is also the redemption uniform (used below 0.6 at most); its mirror image keeps
        # the two events apart for a weekly churn of a few percent
        u_aux = week.shared.u_aux
        current = np.flatnonzero(twin.active_member & twin.alive)
        leaving = current[1.0 - u_aux[current] < churn]
        twin.active_member[leaving] = False
        twin.exit_week[leaving] = np.minimum(twin.exit_week[leaving], week.week)

    def set_terms(self, twin: Twin, week: TwinWeek) -> None:
        """Add the member discount; scale the earn multiplier."""
        week.discount_rate += self.paid.discount
        if week.earn_multiplier is not None:
            week.earn_multiplier *= self.paid.earn_multiplier

    def end_week(self, twin: Twin, week: TwinWeek) -> None:
        """Members pay the fee in the first week of every billing period."""
        if week.week % self.billing_weeks == 0:
            week.fee_income = self.paid.fee * week.members.size
            twin.margin[week.members] += self.paid.fee * week.discount_factor
