"""``loyaltylab.config``: the one typed model of ``reports.yaml``, read once.

- :mod:`loyaltylab.config.yaml`: the one YAML/JSON reader (dates stay strings, duplicate keys
  rejected).
- :mod:`loyaltylab.config.base`: :class:`ConfigModel` (frozen, unknown keys forbidden) and
  :func:`config_error`, which names every problem by its YAML path.
- :mod:`loyaltylab.config.model`: :class:`LoyaltyConfig` (settings, data, reports, programs,
  targets) and :func:`load_config`.
- :mod:`loyaltylab.config.reports`, :mod:`~loyaltylab.config.targets`,
  :mod:`~loyaltylab.config.data`, :mod:`~loyaltylab.config.spark`: the models of the sections.

>>> from loyaltylab.config import load_config
>>> config = load_config()  # doctest: +SKIP
>>> config.settings.timeout_minutes  # doctest: +SKIP
20.0
"""

from loyaltylab.config.base import ConfigModel, config_error, error_path, validate_model
from loyaltylab.config.data import DataSource
from loyaltylab.config.model import SECTIONS, LoyaltyConfig, load_config, read_config_file
from loyaltylab.config.programs import (
    ProgramConfig,
    ProgramList,
    validate_program,
    validate_programs,
)
from loyaltylab.config.reports import ReportSpec, RunSettings, notebook_parameters
from loyaltylab.config.spark import SparkSettings
from loyaltylab.config.targets import TargetConfig, validate_targets
from loyaltylab.config.yaml import load_json, load_yaml, parse_yaml_value

__all__ = [
    "SECTIONS",
    "ConfigModel",
    "DataSource",
    "LoyaltyConfig",
    "ProgramConfig",
    "ProgramList",
    "ReportSpec",
    "RunSettings",
    "SparkSettings",
    "TargetConfig",
    "config_error",
    "error_path",
    "load_config",
    "load_json",
    "load_yaml",
    "notebook_parameters",
    "parse_yaml_value",
    "read_config_file",
    "validate_model",
    "validate_program",
    "validate_programs",
    "validate_targets",
]
