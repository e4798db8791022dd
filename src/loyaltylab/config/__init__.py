"""``loyaltylab.config``: the one typed model of ``reports.yaml``, read once.

- :mod:`loyaltylab.config.yaml`: the one YAML/JSON reader (dates stay strings, duplicate keys
  rejected).
- :mod:`loyaltylab.config.base`: :class:`ConfigModel` (frozen, unknown keys forbidden) and
  :func:`config_error`, which names every problem by its YAML path.
"""

from loyaltylab.config.base import ConfigModel, config_error, error_path, validate_model
from loyaltylab.config.yaml import load_json, load_yaml, parse_yaml_value

__all__ = [
    "ConfigModel",
    "config_error",
    "error_path",
    "validate_model",
    "load_json",
    "load_yaml",
    "parse_yaml_value",
]
