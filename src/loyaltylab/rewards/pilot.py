"""Pilot sizing: the A/B test that tells whether a design reaches its break-even effect.

:func:`pilot_effect` picks the effect to detect (the break-even when it lies inside the
plausible range, else the nearest end of the range), :func:`plan_pilot` turns it into the added
orders per customer over a pilot of each length (the simulator's exact twin difference) and
:func:`pilot_size` into customers per arm (two-sample t test,
:func:`loyaltylab.experiments.power.sample_size_means`). Re-exported by
:mod:`loyaltylab.rewards.decision`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.experiments.power import sample_size_means
from loyaltylab.rewards.behaviour import KIND_DROPOUT_FIELD, Behaviour
from loyaltylab.rewards.config import ProgramConfig
from loyaltylab.rewards.population import Population
from loyaltylab.rewards.simulate import simulate_programs

if TYPE_CHECKING:
    from loyaltylab.rewards.decision import BreakEven

__all__ = [
    "PilotPlan",
    "pilot_effect",
    "pilot_size",
    "plan_next_pilot",
    "plan_pilot",
    "plan_uptake_pilot",
    "uptake_pilot_size",
]


def pilot_effect(breaks: BreakEven, design: str) -> tuple[float, str]:
    """Return the effect a pilot of ``design`` must detect, and its description.

    The break-even when it lies inside the plausible range (the pilot tells whether the design
    pays); the low end of the range when the break-even lies below it (the pilot confirms the
    smallest plausible effect); the high end when above.

    Examples
    --------
    >>> table = pd.DataFrame({"break_even": [0.2], "plausible_low": [0.15],
    ...                       "plausible_high": [0.8], "position": ["inside"]}, index=["x"])
    >>> from loyaltylab.rewards.decision import BreakEven
    >>> pilot_effect(BreakEven(table), "x")
    (0.2, 'the break-even effect')
    """
    row = {str(k): v for k, v in breaks.table.to_dict("index")[design].items()}
    if row["position"] == "inside":
        return float(row["break_even"]), "the break-even effect"
    if row["position"] == "below":
        return float(row["plausible_low"]), "the smallest plausible effect"
    return float(row["plausible_high"]), "the largest plausible effect"


def pilot_size(delta: float, sd: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Return customers per arm for a two-sample t test to detect ``delta`` (rounded up).

    Examples
    --------
    >>> pilot_size(0.1, 1.0)  # R power.t.test(delta = 0.1, power = 0.8): n = 1570.7
    1571
    """
    return int(math.ceil(sample_size_means(delta, sd, alpha=alpha, power=power)))


@dataclass(frozen=True)
class PilotPlan:
    """Size and length of the pilot A/B test that tells whether a design reaches break-even.

    Attributes
    ----------
    design : str
    n_per_arm : int
        Customers per arm (intent to treat: the arm is offered the program).
    weeks : int
        Length of the pilot.
    delta : float
        Orders per customer the program adds over the pilot at the break-even effect.
    sd : float
        Standard deviation of orders per customer over the pilot.
    feasible : bool
        Whether ``2 * n_per_arm`` fits in the customer base.
    options : pandas.DataFrame
        Every length tried with its size.
    """

    design: str
    n_per_arm: int
    weeks: int
    delta: float
    sd: float
    feasible: bool
    options: pd.DataFrame = field(default_factory=pd.DataFrame)
    measure: str = "orders"

    def summary(self, what: str = "the break-even effect") -> str:
        """Return the plan as one sentence (``what``: the effect the pilot must detect)."""
        if self.measure == "uptake":
            return (
                f"offer **{self.design}** to {self.n_per_arm:,} customers for {self.weeks} weeks "
                f"and count who join: at the assumed uptake of {self.delta:.1%} that measures it "
                "within ±20 % of itself (95 % confidence); the design pays back on its fee or "
                "partner income even without a churn effect, so uptake and reward use, not "
                "churn, decide it"
            ).replace("%", " %").replace("  %", " %")
        detail = (
            f"{self.delta:+.3f} orders per customer over the pilot, with 80 % power at the 5 % "
            "level"
        )
        if self.feasible:
            return (
                f"test **{self.design}** on {self.n_per_arm:,} customers per arm for "
                f"{self.weeks} weeks (detects {what}, {detail})"
            )
        return (
            f"a pilot of **{self.design}** on our customers cannot tell: detecting {what} "
            f"({detail}) needs {self.n_per_arm:,} customers per arm for {self.weeks} weeks, more "
            "than the customer base holds - the churn effect shows only over years"
        )


def plan_pilot(
    program: ProgramConfig,
    population: Population,
    effect: float,
    *,
    parameter: str | None = None,
    customers_in_base: int,
    weeks_options: Sequence[int] = (8, 13, 26, 52),
    behaviour: Behaviour | None = None,
    seed: int = 0,
) -> PilotPlan:
    """Size the pilot that detects a design's effect at ``effect`` (its break-even value).

    For each length ``W`` the program's added orders per customer over the first ``W`` weeks
    (intent to treat, the simulator's exact twin difference) is the difference to detect; the
    standard deviation of orders per customer is the Poisson-Gamma one of the population,
    ``sqrt(E[lambda W] + Var(lambda W))`` (dropout within the pilot ignored: conservative). The
    shortest length whose two arms fit in the base is chosen, else the longest.

    Parameters
    ----------
    program : ProgramConfig
    population : Population
    effect : float
        Value of ``parameter`` (default: the kind's dropout reduction) to detect.
    parameter : str, optional
    customers_in_base : int
    weeks_options : sequence of int
    behaviour : Behaviour, optional
    seed : int, default 0

    Returns
    -------
    PilotPlan
    """
    base = behaviour or Behaviour()
    parameter = parameter or KIND_DROPOUT_FIELD.get(program.kind, "dropout_reduction")
    longest = max(weeks_options)
    result = simulate_programs(
        [program],
        population,
        horizon_weeks=longest,
        behaviour=base.with_overrides(**{parameter: effect}),
        seed=seed,
    )
    weekly = result.weekly
    rate = population.rate.astype(np.float64)
    rows = []
    for weeks in sorted(weeks_options):
        window = weekly[weekly["week"] < weeks]
        delta = float((window["purchases"] - window["purchases_baseline"]).sum()) / population.size
        sd = float(np.sqrt(np.mean(rate * weeks) + np.var(rate * weeks)))
        n = pilot_size(delta, sd) if delta > 0 else 10**9
        rows.append({"weeks": weeks, "delta": delta, "sd": sd, "n_per_arm": n})
    options = pd.DataFrame(rows)
    fits = options[2 * options["n_per_arm"] <= customers_in_base]
    chosen = fits.iloc[0] if not fits.empty else options.iloc[-1]
    return PilotPlan(
        design=program.name,
        n_per_arm=int(chosen["n_per_arm"]),
        weeks=int(chosen["weeks"]),
        delta=float(chosen["delta"]),
        sd=float(chosen["sd"]),
        feasible=not fits.empty,
        options=options,
    )


def uptake_pilot_size(uptake: float, relative_precision: float = 0.2, level: float = 0.95) -> int:
    """Return how many customers to offer a design to learn its uptake within ± a relative share.

    The normal approximation of a binomial share: ``n = z^2 (1 - p) / (r^2 p)`` with ``p`` the
    assumed uptake, ``r`` the relative half-width and ``z`` the ``level`` quantile.

    Examples
    --------
    >>> uptake_pilot_size(0.1)  # 1.96^2 * 0.9 / (0.04 * 0.1) = 864.3
    865
    """
    if not 0 < uptake < 1:
        raise ParameterError(f"uptake must lie strictly between 0 and 1, got {uptake}")
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    return int(math.ceil(z**2 * (1 - uptake) / (relative_precision**2 * uptake)))


def plan_uptake_pilot(
    program: ProgramConfig,
    *,
    customers_in_base: int,
    weeks: int = 8,
    behaviour: Behaviour | None = None,
) -> PilotPlan:
    """Size the pilot of a design that pays on its fee or partner income: measure its uptake.

    The assumed uptake is the paid membership's uptake at its fee, else the free programs'
    enrolment rate (:class:`~loyaltylab.rewards.behaviour.Behaviour`).

    Parameters
    ----------
    program : ProgramConfig
    customers_in_base : int
    weeks : int, default 8
    behaviour : Behaviour, optional

    Returns
    -------
    PilotPlan
        ``measure="uptake"``, ``delta`` the assumed uptake, ``n_per_arm`` the customers to offer
        it to (no control arm is needed to count who joins).
    """
    paid = getattr(program, "paid", None)
    uptake = float(paid.uptake()) if paid is not None else (behaviour or Behaviour()).enrolment_rate
    n = uptake_pilot_size(uptake)
    return PilotPlan(
        design=program.name,
        n_per_arm=n,
        weeks=weeks,
        delta=uptake,
        sd=math.sqrt(uptake * (1 - uptake)),
        feasible=n <= customers_in_base,
        measure="uptake",
    )


def plan_next_pilot(
    program: ProgramConfig,
    population: Population,
    breaks: BreakEven,
    *,
    customers_in_base: int,
    seed: int = 0,
) -> PilotPlan:
    """Return the pilot that would tell: uptake when the design pays without a churn effect.

    A design whose break-even churn cut is zero or below (it pays on its fee or partner income)
    is decided by how many join, so its pilot counts uptake (:func:`plan_uptake_pilot`); any other
    design's pilot detects its effect on orders (:func:`plan_pilot` at :func:`pilot_effect`).
    """
    row = {str(k): v for k, v in breaks.table.to_dict("index")[program.name].items()}
    if float(row["break_even"]) <= 0:
        return plan_uptake_pilot(program, customers_in_base=customers_in_base)
    return plan_pilot(
        program,
        population,
        pilot_effect(breaks, program.name)[0],
        customers_in_base=customers_in_base,
        seed=seed,
    )
