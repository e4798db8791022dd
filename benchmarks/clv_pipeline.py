"""Benchmark the CLV pipeline: Loyalty Lab against plain lifetimes on the same synthetic logs.

Transactions -> customer summary -> BG/NBD + Gamma-Gamma -> per-customer CLV, and
the Pareto/NBD fit, with Loyalty Lab (sort-based summary, compressed weighted fits, vectorised CLV)
against plain lifetimes (``summary_data_from_transaction_data`` + unweighted fitters +
``GammaGammaFitter.customer_lifetime_value``) on the same synthetic logs.

Each path runs in a fresh Python process that reads the log from a Parquet file (reading is not
timed); the peak memory is the rise of the process's resident set (``VmHWM`` after resetting it
through ``/proc/self/clear_refs``) over the run. Both paths compute the same CLV: 12 monthly steps
of 4.345 weeks, 1 % a month (lifetimes' semantics), so totals and parameters can be compared.

Usage::

    python benchmarks/clv_pipeline.py --sizes 1e6,1e7 --skip-plain-pareto-above 1e6

Plain lifetimes' Pareto/NBD is very slow (13 min at 2.5 M customers, reference/clv.md §4), so it is
skipped above ``--skip-plain-pareto-above`` transactions (default 1e6); ``--skip-plain-above``
does the same for the plain BG/NBD path. The machine is shared: timings vary with contention.
The synthetic logs come sorted by customer and time; ``--shuffle`` shuffles their rows (seeded),
as a log in time order would need, so that the summary's sort is measured on unsorted input.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

OBSERVATION_END = "2025-12-31"
MONTHLY_RATE = 0.01
MONTHS = 12
WEEKS_PER_MONTH = 4.345
TX_PER_CUSTOMER = 3.04  # measured mean of generate_transactions with its default parameters


def _memory_reset() -> int:
    """Reset the peak RSS to the current RSS (Linux >= 4.0); return the current RSS in bytes."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status("VmRSS")


def _status(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _ours(tx: pd.DataFrame, model: str) -> dict[str, Any]:
    from loyaltylab.clv import customer_lifetime_value, fit_spend_model, fit_transaction_model
    from loyaltylab.customers import summarize_customers

    stages: dict[str, float] = {}
    start = time.perf_counter()
    engine = os.environ.get("CLV_BENCH_SUMMARY_ENGINE", "duckdb")
    summary = summarize_customers(tx, OBSERVATION_END, time_unit="W", engine=engine)
    stages["summary"] = time.perf_counter() - start
    mark = time.perf_counter()
    fit = fit_transaction_model(summary, model)
    stages["fit"] = time.perf_counter() - mark
    result: dict[str, Any] = {
        "params": fit.params,
        "n_customers": len(summary),
        "n_unique_rows": fit.n_unique_rows,
    }
    if model == "bgnbd":
        mark = time.perf_counter()
        spend = fit_spend_model(summary)
        stages["spend_fit"] = time.perf_counter() - mark
        mark = time.perf_counter()
        annual = (1 + MONTHLY_RATE) ** (365.25 / 7 / WEEKS_PER_MONTH) - 1
        clv = customer_lifetime_value(
            fit,
            spend,
            summary,
            horizon=MONTHS * WEEKS_PER_MONTH,
            discount_rate=annual,
            step=WEEKS_PER_MONTH,
        )
        stages["clv"] = time.perf_counter() - mark
        result["spend_params"] = spend.params
        result["clv_total"] = clv.total
    result["stages"] = stages
    result["seconds"] = time.perf_counter() - start
    return result


def _plain(tx: pd.DataFrame, model: str) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
        from lifetimes.utils import summary_data_from_transaction_data

    np.random.seed(0)  # ParetoNBDFitter draws its start values from np.random
    stages: dict[str, float] = {}
    start = time.perf_counter()
    summary = summary_data_from_transaction_data(
        tx,
        "customer_id",
        "timestamp",
        "amount",
        observation_period_end=OBSERVATION_END,
        freq="D",
        freq_multiplier=7,
    )
    stages["summary"] = time.perf_counter() - start
    x, t_x, age = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    mark = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if model == "bgnbd":
            fitter = BetaGeoFitter().fit(x, t_x, age)
        else:
            fitter = ParetoNBDFitter().fit(x, t_x, age)
    stages["fit"] = time.perf_counter() - mark
    result: dict[str, Any] = {
        "params": {k: float(v) for k, v in fitter.params_.items()},
        "n_customers": len(summary),
    }
    if model == "bgnbd":
        mark = time.perf_counter()
        repeat = summary[summary["frequency"] > 0]
        spend = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
        stages["spend_fit"] = time.perf_counter() - mark
        mark = time.perf_counter()
        with np.errstate(all="ignore"):
            clv = spend.customer_lifetime_value(
                fitter,
                summary["frequency"],
                summary["recency"],
                summary["T"],
                summary["monetary_value"],
                time=MONTHS,
                discount_rate=MONTHLY_RATE,
                freq="W",
            )
        stages["clv"] = time.perf_counter() - mark
        result["spend_params"] = {k: float(v) for k, v in spend.params_.items()}
        result["clv_total"] = float(clv.sum())
    result["stages"] = stages
    result["seconds"] = time.perf_counter() - start
    return result


def worker(path_name: str, parquet: str) -> None:
    """Run one path on one log in this process and print its result as JSON."""
    tx = pd.read_parquet(parquet)
    tx["customer_id"] = tx["customer_id"].astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes  # noqa: F401  (imports are not part of the measured memory)

        import loyaltylab.clv  # noqa: F401
        import loyaltylab.customers  # noqa: F401
    baseline = _memory_reset()
    engine, model = path_name.split("_", 1)
    result = (_ours if engine == "ours" else _plain)(tx, model)
    result["peak_memory_mb"] = (_status("VmHWM") - baseline) / 2**20
    print(json.dumps(result))


def _run_worker(path_name: str, parquet: Path) -> dict[str, Any]:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    completed = subprocess.run(
        [sys.executable, __file__, "--worker", path_name, str(parquet)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{path_name} failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _max_relative_difference(ours: dict[str, float], plain: dict[str, float]) -> float:
    return max(abs(ours[k] - plain[k]) / max(abs(plain[k]), 1e-12) for k in plain)


def _report(size: float, label: str, ours: dict[str, Any], plain: dict[str, Any] | None) -> None:
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in ours["stages"].items())
    print(
        f"  {label:<22} ours : {ours['seconds']:8.2f} s  peak +{ours['peak_memory_mb']:7.0f} MB"
        f"  ({stages}; {ours['n_unique_rows']:,} unique rows)"
    )
    if plain is None:
        print(f"  {label:<22} plain: skipped (above the size cap)")
        return
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in plain["stages"].items())
    print(
        f"  {label:<22} plain: {plain['seconds']:8.2f} s  peak +{plain['peak_memory_mb']:7.0f} MB"
        f"  ({stages})"
    )
    ratio = plain["seconds"] / ours["seconds"]
    fit_ratio = plain["stages"]["fit"] / ours["stages"]["fit"]
    difference = _max_relative_difference(ours["params"], plain["params"])
    agree = "agree" if difference < 1e-3 else "DIFFER"
    print(
        f"  {label:<22} speed-up {ratio:6.1f}x end to end, {fit_ratio:6.1f}x fit; "
        f"parameters {agree} (max relative difference {difference:.1e})"
    )
    if "clv_total" in plain:
        spend_difference = _max_relative_difference(ours["spend_params"], plain["spend_params"])
        clv_difference = abs(ours["clv_total"] - plain["clv_total"]) / abs(plain["clv_total"])
        print(
            f"  {label:<22} Gamma-Gamma max rel. difference {spend_difference:.1e}; "
            f"CLV total {ours['clv_total']:,.0f} vs {plain['clv_total']:,.0f} "
            f"(rel. difference {clv_difference:.1e})"
        )


def awkward_summary(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Make a 400-customer summary like a small CSV: 120-day span, 60 % one-time, 5 % heavy buyers.

    No dropout is simulated, so the maximum of BG/NBD and Pareto/NBD is on the boundary (the
    NBD); before issue 10 our Pareto/NBD fit retried for about half a minute here and refused.
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(1, 121, n)
    kind = rng.random(n)
    freq = np.zeros(n, dtype=int)
    rec = np.zeros(n)
    for i in range(n):
        if kind[i] < 0.6:
            continue
        rate = rng.uniform(0.5, 1.0) if kind[i] < 0.65 else rng.gamma(0.6, 1 / 6)
        days = np.unique(rng.integers(1, age[i] + 1, rng.poisson(rate * age[i])))
        freq[i], rec[i] = len(days), (days.max() if len(days) else 0)
    return pd.DataFrame(
        {"customer_id": np.arange(n), "frequency": freq, "recency": rec / 7, "T": age / 7}
    )


def awkward_case() -> None:
    """Time our fits against plain lifetimes' fitters on :func:`awkward_summary` (ratio printed)."""
    from loyaltylab.clv import fit_transaction_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

    summary = awkward_summary()
    plain_fitters = {
        "bgnbd": BetaGeoFitter,
        "mbgnbd": ModifiedBetaGeoFitter,
        "pareto_nbd": ParetoNBDFitter,
        "nbd": None,
    }
    print(f"\nawkward 400-customer summary ({int((summary['frequency'] > 0).sum())} repeat buyers)")
    for model, fitter_class in plain_fitters.items():
        start = time.perf_counter()
        fit = fit_transaction_model(summary, model)
        ours = time.perf_counter() - start
        where = "boundary (NBD)" if fit.boundary is not None else "interior optimum"
        line = f"  {model:<11} ours {ours:6.2f} s ({where})"
        if fitter_class is not None:
            start = time.perf_counter()
            outcome = "ok"
            try:
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    fitter_class().fit(summary["frequency"], summary["recency"], summary["T"])
            except Exception as error:  # plain lifetimes may refuse; its time still counts
                outcome = type(error).__name__
            plain = time.perf_counter() - start
            line += f"   plain lifetimes {plain:6.2f} s ({outcome})   ratio {plain / ours:5.1f}x"
        print(line)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e6", help="transactions per log, e.g. 1e6,1e7")
    parser.add_argument(
        "--skip-plain-pareto-above",
        type=float,
        default=1e6,
        help="largest log (transactions) for plain lifetimes' Pareto/NBD",
    )
    parser.add_argument(
        "--skip-plain-above",
        type=float,
        default=1e7,
        help="largest log (transactions) for plain lifetimes' BG/NBD path",
    )
    parser.add_argument("--no-pareto", action="store_true", help="skip the Pareto/NBD fits")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic logs")
    parser.add_argument(
        "--shuffle", action="store_true", help="shuffle the rows of each log (seeded)"
    )
    parser.add_argument(
        "--engine",
        choices=("duckdb", "numpy"),
        default="duckdb",
        help="engine of our customer summary (summarize_customers(engine=...))",
    )
    parser.add_argument(
        "--awkward-only",
        action="store_true",
        help="only the 400-customer awkward summary (boundary optimum), ours vs plain lifetimes",
    )
    parser.add_argument("--worker", nargs=2, metavar=("PATH", "PARQUET"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    if args.awkward_only:
        awkward_case()
        return 0

    from loyaltylab.datasets import generate_transactions

    os.environ["CLV_BENCH_SUMMARY_ENGINE"] = args.engine
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]
    print(
        f"CLV pipeline benchmark, {os.cpu_count()} CPUs (shared machine: timings vary); "
        f"our summary engine: {args.engine}"
    )
    print(
        f"plain Pareto/NBD capped at {args.skip_plain_pareto_above:.0e} transactions, "
        f"plain BG/NBD path at {args.skip_plain_above:.0e}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            n_customers = max(100, math.ceil(size / TX_PER_CUSTOMER))
            synthetic = generate_transactions(n_customers, seed=args.seed)
            tx = synthetic.transactions[["customer_id", "timestamp", "amount"]]
            if args.shuffle:
                tx = tx.sample(frac=1.0, random_state=args.seed).reset_index(drop=True)
            parquet = Path(folder) / f"tx_{int(size)}.parquet"
            tx.to_parquet(parquet, index=False)
            order = ", rows shuffled" if args.shuffle else ""
            print(
                f"\n{len(tx):,} transactions, {tx['customer_id'].nunique():,} customers "
                f"(generate_transactions seed {args.seed}{order})"
            )
            del synthetic, tx
            ours = _run_worker("ours_bgnbd", parquet)
            plain = _run_worker("plain_bgnbd", parquet) if size <= args.skip_plain_above else None
            _report(size, "BG/NBD+GG+CLV path", ours, plain)
            if not args.no_pareto:
                ours = _run_worker("ours_pareto_nbd", parquet)
                plain = (
                    _run_worker("plain_pareto_nbd", parquet)
                    if size <= args.skip_plain_pareto_above
                    else None
                )
                _report(size, "Pareto/NBD (summary+fit)", ours, plain)
    awkward_case()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
