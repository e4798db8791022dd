"""Sample-ratio-mismatch check: did randomisation deliver the designed split.

A chi-square goodness-of-fit test of the arm counts against the designed allocation. Like
GrowthBook (``check_srm``, threshold 0.001) and Eppo, an alert is raised at p < 0.001: a mismatch
means the assignment or the logging is broken and every effect estimate is suspect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab.errors import ParameterError

__all__ = ["SRM_THRESHOLD", "SrmResult", "check_srm"]

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class SrmResult:
    """Outcome of a sample-ratio-mismatch check.

    Attributes
    ----------
    arms : tuple of str
        Arm labels, in the order of the counts.
    observed : tuple of int
        Units per arm.
    expected : tuple of float
        Units per arm expected under the designed split.
    design_split : tuple of float
        Designed allocation shares (sum to 1).
    chi2 : float
        Pearson chi-square statistic.
    df : int
        Degrees of freedom (arms - 1).
    p_value : float
        Upper-tail p-value.
    threshold : float
        Alert threshold on the p-value.
    mismatch : bool
        True when ``p_value < threshold``.
    """

    arms: tuple[str, ...]
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    design_split: tuple[float, ...]
    chi2: float
    df: int
    p_value: float
    threshold: float
    mismatch: bool

    def summary(self) -> pd.DataFrame:
        """Return one row per arm: observed, expected, observed and designed shares."""
        total = sum(self.observed)
        return pd.DataFrame(
            {
                "arm": list(self.arms),
                "observed": list(self.observed),
                "expected": list(self.expected),
                "observed_share": [count / total for count in self.observed],
                "design_share": list(self.design_split),
            }
        )

    def message(self) -> str:
        """Return one sentence a manager can read."""
        if self.mismatch:
            return (
                f"Sample ratio mismatch: the arm sizes differ from the design "
                f"(chi2 = {self.chi2:.2f}, p = {self.p_value:.2g} < {self.threshold}). "
                "Do not trust the effects below until the assignment is explained."
            )
        return (
            f"The split is healthy: arm sizes match the design "
            f"(chi2 = {self.chi2:.2f}, p = {self.p_value:.3f} >= {self.threshold})."
        )


def check_srm(
    counts: Mapping[str, int] | Sequence[int],
    design_split: Mapping[str, float] | Sequence[float] | None = None,
    *,
    threshold: float = SRM_THRESHOLD,
) -> SrmResult:
    """Chi-square test of arm counts against the designed split.

    Parameters
    ----------
    counts : mapping of arm to count, or sequence of counts
        Units assigned to each arm.
    design_split : mapping or sequence of float, optional
        Designed allocation per arm (weights, normalised to sum 1); default equal split. A
        mapping must name exactly the arms of ``counts``.
    threshold : float, default 0.001
        Alert when the p-value is below it.

    Returns
    -------
    SrmResult

    Examples
    --------
    >>> round(check_srm([21306, 21307, 21387]).p_value, 4)  # statistics.md §4 E1
    0.9037
    """
    if isinstance(counts, Mapping):
        arms = tuple(str(arm) for arm in counts)
        observed = np.array([counts[arm] for arm in counts], dtype=float)
    else:
        observed = np.asarray(counts, dtype=float)
        arms = tuple(str(i) for i in range(len(observed)))
    if len(observed) < 2:
        raise ParameterError(f"an SRM check needs at least 2 arms, got {len(observed)}")
    if np.any(observed < 0) or observed.sum() <= 0:
        raise ParameterError(f"arm counts must be non-negative with a positive total: {observed}")
    if design_split is None:
        weights = np.ones(len(observed))
    elif isinstance(design_split, Mapping):
        keys = {str(key) for key in design_split}
        if keys != set(arms):
            raise ParameterError(
                f"parameter 'design_split' must name exactly the arms {list(arms)}, "
                f"got {sorted(keys)}"
            )
        lookup = {str(key): value for key, value in design_split.items()}
        weights = np.array([float(lookup[arm]) for arm in arms])
    else:
        weights = np.asarray(design_split, dtype=float)
        if len(weights) != len(observed):
            raise ParameterError(
                f"parameter 'design_split' has {len(weights)} shares for {len(observed)} arms"
            )
    if np.any(~np.isfinite(weights)) or np.any(weights <= 0):
        raise ParameterError(f"parameter 'design_split' must be positive shares, got {weights}")
    shares = weights / weights.sum()
    expected = shares * observed.sum()
    chi2, p_value = stats.chisquare(observed, expected)
    return SrmResult(
        arms=arms,
        observed=tuple(int(x) for x in observed),
        expected=tuple(float(x) for x in expected),
        design_split=tuple(float(x) for x in shares),
        chi2=float(chi2),
        df=len(observed) - 1,
        p_value=float(p_value),
        threshold=float(threshold),
        mismatch=bool(p_value < threshold),
    )
