"""Notebook 00_decision: its typed parameters and the decision page's sentences, tables, metrics.

The notebook's ``remove-cell`` after the ``parameters`` cell calls
``params = DecisionParameters.from_namespace(globals())``. The decision itself is
:mod:`loyaltylab.rewards.decision` (draws, P(best), break-even, pilot, recommendation) and
:mod:`loyaltylab.rewards.evidence` (published checks, measured evidence); the running program's
evaluation is :func:`loyaltylab.evaluation.evaluate_program`. The customers are the company's
own (the scorecard's: in the default run the synthetic loyalty program), and the population
model is fitted to their purchases.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from loyaltylab.data import LoadedTransactions
from loyaltylab.display import format_probability
from loyaltylab.metrics import RunMetrics, read_run
from loyaltylab.paths import reports_config
from loyaltylab.reports.notebooks.answers import money
from loyaltylab.reports.notebooks.loading import OptionalSource, ProgramDataParameters
from loyaltylab.reports.notebooks.parameters import Day
from loyaltylab.rewards import load_programs
from loyaltylab.rewards.config import ProgramConfig
from loyaltylab.rewards.decision import (
    BreakEven,
    Decision,
    DecisionDraws,
    EvidenceInput,
    PilotPlan,
    as_metrics,
    pilot_effect,
)
from loyaltylab.rewards.evidence import experiment_evidence, program_evidence
from loyaltylab.rewards.population import Population, PopulationModel, fit_population
from loyaltylab.rewards.scorecard import compare_with_targets
from loyaltylab.targets import SmartTarget, load_targets

__all__ = [
    "DecisionParameters",
    "answer",
    "decision_metrics",
    "designs_table",
    "evaluate_running_program",
    "fit_company_population",
    "gather_evidence",
    "segments_sentence",
    "targets_for",
    "what_would_change",
]


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


_Text = Annotated[str, StringConstraints(strip_whitespace=True)]


class DecisionParameters(ProgramDataParameters):
    """Validated parameters of notebook 00_decision (one field per parameters-cell line).

    Examples
    --------
    >>> params = DecisionParameters.from_namespace({"n_draws": "50", "output_dir": ""})
    >>> params.n_draws, params.transactions, params.members, params.horizon_weeks
    (50, 'synthetic_loyalty', 'synthetic_loyalty', 156)
    >>> DecisionParameters.from_namespace({"n_draws": 1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ParameterError: notebook 00_decision: parameter n_draws: ...
    """

    notebook = "00_decision"

    transactions: str = "synthetic_loyalty"  # the program's purchases (notebook loader)
    members: OptionalSource = "synthetic_loyalty"
    ledger: OptionalSource = "synthetic_loyalty"
    observation_end: Day = pd.Timestamp("2025-12-31")
    population_model: Annotated[Literal["bgnbd", "pareto_nbd", "nbd"], BeforeValidator(_lower)] = (
        "bgnbd"
    )
    programs_config: _Text = ""
    targets_config: _Text = ""
    n_customers: int = Field(2000, ge=100)
    n_draws: int = Field(600, ge=2)
    n_jobs: int = Field(2, ge=1, le=64)
    horizon_years: int = Field(3, ge=1, le=10)
    running_program_kinds: list[str] = ["points", "tiered", "campaign"]
    experiment_report: _Text = "experiment_synthetic"
    run_dir: _Text = ""
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

    @cached_property
    def programs(self) -> tuple[ProgramConfig, ...]:
        """The designs of ``programs_config`` (empty: the project's ``reports.yaml``)."""
        return tuple(load_programs(self.programs_config or None))

    @cached_property
    def targets(self) -> tuple[SmartTarget, ...]:
        """The SMART targets of ``targets_config`` (empty: the project's ``reports.yaml``)."""
        return tuple(load_targets(self.targets_config or reports_config()))

    @property
    def horizon_weeks(self) -> int:
        """Weeks simulated: 52 per year of ``horizon_years``."""
        return 52 * self.horizon_years

    def run(self) -> RunMetrics:
        """Read the metrics of the other reports of the run (empty without ``run_dir``)."""
        return read_run(self.run_dir or None, output_dir=self.output_dir)


def fit_company_population(
    loaded: LoadedTransactions, model: str, observation_end: Any
) -> PopulationModel:
    """Fit the population model to the company's own purchases (weeks)."""
    return fit_population(
        loaded.transactions,
        model,
        observation_end=observation_end,
    )


def evaluate_running_program(
    loaded: LoadedTransactions, members: Any, observation_end: Any, *, seed: int = 0
) -> Any:
    """Return the running program's :class:`~loyaltylab.evaluation.ProgramEvaluation`, or None.

    None when there is no member table (no running program to evaluate).
    """
    if members is None:
        return None
    from loyaltylab.evaluation import evaluate_program

    return evaluate_program(
        loaded.transactions, members, observation_end=observation_end, seed=seed
    )


def targeting_sentence(
    run: RunMetrics, experiment_report: str, design: str, *, currency: str | None = None
) -> str:
    """Return who should get the design's offers, from the run's uplift model, in one sentence.

    The experiment report's uplift model of an arm named like the design (``uplift.<design>.
    spend.{best_share, best_profit, everyone_profit}``) says which share of customers to send
    it to; without such an arm the sentence says the targeting is not measured.

    Examples
    --------
    >>> run = RunMetrics("", {"exp": {"uplift": {"double_points": {"spend": {
    ...     "best_share": 0.10, "best_profit": 5944.2, "everyone_profit": -4950.9}}}}})
    >>> print(targeting_sentence(run, "exp", "double_points", currency="$"))
    Offers: the experiment's uplift model says send double_points to the 10 % of customers with the highest predicted uplift ($5,944 incremental profit in the experiment, against -$4,951 sending it to everyone).
    >>> print(targeting_sentence(run, "exp", "paid_club"))
    Offers: no uplift model for paid_club in this run (the experiment exp tested double_points); target it once a pilot has measured who responds.
    """  # noqa: E501
    metrics = run.metrics.get(experiment_report) or {}
    uplift = metrics.get("uplift") or {}
    spend = (uplift.get(design) or {}).get("spend") or {}
    share, best, everyone = (spend.get(k) for k in ("best_share", "best_profit", "everyone_profit"))
    if isinstance(share, int | float) and isinstance(best, int | float):
        against = (
            f", against {money(float(everyone), currency)} sending it to everyone"
            if isinstance(everyone, int | float)
            else ""
        )
        return (
            f"Offers: the experiment's uplift model says send {design} to the "
            f"{100 * float(share):.0f} % of customers with the highest predicted uplift "
            f"({money(float(best), currency)} incremental profit in the experiment{against})."
        )
    if not metrics:
        where = "no experiment ran"
    elif uplift:
        where = f"the experiment {experiment_report} tested {', '.join(sorted(uplift))}"
    else:
        where = f"the experiment {experiment_report} has no uplift model"
    return (
        f"Offers: no uplift model for {design} in this run ({where}); target it once a pilot "
        "has measured who responds."
    )


def gather_evidence(
    run: RunMetrics,
    experiment_report: str,
    programs: Sequence[ProgramConfig],
    evaluation: Any,
    population: Population,
    running_kinds: Sequence[str],
    *,
    seed: int = 0,
) -> tuple[list[EvidenceInput], list[str]]:
    """Collect the measured evidence and name what the decision rests on.

    Returns
    -------
    evidence : list of EvidenceInput
        The pilot's (``experiment_report`` of the run) and the running program's effects (for
        designs of ``running_kinds``: a points program with tiers informs every points design).
    labels : list of str
        One line per source of evidence, the literature prior last (for the designs without
        a measurement).
    """
    evidence: list[EvidenceInput] = []
    metrics = run.metrics.get(experiment_report)
    if metrics:
        evidence += experiment_evidence(metrics, programs, report=experiment_report)
    if evaluation is not None and running_kinds:
        # a pilot's measurement of the same parameter of the same design wins over the program's
        piloted = {(item.design, item.parameter) for item in evidence}
        evidence += [
            item
            for item in program_evidence(
                evaluation, programs, population, kinds=tuple(running_kinds), seed=seed
            )
            if (item.design, item.parameter) not in piloted
        ]
    measured = {item.design for item in evidence}
    labels = [f"{item.design}: {item.source}" for item in evidence]
    prior = [program.name for program in programs if program.name not in measured]
    if prior:
        labels.append("literature prior (reference/rewards.md ranges) for " + ", ".join(prior))
    return evidence, labels


def _row(frame: pd.DataFrame, name: str) -> dict[str, Any]:
    """Return one row of ``frame`` as a plain dict (typed access to mixed columns)."""
    return {str(key): value for key, value in frame.to_dict("index")[name].items()}


def _pct(value: float) -> str:
    return f"{value:.0%}"


def designs_table(decision: Decision, breaks: BreakEven) -> pd.DataFrame:
    """Return the table a manager reads: one row per design, the recommended one first."""
    table = decision.table
    rows = []
    for design in table.index:
        row = _row(table, design)
        be = _row(breaks.table, design)
        pp = float(be["break_even_pp"])
        if math.isinf(pp):
            needed = "never pays"
        elif float(be["break_even"]) <= 0:
            needed = "pays without a churn effect"
        else:
            needed = f"{pp:.1f} pp"
        rows.append(
            {
                "design": design,
                "P(best)": f"{row['p_best']:.2f} ± {row['p_best_se']:.2f}",
                "P(profit)": _pct(float(row["p_profit"])),
                "expected margin": f"{row['margin']:,.0f}",
                "80 % interval": f"{row['margin_low']:,.0f} to {row['margin_high']:,.0f}",
                "incremental share of members' sales": f"{row['incremental_sales_share']:.1%}",
                "break-even churn cut": needed,
                "evidence says": (f"{be['plausible_low_pp']:.1f}-{be['plausible_high_pp']:.1f} pp"),
            }
        )
    frame = pd.DataFrame(rows).set_index("design")
    order = [decision.design] + [name for name in frame.index if name != decision.design]
    return frame.loc[order]


def segments_sentence(totals: pd.DataFrame, design: str) -> str:
    """Return who gains: members' purchase-margin change by segment (light, moderate, heavy)."""
    row = _row(totals, design)
    parts = []
    for segment in ("light", "moderate", "heavy"):
        value = float(row[f"member_margin_change_{segment}"])
        if math.isfinite(value):
            parts.append(f"{segment} buyers {value:+,.2f}")
    gains = [
        segment
        for segment in ("light", "moderate", "heavy")
        if float(row[f"member_margin_change_{segment}"]) > 0
    ]
    who = ", ".join(gains) if gains else "no segment"
    text = (
        f"For whom: **{who}** members gain purchase margin (per member over the horizon, after "
        f"rewards: {'; '.join(parts)}); heavy buyers redeem most but change little (Liu 2007)."
    )
    if float(row.get("fee_income", 0.0) or 0.0) > 0:
        text += (
            " The design earns through its fee, paid mostly by heavy buyers: program income, "
            "not customer value."
        )
    return text


def targets_for(draws: DecisionDraws, targets: Sequence[SmartTarget], design: str) -> pd.DataFrame:
    """Return the SMART targets the design reaches and with what probability (share of draws)."""
    table = compare_with_targets(draws.monte_carlo, targets)
    table = table[table["program"] == design]
    columns = ["target", "metric", "goal", "simulated", "low", "high", "probability", "note"]
    return table[columns].reset_index(drop=True)


def answer(
    decision: Decision,
    pilot: PilotPlan | None,
    breaks: BreakEven,
    customers: int,
    horizon_years: int,
    population_label: str,
    *,
    currency: str | None = None,
) -> list[str]:
    """Return the page's opening sentences: recommendation, design, margin with range, P(best).

    Returns
    -------
    list of str
        For :func:`loyaltylab.display.show_answer` (``**bold**`` allowed); money in the run's
        currency unless ``currency`` is given.
    """
    row = _row(decision.table, decision.design)
    sentences = [
        decision.summary(),
        f"Expected incremental margin of **{decision.design}**: "
        f"**{money(row['margin'], currency)}** over {horizon_years} years for our "
        f"{customers:,} customers (80 % interval {money(row['margin_low'], currency)} to "
        f"{money(row['margin_high'], currency)}); it makes money in "
        f"{format_probability(row['p_profit'])} of the draws and is the best design in "
        f"{format_probability(row['p_best'])} (± {row['p_best_se']:.2f}).",
        f"Break-even: {breaks.sentence(decision.design)}",
    ]
    if pilot is not None and decision.recommendation == "pilot":
        sentences.append(f"Pilot: {pilot.summary(pilot_effect(breaks, decision.design)[1])}.")
    sentences.append(f"Customers: {population_label}.")
    return sentences


def what_would_change(decision: Decision, breaks: BreakEven) -> str:
    """Return one Markdown paragraph: what evidence would change the decision."""
    table = decision.table
    others = table.drop(index=decision.design)
    runner_up = str(others["margin"].idxmax()) if not others.empty else ""
    be = _row(breaks.table, decision.design)
    parts = []
    if float(be["break_even"]) <= 0:
        parts.append(
            f"{decision.design} pays back without any churn effect (on its fee or partner "
            "income), so what would change the decision is its uptake and what members cost "
            "in rewards: a lower uptake or heavier reward use than assumed."
        )
    elif decision.recommendation == "pilot":
        parts.append(
            f"A pilot measuring a churn cut above {float(be['break_even_pp']):.1f} pp (or the "
            f"equivalent lift in orders) would turn the pilot into a launch of {decision.design}; "
            "one below it into do not launch."
        )
    elif decision.recommendation == "launch":
        parts.append(
            f"A measured churn cut below {float(be['break_even_pp']):.1f} pp would stop the launch."
        )
    else:
        parts.append("A measured effect above a design's break-even would make it worth a pilot.")
    if runner_up:
        second = _row(others, runner_up)
        parts.append(
            f"The runner-up is {runner_up} (expected margin {second['margin']:,.0f}, "
            f"P(best) {second['p_best']:.0%})."
        )
    return " ".join(parts)


def decision_metrics(
    decision: Decision,
    breaks: BreakEven,
    pilot: PilotPlan | None,
    evidence: Sequence[str],
    evaluation: Any,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """Return the metrics of notebook 00_decision (every key in the metrics catalog).

    ``designs.<name>.break_even`` is the break-even churn cut in percentage points (None when a
    design never pays back); ``program_effect`` is the running program's evaluation (relative
    lift in orders per customer-month), when there is one.
    """
    out = as_metrics(decision, pilot, evidence)
    for name, values in out["designs"].items():
        pp = float(_row(breaks.table, name)["break_even_pp"])
        values["break_even"] = pp if math.isfinite(pp) else None
    if evaluation is not None:
        out["program_effect"] = {
            key: float(getattr(evaluation, key))
            for key in ("naive", "causal", "causal_low", "causal_high")
        }
    out["settings"] = settings
    return out
