"""Data sets by name: CDNOW (bundled with lifetimes) and reproducible synthetic logs with truth.

``synthetic_lines`` (:mod:`loyaltylab.datasets.lines`) is an invoice-line log with the traits of
real e-commerce exports (cancellation invoices, guest checkouts, US dates, duplicates).
"""

from loyaltylab.datasets.campaign import SyntheticCampaign, generate_campaign
from loyaltylab.datasets.cdnow import load_cdnow
from loyaltylab.datasets.feedback import (
    SYNTHETIC_FEEDBACK,
    generate_feedback,
    read_feedback_truth,
    resolve_referrals,
    resolve_surveys,
)
from loyaltylab.datasets.lines import SyntheticLines, generate_lines, read_lines_truth, write_lines
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
    SYNTHETIC_LINES,
    resolve_transactions,
    synthetic_dir,
    synthetic_lines_dir,
)
from loyaltylab.datasets.synthetic import (
    SyntheticTransactions,
    generate_transactions,
    read_synthetic,
    write_synthetic,
)

__all__ = [
    "SYNTHETIC_FEEDBACK",
    "generate_feedback",
    "read_feedback_truth",
    "resolve_referrals",
    "resolve_surveys",
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
    "SYNTHETIC_LINES",
    "SyntheticLines",
    "SyntheticTransactions",
    "generate_lines",
    "generate_transactions",
    "load_cdnow",
    "read_lines_truth",
    "read_synthetic",
    "resolve_transactions",
    "synthetic_dir",
    "synthetic_lines_dir",
    "write_lines",
    "write_synthetic",
]
