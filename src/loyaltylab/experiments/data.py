"""Experiment tables: a CSV/Parquet file, a DataFrame or the synthetic campaign.

The notebook layer (:mod:`loyaltylab.reports.notebooks.experiment`) validates the notebook's
parameters, describes the data on the page and compares estimates with the synthetic truth; this
module only loads the table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from loyaltylab.datasets.campaign import SyntheticCampaign, generate_campaign
from loyaltylab.errors import DataValidationError, ParameterError

__all__ = ["SYNTHETIC_CAMPAIGN", "ExperimentData", "load_experiment_data"]

SYNTHETIC_CAMPAIGN = "synthetic"


@dataclass(frozen=True)
class ExperimentData:
    """One row per unit of an experiment, and where it came from.

    Attributes
    ----------
    frame : pandas.DataFrame
        The experiment table.
    source : str
        ``"synthetic"``, ``"DataFrame"`` or the file path.
    synthetic : SyntheticCampaign or None
        The generated campaign with its truth, when ``source == "synthetic"``.
    """

    frame: pd.DataFrame
    source: str
    synthetic: SyntheticCampaign | None = None

    def summary(self) -> pd.DataFrame:
        """Return source, units and columns as a two-column table (item, value)."""
        rows = [
            ("source", self.source),
            ("units (rows)", f"{len(self.frame):,}"),
            ("columns", ", ".join(map(str, self.frame.columns))),
        ]
        if self.synthetic is not None:
            rows.append(("generator seed", str(self.synthetic.truth["seed"])))
        return pd.DataFrame(rows, columns=["item", "value"])


def load_experiment_data(
    data: str | os.PathLike[str] | pd.DataFrame,
    *,
    synthetic_customers: int = 40_000,
    seed: int = 0,
    read_options: Mapping[str, Any] | None = None,
) -> ExperimentData:
    """Load an experiment table: ``"synthetic"``, a CSV/Parquet path, or a DataFrame.

    Parameters
    ----------
    data : str, path or pandas.DataFrame
        ``"synthetic"`` generates :func:`~loyaltylab.datasets.campaign.generate_campaign`;
        otherwise a ``.csv``/``.csv.gz``/``.parquet`` file with one row per customer.
    synthetic_customers : int, default 40000
        Customers of the synthetic campaign.
    seed : int, default 0
        Seed of the synthetic campaign.
    read_options : mapping, optional
        Keyword options of :func:`pandas.read_csv` (e.g. ``{"sep": ";"}``) or
        :func:`pandas.read_parquet` for a file.

    Returns
    -------
    ExperimentData

    Raises
    ------
    ParameterError
        ``data`` is neither a DataFrame, ``"synthetic"`` nor a path.
    DataValidationError
        The file does not exist, cannot be read or is empty.

    Examples
    --------
    >>> loaded = load_experiment_data("synthetic", synthetic_customers=1000, seed=2)
    >>> loaded.source, len(loaded.frame)
    ('synthetic', 1000)
    """
    if isinstance(data, pd.DataFrame):
        return ExperimentData(frame=data, source="DataFrame")
    if not isinstance(data, str | os.PathLike) or not str(data).strip():
        raise ParameterError(f"parameter 'data' must be 'synthetic' or a file path, got {data!r}")
    if str(data).strip().lower() == SYNTHETIC_CAMPAIGN:
        campaign = generate_campaign(synthetic_customers, seed=seed)
        return ExperimentData(frame=campaign.frame, source=SYNTHETIC_CAMPAIGN, synthetic=campaign)
    path = Path(data).expanduser()
    if not path.is_file():
        raise DataValidationError(f"experiment data file {str(path)!r} does not exist")
    options = dict(read_options or {})
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path, **options)
        else:
            frame = pd.read_csv(path, **options)
    except (OSError, ValueError, ImportError) as error:
        raise DataValidationError(f"cannot read experiment data {str(path)!r}: {error}") from None
    except TypeError as error:  # an option the reader does not know
        raise ParameterError(
            f"parameter 'read_options' {sorted(options)} does not fit the reader of "
            f"{str(path)!r}: {error}; see pandas.read_csv / pandas.read_parquet"
        ) from None
    if frame.empty:
        raise DataValidationError(f"experiment data file {str(path)!r} has no rows")
    return ExperimentData(frame=frame, source=str(path))
