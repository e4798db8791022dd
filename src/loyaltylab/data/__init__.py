"""Loading and validating input data into the canonical frames of ``DESIGN.md``.

This package imports nothing of Loyalty Lab except :mod:`loyaltylab.errors` and the input rules
(:mod:`loyaltylab.rules`: dates, customer ids, the data-quality log).
"""

from loyaltylab.data.loyalty import LoadedLedger, LoadedMembers, load_ledger, load_members
from loyaltylab.data.transactions import (
    CANONICAL_COLUMNS,
    OPTIONAL_COLUMNS,
    QUALITY_COLUMNS,
    REQUIRED_COLUMNS,
    LoadedTransactions,
    load_transactions,
)

__all__ = [
    "LoadedLedger",
    "LoadedMembers",
    "load_ledger",
    "load_members",
    "CANONICAL_COLUMNS",
    "OPTIONAL_COLUMNS",
    "QUALITY_COLUMNS",
    "REQUIRED_COLUMNS",
    "LoadedTransactions",
    "load_transactions",
]
