"""Reward mechanics: one per config part of a program, composed by the weekly step.

A program is the sum of its parts - ``points``, ``tiers``, ``paid``, ``cashback``, ``coalition``,
``campaigns`` - and each part has one mechanic here (a subclass of :class:`Mechanic`), built once
per program twin by :func:`mechanics_for`. The weekly step of
:func:`~loyaltylab.rewards.simulate.simulate_programs` does what every program shares (purchase
draws, baskets, dropout, money) and calls the same hooks on each mechanic:

=========================== ==============================================================
hook                        what the mechanics do in it
=========================== ==============================================================
``enrolment_share``         paid: uptake at the fee decides who joins
``setup``                   points: endowed points; coalition: focal-firm effects
``start_week``              points: expiry and lock release; tiers: window and downgrades;
                            paid: churn; campaigns: the week's earn multiplier
``goal_distance``           points: to the next reward; tiers: to the next tier (the nearer
                            goal counts)
``scale_purchase_rate``     points: learning, redemption momentum; tiers: demotion;
                            campaigns: uplift and pull-forward
``set_terms``               tiers / paid / instant cashback: discounts; cashback: rate;
                            tiers / paid: earn multipliers; campaigns: bonus points;
                            coalition: partner points
``on_purchases``            points: earn, partner points, redemption; tiers: qualification
                            and upgrades
``scale_dropout``           tiers: status and demotion
``end_week``                paid: fees; coalition: partner funding; points: outstanding
``member_funding_per_week`` coalition: partner funding per member (per customer at the end)
=========================== ==============================================================

Mechanics run in the order of :data:`MECHANIC_ORDER`; it is part of the model (the step
multiplies rate effects, adds discounts and multiplies earn multipliers in this order, so the
same seed gives the same numbers).
"""

from __future__ import annotations

from loyaltylab.rewards.behaviour import Behaviour
from loyaltylab.rewards.config import ProgramConfig
from loyaltylab.rewards.mechanics.base import Mechanic, SharedWeek, Twin, TwinWeek
from loyaltylab.rewards.mechanics.campaign import CampaignMechanic, campaign_factors
from loyaltylab.rewards.mechanics.cashback import CashbackMechanic
from loyaltylab.rewards.mechanics.coalition import CoalitionMechanic
from loyaltylab.rewards.mechanics.paid import PaidMechanic, billing_weeks, weekly_churn
from loyaltylab.rewards.mechanics.points import (
    PointsMechanic,
    choose_rewards,
    goal_distance_to_reward,
    points_for_purchases,
)
from loyaltylab.rewards.mechanics.tiers import TierMechanic, demotion_dropout_factor

__all__ = [
    "MECHANIC_ORDER",
    "CampaignMechanic",
    "CashbackMechanic",
    "CoalitionMechanic",
    "Mechanic",
    "PaidMechanic",
    "PointsMechanic",
    "SharedWeek",
    "TierMechanic",
    "Twin",
    "TwinWeek",
    "billing_weeks",
    "campaign_factors",
    "choose_rewards",
    "demotion_dropout_factor",
    "goal_distance_to_reward",
    "mechanics_for",
    "points_for_purchases",
    "weekly_churn",
]

#: Config parts in hook order.
MECHANIC_ORDER = ("points", "tiers", "paid", "cashback", "coalition", "campaigns")


def mechanics_for(
    program: ProgramConfig, behaviour: Behaviour, n_customers: int, horizon: int
) -> tuple[Mechanic, ...]:
    """Return the mechanics of a program's parts, in :data:`MECHANIC_ORDER`.

    Parameters
    ----------
    program : ProgramConfig
    behaviour : Behaviour
        Effect sizes with the program's overrides applied.
    n_customers : int
    horizon : int
        Weeks to simulate.

    Returns
    -------
    tuple of Mechanic

    Examples
    --------
    >>> from loyaltylab.rewards.config import program_from_mapping
    >>> program = program_from_mapping(
    ...     {"name": "club", "kind": "paid", "paid": {"fee": 25.0}, "cashback": {"rate": 0.01}}
    ... )
    >>> [type(m).__name__ for m in mechanics_for(program, Behaviour(), 10, 52)]
    ['PaidMechanic', 'CashbackMechanic']
    """
    mechanics: list[Mechanic] = []
    if program.points is not None:
        mechanics.append(PointsMechanic(program.points, program.economics, behaviour, n_customers))
    if program.tiers is not None:
        mechanics.append(TierMechanic(program.tiers, behaviour, n_customers, horizon))
    if program.paid is not None:
        mechanics.append(PaidMechanic(program.paid, behaviour))
    if program.cashback is not None:
        mechanics.append(CashbackMechanic(program.cashback))
    if program.coalition is not None:
        focal = program.kind == "coalition"
        mechanics.append(CoalitionMechanic(program.coalition, focal_effects=focal))
    if program.campaigns:
        mechanics.append(CampaignMechanic(program.campaigns, horizon, behaviour.campaign_response))
    return tuple(mechanics)
