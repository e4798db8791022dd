"""Load a transaction log into the canonical Transactions frame, with a data-quality table.

A transaction log has one row per purchase. :func:`load_transactions` reads it from a CSV or
Parquet file or a DataFrame, renames the user's columns to the canonical names of ``DESIGN.md``
(``customer_id``, ``timestamp``, ``amount`` and optionally ``order_id``, ``channel``, ``store``,
``member``, ``points_*``), parses and validates every value, applies the documented policies for
duplicates, returns and late rows, and records in a data-quality table every row it changed or
removed, by reason, with the number of rows and the amount involved. Nothing is dropped silently.

Policies (each check is one row of :attr:`LoadedTransactions.quality`, also when nothing happened):

* Customer ids and timestamps follow the input rules of :mod:`loyaltylab.rules`: ids are
  normalised strings (whitespace stripped, ``123.0`` -> ``"123"``, ``"00123"`` kept; a numeric-id
  file and a string-id file give identical ids); timestamps are ISO 8601 (``1997-01-01``,
  ``19970101``, ``1997-01-01 10:30``, ``1997-01-01T10:30:00+02:00``) unless ``date_format`` is
  given, and timezone-aware ones are converted to UTC and made naive. A column mixing aware and
  naive values raises by default (``mixed_timezones="error"``); ``mixed_timezones="utc"`` reads
  the naive ones as UTC. A timestamp outside 1677-09-22 .. 2262-04-10 counts as unparseable.
* Missing customer ids, unparseable timestamps and missing, non-numeric or infinite amounts raise
  (``invalid="error"``) or are dropped and counted (``invalid="drop"``).
* Exact duplicate rows (all loaded columns equal): ``duplicates="drop"`` (default) keeps the first,
  ``"keep"`` keeps all, ``"error"`` raises.
* Rows after ``observation_end`` (a day, inclusive): ``after_end="error"`` (default) or ``"drop"``.
* Negative amounts are returns. ``returns="net"`` (default) nets each return against the same
  customer's purchases **in the same order** (rows with the same ``order_id``) or, without an
  order id, **on the same calendar day**: the return rows are removed and the matching purchase
  rows are reduced pro rata so that their total equals the net amount. A purchase whose net is
  zero or negative (fully returned) is dropped with its returns; a return with no purchase in the
  same order/day is dropped. ``returns="drop"`` drops every negative row; ``"error"`` raises.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import (
    QUALITY_COLUMNS,
    QualityLog,
    as_day,
    parse_customer_ids,
    parse_timestamps,
    timestamp_problem,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "OPTIONAL_COLUMNS",
    "QUALITY_COLUMNS",
    "REQUIRED_COLUMNS",
    "LoadedTransactions",
    "load_transactions",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "timestamp", "amount")
OPTIONAL_COLUMNS: tuple[str, ...] = ("order_id", "channel", "store", "member")
CANONICAL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

_POINTS_PREFIX = "points_"
_MAX_EXAMPLES = 5
_PARQUET_SUFFIXES = (".parquet", ".pq")
_CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".dat")
_COMPRESSION_SUFFIXES = (".gz", ".bz2", ".zip", ".xz", ".zst")


@dataclass(frozen=True)
class LoadedTransactions:
    """A validated transaction log and what loading it changed.

    Attributes
    ----------
    transactions : pandas.DataFrame
        Canonical frame: ``customer_id`` (str), ``timestamp`` (tz-naive ``datetime64[ns]``),
        ``amount`` (float), plus whichever of ``order_id``, ``channel``, ``store``, ``member``,
        ``points_*`` the source had; sorted by customer and time, index ``0..n-1``.
    quality : pandas.DataFrame
        Data-quality table, one row per check: ``check``, ``reason``, ``column`` (canonical
        name), ``rows`` (rows affected), ``amount`` (sum of the original amounts of those rows),
        ``action`` (what was done).
    source : str
        Where the data came from (a path, a bundled name or ``"DataFrame"``).
    rows_read : int
        Rows in the source before any check.
    observation_end : pandas.Timestamp or None
        The last day of observation used for the ``after_end`` check.
    ignored_columns : tuple of str
        Source columns that are not canonical and were not loaded.
    policy : dict
        The policies applied (``returns``, ``duplicates``, ...).
    """

    transactions: pd.DataFrame
    quality: pd.DataFrame
    source: str
    rows_read: int
    observation_end: pd.Timestamp | None = None
    ignored_columns: tuple[str, ...] = ()
    policy: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_removed(self) -> int:
        """Rows read minus rows loaded (every one of them is counted in :attr:`quality`)."""
        return self.rows_read - len(self.transactions)

    def summary(self) -> pd.DataFrame:
        """Key facts of the load as a two-column table (``metric``, ``value``).

        Returns
        -------
        pandas.DataFrame
        """
        frame = self.transactions
        rows = [
            ("source", self.source),
            ("rows read", self.rows_read),
            ("rows loaded", len(frame)),
            ("rows removed", self.rows_removed),
            ("customers", int(frame["customer_id"].nunique())),
            ("first timestamp", frame["timestamp"].min() if len(frame) else None),
            ("last timestamp", frame["timestamp"].max() if len(frame) else None),
            ("total amount", float(frame["amount"].sum())),
            ("observation end", self.observation_end),
            ("ignored columns", ", ".join(self.ignored_columns)),
        ]
        return pd.DataFrame(rows, columns=["metric", "value"])


def load_transactions(
    source: str | os.PathLike[str] | pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    observation_end: str | pd.Timestamp | None = None,
    returns: Literal["net", "drop", "error"] = "net",
    duplicates: Literal["drop", "keep", "error"] = "drop",
    after_end: Literal["error", "drop"] = "error",
    invalid: Literal["error", "drop"] = "error",
    mixed_timezones: Literal["error", "utc"] = "error",
    date_format: str | None = None,
    read_options: Mapping[str, Any] | None = None,
    source_name: str | None = None,
) -> LoadedTransactions:
    """Load, map, validate and clean a transaction log.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A CSV (``.csv``, ``.txt``, ``.tsv``, optionally ``.gz``/``.bz2``/``.zip``/``.xz``) or
        Parquet (``.parquet``, ``.pq``) file, or a DataFrame (not modified).
    columns : mapping, optional
        Canonical name -> the source's column name, e.g. ``{"customer_id": "cust",
        "timestamp": "date", "amount": "sales"}``. Canonical names not mapped are looked up
        under their own name.
    observation_end : str or pandas.Timestamp, optional
        Last day of observation (inclusive). Rows on a later day are handled by ``after_end``.
    returns : {"net", "drop", "error"}, default "net"
        Policy for negative amounts (see the module docstring for the netting rule).
    duplicates : {"drop", "keep", "error"}, default "drop"
        Policy for exact duplicate rows; ``"drop"`` keeps the first of each group.
    after_end : {"error", "drop"}, default "error"
        Policy for rows after ``observation_end``.
    invalid : {"error", "drop"}, default "error"
        Policy for missing customer ids, unparseable timestamps and missing, non-numeric or
        infinite amounts.
    mixed_timezones : {"error", "utc"}, default "error"
        Policy for a timestamp column that mixes timezone-aware and naive values. Aware values
        are always converted to UTC and made naive; ``"utc"`` reads naive values as UTC too.
    date_format : str, optional
        ``strftime`` format of the timestamps (e.g. ``"%d/%m/%Y"``); default ISO 8601.
    read_options : mapping, optional
        Extra keyword arguments for :func:`pandas.read_csv` / :func:`pandas.read_parquet`
        (e.g. ``{"sep": ";"}``).
    source_name : str, optional
        Name recorded as :attr:`LoadedTransactions.source` (default: the path or
        ``"DataFrame"``).

    Returns
    -------
    LoadedTransactions

    Raises
    ------
    loyaltylab.errors.DataValidationError
        For a missing file or column, an empty source, or a row that breaks a check whose
        policy is ``"error"``; the message names the column, the count and up to five rows.
    loyaltylab.errors.ParameterError
        For an unknown policy value or column mapping key.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"cust": [1, 1], "date": ["2024-01-05", "2024-01-05"],
    ...                     "sales": [20.0, -5.0]})
    >>> loaded = load_transactions(raw, {"customer_id": "cust", "timestamp": "date",
    ...                                  "amount": "sales"})
    >>> loaded.transactions["amount"].tolist()
    [15.0]
    """
    policy = {
        "returns": _choice(returns, "returns", ("net", "drop", "error")),
        "duplicates": _choice(duplicates, "duplicates", ("drop", "keep", "error")),
        "after_end": _choice(after_end, "after_end", ("error", "drop")),
        "invalid": _choice(invalid, "invalid", ("error", "drop")),
        "mixed_timezones": _choice(mixed_timezones, "mixed_timezones", ("error", "utc")),
    }
    end_day = as_day(observation_end, "observation_end", optional=True)
    raw, name, from_file = _read_source(source, read_options)
    if source_name is not None:
        name = source_name
    rows_read = len(raw)
    if rows_read == 0:
        raise DataValidationError(f"transactions source {name} has no rows (only a header)")
    labels = _row_labels(raw.index, from_file)
    raw = raw.reset_index(drop=True)
    labels.index = raw.index
    mapping = _column_mapping(raw, columns, name)
    kept = {canonical: source_col for canonical, source_col in mapping.items()}
    ignored = tuple(str(col) for col in raw.columns if col not in set(kept.values()))

    frame = pd.DataFrame(index=raw.index)
    checks = QualityLog()

    parsed_ids = parse_customer_ids(raw[kept["customer_id"]])
    ids, id_missing, id_normalised = parsed_ids.ids, parsed_ids.missing, parsed_ids.normalised
    parsed_stamps = parse_timestamps(raw[kept["timestamp"]], date_format=date_format)
    stamps, stamp_bad = parsed_stamps.timestamps, parsed_stamps.unparseable
    stamp_aware, stamp_mixed = parsed_stamps.aware, parsed_stamps.mixed
    amounts, amount_missing, amount_bad = _parse_amounts(raw[kept["amount"]])
    raw_amount = amounts.where(~(amount_missing | amount_bad), np.nan)

    invalid_masks = [
        ("customer_id_missing", "customer id is missing or empty", "customer_id", id_missing),
        ("timestamp_unparseable", timestamp_problem(date_format), "timestamp", stamp_bad),
        ("amount_missing", "amount is missing (empty or NaN)", "amount", amount_missing),
        ("amount_not_numeric", "amount is not a finite number", "amount", amount_bad),
    ]
    for check, reason, column, mask in invalid_masks:
        if mask.any() and policy["invalid"] == "error":
            hint = "; pass invalid='drop' to drop such rows"
            if check == "timestamp_unparseable" and date_format is None:
                hint = "; pass date_format= (e.g. '%d/%m/%Y') or invalid='drop'"
            raise DataValidationError(
                _problem(f"{reason}", column, kept[column], mask, raw, labels, name, hint=hint)
            )
    if stamp_mixed and policy["mixed_timezones"] == "error":
        naive_mask = ~stamp_aware & ~stamp_bad
        shown = stamp_aware & (stamp_aware.cumsum() <= 3) | naive_mask & (naive_mask.cumsum() <= 2)
        raise DataValidationError(
            _problem(
                f"timezone-aware timestamps mixed with {int(naive_mask.sum())} naive ones",
                "timestamp",
                kept["timestamp"],
                stamp_aware,
                raw,
                labels,
                name,
                hint="; pass mixed_timezones='utc' to read naive values as UTC too",
                examples=shown,
            )
        )
    normalising = {
        "customer_id_missing": (
            "customer_id_normalised",
            "customer id written as a whole-number float (123.0 -> '123') or padded with spaces",
            "customer_id",
            id_normalised,
            "normalised",
        ),
        "timestamp_unparseable": (
            "timestamp_timezone",
            "timezone-aware timestamp" + (" (column mixes aware and naive)" if stamp_mixed else ""),
            "timestamp",
            stamp_aware,
            "converted to UTC, made naive",
        ),
    }
    drop_invalid = np.zeros(len(raw), dtype=bool)
    for check, reason, column, mask in invalid_masks:
        checks.add(check, reason, column, mask, "dropped", raw_amount)
        drop_invalid |= mask.to_numpy()
        if check in normalising:
            extra_check, extra_reason, extra_column, extra_mask, action = normalising[check]
            checks.add(extra_check, extra_reason, extra_column, extra_mask, action, raw_amount)

    frame["customer_id"] = ids
    frame["timestamp"] = stamps
    frame["amount"] = amounts
    for canonical, source_col in kept.items():
        if canonical not in REQUIRED_COLUMNS:
            frame[canonical] = raw[source_col]
    frame = frame.loc[~drop_invalid]

    frame = _apply_duplicates(frame, policy["duplicates"], checks, raw, labels, name)
    frame = _apply_after_end(frame, end_day, policy["after_end"], checks, raw, labels, name)
    frame = _apply_returns(frame, policy["returns"], checks, raw, labels, name)

    if frame.empty:
        raise DataValidationError(
            f"no transactions left in {name} after the checks ({rows_read} rows read):\n"
            + checks.frame().to_string(index=False)
        )
    frame = frame.sort_values(["customer_id", "timestamp"], kind="stable").reset_index(drop=True)
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame["timestamp"] = frame["timestamp"].astype("datetime64[ns]")
    frame["amount"] = frame["amount"].astype("float64")
    return LoadedTransactions(
        transactions=frame,
        quality=checks.frame(),
        source=name,
        rows_read=rows_read,
        observation_end=end_day,
        ignored_columns=ignored,
        policy=policy,
    )


# ----------------------------------------------------------------------------------------------
# reading and mapping


def _read_source(
    source: str | os.PathLike[str] | pd.DataFrame, read_options: Mapping[str, Any] | None
) -> tuple[pd.DataFrame, str, bool]:
    options = dict(read_options or {})
    if isinstance(source, pd.DataFrame):
        return source, "DataFrame", False
    if not isinstance(source, str | os.PathLike):
        raise ParameterError(
            f"parameter 'source' must be a file path or a DataFrame, got {type(source).__name__}"
        )
    path = Path(source).expanduser()
    if not path.is_file():
        raise DataValidationError(f"transactions file not found: {path}")
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES:
        suffixes.pop()
    kind = suffixes[-1] if suffixes else ""
    if path.stat().st_size == 0:
        raise DataValidationError(f"transactions file {path} is empty (0 bytes)")
    if kind in _PARQUET_SUFFIXES:
        try:
            frame = pd.read_parquet(path, **options)
        except Exception as error:  # pyarrow raises several unrelated types
            raise DataValidationError(f"cannot read Parquet file {path}: {error}") from None
    elif kind in _CSV_SUFFIXES:
        options.setdefault("sep", "\t" if kind == ".tsv" else ",")
        options.setdefault("dtype", str)
        options.setdefault("keep_default_na", False)
        options.setdefault("na_values", [""])
        try:
            frame = pd.read_csv(path, **options)
        except pd.errors.EmptyDataError:
            raise DataValidationError(f"transactions file {path} is empty (no header)") from None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
            raise DataValidationError(f"cannot read CSV file {path}: {error}") from None
    else:
        raise ParameterError(
            f"cannot tell the format of {path}: use a .csv/.txt/.tsv (optionally compressed) "
            "or .parquet/.pq file"
        )
    return frame, str(path), True


def _column_mapping(
    raw: pd.DataFrame, columns: Mapping[str, str] | None, name: str
) -> dict[str, Any]:
    user = dict(columns or {})
    unknown = [
        key for key in user if key not in CANONICAL_COLUMNS and not key.startswith(_POINTS_PREFIX)
    ]
    if unknown:
        raise ParameterError(
            f"parameter 'columns' maps unknown canonical names {unknown}; canonical names are "
            f"{list(CANONICAL_COLUMNS)} and points_*"
        )
    available = list(raw.columns)
    missing = [
        f"{canonical!r} (looked for column {user.get(canonical, canonical)!r})"
        for canonical in REQUIRED_COLUMNS
        if user.get(canonical, canonical) not in available
    ]
    if missing:
        raise DataValidationError(
            f"transactions source {name} is missing {len(missing)} required column(s): "
            f"{', '.join(missing)}; it has columns {available[:20]}; map your names with "
            "columns={'customer_id': ..., 'timestamp': ..., 'amount': ...}"
        )
    optional_missing = [
        canonical
        for canonical, source_col in user.items()
        if canonical not in REQUIRED_COLUMNS and source_col not in available
    ]
    if optional_missing:
        raise DataValidationError(
            f"transactions source {name} has no column for {optional_missing} "
            f"(mapped to {[user[c] for c in optional_missing]}); it has columns {available[:20]}"
        )
    mapping: dict[str, Any] = {}
    for canonical in CANONICAL_COLUMNS:
        source_col = user.get(canonical, canonical)
        if source_col in available:
            mapping[canonical] = source_col
    for canonical, source_col in user.items():
        if canonical.startswith(_POINTS_PREFIX):
            mapping[canonical] = source_col
    for col in available:
        if isinstance(col, str) and col.startswith(_POINTS_PREFIX) and col not in user:
            if col not in mapping.values():
                mapping[col] = col
    return mapping


# ----------------------------------------------------------------------------------------------
# parsing


def _parse_amounts(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return (amounts as float, missing mask, non-numeric or infinite mask)."""
    if pd.api.types.is_bool_dtype(values):
        missing = values.isna()
        return values.astype(float), missing, ~missing
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        missing = numbers.isna()
        return numbers, missing, ~missing & ~np.isfinite(numbers.fillna(0.0))
    missing = values.isna()
    text = values.astype(object).where(~missing, "").astype(str).str.strip()
    missing = missing | (text == "") | text.str.lower().isin(["nan", "na", "null", "none"])
    numbers = pd.to_numeric(text.where(~missing, None), errors="coerce").astype("float64")
    bad = ~missing & (numbers.isna() | ~np.isfinite(numbers.fillna(0.0)))
    return numbers, missing, bad


# ----------------------------------------------------------------------------------------------
# policies


def _apply_duplicates(
    frame: pd.DataFrame,
    policy: str,
    checks: QualityLog,
    raw: pd.DataFrame,
    labels: pd.Series,
    name: str,
) -> pd.DataFrame:
    duplicated = frame.duplicated(keep="first")
    if duplicated.any() and policy == "error":
        raise DataValidationError(
            _problem(
                "exact duplicate rows (all loaded columns equal to an earlier row)",
                "all columns",
                None,
                duplicated,
                raw,
                labels,
                name,
                hint="; pass duplicates='drop' or duplicates='keep'",
            )
        )
    action = "dropped (first kept)" if policy == "drop" else "kept"
    checks.add(
        "duplicate_rows",
        "exact duplicate of an earlier row",
        "all columns",
        duplicated,
        action,
        frame["amount"],
    )
    return frame.loc[~duplicated] if policy == "drop" else frame


def _apply_after_end(
    frame: pd.DataFrame,
    end_day: pd.Timestamp | None,
    policy: str,
    checks: QualityLog,
    raw: pd.DataFrame,
    labels: pd.Series,
    name: str,
) -> pd.DataFrame:
    if end_day is None:
        checks.add(
            "after_observation_end",
            "timestamp after observation_end",
            "timestamp",
            pd.Series(False, index=frame.index),
            "not checked (no observation_end given)",
            frame["amount"],
        )
        return frame
    late = frame["timestamp"] >= end_day + pd.Timedelta(days=1)
    if late.any() and policy == "error":
        raise DataValidationError(
            _problem(
                f"timestamps after observation_end {end_day.date()}",
                "timestamp",
                None,
                late,
                raw,
                labels,
                name,
                hint="; pass after_end='drop' to drop them",
            )
        )
    checks.add(
        "after_observation_end",
        f"timestamp after observation_end {end_day.date()}",
        "timestamp",
        late,
        "dropped",
        frame["amount"],
    )
    return frame.loc[~late]


def _apply_returns(
    frame: pd.DataFrame,
    policy: str,
    checks: QualityLog,
    raw: pd.DataFrame,
    labels: pd.Series,
    name: str,
) -> pd.DataFrame:
    negative = frame["amount"] < 0
    if policy == "error":
        if negative.any():
            raise DataValidationError(
                _problem(
                    "negative amounts (returns)",
                    "amount",
                    None,
                    negative,
                    raw,
                    labels,
                    name,
                    hint="; pass returns='net' or returns='drop'",
                )
            )
        checks.add(
            "returns", "negative amount (return)", "amount", negative, "none found", frame["amount"]
        )
        return frame
    if policy == "drop":
        checks.add(
            "returns", "negative amount (return)", "amount", negative, "dropped", frame["amount"]
        )
        return frame.loc[~negative]
    return _net_returns(frame, negative, checks)


def _net_returns(frame: pd.DataFrame, negative: pd.Series, checks: QualityLog) -> pd.DataFrame:
    amount = frame["amount"]
    none = pd.Series(False, index=frame.index)
    if not negative.any():
        for check, reason in _NET_CHECKS:
            checks.add(check, reason, "amount", none, _NET_ACTIONS[check], amount)
        return frame
    day_key = "day " + frame["timestamp"].dt.strftime("%Y-%m-%d")
    if "order_id" in frame.columns:
        has_order = frame["order_id"].notna()
        key = ("order " + frame["order_id"].astype(str)).where(has_order, day_key)
    else:
        key = day_key
    groups = pd.DataFrame({"customer_id": frame["customer_id"], "key": key})
    group_id = groups.groupby(["customer_id", "key"], sort=False).ngroup()
    positive = amount.where(amount > 0, 0.0)
    in_neg_group = negative.groupby(group_id).transform("any")
    group_net = amount.groupby(group_id).transform("sum")
    group_pos = positive.groupby(group_id).transform("sum")
    unmatched = in_neg_group & (group_pos == 0) & negative
    fully_returned = in_neg_group & (group_pos > 0) & (group_net <= 0)
    netted_returns = in_neg_group & (group_pos > 0) & (group_net > 0) & negative
    adjusted = in_neg_group & (group_pos > 0) & (group_net > 0) & (amount > 0)
    checks.add(
        "returns_netted",
        _NET_REASONS["returns_netted"],
        "amount",
        netted_returns,
        f"netted: return rows removed, {int(adjusted.sum())} purchase rows reduced pro rata",
        amount,
    )
    checks.add(
        "returns_exceed_purchases",
        _NET_REASONS["returns_exceed_purchases"],
        "amount",
        fully_returned,
        _NET_ACTIONS["returns_exceed_purchases"],
        amount,
    )
    checks.add(
        "returns_unmatched",
        _NET_REASONS["returns_unmatched"],
        "amount",
        unmatched,
        _NET_ACTIONS["returns_unmatched"],
        amount,
    )
    result = frame.copy()
    scale = (group_net / group_pos).where(adjusted, 1.0)
    result["amount"] = amount * scale
    remove = unmatched | fully_returned | netted_returns
    return result.loc[~remove]


_NET_REASONS = {
    "returns_netted": "return netted against the same customer's purchases in the same order "
    "(or on the same day without order_id)",
    "returns_exceed_purchases": "purchase fully returned: order/day nets to zero or less "
    "(purchase and return rows)",
    "returns_unmatched": "return without a purchase in the same order/day",
}
_NET_ACTIONS = {
    "returns_netted": "netted: none found",
    "returns_exceed_purchases": "dropped",
    "returns_unmatched": "dropped",
}
_NET_CHECKS = tuple(_NET_REASONS.items())


# ----------------------------------------------------------------------------------------------
# helpers


def _choice(value: Any, name: str, options: tuple[str, ...]) -> str:
    if isinstance(value, str) and value.strip().lower() in options:
        return value.strip().lower()
    raise ParameterError(f"parameter {name!r} must be one of {list(options)}, got {value!r}")


def _row_labels(index: pd.Index, from_file: bool) -> pd.Series:
    if from_file:
        return pd.Series([f"line {pos + 2}" for pos in range(len(index))], index=index)
    return pd.Series([f"index {label}" for label in index], index=index)


def _problem(
    what: str,
    column: str,
    source_col: Any,
    mask: pd.Series,
    raw: pd.DataFrame,
    labels: pd.Series,
    name: str,
    *,
    hint: str = "",
    examples: pd.Series | None = None,
) -> str:
    count = int(mask.sum())
    shown = mask if examples is None else examples
    where = f"column {column!r}"
    if source_col is not None and source_col != column:
        where += f" (source column {source_col!r})"
    rows = shown[shown].index[:_MAX_EXAMPLES]
    listed = "; ".join(f"{labels.loc[row]}: {raw.loc[row].to_dict()}" for row in rows)
    return (
        f"{name}, {where}: {what} in {count} of {len(raw)} rows{hint}. "
        f"Examples ({len(rows)}): {listed}"
    )
