"""Rule sets as versioned data: create, revise, inherit, find the one in force."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditRecord
from scoring.core import ruleset_from_dict
from scoring.core.presets import load_preset
from scoring.models import RuleSet, RuleSetVersion
from scoring.selectors import (
    effective_ruleset,
    ruleset_export,
    ruleset_export_effective,
    ruleset_for,
    ruleset_in_force,
)
from scoring.services import ledger_record, ruleset_create, ruleset_revise, ruleset_set_in_force
from tests.factories import make_organization
from tests.scoring.conftest import BRANCH_A_LOCAL, CYCLE, preset_text


def source_errors(excinfo) -> list[str]:
    return [str(m) for m in excinfo.value.message_dict["source"]]


def test_creating_a_rule_set_stores_version_one_with_the_text_as_edited(unified):
    version = unified.current_version
    assert (unified.code, unified.name, unified.cycle) == (
        "erqi-2021",
        "二七区纪委监委机关党员积分制管理办法(试行)",
        CYCLE,
    )
    assert version.number == 1
    assert version.source == preset_text("erqi-2021")
    assert version.note == "采用二七区办法"
    assert ruleset_export(version) == preset_text("erqi-2021")


def test_the_stored_definition_means_exactly_the_file(unified):
    version = RuleSetVersion.objects.get(pk=unified.current_version.pk)  # fresh from the database
    assert effective_ruleset(version) == load_preset("erqi-2021")
    assert ruleset_from_dict(version.definition) == load_preset("erqi-2021")


def test_revising_adds_a_version_and_never_changes_the_old_one(unified, world):
    old = unified.current_version
    text = preset_text("erqi-2021").replace("cap: 40}", "cap: 30}")
    new = ruleset_revise(ruleset=unified, text=text, by=world.higher, note="特色积分上限改为30")
    assert new.number == 2
    assert unified.current_version == new
    assert effective_ruleset(new).category("special").cap == Decimal(30)
    old.refresh_from_db()
    assert old.source == preset_text("erqi-2021")
    assert effective_ruleset(old).category("special").cap == Decimal(40)


def test_saving_unchanged_text_creates_no_version(unified, world):
    again = ruleset_revise(ruleset=unified, text=preset_text("erqi-2021"), by=world.higher)
    assert again.number == 1
    assert unified.versions.count() == 1


def test_a_malformed_file_is_refused_naming_line_and_field_in_chinese(world):
    text = preset_text("erqi-2021").replace("points: [1, 2]", "points: [2, 1]")
    with pytest.raises(ValidationError) as excinfo:
        ruleset_create(organization=world.committee, cycle=CYCLE, text=text, by=world.higher)
    assert source_errors(excinfo) == ["第 100 行 items[9].points：分值区间下限不能大于上限"]
    assert not RuleSet.objects.exists()


def test_broken_yaml_is_refused_with_its_line(world):
    with pytest.raises(ValidationError) as excinfo:
        ruleset_create(organization=world.committee, cycle=CYCLE, text="code: x\nitems: [\n", by=None)
    [message] = source_errors(excinfo)
    assert message.startswith("第 3 行 YAML 格式错误")


def test_the_code_of_a_rule_set_cannot_change(unified, world):
    text = preset_text("erqi-2021").replace("code: erqi-2021", "code: erqi-2022")
    with pytest.raises(ValidationError) as excinfo:
        ruleset_revise(ruleset=unified, text=text, by=world.higher)
    assert source_errors(excinfo) == [
        "code：细则编码不能修改（原为“erqi-2021”，现为“erqi-2022”）；如需新细则请另行新建。"
    ]


def test_the_same_code_twice_in_one_organization_and_cycle_is_refused(unified, world):
    with pytest.raises(ValidationError) as excinfo:
        ruleset_create(organization=world.committee, cycle=CYCLE, text=preset_text("erqi-2021"), by=None)
    assert source_errors(excinfo) == ["code：某区机关党委 2026 年度已有编码为“erqi-2021”的细则。"]


def test_a_branch_rule_set_inherits_the_unified_items_and_adds_its_own(branch_rules, unified):
    version = branch_rules.current_version
    assert branch_rules.parent == unified
    assert version.parent_version == unified.current_version
    rules = effective_ruleset(RuleSetVersion.objects.get(pk=version.pk))
    assert rules.item("branch-meeting") == load_preset("erqi-2021").item("branch-meeting")
    assert rules.item("study").cap == Decimal(20)
    assert rules.item("snow-clearing").points == Decimal(1)
    assert version.definition["extends"] == "erqi-2021"  # stored as written, merged when read


def test_extending_an_unknown_rule_set_is_refused(world, unified):
    text = BRANCH_A_LOCAL.replace("extends: erqi-2021", "extends: nowhere")
    with pytest.raises(ValidationError) as excinfo:
        ruleset_create(organization=world.branch_a, cycle=CYCLE, text=text, by=None)
    assert source_errors(excinfo) == [
        "第 3 行 extends：在本组织及上级组织 2026 年度的细则中找不到编码为“nowhere”的细则。"
    ]


def test_a_branch_cannot_refine_a_fixed_unified_value(world, unified):
    text = BRANCH_A_LOCAL.replace("{code: study, cap: 20}", "{code: study, points: 3}")
    with pytest.raises(ValidationError) as excinfo:
        ruleset_create(organization=world.branch_a, cycle=CYCLE, text=text, by=None)
    assert source_errors(excinfo) == ["第 5 行 items[0].points：上级统一规定为固定分值 2 分,不能更改"]


def test_a_rule_set_of_another_cycle_is_not_a_parent(world, unified):
    with pytest.raises(ValidationError):
        ruleset_create(organization=world.branch_a, cycle=CYCLE + 1, text=BRANCH_A_LOCAL, by=None)


def test_revising_the_unified_rules_rebases_the_branch_rules_on_the_new_version(branch_rules, unified, world):
    text = preset_text("erqi-2021").replace("cap: 40}", "cap: 30}")
    new_unified = ruleset_revise(ruleset=unified, text=text, by=world.higher, note="调整")
    branch_version = branch_rules.current_version
    assert branch_version.number == 2
    assert branch_version.parent_version == new_unified
    assert branch_version.source == BRANCH_A_LOCAL
    assert effective_ruleset(branch_version).category("special").cap == Decimal(30)
    assert (
        branch_version.note
        == "上级细则“二七区纪委监委机关党员积分制管理办法(试行)”更新为第 2 版，本细则随之更新。"
    )


def test_revising_the_unified_rules_is_refused_when_a_branch_file_would_break(branch_rules, unified, world):
    full = preset_text("erqi-2021")
    text = full[: full.index("  - code: study")] + full[full.index("  # (二)特色积分") :]  # study removed
    with pytest.raises(ValidationError) as excinfo:
        ruleset_revise(ruleset=unified, text=text, by=world.higher)
    assert source_errors(excinfo) == [
        "上级细则修改后，继承它的细则“第一党支部积分细则”（第一党支部）不再有效："
        "items[0].name：缺少必填字段；items[0].points：缺少分值:应为固定分值或区间 [下限, 上限]"
    ]
    assert unified.versions.count() == 1
    assert branch_rules.versions.count() == 1


def test_an_item_with_ledger_entries_cannot_be_removed(unified, world):
    ledger_record(
        member=world.member_a,
        item_code="circular-criticism",
        occurred_on=datetime.date(2026, 4, 1),
        source="record",
        by=world.clerk_a,
    )
    start = preset_text("erqi-2021").index("  - code: circular-criticism")
    end = preset_text("erqi-2021").index("  - code: disciplinary-sanction")
    text = preset_text("erqi-2021")[:start] + preset_text("erqi-2021")[end:]
    with pytest.raises(ValidationError) as excinfo:
        ruleset_revise(ruleset=unified, text=text, by=world.higher)
    assert source_errors(excinfo) == ["items：项目 circular-criticism 已有台账记录，不能从细则中删除。"]


def test_ruleset_for_prefers_the_branch_own_rules_over_the_unified_ones(branch_rules, unified, world):
    assert ruleset_for(world.branch_a, datetime.date(2026, 6, 1)) == branch_rules
    assert ruleset_for(world.branch_b, datetime.date(2026, 6, 1)) == unified
    assert ruleset_for(world.branch_b, datetime.date(2025, 12, 31)) is None
    assert ruleset_in_force(world.general_branch, CYCLE) == unified


def test_ruleset_for_follows_a_december_to_november_cycle(world):
    zhijian = ruleset_create(
        organization=world.committee, cycle=2026, text=preset_text("zhijian"), by=None, in_force=True
    )
    assert ruleset_for(world.branch_a, datetime.date(2025, 12, 1)) == zhijian
    assert ruleset_for(world.branch_a, datetime.date(2026, 11, 30)) == zhijian
    assert ruleset_for(world.branch_a, datetime.date(2026, 12, 1)) is None


def test_a_rule_set_not_in_force_is_not_found(world):
    ruleset_create(organization=world.committee, cycle=CYCLE, text=preset_text("erqi-2021"), by=None)
    assert ruleset_for(world.branch_a, datetime.date(2026, 6, 1)) is None


def test_putting_one_rule_set_in_force_retires_the_other_of_the_same_cycle(unified, world):
    other = ruleset_create(organization=world.committee, cycle=CYCLE, text=preset_text("yiyuan"), by=None)
    ruleset_set_in_force(ruleset=other, in_force=True, by=world.higher, reason="改用医院办法")
    unified.refresh_from_db()
    assert not unified.in_force
    assert ruleset_in_force(world.branch_a, CYCLE) == other


def test_an_export_of_the_effective_rules_reads_back_as_the_same_rules(branch_rules):
    from scoring.core import parse_ruleset

    version = branch_rules.current_version
    assert parse_ruleset(ruleset_export_effective(version)) == effective_ruleset(version)


def test_every_rule_set_change_leaves_an_audit_record(branch_rules, unified, world):
    actions = list(AuditRecord.objects.order_by("id").values_list("action", flat=True))
    assert actions[-6:] == [
        "ruleset.create",
        "ruleset.version",
        "ruleset.in_force",
        "ruleset.create",
        "ruleset.version",
        "ruleset.in_force",
    ]


def test_a_parent_found_above_may_share_the_branch_code(world, unified):
    text = BRANCH_A_LOCAL.replace("code: branch-a-2026", "code: erqi-2021")
    own = ruleset_create(organization=world.branch_a, cycle=CYCLE, text=text, by=None)
    assert own.parent == unified


def test_rule_sets_deeper_in_the_tree_merge_all_the_way_down(world, unified):
    general_text = (
        "code: general-2026\nname: 总支细则\nextends: erqi-2021\nitems:\n  - {code: dues, cap: 10}\n"
    )
    ruleset_create(organization=world.general_branch, cycle=CYCLE, text=general_text, by=None, in_force=True)
    branch_text = BRANCH_A_LOCAL.replace("extends: erqi-2021", "extends: general-2026")
    own = ruleset_create(organization=world.branch_a, cycle=CYCLE, text=branch_text, by=None)
    rules = effective_ruleset(RuleSetVersion.objects.get(pk=own.current_version.pk))
    assert rules.item("dues").cap == Decimal(10)
    assert rules.item("snow-clearing") is not None
    assert rules.item("branch-meeting") is not None


def test_a_new_organization_below_inherits_the_unified_rules_in_force(world, unified):
    new_branch = make_organization(
        code="C01-G1-C", name="第三党支部", kind="branch", parent=world.general_branch
    )
    assert ruleset_for(new_branch, datetime.date(2026, 3, 1)) == unified


def test_a_rule_set_cannot_come_to_inherit_from_itself(world, unified):
    text = "code: local\nname: 本级细则\nextends: erqi-2021\nitems:\n  - {code: dues, cap: 10}\n"
    ruleset_create(organization=world.committee, cycle=CYCLE, text=text, by=None)
    looped = preset_text("erqi-2021").replace("code: erqi-2021\n", "code: erqi-2021\nextends: local\n", 1)
    with pytest.raises(ValidationError) as excinfo:
        ruleset_revise(ruleset=unified, text=looped, by=None)
    assert source_errors(excinfo) == ["第 4 行 extends：细则不能直接或间接继承自身。"]
