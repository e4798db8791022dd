"""Per-customer covariates for the CLV models: load, dummy-code, align with a summary.

A covariate file has one row per customer: an id column and the covariates (gender,
acquisition channel, member or not, age ...). :func:`load_customer_covariates` reads it
(CSV, Parquet or a DataFrame), normalises the ids by the one id rule
(:func:`loyaltylab.rules.customer_ids`) and turns each column into numbers:

* numeric columns (and booleans, as 0/1) are kept as they are;
* text / categorical columns are dummy-coded, the first level in sorted order being the
  reference (no column of its own): ``channel`` with levels ``online, shop, tv`` becomes
  ``channel[shop]`` and ``channel[tv]``; :attr:`CustomerCovariates.coding` lists the levels.

Missing values are refused with the count and example ids (fill them in the file, or use
``missing="drop"`` to leave those customers out, counted in :attr:`CustomerCovariates.dropped`);
a duplicated id is refused. :func:`covariate_matrix` aligns the covariates with a customer
summary (by ``customer_id``), refusing customers of the summary without covariates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import customer_ids

__all__ = ["CustomerCovariates", "covariate_matrix", "load_customer_covariates"]

_EXAMPLES = 5


@dataclass(frozen=True)
class CustomerCovariates:
    """Numeric covariates by customer, ready for :func:`loyaltylab.clv.fit_covariate_model`.

    Attributes
    ----------
    frame : pandas.DataFrame
        Index ``customer_id`` (normalised strings), one float column per covariate (dummy
        columns are named ``<column>[<level>]``).
    coding : dict of str to tuple of str
        Source column -> its levels for a dummy-coded column (the first is the reference);
        numeric columns are absent.
    dropped : int
        Customers left out for missing values (``missing="drop"``).
    """

    frame: pd.DataFrame
    coding: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dropped: int = 0

    @property
    def columns(self) -> list[str]:
        """The covariate columns (after dummy coding)."""
        return [str(c) for c in self.frame.columns]

    def summary(self) -> pd.DataFrame:
        """One row per covariate column: source column, reference level, mean, min, max."""
        rows = []
        for column in self.frame.columns:
            source = str(column).split("[", 1)[0]
            levels = self.coding.get(source)
            values = self.frame[column]
            rows.append(
                {
                    "covariate": column,
                    "source": source,
                    "reference": levels[0] if levels else "",
                    "mean": float(values.mean()),
                    "min": float(values.min()),
                    "max": float(values.max()),
                }
            )
        frame = pd.DataFrame(
            rows, columns=["covariate", "source", "reference", "mean", "min", "max"]
        )
        frame.attrs["customers"] = len(self.frame)
        frame.attrs["dropped"] = self.dropped
        return frame


def _read(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.exists():
        raise ParameterError(f"parameter 'covariates': file {str(path)!r} does not exist")
    if path.suffix.lower() in {".parquet", ".pq"}:
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def _numeric(values: pd.Series) -> pd.Series | None:
    """Return the column as floats if every present value is a number or a boolean, else None."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(float)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype(float)
    present = values.dropna().astype(str).str.strip()
    lowered = present.str.lower()
    if len(present) and lowered.isin({"true", "false"}).all():
        return values.map(
            lambda v: np.nan if pd.isna(v) else float(str(v).strip().lower() == "true")
        )
    converted = pd.to_numeric(present, errors="coerce")
    if len(present) and converted.notna().all():
        return pd.to_numeric(values.astype(object).where(values.notna()), errors="coerce").astype(
            float
        )
    return None


def load_customer_covariates(
    source: str | Path | pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    customer_id_column: str = "customer_id",
    missing: Literal["error", "drop"] = "error",
) -> CustomerCovariates:
    """Read a per-customer covariate file and dummy-code its text columns.

    Parameters
    ----------
    source : str, pathlib.Path or pandas.DataFrame
        A CSV or Parquet file (one row per customer), or a frame.
    columns : sequence of str, optional
        Covariate columns to keep (default: every column except the id).
    customer_id_column : str, default "customer_id"
        The id column, normalised by :func:`loyaltylab.rules.customer_ids`.
    missing : {"error", "drop"}, default "error"
        A missing value is an error, or its customer is left out (counted in ``dropped``).

    Returns
    -------
    CustomerCovariates

    Raises
    ------
    ParameterError
        Missing file, unknown column or option.
    DataValidationError
        Missing id, duplicated id, missing values (with ``missing="error"``), a column with a
        single level.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"customer_id": [1, 2, 3], "channel": ["shop", "online", "tv"],
    ...                       "member": [True, False, True]})
    >>> loaded = load_customer_covariates(frame)
    >>> loaded.columns, loaded.coding
    (['channel[shop]', 'channel[tv]', 'member'], {'channel': ('online', 'shop', 'tv')})
    >>> loaded.frame.loc["2"].tolist()
    [0.0, 0.0, 0.0]
    """
    if missing not in ("error", "drop"):
        raise ParameterError(f"parameter 'missing' must be 'error' or 'drop', got {missing!r}")
    raw = _read(source)
    if customer_id_column not in raw.columns:
        raise ParameterError(
            f"covariates: no id column {customer_id_column!r} (columns: {list(raw.columns)}); "
            f"set 'customer_id_column'"
        )
    wanted = (
        [c for c in raw.columns if c != customer_id_column] if columns is None else list(columns)
    )
    unknown = [c for c in wanted if c not in raw.columns]
    if unknown:
        raise ParameterError(
            f"covariates: column(s) {unknown} not in the file (columns: {list(raw.columns)})"
        )
    ids = customer_ids(raw[customer_id_column], name=customer_id_column)
    duplicated = ids[ids.duplicated(keep=False)]
    if len(duplicated):
        raise DataValidationError(
            f"covariates: {duplicated.nunique():,} customer id(s) appear more than once in "
            f"{customer_id_column!r} (e.g. {sorted(set(duplicated))[:_EXAMPLES]}); keep one row "
            f"per customer"
        )
    data = raw[wanted].copy()
    data.index = pd.Index(ids.to_numpy(), name="customer_id")
    if any(dtype == np.dtype(object) for dtype in data.dtypes):
        data = data.apply(
            lambda s: (
                s.where(~s.astype(str).str.strip().eq(""), np.nan)
                if s.dtype is np.dtype(object)
                else s
            )
        )
    absent = data.isna().any(axis=1)
    dropped = 0
    if absent.any():
        if missing == "error":
            counts = {c: int(n) for c, n in data.isna().sum().items() if n}
            raise DataValidationError(
                f"covariates: {int(absent.sum()):,} customer(s) have missing values (by column "
                f"{counts}; e.g. ids {list(data.index[absent][:_EXAMPLES])}); fill them in the "
                f"file or pass missing='drop' to leave those customers out"
            )
        dropped = int(absent.sum())
        data = data[~absent]
    numeric: dict[str, pd.Series] = {}
    coding: dict[str, tuple[str, ...]] = {}
    for column in wanted:
        values = data[column]
        as_number = _numeric(values)
        if as_number is not None:
            numeric[str(column)] = as_number
            continue
        text = values.astype(str).str.strip()
        levels = tuple(sorted(text.unique()))
        if len(levels) < 2:
            raise DataValidationError(
                f"covariates: column {column!r} has a single level {levels!r}; it carries no "
                f"information, leave it out of 'columns'"
            )
        coding[str(column)] = levels
        for level in levels[1:]:
            numeric[f"{column}[{level}]"] = (text == level).astype(float)
    frame = pd.DataFrame(numeric, index=data.index)
    return CustomerCovariates(frame=frame, coding=coding, dropped=dropped)


def covariate_matrix(
    summary: pd.DataFrame,
    covariates: pd.DataFrame | CustomerCovariates,
    columns: Sequence[str],
) -> np.ndarray:
    """Return the covariates ``columns`` of each summary row, as a float matrix.

    With a ``customer_id`` column in ``summary`` and a ``customer_id`` index on the covariates
    (as :func:`load_customer_covariates` gives), rows are matched by id; otherwise the
    covariates must have one row per summary row, in the same order.

    Raises
    ------
    ParameterError
        A column is not among the covariates.
    DataValidationError
        Customers of the summary without covariates, or values that are not finite numbers.
    """
    frame = covariates.frame if isinstance(covariates, CustomerCovariates) else covariates
    columns = list(columns)
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise ParameterError(
            f"covariate column(s) {unknown} not among the covariates {list(frame.columns)} "
            f"(a text column is dummy-coded as '<column>[<level>]')"
        )
    if not columns:
        return np.zeros((len(summary), 0))
    if "customer_id" in summary.columns and frame.index.name == "customer_id":
        wanted = customer_ids(summary["customer_id"]).to_numpy()
        index = frame.index.astype(str)
        found = pd.Index(index).get_indexer(wanted)
        if (found < 0).any():
            lacking = wanted[found < 0]
            raise DataValidationError(
                f"covariates: {len(lacking):,} of {len(wanted):,} customers of the summary have "
                f"no covariates (e.g. {list(lacking[:_EXAMPLES])}); add them to the covariate "
                f"file or leave them out of the summary"
            )
        values = frame[columns].to_numpy(dtype=float)[found]
    else:
        if len(frame) != len(summary):
            raise DataValidationError(
                f"covariates: {len(frame):,} rows for {len(summary):,} customers; give a "
                f"'customer_id' column in the summary and a 'customer_id' index on the "
                f"covariates, or one row per customer in the same order"
            )
        values = frame[columns].to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataValidationError(
            f"covariates: {int(bad.any(axis=1).sum()):,} customers have values that are not "
            f"finite numbers in {[c for c, b in zip(columns, bad.any(axis=0), strict=True) if b]}"
        )
    return np.asarray(values, dtype=float)
