"""Customer feedback, referrals and the loyalty lifecycle.

* :mod:`loyaltylab.feedback.data` - the survey and referral contracts and their loaders
  (:func:`load_surveys`, :func:`load_referrals`), with the input rules and data-quality table of
  the other loaders;
* :mod:`loyaltylab.feedback.scores` - NPS with its multinomial (Wald) interval, the change in
  NPS between waves, CSAT mean and top-2-box share, response rate, reward-preference shares
  (the table the reward simulator's catalogue choice reads), by any group;
* :mod:`loyaltylab.feedback.behaviour` - next-period retention and spend on NPS group and CSAT
  with past behaviour as controls (logit / OLS, average marginal effects);
* :mod:`loyaltylab.feedback.referrals` - referral rate, referred share of new customers,
  referred vs other new customers, the value of one referral;
* :mod:`loyaltylab.feedback.lifecycle` - acquisition, engagement, retention and advocacy per
  period and the movements between stages;
* :mod:`loyaltylab.feedback.plots` - the report's charts (each takes ``ax=``, returns the Axes).
"""

from loyaltylab.feedback.behaviour import (
    CONTROLS,
    FeedbackEffects,
    feedback_effects,
    feedback_panel,
)
from loyaltylab.feedback.data import (
    CSAT_RANGE,
    NPS_RANGE,
    REWARD_PREFERENCES,
    LoadedReferrals,
    LoadedSurveys,
    first_purchases,
    load_referrals,
    load_surveys,
)
from loyaltylab.feedback.lifecycle import (
    STAGES,
    customer_stages,
    lifecycle_funnel,
    lifecycle_movements,
)
from loyaltylab.feedback.plots import plot_funnel, plot_nps_by_wave, plot_retention_by_group
from loyaltylab.feedback.referrals import ReferralResult, referral_analysis
from loyaltylab.feedback.scores import (
    NPS_GROUPS,
    CSATResult,
    NPSChange,
    NPSResult,
    csat,
    csat_by,
    nps,
    nps_by,
    nps_change,
    nps_group,
    preference_mix,
    response_rate,
    reward_preference_shares,
)

__all__ = [
    "CONTROLS",
    "CSAT_RANGE",
    "NPS_GROUPS",
    "NPS_RANGE",
    "REWARD_PREFERENCES",
    "STAGES",
    "CSATResult",
    "FeedbackEffects",
    "LoadedReferrals",
    "LoadedSurveys",
    "NPSChange",
    "NPSResult",
    "ReferralResult",
    "csat",
    "csat_by",
    "customer_stages",
    "feedback_effects",
    "feedback_panel",
    "first_purchases",
    "lifecycle_funnel",
    "lifecycle_movements",
    "load_referrals",
    "load_surveys",
    "nps",
    "nps_by",
    "nps_change",
    "nps_group",
    "plot_funnel",
    "plot_nps_by_wave",
    "plot_retention_by_group",
    "preference_mix",
    "referral_analysis",
    "response_rate",
    "reward_preference_shares",
]
