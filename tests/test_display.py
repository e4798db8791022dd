import pandas as pd
import pytest

from loyaltylab.display import format_number, use_report_display


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (244091.94, "244,092"),
        (-12500.4, "-12,500"),
        (3000.0, "3,000"),
        (999.5, "999.500"),
        (35.28629, "35.286"),
        (1.0, "1.000"),
        (0.1733886, "0.1734"),
        (0.000123, "0.0001"),
        (5.27e-11, "5.3e-11"),
        (0.0, "0"),
        (float("nan"), "nan"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_use_report_display_changes_only_the_display():
    frame = pd.DataFrame({"p_value": [0.1733886], "revenue": [244091.94]})
    with pd.option_context("display.float_format", None):
        use_report_display()
        html = frame.to_html()
        assert "0.1734" in html and "244,092" in html
        assert frame.loc[0, "p_value"] == 0.1733886
    pd.reset_option("display.max_columns")
    pd.reset_option("display.max_rows")
    pd.reset_option("display.width")


def test_report_tables_show_a_dash_for_missing_values_not_nan_or_none():
    import pandas as pd

    from loyaltylab.display import MISSING, table_html

    html = table_html(pd.DataFrame({"x": [1.5, float("nan")], "label": ["a", None]}))
    assert "NaN" not in html and "None" not in html
    assert html.count(f"<td>{MISSING}</td>") == 2
    assert "<td>1.500</td>" in html  # the report number format still applies
