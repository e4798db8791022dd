"""A synthetic line-level e-commerce log (invoice lines) with its truth: ``synthetic_lines``.

The log looks like the public online-retail exports a new user brings (one row per invoice line:
``InvoiceNo``, ``StockCode``, ``Description``, ``Quantity``, ``InvoiceDate``, ``UnitPrice``,
``CustomerID``, ``Country``) and has, on purpose, every trait that makes such a log hard to load:

* **invoice lines**: each purchase is an invoice of several lines (1 + Poisson), each a
  different product with a fixed unit price, so ``amount = Quantity x UnitPrice``;
* **same-amount lines**: on some invoices a second product of the same price is bought in the
  same quantity, so two different lines of one invoice have the same amount (they are **not**
  duplicates);
* **exact duplicates**: a few purchase lines written twice by the source system, equal in every
  column (the truth says they are to be dropped);
* **cancellations**: a return is its own invoice ``C<number>`` with negative quantities, of
  products the customer bought on an earlier invoice (at most the quantity bought); a few refer
  to products the customer never bought in the log (the purchase was before it starts):
  **unmatched**;
* **guest checkouts**: about a quarter of the invoices (and their cancellations) have no
  customer id, written as an empty field or an NA-like token (``NA``, ``NaN``, ``null``,
  ``None``);
* **US dates** written like ``12/1/2010 8:26`` (``date_style="us"``; ``"iso"`` writes
  ``2010-12-01 08:26``).

Customers buy as the BG/NBD and Gamma-Gamma models assume: the purchase times and each
invoice's spend come from :func:`loyaltylab.datasets.synthetic.generate_transactions` (the
invoice's spend is shared out over its lines and turned into whole quantities). Everything is
vectorised with numpy and seeded.

The truth is computed from the generator's own bookkeeping (which line is a purchase, a
duplicate, a guest's, a matched or an unmatched cancellation), never by loading the log: per
customer the net revenue (purchases less matched cancellations, guests' invoices left out), and
the totals and counts of every trait. Money is booked in cents, so the totals are exact.

The committed snapshot ``data/synthetic_lines/`` is written by::

    python -m loyaltylab.datasets.lines --out data/synthetic_lines --customers 1500 --seed 0
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from loyaltylab.datasets.synthetic import generate_transactions
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.files import write_gzip_text

__all__ = [
    "LINES_COLUMNS",
    "LINES_LOAD_OPTIONS",
    "SyntheticLines",
    "generate_lines",
    "main",
    "read_lines_truth",
    "write_lines",
]

#: Canonical name -> column of the log (the mapping ``resolve_transactions`` uses).
LINES_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "customer_id": "CustomerID",
        "timestamp": "InvoiceDate",
        "order_id": "InvoiceNo",
        "product": "StockCode",
        "quantity": "Quantity",
        "unit_price": "UnitPrice",
    }
)
#: Loader options of the bundled snapshot: US dates, guests' rows dropped and counted,
#: full-row duplicates dropped, ``C`` cancellations netted against earlier purchases.
LINES_LOAD_OPTIONS: Mapping[str, Any] = MappingProxyType(
    {
        "date_format": "%m/%d/%Y %H:%M",
        "invalid": "drop",
        "duplicates": "drop",
        "returns": "net",
        "cancellation_prefix": "C",
    }
)
DATE_FORMATS: Mapping[str, str] = MappingProxyType(
    {"us": "%m/%d/%Y %H:%M", "iso": "%Y-%m-%d %H:%M"}
)

_LINES_FILE = "lines.csv.gz"
_CUSTOMERS_FILE = "customers.csv"
_TRUTH_FILE = "truth.json"
_FIRST_INVOICE = 536365
_FIRST_CUSTOMER = 12346
_PRICE_CENTS = np.array([42, 65, 85, 125, 165, 210, 255, 295, 375, 495, 795, 1275])
_GUEST_TOKENS = np.array(["", "NA", "NaN", "null", "None"], dtype=object)
_GUEST_TOKEN_P = np.array([0.6, 0.1, 0.1, 0.1, 0.1])
_COUNTRIES = np.array(
    ["Germany", "France", "EIRE", "Spain", "Netherlands", "Belgium", "Switzerland", "Portugal"],
    dtype=object,
)
_COLOURS = ("WHITE", "RED", "PINK", "BLUE", "GREEN", "IVORY", "VINTAGE", "SILVER", "WOODEN")
_THINGS = (
    "HEART T-LIGHT HOLDER",
    "LANTERN",
    "CAKE CASES",
    "BUNTING",
    "LUNCH BAG",
    "MUG",
    "DOORSTOP",
    "PHOTO FRAME",
    "TEA TOWEL",
    "NIGHT LIGHT",
    "JAM JAR",
)
_MINUTE_NS = 60 * 10**9
_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class SyntheticLines:
    """A synthetic invoice-line log and its truth.

    Attributes
    ----------
    lines : pandas.DataFrame
        The file's rows as written (text): ``InvoiceNo``, ``StockCode``, ``Description``,
        ``Quantity``, ``InvoiceDate``, ``UnitPrice``, ``CustomerID``, ``Country``.
    customers : pandas.DataFrame
        Per identified customer with a purchase: ``customer_id``, ``invoices``, ``purchases``
        (money of the purchase lines), ``cancelled`` (money of the matched cancellations, >= 0),
        ``unmatched`` (money of the unmatched cancellations, >= 0), ``net_revenue`` =
        purchases - cancelled; sorted by id.
    truth : dict
        Counts and totals of every trait (module docstring, ``data/README.md``) and the purchase
        model's truth under ``purchase_model``.
    """

    lines: pd.DataFrame
    customers: pd.DataFrame
    truth: dict[str, Any]

    def summary(self) -> pd.DataFrame:
        """Return the truth's counts and totals as a two-column table (``metric``, ``value``).

        Returns
        -------
        pandas.DataFrame
        """
        rows = [(key, value) for key, value in self.truth.items() if not isinstance(value, dict)]
        return pd.DataFrame(rows, columns=["metric", "value"])


def generate_lines(
    n_customers: int,
    *,
    seed: int = 0,
    start: str | pd.Timestamp = "2010-12-01",
    end: str | pd.Timestamp = "2011-11-30",
    date_style: Literal["us", "iso"] = "us",
    guest_share: float = 0.25,
    cancellation_share: float = 0.08,
    duplicate_share: float = 0.004,
    same_amount_share: float = 0.12,
    unmatched_cancellations: int | None = None,
    n_products: int = 240,
    mean_lines: float = 4.0,
) -> SyntheticLines:
    """Draw an invoice-line log with every trait of the module docstring, and its truth.

    Parameters
    ----------
    n_customers : int
        Customers of the purchase model (each makes at least one invoice; a customer whose
        invoices are all guest checkouts has no identified row).
    seed : int, default 0
        Seed; the same seed gives an identical result.
    start, end : str or pandas.Timestamp
        First and last day (inclusive) of the log.
    date_style : {"us", "iso"}, default "us"
        ``"us"`` writes ``12/1/2010 8:26`` (:data:`DATE_FORMATS`), ``"iso"`` ``2010-12-01 08:26``.
    guest_share : float, default 0.25
        Probability that an invoice is a guest checkout (no customer id).
    cancellation_share : float, default 0.08
        Probability that an invoice is partly cancelled later by a ``C`` invoice.
    duplicate_share : float, default 0.004
        Share of identified purchase lines written twice (at least one line).
    same_amount_share : float, default 0.12
        Probability that an invoice gets a second product of its first line's price and quantity.
    unmatched_cancellations : int, optional
        Cancellations of products the customer never bought in the log (default
        ``max(3, n_customers // 200)``).
    n_products : int, default 240
        Size of the catalogue (at least twice the number of price points, 24).
    mean_lines : float, default 4.0
        Mean number of lines per invoice (1 + Poisson(mean_lines - 1), repeats of a product
        merged away).

    Returns
    -------
    SyntheticLines

    Examples
    --------
    >>> log = generate_lines(200, seed=3)
    >>> bool(log.lines["InvoiceNo"].str.startswith("C").any())
    True
    >>> bool(abs(log.truth["net_revenue"] - log.customers["net_revenue"].sum()) < 1e-6)
    True
    """
    if date_style not in DATE_FORMATS:
        raise ParameterError(
            f"parameter 'date_style' must be one of {list(DATE_FORMATS)}, got {date_style!r}"
        )
    for name, share in (
        ("guest_share", guest_share),
        ("cancellation_share", cancellation_share),
        ("duplicate_share", duplicate_share),
        ("same_amount_share", same_amount_share),
    ):
        if not isinstance(share, int | float) or not 0.0 <= share < 1.0:
            raise ParameterError(f"parameter {name!r} must be a number in [0, 1), got {share!r}")
    if not isinstance(n_products, int) or n_products < 2 * len(_PRICE_CENTS):
        raise ParameterError(
            f"parameter 'n_products' must be a whole number >= {2 * len(_PRICE_CENTS)}, "
            f"got {n_products!r}"
        )
    if not isinstance(mean_lines, int | float) or mean_lines < 1.0:
        raise ParameterError(f"parameter 'mean_lines' must be at least 1, got {mean_lines!r}")
    base = generate_transactions(n_customers, seed=seed, start=start, end=end)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 9]))
    n = base.truth["n_customers"]
    window_end = pd.Timestamp(base.truth["end"]) + pd.Timedelta(days=1)
    unmatched_count = (
        max(3, n // 200) if unmatched_cancellations is None else unmatched_cancellations
    )
    if not isinstance(unmatched_count, int) or unmatched_count < 0:
        raise ParameterError(
            f"parameter 'unmatched_cancellations' must be a whole number >= 0, "
            f"got {unmatched_cancellations!r}"
        )

    # catalogue: every price point shared by several products (same-amount lines need that)
    price = rng.permutation(np.resize(_PRICE_CENTS, n_products))
    popularity = 1.0 / (np.arange(n_products) + 10.0)
    popularity /= popularity.sum()
    by_price = np.lexsort((np.arange(n_products), price))
    rank = np.empty(n_products, dtype=np.int64)
    rank[by_price] = np.arange(n_products)
    group_start = np.searchsorted(price[by_price], price)
    group_size = np.searchsorted(price[by_price], price, side="right") - group_start
    twin_of = by_price[group_start + (rank - group_start + 1) % group_size]

    customer_ids = (np.arange(n) + _FIRST_CUSTOMER).astype(str).astype(object)
    country = np.where(rng.random(n) < 0.9, "United Kingdom", rng.choice(_COUNTRIES, n))

    # invoices: one per purchase of the purchase model, in shop hours, to the minute
    purchases = base.transactions
    inv_customer = pd.factorize(purchases["customer_id"], sort=True)[0]
    n_inv = len(purchases)
    day_ns = purchases["timestamp"].dt.normalize().to_numpy().astype("int64")
    inv_time = day_ns + (8 * 60 + rng.integers(0, 12 * 60, n_inv)) * _MINUTE_NS
    inv_guest = rng.random(n_inv) < guest_share
    inv_spend = purchases["amount"].to_numpy()

    # lines: distinct products per invoice, quantities sharing out the invoice's spend
    n_lines = 1 + rng.poisson(mean_lines - 1.0, n_inv)
    line_inv = np.repeat(np.arange(n_inv), n_lines)
    line_product = rng.choice(n_products, size=len(line_inv), p=popularity)
    lines = pd.DataFrame({"inv": line_inv, "product": line_product})
    lines = lines.loc[~lines.duplicated()].reset_index(drop=True)
    per_invoice = lines.groupby("inv")["product"].transform("size").to_numpy()
    target = inv_spend[lines["inv"].to_numpy()] * 100.0 / per_invoice
    quantity = np.maximum(1, rng.poisson(target / price[lines["product"].to_numpy()]))
    lines["quantity"] = quantity
    first_line = ~lines["inv"].duplicated().to_numpy()
    twinned = first_line & (rng.random(len(lines)) < same_amount_share)
    twins = pd.DataFrame(
        {
            "inv": lines["inv"].to_numpy()[twinned],
            "product": twin_of[lines["product"].to_numpy()[twinned]],
            "quantity": lines["quantity"].to_numpy()[twinned],
        }
    )
    lines = pd.concat([lines.assign(twin=False), twins.assign(twin=True)], ignore_index=True)
    lines = lines.loc[~lines.duplicated(["inv", "product"])]
    lines = lines.sort_values(["inv", "twin"], kind="stable").reset_index(drop=True)
    lines["doc"] = lines["inv"]
    lines["kind"] = "purchase"

    # cancellations: a later C invoice returning part of an earlier invoice's lines
    cancel_inv = np.flatnonzero(rng.random(n_inv) < cancellation_share)
    delay = (60 + np.floor(rng.exponential(7 * 24 * 60, len(cancel_inv)))).astype("int64")
    cancel_time = inv_time[cancel_inv] + delay * _MINUTE_NS
    in_window = cancel_time <= window_end.value - _MINUTE_NS
    cancel_inv, cancel_time = cancel_inv[in_window], cancel_time[in_window]
    doc_time = np.concatenate([inv_time, cancel_time])
    doc_customer = np.concatenate([inv_customer, inv_customer[cancel_inv]])
    doc_guest = np.concatenate([inv_guest, inv_guest[cancel_inv]])
    cancel_doc = pd.Series(n_inv + np.arange(len(cancel_inv)), index=cancel_inv)
    candidate = lines.loc[lines["inv"].isin(cancel_inv)]
    first_of_invoice = ~candidate["inv"].duplicated()
    chosen = first_of_invoice.to_numpy() | (rng.random(len(candidate)) < 0.4)
    returned = candidate.loc[chosen].copy()
    returned["quantity"] = -rng.integers(1, returned["quantity"].to_numpy() + 1)
    returned["doc"] = cancel_doc.loc[returned["inv"].to_numpy()].to_numpy()
    returned["kind"] = "cancellation"
    returned["twin"] = False

    # unmatched cancellations: products the customer never bought (identified) in the log
    identified = lines.loc[~inv_guest[lines["inv"].to_numpy()]]
    bought = set(
        zip(inv_customer[identified["inv"].to_numpy()], identified["product"], strict=True)
    )
    who = rng.choice(n, size=unmatched_count, replace=n < unmatched_count)
    what = rng.choice(n_products, size=unmatched_count)
    for _ in range(100):
        clash = np.array([(c, p) in bought for c, p in zip(who, what, strict=True)], dtype=bool)
        if not clash.any():
            break
        what[clash] = rng.choice(n_products, size=int(clash.sum()))
    window_minutes = (window_end.value - pd.Timestamp(base.truth["start"]).value) // _MINUTE_NS
    unmatched_time = pd.Timestamp(base.truth["start"]).value + (
        rng.integers(8 * 60, window_minutes - 60, unmatched_count) * _MINUTE_NS
    )
    first_unmatched = len(doc_time)
    doc_time = np.concatenate([doc_time, unmatched_time])
    doc_customer = np.concatenate([doc_customer, who])
    doc_guest = np.concatenate([doc_guest, np.zeros(unmatched_count, dtype=bool)])
    unmatched = pd.DataFrame(
        {
            "inv": -1,
            "product": what,
            "quantity": -rng.integers(1, 7, unmatched_count),
            "twin": False,
            "doc": first_unmatched + np.arange(unmatched_count),
            "kind": "unmatched",
        }
    )

    # exact duplicates: identified purchase lines written twice
    rows = pd.concat([lines, returned, unmatched], ignore_index=True)
    rows["guest"] = doc_guest[rows["doc"].to_numpy()]
    purchase_rows = np.flatnonzero((rows["kind"] == "purchase").to_numpy() & ~rows["guest"])
    n_duplicates = max(1, round(duplicate_share * len(purchase_rows))) if len(purchase_rows) else 0
    repeat = rng.choice(purchase_rows, size=n_duplicates, replace=False)
    rows["duplicate"] = False
    copies = rows.loc[repeat].assign(duplicate=True)
    rows = pd.concat([rows, copies]).sort_index(kind="stable").reset_index(drop=True)

    # documents numbered in time order; cancellations get the "C" prefix
    doc_order = np.lexsort((np.arange(len(doc_time)), doc_time))
    doc_number = np.empty(len(doc_time), dtype=np.int64)
    doc_number[doc_order] = _FIRST_INVOICE + np.arange(len(doc_time))
    doc = rows["doc"].to_numpy()
    rows = rows.assign(
        number=doc_number[doc],
        time=doc_time[doc],
        customer=doc_customer[doc],
        cents=price[rows["product"].to_numpy()] * rows["quantity"].to_numpy(),
    )
    rows = rows.sort_values(["number"], kind="stable").reset_index(drop=True)
    guest_token = rng.choice(_GUEST_TOKENS, size=len(doc_time), p=_GUEST_TOKEN_P)

    frame = _file_rows(rows, price, country, customer_ids, guest_token, date_style)
    customers, truth = _truth(rows, customer_ids, base.truth, seed, date_style, len(frame))
    truth["products"] = n_products
    return SyntheticLines(lines=frame, customers=customers, truth=truth)


def write_lines(log: SyntheticLines, directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``lines.csv.gz``, ``customers.csv`` and ``truth.json`` to ``directory``.

    The gzip header is fixed (no file name, mtime 0), so the same log always gives
    byte-identical files.

    Parameters
    ----------
    log : SyntheticLines
        What :func:`generate_lines` returned.
    directory : path-like
        Target folder (created if missing).

    Returns
    -------
    dict of str to pathlib.Path
        ``{"lines": ..., "customers": ..., "truth": ...}``.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "lines": folder / _LINES_FILE,
        "customers": folder / _CUSTOMERS_FILE,
        "truth": folder / _TRUTH_FILE,
    }
    text = log.lines.to_csv(index=False, lineterminator="\n")
    write_gzip_text(paths["lines"], text)
    log.customers.to_csv(paths["customers"], index=False, lineterminator="\n", float_format="%.2f")
    paths["truth"].write_text(json.dumps(log.truth, indent=2) + "\n", encoding="utf-8")
    return paths


def read_lines_truth(directory: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read the per-customer truth and ``truth.json`` of a snapshot written by :func:`write_lines`.

    Parameters
    ----------
    directory : path-like
        Folder of the snapshot (``data/synthetic_lines``).

    Returns
    -------
    tuple of (pandas.DataFrame, dict)
        The per-customer truth (``customer_id`` as text) and the truth's totals and counts.
    """
    folder = Path(directory)
    for name in (_CUSTOMERS_FILE, _TRUTH_FILE):
        if not (folder / name).is_file():
            raise DataValidationError(f"no synthetic_lines snapshot in {folder}: {name} is missing")
    customers = pd.read_csv(folder / _CUSTOMERS_FILE, dtype={"customer_id": str})
    truth = json.loads((folder / _TRUTH_FILE).read_text(encoding="utf-8"))
    return customers, truth


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a snapshot (``python -m loyaltylab.datasets.lines``).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status 0.
    """
    parser = argparse.ArgumentParser(
        prog="python -m loyaltylab.datasets.lines",
        description="Write a synthetic invoice-line log with its truth (net revenue per customer).",
    )
    parser.add_argument("--out", required=True, help="output folder, e.g. data/synthetic_lines")
    parser.add_argument("--customers", type=int, default=1500, help="customers of the model")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--date-style", default="us", choices=list(DATE_FORMATS))
    args = parser.parse_args(argv)
    log = generate_lines(args.customers, seed=args.seed, date_style=args.date_style)
    paths = write_lines(log, args.out)
    print(
        f"wrote {log.truth['rows']} lines ({log.truth['customers']} identified customers, net "
        f"revenue {log.truth['net_revenue']:.2f}) to {paths['lines']}"
    )
    return 0


# ----------------------------------------------------------------------------------------------
# helpers


def _file_rows(
    rows: pd.DataFrame,
    price: np.ndarray,
    country: np.ndarray,
    customer_ids: np.ndarray,
    guest_token: np.ndarray,
    date_style: str,
) -> pd.DataFrame:
    """Write the rows as the file holds them (all text)."""
    product = rows["product"].to_numpy()
    code = pd.Series(20000 + product * 7).astype(str)
    code = code.where(product % 6 != 0, code + "B")
    colour = np.array(_COLOURS, dtype=object)[product % len(_COLOURS)]
    thing = np.array(_THINGS, dtype=object)[(product // len(_COLOURS)) % len(_THINGS)]
    cents = price[product]
    number = rows["number"].astype(str)
    prefix = np.where(rows["kind"].to_numpy() == "purchase", "", "C")
    doc = rows["doc"].to_numpy()
    stamps = pd.Series(pd.to_datetime(rows["time"].to_numpy(), unit="ns"))
    minute = stamps.dt.minute.astype(str).str.zfill(2)
    if date_style == "us":
        written = (
            stamps.dt.month.astype(str)
            + "/"
            + stamps.dt.day.astype(str)
            + "/"
            + stamps.dt.year.astype(str)
            + " "
            + stamps.dt.hour.astype(str)
            + ":"
            + minute
        )
    else:
        written = stamps.dt.strftime("%Y-%m-%d %H:%M")
    customer = rows["customer"].to_numpy()
    ids = np.where(rows["guest"].to_numpy(), guest_token[doc], customer_ids[customer])
    return pd.DataFrame(
        {
            "InvoiceNo": prefix + number.to_numpy(),
            "StockCode": code.to_numpy(),
            "Description": colour + " " + thing,
            "Quantity": rows["quantity"].astype(str).to_numpy(),
            "InvoiceDate": written.to_numpy(),
            "UnitPrice": (
                pd.Series(cents // 100).astype(str)
                + "."
                + pd.Series(cents % 100).astype(str).str.zfill(2)
            ).to_numpy(),
            "CustomerID": ids,
            "Country": country[customer],
        }
    )


def _truth(
    rows: pd.DataFrame,
    customer_ids: np.ndarray,
    model_truth: dict[str, Any],
    seed: int,
    date_style: str,
    n_rows: int,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-customer net revenue and the totals, from the bookkeeping columns of ``rows``."""
    kind, guest, duplicate = rows["kind"], rows["guest"], rows["duplicate"]
    cents = rows["cents"]
    known = ~guest & ~duplicate
    purchase = known & (kind == "purchase")
    matched = known & (kind == "cancellation")
    unmatched = known & (kind == "unmatched")
    customer = pd.Series(customer_ids[rows["customer"].to_numpy()], index=rows.index)
    buyers = customer[purchase].unique()
    per = pd.DataFrame(index=pd.Index(sorted(buyers), name="customer_id"))
    per["invoices"] = rows.loc[purchase].groupby(customer[purchase])["doc"].nunique()
    per["purchases"] = cents[purchase].groupby(customer[purchase]).sum() / 100
    per["cancelled"] = -cents[matched].groupby(customer[matched]).sum() / 100
    per["unmatched"] = -cents[unmatched].groupby(customer[unmatched]).sum() / 100
    per = per.fillna(0.0)
    per["invoices"] = per["invoices"].astype("int64")
    per["net_revenue"] = per["purchases"] - per["cancelled"]
    per = per.reset_index()

    same_amount = rows.loc[kind == "purchase"].groupby(["doc", "cents"])["product"].nunique()
    totals = {
        "net_revenue": int(cents[purchase].sum() + cents[matched].sum()),
        "purchases": int(cents[purchase].sum()),
        "cancelled_matched": int(-cents[matched].sum()),
        "guest_amount": int(cents[guest].sum()),
        "duplicate_amount": int(cents[duplicate].sum()),
        "unmatched_amount": int(cents[unmatched].sum()),
        "file_amount": int(cents.sum()),
    }
    truth: dict[str, Any] = {
        "generator": "loyaltylab.datasets.lines.generate_lines",
        "seed": int(seed),
        "start": model_truth["start"],
        "end": model_truth["end"],
        "date_style": date_style,
        "date_format": DATE_FORMATS[date_style],
        "rows": int(n_rows),
        "customers": int(len(per)),
        "customers_of_the_model": int(model_truth["n_customers"]),
        "invoices": int(rows.loc[kind == "purchase", "doc"].nunique()),
        "cancellation_invoices": int(rows.loc[kind != "purchase", "doc"].nunique()),
        "purchase_lines": int((kind == "purchase").sum() - duplicate.sum()),
        "same_amount_twin_lines": int(rows["twin"].sum()),
        "invoices_with_same_amount_lines": int((same_amount > 1).groupby(level="doc").any().sum()),
        "duplicate_rows": int(duplicate.sum()),
        "guest_rows": int(guest.sum()),
        "guest_invoices": int(rows.loc[guest & (kind == "purchase"), "doc"].nunique()),
        "cancellation_lines_matched": int(matched.sum()),
        "cancellation_lines_unmatched": int(unmatched.sum()),
        **{key: value / 100 for key, value in totals.items()},
        "net_revenue_with_guests": (totals["net_revenue"] + totals["guest_amount"]) / 100,
        "columns": dict(LINES_COLUMNS),
        "load": {**LINES_LOAD_OPTIONS, "date_format": DATE_FORMATS[date_style]},
        "purchase_model": model_truth,
    }
    return per, truth


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
