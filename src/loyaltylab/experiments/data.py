"""Experiment tables for the notebook: a CSV/Parquet file, a DataFrame or the synthetic campaign."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from loyaltylab.datasets.campaign import SyntheticCampaign, generate_campaign
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.experiments.analysis import ExperimentAnalysis

__all__ = [
    "SYNTHETIC_CAMPAIGN",
    "ExperimentData",
    "ExperimentParameters",
    "compare_with_truth",
    "experiment_parameters",
    "load_experiment_data",
    "truth_metrics",
]

SYNTHETIC_CAMPAIGN = "synthetic"


@dataclass(frozen=True)
class ExperimentData:
    """One row per unit of an experiment, and where it came from.

    Attributes
    ----------
    frame : pandas.DataFrame
        The experiment table.
    source : str
        ``"synthetic"`` or the file path.
    synthetic : SyntheticCampaign or None
        The generated campaign with its truth, when ``source == "synthetic"``.
    """

    frame: pd.DataFrame
    source: str
    synthetic: SyntheticCampaign | None = None

    def summary(self) -> pd.DataFrame:
        """Return source, units and columns as a two-column table."""
        rows = [
            ("source", self.source),
            ("units (rows)", f"{len(self.frame):,}"),
            ("columns", ", ".join(map(str, self.frame.columns))),
        ]
        if self.synthetic is not None:
            rows.append(("generator seed", str(self.synthetic.truth["seed"])))
        return pd.DataFrame(rows, columns=["item", "value"])

    def description(self) -> str:
        """Return one Markdown sentence saying what data the report uses."""
        if self.synthetic is None:
            return f"This report analyses **{self.source}** ({len(self.frame):,} customers)."
        truth = self.synthetic.truth
        arms = ", ".join(f"{arm} {share:.0%}" for arm, share in truth["arms"].items())
        return (
            f"**This run uses the synthetic campaign** ({len(self.frame):,} customers, seed "
            f"{truth['seed']}): a BG/NBD customer base with known effects, randomised to "
            f"{arms}, over {truth['campaign_weeks']:g} weeks from {truth['campaign_start']}. "
            "Because the true effects are known, the report can show how close the estimates "
            "come. Point the `data` parameter at your own CSV to analyse a real campaign."
        )


def load_experiment_data(
    data: str | os.PathLike[str] | pd.DataFrame,
    *,
    synthetic_customers: int = 40_000,
    seed: int = 0,
) -> ExperimentData:
    """Load an experiment table: ``"synthetic"``, a CSV/Parquet path, or a DataFrame.

    Parameters
    ----------
    data : str, path or pandas.DataFrame
        ``"synthetic"`` generates :func:`~loyaltylab.datasets.campaign.generate_campaign`;
        otherwise a ``.csv``/``.csv.gz``/``.parquet`` file with one row per customer.
    synthetic_customers : int, default 40000
        Customers of the synthetic campaign.
    seed : int, default 0
        Seed of the synthetic campaign.

    Returns
    -------
    ExperimentData

    Raises
    ------
    DataValidationError
        The file does not exist, cannot be read or is empty.
    """
    if isinstance(data, pd.DataFrame):
        return ExperimentData(frame=data, source="DataFrame")
    if not isinstance(data, str | os.PathLike) or not str(data).strip():
        raise ParameterError(f"parameter 'data' must be 'synthetic' or a file path, got {data!r}")
    if str(data).strip().lower() == SYNTHETIC_CAMPAIGN:
        campaign = generate_campaign(synthetic_customers, seed=seed)
        return ExperimentData(frame=campaign.frame, source=SYNTHETIC_CAMPAIGN, synthetic=campaign)
    path = Path(data).expanduser()
    if not path.is_file():
        raise DataValidationError(f"experiment data file {str(path)!r} does not exist")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except (OSError, ValueError, ImportError) as error:
        raise DataValidationError(f"cannot read experiment data {str(path)!r}: {error}") from None
    if frame.empty:
        raise DataValidationError(f"experiment data file {str(path)!r} has no rows")
    return ExperimentData(frame=frame, source=str(path))


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
    truth = data.synthetic.effects.set_index(["arm", "outcome"])["absolute"]
    rows = []
    for row in analysis.effects.itertuples(index=False):
        if (row.arm, row.outcome) not in truth.index:
            continue
        true_effect = float(truth.loc[(row.arm, row.outcome)])
        rows.append(
            {
                "arm": row.arm,
                "outcome": row.outcome,
                "estimate": row.absolute,
                "ci_low": row.absolute_ci_low,
                "ci_high": row.absolute_ci_high,
                "true_effect": true_effect,
                "covered": bool(row.absolute_ci_low <= true_effect <= row.absolute_ci_high),
            }
        )
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class ExperimentParameters:
    """Validated parameters of the experiment notebook (``notebooks/03_experiment.ipynb``).

    Attributes mirror the notebook's parameters cell, coerced to their types; ``design_split``
    is None for an equal split, ``offer_cost`` a float or a per-arm mapping,
    ``uplift_features`` defaults to covariates + segments.
    """

    data: str
    arm_col: str
    control: str
    binary_outcomes: list[str]
    continuous_outcomes: list[str]
    ratio_metrics: dict[str, tuple[str, str]]
    covariates: list[str]
    segments: list[str]
    design_split: dict[str, float] | None
    alpha: float
    correction: str
    winsorize_quantile: float
    uplift_features: list[str]
    uplift_method: str
    profit_outcome: str
    margin: float
    offer_cost: float | dict[str, float]
    synthetic_customers: int
    seed: int

    @property
    def outcome_kinds(self) -> dict[str, bool]:
        """``{outcome: is_binary}`` over the binary and continuous outcomes."""
        kinds = {name: True for name in self.binary_outcomes}
        kinds.update({name: False for name in self.continuous_outcomes})
        return kinds


def experiment_parameters(
    *,
    data: object,
    arm_col: object,
    control: object,
    binary_outcomes: object,
    continuous_outcomes: object,
    ratio_metrics: object,
    covariates: object,
    segments: object,
    design_split: object,
    alpha: object,
    correction: object,
    winsorize_quantile: object,
    uplift_features: object,
    uplift_method: object,
    profit_outcome: object,
    margin: object,
    offer_cost: object,
    synthetic_customers: object,
    seed: object,
) -> ExperimentParameters:
    """Coerce and check the experiment notebook's parameters (papermill may pass strings).

    Parameters
    ----------
    data, arm_col, control, binary_outcomes, continuous_outcomes, ratio_metrics, covariates, \
segments, design_split, alpha, correction, winsorize_quantile, uplift_features, uplift_method, \
profit_outcome, margin, offer_cost, synthetic_customers, seed : object
        The raw notebook parameters.

    Returns
    -------
    ExperimentParameters

    Raises
    ------
    ParameterError
        Naming the parameter and the bad value.
    """
    from loyaltylab.experiments.corrections import CORRECTIONS
    from loyaltylab.params import (
        as_choice,
        as_float,
        as_int,
        as_mapping,
        as_str_list,
    )
    from loyaltylab.uplift.models import UPLIFT_METHODS

    if not isinstance(data, str | os.PathLike) or not str(data).strip():
        raise ParameterError(f"parameter 'data' must be 'synthetic' or a file path, got {data!r}")
    for name, value in (("arm_col", arm_col), ("control", control)):
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
            raise ParameterError(f"parameter {name!r} must be a non-empty name, got {value!r}")
    binary = as_str_list(binary_outcomes, "binary_outcomes")
    continuous = as_str_list(continuous_outcomes, "continuous_outcomes")
    if not binary and not continuous:
        raise ParameterError(
            "name at least one outcome in 'binary_outcomes' or 'continuous_outcomes'"
        )
    ratios: dict[str, tuple[str, str]] = {}
    for name, parts in as_mapping(ratio_metrics, "ratio_metrics").items():
        pair = as_str_list(parts, f"ratio_metrics[{name!r}]")
        if len(pair) != 2:
            raise ParameterError(
                f"parameter 'ratio_metrics': {name!r} needs [numerator, denominator], got {parts!r}"
            )
        ratios[name] = (pair[0], pair[1])
    covariate_names = as_str_list(covariates, "covariates")
    segment_names = as_str_list(segments, "segments")
    split = {
        key: as_float(value, f"design_split[{key!r}]", minimum=0.0)
        for key, value in as_mapping(design_split, "design_split").items()
    }
    features = as_str_list(uplift_features, "uplift_features") or [*covariate_names, *segment_names]
    kinds = [*binary, *continuous]
    profit = str(profit_outcome).strip()
    if profit not in kinds:
        raise ParameterError(
            f"parameter 'profit_outcome' must be one of the outcomes {kinds}, "
            f"got {profit_outcome!r}"
        )
    if isinstance(offer_cost, str) and not offer_cost.strip().startswith("{"):
        cost: float | dict[str, float] = as_float(offer_cost, "offer_cost", minimum=0.0)
    elif isinstance(offer_cost, int | float) and not isinstance(offer_cost, bool):
        cost = as_float(offer_cost, "offer_cost", minimum=0.0)
    else:
        cost = {
            key: as_float(value, f"offer_cost[{key!r}]", minimum=0.0)
            for key, value in as_mapping(offer_cost, "offer_cost").items()
        }
    return ExperimentParameters(
        data=str(data).strip(),
        arm_col=str(arm_col).strip(),
        control=str(control).strip(),
        binary_outcomes=binary,
        continuous_outcomes=continuous,
        ratio_metrics=ratios,
        covariates=covariate_names,
        segments=segment_names,
        design_split=split or None,
        alpha=as_float(alpha, "alpha", minimum=1e-6, maximum=0.5),
        correction=as_choice(correction, "correction", CORRECTIONS),
        winsorize_quantile=as_float(
            winsorize_quantile, "winsorize_quantile", minimum=0.5, maximum=1.0
        ),
        uplift_features=features,
        uplift_method=as_choice(uplift_method, "uplift_method", UPLIFT_METHODS),
        profit_outcome=profit,
        margin=as_float(margin, "margin", minimum=1e-12),
        offer_cost=cost,
        synthetic_customers=as_int(synthetic_customers, "synthetic_customers", minimum=100),
        seed=as_int(seed, "seed", minimum=0),
    )


def truth_metrics(data: ExperimentData) -> dict[str, dict[str, dict[str, float]]]:
    """Return the synthetic campaign's true effects as ``{arm: {outcome: {absolute, relative}}}``.

    Parameters
    ----------
    data : ExperimentData
        Loaded data; real data gives ``{}``.

    Returns
    -------
    dict
    """
    if data.synthetic is None:
        return {}
    truth: dict[str, dict[str, dict[str, float]]] = {}
    for row in data.synthetic.effects.itertuples(index=False):
        truth.setdefault(row.arm, {})[row.outcome] = {
            "control_mean": float(row.control_mean),
            "treatment_mean": float(row.treatment_mean),
            "absolute": float(row.absolute),
            "relative": float(row.relative),
        }
    return truth
