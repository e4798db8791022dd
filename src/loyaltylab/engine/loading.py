"""Load a transactions source on its engine: the ``columns`` mapping and the loader's rules.

:func:`load_engine_transactions` is :func:`loyaltylab.data.load_transactions` for a source that an
engine reads (a Parquet glob, a PostgreSQL table or query, a Spark table: see
:mod:`loyaltylab.engine.backends`): the rows never come to pandas. It maps the source's columns
with the same rule (:func:`loyaltylab.rules.column_mapping`), applies the same checks as Ibis
expressions and counts them in a data-quality table with the loader's check names, reasons and
columns (:data:`loyaltylab.rules.QUALITY_COLUMNS`); all counts come from one aggregate query.

Rules on the engine (the loader's, where an engine can apply them):

* customer ids: text with spaces stripped; a whole-number float (``123.0``, also as text) is
  ``"123"``; an NA-like token (:data:`loyaltylab.rules.NA_ID_TOKENS`, any case) is a missing id;
* timestamps: a timestamp or date column, or ISO 8601 text (what does not parse is
  ``timestamp_unparseable``); amounts: a number, or text with ``.`` as decimal mark;
* ``invalid``, ``duplicates`` (full-row: every source column), ``after_end`` and ``max_amount``
  as in the loader;
* returns: a negative line stays a negative amount and is netted in its order or day by the
  sums of :mod:`loyaltylab.engine.expressions` (what ``returns="net"`` does inside an order or
  day). Cancellation documents are not matched to earlier purchases on an engine: those checks
  read "not checked on the engine" (load such a log with ``load_transactions``).

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"cust": [" 7.0", "7", "NA"], "amount": [5.0, 5.0, 3.0],
...                     "when": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-06"])})
>>> loaded = load_engine_transactions(raw, {"customer_id": "cust", "timestamp": "when"},
...                                   invalid="drop")
>>> loaded.quality.set_index("check").loc[["customer_id_missing", "customer_id_normalised"],
...                                       "rows"].tolist()
[1, 1]
>>> loaded.rows_loaded, loaded.amount_loaded
(2, 10.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from loyaltylab.data.transactions import LoadedTransactions
from loyaltylab.engine.backends import EngineTable, fetch, open_source
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import NA_ID_TOKENS, QUALITY_COLUMNS, QualityLog, as_day, column_mapping

__all__ = [
    "ENGINE_LOAD_OPTIONS",
    "EngineTransactions",
    "id_rule",
    "load_engine_as_loaded",
    "load_engine_transactions",
]

#: Options of :func:`load_engine_transactions` (the others of ``load_transactions`` need pandas).
ENGINE_LOAD_OPTIONS: tuple[str, ...] = (
    "observation_end",
    "duplicates",
    "after_end",
    "invalid",
    "max_amount",
    "na_ids",
)

_CANONICAL = (
    "customer_id",
    "timestamp",
    "amount",
    "order_id",
    "product",
    "quantity",
    "unit_price",
    "is_return",
    "channel",
    "store",
    "member",
)
_KEPT_OPTIONAL = ("order_id", "channel", "store", "member")
_FLOAT_ID = r"^\s*([+-]?\d+)\.0*\s*$"
_NOT_ON_ENGINE = "not checked on the engine (load with load_transactions to net these)"


@dataclass(frozen=True)
class EngineTransactions:
    """A validated transaction log on an engine, and what loading it changed.

    Attributes
    ----------
    canonical : EngineTable
        The canonical table (``customer_id``, ``timestamp``, ``amount`` [, ``order_id``,
        ``channel``, ``store``, ``member``]) as an expression on the source's engine; the
        summary and KPI functions take this object and run there.
    quality : pandas.DataFrame
        Data-quality table, one row per check (as :attr:`LoadedTransactions.quality`).
    source : str
        The source (a URL without its password).
    rows_read, rows_loaded : int
        Rows in the source and after the checks.
    amount_read, amount_loaded : float
        Sum of the valid amounts in the source, and of the loaded amounts.
    observation_end : pandas.Timestamp or None
        The last day of observation used for the ``after_end`` check.
    ignored_columns : tuple of str
        Source columns that are not canonical (they still count for duplicates).
    policy : dict
        The policies applied.
    """

    canonical: EngineTable
    quality: pd.DataFrame
    source: str
    rows_read: int
    rows_loaded: int
    amount_read: float
    amount_loaded: float
    observation_end: pd.Timestamp | None = None
    ignored_columns: tuple[str, ...] = ()
    policy: dict[str, Any] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        """The engine the table is on (``"duckdb"``, ``"postgres"``, ``"spark"``)."""
        return self.canonical.engine

    def reconcile(self) -> pd.DataFrame:
        """Return how rows and money get from the source to the loaded table (as the loader)."""
        return QualityLog.reconcile(
            self.quality, self.rows_read, self.rows_loaded, self.amount_read, self.amount_loaded
        )

    def to_pandas(self) -> pd.DataFrame:
        """Fetch the canonical table into pandas (only for small tables: tests, examples)."""
        frame = fetch(self.canonical.backend, self.canonical.table)
        frame["customer_id"] = frame["customer_id"].astype(str)
        frame["timestamp"] = frame["timestamp"].astype("datetime64[ns]")
        return frame.sort_values(["customer_id", "timestamp"], kind="stable").reset_index(drop=True)

    def to_loaded(self) -> LoadedTransactions:
        """Fetch the table into a :class:`~loyaltylab.data.LoadedTransactions` (the checks kept).

        For the notebooks, whose tables and plots work on a frame: the quality table, the rows
        and the money read are the engine's; only the loaded rows come to pandas.
        """
        return LoadedTransactions(
            transactions=self.to_pandas(),
            quality=self.quality,
            source=self.source,
            rows_read=self.rows_read,
            observation_end=self.observation_end,
            ignored_columns=self.ignored_columns,
            policy=dict(self.policy),
            amount_read=self.amount_read,
            notes=(f"read and checked on the {self.engine} engine",),
        )

    def summary(self) -> pd.DataFrame:
        """Key facts of the load as a two-column table (``metric``, ``value``)."""
        rows = [
            ("source", self.source),
            ("engine", self.engine),
            ("rows read", self.rows_read),
            ("rows loaded", self.rows_loaded),
            ("rows removed", self.rows_read - self.rows_loaded),
            ("total amount", self.amount_loaded),
            ("observation end", self.observation_end),
            ("ignored columns", ", ".join(self.ignored_columns)),
        ]
        return pd.DataFrame(rows, columns=["metric", "value"])


def load_engine_transactions(
    source: Any,
    columns: Mapping[str, str] | None = None,
    *,
    engine: str | None = None,
    observation_end: str | pd.Timestamp | None = None,
    duplicates: str = "drop",
    after_end: str = "error",
    invalid: str = "error",
    max_amount: float = 1e9,
    na_ids: tuple[str, ...] | None = None,
) -> EngineTransactions:
    """Map, validate and clean a transactions source on its engine (see the module docstring).

    Parameters
    ----------
    source : str, path-like, pandas.DataFrame or EngineTable
        A Parquet file/folder/glob, ``postgresql://...?table=NAME`` (or ``?query=...``),
        ``spark:TABLE``, a DataFrame (DuckDB reads it in place) or an opened table.
    columns : mapping, optional
        Canonical name -> the source's column, as for ``load_transactions``.
    engine : {"duckdb", "postgres", "spark"}, optional
        Checked against the source's engine.
    observation_end : date-like, optional
        Last day of observation (inclusive), for ``after_end``.
    duplicates : {"drop", "keep", "error"}, default "drop"
    after_end : {"error", "drop"}, default "error"
    invalid : {"error", "drop"}, default "error"
    max_amount : float, default 1e9
        Largest plausible amount of a line (magnitude); more is an error.
    na_ids : tuple of str, optional
        Text meaning "no customer id" (default :data:`loyaltylab.rules.NA_ID_TOKENS`).

    Returns
    -------
    EngineTransactions

    Raises
    ------
    loyaltylab.errors.DataValidationError
        A check with policy ``"error"`` found rows (the count, up to five example rows and the
        option that fixes it), a missing column, or no rows left.
    loyaltylab.errors.ParameterError
        An unknown policy or a bad mapping.
    """
    policy = {
        "duplicates": _choice(duplicates, "duplicates", ("drop", "keep", "error")),
        "after_end": _choice(after_end, "after_end", ("error", "drop")),
        "invalid": _choice(invalid, "invalid", ("error", "drop")),
        "max_amount": float(max_amount),
        "returns": "net within order or day (engine)",
    }
    opened = source if isinstance(source, EngineTable) else open_source(source, engine=engine)
    raw = opened.table
    available = list(raw.columns)
    mapping = column_mapping(
        columns,
        canonical=_CANONICAL,
        available=available,
        context=f" in {opened.source} (it has {available[:20]})",
    )
    missing = [
        f"{name!r} (looked for column {mapping.get(name, name)!r})"
        for name in ("customer_id", "timestamp", "amount")
        if mapping.get(name, name) not in available
    ]
    if missing:
        raise DataValidationError(
            f"transactions source {opened.source} is missing required column(s) "
            f"{', '.join(missing)}; it has columns {available[:20]}; map your names with "
            "columns={'customer_id': ..., 'timestamp': ..., 'amount': ...}"
        )
    kept = {name: col for name, col in mapping.items() if col in available}
    ignored = tuple(col for col in available if col not in set(kept.values()))
    end_day = as_day(observation_end, "observation_end", optional=True)

    ids, id_missing, id_normalised = id_rule(raw[kept["customer_id"]], na_ids or NA_ID_TOKENS)
    stamps, stamp_bad = _timestamps(raw[kept["timestamp"]])
    amounts, amount_missing, amount_bad = _amounts(raw[kept["amount"]])
    marked = raw.mutate(
        _id=ids,
        _ts=stamps,
        _amount=amounts,
        _id_missing=id_missing,
        _id_normalised=id_normalised,
        _ts_bad=stamp_bad & ~id_missing,
        _amount_missing=amount_missing & ~id_missing & ~stamp_bad,
        _amount_bad=amount_bad & ~id_missing & ~stamp_bad & ~amount_missing,
    )
    valid_amount = ibis.cases((amount_missing | amount_bad, 0.0), else_=amounts)
    marked = marked.mutate(_valid_amount=valid_amount)
    invalid_flag = marked._id_missing | marked._ts_bad | marked._amount_missing | marked._amount_bad
    marked = marked.mutate(_invalid=invalid_flag)

    counts: dict[str, Any] = {
        "rows_read": marked.count(),
        "amount_read": marked._valid_amount.sum(),
        "too_large": (marked._valid_amount.abs() > policy["max_amount"]).sum(),
    }
    for flag in ("_id_missing", "_id_normalised", "_ts_bad", "_amount_missing", "_amount_bad"):
        counts[f"{flag}_rows"] = marked[flag].sum()
        counts[f"{flag}_amount"] = ibis.cases((marked[flag], marked._valid_amount), else_=0.0).sum()
    totals = _one_row(opened, marked.aggregate(**counts))
    rows_read = int(totals["rows_read"])
    if rows_read == 0:
        raise DataValidationError(f"transactions source {opened.source} has no rows")
    if totals["too_large"]:
        raise DataValidationError(
            f"{opened.source}: {int(totals['too_large'])} amount(s) above max_amount "
            f"{policy['max_amount']:g} in magnitude (usually a unit or parsing error; check the "
            f"column {kept['amount']!r}); examples:\n"
            + _examples(opened, marked.filter(marked._valid_amount.abs() > policy["max_amount"]))
        )

    quality: list[dict[str, Any]] = []
    checks = [
        (
            "customer_id_missing",
            "customer id is missing, empty or NA-like",
            "customer_id",
            "_id_missing",
        ),
        ("timestamp_unparseable", "timestamp is not ISO 8601 or empty", "timestamp", "_ts_bad"),
        ("amount_missing", "amount is missing (empty or NaN)", "amount", "_amount_missing"),
        ("amount_not_numeric", "amount is not a finite number", "amount", "_amount_bad"),
    ]
    for check, reason, column, flag in checks:
        rows = int(totals[f"{flag}_rows"] or 0)
        if rows and policy["invalid"] == "error":
            raise DataValidationError(
                f"{opened.source}: {rows} row(s) where {reason} (column {kept[column]!r}); "
                "to drop such rows (counted in the quality table) set invalid='drop'; "
                f"examples:\n{_examples(opened, marked.filter(marked[flag]))}"
            )
        amount = float(totals[f"{flag}_amount"] or 0.0)
        quality.append(_row(check, reason, column, rows, amount, "dropped", removes=True))
        if check == "customer_id_missing":
            normalised = int(totals["_id_normalised_rows"] or 0)
            quality.append(
                _row(
                    "customer_id_normalised",
                    "customer id written as a whole-number float (123.0 -> '123') or padded "
                    "with spaces",
                    "customer_id",
                    normalised,
                    float(totals["_id_normalised_amount"] or 0.0),
                    "normalised",
                )
            )
        if check == "timestamp_unparseable":
            quality.append(
                _row(
                    "timestamp_timezone",
                    "timezone-aware timestamp",
                    "timestamp",
                    0,
                    0.0,
                    "converted to UTC, made naive",
                )
            )

    clean = marked.filter(~marked._invalid)
    canonical_cols: dict[str, Any] = {
        "customer_id": clean._id,
        "timestamp": clean._ts,
        "amount": clean._amount,
    }
    for name in _KEPT_OPTIONAL:
        if name in kept:
            canonical_cols[name] = clean[kept[name]]
    source_cols = [clean[col] for col in available]
    keyed = clean.select(*source_cols, **{f"_c_{k}": v for k, v in canonical_cols.items()})

    distinct = keyed.distinct()
    after_counts = {"rows": ibis._.count(), "amount": ibis._["_c_amount"].sum()}
    dup_totals = _one_row(opened, keyed.aggregate(**after_counts))
    distinct_totals = _one_row(opened, distinct.aggregate(**after_counts))
    dup_rows = int(dup_totals["rows"]) - int(distinct_totals["rows"])
    dup_amount = float(dup_totals["amount"] or 0.0) - float(distinct_totals["amount"] or 0.0)
    if dup_rows and policy["duplicates"] == "error":
        raise DataValidationError(
            f"{opened.source}: {dup_rows} full-row duplicate(s) (every source column equal to "
            "an earlier row); set duplicates='drop' to drop the repeats or 'keep' to keep them"
        )
    dropping = policy["duplicates"] == "drop"
    quality.append(
        _row(
            "duplicate_rows",
            "duplicate of an earlier row in every source column",
            "all columns",
            dup_rows,
            dup_amount,
            "dropped (first kept)" if dropping else "kept",
            removes=dropping,
        )
    )
    rows_table = distinct if dropping else keyed
    table = rows_table.select(**{k: rows_table[f"_c_{k}"] for k in canonical_cols})

    if end_day is None:
        quality.append(
            _row(
                "after_observation_end",
                "timestamp after observation_end",
                "timestamp",
                0,
                0.0,
                "not checked (no observation_end given)",
            )
        )
    else:
        stop = ibis.literal(end_day + pd.Timedelta(days=1), type="timestamp")
        late = table.timestamp >= stop
        late_totals = _one_row(
            opened,
            table.aggregate(
                rows=late.sum(), amount=ibis.cases((late, table.amount), else_=0.0).sum()
            ),
        )
        late_rows = int(late_totals["rows"] or 0)
        if late_rows and policy["after_end"] == "error":
            raise DataValidationError(
                f"{opened.source}: {late_rows} row(s) with timestamps after observation_end "
                f"{end_day.date()}; set after_end='drop' to drop them; examples:\n"
                + _examples(opened, table.filter(late))
            )
        quality.append(
            _row(
                "after_observation_end",
                f"timestamp after observation_end {end_day.date()}",
                "timestamp",
                late_rows,
                float(late_totals["amount"] or 0.0),
                "dropped",
                removes=True,
            )
        )
        table = table.filter(table.timestamp < stop)
    for check, reason, column in (
        ("returns_netted", "negative line netted in its order or day", "amount"),
        ("returns_exceed_purchases", "returns larger than the purchases they net", "amount"),
        ("returns_unmatched", "return without a purchase in its order or day", "amount"),
        ("cancellations_netted", "cancellation document netted against purchases", "amount"),
        ("cancellations_unmatched", "cancellation document without a purchase", "amount"),
    ):
        quality.append(_row(check, reason, column, 0, 0.0, _NOT_ON_ENGINE))
    loaded = _one_row(opened, table.aggregate(rows=table.count(), amount=table.amount.sum()))
    rows_loaded = int(loaded["rows"])
    if rows_loaded == 0:
        raise DataValidationError(
            f"no transactions left in {opened.source} after the checks ({rows_read} rows read)"
        )
    frame = pd.DataFrame(quality, columns=list(QUALITY_COLUMNS)).astype(
        {"rows": "int64", "amount": "float64", "rows_removed": "int64", "amount_removed": "float64"}
    )
    return EngineTransactions(
        canonical=replace(opened, table=table),
        quality=frame,
        source=opened.source,
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        amount_read=float(totals["amount_read"] or 0.0),
        amount_loaded=float(loaded["amount"] or 0.0),
        observation_end=end_day,
        ignored_columns=ignored,
        policy=policy,
    )


def load_engine_as_loaded(
    source: str, columns: Mapping[str, str] | None, options: Mapping[str, Any]
) -> LoadedTransactions:
    """Check ``source`` on its engine with loader ``options``, then fetch it (for notebooks).

    ``options`` are those of ``load_transactions``; those an engine cannot apply (everything but
    :data:`ENGINE_LOAD_OPTIONS`, and ``returns`` other than ``"net"``) are an error.

    Returns
    -------
    loyaltylab.data.LoadedTransactions
    """
    chosen = dict(options)
    if chosen.get("returns", "net") == "net":
        chosen.pop("returns", None)
    unsupported = sorted(set(chosen) - set(ENGINE_LOAD_OPTIONS))
    if unsupported:
        raise ParameterError(
            f"load option(s) {unsupported} do not apply to {source.split('?')[0]}: an engine "
            f"source supports {list(ENGINE_LOAD_OPTIONS)} (export the data to CSV for the "
            "others)"
        )
    return load_engine_transactions(source, columns or None, **chosen).to_loaded()


# ----------------------------------------------------------------------------------------------
# the rules as expressions


def id_rule(column: ir.Column, tokens: tuple[str, ...]) -> tuple[Any, Any, Any]:
    """Return (id text, missing, normalised) for a customer-id column of any type.

    The id rule of :mod:`loyaltylab.rules.ids` as expressions: text with spaces stripped, a
    whole-number float (``123.0``, also as text) as ``"123"``, NA-like ``tokens`` (any case)
    and empty text missing.
    """
    kind = column.type()
    if kind.is_integer():
        text = column.cast("string")
        return text, column.isnull(), ibis.literal(False)
    if kind.is_floating():
        whole = column.notnull() & ~column.isnan() & (column == column.floor())
        text = ibis.cases((whole, column.cast("int64").cast("string")), else_=column.cast("string"))
        return text, column.isnull() | column.isnan(), whole
    raw = column.cast("string")
    stripped = raw.strip()
    float_like = stripped.re_search(_FLOAT_ID)
    text = ibis.cases((float_like, stripped.re_extract(_FLOAT_ID, 1)), else_=stripped)
    upper = [token.strip().upper() for token in tokens] + [""]
    missing = raw.isnull() | stripped.upper().isin(upper)
    normalised = ~missing & (float_like | (stripped != raw))
    return text, missing, normalised


def _timestamps(column: ir.Column) -> tuple[Any, Any]:
    """Return (timestamp, unparseable) for a timestamp, date or text column."""
    kind = column.type()
    if kind.is_timestamp():
        return column.cast("timestamp"), column.isnull()
    if kind.is_date():
        return column.cast("timestamp"), column.isnull()
    parsed = column.cast("string").strip().try_cast("timestamp")
    return parsed, parsed.isnull()


def _amounts(column: ir.Column) -> tuple[Any, Any, Any]:
    """Return (amount as float64, missing, not numeric or not finite)."""
    kind = column.type()
    if kind.is_numeric():
        value = column.cast("float64")
        missing = column.isnull() | value.isnan()
        bad = ~missing & value.isinf()
        return value, missing, bad
    text = column.cast("string").strip()
    value = text.try_cast("float64")
    missing = column.isnull() | (text == "")
    bad = ~missing & (value.isnull() | value.isnan() | value.isinf())
    return value, missing, bad


# ----------------------------------------------------------------------------------------------
# helpers


def _one_row(opened: EngineTable, expr: Any) -> dict[str, Any]:
    frame = fetch(opened.backend, expr)
    return {str(key): value for key, value in frame.iloc[0].items()}


def _examples(opened: EngineTable, expr: Any) -> str:
    visible = [col for col in expr.columns if not col.startswith("_")]
    return fetch(opened.backend, expr.select(*visible).limit(5)).to_string()


def _row(
    check: str,
    reason: str,
    column: str,
    rows: int,
    amount: float,
    action: str,
    *,
    removes: bool = False,
) -> dict[str, Any]:
    shown = action if rows or action.startswith("not checked") else "none found"
    return {
        "check": check,
        "reason": reason,
        "column": column,
        "rows": rows,
        "amount": amount if rows else 0.0,
        "action": shown,
        "rows_removed": rows if removes else 0,
        "amount_removed": (amount if rows else 0.0) if removes else 0.0,
    }


def _choice(value: Any, name: str, options: tuple[str, ...]) -> str:
    if isinstance(value, str) and value.strip().lower() in options:
        return value.strip().lower()
    raise ParameterError(f"parameter {name!r} must be one of {list(options)}, got {value!r}")
