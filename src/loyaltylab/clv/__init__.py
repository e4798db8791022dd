"""Customer lifetime value: BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma, through lifetimes.

lifetimes (archived, 0.11.3) is imported only inside this package. The public API:

* fitting: :func:`fit_transaction_model`, :func:`fit_spend_model` (compressed, weighted fits with
  summed log-likelihoods, log-parameter covariance, convergence retries);
* predictions: :func:`expected_purchases`, :func:`probability_alive`, :func:`expected_spend`,
  :func:`customer_lifetime_value` (discounted), :func:`clv_tiers`, :func:`clv_by_segment`;
"""

from loyaltylab.clv.fitting import (
    PARAMETER_NAMES,
    TRANSACTION_MODELS,
    FitAttempt,
    SpendModelFit,
    TransactionModelFit,
    compress_customers,
    fit_spend_model,
    fit_transaction_model,
    validate_summary,
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

__all__ = [
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
    "TRANSACTION_MODELS",
    "FitAttempt",
    "SpendModelFit",
    "TransactionModelFit",
    "compress_customers",
    "fit_spend_model",
    "fit_transaction_model",
    "validate_summary",
]
