"""Resolve a notebook's ``transactions`` parameter: a bundled data set name, a file or a frame."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from loyaltylab.data import LoadedTransactions, load_transactions
from loyaltylab.datasets.cdnow import load_cdnow
from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.paths import data_dir

__all__ = ["BUNDLED", "DATASET_NAMES", "SYNTHETIC", "resolve_transactions", "synthetic_dir"]

BUNDLED: tuple[str, ...] = ("cdnow", "cdnow_sample")
SYNTHETIC = "synthetic"
DATASET_NAMES: tuple[str, ...] = (*BUNDLED, SYNTHETIC)


def synthetic_dir() -> Path:
    """Return the folder of the committed synthetic snapshot, ``<project>/data/synthetic``."""
    return data_dir() / "synthetic"


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
        (the committed snapshot ``data/synthetic/transactions.csv.gz``), or anything
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
