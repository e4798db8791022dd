"""Feedback and behaviour: does what a customer says predict what the customer does next.

:func:`feedback_panel` joins each survey answer to the customer's purchases: the outcome is the
**next calendar period** after the answer's period (``retained``: bought in it; ``next_spend``:
spend in it), the controls are the customer's **past behaviour** up to the answer
(``log1p`` of past orders and spend, tenure in years since the first purchase). Answers whose
next period ends after ``observation_end`` are left out (their outcome is not yet observed).

:func:`feedback_effects` fits

* a logit of ``retained`` on the NPS group (detractor the reference) plus the controls, with its
  average marginal effects (AME: the mean change in the retention probability when every
  answer is moved from detractor to passive or promoter, delta-method standard errors) and
  the adjusted retention of each group (everyone set to that group, predictions averaged);
  the AME of one CSAT point from statsmodels ``get_margeff``;
* an OLS of ``next_spend`` on the same terms (HC1 standard errors);
* the same logit with CSAT (1-5) as a number instead of the NPS group;
* a comparison of how well each measure predicts retention beyond the controls (McFadden
  pseudo R2 and AIC of one model per measure): the NPS group (a net score), the NPS answer
  (0-10) as a number, the CSAT answer as a number, and CSAT top-2-box. de Haan, Verhoef & Wiesel
  (2015, IJRM 32:195-206) find NPS and satisfaction predict retention about equally well;
  Morgan & Rego (2006, Marketing Science 25:426-439) that average scores predict better than
  net (top-box minus bottom-box) scores.

These are associations: satisfaction and behaviour share causes the controls do not capture.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from loyaltylab.errors import DataValidationError
from loyaltylab.feedback.scores import NPS_GROUPS, nps_group
from loyaltylab.kpi.periods import PANDAS_PERIOD_FREQ
from loyaltylab.rules import end_of_day

__all__ = ["CONTROLS", "FeedbackEffects", "feedback_effects", "feedback_panel"]

#: The past-behaviour controls of every model (columns of :func:`feedback_panel`).
CONTROLS: tuple[str, ...] = ("log_past_orders", "log_past_spend", "tenure_years")
_GROUP_TERM = "C(nps_group, Treatment('detractor'))"


def feedback_panel(
    surveys: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    period: str = "Q",
    observation_end: Any = None,
) -> pd.DataFrame:
    """Return one row per survey answer with its next-period outcome and past behaviour.

    Parameters
    ----------
    surveys : pandas.DataFrame
        Loaded answers (:func:`loyaltylab.feedback.load_surveys`).
    transactions : pandas.DataFrame
        Canonical transactions (``customer_id``, ``timestamp``, ``amount``).
    period : {"W", "M", "Q"}, default "Q"
        The calendar period; the outcome is the period after the answer's.
    observation_end : date-like, optional
        Last observed day (default: the last purchase).

    Returns
    -------
    pandas.DataFrame
        The answer's columns plus ``nps_group``, ``answer_period``, ``next_period``,
        ``past_orders``, ``past_spend``, ``tenure_years``, ``log_past_orders``,
        ``log_past_spend``, ``retained`` (0/1), ``next_spend``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["1", "1", "2"], "amount": [10.0, 5.0, 8.0],
    ...     "timestamp": pd.to_datetime(["2024-01-10", "2024-04-02", "2024-02-01"])})
    >>> answers = pd.DataFrame({"customer_id": ["1", "2"], "nps": [10.0, 3.0], "csat": [5.0, 2.0],
    ...     "answered_at": pd.to_datetime(["2024-02-01", "2024-03-01"])})
    >>> panel = feedback_panel(answers, tx, observation_end="2024-06-30")
    >>> panel[["customer_id", "retained", "next_spend", "past_orders"]].values.tolist()
    [['1', 1, 5.0, 1], ['2', 0, 0.0, 1]]
    """
    if period not in PANDAS_PERIOD_FREQ:
        raise DataValidationError(
            f"period must be one of {list(PANDAS_PERIOD_FREQ)}, got {period!r}"
        )
    freq = PANDAS_PERIOD_FREQ[period]
    tx = transactions[["customer_id", "timestamp", "amount"]].copy()
    tx["customer_id"] = tx["customer_id"].astype(str)
    end = end_of_day(observation_end, "observation_end", optional=True)
    last_day = (end - pd.Timedelta(days=1)) if end is not None else tx["timestamp"].max()
    panel = surveys.copy().reset_index(drop=True)
    panel["customer_id"] = panel["customer_id"].astype(str)
    panel["nps_group"] = nps_group(panel["nps"]).to_numpy()
    answer_period = panel["answered_at"].dt.to_period(freq)
    panel["answer_period"] = answer_period.astype(str)
    next_period = answer_period + 1
    panel["next_period"] = next_period.astype(str)
    observed = next_period.dt.end_time.dt.normalize() <= pd.Timestamp(last_day).normalize()
    panel = panel.loc[observed.to_numpy()].reset_index(drop=True)
    next_period = next_period.loc[observed].reset_index(drop=True)

    tx["tx_period"] = tx["timestamp"].dt.to_period(freq)
    merged = panel[["customer_id", "answered_at"]].reset_index().merge(tx, on="customer_id")
    past = merged["timestamp"] <= merged["answered_at"]
    past_stats = (
        merged.loc[past]
        .groupby("index")
        .agg(
            past_orders=("amount", "size"), past_spend=("amount", "sum"), first=("timestamp", "min")
        )
    )
    merged["next"] = merged["tx_period"].to_numpy() == next_period.loc[merged["index"]].to_numpy()
    next_stats = merged.loc[merged["next"]].groupby("index")["amount"].agg(["size", "sum"])
    panel["past_orders"] = past_stats["past_orders"].reindex(panel.index).fillna(0).astype(int)
    panel["past_spend"] = past_stats["past_spend"].reindex(panel.index).fillna(0.0)
    first = past_stats["first"].reindex(panel.index)
    panel["tenure_years"] = ((panel["answered_at"] - first).dt.days / 365.25).fillna(0.0)
    panel["log_past_orders"] = np.log1p(panel["past_orders"])
    panel["log_past_spend"] = np.log1p(panel["past_spend"].clip(lower=0))
    panel["retained"] = (next_stats["size"].reindex(panel.index).fillna(0) > 0).astype(int)
    panel["next_spend"] = next_stats["sum"].reindex(panel.index).fillna(0.0)
    return panel


@dataclass(frozen=True)
class FeedbackEffects:
    """What the NPS group and CSAT say about next-period retention and spend.

    Attributes
    ----------
    rates : pandas.DataFrame
        Per NPS group: ``answers``, observed ``retention`` with Wilson ``ci_low``/``ci_high``,
        ``adjusted_retention`` (logit with controls, everyone set to the group), ``next_spend``.
    retention_ame : pandas.DataFrame
        AME of passive and promoter vs detractor on the retention probability: ``effect``,
        ``se``, ``ci_low``, ``ci_high``, ``p_value``; also ``csat`` (per CSAT point).
    retention_logit : pandas.DataFrame
        Logit coefficients (log odds) with intervals.
    spend : pandas.DataFrame
        OLS effect on next-period spend of passive and promoter vs detractor (currency).
    predictors : pandas.DataFrame
        One row per measure: ``pseudo_r2``, ``aic``, ``gain_pseudo_r2`` over the controls only.
    n : int
        Answers in the models.
    level : float
    """

    rates: pd.DataFrame
    retention_ame: pd.DataFrame
    retention_logit: pd.DataFrame
    spend: pd.DataFrame
    predictors: pd.DataFrame
    n: int
    level: float = 0.95

    def summary(self) -> pd.DataFrame:
        """Return the retention rates per NPS group (observed and adjusted)."""
        return self.rates

    def rate(self, group: str, adjusted: bool = False) -> float:
        """Return the observed (or adjusted) next-period retention of an NPS group."""
        column = "adjusted_retention" if adjusted else "retention"
        return _number(self.rates.set_index("nps_group").loc[group, column])

    def sentence(self) -> str:
        """Return "Promoters keep buying at 68 % vs detractors 51 % (...)" from the rates."""
        ame = self.retention_ame.set_index("term").loc["promoter"]
        return (
            f"Promoters keep buying at {self.rate('promoter'):.0%} vs detractors "
            f"{self.rate('detractor'):.0%} in the next period; with past behaviour held equal the "
            f"difference is {100 * ame['effect']:+.1f} points "
            f"({100 * ame['ci_low']:+.1f} to {100 * ame['ci_high']:+.1f})"
        ).replace("%", " %")

    def measure_comparison(self) -> str:
        """Return which feedback measure predicts retention best, beside the published findings.

        The gain of each measure is the increase in McFadden's pseudo R2 over the model with the
        past-behaviour controls only; two gains count as "about equal" within 25 % of the larger.
        """
        gains = self.predictors.set_index("measure")["gain_pseudo_r2"]
        if len(gains) < 5:
            return "Too few answers with a CSAT score to compare the measures."
        net, nps_avg = gains["NPS group (net score)"], gains["NPS answer 0-10 (average)"]
        csat_avg, top2 = gains["CSAT answer 1-5 (average)"], gains["CSAT top-2-box"]

        def close(a: float, b: float) -> bool:
            return abs(a - b) <= 0.25 * max(abs(a), abs(b), 1e-12)

        if close(nps_avg, csat_avg):
            versus = "NPS and CSAT predict next-period retention about equally well"
        elif nps_avg > csat_avg:
            versus = "NPS predicts next-period retention better than CSAT"
        else:
            versus = "CSAT predicts next-period retention better than NPS"
        averages, nets = (nps_avg + csat_avg) / 2, (net + top2) / 2
        if close(averages, nets):
            kind = "average scores and net (top-box) scores do about equally well"
        elif averages > nets:
            kind = "average scores do better than net (top-box) scores"
        else:
            kind = "net (top-box) scores do better than average scores here"
        return (
            f"Beyond past behaviour, McFadden's pseudo R² rises by {net:.3f} with the NPS group, "
            f"{nps_avg:.3f} with the 0-10 NPS answer, {csat_avg:.3f} with the CSAT answer and "
            f"{top2:.3f} with CSAT top-2-box: {versus} (de Haan, Verhoef & Wiesel 2015 found the "
            f"two about equally good), and {kind} (Morgan & Rego 2006 found averages better)."
        )

    def to_metrics(self) -> dict[str, Any]:
        """Return retention per group, the promoter-vs-detractor AME and interval, and n."""
        ame = self.retention_ame.set_index("term")
        rates = self.rates.set_index("nps_group")
        spend = self.spend.set_index("term")
        return {
            "n": self.n,
            "retention": {group: _number(rates.loc[group, "retention"]) for group in NPS_GROUPS},
            "promoter_ame": _number(ame.loc["promoter", "effect"]),
            "promoter_ame_ci_low": _number(ame.loc["promoter", "ci_low"]),
            "promoter_ame_ci_high": _number(ame.loc["promoter", "ci_high"]),
            "csat_ame": _number(ame.loc["csat", "effect"]) if "csat" in ame.index else None,
            "promoter_spend_effect": _number(spend.loc["promoter", "effect"]),
        }


def _number(value: Any) -> float:
    """Return a table cell as a float (the pandas stubs type a cell as any scalar)."""
    return float(value)


def _ame_frame(result: Any, names: dict[str, str], level: float) -> pd.DataFrame:
    margeff = result.get_margeff(at="overall", dummy=True)
    frame = margeff.summary_frame(alpha=1 - level)
    frame = frame.rename(
        columns={
            frame.columns[0]: "effect",
            frame.columns[1]: "se",
            frame.columns[3]: "p_value",
            frame.columns[4]: "ci_low",
            frame.columns[5]: "ci_high",
        }
    )
    frame = frame.loc[[key for key in names if key in frame.index]]
    frame.index = [names[key] for key in frame.index]
    return frame[["effect", "se", "ci_low", "ci_high", "p_value"]].rename_axis("term").reset_index()


def _group_ame(result: Any, level: float) -> pd.DataFrame:
    """Return the AME of passive and promoter vs detractor, each row set to both groups in turn.

    ``mean_i [P(y=1 | x_i, group g) - P(y=1 | x_i, detractor)]`` with a delta-method standard
    error from the coefficients' covariance. (statsmodels' ``get_margeff(dummy=True)`` switches
    one dummy and leaves the other as it is, which for a three-level factor mixes the groups.)
    """
    exog = np.asarray(result.model.exog, dtype=float)
    names = list(result.model.exog_names)
    columns = {group: names.index(f"{_GROUP_TERM}[T.{group}]") for group in ("passive", "promoter")}
    cov = np.asarray(result.cov_params())
    params = np.asarray(result.params)
    z = float(stats.norm.ppf(0.5 + level / 2))

    def matrix(group: str) -> np.ndarray:
        x = exog.copy()
        for name, column in columns.items():
            x[:, column] = 1.0 if name == group else 0.0
        return x

    base = matrix("detractor")
    p_base = 1.0 / (1.0 + np.exp(-(base @ params)))
    rows = []
    for group in ("passive", "promoter"):
        x = matrix(group)
        p = 1.0 / (1.0 + np.exp(-(x @ params)))
        effect = float(np.mean(p - p_base))
        gradient = ((p * (1 - p))[:, None] * x - (p_base * (1 - p_base))[:, None] * base).mean(0)
        se = float(np.sqrt(gradient @ cov @ gradient))
        rows.append(
            {
                "term": group,
                "effect": effect,
                "se": se,
                "ci_low": effect - z * se,
                "ci_high": effect + z * se,
                "p_value": float(2 * stats.norm.sf(abs(effect) / se)) if se > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def _coefficients(result: Any, level: float) -> pd.DataFrame:
    ci = result.conf_int(alpha=1 - level)
    return pd.DataFrame(
        {
            "term": result.params.index,
            "estimate": result.params.to_numpy(),
            "se": result.bse.to_numpy(),
            "ci_low": ci.iloc[:, 0].to_numpy(),
            "ci_high": ci.iloc[:, 1].to_numpy(),
            "p_value": result.pvalues.to_numpy(),
        }
    )


def _logit(formula: str, data: pd.DataFrame) -> Any:
    import statsmodels.formula.api as smf  # imported when used: it takes seconds to load

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smf.logit(formula, data=data).fit(disp=0, maxiter=200)


def feedback_effects(panel: pd.DataFrame, level: float = 0.95) -> FeedbackEffects:
    """Fit the retention and spend models of the module notes on a :func:`feedback_panel`.

    Parameters
    ----------
    panel : pandas.DataFrame
        From :func:`feedback_panel`.
    level : float, default 0.95

    Returns
    -------
    FeedbackEffects

    Raises
    ------
    DataValidationError
        Fewer than 30 answers with an observed next period, or an NPS group without answers.
    """
    data = panel.copy()
    data["nps_group"] = data["nps_group"].astype(str)
    counts = data["nps_group"].value_counts()
    missing = [group for group in NPS_GROUPS if counts.get(group, 0) == 0]
    if len(data) < 30 or missing:
        raise DataValidationError(
            f"feedback_effects: needs at least 30 answers whose next period is observed and "
            f"every NPS group; got {len(data)} answers, groups without answers {missing} "
            "(an earlier observation_end or a longer survey history fixes it)"
        )
    controls = " + ".join(CONTROLS)
    if data["answer_period"].nunique() > 1:
        controls += " + C(answer_period)"  # period effects: seasonality and wave-level shifts
    names = {
        f"{_GROUP_TERM}[T.passive]": "passive",
        f"{_GROUP_TERM}[T.promoter]": "promoter",
        "csat": "csat",
    }
    group_fit = _logit(f"retained ~ {_GROUP_TERM} + {controls}", data)
    ame = _group_ame(group_fit, level)
    with_csat = data.loc[data["csat"].notna()]
    if len(with_csat) >= 30:
        csat_fit = _logit(f"retained ~ csat + {controls}", with_csat)
        ame = pd.concat([ame, _ame_frame(csat_fit, names, level)], ignore_index=True)

    adjusted = {}
    for group in NPS_GROUPS:
        adjusted[group] = float(group_fit.predict(data.assign(nps_group=group)).mean())
    rows = []
    for group in NPS_GROUPS:
        members = data.loc[data["nps_group"] == group]
        kept = int(members["retained"].sum())
        low, high = proportion_confint(kept, len(members), alpha=1 - level, method="wilson")
        rows.append(
            {
                "nps_group": group,
                "answers": len(members),
                "retention": kept / len(members),
                "ci_low": float(low),
                "ci_high": float(high),
                "adjusted_retention": adjusted[group],
                "next_spend": float(members["next_spend"].mean()),
            }
        )
    import statsmodels.formula.api as smf

    spend_fit = smf.ols(f"next_spend ~ {_GROUP_TERM} + {controls}", data=data).fit(cov_type="HC1")
    spend = _coefficients(spend_fit, level)
    spend = spend.loc[spend["term"].isin(names)].assign(term=lambda f: f["term"].map(names))
    spend = spend.rename(columns={"estimate": "effect"}).reset_index(drop=True)

    complete = data.loc[data["csat"].notna()].assign(top2=lambda f: (f["csat"] >= 4).astype(int))
    base = _logit(f"retained ~ {controls}", complete)
    measures = {
        "NPS group (net score)": _GROUP_TERM,
        "NPS answer 0-10 (average)": "nps",
        "CSAT answer 1-5 (average)": "csat",
        "CSAT top-2-box": "top2",
    }
    predictor_rows = [
        {
            "measure": "past behaviour only",
            "pseudo_r2": float(base.prsquared),
            "aic": float(base.aic),
            "gain_pseudo_r2": 0.0,
        }
    ]
    if len(complete) >= 30:
        for label, term in measures.items():
            fit = _logit(f"retained ~ {term} + {controls}", complete)
            predictor_rows.append(
                {
                    "measure": label,
                    "pseudo_r2": float(fit.prsquared),
                    "aic": float(fit.aic),
                    "gain_pseudo_r2": float(fit.prsquared - base.prsquared),
                }
            )
    return FeedbackEffects(
        rates=pd.DataFrame(rows),
        retention_ame=ame,
        retention_logit=_coefficients(group_fit, level),
        spend=spend,
        predictors=pd.DataFrame(predictor_rows),
        n=len(data),
        level=level,
    )
