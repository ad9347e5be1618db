"""The all-or-nothing roster import (accounts.roster_services.roster_import)."""

import datetime
import hashlib

import pytest

from accounts.models import BranchMembership, Member
from accounts.roster_services import roster_import
from audit.models import AuditRecord
from tests.accounts.data.rosters import csv_file, person, valid_id, xlsx_file

A = "C01-G1-A"
B = "C01-G1-B"
JAN = datetime.date(2025, 1, 1)
JUN = datetime.date(2025, 6, 1)


def imported(user, upload, on=JAN):
    result = roster_import(file=upload, uploaded_by=user, on=on)
    assert result.errors == [], [str(e) for e in result.errors]
    return result


def counts(result):
    return result.created, result.updated, result.transferred, result.unchanged


def snapshot():
    return Member.objects.count(), BranchMembership.objects.count(), AuditRecord.objects.count()


def test_a_valid_xlsx_imports_every_row_as_a_new_member_with_a_login(world):
    rows = [
        person(1, A),
        person(2, A, 党员类别="预备党员", 预备期开始=datetime.date(2024, 7, 1), 预备期结束="2025/7/1"),
        person(3, A, 手机号="", 登录名="zhangzq", 党员类别="入党积极分子", 入党日期=""),
        person(4, A, 手机号="", 党员类别="发展对象", 状态="", 入党日期=""),
    ]
    upload = xlsx_file(rows)
    result = imported(world.clerk_a, upload)

    assert counts(result) == (4, 0, 0, 0)
    members = {
        m.id_number: m for m in Member.objects.filter(id_number__in=[valid_id(n) for n in (1, 2, 3, 4)])
    }
    assert len(members) == 4
    probationary = members[valid_id(2)]
    assert probationary.kind == Member.Kind.PROBATIONARY
    assert probationary.probation_end == datetime.date(2025, 7, 1)
    assert members[valid_id(4)].status == Member.Status.ACTIVE
    logins = [members[valid_id(n)].user.username for n in (1, 2, 3, 4)]
    assert logins[:3] == ["13900000001", "13900000002", "zhangzq"]
    assert logins[3].startswith("dy")  # no phone: derived from the ID number
    assert not any(m.user.has_usable_password() for m in members.values())
    assert all(m.branch_on(JAN) == world.branch_a for m in members.values())
    assert [(a.real_name, a.username) for a in result.new_accounts][2] == ("刘桂兰", "zhangzq")


def test_the_import_leaves_one_summary_audit_record_with_the_files_hash(world):
    upload = xlsx_file([person(1, A), person(2, A)])
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    imported(world.clerk_a, upload)

    record = AuditRecord.objects.get(action="member.roster_import")
    assert record.actor == world.clerk_a
    assert record.organization == world.branch_a
    assert record.data["sha256"] == digest
    assert record.data["file_name"] == "党员名册.xlsx"
    assert (record.data["created"], record.data["rows"]) == (2, 2)
    assert record.summary == "导入党员名册 党员名册.xlsx：新增 2，更新 0，转接 0，未变 0"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_valid_csv_imports_every_row_whatever_the_encoding(world, encoding):
    result = imported(world.clerk_a, csv_file([person(1, A), person(2, A)], encoding=encoding))
    assert counts(result) == (2, 0, 0, 0)
    assert set(Member.objects.filter(branch=world.branch_a).values_list("real_name", flat=True)) >= {
        "李秀英",
        "张志强",
    }


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row_and_the_problem(world):
    bad_id = valid_id(2)[:17] + ("0" if valid_id(2)[17] != "0" else "1")
    before = snapshot()

    result = roster_import(
        file=xlsx_file([person(1, A), person(2, A, 身份证号=bad_id), person(3, A)]), uploaded_by=world.clerk_a
    )

    assert [str(e) for e in result.errors] == ["第 3 行「身份证号」：校验位不正确"]
    assert (result.errors[0].line, result.errors[0].column) == (3, "身份证号")
    assert snapshot() == before


def test_a_failure_while_writing_rolls_back_the_rows_already_written(world, monkeypatch):
    from accounts import roster_services

    real_create = roster_services._create
    calls = []

    def create_then_fail(row, *args, **kwargs):
        calls.append(row.line)
        if len(calls) == 2:
            from django.core.exceptions import ValidationError

            raise ValidationError("数据库约束")
        return real_create(row, *args, **kwargs)

    monkeypatch.setattr(roster_services, "_create", create_then_fail)
    before = snapshot()
    result = roster_import(file=csv_file([person(1, A), person(2, A)]), uploaded_by=world.clerk_a, on=JAN)
    assert [str(e) for e in result.errors] == ["第 3 行：数据库约束"]
    assert snapshot() == before


def test_importing_the_same_file_again_changes_nothing_and_records_nothing(world):
    rows = [
        person(1, A),
        person(2, B),
        person(3, A, 党员类别="预备党员", 预备期开始="2024-07-01", 预备期结束="2025-07-01"),
    ]
    imported(world.higher, xlsx_file(rows))
    before = snapshot()

    again = imported(world.higher, xlsx_file(rows), on=JUN)

    assert counts(again) == (0, 0, 0, 3)
    assert snapshot() == before


def test_a_changed_phone_updates_the_member_with_before_and_after_masked_in_the_audit(world):
    imported(world.clerk_a, csv_file([person(1, A), person(2, A)]))
    before = snapshot()

    result = imported(world.clerk_a, csv_file([person(1, A, 手机号="13711112222"), person(2, A)]), on=JUN)

    assert counts(result) == (0, 1, 0, 1)
    member = Member.objects.get(id_number=valid_id(1))
    assert member.phone == "13711112222"
    assert member.user.username == "13900000001"  # the login name is not changed by an import
    update = AuditRecord.objects.get(action="member.update")
    assert update.data == {"before": {"phone": "139****0001"}, "after": {"phone": "137****2222"}}
    assert update.actor == world.clerk_a
    assert AuditRecord.objects.count() == before[2] + 2  # the update and the import summary


def test_a_changed_branch_code_transfers_the_member_and_keeps_the_history(world):
    imported(world.higher, csv_file([person(1, A, 手机号="")]))

    result = imported(world.higher, csv_file([person(1, B, 手机号="")]), on=JUN)

    assert counts(result) == (0, 0, 1, 0)
    member = Member.objects.get(id_number=valid_id(1))
    assert member.branch == world.branch_b
    spells = list(member.memberships.values_list("branch__code", "start", "end"))
    assert spells == [(A, JAN, JUN), (B, JUN, None)]
    assert member.branch_on(datetime.date(2025, 3, 1)) == world.branch_a
    assert AuditRecord.objects.filter(action="member.transfer", target_id=str(member.pk)).count() == 1


def test_a_transfer_on_the_day_the_current_spell_began_is_an_error(world):
    imported(world.higher, csv_file([person(1, A)]))
    result = roster_import(file=csv_file([person(1, B)]), uploaded_by=world.higher, on=JAN)
    assert [str(e) for e in result.errors] == [
        "第 2 行「支部编码」：该党员自 2025年1月1日 起在现支部，转接生效日期须晚于该日期"
    ]


def test_clerk_of_branch_a_cannot_import_into_branch_b_and_nothing_is_imported(world):
    before = snapshot()
    result = roster_import(file=csv_file([person(1, A), person(2, B)]), uploaded_by=world.clerk_a, on=JAN)
    assert [str(e) for e in result.errors] == ["第 3 行「支部编码」：您无权管理「第二党支部」的党员"]
    assert snapshot() == before


def test_clerk_of_branch_a_cannot_pull_a_member_of_branch_b_by_id_number(world):
    imported(world.clerk_b, csv_file([person(1, B)]))
    result = roster_import(file=csv_file([person(1, A)]), uploaded_by=world.clerk_a, on=JUN)
    assert [str(e) for e in result.errors] == [
        "第 2 行「身份证号」：该身份证号的党员所在组织不在您的管理范围内"
    ]
    assert Member.objects.get(id_number=valid_id(1)).branch == world.branch_b


def test_higher_committee_imports_into_every_branch_below_it(world):
    result = imported(world.higher, xlsx_file([person(1, A), person(2, B)]))
    assert counts(result) == (2, 0, 0, 0)
    assert Member.objects.get(id_number=valid_id(2)).branch == world.branch_b
    assert AuditRecord.objects.get(action="member.roster_import").organization == world.general_branch


def test_members_can_only_be_imported_into_a_branch(world):
    result = roster_import(file=csv_file([person(1, "C01-G1"), person(2, "X")]), uploaded_by=world.higher)
    assert [str(e) for e in result.errors] == [
        "第 2 行「支部编码」：「第一党总支」不是党支部，党员只能导入到党支部",
        "第 3 行「支部编码」：支部编码「X」不存在",
    ]


def test_a_login_name_already_in_use_is_an_error(world):
    result = roster_import(file=csv_file([person(1, A, 登录名="zhangwei")]), uploaded_by=world.clerk_a)
    assert [str(e) for e in result.errors] == [
        "第 2 行「登录名」：登录名「zhangwei」已被其他用户使用，请在「登录名」列另行填写"
    ]


def test_an_effective_date_in_the_future_is_refused(world):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    result = roster_import(file=csv_file([person(1, A)]), uploaded_by=world.clerk_a, on=tomorrow)
    assert [str(e) for e in result.errors] == ["生效日期不能晚于今天。"]


def test_a_file_that_is_too_big_is_refused(world, settings):
    settings.ROSTER_MAX_BYTES = 50
    result = roster_import(file=csv_file([person(1, A)]), uploaded_by=world.clerk_a)
    assert [str(e) for e in result.errors] == ["文件大小超过上限 50\xa0字节。"]
