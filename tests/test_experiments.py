"""Reference vectors for loyaltylab.experiments (reference/statistics.md §4 A1-I1).

Every expected number below comes from R, statsmodels, GrowthBook's gbstats test-suite or
scikit-uplift, as named next to it; none is produced by the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from loyaltylab.errors import DataValidationError, ParameterError
from loyaltylab.experiments import (
    CupedSums,
    adjust_p_values,
    analyze_experiment,
    bayesian_lift,
    check_srm,
    cuped_from_sums,
    heterogeneous_effects,
    mde_means,
    mde_proportions,
    mean_effect,
    mean_effect_from_sums,
    nonzero_cap,
    power_means,
    power_proportions,
    proportion_effect,
    ratio_effect,
    regression_adjusted_effect,
    sample_size_means,
    sample_size_proportions,
    sequential_interval,
    winsorize_nonzero,
)
from loyaltylab.experiments.effects import relative_variance

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


# --- A1/A2: two proportions ------------------------------------------------------------------


def test_a1_a2_two_proportions_pooled_z_and_unpooled_wald():
    # statistics.md §4 A1 (statsmodels proportions_ztest docstring) and A2 (R prop.test,
    # correct=FALSE): counts 5/83 vs 12/99. Our "treatment" is the 5/83 group so that the
    # difference is p1 - p2 as in R.
    effect = proportion_effect(12, 99, 5, 83)
    assert effect.p_value == pytest.approx(0.159181, abs=1e-6)
    z = effect.absolute / math.sqrt((17 / 182) * (1 - 17 / 182) * (1 / 83 + 1 / 99))
    assert z == pytest.approx(-1.40783, abs=1e-5)
    assert z**2 == pytest.approx(1.982, abs=1e-3)  # R X-squared
    assert effect.absolute_ci_low == pytest.approx(-0.1431502, abs=1e-7)
    assert effect.absolute_ci_high == pytest.approx(0.0212079, abs=1e-7)


def test_a3_no_continuity_correction():
    # statistics.md §4 A3: R's default (Yates) gives p = 0.2493; ours must not.
    assert proportion_effect(12, 99, 5, 83).p_value != pytest.approx(0.2493, abs=1e-3)


# --- B1: Welch ------------------------------------------------------------------------------


def test_b1_welch_sleep_data():
    # statistics.md §4 B1: R t.test(extra ~ group, data = sleep).
    effect = mean_effect(
        np.mean(SLEEP_2), np.var(SLEEP_2, ddof=1), 10, np.mean(SLEEP_1), np.var(SLEEP_1, ddof=1), 10
    )
    assert effect.absolute / effect.absolute_se == pytest.approx(-1.8608, abs=1e-4)
    assert effect.df == pytest.approx(17.776, abs=1e-3)
    assert effect.p_value == pytest.approx(0.07939, abs=1e-5)
    assert effect.absolute_ci_low == pytest.approx(-3.3654832, abs=1e-7)
    assert effect.absolute_ci_high == pytest.approx(0.2054832, abs=1e-7)


# --- C1-C5: power ---------------------------------------------------------------------------


def test_c1_power_t_test():
    assert power_means(20, 1.0) == pytest.approx(0.8689528, abs=1e-7)  # R power.t.test


def test_c2_sample_size_t_test():
    assert sample_size_means(1.0, power=0.9) == pytest.approx(22.02110, abs=1e-5)  # R


def test_c3_sample_size_two_proportions():
    # R power.prop.test(p1=.5, p2=.75, power=.9) (not the Cohen-h route, 76.65294)
    assert sample_size_proportions(0.5, 0.75, power=0.9) == pytest.approx(76.70693, abs=1e-5)


def test_c4_power_two_proportions():
    assert power_proportions(50, 0.5, 0.75) == pytest.approx(0.7401659, abs=1e-7)  # R


def test_c5_power_t_test_with_sd():
    # ideone R output power.t.test(n=100, delta=1, sd=2.5)
    assert power_means(100, 1.0, sd=2.5) == pytest.approx(0.8036466, abs=1e-6)


def test_mde_inverts_power():
    # consistency with the R-pinned power functions above
    assert power_means(100, mde_means(100, 2.5), 2.5) == pytest.approx(0.8, abs=1e-9)
    delta = mde_proportions(76.70693, 0.5, power=0.9)
    assert delta == pytest.approx(0.25, abs=1e-5)  # C3 read backwards


def test_power_rejects_bad_parameters():
    with pytest.raises(ParameterError, match="alpha"):
        power_means(20, 1.0, alpha=1.5)
    with pytest.raises(ParameterError, match="p_control"):
        sample_size_proportions(0.0, 0.5)


# --- D1: corrections ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("holm", [0.05, 0.08, 0.09, 0.09, 0.09]),
        ("bh", [0.05] * 5),
        ("bonferroni", [0.05, 0.10, 0.15, 0.20, 0.25]),
    ],
)
def test_d1_p_adjust(method, expected):
    # statistics.md §4 D1: R p.adjust
    assert adjust_p_values([0.01, 0.02, 0.03, 0.04, 0.05], method) == pytest.approx(expected)


def test_d1_order_preserved():
    # R p.adjust(c(0.04, 0.01, 0.05, 0.03, 0.02), "holm") = 0.09 0.05 0.09 0.09 0.08
    assert adjust_p_values([0.04, 0.01, 0.05, 0.03, 0.02], "holm") == pytest.approx(
        [0.09, 0.05, 0.09, 0.09, 0.08]
    )


def test_d1_unsorted_input_and_cap_at_one():
    # R p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02 (cummin of n/i * p);
    # R p.adjust(c(0.5, 0.6), "holm") = 1 1 (capped)
    assert adjust_p_values([0.01, 0.04, 0.03, 0.005], "bh") == pytest.approx(
        [0.02, 0.04, 0.04, 0.02]
    )
    assert adjust_p_values([0.5, 0.6], "holm") == pytest.approx([1.0, 1.0])
    assert adjust_p_values([], "holm").size == 0


# --- E1: SRM --------------------------------------------------------------------------------


def test_e1_srm():
    # statistics.md §4 E1: R chisq.test / GrowthBook check_srm
    result = check_srm([21306, 21307, 21387])
    assert result.chi2 == pytest.approx(0.20253, abs=1e-5)
    assert result.p_value == pytest.approx(0.9037, abs=1e-4)
    assert not result.mismatch


def test_srm_alerts_on_broken_split():
    # chisq.test(c(5200, 4800), p = c(.5, .5)): X-squared = 16, p = 6.334e-05
    result = check_srm({"control": 5200, "treatment": 4800}, {"control": 1, "treatment": 1})
    assert result.chi2 == pytest.approx(16.0)
    assert result.p_value == pytest.approx(6.334e-05, rel=1e-3)
    assert result.mismatch
    assert "mismatch" in result.message()


# --- F1-F6: GrowthBook gbstats tests --------------------------------------------------------


def test_f1_relative_welch():
    effect = mean_effect_from_sums(1396.87, 52377.9767, 3407, 2422.7, 134698.29, 3461)
    assert effect.relative == pytest.approx(0.70732, abs=1e-5)
    assert effect.relative_ci_low == pytest.approx(-0.03526, abs=1e-5)
    assert effect.relative_ci_high == pytest.approx(1.44989, abs=1e-5)
    assert effect.relative_se == pytest.approx(0.37879, abs=1e-5)
    assert effect.relative_p_value == pytest.approx(0.06191, abs=1e-5)


def test_f2_absolute_welch():
    effect = mean_effect_from_sums(1396.87, 52377.9767, 3407, 2422.7, 134698.29, 3461)
    assert effect.absolute == pytest.approx(0.29, abs=1e-5)
    assert effect.absolute_ci_low == pytest.approx(0.04538, abs=1e-5)
    assert effect.absolute_ci_high == pytest.approx(0.53462, abs=1e-5)
    assert effect.absolute_se == pytest.approx(0.12478, abs=1e-5)
    assert effect.p_value == pytest.approx(0.02016, abs=1e-5)


def test_f3_binomial_relative_growthbook_convention():
    # GrowthBook: Welch t with p(1-p) variances (no n/(n-1))
    pc, pt = 14 / 28, 16 / 30
    effect = mean_effect(pc, pc * (1 - pc), 28, pt, pt * (1 - pt), 30)
    assert effect.relative == pytest.approx(0.06667, abs=1e-5)
    assert effect.relative_ci_low == pytest.approx(-0.47767, abs=1e-5)
    assert effect.relative_ci_high == pytest.approx(0.61101, abs=1e-5)
    assert effect.relative_se == pytest.approx(0.2717, abs=1e-4)
    assert effect.relative_p_value == pytest.approx(0.80707, abs=1e-5)


def test_f4_sequential_interval():
    effect = mean_effect_from_sums(1396.87, 52377.9767, 3000, 2422.7, 134698.29, 3461)
    assert effect.relative == pytest.approx(0.50336, abs=1e-5)
    low, high = sequential_interval(
        effect.relative, effect.relative_se, 3000 + 3461, alpha=0.05, n_star=1000
    )
    assert low == pytest.approx(-0.55844, abs=1e-5)
    assert high == pytest.approx(1.56516, abs=1e-5)
    one_sided = stats.t.sf(effect.relative / effect.relative_se, effect.df)
    assert one_sided == pytest.approx(0.065583, abs=1e-6)


def test_f5_bayesian_binomial_flat_prior():
    pc, pt = 0.49, 0.51
    se = math.sqrt(relative_variance(pc, pc * (1 - pc) / 100, pt, pt * (1 - pt) / 100))
    posterior = bayesian_lift(pt / pc - 1, se)
    assert posterior.mean == pytest.approx(0.04082, abs=1e-5)
    assert posterior.sd == pytest.approx(0.14725, abs=1e-5)
    assert posterior.ci_low == pytest.approx(-0.24779, abs=1e-5)
    assert posterior.ci_high == pytest.approx(0.32943, abs=1e-5)
    assert posterior.chance_to_win == pytest.approx(0.60918, abs=1e-5)


def test_f6_bayesian_normal_flat_and_proper_prior():
    effect = mean_effect_from_sums(100, 1002.25, 10, 105, 1111.5, 10)
    flat = bayesian_lift(effect.relative, effect.relative_se)
    assert flat.mean == pytest.approx(0.05, abs=1e-5)
    assert flat.ci_low == pytest.approx(-0.02, abs=1e-5)
    assert flat.ci_high == pytest.approx(0.12, abs=1e-5)
    assert flat.chance_to_win == pytest.approx(0.91923, abs=1e-5)
    proper = bayesian_lift(effect.relative, effect.relative_se, prior_mean=0.1, prior_variance=0.1)
    assert proper.mean == pytest.approx(0.05063, abs=1e-5)
    assert proper.ci_low == pytest.approx(-0.01893, abs=1e-5)
    assert proper.ci_high == pytest.approx(0.12019, abs=1e-5)
    assert proper.chance_to_win == pytest.approx(0.92315, abs=1e-5)


# --- G1: CUPED ------------------------------------------------------------------------------


def test_g1_cuped_growthbook():
    # gbstats tests/test_gbstats.py::test_analyze_metric_df_ra
    control = CupedSums(n=3001, sum_y=300, sum_y2=600, sum_x=210, sum_x2=415, sum_xy=-20)
    treatment = CupedSums(n=3000, sum_y=222, sum_y2=555, sum_x=120, sum_x2=405, sum_xy=-10)
    result = cuped_from_sums(control, treatment)
    assert result.slope_control == pytest.approx(-0.0732119, abs=1e-7)
    assert result.adjusted.relative == pytest.approx(-0.281707154, abs=1e-9)
    assert result.adjusted.relative_p_value == pytest.approx(0.003732549, abs=1e-9)
    assert result.unadjusted.relative == pytest.approx(-0.259753, abs=1e-6)


def test_regression_adjustment_matches_statsmodels_hc2():
    # Independent computation: statsmodels OLS y ~ t * (x - mean x), cov_type="HC2".
    rng = np.random.default_rng(11)
    n = 500
    treated = rng.random(n) < 0.35
    x = rng.gamma(1.5, 4.0, n)
    y = 2 + 0.7 * x + treated * (1.5 + 0.2 * x) + rng.normal(0, 1 + 0.3 * x)
    frame = pd.DataFrame({"y": y, "t": treated.astype(float), "xc": x - x.mean()})
    fit = smf.ols("y ~ t * xc", frame).fit(cov_type="HC2")
    result = regression_adjusted_effect(y[~treated], x[~treated], y[treated], x[treated])
    assert result.adjusted.absolute == pytest.approx(fit.params["t"], rel=1e-10)
    assert result.adjusted.absolute_se == pytest.approx(fit.bse["t"], rel=1e-10)
    assert result.adjusted.p_value == pytest.approx(fit.pvalues["t"], rel=1e-8)
    plain = smf.ols("y ~ t", frame).fit(cov_type="HC2")
    assert result.unadjusted.absolute_se == pytest.approx(plain.bse["t"], rel=1e-10)
    assert result.variance_reduction == pytest.approx(1 - (fit.bse["t"] / plain.bse["t"]) ** 2)
    assert result.variance_reduction > 0.3


# --- H1 is in test_uplift.py; I1: ratio metric ----------------------------------------------


def test_i1_ratio_delta_method_matches_cluster_robust_ols():
    # statistics.md §4 I1: the delta-method SE of a ratio metric equals the session-level OLS
    # with user-clustered SE (up to the small-sample factor). Simulated sessions, seeded.
    rng = np.random.default_rng(2024)
    users = 2000
    treated = rng.random(users) < 0.5
    sessions = rng.poisson(3, users) + 1
    user = np.repeat(np.arange(users), sessions)
    t = np.repeat(treated, sessions).astype(float)
    user_effect = np.repeat(rng.gamma(2.0, 5.0, users), sessions)
    revenue = rng.gamma(1.0, 1.0, user.size) * user_effect * (1 + 0.1 * t)
    fit = smf.ols("rev ~ t", pd.DataFrame({"rev": revenue, "t": t})).fit(
        cov_type="cluster", cov_kwds={"groups": user}
    )
    num = np.bincount(user, weights=revenue)
    den = sessions.astype(float)

    def arm(mask):
        return (
            mask.sum(),
            num[mask].mean(),
            den[mask].mean(),
            num[mask].var(ddof=1),
            den[mask].var(ddof=1),
            np.cov(num[mask], den[mask])[0, 1],
        )

    effect = ratio_effect(arm(~treated), arm(treated))
    assert effect.absolute == pytest.approx(fit.params["t"], rel=1e-10)
    assert effect.absolute_se == pytest.approx(fit.bse["t"], rel=2e-3)


# --- heterogeneity vs statsmodels ------------------------------------------------------------


def test_segment_effects_match_saturated_hc2_regression():
    rng = np.random.default_rng(5)
    n = 900
    frame = pd.DataFrame({"arm": rng.choice(["c", "t"], n), "seg": rng.choice(list("abz"), n)})
    frame["y"] = rng.normal(0, 1, n) + ((frame.arm == "t") & (frame.seg == "b")) * 0.6
    result = heterogeneous_effects(frame, arm_col="arm", control="c", outcome="y", segment="seg")
    fit = smf.ols("y ~ C(arm) * C(seg)", frame).fit(cov_type="HC2")
    effects = result.effects.set_index("segment_value")
    assert effects.loc["a", "absolute"] == pytest.approx(fit.params["C(arm)[T.t]"])
    assert effects.loc["a", "se"] == pytest.approx(fit.bse["C(arm)[T.t]"])
    term = "C(arm)[T.t]:C(seg)[T.b]"
    diff = effects.loc["b", "absolute"] - effects.loc["a", "absolute"]
    assert diff == pytest.approx(fit.params[term])
    assert math.hypot(effects.loc["b", "se"], effects.loc["a", "se"]) == pytest.approx(
        fit.bse[term]
    )
    names = [name for name in fit.params.index if ":" in name]
    wald = fit.wald_test(", ".join(f"{name} = 0" for name in names), scalar=True)
    assert result.tests["chi2"].iloc[0] == pytest.approx(float(wald.statistic))
    assert result.tests["p_value"].iloc[0] == pytest.approx(float(wald.pvalue))
    assert result.exploratory


# --- winsorisation ---------------------------------------------------------------------------


def test_winsorize_cap_on_nonzero_values():
    values = np.r_[np.zeros(990), np.arange(1.0, 11.0)]
    # P99 over all values is 0 (would wipe out revenue); numpy quantile of 1..10 at 0.9 = 9.1
    assert np.quantile(values, 0.99) == pytest.approx(0.0, abs=0.2)
    capped, cap = winsorize_nonzero(values, 0.9)
    assert cap == pytest.approx(9.1)
    assert capped.sum() == pytest.approx(55 - 10 + 9.1)
    assert nonzero_cap(np.zeros(5)) == math.inf


# --- the analysis and its input checks -------------------------------------------------------


def _toy_experiment(seed=3, n=3000):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"arm": rng.choice(["control", "a", "b"], n), "segment": rng.choice(["x", "y"], n)}
    )
    frame["pre_spend"] = rng.gamma(0.5, 40, n)
    frame["spend"] = 0.5 * frame["pre_spend"] + rng.gamma(0.5, 20, n) + 2.0 * (frame.arm == "a")
    frame["converted"] = (rng.random(n) < 0.2).astype(int)
    frame["visits"] = rng.poisson(2, n) + 1
    return frame


def test_analysis_effects_agree_with_statsmodels_and_scipy():
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    frame = _toy_experiment()
    result = analyze_experiment(
        frame,
        arm_col="arm",
        control="control",
        binary_outcomes=["converted"],
        continuous_outcomes=["spend"],
        ratio_metrics={"spend_per_visit": ("spend", "visits")},
        covariates=["pre_spend"],
        segments=["segment"],
        correction="holm",
    )
    assert result.arms == ("control", "a", "b")
    row = result.effects.set_index(["arm", "outcome"]).loc[("a", "spend")]
    welch = stats.ttest_ind(
        frame.loc[frame.arm == "a", "spend"],
        frame.loc[frame.arm == "control", "spend"],
        equal_var=False,
    )
    assert row["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    row = result.effects.set_index(["arm", "outcome"]).loc[("b", "converted")]
    counts = [frame.loc[frame.arm == arm, "converted"].sum() for arm in ("b", "control")]
    nobs = [(frame.arm == arm).sum() for arm in ("b", "control")]
    assert row["p_value"] == pytest.approx(proportions_ztest(counts, nobs)[1], rel=1e-9)
    low, high = confint_proportions_2indep(counts[0], nobs[0], counts[1], nobs[1], method="wald")
    assert (row["absolute_ci_low"], row["absolute_ci_high"]) == pytest.approx((low, high))
    primary = result.effects[result.effects.primary]
    assert primary["p_adjusted"].to_numpy() == pytest.approx(
        adjust_p_values(primary["p_value"].to_numpy(), "holm")
    )
    assert result.effects.loc[~result.effects.primary, "outcome"].eq("spend_per_visit").all()
    adjusted = result.adjusted.set_index(["arm", "outcome"]).loc[("a", "spend")]
    assert adjusted["variance_reduction"] > 0.2
    assert not result.srm.mismatch
    metrics = result.metrics()
    assert set(metrics["effects"]["a"]["spend"]) >= {
        "control_mean",
        "treatment_mean",
        "absolute",
        "absolute_ci_low",
        "absolute_ci_high",
        "relative",
        "p_value",
    }
    assert metrics["srm"]["p_value"] == result.srm.p_value
    assert "segment" in metrics["heterogeneity"]


def test_analysis_capped_side_by_side():
    frame = _toy_experiment()
    frame.loc[frame.index[:3], "spend"] = 1e6  # three whales
    result = analyze_experiment(
        frame,
        arm_col="arm",
        control="control",
        continuous_outcomes=["spend"],
        winsorize_quantile=0.99,
    )
    capped = result.capped.set_index("arm").loc["a"]
    assert capped["cap"] == pytest.approx(np.quantile(frame.spend[frame.spend != 0], 0.99))
    assert capped["units_capped"] >= 3
    assert capped["capped_ci_high"] - capped["capped_ci_low"] < (
        capped["uncapped_ci_high"] - capped["uncapped_ci_low"]
    )


@pytest.mark.parametrize(
    ("mutate", "kwargs", "message"),
    [
        (lambda f: f.assign(arm="control"), {}, "only one value"),
        (lambda f: f, {"control": "holdout"}, "control label 'holdout' is absent"),
        (lambda f: f.assign(converted=f.converted * 2), {}, "must hold only 0/1"),
        (lambda f: f.assign(spend=f.spend.where(f.index % 50 != 0)), {}, "60 missing values"),
        (
            lambda f: f.assign(converted=f.converted.astype(float).where(f.index != 7)),
            {},
            "missing values",
        ),
        (lambda f: f.drop(columns="spend"), {}, "lacks columns \\['spend'\\]"),
        (lambda f: f.assign(arm=f.arm.where(f.index != 4)), {}, "arm column 'arm' has 1 missing"),
    ],
)
def test_bad_input_raises_one_clear_error(mutate, kwargs, message):
    frame = mutate(_toy_experiment())
    arguments = {
        "arm_col": "arm",
        "control": "control",
        "binary_outcomes": ["converted"],
        "continuous_outcomes": ["spend"],
        **kwargs,
    }
    with pytest.raises(DataValidationError, match=message):
        analyze_experiment(frame, **arguments)


def test_bad_parameters_raise_parameter_error():
    frame = _toy_experiment()
    with pytest.raises(ParameterError, match="correction"):
        analyze_experiment(
            frame,
            arm_col="arm",
            control="control",
            binary_outcomes=["converted"],
            correction="sidak",
        )
    with pytest.raises(ParameterError, match="at least one outcome"):
        analyze_experiment(frame, arm_col="arm", control="control")
    with pytest.raises(ParameterError, match="more than once"):
        analyze_experiment(
            frame,
            arm_col="arm",
            control="control",
            binary_outcomes=["converted"],
            continuous_outcomes=["converted"],
        )


def test_error_message_shows_count_and_example_rows():
    frame = _toy_experiment().assign(converted=lambda f: f.converted.where(f.index > 2, 3))
    with pytest.raises(DataValidationError) as info:
        analyze_experiment(frame, arm_col="arm", control="control", binary_outcomes=["converted"])
    text = str(info.value)
    assert "'converted'" in text and "3 rows" in text and "arm" in text.splitlines()[1]


def test_recommendation_sentence_states_uncertainty():
    from loyaltylab.experiments import recommendation

    result = analyze_experiment(
        _toy_experiment(), arm_col="arm", control="control", continuous_outcomes=["spend"]
    )
    sentence = recommendation(result, "spend")
    assert sentence.startswith("Use 'a'")
    assert "95 % CI" in sentence and "p =" in sentence
    flat = analyze_experiment(
        _toy_experiment(), arm_col="arm", control="control", binary_outcomes=["converted"]
    )
    assert recommendation(flat).startswith("No arm reliably improved converted")
