"""The ``targets:`` section of ``reports.yaml``: one typed model of a SMART target.

A target names the number that should move (``metric``), from where (a baseline period
``baseline_start``..``baseline_end`` and/or a ``baseline`` value), how far (exactly one of an
absolute ``target_value`` and a ``relative_change`` such as ``0.20`` for +20 %), by when
(``deadline``) and who answers for it (``owner``). :class:`TargetConfig` checks each entry;
:func:`validate_targets` checks a list (names and metrics unique) and raises one
:class:`~loyaltylab.errors.ConfigError` naming every problem by its YAML path
(``targets[2].deadline: ...``). What a target *means* (its goal, which direction is better, the
scorecard) lives in :mod:`loyaltylab.targets`.

Dates are read with the project's one date rule, as a day (midnight, no time zone): the same
``2025-12-31`` gives the same value whichever section of ``reports.yaml`` it is written in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BeforeValidator,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from loyaltylab.config.base import ConfigModel, config_error
from loyaltylab.errors import LoyaltyLabError
from loyaltylab.rules import as_day

__all__ = [
    "DIRECTIONS",
    "Day",
    "FiniteNumber",
    "TargetConfig",
    "TargetsSection",
    "duplicate_target_problems",
    "unique_targets",
    "validate_targets",
]

DIRECTIONS = ("increase", "decrease")
"""Allowed values of ``direction``: which way the metric should move."""


def _blank_to_none(value: Any) -> Any:
    """``None`` for an empty YAML value (``key:`` or ``key: ""``), the value otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _as_day(value: Any) -> pd.Timestamp:
    """Read a date with the project's one date rule (:func:`loyaltylab.rules.as_day`)."""
    try:
        return as_day(value, "date")
    except LoyaltyLabError:
        raise PydanticCustomError(
            "date", "not a date; write it as YYYY-MM-DD (or a yyyymmdd number)"
        ) from None


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("number", "must be a number, not a yes/no value")
    return value


Day = Annotated[pd.Timestamp, PlainValidator(_as_day)]
"""A date of ``reports.yaml`` (``2025-12-31``) as a timezone-naive :class:`pandas.Timestamp`."""

FiniteNumber = Annotated[float, BeforeValidator(_not_bool), Field(allow_inf_nan=False)]
"""A finite number (``yes``/``no`` are not numbers)."""

_OptionalDay = Annotated[Day | None, BeforeValidator(_blank_to_none)]
_OptionalNumber = Annotated[FiniteNumber | None, BeforeValidator(_blank_to_none)]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_OptionalText = Annotated[_Text | None, BeforeValidator(_blank_to_none)]
_Direction = Annotated[Literal["increase", "decrease"] | None, BeforeValidator(_blank_to_none)]
_FreeText = Annotated[str, BeforeValidator(lambda value: "" if value is None else value)]


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("target", message)


class TargetConfig(ConfigModel):
    """One entry of the ``targets:`` list, validated.

    Attributes
    ----------
    name : str
        Short identifier, e.g. ``"retention_plus_20"``.
    metric : str
        A KPI name of :mod:`loyaltylab.kpi` or, with ``source``, a dotted key of that report's
        metrics file (``"clv.total"``).
    deadline : pandas.Timestamp
        Date by which the goal should be reached (after the baseline period).
    owner : str
        Who answers for the target.
    baseline_start, baseline_end : pandas.Timestamp or None
        The baseline period (both ends included); both or neither.
    baseline : float or None
        Baseline value given explicitly; otherwise computed over the baseline period.
    target_value : float or None
        Absolute goal (exactly one of ``target_value`` and ``relative_change``).
    relative_change : float or None
        Goal relative to the baseline, ``0.20`` = +20 %; more than -1.
    source : str or None
        Report name (a ``reports`` entry's ``name``) whose metrics file holds ``metric``.
    direction : {"increase", "decrease"} or None
        Which way is better; inferred by :mod:`loyaltylab.targets` when absent.
    description : str
        Free text shown on the scorecard.
    unit : str
        Unit of the metric for the chart.

    Notes
    -----
    When validated with ``context={"kpi_metrics": names}``, a target without ``source`` must
    use one of ``names`` (the KPIs the scorecard can compute).

    Examples
    --------
    >>> target = TargetConfig.model_validate({
    ...     "name": "aov_plus_15", "metric": "aov", "baseline": 40.0, "relative_change": 0.15,
    ...     "deadline": "2026-12-31", "owner": "Category management"})
    >>> target.deadline
    Timestamp('2026-12-31 00:00:00')
    """

    name: _Text
    metric: _Text
    deadline: Day
    owner: _Text
    baseline_start: _OptionalDay = None
    baseline_end: _OptionalDay = None
    baseline: _OptionalNumber = None
    target_value: _OptionalNumber = None
    relative_change: _OptionalNumber = None
    source: _OptionalText = None
    direction: _Direction = None
    description: _FreeText = ""
    unit: _FreeText = ""

    @model_validator(mode="after")
    def _check_target(self, info: ValidationInfo) -> TargetConfig:
        problems = _target_problems(self, (info.context or {}).get("kpi_metrics"))
        if problems:
            raise _problem(f"target {self.name!r}: " + "; ".join(problems))
        return self


def _target_problems(target: TargetConfig, kpi_metrics: Collection[str] | None) -> list[str]:
    problems: list[str] = []
    if kpi_metrics is not None and target.source is None and target.metric not in kpi_metrics:
        problems.append(
            f"unknown metric {target.metric!r}: use a KPI name {sorted(kpi_metrics)} or name the "
            "report whose metrics file holds it with 'source'"
        )
    start, end = target.baseline_start, target.baseline_end
    if (start is None) != (end is None):
        problems.append("the baseline period needs both 'baseline_start' and 'baseline_end'")
    if start is not None and end is not None and end < start:
        problems.append(f"baseline_end {end.date()} is before baseline_start {start.date()}")
    if (target.target_value is None) == (target.relative_change is None):
        problems.append("give exactly one of 'target_value' and 'relative_change'")
    relative = target.relative_change
    if relative is not None:
        if relative <= -1.0:
            problems.append(
                f"'relative_change' must be > -1 (a fraction: 0.2 = +20 %), got {relative}"
            )
        if target.baseline is None and start is None:
            problems.append(
                "relative target without baseline: give a 'baseline' value or a baseline period "
                "('baseline_start', 'baseline_end')"
            )
    latest = end if end is not None else start
    if latest is not None and target.deadline <= latest:
        problems.append(
            f"deadline {target.deadline.date()} is not after the baseline period ending "
            f"{latest.date()}"
        )
    return problems


def duplicate_target_problems(targets: Sequence[TargetConfig]) -> list[str]:
    """Name every target name or metric used twice (the scorecard keys results by both).

    Parameters
    ----------
    targets : sequence of TargetConfig

    Returns
    -------
    list of str
        One sentence per repeated key; empty when names and metrics are unique.
    """
    problems = []
    for key in ("name", "metric"):
        values = [getattr(target, key) for target in targets]
        for value in sorted({value for value in values if values.count(value) > 1})[:5]:
            where = [f"targets[{i}]" for i, item in enumerate(values) if item == value]
            problems.append(
                f"duplicate target {key} {value!r} in {' and '.join(where)} (the scorecard keys "
                f"results by {key}; give one target per {key})"
            )
    return problems


class TargetsSection(ConfigModel):
    """The ``targets:`` list on its own (what :func:`validate_targets` checks)."""

    targets: tuple[TargetConfig, ...] = ()

    @field_validator("targets")
    @classmethod
    def _unique(cls, targets: tuple[TargetConfig, ...]) -> tuple[TargetConfig, ...]:
        return unique_targets(targets)


def unique_targets(targets: tuple[TargetConfig, ...]) -> tuple[TargetConfig, ...]:
    """Return ``targets`` if names and metrics are unique (a validator of the ``targets`` list).

    Raises
    ------
    pydantic_core.PydanticCustomError
        Naming each repeated name or metric and where it is.
    """
    problems = duplicate_target_problems(targets)
    if problems:
        raise _problem("; ".join(problems))
    return targets


def validate_targets(
    entries: Any,
    *,
    kpi_metrics: Collection[str] | None = None,
    source: str = "the targets",
) -> tuple[TargetConfig, ...]:
    """Validate a ``targets:`` list, raising one error that names every problem by YAML path.

    Parameters
    ----------
    entries : list of mappings or None
        The section as read from YAML (``None`` gives ``()``).
    kpi_metrics : collection of str, optional
        Metric names allowed without ``source``; not checked when ``None``.
    source : str, default "the targets"
        Starts the error message (a file name).

    Returns
    -------
    tuple of TargetConfig

    Raises
    ------
    ConfigError
        E.g. ``targets[0].owner: Field required``.

    Examples
    --------
    >>> validate_targets([{"name": "a", "metric": "aov", "target_value": 50,
    ...                    "deadline": "2026-12-31", "owner": "CRM"}])[0].target_value
    50.0
    """
    context = {"kpi_metrics": None if kpi_metrics is None else frozenset(kpi_metrics)}
    try:
        section = TargetsSection.model_validate({"targets": entries or ()}, context=context)
    except ValidationError as error:
        raise config_error(error, source=source) from None
    return section.targets
