"""Notebook 06_feedback: its typed parameters, the calls it makes, its answer and its metrics.

The notebook's ``remove-cell`` after the ``parameters`` cell calls
``params = FeedbackParameters.from_namespace(globals())``; :meth:`FeedbackParameters.analyse`
reads every table and runs :mod:`loyaltylab.feedback` (NPS, CSAT, response rate, behaviour
models, referrals, lifecycle, reward preferences), returning one :class:`FeedbackReport`;
:func:`answer` writes the opening sentences from it and :func:`to_metrics` the metrics file.

``columns`` and ``load`` hold the transaction loader's column mapping and options, plus
``surveys`` / ``referrals`` / ``members`` mappings for those loaders (``load: {surveys:
{duplicate_answers: first}}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from pydantic import AfterValidator, Field

from loyaltylab.data import LoadedTransactions
from loyaltylab.data.loyalty import LoadedMembers
from loyaltylab.datasets.feedback import SYNTHETIC_FEEDBACK, resolve_referrals, resolve_surveys
from loyaltylab.datasets.loyalty import resolve_members
from loyaltylab.errors import DataValidationError
from loyaltylab.feedback import (
    CSATResult,
    FeedbackEffects,
    LoadedReferrals,
    LoadedSurveys,
    NPSChange,
    NPSResult,
    ReferralResult,
    csat,
    csat_by,
    customer_stages,
    feedback_effects,
    feedback_panel,
    lifecycle_funnel,
    lifecycle_movements,
    load_referrals,
    load_surveys,
    nps,
    nps_by,
    nps_change,
    referral_analysis,
    response_rate,
    reward_preference_shares,
)
from loyaltylab.kpi.periods import PANDAS_PERIOD_FREQ
from loyaltylab.reports.notebooks.answers import money
from loyaltylab.reports.notebooks.loading import (
    MEMBER_LOAD_OPTIONS,
    TRANSACTION_LOAD_OPTIONS,
    Count,
    OptionalSource,
    Period,
    TransactionParameters,
    check_load_options,
    loader_options,
)
from loyaltylab.reports.notebooks.parameters import Day, MappingText, read_mapping
from loyaltylab.reports.notebooks.sources import (
    call_with_notebook_hints,
    load_transactions_for_notebook,
)

__all__ = [
    "FeedbackParameters",
    "FeedbackReport",
    "REFERRAL_LOAD_OPTIONS",
    "SURVEY_LOAD_OPTIONS",
    "answer",
    "invited_by_wave",
    "to_metrics",
    "with_segment",
]

SURVEY_LOAD_OPTIONS = loader_options(load_surveys, own=("customers", "observation_end"))
"""Options of :func:`loyaltylab.feedback.load_surveys` (under ``load["surveys"]``)."""

REFERRAL_LOAD_OPTIONS = loader_options(load_referrals, own=("transactions", "observation_end"))
"""Options of :func:`loyaltylab.feedback.load_referrals` (under ``load["referrals"]``)."""

_TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "surveys": (SURVEY_LOAD_OPTIONS, "load_surveys"),
    "referrals": (REFERRAL_LOAD_OPTIONS, "load_referrals"),
    "members": (MEMBER_LOAD_OPTIONS, "load_members"),
}


def _feedback_load(value: dict[str, Any]) -> dict[str, Any]:
    checked = dict(value)
    for table, (valid, loader) in _TABLES.items():
        if table in checked:
            options = read_mapping(checked[table])
            if not isinstance(options, Mapping):
                raise ValueError(f'load["{table}"] must be a mapping of options, got {options!r}')
            checked[table] = check_load_options(options, valid, loader, where=f'load["{table}"]')
    rest = {key: item for key, item in checked.items() if key not in _TABLES}
    try:
        check_load_options(rest, TRANSACTION_LOAD_OPTIONS, "load_transactions")
    except ValueError as error:
        raise ValueError(
            f"{error}; the survey, referral and member options go under "
            "'surveys'/'referrals'/'members'"
        ) from None
    return checked


def _feedback_columns(value: dict[str, Any]) -> dict[str, Any]:
    checked = dict(value)
    for table in _TABLES:
        if table in checked:
            mapping = read_mapping(checked[table])
            if not isinstance(mapping, Mapping):
                raise ValueError(f'columns["{table}"] must be a mapping, got {mapping!r}')
            checked[table] = {str(key): str(item) for key, item in mapping.items()}
    return checked


FeedbackLoad = Annotated[dict[str, Any], MappingText, AfterValidator(_feedback_load)]
FeedbackColumns = Annotated[dict[str, Any], MappingText, AfterValidator(_feedback_columns)]


@dataclass(frozen=True)
class FeedbackReport:
    """Everything notebook 06_feedback shows (built by :meth:`FeedbackParameters.analyse`).

    Attributes
    ----------
    loaded, surveys, referrals, members
        The loaded tables (``referrals`` and ``members`` may be ``None``).
    nps, nps_change, csat
        Over all answers; the change is from the first to the last wave.
    by_wave, by_segment : pandas.DataFrame
        NPS per wave, and NPS and CSAT per segment (the member's tier, ``non-member``, or the
        survey's ``segment`` column without a member base).
    csat_by_wave, response : pandas.DataFrame
    effects : FeedbackEffects or None
        ``None`` when too few answers have an observed next period (``effects_note`` says why).
    referral : ReferralResult or None
    funnel, movements : pandas.DataFrame
    preferences : pandas.DataFrame
        Reward-preference shares per segment (:func:`loyaltylab.feedback.reward_preference_shares`).
    period : str
    waves : tuple of str
        The survey waves, in order.
    """

    loaded: LoadedTransactions
    surveys: LoadedSurveys
    referrals: LoadedReferrals | None
    members: LoadedMembers | None
    nps: NPSResult
    nps_change: NPSChange | None
    csat: CSATResult
    by_wave: pd.DataFrame
    by_segment: pd.DataFrame
    csat_by_wave: pd.DataFrame
    response: pd.DataFrame
    effects: FeedbackEffects | None
    effects_note: str
    referral: ReferralResult | None
    funnel: pd.DataFrame
    movements: pd.DataFrame
    preferences: pd.DataFrame
    period: str
    waves: tuple[str, ...]

    def summary(self) -> pd.DataFrame:
        """Return the headline numbers as a table (metric, value)."""
        rows = [
            ("NPS (points)", self.nps.value),
            ("NPS answers", self.nps.n),
            ("CSAT mean (1-5)", self.csat.mean),
            ("CSAT top-2-box share", self.csat.top2_share),
        ]
        if self.referral is not None:
            rows += [
                ("referral rate", self.referral.rate),
                ("value of one referral", self.referral.value),
            ]
        return pd.DataFrame(rows, columns=["metric", "value"])


class FeedbackParameters(TransactionParameters):
    """Validated parameters of notebook 06_feedback (one field per line of its parameters cell).

    Examples
    --------
    >>> params = FeedbackParameters.from_namespace(
    ...     {"period": "q", "load": "{surveys: {duplicate_answers: first}}", "output_dir": ""})
    >>> params.period, params.survey_options, params.transaction_options
    ('Q', {'duplicate_answers': 'first'}, {})
    >>> FeedbackParameters.from_namespace({"load": "{surveys: {duplicates: drop}}"})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    loyaltylab.errors.ParameterError: notebook 06_feedback: parameter load: ...
    """

    notebook = "06_feedback"

    surveys: str = SYNTHETIC_FEEDBACK
    referrals: OptionalSource = SYNTHETIC_FEEDBACK
    columns: FeedbackColumns = {}
    load: FeedbackLoad = {}
    transactions: str = "synthetic"
    members: OptionalSource = "synthetic_loyalty"
    observation_end: Day = pd.Timestamp("2025-12-31")
    period: Period = "Q"
    referral_horizon_days: Count = Field(365, ge=1)

    def _options(self, table: str) -> dict[str, Any]:
        return dict(self.load.get(table, {}))

    @property
    def transaction_options(self) -> dict[str, Any]:
        """Options of the transaction loader: ``load`` without the other tables' mappings."""
        return {key: item for key, item in self.load.items() if key not in _TABLES}

    @property
    def transaction_columns(self) -> dict[str, str]:
        """Column mapping of the transactions: ``columns`` without the other tables' mappings."""
        return {key: item for key, item in self.columns.items() if key not in _TABLES}

    @property
    def survey_options(self) -> dict[str, Any]:
        """Options of the survey loader, ``load["surveys"]``."""
        return self._options("surveys")

    def load_transactions(self) -> LoadedTransactions:
        """Read ``transactions`` with its column mapping, ``load`` options and observation end."""
        return load_transactions_for_notebook(
            self.transactions,
            self.transaction_columns,
            self.transaction_options,
            observation_end=self.observation_end,
        )

    def load_surveys(self, loaded: LoadedTransactions) -> LoadedSurveys:
        """Read ``surveys`` (answers of customers not in ``loaded`` are refused or counted)."""
        return call_with_notebook_hints(
            resolve_surveys,
            self.surveys,
            self.columns.get("surveys"),
            section="surveys",
            customers=loaded.transactions,
            observation_end=self.observation_end,
            **self.survey_options,
        )

    def load_referrals(self, loaded: LoadedTransactions) -> LoadedReferrals | None:
        """Read ``referrals``; ``None`` when not given."""
        if not self.referrals:
            return None
        return call_with_notebook_hints(
            resolve_referrals,
            self.referrals,
            self.columns.get("referrals"),
            section="referrals",
            transactions=loaded.transactions,
            observation_end=self.observation_end,
            **self._options("referrals"),
        )

    def load_members(self) -> LoadedMembers | None:
        """Read ``members`` (for the tier of each respondent and the engagement stage)."""
        if not self.members:
            return None
        return call_with_notebook_hints(
            resolve_members,
            self.members,
            self.columns.get("members"),
            section="members",
            observation_end=self.observation_end,
            **self._options("members"),
        )

    def analyse(self) -> FeedbackReport:
        """Read every table and run the analyses of the notebook.

        Returns
        -------
        FeedbackReport
        """
        loaded = self.load_transactions()
        surveys = self.load_surveys(loaded)
        referrals = self.load_referrals(loaded)
        members = self.load_members()
        tx = loaded.transactions
        answers = with_segment(surveys.surveys, members)
        waves = sorted(answers["wave"].unique())
        change = (
            nps_change(
                answers.loc[answers["wave"] == waves[0], "nps"],
                answers.loc[answers["wave"] == waves[-1], "nps"],
            )
            if len(waves) > 1
            else None
        )
        csat_rows = [
            {"wave": wave, **csat(part["csat"]).summary().iloc[0].to_dict()}
            for wave, part in answers.groupby("wave", sort=True)
        ]
        panel = feedback_panel(
            answers, tx, period=self.period, observation_end=self.observation_end
        )
        try:
            effects, note = feedback_effects(panel), ""
        except DataValidationError as error:  # too few answers: the section says why
            effects, note = None, str(error)
        referral = (
            referral_analysis(
                referrals.referrals,
                tx,
                observation_end=self.observation_end,
                horizon_days=self.referral_horizon_days,
            )
            if referrals is not None
            else None
        )
        member_frame = members.members if members is not None else None
        referral_frame = referrals.referrals if referrals is not None else None
        common: dict[str, Any] = {
            "members": member_frame,
            "surveys": answers,
            "referrals": referral_frame,
            "period": self.period,
            "observation_end": self.observation_end,
        }
        return FeedbackReport(
            loaded=loaded,
            surveys=surveys,
            referrals=referrals,
            members=members,
            nps=nps(answers["nps"]),
            nps_change=change,
            csat=csat(answers["csat"]),
            by_wave=nps_by(answers, "wave"),
            by_segment=nps_by(answers, "segment").merge(
                csat_by(answers, "segment")
                .add_prefix("csat_")
                .rename(columns={"csat_segment": "segment"}),
                on="segment",
            ),
            csat_by_wave=pd.DataFrame(csat_rows),
            response=response_rate(answers, invited_by_wave(tx, answers, self.period)),
            effects=effects,
            effects_note=note,
            referral=referral,
            funnel=lifecycle_funnel(tx, **common),
            movements=lifecycle_movements(customer_stages(tx, **common)),
            preferences=reward_preference_shares(answers, by="segment"),
            period=self.period,
            waves=tuple(waves),
        )


def with_segment(surveys: pd.DataFrame, members: LoadedMembers | None) -> pd.DataFrame:
    """Return the answers with ``segment``: the member's tier or ``non-member``.

    Without a member base the survey's own ``segment`` column is kept (``"all"`` where empty).

    Examples
    --------
    >>> answers = pd.DataFrame({"customer_id": ["1", "2"], "segment": [None, None]})
    >>> with_segment(answers, None)["segment"].tolist()
    ['all', 'all']
    """
    frame = surveys.copy()
    if members is None:
        frame["segment"] = frame["segment"].fillna("all").astype(str)
        return frame
    tiers = members.members.set_index("customer_id")["tier"].fillna("member")
    frame["segment"] = frame["customer_id"].map(tiers).fillna("non-member").astype(str)
    return frame


def invited_by_wave(transactions: pd.DataFrame, surveys: pd.DataFrame, period: str) -> pd.DataFrame:
    """Return the customers counted as invited to each wave: those who bought while it ran.

    A wave runs over the calendar periods (of ``period``) its answers fall in; a customer who
    bought in any of them counts once. This is the denominator of the response rate of
    post-purchase surveys.

    Examples
    --------
    >>> answers = pd.DataFrame({"wave": ["w1", "w1"], "customer_id": ["1", "2"],
    ...     "answered_at": pd.to_datetime(["2024-07-03", "2024-08-01"])})
    >>> tx = pd.DataFrame({"customer_id": ["1", "3", "3", "4"], "timestamp": pd.to_datetime(
    ...     ["2024-07-01", "2024-08-30", "2024-07-02", "2024-10-01"])})
    >>> invited_by_wave(tx, answers, "M").sort_values("customer_id").values.tolist()
    [['1', 'w1'], ['3', 'w1']]
    """
    freq = PANDAS_PERIOD_FREQ[period]
    runs = pd.DataFrame(
        {"wave": surveys["wave"], "_p": surveys["answered_at"].dt.to_period(freq).astype(str)}
    ).drop_duplicates()
    bought = pd.DataFrame(
        {
            "customer_id": transactions["customer_id"].astype(str),
            "_p": transactions["timestamp"].dt.to_period(freq).astype(str),
        }
    ).drop_duplicates()
    invited = bought.merge(runs, on="_p")[["customer_id", "wave"]]
    return invited.drop_duplicates().reset_index(drop=True)


def answer(report: FeedbackReport, *, currency: str | None = None) -> list[str]:
    """Return the report's opening answer (3-5 sentences) written from its results.

    Parameters
    ----------
    report : FeedbackReport
    currency : str, optional
        Currency symbol of the referral value; default the run's (``settings.currency``).

    Returns
    -------
    list of str
        One sentence per item (``**bold**`` allowed), for :func:`loyaltylab.display.show_answer`.
    """
    score = report.nps
    parts = [
        f"Customers give a **net promoter score of {score.value:+.0f} points** "
        f"(95 % interval {score.ci_low:+.0f} to {score.ci_high:+.0f}, {score.n:,} answers: "
        f"{score.promoter_share:.0%} promoters, {score.detractor_share:.0%} detractors) and a "
        f"CSAT of {report.csat.mean:.2f} out of 5 ({report.csat.top2_share:.0%} satisfied or "
        "very satisfied)."
    ]
    change = report.nps_change
    if change is not None:
        moved = "rose" if change.ci_low > 0 else "fell" if change.ci_high < 0 else "moved"
        parts.append(
            f"From wave {report.waves[0]} to {report.waves[-1]} the NPS {moved} by "
            f"{change.change:+.0f} points (95 % interval {change.ci_low:+.0f} to "
            f"{change.ci_high:+.0f})."
        )
    if report.effects is not None:
        sentence = report.effects.sentence()
        ame = report.effects.retention_ame.set_index("term").loc["promoter"]
        if ame["ci_low"] > 0:
            verdict = "so what customers say predicts who stays"
        elif ame["ci_high"] < 0:
            verdict = "so promoters stay less often than detractors here"
        else:
            verdict = "a difference that could be chance"
        parts.append(f"{sentence}, {verdict}.")
    else:
        parts.append(f"Retention by NPS group could not be modelled: {report.effects_note}.")
    if report.referral is not None:
        ref = report.referral
        parts.append(
            f"{ref.rate:.1%} of customers referred someone; referred customers are "
            f"{ref.referred_share:.0%} of new customers and spend {money(ref.value, currency)} in "
            f"their first {ref.horizon_days} days ({'+' if ref.value_difference >= 0 else '-'}"
            f"{money(abs(ref.value_difference), currency)} vs other new customers)."
        )
    return [part.replace("%", " %").replace("  %", " %") for part in parts]


def to_metrics(report: FeedbackReport) -> dict[str, Any]:
    """Collect the key numbers of notebook 06_feedback for its metrics file.

    Returns
    -------
    dict
        ``data``, ``nps`` (value, ci_low, ci_high, n, se, shares), ``nps_change``, ``csat``,
        ``response_rate``, ``retention`` (by NPS group and the promoter effect), ``referral``
        (rate, value, ...), ``lifecycle`` (the last period with survey answers, where advocacy
        is measured) and ``preference`` (shares over all answers); every key is in the metrics
        catalog.
    """
    answers = report.surveys.surveys
    change = report.nps_change
    response = report.response
    measured = report.funnel.loc[report.funnel["period"].isin(_answer_periods(report))]
    last = (measured if len(measured) else report.funnel).iloc[-1]
    overall = reward_preference_shares(answers).set_index("reward_preference")["share"]
    metrics: dict[str, Any] = {
        "data": {
            "source": report.loaded.source,
            "surveys": report.surveys.source,
            "referrals": report.referrals.source if report.referrals is not None else "",
            "answers": len(answers),
            "respondents": int(answers["customer_id"].nunique()),
            "waves": int(answers["wave"].nunique()),
            "period": report.period,
        },
        "nps": report.nps.to_metrics(),
        "nps_change": {
            "change": change.change if change is not None else None,
            "ci_low": change.ci_low if change is not None else None,
            "ci_high": change.ci_high if change is not None else None,
        },
        "csat": {
            "mean": report.csat.mean,
            "mean_ci_low": report.csat.mean_low,
            "mean_ci_high": report.csat.mean_high,
            "top2_share": report.csat.top2_share,
            "top2_ci_low": report.csat.top2_low,
            "top2_ci_high": report.csat.top2_high,
            "n": report.csat.n,
        },
        "response_rate": float(response["answers"].sum() / response["invited"].sum())
        if len(response) and response["invited"].sum() > 0
        else None,
        "retention": report.effects.to_metrics() if report.effects is not None else {},
        "referral": report.referral.to_metrics() if report.referral is not None else {},
        "lifecycle": {
            "period": str(last["period"]),
            "active": int(last["active"]),
            "acquired": int(last["acquired"]),
            "retained": int(last["retained"]),
            "advocates": int(last["advocates"]),
            "retention_rate": _optional(last["retention_rate"]),
            "advocacy_rate": _optional(last["advocacy_rate"]),
        },
        "preference": {
            name: float(overall.get(name, 0.0)) for name in ("monetary", "experiential", "none")
        },
    }
    return metrics


def _answer_periods(report: FeedbackReport) -> set[str]:
    freq = PANDAS_PERIOD_FREQ[report.period]
    return set(report.surveys.surveys["answered_at"].dt.to_period(freq).astype(str))


def _optional(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)
