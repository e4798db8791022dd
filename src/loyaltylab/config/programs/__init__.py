"""Reward-program configurations: typed parts and the program kinds, a union on ``kind``.

The vocabulary follows what practitioners configure in Open Loyalty, ERPNext and Odoo
(reference/rewards.md §3 and the closing "config vocabulary" of §4 [S86]-[S104]):

* points: earn rate (points per currency unit), points per purchase (stamp cards), point value,
  a redemption threshold or a reward catalogue, expiry (``after_days`` | ``end_of_year`` |
  ``never`` | ``after_inactivity_days``: the whole balance after ``expiry_days`` without a
  purchase), lock days, endowed (head-start) points [S4][S91][S96][S97];
* tiers: qualification metric (``spend`` | ``points``), rolling window, thresholds, benefits per
  tier (earn multiplier, discount, status) and downgrade mode (``none`` | ``automatic`` |
  ``after_days``) [S90]-[S95];
* cashback / instant discount; paid membership (fee, period, benefits, uptake falling with the
  fee, churn) [S34]-[S36]; coalition (points earned at partners, who funds them) [S22];
  campaigns (time-boxed earn multiplier such as double points, a bonus for a target behaviour)
  [S49]-[S52];
* economics: reward cost to the firm vs value to the customer, fixed and per-member costs, gross
  margin, the IFRS 15 redemption estimate [S67].

Every part is a frozen pydantic model (:class:`~loyaltylab.config.base.ConfigModel`: unknown
keys forbidden). A program is one of six kinds, :data:`ProgramConfig`, a discriminated union on
``kind``; each kind requires its parts (a tiered program needs ``tiers``, a coalition ``points``
and ``coalition``, ...). Every kind has every part as an attribute (``None`` or ``()`` when
absent), so code reading ``program.tiers`` works for any kind.

Errors are one :class:`~loyaltylab.errors.ConfigError` naming each problem by its YAML path,
e.g. ``programs[2].points.earn_rate: Input should be greater than or equal to 0 (got -1.0)``,
whether the program comes from ``reports.yaml`` (:func:`validate_programs`) or is built in code
(``PointsRules(earn_rate=-1.0)``). Parts also take their fields positionally, in the order
documented, as the dataclasses they replace did: ``Tier("gold", 500)``.
"""

from loyaltylab.config.programs.kinds import (
    CampaignProgram,
    CashbackProgram,
    CoalitionProgram,
    PaidProgram,
    PointsProgram,
    ProgramBase,
    ProgramConfig,
    ProgramList,
    TieredProgram,
    program_from_mapping,
    validate_program,
    validate_programs,
)
from loyaltylab.config.programs.parts import (
    DOWNGRADE_MODES,
    EXPIRY_POLICIES,
    PROGRAM_KINDS,
    TIER_METRICS,
    Campaign,
    Cashback,
    Coalition,
    Economics,
    PaidMembership,
    PointsRules,
    Reward,
    Tier,
    TierRules,
)

__all__ = [
    "DOWNGRADE_MODES",
    "EXPIRY_POLICIES",
    "PROGRAM_KINDS",
    "TIER_METRICS",
    "Campaign",
    "CampaignProgram",
    "Cashback",
    "CashbackProgram",
    "Coalition",
    "CoalitionProgram",
    "Economics",
    "PaidMembership",
    "PaidProgram",
    "PointsProgram",
    "PointsRules",
    "ProgramBase",
    "ProgramConfig",
    "ProgramList",
    "Reward",
    "Tier",
    "TierRules",
    "TieredProgram",
    "program_from_mapping",
    "validate_program",
    "validate_programs",
]
