"""签到表导入: a sheet of branch-observed events is entered through the clerk's own service, all rows or
none, each problem named by row and column in Chinese; importing the same sheet again adds nothing."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.messages import FILE_XLSX_ODD_COMPRESSION
from audit.models import AuditRecord
from reports.exports import imports
from reports.exports.imports import attendance_import
from tests.accounts.data import unsafe_xlsx
from tests.factories import make_member
from tests.workflows.helpers import freeze, nothing_changes
from workflows import messages as workflow_messages
from workflows.models import Claim

HEADER = ["党员姓名", "身份证后四位", "手机", "日期", "项目", "分值", "说明"]


def xlsx(*rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(name, day, item, *, id_tail="", phone="", points=None, note=""):
    return [name, id_tail, phone, day, item, points, note]


MARCH_5 = datetime.date(2026, 3, 5)
GOOD = (
    row("张伟", MARCH_5, "支部党员大会"),  # by the item's name
    row("王芳", "2026/3/5", "branch-meeting", note="3月支部党员大会"),  # by its code, a date typed as text
    row("李娜", "2026年2月10日", "dues"),
)


@pytest.fixture(autouse=True)
def march(monkeypatch, rules_2026):
    return freeze(monkeypatch, 2026, 3, 20, 10)


def run(world, content, *, commit=True, name="签到表.xlsx", by=None, branch=None):
    return attendance_import(
        branch=branch or world.branch_a, name=name, content=content, by=by or world.clerk_a, commit=commit
    )


def problems(result) -> list[str]:
    return [str(error) for error in result.errors]


# --- the import --------------------------------------------------------------------------------


def test_a_sheet_is_entered_for_committee_review_through_branch_record(world):
    result = run(world, xlsx(*GOOD))
    assert result.ok and result.committed
    claims = Claim.objects.filter(source=Claim.Source.BRANCH).order_by("member__real_name")
    assert [(c.member.real_name, c.item_code, c.occurred_on, c.status) for c in claims] == [
        ("张伟", "branch-meeting", MARCH_5, "recorded"),
        ("李娜", "dues", datetime.date(2026, 2, 10), "submitted"),  # the clerk's own: 登记 by the secretary
        ("王芳", "branch-meeting", MARCH_5, "recorded"),
    ]
    assert all(claim.process.pk for claim in claims)  # each waits in the committee's queue
    assert Claim.objects.get(member=world.other_member_a).description == "3月支部党员大会"
    assert AuditRecord.objects.filter(action="claim.branch_record").count() == 3
    record = AuditRecord.objects.get(action="attendance.import")
    assert record.data["sha256"] == result.sha256 and record.actor == world.clerk_a


def test_the_preview_checks_everything_and_changes_nothing(world):
    with nothing_changes():
        result = run(world, xlsx(*GOOD), commit=False)
    assert result.ok and not result.committed
    assert [(r.line, r.member.real_name, r.item.code, r.existing) for r in result.rows] == [
        (2, "张伟", "branch-meeting", False),
        (3, "王芳", "branch-meeting", False),
        (4, "李娜", "dues", False),
    ]


def test_importing_the_same_sheet_again_adds_nothing(world):
    run(world, xlsx(*GOOD))
    with nothing_changes():
        again = run(world, xlsx(*GOOD))
    assert again.ok and len(again.existing_rows) == 3 and again.new_rows == []


def test_a_sheet_with_one_bad_row_enters_nothing(world):
    with nothing_changes():
        result = run(world, xlsx(*GOOD, row("李四", MARCH_5, "dues")))
    assert problems(result) == ["第 5 行「党员姓名」：本支部没有名为「李四」的党员（免于积分的党员不能登记）"]
    assert result.rows == []


# --- each problem, named by row and column, nothing changed ------------------------------------


def refused(world, *rows, **kwargs) -> list[str]:
    with nothing_changes():
        result = run(world, xlsx(*rows), **kwargs)
    assert not result.ok
    return problems(result)


def test_a_bad_date(world):
    assert refused(world, row("张伟", "2026-13-01", "dues")) == [
        "第 2 行「日期」：「2026-13-01」不是有效日期，可写作 2026-03-05、2026/3/5 或 2026年3月5日"
    ]


def test_an_unknown_member(world):
    assert refused(world, row("赵磊", MARCH_5, "dues")) == [  # 赵磊 is in branch B
        "第 2 行「党员姓名」：本支部没有名为「赵磊」的党员（免于积分的党员不能登记）"
    ]


def test_an_ambiguous_name_needs_the_id_tail_or_phone(world):
    twin = make_member(branch=world.branch_a, real_name="张伟", username="zhangwei2", phone="13600006666")
    assert refused(world, row("张伟", MARCH_5, "dues")) == [
        "第 2 行「党员姓名」：本支部有 2 名党员名为「张伟」，请填写身份证后四位或手机以区分"
    ]
    assert refused(world, row("张伟", MARCH_5, "dues", phone="13900000000")) == [
        "第 2 行「手机」：与「张伟」的身份证后四位或手机不符"
    ]
    by_phone = run(world, xlsx(row("张伟", MARCH_5, "dues", phone="13600006666")))
    by_id = run(world, xlsx(row("张伟", MARCH_5, "dues", id_tail=world.member_a.id_number[-4:])))
    assert by_phone.ok and by_id.ok
    assert {c.member for c in Claim.objects.filter(item_code="dues")} == {twin, world.member_a}


def test_an_unknown_item(world):
    assert refused(world, row("张伟", MARCH_5, "打篮球")) == [
        "第 2 行「项目」：「打篮球」不是 2026-03-05 现行积分细则中的项目（可填项目编码或名称）"
    ]


def test_an_item_the_member_claims_is_not_recorded_by_the_branch(world):
    message = workflow_messages.ITEM_NOT_RECORDABLE % {"item": "创新型特色党员活动"}
    assert refused(world, row("张伟", MARCH_5, "innovative-activity")) == [f"第 2 行「项目」：{message}"]


def test_a_duplicate_row(world):
    assert refused(
        world, row("张伟", MARCH_5, "branch-meeting"), row("张伟", "2026-03-05", "支部党员大会")
    ) == ["第 3 行「党员姓名」：与第 2 行重复（同一党员、同一日期、同一项目）"]


def test_a_date_outside_any_cycle(world):
    message = workflow_messages.NO_RULESET % {"branch": "第一党支部", "date": "2025年6月1日"}
    assert refused(world, row("张伟", datetime.date(2025, 6, 1), "dues")) == [f"第 2 行「日期」：{message}"]


def test_a_date_in_the_future(world):
    assert refused(world, row("张伟", datetime.date(2026, 3, 25), "dues")) == [
        f"第 2 行「日期」：{workflow_messages.DATE_IN_FUTURE}"
    ]


def test_the_frequency_limit_of_the_rules_applies_across_rows(world):
    # 支部党员大会 counts once a month (erqi-2021): the service refuses the second March meeting.
    result = refused(
        world, row("张伟", MARCH_5, "branch-meeting"), row("张伟", "2026-03-19", "branch-meeting")
    )
    assert len(result) == 1 and result[0].startswith("第 3 行「日期」：") and "频次" in result[0]


def test_every_problem_is_listed_at_once_in_reading_order(world):
    assert refused(
        world,
        row("张伟", MARCH_5, "innovative-activity"),
        row("李四", "昨天", "dues"),
        row("", MARCH_5, ""),
        row("王芳", MARCH_5, "打篮球"),
    ) == [
        f"第 2 行「项目」：{workflow_messages.ITEM_NOT_RECORDABLE % {'item': '创新型特色党员活动'}}",
        "第 3 行「日期」：「昨天」不是有效日期，可写作 2026-03-05、2026/3/5 或 2026年3月5日",
        "第 4 行「党员姓名」：不能为空",
        "第 4 行「项目」：不能为空",
        "第 5 行「项目」：「打篮球」不是 2026-03-05 现行积分细则中的项目（可填项目编码或名称）",
    ]


def test_a_missing_column(world):
    with nothing_changes():
        result = run(world, xlsx(["张伟", MARCH_5], header=["党员姓名", "日期"]))
    assert problems(result) == ["第 1 行「项目」：表头缺少此必填列，请使用签到表模板"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("签到表.csv", b"a,b\n", imports.FILE_TYPE),
        ("签到表.xls", b"\xd0\xcf\x11\xe0", str(imports.FILE_XLS)),
        ("签到表.xlsx", b"not a workbook", "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。"),
        ("签到表.xlsx", b"", "文件是空的。"),
    ],
)
def test_a_file_that_is_not_a_readable_xlsx(world, name, content, message):
    with nothing_changes():
        result = run(world, content, name=name)
    assert problems(result) == [message]


def test_an_oversized_file(world, settings):
    settings.ROSTER_MAX_BYTES = 1000
    with nothing_changes():
        result = run(world, xlsx(*GOOD))
    assert problems(result) == ["文件大小超过上限 1000\xa0字节。"]


def test_a_sign_in_sheet_that_is_a_zip_bomb_is_refused_before_it_is_read(world):
    content = unsafe_xlsx.repeated_rows(HEADER, rows=10_000)  # 17 KB packing 2.9 MB
    with nothing_changes():
        result = run(world, content)
    assert problems(result) == [str(FILE_XLSX_ODD_COMPRESSION)]


def test_only_the_branchs_clerk_may_import(world):
    with nothing_changes():
        result = run(world, xlsx(*GOOD), by=world.clerk_b)
    assert problems(result) == ["您不是「第一党支部」的组织委员，不能为该支部导入登记。"]


# --- the pages ---------------------------------------------------------------------------------


def upload(client, world, content, name="签到表.xlsx", branch=None):
    file = io.BytesIO(content)
    file.name = name
    return client.post(
        reverse("reports:exports:import"), {"branch": (branch or world.branch_a).pk, "file": file}
    )


def test_upload_previews_then_confirm_imports(client, world):
    client.force_login(world.clerk_a)
    with nothing_changes():
        preview = upload(client, world, xlsx(*GOOD))
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "将登记 3 条" in page and "张伟" in page
    token = preview.context["token"]
    done = client.post(reverse("reports:exports:import_confirm"), {"token": token, "action": "confirm"})
    assert done.status_code == 200 and "已登记 3 条" in done.content.decode()
    assert Claim.objects.filter(source=Claim.Source.BRANCH).count() == 3
    with nothing_changes():  # the same preview confirmed twice (a double click) imports nothing more
        again = client.post(reverse("reports:exports:import_confirm"), {"token": token, "action": "confirm"})
    assert again.status_code == 400 and imports_expired() in again.content.decode()


def imports_expired() -> str:
    from reports.exports.views_import import EXPIRED

    return EXPIRED


def test_upload_with_errors_shows_them_all_and_imports_nothing(client, world):
    client.force_login(world.clerk_a)
    with nothing_changes():
        response = upload(
            client, world, xlsx(row("李四", MARCH_5, "dues"), row("张伟", "2026-13-01", "dues"))
        )
    page = response.content.decode()
    assert response.status_code == 200 and "未导入任何数据" in page
    assert "本支部没有名为「李四」的党员" in page and "「2026-13-01」不是有效日期" in page


def test_upload_of_a_non_xlsx_file_is_refused_by_the_form(client, world):
    client.force_login(world.clerk_a)
    with nothing_changes():
        response = upload(client, world, b"a,b\n", name="签到表.csv")
    assert response.status_code == 200 and imports.FILE_TYPE in response.content.decode()


def test_cancel_discards_the_preview(client, world):
    client.force_login(world.clerk_a)
    token = upload(client, world, xlsx(*GOOD)).context["token"]
    response = client.post(reverse("reports:exports:import_confirm"), {"token": token, "action": "cancel"})
    assert response.status_code == 302
    with nothing_changes():
        expired = client.post(
            reverse("reports:exports:import_confirm"), {"token": token, "action": "confirm"}
        )
    assert expired.status_code == 400


def test_a_clerk_cannot_import_into_another_branch(client, world):
    client.force_login(world.clerk_b)
    with nothing_changes():
        response = upload(client, world, xlsx(*GOOD), branch=world.branch_a)
    assert response.status_code == 200 and "branch" in response.context["form"].errors


@pytest.mark.parametrize("url_name", ["import", "import_template", "import_confirm"])
def test_the_import_pages_are_for_clerks(client, world, url_name):
    url = reverse(f"reports:exports:{url_name}")
    assert client.get(url).status_code == 302  # anonymous → login
    for user in (world.member_a.user, world.committee_a, world.secretary_a, world.higher):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    client.force_login(world.clerk_a)
    assert client.get(url).status_code == (405 if url_name == "import_confirm" else 200)


def test_the_template_lists_the_branch_items(client, world):
    client.force_login(world.clerk_a)
    response = client.get(reverse("reports:exports:import_template"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in workbook["签到登记"][1]] == HEADER
    codes = [r[0] for r in workbook["项目与说明"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert "branch-meeting" in codes and "dues" in codes and "innovative-activity" not in codes
    assert (
        client.get(reverse("reports:exports:import_template"), {"branch": world.branch_b.pk}).status_code
        == 404
    )
