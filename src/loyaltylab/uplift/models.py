"""Uplift models on statsmodels GLMs: T-learner, S-learner and class transformation.

Each model predicts the individual uplift ``E[y | x, treated] - E[y | x, control]`` of one
treatment arm against control. The GLM family follows the outcome: logistic for 0/1 outcomes,
Poisson quasi-likelihood with log link for non-negative ones (visits, spend: effects are
multiplicative, so the uplift varies with x), Gaussian otherwise.

- ``t_learner``: one GLM per arm; uplift = difference of the two predictions.
- ``s_learner``: one GLM on both arms with the treatment indicator as one more feature (sklift
  ``SoloModel(method="dummy")``); uplift = prediction as treated - prediction as control. The
  uplift varies with x through the logistic link only (with interactions on every feature the
  GLM would equal the T-learner).
- ``class_transformation``: for a binary outcome, ``z = y t + (1 - y)(1 - t)`` fitted by a
  logistic GLM with weights that balance the arms (so unequal splits are allowed); uplift =
  ``2 P(z=1|x) - 1``.
  For a continuous outcome, the transformed outcome ``y (t - p) / (p (1 - p))`` fitted by least
  squares (its conditional mean is the uplift).

Features: numeric columns (``log1p`` of non-negative ones when ``log_features``) standardised on
the training data; other columns one-hot encoded (first level dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from loyaltylab.errors import DataValidationError, ModelConvergenceError, ParameterError

__all__ = ["UPLIFT_METHODS", "FeatureDesign", "UpliftModel", "fit_uplift_model"]

UPLIFT_METHODS = ("t_learner", "s_learner", "class_transformation")

FloatArray = npt.NDArray[np.float64]
"""A float array: design matrices, coefficients, predictions."""


@dataclass(frozen=True)
class FeatureDesign:
    """How raw feature columns become a design matrix (learned on training data).

    Attributes
    ----------
    numeric : tuple of str
        Numeric feature columns.
    logged : tuple of str
        Numeric columns transformed with ``log1p`` before standardising.
    centre, scale : dict of str to float
        Standardisation of every numeric column.
    categories : dict of str to tuple of str
        Levels of every categorical column; the first is the reference.
    """

    numeric: tuple[str, ...]
    logged: tuple[str, ...]
    centre: dict[str, float]
    scale: dict[str, float]
    categories: dict[str, tuple[str, ...]]

    @classmethod
    def learn(
        cls, frame: pd.DataFrame, features: Sequence[str], *, log_features: bool = True
    ) -> FeatureDesign:
        """Learn the encoding of ``features`` from ``frame``."""
        numeric, logged, centre, scale, categories = [], [], {}, {}, {}
        for column in features:
            series = frame[column]
            if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
                levels = tuple(sorted(str(value) for value in series.astype(str).unique()))
                categories[column] = levels
                continue
            values = series.to_numpy(dtype=float)
            if not np.all(np.isfinite(values)):
                bad = int((~np.isfinite(values)).sum())
                raise DataValidationError(
                    f"feature {column!r} has {bad} missing or infinite values"
                )
            numeric.append(column)
            if log_features and values.min() >= 0:
                logged.append(column)
                values = np.log1p(values)
            centre[column] = float(values.mean())
            sd = float(values.std())
            scale[column] = sd if sd > 0 else 1.0
        return cls(tuple(numeric), tuple(logged), centre, scale, categories)

    @property
    def names(self) -> list[str]:
        """Column names of the design matrix (without the intercept)."""
        names = [f"log1p({c})" if c in self.logged else c for c in self.numeric]
        for column, levels in self.categories.items():
            names.extend(f"{column}[{level}]" for level in levels[1:])
        return names

    def matrix(self, frame: pd.DataFrame) -> FloatArray:
        """Return the design matrix with a leading intercept column."""
        parts = [np.ones((len(frame), 1))]
        for column in self.numeric:
            values = frame[column].to_numpy(dtype=float)
            if column in self.logged:
                values = np.log1p(np.maximum(values, 0.0))
            parts.append(((values - self.centre[column]) / self.scale[column])[:, None])
        for column, levels in self.categories.items():
            values = frame[column].astype(str).to_numpy()
            unknown = ~np.isin(values, levels)
            if unknown.any():
                raise DataValidationError(
                    f"feature {column!r} has {int(unknown.sum())} values unseen in training, "
                    f"e.g. {sorted(set(values[unknown]))[:5]}"
                )
            parts.append(
                np.column_stack([values == level for level in levels[1:]]).astype(float)
                if len(levels) > 1
                else np.empty((len(frame), 0))
            )
        return np.hstack(parts)


@dataclass(frozen=True)
class UpliftModel:
    """A fitted uplift model of one treatment arm against control.

    Attributes
    ----------
    method : str
        One of :data:`UPLIFT_METHODS`.
    outcome : str
        Outcome column.
    binary : bool
        Whether the outcome is 0/1.
    family : str
        GLM family: ``"binomial"``, ``"poisson"`` or ``"gaussian"``.
    treatment_share : float
        Share of treated units in the training data.
    design : FeatureDesign
        Feature encoding.
    coefficients : dict of str to numpy.ndarray
        GLM coefficients: ``control`` and ``treatment`` (T-learner), ``joint`` (S-learner, the
        last coefficient is the treatment indicator's) or
        ``transformed`` (class transformation).
    """

    method: str
    outcome: str
    binary: bool
    family: str
    treatment_share: float
    design: FeatureDesign
    coefficients: dict[str, FloatArray] = field(default_factory=dict)

    def _mean(self, eta: FloatArray) -> FloatArray:
        if self.family == "binomial":
            return 1.0 / (1.0 + np.exp(-eta))
        if self.family == "poisson":
            return np.exp(np.minimum(eta, 700.0))
        return eta

    def predict(self, frame: pd.DataFrame) -> FloatArray:
        """Predict the individual uplift of every row of ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame
            Rows with the feature columns.

        Returns
        -------
        numpy.ndarray
            Predicted ``E[y | x, treated] - E[y | x, control]``.
        """
        x = self.design.matrix(frame)
        if self.method == "t_learner":
            return self._mean(x @ self.coefficients["treatment"]) - self._mean(
                x @ self.coefficients["control"]
            )
        if self.method == "s_learner":
            beta = self.coefficients["joint"]
            eta = x @ beta[:-1]
            return self._mean(eta + beta[-1]) - self._mean(eta)
        eta = x @ self.coefficients["transformed"]
        if self.family == "binomial":
            return 2.0 / (1.0 + np.exp(-eta)) - 1.0
        return eta

    def summary(self) -> pd.DataFrame:
        """Return the coefficients, one row per design column and fitted model."""
        names = ["intercept", *self.design.names]
        rows: list[dict[str, str | float]] = []
        for part, beta in self.coefficients.items():
            labels = names if beta.size == len(names) else [*names, "treated"]
            rows.extend(
                {"model": part, "term": label, "coefficient": float(value)}
                for label, value in zip(labels, beta, strict=True)
            )
        return pd.DataFrame(rows)


_FAMILIES = {
    "binomial": sm.families.Binomial,
    "poisson": sm.families.Poisson,
    "gaussian": sm.families.Gaussian,
}


def _fit_glm(
    y: np.ndarray, x: np.ndarray, family_name: str, weights: np.ndarray | None = None
) -> FloatArray:
    import warnings

    family = _FAMILIES[family_name]()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        try:
            result = sm.GLM(y, x, family=family, var_weights=weights).fit(maxiter=100)
        except (ConvergenceWarning, np.linalg.LinAlgError, ValueError) as error:
            raise ModelConvergenceError(
                f"uplift GLM ({family_name}) did not converge on {len(y)} rows: {error}"
            ) from None
    params = np.asarray(result.params, dtype=float)
    if not np.all(np.isfinite(params)):
        raise ModelConvergenceError("uplift GLM returned non-finite coefficients")
    return params


def fit_uplift_model(
    frame: pd.DataFrame,
    *,
    treatment: np.ndarray | pd.Series | str,
    outcome: str,
    features: Sequence[str],
    method: str = "t_learner",
    binary: bool | None = None,
    log_features: bool = True,
) -> UpliftModel:
    """Fit an uplift model of one treatment against control.

    Parameters
    ----------
    frame : pandas.DataFrame
        Training rows of the control and one treatment arm.
    treatment : array-like of 0/1, or str
        Treatment indicator per row, or the name of a 0/1 column.
    outcome : str
        Outcome column.
    features : sequence of str
        Feature columns (pre-period behaviour, segments).
    method : {"t_learner", "s_learner", "class_transformation"}, default "t_learner"
        The model.
    binary : bool, optional
        Whether the outcome is 0/1 (default: inferred from the values).
    log_features : bool, default True
        Apply ``log1p`` to non-negative numeric features.

    Returns
    -------
    UpliftModel

    Raises
    ------
    ParameterError
        Unknown method, no features, or a treatment indicator that is not 0/1 with both values.
    DataValidationError
        Missing outcome or feature values, or a non-0/1 outcome declared binary.
    ModelConvergenceError
        A GLM did not converge.
    """
    if method not in UPLIFT_METHODS:
        raise ParameterError(f"parameter 'method' must be one of {UPLIFT_METHODS}, got {method!r}")
    features = list(features)
    if not features:
        raise ParameterError("an uplift model needs at least one feature")
    missing = [c for c in [outcome, *features] if c not in frame.columns]
    if missing:
        raise DataValidationError(f"uplift data lacks columns {missing}")
    t = frame[treatment].to_numpy() if isinstance(treatment, str) else np.asarray(treatment)
    t = t.astype(float)
    if t.shape != (len(frame),) or not np.isin(t, (0.0, 1.0)).all():
        raise ParameterError("treatment must be a 0/1 indicator with one value per row")
    if t.min() == t.max():
        raise ParameterError("treatment indicator has only one value; need treated and control")
    y = frame[outcome].to_numpy(dtype=float)
    bad = ~np.isfinite(y)
    if bad.any():
        raise DataValidationError(f"outcome {outcome!r} has {int(bad.sum())} missing values")
    is_binary = bool(np.isin(y, (0.0, 1.0)).all())
    if binary is None:
        binary = is_binary
    elif binary and not is_binary:
        raise DataValidationError(
            f"outcome {outcome!r} is declared binary but holds values "
            f"other than 0/1, e.g. {sorted(set(y[~np.isin(y, (0, 1))]))[:5]}"
        )
    family = "binomial" if binary else ("poisson" if y.min() >= 0 else "gaussian")
    design = FeatureDesign.learn(frame, features, log_features=log_features)
    x = design.matrix(frame)
    share = float(t.mean())
    treated = t == 1.0
    if method == "t_learner":
        coefficients = {
            "control": _fit_glm(y[~treated], x[~treated], family),
            "treatment": _fit_glm(y[treated], x[treated], family),
        }
    elif method == "s_learner":
        coefficients = {"joint": _fit_glm(y, np.hstack([x, t[:, None]]), family)}
    elif binary:
        z = y * t + (1.0 - y) * (1.0 - t)
        weights = np.where(treated, 0.5 / share, 0.5 / (1.0 - share))
        coefficients = {"transformed": _fit_glm(z, x, "binomial", weights)}
    else:
        transformed = y * (t - share) / (share * (1.0 - share))
        family = "gaussian"
        coefficients = {"transformed": _fit_glm(transformed, x, family)}
    return UpliftModel(
        method=method,
        outcome=outcome,
        binary=bool(binary),
        family=family,
        treatment_share=share,
        design=design,
        coefficients=coefficients,
    )
