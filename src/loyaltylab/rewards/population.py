"""Simulated customers drawn from a fitted BG/NBD (or Pareto/NBD) + Gamma-Gamma model.

The population model is a small frozen dataclass of plain parameters (time unit: weeks), built
from published CDNOW estimates [S109][S110], from fit results of :mod:`loyaltylab.clv`, or by
fitting a transaction source (the CDNOW sample by default, the user's own through a parameter).
:func:`draw_population` turns it into per-customer latent traits (reference/rewards.md §4 item 1).

Model names are those of the one registry of transaction models,
:data:`loyaltylab.clv.TRANSACTION_MODELS`; the simulator draws the two dropout processes of
BG/NBD (a dropout chance after each purchase, ``p ~ Beta(a, b)``) and Pareto/NBD (an exponential
lifetime, ``mu ~ Gamma(s, beta)``). An MBG/NBD fit is simulated as BG/NBD (same parameters); an
NBD fit (the boundary model of :data:`loyaltylab.clv.BOUNDARY_MODELS`, when the data show no
dropout) gives customers who never drop out (dropout rate 0, simulated as a Pareto/NBD lifetime
with mu = 0), so a program's dropout effects do nothing there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.clv.models import TransactionModel, get_transaction_model
from loyaltylab.clv.models.bgnbd import BetaGeoModel
from loyaltylab.clv.models.nbd import NBDModel
from loyaltylab.clv.models.pareto_nbd import ParetoNBDModel
from loyaltylab.errors import ParameterError

__all__ = ["Population", "PopulationModel", "draw_population", "fit_population"]

# the registered families whose customers the simulator draws (by family, not by name)
_SIMULATED_FAMILIES: tuple[type[TransactionModel], ...] = (BetaGeoModel, ParetoNBDModel, NBDModel)


def _simulated_family(name: str) -> TransactionModel:
    """Return the registered family called ``name``, if the simulator draws its customers."""
    try:
        family: TransactionModel | None = get_transaction_model(name)
    except ParameterError:
        family = None
    if not isinstance(family, _SIMULATED_FAMILIES):
        simulated = [kind.name for kind in _SIMULATED_FAMILIES]
        raise ParameterError(
            f"population model must be one of {simulated} (the dropout processes the simulator "
            f"draws), got {name!r}; PopulationModel.from_fits simulates an MBG/NBD fit as BG/NBD"
        )
    return family


@dataclass(frozen=True)
class PopulationModel:
    """Parameters of the purchase, dropout and spend processes (time unit: weeks).

    Parameters
    ----------
    model : {"bgnbd", "pareto_nbd", "nbd"}
        BG/NBD: ``lambda ~ Gamma(r, alpha)``, dropout after each purchase with ``p ~ Beta(a, b)``.
        Pareto/NBD: exponential lifetime with ``mu ~ Gamma(s, beta)``. NBD: no dropout.
    r, alpha : float
        Purchase-rate heterogeneity (rate ``alpha`` per week).
    a, b : float or None
        BG/NBD dropout heterogeneity.
    s, beta : float or None
        Pareto/NBD dropout heterogeneity.
    p, q, v : float
        Gamma-Gamma spend per transaction [S110].
    source : str
        Where the numbers come from.
    """

    model: str
    r: float
    alpha: float
    p: float
    q: float
    v: float
    a: float | None = None
    b: float | None = None
    s: float | None = None
    beta: float | None = None
    source: str = "user"

    def __post_init__(self) -> None:
        family = _simulated_family(self.model)
        needed = [*family.parameter_names, "p", "q", "v"]
        bad = {name: getattr(self, name) for name in needed if not _positive(getattr(self, name))}
        if bad:
            raise ParameterError(
                f"population model {self.model!r}: parameters must be positive numbers, got {bad}"
            )

    @classmethod
    def cdnow_published(cls, model: str = "bgnbd") -> PopulationModel:
        """Return the published CDNOW estimates (weeks).

        BG/NBD r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (Fader, Hardie & Lee 2005) [S109];
        Pareto/NBD r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669 (same paper, reference/clv.md
        §3); Gamma-Gamma p = 6.25, q = 3.74, v = 15.44 (Fader & Hardie 2013) [S110].

        Parameters
        ----------
        model : {"bgnbd", "pareto_nbd"}
            Any other name is refused (it used to give the BG/NBD estimates silently).

        Returns
        -------
        PopulationModel
        """
        spend = {"p": 6.25, "q": 3.74, "v": 15.44}
        if isinstance(_simulated_family(model), ParetoNBDModel):
            return cls(
                ParetoNBDModel.name,
                r=0.553,
                alpha=10.578,
                s=0.606,
                beta=11.669,
                **spend,
                source="CDNOW, published (Fader, Hardie & Lee 2005; Fader & Hardie 2013)",
            )
        return cls(
            BetaGeoModel.name,
            r=0.243,
            alpha=4.414,
            a=0.793,
            b=2.426,
            **spend,
            source="CDNOW, published (Fader, Hardie & Lee 2005; Fader & Hardie 2013)",
        )

    @classmethod
    def from_fits(
        cls, transaction_fit: Any, spend_fit: Any, source: str = "fit"
    ) -> PopulationModel:
        """Build from :func:`loyaltylab.clv.fit_transaction_model` and ``fit_spend_model`` results.

        Parameters
        ----------
        transaction_fit : TransactionModelFit
            ``.model`` in {"bgnbd", "pareto_nbd"} (MBG/NBD is simulated as BG/NBD) and ``.params``;
            the time unit must be weeks.
        spend_fit : SpendModelFit
            ``.params`` with p, q, v.
        source : str, default "fit"
            Description kept on the result.

        Returns
        -------
        PopulationModel
        """
        unit = getattr(transaction_fit, "time_unit", "W")
        if unit != "W":
            raise ParameterError(
                f"the transaction model must be fitted in weeks, got time_unit={unit!r}"
            )
        family = get_transaction_model(transaction_fit.model)
        if not isinstance(family, _SIMULATED_FAMILIES) and (
            family.parameter_names == BetaGeoModel.parameter_names
        ):
            family = get_transaction_model(BetaGeoModel.name)  # MBG/NBD drawn as BG/NBD
        model = family.name
        params = {key: float(value) for key, value in transaction_fit.params.items()}
        spend = {key: float(spend_fit.params[key]) for key in ("p", "q", "v")}
        return cls(model, **params, **spend, source=source)

    def summary(self) -> pd.DataFrame:
        """Return the parameters as a table."""
        names = ["r", "alpha", "a", "b", "s", "beta", "p", "q", "v"]
        rows = [
            {"parameter": name, "value": getattr(self, name)}
            for name in names
            if getattr(self, name) is not None
        ]
        frame = pd.DataFrame(rows)
        frame.attrs["model"] = self.model
        frame.attrs["source"] = self.source
        return frame


def _positive(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and value > 0
        and value < 1e12
    )


def fit_population(
    source: Any = "cdnow_sample",
    model: str = "bgnbd",
    *,
    columns: dict[str, str] | None = None,
    observation_end: Any = None,
    load: Mapping[str, Any] | None = None,
) -> PopulationModel:
    """Fit the population model to a transaction source (CDNOW sample by default).

    Uses :func:`loyaltylab.datasets.resolve_transactions`,
    :func:`loyaltylab.customers.summarize_customers` (weeks) and :mod:`loyaltylab.clv`.

    Parameters
    ----------
    source : str, path or DataFrame, default "cdnow_sample"
        A bundled dataset name or the user's own transactions.
    model : {"bgnbd", "pareto_nbd"}, default "bgnbd"
    columns : mapping, optional
        Canonical name -> the user's column name.
    observation_end : date-like, optional
        End of the observation window (default: last transaction).
    load : mapping, optional
        Options of :func:`loyaltylab.data.load_transactions`, passed to the loader (e.g.
        ``{"returns": "drop"}``).

    Returns
    -------
    PopulationModel
    """
    from loyaltylab.clv import fit_spend_model, fit_transaction_model
    from loyaltylab.customers import summarize_customers
    from loyaltylab.datasets import resolve_transactions

    loaded = resolve_transactions(source, columns, **dict(load or {}))
    transactions = loaded.transactions
    end = observation_end if observation_end is not None else transactions["timestamp"].max()
    summary = summarize_customers(transactions, end, time_unit="W")
    transaction_fit = fit_transaction_model(summary, model=model, time_unit="W")
    spend_fit = fit_spend_model(summary)
    label = source if isinstance(source, str) else "user transactions"
    return PopulationModel.from_fits(transaction_fit, spend_fit, source=f"{model} fit on {label}")


@dataclass(frozen=True)
class Population:
    """Latent traits of simulated customers (arrays of equal length).

    Attributes
    ----------
    rate : numpy.ndarray
        Baseline purchases per week (float32).
    dropout : numpy.ndarray
        BG/NBD dropout probability per purchase, or Pareto/NBD dropout rate per week (float32).
    mean_spend : numpy.ndarray
        Mean spend per purchase, ``p / nu`` (float32).
    model : PopulationModel
        The model drawn from.
    seed : int
        The seed used.
    """

    rate: np.ndarray
    dropout: np.ndarray
    mean_spend: np.ndarray
    model: PopulationModel
    seed: int

    @property
    def size(self) -> int:
        """Number of customers."""
        return int(self.rate.size)

    def summary(self) -> pd.DataFrame:
        """Return mean and quartiles of the traits."""
        frame = pd.DataFrame(
            {"rate_per_week": self.rate, "dropout": self.dropout, "mean_spend": self.mean_spend}
        )
        return frame.describe(percentiles=[0.25, 0.5, 0.75]).T


def draw_population(model: PopulationModel, n_customers: int, *, seed: int = 0) -> Population:
    """Draw ``n_customers`` customers' latent traits from ``model``.

    Parameters
    ----------
    model : PopulationModel
    n_customers : int
        At least 1.
    seed : int, default 0

    Returns
    -------
    Population

    Examples
    --------
    >>> population = draw_population(PopulationModel.cdnow_published(), 1000, seed=1)
    >>> population.size
    1000
    """
    if not isinstance(n_customers, int | np.integer) or n_customers < 1:
        raise ParameterError(f"n_customers must be a whole number >= 1, got {n_customers!r}")
    rng = np.random.default_rng([seed, 7919])
    n = int(n_customers)
    rate = rng.gamma(model.r, 1.0 / model.alpha, n)
    family = _simulated_family(model.model)
    if isinstance(family, BetaGeoModel):
        # PopulationModel.__post_init__ checked a and b are positive numbers for BG/NBD
        assert model.a is not None and model.b is not None
        dropout = rng.beta(model.a, model.b, n)
    elif isinstance(family, NBDModel):
        dropout = np.zeros(n)  # NBD: nobody drops out
    else:
        # and s and beta for "pareto_nbd"
        assert model.s is not None and model.beta is not None
        dropout = rng.gamma(model.s, 1.0 / model.beta, n)
    nu = rng.gamma(model.q, 1.0 / model.v, n)
    mean_spend = model.p / nu
    return Population(
        rate=rate.astype(np.float32),
        dropout=dropout.astype(np.float32),
        mean_spend=mean_spend.astype(np.float32),
        model=model,
        seed=seed,
    )
