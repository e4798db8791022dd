"""Data-source parameters of the notebooks, read the same way by every notebook.

The customers (01) and scorecard (05) notebooks take the loyalty-program tables ``members`` and
``ledger`` as a pair: both empty (no program data, the program KPIs are left out) or both given.
:func:`optional_source` reads one such parameter and refuses half a pair with one clear error.

A loader that refuses its input raises a :class:`~loyaltylab.rules.LoadError` whose ``fix`` is
the loader options that resolve it. In a notebook those options are set through the ``load``
parameter, so :func:`load_transactions_for_notebook` (and :func:`call_with_notebook_hints` for
the member and ledger loaders) re-raise it worded for the notebook: ``set `load: {invalid:
drop}` in the notebook parameters, or under the report's parameters (or its data source) in
reports.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pandas as pd

from loyaltylab.data import LoadedTransactions
from loyaltylab.datasets.loyalty import resolve_loyalty_transactions
from loyaltylab.errors import ParameterError
from loyaltylab.rules import LoadError, render_options

__all__ = [
    "ENGINES",
    "source_on_engine",
    "call_with_notebook_hints",
    "load_transactions_for_notebook",
    "notebook_hint",
    "optional_source",
]

_Result = TypeVar("_Result")


def notebook_hint(error: LoadError, section: str | None = None) -> LoadError:
    """Return ``error`` with its fix worded as a notebook's ``load`` parameter.

    Parameters
    ----------
    error : loyaltylab.rules.LoadError
        A loader's error (``error.fix`` holds the loader options).
    section : str, optional
        The key of ``load`` the loader's options sit under (``"members"``, ``"ledger"``);
        ``None`` for the transaction loader, whose options are ``load``'s own keys.

    Returns
    -------
    loyaltylab.rules.LoadError
        Same problem and fix; the message names the option as the user types it.

    Examples
    --------
    >>> error = LoadError("2 rows have no customer id", "to drop such rows", {"invalid": "drop"})
    >>> print(notebook_hint(error))  # doctest: +NORMALIZE_WHITESPACE
    2 rows have no customer id; to drop such rows, set `load: {invalid: drop}` in the notebook
    parameters (papermill -y '{load: {invalid: drop}}'), or under the report's parameters (or
    its data source) in reports.yaml
    """
    sets = error.option_sets()
    if not sets:
        return error
    wrapped = [{section: options} if section else options for options in sets]
    shown = " or ".join(f"`load: {render_options(options)}`" for options in wrapped)
    lead = f"{error.remedy}, " if error.remedy else ""
    message = (
        f"{error.problem}; {lead}set {shown} in the notebook parameters (papermill -y "
        f"'{{load: {render_options(wrapped[0])}}}'), or under the report's parameters (or its "
        "data source) in reports.yaml"
    )
    worded = LoadError(error.problem, error.remedy, error.fix, tuple(error.alternatives))
    worded.args = (message,)
    return worded


def call_with_notebook_hints(
    loader: Callable[..., _Result], *args: Any, section: str | None = None, **options: Any
) -> _Result:
    """Call a loader; a :class:`~loyaltylab.rules.LoadError` is re-raised worded for notebooks.

    Parameters
    ----------
    loader : callable
        E.g. :func:`loyaltylab.data.load_members`.
    *args, **options
        Passed to ``loader``.
    section : str, optional
        Where the loader's options sit in ``load`` (``"members"``, ``"ledger"``).

    Returns
    -------
    What ``loader`` returns.
    """
    try:
        return loader(*args, **options)
    except LoadError as error:
        raise notebook_hint(error, section) from None


def load_transactions_for_notebook(
    transactions: str | pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    load: Mapping[str, Any] | None = None,
    *,
    observation_end: Any = None,
) -> LoadedTransactions:
    """Load a notebook's ``transactions`` with its ``load`` options, hints worded for notebooks.

    Parameters
    ----------
    transactions : str or pandas.DataFrame
        A bundled data set name (``"synthetic_loyalty"``: the program's purchases, the
        ``synthetic`` ones plus the members' extra ones), a CSV/Parquet path or a frame.
    columns : mapping, optional
        Canonical name -> the data's column (the notebook's ``columns`` parameter).
    load : mapping, optional
        The notebook's ``load`` parameter: options of :func:`loyaltylab.data.load_transactions`
        (``members``/``ledger`` sub-mappings are not passed).
    observation_end : date-like, optional
        The notebook's ``observation_end``.

    Returns
    -------
    loyaltylab.data.LoadedTransactions

    Examples
    --------
    >>> loaded = load_transactions_for_notebook("cdnow_sample", load={"returns": "net"})
    >>> loaded.source
    'cdnow_sample'
    """
    options = {k: v for k, v in dict(load or {}).items() if k not in ("members", "ledger")}
    if observation_end not in (None, ""):
        options["observation_end"] = observation_end
    if isinstance(transactions, str) and _on_engine(transactions):
        from loyaltylab.engine.loading import load_engine_as_loaded

        return load_engine_as_loaded(transactions, columns, options)
    return call_with_notebook_hints(
        resolve_loyalty_transactions, transactions, columns or None, **options
    )


#: Values of the notebooks' ``engine`` parameter: ``"auto"`` lets the source decide (a database
#: URL runs in its database, ``spark:...`` on Spark, files and bundled names in pandas/DuckDB).
ENGINES: tuple[str, ...] = ("auto", "duckdb", "postgres", "spark")


def source_on_engine(transactions: str, engine: str) -> str:
    """Return the ``transactions`` source that the notebook's ``engine`` reads, or refuse it.

    ``engine: spark`` reads a table of the Spark catalog or a file/folder/glob/URI with Spark
    (the source becomes ``spark:<source>``); ``engine: postgres`` needs a PostgreSQL URL;
    ``engine: duckdb`` refuses a source that names another engine; ``"auto"`` keeps the source.

    Examples
    --------
    >>> source_on_engine("lake/sales/*.parquet", "spark")
    'spark:lake/sales/*.parquet'
    >>> source_on_engine("postgresql://me@db/shop?table=sales", "auto")
    'postgresql://me@db/shop?table=sales'
    """
    from loyaltylab.datasets.resolve import DATASET_NAMES

    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    text = str(transactions)
    on_spark = text.startswith("spark:")
    in_database = urlsplit(text).scheme in ("postgresql", "postgres")
    bundled = text.strip().lower() in (*DATASET_NAMES, "synthetic_loyalty")
    if engine == "auto":
        return text
    if engine == "spark":
        if on_spark:
            return text
        if in_database or bundled:
            raise ParameterError(
                f"engine 'spark' reads a Spark table or a Parquet/CSV path, got transactions "
                f"{text!r}; give a table name or a file path (bundled data sets and database URLs "
                "are read with engine: auto)"
            )
        return f"spark:{text}"
    if engine == "postgres":
        if not in_database:
            raise ParameterError(
                f"engine 'postgres' needs transactions as a PostgreSQL URL "
                f"(postgresql://user@host/db?table=NAME or ?query=...), got {text!r}"
            )
        return text
    if on_spark or in_database:
        where = "Spark" if on_spark else "PostgreSQL"
        raise ParameterError(
            f"transactions {text!r} is read by {where}, not by DuckDB; set engine: auto (or "
            f"{'spark' if on_spark else 'postgres'})"
        )
    return text


def _on_engine(source: str) -> bool:
    """Whether the engine layer reads ``source`` (a database URL, ``spark:``, a Parquet glob)."""
    from loyaltylab.engine import is_engine_source

    return is_engine_source(source)


def optional_source(value: Any, name: str, *, pair: Any = None, pair_name: str = "") -> str:
    """Validate an optional data-source parameter that only makes sense with its pair.

    The customers notebook takes ``members`` and ``ledger`` together: both empty (no program
    data) or both given.

    Parameters
    ----------
    value : Any
        The parameter: ``""``/``None`` (not given), a data set name or a path.
    name : str
        Its name, for the error message.
    pair : Any, optional
        The value of the parameter it needs beside it.
    pair_name : str, optional
        That parameter's name; empty for a parameter without a pair.

    Returns
    -------
    str
        The stripped value, ``""`` when not given.

    Raises
    ------
    ParameterError
        ``value`` is neither text nor empty, or only one of the pair is given.

    Examples
    --------
    >>> optional_source(" synthetic_loyalty ", "members", pair="x.csv", pair_name="ledger")
    'synthetic_loyalty'
    >>> optional_source("", "members", pair="", pair_name="ledger")
    ''
    """
    if value is not None and not isinstance(value, str):
        raise ParameterError(f"parameter {name!r} must be a data set name or a path, got {value!r}")
    text = (value or "").strip()
    partner = pair.strip() if isinstance(pair, str) else ("" if pair is None else str(pair))
    if pair_name and bool(text) != bool(partner):
        given, missing = (name, pair_name) if text else (pair_name, name)
        raise ParameterError(
            f"parameter {given!r} is given but {missing!r} is empty: program KPIs need both "
            "the members and the ledger (or neither)"
        )
    return text
