"""Load a transaction log into the canonical Transactions frame, with a data-quality table.

A transaction log has one row per purchase, or one row per **order line** (an invoice line with
product, quantity and unit price). :func:`load_transactions` reads it from a CSV or Parquet file
(:mod:`loyaltylab.data.read`: format, compression and delimiter problems are found there) or a
DataFrame, renames the user's columns to the canonical names of ``DESIGN.md`` (``customer_id``,
``timestamp``, ``amount`` and optionally ``order_id``, ``product``, ``quantity``,
``unit_price``, ``is_return``, ``channel``, ``store``, ``member``, ``points_*``), parses and
validates every value, applies the documented policies for duplicates, returns and late rows,
and records in a data-quality table every row it changed or removed, by reason, with the number
of rows and the amount involved. Nothing is dropped silently, and the table adds up: rows read =
rows loaded + rows removed, money read = money loaded + money removed
(:meth:`LoadedTransactions.reconcile`).

Policies (each check is one row of :attr:`LoadedTransactions.quality`, also when nothing happened):

* Customer ids and timestamps follow the input rules of :mod:`loyaltylab.rules`: ids are
  normalised strings (whitespace stripped, ``123.0`` -> ``"123"``, ``"00123"`` kept); NA-like
  tokens (``"NA"``, ``"null"``, ``"None"``, ``"#N/A"``, ...; option ``na_ids``) are missing ids;
  float ids above 2**53 (digits already lost) are refused. Timestamps are ISO 8601 unless
  ``date_format`` is given (``"%m/%d/%Y %H:%M"`` reads ``12/1/2010 8:26``); timezone-aware ones
  are converted to UTC and made naive (``mixed_timezones``). A timestamp outside
  1677-09-22 .. 2262-04-10 counts as unparseable.
* ``amount`` is the line's money; without an amount column it is ``quantity`` x
  ``unit_price``. ``decimal`` and ``thousands`` give the number format (``1.234,50``).
* Missing customer ids, unparseable timestamps and missing, non-numeric or infinite amounts raise
  (``invalid="error"``) or are dropped and counted (``invalid="drop"``). An amount above
  ``max_amount`` in magnitude (default 1e9), or an order totalling more, is refused: such a value
  is a unit or parsing error far more often than a sale.
* Duplicate rows are **full-row** duplicates: equal in every column of the source, mapped or
  not (product, quantity, unit price ...), and in the parsed canonical values.
  ``duplicates="drop"`` (default) keeps the first, ``"keep"`` keeps all, ``"error"`` raises.
  Two lines of one invoice with the same amount but different products are not duplicates.
* Rows after ``observation_end`` (a day, inclusive): ``after_end="error"`` (default) or ``"drop"``.
* Returns: see :mod:`loyaltylab.data.returns` (``returns="net"`` nets a return inside its order
  or day, and a cancellation document - ``is_return`` flag, an order id starting with
  ``cancellation_prefix``, or with no prefix an order without purchases - against the
  customer's earlier purchases; ``"drop"``; ``"error"``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from loyaltylab.data.read import read_table
from loyaltylab.data.returns import RETURN_POLICIES, apply_returns
from loyaltylab.data.rows import RowProblems, row_labels
from loyaltylab.data.values import (
    ceiling_above,
    guess_date_format,
    line_amounts,
    number_format,
    parse_amounts,
    parse_flags,
    positive_option,
    text_option,
)
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import (
    QUALITY_COLUMNS,
    QualityLog,
    as_day,
    column_mapping,
    inexact_id_problem,
    parse_customer_ids,
    parse_timestamps,
    timestamp_problem,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "DEFAULT_MAX_AMOUNT",
    "LINE_COLUMNS",
    "OPTIONAL_COLUMNS",
    "QUALITY_COLUMNS",
    "REQUIRED_COLUMNS",
    "LoadedTransactions",
    "load_transactions",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "timestamp", "amount")
#: Columns of a line-level log (an invoice line): ``amount`` = ``quantity`` x ``unit_price``
#: when no amount column is given; ``is_return`` flags a cancellation line.
LINE_COLUMNS: tuple[str, ...] = ("product", "quantity", "unit_price", "is_return")
OPTIONAL_COLUMNS: tuple[str, ...] = ("order_id", *LINE_COLUMNS, "channel", "store", "member")
CANONICAL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
#: Default ceiling of a line's or an order's amount (in the data's currency).
DEFAULT_MAX_AMOUNT = 1e9

_POINTS_PREFIX = "points_"
_NUMERIC_LINE_COLUMNS = ("quantity", "unit_price")


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
        Source columns that are not canonical and were not loaded (they still count for
        duplicates).
    policy : dict
        The policies applied (``returns``, ``duplicates``, ...).
    amount_read : float
        Sum of the valid amounts in the source (NaN when unknown).
    notes : tuple of str
        What reading decided (a misnamed file's real format, a trailing delimiter, an amount
        computed from quantity x unit price).
    """

    transactions: pd.DataFrame
    quality: pd.DataFrame
    source: str
    rows_read: int
    observation_end: pd.Timestamp | None = None
    ignored_columns: tuple[str, ...] = ()
    policy: dict[str, Any] = field(default_factory=dict)
    amount_read: float = float("nan")
    notes: tuple[str, ...] = ()

    def reconcile(self) -> pd.DataFrame:
        """Return how rows and money get from the source to the loaded frame.

        Columns ``step``, ``rows``, ``amount``; the ``unexplained`` line is 0 when the quality
        table adds up.

        Returns
        -------
        pandas.DataFrame

        Examples
        --------
        >>> import pandas as pd
        >>> raw = pd.DataFrame({"customer_id": ["1", "1", "2"], "amount": [5.0, 5.0, 3.0],
        ...                     "timestamp": ["2024-01-05"] * 3})
        >>> load_transactions(raw).reconcile()
                  step  rows  amount
        0         read     3    13.0
        1  duplicate_rows    -1    -5.0
        2       loaded     2     8.0
        3  unexplained     0     0.0
        """
        return QualityLog.reconcile(
            self.quality,
            self.rows_read,
            len(self.transactions),
            self.amount_read,
            float(self.transactions["amount"].sum()),
        )

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
    cancellation_prefix: str | None = "C",
    na_ids: Sequence[str] | None = None,
    max_amount: float = DEFAULT_MAX_AMOUNT,
    delimiter: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    encoding: str | None = None,
    read_options: Mapping[str, Any] | None = None,
    source_name: str | None = None,
) -> LoadedTransactions:
    """Load, map, validate and clean a transaction log.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A CSV (``.csv``, ``.txt``, ``.tsv``, optionally compressed) or Parquet (``.parquet``,
        ``.pq``, or a folder of them) file, or a DataFrame (not modified). The format and the
        compression are read from the file's content.
    columns : mapping, optional
        Canonical name -> the source's column name, e.g. ``{"customer_id": "CustomerID",
        "timestamp": "InvoiceDate", "order_id": "InvoiceNo", "product": "StockCode",
        "quantity": "Quantity", "unit_price": "UnitPrice"}``. Canonical names not mapped are
        looked up under their own name. Each source column may serve one canonical name.
    observation_end : str or pandas.Timestamp, optional
        Last day of observation (inclusive). Rows on a later day are handled by ``after_end``.
    returns : {"net", "drop", "error"}, default "net"
        Policy for returns and cancellation documents (:mod:`loyaltylab.data.returns`).
    duplicates : {"drop", "keep", "error"}, default "drop"
        Policy for full-row duplicates; ``"drop"`` keeps the first of each group.
    after_end : {"error", "drop"}, default "error"
        Policy for rows after ``observation_end``.
    invalid : {"error", "drop"}, default "error"
        Policy for missing customer ids, unparseable timestamps and missing, non-numeric or
        infinite amounts.
    mixed_timezones : {"error", "utc"}, default "error"
        Policy for a timestamp column that mixes timezone-aware and naive values.
    date_format : str, optional
        ``strftime`` format of the timestamps (e.g. ``"%m/%d/%Y %H:%M"``); default ISO 8601.
    cancellation_prefix : str or None, default "C"
        A negative line whose ``order_id`` starts with it is a cancellation document (netted
        against earlier purchases); a negative-only order without it is a return without a
        purchase. ``None`` or ``""``: no prefix; a negative-only order is a cancellation
        document (:func:`loyaltylab.data.returns.cancellation_documents`).
    na_ids : sequence of str, optional
        Text meaning "no customer id" (default :data:`loyaltylab.rules.NA_ID_TOKENS`).
    max_amount : float, default 1e9
        Largest plausible amount of a line or an order (magnitude); more is an error.
    delimiter : str, optional
        CSV field separator (default ``","``, a tab for ``.tsv``).
    decimal : str, default "."
        Decimal mark of the numbers (``","`` for ``12,50``).
    thousands : str, optional
        Thousands separator of the numbers (e.g. ``"."`` with ``decimal=","``).
    encoding : str, optional
        CSV text encoding (default UTF-8; e.g. ``"latin-1"``).
    read_options : mapping, optional
        Extra keyword arguments for :func:`pandas.read_csv` / :func:`pandas.read_parquet`.
    source_name : str, optional
        Name recorded as :attr:`LoadedTransactions.source`.

    Returns
    -------
    LoadedTransactions

    Raises
    ------
    loyaltylab.rules.hints.LoadError
        A row that breaks a check whose policy is ``"error"``; the message names the column,
        the count, up to five rows and the load option that fixes it (also as ``error.fix``).
    loyaltylab.errors.DataValidationError
        For a missing or unreadable file, a missing column or an empty source.
    loyaltylab.errors.ParameterError
        For an unknown policy value, a bad column mapping or option.

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
    policy: dict[str, Any] = {
        "returns": _choice(returns, "returns", RETURN_POLICIES),
        "duplicates": _choice(duplicates, "duplicates", ("drop", "keep", "error")),
        "after_end": _choice(after_end, "after_end", ("error", "drop")),
        "invalid": _choice(invalid, "invalid", ("error", "drop")),
        "mixed_timezones": _choice(mixed_timezones, "mixed_timezones", ("error", "utc")),
        "cancellation_prefix": text_option(cancellation_prefix, "cancellation_prefix"),
        "max_amount": positive_option(max_amount, "max_amount"),
    }
    numbers_as = number_format(decimal, thousands)
    end_day = as_day(observation_end, "observation_end", optional=True)
    table = read_table(
        source, "transactions", delimiter=delimiter, encoding=encoding, read_options=read_options
    )
    raw, name, notes = table.frame, source_name or table.name, list(table.notes)
    rows_read = len(raw)
    if rows_read == 0:
        raise DataValidationError(f"transactions source {name} has no rows (only a header)")
    labels = row_labels(raw.index, table.from_file)
    raw = raw.reset_index(drop=True)
    labels.index = raw.index
    problems = RowProblems(raw, labels, name)
    kept = _column_mapping(raw, columns, name)
    ignored = tuple(str(col) for col in raw.columns if col not in set(kept.values()))

    frame = pd.DataFrame(index=raw.index)
    checks = QualityLog()

    parsed_ids = parse_customer_ids(raw[kept["customer_id"]], na_ids=na_ids)
    ids, id_missing, id_normalised = parsed_ids.ids, parsed_ids.missing, parsed_ids.normalised
    if parsed_ids.inexact_mask.any():
        raise problems.error(
            inexact_id_problem(int(parsed_ids.inexact_mask.sum())),
            "customer_id",
            parsed_ids.inexact_mask,
            source_col=kept["customer_id"],
        )
    parsed_stamps = parse_timestamps(raw[kept["timestamp"]], date_format=date_format)
    stamps, stamp_bad = parsed_stamps.timestamps, parsed_stamps.unparseable
    stamp_aware, stamp_mixed = parsed_stamps.aware, parsed_stamps.mixed
    line_values = {
        canonical: parse_amounts(raw[kept[canonical]], *numbers_as)[0]
        for canonical in _NUMERIC_LINE_COLUMNS
        if canonical in kept
    }
    if "amount" in kept:
        amounts, amount_missing, amount_bad = parse_amounts(raw[kept["amount"]], *numbers_as)
    else:
        amounts, amount_missing, amount_bad = line_amounts(raw, kept, numbers_as)
        notes.append(
            f"amount = quantity x unit_price (columns {kept['quantity']!r} x "
            f"{kept['unit_price']!r}; no amount column)"
        )
    flagged = None
    if "is_return" in kept:
        flagged = parse_flags(raw[kept["is_return"]], problems, kept["is_return"])
        amounts = amounts.where(~flagged, -amounts.abs())
    raw_amount = amounts.where(~(amount_missing | amount_bad), np.nan)
    too_large = raw_amount.abs() > policy["max_amount"]
    if too_large.any():
        largest = float(raw_amount.abs().max())
        ceiling = ceiling_above(largest)
        raise problems.error(
            f"amounts above max_amount {policy['max_amount']:g} in magnitude (largest "
            f"{largest:g}; usually a unit or parsing error: check the column and its number "
            "format)",
            "amount",
            too_large,
            source_col=kept.get("amount"),
            remedy="if such amounts are real",
            fix=None if ceiling is None else {"max_amount": ceiling},
        )

    invalid_masks = [
        (
            "customer_id_missing",
            "customer id is missing, empty or NA-like",
            "customer_id",
            id_missing,
        ),
        ("timestamp_unparseable", timestamp_problem(date_format), "timestamp", stamp_bad),
        ("amount_missing", "amount is missing (empty or NaN)", "amount", amount_missing),
        ("amount_not_numeric", "amount is not a finite number", "amount", amount_bad),
    ]
    for check, reason, column, mask in invalid_masks:
        if mask.any() and policy["invalid"] == "error":
            fix: dict[str, Any] = {"invalid": "drop"}
            remedy = "to drop such rows (counted in the quality table)"
            alternatives: tuple[dict[str, Any], ...] = ()
            if check == "timestamp_unparseable" and parsed_stamps.out_of_range[mask].all():
                reason = "timestamp outside 1677-09-22 .. 2262-04-10, out of range"
            elif check == "timestamp_unparseable" and date_format is None:
                remedy = "if the dates are written another way, give their format"
                guess = guess_date_format(raw[kept["timestamp"]].loc[mask])
                if guess is not None:
                    remedy = "if the dates are written like the examples"
                fix = {"date_format": guess or "%d/%m/%Y %H:%M"}
                alternatives = ({"invalid": "drop"},)
            elif check == "amount_not_numeric" and numbers_as == (".", None):
                alternatives = ({"decimal": ",", "thousands": "."},)
            raise problems.error(
                reason,
                column,
                mask,
                source_col=kept.get(column),
                remedy=remedy,
                fix=fix,
                alternatives=alternatives,
            )
    if stamp_mixed and policy["mixed_timezones"] == "error":
        naive_mask = ~stamp_aware & ~stamp_bad
        shown = stamp_aware & (stamp_aware.cumsum() <= 3) | naive_mask & (naive_mask.cumsum() <= 2)
        raise problems.error(
            f"timezone-aware timestamps mixed with {int(naive_mask.sum())} naive ones",
            "timestamp",
            stamp_aware,
            source_col=kept["timestamp"],
            remedy="to read naive values as UTC too",
            fix={"mixed_timezones": "utc"},
            examples=shown,
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
        already = pd.Series(drop_invalid, index=raw.index)
        checks.add(check, reason, column, mask & ~already, "dropped", raw_amount, removes=True)
        drop_invalid |= mask.to_numpy()
        if check in normalising:
            extra_check, extra_reason, extra_column, extra_mask, action = normalising[check]
            checks.add(extra_check, extra_reason, extra_column, extra_mask, action, raw_amount)

    frame["customer_id"] = ids
    frame["timestamp"] = stamps
    frame["amount"] = amounts
    for canonical, source_col in kept.items():
        if canonical in line_values:
            frame[canonical] = line_values[canonical]
        elif canonical == "is_return" and flagged is not None:
            frame[canonical] = flagged
        elif canonical not in REQUIRED_COLUMNS:
            frame[canonical] = raw[source_col]
    frame = frame.loc[~drop_invalid]

    frame = _apply_duplicates(frame, raw, ignored, policy["duplicates"], checks, problems)
    frame = _apply_after_end(frame, end_day, policy["after_end"], checks, problems)
    frame = apply_returns(
        frame,
        policy["returns"],
        checks,
        problems,
        cancellation_prefix=policy["cancellation_prefix"],
    )
    _check_order_totals(frame, policy["max_amount"], problems)

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
        amount_read=float(np.nansum(raw_amount.to_numpy(dtype="float64"))),
        notes=tuple(notes),
    )


# ----------------------------------------------------------------------------------------------
# mapping


def _column_mapping(
    raw: pd.DataFrame, columns: Mapping[str, str] | None, name: str
) -> dict[str, Any]:
    available = list(raw.columns)
    # the one column-mapping rule (canonical name -> your column; one source column per name)
    checked = column_mapping(
        columns,
        canonical=CANONICAL_COLUMNS,
        prefixes=(_POINTS_PREFIX,),
        available=available,
        context=f" in {name} (it has {available[:20]})",
    )
    has_lines = all(checked.get(c, c) in available for c in _NUMERIC_LINE_COLUMNS)
    required = [c for c in REQUIRED_COLUMNS if not (c == "amount" and has_lines)]
    missing = [
        f"{canonical!r} (looked for column {checked.get(canonical, canonical)!r})"
        for canonical in required
        if checked.get(canonical, canonical) not in available
    ]
    if missing:
        near = _near_column_names(checked, available)
        suggestion = (
            f"; the file has them spelled differently: columns={near}"
            if near
            else "; map your names with columns={'customer_id': ..., 'timestamp': ..., "
            "'amount': ...} (or give 'quantity' and 'unit_price' instead of 'amount')"
        )
        raise DataValidationError(
            f"transactions source {name} is missing {len(missing)} required column(s): "
            f"{', '.join(missing)}; it has columns {available[:20]}{suggestion}"
        )
    optional_missing = [
        canonical
        for canonical, source_col in checked.items()
        if canonical not in REQUIRED_COLUMNS and source_col not in available
    ]
    if optional_missing:
        raise DataValidationError(
            f"transactions source {name} has no column for {optional_missing} "
            f"(mapped to {[checked[c] for c in optional_missing]}); it has columns "
            f"{available[:20]}"
        )
    return {canonical: col for canonical, col in checked.items() if col in available}


def _near_column_names(checked: Mapping[str, str], available: list[Any]) -> dict[str, str]:
    """Map each canonical name whose column is missing to a column spelled alike.

    Alike means equal after ignoring case, spaces, ``_`` and ``-`` ("CustomerID" and
    "customer id"); a name with two such candidates is left out (ambiguous).
    """

    def key(text: Any) -> str:
        return re.sub(r"[\s_\-]+", "", str(text)).lower()

    by_key: dict[str, list[str]] = {}
    for column in available:
        by_key.setdefault(key(column), []).append(str(column))
    wanted = {c: checked.get(c, c) for c in (*REQUIRED_COLUMNS, *_NUMERIC_LINE_COLUMNS)}
    wanted.update(checked)
    near = {}
    for canonical, looked_for in wanted.items():
        if looked_for in available:
            continue
        candidates = by_key.get(key(looked_for), [])
        if len(candidates) == 1:
            near[canonical] = candidates[0]
    return near


# ----------------------------------------------------------------------------------------------
# policies


def _apply_duplicates(
    frame: pd.DataFrame,
    raw: pd.DataFrame,
    ignored: tuple[str, ...],
    policy: str,
    checks: QualityLog,
    problems: RowProblems,
) -> pd.DataFrame:
    """Full-row duplicates: every source column (mapped or not) and the parsed values equal."""
    key = frame
    unmapped = [col for col in raw.columns if str(col) in set(ignored)]
    if unmapped:
        extra = raw.loc[frame.index, unmapped]
        extra.columns = [f"\x00source {col}" for col in unmapped]
        key = pd.concat([frame, extra], axis=1)
    try:
        duplicated = key.duplicated(keep="first")
    except TypeError:  # unhashable cells (lists, dicts) in a DataFrame source
        duplicated = key.astype(str).duplicated(keep="first")
    if duplicated.any() and policy == "error":
        raise problems.error(
            "full-row duplicates (every source column equal to an earlier row)",
            "all columns",
            duplicated,
            remedy="to drop the repeats (first kept), or to keep them all",
            fix={"duplicates": "drop"},
            alternatives=({"duplicates": "keep"},),
        )
    action = "dropped (first kept)" if policy == "drop" else "kept"
    checks.add(
        "duplicate_rows",
        "duplicate of an earlier row in every source column",
        "all columns",
        duplicated,
        action,
        frame["amount"],
        removes=policy == "drop",
    )
    return frame.loc[~duplicated] if policy == "drop" else frame


def _apply_after_end(
    frame: pd.DataFrame,
    end_day: pd.Timestamp | None,
    policy: str,
    checks: QualityLog,
    problems: RowProblems,
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
        raise problems.error(
            f"timestamps after observation_end {end_day.date()}",
            "timestamp",
            late,
            remedy="to drop them",
            fix={"after_end": "drop"},
        )
    checks.add(
        "after_observation_end",
        f"timestamp after observation_end {end_day.date()}",
        "timestamp",
        late,
        "dropped",
        frame["amount"],
        removes=True,
    )
    return frame.loc[~late]


def _max_amount_fix(largest: float) -> dict[str, float] | None:
    ceiling = ceiling_above(largest)
    return None if ceiling is None else {"max_amount": ceiling}


def _check_order_totals(frame: pd.DataFrame, ceiling: float, problems: RowProblems) -> None:
    if "order_id" not in frame.columns or frame.empty:
        return
    order = frame["order_id"].astype("string").fillna("")
    totals = frame["amount"].groupby([frame["customer_id"], order]).transform("sum")
    large = totals.abs() > ceiling
    if large.any():
        raise problems.error(
            f"orders totalling more than max_amount {ceiling:g} (largest "
            f"{float(totals.abs().max()):g}; usually a unit or parsing error)",
            "amount",
            large,
            remedy="if such orders are real",
            fix=_max_amount_fix(float(totals.abs().max())),
        )


# ----------------------------------------------------------------------------------------------
# helpers


def _choice(value: Any, name: str, options: tuple[str, ...]) -> str:
    if isinstance(value, str) and value.strip().lower() in options:
        return value.strip().lower()
    raise ParameterError(f"parameter {name!r} must be one of {list(options)}, got {value!r}")
