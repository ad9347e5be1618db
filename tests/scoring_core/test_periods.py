"""Cycles and periods: a cycle is named by the year it ends in; periods count from the cycle's first month;
period scores are increments of the cycle-to-date score."""

from datetime import date
from decimal import Decimal

import pytest

from scoring.core.engine import Event, MemberInfo, score_period
from scoring.core.members import MemberType
from scoring.core.periods import Period, PeriodKind, cycle_bounds, cycle_of, period_of
from scoring.core.ruleset_file import parse_ruleset

D = Decimal

RULES = parse_ruleset(
    "code: t\nname: 测\nbase_points: 5\n"
    "items:\n"
    "  - {code: study, name: 学习, points: 2, cap: 10}\n"
    "  - {code: meeting, name: 大会, points: 1, limit: {per: quarter, times: 1}}\n"
    "  - {code: sanction, name: 处分, veto: true}\n"
    "evaluation: {mode: added, levels: {优秀: 20}}\n"
)


def test_a_january_cycle_is_the_calendar_year():
    assert cycle_bounds(1, 2021) == (date(2021, 1, 1), date(2021, 12, 31))


def test_a_december_cycle_runs_from_december_of_the_year_before_to_november():
    assert cycle_bounds(12, 2021) == (date(2020, 12, 1), date(2021, 11, 30))
    assert cycle_of(date(2020, 12, 1), 12) == 2021
    assert cycle_of(date(2021, 11, 30), 12) == 2021
    assert cycle_of(date(2021, 12, 1), 12) == 2022


def test_cycle_bounds_accept_a_rule_set():
    rs = parse_ruleset("code: t\nname: 测\ncycle_start_month: 7\nitems: [{code: a, name: 项, points: 1}]\n")
    assert cycle_bounds(rs, 2021) == (date(2020, 7, 1), date(2021, 6, 30))


def test_periods_count_from_the_cycles_first_month():
    assert period_of(date(2020, 12, 5), PeriodKind.QUARTER, 12) == Period(2021, PeriodKind.QUARTER, 1)
    assert period_of(date(2021, 3, 1), PeriodKind.QUARTER, 12) == Period(2021, PeriodKind.QUARTER, 2)
    assert period_of(date(2021, 5, 31), PeriodKind.HALF, 12) == Period(2021, PeriodKind.HALF, 1)
    assert period_of(date(2021, 6, 1), PeriodKind.HALF, 12) == Period(2021, PeriodKind.HALF, 2)
    assert period_of(date(2021, 5, 31), PeriodKind.MONTH, 12) == Period(2021, PeriodKind.MONTH, 6)
    assert period_of(date(2021, 5, 31)) == Period(2021, PeriodKind.CYCLE, 1)
    assert Period(2021, PeriodKind.QUARTER, 1).bounds(12) == (date(2020, 12, 1), date(2021, 2, 28))
    assert Period(2024, PeriodKind.MONTH, 2).bounds(1) == (date(2024, 2, 1), date(2024, 2, 29))


def test_a_period_index_outside_the_cycle_is_refused():
    with pytest.raises(ValueError, match="季度序号应在 1 至 4 之间"):
        Period(2021, PeriodKind.QUARTER, 5)


def test_the_period_label_is_chinese():
    assert Period(2021, PeriodKind.QUARTER, 3).label() == "2021年度第3季度"
    assert Period(2021, PeriodKind.CYCLE).label() == "2021年度"


def quarter(index: int, events, **kwargs):
    members = [MemberInfo("张伟", MemberType.FULL), MemberInfo("王芳", MemberType.FULL)]
    return score_period(RULES, members, events, period=Period(2021, PeriodKind.QUARTER, index), **kwargs)


def test_a_quarter_scores_what_it_adds_within_the_cycles_cap():
    # study 2 a time, capped at 10 a cycle: 4 in Q1 (8), 3 in Q2 (6 → only 2 left under the cap)
    events = [Event("张伟", date(2021, m, d), "study") for m in (1, 2) for d in (1, 2)]
    events += [Event("张伟", date(2021, 5, d), "study") for d in (1, 2, 3)]
    assert quarter(1, events)["张伟"].points == 8
    q2 = quarter(2, events)["张伟"]
    assert q2.points == 2
    assert q2.to_date.item_subtotals["study"] == 10
    assert quarter(3, events)["张伟"].points == 0


def test_quarterly_ranking_ranks_the_quarters_points():
    events = [Event("张伟", date(2021, 1, 1), "study"), Event("王芳", date(2021, 4, 1), "study")]
    events += [Event("王芳", date(2021, 4, 2), "study")]
    assert quarter(1, events).ranks() == {"张伟": 1, "王芳": 2}
    assert quarter(2, events).ranks() == {"王芳": 1, "张伟": 2}
    assert quarter(2, events)["张伟"].to_date.rank == 2  # cycle to date: 张伟 2 + 5, 王芳 4 + 5


def test_the_occurrences_dropped_are_reported_in_their_period():
    events = [Event("张伟", date(2021, 4, d), "meeting") for d in (1, 2)]
    assert quarter(1, events).dropped == ()
    [dropped] = quarter(2, events).dropped
    assert dropped.event.date == date(2021, 4, 2)


def test_a_veto_zeroes_the_period_in_which_it_falls_and_after():
    events = [Event("张伟", date(2021, 1, 1), "study"), Event("张伟", date(2021, 5, 1), "sanction")]
    assert quarter(1, events)["张伟"].total == 2
    assert (quarter(2, events)["张伟"].veto, quarter(2, events)["张伟"].total) == (True, 0)
    assert quarter(4, events)["张伟"].to_date.total == 0


def test_the_evaluation_enters_only_the_period_that_ends_the_cycle():
    levels = {"张伟": "优秀"}
    assert quarter(3, [], evaluations=levels)["张伟"].to_date.total == 5
    q4 = quarter(4, [], evaluations=levels)["张伟"]
    assert (q4.points, q4.to_date.total) == (0, 25)
    whole = score_period(
        RULES,
        [MemberInfo("张伟", MemberType.FULL)],
        [],
        period=Period(2021, PeriodKind.CYCLE),
        evaluations=levels,
    )
    assert whole["张伟"].to_date.total == D(25)
