"""The optional ``data:`` section of ``reports.yaml``: named data sources.

A data source says once where a data set is and how to read it, so that several reports can
name it instead of repeating paths and column mappings::

    data:
      shop:
        transactions: data/shop/orders.parquet   # a CSV/Parquet path or a bundled name,
                                                 # or postgresql://me@db/shop?table=sales
        columns: {customer_id: customer, timestamp: ts, amount: value}
        load: {returns: net}                     # loader options, passed on as given
        members: data/shop/members.csv           # optional, for program KPIs
        ledger: data/shop/ledger.csv             # optional

Names follow the report-name rule (letters, digits, ``_``, ``-``). ``columns`` maps a canonical
name to the data's own column, the one direction of every ``columns`` in Loyalty Lab (a notebook's
``columns`` parameter, :func:`loyaltylab.data.load_transactions`), checked by the one rule
:func:`loyaltylab.rules.column_mapping` (known canonical names, one source column per name).
``load`` holds the loader's options, as a notebook's ``load`` parameter does (the member and
ledger loaders' options under ``load.members`` and ``load.ledger``); the notebook checks them.

A report uses a source by name (``data: shop``) or gives its own (``data: {transactions: ...}``);
:meth:`DataSource.notebook_parameters` turns it into the notebook's parameters (the wiring is in
:mod:`loyaltylab.config.reports`). In Python, :meth:`DataSource.load_transactions` loads it, and
:meth:`LoyaltyConfig.data_source <loyaltylab.config.LoyaltyConfig.data_source>` looks one up by
name. Unknown keys are an error.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from loyaltylab.config.base import ConfigModel
from loyaltylab.rules.columns import ColumnMappingError, column_mapping

if TYPE_CHECKING:
    from loyaltylab.data import LoadedTransactions

__all__ = ["PROGRAM_TABLES", "SOURCE_PARAMETERS", "DataSource", "check_source_names"]

SOURCE_PARAMETERS = ("transactions", "columns", "load", "members", "ledger")
"""The notebook parameters a data source sets (when the notebook declares them)."""

PROGRAM_TABLES = ("members", "ledger")
"""The loyalty-program tables; their loaders' options sit under ``load.members`` etc."""

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _none_to_empty(value: Any) -> Any:
    return {} if value is None else value


def _blank_to_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


class DataSource(ConfigModel):
    """One named data source of the ``data:`` section.

    Attributes
    ----------
    transactions : str
        A CSV/Parquet path (relative to the project root) or a bundled data set name
        (``"cdnow"``, ``"synthetic"``).
    columns : dict of str to str
        Canonical name -> the data's column (``{"customer_id": "cust"}``).
    load : dict
        Loader options (e.g. ``{"returns": "net"}``; the member and ledger loaders' under
        ``members`` / ``ledger``), passed to the notebook's ``load`` parameter unchanged.
    members, ledger : str or None
        Paths or bundled names of the member table and the points ledger.
    description : str
        Free text.

    Examples
    --------
    >>> DataSource.model_validate({"transactions": "cdnow_sample"}).columns
    {}
    """

    transactions: _Text
    columns: Annotated[dict[str, _Text], BeforeValidator(_none_to_empty)] = {}
    load: Annotated[dict[str, Any], BeforeValidator(_none_to_empty)] = {}
    members: Annotated[_Text | None, BeforeValidator(_blank_to_none)] = None
    ledger: Annotated[_Text | None, BeforeValidator(_blank_to_none)] = None
    description: Annotated[str, BeforeValidator(lambda value: value or "")] = ""

    @field_validator("columns")
    @classmethod
    def _canonical_to_source(cls, columns: dict[str, str]) -> dict[str, str]:
        from loyaltylab.data import CANONICAL_COLUMNS

        try:
            return column_mapping(columns, canonical=CANONICAL_COLUMNS, prefixes=("points_",))
        except ColumnMappingError as error:
            raise PydanticCustomError("columns", "; ".join(error.problems)) from None

    def notebook_parameters(self, declared: Collection[str]) -> dict[str, Any]:
        """Return the notebook parameters this source sets, for a notebook declaring ``declared``.

        ``transactions`` always; ``columns`` and ``load`` when not empty; ``members`` and
        ``ledger`` (and their options ``load.members`` / ``load.ledger``) only if the notebook
        declares them, so one source with program tables serves a notebook without them too.

        Parameters
        ----------
        declared : collection of str
            The parameters the notebook's ``parameters`` cell declares.

        Returns
        -------
        dict
            ``{parameter: value}``; the caller checks that each one is declared.

        Examples
        --------
        >>> source = DataSource.model_validate(
        ...     {"transactions": "synthetic", "members": "synthetic_loyalty",
        ...      "ledger": "synthetic_loyalty", "load": {"members": {"duplicates": "first"}}})
        >>> source.notebook_parameters(["transactions", "load"])
        {'transactions': 'synthetic'}
        >>> sorted(source.notebook_parameters(["transactions", "members", "ledger", "load"]))
        ['ledger', 'load', 'members', 'transactions']
        """
        load = {
            key: value
            for key, value in self.load.items()
            if key not in PROGRAM_TABLES or key in declared
        }
        parameters: dict[str, Any] = {"transactions": self.transactions}
        if self.columns:
            parameters["columns"] = dict(self.columns)
        if load:
            parameters["load"] = load
        for table in PROGRAM_TABLES:
            value = getattr(self, table)
            if value is not None and table in declared:
                parameters[table] = value
        return parameters

    def load_transactions(self, **options: Any) -> LoadedTransactions:
        """Load this source's transactions with its ``columns`` and ``load`` options.

        Parameters
        ----------
        **options
            Loader options that replace the source's own (e.g. ``observation_end``).

        Returns
        -------
        loyaltylab.data.LoadedTransactions

        Examples
        --------
        >>> source = DataSource.model_validate({"transactions": "cdnow_sample"})
        >>> source.load_transactions().source
        'cdnow_sample'
        """
        from loyaltylab.datasets.resolve import resolve_transactions
        from loyaltylab.engine import is_engine_source

        policy = {k: v for k, v in self.load.items() if k not in PROGRAM_TABLES}
        if is_engine_source(self.transactions):  # a database table or a Parquet glob
            from loyaltylab.engine.loading import load_engine_as_loaded

            return load_engine_as_loaded(
                self.transactions, dict(self.columns) or None, {**policy, **options}
            )
        return resolve_transactions(
            self.transactions, dict(self.columns) or None, **{**policy, **options}
        )


def check_source_names(sources: dict[str, DataSource]) -> dict[str, DataSource]:
    """Return ``sources`` if every name is safe (a validator of the ``data:`` mapping).

    Raises
    ------
    pydantic_core.PydanticCustomError
        Naming the unsafe names.
    """
    unsafe = [name for name in sources if not _SAFE_NAME.match(str(name))]
    if unsafe:
        raise PydanticCustomError(
            "data_name",
            f"{len(unsafe)} data source name(s) {unsafe[:5]} are not 1-64 letters, digits, '_' "
            "or '-'",
        )
    return sources
