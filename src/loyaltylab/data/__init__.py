"""Loading and validating input data into the canonical frames of ``DESIGN.md``.

This package imports nothing of Loyalty Lab except :mod:`loyaltylab.errors`.
"""

from loyaltylab.data.transactions import (
    CANONICAL_COLUMNS,
    OPTIONAL_COLUMNS,
    QUALITY_COLUMNS,
    REQUIRED_COLUMNS,
    LoadedTransactions,
    load_transactions,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "OPTIONAL_COLUMNS",
    "QUALITY_COLUMNS",
    "REQUIRED_COLUMNS",
    "LoadedTransactions",
    "load_transactions",
]
