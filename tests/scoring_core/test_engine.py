"""The engine applies the rule-set contract in its order: limits → item caps → category caps → sum + base +
carry-over → evaluation → floor → veto → grade → rank."""

from datetime import date
from decimal import Decimal
from textwrap import dedent

import pytest

from scoring.core.engine import Event, MemberInfo, score_cycle, validate_event
from scoring.core.members import MemberType
from scoring.core.ruleset_file import parse_ruleset

D = Decimal
FULL, PROBATIONARY, CANDIDATE, ACTIVIST = (
    MemberType.FULL,
    MemberType.PROBATIONARY,
    MemberType.CANDIDATE,
    MemberType.ACTIVIST,
)

RULES = parse_ruleset(
    dedent(
        """\
        code: test
        name: 测试细则
        base_points: 10
        categories:
          - {code: basic, name: 基础, cap: 20}
          - {code: special, name: 特色, cap: 8}
          - {code: deduction, name: 扣分, cap: 6}
        items:
          - {code: meeting, name: 支部党员大会, category: basic, points: 1, cap: 12,
             limit: {per: month, times: 1}}
          - {code: report, name: 季度汇报, category: basic, points: 2, limit: {per: quarter, times: 1}}
          - {code: review, name: 民主评议, category: basic, points: 6, limit: {per: year, times: 1}}
          - {code: study, name: 学习教育, category: basic, points: 2, cap: 10}
          - {code: activity, name: 特色活动, category: special, points: 2, cap: 10}
          - {code: proposal, name: 酌情加分, category: special, points: [2, 5]}
          - {code: leave, name: 请假, category: deduction, points: -0.5}
          - {code: circular, name: 通报批评, category: deduction, points: -5}
          - {code: sanction, name: 党纪处分, category: deduction, veto: true}
          - {code: help, name: 帮扶, points: 1}
        evaluation:
          mode: added
          levels: {优秀: 20, 合格: 15, 基本合格: 10, 不合格: 0}
        grades:
          - {name: 优秀, min: 40}
          - {name: 合格, min: 20}
          - {name: 不合格, min: null}
        """
    )
)


def on(month: int, day: int = 10) -> date:
    return date(2021, month, day)


def score(events, *, members=None, **kwargs):
    members = members or [MemberInfo("张伟", FULL)]
    return score_cycle(RULES, members, events, cycle=2021, **kwargs)


def events_of(item: str, days, member: str = "张伟", points=None) -> list[Event]:
    return [Event(member, day, item, points) for day in days]


def test_a_second_meeting_in_a_month_is_not_counted_and_is_reported():
    events = events_of("meeting", [on(3, 1), on(3, 20), on(4, 1)])
    result = score(events)
    assert result["张伟"].item_subtotals["meeting"] == D(2)  # March once + April once
    [dropped] = result.dropped
    assert dropped.event == events[1]
    assert dropped.reason == "超过频次限制(每月1次),不计分"


def test_the_earliest_occurrences_count_whatever_the_input_order():
    events = events_of("report", [on(3, 30), on(1, 5), on(2, 5)])
    result = score(events)
    assert result["张伟"].item_subtotals["report"] == D(2)
    assert [d.event.date for d in result.dropped] == [on(2, 5), on(3, 30)]


def test_a_once_a_year_item_counts_once_per_cycle():
    assert score(events_of("review", [on(1), on(12)]))["张伟"].item_subtotals["review"] == D(6)


def test_an_item_cap_bounds_the_item_total():
    # 7 study sessions × 2 = 14, capped at 10.
    assert score(events_of("study", [on(m) for m in range(1, 8)]))["张伟"].item_subtotals["study"] == D(10)


def test_a_positive_category_is_bounded_above_by_its_cap():
    # special: activity 5 × 2 = 10 (cap 10) + proposal 4 = 14, capped at 8.
    events = events_of("activity", [on(m) for m in range(1, 6)]) + events_of("proposal", [on(6)], points=D(4))
    result = score(events)["张伟"]
    assert result.item_subtotals == {"activity": D(10), "proposal": D(4)}
    assert result.category_subtotals["special"] == D(8)


def test_a_negative_category_is_bounded_below_by_minus_its_cap():
    # deduction: 2 circulars × −5 = −10, bounded at −6.
    result = score(events_of("circular", [on(1), on(2)]))["张伟"]
    assert result.item_subtotals["circular"] == D(-10)
    assert result.category_subtotals["deduction"] == D(-6)


def test_half_points_add_up_exactly():
    result = score(events_of("leave", [on(1), on(2), on(3)]))["张伟"]
    assert result.category_subtotals["deduction"] == D("-1.5")


def test_the_total_is_the_capped_categories_plus_uncategorized_items_plus_base():
    events = events_of("meeting", [on(1), on(2)]) + events_of("help", [on(3)]) + events_of("leave", [on(4)])
    result = score(events)["张伟"]
    # basic 2 + special 0 + deduction −0.5 + help 1 (no category) = 2.5; + base 10 = 12.5
    assert result.items_total == D("2.5")
    assert (result.base, result.points, result.total) == (D(10), D("12.5"), D("12.5"))


def test_a_range_item_counts_the_points_set_at_review():
    assert score(events_of("proposal", [on(1)], points=D(3)))["张伟"].item_subtotals["proposal"] == D(3)


def test_the_evaluation_level_is_added_and_a_member_without_one_gets_nothing_for_it():
    members = [MemberInfo("张伟", FULL), MemberInfo("王芳", FULL)]
    result = score([], members=members, evaluations={"张伟": "合格"})
    assert (result["张伟"].evaluation, result["张伟"].total) == (D(15), D(25))  # base 10 + 15
    assert (result["王芳"].evaluation_level, result["王芳"].evaluation, result["王芳"].total) == (
        None,
        D(0),
        D(10),
    )


def test_an_unknown_evaluation_level_is_refused():
    with pytest.raises(ValueError, match="未知的评议等次:很好"):
        score([], evaluations={"张伟": "很好"})


def test_the_floor_stops_deductions_below_zero():
    rules = parse_ruleset("code: t\nname: 测\nitems: [{code: x, name: 扣, points: -3}]\n")
    result = score_cycle(rules, [MemberInfo("张伟", FULL)], events_of("x", [on(1)]), cycle=2021)
    assert (result["张伟"].points, result["张伟"].total) == (D(-3), D(0))
    no_floor = parse_ruleset("code: t\nname: 测\nfloor: null\nitems: [{code: x, name: 扣, points: -3}]\n")
    result = score_cycle(no_floor, [MemberInfo("张伟", FULL)], events_of("x", [on(1)]), cycle=2021)
    assert result["张伟"].total == D(-3)


def test_a_veto_zeroes_the_cycle_whatever_else_was_earned():
    events = events_of("meeting", [on(m) for m in range(1, 13)]) + events_of("sanction", [on(6)])
    result = score(events, evaluations={"张伟": "优秀"})["张伟"]
    assert result.veto and result.total == D(0)
    assert result.category_subtotals["basic"] == D(12)  # still shown, but not counted
    assert result.grade == "不合格"


def test_the_grade_is_the_first_whose_minimum_is_reached():
    # base 10 + study 5 × 2 = 10 → 20 合格; + 优秀 20 → 40 优秀
    events = events_of("study", [on(m) for m in range(1, 6)])
    assert score(events)["张伟"].grade == "合格"
    assert score(events, evaluations={"张伟": "优秀"})["张伟"].grade == "优秀"
    assert score([])["张伟"].grade == "不合格"


def test_carry_over_adds_a_share_of_last_cycles_total():
    rules = parse_ruleset("code: t\nname: 测\ncarry_over: 0.4\nitems: [{code: x, name: 加, points: 1}]\n")
    members = [MemberInfo("张伟", FULL), MemberInfo("王芳", FULL)]
    result = score_cycle(rules, members, [], cycle=2021, last_totals={"张伟": D("87.5")})
    assert result["张伟"].carry_over == D("35.00") and result["张伟"].total == D(35)
    assert result["王芳"].carry_over == D(0)  # no last cycle: nothing carried


def test_weighted_evaluation_mixes_points_and_level_value():
    rules = parse_ruleset(
        "code: t\nname: 测\nitems: [{code: x, name: 加, points: 10, cap: 100}]\n"
        "evaluation: {mode: weighted, weight: 0.3, levels: {优秀: 100, 合格: 80}}\n"
    )
    events = events_of("x", [on(m) for m in range(1, 10)])  # 9 × 10 = 90
    result = score_cycle(rules, [MemberInfo("张伟", FULL)], events, cycle=2021, evaluations={"张伟": "合格"})
    assert result["张伟"].total == D(90) * D("0.7") + D(80) * D("0.3") == D(87)


def test_ties_share_a_rank_and_the_next_rank_is_skipped():
    members = [MemberInfo(name, FULL) for name in ("甲", "乙", "丙", "丁")]
    events = (
        events_of("study", [on(1), on(2), on(3)], "甲")
        + events_of("study", [on(1)], "乙")
        + events_of("study", [on(1)], "丙")
    )
    result = score(events, members=members)
    assert result.ranks() == {"甲": 1, "乙": 2, "丙": 2, "丁": 4}
    assert [s.member for s in result.scores] == [
        "甲",
        "丙",
        "乙",
        "丁",
    ]  # ties by name: 丙 U+4E19 < 乙 U+4E59


def test_only_full_and_probationary_members_are_ranked_observed_people_are_ranked_apart():
    members = [
        MemberInfo("正式", FULL),
        MemberInfo("预备", PROBATIONARY),
        MemberInfo("发展", CANDIDATE),
        MemberInfo("积极", ACTIVIST),
    ]
    events = events_of("study", [on(1), on(2)], "积极") + events_of("study", [on(1)], "预备")
    result = score(events, members=members)
    assert result.ranks() == {"预备": 1, "正式": 2}
    assert (result["积极"].rank, result["积极"].reference_rank) == (None, 1)
    assert (result["发展"].rank, result["发展"].reference_rank) == (None, 2)
    assert result["积极"].total == D(14)  # scored all the same
    assert [s.member for s in result.scores] == ["预备", "正式", "积极", "发展"]


def test_exempt_members_are_not_scored_at_all():
    members = [MemberInfo("张伟", FULL), MemberInfo("年老", FULL, scored=False)]
    result = score(events_of("study", [on(1)], "年老"), members=members)
    assert [s.member for s in result.scores] == ["张伟"]
    assert result.exempt == ("年老",)
    assert result.ranks() == {"张伟": 1}


def test_events_outside_the_cycle_are_not_scored():
    result = score(events_of("study", [date(2020, 12, 31), date(2022, 1, 1)]))
    assert result["张伟"].item_subtotals == {}


def test_an_unknown_item_cannot_be_scored():
    with pytest.raises(ValueError, match="未知的积分项目:nope"):
        score(events_of("nope", [on(1)]))


@pytest.mark.parametrize(
    ("event", "messages"),
    [
        (Event("张伟", on(1), "study"), []),
        (Event("张伟", on(1), "proposal", D(5)), []),
        (
            Event("张伟", date(2020, 12, 31), "study"),
            ["日期 2020-12-31 不在 2021 积分周期(2021-01-01 至 2021-12-31)内"],
        ),
        (Event("张伟", on(1), "nope"), ["未知的积分项目:nope"]),
        (Event("张伟", on(1), "proposal"), ["项目“酌情加分”的分值在审核时确定,须填写 2 至 5 之间的分值"]),
        (Event("张伟", on(1), "proposal", D(6)), ["分值 6 超出项目“酌情加分”的分值区间 2 至 5"]),
        (Event("张伟", on(1), "study", D(2)), ["项目“学习教育”为固定分值 2 分,不应填写分值"]),
        (Event("张伟", on(1), "sanction", D(-5)), ["项目“党纪处分”为一票否决项目,不应填写分值"]),
        (
            Event("张伟", date(2022, 1, 1), "proposal", D("1.5")),
            [
                "日期 2022-01-01 不在 2021 积分周期(2021-01-01 至 2021-12-31)内",
                "分值 1.5 超出项目“酌情加分”的分值区间 2 至 5",
            ],
        ),
    ],
)
def test_validate_event_gives_the_claim_forms_the_same_rules(event, messages):
    assert validate_event(RULES, event, cycle=2021) == messages
