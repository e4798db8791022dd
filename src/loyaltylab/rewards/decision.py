"""Program decision under uncertainty: P(best), P(profit), break-even, pilot size, recommendation.

:func:`decision_draws` simulates every design in each of ``n_draws`` Monte Carlo draws: the
two-sided behavioural assumptions drawn from their ranges (triangular, mode at the default,
:data:`~loyaltylab.rewards.behaviour.ASSUMPTIONS`), a fresh set of customers, and all designs on
the same customers and random numbers (common random numbers), so a difference between designs
within a draw is the designs' own. Measured evidence (a pilot's lift, a running program's effect:
:mod:`~loyaltylab.rewards.evidence`) replaces the literature prior of one parameter of one design.

:func:`decision_table` reads per design P(incremental margin > 0), P(best design), the expected
margin with its 80 % interval and the Monte Carlo standard error of P(best),
``sqrt(p (1 - p) / n_draws)`` (draws are independent). :func:`break_even` finds the smallest
churn effect at which a design pays (root of the margin on the simulator, same customers and
random numbers); :func:`plan_pilot` and :func:`pilot_size` (in :mod:`~loyaltylab.rewards.pilot`,
re-exported here) size the A/B test that would tell (two-sample t test,
:mod:`loyaltylab.experiments.power`); :func:`recommend` turns it into launch / pilot /
do_not_launch. Sources [Sx] refer to reference/rewards.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from loyaltylab.errors import ParameterError
from loyaltylab.rewards.behaviour import ASSUMPTIONS, KIND_DROPOUT_FIELD, Behaviour
from loyaltylab.rewards.config import ProgramConfig
from loyaltylab.rewards.pilot import (
    PilotPlan,
    pilot_effect,
    pilot_size,
    plan_next_pilot,
    plan_pilot,
    plan_uptake_pilot,
)
from loyaltylab.rewards.population import Population, PopulationModel, draw_population
from loyaltylab.rewards.simulate import simulate_programs
from loyaltylab.rewards.uncertainty import OUTPUT_COLUMNS, MonteCarloResult

__all__ = [
    "CLEAR_WINNER",
    "pilot_effect",
    "BreakEven",
    "Decision",
    "DecisionDraws",
    "EvidenceInput",
    "PilotPlan",
    "break_even",
    "decision_draws",
    "decision_table",
    "find_root",
    "measured_designs",
    "pilot_size",
    "plan_next_pilot",
    "plan_pilot",
    "plan_uptake_pilot",
    "recommend",
]

CLEAR_WINNER = 0.8
"""P(best) a design needs to be the clear winner; below it the decision says "no clear winner"."""


@dataclass(frozen=True)
class EvidenceInput:
    """Measured evidence replacing the literature prior of one parameter of one design.

    Attributes
    ----------
    design : str
        The program it applies to.
    parameter : str
        The :class:`~loyaltylab.rewards.behaviour.Behaviour` field it sets.
    mean, sd : float
        Normal distribution of the parameter implied by the measurement (clipped at 0).
    source : str
        What was measured, e.g. ``"03_experiment: double_points visits +13.7 % [3.3, 24.1]"``.
    """

    design: str
    parameter: str
    mean: float
    sd: float
    source: str

    def summary(self) -> pd.DataFrame:
        """Return the evidence as a one-row table."""
        return pd.DataFrame([self.__dict__])


@dataclass(frozen=True)
class DecisionDraws:
    """Every Monte Carlo draw of every design (common random numbers within a draw).

    Attributes
    ----------
    monte_carlo : MonteCarloResult
        The per-draw outputs of every design (unscaled, for the SMART-target probabilities).
    margins : pandas.DataFrame
        Incremental margin, one row per draw and one column per design, scaled to
        ``customers_in_base`` customers.
    evidence : tuple of EvidenceInput
    customers_in_base : int
        The customer base the margins are scaled to.
    """

    monte_carlo: MonteCarloResult
    margins: pd.DataFrame
    evidence: tuple[EvidenceInput, ...] = ()
    customers_in_base: int = 0

    def summary(self) -> pd.DataFrame:
        """Return :func:`decision_table` of the draws."""
        return decision_table(self.margins, self._sales_share())

    def _sales_share(self) -> pd.Series:
        draws = self.monte_carlo.draws
        return draws.groupby("program", sort=False)["incremental_sales_share"].median()


_FRACTIONS = frozenset(KIND_DROPOUT_FIELD.values())


def measured_designs(evidence: Sequence[EvidenceInput], breaks: BreakEven) -> list[str]:
    """Return the designs whose break-even effect itself was measured (not another parameter).

    A campaign test measures a campaign's visit uplift, not the points program's churn effect
    that carries its margin, so it does not make a launch rest on measurement.
    """
    return [
        item.design
        for item in evidence
        if item.design in breaks.table.index
        and breaks.table.loc[item.design, "parameter"] == item.parameter
    ]


def _draw_behaviour(
    rng: np.random.Generator, base: Behaviour
) -> tuple[Behaviour, dict[str, float]]:
    values = {
        item.parameter: float(rng.triangular(item.low, item.default, item.high))
        for item in ASSUMPTIONS
        if item.two_sided
    }
    return base.with_overrides(**values), values


@dataclass(frozen=True)
class _DrawTask:
    """One Monte Carlo draw of :func:`decision_draws`.

    Its random numbers depend only on (seed, draw), so draws can run in any order or process
    and give the same result.
    """

    programs: tuple[ProgramConfig, ...]
    model: PopulationModel
    n_customers: int
    horizon_weeks: int
    evidence: tuple[EvidenceInput, ...]
    base: Behaviour
    seed: int

    def __call__(self, draw: int) -> tuple[pd.DataFrame, dict[str, Any]]:
        rng = np.random.default_rng([self.seed, 2_718, draw])
        current, values = _draw_behaviour(rng, self.base)
        names = [program.name for program in self.programs]
        designs = list(self.programs)
        for item in self.evidence:
            # a fraction (dropout cuts) stays below 1; a scale (campaign_response) only >= 0
            upper = 0.95 if item.parameter in _FRACTIONS else math.inf
            value = min(upper, max(0.0, float(rng.normal(item.mean, item.sd))))
            index = names.index(item.design)
            designs[index] = designs[index].model_copy(
                update={"behaviour": {**designs[index].behaviour, item.parameter: value}}
            )
            values[f"{item.design}.{item.parameter}"] = value
        people = draw_population(self.model, self.n_customers, seed=self.seed * 100_003 + draw + 1)
        result = simulate_programs(
            designs,
            people,
            horizon_weeks=self.horizon_weeks,
            behaviour=current,
            seed=self.seed * 7_919 + draw,
            liability=False,
        )
        frame = result.totals[list(OUTPUT_COLUMNS)].reset_index()
        frame.insert(0, "draw", draw)
        return frame, {"draw": draw, **values}


def decision_draws(
    programs: Sequence[ProgramConfig],
    model: PopulationModel,
    *,
    n_customers: int = 3_000,
    n_draws: int = 200,
    horizon_weeks: int = 156,
    customers_in_base: int | None = None,
    evidence: Sequence[EvidenceInput] = (),
    behaviour: Behaviour | None = None,
    seed: int = 0,
    progress: bool = False,
    n_jobs: int = 1,
) -> DecisionDraws:
    """Simulate all designs under ``n_draws`` random sets of assumptions (CRN across designs).

    Parameters
    ----------
    programs : sequence of ProgramConfig
    model : PopulationModel
        The customers (fitted to the company's own data); drawn afresh in every draw.
    n_customers : int, default 3000
        Simulated customers per draw.
    n_draws : int, default 200
        Monte Carlo draws; the standard error of P(best) is ``sqrt(p (1 - p) / n_draws)``.
    horizon_weeks : int, default 156
    customers_in_base : int, optional
        Scale margins to this many customers (default: ``n_customers``).
    evidence : sequence of EvidenceInput
        Measured parameters replacing the prior of one design each.
    behaviour : Behaviour, optional
        The central case (default: the literature defaults).
    seed : int, default 0
        Each draw's random numbers come from (seed, draw) alone.
    progress : bool, default False
        tqdm progress bar (one process only).
    n_jobs : int, default 1
        Processes the draws run in (the same result for any number).

    Returns
    -------
    DecisionDraws
    """
    if not isinstance(n_draws, int) or n_draws < 2:
        raise ParameterError(f"n_draws must be a whole number >= 2, got {n_draws!r}")
    programs = tuple(programs)
    names = [program.name for program in programs]
    for item in evidence:
        if item.design not in names:
            raise ParameterError(
                f"evidence for design {item.design!r}, which is not among the designs {names}"
            )
    base = behaviour or Behaviour()
    scale = (customers_in_base or n_customers) / n_customers
    task = _DrawTask(programs, model, n_customers, horizon_weeks, tuple(evidence), base, seed)
    draws: Any = range(n_draws)
    if n_jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            outcomes = list(pool.map(task, draws, chunksize=max(1, n_draws // (4 * n_jobs))))
    else:
        if progress:
            from tqdm import tqdm

            draws = tqdm(draws, desc="decision draws", unit="draw")
        outcomes = [task(draw) for draw in draws]
    frames = [frame for frame, _ in outcomes]
    sampled = [values for _, values in outcomes]
    table = pd.concat(frames, ignore_index=True)
    monte_carlo = MonteCarloResult(
        draws=table,
        parameters=pd.DataFrame(sampled),
        interval=0.8,
        n_customers=n_customers,
        horizon_weeks=horizon_weeks,
    )
    margins = table.pivot(index="draw", columns="program", values="incremental_margin")[names]
    return DecisionDraws(
        monte_carlo=monte_carlo,
        margins=margins * scale,
        evidence=tuple(evidence),
        customers_in_base=int(customers_in_base or n_customers),
    )


def decision_table(
    margins: pd.DataFrame, sales_share: pd.Series | None = None, interval: float = 0.8
) -> pd.DataFrame:
    """Return per design P(profit), P(best), its standard error and the expected margin.

    Parameters
    ----------
    margins : pandas.DataFrame
        Incremental margin, one row per draw, one column per design (same draw = same
        customers and random numbers).
    sales_share : pandas.Series, optional
        Incremental share of members' sales per design, added as a column.
    interval : float, default 0.8
        Central interval of the margin.

    Returns
    -------
    pandas.DataFrame
        Index design; columns p_profit, p_best, p_best_se, margin (mean), margin_low,
        margin_high (and incremental_sales_share).

    Examples
    --------
    >>> margins = pd.DataFrame({"a": [3.0, 1.0, -1.0, 2.0], "b": [1.0, 2.0, 0.5, 1.0]})
    >>> decision_table(margins)[["p_profit", "p_best", "p_best_se"]].round(3)
            p_profit  p_best  p_best_se
    design
    a           0.75     0.5       0.25
    b           1.00     0.5       0.25
    """
    if margins.empty:
        raise ParameterError("decision_table needs at least one draw and one design")
    values = margins.to_numpy(dtype=float)
    n = values.shape[0]
    best = np.zeros(values.shape, dtype=float)
    best[np.arange(n), np.argmax(values, axis=1)] = 1.0
    p_best = best.mean(axis=0)
    tail = (1 - interval) / 2
    table = pd.DataFrame(
        {
            "p_profit": (values > 0).mean(axis=0),
            "p_best": p_best,
            "p_best_se": np.sqrt(p_best * (1 - p_best) / n),
            "margin": values.mean(axis=0),
            "margin_low": np.quantile(values, tail, axis=0),
            "margin_high": np.quantile(values, 1 - tail, axis=0),
        },
        index=pd.Index(margins.columns, name="design"),
    )
    if sales_share is not None:
        table["incremental_sales_share"] = sales_share.reindex(table.index)
    return table


def find_root(
    function: Callable[[float], float], low: float, high: float, *, xtol: float = 1e-4
) -> float:
    """Return the smallest ``x`` in [low, high] where an increasing ``function`` crosses 0.

    ``low`` if the function is already >= 0 there; ``inf`` if it is still < 0 at ``high``.

    Examples
    --------
    >>> round(find_root(lambda x: 3 * x - 0.6, 0.0, 1.0), 4)
    0.2
    """
    f_low = function(low)
    if f_low >= 0:
        return float(low)
    f_high = function(high)
    if f_high < 0:
        return float("inf")
    return float(optimize.brentq(function, low, high, xtol=xtol))


@dataclass(frozen=True)
class BreakEven:
    """The smallest effect at which a design pays back, against the plausible range.

    Attributes
    ----------
    table : pandas.DataFrame
        Index design; columns parameter, break_even (the parameter's value), plausible_low,
        plausible_high (its range), break_even_pp, plausible_low_pp, plausible_high_pp (the cut
        of members' 12-month churn in percentage points the effect delivers at those values:
        retention change at the value minus at no effect) and position (``"below"``:
        pays even at the low end, ``"inside"``, ``"above"``: does not pay even at the high end).
    """

    table: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Return the table."""
        return self.table

    def sentence(self, design: str) -> str:
        """Return 'pays if it cuts churn by at least X pp; the evidence says A-B pp'."""
        row: dict[str, Any] = {str(k): v for k, v in self.table.to_dict("index")[design].items()}
        pp = float(row["break_even_pp"])
        if math.isinf(pp):
            pays = "does not pay back at any churn cut up to the model's limit"
        elif float(row["break_even"]) <= 0:
            pays = "pays back even without any churn effect"
        else:
            pays = f"pays back if it cuts members' 12-month churn by at least {pp:.1f} pp"
        low, high = float(row["plausible_low_pp"]), float(row["plausible_high_pp"])
        return f"**{design}** {pays}; the evidence says {low:.1f}-{high:.1f} pp."


def break_even(
    programs: Sequence[ProgramConfig],
    population: Population,
    *,
    horizon_weeks: int = 156,
    behaviour: Behaviour | None = None,
    seed: int = 0,
    upper: float = 0.95,
    parameter: str | None = None,
) -> BreakEven:
    """Find, per design, the effect (dropout reduction) at which its incremental margin is 0.

    Every other effect stays at the central case; the margin is computed on the simulator with
    the same customers and random numbers at every trial value (so it is a smooth, increasing
    function of the effect) and its root found by Brent's method (:func:`find_root`).

    Parameters
    ----------
    programs : sequence of ProgramConfig
    population : Population
    horizon_weeks : int, default 156
    behaviour : Behaviour, optional
    seed : int, default 0
    upper : float, default 0.95
        Largest effect tried.
    parameter : str, optional
        The effect scanned (a :class:`~loyaltylab.rewards.behaviour.Behaviour` field, e.g.
        ``"frequency_uplift"``); default: each design kind's dropout reduction.

    Returns
    -------
    BreakEven
    """
    base = behaviour or Behaviour()
    ranges = {item.parameter: item for item in ASSUMPTIONS}
    rows = []
    for program in programs:
        effect = parameter or KIND_DROPOUT_FIELD.get(program.kind, "dropout_reduction")
        item = ranges[effect]

        def run(value: float, program: ProgramConfig = program, effect: str = effect) -> Any:
            return simulate_programs(
                [program],
                population,
                horizon_weeks=horizon_weeks,
                behaviour=base.with_overrides(**{effect: value}),
                seed=seed,
            ).totals.iloc[0]

        root = find_root(lambda value: float(run(value)["incremental_margin"]), 0.0, upper)

        # the churn cut the effect itself delivers: members' 12-month retention change at the
        # value minus that at no effect (other mechanics, e.g. demotions, move it too)
        no_effect = float(run(0.0)["retention_change"])

        def churn_pp(value: float, no_effect: float = no_effect) -> float:
            if not math.isfinite(value):
                return math.inf
            return float(run(value)["retention_change"]) - no_effect

        row = {
            "design": program.name,
            "parameter": effect,
            "break_even": root,
            "plausible_low": item.low,
            "plausible_high": item.high,
            "break_even_pp": churn_pp(root) if root > 0 else 0.0,
            "plausible_low_pp": churn_pp(item.low),
            "plausible_high_pp": churn_pp(item.high),
        }
        row["position"] = (
            "below" if root <= item.low else ("inside" if root <= item.high else "above")
        )
        rows.append(row)
    return BreakEven(table=pd.DataFrame(rows).set_index("design"))


@dataclass(frozen=True)
class Decision:
    """The recommended next step.

    Attributes
    ----------
    recommendation : {"launch", "pilot", "do_not_launch"}
    design : str
        The design it is about.
    clear_winner : bool
        P(best) of ``design`` >= :data:`CLEAR_WINNER`.
    reason : str
        One sentence.
    table : pandas.DataFrame
        :func:`decision_table` with the break-even columns.
    """

    recommendation: str
    design: str
    clear_winner: bool
    reason: str
    table: pd.DataFrame

    def summary(self) -> str:
        """Return the recommendation as one Markdown sentence."""
        verb = {"launch": "Launch", "pilot": "Pilot", "do_not_launch": "Do not launch"}
        return f"**{verb[self.recommendation]} {self.design}.** {self.reason}"


def recommend(
    table: pd.DataFrame,
    breaks: BreakEven | None = None,
    measured: Sequence[str] = (),
    *,
    clear_winner: float = CLEAR_WINNER,
) -> Decision:
    """Turn the decision table into launch / pilot / do_not_launch.

    * ``do_not_launch`` when no design makes money in at least half of the draws;
    * ``launch`` when the design with the highest P(best) is a clear winner (P(best) >=
      ``clear_winner``), pays in >= 80 % of the draws, and its break-even lies below the
      plausible range or its effect was measured (``measured``);
    * otherwise ``pilot`` the design with the highest P(best) (then expected margin) among those
      that pay in at least half of the draws.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`decision_table`.
    breaks : BreakEven, optional
    measured : sequence of str
        Designs whose effect rests on measured evidence.
    clear_winner : float, default 0.8

    Returns
    -------
    Decision

    Examples
    --------
    >>> table = pd.DataFrame({"p_profit": [0.3, 0.4], "p_best": [0.6, 0.4], "margin": [-1.0, -2.0]},
    ...                      index=["a", "b"])
    >>> recommend(table).recommendation
    'do_not_launch'
    """
    full = table.copy()
    if breaks is not None:
        full = full.join(breaks.table[["break_even", "break_even_pp", "position"]])
    p_best = {str(k): float(v) for k, v in full["p_best"].items()}
    p_profit = {str(k): float(v) for k, v in full["p_profit"].items()}
    margin = {str(k): float(v) for k, v in full["margin"].items()}
    where = {str(k): str(v) for k, v in full["position"].items()} if "position" in full else {}
    leader = max(p_best, key=lambda name: (p_best[name], margin[name]))
    clear = p_best[leader] >= clear_winner
    paying = [name for name in margin if p_profit[name] >= 0.5]
    if not paying:
        best = max(margin, key=margin.__getitem__)
        return Decision(
            "do_not_launch",
            best,
            clear,
            f"No design makes money in at least half of the draws (best: {best}, "
            f"P(profit) {p_profit[best]:.0%}).",
            full,
        )
    if (
        clear
        and p_profit[leader] >= 0.8
        and (where.get(leader, "inside") == "below" or leader in measured)
    ):
        return Decision(
            "launch",
            leader,
            clear,
            f"It is the best design in {p_best[leader]:.0%} of the draws and makes money in "
            f"{p_profit[leader]:.0%}.",
            full,
        )
    candidate = max(paying, key=lambda name: (p_best[name], margin[name]))
    if not clear:
        why = (
            f"No clear winner (highest P(best): {leader}, {p_best[leader]:.0%} < "
            f"{clear_winner:.0%}); {candidate} is the most often best of the designs that pay in "
            "at least half of the draws"
        )
    else:
        why = f"{candidate} is the best design in {p_best[candidate]:.0%} of the draws"
    income_only = {str(k): float(v) <= 0 for k, v in full.get("break_even", pd.Series()).items()}
    pays_on_income = income_only.get(candidate, False)
    if where.get(candidate) == "inside":
        why += ", and its break-even lies inside the plausible range of its effect"
    elif pays_on_income and candidate not in measured:
        why += (
            ", and it pays back on its fee or partner income even without a churn effect, but "
            "how many customers join at that price is an assumption"
        )
    elif candidate not in measured:
        why += ", but its effect rests on literature, not on a measurement of our customers"
    return Decision("pilot", candidate, clear, why + ": test it before a launch.", full)


def as_metrics(
    decision: Decision,
    pilot: PilotPlan | None,
    evidence: Sequence[str],
) -> dict[str, Any]:
    """Return the decision part of ``00_decision.metrics.json``."""
    designs: dict[str, dict[str, float]] = {}
    for name, row in decision.table.iterrows():
        designs[str(name)] = {
            key: float(row[key])
            for key in (
                "p_best",
                "p_profit",
                "margin",
                "margin_low",
                "margin_high",
                "incremental_sales_share",
                "break_even",
            )
            if key in row
        }
    out: dict[str, Any] = {
        "recommendation": decision.recommendation,
        "design": decision.design,
        "designs": designs,
        "evidence": list(evidence),
    }
    if pilot is not None:  # the pilot that would tell (the next step when recommending a pilot)
        out["pilot"] = {"n_per_arm": pilot.n_per_arm, "weeks": pilot.weeks}
    return out
