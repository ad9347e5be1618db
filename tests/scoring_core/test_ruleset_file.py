"""The rule-set file (v1): it reads the contract's example, names every wrong field in Chinese, and
round-trips exactly."""

import time
from decimal import Decimal
from textwrap import dedent

import pytest
from hypothesis import given

from scoring.core.ruleset import CategoryKind, EvaluationMode, Evidence, Grade, Limit, LimitPer, Source
from scoring.core.ruleset_file import (
    NO_ANCHORS,
    FieldError,
    RuleSetError,
    dump_ruleset,
    load_yaml_mapping,
    parse_ruleset,
    ruleset_from_dict,
    ruleset_to_dict,
)
from tests.scoring_core.strategies import rulesets

CONTRACT_EXAMPLE = dedent(
    """\
    code: erqi-2021                  # unique slug
    name: 二七区纪委监委机关党员积分制管理办法(试行)
    cycle_start_month: 1
    base_points: 0
    floor: 0
    carry_over: null
    categories:
      - {code: basic, name: 基础积分, cap: 100}
      - {code: special, name: 特色积分, cap: 40}
      - {code: deduction, name: 扣分}
    items:
      - code: branch-meeting
        name: 支部党员大会
        category: basic
        points: 1
        cap: 12
        limit: {per: month, times: 1}
        evidence: required
        source: branch
      - code: sanction
        name: 受到党政纪处分
        category: deduction
        veto: true
    evaluation:
      mode: added
      weight: null
      levels: {优秀: 20, 合格: 15, 基本合格: 10, 不合格: 0}
    grades:
      - {name: 优秀, min: 90}
      - {name: 合格, min: 70}
      - {name: 基本合格, min: 60}
      - {name: 不合格, min: null}
    """
)


def minimal(**changes) -> dict:
    data = {"code": "t", "name": "测试", "items": [{"code": "a", "name": "项目", "points": 1}]}
    data.update(changes)
    return data


def errors_of(data) -> list[FieldError]:
    with pytest.raises(RuleSetError) as caught:
        ruleset_from_dict(data)
    return caught.value.errors


def test_the_contract_example_reads_as_written():
    rs = parse_ruleset(CONTRACT_EXAMPLE)
    meeting = rs.item("branch-meeting")
    assert meeting.points == Decimal(1) and meeting.cap == Decimal(12)
    assert meeting.limit == Limit(LimitPer.MONTH, 1)
    assert (meeting.evidence, meeting.source) == (Evidence.REQUIRED, Source.BRANCH)
    assert rs.item("sanction").veto and rs.item("sanction").points is None
    assert rs.category("deduction").cap is None
    assert rs.evaluation.mode is EvaluationMode.ADDED
    assert rs.evaluation.value_of("基本合格") == Decimal(10)
    assert rs.grades[-1] == Grade("不合格", None)
    assert rs.floor == Decimal(0) and rs.carry_over is None


def test_half_points_are_read_exactly_as_decimals():
    rs = parse_ruleset(
        "code: t\nname: 测试\nitems:\n"
        "  - {code: leave, name: 请假, points: -0.5}\n"
        "  - {code: x, name: 项目, points: 0.1}\n"
    )
    assert rs.item("leave").points == Decimal("-0.5")
    assert rs.item("x").points == Decimal("0.1")  # not 0.1000000000000000055511151231257827


def test_floor_defaults_to_zero_and_null_means_no_floor():
    assert ruleset_from_dict(minimal()).floor == Decimal(0)
    assert ruleset_from_dict(minimal(floor=None)).floor is None


def test_a_range_whose_lower_bound_is_above_the_upper_is_refused():
    good = [{"code": f"i{n}", "name": "项目", "points": 1} for n in range(3)]
    data = minimal(items=[*good, {"code": "bad", "name": "酌情加分", "points": [5, 2]}])
    assert errors_of(data) == [FieldError("items[3].points", "分值区间下限不能大于上限")]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"name": "项目", "points": 1}, [FieldError("items[0].code", "缺少必填字段")]),
        ({"code": "a", "points": 1}, [FieldError("items[0].name", "缺少必填字段")]),
        (
            {"code": "a", "name": "项目"},
            [FieldError("items[0].points", "缺少分值:应为固定分值或区间 [下限, 上限]")],
        ),
        (
            {"code": "a", "name": "项目", "points": "多"},
            [FieldError("items[0].points", "分值应为一个数值或区间 [下限, 上限]")],
        ),
        (
            {"code": "a", "name": "项目", "points": [1, 2, 3]},
            [FieldError("items[0].points", "分值应为一个数值或区间 [下限, 上限]")],
        ),
        (
            {"code": "A b", "name": "项目", "points": 1},
            [FieldError("items[0].code", "代码只能由小写字母、数字、连字符和下划线组成,并以字母或数字开头")],
        ),
        ({"code": "a", "name": "项目", "points": 1, "cap": 0}, [FieldError("items[0].cap", "上限应为正数")]),
        ({"code": "a", "name": "项目", "points": 1, "cap": "x"}, [FieldError("items[0].cap", "应为数值")]),
        (
            {"code": "a", "name": "项目", "points": 1, "limit": {"per": "week"}},
            [FieldError("items[0].limit.per", "应为 month、quarter、year 之一")],
        ),
        (
            {"code": "a", "name": "项目", "points": 1, "limit": {"per": "month", "times": 0}},
            [FieldError("items[0].limit.times", "次数应为正整数")],
        ),
        (
            {"code": "a", "name": "项目", "points": 1, "limit": {"times": 1}},
            [FieldError("items[0].limit.per", "缺少必填字段")],
        ),
        (
            {"code": "a", "name": "项目", "points": 1, "evidence": "photo"},
            [FieldError("items[0].evidence", "应为 required、optional、none 之一")],
        ),
        (
            {"code": "a", "name": "项目", "points": 1, "source": "clerk"},
            [FieldError("items[0].source", "应为 member、branch 之一")],
        ),
        (
            {"code": "a", "name": "项目", "points": 1, "veto": "yes"},
            [FieldError("items[0].veto", "应为 true 或 false")],
        ),
        (
            {"code": "a", "name": "项目", "points": 1, "category": "nope"},
            [FieldError("items[0].category", "未定义的类别:nope")],
        ),
        (
            {"code": "a", "name": "项目", "points": 1, "pionts": 2},
            [FieldError("items[0].pionts", "未知字段")],
        ),
    ],
)
def test_each_wrong_item_field_is_named_with_a_chinese_message(item, expected):
    assert errors_of(minimal(items=[item])) == expected


def test_every_problem_is_reported_not_only_the_first():
    data = minimal(
        cycle_start_month=13,
        carry_over=2,
        items=[{"code": "a", "name": "项目", "points": 1}, {"code": "a", "name": "重复", "points": 1}],
        grades=[{"name": "合格", "min": 60}, {"name": "优秀", "min": 90}],
    )
    assert errors_of(data) == [
        FieldError("cycle_start_month", "周期起始月份应为 1 至 12 的整数"),
        FieldError("carry_over", "结转比例应大于 0 且不大于 1"),
        FieldError("items[1].code", "代码重复:a"),
        FieldError("grades[1].min", "下限应自上而下递减"),
    ]


def test_top_level_problems_are_named():
    assert errors_of({"name": "测试", "items": []}) == [
        FieldError("code", "缺少必填字段"),
        FieldError("items", "至少需要一个积分项目"),
    ]
    assert errors_of(minimal(items=None)) == [FieldError("items", "缺少必填字段")]
    assert errors_of(minimal(categories={"code": "x"})) == [FieldError("categories", "应为列表")]
    assert errors_of(minimal(bonus=3)) == [FieldError("bonus", "未知字段")]


def test_a_category_cap_must_be_positive_and_codes_unique():
    data = minimal(categories=[{"code": "c", "name": "类别", "cap": -1}, {"code": "c", "name": "同码"}])
    assert errors_of(data) == [
        FieldError("categories[0].cap", "上限应为正数"),
        FieldError("categories[1].code", "代码重复:c"),
    ]


def test_a_category_says_which_ledger_column_it_is_written_in():
    data = minimal(
        categories=[{"code": "b", "name": "履职分", "kind": "base"}, {"code": "x", "name": "其他"}]
    )
    rules = ruleset_from_dict(data)
    assert [c.kind for c in rules.categories] == [CategoryKind.BASE, None]
    assert ruleset_to_dict(rules)["categories"][0]["kind"] == "base"
    wrong = minimal(categories=[{"code": "b", "name": "履职分", "kind": "extra"}])
    assert errors_of(wrong) == [FieldError("categories[0].kind", "应为 base、bonus、deduction 之一")]


def test_evaluation_weight_belongs_to_the_weighted_mode_only():
    levels = {"优秀": 20}
    assert errors_of(minimal(evaluation={"mode": "weighted", "levels": levels})) == [
        FieldError("evaluation.weight", "加权模式(weighted)需要权重 weight")
    ]
    assert errors_of(minimal(evaluation={"mode": "weighted", "weight": 1.5, "levels": levels})) == [
        FieldError("evaluation.weight", "权重应大于 0 且小于 1")
    ]
    assert errors_of(minimal(evaluation={"mode": "added", "weight": 0.3, "levels": levels})) == [
        FieldError("evaluation.weight", "只有加权模式(weighted)才使用权重,叠加模式(added)应为空")
    ]
    assert errors_of(minimal(evaluation={"mode": "added", "levels": {"优秀": "高"}})) == [
        FieldError("evaluation.levels.优秀", "应为数值")
    ]
    assert errors_of(minimal(evaluation={"mode": "added", "levels": {}})) == [
        FieldError("evaluation.levels", "至少需要一个评议等次")
    ]


def test_only_the_last_grade_may_have_no_minimum():
    data = minimal(grades=[{"name": "其他", "min": None}, {"name": "优秀", "min": 90}])
    assert errors_of(data) == [FieldError("grades[0].min", "只有最后一项的下限可以为空")]


def test_errors_name_the_file_line_and_field():
    text = CONTRACT_EXAMPLE.replace("points: 1\n", "points: [5, 2]\n")
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset(text, source="erqi.yaml")
    assert caught.value.errors == [FieldError("items[0].points", "分值区间下限不能大于上限")]
    assert str(caught.value) == "erqi.yaml 第15行 items[0].points: 分值区间下限不能大于上限"


def test_malformed_yaml_is_a_rule_set_error_with_its_line():
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset("code: t\nname: 测试\nitems: [\n  {code: a\n", source="bad.yaml")
    [error] = caught.value.errors
    assert error.path == "" and error.message.startswith("YAML 格式错误:")
    assert str(caught.value).startswith("bad.yaml 第")


def test_a_duplicated_key_is_refused_rather_than_silently_overwritten():
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset("code: t\nname: 测试\ncode: u\nitems: [{code: a, name: 项目, points: 1}]\n")
    assert caught.value.errors == [FieldError("code", "字段重复")]


def test_a_file_that_is_not_a_mapping_is_refused():
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset("- just\n- a list\n")
    assert caught.value.errors == [FieldError("", "规则文件的顶层应为键值映射")]


def test_the_error_message_lists_one_error_per_line():
    error = RuleSetError([FieldError("a", "甲"), FieldError("b.c", "乙")], source="x.yaml", lines={"a": 3})
    assert str(error) == "x.yaml 第3行 a: 甲\nx.yaml b.c: 乙"
    assert isinstance(error, ValueError)


def test_numeric_strings_from_json_are_accepted():
    rs = ruleset_from_dict(minimal(items=[{"code": "a", "name": "项目", "points": "0.5", "cap": "12"}]))
    assert rs.item("a").points == Decimal("0.5") and rs.item("a").cap == Decimal(12)


@given(rulesets())
def test_the_yaml_file_round_trips_exactly(rs):
    assert parse_ruleset(dump_ruleset(rs)) == rs


@given(rulesets())
def test_the_plain_mapping_round_trips_exactly(rs):
    assert ruleset_from_dict(ruleset_to_dict(rs)) == rs


BILLION_LAUGHS = "code: t\nname: 测试\n" + "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" if n else 'l0: &l0 "哈"\n' for n in range(10)
)


def test_yaml_anchors_and_aliases_are_refused_quickly_with_the_line_they_start_on():
    """500 bytes of nested aliases stand for 9⁹ nodes: the file is refused at its first anchor."""
    started = time.perf_counter()
    with pytest.raises(RuleSetError) as caught:
        parse_ruleset(BILLION_LAUGHS, source="laughs.yaml")

    assert time.perf_counter() - started < 1
    assert caught.value.errors == [FieldError("", NO_ANCHORS)]
    assert str(caught.value) == f"laughs.yaml 第3行: {NO_ANCHORS}"


def test_an_alias_alone_is_refused_too():
    with pytest.raises(RuleSetError) as caught:
        load_yaml_mapping("code: t\nname: *missing\n", source="x.yaml")
    assert str(caught.value) == f"x.yaml 第2行: {NO_ANCHORS}"
