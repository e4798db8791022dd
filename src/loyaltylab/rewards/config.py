"""Reward-program configurations for the simulator (the models live in ``loyaltylab.config``).

The typed models of every program part and the six program kinds are in
:mod:`loyaltylab.config.programs`, the one home of the ``programs:`` section of
``reports.yaml``; they are re-exported here so ``from loyaltylab.rewards.config import
PointsRules, ProgramConfig`` keeps working. :func:`load_programs` reads the section through the
project's one YAML reader.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from loyaltylab.config.programs import (
    DOWNGRADE_MODES,
    EXPIRY_POLICIES,
    PROGRAM_KINDS,
    TIER_METRICS,
    Campaign,
    CampaignProgram,
    Cashback,
    CashbackProgram,
    Coalition,
    CoalitionProgram,
    Economics,
    PaidMembership,
    PaidProgram,
    PointsProgram,
    PointsRules,
    ProgramBase,
    ProgramConfig,
    Reward,
    Tier,
    TieredProgram,
    TierRules,
    program_from_mapping,
    validate_program,
    validate_programs,
)
from loyaltylab.config.yaml import load_yaml
from loyaltylab.errors import ConfigError

__all__ = [
    "DOWNGRADE_MODES",
    "EXPIRY_POLICIES",
    "PROGRAM_KINDS",
    "TIER_METRICS",
    "Campaign",
    "CampaignProgram",
    "Cashback",
    "CashbackProgram",
    "Coalition",
    "CoalitionProgram",
    "Economics",
    "PaidMembership",
    "PaidProgram",
    "PointsProgram",
    "PointsRules",
    "ProgramBase",
    "ProgramConfig",
    "Reward",
    "Tier",
    "TierRules",
    "TieredProgram",
    "load_programs",
    "program_from_mapping",
    "validate_program",
    "validate_programs",
]


def load_programs(
    config: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
) -> tuple[ProgramConfig, ...]:
    """Load and validate the ``programs:`` section of ``reports.yaml`` (or a given config).

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
    source = ""
    if config is None:
        from loyaltylab.paths import reports_config

        config = reports_config()
    if isinstance(config, str | os.PathLike):
        path = Path(config)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"cannot read program configurations from {path}: {error}") from None
        source = path.name
        config = load_yaml(text, source=source) or {}
    if isinstance(config, Mapping):
        if "programs" not in config:
            where = f" of {source}" if source else ""
            raise ConfigError(
                f"no 'programs:' section in the configuration{where}; add a list of programs "
                "(see the programs section of the project's reports.yaml)"
            )
        entries: Any = config["programs"]
    else:
        entries = config
    return validate_programs(entries, source=source)
