"""Campaign experiment analysis: effects, CUPED, SRM, power, corrections, segments.

The one call is :func:`analyze_experiment`; the pieces (effects on sufficient statistics, CUPED and
regression adjustment, the SRM check, power and sample size, p-value corrections, non-zero
winsorisation, segment effects, Bayesian chance to win and always-valid intervals) are usable on
their own. Conventions and reference values: ``reference/statistics.md``.

Modules: ``analysis`` (:func:`analyze_experiment`), ``results`` (:class:`ExperimentAnalysis`),
``tables`` (balance, CUPED, capped and segment tables), ``decisions`` (:func:`recommendation`,
:func:`planning_table`), and one module per statistical piece.
"""

from loyaltylab.experiments.analysis import analyze_experiment, match_pre_period
from loyaltylab.experiments.bayesian import BayesianLift, bayesian_lift
from loyaltylab.experiments.corrections import CORRECTIONS, adjust_p_values
from loyaltylab.experiments.cuped import (
    AdjustedEffect,
    CupedSums,
    cuped_from_sums,
    regression_adjusted_effect,
)
from loyaltylab.experiments.data import SYNTHETIC_CAMPAIGN, ExperimentData, load_experiment_data
from loyaltylab.experiments.decisions import planning_table, recommendation
from loyaltylab.experiments.effects import (
    EffectEstimate,
    mean_effect,
    mean_effect_from_sums,
    proportion_effect,
    ratio_effect,
)
from loyaltylab.experiments.heterogeneity import HeterogeneityResult, heterogeneous_effects
from loyaltylab.experiments.power import (
    mde_means,
    mde_proportions,
    power_means,
    power_proportions,
    sample_size_means,
    sample_size_proportions,
)
from loyaltylab.experiments.results import ExperimentAnalysis
from loyaltylab.experiments.sequential import sequential_interval
from loyaltylab.experiments.srm import SRM_THRESHOLD, SrmResult, check_srm
from loyaltylab.experiments.validation import validate_experiment_frame
from loyaltylab.experiments.winsorize import nonzero_cap, winsorize_nonzero

__all__ = [
    "CORRECTIONS",
    "SRM_THRESHOLD",
    "SYNTHETIC_CAMPAIGN",
    "ExperimentData",
    "AdjustedEffect",
    "BayesianLift",
    "CupedSums",
    "EffectEstimate",
    "ExperimentAnalysis",
    "HeterogeneityResult",
    "SrmResult",
    "adjust_p_values",
    "analyze_experiment",
    "bayesian_lift",
    "check_srm",
    "cuped_from_sums",
    "heterogeneous_effects",
    "load_experiment_data",
    "match_pre_period",
    "mde_means",
    "planning_table",
    "mde_proportions",
    "mean_effect",
    "mean_effect_from_sums",
    "nonzero_cap",
    "power_means",
    "power_proportions",
    "proportion_effect",
    "ratio_effect",
    "recommendation",
    "regression_adjusted_effect",
    "sample_size_means",
    "sample_size_proportions",
    "sequential_interval",
    "validate_experiment_frame",
    "winsorize_nonzero",
]
