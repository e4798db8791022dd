"""Tests for loyaltylab.reports.notebooks.sources (optional data-source parameters)."""

from __future__ import annotations

import pytest

from loyaltylab.errors import ParameterError
from loyaltylab.reports.notebooks.sources import optional_source


def test_optional_source_pairs_members_and_ledger() -> None:
    assert optional_source("", "members", pair="", pair_name="ledger") == ""
    assert optional_source(" m.csv ", "members", pair="l.csv", pair_name="ledger") == "m.csv"
    with pytest.raises(ParameterError, match="'members' is given but 'ledger' is empty"):
        optional_source("m.csv", "members", pair="", pair_name="ledger")
    with pytest.raises(ParameterError, match="'ledger' is given but 'members' is empty"):
        optional_source("", "members", pair="l.csv", pair_name="ledger")


def test_optional_source_without_pair_and_not_text() -> None:
    assert optional_source(None, "members") == ""
    assert optional_source(" m.csv ", "members") == "m.csv"
    with pytest.raises(ParameterError, match="'members' must be a data set name or a path"):
        optional_source(3, "members")


def test_optional_source_is_no_longer_a_kpi_name() -> None:
    from loyaltylab import kpi

    assert not hasattr(kpi, "optional_source")
