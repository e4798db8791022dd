"""Benchmark: all customer KPIs and the cohort matrix on 10 M transactions, DuckDB vs plain pandas.

Our path (``loyaltylab.kpi``: embedded DuckDB queries over the pandas frame) runs beside a plain
pandas ``groupby`` implementation of the same definitions, in the same process, on the same data;
the script prints the seconds of each step and the ratio, and checks that both give the same
numbers (so the pandas version is also an independent check of the DuckDB SQL).

Data: :func:`loyaltylab.datasets.generate_transactions` (BG/NBD purchasing with the CDNOW
parameters, 2024-2025) for a pilot population, replicated with new customer ids up to the wanted
number of rows (as in reference/clv.md §4), so generation does not dominate the run.

Measured 2026-11-23 (2 shared cores, DuckDB 2 threads; 10 M rows, 3.32 M customers; both paths
gave the same numbers): whole window 9.1 s vs 20.6 s, by week 10.9 vs 37.4, by month 15.2 vs
33.6, by quarter 12.9 vs 29.7, by segment 16.0 vs 41.0, cohort matrix 5.2 vs 28.9; total 69 s vs
191 s (pandas / DuckDB = 2.8). Under heavier load from other jobs the total was 83-112 s vs
175-197 s.

Usage::

    .venv/bin/python benchmarks/kpi.py                       # 10 M transactions
    .venv/bin/python benchmarks/kpi.py --transactions 1e6    # quicker
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab import kpi
from loyaltylab.datasets import generate_transactions

PANDAS_FREQ = {"W": "W-SUN", "M": "M", "Q": "Q-DEC"}
OFFSETS = {"W": pd.DateOffset(weeks=1), "M": pd.DateOffset(months=1), "Q": pd.DateOffset(months=3)}


def make_transactions(
    n_rows: int, *, seed: int = 0, pilot_customers: int = 100_000
) -> pd.DataFrame:
    """Return about ``n_rows`` canonical transactions (pilot population replicated)."""
    pilot = generate_transactions(pilot_customers, seed=seed).transactions
    pilot = pilot[["customer_id", "timestamp", "amount"]]
    copies = max(1, math.ceil(n_rows / len(pilot)))
    frames = [
        pilot.assign(customer_id=pilot["customer_id"].astype(str) + f"-{copy}")
        for copy in range(copies)
    ]
    frame = pd.concat(frames, ignore_index=True)
    return frame.iloc[:n_rows].reset_index(drop=True)


# ------------------------------------------------------------------------------ plain pandas


def _orders(tx: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and day (no order_id in the benchmark data)."""
    day = tx["timestamp"].dt.normalize().rename("day")
    return (
        tx.groupby([tx["customer_id"], day], sort=False)
        .agg(ts=("timestamp", "min"), amount=("amount", "sum"))
        .reset_index()
    )


def _top_share(per_customer: pd.DataFrame, keys: list[str], share: float) -> pd.Series:
    ranked = per_customer.sort_values([*keys, "revenue"], ascending=[True] * len(keys) + [False])
    rank = ranked.groupby(keys, sort=False).cumcount() + 1
    size = ranked.groupby(keys, sort=False)["revenue"].transform("size")
    top = ranked["revenue"].where(rank <= np.ceil(share * size), 0.0)
    return top.groupby([ranked[key] for key in keys]).sum()


def _group_kpis(per_customer: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    per_customer = per_customer.assign(is_repeat=per_customer["n_orders"] >= 2)
    grouped = per_customer.groupby(keys)
    out = pd.DataFrame(
        {
            "active_customers": grouped.size(),
            "new_customers": grouped["new"].sum(),
            "orders": grouped["n_orders"].sum(),
            "revenue": grouped["revenue"].sum(),
            "repeat": grouped["is_repeat"].sum(),
        }
    )
    out["repeat_purchase_rate"] = out["repeat"] / out["active_customers"]
    out["purchase_frequency"] = out["orders"] / out["active_customers"]
    out["aov"] = out["revenue"] / out["orders"]
    out["revenue_per_customer"] = out["revenue"] / out["active_customers"]
    out["revenue_top10_share"] = _top_share(per_customer, keys, 0.1) / out["revenue"]
    out["revenue_top20_share"] = _top_share(per_customer, keys, 0.2) / out["revenue"]
    return out


def _activity(orders: pd.DataFrame, period: str) -> pd.DataFrame:
    start = orders["ts"].dt.to_period(PANDAS_FREQ[period]).dt.start_time
    return pd.DataFrame({"customer_id": orders["customer_id"], "period": start}).drop_duplicates()


def _retention_pairs(
    activity: pd.DataFrame, period: str, end_exclusive: pd.Timestamp, extra: list[str]
) -> pd.DataFrame:
    """Count base (active in t-1) and retained (also in t) per group and t (complete t only)."""
    nxt = activity.assign(period=activity["period"] + OFFSETS[period])
    complete = (nxt["period"] + OFFSETS[period]) <= end_exclusive
    nxt = nxt.loc[complete]
    hit = nxt.merge(activity, on=["customer_id", "period", *extra], how="left", indicator=True)
    hit["retained"] = hit["_merge"] == "both"
    return hit.groupby([*extra, "period"]).agg(
        base=("retained", "size"), retained=("retained", "sum")
    )


def pandas_customer_kpis(tx: pd.DataFrame, period: str = "M") -> dict[str, float]:
    """Whole-window KPIs (window = first period of the data .. last day) with pandas."""
    orders = _orders(tx)
    end_exclusive = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    per_customer = orders.groupby("customer_id").agg(
        n_orders=("amount", "size"), revenue=("amount", "sum")
    )
    per_customer["new"] = True  # the window starts before the first purchase
    per_customer["all"] = "all"
    values = _group_kpis(per_customer.reset_index(), ["all"]).iloc[0].to_dict()
    pairs = _retention_pairs(_activity(orders, period), period, end_exclusive, [])
    values["retention_rate"] = pairs["retained"].sum() / pairs["base"].sum()
    return values


def pandas_kpis_by_period(tx: pd.DataFrame, period: str) -> pd.DataFrame:
    """Per-period KPIs with pandas (periods with purchases)."""
    orders = _orders(tx)
    end_exclusive = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    orders["period"] = orders["ts"].dt.to_period(PANDAS_FREQ[period]).dt.start_time
    first = orders.groupby("customer_id")["ts"].transform("min")
    orders["first_period"] = first.dt.to_period(PANDAS_FREQ[period]).dt.start_time
    per_customer = (
        orders.groupby(["period", "customer_id"])
        .agg(
            n_orders=("amount", "size"),
            revenue=("amount", "sum"),
            first_period=("first_period", "first"),
        )
        .reset_index()
    )
    per_customer["new"] = per_customer["first_period"] == per_customer["period"]
    out = _group_kpis(per_customer, ["period"])
    pairs = _retention_pairs(_activity(orders, period), period, end_exclusive, [])
    out["retention_rate"] = (pairs["retained"] / pairs["base"]).reindex(out.index)
    return out


def pandas_cohort_matrix(tx: pd.DataFrame) -> pd.DataFrame:
    """Monthly cohort retention matrix with pandas."""
    orders = _orders(tx)
    month = orders["ts"].dt.to_period("M")
    activity = pd.DataFrame({"customer_id": orders["customer_id"], "month": month})
    activity = activity.drop_duplicates()
    cohort = activity.groupby("customer_id")["month"].transform("min")
    since = (activity["month"] - cohort).apply(lambda offset: offset.n)
    counts = (
        activity.groupby([cohort.rename("cohort"), since.rename("since")])
        .size()
        .unstack(fill_value=0)
    )
    return counts.div(counts[0], axis=0)


def pandas_kpis_by_segment(tx: pd.DataFrame, labels: pd.Series, period: str = "M") -> pd.DataFrame:
    """Per-segment whole-window KPIs with pandas."""
    orders = _orders(tx)
    end_exclusive = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    orders["segment"] = orders["customer_id"].map(labels)
    per_customer = (
        orders.groupby(["segment", "customer_id"])
        .agg(n_orders=("amount", "size"), revenue=("amount", "sum"))
        .reset_index()
    )
    per_customer["new"] = True
    out = _group_kpis(per_customer, ["segment"])
    activity = _activity(orders, period)
    activity["segment"] = activity["customer_id"].map(labels)
    pairs = _retention_pairs(activity, period, end_exclusive, ["segment"])
    pooled = pairs.groupby("segment")[["base", "retained"]].sum()
    out["retention_rate"] = pooled["retained"] / pooled["base"]
    return out


# ------------------------------------------------------------------------------ run


def _timed(func: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


COMPARED = (
    "active_customers",
    "orders",
    "revenue",
    "repeat_purchase_rate",
    "purchase_frequency",
    "aov",
    "revenue_per_customer",
    "revenue_top10_share",
    "revenue_top20_share",
    "retention_rate",
)


def run(n_rows: int, *, seed: int = 0, check: bool = True) -> pd.DataFrame:
    """Run both paths on ``n_rows`` transactions; return the timing table."""
    tx, seconds = _timed(lambda: make_transactions(n_rows, seed=seed))
    customers = tx["customer_id"].unique()
    print(f"data: {len(tx):,} transactions, {len(customers):,} customers ({seconds:.1f} s)")
    rng = np.random.default_rng(seed)
    labels = pd.Series(
        rng.choice(["champions", "loyal", "potential", "at risk", "lost"], size=len(customers)),
        index=customers,
    )
    steps: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        ("whole window", lambda: kpi.customer_kpis(tx), lambda: pandas_customer_kpis(tx)),
        ("by week", lambda: kpi.kpis_by_period(tx, "W"), lambda: pandas_kpis_by_period(tx, "W")),
        ("by month", lambda: kpi.kpis_by_period(tx, "M"), lambda: pandas_kpis_by_period(tx, "M")),
        (
            "by quarter",
            lambda: kpi.kpis_by_period(tx, "Q"),
            lambda: pandas_kpis_by_period(tx, "Q"),
        ),
        (
            "by segment",
            lambda: kpi.kpis_by_segment(tx, labels),
            lambda: pandas_kpis_by_segment(tx, labels),
        ),
        ("cohort matrix", lambda: kpi.cohort_retention(tx), lambda: pandas_cohort_matrix(tx)),
    ]
    rows = []
    for name, ours, plain in steps:
        our_result, our_seconds = _timed(ours)
        plain_result, plain_seconds = _timed(plain)
        if check:
            compare(name, our_result, plain_result)
        rows.append(
            {
                "step": name,
                "duckdb_s": our_seconds,
                "pandas_s": plain_seconds,
                "pandas/duckdb": plain_seconds / our_seconds,
            }
        )
        print(
            f"{name:>14}: duckdb {our_seconds:7.2f} s   pandas {plain_seconds:7.2f} s   "
            f"ratio {plain_seconds / our_seconds:5.2f}",
            flush=True,
        )
    table = pd.DataFrame(rows)
    total = table[["duckdb_s", "pandas_s"]].sum()
    print(
        f"{'total':>14}: duckdb {total['duckdb_s']:7.2f} s   pandas {total['pandas_s']:7.2f} s   "
        f"ratio {total['pandas_s'] / total['duckdb_s']:5.2f}"
    )
    return table


def compare(name: str, ours: Any, plain: Any) -> None:
    """Raise AssertionError when the two paths disagree."""
    if isinstance(ours, kpi.CustomerKPIs):
        for key in COMPARED:
            assert math.isclose(getattr(ours, key), plain[key], rel_tol=1e-9), (name, key)
        return
    if isinstance(ours, kpi.CohortRetention):
        matrix = ours.matrix
        expected = plain.copy()
        expected.index = expected.index.to_timestamp()
        mask = matrix.notna().to_numpy()
        aligned = expected.reindex(index=matrix.index, columns=matrix.columns).fillna(0.0)
        assert np.allclose(matrix.to_numpy()[mask], aligned.to_numpy()[mask]), name
        return
    table = ours.loc[ours["active_customers"] > 0] if "complete" in ours.columns else ours
    expected = plain.reindex(table.index)
    for key in COMPARED:
        assert np.allclose(
            table[key].to_numpy(dtype=float),
            expected[key].to_numpy(dtype=float),
            rtol=1e-9,
            equal_nan=True,
        ), (name, key)
    assert (table["new_customers"].to_numpy() == expected["new_customers"].to_numpy()).all(), name


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=float, default=10_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-check", action="store_true", help="skip comparing the results")
    args = parser.parse_args(argv)
    run(int(args.transactions), seed=args.seed, check=not args.no_check)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
