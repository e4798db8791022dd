"""Tests of loyaltylab.clv against published CDNOW values.

Data: the CDNOW 1/10 sample shipped in the lifetimes wheel (2,357 customers), calibration end
1997-09-30, observation end 1998-06-30, weeks with fractional days (reference/clv.md §3).
Sources are named in each test; "ref §3" = docs/reference/clv.md §3.
"""

from __future__ import annotations

import importlib.resources
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

import loyaltylab.clv as clv
from loyaltylab.clv import fitting
from loyaltylab.clv.models import bgnbd, gamma_gamma, pareto_nbd
from loyaltylab.customers import split_calibration_holdout
from loyaltylab.datasets import load_cdnow
from loyaltylab.errors import DataValidationError, ModelConvergenceError, ParameterError

matplotlib.use("Agg")  # tests only; never in the package or notebooks

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import ConvergenceError, summary_data_from_transaction_data

CAL_END = "1997-09-30"
OBS_END = "1998-06-30"


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return load_cdnow(sample=True)


@pytest.fixture(scope="module")
def split(transactions):
    return split_calibration_holdout(transactions, CAL_END, OBS_END, time_unit="W")


@pytest.fixture(scope="module")
def calibration(split) -> pd.DataFrame:
    return split.frame.rename(
        columns={
            "frequency_cal": "frequency",
            "recency_cal": "recency",
            "T_cal": "T",
            "monetary_value_cal": "monetary_value",
        }
    )


@pytest.fixture(scope="module")
def fits(calibration) -> dict[str, clv.TransactionModelFit]:
    return {
        model: clv.fit_transaction_model(calibration, model) for model in clv.TRANSACTION_MODELS
    }


@pytest.fixture(scope="module")
def spend(calibration) -> clv.SpendModelFit:
    return clv.fit_spend_model(calibration)


@pytest.fixture(scope="module")
def validations(fits, split, transactions) -> dict[str, clv.HoldoutValidation]:
    return {m: clv.validate_holdout(fit, split, transactions) for m, fit in fits.items()}


def _one_customer(x: float, t_x: float, age: float, spend: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["c"],
            "frequency": [x],
            "recency": [t_x],
            "T": [age],
            "monetary_value": [spend],
        }
    )


# --------------------------------------------------------------------------- parameters and LLs


def test_bgnbd_matches_fader_hardie_lee_2005(fits):
    # Fader, Hardie & Lee (2005) Marketing Science 24(2) §7: r=0.243, α=4.414, a=0.793,
    # b=2.426, LL=-9582.4 (ref §3; BTYD/CLVTools LL -9582.429)
    fit = fits["bgnbd"]
    assert fit.params == pytest.approx(
        {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, abs=1.5e-3
    )
    assert fit.log_likelihood == pytest.approx(-9582.43, abs=0.05)
    assert fit.n_customers == 2357
    assert fit.n_unique_rows < fit.n_customers  # fitted on compressed rows


def test_pareto_nbd_matches_fader_hardie_lee_2005(fits):
    # same paper: r=0.553, α=10.578, s=0.606, β=11.669, LL=-9595.0 (ref §3; CLVTools -9594.976)
    fit = fits["pareto_nbd"]
    assert fit.params["r"] == pytest.approx(0.553, abs=1e-3)
    assert fit.params["alpha"] == pytest.approx(10.578, abs=5e-3)
    assert fit.params["s"] == pytest.approx(0.606, abs=1e-3)
    assert fit.params["beta"] == pytest.approx(11.669, abs=0.01)
    assert fit.log_likelihood == pytest.approx(-9594.976, abs=0.02)


def test_mbgnbd_matches_btydplus(fits):
    # BTYDplus mbgnbd.EstimateParameters on CDNOW: 0.5248/6.1831/0.8914/1.6140, LL -9582.136
    # (ref §3; no published CDNOW estimate exists)
    fit = fits["mbgnbd"]
    assert fit.params == pytest.approx(
        {"r": 0.5248, "alpha": 6.1831, "a": 0.8914, "b": 1.6140}, abs=2e-4
    )
    assert fit.log_likelihood == pytest.approx(-9582.136, abs=0.01)


def test_gamma_gamma_matches_fader_hardie_2013(spend):
    # Fader & Hardie (2013) note 025: p=6.25, q=3.74, γ=15.44; LL -4055.92 in lifetimes'
    # convention (CLVTools -4055.9177, ref §3 item 2); 946 repeat customers
    assert spend.params == pytest.approx({"p": 6.25, "q": 3.74, "v": 15.44}, abs=0.01)
    assert spend.log_likelihood == pytest.approx(-4055.918, abs=0.01)
    assert spend.n_customers == 946
    assert spend.n_excluded_one_time == 2357 - 946


def test_gamma_gamma_expected_spend_matches_hardie_sheet(calibration, spend):
    # Hardie's Gamma-Gamma spreadsheet (note 025), E[M | x, m̄] of sample customers 1-10:
    # 24.65 18.91 35.17 35.17 35.17 71.46 18.91 35.17 27.28 35.17 (ref §3; lifetimes 24.66 ...)
    raw = pd.read_csv(
        importlib.resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master", "sample", "date", "n", "amount"],
        dtype={"master": str},
    )
    first_ten = raw.drop_duplicates("sample").sort_values("sample")["master"].head(10)
    rows = calibration.set_index("customer_id").loc[first_ten.to_numpy()].reset_index()
    expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17]
    assert clv.expected_spend(spend, rows).to_numpy() == pytest.approx(expected, abs=0.015)


def test_fit_on_lifetimes_summary_gives_same_parameters(transactions, fits):
    # independent data preparation: lifetimes' summary_data_from_transaction_data with
    # freq="D", freq_multiplier=7 (ref §3 item 1)
    summary = summary_data_from_transaction_data(
        transactions,
        "customer_id",
        "timestamp",
        observation_period_end=CAL_END,
        freq="D",
        freq_multiplier=7,
    )
    fit = clv.fit_transaction_model(summary, "bgnbd")
    assert fit.params == pytest.approx(fits["bgnbd"].params, rel=1e-6)


def test_standard_errors_match_lifetimes_hessian(calibration, fits, spend):
    # lifetimes computes the Hessian on its rescaled data with autograd; the diagonal of its
    # variance_matrix_ is the delta-method variance, so the standard errors must agree.
    x, t_x, age = (calibration[c].to_numpy() for c in ("frequency", "recency", "T"))
    reference = BetaGeoFitter().fit(x, t_x, age)
    ours = fits["bgnbd"].standard_errors
    assert [ours[k] for k in ("r", "alpha", "a", "b")] == pytest.approx(
        reference.standard_errors_.to_numpy(), rel=2e-3
    )
    repeat = calibration[calibration["frequency"] > 0]
    gg = GammaGammaFitter().fit(repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy())
    log_se = np.sqrt(np.diag(spend.covariance.to_numpy()))
    ours_gg = np.array(list(spend.params.values())) * log_se
    assert ours_gg == pytest.approx(gg.standard_errors_.to_numpy(), rel=2e-2)


# --------------------------------------------------------------------------- point predictions


def test_conditional_expectation_1226(fits):
    # Hardie bgnbd.xls / LT test: E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226 (ref §3)
    value = clv.expected_purchases(fits["bgnbd"], _one_customer(2, 30.43, 38.86), 39)
    assert value.iloc[0] == pytest.approx(1.226, abs=1e-3)


def test_customer_1516(fits):
    # BTYD walkthrough, customer 1516 (x=26, t_x=30.857, T=31): CE(52) BG 25.75659,
    # PNBD 25.45647; P(alive) BG 0.9688523, PNBD 0.997874 (ref §3)
    customer = _one_customer(26, 30.857143, 31.0)
    assert clv.expected_purchases(fits["bgnbd"], customer, 52).iloc[0] == pytest.approx(
        25.75659, rel=1e-4
    )
    assert clv.expected_purchases(fits["pareto_nbd"], customer, 52).iloc[0] == pytest.approx(
        25.45647, rel=1e-4
    )
    assert clv.probability_alive(fits["bgnbd"], customer).iloc[0] == pytest.approx(
        0.9688523, abs=1e-4
    )
    assert clv.probability_alive(fits["pareto_nbd"], customer).iloc[0] == pytest.approx(
        0.997874, abs=1e-4
    )


def test_new_customer_expectation(fits):
    # BTYD walkthrough: E[X(52)] of a new customer, BG 1.444004, PNBD 1.473434 (ref §3)
    assert clv.expected_purchases_new_customer(fits["bgnbd"], 52.0) == pytest.approx(
        1.444004, abs=1e-4
    )
    assert clv.expected_purchases_new_customer(fits["pareto_nbd"], 52.0) == pytest.approx(
        1.473434, abs=1e-4
    )


def test_closed_forms_agree_with_lifetimes(calibration, fits):
    # lifetimes' own (non-Euler) formulas as the independent computation on every CDNOW row
    x, t_x, age = (calibration[c].to_numpy() for c in ("frequency", "recency", "T"))
    for model, fitter_class in (("bgnbd", BetaGeoFitter), ("pareto_nbd", ParetoNBDFitter)):
        fitter = fitter_class()
        fitter.params_ = pd.Series(fits[model].params)
        ours = clv.expected_purchases(fits[model], calibration, 39).to_numpy()
        theirs = fitter.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, age)
        assert ours == pytest.approx(theirs, rel=1e-8, abs=1e-10)
        alive = clv.probability_alive(fits[model], calibration).to_numpy()
        assert alive == pytest.approx(fitter.conditional_probability_alive(x, t_x, age), abs=1e-10)


def test_fast_likelihoods_equal_lifetimes(calibration):
    # the numpy likelihoods with analytic gradients used for optimisation must equal lifetimes'
    # BetaGeoFitter / GammaGammaFitter._negative_log_likelihood (x -N) and their autograd
    # gradients
    from autograd import grad

    rows = clv.compress_customers(calibration, ["frequency", "recency", "T"])
    x, t_x, age, weight = (
        rows[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T", "weight")
    )
    evaluate = bgnbd.bgnbd_loglik_and_gradient(x, t_x, age, weight)
    for params in ([0.243, 4.414, 0.793, 2.426], [1.5, 0.7, 2.0, 0.3]):
        log_params = np.log(params)
        reference = (
            -BetaGeoFitter._negative_log_likelihood(
                log_params, x.astype(int), t_x, age, weight, 0.0
            )
            * weight.sum()
        )
        reference_grad = (
            -grad(BetaGeoFitter._negative_log_likelihood)(
                log_params, x.astype(int), t_x, age, weight, 0.0
            )
            * weight.sum()
        )
        value, gradient = evaluate(log_params)
        assert value == pytest.approx(reference, rel=1e-12)
        assert gradient == pytest.approx(reference_grad, rel=1e-8, abs=1e-8)
    repeat = calibration[calibration["frequency"] > 0]
    f, m = repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)
    ones = np.ones(len(f))
    evaluate = gamma_gamma.gamma_gamma_loglik_and_gradient(f, m, ones)
    log_params = np.log([6.25, 3.74, 15.44])
    reference = -GammaGammaFitter._negative_log_likelihood(log_params, f, m, ones, 0.0) * len(f)
    reference_grad = -grad(GammaGammaFitter._negative_log_likelihood)(
        log_params, f, m, ones, 0.0
    ) * len(f)
    value, gradient = evaluate(log_params)
    assert value == pytest.approx(reference, rel=1e-12)
    assert gradient == pytest.approx(reference_grad, rel=1e-8, abs=1e-8)


def test_pareto_likelihood_on_pairs_equals_lifetimes(calibration):
    # the fast Pareto/NBD likelihood used for optimisation must equal lifetimes' own
    # ParetoNBDFitter._conditional_log_likelihood (note 009 eq. 18) summed over customers
    rows = clv.compress_customers(calibration, ["frequency", "recency", "T"])
    x, t_x, age, weight = (
        rows[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T", "weight")
    )
    fast = pareto_nbd.pareto_loglik_on_pairs(x, t_x, age, weight)
    for params in ([0.553, 10.578, 0.606, 11.669], [0.3, 20.0, 1.5, 2.0], [2.0, 5.0, 0.2, 5.0]):
        reference = (
            weight * ParetoNBDFitter._conditional_log_likelihood(np.array(params), x, t_x, age)
        ).sum()
        assert fast(np.log(params)) == pytest.approx(reference, rel=1e-11)


@pytest.mark.parametrize("model", ["bgnbd", "pareto_nbd", "mbgnbd"])
def test_heavy_buyers_stay_finite(fits, model):
    # LT #25 / PR #90: lifetimes' Pareto/NBD gives NaN at x=300, t_x=T; MBG/NBD at x=5000.
    heavy = pd.DataFrame(
        {
            "frequency": [300, 300, 1000, 5000, 5000],
            "recency": [38.86, 38.859, 38.86, 38.86, 38.859],
            "T": [38.86] * 5,
        }
    )
    purchases = clv.expected_purchases(fits[model], heavy, 39).to_numpy()
    alive = clv.probability_alive(fits[model], heavy).to_numpy()
    assert np.all(np.isfinite(purchases)) and np.all(np.isfinite(alive))
    # continuity in recency: a customer who bought 0.001 weeks before the end is nearly the same
    assert purchases[1] == pytest.approx(purchases[0], rel=1e-3)
    assert purchases[4] == pytest.approx(purchases[3], rel=5e-2)
    # a buyer at ~x/T per week who is alive keeps buying at about that rate: between 0.5x and 1.5x
    rate = heavy["frequency"].to_numpy() / 38.86 * 39
    assert np.all(
        (purchases[[0, 2, 3]] > 0.5 * rate[[0, 2, 3]])
        & (purchases[[0, 2, 3]] < 1.5 * rate[[0, 2, 3]])
    )


def test_lifetimes_pareto_is_nan_where_ours_is_finite(fits):
    # documents why we do not call lifetimes' prediction: same parameters, NaN for x=300, t_x=T
    fitter = ParetoNBDFitter()
    fitter.params_ = pd.Series(fits["pareto_nbd"].params)
    with np.errstate(all="ignore"):
        theirs = fitter.conditional_expected_number_of_purchases_up_to_time(
            39, np.array([300]), np.array([38.86]), np.array([38.86])
        )
    assert np.isnan(theirs[0])


# --------------------------------------------------------------------------- holdout validation


def test_holdout_totals(validations):
    # ref §3 "Holdout": 1,882 holdout repeat transactions; Σ E[Y(39)]: BG 1,653.4,
    # Pareto 1,665.5, MBG 1,576.7; correlation BG 0.626, Pareto 0.630 (FHL 2005 paper values)
    assert validations["bgnbd"].actual_total == 1882
    assert validations["bgnbd"].predicted_total == pytest.approx(1653.4, abs=0.5)
    assert validations["pareto_nbd"].predicted_total == pytest.approx(1665.5, abs=0.5)
    assert validations["mbgnbd"].predicted_total == pytest.approx(1576.7, abs=0.5)
    assert validations["bgnbd"].correlation == pytest.approx(0.626, abs=1e-3)
    assert validations["pareto_nbd"].correlation == pytest.approx(0.630, abs=1e-3)


def test_cumulative_tracking(validations):
    # BTYD walkthrough, cumulative repeat transactions weeks 20-25 (ref §3), and week 78:
    # actual 4,339, BG 4,165.7, Pareto 4,275.4, MBG 4,054.6
    bg = validations["bgnbd"].tracking.set_index("period")
    pnbd = validations["pareto_nbd"].tracking.set_index("period")
    weeks = list(range(20, 26))
    assert bg.loc[weeks, "actual"].tolist() == [1359, 1414, 1484, 1517, 1573, 1672]
    assert bg.loc[weeks, "predicted"].to_numpy() == pytest.approx(
        [1312.458, 1387.346, 1460.392, 1531.713, 1601.418, 1669.6], abs=0.1
    )
    assert pnbd.loc[weeks, "predicted"].to_numpy() == pytest.approx(
        [1308.856, 1385.275, 1459.923, 1532.906, 1604.32, 1674.253], abs=0.15
    )
    assert len(bg) == 78 and bg.loc[78, "actual"] == 4339
    assert bg.loc[78, "predicted"] == pytest.approx(4165.7, abs=0.1)
    assert pnbd.loc[78, "predicted"] == pytest.approx(4275.4, abs=0.1)
    mbg = validations["mbgnbd"].tracking.set_index("period")
    assert mbg.loc[78, "predicted"] == pytest.approx(4054.6, abs=0.1)
    assert bg.loc[39, "holdout"] == np.False_ and bg.loc[40, "holdout"] == np.True_


def test_conditional_expectation_by_frequency(validations):
    # ref §3 / BTYD walkthrough tables: calibration frequency 0..7+
    table = validations["bgnbd"].by_frequency
    assert table["frequency_cal"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["n_customers"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert table["actual_mean"].to_numpy() == pytest.approx(
        [0.237, 0.697, 1.393, 1.560, 2.532, 2.947, 3.862, 6.359], abs=6e-4
    )
    assert table["predicted_mean"].to_numpy() == pytest.approx(
        [0.225, 0.523, 1.044, 1.520, 2.164, 2.654, 3.504, 6.157], abs=6e-4
    )
    pnbd = validations["pareto_nbd"].by_frequency
    assert pnbd["predicted_mean"].to_numpy() == pytest.approx(
        [0.138, 0.599, 1.196, 1.714, 2.398, 2.907, 3.819, 6.403], abs=6e-4
    )


def test_model_comparison_rule(fits, validations):
    # holdout errors: BG -12.1 %, Pareto -11.5 %, MBG -16.2 % (ref §3): by the total rule BG and
    # Pareto tie within 1 point and BG has the higher log-likelihood -> BG/NBD; with a 0.1-point
    # margin Pareto wins.
    comparison = clv.compare_models(fits, validations, rule="total")
    assert comparison.default_model == "bgnbd"
    assert comparison.table.set_index("model")["holdout_error_pct"].to_dict() == pytest.approx(
        {"bgnbd": -12.15, "pareto_nbd": -11.50, "mbgnbd": -16.22}, abs=0.01
    )
    strict = clv.compare_models(fits, validations, rule="total", tie_margin=0.001)
    assert strict.default_model == "pareto_nbd"


def test_default_rule_is_by_frequency_group(fits, validations):
    # the by-frequency table of ref §3 (n = 1411 439 214 100 62 38 29 64; actual and predicted
    # means): sum of |group errors| / 1,882 = 229 / 1882 = 12.2 % for BG/NBD, 254 / 1882 =
    # 13.5 % for Pareto/NBD (its zero class predicts 0.138 vs 0.237 actual) -> BG/NBD
    comparison = clv.compare_models(fits, validations)
    assert comparison.default_model == "bgnbd"
    errors = comparison.table.set_index("model")["group_error_pct"]
    assert errors["bgnbd"] == pytest.approx(12.2, abs=0.1)
    assert errors["pareto_nbd"] == pytest.approx(13.5, abs=0.1)
    assert comparison.why.startswith("BG/NBD was chosen because its error by calibration")
    assert (comparison.table["status"] == "fitted").all()


# --------------------------------------------------------------------------- CLV


def test_clv_matches_lifetimes_customer_lifetime_value(calibration, fits, spend):
    # independent computation: lifetimes' customer_lifetime_value (12 monthly steps of 4.345
    # weeks, monthly rate 1 %) with Series aligned on the same index (avoids btyd #57).
    monthly = 0.01
    annual = (1 + monthly) ** (365.25 / 7 / 4.345) - 1
    result = clv.customer_lifetime_value(
        fits["bgnbd"], spend, calibration, horizon=12 * 4.345, discount_rate=annual, step=4.345
    )
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series(fits["bgnbd"].params)
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series(spend.params)
    frame = calibration.set_index("customer_id")
    reference = ggf.customer_lifetime_value(
        bgf,
        frame["frequency"],
        frame["recency"],
        frame["T"],
        frame["monetary_value"],
        time=12,
        discount_rate=monthly,
        freq="W",
    )
    assert result.per_customer["clv"].to_numpy() == pytest.approx(reference.to_numpy(), rel=1e-8)


def test_clv_without_discount_is_purchases_times_spend(fits, spend):
    # customer 1516 again: undiscounted 52-week CLV = CE(52) (BTYD 25.75659) x E[M] from the
    # Gamma-Gamma closed form (p x m̄ + (q-1) p v/(q-1)... computed here by hand)
    customer = _one_customer(26, 30.857143, 31.0, spend=39.97)
    p, q, v = spend.params["p"], spend.params["q"], spend.params["v"]
    spend_by_hand = ((q - 1) / (p * 26 + q - 1)) * (p * v / (q - 1)) + (
        p * 26 / (p * 26 + q - 1)
    ) * 39.97
    result = clv.customer_lifetime_value(
        fits["bgnbd"], spend, customer, horizon=52, discount_rate=0.0
    )
    assert result.per_customer["clv"].iloc[0] == pytest.approx(25.75659 * spend_by_hand, rel=1e-4)
    discounted = clv.customer_lifetime_value(
        fits["bgnbd"], spend, customer, horizon=52, discount_rate=0.10
    )
    # a year at 10 %: every cash flow is discounted by a factor in [1/1.1, 1]
    ratio = discounted.total / result.total
    assert 1 / 1.1 < ratio < 1


def test_clv_tiers_and_segments():
    values = pd.Series(np.arange(200, 0, -1, dtype=float), index=[f"c{i}" for i in range(200)])
    tiers = clv.clv_tiers(values)
    # 1 % of 200 = 2 customers, 10 % = 20 -> 18 in the second tier, 180 in the rest
    assert tiers.value_counts().to_dict() == {"top 1%": 2, "top 1%-10%": 18, "rest": 180}
    assert tiers.iloc[:2].tolist() == ["top 1%", "top 1%"]
    frame = pd.DataFrame(
        {
            "customer_id": values.index,
            "clv": values.to_numpy(),
            "probability_alive": 0.5,
            "expected_purchases": 1.0,
            "clv_tier": tiers.to_numpy(),
        }
    )
    table = clv.clv_by_segment(frame)
    assert table["segment"].tolist() == ["top 1%", "top 1%-10%", "rest"]
    assert table["clv_total"].tolist() == [200 + 199, sum(range(181, 199)), sum(range(1, 181))]
    assert table["clv_share"].sum() == pytest.approx(1.0)
    segments = pd.Series(["a"] * 100 + ["b"] * 100, index=values.index)
    by_letter = clv.clv_by_segment(frame, segments)
    assert by_letter.set_index("segment")["clv_total"].to_dict() == {
        "a": sum(range(101, 201)),
        "b": sum(range(1, 101)),
    }
    with pytest.raises(ParameterError, match="3 customer"):
        clv.clv_by_segment(frame, segments.iloc[3:])


def test_clv_intervals_are_seeded_and_cover_the_point(calibration, fits, spend):
    first = clv.clv_intervals(fits["bgnbd"], spend, calibration, n_draws=100, seed=3)
    second = clv.clv_intervals(fits["bgnbd"], spend, calibration, n_draws=100, seed=3)
    assert first.total_low == second.total_low and first.total_high == second.total_high
    assert first.total_low < first.total < first.total_high
    table = first.per_customer
    assert (table["clv_low"] <= table["clv_high"]).all()
    inside = (table["clv"] >= table["clv_low"]) & (table["clv"] <= table["clv_high"])
    assert inside.mean() > 0.95
    # the draws reproduce the fit's sampling distribution: sd of log r = sqrt(cov[log r])
    draws = clv.draw_parameters(fits["bgnbd"], 4000, np.random.default_rng(0))
    assert np.log(draws[:, 0]).std() == pytest.approx(
        np.sqrt(fits["bgnbd"].covariance.iloc[0, 0]), rel=0.05
    )


# --------------------------------------------------------------------------- errors and retries


def test_degenerate_data_raises_convergence_error(calibration):
    nobody_returns = calibration.assign(frequency=0, recency=0.0)
    with pytest.raises(ModelConvergenceError, match="BG/NBD did not converge") as error:
        clv.fit_transaction_model(nobody_returns, "bgnbd")
    assert "attempt" in str(error.value)
    assert "absurd parameters" in str(error.value) or "Hessian" in str(error.value)


def test_retry_after_convergence_error_is_recorded(calibration, monkeypatch):
    def failing(*args, **kwargs):
        raise ConvergenceError("forced failure")

    monkeypatch.setattr(fitting, "bfgs_with_gradient", failing)
    fit = clv.fit_transaction_model(calibration, "bgnbd")
    assert [a.success for a in fit.attempts] == [False, True]
    assert "forced failure" in fit.attempts[0].reason
    assert fit.attempts[1].strategy.startswith("lifetimes")  # lifetimes' own BFGS took over
    assert fit.params["r"] == pytest.approx(0.243, abs=2e-3)  # FHL 2005


def test_absurd_parameters_are_rejected(calibration, monkeypatch):
    original = fitting.bfgs_with_gradient

    def diverging(*args, **kwargs):
        log_params = original(*args, **kwargs)
        log_params[0] = np.log(1.0e59)  # what CLVTools' BFGS returned on CDNOW x 100 (ref §2)
        return log_params

    monkeypatch.setattr(fitting, "bfgs_with_gradient", diverging)
    fit = clv.fit_transaction_model(calibration, "bgnbd")
    assert not fit.attempts[0].success and "absurd" in fit.attempts[0].reason
    assert fit.params["r"] == pytest.approx(0.243, abs=2e-3)


def test_lifetimes_convergence_errors_are_retried(calibration, monkeypatch):
    # our optimiser and lifetimes at tol=1e-7 fail; the retries must still find the published fit
    original = GammaGammaFitter.fit

    def picky(self, *args, tol=1e-7, **kwargs):
        if tol != 1e-4:
            raise ConvergenceError("precision loss")
        return original(self, *args, tol=tol, **kwargs)

    def failing(*args, **kwargs):
        raise ConvergenceError("forced failure")

    monkeypatch.setattr(fitting, "bfgs_with_gradient", failing)
    monkeypatch.setattr(GammaGammaFitter, "fit", picky)
    spend = clv.fit_spend_model(calibration)
    outcomes = [a.success for a in spend.attempts]
    assert outcomes[-1] and not any(outcomes[:-1])
    reasons = " ".join(a.reason for a in spend.attempts)
    assert "forced failure" in reasons and "precision loss" in reasons
    # tol=1e-4 stops lifetimes far from the maximum here (p=9.84): rejected, not returned
    assert "not at an optimum" in reasons
    assert spend.params == pytest.approx({"p": 6.25, "q": 3.74, "v": 15.44}, abs=0.01)


def test_bad_inputs_raise_clear_errors(calibration):
    with pytest.raises(ParameterError, match="model"):
        clv.fit_transaction_model(calibration, "nope")
    with pytest.raises(DataValidationError, match="lacks column"):
        clv.fit_transaction_model(calibration.drop(columns="T"))
    broken = calibration.copy()
    broken.loc[broken.index[:3], "recency"] = 100.0
    with pytest.raises(DataValidationError, match="3 row"):
        clv.fit_transaction_model(broken)
    one_repeater = calibration.copy()
    one_repeater.loc[one_repeater["frequency"] > 0, "monetary_value"] = 0.0
    one_repeater.loc[one_repeater.index[one_repeater["frequency"] > 0][0], "monetary_value"] = 9.0
    # one repeat buyer with a spend is the spend model's boundary (tests/test_clv_spend_boundary
    # .py), none is refused with the counts
    assert "only 1 repeat customer(s)" in clv.fit_spend_model(one_repeater).boundary_note
    no_spend = one_repeater.assign(monetary_value=0.0)
    with pytest.raises(DataValidationError, match="0 repeat customer.*946 more"):
        clv.fit_spend_model(no_spend)


def test_gamma_gamma_leaves_out_repeaters_without_positive_spend(calibration, spend):
    # Full CDNOW has a repeat buyer with mean spend 0; the gamma likelihood needs m > 0, so such
    # customers are left out of the fit and counted. Two hand-built ones (m = 0 and m = -5,
    # a refund on a later day) are added to the CDNOW sample calibration summary.
    added = pd.DataFrame(
        {
            "customer_id": ["zero", "refund"],
            "frequency": [3, 1],
            "recency": [20.0, 5.0],
            "T": [30.0, 25.0],
            "monetary_value": [0.0, -5.0],
        }
    )
    extended = pd.concat([calibration[added.columns], added], ignore_index=True)
    fit = clv.fit_spend_model(extended)
    # the fit equals the fit on the 946 positive repeaters alone (Fader & Hardie 2013 values)
    assert fit.params == pytest.approx(spend.params, rel=1e-9)
    assert fit.params == pytest.approx({"p": 6.25, "q": 3.74, "v": 15.44}, abs=0.01)
    assert fit.n_customers == 946
    assert fit.n_excluded_nonpositive_spend == 2
    assert fit.n_excluded_one_time == 2357 - 946
    table = fit.summary()
    assert table["n_excluded_nonpositive_spend"].tolist() == [2, 2, 2]
    assert table["n_customers"].tolist() == [946, 946, 946]
    # their expected spend is the Gamma-Gamma conditional mean (note 025 eq. 5), computed here
    # by hand and by lifetimes' conditional_expected_average_profit
    predicted = clv.expected_spend(fit, added).to_numpy()
    p, q, v = fit.params["p"], fit.params["q"], fit.params["v"]
    x = np.array([3.0, 1.0])
    m = np.array([0.0, -5.0])
    by_hand = (q - 1) / (p * x + q - 1) * v * p / (q - 1) + p * x / (p * x + q - 1) * m
    assert np.all(np.isfinite(predicted))
    np.testing.assert_allclose(predicted, by_hand, rtol=1e-12)
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series({"p": p, "q": q, "v": v})
    theirs = ggf.conditional_expected_average_profit(pd.Series(x), pd.Series(m)).to_numpy()
    np.testing.assert_allclose(predicted, theirs, rtol=1e-12)
    assert 0 < predicted[0] < fit.population_mean_spend
    # and the CLV of every customer stays finite
    result = clv.customer_lifetime_value(
        clv.fit_transaction_model(extended), fit, extended, horizon=52
    )
    assert np.isfinite(result.per_customer["clv"]).all()


# --------------------------------------------------------------------------- plots


def test_plots_return_labelled_axes(calibration, fits, spend, validations):
    import matplotlib.pyplot as plt

    result = clv.customer_lifetime_value(fits["bgnbd"], spend, calibration)
    axes = [
        clv.plot_tracking(validations),
        clv.plot_conditional_expectation(validations),
        clv.plot_probability_alive(result),
        clv.plot_probability_alive_matrix(fits["bgnbd"]),
        clv.plot_clv_distribution(result),
        clv.plot_clv_by_segment(clv.clv_by_segment(result)),
    ]
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(axes[0].get_lines()) == 5  # actual, three models, calibration end
    plt.close("all")


def test_summaries_are_frames(fits, spend, validations):
    assert list(fits["bgnbd"].summary()["parameter"]) == ["r", "alpha", "a", "b"]
    assert list(spend.summary()["parameter"]) == ["p", "q", "v"]
    assert validations["bgnbd"].summary()["holdout_actual"].iloc[0] == 1882


def test_a_clv_that_is_not_finite_is_refused_not_summed_as_zero(fits, spend, calibration):
    # a NaN CLV would be skipped by the total (pandas sums skip NaN): one clear error instead
    import dataclasses

    broken = dataclasses.replace(fits["bgnbd"], params={**fits["bgnbd"].params, "r": float("nan")})
    with pytest.raises(ModelConvergenceError, match=r"no finite CLV for \d+ of \d+ customers"):
        clv.customer_lifetime_value(broken, spend, calibration, horizon=52)
    assert np.isfinite(clv.customer_lifetime_value(fits["bgnbd"], spend, calibration).total)
