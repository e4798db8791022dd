"""Reward-program configurations for the simulator (the models live in ``loyaltylab.config``).

The typed models of every program part and the six program kinds are in
:mod:`loyaltylab.config.programs`, the one home of the ``programs:`` section of
``reports.yaml``; its public names (``loyaltylab.config.programs.__all__``, the one list) are
re-exported here so ``from loyaltylab.rewards.config import PointsRules, ProgramConfig`` keeps
working. :func:`load_programs` reads the section through the
one reader and model of ``reports.yaml`` (:func:`loyaltylab.config.load_config`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from loyaltylab.config import programs
from loyaltylab.config.model import load_config
from loyaltylab.config.programs import *  # noqa: F403  (the one list: programs.__all__)
from loyaltylab.config.programs import ProgramConfig, validate_programs
from loyaltylab.errors import ConfigError

__all__ = ["load_programs"]
__all__ += programs.__all__


def load_programs(
    config: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> tuple[ProgramConfig, ...]:
    """Load and validate the ``programs:`` section of ``reports.yaml`` (or a given config).

    A file or a mapping is read by :func:`loyaltylab.config.load_config`, the one reader and
    model of ``reports.yaml``, so the whole file is checked as the report runner checks it.

    Parameters
    ----------
    config : path, mapping, list of mappings or None
        A YAML file (default: the project's ``reports.yaml``), a mapping with a ``programs`` key,
        or the list of program mappings itself.

    Returns
    -------
    tuple of ProgramConfig

    Raises
    ------
    ConfigError
        If the file cannot be read, the section is missing or empty, a name repeats, or any
        program is invalid; each problem named by its YAML path (``programs[2].points...``).

    Examples
    --------
    >>> [program.kind for program in load_programs()][:2]
    ['points', 'tiered']
    """
    if isinstance(config, Sequence) and not isinstance(config, str | bytes):
        return validate_programs(config)
    loaded = load_config(config)
    if loaded.programs is None:
        where = f" of {loaded.path}" if loaded.path is not None else ""
        raise ConfigError(
            f"no 'programs:' section in the configuration{where}; add a list of programs "
            "(see the programs section of the project's reports.yaml)"
        )
    return loaded.programs
