"""民主评议 in the rule set and the engine: levels or a vote score, added or weighted (with the points
rescaled to the evaluation's full marks), which member kinds are ranked, and the values a seed leaves open."""

import re
from datetime import date
from decimal import Decimal

import pytest

from scoring.core.engine import Event, MemberInfo, score_cycle, score_period
from scoring.core.members import MemberType
from scoring.core.periods import Period, PeriodKind
from scoring.core.ruleset import (
    Evaluation,
    EvaluationKind,
    EvaluationMode,
    RankRules,
    Unsettled,
)
from scoring.core.ruleset_file import (
    FieldError,
    RuleSetError,
    dump_ruleset,
    parse_ruleset,
    ruleset_from_dict,
    ruleset_to_dict,
)

D = Decimal
FULL, PROBATIONARY, CANDIDATE, ACTIVIST = (
    MemberType.FULL,
    MemberType.PROBATIONARY,
    MemberType.CANDIDATE,
    MemberType.ACTIVIST,
)
LEVELS = {"优秀": 100, "合格": 80, "基本合格": 60, "不合格": 0}


def minimal(**changes) -> dict:
    data = {"code": "t", "name": "测试", "items": [{"code": "x", "name": "加分", "points": 1, "cap": 200}]}
    data.update(changes)
    return data


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def errors_of(data) -> list[FieldError]:
    with pytest.raises(RuleSetError) as caught:
        ruleset_from_dict(data)
    return caught.value.errors


def events(count: int, member: str = "张伟", item: str = "x") -> list[Event]:
    """``count`` occurrences of ``item`` in 2021, two a month from January."""
    return [Event(member, date(2021, 1 + n // 2, 1 + n % 2 * 14), item) for n in range(count)]


# ---------------------------------------------------------------- the file


def test_a_vote_score_evaluation_reads_with_its_max():
    """质检 (002): 民主评议分(20分)由党支部组织召开民主评议党员大会投票确定得分."""
    rs = parse_ruleset(
        "code: t\nname: 测\nitems: [{code: x, name: 加, points: 1}]\n"
        "evaluation: {kind: score, max: 20, mode: added}\n"
    )
    assert rs.evaluation == Evaluation(EvaluationMode.ADDED, (), kind=EvaluationKind.SCORE, max=D(20))
    assert rs.evaluation.full_marks == D(20)
    assert ruleset_to_dict(rs)["evaluation"] == {"kind": "score", "mode": "added", "max": D(20)}


def test_a_v1_evaluation_reads_and_writes_exactly_as_before():
    rs = ruleset_from_dict(minimal(evaluation={"mode": "weighted", "weight": "0.3", "levels": LEVELS}))
    assert rs.evaluation.kind is EvaluationKind.LEVELS
    assert (rs.evaluation.max, rs.evaluation.points_full_marks) == (None, None)
    assert rs.evaluation.full_marks == D(100)  # the highest level value
    assert ruleset_to_dict(rs)["evaluation"] == {"mode": "weighted", "weight": D("0.3"), "levels": LEVELS}


def test_the_rescaling_of_the_points_round_trips():
    data = minimal(
        evaluation={"mode": "weighted", "weight": 0.3, "points_full_marks": 140, "max": 100, "levels": LEVELS}
    )
    rs = ruleset_from_dict(data)
    assert (rs.evaluation.points_full_marks, rs.evaluation.max) == (D(140), D(100))
    assert parse_ruleset(dump_ruleset(rs)) == rs


@pytest.mark.parametrize(
    ("evaluation", "expected"),
    [
        ({"kind": "score", "mode": "added"}, [FieldError("evaluation.max", "缺少必填字段")]),
        (
            {"kind": "score", "max": 0, "mode": "added"},
            [FieldError("evaluation.max", "评议满分 max 应为正数")],
        ),
        (
            {"kind": "score", "max": 20, "mode": "added", "levels": {"优秀": 20}},
            [FieldError("evaluation.levels", "投票得分(kind: score)不使用评议等次 levels,应删去")],
        ),
        (
            {"kind": "vote", "max": 20, "mode": "added"},
            [FieldError("evaluation.kind", "应为 levels、score 之一")],
        ),
        ({"kind": "levels", "mode": "added"}, [FieldError("evaluation.levels", "缺少必填字段")]),
        (
            {"mode": "added", "max": 50, "levels": {"优秀": 60}},
            [FieldError("evaluation.levels.优秀", "等次分值 60 高于评议满分 50")],
        ),
        (
            {"mode": "added", "points_full_marks": 140, "levels": LEVELS},
            [
                FieldError(
                    "evaluation.points_full_marks",
                    "只有加权模式(weighted)才把积分折算为评议满分,叠加模式(added)应为空",
                )
            ],
        ),
        (
            {"mode": "weighted", "weight": 0.3, "points_full_marks": -140, "levels": LEVELS},
            [FieldError("evaluation.points_full_marks", "积分满分 points_full_marks 应为正数")],
        ),
        (
            {"mode": "weighted", "weight": 0.3, "points_full_marks": "多", "levels": LEVELS},
            [FieldError("evaluation.points_full_marks", "应为数值")],
        ),
        (
            {
                "mode": "weighted",
                "weight": 0.3,
                "points_full_marks": 140,
                "levels": {"合格": 0, "不合格": -5},
            },
            [FieldError("evaluation.points_full_marks", "积分折算需要正的评议满分(max 或最高的等次分值)")],
        ),
    ],
)
def test_each_wrong_evaluation_field_is_named_in_chinese(evaluation, expected):
    assert errors_of(minimal(evaluation=evaluation)) == expected


def test_value_for_takes_a_known_level_or_a_score_within_range_and_refuses_anything_else():
    levels = Evaluation(EvaluationMode.ADDED, (("优秀", D(20)), ("合格", D(15))))
    score = Evaluation(EvaluationMode.ADDED, kind=EvaluationKind.SCORE, max=D(20))
    assert levels.value_for("合格") == D(15)
    assert score.value_for(D("18.5")) == D("18.5")
    assert score.value_for(D(0)) == D(0) and score.value_for(D(20)) == D(20)
    with pytest.raises(ValueError, match=exactly("未知的评议等次:很好")):
        levels.value_for("很好")
    with pytest.raises(ValueError, match=exactly("评议得分 21 超出 0 至 20 分的范围")):
        score.value_for(D(21))
    with pytest.raises(ValueError, match=exactly("评议得分 -0.5 超出 0 至 20 分的范围")):
        score.value_for(D("-0.5"))
    with pytest.raises(ValueError, match=exactly("民主评议按等次评定,应为 优秀、合格 之一,而不是得分 18")):
        levels.value_for(D(18))
    with pytest.raises(
        ValueError, match=exactly("民主评议由党员大会投票确定得分,应为 0 至 20 分的数值,而不是“合格”")
    ):
        score.value_for("合格")


def test_ranked_kinds_are_member_type_labels_and_the_default_is_omitted():
    """公司 (002): 预备党员、发展对象、入党积极分子的积分作为其教育考察依据,不参与党员积分年度考核评定."""
    rs = ruleset_from_dict(minimal(ranked_kinds=["正式党员"]))
    assert rs.ranked_kinds == frozenset({FULL})
    assert ruleset_to_dict(rs)["ranked_kinds"] == ["正式党员"]
    assert "ranked_kinds: [正式党员]" in dump_ruleset(rs)
    default = ruleset_from_dict(minimal())
    assert default.ranked_kinds == frozenset({FULL, PROBATIONARY})
    assert "ranked_kinds" not in ruleset_to_dict(default)
    assert ruleset_from_dict(minimal(ranked_kinds=["预备党员", "正式党员"])) == default


def test_wrong_ranked_kinds_are_named():
    assert errors_of(minimal(ranked_kinds=["正式党员", "党员"])) == [
        FieldError("ranked_kinds[1]", "应为 正式党员、预备党员、发展对象、入党积极分子 之一")
    ]
    assert errors_of(minimal(ranked_kinds=[])) == [
        FieldError("ranked_kinds", "至少需要一种参加排名的党员类型")
    ]
    assert errors_of(minimal(ranked_kinds="正式党员")) == [FieldError("ranked_kinds", "应为列表")]


def test_unsettled_values_are_read_and_named_when_wrong():
    rs = ruleset_from_dict(minimal(unsettled=[{"field": "base_points", "note": "原文印作“*分”"}]))
    assert rs.unsettled == (Unsettled("base_points", "原文印作“*分”"),)
    assert parse_ruleset(dump_ruleset(rs)) == rs
    assert errors_of(minimal(unsettled=[{"field": "base", "note": "n"}, {"field": "grades"}])) == [
        FieldError(
            "unsettled[0].field",
            "未知的规则字段:base(应为 code、name、description、extends、cycle_start_month、base_points、"
            "floor、carry_over、categories、items、evaluation、grades、probation、rank_rules、ranked_kinds、"
            "unsettled 之一或其下的字段)",
        ),
        FieldError("unsettled[1].note", "缺少必填字段"),
    ]
    assert ruleset_from_dict(minimal(unsettled=[{"field": "evaluation.levels", "note": "n"}])).unsettled


def test_the_not_excellent_rank_rules_are_read():
    """001 art. 5: 正式党员 last twice in the branch or once organization-wide → not 优秀."""
    rs = ruleset_from_dict(
        minimal(rank_rules={"not_excellent_branch_last": 2, "not_excellent_organization_last": 1})
    )
    assert rs.rank_rules == RankRules(not_excellent_branch_last=2, not_excellent_organization_last=1)
    assert errors_of(minimal(rank_rules={"not_excellent_branch_last": 0})) == [
        FieldError("rank_rules.not_excellent_branch_last", "次数应为正整数")
    ]


# ---------------------------------------------------------------- the engine


def rules(evaluation: str, **extra: str) -> object:
    """Item x: 8 points a time, y: 10 a time; then the evaluation and any other top-level keys."""
    text = (
        "code: t\nname: 测\nitems:\n  - {code: x, name: 加, points: 8, cap: 200}\n"
        "  - {code: y, name: 十, points: 10}\n" + evaluation
    )
    return parse_ruleset(text + "".join(f"{key}: {value}\n" for key, value in extra.items()))


WEIGHTED_140 = (
    "evaluation: {mode: weighted, weight: 0.3, points_full_marks: 140,"
    " levels: {优秀: 100, 合格: 80, 基本合格: 60, 不合格: 0}}\n"
)


def test_weighted_with_rescaling_takes_the_points_on_the_evaluations_scale():
    """二七区 70/30 (001): points 112 of 140 and 合格 (80): 112 × 100 / 140 = 80; 80 × 0.7 + 80 × 0.3 = 80."""
    rs = rules(WEIGHTED_140)
    result = score_cycle(rs, [MemberInfo("张伟", FULL)], events(14), cycle=2021, evaluations={"张伟": "合格"})
    score = result["张伟"]
    assert (score.points, score.evaluation_level, score.evaluation) == (D(112), "合格", D(80))
    assert score.total == D(80)


def test_weighted_with_rescaling_full_marks_give_full_marks_and_the_share_is_70_30():
    """140 of 140 and 优秀 (100): 140 × 100 × 0.7 / 140 + 100 × 0.3 = 70 + 30 = 100. The points' share of the
    best total is 70 of 100; without the rescaling it would be 98 of 128 (≈ 77 %)."""
    members = [MemberInfo("张伟", FULL)]
    best = score_cycle(
        rules(WEIGHTED_140), members, events(14, item="y"), cycle=2021, evaluations={"张伟": "优秀"}
    )
    assert (best["张伟"].points, best["张伟"].total) == (D(140), D(100))
    only_points = score_cycle(rules(WEIGHTED_140), members, events(14, item="y"), cycle=2021)
    assert only_points["张伟"].total == D(70)
    v1 = rules(
        "evaluation: {mode: weighted, weight: 0.3, levels: {优秀: 100, 合格: 80, 基本合格: 60, 不合格: 0}}\n"
    )
    assert score_cycle(v1, members, events(14, item="y"), cycle=2021)["张伟"].total == D(98)


def test_weighted_without_rescaling_keeps_v1_arithmetic():
    """v1: 80 × 0.7 + 80 × 0.3 = 80 (the points taken as they are); 10 × 8 = 80 points."""
    rs = rules("evaluation: {mode: weighted, weight: 0.3, levels: {优秀: 100, 合格: 80}}\n")
    result = score_cycle(rs, [MemberInfo("张伟", FULL)], events(10), cycle=2021, evaluations={"张伟": "优秀"})
    assert result["张伟"].total == D(80) * D("0.7") + D(100) * D("0.3") == D(86)


def test_a_vote_score_is_added_and_kept_as_the_raw_score():
    """质检 (002): 日常 62 + 评议 18.5 = 80.5; the level is None, the score is 18.5."""
    rs = rules("evaluation: {kind: score, max: 20, mode: added}\n", base_points="54")
    result = score_cycle(
        rs, [MemberInfo("杨帆", PROBATIONARY)], events(1, "杨帆"), cycle=2021, evaluations={"杨帆": D("18.5")}
    )
    score = result["杨帆"]
    assert (score.points, score.evaluation_level, score.evaluation_score, score.evaluation) == (
        D(62),
        None,
        D("18.5"),
        D("18.5"),
    )
    assert score.total == D("80.5")


def test_a_score_above_max_or_a_level_for_a_score_rule_set_is_refused():
    rs = rules("evaluation: {kind: score, max: 20, mode: added}\n")
    members = [MemberInfo("杨帆", FULL)]
    with pytest.raises(ValueError, match="评议得分 21 超出 0 至 20 分的范围"):
        score_cycle(rs, members, [], cycle=2021, evaluations={"杨帆": D(21)})
    with pytest.raises(ValueError, match="应为 0 至 20 分的数值"):
        score_cycle(rs, members, [], cycle=2021, evaluations={"杨帆": "优秀"})


def test_in_year_periods_never_weigh_in_an_evaluation_that_has_not_happened():
    """二七区-like, weighted 0.3 over 140: 6 × 8 = 48 points by Q3. Q3's to-date total is 48 — not
    0.7 × 48 = 33.6 nor the rescaled 24; in the last quarter, with the evaluation 合格 (80):
    96 × 100 × 0.7 / 140 + 80 × 0.3 = 48 + 24 = 72; without evaluations the last quarter is points too."""
    rs = rules(WEIGHTED_140)
    members = [MemberInfo("张伟", FULL)]
    evs = [Event("张伟", date(2021, month, 5), "x") for month in range(1, 13)]
    q3 = score_period(rs, members, evs, period=Period(2021, PeriodKind.QUARTER, 3))
    assert (q3["张伟"].to_date.points, q3["张伟"].to_date.total) == (D(72), D(72))
    q3_given = score_period(
        rs, members, evs, period=Period(2021, PeriodKind.QUARTER, 3), evaluations={"张伟": "合格"}
    )
    assert q3_given["张伟"].to_date.total == D(72)
    q4 = Period(2021, PeriodKind.QUARTER, 4)
    assert score_period(rs, members, evs, period=q4)["张伟"].to_date.total == D(96)
    evaluated = score_period(rs, members, evs, period=q4, evaluations={"张伟": "合格"})["张伟"].to_date
    assert (evaluated.evaluation_level, evaluated.total) == ("合格", D(72))
    # the cycle as a period, with evaluations: the cycle's own total
    whole = score_period(
        rs, members, evs, period=Period(2021, PeriodKind.CYCLE), evaluations={"张伟": "合格"}
    )
    assert (
        whole["张伟"].to_date.total
        == score_cycle(rs, members, evs, cycle=2021, evaluations={"张伟": "合格"})["张伟"].total
    )


def test_score_cycle_still_applies_the_mode_to_a_member_without_an_evaluation():
    """The simulator's contract v1: no evaluation counts 0 — 96 × 100 × 0.7 / 140 + 0 = 48."""
    rs = rules(WEIGHTED_140)
    evs = [Event("张伟", date(2021, month, 5), "x") for month in range(1, 13)]
    assert score_cycle(rs, [MemberInfo("张伟", FULL)], evs, cycle=2021)["张伟"].total == D(48)


def test_only_the_rule_sets_ranked_kinds_are_ranked_the_others_for_reference():
    """公司: only 正式党员 are ranked; 预备党员 get a reference rank among the unranked."""
    rs = rules("ranked_kinds: [正式党员]\n")
    members = [
        MemberInfo("正式", FULL),
        MemberInfo("正式二", FULL),
        MemberInfo("预备", PROBATIONARY),
        MemberInfo("积极", ACTIVIST),
    ]
    evs = events(3, "预备") + events(2, "积极") + events(1, "正式")
    result = score_cycle(rs, members, evs, cycle=2021)
    assert result.ranks() == {"正式": 1, "正式二": 2}
    assert (result["预备"].rank, result["预备"].reference_rank) == (None, 1)
    assert (result["积极"].rank, result["积极"].reference_rank) == (None, 2)
    assert [s.member for s in result.scores] == ["正式", "正式二", "预备", "积极"]
    quarter = score_period(rs, members, evs, period=Period(2021, PeriodKind.QUARTER, 1))
    assert quarter.ranks() == {"正式": 1, "正式二": 2}
    assert quarter["预备"].to_date.reference_rank == 1
