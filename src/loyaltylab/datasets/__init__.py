"""Data sets by name: CDNOW (bundled with lifetimes) and reproducible synthetic logs with truth."""

from loyaltylab.datasets.campaign import SyntheticCampaign, generate_campaign
from loyaltylab.datasets.cdnow import load_cdnow
from loyaltylab.datasets.loyalty import (
    SYNTHETIC_LOYALTY,
    generate_loyalty,
    resolve_ledger,
    resolve_loyalty_transactions,
    resolve_members,
)
from loyaltylab.datasets.resolve import (
    BUNDLED,
    DATASET_NAMES,
    SYNTHETIC,
    resolve_transactions,
    synthetic_dir,
)
from loyaltylab.datasets.synthetic import (
    SyntheticTransactions,
    generate_transactions,
    read_synthetic,
    write_synthetic,
)

__all__ = [
    "SyntheticCampaign",
    "generate_campaign",
    "SYNTHETIC_LOYALTY",
    "generate_loyalty",
    "resolve_ledger",
    "resolve_loyalty_transactions",
    "resolve_members",
    "BUNDLED",
    "DATASET_NAMES",
    "SYNTHETIC",
    "SyntheticTransactions",
    "generate_transactions",
    "load_cdnow",
    "read_synthetic",
    "resolve_transactions",
    "synthetic_dir",
    "write_synthetic",
]
