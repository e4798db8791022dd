"""Evaluation of an uplift ranking on held-out data: Qini and uplift curves, Qini coefficient, AUUC.

The libraries disagree on these numbers (reference/statistics.md §2: causalml's baseline changed in
#799, scikit-uplift normalises by a "perfect" curve). Loyalty Lab uses ONE definition, that of
scikit-uplift 0.5.1, extended to continuous outcomes:

Sort units by predicted uplift, highest first (ties kept together). After the first ``k`` units,
with ``N_T, N_C`` treated/control units and ``Y_T, Y_C`` their outcome sums,

- **Qini curve** ``Q(k) = Y_T - Y_C * N_T / N_C`` (incremental outcome among the targeted, in
  treated-group units; Radcliffe 2007);
- **uplift curve** ``U(k) = (Y_T / N_T - Y_C / N_C) * k``.

Both start at (0, 0); the *random* line joins (0, 0) to the curve's end. The **Qini coefficient**
is the area between the Qini curve and the random line divided by the same area for the *perfect*
ranking (treated units by decreasing outcome, then control units by increasing outcome, i.e.
ranking by ``y t - y (1 - t)``; sklift ``qini_auc_score(negative_effect=True)``). **AUUC** is the
same ratio for the uplift curve (sklift ``uplift_auc_score``; for binary outcomes the perfect curve
is sklift's ``perfect_uplift_curve``, for continuous ones the perfect Qini ranking). 0 = random,
1 = perfect, negative = worse than random. Areas use the trapezoid rule on the curve points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab.errors import DataValidationError, ParameterError

__all__ = [
    "UpliftEvaluation",
    "auuc",
    "evaluate_uplift",
    "perfect_qini_curve",
    "perfect_uplift_curve",
    "qini_coefficient",
    "qini_curve",
    "uplift_at_k",
    "uplift_by_decile",
    "uplift_curve",
]


def _arrays(y: object, score: object, treatment: object) -> tuple[np.ndarray, ...]:
    y_arr = np.asarray(y, dtype=float)
    s_arr = np.asarray(score, dtype=float)
    t_arr = np.asarray(treatment, dtype=float)
    if not (y_arr.shape == s_arr.shape == t_arr.shape) or y_arr.ndim != 1:
        raise ParameterError(
            f"y, score and treatment must be 1-D of equal length, got "
            f"{y_arr.shape}, {s_arr.shape}, {t_arr.shape}"
        )
    for name, values in (("y", y_arr), ("score", s_arr)):
        bad = ~np.isfinite(values)
        if bad.any():
            raise DataValidationError(f"{name} has {int(bad.sum())} missing or infinite values")
    if not np.isin(t_arr, (0.0, 1.0)).all():
        raise DataValidationError("treatment must hold only 0/1")
    if t_arr.min() == t_arr.max():
        raise DataValidationError("treatment must contain both treated (1) and control (0) units")
    return y_arr, s_arr, t_arr


def _cumulative(y: np.ndarray, score: np.ndarray, treatment: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(score, kind="mergesort")[::-1]
    y, score, treatment = y[order], score[order], treatment[order]
    thresholds = np.r_[np.where(np.diff(score))[0], score.size - 1]
    n_t = np.cumsum(treatment)[thresholds]
    y_t = np.cumsum(y * treatment)[thresholds]
    y_c = np.cumsum(y * (1 - treatment))[thresholds]
    n_all = (thresholds + 1).astype(float)
    n_c = n_all - n_t
    return n_all, n_t, n_c, y_t, y_c


def _start_at_origin(x: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if x.size == 0 or x[0] != 0 or values[0] != 0:
        return np.r_[0.0, x], np.r_[0.0, values]
    return x, values


def qini_curve(y: object, score: object, treatment: object) -> tuple[np.ndarray, np.ndarray]:
    """Qini curve: incremental outcome among the top ``k`` units by score.

    Parameters
    ----------
    y : array-like of float
        Observed outcome (0/1 or continuous).
    score : array-like of float
        Predicted uplift (higher = target first).
    treatment : array-like of 0/1
        Treatment indicator.

    Returns
    -------
    n_targeted, qini : numpy.ndarray
        Curve points, starting at (0, 0).
    """
    n_all, n_t, n_c, y_t, y_c = _cumulative(*_arrays(y, score, treatment))
    ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c != 0)
    return _start_at_origin(n_all, y_t - y_c * ratio)


def uplift_curve(y: object, score: object, treatment: object) -> tuple[np.ndarray, np.ndarray]:
    """Uplift curve: ``(mean_T - mean_C) * k`` among the top ``k`` units by score.

    Parameters
    ----------
    y, score, treatment : array-like
        As in :func:`qini_curve`.

    Returns
    -------
    n_targeted, uplift : numpy.ndarray
        Curve points, starting at (0, 0).
    """
    n_all, n_t, n_c, y_t, y_c = _cumulative(*_arrays(y, score, treatment))
    mean_t = np.divide(y_t, n_t, out=np.zeros_like(y_t), where=n_t != 0)
    mean_c = np.divide(y_c, n_c, out=np.zeros_like(y_c), where=n_c != 0)
    return _start_at_origin(n_all, (mean_t - mean_c) * n_all)


def perfect_qini_curve(y: object, treatment: object) -> tuple[np.ndarray, np.ndarray]:
    """Qini curve of the perfect ranking ``y t - y (1 - t)``.

    Parameters
    ----------
    y : array-like of float
        Observed outcome.
    treatment : array-like of 0/1
        Treatment indicator.

    Returns
    -------
    n_targeted, qini : numpy.ndarray
    """
    y_arr = np.asarray(y, dtype=float)
    t_arr = np.asarray(treatment, dtype=float)
    return qini_curve(y_arr, y_arr * t_arr - y_arr * (1 - t_arr), t_arr)


def perfect_uplift_curve(y: object, treatment: object) -> tuple[np.ndarray, np.ndarray]:
    """Uplift curve of the perfect ranking (sklift's for binary outcomes).

    Parameters
    ----------
    y : array-like of float
        Observed outcome.
    treatment : array-like of 0/1
        Treatment indicator.

    Returns
    -------
    n_targeted, uplift : numpy.ndarray
    """
    y_arr = np.asarray(y, dtype=float)
    t_arr = np.asarray(treatment, dtype=float)
    if np.isin(y_arr, (0.0, 1.0)).all():
        control_responders = np.sum((y_arr == 1) & (t_arr == 0))
        treated_nonresponders = np.sum((y_arr == 0) & (t_arr == 1))
        summand = y_arr if control_responders > treated_nonresponders else t_arr
        perfect = 2.0 * (y_arr == t_arr) + summand
    else:
        perfect = y_arr * t_arr - y_arr * (1 - t_arr)
    return uplift_curve(y_arr, perfect, t_arr)


def _normalised_area(
    curve: tuple[np.ndarray, np.ndarray], perfect: tuple[np.ndarray, np.ndarray]
) -> float:
    x_p, v_p = perfect
    baseline = float(np.trapezoid([0.0, v_p[-1]], [0.0, x_p[-1]]))
    best = float(np.trapezoid(v_p, x_p)) - baseline
    actual = float(np.trapezoid(curve[1], curve[0])) - baseline
    if best == 0:
        return float("nan")
    return actual / best


def qini_coefficient(y: object, score: object, treatment: object) -> float:
    """Qini coefficient: area between Qini curve and random line over that of the perfect curve.

    Parameters
    ----------
    y, score, treatment : array-like
        As in :func:`qini_curve`.

    Returns
    -------
    float
        0 = no better than random, 1 = perfect (sklift ``qini_auc_score``).

    Examples
    --------
    >>> qini_coefficient([0, 1], [0.1, 0.3], [1, 0])  # sklift tests, statistics.md §4 H1
    1.0
    """
    y_arr, s_arr, t_arr = _arrays(y, score, treatment)
    return _normalised_area(qini_curve(y_arr, s_arr, t_arr), perfect_qini_curve(y_arr, t_arr))


def auuc(y: object, score: object, treatment: object) -> float:
    """Area under the uplift curve, normalised like the Qini coefficient (sklift).

    Parameters
    ----------
    y, score, treatment : array-like
        As in :func:`qini_curve`.

    Returns
    -------
    float
        0 = random, 1 = perfect (sklift ``uplift_auc_score``).

    Examples
    --------
    >>> auuc([0, 1], [0.1, 0.3], [1, 0])  # statistics.md §4 H1
    0.0
    """
    y_arr, s_arr, t_arr = _arrays(y, score, treatment)
    return _normalised_area(uplift_curve(y_arr, s_arr, t_arr), perfect_uplift_curve(y_arr, t_arr))


def uplift_at_k(y: object, score: object, treatment: object, k: float = 0.3) -> float:
    """Observed uplift among the top share ``k`` of units by score.

    ``mean(y | treated, top k) - mean(y | control, top k)`` where the top ``ceil(k n)`` units are
    taken over both groups together (sklift ``uplift_at_k(strategy="overall")``).

    Parameters
    ----------
    y, score, treatment : array-like
        As in :func:`qini_curve`.
    k : float, default 0.3
        Share of units in (0, 1].

    Returns
    -------
    float
    """
    if not 0 < k <= 1:
        raise ParameterError(f"parameter 'k' must lie in (0, 1], got {k}")
    y_arr, s_arr, t_arr = _arrays(y, score, treatment)
    top = np.argsort(s_arr, kind="mergesort")[::-1][: int(np.ceil(k * y_arr.size))]
    treated, control = top[t_arr[top] == 1], top[t_arr[top] == 0]
    if treated.size == 0 or control.size == 0:
        return float("nan")
    return float(y_arr[treated].mean() - y_arr[control].mean())


def uplift_by_decile(y: object, score: object, treatment: object, bins: int = 10) -> pd.DataFrame:
    """Observed uplift in equal-size bins of the score (bin 1 = highest predicted uplift).

    Parameters
    ----------
    y, score, treatment : array-like
        As in :func:`qini_curve`.
    bins : int, default 10
        Number of bins.

    Returns
    -------
    pandas.DataFrame
        bin, n_treatment, n_control, treatment_mean, control_mean, uplift, uplift_se,
        predicted_uplift (mean score in the bin).
    """
    y_arr, s_arr, t_arr = _arrays(y, score, treatment)
    if bins < 1 or bins > y_arr.size:
        raise ParameterError(f"parameter 'bins' must lie in [1, {y_arr.size}], got {bins}")
    order = np.argsort(s_arr, kind="mergesort")[::-1]
    rank = np.empty(y_arr.size, dtype=np.int64)
    rank[order] = np.arange(y_arr.size)
    group = rank * bins // y_arr.size
    rows = []
    for b in range(bins):
        in_bin = group == b
        yt = y_arr[in_bin & (t_arr == 1)]
        yc = y_arr[in_bin & (t_arr == 0)]
        mean_t = yt.mean() if yt.size else np.nan
        mean_c = yc.mean() if yc.size else np.nan
        var_t = yt.var(ddof=1) / yt.size if yt.size > 1 else np.nan
        var_c = yc.var(ddof=1) / yc.size if yc.size > 1 else np.nan
        rows.append(
            {
                "bin": b + 1,
                "n_treatment": int(yt.size),
                "n_control": int(yc.size),
                "treatment_mean": mean_t,
                "control_mean": mean_c,
                "uplift": mean_t - mean_c,
                "uplift_se": float(np.sqrt(var_t + var_c)),
                "predicted_uplift": float(s_arr[in_bin].mean()),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class UpliftEvaluation:
    """How well a score ranks units by uplift on held-out data.

    Attributes
    ----------
    qini : float
        Qini coefficient (0 random, 1 perfect).
    auuc : float
        Normalised area under the uplift curve.
    uplift_at_k : float
        Observed uplift among the top ``k`` share.
    k : float
        The share used for ``uplift_at_k``.
    curve : pandas.DataFrame
        share_targeted, n_targeted, qini, random_qini, uplift (curve points).
    deciles : pandas.DataFrame
        :func:`uplift_by_decile`.
    """

    qini: float
    auuc: float
    uplift_at_k: float
    k: float
    curve: pd.DataFrame
    deciles: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Return the three scores in one row."""
        return pd.DataFrame(
            [
                {
                    "qini": self.qini,
                    "auuc": self.auuc,
                    f"uplift_at_{int(round(self.k * 100))}": self.uplift_at_k,
                }
            ]
        )


def evaluate_uplift(
    y: object, score: object, treatment: object, *, k: float = 0.3, bins: int = 10
) -> UpliftEvaluation:
    """Qini coefficient, AUUC, uplift at ``k``, curves and deciles of a score.

    Parameters
    ----------
    y, score, treatment : array-like
        Held-out outcome, predicted uplift and treatment indicator.
    k : float, default 0.3
        Share for ``uplift_at_k``.
    bins : int, default 10
        Bins of the decile table.

    Returns
    -------
    UpliftEvaluation
    """
    y_arr, s_arr, t_arr = _arrays(y, score, treatment)
    x, q = qini_curve(y_arr, s_arr, t_arr)
    _, u = uplift_curve(y_arr, s_arr, t_arr)
    curve = pd.DataFrame(
        {
            "share_targeted": x / y_arr.size,
            "n_targeted": x,
            "qini": q,
            "random_qini": q[-1] * x / x[-1],
            "uplift": u,
        }
    )
    return UpliftEvaluation(
        qini=qini_coefficient(y_arr, s_arr, t_arr),
        auuc=auuc(y_arr, s_arr, t_arr),
        uplift_at_k=uplift_at_k(y_arr, s_arr, t_arr, k),
        k=float(k),
        curve=curve,
        deciles=uplift_by_decile(y_arr, s_arr, t_arr, bins),
    )
