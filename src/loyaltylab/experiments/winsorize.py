"""Capping of revenue-like metrics, with the cap computed on non-zero values.

Most loyalty customers spend nothing during a campaign, so the 99th percentile of spend over all
customers is often 0 and "winsorising at P99" would wipe out revenue. Following Statsig (P99.9 on
non-zero, non-null values) and GrowthBook's "ignore zeros", the cap here is a quantile of the
non-zero values, pooled over all arms.
"""

from __future__ import annotations

import numpy as np

from loyaltylab.errors import DataValidationError, ParameterError

__all__ = ["nonzero_cap", "winsorize_nonzero"]


def nonzero_cap(values: np.ndarray, quantile: float = 0.99) -> float:
    """Return the ``quantile`` of the non-zero values (the upper cap).

    Parameters
    ----------
    values : array-like of float
        Per-unit metric values (e.g. campaign spend per customer).
    quantile : float, default 0.99
        Quantile in (0, 1] of the non-zero values.

    Returns
    -------
    float
        The cap; ``inf`` when no value is non-zero.
    """
    if not 0.0 < float(quantile) <= 1.0:
        raise ParameterError(f"parameter 'winsorize_quantile' must lie in (0, 1], got {quantile}")
    array = np.asarray(values, dtype=float)
    missing = int(np.isnan(array).sum())
    if missing:
        raise DataValidationError(f"cannot winsorise: {missing} missing values")
    nonzero = array[array != 0]
    if nonzero.size == 0:
        return float("inf")
    return float(np.quantile(nonzero, quantile))


def winsorize_nonzero(values: np.ndarray, quantile: float = 0.99) -> tuple[np.ndarray, float]:
    """Cap values above the ``quantile`` of the non-zero values.

    Parameters
    ----------
    values : array-like of float
        Per-unit metric values.
    quantile : float, default 0.99
        Quantile of the non-zero values used as the cap.

    Returns
    -------
    capped : numpy.ndarray
        ``min(values, cap)``.
    cap : float
        The cap.

    Examples
    --------
    >>> capped, cap = winsorize_nonzero(np.r_[np.zeros(990), np.arange(1.0, 11.0)], 0.9)
    >>> float(cap), float(capped.sum())
    (9.1, 54.1)
    """
    cap = nonzero_cap(values, quantile)
    return np.minimum(np.asarray(values, dtype=float), cap), cap
