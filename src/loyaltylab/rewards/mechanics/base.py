"""The mechanic protocol and the state it works on: the twin, its week and the shared week.

A :class:`Mechanic` implements one config part of a program (points, tiers, cashback, paid,
coalition, campaigns). The weekly step of :mod:`~loyaltylab.rewards.simulate` calls the same
hooks on every mechanic of a twin, in a fixed order (see :mod:`loyaltylab.rewards.mechanics`);
a hook a mechanic does not need is inherited as a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from loyaltylab.rewards.behaviour import Behaviour
from loyaltylab.rewards.config import ProgramConfig
from loyaltylab.rewards.ledger import PointsLedger
from loyaltylab.rewards.tiers import TierState

__all__ = ["Mechanic", "SharedWeek", "Twin", "TwinWeek"]

_NO_INDEX = np.zeros(0, dtype=np.intp)
_NO_VALUES = np.zeros(0, dtype=np.float64)


@dataclass
class SharedWeek:
    """Random numbers and baseline-twin outcomes of one week, shared by all programs.

    Attributes
    ----------
    u_buy, u_drop, u_aux : numpy.ndarray
        The week's uniforms per customer: purchase count, dropout, and redemption / paid churn
        (paid churn uses ``1 - u_aux`` so the two events stay apart).
    z_spend : numpy.ndarray
        The week's standard normal per customer (basket value).
    buy_at_base_rate : numpy.ndarray of bool
        Customers buying at their baseline rate.
    hazard : numpy.ndarray or None
        Pareto/NBD weekly dropout probability (None under BG/NBD).
    buyers0, spend0 : numpy.ndarray
        Buyers of the baseline twin and their spend.
    alive0 : numpy.ndarray of bool
        Baseline twin alive at the end of the week.
    alive0_count, purchases0, revenue0
        Baseline-twin totals of the week.
    """

    u_buy: np.ndarray
    u_drop: np.ndarray
    u_aux: np.ndarray
    z_spend: np.ndarray
    buy_at_base_rate: np.ndarray
    hazard: np.ndarray | None
    buyers0: np.ndarray
    spend0: np.ndarray
    alive0: np.ndarray
    alive0_count: int
    purchases0: int
    revenue0: float


@dataclass
class TwinWeek:
    """One week of one program twin: who is a member, what they bought, on which terms.

    The step fills the members and the purchases; mechanics set the terms (discounts, cashback,
    earning) and book the flows, which the step writes to the weekly series.

    Attributes
    ----------
    week : int
    shared : SharedWeek
    discount_factor : float
        Present-value factor of the week (program's annual discount rate).
    members : numpy.ndarray of int
        Alive active members (sorted positions).
    distance : numpy.ndarray or None
        Members' remaining share of the way to the next reward or tier.
    buyers, counts, spend, is_member, position : numpy.ndarray
        Buyers of the week, their purchases and spend at list price, whether each is a member
        and each member buyer's position in ``members``.
    discount_rate : numpy.ndarray
        Price discount per buyer (tiers, paid, instant cashback), before the 90 % cap.
    cashback_rate : float
        Share of members' spend paid back after the purchase.
    earn_factor : float
        The week's earn multiplier of campaigns (double points).
    earn_multiplier : numpy.ndarray or None
        Earn multiplier per buyer (None when the program has no points).
    bonus_points : list of numpy.ndarray
        Bonus points per buyer, one array per active bonus.
    partner_points_per_member : float or None
        Points every member earns at partners this week (coalition).
    paid_amount : numpy.ndarray
        Spend after discounts, per buyer.
    points : numpy.ndarray or None
        Points earned per buyer at the focal firm.
    expired, issued, partner_points, redeemed, redemption_cost, reward_value : float
        Points flows and the cost / value of redeemed rewards.
    redemptions, upgrades, downgrades : int
    fee_income, partner_income, points_outstanding : float
    """

    week: int
    shared: SharedWeek
    discount_factor: float
    members: np.ndarray = field(default_factory=lambda: _NO_INDEX)
    distance: np.ndarray | None = None
    buyers: np.ndarray = field(default_factory=lambda: _NO_INDEX)
    counts: np.ndarray = field(default_factory=lambda: _NO_INDEX)
    spend: np.ndarray = field(default_factory=lambda: _NO_VALUES)
    is_member: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    position: np.ndarray = field(default_factory=lambda: _NO_INDEX)
    discount_rate: np.ndarray = field(default_factory=lambda: _NO_VALUES)
    cashback_rate: float = 0.0
    earn_factor: float = 1.0
    earn_multiplier: np.ndarray | None = None
    bonus_points: list[np.ndarray] = field(default_factory=list)
    partner_points_per_member: float | None = None
    paid_amount: np.ndarray = field(default_factory=lambda: _NO_VALUES)
    points: np.ndarray | None = None
    expired: float = 0.0
    issued: float = 0.0
    partner_points: float = 0.0
    redeemed: float = 0.0
    redemption_cost: float = 0.0
    reward_value: float = 0.0
    redemptions: int = 0
    upgrades: int = 0
    downgrades: int = 0
    fee_income: float = 0.0
    partner_income: float = 0.0
    points_outstanding: float = 0.0


@dataclass
class Twin:
    """Mutable state of one program twin over the horizon.

    Attributes
    ----------
    program : ProgramConfig
    behaviour : Behaviour
        The effect sizes with the program's overrides applied.
    mechanics : tuple of Mechanic
        One per config part of the program, in hook order.
    alive, member, active_member : numpy.ndarray of bool
        Alive in the program twin; enrolled at launch; still a member (paid churn ends it).
    response : numpy.ndarray of float32
        Scale of the purchase-rate effects per customer (segment response, coalition focus).
    dropout_factor : float
        Members' dropout multiplier from the program (before status and goals).
    attrition_response : numpy.ndarray of float32 or None
        Scale of the dropout reduction per customer (heavy buyers' ``heavy_attrition_response``,
        1 for the others); None: 1 for everyone.
    ledger : PointsLedger or None
        Set by the points mechanic.
    tiers : TierState or None
        Set by the tier mechanic, with ``tier_counts`` (members per tier and week).
    redeemed_any : numpy.ndarray of bool
        Customers who redeemed at least one reward.
    """

    program: ProgramConfig
    behaviour: Behaviour
    mechanics: tuple[Mechanic, ...]
    alive: np.ndarray
    member: np.ndarray
    active_member: np.ndarray
    response: np.ndarray
    last_buy: np.ndarray
    enrolled: np.ndarray
    exit_week: np.ndarray
    value: np.ndarray
    value_baseline: np.ndarray
    margin: np.ndarray
    margin_baseline: np.ndarray
    sales: np.ndarray
    sales_baseline: np.ndarray
    redeemed_any: np.ndarray
    weekly: dict[str, np.ndarray]
    goal_exposure: np.ndarray
    goal_purchases: np.ndarray
    dropout_factor: float
    attrition_response: np.ndarray | None = None
    alive_at_year: np.ndarray | None = None
    ledger: PointsLedger | None = None
    tiers: TierState | None = None
    tier_counts: np.ndarray | None = None


class Mechanic:
    """Base of the reward mechanics: every hook is a no-op here.

    Hooks, in the order the weekly step calls them (each on every mechanic of the twin):

    ``enrolment_share()``
        Share of customers joining, if this part decides it (paid: uptake at the fee).
    ``setup(twin)``
        Once, after enrolment: endowed points, coalition focus on response and dropout.
    ``start_week(twin, week)``
        Clocks at the start of a week: points expiry, tier downgrades, paid churn, campaign
        factors of the week.
    ``goal_distance(twin, week)``
        Members' remaining share of the way to this part's next goal, or None.
    ``scale_purchase_rate(twin, week, response, multiplier)``
        Multiply the members' purchase-rate multiplier in place.
    ``set_terms(twin, week)``
        Terms of the week's purchases: discount, cashback, earn multiplier, bonus and partner
        points.
    ``on_purchases(twin, week)``
        Book the purchases: earn and redeem points, qualify for tiers.
    ``scale_dropout(twin, week, who, factor)``
        Multiply members' dropout factor in place.
    ``end_week(twin, week)``
        Income at the end of the week: fees, partner funding.
    ``member_funding_per_week()``
        Funding per member and week from outside the firm (partners), booked per customer at
        the end.
    """

    def enrolment_share(self) -> float | None:
        """Return the share of customers joining, or None when this part does not decide it."""
        return None

    def setup(self, twin: Twin) -> None:
        """Prepare the twin once, after enrolment."""

    def start_week(self, twin: Twin, week: TwinWeek) -> None:
        """Advance this part's clock to ``week.week``."""

    def goal_distance(self, twin: Twin, week: TwinWeek) -> np.ndarray | None:
        """Return members' remaining share of the way to the next goal (None: no goal)."""
        return None

    def scale_purchase_rate(
        self, twin: Twin, week: TwinWeek, response: np.ndarray, multiplier: np.ndarray
    ) -> None:
        """Multiply members' purchase-rate ``multiplier`` in place."""

    def set_terms(self, twin: Twin, week: TwinWeek) -> None:
        """Set the terms of the week's purchases on ``week``."""

    def on_purchases(self, twin: Twin, week: TwinWeek) -> None:
        """Book the week's purchases."""

    def scale_dropout(
        self, twin: Twin, week: TwinWeek, who: np.ndarray, factor: np.ndarray
    ) -> None:
        """Multiply the dropout ``factor`` of members ``who`` in place."""

    def end_week(self, twin: Twin, week: TwinWeek) -> None:
        """Book income at the end of the week."""

    def member_funding_per_week(self) -> float:
        """Return outside funding per member and week (0 by default)."""
        return 0.0
