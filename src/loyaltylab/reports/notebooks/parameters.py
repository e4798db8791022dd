"""Typed notebook parameters: one pydantic model per notebook, validated by one call.

A notebook's first code cell (tagged ``parameters``) holds literal defaults with type hints and
comments; papermill replaces them, passing ``-p horizon 26`` as ``26`` but ``-p with_clv no`` as the
string ``"no"``, and ``-y`` / ``reports.yaml`` values as YAML. The next cell calls
``params = CLVParameters.from_namespace(globals())`` (or the notebook's own model). The model

- coerces papermill's strings the way each field's type says (``"no"`` → ``False``, ``"26"`` → 26,
  ``"bgnbd,mbgnbd"`` or ``"[bgnbd, mbgnbd]"`` → a list, a YAML/JSON text → a mapping with duplicate
  keys rejected, ``"1998-06-30"`` → a day by :func:`loyaltylab.rules.as_day`);
- rejects a value out of range with one :class:`~loyaltylab.errors.ParameterError` naming the
  parameter as the user types it and where to change it;
- resolves ``output_dir`` (empty = ``reports/scratch/<notebook>``).

Extending a notebook is one field on its model plus the literal default in the notebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self

import pandas as pd
from pydantic import (
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    model_validator,
)

from loyaltylab.config.base import ConfigModel, config_error
from loyaltylab.config.yaml import load_yaml
from loyaltylab.errors import LoyaltyLabError, ParameterError
from loyaltylab.rules import as_day

__all__ = [
    "Day",
    "OptionalDay",
    "NameList",
    "ParameterMapping",
    "MappingText",
    "read_mapping",
    "read_names",
    "NotebookParameters",
]


def _day(value: Any) -> pd.Timestamp:
    if isinstance(value, pd.Timestamp) and value == value.normalize() and value.tzinfo is None:
        return value
    try:
        day = as_day(value, "date")
    except ParameterError as error:  # the field's own name is added by the model's error
        raise ValueError(str(error).replace("parameter 'date' ", "", 1)) from None
    assert day is not None
    return day


def _optional_day(value: Any) -> pd.Timestamp | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _day(value)


def _name_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            return load_yaml(text, source="list")
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def _mapping(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, str):
        text = value.strip()
        value = {} if not text else load_yaml(text, source="mapping")
    if isinstance(value, Mapping):  # YAML reads arm 0 as a number; keys are labels
        return {str(key): item for key, item in value.items()}
    return value


_as_text = PlainSerializer(lambda stamp: None if stamp is None else stamp.strftime("%Y-%m-%d"))

Day = Annotated[pd.Timestamp, BeforeValidator(_day), _as_text]
"""A calendar day (midnight, timezone-naive) read by :func:`loyaltylab.rules.as_day`."""

OptionalDay = Annotated[pd.Timestamp | None, BeforeValidator(_optional_day), _as_text]
"""A day or ``None`` (``""`` in a parameters cell means none)."""

_Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

NameList = Annotated[list[_Name], BeforeValidator(_name_list)]
"""A list of non-empty names (stripped); also ``"a,b"`` or ``"[a, b]"`` from papermill."""

ParameterMapping = Annotated[dict[str, Any], BeforeValidator(_mapping)]
"""A mapping; also a YAML/JSON text (duplicate keys rejected); ``""`` is empty."""


def read_names(value: Any) -> Any:
    """Read a list the way :data:`NameList` does (``"a,b"``, ``"[a, b]"``, ``None``, a list).

    For a field with another item type or length, e.g. a ``(numerator, denominator)`` pair.

    Examples
    --------
    >>> read_names("spend, visits"), read_names("[spend, visits]"), read_names("")
    (['spend', 'visits'], ['spend', 'visits'], [])
    """
    return _name_list(value)


def read_mapping(value: Any) -> Any:
    """Read a mapping the way :data:`ParameterMapping` does.

    A YAML/JSON text is read with duplicate keys rejected; ``""`` and ``None`` are empty.

    Examples
    --------
    >>> read_mapping('{"control": 0.5, "offer": 0.5}')
    {'control': 0.5, 'offer': 0.5}
    """
    return _mapping(value)


MappingText = BeforeValidator(read_mapping)
"""The validator of :data:`ParameterMapping` for a mapping with typed values:
``Annotated[dict[str, NonNegativeFloat], MappingText]``."""


class NotebookParameters(ConfigModel):
    """Base of the typed parameter model of one notebook.

    Subclasses set :attr:`notebook` (the notebook's stem, e.g. ``"02_clv"``) and declare one field
    per parameter with the same name, type and default as the notebook's ``parameters`` cell.
    ``output_dir`` is common to every notebook.

    Examples
    --------
    >>> from pydantic import Field
    >>> class Demo(NotebookParameters):
    ...     notebook = "99_demo"
    ...     horizon: float = Field(52.0, ge=1)
    ...     with_clv: bool = True
    ...     models: NameList = ["bgnbd"]
    >>> p = Demo.from_namespace({"horizon": "26", "with_clv": "no", "models": "bgnbd,mbgnbd",
    ...                          "output_dir": "", "unrelated": 1})
    >>> p.horizon, p.with_clv, p.models, p.output_dir.name
    (26.0, False, ['bgnbd', 'mbgnbd'], '99_demo')
    >>> Demo.from_namespace({"horizon": 0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ParameterError: notebook 99_demo: parameter horizon: Input should be ...
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    notebook: ClassVar[str] = ""
    output_dir: Path = Path("")

    @model_validator(mode="after")
    def _resolve_output_dir(self) -> Self:
        from loyaltylab.paths import project_root

        path = self.output_dir
        if not str(path).strip() or str(path) == ".":
            path = project_root() / "reports" / "scratch" / self.notebook
        try:
            path = Path(path).expanduser()
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ValueError(f"cannot create the folder {path}: {error}") from None
        object.__setattr__(self, "output_dir", path)
        return self

    @classmethod
    def from_namespace(cls, namespace: Mapping[str, Any]) -> Self:
        """Validate the notebook's parameters from its namespace (``globals()``).

        Only the names the model declares are read, so the notebook's imports are ignored.

        Parameters
        ----------
        namespace : mapping
            The notebook's ``globals()`` after the parameters cell (and papermill's injection).

        Returns
        -------
        NotebookParameters
            The validated, typed parameters.

        Raises
        ------
        ParameterError
            One error naming every bad parameter, its value and where to set it.
        """
        values = {name: namespace[name] for name in cls.model_fields if name in namespace}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raised = config_error(error, source=f"notebook {cls.notebook}", cls=ParameterError)
            raise _with_hint(raised, cls.notebook) from None
        except LoyaltyLabError as error:  # a YAML/JSON text that cannot be read
            raise ParameterError(f"notebook {cls.notebook}: {error}") from None

    def summary(self) -> pd.DataFrame:
        """Return the parameters as a table (parameter, value) for the report's appendix.

        Returns
        -------
        pandas.DataFrame
        """
        rows = [(name, value) for name, value in self.model_dump(mode="json").items()]
        return pd.DataFrame(rows, columns=["parameter", "value"])


def _with_hint(error: LoyaltyLabError, notebook: str) -> ParameterError:
    text = str(error).replace(": ", ": parameter ", 1) if "\n" not in str(error) else str(error)
    hint = (
        f"\nSet it in the notebook's parameters cell, with papermill `-p NAME VALUE`, or under the "
        f"report's `parameters:` in reports.yaml (notebook {notebook})."
    )
    return ParameterError(text + hint)
