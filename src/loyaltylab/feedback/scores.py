"""Feedback KPIs: NPS, CSAT, response rate and reward preference, overall and by group.

**NPS** (Reichheld 2003): the share of promoters (answer 9-10) minus the share of detractors
(0-6), in points from -100 to 100. With ``n`` answers, shares ``p_pro`` and ``p_det``, the answer
is a draw of a three-category multinomial, so ``NPS = 100 (p_pro - p_det)`` has

    var(p_pro - p_det) = (p_pro + p_det - (p_pro - p_det)^2) / n

(the variance of a score that is +1, 0 or -1). The Wald interval is ``NPS +- z * 100 sqrt(var)``
(clipped to -100..100). The change between two waves of independent samples has the sum of the
two variances.

**CSAT**: the mean answer (1-5) with a t interval, and the top-2-box share (4 or 5) with a
Wilson interval (:func:`statsmodels.stats.proportion.proportion_confint`).

**Response rate**: answers / customers invited (or the customers of the period when no
invitation list is given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from loyaltylab.errors import DataValidationError, ParameterError

__all__ = [
    "NPS_GROUPS",
    "CSATResult",
    "NPSChange",
    "NPSResult",
    "csat",
    "csat_by",
    "nps",
    "nps_by",
    "nps_change",
    "nps_group",
    "response_rate",
    "preference_mix",
    "reward_preference_shares",
]

#: NPS groups in their order (detractor 0-6, passive 7-8, promoter 9-10).
NPS_GROUPS: tuple[str, ...] = ("detractor", "passive", "promoter")


def nps_group(scores: pd.Series | Sequence[float]) -> pd.Series:
    """Return the NPS group of each answer: detractor (0-6), passive (7-8), promoter (9-10).

    Examples
    --------
    >>> nps_group([0, 6, 7, 8, 9, 10]).tolist()
    ['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']
    """
    values = pd.Series(scores, dtype=float)
    group = np.select([values >= 9, values >= 7], ["promoter", "passive"], "detractor")
    return pd.Series(pd.Categorical(group, categories=list(NPS_GROUPS)), index=values.index)


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ParameterError(f"parameter 'level' must be between 0 and 1, got {level}")
    return float(stats.norm.ppf(0.5 + level / 2))


@dataclass(frozen=True)
class NPSResult:
    """Net promoter score of a set of answers, in points, with its Wald interval.

    Attributes
    ----------
    value, se, ci_low, ci_high : float
        NPS and its standard error and interval, in points (-100..100).
    n, promoters, passives, detractors : int
    level : float
    """

    value: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    promoters: int
    passives: int
    detractors: int
    level: float = 0.95

    @property
    def promoter_share(self) -> float:
        """Share of promoters (9-10)."""
        return self.promoters / self.n if self.n else float("nan")

    @property
    def detractor_share(self) -> float:
        """Share of detractors (0-6)."""
        return self.detractors / self.n if self.n else float("nan")

    def summary(self) -> pd.DataFrame:
        """Return the NPS, its interval, n and the three shares as a one-row table."""
        return pd.DataFrame(
            [
                {
                    "nps": self.value,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "se": self.se,
                    "n": self.n,
                    "promoters": self.promoter_share,
                    "passives": self.passives / self.n if self.n else float("nan"),
                    "detractors": self.detractor_share,
                }
            ]
        )

    def to_metrics(self) -> dict[str, Any]:
        """Return ``value``, ``ci_low``, ``ci_high``, ``se``, ``n`` and the two shares."""
        return {
            "value": self.value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "se": self.se,
            "n": self.n,
            "promoter_share": self.promoter_share,
            "detractor_share": self.detractor_share,
        }


def _nps_from_counts(promoters: int, passives: int, detractors: int, level: float) -> NPSResult:
    n = promoters + passives + detractors
    if n == 0:
        nan = float("nan")
        return NPSResult(nan, nan, nan, nan, 0, 0, 0, 0, level)
    p_pro, p_det = promoters / n, detractors / n
    diff = p_pro - p_det
    var = max(p_pro + p_det - diff**2, 0.0) / n
    se = 100.0 * float(np.sqrt(var))
    z = _z(level)
    value = 100.0 * diff
    return NPSResult(
        value=value,
        se=se,
        ci_low=max(value - z * se, -100.0),
        ci_high=min(value + z * se, 100.0),
        n=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        level=level,
    )


def nps(scores: pd.Series | Sequence[float], level: float = 0.95) -> NPSResult:
    """Return the net promoter score of NPS answers (0-10) with its Wald interval.

    Parameters
    ----------
    scores : sequence of numbers
        Answers 0-10; missing values are skipped.
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    NPSResult

    Examples
    --------
    Four promoters, three passives, three detractors: NPS = 100 (0.4 - 0.3) = 10 points,
    var = (0.4 + 0.3 - 0.1^2) / 10 = 0.069, se = 100 sqrt(0.069) = 26.27 points.

    >>> result = nps([10, 9, 9, 10, 7, 8, 7, 0, 5, 6])
    >>> round(result.value, 2), round(result.se, 2), round(result.ci_low, 2)
    (10.0, 26.27, -41.48)
    """
    values = pd.Series(scores, dtype=float).dropna()
    if ((values < 0) | (values > 10)).any():
        raise DataValidationError(
            "nps: answers must be between 0 and 10; load them with loyaltylab.feedback.load_surveys"
        )
    group = nps_group(values)
    counts = group.value_counts()
    return _nps_from_counts(
        int(counts.get("promoter", 0)),
        int(counts.get("passive", 0)),
        int(counts.get("detractor", 0)),
        level,
    )


@dataclass(frozen=True)
class NPSChange:
    """Change in NPS between two waves (independent samples), in points.

    Attributes
    ----------
    before, after : NPSResult
    change, se, ci_low, ci_high, p_value : float
        ``after - before``; ``se = sqrt(se_before^2 + se_after^2)``; Wald interval and two-sided
        z-test p-value.
    """

    before: NPSResult
    after: NPSResult
    change: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float

    def summary(self) -> pd.DataFrame:
        """Return both NPS values, the change, its interval and p-value as a one-row table."""
        return pd.DataFrame(
            [
                {
                    "nps_before": self.before.value,
                    "nps_after": self.after.value,
                    "change": self.change,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "p_value": self.p_value,
                    "n_before": self.before.n,
                    "n_after": self.after.n,
                }
            ]
        )


def nps_change(
    before: pd.Series | Sequence[float], after: pd.Series | Sequence[float], level: float = 0.95
) -> NPSChange:
    """Return the change in NPS between two independent samples of answers, with its interval.

    Examples
    --------
    >>> change = nps_change([10, 9, 0, 5], [10, 10, 9, 3])
    >>> change.change, round(change.se, 2)
    (50.0, 66.14)
    """
    first, second = nps(before, level), nps(after, level)
    se = float(np.hypot(first.se, second.se))
    diff = second.value - first.value
    z = _z(level)
    p_value = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else float("nan")
    return NPSChange(first, second, diff, se, diff - z * se, diff + z * se, p_value)


def nps_by(surveys: pd.DataFrame, by: str | Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Return the NPS with its interval for each group of ``by`` (e.g. ``"wave"``, ``"tier"``).

    Parameters
    ----------
    surveys : pandas.DataFrame
        With a column ``nps`` and the ``by`` columns.
    by : str or sequence of str
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, then the columns of :meth:`NPSResult.summary`.

    Examples
    --------
    >>> table = pd.DataFrame({"wave": ["a", "a", "b"], "nps": [10, 0, 9]})
    >>> nps_by(table, "wave")[["wave", "nps", "n"]].values.tolist()
    [['a', 0.0, 2], ['b', 100.0, 1]]
    """
    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, group in surveys.groupby(keys, observed=True, sort=True, dropna=False):
        labels = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(keys, labels, strict=True))
        result = nps(group["nps"], level)
        row.update({str(k): v for k, v in result.summary().iloc[0].items()})
        row["n"] = result.n
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CSATResult:
    """Customer satisfaction (1-5): mean with a t interval, top-2-box share with Wilson interval.

    Attributes
    ----------
    mean, mean_low, mean_high : float
    top2_share, top2_low, top2_high : float
        Share of answers 4 or 5 and its Wilson interval.
    n : int
    level : float
    """

    mean: float
    mean_low: float
    mean_high: float
    top2_share: float
    top2_low: float
    top2_high: float
    n: int
    level: float = 0.95

    def summary(self) -> pd.DataFrame:
        """Return the mean, the top-2 share, their intervals and n as a one-row table."""
        return pd.DataFrame([{key: getattr(self, key) for key in self.__dataclass_fields__}])

    def to_metrics(self) -> dict[str, Any]:
        """Return the mean, the top-2 share, their interval ends and ``n``."""
        fields = ("mean", "mean_low", "mean_high", "top2_share", "top2_low", "top2_high", "n")
        return {key: getattr(self, key) for key in fields}


def csat(scores: pd.Series | Sequence[float], level: float = 0.95) -> CSATResult:
    """Return the CSAT mean and top-2-box share (answers 4-5) with their intervals.

    Examples
    --------
    Answers 5, 4, 4, 2, 1: mean 3.2, sd 1.643, t(0.975, 4) = 2.776, half width 2.04;
    top-2 share 3/5.

    >>> result = csat([5, 4, 4, 2, 1])
    >>> round(result.mean, 2), round(result.mean_high - result.mean, 2), result.top2_share
    (3.2, 2.04, 0.6)
    """
    values = pd.Series(scores, dtype=float).dropna()
    n = len(values)
    if n == 0:
        nan = float("nan")
        return CSATResult(nan, nan, nan, nan, nan, nan, 0, level)
    _z(level)
    mean = float(values.mean())
    if n > 1:
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
    else:
        half = float("nan")
    top = int((values >= 4).sum())
    low, high = proportion_confint(top, n, alpha=1 - level, method="wilson")
    return CSATResult(mean, mean - half, mean + half, top / n, float(low), float(high), n, level)


def csat_by(surveys: pd.DataFrame, by: str | Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Return the CSAT mean and top-2-box share with their intervals for each group of ``by``.

    Examples
    --------
    >>> table = pd.DataFrame({"tier": ["gold", "gold", "base"], "csat": [5, 4, 2]})
    >>> csat_by(table, "tier")[["tier", "mean", "top2_share", "n"]].values.tolist()
    [['base', 2.0, 0.0, 1], ['gold', 4.5, 1.0, 2]]
    """
    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, group in surveys.groupby(keys, observed=True, sort=True, dropna=False):
        labels = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(keys, labels, strict=True))
        row.update(csat(group["csat"], level).to_metrics())
        rows.append(row)
    return pd.DataFrame(rows)


def response_rate(
    surveys: pd.DataFrame, invited: pd.DataFrame, by: str = "wave", level: float = 0.95
) -> pd.DataFrame:
    """Return answers / invited customers per ``by`` group with a Wilson interval.

    Parameters
    ----------
    surveys : pandas.DataFrame
        Loaded answers (``customer_id`` and ``by``).
    invited : pandas.DataFrame
        One row per invited customer and group (``customer_id`` and ``by``); e.g. the customers
        who bought in the wave's period.
    by : str, default "wave"
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``by``, ``invited``, ``answers`` (answers of invited customers), ``rate``, ``ci_low``,
        ``ci_high``.

    Examples
    --------
    >>> answers = pd.DataFrame({"customer_id": ["1"], "wave": ["a"]})
    >>> invited = pd.DataFrame({"customer_id": ["1", "2", "3", "4"], "wave": ["a"] * 4})
    >>> response_rate(answers, invited)[["invited", "answers", "rate"]].values.tolist()
    [[4.0, 1.0, 0.25]]
    """
    pairs = invited[["customer_id", by]].drop_duplicates()
    answered = surveys[["customer_id", by]].drop_duplicates().assign(_answered=1)
    joined = pairs.merge(answered, on=["customer_id", by], how="left")
    table = joined.groupby(by, sort=True).agg(
        invited=("customer_id", "size"), answers=("_answered", "sum")
    )
    table = table.astype(float)
    table["rate"] = table["answers"] / table["invited"]
    low, high = proportion_confint(
        table["answers"].to_numpy(), table["invited"].to_numpy(), alpha=1 - level, method="wilson"
    )
    table["ci_low"], table["ci_high"] = low, high
    return table.reset_index()


def reward_preference_shares(
    surveys: pd.DataFrame, by: str | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Return the share of each reward preference (monetary / experiential / none) by group.

    This is the table the reward simulator's catalogue choice reads: one row per group and
    preference, with ``share`` summing to 1 within a group (answers without a preference
    are left out).

    Parameters
    ----------
    surveys : pandas.DataFrame
        Loaded answers with ``reward_preference`` (and ``by``).
    by : str, optional
        A segment column (``"tier"``, ``"segment"``); ``None`` for all answers.
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``by`` (when given), ``reward_preference``, ``answers``, ``share``, ``ci_low``,
        ``ci_high`` (Wilson).

    Examples
    --------
    >>> table = pd.DataFrame({"reward_preference": ["monetary", "experiential", "monetary", None]})
    >>> reward_preference_shares(table)[["reward_preference", "share"]].values.tolist()
    [['monetary', 0.6666666666666666], ['experiential', 0.3333333333333333], ['none', 0.0]]
    """
    from loyaltylab.feedback.data import REWARD_PREFERENCES

    answered = surveys.loc[surveys["reward_preference"].notna()]
    keys = [by] if by else []
    rows = []
    groups = answered.groupby(keys, observed=True, sort=True) if keys else [((), answered)]
    for key, group in groups:
        labels = key if isinstance(key, tuple) else (key,)
        counts = group["reward_preference"].value_counts()
        total = len(group)
        for preference in REWARD_PREFERENCES:
            count = int(counts.get(preference, 0))
            low, high = proportion_confint(count, total, alpha=1 - level, method="wilson")
            row = dict(zip(keys, labels, strict=False))
            row.update(
                reward_preference=preference,
                answers=count,
                share=count / total if total else float("nan"),
                ci_low=float(low),
                ci_high=float(high),
            )
            rows.append(row)
    return pd.DataFrame(
        rows, columns=[*keys, "reward_preference", "answers", "share", "ci_low", "ci_high"]
    )


def preference_mix(surveys: pd.DataFrame, by: str | None = None) -> dict[str, dict[str, float]]:
    """Return the reward-preference shares as ``{segment: {preference: share}}``.

    The hand-off to the reward simulator: a catalogue choice per segment can read how many
    customers prefer monetary, experiential or no rewards (``"all"`` when ``by`` is ``None``).

    Examples
    --------
    >>> table = pd.DataFrame({"tier": ["gold", "gold", "base"],
    ...                       "reward_preference": ["experiential", "monetary", "monetary"]})
    >>> preference_mix(table, by="tier")["gold"]
    {'monetary': 0.5, 'experiential': 0.5, 'none': 0.0}
    """
    shares = reward_preference_shares(surveys, by=by)
    if by is None:
        shares = shares.assign(_segment="all")
        by = "_segment"
    mix: dict[str, dict[str, float]] = {}
    for segment, part in shares.groupby(by, sort=True):
        mix[str(segment)] = {
            str(name): float(share)
            for name, share in zip(part["reward_preference"], part["share"], strict=True)
        }
    return mix
