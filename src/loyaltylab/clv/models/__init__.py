"""The model families of :mod:`loyaltylab.clv`, one file each, and the one registry of them.

* :mod:`~loyaltylab.clv.models.base`: :class:`TransactionModel`, the methods every family has;
* :mod:`~loyaltylab.clv.models.bgnbd`: BG/NBD (Fader, Hardie & Lee 2005);
* :mod:`~loyaltylab.clv.models.mbgnbd`: MBG/NBD (Batislam, Denizel & Filiztekin 2007);
* :mod:`~loyaltylab.clv.models.pareto_nbd`: Pareto/NBD (Schmittlein, Morrison & Colombo 1987);
* :mod:`~loyaltylab.clv.models.gamma_gamma`: the Gamma-Gamma spend model (Fader & Hardie 2013);
* :mod:`~loyaltylab.clv.models.nbd`: the NBD, the boundary model the three reduce to when no
  dropout is detected (registered in :data:`BOUNDARY_MODELS`, not compared by default).

:data:`TRANSACTION_MODELS` maps each name (the ``model`` of a fit) to its family object; every
place in :mod:`loyaltylab.clv` that picks a model by name goes through
:func:`get_transaction_model`. Iterating the registry gives the names, so it also serves as the
list of choices. A family is added by one file and one entry here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

from loyaltylab.clv.fitting import DEFAULT_FIT_TIMEOUT_SECONDS, TransactionModelFit
from loyaltylab.clv.models.base import TransactionModel
from loyaltylab.clv.models.bgnbd import BetaGeoModel
from loyaltylab.clv.models.gamma_gamma import SPEND_MODEL, GammaGammaModel, fit_spend_model
from loyaltylab.clv.models.mbgnbd import ModifiedBetaGeoModel
from loyaltylab.clv.models.nbd import NBDModel
from loyaltylab.clv.models.pareto_nbd import ParetoNBDModel
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
]

TRANSACTION_MODELS: Mapping[str, TransactionModel] = MappingProxyType(
    {model.name: model for model in (BetaGeoModel(), ParetoNBDModel(), ModifiedBetaGeoModel())}
)
"""Name -> transaction model family, in the order the comparison shows them (read-only)."""

BOUNDARY_MODELS: Mapping[str, TransactionModel] = MappingProxyType({"nbd": NBDModel()})
"""Name -> model a family reduces to at its boundary (``boundary_model``); fitted by name too."""

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
