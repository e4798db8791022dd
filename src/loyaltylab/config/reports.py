"""The ``settings:`` and ``reports:`` sections of ``reports.yaml``: what the runner executes.

:class:`RunSettings` holds the run limits; :class:`ReportSpec` one report: a safe, unique name
(it names the report's files in a run), a title, a notebook that exists and declares every
parameter the report sets (read from its ``parameters`` cell by :func:`notebook_parameters`), and
an optional role. papermill itself only logs a parameter the notebook does not declare, so this
check is the only guard against a typo in a parameter name. Relative notebook paths are resolved
against the folder of ``reports.yaml`` (the validation context's ``root``).
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
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from loyaltylab.config.base import ConfigModel
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
    "unique_reports",
]

ROLES = ("scorecard",)
"""Allowed values of ``role``: a scorecard runs after every other report of the run."""

SETTINGS_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {"timeout_minutes": 20.0, "kernel_name": "python3", "start_timeout_seconds": 60.0}
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

    Examples
    --------
    >>> RunSettings.model_validate({"timeout_minutes": 5}).timeout_minutes
    5.0
    """

    timeout_minutes: _PositiveNumber = float(SETTINGS_DEFAULTS["timeout_minutes"])
    kernel_name: Annotated[str, Field(min_length=1)] = str(SETTINGS_DEFAULTS["kernel_name"])
    start_timeout_seconds: _PositiveNumber = float(SETTINGS_DEFAULTS["start_timeout_seconds"])

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
    role : {"scorecard"} or None
        A scorecard runs last and is listed first.
    declared_parameters : tuple of str
        Parameters the notebook's ``parameters`` cell declares (read, not written in YAML).
    parameter_defaults : mapping
        The declared parameters' defaults (literals evaluated, e.g. ``"cdnow_sample"``, ``26``).
    """

    name: str
    title: str
    notebook: Path
    parameters: Annotated[dict[str, Any], BeforeValidator(_none_to_empty)] = {}
    role: Literal["scorecard"] | None = None
    _defaults: dict[str, Any] = PrivateAttr(default_factory=dict)

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
    def is_scorecard(self) -> bool:
        """Whether this report runs after all others and reads their metrics."""
        return self.role == "scorecard"


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
