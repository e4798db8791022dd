"""Notebook 03_experiment: its typed parameters and the page's sentences, tables and metrics.

The notebook's ``remove-cell`` after the ``parameters`` cell calls
``params = ExperimentParameters.from_namespace(globals())``; the analysis itself is
:func:`loyaltylab.experiments.analyze_experiment` and :func:`loyaltylab.uplift.uplift_report` on
the table of :func:`loyaltylab.experiments.load_experiment_data`.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from loyaltylab.display import format_money, format_p_value, format_percent, format_probability
from loyaltylab.errors import ParameterError
from loyaltylab.experiments import ExperimentAnalysis, load_experiment_data
from loyaltylab.experiments.data import ExperimentData
from loyaltylab.reports.notebooks.parameters import (
    MappingText,
    NameList,
    NotebookParameters,
    ParameterMapping,
    read_mapping,
    read_names,
)
from loyaltylab.uplift import UpliftReport

__all__ = [
    "ExperimentParameters",
    "answer",
    "compare_with_truth",
    "data_description",
    "data_quality",
    "experiment_metrics",
    "experiment_recommendation",
    "truth_metrics",
]


def _name(value: Any) -> Any:
    """Read a column or arm label: text, or a whole number papermill passed (``-p control 0``)."""
    if isinstance(value, bool):
        raise ValueError("must be a name (text or a whole number)")
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str | os.PathLike):
        text = str(value).strip()
        if not text:
            raise ValueError("must be a non-empty name")
        return text
    return value


def _ratio_pair(value: Any) -> Any:
    pair = read_names(value)  # "spend,visits", "[spend, visits]" or a list
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        raise ValueError(f"needs [numerator, denominator], got {value!r}")
    return tuple(pair)


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _cost(value: Any, arm: str | None = None) -> float:
    where = "must be" if arm is None else f"the cost of arm {arm!r} must be"
    given = "" if arm is None else f", got {value!r}"
    if isinstance(value, bool):
        raise ValueError(f"{where} a number{given}")
    try:
        cost = float(value)
    except (TypeError, ValueError):
        kind = "a number or a mapping arm -> cost" if arm is None else "a number"
        raise ValueError(f"{where} {kind}{given}") from None
    if not math.isfinite(cost) or cost < 0:
        raise ValueError(f"{where} a finite number >= 0{given}")
    return cost


def _offer_cost(value: Any) -> float | dict[str, float]:
    """One cost per targeted customer, or ``{arm: cost}``; also ``"0.4"`` or a YAML/JSON text."""
    if isinstance(value, str):
        text = value.strip()
        value = read_mapping(text) if text.startswith("{") or ":" in text else text
    if isinstance(value, Mapping):
        return {str(arm): _cost(cost, str(arm)) for arm, cost in value.items()}
    return _cost(value)


Name = Annotated[str, BeforeValidator(_name)]
RatioPair = Annotated[tuple[str, str], BeforeValidator(_ratio_pair)]
Share = Annotated[float, Field(ge=0, allow_inf_nan=False)]
OfferCost = Annotated[float | dict[str, float], BeforeValidator(_offer_cost)]
Correction = Annotated[Literal["holm", "bh", "bonferroni", "none"], BeforeValidator(_lower)]
"""The values of :data:`loyaltylab.experiments.CORRECTIONS` (a test keeps them equal)."""
UpliftMethod = Annotated[
    Literal["t_learner", "s_learner", "class_transformation"], BeforeValidator(_lower)
]
"""The values of :data:`loyaltylab.uplift.UPLIFT_METHODS` (a test keeps them equal)."""

_OWN_LOADER_PARAMETERS = ("data", "synthetic_customers", "seed")
LOAD_OPTIONS = tuple(
    name
    for name in inspect.signature(load_experiment_data).parameters
    if name not in _OWN_LOADER_PARAMETERS
)
"""Keys of the ``load`` parameter: the options of
:func:`~loyaltylab.experiments.load_experiment_data` that are not parameters of their own."""


class ExperimentParameters(NotebookParameters):
    """Validated parameters of notebook 03_experiment (one field per line of its parameters cell).

    Papermill's strings are read the way each field says (``"0.1"``, ``"visits,spend"``, a
    YAML/JSON mapping with duplicate keys rejected); an empty ``design_split`` means an equal
    split (``None``), an empty ``uplift_features`` the covariates plus the segments.

    Examples
    --------
    >>> params = ExperimentParameters.from_namespace(
    ...     {"alpha": "0.1", "continuous_outcomes": "visits,spend", "design_split": "{}",
    ...      "offer_cost": "0.4", "output_dir": ""})
    >>> params.alpha, params.continuous_outcomes, params.design_split, params.offer_cost
    (0.1, ['visits', 'spend'], None, 0.4)
    >>> params.uplift_features[:2]
    ['pre_visited', 'pre_visits']
    >>> ExperimentParameters.from_namespace({"profit_outcome": "margin"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ParameterError: notebook 03_experiment: parameter profit_outcome: must be ...
    """

    notebook = "03_experiment"

    data: Name = "synthetic"
    load: ParameterMapping = {}
    arm_col: Name = "arm"
    control: Name = "control"
    binary_outcomes: NameList = ["visited"]
    continuous_outcomes: NameList = ["visits", "spend"]
    ratio_metrics: Annotated[dict[str, RatioPair], MappingText] = {
        "spend_per_visit": ("spend", "visits")
    }
    covariates: NameList = ["pre_visited", "pre_visits", "pre_spend", "recency_weeks"]
    segments: NameList = ["channel", "recency_group"]
    design_split: Annotated[
        dict[str, Share] | None, MappingText, AfterValidator(lambda split: split or None)
    ] = {"control": 0.4, "double_points": 0.3, "personal_offer": 0.3}
    alpha: float = Field(0.05, ge=1e-6, le=0.5, allow_inf_nan=False)
    correction: Correction = "holm"
    winsorize_quantile: float = Field(0.99, ge=0.5, le=1.0, allow_inf_nan=False)
    uplift_features: NameList = []
    uplift_method: UpliftMethod = "t_learner"
    profit_outcome: Name = "spend"
    margin: float = Field(0.3, gt=0, allow_inf_nan=False)
    offer_cost: OfferCost = {"double_points": 0.3, "personal_offer": 0.5}
    currency: str = "$"
    synthetic_customers: int = Field(40_000, ge=100)
    seed: int = Field(0, ge=0)

    @field_validator("continuous_outcomes")
    @classmethod
    def _some_outcome(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if not value and not info.data.get("binary_outcomes", ["?"]):
            raise ValueError("name at least one outcome in binary_outcomes or continuous_outcomes")
        return value

    @field_validator("design_split")
    @classmethod
    def _split_names_control(
        cls, value: dict[str, float] | None, info: ValidationInfo
    ) -> dict[str, float] | None:
        control = info.data.get("control")
        if value is not None and control is not None and control not in value:
            raise ValueError(
                f"must give the share of the control arm {control!r} (it names {list(value)}); "
                "use {} for an equal split"
            )
        return value

    @field_validator("uplift_features")
    @classmethod
    def _default_features(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return value or [*info.data.get("covariates", []), *info.data.get("segments", [])]

    @field_validator("profit_outcome")
    @classmethod
    def _profit_is_an_outcome(cls, value: str, info: ValidationInfo) -> str:
        outcomes = [
            *info.data.get("binary_outcomes", []),
            *info.data.get("continuous_outcomes", []),
        ]
        if outcomes and value not in outcomes:
            raise ValueError(f"must be one of the outcomes {outcomes}")
        return value

    @field_validator("load")
    @classmethod
    def _known_load_options(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = [key for key in value if key not in LOAD_OPTIONS]
        if unknown:
            raise ValueError(
                f"unknown option(s) {unknown} of load_experiment_data; it takes "
                f"{list(LOAD_OPTIONS)} "
                '(e.g. {"read_options": {"sep": ";"}}); data, synthetic_customers and seed are '
                "parameters of their own"
            )
        return value

    @property
    def outcome_kinds(self) -> dict[str, bool]:
        """``{outcome: is_binary}`` over the binary and continuous outcomes."""
        kinds = {name: True for name in self.binary_outcomes}
        kinds.update({name: False for name in self.continuous_outcomes})
        return kinds

    def load_data(self) -> ExperimentData:
        """Read ``data`` with the ``load`` options (or generate the synthetic campaign).

        Returns
        -------
        loyaltylab.experiments.data.ExperimentData

        Raises
        ------
        ParameterError
            ``load``'s reader options do not fit the file; the message names them as this
            notebook's ``load: {read_options: {...}}`` parameter, not a Python keyword.
        DataValidationError
            The file does not exist, cannot be read or is empty.

        Examples
        --------
        >>> params = ExperimentParameters.from_namespace(
        ...     {"synthetic_customers": "1000", "seed": "2", "output_dir": ""})
        >>> params.load_data().source, len(params.load_data().frame)
        ('synthetic', 1000)
        """
        try:
            return load_experiment_data(
                self.data,
                synthetic_customers=self.synthetic_customers,
                seed=self.seed,
                **self.load,
            )
        except ParameterError as error:
            text = str(error)
            if not text.startswith("parameter 'read_options'"):
                raise
            options = ", ".join(f"{key}: ..." for key in self.load.get("read_options", {}))
            reason = text.split(" does not fit ", 1)[-1].removesuffix(
                "; see pandas.read_csv / pandas.read_parquet"
            )
            raise ParameterError(
                f"`load: {{read_options: {{{options}}}}}` does not fit {reason}; the keys of "
                "read_options are options of pandas.read_csv (or read_parquet), e.g. "
                '`load: {read_options: {sep: ";"}}`; change them in the notebook parameters '
                "or under the report's parameters in reports.yaml"
            ) from None


def data_description(data: ExperimentData) -> str:
    """Return one Markdown sentence saying what data the report uses.

    Parameters
    ----------
    data : ExperimentData
        From :func:`~loyaltylab.experiments.load_experiment_data`.

    Returns
    -------
    str

    Examples
    --------
    >>> frame = pd.DataFrame({"arm": ["control", "offer"], "spend": [1.0, 2.0]})
    >>> data_description(load_experiment_data(frame))
    'This report analyses **DataFrame** (2 customers).'
    """
    if data.synthetic is None:
        return f"This report analyses **{data.source}** ({len(data.frame):,} customers)."
    truth = data.synthetic.truth
    arms = ", ".join(f"{arm} {share:.0%}" for arm, share in truth["arms"].items())
    return (
        f"**This run uses the synthetic campaign** ({len(data.frame):,} customers, seed "
        f"{truth['seed']}): a BG/NBD customer base with known effects, randomised to "
        f"{arms}, over {truth['campaign_weeks']:g} weeks from {truth['campaign_start']}. "
        "Because the true effects are known, the report can show how close the estimates "
        "come. Point the `data` parameter at your own CSV to analyse a real campaign."
    )


def compare_with_truth(analysis: ExperimentAnalysis, data: ExperimentData) -> pd.DataFrame:
    """Put the estimated effects next to the synthetic campaign's true effects.

    Parameters
    ----------
    analysis : ExperimentAnalysis
        The analysis of ``data.frame``.
    data : ExperimentData
        Loaded with ``"synthetic"`` (otherwise an empty table is returned).

    Returns
    -------
    pandas.DataFrame
        arm, outcome, estimate, ci_low, ci_high, true_effect, covered (interval holds the truth).
    """
    columns = ["arm", "outcome", "estimate", "ci_low", "ci_high", "true_effect", "covered"]
    if data.synthetic is None:
        return pd.DataFrame(columns=columns)
    truth = data.synthetic.effects.rename(columns={"absolute": "true_effect"})
    estimates = analysis.effects.rename(
        columns={"absolute": "estimate", "absolute_ci_low": "ci_low", "absolute_ci_high": "ci_high"}
    )
    table = estimates.merge(truth[["arm", "outcome", "true_effect"]], on=["arm", "outcome"])
    table["true_effect"] = table["true_effect"].astype(float)
    table["covered"] = (table["ci_low"] <= table["true_effect"]) & (
        table["true_effect"] <= table["ci_high"]
    )
    return table[columns].reset_index(drop=True)


def truth_metrics(data: ExperimentData) -> dict[str, dict[str, dict[str, float]]]:
    """Return the synthetic campaign's true effects as ``{arm: {outcome: {...}}}``.

    Parameters
    ----------
    data : ExperimentData
        Loaded data; real data gives ``{}``.

    Returns
    -------
    dict
        ``control_mean``, ``treatment_mean``, ``absolute`` and ``relative`` per arm and outcome.
    """
    if data.synthetic is None:
        return {}
    truth: dict[str, dict[str, dict[str, float]]] = {}
    keys = ["control_mean", "treatment_mean", "absolute", "relative"]
    for record in data.synthetic.effects.to_dict("records"):
        values = {key: float(record[key]) for key in keys}
        truth.setdefault(str(record["arm"]), {})[str(record["outcome"])] = values
    return truth


def experiment_recommendation(
    analysis: ExperimentAnalysis, uplift: UpliftReport, params: ExperimentParameters
) -> str:
    """Return the report's recommendation: the opening answer's decision and targeting plan.

    The same sentences as :func:`answer` (its decision, the other arms' effects and the targeting
    plan), as plain text for the metrics file and the run index: p-values read ``< 0.001``,
    the chance to beat control is capped at ``> 99 %``, money in ``params.currency``.

    Parameters
    ----------
    analysis : ExperimentAnalysis
    uplift : UpliftReport
        The targeting report of the same data.
    params : ExperimentParameters
        For the profit outcome, the binary outcomes and the currency.

    Returns
    -------
    str
    """
    metrics = {**analysis.metrics(), "uplift": uplift.metrics()}
    sentences = answer(
        metrics, params.profit_outcome, binary_outcomes=params.binary_outcomes,
        currency=params.currency,
    )
    decision = [s for s in sentences if not s.startswith("The random split was healthy")]
    return " ".join(s.replace("**", "") for s in decision)


def experiment_metrics(
    analysis: ExperimentAnalysis,
    uplift: UpliftReport,
    data: ExperimentData,
    recommendation_text: str,
) -> dict[str, Any]:
    """Return the metrics of notebook 03_experiment (keys as in the metrics catalog).

    Parameters
    ----------
    analysis : ExperimentAnalysis
    uplift : UpliftReport
    data : ExperimentData
    recommendation_text : str
        From :func:`experiment_recommendation`.

    Returns
    -------
    dict
        The analysis' metrics plus ``uplift``, ``data`` (source, units), ``truth`` and
        ``recommendation``.
    """
    metrics = analysis.metrics()
    metrics["uplift"] = uplift.metrics()
    metrics["data"] = {"source": data.source, "units": len(data.frame)}
    metrics["truth"] = truth_metrics(data)
    metrics["recommendation"] = recommendation_text
    return metrics


def answer(
    metrics: Mapping[str, Any],
    profit_outcome: str,
    *,
    binary_outcomes: tuple[str, ...] | list[str] = (),
    currency: str | None = None,
) -> list[str]:
    """Write the opening answer of notebook 03_experiment from its metrics (3-5 sentences).

    Parameters
    ----------
    metrics : mapping
        What :func:`experiment_metrics` returns (``srm``, ``effects``, ``uplift``, ``alpha``,
        ``correction``, ``heterogeneity``, ``data``).
    profit_outcome : str
        The decision metric (a money outcome unless listed in ``binary_outcomes``).
    binary_outcomes : sequence of str, optional
        Outcomes that are shares (their effects read in percentage points).
    currency : str, optional
        Currency symbol; default the run's.

    Returns
    -------
    list of str
        The decision (or why not to act), the other arms, the targeting plan, the split check
        and where the effect differs.
    """
    srm = metrics["srm"]
    alpha = float(metrics.get("alpha", 0.05))
    level = f"{(1 - alpha) * 100:.0f} %"
    arms = {arm: outcomes[profit_outcome] for arm, outcomes in metrics["effects"].items()
            if profit_outcome in outcomes}
    share = profit_outcome in binary_outcomes

    def effect(value: float) -> str:
        if share:
            return f"{value * 100:+.1f} points"
        text = format_money(abs(value), currency)
        return ("+" if value >= 0 else "-") + text

    def p_of(row: Mapping[str, Any]) -> float:
        adjusted = row.get("p_adjusted")
        if adjusted is not None and math.isfinite(adjusted):
            return float(adjusted)
        return float(row["p_value"])

    sizes = " / ".join(f"{arm} {n:,}" for arm, n in srm["observed"].items())
    if srm["mismatch"]:
        return [
            f"**Do not act on this test yet**: the arm sizes ({sizes}) do not match the design "
            f"(sample ratio mismatch, p {_p_words(srm['p_value'])}), so the assignment "
            "or its tracking is broken and every effect below is suspect.",
            "Fix the assignment and rerun the test; the tables below are shown for diagnosis only.",
        ]
    winners = {a: r for a, r in arms.items() if p_of(r) < alpha and r["absolute"] > 0}
    sentences: list[str] = []
    if winners:
        best = max(winners, key=lambda a: winners[a]["absolute"])
        row = winners[best]
        sentences.append(
            f"**Use {best}**: it raised {profit_outcome} per customer by "
            f"**{effect(row['absolute'])}** ({_signed(row['relative'])} relative; {level} "
            f"CI {effect(row['absolute_ci_low'])} to {effect(row['absolute_ci_high'])}; "
            f"p {_p_words(p_of(row))}; chance to beat control "
            f"{format_probability(row['chance_to_win'])})."
        )
    else:
        best = max(arms, key=lambda a: arms[a]["absolute"])
        row = arms[best]
        sentences.append(
            f"**No arm reliably improved {profit_outcome}**: the best, {best}, changed it by "
            f"{effect(row['absolute'])} ({level} CI {effect(row['absolute_ci_low'])} to "
            f"{effect(row['absolute_ci_high'])}, p {_p_words(p_of(row))}), consistent with no "
            "effect. Keep the current program or test a stronger offer."
        )
    for arm, other in arms.items():
        if arm == best:
            continue
        verdict = "also significant" if p_of(other) < alpha else "not significant"
        sentences.append(
            f"{arm} changed {profit_outcome} by {effect(other['absolute'])} "
            f"({_signed(other['relative'])}; {level} CI {effect(other['absolute_ci_low'])} "
            f"to {effect(other['absolute_ci_high'])}; p {_p_words(p_of(other))}, {verdict})."
        )
    target = metrics.get("uplift", {}).get(best, {}).get(profit_outcome, {})
    if winners and "best_share" in target:
        units = metrics.get("data", {}).get("units")
        per = f" per {units:,} customers" if isinstance(units, int) else ""
        sentences.append(
            f"Next time send {best} only to the **{format_percent(target['best_share'], 0)}** of "
            f"customers with the highest predicted uplift: an estimated "
            f"{format_money(target['best_profit'], currency)} incremental profit{per}, against "
            f"{format_money(target['everyone_profit'], currency)} for sending it to everyone "
            "(estimated on held-out customers)."
        )
    sentences.append(
        f"The random split was healthy (arm sizes {sizes}; sample-ratio test p "
        f"{_p_words(srm['p_value'])})."
    )
    return sentences[:5]


def _p_words(p: float) -> str:
    """Return ``'< 0.001'`` or ``'= 0.021'`` for a sentence."""
    text = format_p_value(p)
    return text if text.startswith("<") else f"= {text}"


def _signed(share: float) -> str:
    """Return a relative change with its sign: ``'+45.7 %'``."""
    return ("+" if share >= 0 else "") + format_percent(share)


def data_quality(metrics: Mapping[str, Any]) -> str:
    """Return the one data-quality line of notebook 03_experiment from its metrics.

    Examples
    --------
    >>> data_quality({"data": {"source": "synthetic", "units": 40000},
    ...               "srm": {"mismatch": False, "p_value": 0.46}})
    '40,000 customers (synthetic), one row each; arm sizes as designed (sample-ratio test passed).'
    """
    data = metrics.get("data", {})
    srm = metrics["srm"]
    check = (
        "arm sizes NOT as designed (sample-ratio test failed)"
        if srm["mismatch"]
        else "arm sizes as designed (sample-ratio test passed)"
    )
    return f"{data.get('units', 0):,} customers ({data.get('source', '?')}), one row each; {check}."
