"""Tests of loyaltylab.datasets.loyalty: self-selected enrolment, the points program, the snapshot.

The points mechanics are checked against ledgers worked out by hand; enrolment against the
binomial distribution implied by the enrolment probabilities it was generated with.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltylab.config.programs import PointsRules
from loyaltylab.data.loyalty import load_ledger, load_members, points_balances
from loyaltylab.datasets.loyalty import (
    SNAPSHOT_FILES,
    SNAPSHOT_SETTINGS,
    SYNTHETIC_POINTS_RULES,
    SyntheticPointsProgram,
    generate_loyalty,
    load_synthetic_loyalty,
    resolve_ledger,
    resolve_members,
    simulate_program,
)
from loyaltylab.errors import ConfigError, ParameterError

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "data" / "synthetic_loyalty"
CERTAIN = 1 - 1e-12  # enrolment probability that makes every customer a member


def _tx(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


def _hand_case(**program):
    tx = _tx(
        [
            ("A", "2024-01-01", 60.7),
            ("A", "2024-01-10", 50.0),
            ("A", "2024-03-01", 20.99),
            ("B", "2024-01-05", 250.0),
        ]
    )
    customers = pd.DataFrame({"customer_id": ["A", "B"], "lam": [1.0, 1.0]})
    rules = {"earn_rate": 1.0, "redemption_threshold": 100.0, "expiry_days": 30}
    rules.update(program)
    redeem_probability = rules.pop("redeem_probability", 1.0)
    return simulate_program(
        tx,
        customers,
        program=SyntheticPointsProgram(redeem_probability=redeem_probability).with_rules(**rules),
        observation_end="2024-03-15",
        enrol_base=CERTAIN,
        seed=3,
    )


def test_points_ledger_matches_a_hand_worked_example():
    data = _hand_case()
    rows = [
        tuple(r) for r in data.ledger[["customer_id", "timestamp", "kind", "points"]].to_numpy()
    ]
    expected = [
        # A: earn floor(60.7) = 60; earn 50 -> 110 >= 100: redeem one reward (100), balance 10;
        # no purchase for 51 > 30 days: the 10 points expire on 2024-01-10 + 30 = 2024-02-09;
        # earn floor(20.99) = 20 on 2024-03-01; 2024-03-31 is after the end: 20 outstanding
        ("A", pd.Timestamp("2024-01-01"), "earn", 60.0),
        ("A", pd.Timestamp("2024-01-10"), "earn", 50.0),
        ("A", pd.Timestamp("2024-01-10"), "redeem", -100.0),
        ("A", pd.Timestamp("2024-02-09"), "expire", -10.0),
        ("A", pd.Timestamp("2024-03-01"), "earn", 20.0),
        # B: earn 250, redeem two rewards (200), 50 left expire on 2024-01-05 + 30 = 2024-02-04
        ("B", pd.Timestamp("2024-01-05"), "earn", 250.0),
        ("B", pd.Timestamp("2024-01-05"), "redeem", -200.0),
        ("B", pd.Timestamp("2024-02-04"), "expire", -50.0),
    ]
    assert rows == expected
    truth = data.truth
    assert truth["points_issued"] == 380.0 and truth["points_redeemed"] == 300.0
    assert truth["points_expired"] == 60.0 and truth["points_outstanding"] == 20.0
    assert truth["breakage_rate"] == pytest.approx(60 / 380)
    assert truth["redemption_rate"] == pytest.approx(300 / 380)
    assert truth["reward_cost"] == pytest.approx(3.0)  # 300 points x 0.01
    assert truth["reward_cost_share"] == pytest.approx(3.0 / (60.7 + 50 + 20.99 + 250))
    assert truth["enrolment_rate"] == 1.0 and truth["program_effect"] == 0.0
    # tiers by points earned: A 130 and B 250 are both below silver (500)
    assert data.members["tier"].tolist() == ["base", "base"]


def test_points_are_booked_on_the_rewards_ledger(monkeypatch):
    import loyaltylab.datasets.loyalty_points as points_module
    from loyaltylab.rewards.ledger import PointsLedger

    made = []

    class Recording(PointsLedger):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(points_module, "PointsLedger", Recording)
    data = _hand_case()
    (ledger,) = made
    assert ledger.policy == "after_inactivity_days" and ledger.balance.dtype == np.float64
    # the ledger's final balances are the truth's outstanding points (A 20, B 0)
    assert ledger.balance.tolist() == [20.0, 0.0] == data.customers["points_balance"].tolist()
    assert SyntheticPointsProgram().summary()["setting"].tolist() == [
        "earn_rate",
        "redemption_threshold",
        "redeem_probability",
        "expiry_days",
        "point_value",
        "tier_thresholds",
    ]


def test_no_redemptions_without_redeem_probability_and_everything_expires():
    data = _hand_case(redeem_probability=0.0, expiry_days=10)
    truth = data.truth
    # expiry after 10 idle days: A's 110 points lapse before 2024-03-01, its 20 on 2024-03-11,
    # B's 250 on 2024-01-15 -> nothing redeemed, nothing outstanding
    assert truth["points_redeemed"] == 0.0 and truth["points_outstanding"] == 0.0
    assert truth["breakage_rate"] == 1.0


def test_members_enrol_at_their_first_purchase_after_launch():
    tx = _tx([("C", "2023-12-01", 100.0), ("C", "2024-02-01", 30.0), ("D", "2023-11-01", 10.0)])
    customers = pd.DataFrame({"customer_id": ["C", "D"], "lam": [1.0, 1.0]})
    data = simulate_program(tx, customers, program_start="2024-01-01", enrol_base=CERTAIN)
    assert data.members["customer_id"].tolist() == ["C"]  # D never bought after the launch
    assert data.members["enrolled_at"].tolist() == [pd.Timestamp("2024-02-01")]
    assert data.ledger["points"].tolist() == [30.0]  # the pre-launch purchase earns nothing
    assert data.transactions["member"].tolist() == [False, True, False]
    assert data.truth["enrolment_rate"] == 0.5  # 1 member / 2 customers


def _population(n, seed=0):
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.8, 1 / 2.0, size=n)
    ids = [f"c{i:05d}" for i in range(n)]
    tx = _tx([(i, "2024-01-02", 10.0) for i in ids])
    return tx, pd.DataFrame({"customer_id": ids, "lam": lam})


def test_enrolment_rate_without_self_selection_is_the_base_rate():
    tx, customers = _population(20000)
    data = simulate_program(tx, customers, enrol_base=0.3, enrol_slope=0.0, seed=5)
    # binomial: sd = sqrt(0.3 * 0.7 / 20000) = 0.00324; allow 4 sd
    assert abs(data.truth["enrolment_rate"] - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 20000)
    assert data.truth["expected_enrolment_rate"] == pytest.approx(0.3)


def test_heavier_buyers_enrol_more_as_generated():
    tx, customers = _population(20000, seed=1)
    data = simulate_program(tx, customers, enrol_base=0.3, enrol_slope=1.0, seed=6)
    frame = data.customers
    quartile = pd.qcut(frame["lam"], 4, labels=False)
    rates = frame.groupby(quartile)["enrolled"].mean()
    assert rates.is_monotonic_increasing and rates.iloc[3] - rates.iloc[0] > 0.2
    # the realised rate agrees with the mean of the probabilities it was drawn with
    p = frame["enrol_probability"]
    sd = np.sqrt((p * (1 - p)).sum()) / len(p)
    assert abs(data.truth["enrolment_rate"] - p.mean()) < 4 * sd
    # logistic(logit(0.3) + 1 * log(lam / median)): the median customer enrols with 0.3
    median_row = (frame["lam"] - frame["lam"].median()).abs().idxmin()
    assert frame.loc[median_row, "enrol_probability"] == pytest.approx(0.3, abs=1e-3)


def test_generated_tables_pass_the_loaders_and_balances_agree_with_the_truth():
    tx, customers = _population(300, seed=2)
    more = _tx(
        [
            (c, d, 80.0)
            for c in customers["customer_id"][:150]
            for d in ("2024-02-01", "2024-03-01", "2024-08-01")
        ]
    )
    data = simulate_program(
        pd.concat([tx, more]),
        customers,
        enrol_base=0.6,
        seed=7,
        program=SyntheticPointsProgram().with_rules(expiry_days=60),
    )
    members = load_members(data.members, tiers=["base", "silver", "gold"])
    loaded = load_ledger(data.ledger, members=members, observation_end="2024-08-01")
    assert (loaded.quality["rows"] == 0).all()  # no overdraft, no points before enrolment
    balances = points_balances(loaded.ledger).set_index("customer_id")
    truth = data.customers.set_index("customer_id").loc[balances.index]
    np.testing.assert_allclose(balances["balance"], truth["points_balance"])
    np.testing.assert_allclose(balances["issued"], truth["points_issued"])
    assert balances["expired"].sum() == data.truth["points_expired"]


def test_simulation_is_seeded():
    tx, customers = _population(500, seed=3)
    first = simulate_program(tx, customers, seed=11)
    second = simulate_program(tx, customers, seed=11)
    pd.testing.assert_frame_equal(first.members, second.members)
    other = simulate_program(tx, customers, seed=12)
    assert not np.array_equal(other.customers["enrolled"], first.customers["enrolled"])


def test_invalid_program_settings_raise():
    with pytest.raises(ParameterError, match="'redeem_probability'"):
        SyntheticPointsProgram(redeem_probability=1.5)
    with pytest.raises(ParameterError, match="tier at 0 points"):
        SyntheticPointsProgram(tier_thresholds={"silver": 100.0})
    tx, customers = _population(10)
    with pytest.raises(ParameterError, match="'enrol_base'"):
        simulate_program(tx, customers, enrol_base=1.0)
    with pytest.raises(ParameterError, match=r"1 row\(s\) after observation_end 2023-12-31"):
        simulate_program(tx.iloc[:1], customers, observation_end="2023-12-31")
    with pytest.raises(ParameterError, match=r"lacks column\(s\) \['lam'\]"):
        simulate_program(tx, customers.drop(columns="lam"))


def test_the_synthetic_program_holds_the_rewards_points_rules():
    """One points vocabulary: the synthetic program's rules are a ``PointsRules`` (the config
    and simulator model), its own fields only the members' behaviour."""
    program = SyntheticPointsProgram()
    assert isinstance(program.points, PointsRules) and program.points == SYNTHETIC_POINTS_RULES
    assert program.points.expiry == "after_inactivity_days"
    # the snapshot's truth records these defaults
    stored = json.loads((SNAPSHOT / "truth.json").read_text())["program"]
    assert program.settings() == stored
    assert program.with_rules(point_value=0.02).points.point_value == 0.02
    assert program.with_rules(point_value=0.02).redeem_probability == program.redeem_probability
    with pytest.raises(ConfigError, match=r"^points\.expiry_days: must be a whole number"):
        program.with_rules(expiry_days=3)
    with pytest.raises(ParameterError, match=r"does not model: \{'expiry': 'after_days'\}"):
        SyntheticPointsProgram(points=PointsRules(redemption_threshold=200.0))
    with pytest.raises(ParameterError, match="must be a PointsRules"):
        SyntheticPointsProgram(points={"earn_rate": 1.0})  # type: ignore[arg-type]


def test_points_per_purchase_and_no_expiry_follow_the_rewards_rules():
    # 10 points a purchase plus 1 per unit: A earns 70 + 60 + 30 = 160; B 260, never expiring
    data = _hand_case(points_per_purchase=10.0, expiry="never", redeem_probability=0.0)
    earned = data.ledger.loc[data.ledger["kind"] == "earn", "points"].tolist()
    assert earned == [70.0, 60.0, 30.0, 260.0]
    assert data.truth["points_expired"] == 0.0 and data.truth["points_outstanding"] == 420.0


def test_program_dates_are_days_read_by_the_one_date_rule():
    """Drift fix: ``program_start`` was read by ``pandas.Timestamp`` on its own, so a launch
    written with a time of day (``2024-02-01 10:00``) kept members who bought earlier that day
    out of the program, and month-first text was guessed; now both dates are days read by
    ``loyaltylab.rules.as_day``."""
    tx = _tx([("C", "2024-01-15 12:00", 100.0), ("C", "2024-02-01 09:00", 30.0)])
    customers = pd.DataFrame({"customer_id": ["C"], "lam": [1.0]})
    data = simulate_program(
        tx,
        customers,
        program_start="2024-02-01 10:00",
        observation_end=20240301,
        enrol_base=CERTAIN,
    )
    assert data.members["enrolled_at"].tolist() == [pd.Timestamp("2024-02-01 09:00")]
    assert data.truth["program_start"] == "2024-02-01"
    assert data.truth["observation_end"] == "2024-03-01"
    with pytest.raises(ParameterError, match=r"parameter 'program_start' is not a date"):
        simulate_program(tx, customers, program_start="02/01/2024")
    with pytest.raises(ParameterError, match=r"parameter 'observation_end' is not a date"):
        simulate_program(tx, customers, observation_end="now")


# --- the committed snapshot ---------------------------------------------------------------------


def test_snapshot_regenerates_identically(tmp_path):
    from loyaltylab.datasets.loyalty import main

    main([str(tmp_path)])
    for name in SNAPSHOT_FILES:
        if name.endswith(".json"):
            # derived means may differ in the last bit between numpy versions (summation order)
            fresh = json.loads((tmp_path / name).read_text())
            stored = json.loads((SNAPSHOT / name).read_text())
            assert fresh.keys() == stored.keys(), name
            for key, value in stored.items():
                assert fresh[key] == (
                    pytest.approx(value, rel=1e-12) if isinstance(value, float) else value
                ), (name, key)
        else:
            assert (tmp_path / name).read_bytes() == (SNAPSHOT / name).read_bytes(), name


def test_snapshot_truth_matches_its_tables():
    data = load_synthetic_loyalty(SNAPSHOT)
    truth = data.truth
    assert truth["seed"] == SNAPSHOT_SETTINGS["seed"]
    assert truth["program_start"] == SNAPSHOT_SETTINGS["program_start"]
    ledger = data.ledger
    assert ledger.loc[ledger["kind"] == "earn", "points"].sum() == truth["points_issued"]
    assert -ledger.loc[ledger["kind"] == "redeem", "points"].sum() == truth["points_redeemed"]
    assert -ledger.loc[ledger["kind"] == "expire", "points"].sum() == truth["points_expired"]
    assert ledger["points"].sum() == truth["points_outstanding"]
    assert len(data.members) == truth["n_members"]
    assert data.transactions["customer_id"].nunique() == truth["n_customers"] == 5000
    assert truth["enrolment_rate"] == pytest.approx(truth["n_members"] / truth["n_customers"])
    assert data.transactions["amount"].sum() == pytest.approx(truth["revenue"])
    assert not data.transactions.loc[data.transactions["timestamp"] < "2024-07-01", "member"].any()
    assert json.loads((SNAPSHOT / "truth.json").read_text())["program"]["earn_rate"] == 1.0


def test_snapshot_equals_the_generator_run_from_scratch():
    # data/synthetic is generate_transactions(5000, seed=0); the program uses seed + 1
    settings = {k: v for k, v in SNAPSHOT_SETTINGS.items() if k not in ("seed", "observation_end")}
    fresh = generate_loyalty(5000, seed=0, **settings)
    stored = load_synthetic_loyalty(SNAPSHOT)
    assert fresh.members["customer_id"].tolist() == stored.members["customer_id"].tolist()
    assert fresh.truth["points_issued"] == stored.truth["points_issued"]
    assert fresh.truth["points_expired"] == stored.truth["points_expired"]
    assert len(fresh.transactions) == len(stored.transactions)
    assert fresh.transactions["amount"].sum() == pytest.approx(stored.transactions["amount"].sum())


def test_snapshot_is_found_by_name():
    members = resolve_members("synthetic_loyalty")
    ledger = resolve_ledger("synthetic_loyalty", members=members, observation_end="2025-12-31")
    assert members.source == ledger.source == "synthetic_loyalty"
    assert (ledger.quality["rows"] == 0).all()
    assert set(members.members["tier"]) <= {"base", "silver", "gold"}


def test_snapshot_transactions_are_found_by_name():
    from loyaltylab.datasets import resolve_loyalty_transactions

    loaded = resolve_loyalty_transactions("synthetic_loyalty", observation_end="2025-12-31")
    assert loaded.rows_removed == 0
    assert loaded.transactions["amount"].sum() == pytest.approx(
        json.loads((SNAPSHOT / "truth.json").read_text())["revenue"]
    )


def test_no_members_gives_an_empty_ledger_and_undefined_rates():
    # a rate of 0 (possible underflow of a Gamma draw) must not break the enrolment model
    tx = _tx([("a", "2024-01-01", 10.0), ("b", "2024-01-02", 20.0)])
    customers = pd.DataFrame({"customer_id": ["a", "b"], "lam": [0.0, 1.0]})
    data = simulate_program(tx, customers, enrol_base=1e-9)
    assert data.ledger.empty and data.members.empty
    assert data.truth["enrolment_rate"] == 0.0 and np.isnan(data.truth["breakage_rate"])
    with pytest.raises(ParameterError, match="finite rates >= 0"):
        simulate_program(tx, customers.assign(lam=[-1.0, 1.0]))


# --- the true program effect --------------------------------------------------------------------


def test_extra_purchases_come_at_the_effect_times_the_rate_while_alive():
    from loyaltylab.datasets.loyalty_effect import program_purchases

    # 4,000 members alive 100 weeks from enrolment (half of them drop out after 50 weeks) with
    # lam = 1 a week and effect 0.5: Poisson(50) resp. Poisson(25) extra orders each
    n = 4000
    enrolled = pd.Timestamp("2024-01-01")
    members = pd.DataFrame(
        {
            "customer_id": [f"m{i}" for i in range(n)],
            "enrolled_at": enrolled,
            "lam": 1.0,
            "alive_until": [pd.NaT, enrolled + pd.Timedelta(weeks=50)] * (n // 2),
            "nu": 2.0,
            "mean_spend": 30.0,
        }
    )
    end = enrolled + pd.Timedelta(weeks=100)
    extra = program_purchases(members, 0.5, end, np.random.default_rng(0))
    counts = extra.groupby("customer_id").size().reindex(members["customer_id"], fill_value=0)
    alive = members["alive_until"].isna().to_numpy()
    # means 50 and 25, sd of the mean sqrt(50 / 2000) = 0.16 and 0.11: allow 4 sd
    assert abs(counts[alive].mean() - 50) < 4 * np.sqrt(50 / 2000)
    assert abs(counts[~alive].mean() - 25) < 4 * np.sqrt(25 / 2000)
    assert extra["timestamp"].min() >= enrolled and extra["timestamp"].max() < end
    early = extra["customer_id"].isin(members.loc[~alive, "customer_id"])
    assert extra.loc[early, "timestamp"].max() <= enrolled + pd.Timedelta(weeks=50)
    # spend Gamma(shape 30 x 2 = 60, rate 2): mean 30, sd of the mean sqrt(60) / 2 / sqrt(N)
    assert abs(extra["amount"].mean() - 30) < 4 * np.sqrt(60) / 2 / np.sqrt(len(extra))
    assert extra["incremental"].all() and extra["order_id"].is_unique


def test_the_program_effect_adds_purchases_only_after_enrolment_and_earns_their_points():
    effect = generate_loyalty(3000, seed=4, program_start="2024-07-01", program_effect=0.3)
    none = generate_loyalty(3000, seed=4, program_start="2024-07-01", program_effect=0.0)
    # the extra purchases have their own random stream: the same members either way
    assert effect.members["customer_id"].tolist() == none.members["customer_id"].tolist()
    extra = effect.transactions.loc[effect.transactions["incremental"]]
    assert len(extra) == effect.truth["incremental_orders"] > 0
    assert extra["member"].all()  # from enrolment on
    base = effect.transactions.loc[~effect.transactions["incremental"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        base[["customer_id", "timestamp", "amount"]],
        none.transactions[["customer_id", "timestamp", "amount"]],
    )
    # the ledger earns floor(amount) on every extra purchase, like on any member purchase
    earned = effect.ledger.loc[effect.ledger["kind"] == "earn"].set_index("order_id")["points"]
    expected = np.floor(extra.set_index("order_id")["amount"])
    expected = expected[expected > 0]
    pd.testing.assert_series_equal(
        earned.loc[expected.index], expected, check_names=False, check_index_type=False
    )
    assert effect.truth["true_program_effect"] == effect.truth["program_effect"] == 0.3
    assert effect.truth["realised_program_effect"] == pytest.approx(0.3, abs=0.06)
    with pytest.raises(ParameterError, match="'program_effect' must be a finite lift >= 0"):
        generate_loyalty(50, program_effect=-0.1)
    tx, customers = _population(10)
    with pytest.raises(
        ParameterError, match="needs the generator's alive_until, nu and mean_spend"
    ):
        simulate_program(tx, customers, program_effect=0.1)


def test_behaviour_selection_enrols_recent_heavier_buyers_more():
    data = generate_loyalty(20000, seed=2, program_start="2024-07-01", selection="behaviour")
    frame = data.customers
    eligible = frame["enrol_probability"] > 0
    # logistic(logit(0.3) + 1.0 * (log(1 + n) - median)): the probability rises with n only
    assert frame.loc[~eligible, "enrolled"].sum() == 0
    p = frame.loc[eligible, "enrol_probability"]
    sd = np.sqrt((p * (1 - p)).sum()) / len(frame)
    assert abs(data.truth["enrolment_rate"] - p.sum() / len(frame)) < 4 * sd
    assert data.truth["naive_program_gap"] > 0.1  # members buy more: selection only (no effect)
    with pytest.raises(ParameterError, match="'selection' must be 'rate' or 'behaviour'"):
        generate_loyalty(50, selection="intent")
