"""The 名册导入 pages in the 组织与党员 application: who may open them, what they show, the template."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import roster
from accounts.models import Member
from accounts.views_roster import RosterViewset
from audit.models import AuditRecord
from tests.accounts.data.rosters import HEADERS, person, valid_id, xlsx_bytes, xlsx_file

IMPORT = reverse("accounts:roster:index")
TEMPLATE = reverse("accounts:roster:template")
A = "C01-G1-A"


def post(client, upload, on="2025-01-01"):
    return client.post(IMPORT, {"file": upload, "on": on})


@pytest.mark.parametrize("url", [IMPORT, TEMPLATE])
def test_anonymous_visitors_are_sent_to_the_login_page(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("url", [IMPORT, TEMPLATE])
def test_a_member_without_manage_members_gets_403(client, world, url):
    client.force_login(world.member_a.user)
    assert client.get(url).status_code == 403
    assert client.post(IMPORT, {"file": xlsx_file([person(1, A)]), "on": "2025-01-01"}).status_code == 403
    assert not Member.objects.filter(id_number=valid_id(1)).exists()


@pytest.mark.parametrize("persona", ["clerk_a", "higher"])
def test_the_clerk_and_the_higher_committee_see_the_upload_form(client, world, persona):
    client.force_login(getattr(world, persona))
    response = client.get(IMPORT)
    assert response.status_code == 200
    assert "党员名册导入" in response.text
    assert TEMPLATE in response.text


def test_the_menu_entry_is_shown_only_to_those_who_may_import(world):
    viewset = RosterViewset()
    assert viewset.has_view_permission(world.clerk_a)
    assert viewset.has_view_permission(world.higher)
    assert not viewset.has_view_permission(world.member_a.user)
    assert not viewset.has_view_permission(world.secretary_a)


def test_a_valid_upload_shows_the_counts_and_the_new_logins(client, world):
    client.force_login(world.clerk_a)
    response = post(client, xlsx_file([person(1, A), person(2, A)]))
    assert response.status_code == 200
    assert response.context["result"].created == 2
    assert "名册已导入" in response.text
    assert "13900000001" in response.text  # the new login name
    assert "还没有密码" in response.text


def test_a_bad_upload_shows_the_error_table_and_changes_nothing(client, world):
    client.force_login(world.clerk_a)
    members = Member.objects.count()
    response = post(client, xlsx_file([person(1, A), person(2, "C01-G1-B")]))
    assert response.status_code == 200
    assert [str(e) for e in response.context["result"].errors] == [
        "第 3 行「支部编码」：您无权管理「第二党支部」的党员"
    ]
    assert "名册未导入" in response.text
    assert "您无权管理「第二党支部」的党员" in response.text
    assert Member.objects.count() == members


def test_a_file_of_the_wrong_type_is_refused_by_the_form(client, world):
    client.force_login(world.clerk_a)
    response = post(client, SimpleUploadedFile("名册.docx", b"PK\x03\x04"))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["仅支持 Excel（.xlsx）或 CSV（.csv）文件。"]


def test_the_template_has_the_header_a_valid_example_lists_widths_and_a_frozen_header(client, world):
    client.force_login(world.clerk_a)
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == roster.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["B2"].value == roster.EXAMPLE_ID_NUMBER
    assert sheet["D2"].value == A  # a branch the downloader manages
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 22
    lists = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert lists == {
        "E2:E2000": '"正式党员,预备党员,发展对象,入党积极分子"',
        "F2:F2000": '"在岗,流动党员,经批准免于积分"',
    }


def test_the_filled_in_template_imports_cleanly(client, world):
    client.force_login(world.clerk_a)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(TEMPLATE).getvalue()))
    sheet = workbook.worksheets[0]
    sheet.append([person(1, A).get(h) or None for h in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = post(client, SimpleUploadedFile("名册.xlsx", buffer.getvalue()))

    assert response.context["result"].errors == []
    assert response.context["result"].created == 2
    example = Member.objects.get(id_number=roster.EXAMPLE_ID_NUMBER)
    assert (example.kind, example.branch.code) == (Member.Kind.PROBATIONARY, A)


def test_reimporting_through_the_page_reports_everything_unchanged(client, world):
    client.force_login(world.clerk_a)
    content = xlsx_bytes([person(1, A), person(2, A)])
    post(client, SimpleUploadedFile("名册.xlsx", content))
    records = AuditRecord.objects.count()

    response = post(client, SimpleUploadedFile("名册.xlsx", content), on="2025-06-01")

    assert response.context["result"].unchanged == 2
    assert "没有任何变化" in response.text
    assert AuditRecord.objects.count() == records
