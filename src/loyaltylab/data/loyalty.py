"""Loyalty-program tables beside the transactions: the member base and the points ledger.

Two optional inputs, validated to the same standard as transactions (DESIGN.md "Contracts"):

* **members** - one row per member: ``customer_id`` (str), ``enrolled_at`` (tz-naive datetime),
  ``tier`` (str, optional), ``channel`` (str, optional; where the member enrolled).
* **points ledger** - one row per points movement: ``customer_id``, ``timestamp``, ``kind`` in
  ``{earn, redeem, expire, adjust}``, ``points`` (float, SIGNED: earn > 0, redeem < 0, expire < 0,
  adjust either sign), ``order_id`` (str, optional).

A problem either raises one :class:`~loyaltylab.errors.DataValidationError` naming the problem, the
column, the count and up to five example rows, or - where a policy parameter allows it - is
handled and counted in the data-quality table, which has the shape of the transactions' table
(one row per check, also when nothing was found: ``check``, ``reason``, ``column``, ``rows``,
``amount`` = signed points of those rows, ``action``). Nothing is dropped silently.

Ledger checks, in order: required columns; parseable timestamps; known ``kind``; numeric, finite
``points``; signs per kind (or signs derived from ``kind`` with ``signs="unsigned"``); exact
duplicate rows; rows after ``observation_end``; rows of customers who are not members; rows dated
before the member's enrolment; and finally **overdrafts**: a redemption (or expiry or negative
adjustment) larger than the balance. The balance is the running sum of a customer's points in time
order; movements with the same timestamp are applied earn, adjust, redeem, expire.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.data.read import read_table
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.rules import (
    QUALITY_COLUMNS,
    QualityLog,
    column_mapping,
    end_of_day,
    examples,
    inexact_id_problem,
    parse_customer_ids,
    parse_timestamps,
)

__all__ = [
    "LEDGER_KINDS",
    "LEDGER_SIGNS",
    "QUALITY_COLUMNS",
    "LoadedLedger",
    "LoadedMembers",
    "load_ledger",
    "load_members",
    "points_balances",
]

#: Kinds of points movements, in the order they are applied within one timestamp.
LEDGER_KINDS: tuple[str, ...] = ("earn", "adjust", "redeem", "expire")
#: The sign of the points of each directed kind: earn > 0, redeem < 0, expire < 0 (an adjustment
#: takes either sign). The ledger loader and the KPI ledger check both read it here.
LEDGER_SIGNS: Mapping[str, float] = MappingProxyType({"earn": 1.0, "redeem": -1.0, "expire": -1.0})
# The quality tables have the columns of the transactions' table (QUALITY_COLUMNS); ``amount``
# holds the signed points of the rows concerned (0 for the member table).
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class LoadedMembers:
    """A validated member base.

    Attributes
    ----------
    members : pandas.DataFrame
        Columns ``customer_id`` (str), ``enrolled_at`` (datetime64, tz-naive), ``tier`` (str or
        missing), ``channel`` (str or missing), one row per member, sorted by ``customer_id``.
    quality : pandas.DataFrame
        Data-quality table: ``check``, ``reason``, ``rows``, ``action``.
    source : str
        Where the table came from.
    rows_read : int
        Rows in the source before any check (every row not loaded is counted in ``quality``).
    """

    members: pd.DataFrame
    quality: pd.DataFrame
    source: str
    rows_read: int = 0

    def reconcile(self) -> pd.DataFrame:
        """Return how rows get from the source to the member table (``unexplained`` is 0).

        Returns
        -------
        pandas.DataFrame
            Columns ``step``, ``rows``, ``amount`` (amount is 0: members carry no money).

        Examples
        --------
        >>> import pandas as pd
        >>> raw = pd.DataFrame({"customer_id": ["1", "1", "2"],
        ...                     "enrolled_at": ["2024-01-05", "2024-02-01", "2024-01-07"]})
        >>> load_members(raw, duplicates="first").reconcile()[["step", "rows"]]
                       step  rows
        0              read     3
        1  duplicate_member    -1
        2            loaded     2
        3       unexplained     0
        """
        return QualityLog.reconcile(self.quality, self.rows_read, len(self.members), 0.0, 0.0)

    def summary(self) -> pd.DataFrame:
        """Return members, first and last enrolment and members per tier as one-row DataFrame."""
        frame = self.members
        row: dict[str, Any] = {
            "source": self.source,
            "members": len(frame),
            "first_enrolment": frame["enrolled_at"].min(),
            "last_enrolment": frame["enrolled_at"].max(),
        }
        for tier, count in frame["tier"].value_counts(dropna=False).items():
            row[f"tier_{tier}"] = int(count)
        return pd.DataFrame([row])


@dataclass(frozen=True)
class LoadedLedger:
    """A validated points ledger.

    Attributes
    ----------
    ledger : pandas.DataFrame
        Columns ``customer_id`` (str), ``timestamp`` (datetime64, tz-naive), ``kind`` (str),
        ``points`` (float, signed), ``order_id`` (str or missing), sorted by customer, time and
        kind order (earn, adjust, redeem, expire).
    quality : pandas.DataFrame
        Data-quality table: ``check``, ``reason``, ``rows``, ``action``.
    source : str
        Where the table came from.
    rows_read : int
        Rows in the source before any check (every row not loaded is counted in ``quality``).
    points_read : float
        Sum of the signed points of the valid source rows.
    """

    ledger: pd.DataFrame
    quality: pd.DataFrame
    source: str
    rows_read: int = 0
    points_read: float = 0.0

    def reconcile(self) -> pd.DataFrame:
        """Return how rows and points get from the source to the ledger (``unexplained`` is 0).

        Returns
        -------
        pandas.DataFrame
            Columns ``step``, ``rows``, ``amount`` (``amount`` in points).
        """
        return QualityLog.reconcile(
            self.quality,
            self.rows_read,
            len(self.ledger),
            self.points_read,
            float(self.ledger["points"].sum()),
        )

    def summary(self) -> pd.DataFrame:
        """Return rows, customers and points per kind (signed sums) as a one-row DataFrame."""
        frame = self.ledger
        sums = frame.groupby("kind", observed=True)["points"].sum()
        row: dict[str, Any] = {
            "source": self.source,
            "rows": len(frame),
            "customers": frame["customer_id"].nunique(),
        }
        for kind in LEDGER_KINDS:
            row[f"points_{kind}"] = float(sums.get(kind, 0.0))
        row["points_outstanding"] = float(frame["points"].sum())
        return pd.DataFrame([row])


def _read_table(
    source: Any, what: str, delimiter: str | None, encoding: str | None
) -> tuple[pd.DataFrame, str]:
    """Read by the one reader of :mod:`loyaltylab.data.read` (format by content, folders ...)."""
    table = read_table(source, what, delimiter=delimiter, encoding=encoding)
    frame = table.frame.copy() if not table.from_file else table.frame
    return frame, table.name


def _rename(
    frame: pd.DataFrame,
    columns: Mapping[str, str] | None,
    required: Sequence[str],
    what: str,
) -> pd.DataFrame:
    # the one column-mapping rule (canonical name -> your column; one source column per name)
    mapping = column_mapping(
        columns,
        available=list(frame.columns),
        implied=required,
        parameter=f"{what}: parameter 'columns'",
    )
    mapping = {canonical: user for canonical, user in mapping.items() if canonical != user}
    missing_source = [user for user in mapping.values() if user not in frame.columns]
    if missing_source:
        raise DataValidationError(
            f"{what}: column(s) {missing_source} named in 'columns' are not in the table; "
            f"it has {list(frame.columns)[:20]}"
        )
    frame = frame.rename(columns={user: canonical for canonical, user in mapping.items()})
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{what}: missing required column(s) {missing}; the table has "
            f"{list(frame.columns)[:20]} (map your names with columns={{canonical: yours}})"
        )
    if frame.empty:
        raise DataValidationError(f"{what}: the table has no rows")
    return frame


def _fail(what: str, problem: str, column: str, frame: pd.DataFrame, mask: Any) -> None:
    count = int(np.asarray(mask, dtype=bool).sum())
    raise DataValidationError(
        f"{what}: {count} row(s) with {problem} in column {column!r}; examples:\n"
        f"{examples(frame, mask)}"
    )


def _ids(
    frame: pd.DataFrame, what: str, log: QualityLog, na_ids: Sequence[str] | None
) -> pd.Series:
    """Return the ids as strings, normalised like the transactions' ids (so they join)."""
    parsed = parse_customer_ids(frame["customer_id"], na_ids=na_ids)
    if parsed.inexact_mask.any():
        _fail(
            what,
            inexact_id_problem(int(parsed.inexact_mask.sum())),
            "customer_id",
            frame,
            parsed.inexact_mask,
        )
    if parsed.missing.any():
        _fail(
            what,
            "a missing customer id (empty or NA-like such as 'NA', 'null'; option na_ids)",
            "customer_id",
            frame,
            parsed.missing,
        )
    log.add(
        "customer_id_normalised",
        "customer id written as a whole-number float (123.0 -> 123)",
        "customer_id",
        parsed.normalised,
        "normalised",
    )
    return parsed.ids


def _dates(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    """Return the column as tz-naive datetimes by the date rule of :mod:`loyaltylab.rules`."""
    parsed = parse_timestamps(frame[column])
    if parsed.unparseable.any():
        # unparseable: missing, not ISO 8601, or outside 1677-09-22 .. 2262-04-10
        problem = "a missing or unparseable date"
        if parsed.out_of_range.any():
            problem += (
                f" ({int(parsed.out_of_range.sum())} out of range: outside "
                "1677-09-22 .. 2262-04-10)"
            )
        _fail(what, problem, column, frame, parsed.unparseable)
    return parsed.timestamps


def _optional_text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    text = frame[column].astype("string").str.strip()
    return text.mask(text == "")


def _choice(value: str, name: str, options: Sequence[str]) -> str:
    if value not in options:
        raise ParameterError(f"parameter {name!r} must be one of {list(options)}, got {value!r}")
    return value


def load_members(
    source: str | os.PathLike[str] | pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    tiers: Sequence[str] | None = None,
    observation_end: Any = None,
    duplicates: str = "error",
    na_ids: Sequence[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> LoadedMembers:
    """Load and validate a member base.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A CSV or Parquet file, or a DataFrame.
    columns : mapping, optional
        Canonical name → your column name, e.g. ``{"enrolled_at": "join_date"}``.
    tiers : sequence of str, optional
        The configured tier names; a member in any other tier is an error. ``None`` accepts any.
    observation_end : date-like, optional
        An enrolment after this date is an error.
    duplicates : {"error", "first"}, default "error"
        A customer listed more than once: raise, or keep the earliest enrolment (counted in the
        quality table).
    na_ids : sequence of str, optional
        Text meaning "no customer id" (default :data:`loyaltylab.rules.NA_ID_TOKENS`).
    delimiter, encoding : str, optional
        CSV field separator and text encoding (default ``","`` and UTF-8).

    Returns
    -------
    LoadedMembers

    Raises
    ------
    DataValidationError
        Missing column, empty table, missing customer id, unparseable enrolment date, tier not in
        ``tiers``, enrolment after ``observation_end``, duplicate member (``duplicates="error"``).

    Examples
    --------
    >>> table = pd.DataFrame({"customer_id": ["1", "2"],
    ...                       "enrolled_at": ["2024-01-05", "2024-02-01"],
    ...                       "tier": ["base", "gold"], "channel": ["store", "app"]})
    >>> load_members(table, tiers=["base", "silver", "gold"]).members["tier"].tolist()
    ['base', 'gold']
    """
    _choice(duplicates, "duplicates", ("error", "first"))
    what = "members"
    raw, origin = _read_table(source, what, delimiter, encoding)
    raw = _rename(raw, columns, ("customer_id", "enrolled_at"), what)
    raw = raw.reset_index(drop=True)
    rows_read = len(raw)
    log = QualityLog()
    for column in ("tier", "channel"):
        absent = pd.Series(column not in raw.columns, index=raw.index)
        log.add(
            f"{column}_column",
            f"no {column!r} column in the table",
            column,
            absent,
            "left missing (optional column)",
        )
    frame = pd.DataFrame(
        {
            "customer_id": _ids(raw, what, log, na_ids),
            "enrolled_at": _dates(raw, "enrolled_at", what),
            "tier": _optional_text(raw, "tier"),
            "channel": _optional_text(raw, "channel"),
        }
    )
    if tiers is not None:
        allowed = [str(tier) for tier in tiers]
        unknown = frame["tier"].isna() | ~frame["tier"].isin(allowed)
        if unknown.any():
            values = sorted(frame.loc[unknown, "tier"].astype(str).unique())[:5]
            raise DataValidationError(
                f"{what}: {int(unknown.sum())} row(s) with a tier not in the configured list "
                f"{allowed} in column 'tier' (values {values}); examples:\n"
                f"{examples(frame, unknown)}"
            )
        log.add("tier", "tier not in the configured list", "tier", unknown, "raise")
    else:
        log.add("tier", "tier not in the configured list", "tier")
    end = end_of_day(observation_end, "observation_end", optional=True)
    if end is not None:
        late = frame["enrolled_at"] >= end
        if late.any():
            last_day = (end - pd.Timedelta(days=1)).date()
            _fail(
                what, f"an enrolment after observation_end {last_day}", "enrolled_at", frame, late
            )
        log.add("after_end", "enrolment after observation_end", "enrolled_at", late, "raise")
    else:
        log.add("after_end", "enrolment after observation_end", "enrolled_at")
    repeated = frame["customer_id"].duplicated(keep=False)
    if repeated.any() and duplicates == "error":
        _fail(what, "a customer listed more than once", "customer_id", frame, repeated)
    frame = frame.sort_values(["customer_id", "enrolled_at"], kind="stable")
    extra = frame["customer_id"].duplicated(keep="first")
    log.add(
        "duplicate_member",
        "customer listed more than once",
        "customer_id",
        extra,
        "kept the earliest enrolment, dropped the rest",
        removes=True,
    )
    frame = frame.loc[~extra].reset_index(drop=True)
    return LoadedMembers(members=frame, quality=log.frame(), source=origin, rows_read=rows_read)


def load_ledger(
    source: str | os.PathLike[str] | pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    members: pd.DataFrame | LoadedMembers | None = None,
    observation_end: Any = None,
    signs: str = "signed",
    duplicates: str = "drop",
    after_end: str = "error",
    unknown_member: str = "error",
    before_enrolment: str = "error",
    overdraft: str = "error",
    na_ids: Sequence[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> LoadedLedger:
    """Load and validate a points ledger.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A CSV or Parquet file, or a DataFrame.
    columns : mapping, optional
        Canonical name → your column name, e.g. ``{"points": "pts", "kind": "type"}``.
    members : DataFrame or LoadedMembers, optional
        The member base (canonical columns); enables the unknown-member and before-enrolment checks.
    observation_end : date-like, optional
        Movements after the end of this day are handled by ``after_end``.
    signs : {"signed", "unsigned"}, default "signed"
        ``"signed"``: points carry their sign (earn > 0, redeem < 0, expire < 0, adjust either);
        a wrong sign is an error. ``"unsigned"``: earn/redeem/expire are magnitudes (>= 0) and get
        their sign from ``kind``; ``adjust`` stays as given.
    duplicates : {"drop", "keep", "error"}, default "drop"
        Exact duplicate rows (same customer, timestamp, kind, points, order id).
    after_end : {"error", "drop"}, default "error"
        Movements after ``observation_end``.
    unknown_member : {"error", "drop"}, default "error"
        Movements of customers missing from ``members``.
    before_enrolment : {"error", "drop", "keep"}, default "error"
        Movements dated before the member's enrolment.
    overdraft : {"error", "keep"}, default "error"
        A redemption, expiry or negative adjustment larger than the balance at that moment.
    na_ids : sequence of str, optional
        Text meaning "no customer id" (default :data:`loyaltylab.rules.NA_ID_TOKENS`).
    delimiter, encoding : str, optional
        CSV field separator and text encoding (default ``","`` and UTF-8).

    Returns
    -------
    LoadedLedger

    Raises
    ------
    DataValidationError
        For each problem above whose policy is ``"error"``, and always for a missing column, an
        empty table, a missing customer id, an unparseable timestamp, an unknown kind, a missing or
        non-numeric or infinite points value, a zero earn/redeem/expire, or a wrong sign.

    Examples
    --------
    >>> table = pd.DataFrame({"customer_id": ["1", "1"], "timestamp": ["2024-01-05", "2024-02-01"],
    ...                       "kind": ["earn", "redeem"], "points": [120, -100]})
    >>> load_ledger(table).summary()[["points_earn", "points_redeem", "points_outstanding"]]
       points_earn  points_redeem  points_outstanding
    0        120.0         -100.0                20.0
    """
    _choice(signs, "signs", ("signed", "unsigned"))
    _choice(duplicates, "duplicates", ("drop", "keep", "error"))
    _choice(after_end, "after_end", ("error", "drop"))
    _choice(unknown_member, "unknown_member", ("error", "drop"))
    _choice(before_enrolment, "before_enrolment", ("error", "drop", "keep"))
    _choice(overdraft, "overdraft", ("error", "keep"))
    what = "points ledger"
    raw, origin = _read_table(source, what, delimiter, encoding)
    raw = _rename(raw, columns, ("customer_id", "timestamp", "kind", "points"), what)
    raw = raw.reset_index(drop=True)
    rows_read = len(raw)
    log = QualityLog()

    kind = raw["kind"].astype("string").str.strip().str.lower()
    unknown_kind = kind.isna() | ~kind.isin(LEDGER_KINDS)
    if unknown_kind.any():
        values = sorted(raw.loc[unknown_kind, "kind"].astype(str).unique())[:5]
        raise DataValidationError(
            f"{what}: {int(unknown_kind.sum())} row(s) with an unknown kind {values} in column "
            f"'kind' (allowed: {list(LEDGER_KINDS)}); examples:\n{examples(raw, unknown_kind)}"
        )
    points = pd.to_numeric(raw["points"], errors="coerce").astype(float)
    bad_points = ~np.isfinite(points.to_numpy())
    if bad_points.any():
        _fail(what, "a missing, non-numeric or infinite value", "points", raw, bad_points)
    frame = pd.DataFrame(
        {
            "customer_id": _ids(raw, what, log, na_ids),
            "timestamp": _dates(raw, "timestamp", what),
            "kind": kind.astype(str),
            "points": points,
            "order_id": _optional_text(raw, "order_id"),
        }
    )
    sign = frame["kind"].map(dict(LEDGER_SIGNS))
    directed = sign.notna()
    zero = directed & (frame["points"] == 0)
    if zero.any():
        _fail(what, "zero points on an earn/redeem/expire movement", "points", frame, zero)
    if signs == "unsigned":
        negative = directed & (frame["points"] < 0)
        if negative.any():
            _fail(
                what,
                "a negative magnitude (signs='unsigned' expects >= 0)",
                "points",
                frame,
                negative,
            )
        frame.loc[directed, "points"] = frame.loc[directed, "points"] * sign[directed]
    else:
        wrong = directed & (np.sign(frame["points"]) != sign)
        if wrong.any():
            _fail(
                what,
                "a sign that contradicts the kind (earn > 0, redeem < 0, expire < 0; "
                "pass signs='unsigned' if your points are magnitudes)",
                "points",
                frame,
                wrong,
            )

    points_read = float(frame["points"].sum())  # signed, before any row is dropped
    repeated = frame.duplicated(keep="first")
    if repeated.any() and duplicates == "error":
        _fail(what, "an exact duplicate row", "all columns", frame, frame.duplicated(keep=False))
    log.add(
        "duplicate_rows",
        "exact duplicate movement",
        "all columns",
        repeated,
        "dropped" if duplicates == "drop" else "kept",
        frame["points"],
        removes=duplicates == "drop",
    )
    if duplicates == "drop":
        frame = frame.loc[~repeated]

    end = end_of_day(observation_end, "observation_end", optional=True)
    if end is not None:
        late = frame["timestamp"] >= end
        if late.any() and after_end == "error":
            last_day = (end - pd.Timedelta(days=1)).date()
            _fail(what, f"a movement after observation_end {last_day}", "timestamp", frame, late)
        log.add(
            "after_end",
            "movement after observation_end",
            "timestamp",
            late,
            "dropped",
            frame["points"],
            removes=True,
        )
        frame = frame.loc[~late]
    else:
        log.add("after_end", "movement after observation_end", "timestamp")

    if members is not None:
        member_frame = members.members if isinstance(members, LoadedMembers) else members
        missing_columns = {"customer_id", "enrolled_at"} - set(member_frame.columns)
        if missing_columns:
            raise ParameterError(
                f"parameter 'members' lacks column(s) {sorted(missing_columns)}; "
                f"load it with load_members first"
            )
        first_rows = member_frame.drop_duplicates("customer_id")
        enrolled = pd.Series(
            pd.to_datetime(first_rows["enrolled_at"]).to_numpy(),
            index=first_rows["customer_id"].astype(str).to_numpy(),
        )
        joined = frame["customer_id"].map(enrolled)
        stranger = joined.isna()
        if stranger.any() and unknown_member == "error":
            _fail(what, "a customer who is not in the member table", "customer_id", frame, stranger)
        log.add(
            "unknown_member",
            "movement of a customer who is not a member",
            "customer_id",
            stranger,
            "dropped",
            frame["points"],
            removes=True,
        )
        frame = frame.loc[~stranger]
        joined = joined.loc[~stranger]
        early = frame["timestamp"] < joined
        if early.any() and before_enrolment == "error":
            _fail(
                what,
                "points dated before the member's enrolment",
                "timestamp",
                frame.assign(enrolled_at=joined),
                early,
            )
        log.add(
            "before_enrolment",
            "movement dated before the member's enrolment",
            "timestamp",
            early,
            "dropped" if before_enrolment == "drop" else "kept",
            frame["points"],
            removes=before_enrolment == "drop",
        )
        if before_enrolment == "drop":
            frame = frame.loc[~early]
    else:
        for check, column in (("unknown_member", "customer_id"), ("before_enrolment", "timestamp")):
            log.add(check, "needs the member table", column)

    frame = _sort_ledger(frame)
    balance = frame.groupby("customer_id", sort=False)["points"].cumsum()
    short = balance < -_TOLERANCE
    if short.any() and overdraft == "error":
        shown = frame.assign(balance_after=balance)
        raise DataValidationError(
            f"{what}: {int(short.sum())} row(s) with a redemption, expiry or negative adjustment "
            f"larger than the balance in column 'points' (balance_after < 0); examples:\n"
            f"{examples(shown, short)}"
        )
    log.add(
        "overdraft",
        "redemption, expiry or negative adjustment larger than the balance",
        "points",
        short,
        "kept",
        frame["points"],
    )
    return LoadedLedger(
        ledger=frame.reset_index(drop=True),
        quality=log.frame(),
        source=origin,
        rows_read=rows_read,
        points_read=points_read,
    )


def _sort_ledger(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame["kind"].map({kind: rank for rank, kind in enumerate(LEDGER_KINDS)})
    return (
        frame.assign(_order=order)
        .sort_values(["customer_id", "timestamp", "_order"], kind="stable")
        .drop(columns="_order")
    )


def points_balances(ledger: pd.DataFrame, as_of: Any = None) -> pd.DataFrame:
    """Return each customer's points issued, redeemed, expired, adjusted and balance.

    Parameters
    ----------
    ledger : pandas.DataFrame
        A canonical points ledger (see :func:`load_ledger`).
    as_of : date-like, optional
        Only movements up to the end of this day count.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id``, ``issued`` (earned points, >= 0), ``redeemed``,
        ``expired`` (both as positive amounts), ``adjusted`` (signed) and ``balance``
        (= issued - redeemed - expired + adjusted).

    Examples
    --------
    >>> ledger = pd.DataFrame({"customer_id": ["1", "1", "1"], "kind": ["earn", "redeem", "expire"],
    ...                        "points": [100.0, -60.0, -10.0],
    ...                        "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01",
    ...                                                     "2025-01-01"])})
    >>> points_balances(ledger)[["issued", "redeemed", "expired", "balance"]].iloc[0].tolist()
    [100.0, 60.0, 10.0, 30.0]
    """
    frame = ledger
    end = end_of_day(as_of, "as_of", optional=True)
    if end is not None:
        frame = frame.loc[frame["timestamp"] < end]
    table = frame.pivot_table(
        index="customer_id", columns="kind", values="points", aggfunc="sum", fill_value=0.0
    )
    table = table.reindex(columns=list(LEDGER_KINDS), fill_value=0.0).astype(float)
    result = pd.DataFrame(
        {
            "issued": table["earn"],
            "redeemed": -table["redeem"],
            "expired": -table["expire"],
            "adjusted": table["adjust"],
        }
    )
    result["balance"] = (
        result["issued"] - result["redeemed"] - result["expired"] + result["adjusted"]
    )
    return result.rename_axis("customer_id").reset_index()
