"""The shipped presets: each loads, and each reproduces a member-year of its regulation, with the
arithmetic spelled out."""

from datetime import date
from decimal import Decimal

import pytest

from scoring.core.engine import Event, MemberInfo, score_cycle, validate_event
from scoring.core.inherit import read_ruleset_file
from scoring.core.members import MemberType
from scoring.core.presets import PRESETS_DIR, find_preset, load_preset, preset_codes
from scoring.core.ruleset_file import dump_ruleset, parse_ruleset

D = Decimal
FULL, PROBATIONARY = MemberType.FULL, MemberType.PROBATIONARY
PRESETS = [
    "caiqi-erchang",
    "erqi-2021",
    "gongsi",
    "nongcun",
    "tongyong",
    "xingji-dangyuan",
    "yiyuan",
    "zhijian",
]


def times(member: str, item: str, days, points=None) -> list[Event]:
    return [Event(member, day, item, points) for day in days]


def monthly(year: int, months, day: int = 10) -> list[date]:
    return [date(year, month, day) for month in months]


def test_the_schemes_of_the_source_documents_are_shipped():
    """000 generic (tongyong), 001 二七区, 002 公司 / 采气二厂 / 星级 / 质检 / 医院, 004 农村."""
    assert preset_codes() == PRESETS


@pytest.mark.parametrize("code", PRESETS)
def test_every_preset_loads_and_round_trips(code):
    rs = load_preset(code)
    assert rs.code == code
    assert parse_ruleset(dump_ruleset(rs)) == rs


def test_an_unknown_preset_is_named_in_chinese():
    with pytest.raises(KeyError, match="未知的预置规则集:nope"):
        load_preset("nope")


def test_erqi_member_year_basic_100_special_40_deductions_and_70_30_evaluation():
    """二七区纪委监委 (001): 积分 70 % + 民主评议分 30 %, the points first rescaled from 140 to 100."""
    rs = load_preset("erqi-2021")
    events = (
        times("张伟", "branch-meeting", [*monthly(2021, range(1, 13)), date(2021, 3, 25)])  # 13th: limit
        + times("张伟", "party-lecture", monthly(2021, range(1, 12)))
        + times("张伟", "activity-day", monthly(2021, range(1, 13)))
        + times("张伟", "dues", monthly(2021, range(1, 13)))
        + times("张伟", "organization-life-meeting", [date(2021, 6, 30), date(2021, 12, 20)])
        + times("张伟", "democratic-review", [date(2021, 12, 25)])
        + times("张伟", "study", [date(2021, month, day) for month in range(1, 12) for day in (5, 20)])
        + times("张伟", "innovative-activity", monthly(2021, range(3, 10)))
        + times("张伟", "community-service", monthly(2021, [4, 5, 6], 18))
        + times("张伟", "competition", [date(2021, 5, 4)], D(1))
        + times("张伟", "competition", [date(2021, 10, 1)], D(2))
        + times("张伟", "adopted-proposal", [date(2021, 8, 8)])
        + times("张伟", "late-written-material", [date(2021, 2, 1)])
        + times("张伟", "absent-on-leave", [date(2021, 7, 1)])
    )
    result = score_cycle(rs, [MemberInfo("张伟", FULL)], events, cycle=2021, evaluations={"张伟": "合格"})
    score = result["张伟"]
    # 支部党员大会: 13 attended, once a month → 12 × 1 = 12 (the second in March is not counted)
    assert score.item_subtotals["branch-meeting"] == 12
    assert [d.event.date for d in result.dropped] == [date(2021, 3, 25)]
    # 学习教育: 22 × 2 = 44, capped at 40
    assert score.item_subtotals["study"] == 40
    # 基础: 12 + 11 + 12 + 12 + 2 × 3 + 6 + 40 = 99
    assert score.category_subtotals["basic"] == 99
    # 特色: 创新型活动 7 × 2 = 14, capped at 10; 服务 3 × 2 = 6; 比赛 1 + 2 = 3; 建议 2 → 21
    assert score.item_subtotals["innovative-activity"] == 10
    assert score.category_subtotals["special"] == 21
    # 扣分: −1 − 0.5 = −1.5
    assert score.category_subtotals["deduction"] == D("-1.5")
    # 积分 99 + 21 − 1.5 = 118.5, on 100: 118.5 × 100 / 140 = 84.64…;
    # 民主评议 合格 (80): 118.5 × 100 × 0.7 / 140 + 80 × 0.3 = 59.25 + 24 = 83.25 → 合格 (70–89)
    assert score.points == D("118.5")
    assert (score.total, score.grade) == (D("83.25"), "合格")


def test_erqi_a_sanction_clears_the_year():
    rs = load_preset("erqi-2021")
    events = times("王芳", "study", monthly(2021, range(1, 13))) + times(
        "王芳", "disciplinary-sanction", [date(2021, 9, 1)]
    )
    score = score_cycle(rs, [MemberInfo("王芳", FULL)], events, cycle=2021, evaluations={"王芳": "优秀"})[
        "王芳"
    ]
    assert score.veto and score.total == 0


@pytest.mark.parametrize(
    ("deductions", "level", "total", "grade"),
    [
        # nothing deducted: 80 + 优秀 20 = 100 → 优秀
        ([], "优秀", D(100), "优秀"),
        # 2 absences × −1, 1 discipline breach × −2, dues late once × −5: 80 − 9 = 71; + 合格 15 = 86 → 合格
        (
            [("absent-without-consent", 2, None), ("work-discipline", 1, None), ("dues-late", 1, None)],
            "合格",
            D(86),
            "合格",
        ),
        # 留党察看以下处分 −20, other misconduct −3: 80 − 23 = 57; + 基本合格 10 = 67 → 基本合格
        (
            [("sanction-below-probation", 1, None), ("other-misconduct", 1, D(-3))],
            "基本合格",
            D(67),
            "基本合格",
        ),
        # 6 months of dues late × −5 = −30: 80 − 30 = 50; + 不合格 0 = 50 → 不合格
        ([("dues-late", 6, None)], "不合格", D(50), "不合格"),
        # 留党察看 or worse: no points for the year
        ([("sanction-probation-or-worse", 1, None)], "优秀", D(0), "不合格"),
    ],
)
def test_xingji_daily_80_plus_evaluation_20_and_its_grades(deductions, level, total, grade):
    """星级党员 (002): 日常行为 80 (扣分从中扣除) + 年度评议 20; ≥ 90 优秀, 70–89 合格, 60–69 基本合格."""
    rs = load_preset("xingji-dangyuan")
    events = [
        event
        for item, count, points in deductions
        for event in times("李娜", item, monthly(2021, range(1, count + 1)), points)
    ]
    score = score_cycle(rs, [MemberInfo("李娜", FULL)], events, cycle=2021, evaluations={"李娜": level})[
        "李娜"
    ]
    assert (score.total, score.grade) == (total, grade)


def test_xingji_deductions_cannot_take_more_than_the_80_daily_points():
    rs = load_preset("xingji-dangyuan")
    # 3 × −20 + 5 × −5 = −85, bounded at −80: 80 − 80 = 0
    events = times("李娜", "sanction-below-probation", monthly(2021, [1, 2, 3])) + times(
        "李娜", "dues-late", monthly(2021, range(4, 9))
    )
    score = score_cycle(rs, [MemberInfo("李娜", FULL)], events, cycle=2021)["李娜"]
    assert score.category_subtotals["daily"] == -80 and score.total == 0


def test_zhijian_cycle_runs_december_to_november_with_2_to_5_range_items():
    """质检 variant (002): 基础 60 (倒扣) + 加分 20 + 民主评议 20 (a vote score), cycle 2021 = Dec 2020 – Nov
    2021."""
    rs = load_preset("zhijian")
    events = (
        times("陈静", "theme-day-absent", [date(2020, 12, 15)])  # December 2020 belongs to cycle 2021
        + times("陈静", "theme-day-late", [date(2021, 4, 15)])
        + times("陈静", "lead-development", [date(2021, 3, 1)], D(5))
        + times("陈静", "volunteer-service", monthly(2021, range(1, 7)))
        + times("陈静", "other-exemplary", [date(2021, 11, 30)], D(4))
    )
    score = score_cycle(rs, [MemberInfo("陈静", FULL)], events, cycle=2021, evaluations={"陈静": D(15)})[
        "陈静"
    ]
    # 基础: 60 − 2 − 1 = 57
    assert score.category_subtotals["basic"] == -3
    # 加分: 5 + 6 × 2 + 4 = 21, capped at 20
    assert score.category_subtotals["bonus"] == 20
    # 57 + 20 = 77; + 评议得分 15 = 92 → ≥ 60 具有评优资格
    assert (score.points, score.total, score.grade) == (D(77), D(92), "具有评优资格")


def test_zhijian_december_2021_is_outside_cycle_2021_and_range_points_are_checked():
    rs = load_preset("zhijian")
    assert validate_event(rs, Event("陈静", date(2021, 12, 1), "volunteer-service"), cycle=2021) == [
        "日期 2021-12-01 不在 2021 积分周期(2020-12-01 至 2021-11-30)内"
    ]
    assert validate_event(rs, Event("陈静", date(2021, 5, 1), "lead-development", D(6)), cycle=2021) == [
        "分值 6 超出项目“带头促进质检事业发展,起到模范引领作用”的分值区间 2 至 5"
    ]


@pytest.mark.parametrize(
    ("absences", "vote", "total", "grade"),
    [
        (0, D(20), D(80), "具有评优资格"),  # 60 + 20 = 80 → on time
        (10, D(15), D(55), "合格"),  # 60 − 20 + 15 = 55 → 40–59
        (15, D(10), D(40), "合格"),  # 60 − 30 + 10 = 40
        (20, D("0"), D(20), "谈话教育"),  # 60 − 40 + 0 = 20 → below 40
        (1, D("19.5"), D("77.5"), "具有评优资格"),  # 60 − 2 + 19.5 = 77.5
    ],
)
def test_zhijian_grades(absences, vote, total, grade):
    """质检: ≥ 60 具有评优资格, 40–59 合格, < 40 谈话教育; the 民主评议 is the vote score (0–20)."""
    rs = load_preset("zhijian")
    events = times("杨帆", "theme-day-absent", [date(2021, 1 + n % 11, 1 + n // 11) for n in range(absences)])
    score = score_cycle(rs, [MemberInfo("杨帆", FULL)], events, cycle=2021, evaluations={"杨帆": vote})[
        "杨帆"
    ]
    assert (score.total, score.grade) == (total, grade)


def test_caiqi_base_60_duty_40_bonus_and_deductions():
    """采气二厂 (002): 基础分 60 + 履职分 40 + 加分项 − 扣分项."""
    rs = load_preset("caiqi-erchang")
    events = (
        times("刘洋", "integrity", [date(2021, 2, 1)], D(-1))
        + times("刘洋", "duty-performance", [date(2021, 3, 31)], D(10))
        + times("刘洋", "duty-performance", [date(2021, 3, 31)], D(10))  # a second Q1 assessment: not counted
        + times("刘洋", "duty-performance", [date(2021, 6, 30)], D("9.5"))
        + times("刘洋", "duty-performance", [date(2021, 9, 30)], D(10))
        + times("刘洋", "duty-performance", [date(2021, 12, 31)], D(8))
        + times("刘洋", "bonus", [date(2021, 5, 1)], D(3))
        + times("刘洋", "bonus", [date(2021, 8, 1)], D(2))
        + times("刘洋", "deduction", [date(2021, 10, 1)], D(-2))
    )
    result = score_cycle(rs, [MemberInfo("刘洋", FULL)], events, cycle=2021)
    score = result["刘洋"]
    # 履职分: 10 + 9.5 + 10 + 8 = 37.5 (once a quarter)
    assert score.category_subtotals["duty"] == D("37.5") and len(result.dropped) == 1
    # 60 − 1 + 37.5 + (3 + 2) − 2 = 99.5
    assert score.total == D("99.5")


def test_yiyuan_base_is_40_percent_of_last_years_score():
    """医院 (002): 基础 40 (= 上年 × 40 %, 倒扣) + 任务 50 + 奖励 10."""
    rs = load_preset("yiyuan")
    events = (
        times("张伟", "task-completion", [date(2021, 3, 31)], D("12.5"))
        + times("张伟", "task-completion", [date(2021, 6, 30)], D("12.5"))
        + times("张伟", "task-completion", [date(2021, 9, 30)], D(10))
        + times("张伟", "task-completion", [date(2021, 12, 31)], D("12.5"))
        + times("张伟", "commendation", [date(2021, 7, 1)], D(5))
        + times("张伟", "standard-shortfall", [date(2021, 4, 1)], D("-1.5"))
        + times("王芳", "commendation", [date(2021, 7, 1)], D(8))
        + times("王芳", "commendation", [date(2021, 10, 1)], D(5))
    )
    members = [MemberInfo("张伟", FULL), MemberInfo("王芳", FULL)]
    result = score_cycle(rs, members, events, cycle=2021, last_totals={"张伟": D(90), "王芳": D(100)})
    # 张伟: base 90 × 0.4 = 36; tasks 12.5 + 12.5 + 10 + 12.5 = 47.5; reward 5; deduction −1.5
    # 36 + 47.5 + 5 − 1.5 = 87
    assert result["张伟"].carry_over == 36
    assert result["张伟"].category_subtotals["task"] == D("47.5")
    assert result["张伟"].total == 87
    # 王芳: base 100 × 0.4 = 40; reward 8 + 5 = 13, capped at 10 → 50
    assert result["王芳"].category_subtotals["reward"] == 10
    assert result["王芳"].total == 50


def test_nongcun_base_100_is_granted_and_items_add_or_deduct():
    """农村 (004): 基础积分 100 自然获得 + 贡献加分 − 违规扣分."""
    rs = load_preset("nongcun")
    events = (
        times("赵强", "public-welfare-labor", [date(2021, 4, 5)], D(3))
        + times("赵强", "help-vulnerable", [date(2021, 6, 1)], D(2))
        + times("赵强", "dues-unpaid", [date(2021, 9, 1)], D(-3))
        + times("孙丽", "skip-organization-life", [date(2021, 3, 1)], D(-5))
    )
    members = [MemberInfo("赵强", FULL), MemberInfo("孙丽", FULL), MemberInfo("周平", FULL)]
    result = score_cycle(rs, members, events, cycle=2021)
    # 100 + 3 + 2 − 3 = 102
    assert (result["赵强"].total, result["赵强"].grade) == (D(102), "达到基础分")
    assert (result["周平"].total, result["周平"].grade) == (D(100), "达到基础分")  # nothing done: base only
    assert (result["孙丽"].total, result["孙丽"].grade) == (D(95), "低于基础分")
    assert result.ranks() == {"赵强": 1, "周平": 2, "孙丽": 3}


def test_nongcun_a_village_adds_its_own_items_under_the_citys_unified_set():
    """004 自主设定项目: 11 machine repairs × 3 = 33 ("仅此一项就获得33分"), 10 a quarter for a clean
    responsibility area, 1 per snow-clearing, and the unified 义务劳动 refined to 2 points."""
    rs = read_ruleset_file(PRESETS_DIR / "examples" / "nongcun-village.yaml", resolve=find_preset)
    assert rs.extends == "nongcun" and rs.base_points == 100
    assert (
        rs.item("public-welfare-labor").points == 2 and rs.item("public-welfare-labor").points_range is None
    )
    events = (
        times("XX", "machine-repair", [date(2021, month, 3) for month in range(1, 12)])
        + times("XX", "snow-clearing", [date(2021, 1, 8)])
        + times("XX", "clean-responsibility-area", [date(2021, 3, 31), date(2021, 6, 30), date(2021, 9, 30)])
        + times("XX", "clean-responsibility-area", [date(2021, 5, 15), date(2021, 12, 31)])  # 5/15: Q2 again
        + times("XX", "public-welfare-labor", monthly(2021, [4, 5, 6]))
        + times("XX", "skip-organization-life", [date(2021, 2, 1)], D(-2))
    )
    result = score_cycle(rs, [MemberInfo("XX", FULL)], events, cycle=2021)
    score = result["XX"]
    assert score.item_subtotals["machine-repair"] == 33  # 11 × 3
    assert score.item_subtotals["clean-responsibility-area"] == 40  # 4 quarters × 10
    assert [d.event.date for d in result.dropped] == [date(2021, 6, 30)]  # Q2 already had 5/15
    # 100 + 33 + 1 + 40 + 3 × 2 − 2 = 178
    assert score.total == 178


def test_tongyong_per_time_per_quarter_and_per_year_points_of_the_generic_scheme():
    """通用方案 (000): 参加党组织活动 +2/次; 学习党的理论知识 +1/季度; 遵守纪律无违纪 +5/年; 主动承担责任
    +1/月; 志愿服务项目 +5/次; 廉洁自律无违规 +5/年."""
    rs = load_preset("tongyong")
    events = (
        times("王芳", "party-activity", monthly(2021, [1, 3, 5]))  # 3 × 2 = 6
        + times(
            "王芳", "theory-learning", [date(2021, 1, 5), date(2021, 2, 5), date(2021, 4, 5)]
        )  # Q1 once + Q2 = 2
        + times("王芳", "discipline-kept", [date(2021, 12, 31)])  # 5
        + times(
            "王芳", "responsibility", [date(2021, 6, 1), date(2021, 6, 20), date(2021, 7, 1)]
        )  # June once + July = 2
        + times("王芳", "volunteer-project", [date(2021, 9, 9)])  # 5
        + times("王芳", "integrity-kept", [date(2021, 12, 31), date(2021, 12, 30)])  # once a year: 5
    )
    result = score_cycle(rs, [MemberInfo("王芳", FULL)], events, cycle=2021)
    score = result["王芳"]
    assert score.category_subtotals == {
        "political": 13,
        "work": 2,
        "study": 0,
        "volunteer": 5,
        "integrity": 5,
    }
    # 6 + 2 + 5 + 2 + 5 + 5 = 25 (base 0: the scheme gives none)
    assert (score.base, score.total) == (D(0), D(25))
    assert len(result.dropped) == 3


def test_gongsi_base_plus_additions_minus_deductions_veto_and_only_full_members_ranked():
    """公司 (002): 基础分 (placeholder 100) + 附加分 − 扣除分; 一票否决 → 当年度积分清零; 预备党员的积分
    作为其教育考察依据,不参与党员积分年度考核评定 (scored, reference rank only)."""
    rs = load_preset("gongsi")
    members = [
        MemberInfo("甲", FULL),
        MemberInfo("乙", FULL),
        MemberInfo("丙", FULL),
        MemberInfo("预", PROBATIONARY),
    ]
    events = (
        times("甲", "work-initiative", [date(2021, 3, 1)], D(4))
        + times("甲", "party-activity-absent", [date(2021, 5, 1)], D(-2))
        + times("乙", "exemplary-role", [date(2021, 6, 1)], D(5))
        + times("乙", "veto-violation", [date(2021, 9, 1)])
        + times("预", "study-initiative", [date(2021, 4, 1)], D(5))
    )
    result = score_cycle(rs, members, events, cycle=2021)
    assert result["甲"].total == D(102)  # 100 + 4 − 2
    assert result["乙"].veto and result["乙"].total == 0
    assert result["预"].total == D(105)  # scored all the same
    assert result.ranks() == {"甲": 1, "丙": 2, "乙": 3}
    assert (result["预"].rank, result["预"].reference_rank) == (None, 1)


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ("erqi-2021", ["grades", "evaluation.levels"]),
        ("gongsi", ["base_points", "items", "items", "grades"]),
        ("tongyong", ["base_points", "items", "evaluation", "grades"]),
        ("zhijian", ["evaluation"]),
        ("xingji-dangyuan", ["items"]),
        ("yiyuan", ["items", "items"]),
    ],
)
def test_each_preset_says_what_its_seed_leaves_open(code, fields):
    assert [entry.field for entry in load_preset(code).unsettled] == fields


def test_erqi_grades_and_rank_rules_for_the_year():
    """001: the grades are placeholders (unsettled); 五、5's rules for 正式党员 are data of the rule set."""
    rs = load_preset("erqi-2021")
    assert [(g.name, g.min) for g in rs.grades] == [
        ("优秀", 90),
        ("合格", 70),
        ("基本合格", 60),
        ("不合格", None),
    ]
    assert (rs.rank_rules.not_excellent_branch_last, rs.rank_rules.not_excellent_organization_last) == (2, 1)
    assert (rs.evaluation.weight, rs.evaluation.points_full_marks, rs.evaluation.full_marks) == (
        D("0.3"),
        D(140),
        D(100),
    )
