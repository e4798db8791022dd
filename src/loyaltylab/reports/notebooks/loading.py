"""What a notebook reads and how: the ``load`` parameter and the shared parameter types.

DESIGN.md: "Every loader option is reachable through a ``load`` parameter." A notebook's ``load``
mapping is passed to the loader as keyword arguments. Its keys are checked against the loader's
own keyword names when the parameters are validated, so a misspelt option stops the run at once
with one :class:`~loyaltylab.errors.ParameterError` listing the valid ones. Keywords that are
parameters of the notebook (``observation_end``, ``columns``) or that the loader sets itself
(``source_name``, the ledger's ``members``) are not options.

A notebook reads its data through its parameter model, in one call per table:
``params.load_transactions()`` (:class:`TransactionParameters`, the base of every notebook that
reads a purchase log), ``params.load_members()`` and ``params.load_ledger(members)``. A loader's
refusal then names the fix as the user types it there (``set `load: {invalid: drop}` in the
notebook parameters ...``, :mod:`loyaltylab.reports.notebooks.sources`), not a Python keyword.

The notebooks that read the loyalty-program tables too (01_customers, 05_scorecard) take the
member and ledger loaders' options under ``load["members"]`` and ``load["ledger"]``; every other
key is an option of the transaction loader. :class:`ProgramDataParameters` is their shared base:
the transactions, the member/ledger pair (both or neither), the KPI period and the point value.

Examples
--------
>>> "returns" in TRANSACTION_LOAD_OPTIONS, "observation_end" in TRANSACTION_LOAD_OPTIONS
(True, False)
>>> check_load_options({"returns": "drop"}, TRANSACTION_LOAD_OPTIONS, "load_transactions")
{'returns': 'drop'}
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Annotated, Any

import pandas as pd
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from loyaltylab.data import LoadedTransactions, load_transactions
from loyaltylab.data.loyalty import LoadedLedger, LoadedMembers, load_ledger, load_members
from loyaltylab.datasets.loyalty import resolve_ledger, resolve_members
from loyaltylab.errors import ParameterError
from loyaltylab.kpi import as_period
from loyaltylab.reports.notebooks.parameters import (
    Day,
    MappingText,
    NotebookParameters,
    ParameterMapping,
    read_mapping,
)
from loyaltylab.reports.notebooks.sources import (
    call_with_notebook_hints,
    load_transactions_for_notebook,
    optional_source,
    source_on_engine,
)
from loyaltylab.rules import time_unit

__all__ = [
    "LEDGER_LOAD_OPTIONS",
    "MEMBER_LOAD_OPTIONS",
    "TRANSACTION_LOAD_OPTIONS",
    "Count",
    "Number",
    "OptionalSource",
    "Period",
    "ProgramDataParameters",
    "ProgramLoad",
    "TimeUnit",
    "UNIT_NAMES",
    "TransactionLoad",
    "TransactionParameters",
    "check_load_options",
    "loader_options",
    "rule_validator",
]


def loader_options(loader: Callable[..., Any], *, own: Sequence[str] = ()) -> tuple[str, ...]:
    """Return the keyword-only option names of a loader, without those in ``own``.

    Parameters
    ----------
    loader : callable
        A loader such as :func:`loyaltylab.data.load_transactions`.
    own : sequence of str, optional
        Keywords set by the notebook's own parameters or by the resolver.

    Returns
    -------
    tuple of str
        In the loader's signature order.

    Examples
    --------
    >>> loader_options(load_members, own=("observation_end",))[:2]
    ('tiers', 'duplicates')
    """
    return tuple(
        name
        for name, parameter in inspect.signature(loader).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in own
    )


TRANSACTION_LOAD_OPTIONS = loader_options(load_transactions, own=("observation_end", "source_name"))
"""Options of :func:`loyaltylab.data.load_transactions` a ``load`` parameter may set."""

MEMBER_LOAD_OPTIONS = loader_options(load_members, own=("observation_end",))
"""Options of :func:`loyaltylab.data.loyalty.load_members` (under ``load["members"]``)."""

LEDGER_LOAD_OPTIONS = loader_options(load_ledger, own=("members", "observation_end"))
"""Options of :func:`loyaltylab.data.loyalty.load_ledger` (under ``load["ledger"]``)."""

_PROGRAM_TABLES = {"members": MEMBER_LOAD_OPTIONS, "ledger": LEDGER_LOAD_OPTIONS}
_LOADER_NAMES = {"members": "load_members", "ledger": "load_ledger"}


def check_load_options(
    options: Mapping[str, Any], valid: Sequence[str], loader: str, *, where: str = "load"
) -> dict[str, Any]:
    """Return ``options`` as a dict if every key is an option of the loader.

    Parameters
    ----------
    options : mapping
        The loader options a notebook was given.
    valid : sequence of str
        The loader's option names (:func:`loader_options`).
    loader : str
        The loader's name, for the message.
    where : str, default "load"
        Where the options were given, for the message (``'load["ledger"]'``).

    Returns
    -------
    dict

    Raises
    ------
    ValueError
        Naming the unknown keys and listing the valid ones (a model field turns it into a
        :class:`~loyaltylab.errors.ParameterError` naming the parameter).

    Examples
    --------
    >>> check_load_options({"retrns": "drop"}, ("returns",), "load_transactions")
    Traceback (most recent call last):
    ...
    ValueError: unknown option(s) ['retrns'] of load_transactions in load; valid: ['returns']
    """
    unknown = [key for key in options if key not in valid]
    if unknown:
        raise ValueError(
            f"unknown option(s) {unknown} of {loader} in {where}; valid: {list(valid)}"
        )
    return dict(options)


def _transaction_load(value: dict[str, Any]) -> dict[str, Any]:
    return check_load_options(value, TRANSACTION_LOAD_OPTIONS, "load_transactions")


def _program_load(value: dict[str, Any]) -> dict[str, Any]:
    checked = dict(value)
    for table, valid in _PROGRAM_TABLES.items():
        if table in checked:
            options = read_mapping(checked[table])
            if not isinstance(options, Mapping):
                raise ValueError(f'load["{table}"] must be a mapping of options, got {options!r}')
            where = f'load["{table}"]'
            checked[table] = check_load_options(options, valid, _LOADER_NAMES[table], where=where)
    rest = {key: item for key, item in checked.items() if key not in _PROGRAM_TABLES}
    try:
        _transaction_load(rest)
    except ValueError as error:
        raise ValueError(
            f"{error}; the member and ledger options go under 'members'/'ledger'"
        ) from None
    return checked


TransactionLoad = Annotated[dict[str, Any], MappingText, AfterValidator(_transaction_load)]
"""A ``load`` parameter: options of :func:`loyaltylab.data.load_transactions`."""

ProgramLoad = Annotated[dict[str, Any], MappingText, AfterValidator(_program_load)]
"""A ``load`` parameter: transaction-loader options, plus ``members`` and ``ledger`` mappings of
the member and ledger loaders' options."""


def rule_validator(rule: Callable[[Any, str], Any]) -> BeforeValidator:
    """Wrap an input rule that raises ParameterError as a field validator.

    The rule's message loses its ``parameter 'value'`` prefix and its ``, got ...`` end: the
    model's error names the field and the value.

    Parameters
    ----------
    rule : callable
        ``rule(value, name)``, e.g. :func:`loyaltylab.rules.time_unit`.

    Returns
    -------
    pydantic.BeforeValidator
    """

    def validate(value: Any) -> Any:
        try:
            return rule(value, "value")
        except ParameterError as error:
            text = str(error).replace("parameter 'value' ", "", 1)
            raise ValueError(text.removesuffix(f", got {value!r}")) from None

    return BeforeValidator(validate)


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"must be a number, not {value!r}")
    return value


TimeUnit = Annotated[str, rule_validator(time_unit)]
"""A key of :data:`loyaltylab.rules.TIME_UNIT_DAYS` (``"w"`` reads as ``"W"``)."""


def _finite(value: Any) -> Any:
    value = _no_bool(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value  # the float type says what is wrong
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {value!r}")
    return value


Number = Annotated[float, BeforeValidator(_finite)]
"""A finite number (``"0.1"`` from papermill reads as 0.1; ``True``, NaN and inf are refused)."""

Count = Annotated[int, BeforeValidator(_no_bool)]
"""A whole number (``"26"`` and ``26.0`` read as 26; ``"2.5"`` and ``True`` are refused)."""

UNIT_NAMES: Mapping[str, str] = MappingProxyType({"D": "days", "W": "weeks", "M": "months"})
"""Plural names of the time units of :data:`loyaltylab.rules.TIME_UNIT_DAYS`, for sentences."""


Period = Annotated[str, rule_validator(as_period)]
"""A KPI period, read by :func:`loyaltylab.kpi.as_period` (``"m"`` reads as ``"M"``)."""

OptionalSource = Annotated[str, rule_validator(optional_source)]
"""A data set name or a path; ``""`` (or ``None``) when not given."""


class TransactionParameters(NotebookParameters):
    """Shared parameters of the notebooks that read a purchase log, and the one call that reads it.

    ``transactions`` (a data set name or a path), ``columns`` (canonical name -> your column),
    ``load`` (options of :func:`loyaltylab.data.load_transactions`) and ``observation_end``;
    :meth:`load_transactions` reads them. Subclasses set :attr:`notebook` and their defaults.

    Examples
    --------
    >>> class Demo(TransactionParameters):
    ...     notebook = "99_demo"
    >>> params = Demo.from_namespace({"load": "returns: drop", "output_dir": ""})
    >>> loaded = params.load_transactions()
    >>> loaded.source, loaded.policy["returns"]
    ('cdnow_sample', 'drop')
    """

    transactions: str = "cdnow_sample"
    columns: ParameterMapping = {}
    load: TransactionLoad = {}
    observation_end: Day = pd.Timestamp("1998-06-30")
    engine: str = "auto"

    @field_validator("engine")
    @classmethod
    def _engine_reads_the_source(cls, value: str, info: ValidationInfo) -> str:
        try:
            source_on_engine(str(info.data.get("transactions", "")), value)
        except ParameterError as error:
            raise ValueError(str(error)) from None
        return value

    @property
    def transaction_options(self) -> dict[str, Any]:
        """Options of the transaction loader given in ``load``."""
        return dict(self.load)

    def load_transactions(self) -> LoadedTransactions:
        """Read ``transactions`` with ``columns``, the ``load`` options and ``observation_end``.

        Returns
        -------
        loyaltylab.data.LoadedTransactions

        Raises
        ------
        loyaltylab.rules.LoadError
            The loader refused the data; the message names the fix as this notebook's ``load``
            parameter (``set `load: {invalid: drop}` in the notebook parameters ...``).
        """
        return load_transactions_for_notebook(
            source_on_engine(self.transactions, self.engine),
            self.columns,
            self.transaction_options,
            observation_end=self.observation_end,
        )


class ProgramDataParameters(TransactionParameters):
    """Shared parameters of the notebooks that read transactions plus the program tables.

    ``members`` and ``ledger`` are given together or not at all (the rule of
    :func:`~loyaltylab.reports.notebooks.sources.optional_source`); ``load`` holds the
    transaction loader's options plus ``members`` / ``ledger`` mappings of the other two loaders'
    options (:attr:`transaction_options`, :attr:`member_options`, :attr:`ledger_options`).
    Subclasses set :attr:`notebook` and their own defaults.
    """

    load: ProgramLoad = {}
    members: OptionalSource = ""
    ledger: OptionalSource = ""
    period: Period = "M"
    point_value: Number = Field(0.01, ge=0)

    @field_validator("ledger")
    @classmethod
    def _both_or_neither(cls, value: str, info: ValidationInfo) -> str:
        if "members" in info.data:
            try:
                optional_source(value, "ledger", pair=info.data["members"], pair_name="members")
            except ParameterError as error:
                raise ValueError(str(error)) from None
        return value

    @property
    def program_data(self) -> bool:
        """Whether the member base and the ledger are given (the program KPIs are computed)."""
        return bool(self.members)

    @property
    def transaction_options(self) -> dict[str, Any]:
        """Options of the transaction loader: ``load`` without ``members`` and ``ledger``."""
        return {key: item for key, item in self.load.items() if key not in _PROGRAM_TABLES}

    @property
    def member_options(self) -> dict[str, Any]:
        """Options of the member loader, ``load["members"]``."""
        return dict(self.load.get("members", {}))

    @property
    def ledger_options(self) -> dict[str, Any]:
        """Options of the ledger loader, ``load["ledger"]``."""
        return dict(self.load.get("ledger", {}))

    def load_members(self) -> LoadedMembers | None:
        """Read the member base ``members`` with ``load["members"]``; ``None`` without one.

        Returns
        -------
        loyaltylab.data.loyalty.LoadedMembers or None

        Raises
        ------
        loyaltylab.rules.LoadError
            Worded as ``set `load: {members: {...}}` in the notebook parameters ...``.
        """
        if not self.program_data:
            return None
        return call_with_notebook_hints(
            resolve_members,
            self.members,
            section="members",
            observation_end=self.observation_end,
            **self.member_options,
        )

    def load_ledger(self, members: LoadedMembers | None) -> LoadedLedger | None:
        """Read the points ledger ``ledger`` with ``load["ledger"]``; ``None`` without one.

        Parameters
        ----------
        members : loyaltylab.data.loyalty.LoadedMembers or None
            From :meth:`load_members`: every ledger row must belong to a member.

        Returns
        -------
        loyaltylab.data.loyalty.LoadedLedger or None

        Raises
        ------
        loyaltylab.rules.LoadError
            Worded as ``set `load: {ledger: {...}}` in the notebook parameters ...``.
        """
        if not self.program_data or members is None:
            return None
        return call_with_notebook_hints(
            resolve_ledger,
            self.ledger,
            section="ledger",
            members=members,
            observation_end=self.observation_end,
            **self.ledger_options,
        )
