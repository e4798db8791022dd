"""The ``settings:`` and ``reports:`` sections of ``reports.yaml``: what the runner executes.

:class:`RunSettings` holds the run limits; :class:`ReportSpec` one report: a safe, unique name
(it names the report's files in a run), a title, a notebook that exists and declares every
parameter the report sets (read from its ``parameters`` cell by :func:`notebook_parameters`), and
an optional role. papermill itself only logs a parameter the notebook does not declare, so this
check is the only guard against a typo in a parameter name. Relative notebook paths are resolved
against the folder of ``reports.yaml`` (the validation context's ``root``).

A report may read a data source (``data: shop``, a name of the ``data:`` section, or its own
``data: {transactions: ..., columns: ..., load: ...}``); :func:`resolve_report_data` turns it into
the notebook's parameters (``transactions``, ``columns``, ``load``, ``members``, ``ledger``; the
last two only for a notebook that declares them). A parameter set both by ``data`` and under
``parameters`` is an error naming both places; a ``-p`` override on the command line wins over
both. :meth:`ReportSpec.parameter_path` says where in ``reports.yaml`` each parameter is set, so
an error raised while the notebook runs can name the key the user edits.
"""

from __future__ import annotations

import ast
import copy
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from loyaltylab.config.base import ConfigModel
from loyaltylab.config.data import SOURCE_PARAMETERS, DataSource
from loyaltylab.config.targets import FiniteNumber
from loyaltylab.errors import ConfigError

__all__ = [
    "INJECTED_PARAMETERS",
    "RESERVED_NAMES",
    "ROLES",
    "SETTINGS_DEFAULTS",
    "ReportSpec",
    "RunSettings",
    "notebook_parameters",
    "resolve_report_data",
    "unique_reports",
]

ROLES = ("scorecard", "decision")
"""Allowed values of ``role``: a decision report runs after the ordinary reports (it reads the
experiment's metrics), a scorecard after every other report; both are listed first, the decision
page first of all."""

SETTINGS_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        "timeout_minutes": 20.0,
        "kernel_name": "python3",
        "start_timeout_seconds": 60.0,
        "currency": "$",
    }
)
"""Keys of ``settings`` and their defaults."""

INJECTED_PARAMETERS = ("output_dir", "run_dir")
"""Parameters the runner sets itself; ``reports.yaml`` and ``-p`` may not set them."""

RESERVED_NAMES = frozenset({"index", "status", "latest", "runs"})
"""Report names taken by the files of a run folder."""

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

_PositiveNumber = Annotated[FiniteNumber, Field(gt=0)]


def _none_to_empty(value: Any) -> Any:
    return {} if value is None else value


def _data_reference(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        name = value.strip()
        if not _SAFE_NAME.match(name):
            raise PydanticCustomError(
                "data",
                f"'data' {name!r} is not a data source name (1-64 letters, digits, '_', '-')",
            )
        return name
    if not isinstance(value, Mapping | DataSource):
        raise PydanticCustomError(
            "data",
            "'data' must be the name of a source of the data: section or a mapping with "
            "transactions (and optionally columns, load, members, ledger)",
        )
    if isinstance(value, Mapping):
        # validated here, so that a problem is named at data.<key>, not under a union tag
        return DataSource.model_validate(value)
    return value


class RunSettings(ConfigModel):
    """The ``settings`` section of ``reports.yaml``.

    Attributes
    ----------
    timeout_minutes : float, default 20
        Execution limit per notebook in minutes; a report running longer is stopped and failed.
    kernel_name : str, default "python3"
        Jupyter kernel for every notebook.
    start_timeout_seconds : float, default 60
        How long to wait for a kernel to start.
    currency : str, default "$"
        The one currency symbol of the run's money amounts: the runner passes it to every
        notebook that declares a ``currency`` parameter (unless the report sets its own) and to
        every kernel's table display (:mod:`loyaltylab.display`).

    Examples
    --------
    >>> RunSettings.model_validate({"timeout_minutes": 5}).timeout_minutes
    5.0
    """

    timeout_minutes: _PositiveNumber = float(SETTINGS_DEFAULTS["timeout_minutes"])
    kernel_name: Annotated[str, Field(min_length=1)] = str(SETTINGS_DEFAULTS["kernel_name"])
    start_timeout_seconds: _PositiveNumber = float(SETTINGS_DEFAULTS["start_timeout_seconds"])
    currency: str = str(SETTINGS_DEFAULTS["currency"])

    @field_validator("kernel_name", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class ReportSpec(ConfigModel):
    """One entry of the ``reports`` list, validated.

    Attributes
    ----------
    name : str
        Safe file name of the report (1-64 letters, digits, ``_``, ``-``; not one of
        :data:`RESERVED_NAMES`); names its files in a run.
    title : str
        Title of the stakeholder HTML (default: the name).
    notebook : pathlib.Path
        Absolute path of the source notebook.
    parameters : dict
        Parameters passed to papermill (without the injected ``output_dir`` / ``run_dir``).
    role : {"scorecard", "decision"} or None
        A scorecard runs last and is listed first; a decision report runs after the ordinary
        reports, before the scorecards, and is listed first of all.
    data : str or DataSource or None
        The data source the report reads: a name of the ``data:`` section or its own source.
        Once the whole file is validated, its parameters are part of ``parameters``.
    declared_parameters : tuple of str
        Parameters the notebook's ``parameters`` cell declares (read, not written in YAML).
    parameter_defaults : mapping
        The declared parameters' defaults (literals evaluated, e.g. ``"cdnow_sample"``, ``26``).
    """

    name: str
    title: str
    notebook: Path
    parameters: Annotated[dict[str, Any], BeforeValidator(_none_to_empty)] = {}
    role: Literal["scorecard", "decision"] | None = None
    data: Annotated[str | DataSource | None, BeforeValidator(_data_reference)] = None
    _defaults: dict[str, Any] = PrivateAttr(default_factory=dict)
    _position: str = PrivateAttr(default="")
    _from_data: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _default_title(cls, raw: Any) -> Any:
        if isinstance(raw, Mapping) and raw.get("title") is None and "name" in raw:
            return {**raw, "title": raw["name"]}
        return raw

    @field_validator("name", mode="before")
    @classmethod
    def _safe_name(cls, value: Any) -> Any:
        if not isinstance(value, str) or not _SAFE_NAME.match(value):
            raise PydanticCustomError(
                "report_name",
                "'name' must be 1-64 letters, digits, '_' or '-' (it names files)",
            )
        if value in RESERVED_NAMES:
            raise PydanticCustomError(
                "report_name", f"'name' {value!r} is reserved for run files; choose another"
            )
        return value

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise PydanticCustomError("title", "'title' must be a non-empty string")
        return value.strip()

    @field_validator("notebook", mode="before")
    @classmethod
    def _notebook(cls, value: Any, info: ValidationInfo) -> Path:
        if not isinstance(value, str | os.PathLike) or not str(value).strip():
            raise PydanticCustomError("notebook", "'notebook' must be a path to an .ipynb file")
        root = Path((info.context or {}).get("root") or Path.cwd())
        path = _resolve(value, root)
        if path.suffix != ".ipynb":
            raise PydanticCustomError("notebook", f"{value} is not an .ipynb file")
        if not path.is_file():
            raise PydanticCustomError(
                "notebook", f"notebook {value} does not exist (looked for {path})"
            )
        try:
            declared = _read_parameters(path)
        except ConfigError as error:
            raise PydanticCustomError("notebook", str(error)) from None
        if "output_dir" not in declared:
            raise PydanticCustomError(
                "notebook",
                f"notebook {value} declares no 'output_dir' parameter (CONTRIBUTING.md: every "
                'report notebook has output_dir: str = "")',
            )
        return path

    @field_validator("parameters")
    @classmethod
    def _parameters(cls, parameters: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        injected = [key for key in parameters if key in INJECTED_PARAMETERS]
        if injected:
            raise PydanticCustomError(
                "parameters",
                f"parameters {injected} are set by the runner; remove them",
            )
        notebook = info.data.get("notebook")
        if notebook is None:  # the notebook itself is invalid: reported there
            return parameters
        declared = _read_parameters(notebook)
        undeclared = [str(key) for key in parameters if key not in declared]
        if undeclared:
            raise PydanticCustomError(
                "parameters",
                f"{len(undeclared)} parameter(s) {undeclared[:5]} not declared by notebook "
                f"{notebook.name}; it declares {list(declared)}",
            )
        return parameters

    @model_validator(mode="after")
    def _read_defaults(self) -> ReportSpec:
        self._defaults = _read_parameters(self.notebook)
        return self

    @property
    def declared_parameters(self) -> tuple[str, ...]:
        """Parameters the notebook's ``parameters`` cell declares, in cell order."""
        return tuple(self._defaults)

    @property
    def parameter_defaults(self) -> Mapping[str, Any]:
        """The declared parameters and their defaults."""
        return MappingProxyType(self._defaults)

    @property
    def is_decision(self) -> bool:
        """Whether this is a decision report (after the ordinary reports, listed first)."""
        return self.role == "decision"

    @property
    def is_scorecard(self) -> bool:
        """Whether this report runs after all others and reads their metrics."""
        return self.role == "scorecard"

    @property
    def data_path(self) -> str | None:
        """The YAML path of the report's data source (``data.shop``, ``reports[2].data``)."""
        if self.data is None:
            return None
        if isinstance(self.data, str):
            return f"data.{self.data}"
        return f"{self._position or 'report'}.data"

    def parameter_path(self, name: str) -> str:
        """Return where in ``reports.yaml`` the parameter ``name`` is (or would be) set.

        A parameter the data source sets is named there (``data.shop.load``); ``load`` and
        ``columns`` of a report with a data source belong to the source even when it does not
        set them yet; every other parameter sits under the report's ``parameters``.

        Parameters
        ----------
        name : str
            A parameter of the notebook.

        Returns
        -------
        str
            E.g. ``"reports[2].parameters.horizon"`` or ``"data.shop.load"``.
        """
        if name in self._from_data:
            return self._from_data[name]
        data_path = self.data_path
        if data_path is not None and name in SOURCE_PARAMETERS and name not in self.parameters:
            return f"{data_path}.{name}"
        where = f"{self._position}.parameters" if self._position else "parameters"
        return f"{where}.{name}"


def unique_reports(reports: tuple[ReportSpec, ...]) -> tuple[ReportSpec, ...]:
    """Return ``reports`` if every name is used once (a validator of the ``reports`` list).

    Raises
    ------
    pydantic_core.PydanticCustomError
        Naming the repeated name and the entries that use it.
    """
    names = [report.name for report in reports]
    for name in dict.fromkeys(names):
        where = [f"reports[{i}]" for i, item in enumerate(names) if item == name]
        if len(where) > 1:
            raise PydanticCustomError(
                "report_name",
                f"duplicate report name {name!r} in {' and '.join(where)}; report names must be "
                "unique (they name files)",
            )
    return reports


def resolve_report_data(
    reports: tuple[ReportSpec, ...], sources: Mapping[str, DataSource] | None
) -> tuple[ReportSpec, ...]:
    """Return ``reports`` with each report's data source turned into notebook parameters.

    A validator of the ``reports`` list, run once the ``data:`` section is known. Every report
    learns its position (``reports[2]``) for :meth:`ReportSpec.parameter_path`.

    Parameters
    ----------
    reports : tuple of ReportSpec
        The validated reports, in file order.
    sources : mapping of str to DataSource, optional
        The ``data:`` section; ``None`` when it is itself invalid (named sources are then not
        checked: the section's own error says why).

    Returns
    -------
    tuple of ReportSpec

    Raises
    ------
    pydantic.ValidationError
        One problem per report, at ``reports[i].data`` (an unknown source name, with the names
        there are; a parameter the notebook does not declare) or ``reports[i].parameters`` (a
        parameter given both there and by the data source).
    """
    problems: list[InitErrorDetails] = []
    resolved: list[ReportSpec] = []
    for index, spec in enumerate(reports):
        spec = spec.model_copy()
        spec._position = f"reports[{index}]"
        resolved.append(spec)
        if spec.data is None:
            continue
        if isinstance(spec.data, str):
            if sources is None:
                continue
            if spec.data not in sources:
                known = sorted(sources)
                listed = f"it defines {known}" if known else "reports.yaml has no data: section"
                problems.append(
                    _problem(
                        (index, "data"),
                        f"unknown data source {spec.data!r}; {listed}",
                    )
                )
                continue
            source = sources[spec.data]
        else:
            source = spec.data
        base = spec.data_path
        derived = source.notebook_parameters(spec.declared_parameters)
        undeclared = [key for key in derived if key not in spec.declared_parameters]
        if undeclared:
            problems.append(
                _problem(
                    (index, "data"),
                    f"the data source {base} sets {undeclared} but notebook "
                    f"{spec.notebook.name} declares no such parameter(s); it declares "
                    f"{list(spec.declared_parameters)}",
                )
            )
            continue
        twice = [key for key in derived if key in spec.parameters]
        if twice:
            places = ", ".join(f"{base}.{key}" for key in twice)
            problems.append(
                _problem(
                    (index, "parameters"),
                    f"parameter(s) {twice} given both here and by the report's data source "
                    f"({places}); give each in one place",
                )
            )
            continue
        resolved[-1] = spec.model_copy(update={"parameters": {**spec.parameters, **derived}})
        resolved[-1]._from_data = {key: f"{base}.{key}" for key in derived}
    if problems:
        raise ValidationError.from_exception_data("reports", problems)
    return tuple(resolved)


def _problem(location: tuple[int | str, ...], message: str) -> InitErrorDetails:
    # the input is left out of the message (a mapping is not shown): the message names it
    return InitErrorDetails(type=PydanticCustomError("data", message), loc=location, input={})


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

    Raises
    ------
    ConfigError
        If the notebook cannot be read, has no ``parameters`` cell or the cell is not Python.

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


def _read_parameters(path: Path) -> dict[str, Any]:
    """:func:`notebook_parameters`, read once per notebook version (a fresh copy each call)."""
    stat = path.stat()
    return copy.deepcopy(dict(_cached_parameters(str(path), stat.st_mtime_ns, stat.st_size)))


@lru_cache(maxsize=64)
def _cached_parameters(path: str, mtime_ns: int, size: int) -> Mapping[str, Any]:
    return MappingProxyType(notebook_parameters(path))


def _resolve(notebook: str | os.PathLike[str], root: Path) -> Path:
    path = Path(notebook).expanduser()
    return (path if path.is_absolute() else root / path).resolve()
