"""Points as text (分值的写法): one way everywhere — no trailing zeros, no exponent, '-' for a deduction,
'+' for a gain where an entry's sign is shown."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from scoring.core.ruleset import fmt, fmt_signed

POINTS = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("5.00"), "5"),
        (Decimal("5.50"), "5.5"),
        (Decimal("0.50"), "0.5"),
        (Decimal("-2.00"), "-2"),
        (Decimal("106.95"), "106.95"),
        (Decimal("1E+1"), "10"),
        (Decimal("1E+3"), "1000"),
        (Decimal("0.00"), "0"),
        (Decimal("-0.00"), "0"),
        (Decimal("100"), "100"),
    ],
)
def test_points_read_without_trailing_zeros_or_exponent(value, text):
    assert fmt(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("2.00"), "+2"), (Decimal("-0.50"), "-0.5"), (Decimal("0.00"), "0"), (Decimal("1E+1"), "+10")],
)
def test_an_entrys_points_carry_their_sign(value, text):
    assert fmt_signed(value) == text


@given(POINTS)
def test_points_text_reads_back_as_the_same_value(value):
    text = fmt(value)
    assert Decimal(text) == value
    assert "E" not in text.upper()
    assert text == "0" or not ("." in text and text.endswith("0"))


@given(POINTS)
def test_signed_points_text_reads_back_as_the_same_value(value):
    text = fmt_signed(value)
    assert Decimal(text) == value
    assert text.startswith("+") == (value > 0)


def test_pages_write_points_through_the_same_function():
    rendered = Template(
        "{% load forms_print %}{{ a|pts }} {{ b|pts }} {{ c|signed }} {{ d|signed }} {{ f|pts }}[{{ e|pts }}]"
    ).render(
        Context(
            {
                "a": Decimal("5.50"),
                "b": Decimal("1E+1"),
                "c": Decimal("2.00"),
                "d": Decimal("-0.50"),
                "e": None,
                "f": "一票否决",  # text that is no number is shown as it is, not an error page
            }
        )
    )
    assert rendered == "5.5 10 +2 -0.5 一票否决[]"
