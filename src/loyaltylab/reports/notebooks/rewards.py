"""Notebook 04_reward_models: its typed parameters and the page's tables, sentences and metrics.

The notebook's ``remove-cell`` after the ``parameters`` cell calls
``params = RewardParameters.from_namespace(globals())``; the simulation itself is
:mod:`loyaltylab.rewards` (:func:`~loyaltylab.rewards.simulate_programs`, and Monte Carlo and
tornado in :mod:`loyaltylab.rewards.uncertainty`). Each helper here keeps a notebook cell to one
call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Annotated, Any, Literal, cast

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from pydantic import BeforeValidator, Field, StringConstraints, ValidationInfo, field_validator

from loyaltylab.errors import ParameterError
from loyaltylab.paths import reports_config
from loyaltylab.reports.notebooks.loading import TransactionLoad
from loyaltylab.reports.notebooks.parameters import (
    NotebookParameters,
    OptionalDay,
    ParameterMapping,
)
from loyaltylab.rewards import load_programs
from loyaltylab.rewards.config import ProgramConfig
from loyaltylab.rewards.plots import plot_tier_distribution
from loyaltylab.rewards.population import PopulationModel, fit_population
from loyaltylab.rewards.results import KEY_METRICS, SimulationResult
from loyaltylab.rewards.uncertainty import MonteCarloResult
from loyaltylab.targets import SmartTarget, load_targets

__all__ = [
    "RewardParameters",
    "check_program_name",
    "choose_program",
    "comparison_table",
    "first_points_program",
    "headline",
    "margin_by_quarter",
    "plot_first_tiered",
    "population_sentence",
    "programs_table",
    "resolve_population_model",
    "reward_metrics",
    "tier_flows_table",
]


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


_Text = Annotated[str, StringConstraints(strip_whitespace=True)]


class RewardParameters(NotebookParameters):
    """Validated parameters of notebook 04_reward_models (one field per parameters-cell line).

    ``programs_config`` and ``targets_config`` are read when the parameters are validated (a bad
    file stops the run at once, naming the parameter); :attr:`programs` and :attr:`targets` hold
    what they say, and ``tornado_program`` must name one of the programs (or be empty).

    Examples
    --------
    >>> params = RewardParameters.from_namespace(
    ...     {"n_customers": "800", "horizon_years": "2", "observation_end": "", "output_dir": ""})
    >>> params.n_customers, params.horizon_weeks, params.observation_end
    (800, 104, None)
    >>> [program.name for program in params.programs][:2]
    ['points_basic', 'tiered_status']
    >>> RewardParameters.from_namespace({"tornado_program": "gold"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ParameterError: notebook 04_reward_models: parameter tornado_program: must ...
    """

    notebook = "04_reward_models"

    population_source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = (
        "cdnow_sample"
    )
    columns: ParameterMapping = {}
    load: TransactionLoad = {}
    population_model: Annotated[
        Literal["bgnbd", "pareto_nbd", "nbd"], BeforeValidator(_lower)
    ] = "bgnbd"
    observation_end: OptionalDay = None
    programs_config: _Text = ""
    targets_config: _Text = ""
    n_customers: int = Field(3000, ge=100)
    horizon_years: int = Field(3, ge=1, le=10)
    n_draws: int = Field(20, ge=2)
    tornado_program: _Text = ""
    seed: int = Field(0, ge=0)

    @field_validator("programs_config")
    @classmethod
    def _programs_load(cls, value: str) -> str:
        load_programs(value or None)  # a ConfigError names each problem by its YAML path
        return value

    @field_validator("targets_config")
    @classmethod
    def _targets_load(cls, value: str) -> str:
        load_targets(value or reports_config())
        return value

    @field_validator("tornado_program")
    @classmethod
    def _tornado_is_a_program(cls, value: str, info: ValidationInfo) -> str:
        if value and "programs_config" in info.data:
            programs = load_programs(info.data["programs_config"] or None)
            names = [program.name for program in programs]
            if value not in names:
                raise ValueError(f"must be one of {names} or empty (the best design)")
        return value

    @cached_property
    def programs(self) -> tuple[ProgramConfig, ...]:
        """The programs of ``programs_config`` (empty: the project's ``reports.yaml``)."""
        return tuple(load_programs(self.programs_config or None))

    @cached_property
    def targets(self) -> tuple[SmartTarget, ...]:
        """The SMART targets of ``targets_config`` (empty: the project's ``reports.yaml``)."""
        return tuple(load_targets(self.targets_config or reports_config()))

    @property
    def horizon_weeks(self) -> int:
        """Weeks simulated: 52 per year of ``horizon_years``."""
        return 52 * self.horizon_years


def population_sentence(population: PopulationModel) -> str:
    """Return one Markdown line naming the population model and where it comes from.

    Examples
    --------
    >>> population_sentence(PopulationModel.cdnow_published("bgnbd"))  # doctest: +ELLIPSIS
    'Model: **bgnbd**, CDNOW, published (Fader, Hardie & Lee 2005; ...'
    """
    return f"Model: **{population.model}**, {population.source}."


def margin_by_quarter(result: SimulationResult) -> pd.DataFrame:
    """Return the incremental margin per quarter (13 weeks), one column per program.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    pandas.DataFrame
        Indexed by ``start_week``.
    """
    by_quarter = result.by_period(13)
    return by_quarter.pivot(index="start_week", columns="program", values="incremental_margin")


def resolve_population_model(
    source: str,
    model: str = "bgnbd",
    observation_end: str | None = None,
    columns: Mapping[str, str] | None = None,
    load: Mapping[str, Any] | None = None,
) -> PopulationModel:
    """Return the population model: ``"published"`` CDNOW estimates, or a fit on ``source``.

    Parameters
    ----------
    source : str
        ``"published"`` (Fader, Hardie & Lee 2005 + Fader & Hardie 2013 [S109][S110]), a bundled
        data set (``"cdnow_sample"``, ``"cdnow"``) or a CSV/Parquet path of canonical transactions.
    model : {"bgnbd", "pareto_nbd", "nbd"}, default "bgnbd"
        ``"nbd"``: the boundary model without dropout (customers never leave).
    observation_end : str, optional
        Last day used for the fit (default: the last transaction).
    columns : mapping, optional
        Canonical name -> your column name, for your own file.
    load : mapping, optional
        Options of :func:`loyaltylab.data.load_transactions` (e.g. ``{"returns": "drop"}``).

    Returns
    -------
    PopulationModel
    """
    if source == "published":
        return PopulationModel.cdnow_published(model)
    return fit_population(
        source,
        model,
        columns=dict(columns) if columns else None,
        observation_end=observation_end or None,
        load=load,
    )


def programs_table(programs: Sequence[ProgramConfig]) -> pd.DataFrame:
    """Return one row per program describing its design in plain words."""
    rows = []
    for program in programs:
        parts = []
        if program.points is not None:
            points = program.points
            earn = []
            if points.earn_rate:
                earn.append(f"{points.earn_rate:g} pt per unit spent")
            if points.points_per_purchase:
                earn.append(f"{points.points_per_purchase:g} pt per purchase")
            value = points.earn_rate * points.point_value
            parts.append(
                f"{' + '.join(earn)}; point worth {points.point_value:g} ({value:.1%} back); "
                f"reward at {points.rewards()[0].points:g} pt; expiry {points.expiry}"
                + (f" {points.expiry_days} d" if points.expiry == "after_days" else "")
            )
        if program.tiers is not None:
            names = ", ".join(f"{t.name} {t.threshold:g}" for t in program.tiers.tiers)
            parts.append(
                f"tiers on {program.tiers.metric} ({names}); downgrade {program.tiers.downgrade}"
            )
        if program.cashback is not None:
            label = "instant discount" if program.cashback.instant else "cashback"
            parts.append(f"{program.cashback.rate:.1%} {label}")
        if program.paid is not None:
            paid = program.paid
            parts.append(
                f"fee {paid.fee:g} per {paid.period_days} d, {paid.discount:.0%} off; "
                f"expected uptake {paid.uptake():.0%}"
            )
        if program.coalition is not None:
            coalition = program.coalition
            parts.append(
                f"{coalition.partner_points_per_week:g} partner pt/week, partners pay "
                f"{coalition.partner_funding_per_point:g} per point"
            )
        for campaign in program.campaigns:
            parts.append(
                f"campaign '{campaign.name}' weeks {campaign.start_week}-{campaign.end_week}: "
                f"x{campaign.earn_multiplier:g} points"
                + (f", +{campaign.bonus_points:g} pt bonus" if campaign.bonus_points else "")
            )
        economics = program.economics
        rows.append(
            {
                "program": program.name,
                "kind": program.kind,
                "design": "; ".join(parts),
                "gross_margin": economics.gross_margin,
                "cost_per_member_per_year": economics.cost_per_member_per_year,
                "fixed_cost_per_year": economics.fixed_cost_per_year,
            }
        )
    return pd.DataFrame(rows).set_index("program")


def comparison_table(
    result: SimulationResult, monte_carlo: MonteCarloResult | None = None
) -> pd.DataFrame:
    """Return the side-by-side table a manager reads: costs, earnings, liability, retention, CLV.

    With ``monte_carlo`` the key metrics are its medians with the 80 % interval in brackets;
    otherwise the single simulation's values.

    Parameters
    ----------
    result : SimulationResult
    monte_carlo : MonteCarloResult, optional

    Returns
    -------
    pandas.DataFrame
        One row per program.
    """
    totals = result.totals
    table = pd.DataFrame(
        {
            "members": totals["members"].astype(int),
            "member share": totals["member_share"].map("{:.0%}".format),
        }
    )
    formats = {
        "incremental_revenue": "{:,.0f}",
        "reward_cost": "{:,.0f}",
        "incremental_margin": "{:,.0f}",
        "roi": "{:.2f}",
        "breakage_rate": "{:.0%}",
        "liability_end": "{:,.0f}",
        "retention_change": "{:+.1f} pp",
        "clv_change": "{:+.1%}",
    }
    if monte_carlo is not None:
        summary = monte_carlo.summary(KEY_METRICS).set_index(["program", "metric"])
        stats = summary.to_dict("index")
    for metric, fmt in formats.items():
        label = metric.replace("_", " ")
        if monte_carlo is None:
            table[label] = totals[metric].map(
                lambda value, f=fmt: "-" if pd.isna(value) else f.format(value)
            )
            continue
        cells = {}
        for program in totals.index:
            row = stats[(program, metric)]
            median, low, high = row["median"], row["low"], row["high"]
            cells[program] = (
                "-"
                if pd.isna(median)
                else f"{fmt.format(median)} [{fmt.format(low)}, {fmt.format(high)}]"
            )
        table[label] = pd.Series(cells)
    table["program cost"] = totals["program_cost"].map("{:,.0f}".format)
    return table


def headline(monte_carlo: MonteCarloResult) -> str:
    """Return one Markdown sentence naming the design with the highest median margin."""
    summary = monte_carlo.summary(["incremental_margin", "roi"]).set_index(["program", "metric"])
    margins = summary.xs("incremental_margin", level="metric")
    best = str(margins["median"].idxmax())
    stats = summary.to_dict("index")
    median, low, high = (
        stats[(best, "incremental_margin")][key] for key in ("median", "low", "high")
    )
    roi = stats[(best, "roi")]["median"]
    losers = list(margins.index[margins["high"] < 0])
    sentence = (
        f"**{best}** earns the most: a median incremental gross margin of "
        f"{median:,.0f} "
        f"over {monte_carlo.horizon_weeks // 52} years for {monte_carlo.n_customers:,} customers "
        f"(80 % interval {low:,.0f} to {high:,.0f}; median ROI {roi:.1f})."
    )
    if losers:
        sentence += f" Losing money in at least 90 % of the draws: {', '.join(losers)}."
    return sentence


def plot_first_tiered(result: SimulationResult, ax: Axes | None = None) -> Axes:
    """Plot the tier distribution of the first tiered program, or say that there is none."""
    tiered = [program.name for program in result.programs if program.tiers is not None]
    if tiered:
        return plot_tier_distribution(result, tiered[0], ax=ax)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 2))
    ax.text(0.5, 0.5, "no tiered program configured", ha="center", va="center")
    ax.set_title("Tier distribution")
    ax.set_xlabel("weeks since launch")
    ax.set_ylabel("active members (customers)")
    return ax


def reward_metrics(
    monte_carlo: MonteCarloResult, result: SimulationResult, population: PopulationModel
) -> dict[str, Any]:
    """Return the metrics of notebook 04: ``programs.<name>.<metric>{,_low,_high}`` and settings.

    Values are Monte Carlo medians and the ends of the 80 % interval.
    """
    if set(monte_carlo.draws["program"]) != set(result.totals.index):
        raise ParameterError("the Monte Carlo and the simulation must cover the same programs")
    best = monte_carlo.summary(["incremental_margin"]).set_index("program")["median"].idxmax()
    return {
        "programs": monte_carlo.metrics(KEY_METRICS),
        "best_program": best,
        "settings": {
            "n_customers": monte_carlo.n_customers,
            "n_draws": int(monte_carlo.draws["draw"].nunique()),
            "horizon_weeks": monte_carlo.horizon_weeks,
            "population_model": population.model,
            "population_source": population.source,
        },
    }


def check_program_name(name: str, programs: Sequence[ProgramConfig], parameter: str) -> str:
    """Return ``name`` if it is empty or a configured program, else raise ParameterError."""
    names = [program.name for program in programs]
    if name and name not in names:
        raise ParameterError(
            f"parameter {parameter!r} must be one of {names} or empty, got {name!r}"
        )
    return name


def choose_program(name: str, monte_carlo: MonteCarloResult) -> str:
    """Return ``name``, or (if empty) the program with the highest median incremental margin."""
    if name:
        return name
    medians = monte_carlo.summary(["incremental_margin"]).set_index("program")["median"]
    return str(medians.idxmax())


def first_points_program(programs: Sequence[ProgramConfig]) -> str:
    """Return the name of the first program with points (for the IFRS 15 schedule)."""
    for program in programs:
        if program.points is not None:
            return program.name
    raise ParameterError("no program with points is configured, so there is no points liability")


def tier_flows_table(result: SimulationResult) -> pd.DataFrame:
    """Return the tier flows of every tiered program in one table (program, from, to, customers)."""
    frames = [
        cast(pd.Series, flows.rename_axis(index="from", columns="to").stack())
        .rename("customers")
        .reset_index()
        .assign(program=name)
        for name, flows in result.tier_flows.items()
    ]
    if not frames:
        return pd.DataFrame(columns=["program", "from", "to", "customers"])
    table = pd.concat(frames, ignore_index=True)
    table = table[table["from"] != table["to"]]
    return table[["program", "from", "to", "customers"]].reset_index(drop=True)
