"""Where the expressions run: an engine (DuckDB, PostgreSQL, Spark) and a transactions source on it.

A **source** is what a notebook's ``transactions`` parameter (or ``reports.yaml``) names:

* a pandas DataFrame (or ``LoadedTransactions``): DuckDB reads the frame in place, no copy;
* a Parquet file, a folder of Parquet files or a glob (``data/sales/*.parquet``): DuckDB reads it
  with ``read_parquet`` (the file never passes through pandas);
* a database URL with a table or a query::

      postgresql://user:password@host:5432/shop?table=sales
      postgresql://user@host/shop?table=analytics.sales        (schema.table)
      postgresql://user@host/shop?query=SELECT+*+FROM+sales+WHERE+store=3

  (the query URL-encoded: ``+`` or ``%20`` for a space); the expressions then run in the
  database and only the per-customer result comes back;
* ``spark:<table>`` (a table of the Spark catalog): :mod:`loyaltylab.engine.spark`.

:func:`open_source` returns an :class:`EngineTable`: the Ibis backend, the table expression and
the engine's name. :func:`fetch` runs an expression and returns a pandas DataFrame.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import ibis
import ibis.expr.types as ir
import pandas as pd

from loyaltylab.errors import DataValidationError, ParameterError

__all__ = [
    "ENGINES",
    "EngineTable",
    "connect_duckdb",
    "fetch",
    "is_engine_source",
    "open_source",
    "parse_database_url",
]

#: Engines the expressions run on (``"spark"`` through :mod:`loyaltylab.engine.spark`).
ENGINES: tuple[str, ...] = ("duckdb", "postgres", "spark")

_DB_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


@dataclass(frozen=True)
class EngineTable:
    """A transactions table on an engine.

    Attributes
    ----------
    backend : ibis backend
        The connection the expressions run on.
    table : ibis.Table
        The source table (columns as in the source, before the ``columns`` mapping).
    engine : str
        ``"duckdb"``, ``"postgres"`` or ``"spark"``.
    source : str
        The source as given (a URL's password is not kept).
    """

    backend: Any
    table: ir.Table
    engine: str
    source: str

    def summary(self) -> pd.DataFrame:
        """Engine, source and columns as a two-column table (``metric``, ``value``)."""
        rows = [
            ("engine", self.engine),
            ("source", self.source),
            ("columns", ", ".join(self.table.columns)),
        ]
        return pd.DataFrame(rows, columns=["metric", "value"])


def is_engine_source(source: Any) -> bool:
    """Whether ``source`` is read by an engine (a database URL, ``spark:`` or Parquet glob/folder).

    Examples
    --------
    >>> is_engine_source("postgresql://me@db/shop?table=sales"), is_engine_source("a.csv")
    (True, False)
    """
    if not isinstance(source, str | os.PathLike):
        return False
    text = os.fspath(source)
    if text.startswith("spark:") or urlsplit(text).scheme in _DB_SCHEMES:
        return True
    return _parquet_paths(text) is not None


def connect_duckdb(threads: int | None = None, memory_limit: str | None = None) -> Any:
    """Open a fresh in-memory DuckDB Ibis backend.

    ``threads`` are DuckDB's worker threads, ``memory_limit`` its memory ceiling (``"6GB"``;
    larger aggregations spill to a temporary folder).
    """
    backend = ibis.duckdb.connect()
    if threads is not None:
        backend.raw_sql(f"SET threads = {int(threads)}")
    if memory_limit is not None:
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", memory_limit.strip(), re.IGNORECASE):
            raise ParameterError(f"memory_limit must look like '6GB', got {memory_limit!r}")
        backend.raw_sql(f"SET memory_limit = '{memory_limit.strip()}'")
    return backend


def parse_database_url(url: str) -> tuple[str, dict[str, str]]:
    """Split ``postgresql://...?table=t`` into the connection URL and ``{"table"|"query": ...}``.

    Examples
    --------
    >>> parse_database_url("postgresql://me@db:5432/shop?table=sales")
    ('postgresql://me@db:5432/shop', {'table': 'sales'})
    >>> parse_database_url("postgresql://me@db/shop?query=SELECT+*+FROM+s")[1]
    {'query': 'SELECT * FROM s'}
    """
    parts = urlsplit(url)
    if parts.scheme not in _DB_SCHEMES:
        raise ParameterError(
            f"transactions source {_redact(url)!r} is not a database URL; use "
            "postgresql://user@host:port/database?table=NAME (or ?query=SELECT...)"
        )
    params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    picked: dict[str, str] = {key: params.pop(key) for key in ("table", "query") if key in params}
    if len(picked) != 1:
        raise ParameterError(
            f"database source {_redact(url)!r} needs exactly one of ?table=NAME or "
            "?query=SELECT..., e.g. postgresql://user@host/db?table=sales"
        )
    if "table" in picked and not _NAME.match(picked["table"]):
        raise ParameterError(
            f"database source {_redact(url)!r}: table {picked['table']!r} is not a table name "
            "(letters, digits, _; optionally schema.table); use ?query=... for anything else"
        )
    rest = "&".join(f"{key}={value}" for key, value in params.items())
    scheme = "postgresql"
    return urlunsplit((scheme, parts.netloc, parts.path, rest, "")), picked


def open_source(source: Any, *, engine: str | None = None, backend: Any = None) -> EngineTable:
    """Open a transactions source on its engine (see the module docstring for the syntax).

    Parameters
    ----------
    source : pandas.DataFrame, LoadedTransactions, str or path-like
        The source.
    engine : {"duckdb", "postgres", "spark"}, optional
        Checked against the source (a database URL runs on ``"postgres"``, a ``spark:`` table on
        ``"spark"``, frames and Parquet on ``"duckdb"``); default: the source's engine.
    backend : ibis backend, optional
        A DuckDB backend to reuse for frames and Parquet (default: a new in-memory one).

    Returns
    -------
    EngineTable

    Raises
    ------
    ParameterError
        An unknown engine, an engine that cannot read the source, a malformed URL.
    DataValidationError
        A Parquet path that matches no file, a database table that does not exist.
    """
    if engine is not None and engine not in ENGINES:
        raise ParameterError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    frame = getattr(source, "transactions", source)
    if isinstance(frame, pd.DataFrame):
        wanted = engine or "duckdb"
        _same_engine(wanted, "duckdb", "a DataFrame")
        duck = backend if backend is not None else connect_duckdb()
        name = "transactions"
        duck.con.register(name, frame)
        return EngineTable(duck, duck.table(name), "duckdb", "DataFrame")
    if not isinstance(source, str | os.PathLike):
        raise ParameterError(
            "transactions source must be a DataFrame, a Parquet path or glob, a database URL "
            f"(postgresql://...?table=NAME) or spark:TABLE, got {type(source).__name__}"
        )
    text = os.fspath(source)
    if text.startswith("spark:"):
        _same_engine(engine or "spark", "spark", text)
        from loyaltylab.engine import spark  # noqa: PLC0415 (optional dependency)

        opener = getattr(spark, "open_spark_table", None)
        if opener is None:
            raise ParameterError("spark: sources need loyaltylab.engine.spark.open_spark_table")
        result: EngineTable = opener(text.removeprefix("spark:"))
        return result
    if urlsplit(text).scheme in _DB_SCHEMES:
        _same_engine(engine or "postgres", "postgres", _redact(text))
        return _open_database(text)
    paths = _parquet_paths(text)
    if paths is None:
        raise ParameterError(
            f"transactions source {text!r} is not a Parquet file, folder or glob, a database URL "
            "or spark:TABLE; CSV files are read by loyaltylab.data.load_transactions"
        )
    if not paths:
        raise DataValidationError(f"transactions source {text!r} matches no Parquet file")
    _same_engine(engine or "duckdb", "duckdb", text)
    duck = backend if backend is not None else connect_duckdb()
    table = duck.read_parquet(paths, table_name="transactions")
    return EngineTable(duck, table, "duckdb", text)


def fetch(backend: Any, expr: ir.Table) -> pd.DataFrame:
    """Run ``expr`` on ``backend`` and return the result as a pandas DataFrame (numpy dtypes)."""
    frame: pd.DataFrame = backend.to_pyarrow(expr).to_pandas()
    return frame


# ----------------------------------------------------------------------------------------------
# helpers


def _same_engine(wanted: str, needed: str, what: str) -> None:
    if wanted != needed:
        raise ParameterError(
            f"engine {wanted!r} cannot read {what}: it runs on engine {needed!r} (set "
            f"engine: {needed}, or give a source for {wanted})"
        )


def _redact(url: str) -> str:
    """Return the URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _parquet_paths(text: str) -> list[str] | None:
    """Parquet files of a path, folder or glob; ``None`` if it is not a Parquet source."""
    if any(char in text for char in "*?["):
        if not text.lower().endswith(_PARQUET_SUFFIXES):
            return None
        return sorted(glob.glob(text, recursive=True))
    path = Path(text)
    if path.is_dir():
        found = sorted(
            str(item) for item in path.rglob("*") if item.suffix.lower() in _PARQUET_SUFFIXES
        )
        return found if found else None
    if path.suffix.lower() in _PARQUET_SUFFIXES:
        return [str(path)] if path.exists() else []
    return None


def _open_database(url: str) -> EngineTable:
    connection_url, picked = parse_database_url(url)
    try:
        backend = ibis.connect(connection_url)
    except ModuleNotFoundError as error:
        raise ParameterError(
            f"reading {_redact(url)} needs the PostgreSQL driver: "
            f"pip install 'loyaltylab[postgres]' ({error})"
        ) from error
    except Exception as error:  # the driver's own error type: connection refused, bad login
        raise DataValidationError(f"cannot connect to {_redact(url)}: {error}") from error
    try:
        if "table" in picked:
            schema, _, name = picked["table"].rpartition(".")
            table = backend.table(name, database=schema or None)
        else:
            table = backend.sql(picked["query"])
    except Exception as error:  # missing table, SQL error in the query
        what = f"table {picked['table']!r}" if "table" in picked else "the query"
        raise DataValidationError(f"{_redact(url)}: cannot read {what}: {error}") from error
    return EngineTable(backend, table, "postgres", _redact(url))
