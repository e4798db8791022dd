"""Line-level logs (invoice lines, cancellations, missing ids) against a truth computed apart.

The generator below writes messy invoice-line logs the way public e-commerce exports look (one
row per invoice line with product, quantity and unit price; cancellations as their own invoices
numbered "C..." with negative quantities; a share of rows without a customer id, written as
"NA"/"null"/""; US dates such as "12/1/2010 8:26"; same-amount lines of different products on
one invoice; a few exact repeats of a line). Beside each log it states the truth - net revenue
per customer - from the generating choices alone, never from the loader's rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from loyaltylab.customers import summarize_customers
from loyaltylab.data import LoadedTransactions, load_transactions
from loyaltylab.datasets import DATASET_NAMES, SYNTHETIC_LOYALTY, resolve_loyalty_transactions
from loyaltylab.rules import LoadError

LINE_COLUMNS = {
    "customer_id": "CustomerID",
    "timestamp": "InvoiceDate",
    "order_id": "InvoiceNo",
    "product": "StockCode",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
}
US_FORMAT = "%m/%d/%Y %H:%M"


@dataclass(frozen=True)
class MessyLog:
    """A generated invoice-line log and its truth."""

    frame: pd.DataFrame  # the file's rows, as text
    net_revenue: pd.Series  # true net revenue per customer (canonical id)
    duplicates: int  # exact repeats injected
    missing_ids: int  # rows without a customer id
    unmatched: int  # cancellations of products the customer never bought before
    gross_revenue: float  # sum of every valid row, as a file total (net of all cancellations)


def assert_quality_adds_up(loaded: LoadedTransactions) -> None:
    """Rows read = loaded + removed and money read = loaded + removed, by the quality table."""
    table = loaded.reconcile()
    unexplained = table.set_index("step").loc["unexplained"]
    assert unexplained["rows"] == 0, table
    assert unexplained["amount"] == 0.0, table
    quality = loaded.quality
    assert quality["rows_removed"].sum() == loaded.rows_read - len(loaded.transactions)


def messy_invoice_log(seed: int, customers: int = 40, invoices: int = 160) -> MessyLog:
    rng = np.random.default_rng(seed)
    products = [f"P{n:03d}" for n in range(25)]
    prices = dict(zip(products, rng.choice([0.85, 1.25, 2.1, 2.55, 4.95, 12.75], 25), strict=True))
    start = pd.Timestamp("2010-12-01 08:00")
    rows: list[dict[str, object]] = []
    truth: dict[str, float] = {}
    bought: dict[tuple[str, str], float] = {}  # (customer, product) -> quantity still returnable
    ids = [str(12000 + n) for n in range(customers)]
    number = 536000
    for k in range(invoices):
        customer = ids[int(rng.integers(customers))]
        when = start + pd.Timedelta(minutes=int(k * 173 + rng.integers(0, 60)))
        number += 1
        chosen = rng.choice(products, size=int(rng.integers(1, 5)), replace=False)
        lines = [(str(p), int(rng.integers(1, 13))) for p in chosen]
        if k % 7 == 0 and len(lines) >= 1:  # a second product with the very same line amount
            twin = next(p for p in products if p not in chosen and prices[p] == prices[lines[0][0]])
            if twin is not None:
                lines.append((twin, lines[0][1]))
        for product, quantity in lines:
            rows.append(_line(str(number), product, quantity, prices[product], when, customer))
            truth[customer] = truth.get(customer, 0.0) + quantity * prices[product]
            bought[(customer, product)] = bought.get((customer, product), 0) + quantity
        if k % 9 == 4:  # a cancellation invoice of something this customer bought before
            returnable = [(p, q) for (c, p), q in bought.items() if c == customer and q > 0]
            product, most = returnable[int(rng.integers(len(returnable)))]
            quantity = int(rng.integers(1, int(most) + 1))
            later = when + pd.Timedelta(minutes=30)
            rows.append(_line(f"C{number}", product, -quantity, prices[product], later, customer))
            truth[customer] -= quantity * prices[product]
            bought[(customer, product)] -= quantity
    unmatched = 0
    for n in range(3):  # cancellations of products never bought in the log (bought before it)
        customer = ids[n]
        product = next(p for p in products if bought.get((customer, p), 0) == 0)
        when = start + pd.Timedelta(hours=n + 1)
        rows.append(_line(f"C{600000 + n}", product, -2, prices[product], when, customer))
        unmatched += 1
    frame = pd.DataFrame(rows)
    # exact repeats of purchase lines (a double export), not part of the truth
    repeats = frame.loc[frame["Quantity"].astype(int) > 0].sample(5, random_state=seed)
    # rows without a customer id: the tokens exports write for "no value"
    anonymous = frame.loc[frame["Quantity"].astype(int) > 0].sample(8, random_state=seed + 1)
    anonymous = anonymous.assign(
        CustomerID=["NA", "null", "", "None", "#N/A", "NaN", "N/A", "-"],
        InvoiceNo=[f"9{n:05d}" for n in range(8)],
    )
    frame = pd.concat([frame, repeats, anonymous], ignore_index=True)
    # ids written as float text by a spreadsheet round trip for some rows
    floaty = rng.random(len(frame)) < 0.2
    known = frame["CustomerID"].str.fullmatch(r"\d+")
    frame.loc[floaty & known, "CustomerID"] = frame.loc[floaty & known, "CustomerID"] + ".0"
    frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # any row order
    amounts = frame["Quantity"].astype(float) * frame["UnitPrice"].astype(float)
    return MessyLog(
        frame=frame,
        net_revenue=pd.Series(truth).sort_index(),
        duplicates=len(repeats),
        missing_ids=len(anonymous),
        unmatched=unmatched,
        gross_revenue=float(amounts.sum()),
    )


def _line(
    invoice: str, product: str, quantity: int, price: float, when: pd.Timestamp, customer: str
) -> dict[str, object]:
    return {
        "InvoiceNo": invoice,
        "StockCode": product,
        "Quantity": str(quantity),
        "UnitPrice": f"{price:.2f}",
        "InvoiceDate": f"{when.month}/{when.day}/{when.year} {when.hour}:{when.minute:02d}",
        "CustomerID": customer,
    }


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_messy_invoice_log_loads_to_its_true_net_revenue(seed, tmp_path):
    log = messy_invoice_log(seed)
    path = tmp_path / "online_retail.csv"
    log.frame.to_csv(path, index=False)
    loaded = load_transactions(path, LINE_COLUMNS, date_format=US_FORMAT, invalid="drop")
    revenue = loaded.transactions.groupby("customer_id")["amount"].sum().sort_index()
    pd.testing.assert_series_equal(
        revenue, log.net_revenue.rename("amount"), check_names=False, rtol=1e-9
    )
    quality = loaded.quality.set_index("check")
    assert quality.loc["duplicate_rows", "rows"] == log.duplicates
    assert quality.loc["customer_id_missing", "rows"] == log.missing_ids
    assert quality.loc["cancellations_unmatched", "rows"] == log.unmatched
    assert_quality_adds_up(loaded)
    # every line is kept as a line (product, quantity, unit price ride along)
    assert {"order_id", "product", "quantity", "unit_price"} <= set(loaded.transactions.columns)
    assert (loaded.transactions["amount"] > 0).all()


def test_same_amount_lines_of_one_invoice_are_not_duplicates():
    # issue 9: the duplicate check compared customer, timestamp and amount only, so a second
    # product with the same line amount on one invoice was dropped (29 % of the public log's
    # revenue); duplicates are now full-row duplicates over every source column
    raw = pd.DataFrame(
        {
            "customer_id": ["7", "7", "7"],
            "timestamp": ["2010-12-01 08:26"] * 3,
            "amount": [15.3, 15.3, 15.3],
            "order_id": ["536365"] * 3,
            "product": ["85123A", "71053", "71053"],
        }
    )
    loaded = load_transactions(raw)
    assert loaded.transactions["amount"].sum() == pytest.approx(30.6)
    assert loaded.quality.set_index("check").loc["duplicate_rows", "rows"] == 1
    # an unmapped source column counts too: rows differing only there are not duplicates
    unmapped = raw.drop(columns="product").assign(Description=["heart", "lantern", "mug"])
    assert len(load_transactions(unmapped).transactions) == 3


def test_cancellation_invoice_nets_against_the_earlier_purchase_of_that_product():
    # issue 9: mapping order_id to the invoice number made every "C" cancellation unmatched
    raw = pd.DataFrame(
        {
            "InvoiceNo": ["1001", "1001", "1002", "C1003", "C1004"],
            "StockCode": ["A", "B", "A", "A", "Z"],
            "Quantity": ["2", "1", "1", "-2", "-1"],
            "UnitPrice": ["5.00", "3.00", "5.00", "5.00", "9.00"],
            "InvoiceDate": ["2024-01-02", "2024-01-02", "2024-01-05", "2024-01-09", "2024-01-09"],
            "CustomerID": ["1", "1", "1", "1", "1"],
        }
    )
    loaded = load_transactions(raw, LINE_COLUMNS)
    frame = loaded.transactions
    # most recent purchase of A first: invoice 1002 (5.00) fully, then 5.00 of invoice 1001
    assert frame["order_id"].tolist() == ["1001", "1001"]
    assert frame["amount"].tolist() == [5.0, 3.0]
    assert frame["quantity"].tolist() == [1.0, 1.0]
    quality = loaded.quality.set_index("check")
    assert quality.loc["cancellations_netted", "rows"] == 1
    assert quality.loc["cancellations_unmatched", ["rows", "amount_removed"]].tolist() == [1, -9.0]
    assert_quality_adds_up(loaded)


def test_cancellation_flag_column_and_prefix_option():
    raw = pd.DataFrame(
        {
            "customer_id": ["1", "1", "2"],
            "timestamp": ["2024-01-01", "2024-02-01", "2024-01-01"],
            "amount": ["40", "10", "8"],  # the return written as a magnitude with a flag
            "cancelled": ["no", "yes", "no"],
            "order_id": ["R1", "R2", "R3"],
        }
    )
    loaded = load_transactions(raw, {"is_return": "cancelled"})
    assert loaded.transactions.groupby("customer_id")["amount"].sum().to_dict() == {
        "1": 30.0,
        "2": 8.0,
    }
    assert_quality_adds_up(loaded)
    # a different prefix: "CR" credit notes; "C..." purchase orders stay purchases
    credit = pd.DataFrame(
        {
            "customer_id": ["1", "1"],
            "timestamp": ["2024-01-01", "2024-01-03"],
            "amount": [20.0, -5.0],
            "order_id": ["C100", "CR7"],
        }
    )
    loaded = load_transactions(credit, cancellation_prefix="CR")
    assert loaded.transactions["amount"].tolist() == [15.0]


def test_returns_inside_the_order_still_net_pro_rata():
    raw = pd.DataFrame(
        {
            "customer_id": ["1", "1", "1"],
            "timestamp": ["2024-01-01"] * 3,
            "amount": [30.0, 10.0, -8.0],
            "order_id": ["5", "5", "5"],
        }
    )
    loaded = load_transactions(raw)
    assert loaded.transactions["amount"].tolist() == pytest.approx([24.0, 8.0])
    assert_quality_adds_up(loaded)


# every bundled name the notebooks accept, so a new bundled data set is covered without an edit
BUNDLED_NAMES: tuple[str, ...] = (*DATASET_NAMES, SYNTHETIC_LOYALTY)


@pytest.mark.parametrize("name", BUNDLED_NAMES)
@pytest.mark.parametrize("duplicates", [None, "drop"])
def test_quality_table_adds_up_on_every_bundled_dataset(name: str, duplicates: str | None) -> None:
    options = {} if duplicates is None else {"duplicates": duplicates}
    assert_quality_adds_up(resolve_loyalty_transactions(name, **options))


def test_every_bundled_name_is_in_the_quality_sweep() -> None:
    assert {"cdnow", "cdnow_sample", "synthetic", "synthetic_lines", "synthetic_loyalty"} <= set(
        BUNDLED_NAMES
    )


def test_quality_table_adds_up_with_every_policy_on_a_messy_log():
    log = messy_invoice_log(11)
    frame = log.frame
    for returns in ("net", "drop"):
        for duplicates in ("drop", "keep"):
            loaded = load_transactions(
                frame,
                LINE_COLUMNS,
                date_format=US_FORMAT,
                invalid="drop",
                returns=returns,
                duplicates=duplicates,
                observation_end="2011-01-15",
                after_end="drop",
            )
            assert_quality_adds_up(loaded)
            if returns == "drop":
                assert (loaded.transactions["amount"] > 0).all()


def test_line_amount_needs_quantity_and_unit_price_or_an_amount():
    raw = pd.DataFrame({"customer_id": ["1"], "timestamp": ["2024-01-01"], "quantity": ["2"]})
    with pytest.raises(Exception, match="quantity.*unit_price"):
        load_transactions(raw)


def test_orders_are_one_purchase_on_the_day_of_their_first_line():
    # an order whose lines straddle midnight is one purchase, not two purchase days
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a"],
            "timestamp": pd.to_datetime(
                ["2024-01-01 23:59", "2024-01-02 00:01", "2024-01-15 10:00"]
            ),
            "amount": [10.0, 5.0, 30.0],
            "order_id": ["o1", "o1", "o2"],
        }
    )
    summary = summarize_customers(tx, "2024-01-29", time_unit="D")
    assert summary[["frequency", "recency", "monetary_value"]].iloc[0].tolist() == [1, 14.0, 30.0]
    without = summarize_customers(tx.drop(columns="order_id"), "2024-01-29", time_unit="D")
    assert without["frequency"].iloc[0] == 2  # by calendar day the order is split


def test_us_dates_without_date_format_name_the_option():
    raw = pd.DataFrame(
        {
            "customer_id": ["1", "2"],
            "timestamp": ["12/1/2010 8:26", "12/13/2010 9:02"],
            "amount": [1.0, 2.0],
        }
    )
    with pytest.raises(LoadError, match="date_format") as caught:
        load_transactions(raw)
    assert caught.value.fix == {"date_format": US_FORMAT}  # 12/13: month first
    loaded = load_transactions(raw, date_format=US_FORMAT)
    assert loaded.transactions["timestamp"].tolist() == [
        pd.Timestamp("2010-12-01 08:26"),
        pd.Timestamp("2010-12-13 09:02"),
    ]


@pytest.mark.parametrize(
    ("prefix", "loaded_total", "netted", "unmatched"),
    [
        ("C", 6.0, 1, 1),  # C2 nets against O1; R3 (no prefix) is a return without a purchase
        ("R", 7.0, 1, 1),  # R3 nets; C2 is now the unmatched return
        ("", 3.0, 2, 0),  # prefix detection off: both returns-only orders are documents
        (None, 3.0, 2, 0),
    ],
)
def test_cancellation_prefix_decides_which_orders_are_cancellation_documents(
    prefix: str | None, loaded_total: float, netted: int, unmatched: int
) -> None:
    # truth: O1 bought 10.0; C2 took 4.0 back, R3 took 3.0 back (both returns-only orders)
    raw = pd.DataFrame(
        {
            "customer_id": ["1", "1", "1"],
            "timestamp": ["2024-01-01", "2024-01-03", "2024-01-05"],
            "amount": [10.0, -4.0, -3.0],
            "order_id": ["O1", "C2", "R3"],
        }
    )
    loaded = load_transactions(raw, cancellation_prefix=prefix)
    assert loaded.transactions["amount"].sum() == pytest.approx(loaded_total)
    quality = loaded.quality.set_index("check")
    assert quality.loc["cancellations_netted", "rows"] == netted
    assert quality.loc["returns_unmatched", "rows"] == unmatched
    assert_quality_adds_up(loaded)
