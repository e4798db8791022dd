"""The opening answer of notebook 04_reward_models, written from the metrics the notebook writes.

:func:`answer` takes the metrics dict of :func:`loyaltylab.reports.notebooks.rewards.to_metrics`
(``programs.<name>.<metric>{,_low,_high}`` as Monte Carlo medians and 80 % interval ends,
``best_program``, ``settings.*``) and returns three to five sentences: which program earns the
most and how sure that is, which lose money, what the winner leaves on the books and what was
simulated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loyaltylab.display import format_money, format_percent
from loyaltylab.reports.notebooks.clv_answer import _number, metric

__all__ = ["answer"]


def _range(row: Mapping[str, Any], key: str, currency: str | None, bold: bool = False) -> str:
    """Return ``'$1,234 (80 % interval -$50 to $2,400)'`` for a money metric of a program."""
    mid = format_money(float(row[key]), currency)
    mid = f"**{mid}**" if bold else mid
    low, high = _number(row.get(f"{key}_low")), _number(row.get(f"{key}_high"))
    if low is None or high is None:
        return mid
    return f"{mid} (80 % interval {format_money(low, currency)} to {format_money(high, currency)})"


def answer(metrics: Mapping[str, Any], *, currency: str | None = None) -> list[str]:
    """Write the opening answer of notebook 04_reward_models (three to five sentences).

    Parameters
    ----------
    metrics : mapping
        The notebook's metrics (``programs.<program>.incremental_margin{,_low,_high}``,
        ``roi``, ``breakage_rate``, ``liability_end``, ``best_program``, ``settings.*``).
    currency : str, optional
        Currency symbol; default the run's (``settings.currency``).

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        When no program has an ``incremental_margin``.

    Examples
    --------
    >>> m = {"programs": {"a": {"incremental_margin": 900.0, "incremental_margin_low": 100.0,
    ...                         "incremental_margin_high": 1500.0, "roi": 0.4},
    ...                   "b": {"incremental_margin": -300.0, "incremental_margin_low": -600.0,
    ...                         "incremental_margin_high": -50.0}}}
    >>> answer(m, currency="$")[0]
    '**a** earns the most: a median incremental margin of **$900** (80 % interval $100 to $1,500), a return of 40.0 % on its reward and running costs.'
    """  # noqa: E501
    programs = {
        name: row
        for name, row in (metric(metrics, "programs", {}) or {}).items()
        if isinstance(row, Mapping) and _number(row.get("incremental_margin")) is not None
    }
    if not programs:
        raise ValueError(
            "rewards_answer.answer: no program has programs.<name>.incremental_margin; pass the "
            "metrics dict the 04_reward_models notebook wrote (rewards.to_metrics)"
        )
    ranked = sorted(programs, key=lambda name: float(programs[name]["incremental_margin"]))[::-1]
    best = str(metric(metrics, "best_program") or ranked[0])
    if best not in programs:
        best = ranked[0]
    row = programs[best]
    roi = _number(row.get("roi"))
    sentences = [
        f"**{best}** earns the most: a median incremental margin of "
        f"{_range(row, 'incremental_margin', currency, bold=True)}"
        + (f", a return of {format_percent(roi)} on its reward and running costs" if roi else "")
        + "."
    ]
    others = [name for name in ranked if name != best]
    if others:
        second = others[0]
        runner = programs[second]
        overlap = (
            _number(row.get("incremental_margin_low")) is not None
            and _number(runner.get("incremental_margin_high")) is not None
            and float(row["incremental_margin_low"]) < float(runner["incremental_margin_high"])
        )
        sentences.append(
            f"Next is {second} with {_range(runner, 'incremental_margin', currency)}; "
            + (
                "the intervals overlap, so the order of the two is not settled by this simulation."
                if overlap
                else f"{best} is ahead in most simulated scenarios."
            )
        )
    losing = [n for n in ranked if _number(programs[n].get("incremental_margin_high")) is not None
              and float(programs[n]["incremental_margin_high"]) < 0]
    likely = [n for n in ranked if n not in losing and float(programs[n]["incremental_margin"]) < 0]
    if losing or likely:
        parts = []
        if losing:
            parts.append(f"{', '.join(losing)} in 80 % of the scenarios")
        if likely:
            parts.append(f"{', '.join(likely)} probably (median below zero)")
        sentences.append("Losing money: " + "; ".join(parts) + ".")
    breakage, liability = _number(row.get("breakage_rate")), _number(row.get("liability_end"))
    if breakage is not None or liability is not None:
        bits = []
        if breakage is not None:
            bits.append(f"{format_percent(breakage)} of its points are never redeemed (breakage)")
        if liability is not None:
            bits.append(
                f"it leaves a points liability of {format_money(liability, currency)} at the end"
            )
        sentences.append(f"Under {best}, " + " and ".join(bits) + ".")
    n_customers = _number(metric(metrics, "settings.n_customers"))
    weeks = _number(metric(metrics, "settings.horizon_weeks"))
    if n_customers is not None and weeks is not None:
        source = metric(metrics, "settings.population_source")
        draws = _number(metric(metrics, "settings.n_draws"))
        sentences.append(
            f"Simulated: {int(n_customers):,} customers over {weeks / 52:.1f} years"
            + (f", drawn from the {source}" if source else "")
            + (f", {int(draws):,} draws over the assumption ranges" if draws else "")
            + "; the run's decision page weighs the designs on the company's own data with "
            "P(best), break-even and the measured evidence."
        )
    return sentences[:5]
