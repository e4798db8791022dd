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

from loyaltylab.experiments.power import sample_size_means
from loyaltylab.rewards.behaviour import KIND_DROPOUT_FIELD, Behaviour
from loyaltylab.rewards.config import ProgramConfig
from loyaltylab.rewards.population import Population
from loyaltylab.rewards.simulate import simulate_programs

if TYPE_CHECKING:
    from loyaltylab.rewards.decision import BreakEven

__all__ = ["PilotPlan", "pilot_effect", "pilot_size", "plan_pilot"]


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

    def summary(self, what: str = "the break-even effect") -> str:
        """Return the plan as one sentence (``what``: the effect the pilot must detect)."""
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
