"""The base of every typed configuration and parameter model, and its one error format.

:class:`ConfigModel` is a frozen pydantic v2 model that forbids unknown keys. :func:`config_error`
turns a pydantic ``ValidationError`` into one :class:`~loyaltylab.errors.ConfigError` (or another
Loyalty Lab error class) that names every problem by its path as the user wrote it, e.g.
``programs[2].points.earn_rate: Input should be greater than or equal to 0 (got -1)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from loyaltylab.errors import ConfigError, LoyaltyLabError

__all__ = ["ConfigModel", "config_error", "error_path"]

_MAX_LISTED = 20


class ConfigModel(BaseModel):
    """Frozen pydantic model with unknown keys forbidden (the base of every config part)."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def error_path(location: Sequence[int | str], root: str = "") -> str:
    """Write a pydantic error location the way a YAML user reads it.

    Parameters
    ----------
    location : sequence of int or str
        ``error["loc"]`` of a pydantic error, e.g. ``("programs", 2, "points", "earn_rate")``.
    root : str, default ""
        A prefix such as ``"reports.yaml: "`` or ``"programs"``.

    Returns
    -------
    str

    Examples
    --------
    >>> error_path(("programs", 2, "points", "earn_rate"))
    'programs[2].points.earn_rate'
    >>> error_path((0, "name"), root="targets")
    'targets[0].name'
    """
    text = root
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "[" in str(part) or "(" in str(part) or "function-" in str(part):
            # pydantic's internal tags of union members and validators are not user paths
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


def config_error(
    error: ValidationError,
    *,
    root: str = "",
    source: str = "",
    cls: type[LoyaltyLabError] = ConfigError,
) -> LoyaltyLabError:
    """One Loyalty Lab error listing every problem of a pydantic ``ValidationError`` by path.

    Parameters
    ----------
    error : pydantic.ValidationError
        The validation error.
    root : str, default ""
        Path prefix of the validated part (``"programs[2]"``).
    source : str, default ""
        Where the text came from (``"reports.yaml"``); starts the message.
    cls : type, default ConfigError
        The error class to build (``ParameterError`` for notebook parameters).

    Returns
    -------
    LoyaltyLabError
        An instance of ``cls`` to raise (``raise config_error(exc) from None``).
    """
    lines = []
    for item in error.errors(include_url=False)[:_MAX_LISTED]:
        where = error_path(item["loc"], root) or root or "(top level)"
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        given = item.get("input")
        # a whole mapping or list (a model-level problem) says nothing the message does not
        hidden = item["type"] in {"missing", "extra_forbidden"} or isinstance(given, dict | list)
        shown = "" if hidden else f" (got {given!r})"
        if len(shown) > 120:
            shown = shown[:117] + "...)"
        lines.append(f"{where}: {message}{shown}")
    more = error.error_count() - len(lines)
    if more > 0:
        lines.append(f"... and {more} more")
    head = f"{source}: " if source else ""
    count = error.error_count()
    if count == 1:
        return cls(f"{head}{lines[0]}")
    return cls(f"{head}{count} problems:\n  " + "\n  ".join(lines))


def validate_model(model: type[Any], raw: Any, *, root: str = "", source: str = "") -> Any:
    """Validate ``raw`` with ``model``, raising :func:`config_error` on failure.

    Parameters
    ----------
    model : type of ConfigModel
        The model.
    raw : Any
        The plain data (a mapping from YAML).
    root, source : str
        As in :func:`config_error`.

    Returns
    -------
    ConfigModel
        The validated model instance.
    """
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise config_error(error, root=root, source=source) from None
