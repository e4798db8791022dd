"""Uncertainty of the simulated outcomes: Monte Carlo over assumption ranges, tornado sensitivity.

:func:`monte_carlo` draws every two-sided behavioural assumption from a triangular distribution
over its range with the mode at its default (:data:`~loyaltylab.rewards.behaviour.ASSUMPTIONS`,
reference/rewards.md §1), so the median stays near the default case, and a fresh population
per draw (one-sided assumptions, whose default is an end of the range - heavy buyers' rate
response, goal commitment, a coalition's dropout cut - stay at their default, so the interval
holds the default case; their what-ifs are in the tornado); it simulates all programs and
reports the median and the central 80 % interval of each output (rewards.md §4 item 15).
:func:`tornado` moves one assumption at a time to the ends of its range with everything else at
the default and the same customers and random numbers, so each bar is that assumption's own
effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab.errors import ParameterError
from loyaltylab.rewards.behaviour import ASSUMPTIONS, Assumption, Behaviour
from loyaltylab.rewards.config import ProgramConfig
from loyaltylab.rewards.population import Population, PopulationModel, draw_population
from loyaltylab.rewards.results import KEY_METRICS
from loyaltylab.rewards.simulate import simulate_programs

__all__ = ["MonteCarloResult", "TornadoResult", "monte_carlo", "tornado"]

OUTPUT_COLUMNS = (
    *KEY_METRICS,
    "incremental_revenue_pct",
    "program_cost",
    "redemption_rate",
    "retention_relative_change",
    "churn_relative_change",
    "aov_change",
    "purchases_change",
    "value_change",
    "true_lift",
    "naive_lift",
    "member_share",
    "incremental_sales_share",
    "true_lift_heavy",
    "true_lift_light_moderate",
)


@dataclass(frozen=True)
class MonteCarloResult:
    """Outputs of every Monte Carlo draw.

    Attributes
    ----------
    draws : pandas.DataFrame
        One row per draw and program: ``draw``, ``program`` and the outputs.
    parameters : pandas.DataFrame
        One row per draw: the sampled assumption values.
    interval : float
        Central interval reported (0.8 = 10th to 90th percentile).
    n_customers, horizon_weeks : int
    """

    draws: pd.DataFrame
    parameters: pd.DataFrame
    interval: float
    n_customers: int
    horizon_weeks: int

    def summary(self, metrics: Sequence[str] = KEY_METRICS) -> pd.DataFrame:
        """Return median, low and high of each metric per program.

        Parameters
        ----------
        metrics : sequence of str, default KEY_METRICS

        Returns
        -------
        pandas.DataFrame
            Columns program, metric, median, low, high.
        """
        tail = (1 - self.interval) / 2
        rows = []
        for program, group in self.draws.groupby("program", sort=False):
            for metric in metrics:
                values = group[metric].dropna()
                rows.append(
                    {
                        "program": program,
                        "metric": metric,
                        "median": float(values.median()) if len(values) else float("nan"),
                        "low": float(values.quantile(tail)) if len(values) else float("nan"),
                        "high": float(values.quantile(1 - tail)) if len(values) else float("nan"),
                    }
                )
        return pd.DataFrame(rows)

    def metrics(self, metrics: Sequence[str] = KEY_METRICS) -> dict[str, dict[str, float]]:
        """Return ``{program: {metric: median, metric_low: ..., metric_high: ...}}``."""
        out: dict[str, dict[str, float]] = {}
        for record in self.summary(metrics).to_dict(orient="records"):
            entry = out.setdefault(str(record["program"]), {})
            metric = str(record["metric"])
            entry[metric] = float(record["median"])
            entry[f"{metric}_low"] = float(record["low"])
            entry[f"{metric}_high"] = float(record["high"])
        return out

    def probability(self, metric: str, threshold: float, above: bool = True) -> pd.Series:
        """Return, per program, the share of draws with ``metric`` above (or below) a threshold."""
        values = self.draws.set_index("program")[metric]
        hit = values > threshold if above else values < threshold
        return hit.groupby(level=0, sort=False).mean()


def _check_names(names: Sequence[str]) -> list[Assumption]:
    known = {item.parameter: item for item in ASSUMPTIONS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ParameterError(f"unknown assumptions {unknown[:5]}; known: {sorted(known)}")
    return [known[name] for name in names]


def monte_carlo(
    programs: Sequence[ProgramConfig],
    model: PopulationModel,
    *,
    n_customers: int = 2_000,
    n_draws: int = 30,
    horizon_weeks: int = 156,
    parameters: Sequence[str] | None = None,
    behaviour: Behaviour | None = None,
    interval: float = 0.8,
    seed: int = 0,
    progress: bool = False,
) -> MonteCarloResult:
    """Simulate all programs under ``n_draws`` random sets of assumptions.

    Parameters
    ----------
    programs : sequence of ProgramConfig
    model : PopulationModel
        Population drawn afresh (``n_customers``) in every draw, so the interval also holds the
        sampling noise of a finite customer base.
    n_customers : int, default 2000
    n_draws : int, default 30
    horizon_weeks : int, default 156
    parameters : sequence of str, optional
        Assumptions to vary (default: the two-sided ones of :data:`ASSUMPTIONS`); the others
        stay at ``behaviour``.
    behaviour : Behaviour, optional
        Values of the assumptions not varied (default: the defaults).
    interval : float, default 0.8
    seed : int, default 0
    progress : bool, default False
        tqdm progress bar over draws.

    Returns
    -------
    MonteCarloResult
    """
    if not isinstance(n_draws, int) or n_draws < 2:
        raise ParameterError(f"n_draws must be a whole number >= 2, got {n_draws!r}")
    if not 0 < interval < 1:
        raise ParameterError(f"interval must be between 0 and 1, got {interval!r}")
    varied = (
        _check_names(parameters)
        if parameters is not None
        else [item for item in ASSUMPTIONS if item.two_sided]
    )
    base = behaviour or Behaviour()
    rng = np.random.default_rng([seed, 31337])
    draws = range(n_draws)
    if progress:
        from tqdm import tqdm

        draws = tqdm(draws, desc="Monte Carlo draws", unit="draw")
    frames, sampled = [], []
    for draw in draws:
        values = {
            item.parameter: float(rng.triangular(item.low, item.default, item.high))
            for item in varied
        }
        people = draw_population(model, n_customers, seed=seed * 100_003 + draw)
        result = simulate_programs(
            programs,
            people,
            horizon_weeks=horizon_weeks,
            behaviour=base.with_overrides(**values),
            seed=seed * 7_919 + draw,
        )
        frame = result.totals[list(OUTPUT_COLUMNS)].reset_index()
        frame.insert(0, "draw", draw)
        frames.append(frame)
        sampled.append({"draw": draw, **values})
    return MonteCarloResult(
        draws=pd.concat(frames, ignore_index=True),
        parameters=pd.DataFrame(sampled),
        interval=interval,
        n_customers=n_customers,
        horizon_weeks=horizon_weeks,
    )


@dataclass(frozen=True)
class TornadoResult:
    """One-at-a-time sensitivity of one output.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per program and assumption: parameter, low, high (assumption values), base,
        output_low, output_high (the output at those values), swing = |high - low output|.
    metric : str
    """

    table: pd.DataFrame
    metric: str

    def summary(self) -> pd.DataFrame:
        """Return the table sorted by program and falling swing."""
        return self.table.sort_values(["program", "swing"], ascending=[True, False]).reset_index(
            drop=True
        )

    def top(self, program: str, k: int = 5) -> pd.DataFrame:
        """Return the ``k`` most influential assumptions for ``program``."""
        rows = self.table[self.table["program"] == program]
        if rows.empty:
            raise ParameterError(f"no program {program!r} in the tornado table")
        return rows.sort_values("swing", ascending=False).head(k).reset_index(drop=True)


def tornado(
    programs: Sequence[ProgramConfig],
    population: Population,
    *,
    metric: str = "incremental_margin",
    parameters: Sequence[str] | None = None,
    horizon_weeks: int = 156,
    behaviour: Behaviour | None = None,
    seed: int = 0,
    progress: bool = False,
) -> TornadoResult:
    """Move each assumption to the ends of its range, one at a time, and record ``metric``.

    Parameters
    ----------
    programs : sequence of ProgramConfig
    population : Population
        The same customers (and random numbers) in every run.
    metric : str, default "incremental_margin"
        A column of :attr:`SimulationResult.totals`.
    parameters : sequence of str, optional
        Assumptions to test (default: all).
    horizon_weeks : int, default 156
    behaviour : Behaviour, optional
        The base case (default: the defaults).
    seed : int, default 0
    progress : bool, default False

    Returns
    -------
    TornadoResult
    """
    varied = _check_names(parameters) if parameters is not None else list(ASSUMPTIONS)
    base = behaviour or Behaviour()

    def run(current: Behaviour) -> pd.Series:
        totals = simulate_programs(
            programs, population, horizon_weeks=horizon_weeks, behaviour=current, seed=seed
        ).totals
        if metric not in totals.columns:
            raise ParameterError(f"unknown output {metric!r}; outputs: {sorted(totals.columns)}")
        return totals[metric]

    base_values = run(base)
    items = varied
    if progress:
        from tqdm import tqdm

        items = tqdm(varied, desc="tornado", unit="assumption")
    rows = []
    for item in items:
        low = run(base.with_overrides(**{item.parameter: item.low}))
        high = run(base.with_overrides(**{item.parameter: item.high}))
        for program in base_values.index:
            rows.append(
                {
                    "program": program,
                    "parameter": item.parameter,
                    "low": item.low,
                    "high": item.high,
                    "base": float(base_values[program]),
                    "output_low": float(low[program]),
                    "output_high": float(high[program]),
                    "swing": abs(float(high[program]) - float(low[program])),
                }
            )
    return TornadoResult(table=pd.DataFrame(rows), metric=metric)
