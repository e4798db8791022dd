"""Tests of loyaltylab.config.programs: reward-program kinds as a discriminated union on kind."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from loyaltylab.config.base import ConfigModel, validate_model
from loyaltylab.config.programs import (
    EXPIRY_POLICIES,
    PROGRAM_KINDS,
    Campaign,
    CampaignProgram,
    CashbackProgram,
    CoalitionProgram,
    PaidProgram,
    PointsProgram,
    PointsRules,
    ProgramConfig,
    ProgramList,
    Tier,
    TieredProgram,
    TierRules,
    program_from_mapping,
    validate_program,
    validate_programs,
)
from loyaltylab.config.yaml import load_yaml
from loyaltylab.errors import ConfigError, ParameterError
from loyaltylab.paths import reports_config
from loyaltylab.rewards import Behaviour, PopulationModel, load_programs, simulate_programs
from loyaltylab.rewards.config import ProgramConfig as RewardsProgramConfig
from loyaltylab.rewards.ledger import PointsLedger
from loyaltylab.rewards.population import Population

POINTS = {"earn_rate": 1.0, "redemption_threshold": 500}
TIERS = [{"name": "member", "threshold": 0}, {"name": "gold", "threshold": 400}]

ONE_OF_EACH: dict[str, tuple[dict[str, Any], type]] = {
    "points": ({"points": POINTS}, PointsProgram),
    "tiered": ({"tiers": {"tiers": TIERS}}, TieredProgram),
    "cashback": ({"cashback": {"rate": 0.01}}, CashbackProgram),
    "paid": ({"paid": {"fee": 25.0}}, PaidProgram),
    "coalition": (
        {
            "points": POINTS,
            "coalition": {"partner_points_per_week": 3.0, "partner_funding_per_point": 0.008},
        },
        CoalitionProgram,
    ),
    "campaign": (
        {"points": POINTS, "campaigns": [{"name": "x2", "start_week": 4, "end_week": 8}]},
        CampaignProgram,
    ),
}
REQUIRED_PARTS = {
    "points": ["points"],
    "tiered": ["tiers"],
    "cashback": ["cashback"],
    "paid": ["paid"],
    "coalition": ["points", "coalition"],
    "campaign": ["points", "campaigns"],
}


def _entry(kind: str, name: str | None = None) -> dict[str, Any]:
    parts, _ = ONE_OF_EACH[kind]
    return {"name": name or f"my_{kind}", "kind": kind, **copy.deepcopy(parts)}


def _all_kinds() -> list[dict[str, Any]]:
    return [_entry(kind) for kind in PROGRAM_KINDS]


@pytest.mark.parametrize("kind", PROGRAM_KINDS)
def test_each_kind_validates_into_its_model_with_every_part_as_an_attribute(kind):
    program = validate_program(_entry(kind))
    assert type(program) is ONE_OF_EACH[kind][1]
    assert program.kind == kind
    for part in ("points", "tiers", "cashback", "paid", "coalition", "campaigns", "economics"):
        assert hasattr(program, part), part
    assert program.campaigns == () or kind == "campaign"
    assert program.economics.gross_margin == pytest.approx(0.30)


@pytest.mark.parametrize(
    ("kind", "part"),
    [(kind, part) for kind, parts in REQUIRED_PARTS.items() for part in parts],
)
def test_a_kind_without_a_required_part_names_the_part_by_its_yaml_path(kind, part):
    programs = _all_kinds()
    index = PROGRAM_KINDS.index(kind)
    del programs[index][part]
    with pytest.raises(ConfigError) as caught:
        validate_programs(programs)
    assert str(caught.value) == f"programs[{index}].{part}: Field required"


def test_a_campaign_program_needs_at_least_one_campaign():
    programs = _all_kinds()
    programs[5]["campaigns"] = []
    with pytest.raises(ConfigError, match=r"^programs\[5\]\.campaigns: needs at least 1 campaign"):
        validate_programs(programs)


def test_negative_rate_is_one_error_naming_the_yaml_path():
    programs = _all_kinds()
    programs[2] = {"name": "neg", "kind": "points", "points": {"earn_rate": -1}}
    with pytest.raises(ConfigError) as caught:
        validate_programs(programs)
    assert str(caught.value) == (
        "programs[2].points.earn_rate: Input should be greater than or equal to 0 (got -1)"
    )


def test_unknown_key_in_a_part_or_in_a_program_is_refused_with_its_path():
    programs = _all_kinds()
    programs[1]["tiers"]["window"] = 365
    programs[3]["fee"] = 25.0
    with pytest.raises(ConfigError) as caught:
        validate_programs(programs)
    message = str(caught.value)
    assert message.startswith("2 problems:")
    assert "programs[1].tiers.window: unknown key (check the spelling)" in message
    assert "programs[3].fee: unknown key (check the spelling)" in message


@pytest.mark.parametrize("kind", ["loyalty", None])
def test_wrong_or_missing_kind_is_named_at_the_kind_key_with_the_kinds_allowed(kind):
    programs = _all_kinds()
    programs[4] = {"name": "x", "points": POINTS}
    if kind is not None:
        programs[4]["kind"] = kind
    with pytest.raises(ConfigError) as caught:
        validate_programs(programs)
    message = str(caught.value)
    expected = "Field required" if kind is None else "Input should be 'points', 'tiered'"
    assert message.startswith(f"programs[4].kind: {expected}")
    if kind is not None:
        assert "'campaign' (got 'loyalty')" in message


def test_an_entry_that_is_not_a_mapping_is_named():
    with pytest.raises(ConfigError, match=r"^programs\[1\]: a program must be a mapping"):
        validate_programs([_entry("paid"), "points_basic"])


def test_repeated_program_names_are_named_at_the_repeated_entry():
    programs = _all_kinds()
    programs[2]["name"] = programs[0]["name"]
    with pytest.raises(ConfigError) as caught:
        validate_programs(programs)
    assert str(caught.value).startswith(
        "programs[2].name: program name 'my_points' is also used by entry [0]"
    )


def test_empty_programs_list_is_refused():
    with pytest.raises(ConfigError, match=r"^programs: needs at least 1 program"):
        validate_programs([])


def test_rules_across_fields_are_named_at_the_field():
    tiers = [{"name": "base", "threshold": 0}, {"name": "gold", "threshold": 500}]
    tiers.append({"name": "silver", "threshold": 200})
    raw = {"name": "t", "kind": "tiered", "tiers": tiers}
    with pytest.raises(
        ConfigError,
        match=r"^programs\[0\]\.tiers\.tiers\[2\]\.threshold: threshold of 'silver' \(200\) "
        r"is not above the one beneath it, 'gold' \(500\)",
    ):
        validate_programs([raw])
    on_points = {"name": "t", "kind": "tiered", "tiers": {"metric": "points", "tiers": TIERS}}
    with pytest.raises(ConfigError, match=r"^program\.tiers\.metric: tiers qualify on points"):
        validate_program(on_points)
    expiring = {"name": "p", "kind": "points", "points": {"expiry_days": 3}}
    with pytest.raises(ConfigError, match=r"^program\.points\.expiry_days: .*>= 7.*\(got 3\)"):
        validate_program(expiring)


def test_behaviour_keys_must_be_behaviour_parameters():
    raw = _entry("points")
    raw["behaviour"] = {"goal_gradient": 0.2, "gaol_gradient": 0.1}
    with pytest.raises(
        ConfigError, match=r"^program\.behaviour\.gaol_gradient: unknown behaviour parameter"
    ):
        validate_program(raw)
    raw["behaviour"] = {"goal_gradient": 0.2}
    assert validate_program(raw).behaviour == {"goal_gradient": 0.2}


def test_numbers_stay_strict_as_before():
    raw = {"name": "c", "kind": "cashback", "cashback": {"rate": "0.01"}}
    with pytest.raises(ConfigError, match=r"program\.cashback\.rate: Input should be a valid"):
        validate_program(raw)


def test_tiers_as_a_list_is_shorthand_for_the_tiers_key():
    short = validate_program({"name": "t", "kind": "tiered", "tiers": TIERS})
    long = validate_program({"name": "t", "kind": "tiered", "tiers": {"tiers": TIERS}})
    assert short == long
    assert short.tiers.tiers[1] == Tier("gold", 400)


def test_parts_built_in_code_take_positions_and_raise_config_errors():
    rules = TierRules((Tier("base", 0), Tier("gold", 100)), downgrade="automatic")
    assert rules.tiers[1].threshold == 100
    assert Campaign("x2", 5, 9).end_week == 9
    with pytest.raises(ConfigError, match=r"^points\.lock_days: .*greater than or equal to 0"):
        PointsRules(lock_days=-1)
    with pytest.raises(TypeError, match="at most 5 positional arguments"):
        Tier("gold", 1, 1, 0, 0, 0)
    program = PointsProgram("basic", points=PointsRules())
    assert validate_programs([program, _entry("paid")])[0] is program


def test_a_model_holding_a_program_list_names_paths_without_union_tags():
    class Holder(ConfigModel):
        programs: ProgramList

    raw = {"programs": [_entry("paid"), _entry("coalition")]}
    raw["programs"][1]["coalition"]["focal_effect_factor"] = 2
    with pytest.raises(ConfigError) as caught:
        validate_model(Holder, raw, source="reports.yaml")
    assert str(caught.value) == (
        "reports.yaml: programs[1].coalition.focal_effect_factor: "
        "Input should be less than or equal to 1 (got 2)"
    )


def test_program_from_mapping_and_the_rewards_reexport_are_the_same_models():
    program = program_from_mapping({"name": "c", "kind": "cashback", "cashback": {"rate": 0.01}})
    assert isinstance(program, CashbackProgram)
    assert RewardsProgramConfig is ProgramConfig


def test_the_project_reports_yaml_programs_load_one_of_each_kind():
    raw = load_yaml(reports_config().read_text(encoding="utf-8"), source="reports.yaml")
    programs = validate_programs(raw["programs"], source="reports.yaml")
    assert [program.kind for program in programs] == list(PROGRAM_KINDS)
    assert load_programs() == programs
    tiered = programs[1]
    assert [tier.name for tier in tiered.tiers.tiers] == ["member", "silver", "gold"]


def test_load_programs_reads_yaml_with_the_one_reader_so_a_repeated_key_is_an_error(tmp_path):
    """Drift fix: rewards had its own ``yaml.safe_load``, which kept the last of two equal keys
    (here an earn rate of 5 instead of 1) without a word; the project reader refuses it."""
    path = tmp_path / "reports.yaml"
    path.write_text(
        "programs:\n"
        "  - name: basic\n"
        "    kind: points\n"
        "    points: {earn_rate: 1.0, earn_rate: 5.0}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="earn_rate"):
        load_programs(path)


# --- expiry after inactivity: one points vocabulary for the config, the ledger and the data -----


def test_after_inactivity_days_is_a_points_expiry_policy_with_at_least_a_week():
    """Drift fix: the ledger and the synthetic data expired idle balances
    (``after_inactivity_days``) that a program could not be configured with."""
    raw = {"name": "p", "kind": "points", "points": {"expiry": "after_inactivity_days"}}
    rules = validate_program(raw).points
    assert rules.expiry == "after_inactivity_days" and rules.expiry_days == 730
    raw["points"]["expiry_days"] = 90
    assert validate_program(raw).points.expiry_days == 90
    raw["points"]["expiry_days"] = 6
    with pytest.raises(ConfigError) as caught:
        validate_program(raw)
    assert str(caught.value) == (
        "program.points.expiry_days: must be a whole number of days >= 7 when expiry is "
        "'after_inactivity_days' (got 6)"
    )
    with pytest.raises(ConfigError, match=r"^points\.expiry_days: .*'after_inactivity_days'"):
        PointsRules(expiry="after_inactivity_days", expiry_days=3)
    # lifetimes do not matter where nothing expires by days
    assert PointsRules(expiry="never", expiry_days=0).expiry_days == 0


def test_the_program_expiry_policies_are_the_ones_the_ledger_implements():
    # one vocabulary (loyaltylab.config.programs.EXPIRY_POLICIES): the ledger books every policy
    # a program may name and refuses any other with the same list
    assert "after_inactivity_days" in EXPIRY_POLICIES
    for policy in EXPIRY_POLICIES:
        rules = PointsRules(expiry=policy, expiry_days=28)
        assert PointsLedger(rules, 3).policy == policy
    unknown = SimpleNamespace(expiry="after_weeks", expiry_days=28, lock_days=0)
    with pytest.raises(ParameterError, match=re.escape(str(list(EXPIRY_POLICIES)))):
        PointsLedger(unknown, 3)


def test_the_simulation_expires_idle_balances_after_inactivity_days():
    """Hand-worked: every customer is a member with 40 endowed points (an earning in week 0);
    customers 0 and 1 never buy, customer 2 buys every week (30 purchases a week expected,
    no dropout) and nobody redeems. ``expiry_days=14`` allows two idle weeks, so the ledger
    (``PointsLedger.start_week``: expire when last activity + 2 < week) expires the 2 x 40
    idle points at the start of week 3 and never the buyer's. The same 14 days as lot
    lifetimes (``after_days``) expire every week's earnings two weeks later instead."""
    people = Population(
        rate=np.array([0.0, 0.0, 30.0], dtype=np.float32),
        dropout=np.zeros(3, dtype=np.float32),
        mean_spend=np.full(3, 10.0, dtype=np.float32),
        model=PopulationModel.cdnow_published(),
        seed=0,
    )
    rules = {"earn_rate": 1.0, "redemption_threshold": 10_000, "endowed_points": 40}
    idle = PointsRules(expiry="after_inactivity_days", expiry_days=14, **rules)
    lots = PointsRules(expiry="after_days", expiry_days=14, **rules)
    programs = [
        PointsProgram("idle", auto_enrol=True, points=idle),
        PointsProgram("lots", auto_enrol=True, points=lots),
    ]
    behaviour = Behaviour().with_overrides(redemption_propensity=0.0)
    result = simulate_programs(programs, people, horizon_weeks=8, behaviour=behaviour, seed=1)
    weekly = {name: frame.set_index("week") for name, frame in result.weekly.groupby("program")}
    on_idle = weekly["idle"]
    assert (on_idle["purchases"] > 0).all()  # the buyer is never idle
    assert on_idle["points_expired"].tolist() == [0.0, 0.0, 0.0, 80.0, 0.0, 0.0, 0.0, 0.0]
    assert on_idle["points_redeemed"].sum() == 0.0
    assert on_idle["points_outstanding"].iloc[-1] == pytest.approx(
        3 * 40 + on_idle["points_issued"].sum() - 80, rel=1e-5
    )
    issued = weekly["lots"]["points_issued"].to_numpy()
    expected_lots = [0.0, 0.0, 3 * 40 + issued[0], *issued[1:-2]]
    np.testing.assert_allclose(weekly["lots"]["points_expired"], expected_lots, rtol=1e-5)


def test_parts_take_positions_through_public_pydantic_and_nested_parts_keep_their_path():
    import loyaltylab.config.programs.parts as parts

    assert "pydantic._internal" not in Path(parts.__file__).read_text(encoding="utf-8")
    assert Tier("gold", 500, discount=0.1) == Tier(name="gold", threshold=500, discount=0.1)
    with pytest.raises(TypeError, match="'threshold' by position and by name"):
        Tier("gold", 500, threshold=400)
    # a part given as a mapping inside a part built in code is named by its path in it
    with pytest.raises(ConfigError) as caught:
        PointsProgram("p", points={"earn_rate": -1.0})
    assert str(caught.value) == (
        "program.points.earn_rate: Input should be greater than or equal to 0 (got -1.0)"
    )
    with pytest.raises(ConfigError, match=r"^tier\.threshold: Input should be greater"):
        Tier("gold", -1)
