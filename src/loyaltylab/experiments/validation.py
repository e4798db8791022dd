"""Input checks for experiment data: one row per unit with its arm, outcomes and covariates.

Every problem raises one :class:`~loyaltylab.errors.DataValidationError` (bad data) or
:class:`~loyaltylab.errors.ParameterError` (bad argument) naming the column, the count of offending
rows and up to five example rows. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import examples

__all__ = ["ArmCodes", "encode_arms", "validate_experiment_frame"]

_EXAMPLES = 5


def _examples(frame: pd.DataFrame, mask: np.ndarray, columns: Sequence[str]) -> str:
    return examples(frame, mask, columns, limit=_EXAMPLES)


@dataclass(frozen=True)
class ArmCodes:
    """Integer arm codes of every unit, with the control arm coded 0.

    Attributes
    ----------
    codes : numpy.ndarray
        One int per unit: 0 = control, 1.. = treatment arms in ``labels`` order.
    labels : tuple of str
        Arm labels; ``labels[0]`` is the control.
    counts : numpy.ndarray
        Units per arm.
    """

    codes: np.ndarray
    labels: tuple[str, ...]
    counts: np.ndarray

    @property
    def treatments(self) -> tuple[str, ...]:
        """Labels of the treatment arms."""
        return self.labels[1:]


def encode_arms(arms: pd.Series, control: str) -> ArmCodes:
    """Code the arm column as integers with the control first.

    Parameters
    ----------
    arms : pandas.Series
        The arm of every unit (any dtype; labels are compared as strings).
    control : str
        Label of the control arm.

    Returns
    -------
    ArmCodes
    """
    name = arms.name
    missing = arms.isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"arm column {name!r} has {int(missing.sum())} missing values, e.g. rows "
            f"{arms.index[missing][:_EXAMPLES].tolist()}"
        )
    if isinstance(arms.dtype, pd.CategoricalDtype):
        raw_codes = arms.cat.codes.to_numpy()
        raw_labels = [str(label) for label in arms.cat.categories]
    else:
        raw_codes, uniques = pd.factorize(arms, sort=True)
        raw_labels = [str(label) for label in uniques]
    counts = np.bincount(raw_codes, minlength=len(raw_labels))
    present = [label for label, count in zip(raw_labels, counts, strict=True) if count > 0]
    if len(present) < 2:
        raise DataValidationError(
            f"arm column {name!r} has only one value ({present[0]!r} in all {len(arms)} rows); "
            "an experiment needs a control and at least one treatment arm"
            if present
            else f"arm column {name!r} is empty"
        )
    if len(set(raw_labels)) != len(raw_labels):
        raise DataValidationError(
            f"arm column {name!r} has labels that coincide as text: {raw_labels[:10]}"
        )
    control = str(control)
    if control not in present:
        raise DataValidationError(
            f"control label {control!r} is absent from arm column {name!r}; the arms are "
            f"{present[:10]} ({len(arms)} rows)"
        )
    small = [label for label, count in zip(raw_labels, counts, strict=True) if 0 < count < 2]
    if small:
        raise DataValidationError(
            f"arm column {name!r}: arms {small[:5]} have fewer than 2 units; cannot estimate "
            "a variance"
        )
    order = [control] + [label for label in present if label != control]
    mapping = np.full(len(raw_labels), -1, dtype=np.int64)
    for new, label in enumerate(order):
        mapping[raw_labels.index(label)] = new
    codes = mapping[raw_codes]
    return ArmCodes(
        codes=codes, labels=tuple(order), counts=np.bincount(codes, minlength=len(order))
    )


def _as_names(value: Iterable[str] | None, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    names = list(value)
    bad = [item for item in names if not isinstance(item, str) or not item]
    if bad:
        raise ParameterError(f"parameter {name!r} must hold column names, got {bad[:5]}")
    return names


def validate_experiment_frame(
    frame: pd.DataFrame,
    *,
    arm_col: str,
    control: str,
    binary_outcomes: Iterable[str] = (),
    continuous_outcomes: Iterable[str] = (),
    ratio_metrics: Mapping[str, Sequence[str]] | None = None,
    covariates: Iterable[str] = (),
    segments: Iterable[str] = (),
) -> ArmCodes:
    """Check an experiment table and return its arm codes.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit.
    arm_col : str
        Column holding each unit's arm.
    control : str
        Label of the control arm.
    binary_outcomes : iterable of str
        0/1 outcome columns (booleans allowed).
    continuous_outcomes : iterable of str
        Numeric outcome columns.
    ratio_metrics : mapping of str to (numerator, denominator), optional
        Ratio metrics, e.g. ``{"spend_per_visit": ("spend", "visits")}``.
    covariates : iterable of str
        Numeric pre-period columns.
    segments : iterable of str
        Segment columns (any dtype; no missing values).

    Returns
    -------
    ArmCodes

    Raises
    ------
    DataValidationError
        Missing columns, an arm column with one value, an absent control label, non-0/1 values in
        a binary outcome, missing or non-numeric values in outcomes or covariates, missing segment
        values.
    ParameterError
        Malformed arguments (no outcome, an outcome declared twice, a bad ratio definition).
    """
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"experiment data must be a pandas DataFrame, got {type(frame)}")
    if frame.empty:
        raise DataValidationError("experiment data has no rows")
    binary = _as_names(binary_outcomes, "binary_outcomes")
    continuous = _as_names(continuous_outcomes, "continuous_outcomes")
    covariate_names = _as_names(covariates, "covariates")
    segment_names = _as_names(segments, "segments")
    ratios = dict(ratio_metrics or {})
    for metric, parts in ratios.items():
        if isinstance(parts, str) or len(parts) != 2:
            raise ParameterError(
                f"ratio metric {metric!r} must be (numerator, denominator), got {parts!r}"
            )
    if not (binary or continuous or ratios):
        raise ParameterError(
            "name at least one outcome (binary_outcomes, continuous_outcomes or ratio_metrics)"
        )
    declared = binary + continuous + list(ratios)
    duplicated = sorted({name for name in declared if declared.count(name) > 1})
    if duplicated:
        raise ParameterError(f"outcomes declared more than once: {duplicated}")
    ratio_columns = [column for parts in ratios.values() for column in parts]
    needed = [arm_col, *binary, *continuous, *ratio_columns, *covariate_names, *segment_names]
    missing_columns = [name for name in dict.fromkeys(needed) if name not in frame.columns]
    if missing_columns:
        raise DataValidationError(
            f"experiment data lacks columns {missing_columns}; it has {list(frame.columns)[:20]}"
        )
    for column in dict.fromkeys([*binary, *continuous, *ratio_columns, *covariate_names]):
        series = frame[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            converted = pd.to_numeric(series, errors="coerce")
            bad = converted.isna() & series.notna()
            raise DataValidationError(
                f"column {column!r} must be numeric; {int(bad.sum())} rows are not, e.g.\n"
                + _examples(frame, bad.to_numpy(), [arm_col, column])
            )
        missing = series.isna().to_numpy()
        if missing.any():
            role = "covariate" if column in covariate_names else "outcome"
            raise DataValidationError(
                f"{role} column {column!r} has {int(missing.sum())} missing values "
                f"(of {len(frame)} rows), e.g.\n" + _examples(frame, missing, [arm_col, column])
            )
        values = series.to_numpy(dtype=float)
        infinite = ~np.isfinite(values)
        if infinite.any():
            raise DataValidationError(
                f"column {column!r} has {int(infinite.sum())} infinite values, e.g.\n"
                + _examples(frame, infinite, [arm_col, column])
            )
    for column in binary:
        values = frame[column].to_numpy(dtype=float)
        bad = (values != 0) & (values != 1)
        if bad.any():
            raise DataValidationError(
                f"binary outcome {column!r} must hold only 0/1; {int(bad.sum())} rows do not "
                f"(values such as {sorted(set(values[bad][:50].tolist()))[:5]}), e.g.\n"
                + _examples(frame, bad, [arm_col, column])
            )
    for column in segment_names:
        missing = frame[column].isna().to_numpy()
        if missing.any():
            raise DataValidationError(
                f"segment column {column!r} has {int(missing.sum())} missing values, e.g.\n"
                + _examples(frame, missing, [arm_col, column])
            )
    return encode_arms(frame[arm_col], control)
