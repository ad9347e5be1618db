"""Cycles (积分周期) and the periods inside them: month, quarter, half-year and the whole cycle.

A cycle is named by the year it ends in. ``cycle_start_month`` 1 gives January–December of YEAR; 12 gives
December of YEAR − 1 to November of YEAR (质检 variant, 002). Periods are numbered from 1 *within the cycle*:
with a December start, quarter 1 is December–February.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scoring.core.ruleset import RuleSet


class PeriodKind(StrEnum):
    MONTH = "month"  # 月度
    QUARTER = "quarter"  # 季度
    HALF = "half"  # 半年
    CYCLE = "cycle"  # 全年(积分周期)


MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.CYCLE: 12}
PERIOD_LABELS = {
    PeriodKind.MONTH: "月",
    PeriodKind.QUARTER: "季度",
    PeriodKind.HALF: "半年",
    PeriodKind.CYCLE: "年度",
}


CODE_LETTERS = {PeriodKind.MONTH: "M", PeriodKind.QUARTER: "Q", PeriodKind.HALF: "H"}
_CODE = re.compile(
    r"(?P<cycle>[1-9][0-9]{3})(?:-(?:(?P<letter>[QH])(?P<index>[1-9])|M(?P<month>0[1-9]|1[0-2])))?"
)
PERIOD_CODE_INVALID = (
    "周期代码“{code}”无效，应为 2026（年度）、2026-H1（半年）、2026-Q3（季度）或 2026-M07（月）"
)


def start_month_of(ruleset_or_start_month: RuleSet | int) -> int:
    if isinstance(ruleset_or_start_month, int):
        month = ruleset_or_start_month
    else:
        month = ruleset_or_start_month.cycle_start_month
    if not 1 <= month <= 12:
        raise ValueError(f"周期起始月份应为 1 至 12 的整数,而不是 {month}")
    return month


def _month_start(year: int, month: int, months_after: int) -> date:
    """The first day of the month ``months_after`` months after (year, month)."""
    index = year * 12 + (month - 1) + months_after
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first_day: date) -> date:
    return first_day.replace(day=calendar.monthrange(first_day.year, first_day.month)[1])


def cycle_bounds(ruleset_or_start_month: RuleSet | int, year: int) -> tuple[date, date]:
    """First and last day (inclusive) of cycle ``year``."""
    start_month = start_month_of(ruleset_or_start_month)
    first = date(year if start_month == 1 else year - 1, start_month, 1)
    return first, _month_end(_month_start(first.year, first.month, 11))


def cycle_of(day: date, ruleset_or_start_month: RuleSet | int = 1) -> int:
    """The cycle (named by the year it ends in) a day belongs to."""
    start_month = start_month_of(ruleset_or_start_month)
    return day.year + 1 if start_month != 1 and day.month >= start_month else day.year


def month_in_cycle(day: date, ruleset_or_start_month: RuleSet | int = 1) -> int:
    """1 for the cycle's first month … 12 for its last."""
    return (day.month - start_month_of(ruleset_or_start_month)) % 12 + 1


@dataclass(frozen=True, order=True)
class Period:
    """A period of cycle ``cycle``: ``index`` counts from 1 within the cycle (quarter 1 … 4, half 1 … 2)."""

    cycle: int
    kind: PeriodKind
    index: int = 1

    def __post_init__(self) -> None:
        count = 12 // MONTHS_IN[self.kind]
        if not 1 <= self.index <= count:
            raise ValueError(f"{PERIOD_LABELS[self.kind]}序号应在 1 至 {count} 之间,而不是 {self.index}")

    @property
    def first_month(self) -> int:
        """The period's first month as a month of the cycle (1 … 12)."""
        return (self.index - 1) * MONTHS_IN[self.kind] + 1

    @property
    def last_month(self) -> int:
        return self.index * MONTHS_IN[self.kind]

    def bounds(self, ruleset_or_start_month: RuleSet | int = 1) -> tuple[date, date]:
        """First and last day (inclusive) of the period."""
        cycle_first, _ = cycle_bounds(ruleset_or_start_month, self.cycle)
        first = _month_start(cycle_first.year, cycle_first.month, self.first_month - 1)
        last = _month_end(_month_start(cycle_first.year, cycle_first.month, self.last_month - 1))
        return first, last

    def previous(self) -> Period | None:
        """The period before this one in the same cycle, None for the first."""
        return Period(self.cycle, self.kind, self.index - 1) if self.index > 1 else None

    @property
    def code(self) -> str:
        """``2026``, ``2026-H1``, ``2026-Q3``, ``2026-M07`` (the index counts within the cycle, as above)."""
        if self.kind is PeriodKind.CYCLE:
            return str(self.cycle)
        width = 2 if self.kind is PeriodKind.MONTH else 1
        return f"{self.cycle}-{CODE_LETTERS[self.kind]}{self.index:0{width}d}"

    def label(self) -> str:
        if self.kind is PeriodKind.CYCLE:
            return f"{self.cycle}年度"
        return f"{self.cycle}年度第{self.index}{PERIOD_LABELS[self.kind]}"


def period_of(
    day: date, kind: PeriodKind = PeriodKind.CYCLE, ruleset_or_start_month: RuleSet | int = 1
) -> Period:
    """The period of the given kind that contains ``day``."""
    month = month_in_cycle(day, ruleset_or_start_month)
    return Period(cycle_of(day, ruleset_or_start_month), kind, (month - 1) // MONTHS_IN[kind] + 1)


def parse_period(code: str) -> Period:
    """The period named by ``code`` (see :attr:`Period.code`); ``ValueError`` with a Chinese message."""
    match = _CODE.fullmatch(code.strip())
    if match is None:
        raise ValueError(PERIOD_CODE_INVALID.format(code=code))
    cycle = int(match["cycle"])
    if match["month"]:
        return Period(cycle, PeriodKind.MONTH, int(match["month"]))
    if not match["letter"]:
        return Period(cycle, PeriodKind.CYCLE)
    kind = PeriodKind.QUARTER if match["letter"] == "Q" else PeriodKind.HALF
    try:
        return Period(cycle, kind, int(match["index"]))
    except ValueError:
        raise ValueError(PERIOD_CODE_INVALID.format(code=code)) from None
