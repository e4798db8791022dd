"""The optional ``data:`` section of ``reports.yaml``: named data sources.

A data source says once where a data set is and how to read it, so that several reports can
name it instead of repeating paths and column mappings::

    data:
      shop:
        transactions: data/shop/orders.parquet   # a CSV/Parquet path or a bundled name
        columns: {customer: customer_id, ts: timestamp, value: amount}
        load: {returns: net}                     # loader options, passed on as given
        members: data/shop/members.csv           # optional, for program KPIs
        ledger: data/shop/ledger.csv             # optional

Names follow the report-name rule (letters, digits, ``_``, ``-``). ``columns`` maps the data's
own column names to the canonical ones; ``load`` holds the loader's options and is checked by
the loader, not here. A notebook looks a source up with :meth:`LoyaltyConfig.data_source
<loyaltylab.config.LoyaltyConfig.data_source>`. Unknown keys are an error.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from loyaltylab.config.base import ConfigModel

__all__ = ["DataSource", "check_source_names"]

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
        The data's column names mapped to the canonical ones (``{"cust": "customer_id"}``).
    load : dict
        Options of the transaction loader (e.g. ``{"returns": "net"}``), passed on unchanged.
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
    def _one_target_per_column(cls, columns: dict[str, str]) -> dict[str, str]:
        targets = list(columns.values())
        repeated = sorted({name for name in targets if targets.count(name) > 1})
        if repeated:
            raise PydanticCustomError(
                "columns",
                f"{len(repeated)} canonical column(s) {repeated[:5]} are mapped from more than one "
                "column; map each canonical column once",
            )
        return columns


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
