"""Static covariates for Pareto/NBD and BG/NBD (CLVTools' parametrisation) and their loader.

Pinned against:
* the truth of simulated logs with known effects (a binary and a continuous covariate, a few
  thousand customers; estimates within 3 standard errors of the truth);
* the no-covariate limit (the plain fit exactly; an all-zero covariate leaves the likelihood
  equal to the plain one to 1e-8);
* an independent computation of the likelihood: lifetimes' per-customer likelihood functions
  (``ParetoNBDFitter._conditional_log_likelihood``, ``BetaGeoFitter._negative_log_likelihood``)
  called customer by customer with each customer's own α_i, β_i / a_i, b_i, built here from
  the CLVTools formulas (CLVTools src/bgnbd.cpp, pnbd static covariates).

CLVTools' published apparelTrans + apparelStaticCov fit is not pinned: that data set is not
available offline here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltylab.clv as clv
from loyaltylab.clv import (
    COVARIATE_MODELS,
    CustomerCovariates,
    fit_covariate_model,
    fit_spend_model,
    fit_transaction_model,
    load_customer_covariates,
)
from loyaltylab.errors import DataValidationError, ModelConvergenceError, ParameterError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoFitter, ParetoNBDFitter


def _covariates(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member": (rng.random(n) < 0.4).astype(float),
            "score": rng.normal(size=n),
        },
        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"),
    )


def simulate_pareto_nbd(
    n: int, truth: dict[str, float], gamma_p: np.ndarray, gamma_d: np.ndarray, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pareto/NBD customers: λ ~ Gamma(r, α_i), μ ~ Gamma(s, β_i), exponential lifetimes."""
    rng = np.random.default_rng(seed)
    cov = _covariates(n, rng)
    design = cov.to_numpy()
    alpha_i = truth["alpha"] * np.exp(-design @ gamma_p)
    beta_i = truth["beta"] * np.exp(-design @ gamma_d)
    rate = rng.gamma(truth["r"], 1.0 / alpha_i)
    death = rng.gamma(truth["s"], 1.0 / beta_i)
    age = rng.uniform(40.0, 78.0, n)
    active = np.minimum(rng.exponential(1.0 / death), age)
    x = rng.poisson(rate * active)
    t_x = np.where(x > 0, active * rng.random(n) ** (1.0 / np.maximum(x, 1)), 0.0)
    summary = pd.DataFrame({"customer_id": cov.index, "frequency": x, "recency": t_x, "T": age})
    return summary, cov


def simulate_bgnbd(
    n: int, truth: dict[str, float], gamma_p: np.ndarray, gamma_d: np.ndarray, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """BG/NBD customers: λ ~ Gamma(r, α_i), p ~ Beta(a_i, b_i), dropout after a repeat purchase."""
    rng = np.random.default_rng(seed)
    cov = _covariates(n, rng)
    design = cov.to_numpy()
    alpha_i = truth["alpha"] * np.exp(-design @ gamma_p)
    factor = np.exp(design @ gamma_d)
    p = rng.beta(truth["a"] * factor, truth["b"] * factor)
    rate = rng.gamma(truth["r"], 1.0 / alpha_i)
    age = rng.uniform(40.0, 78.0, n)
    last_purchase = rng.geometric(np.clip(p, 1e-12, 1.0))  # the repeat purchase after which i drops
    x = np.zeros(n, dtype=int)
    t_x = np.zeros(n)
    for i in range(n):
        times = np.sort(rng.uniform(0.0, age[i], rng.poisson(rate[i] * age[i])))
        kept = times[: last_purchase[i]]
        x[i] = len(kept)
        t_x[i] = kept[-1] if len(kept) else 0.0
    summary = pd.DataFrame({"customer_id": cov.index, "frequency": x, "recency": t_x, "T": age})
    return summary, cov


PARETO_TRUTH = {"r": 0.8, "alpha": 8.0, "s": 0.6, "beta": 12.0}
PARETO_GAMMA_P = np.array([0.5, -0.3])  # members buy more, higher score buys less
PARETO_GAMMA_D = np.array([-0.6, 0.4])  # members leave later, higher score leaves sooner
BG_TRUTH = {"r": 0.8, "alpha": 6.0, "a": 0.8, "b": 3.0}
BG_GAMMA_P = np.array([0.5, -0.3])
BG_GAMMA_D = np.array([0.8, 0.0])


@pytest.fixture(scope="module")
def pareto_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return simulate_pareto_nbd(4000, PARETO_TRUTH, PARETO_GAMMA_P, PARETO_GAMMA_D, seed=11)


@pytest.fixture(scope="module")
def pareto_fit(pareto_data):  # noqa: ANN001, ANN201
    summary, cov = pareto_data
    return fit_covariate_model(
        summary,
        "pareto_nbd",
        cov,
        purchase_covariates=["member", "score"],
        dropout_covariates=["member", "score"],
    )


def _within(estimate: float, se: float, truth: float, k: float = 3.0) -> bool:
    return abs(estimate - truth) <= k * se


def test_pareto_nbd_recovers_known_effects(pareto_fit) -> None:  # noqa: ANN001
    table = pareto_fit.coefficients().set_index(["process", "covariate"])
    truths = {
        ("purchase", "member"): 0.5,
        ("purchase", "score"): -0.3,
        ("dropout", "member"): -0.6,
        ("dropout", "score"): 0.4,
    }
    for key, truth in truths.items():
        row = table.loc[key]
        assert 0 < row["std_error"] < 0.5, key
        assert _within(row["estimate"], row["std_error"], truth), (key, row.to_dict())
    errors = pareto_fit.standard_errors
    for name, truth in PARETO_TRUTH.items():
        log_se = errors[f"log_{name}"]
        assert abs(np.log(pareto_fit.params[name]) - np.log(truth)) <= 3 * log_se, name
    assert pareto_fit.likelihood_ratio > 20  # the effects are real
    assert pareto_fit.log_likelihood > pareto_fit.plain_fit.log_likelihood


def test_pareto_nbd_likelihood_matches_lifetimes_per_customer(pareto_data) -> None:
    summary, cov = pareto_data
    sample = summary.iloc[:150]
    params = {"r": 0.7, "alpha": 9.0, "s": 0.5, "beta": 10.0}
    gp, gd = {"member": 0.4, "score": -0.2}, {"member": -0.5, "score": 0.3}
    ours = COVARIATE_MODELS["pareto_nbd"].log_likelihood(sample, cov, params, gp, gd)
    expected = 0.0
    for row in sample.itertuples():
        x_i = cov.loc[row.customer_id]
        alpha_i = params["alpha"] * np.exp(-(gp["member"] * x_i.member + gp["score"] * x_i.score))
        beta_i = params["beta"] * np.exp(-(gd["member"] * x_i.member + gd["score"] * x_i.score))
        expected += float(
            ParetoNBDFitter._conditional_log_likelihood(
                (params["r"], alpha_i, params["s"], beta_i),
                np.array([row.frequency]),
                np.array([row.recency]),
                np.array([row.T]),
            )[0]
        )
    assert ours == pytest.approx(expected, rel=1e-9, abs=1e-8)


def test_no_covariates_is_the_plain_fit_exactly(pareto_data) -> None:
    summary, cov = pareto_data
    plain = fit_transaction_model(summary, "pareto_nbd")
    fit = fit_covariate_model(summary, "pareto_nbd", cov)
    assert fit.params == plain.params
    assert fit.log_likelihood == plain.log_likelihood
    assert fit.coefficients().empty and fit.likelihood_ratio == 0.0
    fit_none = fit_covariate_model(summary, "bgnbd")
    assert fit_none.params == fit_transaction_model(summary, "bgnbd").params


@pytest.mark.parametrize("model", ["pareto_nbd", "bgnbd"])
def test_all_zero_covariate_gives_the_plain_likelihood(pareto_data, model: str) -> None:
    summary, _ = pareto_data
    plain = fit_transaction_model(summary, model)
    zeros = pd.DataFrame({"zero": 0.0}, index=pd.Index(summary["customer_id"], name="customer_id"))
    value = COVARIATE_MODELS[model].log_likelihood(
        summary, zeros, plain.params, {"zero": 0.7}, {"zero": -1.3}
    )
    assert value == pytest.approx(plain.log_likelihood, abs=1e-8)
    # a constant column is not identified: refused, naming the column and the option
    with pytest.raises(DataValidationError, match=r"purchase_covariates.*'zero'"):
        fit_covariate_model(summary, model, zeros, purchase_covariates=["zero"])


def test_pareto_nbd_predictions_use_each_customers_parameters(pareto_data, pareto_fit) -> None:
    summary, cov = pareto_data
    individual = pareto_fit.individual_parameters(summary, cov)
    member = cov["member"].to_numpy() == 1
    # members: alpha_i = alpha exp(-gamma) smaller (more purchases), beta_i larger (stay longer)
    assert individual["alpha"][member].mean() < individual["alpha"][~member].mean()
    purchases = pareto_fit.expected_purchases(summary, cov, 26.0)
    plain_model = pareto_fit.plain_fit.transaction_model
    one = summary.iloc[[0]]
    row = individual.iloc[0]
    expected = plain_model.expected_purchases(
        [row["r"], row["alpha"], row["s"], row["beta"]],
        26.0,
        one["frequency"].to_numpy(),
        one["recency"].to_numpy(),
        one["T"].to_numpy(),
    )
    assert purchases.iloc[0] == pytest.approx(float(expected[0]), rel=1e-10)
    alive = pareto_fit.probability_alive(summary, cov)
    assert ((alive >= 0) & (alive <= 1)).all()
    rng = np.random.default_rng(1)
    spend_summary = summary.assign(
        monetary_value=np.where(
            summary["frequency"] > 0, rng.gamma(6.0, 1.0 / rng.gamma(4.0, 0.2, len(summary))), 0.0
        )
    )
    spend = fit_spend_model(spend_summary[spend_summary["frequency"] > 0])
    clv = pareto_fit.customer_lifetime_value(spend, spend_summary, cov, horizon=52.0)
    assert clv.per_customer["clv"].notna().all() and clv.total > 0
    metrics = pareto_fit.metrics()
    assert set(metrics) >= {
        "covariates.purchase.member.estimate",
        "covariates.purchase.member.se",
        "covariates.dropout.score.estimate",
    }


def test_bgnbd_recovers_known_effects_and_matches_lifetimes() -> None:
    summary, cov = simulate_bgnbd(4000, BG_TRUTH, BG_GAMMA_P, BG_GAMMA_D, seed=5)
    fit = fit_covariate_model(
        summary,
        "bgnbd",
        cov,
        purchase_covariates=["member", "score"],
        dropout_covariates=["member"],
    )
    table = fit.coefficients().set_index(["process", "covariate"])
    for key, truth in {
        ("purchase", "member"): 0.5,
        ("purchase", "score"): -0.3,
        ("dropout", "member"): 0.8,
    }.items():
        row = table.loc[key]
        assert _within(row["estimate"], row["std_error"], truth), (key, row.to_dict())
    # independent likelihood: lifetimes' BG/NBD per customer with a_i, b_i = (a, b) exp(g x_i)
    sample = summary.iloc[:150]
    params = {"r": 0.7, "alpha": 5.0, "a": 0.9, "b": 2.5}
    gp, gd = {"member": 0.3, "score": -0.2}, {"member": 0.6}
    ours = COVARIATE_MODELS["bgnbd"].log_likelihood(sample, cov, params, gp, gd)
    expected = 0.0
    for row in sample.itertuples():
        x_i = cov.loc[row.customer_id]
        alpha_i = params["alpha"] * np.exp(-(gp["member"] * x_i.member + gp["score"] * x_i.score))
        factor = np.exp(gd["member"] * x_i.member)
        log_params = np.log([params["r"], alpha_i, params["a"] * factor, params["b"] * factor])
        expected -= float(
            BetaGeoFitter._negative_log_likelihood(
                log_params,
                np.array([row.frequency]),
                np.array([row.recency]),
                np.array([row.T]),
                np.array([1.0]),
                0.0,
            )
        )
    assert ours == pytest.approx(expected, rel=1e-9, abs=1e-8)


def test_errors_name_the_problem(pareto_data) -> None:
    summary, cov = pareto_data
    with pytest.raises(ParameterError, match="'covariates' is required"):
        fit_covariate_model(summary, "pareto_nbd", purchase_covariates=["member"])
    with pytest.raises(ParameterError, match=r"\['nope'\] not among"):
        fit_covariate_model(summary, "pareto_nbd", cov, purchase_covariates=["nope"])
    with pytest.raises(ParameterError, match="for a fit with covariates"):
        fit_covariate_model(summary, "mbgnbd", cov)
    with pytest.raises(DataValidationError, match="3 of 4,000 customers"):
        fit_covariate_model(summary, "pareto_nbd", cov.iloc[3:], purchase_covariates=["member"])
    assert issubclass(ModelConvergenceError, Exception)


def test_load_customer_covariates_dummy_codes_with_first_level_reference(tmp_path) -> None:
    path = tmp_path / "cov.csv"
    path.write_text(
        "customer_id,channel,member,age\n7.0,shop,true,31\n8,online,false,45\n 9 ,tv,true,28\n"
    )
    loaded = load_customer_covariates(path)
    assert isinstance(loaded, CustomerCovariates)
    assert loaded.columns == ["channel[shop]", "channel[tv]", "member", "age"]
    assert loaded.coding == {"channel": ("online", "shop", "tv")}
    assert list(loaded.frame.index) == ["7", "8", "9"]
    assert loaded.frame.loc["8"].tolist() == [0.0, 0.0, 0.0, 45.0]
    assert loaded.frame.loc["9", "channel[tv]"] == 1.0
    assert loaded.summary()["reference"].tolist()[:2] == ["online", "online"]
    only = load_customer_covariates(path, columns=["age"])
    assert only.columns == ["age"]


def test_load_customer_covariates_missing_and_duplicates(tmp_path) -> None:
    path = tmp_path / "cov.csv"
    path.write_text("customer_id,channel,age\n1,shop,31\n2,,45\n3,tv,\n")
    with pytest.raises(DataValidationError, match=r"2 customer\(s\) have missing values.*'drop'"):
        load_customer_covariates(path)
    dropped = load_customer_covariates(path, columns=["age"], missing="drop")
    assert dropped.dropped == 1 and list(dropped.frame.index) == ["1", "2"]
    twice = pd.DataFrame({"customer_id": [1, 1, 2], "age": [1.0, 2.0, 3.0]})
    with pytest.raises(DataValidationError, match="more than once"):
        load_customer_covariates(twice)
    with pytest.raises(ParameterError, match="not in the file"):
        load_customer_covariates(twice, columns=["gender"])


# ---------------------------------------------------------------------- notebook 02_clv layer


def test_notebook_parameters_read_covariates_and_metrics_carry_them(tmp_path, cdnow_sample) -> None:
    from loyaltylab.clv import (
        calibration_summary,
        clv_intervals,
        customer_lifetime_value,
        evaluate_models,
    )
    from loyaltylab.customers import split_calibration_holdout, summarize_customers
    from loyaltylab.reports.notebooks.clv import CLVParameters, to_metrics

    tx = cdnow_sample
    summary = summarize_customers(tx, "1998-06-30")
    rng = np.random.default_rng(3)
    path = tmp_path / "covariates.csv"
    pd.DataFrame(
        {
            "customer_id": summary["customer_id"],
            "channel": rng.choice(["online", "shop", "tv"], len(summary)),
            "flat": "x",
        }
    ).to_csv(path, index=False)
    params = CLVParameters.from_namespace(
        {
            "output_dir": str(tmp_path),
            "covariates": str(path),
            "purchase_covariates": "channel[shop], channel[tv]",
            "dropout_covariates": '["channel[tv]"]',  # quoted in a YAML list
            "models": "bgnbd, pareto_nbd, mbgnbd",
        }
    )
    assert params.purchase_covariates == ["channel[shop]", "channel[tv]"]
    assert params.covariate_columns == ["channel[shop]", "channel[tv]"]
    covariates = params.load_covariates()
    assert covariates is not None and covariates.coding == {"channel": ("online", "shop", "tv")}
    fits = params.fit_covariate_models(summary, covariates)
    assert set(fits) == {"bgnbd", "pareto_nbd"}  # MBG/NBD has no covariate family: plain only
    assert all(isinstance(fit, clv.CovariateModelFit) for fit in fits.values()), fits
    with pytest.raises(ParameterError, match="set covariates to its path"):
        CLVParameters.from_namespace({"output_dir": str(tmp_path), "purchase_covariates": "a"})
    assert CLVParameters.from_namespace({"output_dir": str(tmp_path)}).load_covariates() is None

    split = split_calibration_holdout(tx, "1997-09-30", "1998-06-30")
    comparison = evaluate_models(split, tx, ["bgnbd", "pareto_nbd"])
    final_fit = fit_transaction_model(summary, comparison.default_model)
    final_spend = fit_spend_model(summary)
    result = customer_lifetime_value(final_fit, final_spend, summary, horizon=52)
    intervals = clv_intervals(final_fit, final_spend, summary, point=result, n_draws=20)
    analysis = (
        comparison,
        fit_spend_model(calibration_summary(split)),
        final_fit,
        final_spend,
        result,
        intervals,
    )
    failed = {**fits, "pareto_nbd": "ModelConvergenceError: no optimum"}
    metrics = to_metrics(*analysis, covariate_fits=failed)
    bgnbd = metrics["models"]["bgnbd"]["covariates"]
    fit = fits["bgnbd"]
    assert isinstance(fit, clv.CovariateModelFit)
    assert bgnbd["purchase"]["channel[tv]"] == {
        "estimate": fit.purchase_coefficients["channel[tv]"],
        "se": fit.standard_errors["purchase.channel[tv]"],
    }
    assert set(bgnbd["dropout"]) == {"channel[tv]"}
    assert metrics["models"]["pareto_nbd"]["covariates"] == {
        "error": "ModelConvergenceError: no optimum"
    }
    assert "covariates" not in to_metrics(*analysis)["models"]["bgnbd"]
