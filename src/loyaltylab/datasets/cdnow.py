"""The CDNOW purchase log that ships inside the ``lifetimes`` wheel.

CDNOW (an online CD retailer) purchase histories of the 23,570 customers who made their first
purchase in the first quarter of 1997, followed to the end of June 1998 (Fader & Hardie; the data
set of Fader, Hardie & Lee 2005, *Marketing Science* 24(2)). Two whitespace-separated files are in
``lifetimes/datasets``:

* ``CDNOW_master.txt``: header ``customer_id date number_of_cds dollar_value``, 69,659 rows,
  23,570 customers;
* ``CDNOW_sample.txt``: no header, columns *master customer id*, *sample index* (0001..2357),
  date, number of CDs, dollar value; 6,919 rows, 2,357 customers (the 1/10 sample used in the
  paper).

The files are read with :mod:`importlib.resources`; ``lifetimes.datasets`` itself is never imported
(it needs ``pkg_resources``, reference/clv.md §1b). Customer ids are the master ids (``"00004"``)
in both files, so the sample is a subset of the master log.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from loyaltylab.errors import DataValidationError
from loyaltylab.rules import customer_ids, parse_timestamps

__all__ = ["CDNOW_FILES", "load_cdnow"]

CDNOW_FILES: dict[bool, str] = {False: "CDNOW_master.txt", True: "CDNOW_sample.txt"}
_SAMPLE_NAMES = ["customer_id", "sample_index", "date", "number_of_cds", "dollar_value"]


def load_cdnow(sample: bool = False) -> pd.DataFrame:
    """Return the CDNOW purchase log in canonical columns.

    Every row of the file is returned as it is (no merging or de-duplication: identical rows on
    the same day are separate order lines; the published model estimates use them all).

    Parameters
    ----------
    sample : bool, default False
        ``False``: the full log (``CDNOW_master.txt``, 23,570 customers, 69,659 rows);
        ``True``: the 1/10 sample (``CDNOW_sample.txt``, 2,357 customers, 6,919 rows).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (str, master id such as ``"00004"``), ``timestamp`` (``datetime64[ns]``,
        dates 1997-01-01 .. 1998-06-30), ``amount`` (float, US dollars), in file order.

    Examples
    --------
    >>> tx = load_cdnow(sample=True)
    >>> tx["customer_id"].nunique(), len(tx)
    (2357, 6919)
    """
    name = CDNOW_FILES[bool(sample)]
    path = resources.files("lifetimes") / "datasets" / name
    if not path.is_file():
        raise DataValidationError(
            f"bundled data set {name} not found in the lifetimes package at {path}; "
            "reinstall lifetimes==0.11.3"
        )
    with path.open("r", encoding="ascii") as stream:
        if sample:
            raw = pd.read_csv(
                stream, sep=r"\s+", header=None, names=_SAMPLE_NAMES, dtype=str, engine="c"
            )
        else:
            raw = pd.read_csv(stream, sep=r"\s+", dtype=str, engine="c")
    dates = parse_timestamps(raw["date"], date_format="%Y%m%d")
    if dates.unparseable.any():
        raise DataValidationError(
            f"bundled data set {name}: {int(dates.unparseable.sum())} dates are not yyyymmdd, "
            f"e.g. {raw.loc[dates.unparseable, 'date'].head(5).tolist()}; reinstall "
            "lifetimes==0.11.3"
        )
    return pd.DataFrame(
        {
            "customer_id": customer_ids(raw["customer_id"]),
            "timestamp": dates.timestamps,
            "amount": raw["dollar_value"].astype("float64"),
        }
    )
