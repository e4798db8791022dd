"""Synthetic transaction logs from known BG/NBD + Gamma-Gamma parameters (with the truth).

The generator draws a customer base exactly as the models used by :mod:`loyaltylab.clv` assume,
so tests and notebooks can check that fitted parameters come back:

* each customer makes a first purchase at a time drawn uniformly over the acquisition window
  (``start`` .. ``acquisition_end``);
* purchase rate ``lam`` ~ Gamma(shape ``r``, rate ``alpha``) per **week**; while alive, repeat
  purchases follow a Poisson process with that rate (BG/NBD, Fader, Hardie & Lee 2005);
* dropout probability ``p_drop`` ~ Beta(``a``, ``b``): after each repeat purchase the customer
  becomes inactive with probability ``p_drop`` (so the number of repeat purchases before dropout
  is geometric on 1, 2, ...);
* spend per transaction ~ Gamma(shape ``p``, rate ``nu``) with ``nu`` ~ Gamma(shape ``q``,
  rate ``v``) per customer (Gamma-Gamma, Fader & Hardie 2013, brucehardie.com/notes/025), so a
  customer's mean spend is ``p / nu``; amounts are rounded to cents (at least 0.01).

The default parameters are the published CDNOW estimates (reference/clv.md §3). Everything is
vectorised with numpy (no per-customer Python loop): the first ``m`` event times of a Poisson
process given ``n`` events in ``[0, T]`` are the first ``m`` uniform order statistics, drawn as
``T * S_k / (S_m + G)`` with ``S_k`` partial sums of exponentials and ``G ~ Gamma(n - m + 1)``.

The committed snapshot ``data/synthetic/`` is written by::

    python -m loyaltylab.datasets.synthetic --out data/synthetic --customers 5000 --seed 0
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.files import write_gzip_text
from loyaltylab.rules import as_day

__all__ = [
    "SyntheticTransactions",
    "generate_transactions",
    "main",
    "read_synthetic",
    "write_synthetic",
]

_DAY_NS = 86_400 * 10**9
_WEEK_NS = 7 * _DAY_NS
_TRUTH_FILE = "truth.json"
_TRANSACTIONS_STEM = "transactions"
_CUSTOMERS_STEM = "customers"


@dataclass(frozen=True)
class SyntheticTransactions:
    """A synthetic transaction log with the truth it was drawn from.

    Attributes
    ----------
    transactions : pandas.DataFrame
        Canonical frame ``customer_id`` (str), ``timestamp`` (``datetime64[ns]``, whole
        seconds), ``amount`` (float, cents), sorted by customer and time.
    customers : pandas.DataFrame
        Per-customer truth: ``customer_id``, ``first_purchase``, ``lam`` (purchase rate per
        week), ``p_drop``, ``nu``, ``mean_spend`` (= p / nu), ``repeat_purchases`` (in the
        window), ``dropout_after`` (repeat purchases after which the customer drops out),
        ``alive_at_end`` (bool) and ``alive_until`` (time of the last purchase of a customer who
        dropped out, ``NaT`` if alive at ``end``).
    truth : dict
        The true parameters (``r``, ``alpha``, ``a``, ``b``, ``p``, ``q``, ``v``), the time unit
        of ``lam`` (``"W"``), the seed, the window and the counts.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    truth: dict[str, Any]

    def summary(self) -> pd.DataFrame:
        """Return the true parameters and counts as a two-column table (``metric``, ``value``).

        Returns
        -------
        pandas.DataFrame
        """
        return pd.DataFrame(list(self.truth.items()), columns=["metric", "value"])


def generate_transactions(
    n_customers: int,
    *,
    seed: int = 0,
    start: str | pd.Timestamp = "2024-01-01",
    end: str | pd.Timestamp = "2025-12-31",
    acquisition_end: str | pd.Timestamp | None = None,
    r: float = 0.243,
    alpha: float = 4.414,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    v: float = 15.44,
    id_prefix: str = "S",
) -> SyntheticTransactions:
    """Draw a transaction log from the BG/NBD and Gamma-Gamma models.

    Parameters
    ----------
    n_customers : int
        Number of customers (each makes at least the first purchase).
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same seed gives an identical result.
    start, end : str or pandas.Timestamp
        First and last day (inclusive) of the observation window.
    acquisition_end : str or pandas.Timestamp, optional
        Last day (inclusive) on which first purchases happen; default: the last day of the first
        quarter of the window (whole days, rounded down).
    r, alpha : float
        Gamma heterogeneity of the purchase rate per week (shape, rate).
    a, b : float
        Beta heterogeneity of the dropout probability.
    p, q, v : float
        Gamma-Gamma spend parameters (shape of spend; shape and rate of ``nu``).
    id_prefix : str, default "S"
        Prefix of the customer ids (``S000001`` ...).

    Returns
    -------
    SyntheticTransactions

    Examples
    --------
    >>> synthetic = generate_transactions(100, seed=1)
    >>> synthetic.customers["customer_id"].nunique()
    100
    >>> synthetic.truth["r"]
    0.243
    """
    n = _positive_int(n_customers, "n_customers")
    params = {"r": r, "alpha": alpha, "a": a, "b": b, "p": p, "q": q, "v": v}
    for name, value in params.items():
        if not isinstance(value, int | float) or not np.isfinite(value) or value <= 0:
            raise ParameterError(f"parameter {name!r} must be a positive number, got {value!r}")
    start_day = as_day(start, "start")
    end_day = as_day(end, "end")
    if end_day < start_day:
        raise ParameterError(f"parameter 'end' ({end_day.date()}) is before 'start'")
    window_end = end_day + pd.Timedelta(days=1)
    if acquisition_end is None:
        acquisition_stop = start_day + pd.Timedelta(days=(window_end - start_day).days // 4)
    else:
        acquisition_stop = as_day(acquisition_end, "acquisition_end") + pd.Timedelta(days=1)
        if not start_day < acquisition_stop <= window_end:
            raise ParameterError(
                f"parameter 'acquisition_end' ({acquisition_end}) must lie in [start, end]"
            )

    rng = np.random.default_rng(seed)
    span = (window_end - start_day).value / _WEEK_NS
    acquisition = (acquisition_stop - start_day).value / _WEEK_NS
    first = rng.uniform(0.0, acquisition, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p_drop = rng.beta(a, b, n)
    nu = rng.gamma(q, 1.0 / v, n)
    dropout_after = rng.geometric(np.clip(p_drop, 1e-12, 1.0))
    exposure = span - first
    events = rng.poisson(lam * exposure)
    repeats = np.minimum(dropout_after, events)
    alive = dropout_after > events

    # first `repeats` order statistics of `events` uniforms on [0, exposure]
    total = int(repeats.sum())
    owner = np.repeat(np.arange(n), repeats)
    gaps = rng.exponential(1.0, total)
    partial = np.cumsum(gaps)
    ends = np.cumsum(repeats)
    offsets = np.concatenate(([0.0], partial))[ends - repeats]
    within = partial - offsets[owner]
    remainder = rng.gamma(events - repeats + 1.0, 1.0, n)
    last_sum = np.zeros(n)
    has = repeats > 0
    last_sum[has] = partial[ends[has] - 1] - offsets[has]
    repeat_time = first[owner] + exposure[owner] * within / (last_sum[owner] + remainder[owner])

    # interleave: per customer the first purchase, then the repeat purchases in order
    counts = repeats + 1
    row_start = np.cumsum(counts) - counts
    times = np.empty(n + total)
    times[row_start] = first
    is_repeat = np.ones(n + total, dtype=bool)
    is_repeat[row_start] = False
    times[is_repeat] = repeat_time
    customer_index = np.repeat(np.arange(n), counts)
    spend = rng.gamma(p, 1.0 / nu[customer_index])
    amount = np.maximum(np.round(spend, 2), 0.01)

    stamp_ns = start_day.value + np.floor(times * _WEEK_NS / 1e9).astype("int64") * 10**9
    stamp_ns = np.minimum(stamp_ns, window_end.value - 10**9)
    ids = _customer_ids(n, id_prefix)
    transactions = pd.DataFrame(
        {
            "customer_id": pd.Series(ids).take(customer_index).reset_index(drop=True),
            "timestamp": pd.to_datetime(stamp_ns, unit="ns"),
            "amount": amount,
        }
    )
    first_ns = stamp_ns[row_start]
    last_ns = stamp_ns[row_start + repeats]
    customers = pd.DataFrame(
        {
            "customer_id": pd.Series(ids),
            "first_purchase": pd.to_datetime(first_ns, unit="ns"),
            "lam": lam,
            "p_drop": p_drop,
            "nu": nu,
            "mean_spend": p / nu,
            "repeat_purchases": repeats.astype("int64"),
            "dropout_after": dropout_after.astype("int64"),
            "alive_at_end": alive,
            "alive_until": pd.to_datetime(np.where(alive, np.iinfo("int64").min, last_ns)),
        }
    )
    truth: dict[str, Any] = {
        "model": "BG/NBD purchases + Gamma-Gamma spend",
        "time_unit": "W",
        **{name: float(value) for name, value in params.items()},
        "seed": int(seed),
        "n_customers": n,
        "n_transactions": int(len(transactions)),
        "start": str(start_day.date()),
        "end": str(end_day.date()),
        "acquisition_end": str((acquisition_stop - pd.Timedelta(days=1)).date()),
        "alive_at_end": int(alive.sum()),
    }
    return SyntheticTransactions(transactions=transactions, customers=customers, truth=truth)


def write_synthetic(
    synthetic: SyntheticTransactions,
    directory: str | os.PathLike[str],
    *,
    file_format: str = "csv.gz",
) -> dict[str, Path]:
    """Write transactions, customers and ``truth.json`` to ``directory``.

    CSV files are gzip-compressed with a fixed header (no file name, mtime 0), so the same data
    always give byte-identical files.

    Parameters
    ----------
    synthetic : SyntheticTransactions
        What :func:`generate_transactions` returned.
    directory : path-like
        Target folder (created if missing).
    file_format : {"csv.gz", "parquet"}, default "csv.gz"
        Format of ``transactions.*`` and ``customers.*``.

    Returns
    -------
    dict of str to pathlib.Path
        ``{"transactions": ..., "customers": ..., "truth": ...}``.
    """
    if file_format not in ("csv.gz", "parquet"):
        raise ParameterError(
            f"parameter 'file_format' must be 'csv.gz' or 'parquet', got {file_format!r}"
        )
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "transactions": folder / f"{_TRANSACTIONS_STEM}.{file_format}",
        "customers": folder / f"{_CUSTOMERS_STEM}.{file_format}",
        "truth": folder / _TRUTH_FILE,
    }
    for key in ("transactions", "customers"):
        frame = getattr(synthetic, key)
        if file_format == "parquet":
            frame.to_parquet(paths[key], index=False)
        else:
            _write_csv_gz(frame, paths[key])
    paths["truth"].write_text(json.dumps(synthetic.truth, indent=2) + "\n", encoding="utf-8")
    return paths


def read_synthetic(directory: str | os.PathLike[str]) -> SyntheticTransactions:
    """Read a snapshot written by :func:`write_synthetic`.

    Parameters
    ----------
    directory : path-like
        Folder holding ``transactions.csv.gz`` (or ``.parquet``), ``customers.*`` and
        ``truth.json``.

    Returns
    -------
    SyntheticTransactions
    """
    folder = Path(directory)
    truth_path = folder / _TRUTH_FILE
    if not truth_path.is_file():
        raise DataValidationError(f"no synthetic snapshot in {folder}: {_TRUTH_FILE} is missing")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    frames = {}
    for stem in (_TRANSACTIONS_STEM, _CUSTOMERS_STEM):
        parquet, csv = folder / f"{stem}.parquet", folder / f"{stem}.csv.gz"
        if parquet.is_file():
            frames[stem] = pd.read_parquet(parquet)
        elif csv.is_file():
            frames[stem] = pd.read_csv(csv, dtype={"customer_id": str})
        else:
            raise DataValidationError(f"synthetic snapshot in {folder} has no {stem} file")
    transactions = frames[_TRANSACTIONS_STEM]
    transactions["timestamp"] = pd.to_datetime(transactions["timestamp"]).astype("datetime64[ns]")
    customers = frames[_CUSTOMERS_STEM]
    for col in ("first_purchase", "alive_until"):
        customers[col] = pd.to_datetime(customers[col]).astype("datetime64[ns]")
    customers["alive_at_end"] = customers["alive_at_end"].astype(bool)
    return SyntheticTransactions(transactions=transactions, customers=customers, truth=truth)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a synthetic snapshot (``python -m loyaltylab.datasets.synthetic``).

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
        prog="python -m loyaltylab.datasets.synthetic",
        description="Write a synthetic BG/NBD + Gamma-Gamma transaction log with its truth.",
    )
    parser.add_argument("--out", required=True, help="output folder, e.g. data/synthetic")
    parser.add_argument("--customers", type=int, default=5000, help="number of customers")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--start", default="2024-01-01", help="first day of the window")
    parser.add_argument("--end", default="2025-12-31", help="last day of the window")
    parser.add_argument("--format", default="csv.gz", choices=["csv.gz", "parquet"])
    args = parser.parse_args(argv)
    synthetic = generate_transactions(
        args.customers, seed=args.seed, start=args.start, end=args.end
    )
    paths = write_synthetic(synthetic, args.out, file_format=args.format)
    print(
        f"wrote {synthetic.truth['n_transactions']} transactions of {args.customers} customers "
        f"to {paths['transactions']}"
    )
    return 0


def _write_csv_gz(frame: pd.DataFrame, path: Path) -> None:
    text = frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")
    write_gzip_text(path, text)


def _customer_ids(n: int, prefix: str) -> np.ndarray:
    width = max(6, len(str(n)))
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ParameterError(f"parameter {name!r} must be a positive whole number, got {value!r}")
    return int(value)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
