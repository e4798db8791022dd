"""Read and validate ``reports.yaml``: which notebooks the runner executes, with which parameters.

``reports.yaml`` has four top-level sections. ``settings`` and ``reports`` belong to the runner and
are validated here; ``targets`` (SMART targets) and ``programs`` (reward-program configurations)
belong to other modules and are passed through untouched. Every problem found is collected and
raised as one :class:`~loyaltylab.errors.ConfigError` that names the report and the key, before
any notebook runs: papermill itself only logs a parameter the notebook does not declare, so this
check is the only guard against a typo in a parameter name.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import yaml

from loyaltylab.errors import ConfigError

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
]

SECTIONS = ("settings", "reports", "targets", "programs")
"""Top-level sections of ``reports.yaml``; ``targets`` and ``programs`` belong to other modules."""

REPORT_KEYS = ("name", "title", "notebook", "parameters", "role")
"""Keys of one entry of the ``reports`` list."""

ROLES = ("scorecard",)
"""Allowed values of ``role``: a scorecard runs after every other report of the run."""

SETTINGS_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {"timeout_minutes": 20.0, "kernel_name": "python3", "start_timeout_seconds": 60.0}
)
"""Keys of ``settings`` and their defaults."""

INJECTED_PARAMETERS = ("output_dir", "run_dir")
"""Parameters the runner sets itself; ``reports.yaml`` and ``-p`` may not set them."""

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_RESERVED_NAMES = frozenset({"index", "status", "latest", "runs"})
_MAX_LISTED = 20


class _NoDatesLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that keeps dates as strings (``2024-12-31`` stays ``"2024-12-31"``).

    papermill changes the global YAML date handling when imported (nteract/papermill#439) and
    hands dates to notebooks as strings; reading them as strings here keeps a parameter's type
    the same whether it comes from ``reports.yaml``, ``-p`` or papermill's own command line.
    """


_NoDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml_value(text: str) -> Any:
    """Type ``text`` as YAML would (``26`` → int, ``[bgnbd]`` → list, ``no`` → False).

    Dates stay strings (see the module notes); an empty text gives ``None``.

    Parameters
    ----------
    text : str
        A value from the command line, e.g. the part after ``=`` in ``-p clv_cdnow.horizon=26``.

    Returns
    -------
    Any
        ``int``, ``float``, ``bool``, ``None``, ``str``, ``list`` or ``dict``.

    Examples
    --------
    >>> parse_yaml_value("26"), parse_yaml_value("[bgnbd]"), parse_yaml_value("2024-12-31")
    (26, ['bgnbd'], '2024-12-31')
    """
    try:
        return yaml.load(text, Loader=_NoDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ConfigError(f"cannot read value {text!r} as YAML: {error}") from None


@dataclass(frozen=True)
class RunSettings:
    """The ``settings`` section of ``reports.yaml``.

    Attributes
    ----------
    timeout_minutes : float
        Execution limit per notebook cell in minutes; a cell running longer stops that report.
    kernel_name : str
        Jupyter kernel for every notebook (``"python3"``).
    start_timeout_seconds : float
        How long to wait for a kernel to start.
    """

    timeout_minutes: float = float(SETTINGS_DEFAULTS["timeout_minutes"])
    kernel_name: str = str(SETTINGS_DEFAULTS["kernel_name"])
    start_timeout_seconds: float = float(SETTINGS_DEFAULTS["start_timeout_seconds"])


@dataclass(frozen=True)
class ReportSpec:
    """One entry of the ``reports`` list, validated.

    Attributes
    ----------
    name : str
        Safe file name of the report (letters, digits, ``_``, ``-``); names its files in a run.
    title : str
        Title of the stakeholder HTML.
    notebook : pathlib.Path
        Absolute path of the source notebook.
    parameters : mapping
        Parameters passed to papermill (without the injected ``output_dir`` / ``run_dir``).
    role : str or None
        ``"scorecard"`` (runs last, listed first) or ``None``.
    declared_parameters : tuple of str
        Parameters the notebook's ``parameters`` cell declares (:func:`notebook_parameters`).
    parameter_defaults : mapping
        The declared parameters' defaults (literals evaluated, e.g. ``"cdnow_sample"``, ``26``).
    """

    name: str
    title: str
    notebook: Path
    parameters: Mapping[str, Any] = field(default_factory=dict)
    role: str | None = None
    declared_parameters: tuple[str, ...] = ()
    parameter_defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_scorecard(self) -> bool:
        """Whether this report runs after all others and reads their metrics."""
        return self.role == "scorecard"


@dataclass(frozen=True)
class ReportsConfig:
    """A validated ``reports.yaml``.

    Attributes
    ----------
    path : pathlib.Path or None
        The file read (``None`` for a config built from a mapping).
    root : pathlib.Path
        Folder that relative notebook paths are resolved against and that notebooks run in
        (the folder of ``reports.yaml``, i.e. the project root).
    settings : RunSettings
        The ``settings`` section.
    reports : tuple of ReportSpec
        The ``reports`` section, in file order.
    sections : mapping
        Other sections (``targets``, ``programs``), passed through untouched.
    """

    path: Path | None
    root: Path
    settings: RunSettings
    reports: tuple[ReportSpec, ...]
    sections: Mapping[str, Any] = field(default_factory=dict)

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
        """Return the reports to run, ordinary ones in file order, then scorecards.

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
            [r for r in chosen if not r.is_scorecard] + [r for r in chosen if r.is_scorecard]
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
            replace(r, parameters={**r.parameters, **overrides.get(r.name, {})})
            for r in self.reports
        )
        return replace(self, reports=reports)

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


def load_config(
    path: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
) -> ReportsConfig:
    """Read and validate ``reports.yaml``.

    Checks, collecting every problem into one :class:`~loyaltylab.errors.ConfigError`: unknown
    top-level, ``settings`` and report keys; missing ``name``/``notebook``; duplicate or unsafe
    report names (they become file names); notebooks that do not exist or cannot be inspected;
    parameters the notebook does not declare (:func:`notebook_parameters`); parameters the
    runner injects (``output_dir``, ``run_dir``); notebooks that do not declare ``output_dir``;
    unknown roles.

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
    if isinstance(path, Mapping):
        raw: Any = path
        source: Path | None = None
        base = Path(root) if root is not None else Path.cwd()
    else:
        if path is None:
            from loyaltylab.paths import reports_config

            path = reports_config()
        source = Path(path).expanduser().resolve()
        base = Path(root) if root is not None else source.parent
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"cannot read the reports config {source}: {error}") from None
        try:
            raw = yaml.load(text, Loader=_NoDatesLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as error:
            raise ConfigError(f"{source} is not valid YAML: {error}") from None
    where = str(source) if source is not None else "the reports config"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping with sections {list(SECTIONS)}, got {raw!r}")

    problems: list[str] = []
    unknown = [str(key) for key in raw if key not in SECTIONS]
    if unknown:
        problems.append(f"unknown top-level key(s) {unknown}; allowed: {list(SECTIONS)}")
    settings = _parse_settings(raw.get("settings"), problems)
    entries = raw.get("reports")
    if entries is None:
        entries = []
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        problems.append(f"'reports' must be a list of reports, got {type(entries).__name__}")
        entries = []
    reports: list[ReportSpec] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        spec = _parse_report(entry, position, base.resolve(), seen, problems)
        if spec is not None:
            reports.append(spec)
    _raise_problems(problems, where)
    sections = {key: raw[key] for key in ("targets", "programs") if key in raw}
    return ReportsConfig(
        path=source,
        root=base.resolve(),
        settings=settings,
        reports=tuple(reports),
        sections=MappingProxyType(sections),
    )


def _parse_settings(raw: Any, problems: list[str]) -> RunSettings:
    if raw is None:
        return RunSettings()
    if not isinstance(raw, Mapping):
        problems.append(f"'settings' must be a mapping, got {raw!r}")
        return RunSettings()
    unknown = [str(key) for key in raw if key not in SETTINGS_DEFAULTS]
    if unknown:
        problems.append(f"settings: unknown key(s) {unknown}; allowed: {list(SETTINGS_DEFAULTS)}")
    values: dict[str, Any] = {}
    for key in ("timeout_minutes", "start_timeout_seconds"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                problems.append(f"settings.{key} must be a positive number, got {value!r}")
            else:
                values[key] = float(value)
    if "kernel_name" in raw:
        value = raw["kernel_name"]
        if not isinstance(value, str) or not value.strip():
            problems.append(f"settings.kernel_name must be a kernel name, got {value!r}")
        else:
            values["kernel_name"] = value.strip()
    return RunSettings(**values)


def _parse_report(
    entry: Any, position: int, base: Path, seen: set[str], problems: list[str]
) -> ReportSpec | None:
    if not isinstance(entry, Mapping):
        problems.append(f"reports[{position}] must be a mapping with keys {list(REPORT_KEYS)}")
        return None
    name = entry.get("name")
    label = f"report {name!r}" if isinstance(name, str) and name else f"reports[{position}]"
    count = len(problems)
    unknown = [str(key) for key in entry if key not in REPORT_KEYS]
    if unknown:
        problems.append(f"{label}: unknown key(s) {unknown}; allowed: {list(REPORT_KEYS)}")
    if not isinstance(name, str) or not _SAFE_NAME.match(name):
        problems.append(
            f"{label}: 'name' must be 1-64 letters, digits, '_' or '-' (it names files), "
            f"got {name!r}"
        )
    elif name in _RESERVED_NAMES:
        problems.append(f"{label}: 'name' {name!r} is reserved for run files; choose another")
    elif name in seen:
        problems.append(f"{label}: duplicate 'name' {name!r}; report names must be unique")
    else:
        seen.add(name)
    title = entry.get("title", name)
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{label}: 'title' must be a non-empty string, got {title!r}")
    role = entry.get("role")
    if role is not None and role not in ROLES:
        problems.append(f"{label}: 'role' must be one of {list(ROLES)} or absent, got {role!r}")
    parameters = entry.get("parameters")
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, Mapping):
        problems.append(f"{label}: 'parameters' must be a mapping, got {parameters!r}")
        parameters = {}
    injected = [key for key in parameters if key in INJECTED_PARAMETERS]
    if injected:
        problems.append(f"{label}: parameters {injected} are set by the runner; remove them")
    declared = _declared_parameters(entry.get("notebook"), base, label, problems)
    if declared is not None:
        undeclared = [str(key) for key in parameters if key not in declared]
        if undeclared:
            problems.append(
                f"{label}: {len(undeclared)} parameter(s) {undeclared[:5]} not declared by "
                f"notebook {entry['notebook']}; it declares {list(declared)}"
            )
        if "output_dir" not in declared:
            problems.append(
                f"{label}: notebook {entry['notebook']} declares no 'output_dir' parameter "
                f'(CONTRIBUTING.md: every report notebook has output_dir: str = "")'
            )
    if len(problems) > count or declared is None:
        return None
    return ReportSpec(
        name=name,
        title=title.strip(),
        notebook=_resolve(entry["notebook"], base),
        parameters=dict(parameters),
        role=role,
        declared_parameters=tuple(declared),
        parameter_defaults=declared,
    )


def _declared_parameters(
    notebook: Any, base: Path, label: str, problems: list[str]
) -> dict[str, Any] | None:
    if not isinstance(notebook, str | os.PathLike) or not str(notebook).strip():
        problems.append(f"{label}: 'notebook' must be a path to an .ipynb file, got {notebook!r}")
        return None
    path = _resolve(notebook, base)
    if path.suffix != ".ipynb":
        problems.append(f"{label}: 'notebook' {notebook} is not an .ipynb file")
        return None
    if not path.is_file():
        problems.append(f"{label}: 'notebook' {notebook} does not exist (looked for {path})")
        return None
    try:
        return notebook_parameters(path)
    except ConfigError as error:
        problems.append(f"{label}: {error}")
        return None


def notebook_parameters(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Return the parameters a notebook declares and their defaults.

    Reads the first cell tagged ``parameters`` (the one papermill injects after) with Python's
    ``ast``: every top-level assignment ``name = value`` or ``name: type = value`` is a parameter;
    literal defaults are evaluated (``"cdnow_sample"``, ``26``, ``[]``), others kept as source
    text. Unlike ``papermill.inspect_notebook``, which silently skips any line holding a second
    ``=`` (e.g. ``x: str = ""  # empty = all``), this sees every parameter papermill can set.

    Parameters
    ----------
    path : path-like
        An ``.ipynb`` file.

    Returns
    -------
    dict
        ``{name: default}`` in cell order.

    Examples
    --------
    >>> notebook_parameters("notebooks/02_clv.ipynb")["transactions"]  # doctest: +SKIP
    'cdnow_sample'
    """
    import nbformat

    try:
        notebook = nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read notebook {path}: {error}") from None
    cells = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise ConfigError(f"notebook {path} has no cell tagged 'parameters'")
    source = cells[0].source
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ConfigError(
            f"the parameters cell of {path} is not valid Python (line {error.lineno}): {error.msg}"
        ) from None
    defaults: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Name)]
            value = node.value
        else:
            continue
        for target in targets:
            if value is None:
                defaults[target.id] = None
                continue
            try:
                defaults[target.id] = ast.literal_eval(value)
            except ValueError:
                defaults[target.id] = ast.get_source_segment(source, value)
    return defaults


def _resolve(notebook: str | os.PathLike[str], base: Path) -> Path:
    path = Path(notebook).expanduser()
    return (path if path.is_absolute() else base / path).resolve()


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
