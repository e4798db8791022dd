"""Benchmark Spark (local mode) beside DuckDB on the same Parquet log: summary and CLV scoring.

One run, one process: DuckDB SQL writes ``--rows`` synthetic transactions (default 10 M, rows in
random order; the generator of benchmarks/scale.py) to a Parquet file; then, each from that file:

* **summary**: ``summarize_customers`` on the DuckDB engine (``open_source(parquet)``, the file
  never in pandas; the summary fetched to pandas, as the pipeline uses it) and one raw DuckDB SQL
  query of the same definition (fetched), beside ``summarize_customers_spark`` on Spark (the
  summary computed in full and discarded by Spark's ``noop`` writer: it stays on the engine);
* **fits**: BG/NBD + Gamma-Gamma on the pandas summary beside ``fit_clv_models_spark`` (the
  compressed rows come to the driver);
* **scoring**: ``customer_lifetime_value`` (52 weeks, 10 % a year) in pandas beside
  ``score_customers_spark`` (mapInPandas batches + exact CLV tiers; computed in full, ``noop``).

Spark runs in local mode with ``--master`` (default ``local[2]``, the machine's 2 cores) and
``--driver-memory``; its session start is timed apart. Times are best of ``--repeats``
(default 1; the machine is shared, timings vary). Both paths' CLV totals and parameters are
printed so the numbers can be compared.

Usage::

    .venv/bin/python benchmarks/scale_spark.py                    # 10 M rows
    .venv/bin/python benchmarks/scale_spark.py --rows 1e6         # quicker
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import (  # noqa: E402
    END,
    GENERATE_SQL,
    LARGE_RATE,
    START,
    SUMMARY_SQL,
    rows_per_customer,
)

HORIZON = 52.0
DISCOUNT = 0.10


def _best(repeats: int, step: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        mark = time.perf_counter()
        result = step()
        best = min(best, time.perf_counter() - mark)
    return best, result


def _noop(frame: Any) -> None:
    """Compute a Spark DataFrame in full and discard it (stays on the engine)."""
    frame.write.format("noop").mode("overwrite").save()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=float, default=1e7, help="transactions (default 10 M)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each step (best kept)")
    parser.add_argument("--master", default="local[2]", help="Spark master (local mode)")
    parser.add_argument("--driver-memory", default="6g", help="Spark driver memory")
    args = parser.parse_args(argv)

    from loyaltylab.clv import customer_lifetime_value, fit_spend_model, fit_transaction_model
    from loyaltylab.customers import summarize_customers
    from loyaltylab.engine import connect_duckdb, open_source
    from loyaltylab.engine.spark import spark_session
    from loyaltylab.engine.spark_scoring import fit_clv_models_spark, score_customers_spark
    from loyaltylab.engine.spark_summary import summarize_customers_spark

    customers = max(100, round(args.rows / rows_per_customer(LARGE_RATE)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tx.parquet"
        mark = time.perf_counter()
        con = duckdb.connect()
        order = "ORDER BY hash(customer_id, timestamp)"
        con.execute(
            GENERATE_SQL.format(
                start=START, customers=customers, order=order, path=path, rate=LARGE_RATE
            )
        )
        written = con.execute(f"SELECT COUNT(*) FROM read_parquet('{path}')").fetchone()
        rows = int(written[0]) if written else 0
        print(
            f"{rows:,} transactions, {customers:,} customers in {path.stat().st_size / 1e6:.0f} MB "
            f"of Parquet (written in {time.perf_counter() - mark:.0f} s); best of {args.repeats}"
        )

        # DuckDB: our engine path and one raw SQL query
        def duck_summary() -> Any:
            return summarize_customers(open_source(str(path), backend=connect_duckdb()), END)

        def raw_summary() -> Any:
            return con.execute(
                SUMMARY_SQL.format(end=END).replace("FROM tx", f"FROM read_parquet('{path}')")
            ).df()

        t_raw, raw = _best(args.repeats, raw_summary)
        t_duck, summary = _best(args.repeats, duck_summary)
        con.close()
        assert len(raw) == len(summary)
        mark = time.perf_counter()
        fit = fit_transaction_model(summary, "bgnbd")
        spend = fit_spend_model(summary)
        t_duck_fit = time.perf_counter() - mark
        t_duck_score, clv = _best(
            args.repeats,
            lambda: customer_lifetime_value(
                fit, spend, summary, horizon=HORIZON, discount_rate=DISCOUNT
            ),
        )

        # Spark, local mode
        mark = time.perf_counter()
        spark = spark_session(
            {
                "master": args.master,
                "app_name": "loyaltylab-benchmark",
                "conf": {"spark.driver.memory": args.driver_memory},
            }
        )
        t_start = time.perf_counter() - mark
        tx = spark.read.parquet(str(path))
        spark_summary = summarize_customers_spark(tx, END)
        t_spark, _ = _best(args.repeats, lambda: _noop(spark_summary))
        cached = spark_summary.persist()
        n_spark = cached.count()
        mark = time.perf_counter()
        fits = fit_clv_models_spark(cached)
        t_spark_fit = time.perf_counter() - mark

        def spark_score() -> Any:
            scored = score_customers_spark(cached, fits, horizon=HORIZON, discount_rate=DISCOUNT)
            total = scored.agg({"clv": "sum"}).first()
            return float(total[0]) if total is not None else float("nan")

        t_spark_score, spark_total = _best(args.repeats, spark_score)
        assert n_spark == len(summary)

    print(f"  Spark session start ({args.master}): {t_start:.1f} s")
    print(f"  {'step':<34}{'DuckDB':>9}{'Spark':>9}{'Spark/DuckDB':>14}")
    lines = [
        ("summary (ours; Spark kept on engine)", t_duck, t_spark),
        ("summary (raw DuckDB SQL)", t_raw, t_spark),
        ("BG/NBD + Gamma-Gamma fits", t_duck_fit, t_spark_fit),
        ("scoring: CLV of every customer", t_duck_score, t_spark_score),
        (
            "summary + fits + scoring",
            t_duck + t_duck_fit + t_duck_score,
            t_spark + t_spark_fit + t_spark_score,
        ),
    ]
    for label, duck, spark_time in lines:
        print(f"  {label:<34}{duck:>8.1f}s{spark_time:>8.1f}s{spark_time / duck:>13.1f}x")
    print(
        f"  customers {len(summary):,}; CLV total DuckDB/pandas {clv.total:,.2f}, Spark "
        f"{spark_total:,.2f}; BG/NBD r {fit.params['r']:.6f} vs {fits.transaction.params['r']:.6f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
