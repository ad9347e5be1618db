"""Period codes (2026, 2026-H1, 2026-Q3, 2026-M07): the core names every period and reads back its name."""

from __future__ import annotations

import pytest

from scoring.core.periods import MONTHS_IN, PERIOD_CODE_INVALID, Period, PeriodKind, parse_period


@pytest.mark.parametrize(
    ("code", "period"),
    [
        ("2026", Period(2026, PeriodKind.CYCLE)),
        ("2026-H1", Period(2026, PeriodKind.HALF, 1)),
        ("2026-H2", Period(2026, PeriodKind.HALF, 2)),
        ("2026-Q3", Period(2026, PeriodKind.QUARTER, 3)),
        ("2026-M07", Period(2026, PeriodKind.MONTH, 7)),
        ("2027-M12", Period(2027, PeriodKind.MONTH, 12)),
    ],
)
def test_a_code_names_one_period(code, period):
    assert parse_period(code) == period
    assert period.code == code


def test_every_period_of_a_cycle_reads_back_from_its_code():
    for kind in PeriodKind:
        for index in range(1, 12 // MONTHS_IN[kind] + 1):
            period = Period(2026, kind, index)
            assert parse_period(period.code) == period


@pytest.mark.parametrize(
    "code",
    [
        "",
        "26",
        "0999",
        "2026-",
        "2026-Q0",
        "2026-Q5",
        "2026-H3",
        "2026-M7",
        "2026-M13",
        "2026-q1",
        "2026-Y1",
        "2026-Q1x",
    ],
)
def test_anything_else_is_refused_in_chinese(code):
    with pytest.raises(ValueError) as refused:
        parse_period(code)
    assert str(refused.value) == PERIOD_CODE_INVALID.format(code=code)


def test_month_codes_count_within_the_cycle():
    """With a December start, 2026-M01 is December 2025 (as quarter 1 is December–February)."""
    assert parse_period("2026-M01").bounds(12)[0].isoformat() == "2025-12-01"
    assert parse_period("2026-Q1").bounds(12)[1].isoformat() == "2026-02-28"
