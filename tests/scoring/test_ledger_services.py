"""Recording, reversing and correcting ledger entries through the services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Member
from accounts.services import member_transfer
from audit.models import AuditRecord
from audit.services import audit_trail
from scoring.models import LedgerEntry
from scoring.services import ledger_correct, ledger_record, ledger_reverse, ruleset_create
from tests.scoring.conftest import CYCLE, preset_text

D = datetime.date


def record(world, member=None, **kw) -> LedgerEntry:
    fields = {
        "member": member or world.member_a,
        "item_code": "branch-meeting",
        "occurred_on": D(2026, 3, 5),
        "source": LedgerEntry.Source.RECORD,
        "by": world.clerk_a,
    }
    return ledger_record(**{**fields, **kw})


def errors_of(excinfo) -> dict[str, list[str]]:
    return {field: [str(m) for m in msgs] for field, msgs in excinfo.value.message_dict.items()}


def test_recording_a_fixed_item_stores_its_points_the_branch_and_the_version(world, unified):
    entry = record(world, reason="3月支部党员大会")
    assert entry.points == Decimal(1)
    assert entry.branch == world.branch_a
    assert entry.ruleset_version == unified.current_version
    assert entry.created_by == world.clerk_a
    assert entry.reverses is None


def test_the_branch_stored_is_the_branch_on_the_event_date(world, unified):
    member_transfer(member=world.member_a, to_branch=world.branch_b, on=D(2026, 6, 1), by=None, reason="调动")
    before = record(world, member=Member.objects.get(pk=world.member_a.pk), occurred_on=D(2026, 5, 20))
    after = record(world, member=Member.objects.get(pk=world.member_a.pk), occurred_on=D(2026, 6, 20))
    assert (before.branch, after.branch) == (world.branch_a, world.branch_b)


def test_recording_uses_the_branch_own_rules_when_it_has_them(world, branch_rules):
    entry = record(world, item_code="snow-clearing")
    assert entry.ruleset_version == branch_rules.current_version


def test_a_range_item_needs_points_within_its_range(world, unified):
    with pytest.raises(ValidationError) as excinfo:
        record(world, item_code="competition")
    assert errors_of(excinfo) == {
        "points": [
            "项目“代表区纪委参加区级及以上比赛或表演类活动”的分值在审核时确定,须填写 1 至 2 之间的分值"
        ]
    }
    with pytest.raises(ValidationError) as excinfo:
        record(world, item_code="competition", points=Decimal(3))
    assert errors_of(excinfo) == {
        "points": ["分值 3 超出项目“代表区纪委参加区级及以上比赛或表演类活动”的分值区间 1 至 2"]
    }
    assert record(world, item_code="competition", points=Decimal(2)).points == Decimal(2)


def test_a_fixed_item_refuses_other_points(world, unified):
    with pytest.raises(ValidationError) as excinfo:
        record(world, points=Decimal(3))
    assert errors_of(excinfo) == {"points": ["项目“支部党员大会”为固定分值 1 分,不应填写分值"]}
    assert record(world, points=Decimal(1)).points == Decimal(1)


def test_an_unknown_item_is_refused(world, unified):
    with pytest.raises(ValidationError) as excinfo:
        record(world, item_code="dancing")
    assert errors_of(excinfo) == {"item_code": ["未知的积分项目:dancing"]}


def test_an_event_outside_the_cycle_of_the_version_is_refused(world, unified):
    with pytest.raises(ValidationError) as excinfo:
        record(world, occurred_on=D(2027, 1, 5), ruleset_version=unified.current_version)
    assert errors_of(excinfo) == {
        "occurred_on": ["日期 2027-01-05 不在 2026 积分周期(2026-01-01 至 2026-12-31)内"]
    }


def test_an_event_without_rules_in_force_on_its_date_is_refused(world, unified):
    with pytest.raises(ValidationError) as excinfo:
        record(world, occurred_on=D(2027, 1, 5))
    assert errors_of(excinfo) == {"occurred_on": ["第一党支部 在 2027年1月5日 没有现行的积分细则。"]}


def test_an_exempt_member_is_refused(world, unified):
    from tests.factories import make_member

    old = make_member(branch=world.branch_a, real_name="老党员", status=Member.Status.EXEMPT)
    with pytest.raises(ValidationError) as excinfo:
        record(world, member=old)
    assert errors_of(excinfo) == {"member": ["老党员 已经批准免于积分，不能记分。"]}


def test_a_version_of_another_organization_is_refused(world, unified):
    elsewhere = ruleset_create(organization=world.branch_b, cycle=CYCLE, text=preset_text("yiyuan"), by=None)
    with pytest.raises(ValidationError) as excinfo:
        record(world, ruleset_version=elsewhere.current_version)
    assert errors_of(excinfo) == {"ruleset_version": ["细则“" + elsewhere.name + "”不适用于 第一党支部。"]}


def test_half_points_are_kept_exactly(world, unified):
    assert record(world, item_code="absent-on-leave").points == Decimal("-0.5")


def test_a_reversal_cannot_be_recorded_directly(world, unified):
    with pytest.raises(ValidationError):
        record(world, source=LedgerEntry.Source.REVERSAL)


def test_the_same_idempotency_key_records_once(world, unified):
    first = record(world, idempotency_key="claim-17-approved")
    second = record(world, idempotency_key="claim-17-approved")
    assert first == second
    assert LedgerEntry.objects.count() == 1
    assert AuditRecord.objects.filter(action="ledger.record").count() == 1


def test_reversing_writes_the_negated_entry_with_reason_and_author(world, unified):
    entry = record(world)
    reversal = ledger_reverse(entry=entry, by=world.secretary_a, reason="当日未出席，登记有误")
    assert reversal.points == Decimal(-1)
    assert reversal.source == LedgerEntry.Source.REVERSAL
    assert reversal.reverses == entry
    assert (reversal.member, reversal.branch, reversal.item_code) == (
        entry.member,
        entry.branch,
        entry.item_code,
    )
    assert (reversal.occurred_on, reversal.ruleset_version) == (entry.occurred_on, entry.ruleset_version)
    assert reversal.created_by == world.secretary_a
    assert reversal.reason == "当日未出席，登记有误"
    entry.refresh_from_db()
    assert entry.points == Decimal(1)  # the original stays as it was


def test_an_entry_is_reversed_only_once(world, unified):
    entry = record(world)
    ledger_reverse(entry=entry, by=world.secretary_a, reason="登记有误")
    with pytest.raises(ValidationError) as excinfo:
        ledger_reverse(entry=entry, by=world.secretary_a, reason="再次")
    assert excinfo.value.messages == ["该记录已被冲正，不能重复冲正。"]


def test_a_reversal_is_not_reversed(world, unified):
    reversal = ledger_reverse(entry=record(world), by=world.secretary_a, reason="登记有误")
    with pytest.raises(ValidationError) as excinfo:
        ledger_reverse(entry=reversal, by=world.secretary_a, reason="撤销冲正")
    assert excinfo.value.messages == ["冲正记录本身不能再冲正；如需恢复，请重新登记一条记录。"]


def test_a_reversal_needs_a_reason(world, unified):
    with pytest.raises(ValidationError) as excinfo:
        ledger_reverse(entry=record(world), by=world.secretary_a, reason="  ")
    assert errors_of(excinfo) == {"reason": ["冲正或更正必须注明原因。"]}


def test_correcting_reverses_and_records_the_replacement_under_the_same_version(world, unified):
    entry = record(world, item_code="competition", points=Decimal(1))
    reversal, replacement = ledger_correct(
        entry=entry, points=Decimal(2), by=world.secretary_a, reason="获得名次"
    )
    assert reversal.reverses == entry and reversal.points == Decimal(-1)
    assert replacement.points == Decimal(2)
    assert replacement.source == LedgerEntry.Source.APPEAL
    assert replacement.ruleset_version == entry.ruleset_version
    assert replacement.reason == "获得名次"


def test_a_failed_correction_writes_nothing(world, unified):
    entry = record(world, item_code="competition", points=Decimal(1))
    with pytest.raises(ValidationError):
        ledger_correct(entry=entry, points=Decimal(9), by=world.secretary_a, reason="超出区间")
    assert LedgerEntry.objects.count() == 1


def test_every_ledger_write_leaves_an_audit_record(world, unified):
    entry = record(world)
    reversal = ledger_reverse(entry=entry, by=world.secretary_a, reason="登记有误")
    [recorded] = audit_trail(entry)
    [reversed_] = audit_trail(reversal)
    assert (recorded.action, recorded.actor, recorded.organization) == (
        "ledger.record",
        world.clerk_a,
        world.branch_a,
    )
    assert (reversed_.action, reversed_.actor, reversed_.reason) == (
        "ledger.reverse",
        world.secretary_a,
        "登记有误",
    )


# --- 台账导入 (a paper ledger kept before the system) ---------------------------------------------


def test_a_paper_ledger_is_imported_whole_with_one_audit_record_per_branch(world, unified):
    from scoring.services import ImportRow, ledger_import

    rows = [
        ImportRow(world.member_a, "branch-meeting", D(2026, 1, 10)),
        ImportRow(world.member_a, "competition", D(2026, 2, 10), Decimal(2)),
        ImportRow(world.other_member_a, "absent-without-leave", D(2026, 1, 10)),
    ]
    entries = ledger_import(rows=rows, by=world.clerk_a, reason="2026年纸质台账录入")
    assert [(e.points, e.source) for e in entries] == [(1, "import"), (2, "import"), (-1, "import")]
    record_ = AuditRecord.objects.get(action="ledger.import")
    assert record_.summary == "第一党支部 导入台账 3 条（2026-01-10 至 2026-02-10）"


def test_an_import_with_a_bad_row_writes_nothing_and_names_every_bad_row(world, unified):
    from scoring.services import ImportRow, ledger_import

    rows = [
        ImportRow(world.member_a, "branch-meeting", D(2026, 1, 10)),
        ImportRow(world.member_a, "competition", D(2026, 2, 10)),  # a range item needs its points
        ImportRow(world.outsider, "branch-meeting", D(2026, 1, 10)),  # branch B: not this clerk's
    ]
    with pytest.raises(ValidationError) as caught:
        ledger_import(rows=rows, by=world.clerk_a, reason="录入")
    assert [m[:5] for m in caught.value.messages] == ["第 2 行", "第 3 行"]
    assert "您无权向第二党支部的台账导入记录" in caught.value.messages[1]
    assert not LedgerEntry.objects.exists()
