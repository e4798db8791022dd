"""The model families of :mod:`loyaltylab.clv`, one file each, and the one registry of them.

* :mod:`~loyaltylab.clv.models.base`: :class:`TransactionModel`, the methods every family has;
* :mod:`~loyaltylab.clv.models.bgnbd`: BG/NBD (Fader, Hardie & Lee 2005);
* :mod:`~loyaltylab.clv.models.mbgnbd`: MBG/NBD (Batislam, Denizel & Filiztekin 2007);
* :mod:`~loyaltylab.clv.models.pareto_nbd`: Pareto/NBD (Schmittlein, Morrison & Colombo 1987);
* :mod:`~loyaltylab.clv.models.gamma_gamma`: the Gamma-Gamma spend model (Fader & Hardie 2013).

:data:`TRANSACTION_MODELS` maps each name (the ``model`` of a fit) to its family object; every
place in :mod:`loyaltylab.clv` that picks a model by name goes through
:func:`get_transaction_model`. Iterating the registry gives the names, so it also serves as the
list of choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

from loyaltylab.clv.fitting import TransactionModelFit
from loyaltylab.clv.models.base import TransactionModel
from loyaltylab.clv.models.bgnbd import BetaGeoModel
from loyaltylab.clv.models.gamma_gamma import SPEND_MODEL, GammaGammaModel, fit_spend_model
from loyaltylab.clv.models.mbgnbd import ModifiedBetaGeoModel
from loyaltylab.clv.models.pareto_nbd import ParetoNBDModel
from loyaltylab.errors import ParameterError

__all__ = [
    "TRANSACTION_MODELS",
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
]

TRANSACTION_MODELS: Mapping[str, TransactionModel] = MappingProxyType(
    {model.name: model for model in (BetaGeoModel(), ParetoNBDModel(), ModifiedBetaGeoModel())}
)
"""Name -> transaction model family, in the order the comparison shows them (read-only)."""

MODEL_LABELS: Mapping[str, str] = MappingProxyType(
    {name: model.label for name, model in TRANSACTION_MODELS.items()}
    | {SPEND_MODEL.name: SPEND_MODEL.label}
)
"""Name -> label for people (``"bgnbd"`` -> ``"BG/NBD"``), read from the registered models."""

PARAMETER_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {name: model.parameter_names for name, model in TRANSACTION_MODELS.items()}
    | {SPEND_MODEL.name: SPEND_MODEL.parameter_names}
)
"""Name -> parameter names (lifetimes' names), read from the registered models."""


def get_transaction_model(name: str) -> TransactionModel:
    """Return the registered transaction model family called ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`TRANSACTION_MODELS`: ``"bgnbd"``, ``"pareto_nbd"`` or ``"mbgnbd"``.

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
    model = TRANSACTION_MODELS.get(name) if isinstance(name, str) else None
    if model is None:
        raise ParameterError(
            f"parameter 'model' must be one of {list(TRANSACTION_MODELS)}, got {name!r}"
        )
    return model


def fit_transaction_model(
    summary: pd.DataFrame, model: str = "bgnbd", *, time_unit: str = "W"
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

    Returns
    -------
    TransactionModelFit

    Raises
    ------
    ParameterError
        Unknown model or time unit.
    DataValidationError
        Invalid summary (see :func:`loyaltylab.clv.validate_summary`).
    ModelConvergenceError
        No fit attempt gave finite, plausible parameters with a valid Hessian.

    Examples
    --------
    >>> fit = fit_transaction_model(summary, "bgnbd")  # doctest: +SKIP
    >>> fit.params["r"], fit.log_likelihood  # doctest: +SKIP
    (0.2426, -9582.43)
    """
    return get_transaction_model(model).fit(summary, time_unit=time_unit)
