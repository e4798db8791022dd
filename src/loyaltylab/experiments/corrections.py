"""Multiple-comparison corrections over arms x primary metrics (Holm, Benjamini-Hochberg).

:func:`adjust_p_values` validates its input and the method name, then calls statsmodels'
``multipletests`` (``holm``, ``fdr_bh``, ``bonferroni``), which gives the values of R
``p.adjust(method="holm" | "BH" | "bonferroni")``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from statsmodels.stats.multitest import multipletests

from loyaltylab.errors import ParameterError

__all__ = ["CORRECTIONS", "adjust_p_values"]

CORRECTIONS = ("holm", "bh", "bonferroni", "none")
"""Accepted values of the ``correction`` parameter (``"fdr_bh"`` is accepted as ``"bh"``)."""

_STATSMODELS_METHOD = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni"}


def adjust_p_values(p_values: Sequence[float] | np.ndarray, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons.

    Parameters
    ----------
    p_values : array-like of float
        Unadjusted p-values in [0, 1].
    method : {"holm", "bh", "bonferroni", "none"}, default "holm"
        Holm step-down (family-wise error), Benjamini-Hochberg (false discovery rate),
        Bonferroni, or no adjustment.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order, capped at 1.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.02, 0.03, 0.04, 0.05], "holm").round(2).tolist()
    [0.05, 0.08, 0.09, 0.09, 0.09]
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise ParameterError(f"p-values must be one-dimensional, got shape {p.shape}")
    bad = p[~((p >= 0) & (p <= 1))]
    if bad.size:
        raise ParameterError(
            f"p-values must lie in [0, 1]; {bad.size} do not, e.g. {bad[:5].tolist()}"
        )
    method_key = str(method).strip().lower()
    if method_key in ("fdr_bh", "benjamini-hochberg"):
        method_key = "bh"
    if method_key not in CORRECTIONS:
        raise ParameterError(f"parameter 'correction' must be one of {CORRECTIONS}, got {method!r}")
    if p.size == 0 or method_key == "none":
        return p.copy()
    _, adjusted, _, _ = multipletests(p, method=_STATSMODELS_METHOD[method_key])
    return np.asarray(adjusted, dtype=float)
