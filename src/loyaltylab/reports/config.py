"""The runner's view on ``reports.yaml``: which notebooks run, with which parameters.

``reports.yaml`` is read and validated once by :func:`loyaltylab.config.load_config` (one YAML
reader, one typed model, every problem named by its YAML path). This module adds what only the
runner needs: :class:`ReportsConfig` (select reports for ``--only``, apply ``-p NAME.KEY=VALUE``
overrides checked against the notebooks' declared parameters, list the reports),
:func:`parse_overrides` and :func:`reword_for_report`, which turns a notebook's hint
("set `load: {invalid: drop}` in the notebook parameters ...") into the key of ``reports.yaml``
the user edits for that report (``data.shop.load.invalid: drop``).

A report's ``data:`` source is already part of its parameters here (the config model turns it
into ``transactions``, ``columns``, ``load``, ``members``, ``ledger``), so the runner passes it to
papermill like any parameter.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from loyaltylab.config import LoyaltyConfig, parse_yaml_value
from loyaltylab.config import load_config as load_loyalty_config
from loyaltylab.config.model import SECTIONS
from loyaltylab.config.reports import (
    INJECTED_PARAMETERS,
    ROLES,
    SETTINGS_DEFAULTS,
    ReportSpec,
    RunSettings,
    notebook_parameters,
)
from loyaltylab.errors import ConfigError
from loyaltylab.rules import render_options

__all__ = [
    "INJECTED_PARAMETERS",
    "REPORT_KEYS",
    "ROLES",
    "SECTIONS",
    "SETTINGS_DEFAULTS",
    "ReportSpec",
    "ReportsConfig",
    "RunSettings",
    "load_config",
    "notebook_parameters",
    "parse_overrides",
    "parse_yaml_value",
    "reword_for_report",
]

REPORT_KEYS = tuple(ReportSpec.model_fields)
"""Keys of one entry of the ``reports`` list."""

_MAX_LISTED = 20


@dataclass(frozen=True)
class ReportsConfig:
    """The reports of a validated ``reports.yaml``, as the runner uses them.

    Attributes
    ----------
    config : LoyaltyConfig
        The whole validated file (settings, data, reports, programs, targets).
    reports : tuple of ReportSpec
        The ``reports`` section in file order, with any ``-p`` overrides applied.
    """

    config: LoyaltyConfig
    reports: tuple[ReportSpec, ...]

    @property
    def path(self) -> Path | None:
        """The file read (``None`` for a config built from a mapping)."""
        return self.config.path

    @property
    def root(self) -> Path:
        """Folder relative notebook paths are resolved against and notebooks run in."""
        return self.config.root

    @property
    def settings(self) -> RunSettings:
        """The ``settings`` section."""
        return self.config.settings

    @property
    def names(self) -> tuple[str, ...]:
        """Report names in file order."""
        return tuple(report.name for report in self.reports)

    def report(self, name: str) -> ReportSpec:
        """Return the report called ``name``.

        Parameters
        ----------
        name : str
            A report name.

        Returns
        -------
        ReportSpec
        """
        for report in self.reports:
            if report.name == name:
                return report
        raise ConfigError(f"unknown report {name!r}; reports.yaml defines {list(self.names)}")

    def select(self, only: Iterable[str] | None = None) -> tuple[ReportSpec, ...]:
        """Return the reports to run, ordinary ones in file order, then decisions, then scorecards.

        Parameters
        ----------
        only : iterable of str, optional
            Names (or comma-separated lists of names) to run; ``None`` or empty runs all.

        Returns
        -------
        tuple of ReportSpec
        """
        wanted = _split_names(only)
        unknown = [name for name in wanted if name not in self.names]
        if unknown:
            raise ConfigError(
                f"--only names {len(unknown)} unknown report(s) {unknown[:5]}; "
                f"reports.yaml defines {list(self.names)}"
            )
        chosen = [r for r in self.reports if not wanted or r.name in wanted]
        return tuple(
            [r for r in chosen if r.role is None]
            + [r for r in chosen if r.is_decision]
            + [r for r in chosen if r.is_scorecard]
        )

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> ReportsConfig:
        """Return a copy with parameter overrides applied (``-p NAME.KEY=VALUE``).

        Parameters
        ----------
        overrides : mapping
            ``{report name: {parameter: value}}`` as returned by :func:`parse_overrides`.

        Returns
        -------
        ReportsConfig
        """
        problems: list[str] = []
        for name, values in overrides.items():
            if name not in self.names:
                problems.append(f"-p {name}.…: unknown report {name!r}; known: {list(self.names)}")
                continue
            spec = self.report(name)
            for key in values:
                if key in INJECTED_PARAMETERS:
                    problems.append(f"-p {name}.{key}: {key!r} is set by the runner, not by -p")
                elif key not in spec.declared_parameters:
                    problems.append(
                        f"-p {name}.{key}: notebook {spec.notebook.name} declares no parameter "
                        f"{key!r}; it declares {list(spec.declared_parameters)}"
                    )
        _raise_problems(problems, "parameter overrides")
        reports = tuple(
            r.model_copy(update={"parameters": {**r.parameters, **overrides.get(r.name, {})}})
            for r in self.reports
        )
        return replace(self, reports=reports)

    def reword_error(self, name: str, message: str) -> str:
        """Return a failed report's error with its load-option hint worded for ``reports.yaml``.

        Parameters
        ----------
        name : str
            The report.
        message : str
            The error as the notebook raised it (e.g. ``"LoadError: ..."``).

        Returns
        -------
        str
            See :func:`reword_for_report`.
        """
        return reword_for_report(self.report(name), message)

    def summary(self) -> pd.DataFrame:
        """Return one row per report: name, title, role, notebook and parameters.

        Returns
        -------
        pandas.DataFrame
        """
        rows = [
            {
                "name": r.name,
                "title": r.title,
                "role": r.role or "",
                "notebook": _display_path(r.notebook, self.root),
                "parameters": dict(r.parameters),
                "declared_parameters": list(r.declared_parameters),
            }
            for r in self.reports
        ]
        columns = ["name", "title", "role", "notebook", "parameters", "declared_parameters"]
        return pd.DataFrame(rows, columns=columns)


def parse_overrides(items: Iterable[str] | None) -> dict[str, dict[str, Any]]:
    """Parse ``NAME.KEY=VALUE`` strings into ``{NAME: {KEY: value}}``.

    The value is typed as YAML would type it: ``horizon=26`` gives the int 26, ``models=[bgnbd]``
    a list, ``flag=no`` the bool False, ``end=2024-12-31`` the string ``"2024-12-31"``.

    Parameters
    ----------
    items : iterable of str
        Values of the repeatable ``-p`` option.

    Returns
    -------
    dict

    Examples
    --------
    >>> parse_overrides(["clv_cdnow.horizon=26", "clv_cdnow.models=[bgnbd]"])
    {'clv_cdnow': {'horizon': 26, 'models': ['bgnbd']}}
    """
    overrides: dict[str, dict[str, Any]] = {}
    for item in items or ():
        target, sep, text = item.partition("=")
        name, dot, key = target.strip().partition(".")
        if not sep or not dot or not name or not key.strip():
            raise ConfigError(f"-p {item!r}: expected NAME.KEY=VALUE, e.g. -p clv_cdnow.horizon=26")
        overrides.setdefault(name, {})[key.strip()] = parse_yaml_value(text)
    return overrides


_NOTEBOOK_HINT = re.compile(
    r"set (?P<sets>`load: .+?`(?: or `load: .+?`)*) in the notebook parameters "
    r"\(papermill -y '.*?'\), or under the report's parameters \(or its data source\) in "
    r"reports\.yaml"
)
_OPTION_SET = re.compile(r"`load: (.+?)`(?= or `load: |$)")


def reword_for_report(spec: ReportSpec, message: str) -> str:
    """Reword a notebook's load-option hint as the ``reports.yaml`` keys of one report.

    A loader error in a notebook says what to set in the notebook's ``load`` parameter
    (:func:`loyaltylab.reports.notebooks.sources.notebook_hint`). Run from ``reports.yaml``, the
    option belongs to the report: to its data source (``data.shop.load.invalid``,
    ``reports[2].data.load.invalid``) or its ``parameters`` (``reports[2].parameters.load
    .invalid``), wherever :meth:`~loyaltylab.config.reports.ReportSpec.parameter_path` says
    ``load`` is. A message without such a hint is returned unchanged.

    Parameters
    ----------
    spec : ReportSpec
        The report that failed.
    message : str
        Its error message.

    Returns
    -------
    str

    Examples
    --------
    >>> from loyaltylab.config import load_config
    >>> config = load_config({"data": {"shop": {"transactions": "orders.csv"}},
    ...     "reports": [{"name": "clv", "notebook": "notebooks/02_clv.ipynb", "data": "shop"}]})
    >>> hint = ("2 rows have no customer id; to drop such rows, set `load: {invalid: drop}` in "
    ...     "the notebook parameters (papermill -y '{load: {invalid: drop}}'), or under the "
    ...     "report's parameters (or its data source) in reports.yaml")
    >>> print(reword_for_report(config.reports[0], hint))
    2 rows have no customer id; to drop such rows, set data.shop.load.invalid: drop in reports.yaml
    """
    found = _NOTEBOOK_HINT.search(message)
    if found is None:
        return message
    where = spec.parameter_path("load")
    worded: list[str] = []
    for text in _OPTION_SET.findall(found.group("sets")):
        try:
            options = parse_yaml_value(text)
        except ConfigError:
            return message
        if not isinstance(options, Mapping) or not options:
            return message
        worded.append(" and ".join(_keys(where, options)))
    if not worded:
        return message
    replacement = f"set {' or '.join(worded)} in reports.yaml"
    return message[: found.start()] + replacement + message[found.end() :]


def _keys(prefix: str, options: Mapping[str, Any]) -> list[str]:
    """``{members: {duplicates: first}}`` under ``data.shop.load`` as YAML keys with values."""
    keys: list[str] = []
    for key, value in options.items():
        if isinstance(value, Mapping) and value:
            keys.extend(_keys(f"{prefix}.{key}", value))
        else:
            keys.append(f"{prefix}.{key}: {render_options({key: value})[len(str(key)) + 3 : -1]}")
    return keys


def load_config(
    path: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
) -> ReportsConfig:
    """Read and validate ``reports.yaml`` for a run (:func:`loyaltylab.config.load_config`).

    Every section is checked before anything runs, including the targets' metric names
    (:data:`loyaltylab.targets.KPI_METRICS`), so a typo fails the command, not the scorecard.

    Parameters
    ----------
    path : path-like or mapping, optional
        The YAML file (default: the project's, :func:`loyaltylab.paths.reports_config`) or an
        already parsed mapping.
    root : path-like, optional
        Folder that relative notebook paths are resolved against (default: the folder of
        ``path``; the working directory for a mapping).

    Returns
    -------
    ReportsConfig

    Examples
    --------
    >>> config = load_config()  # doctest: +SKIP
    >>> config.names  # doctest: +SKIP
    ('clv_cdnow',)
    """
    from loyaltylab.targets import KPI_METRICS

    config = load_loyalty_config(path, root=root, kpi_metrics=KPI_METRICS)
    return ReportsConfig(config=config, reports=config.reports)


def _display_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _split_names(names: Iterable[str] | None) -> list[str]:
    result: list[str] = []
    for item in names or ():
        for part in str(item).split(","):
            if part.strip() and part.strip() not in result:
                result.append(part.strip())
    return result


def _raise_problems(problems: list[str], where: str) -> None:
    if not problems:
        return
    shown = problems[:_MAX_LISTED]
    more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    lines = "\n".join(f"  - {problem}" for problem in shown)
    raise ConfigError(f"{len(problems)} problem(s) in {where}:\n{lines}{more}")
