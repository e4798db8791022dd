"""Shared fixtures: the bundled CDNOW sample, loaded once per session (read-only)."""

import pandas as pd
import pytest

from loyaltylab.datasets import load_cdnow


@pytest.fixture(scope="session")
def cdnow_sample() -> pd.DataFrame:
    """CDNOW_sample.txt in canonical columns (2,357 customers, 6,919 rows); do not modify."""
    return load_cdnow(sample=True)
