"""Checks of the frames the KPIs read: transactions, members, points ledger, labels and CLV.

The KPIs take frames already in the canonical form of ``DESIGN.md`` (what the loaders of
:mod:`loyaltylab.data` return) and refuse anything else with one clear error naming the frame, the
column, the count and example rows. The rules themselves have one home each: customer ids and
example rows in :mod:`loyaltylab.rules`, the required transaction columns and the ledger kinds in
:mod:`loyaltylab.data`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.data.loyalty import LEDGER_KINDS, LEDGER_SIGNS
from loyaltylab.data.transactions import REQUIRED_COLUMNS
from loyaltylab.errors import DataValidationError
from loyaltylab.rules import customer_ids, examples

__all__ = [
    "clv_series",
    "require_frame",
    "validate_labels",
    "validate_ledger",
    "validate_members",
    "validate_transactions",
]

_LEDGER_COLUMNS = ["customer_id", "timestamp", "kind", "points"]


def require_frame(frame: Any, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Return ``frame`` if it is a non-empty DataFrame with ``columns`` and no missing values.

    Parameters
    ----------
    frame : Any
        The input to check.
    name : str
        Its name in error messages (``"transactions"``, ``"members"``, ``"ledger"``).
    columns : tuple of str
        The columns it needs, each without missing values.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself.

    Raises
    ------
    DataValidationError
        Not a DataFrame, a column missing, no rows, or missing values (count and example rows).
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            f"{name} must be a pandas DataFrame with columns {list(columns)}, "
            f"got {type(frame).__name__}"
        )
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{name} is missing column(s) {missing}; it has {list(frame.columns)[:10]}"
        )
    if frame.empty:
        raise DataValidationError(f"{name} has no rows")
    for column in columns:
        nulls = frame[column].isna()
        if nulls.any():
            raise DataValidationError(
                f"{name} column {column!r} has {int(nulls.sum())} missing value(s), e.g. rows "
                f"\n{examples(frame, nulls, list(columns))}"
            )
    return frame


def _check_datetime(frame: pd.DataFrame, name: str, column: str) -> None:
    dtype = frame[column].dtype
    if not pd.api.types.is_datetime64_dtype(dtype):
        raise DataValidationError(
            f"{name} column {column!r} must be a timezone-naive datetime64 (load the data with "
            f"loyaltylab.data), got dtype {dtype}; first values {frame[column].head(3).tolist()}"
        )


def _check_numeric(frame: pd.DataFrame, name: str, column: str) -> None:
    if not pd.api.types.is_numeric_dtype(frame[column].dtype) or pd.api.types.is_bool_dtype(
        frame[column].dtype
    ):
        raise DataValidationError(
            f"{name} column {column!r} must be numeric, got dtype {frame[column].dtype}; "
            f"first values {frame[column].head(3).tolist()}"
        )
    bad = ~np.isfinite(frame[column].to_numpy(dtype=float))
    if bad.any():
        raise DataValidationError(
            f"{name} column {column!r} has {int(bad.sum())} non-finite value(s), e.g. rows "
            f"\n{examples(frame, bad, ['customer_id', column])}"
        )


def validate_transactions(transactions: Any) -> pd.DataFrame:
    """Check canonical transactions and return the columns the KPIs use, ids normalised.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``customer_id``, ``timestamp`` (tz-naive datetime64), ``amount`` (numeric, finite)
        [, ``order_id``].

    Returns
    -------
    pandas.DataFrame
        A copy with ``customer_id`` as normalised strings (:func:`loyaltylab.rules.customer_ids`),
        ``amount`` as float and ``order_id`` (if present) as text.

    Raises
    ------
    DataValidationError
        A column missing, empty, missing values, string timestamps or non-numeric amounts.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1.0], "timestamp": pd.to_datetime(["2024-01-02"]),
    ...                    "amount": [10]})
    >>> validate_transactions(tx)["customer_id"].tolist()
    ['1']
    """
    frame = require_frame(transactions, "transactions", REQUIRED_COLUMNS)
    _check_datetime(frame, "transactions", "timestamp")
    _check_numeric(frame, "transactions", "amount")
    columns = list(REQUIRED_COLUMNS)
    if "order_id" in frame.columns:
        columns.append("order_id")
    out = frame[columns].copy()
    out["customer_id"] = customer_ids(out["customer_id"])
    out["amount"] = out["amount"].astype(float)
    if "order_id" in out.columns:
        out["order_id"] = out["order_id"].astype("string").astype(object)
    return out


def validate_members(members: Any) -> pd.DataFrame:
    """Check a members table (``customer_id``, ``enrolled_at``; one row per customer).

    Parameters
    ----------
    members : pandas.DataFrame
        Members as :func:`loyaltylab.data.load_members` returns them.

    Returns
    -------
    pandas.DataFrame
        A copy with ``customer_id`` as normalised strings.

    Raises
    ------
    DataValidationError
        A column missing, missing values, ``enrolled_at`` not datetime64, or a customer twice.
    """
    frame = require_frame(members, "members", ("customer_id", "enrolled_at"))
    _check_datetime(frame, "members", "enrolled_at")
    out = frame.copy()
    out["customer_id"] = customer_ids(out["customer_id"])
    dupes = out["customer_id"].duplicated()
    if dupes.any():
        raise DataValidationError(
            f"members has {int(dupes.sum())} duplicated customer_id(s), e.g. rows "
            f"\n{examples(out, dupes, ['customer_id', 'enrolled_at'])}"
        )
    return out


def validate_ledger(ledger: Any) -> pd.DataFrame:
    """Check a points ledger: kinds of :data:`loyaltylab.data.loyalty.LEDGER_KINDS`, signed points.

    Parameters
    ----------
    ledger : pandas.DataFrame
        ``customer_id``, ``timestamp``, ``kind``, signed ``points`` (earn > 0, redeem < 0,
        expire < 0, adjust either sign), as :func:`loyaltylab.data.load_ledger` returns it.

    Returns
    -------
    pandas.DataFrame
        A copy with ``customer_id`` as normalised strings and ``kind`` as text.

    Raises
    ------
    DataValidationError
        A column missing, missing values, an unknown kind or a point with the wrong sign.
    """
    frame = require_frame(ledger, "ledger", tuple(_LEDGER_COLUMNS))
    _check_datetime(frame, "ledger", "timestamp")
    _check_numeric(frame, "ledger", "points")
    out = frame.copy()
    out["customer_id"] = customer_ids(out["customer_id"])
    out["kind"] = out["kind"].astype(str)
    unknown = ~out["kind"].isin(LEDGER_KINDS)
    if unknown.any():
        raise DataValidationError(
            f"ledger column 'kind' has {int(unknown.sum())} value(s) outside {list(LEDGER_KINDS)}"
            f", e.g. rows \n{examples(out, unknown, _LEDGER_COLUMNS)}"
        )
    sign = out["kind"].map(dict(LEDGER_SIGNS))  # NaN for an adjustment: either sign
    wrong_sign = sign.notna() & (np.sign(out["points"]) != sign)
    if wrong_sign.any():
        raise DataValidationError(
            f"ledger column 'points' has {int(wrong_sign.sum())} value(s) with the wrong sign "
            "(earn must be > 0, redeem and expire < 0), e.g. rows "
            f"\n{examples(out, wrong_sign, _LEDGER_COLUMNS)}"
        )
    return out


def validate_labels(labels: Any, name: str) -> pd.DataFrame:
    """Check segment labels and return them as a ``customer_id``, ``segment`` table.

    Parameters
    ----------
    labels : pandas.Series or pandas.DataFrame
        A Series of labels indexed by ``customer_id`` or a frame with ``customer_id`` and
        ``segment``.
    name : str
        The parameter's name in error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (normalised strings) and ``segment`` (text).

    Raises
    ------
    DataValidationError
        Wrong type or columns, missing labels, or a customer labelled twice.
    """
    if isinstance(labels, pd.DataFrame):
        if "customer_id" not in labels.columns or "segment" not in labels.columns:
            raise DataValidationError(
                f"{name} frame needs columns 'customer_id' and 'segment', "
                f"got {list(labels.columns)}"
            )
        series = labels.set_index("customer_id")["segment"]
    elif isinstance(labels, pd.Series):
        series = labels
    else:
        raise DataValidationError(
            f"{name} must be a Series of segment labels indexed by customer_id, "
            f"got {type(labels).__name__}"
        )
    table = pd.DataFrame(
        {"customer_id": customer_ids(series.index), "segment": series.astype(str).to_numpy()}
    )
    if series.isna().any():
        raise DataValidationError(
            f"{name} has {int(series.isna().sum())} missing label(s), e.g. customers "
            f"{list(series.index[series.isna()][:5])}"
        )
    if table["customer_id"].duplicated().any():
        dupes = table.loc[table["customer_id"].duplicated(), "customer_id"].unique()
        raise DataValidationError(
            f"{name} has {len(dupes)} duplicated customer_id(s), e.g. {list(dupes[:5])}"
        )
    return table


def clv_series(clv: Any) -> pd.Series:
    """Check a per-customer CLV and return it as a float Series indexed by ``customer_id``.

    Parameters
    ----------
    clv : pandas.Series or pandas.DataFrame
        A Series indexed by ``customer_id`` or a frame with ``customer_id`` and ``clv``.

    Returns
    -------
    pandas.Series
        Named ``clv``, indexed by normalised customer ids.

    Raises
    ------
    DataValidationError
        Wrong type or columns, missing or non-numeric values, or a customer twice.
    """
    if isinstance(clv, pd.DataFrame):
        if "customer_id" not in clv.columns or "clv" not in clv.columns:
            raise DataValidationError(
                f"clv frame needs columns 'customer_id' and 'clv', got {list(clv.columns)}"
            )
        series = clv.set_index("customer_id")["clv"]
    elif isinstance(clv, pd.Series):
        series = clv
    else:
        raise DataValidationError(
            f"clv must be a Series indexed by customer_id or a frame with customer_id and clv, "
            f"got {type(clv).__name__}"
        )
    series = pd.Series(
        pd.to_numeric(series, errors="coerce").to_numpy(dtype=float),
        index=customer_ids(series.index),
        name="clv",
    )
    bad = ~np.isfinite(series.to_numpy())
    if bad.any():
        raise DataValidationError(
            f"clv has {int(bad.sum())} missing or non-numeric value(s), e.g. customers "
            f"{list(series.index[bad][:5])}"
        )
    if series.index.duplicated().any():
        dupes = series.index[series.index.duplicated()].unique()
        raise DataValidationError(
            f"clv has {len(dupes)} duplicated customer_id(s), e.g. {list(dupes[:5])}"
        )
    return series
