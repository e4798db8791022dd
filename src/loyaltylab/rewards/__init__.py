"""Reward-model simulator: points, tiers, cashback, paid membership, coalition and campaigns.

Configure programs (:mod:`loyaltylab.config.programs`, re-exported here, or the ``programs:``
section of ``reports.yaml``), draw customers from a fitted BG/NBD or Pareto/NBD + Gamma-Gamma model
(:mod:`~loyaltylab.rewards.population`), simulate each customer without and with every program
with common random numbers (:func:`simulate_programs`), and read exact incremental effects, the
points ledger, tiers and IFRS 15 liability (:class:`SimulationResult`); Monte Carlo over the
behavioural assumptions and a tornado chart live in :mod:`~loyaltylab.rewards.uncertainty`.
Sources [Sx] refer to reference/rewards.md.
"""

from loyaltylab.rewards import config
from loyaltylab.rewards.accounting import (
    allocate_to_points,
    ifrs15_schedule,
    points_revenue_to_date,
)
from loyaltylab.rewards.behaviour import ASSUMPTIONS, Behaviour, assumptions_table
from loyaltylab.rewards.config import *  # noqa: F403  (the one list: config.__all__)
from loyaltylab.rewards.ledger import PointsLedger
from loyaltylab.rewards.population import (
    Population,
    PopulationModel,
    draw_population,
    fit_population,
)
from loyaltylab.rewards.results import KEY_METRICS, SimulationResult
from loyaltylab.rewards.simulate import simulate_programs
from loyaltylab.rewards.tiers import TierState

__all__ = [
    "ASSUMPTIONS",
    "KEY_METRICS",
    "Behaviour",
    "PointsLedger",
    "Population",
    "PopulationModel",
    "SimulationResult",
    "TierState",
    "allocate_to_points",
    "assumptions_table",
    "draw_population",
    "fit_population",
    "ifrs15_schedule",
    "points_revenue_to_date",
    "simulate_programs",
]
__all__ += config.__all__  # the program models of loyaltylab.config.programs and load_programs
