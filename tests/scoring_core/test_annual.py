"""The year's result (年度总评) per seed scheme: the combined total, the grade it gives, the grade suggested
after the consequences of the year's rankings, the 预备党员's outcome, and who may be put forward for
honours — every figure worked by hand in the docstring."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from scoring.core.annual import (
    DEFAULT_GRADES,
    annual_result,
    grade_allowed,
    grade_choices,
    honours_eligible,
    lowest_grade,
    top_grade,
)
from scoring.core.consequences import Flag, FlagKind
from scoring.core.engine import Event, MemberInfo
from scoring.core.members import MemberType
from scoring.core.presets import load_preset
from scoring.core.ruleset import RankRules
from scoring.core.ruleset_file import parse_ruleset

D = Decimal
FULL, PROBATIONARY, ACTIVIST = MemberType.FULL, MemberType.PROBATIONARY, MemberType.ACTIVIST


def times(member: str, item: str, days, points=None) -> list[Event]:
    return [Event(member, day, item, points) for day in days]


def monthly(months, day: int = 10) -> list[date]:
    return [date(2021, month, day) for month in months]


# ---------------------------------------------------------------- 二七区 (001)


def erqi_basic_100(member: str) -> list[Event]:
    """基础 100: 4 monthly items × 12 + 组织生活会 2 × 3 + 民主评议 6 + 学习教育 20 × 2."""
    return (
        times(member, "branch-meeting", monthly(range(1, 13)))
        + times(member, "party-lecture", monthly(range(1, 13)))
        + times(member, "activity-day", monthly(range(1, 13)))
        + times(member, "dues", monthly(range(1, 13)))
        + times(member, "organization-life-meeting", [date(2021, 6, 30), date(2021, 12, 20)])
        + times(member, "democratic-review", [date(2021, 12, 25)])
        + times(member, "study", [date(2021, month, day) for month in range(1, 11) for day in (5, 20)])
    )


def erqi_112(member: str) -> list[Event]:
    """基础 100 + 特色 12: 创新型活动 6 × 2 = 12, capped at 10; 服务 1 × 2 = 2."""
    return (
        erqi_basic_100(member)
        + times(member, "innovative-activity", monthly(range(1, 7), 18))
        + times(member, "community-service", [date(2021, 7, 18)])
    )


def erqi_140(member: str) -> list[Event]:
    """基础 100 + 特色 40: four items, 5 × 2 = 10 each."""
    special = ("innovative-activity", "community-service", "competition", "adopted-proposal")
    return erqi_basic_100(member) + [
        Event(member, day, item, D(2) if item == "competition" else None)
        for item in special
        for day in monthly(range(1, 6), 22)
    ]


def test_erqi_points_112_of_140_and_合格_give_80_合格():
    """二七区 70/30: 112 × 100 / 140 = 80 on the evaluation's scale; 80 × 0.7 + 合格 80 × 0.3 = 56 + 24 = 80
    → 合格 (70–89)."""
    rs = load_preset("erqi-2021")
    result = annual_result(
        rs, [MemberInfo("张伟", FULL)], erqi_112("张伟"), cycle=2021, evaluations={"张伟": "合格"}
    )
    standing = result["张伟"]
    assert (standing.points, standing.evaluation_level, standing.evaluation) == (D(112), "合格", D(80))
    assert standing.total == D(80)
    assert (standing.graded, standing.computed_grade, standing.suggested_grade) == (True, "合格", "合格")
    assert standing.suggestion_reasons == () and standing.flags == ()


def test_erqi_full_points_and_优秀_give_100_and_honours():
    """140 × 100 / 140 × 0.7 + 优秀 100 × 0.3 = 70 + 30 = 100 → 优秀, eligible for 评先评优."""
    rs = load_preset("erqi-2021")
    standing = annual_result(
        rs, [MemberInfo("王芳", FULL)], erqi_140("王芳"), cycle=2021, evaluations={"王芳": "优秀"}
    )["王芳"]
    assert (standing.points, standing.total, standing.suggested_grade) == (D(140), D(100), "优秀")
    assert standing.honours_eligible


def test_erqi_consequences_of_the_years_rankings():
    """001 五、3 and 五、5, from the branch's four quarterly rankings and one organization-wide ranking:

    - 丙 (正式, 112 + 合格 → 80 → 合格) last in all four quarters → 连续4次支部内季度排名最后 →
      suggested 不合格;
    - 乙 (正式, 140 + 优秀 → 100 → 优秀) last, tied with 丙, in Q1 and Q2 → 不得评定为优秀: suggested 合格
      (the next grade down), and not eligible for honours;
    - 甲 (正式, 140 + 优秀 → 100 → 优秀) never last → 优秀, eligible;
    - 预 (预备, 112 + 合格 → 80) last once in the organization-wide ranking → 延期转正 (erqi has no probation
      thresholds).
    """
    rs = load_preset("erqi-2021")
    members = [
        MemberInfo("甲", FULL),
        MemberInfo("乙", FULL),
        MemberInfo("丙", FULL),
        MemberInfo("预", PROBATIONARY),
    ]
    events = erqi_140("甲") + erqi_140("乙") + erqi_112("丙") + erqi_112("预")
    levels = {"甲": "优秀", "乙": "优秀", "丙": "合格", "预": "合格"}
    quarters = [
        {"甲": 1, "预": 1, "乙": 3, "丙": 3},
        {"甲": 1, "预": 1, "乙": 3, "丙": 3},
        {"甲": 1, "预": 1, "乙": 1, "丙": 4},
        {"甲": 1, "预": 2, "乙": 2, "丙": 4},
    ]
    organization = [{"甲": 1, "乙": 1, "丙": 3, "其他支部": 3, "预": 5}]
    result = annual_result(
        rs,
        members,
        events,
        cycle=2021,
        evaluations=levels,
        branch_quarterly_ranks=quarters,
        organization_ranks=organization,
    )
    bing, yi, jia, yu = result["丙"], result["乙"], result["甲"], result["预"]

    assert (bing.total, bing.computed_grade, bing.suggested_grade) == (D(80), "合格", "不合格")
    assert [flag.kind for flag in bing.flags] == [FlagKind.UNQUALIFIED_CANDIDATE, FlagKind.NOT_EXCELLENT]
    assert bing.suggestion_reasons == ("连续4次支部内季度排名最后，定位“不合格”等次",)

    assert (yi.total, yi.computed_grade, yi.suggested_grade) == (D(100), "优秀", "合格")
    assert yi.flags == (Flag("乙", FlagKind.NOT_EXCELLENT, "支部内季度排名2次最后一名"),)
    assert yi.suggestion_reasons == ("支部内季度排名2次最后一名，不得评定为“优秀”，建议“合格”",)
    assert not yi.honours_eligible
    assert not honours_eligible(rs, grade="优秀", veto=False, flags=yi.flags)  # whatever the committee sets

    assert (jia.suggested_grade, jia.honours_eligible, jia.flags) == ("优秀", True, ())

    assert yu.flags == (Flag("预", FlagKind.NOT_ADMITTED_ON_TIME, "全委排名1次最后一名"),)
    assert yu.probation_outcome == "延期转正"
    assert (yu.suggested_grade, jia.probation_outcome) == ("合格", None)

    assert [(s.member, s.rank) for s in result.standings] == [("乙", 1), ("甲", 1), ("丙", 3), ("预", 3)]


def test_erqi_a_veto_forces_the_lowest_grade():
    """党政纪处分 → 积分清零: total 0 → 不合格; the committee may set nothing else."""
    rs = load_preset("erqi-2021")
    events = erqi_140("赵强") + times("赵强", "disciplinary-sanction", [date(2021, 9, 1)])
    standing = annual_result(
        rs, [MemberInfo("赵强", FULL)], events, cycle=2021, evaluations={"赵强": "优秀"}
    )["赵强"]
    assert (standing.veto, standing.total, standing.suggested_grade) == (True, D(0), "不合格")
    assert not standing.honours_eligible
    assert grade_allowed(rs, grade="合格", veto=True) == "一票否决的党员只能评定为“不合格”"
    assert grade_allowed(rs, grade="不合格", veto=True) is None


# ---------------------------------------------------------------- 星级党员 (002)


@pytest.mark.parametrize(
    ("deductions", "level", "total", "grade"),
    [
        # 2 × 党费 −5, 4 × 工作纪律 −2: 80 − 18 = 62; + 合格 15 = 77 → 合格 (70–89)
        ([("dues-late", 2), ("work-discipline", 4)], "合格", D(77), "合格"),
        # 1 × 党费 −5: 75; + 优秀 20 = 95 → 优秀 (≥ 90)
        ([("dues-late", 1)], "优秀", D(95), "优秀"),
        # 留党察看及以上 → 全年无积分: 0 → 不合格
        ([("sanction-probation-or-worse", 1)], "优秀", D(0), "不合格"),
    ],
)
def test_xingji_daily_80_plus_evaluation_20(deductions, level, total, grade):
    """星级党员: 日常行为 80 (扣分从中扣除) + 年度评议 20 (优秀 20, 合格 15, 基本合格 10, 不合格 0)."""
    rs = load_preset("xingji-dangyuan")
    events = [e for item, count in deductions for e in times("李娜", item, monthly(range(1, count + 1)))]
    standing = annual_result(rs, [MemberInfo("李娜", FULL)], events, cycle=2021, evaluations={"李娜": level})[
        "李娜"
    ]
    assert (standing.total, standing.computed_grade, standing.suggested_grade) == (total, grade, grade)
    assert standing.honours_eligible == (grade == "优秀")


# ---------------------------------------------------------------- 质检 (002)


def test_zhijian_a_probationary_member_is_admitted_on_time_with_the_vote_score():
    """质检: 日常 60 + 志愿服务 2 = 62; + 民主评议 (投票) 18.5 = 80.5 ≥ 80 → 按期转正 (and ≥ 60 具有评优资格).
    Without the 评议: 62 → 60–80 → 延期转正."""
    rs = load_preset("zhijian")
    members = [MemberInfo("杨帆", PROBATIONARY), MemberInfo("周敏", PROBATIONARY)]
    events = times("杨帆", "volunteer-service", [date(2021, 5, 20)]) + times(
        "周敏", "volunteer-service", [date(2021, 5, 20)]
    )
    result = annual_result(rs, members, events, cycle=2021, evaluations={"杨帆": D("18.5")})
    yang, zhou = result["杨帆"], result["周敏"]
    assert (yang.points, yang.evaluation_score, yang.evaluation_level, yang.total) == (
        D(62),
        D("18.5"),
        None,
        D("80.5"),
    )
    assert (yang.probation_outcome, yang.computed_grade) == ("按期转正", "具有评优资格")
    assert (zhou.total, zhou.evaluation_score, zhou.probation_outcome) == (D(62), None, "延期转正")


def test_zhijian_a_vote_score_above_20_is_refused():
    rs = load_preset("zhijian")
    with pytest.raises(ValueError, match="评议得分 21 超出 0 至 20 分的范围"):
        annual_result(rs, [MemberInfo("杨帆", PROBATIONARY)], [], cycle=2021, evaluations={"杨帆": D(21)})


def test_a_late_admission_flag_defers_unless_the_thresholds_are_already_worse():
    """质检 thresholds with 001's rule added: 80.5 → 按期转正, but last once organization-wide → 延期转正;
    58 + 0 → 取消预备党员资格 stays (worse than 延期转正)."""
    rs = replace(load_preset("zhijian"), rank_rules=RankRules(probation_organization_last=1))
    members = [MemberInfo("杨帆", PROBATIONARY), MemberInfo("吴敏", PROBATIONARY), MemberInfo("孙丽", FULL)]
    events = times("杨帆", "volunteer-service", [date(2021, 5, 20)]) + times(
        "吴敏", "theme-day-absent", [date(2021, 5, 20)]
    )
    last_both = [{"孙丽": 1, "杨帆": 2, "吴敏": 2}]
    result = annual_result(
        rs, members, events, cycle=2021, evaluations={"杨帆": D("18.5")}, organization_ranks=last_both
    )
    assert (result["杨帆"].total, result["杨帆"].probation_outcome) == (D("80.5"), "延期转正")
    assert (result["吴敏"].total, result["吴敏"].probation_outcome) == (D(58), "取消预备党员资格")


# ---------------------------------------------------------------- 医院 (002)


def test_yiyuan_carry_over_is_40_percent_of_last_years_total():
    """医院: 基础分 = 上年考核分 × 40 %. 张伟: last year 90 → 36 carried; tasks 12.5 + 12.5 + 10 + 12.5 =
    47.5, reward 5, standard shortfall −1.5 → 36 + 51 = 87. 王芳: a perfect year (tasks 50, reward 10)
    without a last year's total is at most 60; with last year's 100 → 40 + 60 = 100."""
    rs = load_preset("yiyuan")
    events = (
        times("张伟", "task-completion", [date(2021, 3, 31), date(2021, 6, 30)], D("12.5"))
        + times("张伟", "task-completion", [date(2021, 9, 30)], D(10))
        + times("张伟", "task-completion", [date(2021, 12, 31)], D("12.5"))
        + times("张伟", "commendation", [date(2021, 7, 1)], D(5))
        + times("张伟", "standard-shortfall", [date(2021, 4, 1)], D("-1.5"))
        + times("王芳", "task-completion", [date(2021, m, 28) for m in (3, 6, 9, 12)], D("12.5"))
        + times("王芳", "commendation", [date(2021, 7, 1)], D(10))
    )
    members = [MemberInfo("张伟", FULL), MemberInfo("王芳", FULL)]
    carried = annual_result(rs, members, events, cycle=2021, last_totals={"张伟": D(90), "王芳": D(100)})
    assert (carried["张伟"].carry_over, carried["张伟"].items_total, carried["张伟"].total) == (
        D(36),
        D(51),
        D(87),
    )
    assert (carried["王芳"].carry_over, carried["王芳"].total) == (D(40), D(100))
    first_year = annual_result(rs, members, events, cycle=2021)
    assert (first_year["王芳"].carry_over, first_year["王芳"].total) == (D(0), D(60))


# ---------------------------------------------------------------- 公司 (002)


def test_gongsi_probationary_members_are_neither_graded_nor_ranked():
    """公司: 预备党员、发展对象、入党积极分子的积分作为其教育考察依据，不参与党员积分年度考核评定 — scored,
    ranked for reference only, no grade; a vetoed 正式党员 is suggested the lowest of the national four levels
    (the rule set has no grades)."""
    rs = load_preset("gongsi")
    members = [
        MemberInfo("甲", FULL),
        MemberInfo("乙", FULL),
        MemberInfo("预", PROBATIONARY),
        MemberInfo("积", ACTIVIST),
    ]
    events = (
        times("甲", "work-initiative", [date(2021, 3, 1)], D(4))
        + times("乙", "veto-violation", [date(2021, 9, 1)])
        + times("预", "study-initiative", [date(2021, 4, 1)], D(5))
    )
    result = annual_result(rs, members, events, cycle=2021)
    yu = result["预"]
    assert (yu.graded, yu.rank, yu.reference_rank, yu.total) == (False, None, 1, D(105))
    assert (yu.computed_grade, yu.suggested_grade, yu.honours_eligible) == (None, None, False)
    assert yu.probation_outcome == "按期转正"
    jia, yi = result["甲"], result["乙"]
    assert (jia.graded, jia.rank, jia.computed_grade, jia.suggested_grade) == (True, 1, None, None)
    assert (yi.rank, yi.suggested_grade, yi.suggestion_reasons) == (
        2,
        "不合格",
        ("一票否决，等次只能为“不合格”",),
    )
    assert [s.member for s in result.standings] == ["甲", "乙", "预", "积"]


# ---------------------------------------------------------------- grades the committee may set


def test_grade_choices_come_from_the_grades_else_the_levels_else_the_national_four():
    assert grade_choices(load_preset("zhijian")) == ("具有评优资格", "合格", "谈话教育")
    assert grade_choices(load_preset("gongsi")) == DEFAULT_GRADES == ("优秀", "合格", "基本合格", "不合格")
    levels_only = parse_ruleset(
        "code: t\nname: 测\nitems: [{code: x, name: 加, points: 1}]\n"
        "evaluation: {mode: added, levels: {合格: 15, 不合格: 0, 优秀: 20}}\n"
    )
    assert grade_choices(levels_only) == ("优秀", "合格", "不合格")  # highest value first
    assert (top_grade(levels_only), lowest_grade(levels_only)) == ("优秀", "不合格")


def test_grade_allowed_names_the_choices_of_the_rule_set():
    rs = load_preset("xingji-dangyuan")
    assert grade_allowed(rs, grade="基本合格", veto=False) is None
    assert (
        grade_allowed(rs, grade="良好", veto=False)
        == "“良好”不是本规则集的等次，应为 优秀、合格、基本合格、不合格 之一"
    )


def test_honours_need_the_top_grade_no_veto_and_no_barring_flag():
    rs = load_preset("erqi-2021")
    unqualified = Flag("丙", FlagKind.UNQUALIFIED_CANDIDATE, "连续4次支部内季度排名最后")
    late = Flag("预", FlagKind.NOT_ADMITTED_ON_TIME, "全委排名1次最后一名")
    assert honours_eligible(rs, grade="优秀", veto=False, flags=[])
    assert honours_eligible(rs, grade="优秀", veto=False, flags=[late])
    assert not honours_eligible(rs, grade="合格", veto=False, flags=[])
    assert not honours_eligible(rs, grade="优秀", veto=True, flags=[])
    assert not honours_eligible(rs, grade="优秀", veto=False, flags=[unqualified])
    assert not honours_eligible(rs, grade=None, veto=False, flags=[])


def test_exempt_members_are_listed_apart():
    rs = load_preset("nongcun")
    result = annual_result(
        rs, [MemberInfo("老王", FULL, scored=False), MemberInfo("小李", FULL)], [], cycle=2021
    )
    assert result.exempt == ("老王",)
    assert [s.member for s in result.standings] == ["小李"]
    assert (result["小李"].total, result["小李"].suggested_grade) == (D(100), "达到基础分")


def test_basic_qualified_unqualified_vetoed_and_unqualified_candidates_call_for_a_follow_up():
    """民主评议党员: 基本合格 → 限期改正, 不合格 → 组织处置; a veto or 连续4次最后 too — but 不得评为优秀
    (last twice) alone keeps a member who is otherwise 合格 out of the follow-up list."""
    from scoring.core.annual import follow_up_due

    xingji = load_preset("xingji-dangyuan")
    assert follow_up_due(xingji, grade="基本合格", veto=False, flags=())
    assert follow_up_due(xingji, grade="不合格", veto=False, flags=())
    assert follow_up_due(xingji, grade="不合格", veto=True, flags=())
    not_excellent = Flag("1", FlagKind.NOT_EXCELLENT, "支部内季度排名2次最后一名")
    assert not follow_up_due(xingji, grade="合格", veto=False, flags=(not_excellent,))
    candidate = Flag("1", FlagKind.UNQUALIFIED_CANDIDATE, "连续4次支部内季度排名最后")
    assert follow_up_due(xingji, grade="合格", veto=False, flags=(candidate,))
    assert not follow_up_due(xingji, grade=None, veto=False, flags=())
    zhijian = load_preset("zhijian")  # 具有评优资格 / 合格 / 谈话教育: its lowest is the talk
    assert follow_up_due(zhijian, grade="谈话教育", veto=False, flags=())
    assert not follow_up_due(zhijian, grade="合格", veto=False, flags=())
