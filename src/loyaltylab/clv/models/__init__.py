"""The model families of :mod:`loyaltylab.clv`, one file each, and the one registry of them.

* :mod:`~loyaltylab.clv.models.base`: :class:`TransactionModel`, the methods every family has;
* :mod:`~loyaltylab.clv.models.bgnbd`: BG/NBD (Fader, Hardie & Lee 2005);
* :mod:`~loyaltylab.clv.models.mbgnbd`: MBG/NBD (Batislam, Denizel & Filiztekin 2007);
* :mod:`~loyaltylab.clv.models.pareto_nbd`: Pareto/NBD (Schmittlein, Morrison & Colombo 1987);
* :mod:`~loyaltylab.clv.models.gamma_gamma`: the Gamma-Gamma spend model (Fader & Hardie 2013);
* :mod:`~loyaltylab.clv.models.nbd`: the NBD, the boundary model the three reduce to when no
  dropout is detected (registered in :data:`BOUNDARY_MODELS`, not compared by default);
* :mod:`~loyaltylab.clv.models.pareto_nbd_covariates`,
  :mod:`~loyaltylab.clv.models.bgnbd_covariates`: Pareto/NBD and BG/NBD with static covariates
  (CLVTools' parametrisation, the shared machinery in
  :mod:`~loyaltylab.clv.models.covariate_base`), registered in :data:`COVARIATE_MODELS` and
  fitted by :func:`fit_covariate_model`.

:data:`TRANSACTION_MODELS` maps each name (the ``model`` of a fit) to its family object; every
place in :mod:`loyaltylab.clv` that picks a model by name goes through
:func:`get_transaction_model`. Iterating the registry gives the names, so it also serves as the
list of choices. A family is added by one file and one entry here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import pandas as pd

from loyaltylab.clv.covariates import CustomerCovariates
from loyaltylab.clv.fitting import DEFAULT_FIT_TIMEOUT_SECONDS, TransactionModelFit
from loyaltylab.clv.models.base import TransactionModel
from loyaltylab.clv.models.bgnbd import BetaGeoModel
from loyaltylab.clv.models.bgnbd_covariates import BetaGeoCovariateModel
from loyaltylab.clv.models.covariate_base import CovariateModelFit, CovariateTransactionModel
from loyaltylab.clv.models.gamma_gamma import SPEND_MODEL, GammaGammaModel, fit_spend_model
from loyaltylab.clv.models.mbgnbd import ModifiedBetaGeoModel
from loyaltylab.clv.models.nbd import NBDModel
from loyaltylab.clv.models.pareto_nbd import ParetoNBDModel
from loyaltylab.clv.models.pareto_nbd_covariates import ParetoNBDCovariateModel
from loyaltylab.errors import ParameterError

__all__ = [
    "TRANSACTION_MODELS",
    "BOUNDARY_MODELS",
    "NBDModel",
    "SPEND_MODEL",
    "MODEL_LABELS",
    "PARAMETER_NAMES",
    "TransactionModel",
    "BetaGeoModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "GammaGammaModel",
    "get_transaction_model",
    "fit_transaction_model",
    "fit_spend_model",
    "COVARIATE_MODELS",
    "BetaGeoCovariateModel",
    "CovariateModelFit",
    "CovariateTransactionModel",
    "ParetoNBDCovariateModel",
    "fit_covariate_model",
    "get_covariate_model",
]

TRANSACTION_MODELS: Mapping[str, TransactionModel] = MappingProxyType(
    {model.name: model for model in (BetaGeoModel(), ParetoNBDModel(), ModifiedBetaGeoModel())}
)
"""Name -> transaction model family, in the order the comparison shows them (read-only)."""

BOUNDARY_MODELS: Mapping[str, TransactionModel] = MappingProxyType({"nbd": NBDModel()})
"""Name -> model a family reduces to at its boundary (``boundary_model``); fitted by name too."""

COVARIATE_MODELS: Mapping[str, CovariateTransactionModel] = MappingProxyType(
    {model.base_model: model for model in (BetaGeoCovariateModel(), ParetoNBDCovariateModel())}
)
"""Plain family name -> its static-covariate family (:func:`fit_covariate_model`, read-only)."""

MODEL_LABELS: Mapping[str, str] = MappingProxyType(
    {name: model.label for name, model in {**TRANSACTION_MODELS, **BOUNDARY_MODELS}.items()}
    | {SPEND_MODEL.name: SPEND_MODEL.label}
)
"""Name -> label for people (``"bgnbd"`` -> ``"BG/NBD"``), read from the registered models."""

PARAMETER_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        name: model.parameter_names
        for name, model in {**TRANSACTION_MODELS, **BOUNDARY_MODELS}.items()
    }
    | {SPEND_MODEL.name: SPEND_MODEL.parameter_names}
)
"""Name -> parameter names (lifetimes' names), read from the registered models."""


def get_transaction_model(name: str) -> TransactionModel:
    """Return the registered transaction model family called ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`TRANSACTION_MODELS` (``"bgnbd"``, ``"pareto_nbd"``, ``"mbgnbd"``) or of
        :data:`BOUNDARY_MODELS` (``"nbd"``).

    Returns
    -------
    TransactionModel

    Raises
    ------
    ParameterError
        ``name`` is not registered; the message lists the registered names.

    Examples
    --------
    >>> get_transaction_model("bgnbd").label
    'BG/NBD'
    """
    model = None
    if isinstance(name, str):
        model = TRANSACTION_MODELS.get(name) or BOUNDARY_MODELS.get(name)
    if model is None:
        raise ParameterError(
            f"parameter 'model' must be one of {list(TRANSACTION_MODELS)} (or the boundary "
            f"model(s) {list(BOUNDARY_MODELS)}), got {name!r}"
        )
    return model


def fit_transaction_model(
    summary: pd.DataFrame,
    model: str = "bgnbd",
    *,
    time_unit: str = "W",
    timeout_seconds: float | None = DEFAULT_FIT_TIMEOUT_SECONDS,
) -> TransactionModelFit:
    """Fit a BG/NBD, Pareto/NBD or MBG/NBD model to a customer summary.

    Customers with identical (frequency, recency, T) are fitted as one weighted row; the fit
    attempts of the family run in order until one passes every check (finite, plausible
    parameters, gradient ~0, negative definite Hessian), and every attempt is recorded.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency`` (repeat purchase days), ``recency`` and ``T`` in
        the analysis unit (fractional, days / days-per-unit), e.g. from
        :func:`loyaltylab.customers.summarize_customers`.
    model : {"bgnbd", "pareto_nbd", "mbgnbd"}, default "bgnbd"
        BG/NBD (Fader, Hardie & Lee 2005), Pareto/NBD (Schmittlein, Morrison & Colombo 1987),
        MBG/NBD (Batislam, Denizel & Filiztekin 2007); any key of :data:`TRANSACTION_MODELS`.
    time_unit : {"W", "D", "M"}, default "W"
        Unit of recency and T; recorded on the result (alpha, beta are per this unit).
    timeout_seconds : float or None, default 60
        Time limit of the fit, checked inside the optimisers and between attempts (None: none).

    Returns
    -------
    TransactionModelFit
        When the likelihood is largest on the boundary (BG/NBD, MBG/NBD: a → 0 or b → ∞;
        Pareto/NBD: s → 0 or β → ∞), ``boundary`` says so ("no dropout detected in this
        window; CLV is an upper bound") and the estimates are the NBD's with dropout off.

    Raises
    ------
    ParameterError
        Unknown model or time unit.
    DataValidationError
        Invalid summary (see :func:`loyaltylab.clv.validate_summary`).
    ModelConvergenceError
        The likelihood is not finite or the data cannot identify the model (no attempt gave a
        usable optimum and none reached the boundary model); the message lists every attempt
        and the counts (customers, repeat buyers, span of the data versus the period).
    FitTimeoutError
        The fit ran past ``timeout_seconds`` (a :class:`ModelConvergenceError`).

    Examples
    --------
    >>> fit = fit_transaction_model(summary, "bgnbd")  # doctest: +SKIP
    >>> fit.params["r"], fit.log_likelihood  # doctest: +SKIP
    (0.2426, -9582.43)
    """
    return get_transaction_model(model).fit(
        summary, time_unit=time_unit, timeout_seconds=timeout_seconds
    )


def get_covariate_model(name: str) -> CovariateTransactionModel:
    """Return the covariate family of plain family ``name`` (``"bgnbd"``, ``"pareto_nbd"``).

    The covariate family's own name (``"pareto_nbd_covariates"``) is accepted too.

    Examples
    --------
    >>> get_covariate_model("pareto_nbd").name
    'pareto_nbd_covariates'
    """
    if isinstance(name, str):
        for base, model in COVARIATE_MODELS.items():
            if name in (base, model.name):
                return model
    raise ParameterError(
        f"parameter 'model' must be one of {list(COVARIATE_MODELS)} for a fit with covariates, "
        f"got {name!r}"
    )


def fit_covariate_model(
    summary: pd.DataFrame,
    model: str = "pareto_nbd",
    covariates: pd.DataFrame | CustomerCovariates | None = None,
    *,
    purchase_covariates: Sequence[str] = (),
    dropout_covariates: Sequence[str] = (),
    time_unit: str = "W",
    timeout_seconds: float | None = DEFAULT_FIT_TIMEOUT_SECONDS,
) -> CovariateModelFit:
    """Fit Pareto/NBD or BG/NBD with static covariates (CLVTools' parametrisation).

    Purchase process (both): α_i = α·exp(−γ_purchase·x_i). Dropout: Pareto/NBD
    β_i = β·exp(−γ_dropout·x_i); BG/NBD a_i = a·exp(γ_dropout·x_i), b_i = b·exp(γ_dropout·x_i).
    A positive purchase coefficient means more purchases, a positive Pareto/NBD dropout
    coefficient faster attrition (:mod:`loyaltylab.clv.models.covariate_base`).

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer (``frequency``, ``recency``, ``T``; ``customer_id`` to match the
        covariates by id).
    model : {"pareto_nbd", "bgnbd"}, default "pareto_nbd"
        The plain family.
    covariates : pandas.DataFrame or CustomerCovariates, optional
        Per-customer numeric covariates (:func:`loyaltylab.clv.load_customer_covariates`),
        indexed by ``customer_id``, or one row per summary row in order.
    purchase_covariates, dropout_covariates : sequence of str
        Columns acting on the purchase and on the dropout process (either may be empty; the
        same column may act on both).
    time_unit : {"W", "D", "M"}, default "W"
        Unit of recency and T.
    timeout_seconds : float or None, default 60
        Time limit of the plain fit and the covariate fit together.

    Returns
    -------
    CovariateModelFit
        Population parameters, coefficients with standard errors (``coefficients()``),
        per-customer predictions. Without covariate columns it carries the plain fit's
        parameters and log-likelihood unchanged.

    Raises
    ------
    ParameterError
        Unknown model or column, covariates missing.
    DataValidationError
        Customers without covariates, a constant covariate column.
    ModelConvergenceError
        No usable optimum (the message names the covariates), or the plain model detects no
        dropout (its boundary), around which the effects cannot be estimated.

    Examples
    --------
    >>> fit = fit_covariate_model(summary, "pareto_nbd", covariates,
    ...                           purchase_covariates=["member"])  # doctest: +SKIP
    >>> fit.coefficients()  # doctest: +SKIP
    """
    return get_covariate_model(model).fit(
        summary,
        covariates,
        purchase_covariates=purchase_covariates,
        dropout_covariates=dropout_covariates,
        time_unit=time_unit,
        timeout_seconds=timeout_seconds,
    )
