"""Resolve a notebook's ``transactions`` parameter: a bundled data set name, a file or a frame."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from loyaltylab.data import LoadedTransactions, load_transactions
from loyaltylab.datasets.cdnow import load_cdnow
from loyaltylab.datasets.lines import LINES_COLUMNS, LINES_LOAD_OPTIONS
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.paths import data_dir

__all__ = [
    "BUNDLED",
    "DATASET_NAMES",
    "SYNTHETIC",
    "SYNTHETIC_LINES",
    "resolve_transactions",
    "synthetic_dir",
    "synthetic_lines_dir",
]

BUNDLED: tuple[str, ...] = ("cdnow", "cdnow_sample")
SYNTHETIC = "synthetic"
SYNTHETIC_LINES = "synthetic_lines"
DATASET_NAMES: tuple[str, ...] = (*BUNDLED, SYNTHETIC, SYNTHETIC_LINES)


def synthetic_dir() -> Path:
    """Return the folder of the committed synthetic snapshot, ``<project>/data/synthetic``."""
    return data_dir() / "synthetic"


def synthetic_lines_dir() -> Path:
    """Return the folder of the line-level snapshot, ``<project>/data/synthetic_lines``."""
    return data_dir() / SYNTHETIC_LINES


def resolve_transactions(
    source: str | os.PathLike[str] | pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    **policy: Any,
) -> LoadedTransactions:
    """Load transactions from a data set name, a CSV/Parquet path or a DataFrame.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        ``"cdnow"`` (full CDNOW log), ``"cdnow_sample"`` (its 1/10 sample), ``"synthetic"``
        (the committed snapshot ``data/synthetic/transactions.csv.gz``), ``"synthetic_lines"``
        (the invoice-line log ``data/synthetic_lines/lines.csv.gz``, read with
        :data:`loyaltylab.datasets.lines.LINES_COLUMNS` and, unless given,
        :data:`~loyaltylab.datasets.lines.LINES_LOAD_OPTIONS`: US dates, guests' rows without
        a customer id dropped and counted, ``C`` cancellations netted), or anything
        :func:`loyaltylab.data.load_transactions` accepts.
    columns : mapping, optional
        Column mapping for a file or frame (canonical name -> your column); not used with a
        data set name (those are canonical already).
    **policy
        Keyword arguments of :func:`loyaltylab.data.load_transactions` (``observation_end``,
        ``returns``, ``duplicates``, ``after_end``, ...). For CDNOW the default is
        ``duplicates="keep"``: identical rows there are separate order lines of the same day,
        and the published estimates use them all (they are still counted in the quality table).

    Returns
    -------
    loyaltylab.data.LoadedTransactions

    Examples
    --------
    >>> loaded = resolve_transactions("cdnow_sample")
    >>> loaded.transactions["customer_id"].nunique()
    2357
    """
    if isinstance(source, str) and source.strip().lower() in DATASET_NAMES:
        name = source.strip().lower()
        if columns:
            raise ParameterError(
                f"parameter 'columns' does not apply to the data set {name!r} "
                "(its columns are canonical already)"
            )
        if name in BUNDLED:
            policy.setdefault("duplicates", "keep")
            frame = load_cdnow(sample=name == "cdnow_sample")
            return load_transactions(frame, source_name=name, **policy)
        if name == SYNTHETIC_LINES:
            lines = synthetic_lines_dir() / "lines.csv.gz"
            if not lines.is_file():
                raise DataValidationError(
                    f"synthetic_lines snapshot {lines} not found; write it with "
                    "`python -m loyaltylab.datasets.lines --out data/synthetic_lines`"
                )
            options = {**LINES_LOAD_OPTIONS, **policy}
            return load_transactions(lines, dict(LINES_COLUMNS), source_name=name, **options)
        path = synthetic_dir() / "transactions.csv.gz"
        if not path.is_file():
            raise DataValidationError(
                f"synthetic snapshot {path} not found; write it with "
                "`python -m loyaltylab.datasets.synthetic --out data/synthetic`"
            )
        return load_transactions(path, source_name=name, **policy)
    if isinstance(source, str) and not Path(source).expanduser().exists():
        if not Path(source).suffix:
            raise DataValidationError(
                f"unknown data set {source!r}: use one of {list(DATASET_NAMES)} or the path of a "
                "CSV or Parquet file"
            )
    return load_transactions(source, columns, **policy)
