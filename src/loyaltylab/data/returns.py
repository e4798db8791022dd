"""Returns policies of the transaction loader: net, drop or refuse negative amounts.

Two kinds of return rows exist in real logs, and ``returns="net"`` (the default) handles both:

**A return inside its purchase's order (or day).** A negative line in an order (rows with the
same ``order_id``) that also has purchase lines, or - without an order id - on a customer-day
with purchases. It is netted in its group: the return rows are removed and the group's purchase
rows are reduced **pro rata** so that their total equals the group's net amount. A group whose
net is zero or negative (fully returned) is dropped, purchase and return rows. This is the rule
of every log without cancellation documents.

**A cancellation document.** A return written as a document of its own. Which rows are
cancellation documents (:func:`cancellation_documents`):

* a row whose ``is_return`` flag column is true (a canonical optional column, mapped with
  ``columns``; its amount is taken as a return whatever its sign), always; and
* with ``cancellation_prefix`` set (``"C"`` by default, as in invoice logs where cancellation
  ``C536379`` reverses a line of an earlier invoice): a negative row whose ``order_id``
  starts with the prefix (after stripping spaces, case-sensitive). A negative-only order
  **without** the prefix is then an ordinary return without a purchase in its order
  (``returns_unmatched``): the prefix is how the log marks its cancellations;
* with ``cancellation_prefix`` ``None`` or ``""`` (prefix detection off): a negative row whose
  order (same customer and ``order_id``) has no purchase line at all (a credit note with a
  number of its own).

Without an ``order_id`` column only the flag column makes documents.

Each cancellation is netted against the **same customer's earlier purchases** (purchase time at
or before the cancellation's), the same ``product`` when a product column is mapped, **most
recent purchase first**: the cancellation's amount is taken from the latest such purchase, what
remains from the one before, and so on; a purchase reduced to zero is removed. Cancellations are
applied in time order. Whatever part of a cancellation finds no earlier purchase in the log (the
purchase was before the log starts, or of another product) is **unmatched**: removed and counted.

Netting moves money between rows; it removes none on balance, so in the quality table its
``amount_removed`` is 0. Unmatched returns and fully returned groups take their (negative)
amount out. ``returns="drop"`` drops every negative row and every flagged row; ``"error"``
refuses them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
import pandas as pd

from loyaltylab.data.rows import RowProblems
from loyaltylab.rules import QualityLog

__all__ = ["RETURN_POLICIES", "apply_returns", "cancellation_documents"]

RETURN_POLICIES: tuple[str, ...] = ("net", "drop", "error")

_NET_REASONS = {
    "returns_netted": "return netted against the same customer's purchases in the same order "
    "(or on the same day without order_id)",
    "returns_exceed_purchases": "purchase fully returned: order/day nets to zero or less "
    "(purchase and return rows)",
    "returns_unmatched": "return without a purchase in the same order/day (an order of returns "
    "only that lacks the cancellation_prefix is one)",
    "cancellations_netted": "cancellation document netted against the same customer's earlier "
    "purchases (same product if mapped), most recent first",
    "cancellations_unmatched": "cancellation document (or part of one) without an earlier "
    "purchase of the same customer (and product) in the log",
}
_NONE_FOUND = {
    "returns_netted": "netted: none found",
    "returns_exceed_purchases": "dropped",
    "returns_unmatched": "dropped",
    "cancellations_netted": "netted: none found",
    "cancellations_unmatched": "dropped",
}


def cancellation_documents(frame: pd.DataFrame, prefix: str | None) -> pd.Series:
    """Return the rows that are cancellation documents (see the module docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical rows (``amount``, optional ``order_id``, ``is_return``).
    prefix : str or None
        A negative row whose order id starts with it is a cancellation; ``None`` or ``""``:
        prefix detection off, a negative row of an order without purchases is one instead.

    Returns
    -------
    pandas.Series of bool

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"customer_id": ["1", "1", "1"], "order_id": ["5", "C6", "7"],
    ...                       "amount": [10.0, -4.0, -2.0]})
    >>> cancellation_documents(frame, "C").tolist()
    [False, True, False]
    >>> cancellation_documents(frame, "").tolist()
    [False, True, True]
    """
    amount = frame["amount"]
    negative = amount < 0
    documents = pd.Series(False, index=frame.index)
    if "is_return" in frame.columns:
        documents |= frame["is_return"].fillna(False).astype(bool)
    if "order_id" in frame.columns:
        order = frame["order_id"]
        has_order = order.notna()
        text = order.astype("string").str.strip()
        if prefix:
            documents |= negative & has_order & text.str.startswith(prefix).fillna(False)
        else:
            key = pd.DataFrame({"customer_id": frame["customer_id"], "order": text})
            group = key.groupby(["customer_id", "order"], sort=False, dropna=False).ngroup()
            has_purchase = (amount > 0).groupby(group).transform("any")
            documents |= negative & has_order & ~has_purchase
    return documents.astype(bool)


def apply_returns(
    frame: pd.DataFrame,
    policy: str,
    checks: QualityLog,
    problems: RowProblems,
    *,
    cancellation_prefix: str | None = "C",
) -> pd.DataFrame:
    """Apply a returns policy (module docstring) and record its checks in ``checks``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical rows left by the earlier checks.
    policy : {"net", "drop", "error"}
    checks : QualityLog
    problems : RowProblems
        Builds the error of ``policy="error"``.
    cancellation_prefix : str or None, default "C"
        See :func:`cancellation_documents`.

    Returns
    -------
    pandas.DataFrame
        The rows kept, amounts netted (a flagged return's amount made negative first).
    """
    if "is_return" in frame.columns:
        flagged = frame["is_return"].fillna(False).astype(bool)
        if flagged.any():
            frame = frame.assign(amount=frame["amount"].where(~flagged, -frame["amount"].abs()))
    documents = cancellation_documents(frame, cancellation_prefix)
    returned = (frame["amount"] < 0) | documents
    amount = frame["amount"]
    if policy == "error":
        if returned.any():
            raise problems.error(
                "negative amounts (returns) or cancellation documents",
                "amount",
                returned,
                remedy="to net them against the purchases they return",
                fix={"returns": "net"},
                alternatives=({"returns": "drop"},),
            )
        checks.add("returns", "negative amount (return)", "amount", returned, "none found", amount)
        return frame
    if policy == "drop":
        checks.add(
            "returns",
            "negative amount (return) or cancellation document",
            "amount",
            returned,
            "dropped",
            amount,
            removes=True,
        )
        return frame.loc[~returned]
    frame = _net_in_group(frame, returned & ~documents, documents, checks)
    return _net_documents(frame, documents.reindex(frame.index), checks)


def _net_in_group(
    frame: pd.DataFrame, negative: pd.Series, documents: pd.Series, checks: QualityLog
) -> pd.DataFrame:
    """Net returns inside their order (or customer-day); cancellation documents left alone."""
    amount = frame["amount"]
    if not negative.any():
        for check in ("returns_netted", "returns_exceed_purchases", "returns_unmatched"):
            none = pd.Series(False, index=frame.index)
            checks.add(check, _NET_REASONS[check], "amount", none, _NONE_FOUND[check], amount)
        return frame
    day_key = "day " + frame["timestamp"].dt.strftime("%Y-%m-%d")
    if "order_id" in frame.columns:
        has_order = frame["order_id"].notna()
        key = ("order " + frame["order_id"].astype(str)).where(has_order, day_key)
    else:
        key = day_key
    key = key.where(~documents, "document")
    groups = pd.DataFrame({"customer_id": frame["customer_id"], "key": key})
    group_id = groups.groupby(["customer_id", "key"], sort=False).ngroup()
    alone = pd.Series(-1 - np.arange(len(frame)), index=frame.index)
    group_id = group_id.where(~documents, alone)  # each document in a group of its own
    positive = amount.where(amount > 0, 0.0)
    in_neg_group = negative.groupby(group_id).transform("any") & ~documents
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
        rows_removed=int(netted_returns.sum()),
        amount_removed=0.0,
    )
    checks.add(
        "returns_exceed_purchases",
        _NET_REASONS["returns_exceed_purchases"],
        "amount",
        fully_returned,
        _NONE_FOUND["returns_exceed_purchases"],
        amount,
        removes=True,
    )
    checks.add(
        "returns_unmatched",
        _NET_REASONS["returns_unmatched"],
        "amount",
        unmatched,
        _NONE_FOUND["returns_unmatched"],
        amount,
        removes=True,
    )
    scale = (group_net / group_pos).where(adjusted, 1.0)
    result = _scaled(frame, scale)
    remove = unmatched | fully_returned | netted_returns
    return result.loc[~remove]


def _scaled(frame: pd.DataFrame, scale: pd.Series) -> pd.DataFrame:
    """Multiply amounts (and quantities, so unit prices stay) by ``scale``."""
    result = frame.copy()
    result["amount"] = frame["amount"] * scale
    if "quantity" in result.columns:
        result["quantity"] = frame["quantity"] * scale
    return result


def _net_documents(frame: pd.DataFrame, documents: pd.Series, checks: QualityLog) -> pd.DataFrame:
    """Net cancellation documents against earlier purchases, most recent first."""
    amount = frame["amount"].to_numpy(dtype="float64")
    docs = documents.to_numpy(dtype=bool)
    none = pd.Series(False, index=frame.index)
    if not docs.any():
        for check in ("cancellations_netted", "cancellations_unmatched"):
            checks.add(check, _NET_REASONS[check], "amount", none, _NONE_FOUND[check], amount)
        return frame
    key_columns: Sequence[str] = ["customer_id"]
    if "product" in frame.columns:
        key_columns = ["customer_id", "product"]
    keys = frame[list(key_columns)].astype("string").fillna("\x00missing")
    key = keys.agg("\x1f".join, axis=1) if len(key_columns) > 1 else keys["customer_id"]
    stamps = frame["timestamp"].to_numpy()
    purchase = (~docs) & (amount > 0)
    doc_keys = set(key[docs])
    wanted = purchase & key.isin(doc_keys).to_numpy()
    positions = np.flatnonzero(wanted)
    order = positions[np.lexsort((positions, stamps[positions]))]
    by_key: dict[str, list[int]] = {}
    for pos, k in zip(order, key.to_numpy()[order], strict=True):
        by_key.setdefault(k, []).append(int(pos))
    remaining = amount.copy()
    matched = np.zeros(len(frame))
    doc_positions = np.flatnonzero(docs)
    doc_order = doc_positions[np.lexsort((doc_positions, stamps[doc_positions]))]
    key_values = key.to_numpy()
    for pos in doc_order:
        owed = -amount[pos]
        candidates = by_key.get(key_values[pos], [])
        if owed <= 0 or not candidates:
            continue
        times = [stamps[c] for c in candidates]
        last = bisect.bisect_right(times, stamps[pos])
        for candidate in reversed(candidates[:last]):
            if owed <= 0:
                break
            take = min(owed, remaining[candidate])
            if take > 0:
                remaining[candidate] -= take
                owed -= take
                matched[pos] += take
    unmatched_part = np.where(docs, -amount - matched, 0.0)
    netted = docs & (matched > 0)
    unmatched = docs & (unmatched_part > 1e-9 * np.maximum(np.abs(amount), 1.0))
    reduced = purchase & (remaining < amount)
    consumed = reduced & (remaining <= 1e-9 * np.maximum(amount, 1.0))
    checks.add(
        "cancellations_netted",
        _NET_REASONS["cancellations_netted"],
        "amount",
        pd.Series(netted, index=frame.index),
        f"netted: cancellation rows removed, {int(reduced.sum())} earlier purchase rows "
        f"reduced ({int(consumed.sum())} to zero and removed)",
        -matched,
        rows_removed=int(netted.sum() + consumed.sum()),
        amount_removed=0.0,
    )
    checks.add(
        "cancellations_unmatched",
        _NET_REASONS["cancellations_unmatched"],
        "amount",
        pd.Series(unmatched, index=frame.index),
        "dropped",
        -unmatched_part,
        rows_removed=int((docs & ~netted).sum()),
        amount_removed=float(-unmatched_part.sum()),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(reduced, remaining / amount, 1.0)
    result = _scaled(frame, pd.Series(scale, index=frame.index))
    # a boolean-array row selection is untyped in the pandas stubs
    kept: pd.DataFrame = result.loc[~(docs | consumed)]
    return kept
