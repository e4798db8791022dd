"""Spark as an engine of Loyalty Lab: the session, and a transaction log read and checked on Spark.

``engine: spark`` runs the heavy steps on a Spark cluster (or Spark in this process,
``local[2]`` by default): the transactions are read by Spark (a table of the Spark catalog, a
Parquet file/folder/glob, a CSV file; :mod:`loyaltylab.engine.spark_load`), mapped to the
canonical columns and checked by the engine loader (:mod:`loyaltylab.engine.loading`, the rules of
:func:`loyaltylab.data.load_transactions`) with the same data-quality table; the customer
summary (:mod:`loyaltylab.engine.spark_summary`) and the per-customer scores
(:mod:`loyaltylab.engine.spark_scoring`) are computed on Spark too. Only the quality table, the
compressed summary the models are fitted on, and what a report shows come to pandas.

The session (:func:`spark_session`) is built once per process from a
:class:`loyaltylab.config.spark.SparkSettings` and cached:

* ``PYSPARK_PYTHON`` and ``PYSPARK_DRIVER_PYTHON`` point at this interpreter (``sys.executable``)
  unless already set, so the Python workers import the same packages as the driver;
* local mode: ``2 x threads`` shuffle partitions (Spark's 200 are for clusters), no web UI,
  ``SPARK_LOCAL_IP=127.0.0.1`` unless set;
* the session time zone is UTC, so a Spark timestamp's calendar day is the day of
  :mod:`loyaltylab.rules.dates` (timezone-aware values converted to UTC, then made naive);
* Spark's logs are quiet (level ``ERROR``); Arrow transfers between Spark and pandas;
* without settings, the ``spark:`` section of the project's ``reports.yaml`` is used
  (:func:`configured_settings`).

**pandas 3.** pyspark 4.3 warns (``FutureWarning``) that it "does not yet fully support
pandas >= 3.0.0". The pieces Loyalty Lab uses - ``createDataFrame`` from pandas, ``toPandas``
and ``mapInPandas`` with Arrow, on string, double, long, date and timestamp columns - are tested
on pandas 3.1 (tests/test_engine_spark*.py, the numbers equal the pandas path to 1e-9), so the
project keeps its pandas bounds and pins pyspark to the tested minor version in the ``spark``
extra. The warning (and pandas' "copy keyword is deprecated" warning raised inside pyspark) is
silenced by message, only around our own calls into pyspark (:func:`quiet_pyspark`) and in the
Python workers (``spark.executorEnv.PYTHONWARNINGS``); other warnings stay visible.

Examples
--------
>>> from loyaltylab.config.spark import SparkSettings
>>> spark = spark_session(SparkSettings(master="local[1]"))  # doctest: +SKIP
>>> loaded = load_spark_transactions("data/shop/*.parquet", spark=spark)  # doctest: +SKIP
>>> loaded.quality[["check", "rows", "action"]]  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from loyaltylab.config.spark import SparkSettings
from loyaltylab.errors import DataValidationError, ParameterError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "PYSPARK_WARNINGS",
    "SparkSource",
    "configured_settings",
    "from_pandas",
    "local_defaults",
    "open_spark_table",
    "quiet_pyspark",
    "read_spark_source",
    "spark_backend",
    "spark_session",
    "spark_table",
    "stop_spark_session",
    "to_pandas",
    "to_spark",
]

#: Warnings pyspark 4.3 raises on pandas 3 that the tests show to be harmless for our calls
#: (message start, category): silenced only inside :func:`quiet_pyspark` and in the workers.
PYSPARK_WARNINGS: tuple[tuple[str, type[Warning]], ...] = (
    ("PySpark does not yet fully support pandas", FutureWarning),
    ("The copy keyword is deprecated", Warning),
)

_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""

_SESSION: dict[str, Any] = {}


@contextlib.contextmanager
def quiet_pyspark() -> Iterator[None]:
    """Silence :data:`PYSPARK_WARNINGS` (and only those) inside the block.

    Examples
    --------
    >>> import warnings
    >>> with quiet_pyspark():
    ...     warnings.warn("PySpark does not yet fully support pandas >= 3.0.0.", FutureWarning)
    """
    with warnings.catch_warnings():
        for message, category in PYSPARK_WARNINGS:
            warnings.filterwarnings("ignore", message=re.escape(message), category=category)
        yield


def _worker_warnings() -> str:
    """``PYTHONWARNINGS`` for the Python workers: ignore :data:`PYSPARK_WARNINGS` by message."""
    return ",".join(
        f"ignore:{message}:{category.__name__ if category is FutureWarning else 'Warning'}"
        for message, category in PYSPARK_WARNINGS
    )


def local_defaults(settings: SparkSettings) -> dict[str, str]:
    """Return the Spark configuration Loyalty Lab sets unless ``settings.conf`` sets the key.

    Parameters
    ----------
    settings : SparkSettings

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> local_defaults(SparkSettings(master="local[2]"))["spark.sql.shuffle.partitions"]
    '4'
    >>> "spark.ui.enabled" in local_defaults(SparkSettings(master="yarn"))
    False
    """
    conf = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.log.level": "ERROR",
        "spark.executorEnv.PYTHONWARNINGS": _worker_warnings(),
    }
    if settings.is_local:
        threads = re.match(r"^local\[(\d+)", settings.master)
        count = int(threads.group(1)) if threads else os.cpu_count() or 2
        conf["spark.sql.shuffle.partitions"] = str(max(2, 2 * count))
        conf["spark.default.parallelism"] = str(max(2, 2 * count))
        conf["spark.ui.enabled"] = "false"
        conf["spark.ui.showConsoleProgress"] = "false"
    return conf


def _log_config() -> str:
    path = Path(tempfile.gettempdir()) / "loyaltylab-spark-log4j2.properties"
    if not path.is_file() or path.read_text() != _LOG4J:
        path.write_text(_LOG4J)
    return str(path)


def configured_settings() -> SparkSettings:
    """Return the ``spark:`` section of the project's ``reports.yaml`` (defaults without one).

    Only that section is read and validated, so a notebook on Spark does not depend on the rest
    of the file.

    Returns
    -------
    SparkSettings

    Raises
    ------
    loyaltylab.errors.ConfigError
        The section is invalid (named by its YAML path, e.g. ``spark.master``).

    Examples
    --------
    >>> configured_settings().master  # doctest: +SKIP
    'local[2]'
    """
    from loyaltylab.config.base import validate_model
    from loyaltylab.config.model import read_config_file
    from loyaltylab.paths import reports_config

    path = reports_config()
    if not path.is_file():
        return SparkSettings()
    raw = read_config_file(path)
    section = raw.get("spark") if isinstance(raw, dict) else None
    settings: SparkSettings = validate_model(
        SparkSettings, section or {}, root="spark", source=path.name
    )
    return settings


def spark_session(settings: SparkSettings | Mapping[str, Any] | None = None) -> SparkSession:
    """Return the Spark session for ``settings``, built once per process and cached.

    Parameters
    ----------
    settings : SparkSettings or mapping, optional
        Master, application name and extra configuration; a mapping is validated as
        :class:`SparkSettings`. ``None``: the session already built, or one with the ``spark:``
        section of the project's ``reports.yaml`` (:func:`configured_settings`).

    Returns
    -------
    pyspark.sql.SparkSession
        The cached session when the settings are those it was built with; otherwise the old
        session is stopped and a new one built (Spark allows one per process).

    Raises
    ------
    loyaltylab.errors.ParameterError
        Invalid settings, or pyspark is not installed.

    Examples
    --------
    >>> spark = spark_session({"master": "local[1]"})  # doctest: +SKIP
    >>> spark.conf.get("spark.sql.session.timeZone")  # doctest: +SKIP
    'UTC'
    """
    from loyaltylab.config.base import validate_model

    if settings is None:
        cached = _SESSION.get("session")
        if cached is not None and _alive(cached):
            return cached
        settings = configured_settings()
    elif not isinstance(settings, SparkSettings):
        settings = validate_model(SparkSettings, dict(settings), root="spark")
    assert isinstance(settings, SparkSettings)
    key = repr((settings.master, settings.app_name, sorted(settings.conf.items())))
    cached = _SESSION.get("session")
    if cached is not None and _SESSION.get("key") == key and _alive(cached):
        return cached
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - the spark extra is part of dev
        raise ParameterError(
            "engine 'spark' needs pyspark: install the spark extra (pip install -e '.[spark]')"
        ) from None
    if cached is not None:
        stop_spark_session()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if settings.is_local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    conf = {**local_defaults(settings), **settings.conf}
    log_option = f"-Dlog4j2.configurationFile=file:{_log_config()}"
    java_options = conf.get("spark.driver.extraJavaOptions", "")
    if "log4j2.configurationFile" not in java_options:
        conf["spark.driver.extraJavaOptions"] = f"{java_options} {log_option}".strip()
    builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
    for name, value in conf.items():
        builder = builder.config(name, value)
    with quiet_pyspark():
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    _SESSION.update(session=session, key=key)
    return session


def _alive(session: Any) -> bool:
    try:
        return session.sparkContext._jsc is not None
    except Exception:  # pragma: no cover - a session whose JVM is gone
        return False


def stop_spark_session() -> None:
    """Stop the cached session (if any); the next :func:`spark_session` builds a new one."""
    session = _SESSION.pop("session", None)
    _SESSION.pop("key", None)
    _SESSION.pop("backend", None)
    if session is not None:
        session.stop()


def spark_backend(spark: SparkSession | None = None) -> Any:
    """Return the Ibis backend on ``spark`` (default: :func:`spark_session`), cached with it.

    The portable expressions of :mod:`loyaltylab.engine.expressions` run on it unchanged.
    """
    import ibis

    session = spark if spark is not None else spark_session()
    cached = _SESSION.get("backend")
    if cached is not None and cached[0] is session:
        return cached[1]
    with quiet_pyspark():
        backend = ibis.pyspark.connect(session)
    _SESSION["backend"] = (session, backend)
    return backend


def spark_table(frame: DataFrame) -> tuple[Any, Any]:
    """Return (Ibis backend, Ibis table) of a Spark DataFrame (a temporary view of it).

    Parameters
    ----------
    frame : pyspark.sql.DataFrame

    Returns
    -------
    tuple
        The backend of ``frame``'s session and the table expression over it.
    """
    import uuid

    backend = spark_backend(frame.sparkSession)
    name = f"loyaltylab_{uuid.uuid4().hex[:12]}"
    frame.createOrReplaceTempView(name)
    return backend, backend.table(name)


def to_spark(backend: Any, expr: Any) -> DataFrame:
    """Compile an Ibis expression for ``backend`` and return it as a (lazy) Spark DataFrame."""
    session = backend._session
    with quiet_pyspark():
        frame: DataFrame = session.sql(str(backend.compile(expr)))
    return frame


def open_spark_table(name: str, settings: SparkSettings | Mapping[str, Any] | None = None) -> Any:
    """Open a table of the Spark catalog, or a file Spark reads, as an ``EngineTable``.

    ``spark:<table>`` and ``spark:<path>`` sources of :func:`loyaltylab.engine.open_source` come
    here (so a notebook's ``transactions: "spark:data/sales/*.parquet"`` runs its loading on
    Spark); a file is registered as a temporary view of the session.

    Parameters
    ----------
    name : str
        ``table`` or ``db.table`` of the session's catalog, or a Parquet/CSV path, folder, glob
        or URI (:func:`read_spark_source`).
    settings : SparkSettings or mapping, optional
        For :func:`spark_session`.

    Returns
    -------
    loyaltylab.engine.EngineTable
        Engine ``"spark"``, the Ibis backend on the session and the table.

    Raises
    ------
    loyaltylab.errors.DataValidationError
        No such table (the message lists the catalog's tables).
    """
    from loyaltylab.engine.backends import EngineTable

    session = spark_session(settings)
    source = read_spark_source(name, session)
    backend = spark_backend(session)
    if source.kind == "table":
        return EngineTable(backend, backend.table(name), "spark", f"spark:{name}")
    view = "loyaltylab_source_" + hashlib.sha1(name.encode()).hexdigest()[:12]
    source.frame.createOrReplaceTempView(view)
    return EngineTable(backend, backend.table(view), "spark", f"spark:{name}")


# ----------------------------------------------------------------------------------------------
# sources

_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".txt", ".tsv")
_COMPRESSED = (".gz", ".bz2", ".zst", ".lz4", ".snappy", ".deflate")
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$")


@dataclass(frozen=True)
class SparkSource:
    """A source read by Spark: the frame, what it is, and how it was read.

    Attributes
    ----------
    frame : pyspark.sql.DataFrame
        The source as Spark reads it (CSV: every column as text).
    name : str
        The source as given (table name or path).
    kind : {"table", "parquet", "csv", "dataframe"}
    options : dict
        Spark reader options used (CSV header, delimiter, encoding).
    """

    frame: DataFrame
    name: str
    kind: str
    options: dict[str, str] = field(default_factory=dict)


def read_spark_source(
    source: str | os.PathLike[str] | DataFrame,
    spark: SparkSession,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> SparkSource:
    """Read a Spark table, a Parquet file/folder/glob or a CSV file with Spark (never pandas).

    Parameters
    ----------
    source : str, path-like or pyspark.sql.DataFrame
        ``db.table`` or ``table`` (a table of the session's catalog), a path or glob ending in
        ``.parquet``/``.pq`` or a folder (Parquet), a URI Spark reads (``s3a://``, ``hdfs://``,
        ``abfss://``: Parquet unless it ends in ``.csv``), or a path or glob ending in ``.csv``,
        ``.txt``, ``.tsv`` (optionally compressed, e.g. ``.csv.gz``; read with a header, every
        column as text, so the loader's rules parse the values). A Spark DataFrame is used as is.
    spark : pyspark.sql.SparkSession
    delimiter : str, optional
        CSV field separator (default ``","``, a tab for ``.tsv``).
    encoding : str, optional
        CSV encoding (default UTF-8).

    Returns
    -------
    SparkSource

    Raises
    ------
    loyaltylab.errors.DataValidationError
        A path that matches no file, a name that is no table, or a format Spark cannot tell.
    """
    if not isinstance(source, str | os.PathLike):
        if not hasattr(source, "schema"):
            raise ParameterError(
                "parameter 'transactions' on Spark must be a table name, a Parquet/CSV path or "
                f"a Spark DataFrame, got {type(source).__name__}"
            )
        return SparkSource(frame=source, name="Spark DataFrame", kind="dataframe")
    text = os.fspath(source).strip()
    path = Path(text).expanduser()
    lowered = text.lower()
    for suffix in _COMPRESSED:
        lowered = lowered.removesuffix(suffix)
    has_glob = any(mark in text for mark in "*?[")
    remote = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text) is not None  # s3a://, hdfs://, ...
    if remote and not lowered.endswith(_CSV):
        return SparkSource(frame=spark.read.parquet(text), name=text, kind="parquet")
    if (
        not remote
        and not has_glob
        and not path.exists()
        and _TABLE_NAME.match(text)
        and "/" not in text
    ):
        if not spark.catalog.tableExists(text):
            tables = [table.name for table in spark.catalog.listTables()][:20]
            raise DataValidationError(
                f"transactions source {text!r} is neither a file nor a table of the Spark "
                f"catalog (tables: {tables}); give a Parquet/CSV path or a table name"
            )
        return SparkSource(frame=spark.table(text), name=text, kind="table")
    if not remote and not has_glob and not path.exists():
        raise DataValidationError(
            f"transactions file {text!r} does not exist (relative paths are read from {Path.cwd()})"
        )
    if not remote and (path.is_dir() or lowered.endswith(_PARQUET)):
        try:
            frame = spark.read.parquet(text)
        except Exception as error:  # pyspark's AnalysisException
            if "NANOS" not in str(error):
                raise
            raise DataValidationError(
                f"transactions file {text!r} stores timestamps in nanoseconds, which Spark cannot "
                "read; write it with microseconds (pandas: frame.to_parquet(path, "
                "coerce_timestamps='us', allow_truncated_timestamps=True))"
            ) from None
        return SparkSource(frame=frame, name=text, kind="parquet")
    if lowered.endswith(_CSV):
        sep = delimiter or ("\t" if lowered.endswith(".tsv") else ",")
        options = {"header": "true", "sep": sep, "encoding": encoding or "UTF-8"}
        options |= {"inferSchema": "false", "mode": "PERMISSIVE", "multiLine": "false"}
        frame = spark.read.options(**options).csv(text)
        return SparkSource(frame=frame, name=text, kind="csv", options=options)
    raise DataValidationError(
        f"transactions source {text!r}: Spark reads Parquet (.parquet, .pq, a folder) and CSV "
        "(.csv, .txt, .tsv, optionally .gz); rename the file or convert it"
    )


def from_pandas(spark: SparkSession, frame: pd.DataFrame) -> DataFrame:
    """``spark.createDataFrame(frame)`` with Arrow and the pandas-3 warnings of pyspark silenced.

    For small frames (tests, examples): a large log belongs in a file or table Spark reads.
    """
    with quiet_pyspark():
        result: DataFrame = spark.createDataFrame(frame)
    return result


def to_pandas(frame: DataFrame) -> pd.DataFrame:
    """``frame.toPandas()`` with Arrow and the pandas-3 warnings of pyspark silenced."""
    with quiet_pyspark():
        result: pd.DataFrame = frame.toPandas()
    return result
