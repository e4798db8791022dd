"""The ``spark:`` settings of a report or notebook that runs on Spark (``engine: spark``).

A run on Spark says where the cluster is and how to configure the session once::

    spark:
      master: local[2]              # default: Spark in this process, 2 worker threads
      app_name: loyaltylab          # shown in the Spark UI
      conf:                         # any Spark configuration key, passed on as given
        spark.executor.memory: 4g
        spark.sql.shuffle.partitions: 200

``master`` is a Spark master URL (``local[N]``, ``local[*]``, ``spark://host:7077``, ``yarn``,
``k8s://...``); ``conf`` keys must start with ``spark.`` and their values are plain scalars
(written to Spark as strings). :func:`loyaltylab.engine.spark.spark_session` builds (and caches)
the session from a :class:`SparkSettings`; defaults for local mode (few shuffle partitions, UTC
session time zone, no UI) apply unless ``conf`` sets them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints, field_validator

from loyaltylab.config.base import ConfigModel

__all__ = ["DEFAULT_MASTER", "SparkSettings"]

DEFAULT_MASTER = "local[2]"
"""Spark in the driver process with two worker threads (the machines this project runs on)."""

_MASTER = re.compile(r"^(local(\[(\d+|\*)(,\d+)?\])?|spark://\S+|yarn|k8s://\S+|mesos://\S+)$")
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _none_to_empty(value: Any) -> Any:
    return {} if value is None else value


class SparkSettings(ConfigModel):
    """Where Spark runs and how its session is configured.

    Attributes
    ----------
    master : str, default "local[2]"
        Spark master URL: ``local[N]`` / ``local[*]`` (local mode), ``spark://host:port``,
        ``yarn`` or ``k8s://...``.
    app_name : str, default "loyaltylab"
        Application name (Spark UI, cluster manager).
    conf : dict of str to str
        Extra Spark configuration (``spark.*`` keys; numbers and booleans are written as text).

    Examples
    --------
    >>> SparkSettings.model_validate({"conf": {"spark.sql.shuffle.partitions": 8}}).conf
    {'spark.sql.shuffle.partitions': '8'}
    >>> SparkSettings().master
    'local[2]'
    """

    master: _Text = DEFAULT_MASTER
    app_name: _Text = "loyaltylab"
    conf: Annotated[dict[str, str], BeforeValidator(_none_to_empty)] = {}

    @field_validator("master")
    @classmethod
    def _known_master(cls, master: str) -> str:
        if not _MASTER.match(master):
            raise ValueError(
                f"Spark master {master!r} is not a master URL; use local[2], local[*], "
                "spark://host:7077, yarn or k8s://https://host:port"
            )
        return master

    @field_validator("conf", mode="before")
    @classmethod
    def _as_text(cls, conf: Any) -> Any:
        if not isinstance(conf, dict):
            return conf
        bad = [key for key in conf if not (isinstance(key, str) and key.startswith("spark."))]
        if bad:
            raise ValueError(
                f"Spark conf keys must start with 'spark.', got {bad[:5]} "
                "(e.g. spark.executor.memory: 4g)"
            )
        text: dict[str, Any] = {}
        for key, value in conf.items():
            if isinstance(value, bool):
                text[key] = "true" if value else "false"
            elif isinstance(value, int | float | str):
                text[key] = str(value)
            else:
                raise ValueError(
                    f"Spark conf {key!r} must be a number, a boolean or text, got "
                    f"{type(value).__name__}"
                )
        return text

    @property
    def is_local(self) -> bool:
        """Whether Spark runs in this process (``local`` master)."""
        return self.master.startswith("local")
