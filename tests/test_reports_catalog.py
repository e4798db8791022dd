"""The metrics catalog (loyaltylab.reports.catalog) against what the reports really write.

The keys come from one real run of every report of the project's reports.yaml (the runner, on
small data: fewer draws, customers and weeks; the keys a report writes do not depend on those
sizes). Every written key must be in the catalog, every catalog entry must be written by some
report, and the README section must equal the rendered catalog.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from loyaltylab.errors import ConfigError, ReportError
from loyaltylab.kpi import KPI_DEFINITIONS
from loyaltylab.metrics import METRICS_SUFFIX, flatten_metrics, read_metrics
from loyaltylab.paths import project_root
from loyaltylab.reports import run_reports
from loyaltylab.reports.catalog import (
    CATALOG_FILE,
    README_END,
    README_START,
    catalog_markdown,
    compile_key_pattern,
    load_metrics_catalog,
    metrics_catalog,
    replace_catalog_section,
    where_numbers_come_from,
)

# one worker runs the reports once for the whole module
pytestmark = pytest.mark.xdist_group("reports_catalog")
ROOT = project_root()
# smaller runs, same keys: CLV draws, experiment size, simulated customers/draws/years
SMALL = {
    "clv_cdnow": {"n_draws": 20},
    "customers_cdnow": {"transactions": "cdnow_sample"},
    "experiment_synthetic": {"synthetic_customers": 6000},
    "reward_models": {
        "population_source": "published",
        "n_customers": 300,
        "n_draws": 2,
        "horizon_years": 1,
    },
    "decision": {"n_customers": 300, "n_draws": 4, "horizon_years": 1},
}
KPIS = {name: (formula, unit) for name, formula, unit in KPI_DEFINITIONS}


def _listing(problems: dict[str, list[str]]) -> str:
    return "\n".join(
        f"  {report}: {', '.join(keys[:30])}{' ...' if len(keys) > 30 else ''}"
        for report, keys in problems.items()
        if keys
    )


@pytest.fixture(scope="module")
def written_keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """``{NN_topic: sorted flattened keys}`` over every report of reports.yaml, one real run."""
    reports_dir = tmp_path_factory.mktemp("catalog_run") / "reports"
    result = run_reports(overrides=SMALL, reports_dir=reports_dir, progress=False)
    failed = {report.name: report.error for report in result.reports if not report.ok}
    assert not failed, f"reports failed, so their keys are unknown: {failed}"
    keys: dict[str, set[str]] = defaultdict(set)
    for path in sorted(result.run_dir.glob(f"*/*{METRICS_SUFFIX}")):
        keys[path.name[: -len(METRICS_SUFFIX)]] |= set(flatten_metrics(read_metrics(path)))
    assert len(keys) >= 5, f"expected a metrics file per notebook, got {sorted(keys)}"
    return {report: sorted(values) for report, values in keys.items()}


@pytest.mark.slow
def test_every_written_key_is_in_the_catalog(written_keys: dict[str, list[str]]) -> None:
    catalog = metrics_catalog()
    unknown_reports = sorted(set(written_keys) - set(catalog.reports))
    assert not unknown_reports, f"reports missing from {CATALOG_FILE}: {unknown_reports}"
    missing = {report: catalog.missing(report, keys) for report, keys in written_keys.items()}
    assert not any(missing.values()), (
        f"keys written by a report but not in {CATALOG_FILE}:\n{_listing(missing)}"
    )


@pytest.mark.slow
def test_every_catalog_entry_is_written_by_a_run(written_keys: dict[str, list[str]]) -> None:
    catalog = metrics_catalog()
    never_run = sorted(set(catalog.reports) - set(written_keys))
    assert not never_run, f"catalog reports no run wrote: {never_run}"
    dead = {report: catalog.unused(report, written_keys[report]) for report in catalog.reports}
    assert not any(dead.values()), (
        f"catalog entries no report writes (remove or fix them):\n{_listing(dead)}"
    )


@pytest.mark.slow
def test_each_written_key_has_exactly_one_entry(written_keys: dict[str, list[str]]) -> None:
    catalog = metrics_catalog()
    ambiguous = {
        report: [
            f"{key} ({' / '.join(item.key for item in catalog.matching(report, key))})"
            for key in keys
            if len(catalog.matching(report, key)) > 1
        ]
        for report, keys in written_keys.items()
    }
    assert not any(ambiguous.values()), f"keys matched by two entries:\n{_listing(ambiguous)}"


@pytest.mark.slow
def test_every_written_report_renders_its_table(written_keys: dict[str, list[str]]) -> None:
    for report, keys in written_keys.items():
        table = where_numbers_come_from(report, dict.fromkeys(keys, 1.0))
        assert table["key"].tolist() == keys
        assert table[["unit", "formula", "function"]].map(bool).all().all(), report


def test_every_producing_function_resolves() -> None:
    unresolved = []
    for function in sorted({item.function for item in metrics_catalog().definitions}):
        module_name, _, name = function.rpartition(".")
        try:
            target = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError) as error:
            unresolved.append(f"{function}: {error}")
            continue
        if not callable(target):
            unresolved.append(f"{function}: not callable")
    assert not unresolved, "producing functions that do not resolve:\n  " + "\n  ".join(unresolved)


def test_the_catalog_is_reached_from_the_reports_package() -> None:
    import loyaltylab.reports

    assert loyaltylab.reports.metrics_catalog is metrics_catalog
    assert loyaltylab.reports.where_numbers_come_from is where_numbers_come_from
    assert {"metrics_catalog", "where_numbers_come_from"} <= set(loyaltylab.reports.__all__)


def test_kpi_keys_take_unit_and_formula_from_kpi_definitions() -> None:
    catalog = metrics_catalog()
    for name, (formula, unit) in KPIS.items():
        definition = catalog.lookup("01_customers", f"kpi.{name}")
        assert (definition.unit, definition.formula, definition.kpi) == (unit, formula, name)
    series = catalog.lookup("01_customers", "kpi_by_period.aov.values")
    assert series.unit == "currency per order"
    assert series.formula.endswith(KPIS["aov"][0]) and series.kpi == "aov"
    # the <kpi> placeholder of a KPI series matches KPI names only
    assert catalog.missing("01_customers", ["kpi_by_period.no_such_kpi.values"]) == [
        "kpi_by_period.no_such_kpi.values"
    ]
    # the unresolved pattern (README) points at the KPI rows instead of copying them
    pattern = next(item for item in catalog.entries("01_customers") if item.key.endswith(".values"))
    assert pattern.unit == "unit of the KPI (see kpi.<kpi>)"


def test_lookup_resolves_patterns() -> None:
    catalog = metrics_catalog()
    definition = catalog.lookup("05_scorecard", "targets.clv.total.current")
    assert definition.key == "targets.clv.total.current"
    assert definition.function == "loyaltylab.targets.evaluate_target"
    for key in ("programs.paid_club.roi", "programs.paid_club.roi_low", "programs.x.roi_high"):
        assert catalog.lookup("04_reward_models", key).unit == "ratio (1 = 100 %)"
    assert catalog.missing("04_reward_models", ["programs.x.roi_mid", "programs.roi"]) == [
        "programs.x.roi_mid",
        "programs.roi",
    ]
    with pytest.raises(ReportError, match=r"not in the metrics catalog.*'clv\.totl'"):
        catalog.lookup("02_clv", "clv.totl")
    with pytest.raises(ReportError, match="no report '02_cl'.*02_clv"):
        catalog.lookup("02_cl", "clv.total")


def test_where_numbers_come_from_shows_only_written_keys() -> None:
    metrics = {
        "kpi": {"aov": 35.5, "orders": 9},
        "kpi_by_period": {"aov": {"freq": "M", "periods": ["2024-01-01"] * 5, "values": [1.0]}},
        "cohorts": {"mean_retention": pd.Series([1.0, 0.25], index=[0, 1])},
    }
    table = where_numbers_come_from("01_customers", metrics)
    assert table.columns.tolist() == ["key", "value", "unit", "formula", "function"]
    assert table["key"].tolist() == [
        "cohorts.mean_retention.0",
        "cohorts.mean_retention.1",
        "kpi.aov",
        "kpi.orders",
        "kpi_by_period.aov.freq",
        "kpi_by_period.aov.periods",
        "kpi_by_period.aov.values",
    ]
    row = table.set_index("key").loc["kpi.aov"]
    assert (row["value"], row["unit"], row["function"]) == (
        35.5,
        "currency per order",
        "loyaltylab.kpi.customer_kpis",
    )
    shown = table.set_index("key")["value"]
    assert shown["kpi_by_period.aov.periods"] == "5 values: 2024-01-01, ..., 2024-01-01"
    assert shown["kpi_by_period.aov.values"] == "1.0"
    assert shown["cohorts.mean_retention.1"] == 0.25


def test_where_numbers_come_from_names_keys_missing_from_the_catalog() -> None:
    metrics = {"clv": {"total": 1.0, "totl": 2.0}, "extra": {"a": 1, "b": 2}}
    with pytest.raises(ReportError) as error:
        where_numbers_come_from("02_clv", metrics)
    message = str(error.value)
    assert "3 metric key(s) of report '02_clv'" in message
    assert "'clv.totl'" in message and "'extra.a'" in message and "'extra.b'" in message
    assert "reports.02_clv" in message and CATALOG_FILE in message


@pytest.mark.parametrize(
    ("pattern", "key", "groups"),
    [
        ("clv.total", "clv.total", {}),
        (
            "models.<model>.params.<param>",
            "models.bgnbd.params.r",
            {"model": "bgnbd", "param": "r"},
        ),
        ("targets.<metric...>.current", "targets.clv.total.current", {"metric": "clv.total"}),
        ("targets.<metric...>.current", "targets.aov.current", {"metric": "aov"}),
        ("segments.<segment>.customers", "segments.at risk.customers", {"segment": "at risk"}),
        ("clv.total_{low,high}", "clv.total_high", {}),
    ],
)
def test_key_pattern_matches(pattern: str, key: str, groups: dict[str, str]) -> None:
    match = compile_key_pattern(pattern).match(key)
    assert match is not None and match.groupdict() == groups


@pytest.mark.parametrize(
    ("pattern", "key"),
    [
        ("clv.total", "clv.total_low"),
        ("clv.total", "clv_total"),  # the dot is literal
        ("models.<model>.log_likelihood", "models.a.b.log_likelihood"),
        ("targets.<metric...>.current", "targets.current"),
        ("clv.total_{low,high}", "clv.total_mid"),
    ],
)
def test_key_pattern_rejects(pattern: str, key: str) -> None:
    assert compile_key_pattern(pattern).match(key) is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("clv..total", "empty part"),
        ("clv.total.", "empty part"),
        ("models.<model.params", "unclosed or misplaced"),
        ("clv.total_{low", "unclosed or misplaced"),
        ("models.x<model>", "whole part"),
        ("a.<name>.b.<name>", "twice"),
        ("a.{b.c,d}", "may not hold a dot"),
    ],
)
def test_key_pattern_errors(pattern: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        compile_key_pattern(pattern)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{key: clv.total, function: loyaltylab.clv.x, unit: currency}",
            r"reports\.02_clv\[1\]: .*give unit and formula, or kpi",
        ),
        (
            "{key: kpi.aovv, function: loyaltylab.kpi.customer_kpis, kpi: aovv}",
            r"reports\.02_clv\[1\]: .*'aovv' is not in loyaltylab.kpi.KPI_DEFINITIONS",
        ),
        (
            "{key: kpi.aov, function: loyaltylab.kpi.customer_kpis, kpi: aov, unit: currency}",
            "remove unit",
        ),
        (
            "{key: a.<x>, function: loyaltylab.kpi.customer_kpis, kpi: <y>}",
            "must name a one-part placeholder",
        ),
        (
            "{key: clv.total, function: clv.customer_lifetime_value, unit: u, formula: f}",
            r"reports\.02_clv\[1\]\.function: .*dotted path of a loyaltylab function",
        ),
        ("{key: 'a..b', function: loyaltylab.clv.x, unit: u, formula: f}", r"\[1\]\.key"),
        ("{key: a, function: loyaltylab.clv.x, unit: u, formula: f, units: v}", r"\[1\]\.units"),
    ],
)
def test_bad_catalog_entries_are_named_by_yaml_path(entry: str, message: str) -> None:
    first = "{key: a, function: loyaltylab.x.y, unit: u, formula: f}"
    text = f"reports:\n  02_clv:\n    - {first}\n    - {entry}\n"
    with pytest.raises(ConfigError, match=message) as error:
        load_metrics_catalog(text, "test catalog")
    assert str(error.value).startswith("test catalog: ")


def test_duplicate_keys_and_bad_report_names_are_rejected() -> None:
    entry = "{key: a, function: loyaltylab.x.y, unit: u, formula: f}"
    with pytest.raises(ConfigError, match=r"lists key\(s\) \['a'\] more than once"):
        load_metrics_catalog(f"reports:\n  02_clv: [{entry}, {entry}]\n")
    with pytest.raises(ConfigError, match="not a metrics file name like '02_clv'"):
        load_metrics_catalog(f"reports:\n  clv_cdnow: [{entry}]\n")
    with pytest.raises(ConfigError, match="written twice"):
        load_metrics_catalog(f"reports:\n  02_clv: [{entry}]\n  02_clv: [{entry}]\n")


def test_catalog_is_read_once_and_covers_every_notebook() -> None:
    assert metrics_catalog() is metrics_catalog()
    notebooks = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(metrics_catalog().reports) == notebooks
    summary = metrics_catalog().summary()
    assert summary.columns.tolist() == ["report", "key", "unit", "formula", "function"]
    assert len(summary) == len(metrics_catalog().definitions)


def test_catalog_file_is_package_data() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"reports/{CATALOG_FILE}"' in text


def test_readme_section_equals_the_rendered_catalog() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Where these numbers come from" in readme
    start = readme.index(README_START) + len(README_START)
    section = readme[start : readme.index(README_END)]
    assert section == "\n\n" + catalog_markdown() + "\n", (
        "README 'Where these numbers come from' differs from the catalog; re-render it with\n"
        '  python -c "from pathlib import Path; from loyaltylab.reports.catalog import '
        "replace_catalog_section as r; p = Path('README.md'); p.write_text(r(p.read_text()))\""
    )
    assert replace_catalog_section(readme) == readme


def test_replace_catalog_section_needs_the_markers() -> None:
    with pytest.raises(ReportError, match="no metrics catalog section"):
        replace_catalog_section("# README\n")
    rendered = replace_catalog_section(f"a\n{README_START}\nstale table\n{README_END}\nb\n")
    assert rendered.startswith(f"a\n{README_START}\n\n") and rendered.endswith(f"{README_END}\nb\n")
    assert "stale table" not in rendered and "### `02_clv.metrics.json`" in rendered


def test_markdown_escapes_table_cells(tmp_path: Path) -> None:
    text = (
        "reports:\n  02_clv:\n    - {key: 'a.<b>', function: loyaltylab.x.y, unit: 'x | y',"
        " formula: 'top *10* <b>'}\n"
    )
    rendered = catalog_markdown(load_metrics_catalog(text))
    assert "| `a.<b>` | x \\| y | top \\*10\\* &lt;b&gt; | `loyaltylab.x.y` |" in rendered
