"""Customer lifetime value: BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma, through lifetimes.

lifetimes (archived, 0.11.3) is imported only inside this package. The public API:

* fitting: :func:`fit_transaction_model`, :func:`fit_spend_model` (compressed, weighted fits with
  summed log-likelihoods, log-parameter covariance, convergence retries);
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

__all__ = [
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
