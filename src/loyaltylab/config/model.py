"""The one typed model of ``reports.yaml`` (:class:`LoyaltyConfig`) and its loader.

``reports.yaml`` has five sections, each typed by one model:

- ``settings``: :class:`~loyaltylab.config.reports.RunSettings`, the limits of a report run;
- ``data`` (optional): ``{name: DataSource}`` (:mod:`~loyaltylab.config.data`), data sources
  that reports name (``data: shop``) and notebooks look up by name;
- ``reports``: :class:`~loyaltylab.config.reports.ReportSpec`, what the runner executes;
- ``programs``: ``ProgramConfig`` (:mod:`~loyaltylab.config.programs`, one model per ``kind``),
  the reward-program designs :mod:`loyaltylab.rewards` simulates;
- ``targets``: :class:`~loyaltylab.config.targets.TargetConfig`, the SMART targets
  :mod:`loyaltylab.targets` scores;
- ``spark`` (optional): :class:`~loyaltylab.config.spark.SparkSettings`, where Spark runs for
  sources on the Spark engine (``spark:TABLE``; :func:`loyaltylab.engine.spark.spark_session`).

:func:`load_config` reads the file once with :func:`loyaltylab.config.yaml.load_yaml` (dates
stay strings, a key written twice is an error) and validates every section; every problem is
named by its YAML path (``reports[1].parameters: ...``, ``targets[0].deadline: ...``) in one
:class:`~loyaltylab.errors.ConfigError`, before any notebook runs.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from loyaltylab.config.base import ConfigModel, config_error
from loyaltylab.config.data import DataSource, check_source_names
from loyaltylab.config.programs import ProgramList
from loyaltylab.config.reports import (
    ReportSpec,
    RunSettings,
    resolve_report_data,
    unique_reports,
)
from loyaltylab.config.spark import SparkSettings
from loyaltylab.config.targets import TargetConfig, unique_targets
from loyaltylab.config.yaml import load_yaml
from loyaltylab.errors import ConfigError

__all__ = ["SECTIONS", "LoyaltyConfig", "load_config", "read_config_file"]

SECTIONS = ("settings", "data", "reports", "programs", "targets", "spark")
"""Top-level sections of ``reports.yaml``."""


def _or_empty_list(value: Any) -> Any:
    return () if value is None else value


def _or_empty_mapping(value: Any) -> Any:
    return {} if value is None else value


class LoyaltyConfig(ConfigModel):
    """A validated ``reports.yaml``.

    Attributes
    ----------
    settings : RunSettings
        Limits of a report run.
    data : dict of str to DataSource
        Named data sources (optional section).
    reports : tuple of ReportSpec
        The reports, in file order; names unique.
    programs : tuple of ProgramConfig or None
        The reward-program designs (:mod:`loyaltylab.config.programs`, one model per ``kind``);
        ``None`` when the file has no ``programs:`` section.
    targets : tuple of TargetConfig
        The SMART targets; names and metrics unique.
    spark : SparkSettings
        Spark master, application name and configuration (default: local mode, ``local[2]``).
    path : pathlib.Path or None
        The file read (``None`` for a config built from a mapping).
    root : pathlib.Path
        The folder relative notebook paths are resolved against and notebooks run in.

    Examples
    --------
    >>> config = LoyaltyConfig.model_validate({"targets": []})
    >>> config.reports, config.settings.timeout_minutes
    ((), 20.0)
    """

    settings: Annotated[RunSettings, BeforeValidator(_or_empty_mapping)] = RunSettings()
    data: Annotated[dict[str, DataSource], BeforeValidator(_or_empty_mapping)] = {}
    reports: Annotated[tuple[ReportSpec, ...], BeforeValidator(_or_empty_list)] = ()
    programs: ProgramList | None = None
    targets: Annotated[tuple[TargetConfig, ...], BeforeValidator(_or_empty_list)] = ()
    spark: Annotated[SparkSettings, BeforeValidator(_or_empty_mapping)] = SparkSettings()
    _path: Path | None = PrivateAttr(default=None)
    _root: Path = PrivateAttr(default_factory=Path.cwd)

    _unique_reports = field_validator("reports")(unique_reports)

    @field_validator("reports")
    @classmethod
    def _report_data(
        cls, reports: tuple[ReportSpec, ...], info: ValidationInfo
    ) -> tuple[ReportSpec, ...]:
        return resolve_report_data(reports, info.data.get("data"))

    _unique_targets = field_validator("targets")(unique_targets)
    _safe_sources = field_validator("data")(check_source_names)

    @property
    def path(self) -> Path | None:
        """The ``reports.yaml`` read, or ``None`` for a config built from a mapping."""
        return self._path

    @property
    def root(self) -> Path:
        """The folder notebook paths are resolved against (the folder of ``reports.yaml``)."""
        return self._root

    def data_source(self, name: str) -> DataSource:
        """Return the data source called ``name`` of the ``data:`` section.

        Parameters
        ----------
        name : str

        Returns
        -------
        DataSource

        Raises
        ------
        ConfigError
            If no source has that name (the message lists the names there are).
        """
        if name not in self.data:
            raise ConfigError(
                f"data source {name!r} is not in the 'data:' section of "
                f"{self.path or 'the config'}; it defines {sorted(self.data)}"
            )
        return self.data[name]


def read_config_file(path: str | os.PathLike[str]) -> Any:
    """Read a YAML config file with the project's one reader (cached per file version).

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    Any
        The plain data (a fresh copy: callers may change it).

    Raises
    ------
    ConfigError
        If the file cannot be read, is not YAML or repeats a key in a mapping.
    """
    source = Path(path).expanduser().resolve()
    try:
        stat = source.stat()
    except OSError as error:
        raise ConfigError(f"cannot read the reports config {source}: {error}") from None
    import copy

    return copy.deepcopy(_read_cached(str(source), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=32)
def _read_cached(path: str, mtime_ns: int, size: int) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the reports config {path}: {error}") from None
    return load_yaml(text, source=path)


def load_config(
    path: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    kpi_metrics: Collection[str] | None = None,
) -> LoyaltyConfig:
    """Read and validate ``reports.yaml`` (every section, one error naming every problem).

    Parameters
    ----------
    path : path-like or mapping, optional
        The YAML file (default: the project's, :func:`loyaltylab.paths.reports_config`) or an
        already parsed mapping.
    root : path-like, optional
        Folder relative notebook paths are resolved against (default: the folder of ``path``;
        the working directory for a mapping).
    kpi_metrics : collection of str, optional
        If given, a target without ``source`` must use one of these metric names
        (:data:`loyaltylab.targets.KPI_METRICS`).

    Returns
    -------
    LoyaltyConfig

    Raises
    ------
    ConfigError
        The file cannot be read or is not YAML, a key is written twice, a section or key is
        unknown, or a value is invalid; each problem named by its YAML path.

    Examples
    --------
    >>> config = load_config()  # doctest: +SKIP
    >>> [report.name for report in config.reports][:1]  # doctest: +SKIP
    ['clv_cdnow']
    """
    if isinstance(path, Mapping):
        raw: Any = path
        file: Path | None = None
        base = Path(root) if root is not None else Path.cwd()
    else:
        if path is None:
            from loyaltylab.paths import reports_config

            path = reports_config()
        file = Path(path).expanduser().resolve()
        raw = read_config_file(file)
        base = Path(root) if root is not None else file.parent
    where = str(file) if file is not None else "the reports config"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping with sections {list(SECTIONS)}, got {raw!r}")
    context = {
        "root": base.resolve(),
        "kpi_metrics": None if kpi_metrics is None else frozenset(kpi_metrics),
    }
    try:
        config = LoyaltyConfig.model_validate(raw, context=context)
    except ValidationError as error:
        raise config_error(error, source=where) from None
    config._path = file
    config._root = base.resolve()
    return config
