"""Paid membership: uptake falling with the fee, the fee per period, member discount, churn.

Uptake halves with every ``half_uptake_fee_per_month`` of monthly-equivalent fee [S36]; members
pay the fee at the start of every billing period, get a price discount and an earn multiplier on
points, and leave the membership at the monthly churn (4 % by default [S35]), which ends their
member benefits but not their buying.

With renewal data (the part's ``renewal_survivors``, or a fitted
:class:`~loyaltylab.clv.RetentionFit` passed in) members instead decide at each renewal, the
first week of every billing period after the first: a member still holding the membership leaves
at renewal k with probability 1 - r(k), r(k) = (δ + k - 1) / (γ + δ + k - 1) the
shifted-beta-geometric retention rate (Fader & Hardie 2007). Members who joined at launch are one
cohort, so the share still members after k renewals is the sBG's S(k) - the same distribution as
drawing each member's churn probability from Beta(γ, δ). The renewal decision uses the week's
paid-churn uniform, as the monthly churn does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from loyaltylab.errors import ParameterError
from loyaltylab.rewards.behaviour import Behaviour
from loyaltylab.rewards.config import PaidMembership
from loyaltylab.rewards.ledger import WEEKS_PER_YEAR
from loyaltylab.rewards.mechanics.base import Mechanic, Twin, TwinWeek

if TYPE_CHECKING:
    from loyaltylab.clv.retention import RetentionFit

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
    retention : RetentionFit, optional
        A fitted sBG of the membership's renewals, one period per billing period; default: fitted
        to the part's ``renewal_survivors`` when it has them, else none (monthly churn).

    Attributes
    ----------
    retention : RetentionFit or None
        The sBG the renewals follow (None: constant monthly churn).
    """

    def __init__(
        self,
        paid: PaidMembership,
        behaviour: Behaviour,
        retention: RetentionFit | None = None,
    ) -> None:
        self.paid = paid
        monthly = paid.monthly_churn
        self.monthly_churn = behaviour.paid_monthly_churn if monthly is None else monthly
        self.billing_weeks = billing_weeks(paid.period_days)
        if retention is None and paid.renewal_survivors is not None:
            from loyaltylab.clv.retention import fit_retention_model

            retention = fit_retention_model(
                list(paid.renewal_survivors), period_days=paid.period_days
            )
        if retention is not None and retention.period_days not in (None, paid.period_days):
            raise ParameterError(
                f"the retention fit has periods of {retention.period_days} days but the paid "
                f"membership bills every {paid.period_days} days; fit the renewals per billing "
                "period"
            )
        self.retention = retention

    def enrolment_share(self) -> float | None:
        """Return the uptake at the fee."""
        return self.paid.uptake()

    def renewal_churn(self, week: int) -> float:
        """Return the probability that a member leaves in ``week`` (from week 1 on).

        Without renewal data: the weekly equivalent of the monthly churn, every week. With an
        sBG: 1 - r(k) in the first week of billing period k + 1 (renewal k >= 1), else 0.

        Examples
        --------
        >>> from loyaltylab.rewards.config import PaidMembership
        >>> paid = PaidMembership(fee=50.0, renewal_survivors=[1000, 631, 468, 382, 326])
        >>> mechanic = PaidMechanic(paid, Behaviour())
        >>> mechanic.renewal_churn(51), round(mechanic.renewal_churn(52), 3)
        (0.0, 0.371)
        """
        if self.retention is None:
            return weekly_churn(self.monthly_churn)
        if week % self.billing_weeks:
            return 0.0
        return 1.0 - float(self.retention.retention_rate(week // self.billing_weeks))

    def start_week(self, twin: Twin, week: TwinWeek) -> None:
        """Members leave at the weekly churn or at the renewals (from week 1 on)."""
        if week.week == 0:
            return
        churn = self.renewal_churn(week.week)
        if self.retention is not None:
            # renewals: every member still holding the membership decides, buying or not, so
            # the membership's survival is the sBG's whatever the customers' own dropout
            if churn > 0:
                holding = np.flatnonzero(twin.active_member)
                leaving = holding[1.0 - week.shared.u_aux[holding] < churn]
                twin.active_member[leaving] = False
                twin.exit_week[leaving] = np.minimum(twin.exit_week[leaving], week.week)
            return
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
        """Members pay the fee in the first week of every billing period.

        The fee is the program's fee income (in the incremental margin), never customer value:
        members' CLV counts purchase margin only.
        """
        if week.week % self.billing_weeks == 0:
            week.fee_income = self.paid.fee * week.members.size
