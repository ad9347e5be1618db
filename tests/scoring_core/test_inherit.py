"""自主设定项目 (004): a branch inherits the unified items, may add and refine, never delete, move a unified
item to another category, turn a veto off, loosen a cap, or change what the higher committee settles for
everyone (evaluation, grades, ranked kinds, base points …)."""

from decimal import Decimal
from textwrap import dedent

import pytest

from scoring.core.inherit import merge_rulesets, read_ruleset, read_ruleset_file
from scoring.core.ruleset import Limit, LimitPer
from scoring.core.ruleset_file import FieldError, RuleSetError, parse_ruleset

UNIFIED = parse_ruleset(
    dedent(
        """\
        code: city
        name: 市统一项目
        base_points: 100
        categories:
          - {code: bonus, name: 加分}
          - {code: deduction, name: 扣分}
        items:
          - {code: labor, name: 义务劳动, category: bonus, points: [1, 5]}
          - {code: meeting, name: 支部党员大会, category: bonus, points: 1, cap: 12}
          - {code: absent, name: 缺席, category: deduction, points: -1}
          - {code: sanction, name: 党纪处分, category: deduction, veto: true}
        grades:
          - {name: 合格, min: 100}
          - {name: 后进, min: null}
        """
    )
)


def local(**extra) -> dict:
    return {"code": "village", "name": "某村", "extends": "city", **extra}


def errors_of(data) -> list[FieldError]:
    with pytest.raises(RuleSetError) as caught:
        merge_rulesets(UNIFIED, data)
    return caught.value.errors


def test_a_branch_keeps_every_unified_item_and_adds_its_own():
    items = [{"code": "petition", "name": "化解一起上访", "category": "bonus", "points": 5}]
    categories = [{"code": "village", "name": "村自设"}]
    rs = merge_rulesets(UNIFIED, local(items=items, categories=categories))
    assert [item.code for item in rs.items] == ["labor", "meeting", "absent", "sanction", "petition"]
    assert [c.code for c in rs.categories] == ["bonus", "deduction", "village"]
    assert (rs.code, rs.name, rs.extends, rs.base_points) == ("village", "某村", "city", Decimal(100))


def test_a_branch_refines_points_within_the_unified_range_and_other_fields_freely():
    items = [
        {"code": "labor", "points": 2, "limit": {"per": "month", "times": 2}, "evidence": "required"},
        {"code": "meeting", "cap": 10},
    ]
    rs = merge_rulesets(UNIFIED, local(items=items))
    labor = rs.item("labor")
    assert (labor.points, labor.points_range, labor.name) == (Decimal(2), None, "义务劳动")
    assert labor.limit == Limit(LimitPer.MONTH, 2)
    assert rs.item("meeting").cap == Decimal(10)
    assert merge_rulesets(UNIFIED, local(items=[{"code": "labor", "points": [2, 4]}])).item(
        "labor"
    ).points_range == (
        Decimal(2),
        Decimal(4),
    )


def test_a_local_description_replaces_the_unified_one_and_everything_else_is_inherited():
    rs = merge_rulesets(UNIFIED, local(description="某村在全市统一项目基础上自主设定项目"))
    assert rs.description == "某村在全市统一项目基础上自主设定项目"
    assert rs.base_points == Decimal(100) and rs.grades == UNIFIED.grades


def test_points_outside_the_unified_range_are_refused():
    assert errors_of(local(items=[{"code": "labor", "points": 6}])) == [
        FieldError("items[0].points", "分值应在上级统一规定的范围 1 至 5 之内")
    ]
    assert errors_of(local(items=[{"code": "meeting", "points": 2}])) == [
        FieldError("items[0].points", "上级统一规定为固定分值 1 分,不能更改")
    ]


def test_a_unified_item_cannot_change_category():
    assert errors_of(local(items=[{"code": "absent", "category": "bonus"}])) == [
        FieldError("items[0].category", "不能更改上级统一项目的类别(上级规定为 deduction)")
    ]


def test_a_unified_veto_cannot_be_turned_off():
    assert errors_of(local(items=[{"code": "sanction", "veto": False}])) == [
        FieldError("items[0].veto", "不能取消上级统一项目的一票否决")
    ]


def test_a_unified_item_cannot_be_deleted():
    assert errors_of(local(remove=["absent"])) == [FieldError("remove", "不能删除上级统一规定的项目")]
    assert errors_of(local(items=[{"code": "absent", "deleted": True}])) == [
        FieldError("items[0].deleted", "不能删除上级统一规定的项目")
    ]


def test_the_local_file_must_name_its_parent_and_itself():
    assert errors_of({"extends": "other"}) == [
        FieldError("extends", "应为上级规则集代码 city"),
        FieldError("code", "缺少必填字段"),
        FieldError("name", "缺少必填字段"),
    ]


def test_errors_in_new_local_items_point_at_the_local_file():
    items = [{"code": "labor", "points": 2}, {"code": "new", "name": "新项目", "points": [5, 1]}]
    assert errors_of(local(items=items)) == [FieldError("items[1].points", "分值区间下限不能大于上限")]


def test_reading_a_local_file_resolves_its_parent_and_reports_lines():
    text = "code: village\nname: 某村\nextends: city\nitems:\n  - {code: labor, points: 9}\n"
    with pytest.raises(RuleSetError) as caught:
        read_ruleset(text, source="village.yaml", resolve={"city": UNIFIED}.get)
    assert str(caught.value) == "village.yaml 第5行 items[0].points: 分值应在上级统一规定的范围 1 至 5 之内"
    with pytest.raises(RuleSetError) as caught:
        read_ruleset(text, source="village.yaml", resolve=lambda code: None)
    assert str(caught.value) == "village.yaml 第3行 extends: 找不到上级规则集:city"


def test_inheritance_repeats_down_the_tree():
    general = merge_rulesets(UNIFIED, {"code": "general", "name": "总支", "extends": "city", "items": []})
    branch = merge_rulesets(general, {"code": "branch", "name": "支部", "extends": "general"})
    assert [item.code for item in branch.items] == [item.code for item in UNIFIED.items]
    assert branch.extends == "general"


def test_a_local_file_finds_its_parent_beside_it(tmp_path):
    (tmp_path / "city.yaml").write_text(
        "code: city\nname: 市统一项目\nitems: [{code: labor, name: 义务劳动, points: [1, 5]}]\n",
        encoding="utf-8",
    )
    village = tmp_path / "village.yaml"
    village.write_text(
        "code: village\nname: 某村\nextends: city\nitems: [{code: labor, points: 2}]\n", encoding="utf-8"
    )
    rs = read_ruleset_file(village)
    assert (rs.code, rs.extends, rs.item("labor").points) == ("village", "city", Decimal(2))


def test_a_branch_may_lower_a_unified_cap_but_never_raise_or_remove_it():
    """自主设定项目: "never loosens a higher cap" — for items and categories alike."""
    unified = merge_rulesets(
        UNIFIED, local(categories=[{"code": "bonus", "cap": 50}], code="county", name="县")
    )
    assert unified.category("bonus").cap == Decimal(50)
    county = {"extends": "county", "code": "village", "name": "某村"}
    lowered = merge_rulesets(
        unified,
        {**county, "items": [{"code": "meeting", "cap": 6}], "categories": [{"code": "bonus", "cap": 30}]},
    )
    assert (lowered.item("meeting").cap, lowered.category("bonus").cap) == (Decimal(6), Decimal(30))
    # an item without a unified cap may be given one
    assert (
        merge_rulesets(unified, {**county, "items": [{"code": "labor", "cap": 10}]}).item("labor").cap == 10
    )
    with pytest.raises(RuleSetError) as caught:
        merge_rulesets(
            unified,
            {
                **county,
                "items": [{"code": "meeting", "cap": 13}, {"code": "labor", "points": 2}],
                "categories": [{"code": "deduction", "name": "扣"}, {"code": "bonus", "cap": None}],
            },
        )
    assert caught.value.errors == [
        FieldError("categories[1].cap", "不能放宽上级统一规定的上限 50 分"),
        FieldError("items[0].cap", "不能放宽上级统一规定的上限 12 分"),
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ranked_kinds", ["正式党员"]),
        ("evaluation", {"mode": "added", "levels": {"优秀": 10}}),
        ("grades", [{"name": "优秀", "min": 120}, {"name": "其他", "min": None}]),
        ("probation", [{"outcome": "按期转正", "min": 80}, {"outcome": "延期转正", "min": None}]),
        ("rank_rules", {"unqualified_after_consecutive_last": 2}),
        ("carry_over", 0.4),
        ("base_points", 80),
        ("floor", None),
        ("cycle_start_month", 12),
    ],
)
def test_what_the_higher_committee_settles_for_everyone_cannot_be_changed_locally(key, value):
    assert errors_of(local(**{key: value})) == [FieldError(key, "该项由上级统一规定，本级规则不能更改")]


def test_repeating_a_unified_value_is_not_a_change():
    """A local file may restate what it inherits (``100`` and ``100.0`` read the same)."""
    grades = [{"name": "合格", "min": 100}, {"name": "后进", "min": None}]
    rs = merge_rulesets(UNIFIED, local(base_points="100.0", grades=grades, floor=0, cycle_start_month=1))
    assert rs.base_points == Decimal(100) and rs.grades == UNIFIED.grades


def test_local_unsettled_notes_are_appended_to_the_unified_ones():
    unified = merge_rulesets(
        UNIFIED, local(code="county", name="县", unsettled=[{"field": "grades", "note": "分数线待定"}])
    )
    village = merge_rulesets(
        unified,
        {
            "extends": "county",
            "code": "village",
            "name": "某村",
            "unsettled": [{"field": "items", "note": "村自设"}],
        },
    )
    assert [(u.field, u.note) for u in village.unsettled] == [("grades", "分数线待定"), ("items", "村自设")]
    with pytest.raises(RuleSetError) as caught:
        merge_rulesets(
            unified, {"extends": "county", "code": "v", "name": "村", "unsettled": [{"field": "items"}]}
        )
    assert caught.value.errors == [FieldError("unsettled[0].note", "缺少必填字段")]
