"""Customer lifetime value: BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma, through lifetimes.

lifetimes (archived, 0.11.3) is imported only inside this package. Each model family lives in
one file of ``clv/models/`` (closed forms, likelihood, gradient, fit strategy, the same method
names in every family); :data:`TRANSACTION_MODELS` is the one registry of them by name
(:func:`get_transaction_model`). The public API:

* fitting: :func:`fit_transaction_model`, :func:`fit_spend_model` (compressed, weighted fits with
  summed log-likelihoods, log-parameter covariance, convergence retries);
* predictions: :func:`expected_purchases`, :func:`probability_alive`, :func:`expected_spend`,
  :func:`customer_lifetime_value` (discounted), :func:`clv_tiers`, :func:`clv_by_segment`;
* validation: :func:`validate_holdout` (cumulative tracking, conditional expectations by
  frequency, holdout error), :func:`compare_models` (table + default model);
* uncertainty: :func:`clv_intervals` (per-customer and total intervals from parameter draws),
  :func:`covariate_clv_intervals` (the same for a covariate fit);
* reporting: :func:`evaluate_models` (fit + validate + compare); the report's metrics and
  table are notebook helpers (:mod:`loyaltylab.reports.notebooks.clv`);
* covariates: :func:`load_customer_covariates` (a per-customer file, dummy-coded) and
  :func:`fit_covariate_model` (Pareto/NBD and BG/NBD with static covariates on the purchase and
  the dropout process, CLVTools' parametrisation, with standard errors);
* new customers: :func:`new_customer_value` (expected purchases and discounted value of a
  customer acquired today, for acquisition budgets);
* contractual retention: :func:`fit_retention_model` (shifted-beta-geometric, Fader & Hardie
  2007: survival, retention rate, DERL, residual CLV, projection vs a holdout);
* plots: ``plot_*`` functions taking ``ax=None`` and returning the Axes.
"""

from loyaltylab.clv.boundary import ProfileLikelihood, describe_data, profile_likelihood
from loyaltylab.clv.covariates import (
    CustomerCovariates,
    covariate_matrix,
    load_customer_covariates,
)
from loyaltylab.clv.fitting import (
    BoundaryFit,
    FitAttempt,
    FitTimeoutError,
    SpendModelFit,
    TransactionModelFit,
    compress_customers,
    validate_summary,
)
from loyaltylab.clv.models import (
    BOUNDARY_MODELS,
    COVARIATE_MODELS,
    MODEL_LABELS,
    PARAMETER_NAMES,
    SPEND_MODEL,
    TRANSACTION_MODELS,
    CovariateModelFit,
    TransactionModel,
    fit_covariate_model,
    fit_spend_model,
    fit_transaction_model,
    get_covariate_model,
    get_transaction_model,
)
from loyaltylab.clv.new_customer import NewCustomerValue, new_customer_value
from loyaltylab.clv.plots import (
    plot_clv_by_segment,
    plot_clv_distribution,
    plot_conditional_expectation,
    plot_probability_alive,
    plot_probability_alive_matrix,
    plot_profile_likelihood,
    plot_tracking,
)
from loyaltylab.clv.predictions import (
    TIME_UNIT_DAYS,
    CLVResult,
    clv_by_segment,
    clv_tiers,
    customer_lifetime_value,
    expected_purchases,
    expected_purchases_new_customer,
    expected_spend,
    probability_alive,
)
from loyaltylab.clv.retention import (
    RenewalCounts,
    RetentionFit,
    fit_retention_model,
    plot_retention_projection,
    renewal_counts,
)
from loyaltylab.clv.uncertainty import (
    CLVIntervals,
    clv_intervals,
    covariate_clv_intervals,
    draw_parameters,
)
from loyaltylab.clv.validation import (
    HoldoutValidation,
    ModelComparison,
    calibration_summary,
    compare_models,
    conditional_expectation_by_frequency,
    cumulative_tracking,
    evaluate_models,
    holdout_forecast,
    validate_holdout,
)

__all__ = [
    "BOUNDARY_MODELS",
    "COVARIATE_MODELS",
    "CovariateModelFit",
    "CustomerCovariates",
    "covariate_matrix",
    "fit_covariate_model",
    "get_covariate_model",
    "load_customer_covariates",
    "BoundaryFit",
    "FitTimeoutError",
    "ProfileLikelihood",
    "describe_data",
    "profile_likelihood",
    "plot_profile_likelihood",
    "NewCustomerValue",
    "new_customer_value",
    "RenewalCounts",
    "RetentionFit",
    "fit_retention_model",
    "plot_retention_projection",
    "renewal_counts",
    "MODEL_LABELS",
    "CLVIntervals",
    "HoldoutValidation",
    "ModelComparison",
    "calibration_summary",
    "clv_intervals",
    "covariate_clv_intervals",
    "evaluate_models",
    "compare_models",
    "conditional_expectation_by_frequency",
    "cumulative_tracking",
    "draw_parameters",
    "holdout_forecast",
    "plot_clv_by_segment",
    "plot_clv_distribution",
    "plot_conditional_expectation",
    "plot_probability_alive",
    "plot_probability_alive_matrix",
    "plot_tracking",
    "validate_holdout",
    "TIME_UNIT_DAYS",
    "CLVResult",
    "clv_by_segment",
    "clv_tiers",
    "customer_lifetime_value",
    "expected_purchases",
    "expected_purchases_new_customer",
    "expected_spend",
    "probability_alive",
    "PARAMETER_NAMES",
    "SPEND_MODEL",
    "TRANSACTION_MODELS",
    "TransactionModel",
    "get_transaction_model",
    "FitAttempt",
    "SpendModelFit",
    "TransactionModelFit",
    "compress_customers",
    "fit_spend_model",
    "fit_transaction_model",
    "validate_summary",
]
