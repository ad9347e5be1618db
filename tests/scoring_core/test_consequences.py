"""Consequences of ranks and totals (computed, never applied): 不合格 candidates, late admission and no 优秀
(001), 预备党员 thresholds (质检, 002), new members' months at the branch average (002)."""

from datetime import date
from decimal import Decimal

from scoring.core.consequences import (
    Backfill,
    Flag,
    FlagKind,
    new_member_backfill,
    not_admitted_on_time,
    not_excellent,
    probation_outcomes,
    rank_flags,
    unqualified_candidates,
)
from scoring.core.engine import Event, MemberInfo, score_cycle, score_period
from scoring.core.members import MemberType
from scoring.core.periods import Period, PeriodKind
from scoring.core.presets import load_preset
from scoring.core.ranking import competition_ranks, last_placed
from scoring.core.ruleset_file import parse_ruleset

D = Decimal
FULL, PROBATIONARY = MemberType.FULL, MemberType.PROBATIONARY


def ranking(*order: str) -> dict[str, int]:
    """A ranking with no ties, best first."""
    return {member: rank for rank, member in enumerate(order, start=1)}


def test_competition_ranking_shares_ranks_and_skips():
    assert competition_ranks({"a": D(9), "b": D(7), "c": D(7), "d": D("6.5")}) == {
        "a": 1,
        "b": 2,
        "c": 2,
        "d": 4,
    }


def test_everyone_tied_at_the_bottom_shares_the_last_place_but_a_full_tie_has_no_last():
    assert last_placed({"a": 1, "b": 2, "c": 2}) == {"b", "c"}
    assert last_placed({"a": 1, "b": 1}) == set()
    assert last_placed({"a": 1}) == set()


def test_four_consecutive_quarterly_last_places_make_a_不合格_candidate():
    quarters = [ranking("甲", "乙", "丙")] * 4
    assert unqualified_candidates(quarters, consecutive=4) == [
        Flag("丙", FlagKind.UNQUALIFIED_CANDIDATE, "连续4次支部内季度排名最后")
    ]


def test_a_broken_run_of_last_places_is_not_enough():
    quarters = [ranking("甲", "丙")] * 3 + [ranking("丙", "甲")] + [ranking("甲", "丙")] * 3
    assert unqualified_candidates(quarters, consecutive=4) == []


def test_consecutive_last_places_may_run_across_cycles():
    quarters = [ranking("丙", "甲")] * 2 + [ranking("甲", "丙")] * 4  # Q3–Q4 last year, Q1–Q2 this year
    assert [flag.member for flag in unqualified_candidates(quarters, consecutive=4)] == ["丙"]


def test_a_probationary_member_last_twice_in_the_branch_is_not_admitted_on_time():
    quarters = [ranking("甲", "预"), ranking("预", "甲"), ranking("甲", "预")]
    assert not_admitted_on_time(quarters, [], {"预"}, branch_last=2, organization_last=1) == [
        Flag("预", FlagKind.NOT_ADMITTED_ON_TIME, "支部内季度排名2次最后一名")
    ]
    assert not_admitted_on_time(quarters[:2], [], {"预"}, branch_last=2, organization_last=1) == []


def test_a_probationary_member_last_once_organization_wide_is_not_admitted_on_time():
    halves = [ranking("甲", "乙", "预")]
    assert not_admitted_on_time([], halves, {"预"}, branch_last=2, organization_last=1) == [
        Flag("预", FlagKind.NOT_ADMITTED_ON_TIME, "全委排名1次最后一名")
    ]


def test_full_members_are_not_flagged_for_admission():
    quarters = [ranking("甲", "乙")] * 2
    assert not_admitted_on_time(quarters, [], {"甲"}, branch_last=2, organization_last=1) == []


def test_the_rules_come_from_the_rule_set():
    erqi = load_preset("erqi-2021")
    quarters = [ranking("甲", "预")] * 4
    assert rank_flags(erqi, branch_quarterly_ranks=quarters, probationary={"预"}) == [
        Flag("预", FlagKind.UNQUALIFIED_CANDIDATE, "连续4次支部内季度排名最后"),
        Flag("预", FlagKind.NOT_ADMITTED_ON_TIME, "支部内季度排名4次最后一名"),
    ]
    assert rank_flags(load_preset("nongcun"), branch_quarterly_ranks=quarters, probationary={"预"}) == []


def test_quarterly_rankings_from_the_engine_feed_the_flags():
    erqi = load_preset("erqi-2021")
    members = [MemberInfo("甲", FULL), MemberInfo("预", PROBATIONARY)]
    events = [Event("甲", date(2021, month, 1), "study") for month in (1, 4, 7, 10)]
    quarters = [
        score_period(erqi, members, events, period=Period(2021, PeriodKind.QUARTER, q)).ranks()
        for q in range(1, 5)
    ]
    assert quarters == [{"甲": 1, "预": 2}] * 4
    flags = rank_flags(erqi, branch_quarterly_ranks=quarters, probationary={"预"})
    assert {flag.kind for flag in flags} == {FlagKind.UNQUALIFIED_CANDIDATE, FlagKind.NOT_ADMITTED_ON_TIME}


def test_zhijian_probationary_thresholds_are_data_of_the_rule_set():
    """≥ 80 按期转正, 60–80 延期转正, < 60 取消预备党员资格 (total including the evaluation)."""
    rs = load_preset("zhijian")
    members = [MemberInfo(name, PROBATIONARY) for name in ("甲", "乙", "丙", "丁")] + [MemberInfo("正", FULL)]
    # base 60; each absence −2 from the basic 60
    absences = {"甲": 0, "乙": 1, "丙": 10, "丁": 11}
    events = [
        Event(m, date(2021, 1 + n, 1), "theme-day-absent") for m, k in absences.items() for n in range(k)
    ]
    votes = {"甲": D(20), "乙": D(20), "丙": D(20), "丁": D(20), "正": D(20)}  # 民主评议: full marks
    result = score_cycle(rs, members, events, cycle=2021, evaluations=votes)
    assert {s.member: s.total for s in result.scores} == {"甲": 80, "乙": 78, "丙": 60, "丁": 58, "正": 80}
    assert probation_outcomes(rs, result) == {
        "甲": "按期转正",
        "乙": "延期转正",
        "丙": "延期转正",
        "丁": "取消预备党员资格",
    }


def test_a_new_members_months_before_joining_are_the_branch_average_of_those_months():
    rs = parse_ruleset(
        "code: t\nname: 测\nitems: [{code: x, name: 加, points: 1}, {code: h, name: 半, points: 0.5}]\n"
    )
    branch = [MemberInfo("甲", FULL), MemberInfo("乙", FULL), MemberInfo("丙", PROBATIONARY)]
    branch += [MemberInfo("积", MemberType.ACTIVIST), MemberInfo("新", FULL)]
    events = [
        Event("甲", date(2021, 1, 5), "x"),  # January: 甲 1, 乙 0, 丙 0 → 1/3 = 0.33
        Event("甲", date(2021, 2, 5), "x"),  # February: 甲 1, 乙 1, 丙 0.5 → 2.5/3 = 0.83
        Event("乙", date(2021, 2, 5), "x"),
        Event("丙", date(2021, 2, 5), "h"),
        Event("积", date(2021, 2, 5), "x"),  # not a Party member: not in the average
        Event("甲", date(2021, 3, 5), "x"),  # March: joined on the 15th, March is assessed normally
    ]
    backfill = new_member_backfill(rs, branch, events, member="新", joined=date(2021, 3, 15), cycle=2021)
    assert backfill == Backfill("新", ((1, D("0.33")), (2, D("0.83"))))
    assert backfill.total == D("1.16")
    assert (
        new_member_backfill(rs, branch, events, member="新", joined=date(2021, 1, 1), cycle=2021).months == ()
    )


def test_a_full_member_last_twice_in_the_branch_may_not_be_graded_excellent():
    """001 art. 5: 正式党员 … 当年年度考核不得评定为优秀,不得纳入表彰评优对象 (last ≥ 2 times in the
    branch)."""
    quarters = [ranking("预", "正"), ranking("正", "预"), ranking("预", "正")]
    assert not_excellent(quarters, [], {"正"}, branch_last=2, organization_last=1) == [
        Flag("正", FlagKind.NOT_EXCELLENT, "支部内季度排名2次最后一名")
    ]
    assert not_excellent(quarters[:2], [], {"正"}, branch_last=2, organization_last=1) == []


def test_a_full_member_last_once_organization_wide_may_not_be_graded_excellent():
    halves = [ranking("甲", "乙", "正")]
    assert not_excellent([], halves, {"正"}, branch_last=2, organization_last=1) == [
        Flag("正", FlagKind.NOT_EXCELLENT, "全委排名1次最后一名")
    ]


def test_rank_flags_raise_not_excellent_for_full_members_only_when_the_rule_set_says_so():
    """erqi-2021: rank_rules.not_excellent_branch_last 2 / organization_last 1; a 预备党员 with the same
    places is flagged for late admission instead."""
    erqi = load_preset("erqi-2021")
    quarters = [
        ranking("甲", "正", "预"),
        ranking("甲", "预", "正"),
        ranking("甲", "正", "预"),
        ranking("甲", "预", "正"),
    ]
    flags = rank_flags(erqi, branch_quarterly_ranks=quarters, probationary={"预"}, full_members={"甲", "正"})
    assert flags == [
        Flag("预", FlagKind.NOT_ADMITTED_ON_TIME, "支部内季度排名2次最后一名"),
        Flag("正", FlagKind.NOT_EXCELLENT, "支部内季度排名2次最后一名"),
    ]
    # Without full_members (the v1 call) nothing changes for them.
    assert rank_flags(erqi, branch_quarterly_ranks=quarters, probationary={"预"}) == flags[:1]
    assert rank_flags(load_preset("zhijian"), branch_quarterly_ranks=quarters, full_members={"正"}) == []
