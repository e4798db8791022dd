import pandas as pd
import pytest

from loyaltylab.display import (
    MISSING,
    answer_html,
    column_kind,
    format_money,
    format_number,
    format_p_value,
    format_percent,
    format_probability,
    label,
    table_html,
    use_report_display,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (244091.94, "244,092"),
        (-12500.4, "-12,500"),
        (3000.0, "3,000"),
        (999.4, "999"),
        (496.0, "496"),  # never "496.000" beside "1,068" (issue: reads as 496 thousand)
        (35.28629, "35.3"),
        (1.0, "1"),
        (0.1733886, "0.173"),
        (0.000123, "0.000123"),
        (5.27e-11, "5.3e-11"),
        (0.0, "0"),
        (float("nan"), MISSING),
    ],
)
def test_format_number_three_significant_digits(value, text):
    assert format_number(value) == text


def test_kinds_by_column_name():
    assert format_percent(0.2386) == "23.9 %"
    assert format_percent(-0.844) == "-84.4 %"  # progress -84.4 %, not "-84.000"
    assert format_p_value(5.3e-11) == "< 0.001"
    assert format_probability(1.0) == "> 99 %"  # "chance to beat control 100 %" is capped
    assert format_money(10024.0, "$") == "$10,024"
    kinds = {
        name: column_kind(name)
        for name in ("p_value", "p_adjusted", "p_alive", "chance_to_beat_control",
                     "repeat_share", "retention_rate", "progress", "revenue", "clv",
                     "n_customers", "orders", "log_likelihood")
    }
    assert kinds == {
        "p_value": "p_value", "p_adjusted": "p_value", "p_alive": "probability",
        "chance_to_beat_control": "probability", "repeat_share": "share",
        "retention_rate": "share", "progress": "share", "revenue": "money", "clv": "money",
        "n_customers": "count", "orders": "count", "log_likelihood": "number",
    }
    # a "share" column already in percent stays a number; whole floats in a count column
    assert column_kind("repeat_share", pd.Series([23.9, 40.0])) == "number"
    assert column_kind("orders", pd.Series([1068.0, 496.0])) == "count"


def test_labels_are_plain_language():
    assert label("p_alive") == "P(alive)"
    assert label("absolute_ci_high") == "Absolute CI high"
    assert label("log_likelihood") == "Log-likelihood"
    assert label("Written by hand") == "Written by hand"


def test_table_has_no_index_nan_none_or_true_and_scrolls():
    frame = pd.DataFrame(
        {"repeat_share": [0.2386, float("nan")], "member": [True, None], "p_value": [5.3e-11, 0.2],
         "revenue": [1068.0, 496.0]}
    )
    frame.attrs["na_reason"] = {"repeat_share": "no buyers in that period"}
    html = table_html(frame, currency="$")
    for bad in ("NaN", "None", "True", "nan", "5.3e-11", "<th></th>"):
        assert bad not in html
    assert "23.9 %" in html and "&lt; 0.001" in html and "$1,068" in html and "$496<" in html
    assert "yes" in html and html.count(f">{MISSING}<") == 2
    assert "no buyers in that period" in html  # why a value is missing
    assert "overflow-x:auto" in html  # wide tables scroll inside the page
    assert "Terms:" in html and "p-value" in html  # glossary line for the terms used


def test_named_index_becomes_a_column_default_index_is_dropped():
    named = pd.DataFrame({"value": [1.0]}, index=pd.Index(["clv"], name="metric"))
    assert "<th class=\"ll-text\">Metric</th>" in table_html(named)
    plain = table_html(pd.DataFrame({"x": [1.5, 2.5]}))
    assert plain.count("<th ") == 1


def test_long_tables_say_what_was_left_out():
    html = table_html(pd.DataFrame({"x": range(100)}), max_rows=10)
    assert "first 10 of 100 rows shown" in html


def test_use_report_display_changes_only_the_display():
    frame = pd.DataFrame({"p_value": [0.1733886], "revenue": [244091.94]})
    with pd.option_context("display.float_format", None):
        use_report_display(currency="$")
        assert "0.173" in frame.to_html() and "244,092" in frame.to_html()
        assert frame.loc[0, "p_value"] == 0.1733886
    pd.reset_option("display.max_columns")
    pd.reset_option("display.max_rows")
    pd.reset_option("display.width")


def test_answer_box_renders_bold_and_refuses_nothing():
    box = answer_html(["CLV is **$75,000**.", "a < b"], data_quality="2,000 rows, none dropped")
    assert "<b>$75,000</b>" in box and "**" not in box and "a &lt; b" in box
    assert "Data quality:" in box
    with pytest.raises(ValueError, match="answer sentences"):
        answer_html([])


def test_long_tables_format_each_value_by_its_unit_or_row_name():
    frame = pd.DataFrame(
        {"kpi": ["retention_rate", "aov", "orders", "p_value"],
         "value": [0.2433, 35.537, 15278.0, 3e-9],
         "unit": ["share 0-1", "currency per order", "orders", ""]}
    )
    html = table_html(frame, currency="$")
    assert "24.3 %" in html and "$35.54" in html and "15,278" in html and "&lt; 0.001" in html
    by_name = table_html(pd.DataFrame({"metric": ["repeat_share", "rows read"],
                                       "value": [0.5, 15393]}))
    assert "50.0 %" in by_name and "15,393" in by_name


def test_text_cells_say_not_a_number_instead_of_nan():
    html = table_html(pd.DataFrame({"reason": ["amount is missing (empty or NaN)"]}))
    assert "NaN" not in html and "empty or not a number" in html
