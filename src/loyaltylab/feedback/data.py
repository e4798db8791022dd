"""Survey answers and referrals: their contracts, loaded with the rules of the other tables.

Two inputs, validated to the standard of transactions, members and the points ledger
(DESIGN.md "Contracts"; :mod:`loyaltylab.data.loyalty`):

* **surveys** - one row per answer: ``customer_id`` (str), ``answered_at`` (tz-naive datetime),
  ``nps`` (whole number 0-10, "how likely are you to recommend us"), ``csat`` (whole number 1-5,
  optional column; a missing value is a skipped question), ``reward_preference`` (optional:
  ``monetary``, ``experiential`` or ``none``), ``topic`` (optional free text), ``segment``
  (optional: the customer's segment or tier as the survey recorded it) and ``wave`` (optional;
  without it the wave is the calendar period of ``answered_at``, option ``wave_period``).
* **referrals** - one row per referral: ``referrer_id``, ``referred_id`` (str), ``referred_at``
  (tz-naive datetime).

A problem either raises one :class:`~loyaltylab.rules.LoadError` naming the problem, the column,
the count, up to five example rows and the ``load`` option that resolves it, or - where that
option says so - is handled and counted in the data-quality table (:class:`loyaltylab.rules.
QualityLog`: one row per check, also when nothing was found; it adds up: rows read = rows loaded
+ rows removed). Nothing is dropped silently.

Survey checks, in order: required columns; missing id; parseable dates; missing or
out-of-range scores (``invalid_score``); unknown reward preference (``invalid_preference``);
answers after ``observation_end`` (``after_end``); answers of customers not in ``customers``
(``unknown_customer``); more than one answer of a customer in one wave (``duplicate_answers``).

Referral checks: required columns; missing ids; parseable dates; self-referrals
(``self_referral``); referrals after ``observation_end`` (``after_end``); referrer or referred
customer unknown (``unknown_customer``); a customer referred more than once
(``duplicate_referred``); a referred customer whose first purchase is before the referral
(``bought_before``: the referral cannot have brought that customer).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from loyaltylab.data.loyalty import _choice, _dates, _optional_text, _read_table, _rename
from loyaltylab.errors import DataValidationError
from loyaltylab.kpi.periods import PANDAS_PERIOD_FREQ
from loyaltylab.rules import (
    LoadError,
    QualityLog,
    end_of_day,
    examples,
    inexact_id_problem,
    parse_customer_ids,
)

__all__ = [
    "NPS_RANGE",
    "CSAT_RANGE",
    "REWARD_PREFERENCES",
    "LoadedReferrals",
    "LoadedSurveys",
    "first_purchases",
    "load_referrals",
    "load_surveys",
]

#: Lowest and highest NPS answer (0-10, "how likely are you to recommend us").
NPS_RANGE: tuple[int, int] = (0, 10)
#: Lowest and highest CSAT answer (1-5, "how satisfied are you").
CSAT_RANGE: tuple[int, int] = (1, 5)
#: The reward preferences a survey answer may name.
REWARD_PREFERENCES: tuple[str, ...] = ("monetary", "experiential", "none")


@dataclass(frozen=True)
class LoadedSurveys:
    """Validated survey answers.

    Attributes
    ----------
    surveys : pandas.DataFrame
        ``customer_id`` (str), ``answered_at`` (datetime64), ``wave`` (str), ``nps`` (float,
        0-10), ``csat`` (float 1-5 or NaN), ``reward_preference``, ``topic`` and ``segment``
        (str or missing); sorted by wave, customer and time.
    quality : pandas.DataFrame
        Data-quality table (:data:`loyaltylab.rules.QUALITY_COLUMNS`).
    source : str
        Where the table came from.
    """

    surveys: pd.DataFrame
    quality: pd.DataFrame
    source: str

    def summary(self) -> pd.DataFrame:
        """Return answers, respondents, waves and the share answering CSAT as a one-row table."""
        frame = self.surveys
        return pd.DataFrame(
            [
                {
                    "source": self.source,
                    "answers": len(frame),
                    "respondents": frame["customer_id"].nunique(),
                    "waves": frame["wave"].nunique(),
                    "first_answer": frame["answered_at"].min(),
                    "last_answer": frame["answered_at"].max(),
                    "csat_answered": float(frame["csat"].notna().mean()) if len(frame) else 0.0,
                }
            ]
        )


@dataclass(frozen=True)
class LoadedReferrals:
    """Validated referrals.

    Attributes
    ----------
    referrals : pandas.DataFrame
        ``referrer_id``, ``referred_id`` (str), ``referred_at`` (datetime64), sorted by date.
    quality : pandas.DataFrame
        Data-quality table (:data:`loyaltylab.rules.QUALITY_COLUMNS`).
    source : str
        Where the table came from.
    """

    referrals: pd.DataFrame
    quality: pd.DataFrame
    source: str

    def summary(self) -> pd.DataFrame:
        """Return referrals, referrers and the first and last referral date as a one-row table."""
        frame = self.referrals
        return pd.DataFrame(
            [
                {
                    "source": self.source,
                    "referrals": len(frame),
                    "referrers": frame["referrer_id"].nunique(),
                    "first_referral": frame["referred_at"].min(),
                    "last_referral": frame["referred_at"].max(),
                }
            ]
        )


def _refuse(
    what: str,
    problem: str,
    column: str,
    frame: pd.DataFrame,
    mask: Any,
    remedy: str = "",
    fix: Mapping[str, Any] | None = None,
) -> None:
    count = int(np.asarray(mask, dtype=bool).sum())
    raise LoadError(
        f"{what}: {count} row(s) with {problem} in column {column!r}; examples:\n"
        f"{examples(frame, mask)}\n",
        remedy,
        fix,
    )


def _ids(
    frame: pd.DataFrame, column: str, what: str, log: QualityLog, na_ids: Sequence[str] | None
) -> pd.Series:
    """Return ``column`` as normalised id strings (so they join the transactions' ids)."""
    parsed = parse_customer_ids(frame[column], na_ids=na_ids)
    if parsed.inexact_mask.any():
        _refuse(
            what,
            inexact_id_problem(int(parsed.inexact_mask.sum())),
            column,
            frame,
            parsed.inexact_mask,
        )
    if parsed.missing.any():
        _refuse(
            what, "a missing id (empty or NA-like; option na_ids)", column, frame, parsed.missing
        )
    log.add(
        f"{column}_normalised",
        "id written as a whole-number float (123.0 -> 123)",
        column,
        parsed.normalised,
        "normalised",
    )
    return parsed.ids


def _known_ids(customers: Any) -> set[str] | None:
    """Return the known customer ids of a transactions frame, a loaded table or a collection."""
    if customers is None:
        return None
    frame = getattr(customers, "transactions", customers)
    if isinstance(frame, pd.DataFrame):
        if "customer_id" not in frame.columns:
            raise DataValidationError(
                "parameter 'customers' is a table without a 'customer_id' column; pass the "
                "loaded transactions (or their customer ids)"
            )
        return set(frame["customer_id"].astype(str))
    if isinstance(customers, Collection) and not isinstance(customers, str):
        return {str(item) for item in customers}
    raise DataValidationError(
        f"parameter 'customers' must be transactions or a collection of ids, got "
        f"{type(customers).__name__}"
    )


def first_purchases(transactions: Any) -> pd.Series:
    """Return each customer's first purchase time (index ``customer_id``).

    Parameters
    ----------
    transactions : pandas.DataFrame or loyaltylab.data.LoadedTransactions
        Canonical transactions (``customer_id``, ``timestamp``).

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "timestamp": pd.to_datetime(["2024-02-01", "2024-01-05", "2024-03-01"])})
    >>> first_purchases(tx).dt.strftime("%Y-%m-%d").to_dict()
    {'a': '2024-01-05', 'b': '2024-03-01'}
    """
    frame = getattr(transactions, "transactions", transactions)
    return frame.groupby(frame["customer_id"].astype(str))["timestamp"].min()


def _scores(
    frame: pd.DataFrame,
    column: str,
    bounds: tuple[int, int],
    what: str,
    required: bool,
) -> tuple[pd.Series, pd.Series]:
    """Return the scores as floats and the mask of invalid ones (missing if required, off-scale)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index), pd.Series(False, index=frame.index)
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    blank = raw.isna() | (raw.astype("string").str.strip() == "")
    low, high = bounds
    off = values.notna() & ((values < low) | (values > high) | (values != np.round(values)))
    bad = off | (values.isna() & ~blank) | (blank & required)
    return values, bad.fillna(True).astype(bool)


def load_surveys(
    source: str | os.PathLike[str] | pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    customers: Any = None,
    observation_end: Any = None,
    wave_period: str = "Q",
    invalid_score: str = "error",
    invalid_preference: str = "error",
    after_end: str = "error",
    unknown_customer: str = "error",
    duplicate_answers: str = "error",
    na_ids: Sequence[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> LoadedSurveys:
    """Load and validate survey answers (see the module notes for the contract and the checks).

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A CSV or Parquet file, or a DataFrame.
    columns : mapping, optional
        Canonical name -> your column name, e.g. ``{"nps": "recommend_score"}``.
    customers : transactions, loaded transactions or collection of ids, optional
        The known customers; enables the ``unknown_customer`` check.
    observation_end : date-like, optional
        Answers after the end of this day are handled by ``after_end``.
    wave_period : {"M", "Q", "W"}, default "Q"
        Without a ``wave`` column the wave is this calendar period of ``answered_at``
        (``"2024Q3"``).
    invalid_score : {"error", "drop"}, default "error"
        An NPS that is missing, not a whole number or outside 0-10, or a CSAT outside 1-5.
    invalid_preference : {"error", "missing"}, default "error"
        A reward preference other than monetary / experiential / none (any case).
    after_end : {"error", "drop"}, default "error"
    unknown_customer : {"error", "drop"}, default "error"
    duplicate_answers : {"error", "first", "last"}, default "error"
        More than one answer of a customer in one wave: raise, or keep the first / last answer.
    na_ids : sequence of str, optional
        Text meaning "no customer id" (default :data:`loyaltylab.rules.NA_ID_TOKENS`).
    delimiter, encoding : str, optional
        CSV field separator and text encoding.

    Returns
    -------
    LoadedSurveys

    Raises
    ------
    loyaltylab.rules.LoadError
        For each problem whose option is ``"error"`` (the message names the option that
        handles it), and always for a missing column, an empty table, a missing id or an
        unparseable date.

    Examples
    --------
    >>> table = pd.DataFrame({"customer_id": ["1", "2", "2"],
    ...                       "answered_at": ["2024-07-03", "2024-07-09", "2024-08-01"],
    ...                       "nps": [10, 3, 4], "csat": [5, 2, None]})
    >>> loaded = load_surveys(table, duplicate_answers="last")
    >>> loaded.surveys[["customer_id", "wave", "nps"]].values.tolist()
    [['1', '2024Q3', 10.0], ['2', '2024Q3', 4.0]]
    >>> int(loaded.quality.set_index("check").loc["duplicate_answers", "rows_removed"])
    1
    """
    for value, name, options in (
        (invalid_score, "invalid_score", ("error", "drop")),
        (invalid_preference, "invalid_preference", ("error", "missing")),
        (after_end, "after_end", ("error", "drop")),
        (unknown_customer, "unknown_customer", ("error", "drop")),
        (duplicate_answers, "duplicate_answers", ("error", "first", "last")),
        (wave_period, "wave_period", tuple(PANDAS_PERIOD_FREQ)),
    ):
        _choice(value, name, options)
    what = "surveys"
    raw, origin = _read_table(source, what, delimiter, encoding)
    raw = _rename(raw, columns, ("customer_id", "answered_at", "nps"), what).reset_index(drop=True)
    log = QualityLog()
    for column in ("csat", "reward_preference", "topic", "segment", "wave"):
        log.add(
            f"{column}_column",
            f"no {column!r} column in the table",
            column,
            pd.Series(column not in raw.columns, index=raw.index),
            "derived from answered_at" if column == "wave" else "left missing (optional)",
        )
    ids = _ids(raw, "customer_id", what, log, na_ids)
    answered = _dates(raw, "answered_at", what)
    nps, bad_nps = _scores(raw, "nps", NPS_RANGE, what, required=True)
    csat, bad_csat = _scores(raw, "csat", CSAT_RANGE, what, required=False)
    if "wave" in raw.columns:
        wave = _optional_text(raw, "wave")
        missing_wave = wave.isna()
        derived = answered.dt.to_period(PANDAS_PERIOD_FREQ[wave_period]).astype(str)
        wave = wave.fillna(derived.where(missing_wave))
    else:
        wave = answered.dt.to_period(PANDAS_PERIOD_FREQ[wave_period]).astype(str)
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "answered_at": answered,
            "wave": wave.astype(str),
            "nps": nps,
            "csat": csat,
            "reward_preference": _optional_text(raw, "reward_preference").str.lower(),
            "topic": _optional_text(raw, "topic"),
            "segment": _optional_text(raw, "segment"),
        }
    )
    shown = frame.assign(nps_given=raw["nps"], csat_given=raw.get("csat"))
    invalid = bad_nps | bad_csat
    if invalid.any() and invalid_score == "error":
        _refuse(
            what,
            "an NPS that is missing, not whole or outside 0-10, or a CSAT outside 1-5",
            "nps/csat",
            shown,
            invalid,
            "to drop such answers",
            {"invalid_score": "drop"},
        )
    log.add(
        "invalid_score",
        "NPS missing/outside 0-10 or CSAT outside 1-5",
        "nps/csat",
        invalid,
        "dropped",
        removes=True,
    )
    frame = frame.loc[~invalid]

    preference = frame["reward_preference"]
    odd = preference.notna() & ~preference.isin(REWARD_PREFERENCES)
    if odd.any() and invalid_preference == "error":
        _refuse(
            what,
            f"a reward preference not in {list(REWARD_PREFERENCES)}",
            "reward_preference",
            frame,
            odd,
            "to read it as not answered",
            {"invalid_preference": "missing"},
        )
    log.add(
        "invalid_preference",
        f"reward preference not in {list(REWARD_PREFERENCES)}",
        "reward_preference",
        odd,
        "set to missing",
    )
    frame = frame.assign(reward_preference=preference.mask(odd))

    frame = _after_end(frame, "answered_at", observation_end, after_end, what, log)
    known = _known_ids(customers)
    if known is not None:
        stranger = ~frame["customer_id"].isin(known)
        if stranger.any() and unknown_customer == "error":
            _refuse(
                what,
                "a customer who is not in the transactions",
                "customer_id",
                frame,
                stranger,
                "to drop their answers",
                {"unknown_customer": "drop"},
            )
        log.add(
            "unknown_customer",
            "answer of a customer not in the transactions",
            "customer_id",
            stranger,
            "dropped",
            removes=True,
        )
        frame = frame.loc[~stranger]
    else:
        log.add("unknown_customer", "needs the transactions", "customer_id")

    frame = frame.sort_values(["wave", "customer_id", "answered_at"], kind="stable")
    repeated = frame.duplicated(["wave", "customer_id"], keep=False)
    if repeated.any() and duplicate_answers == "error":
        _refuse(
            what,
            "more than one answer of a customer in one wave",
            "customer_id",
            frame,
            repeated,
            "to keep one answer per customer and wave",
            {"duplicate_answers": "first"},
        )
    keep: Literal["first", "last"] = "last" if duplicate_answers == "last" else "first"
    extra = frame.duplicated(["wave", "customer_id"], keep=keep)
    log.add(
        "duplicate_answers",
        "more than one answer of a customer in one wave",
        "customer_id",
        extra,
        f"kept the {keep} answer",
        removes=True,
    )
    frame = frame.loc[~extra].reset_index(drop=True)
    return LoadedSurveys(surveys=frame, quality=log.frame(), source=origin)


def _after_end(
    frame: pd.DataFrame, column: str, observation_end: Any, policy: str, what: str, log: QualityLog
) -> pd.DataFrame:
    end = end_of_day(observation_end, "observation_end", optional=True)
    if end is None:
        log.add("after_end", "dated after observation_end", column)
        return frame
    late = frame[column] >= end
    if late.any() and policy == "error":
        last_day = (end - pd.Timedelta(days=1)).date()
        _refuse(
            what,
            f"a date after observation_end {last_day}",
            column,
            frame,
            late,
            "to drop those rows",
            {"after_end": "drop"},
        )
    log.add("after_end", "dated after observation_end", column, late, "dropped", removes=True)
    return frame.loc[~late]


def load_referrals(
    source: str | os.PathLike[str] | pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    *,
    transactions: Any = None,
    observation_end: Any = None,
    self_referral: str = "error",
    after_end: str = "error",
    unknown_customer: str = "error",
    duplicate_referred: str = "error",
    bought_before: str = "error",
    na_ids: Sequence[str] | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> LoadedReferrals:
    """Load and validate referrals (see the module notes for the contract and the checks).

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A CSV or Parquet file, or a DataFrame.
    columns : mapping, optional
        Canonical name -> your column name, e.g. ``{"referrer_id": "advocate"}``.
    transactions : pandas.DataFrame or LoadedTransactions, optional
        Enables the ``unknown_customer`` and ``bought_before`` checks.
    observation_end : date-like, optional
        Referrals after the end of this day are handled by ``after_end``.
    self_referral : {"error", "drop"}, default "error"
        A row whose referrer is the referred customer.
    after_end : {"error", "drop"}, default "error"
    unknown_customer : {"error", "drop", "keep"}, default "error"
        A referrer or referred customer not in the transactions (``"keep"``: a referred customer
        who never bought stays, as a referral that did not convert).
    duplicate_referred : {"error", "first"}, default "error"
        A customer referred more than once: raise, or keep the earliest referral.
    bought_before : {"error", "drop", "keep"}, default "error"
        A referred customer whose first purchase is before the referral date.
    na_ids : sequence of str, optional
    delimiter, encoding : str, optional

    Returns
    -------
    LoadedReferrals

    Raises
    ------
    loyaltylab.rules.LoadError
        For each problem whose option is ``"error"`` (the message names the option).

    Examples
    --------
    >>> table = pd.DataFrame({"referrer_id": ["1", "3"], "referred_id": ["2", "3"],
    ...                       "referred_at": ["2024-02-01", "2024-03-01"]})
    >>> load_referrals(table, self_referral="drop").referrals["referred_id"].tolist()
    ['2']
    """
    for value, name, options in (
        (self_referral, "self_referral", ("error", "drop")),
        (after_end, "after_end", ("error", "drop")),
        (unknown_customer, "unknown_customer", ("error", "drop", "keep")),
        (duplicate_referred, "duplicate_referred", ("error", "first")),
        (bought_before, "bought_before", ("error", "drop", "keep")),
    ):
        _choice(value, name, options)
    what = "referrals"
    raw, origin = _read_table(source, what, delimiter, encoding)
    raw = _rename(raw, columns, ("referrer_id", "referred_id", "referred_at"), what)
    raw = raw.reset_index(drop=True)
    log = QualityLog()
    frame = pd.DataFrame(
        {
            "referrer_id": _ids(raw, "referrer_id", what, log, na_ids),
            "referred_id": _ids(raw, "referred_id", what, log, na_ids),
            "referred_at": _dates(raw, "referred_at", what),
        }
    )
    same = frame["referrer_id"] == frame["referred_id"]
    if same.any() and self_referral == "error":
        _refuse(
            what,
            "a customer who referred themselves",
            "referred_id",
            frame,
            same,
            "to drop self-referrals",
            {"self_referral": "drop"},
        )
    log.add(
        "self_referral",
        "referrer is the referred customer",
        "referred_id",
        same,
        "dropped",
        removes=True,
    )
    frame = frame.loc[~same]
    frame = _after_end(frame, "referred_at", observation_end, after_end, what, log)

    if transactions is not None:
        first = first_purchases(transactions)
        stranger = ~frame["referrer_id"].isin(first.index) | ~frame["referred_id"].isin(first.index)
        if stranger.any() and unknown_customer == "error":
            _refuse(
                what,
                "a referrer or referred customer not in the transactions",
                "referrer_id/referred_id",
                frame,
                stranger,
                "to drop them (or keep referred customers who never bought)",
                {"unknown_customer": "drop"},
            )
        drop = stranger if unknown_customer == "drop" else ~frame["referrer_id"].isin(first.index)
        if unknown_customer == "keep" and drop.any():
            _refuse(
                what,
                "a referrer not in the transactions",
                "referrer_id",
                frame,
                drop,
                "to drop them",
                {"unknown_customer": "drop"},
            )
        log.add(
            "unknown_customer",
            "referrer or referred customer not in the transactions",
            "referrer_id/referred_id",
            stranger,
            "dropped" if unknown_customer == "drop" else "kept (referral not converted)",
            removes=unknown_customer == "drop",
        )
        frame = frame.loc[~drop] if unknown_customer == "drop" else frame
    else:
        log.add("unknown_customer", "needs the transactions", "referrer_id/referred_id")

    frame = frame.sort_values(["referred_at", "referred_id"], kind="stable")
    repeated = frame["referred_id"].duplicated(keep=False)
    if repeated.any() and duplicate_referred == "error":
        _refuse(
            what,
            "a customer referred more than once",
            "referred_id",
            frame,
            repeated,
            "to keep the earliest referral",
            {"duplicate_referred": "first"},
        )
    extra = frame["referred_id"].duplicated(keep="first")
    log.add(
        "duplicate_referred",
        "customer referred more than once",
        "referred_id",
        extra,
        "kept the earliest referral",
        removes=True,
    )
    frame = frame.loc[~extra]

    if transactions is not None:
        first_bought = frame["referred_id"].map(first)
        early = first_bought.notna() & (first_bought < frame["referred_at"].dt.normalize())
        if early.any() and bought_before == "error":
            _refuse(
                what,
                "a referred customer who bought before the referral",
                "referred_at",
                frame.assign(first_purchase=first_bought),
                early,
                "to drop such referrals (or keep them)",
                {"bought_before": "drop"},
            )
        log.add(
            "bought_before",
            "referred customer bought before the referral",
            "referred_at",
            early,
            "dropped" if bought_before == "drop" else "kept",
            removes=bought_before == "drop",
        )
        if bought_before == "drop":
            frame = frame.loc[~early]
    else:
        log.add("bought_before", "needs the transactions", "referred_at")
    return LoadedReferrals(
        referrals=frame.reset_index(drop=True), quality=log.frame(), source=origin
    )
