"""Uplift targeting: who should get the offer next time, and what that earns.

Models (:func:`fit_uplift_model`: T-learner, S-learner, class transformation on statsmodels GLMs),
held-out evaluation (:func:`evaluate_uplift`: Qini and uplift curves, Qini coefficient, AUUC,
uplift by decile, uplift at k; one documented definition, see :mod:`loyaltylab.uplift.evaluation`),
profit of targeting (:func:`targeting_profit`) and the one call :func:`uplift_targeting`.
"""

from loyaltylab.uplift.evaluation import (
    UpliftEvaluation,
    auuc,
    evaluate_uplift,
    perfect_qini_curve,
    perfect_uplift_curve,
    qini_coefficient,
    qini_curve,
    uplift_at_k,
    uplift_by_decile,
    uplift_curve,
)
from loyaltylab.uplift.models import UPLIFT_METHODS, FeatureDesign, UpliftModel, fit_uplift_model
from loyaltylab.uplift.profit import (
    TargetingProfit,
    targeting_profit,
    targeting_sentence,
    true_targeting_profit,
)
from loyaltylab.uplift.targeting import (
    UpliftReport,
    UpliftTargeting,
    uplift_report,
    uplift_targeting,
)

__all__ = [
    "UPLIFT_METHODS",
    "FeatureDesign",
    "TargetingProfit",
    "UpliftEvaluation",
    "UpliftModel",
    "UpliftReport",
    "UpliftTargeting",
    "auuc",
    "evaluate_uplift",
    "fit_uplift_model",
    "perfect_qini_curve",
    "perfect_uplift_curve",
    "qini_coefficient",
    "qini_curve",
    "targeting_profit",
    "targeting_sentence",
    "true_targeting_profit",
    "uplift_at_k",
    "uplift_by_decile",
    "uplift_curve",
    "uplift_report",
    "uplift_targeting",
]
