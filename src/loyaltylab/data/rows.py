"""How loaders name rows and word a refused input: line numbers, example rows, the fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from loyaltylab.rules import EXAMPLE_ROWS, LoadError

__all__ = ["RowProblems", "row_labels"]


def row_labels(index: pd.Index, from_file: bool) -> pd.Series:
    """Name each row: ``"line 2"`` (the file line, header = line 1) or ``"index 7"``."""
    if from_file:
        return pd.Series([f"line {pos + 2}" for pos in range(len(index))], index=index)
    return pd.Series([f"index {label}" for label in index], index=index)


@dataclass(frozen=True)
class RowProblems:
    """Builds the :class:`~loyaltylab.rules.hints.LoadError` of a loader for rows of its source.

    Attributes
    ----------
    raw : pandas.DataFrame
        The source as read (example rows are shown from it, with every source column).
    labels : pandas.Series
        The row names (:func:`row_labels`).
    name : str
        The source's name.
    """

    raw: pd.DataFrame
    labels: pd.Series
    name: str

    def error(
        self,
        what: str,
        column: str,
        mask: pd.Series,
        *,
        source_col: Any = None,
        remedy: str = "",
        fix: Mapping[str, Any] | None = None,
        alternatives: tuple[Mapping[str, Any], ...] = (),
        examples: pd.Series | None = None,
    ) -> LoadError:
        """Return the error for the rows in ``mask`` (count, up to five examples, the fix)."""
        count = int(mask.sum())
        shown = mask if examples is None else examples
        where = f"column {column!r}"
        if source_col is not None and source_col != column:
            where += f" (source column {source_col!r})"
        rows = shown[shown].index[:EXAMPLE_ROWS]
        listed = "; ".join(f"{self.labels.loc[row]}: {self.raw.loc[row].to_dict()}" for row in rows)
        problem = (
            f"{self.name}, {where}: {what} in {count} of {len(self.raw)} rows. "
            f"Examples ({len(rows)}): {listed}"
        )
        return LoadError(problem, remedy, fix, alternatives)
