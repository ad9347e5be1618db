"""Every page and download of /reports/exports/ with its three cases: anonymous → login, out of scope →
404 (403 for the import, which is for clerks only), in scope → 200 with the right file or page."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from reports.filing_package import VERIFY_OK
from workflows.models import FilingDocument

from .xlsx import number, read, rows_by_first

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def filed(quarter, world, django_capture_on_commit_callbacks):
    """The quarter's filing with its documents made (the task the approval queued, run now)."""
    from reports.tasks import filing_package_generate

    filing_package_generate.delay(quarter.approval.filing.pk)
    return quarter.approval.filing


def users(world):
    return {
        "member": world.member_a.user,
        "other_member": world.other_member_a.user,
        "clerk": world.clerk_a,
        "committee": world.committee_a,
        "secretary": world.secretary_a,
        "clerk_b": world.clerk_b,
        "outsider": world.outsider.user,
        "higher": world.higher,
    }


def urls(world, filing):
    member, branch = world.member_a.pk, world.branch_a.pk
    document = FilingDocument.objects.get(filing=filing, kind="xlsx").pk
    return {
        "member_ledger": reverse("reports:exports:member_ledger", args=[member, 2026]),
        "quarter_detail": reverse("reports:exports:quarter_detail", args=[member, "2026-Q1"]),
        "member_page": reverse("reports:exports:member", args=[member]),
        "branch_page": reverse("reports:exports:branch", args=[branch]),
        "branch_ledger": reverse("reports:exports:branch_ledger", args=[branch, "2026-Q1"]),
        "ranking": reverse("reports:exports:ranking", args=[branch, "2026-Q1"]),
        "committee_ranking": reverse("reports:exports:ranking", args=[world.committee.pk, "2026-Q1"]),
        "filing_xlsx": reverse("reports:exports:filing_xlsx", args=[filing.pk]),
        "filing": reverse("reports:exports:filing", args=[filing.pk]),
        "document": reverse("reports:exports:document", args=[document]),
    }


# Who gets 200; everyone else signed in gets 404.
ALLOWED = {
    "member_ledger": {"member", "clerk", "committee", "secretary", "higher"},
    "quarter_detail": {"member", "clerk", "committee", "secretary", "higher"},
    "member_page": {"member", "clerk", "committee", "secretary", "higher"},
    "branch_page": {"clerk", "committee", "secretary", "higher"},
    "branch_ledger": {"clerk", "committee", "secretary", "higher"},
    "ranking": {"clerk", "committee", "secretary", "higher"},
    "committee_ranking": {"higher"},
    "filing_xlsx": {"clerk", "committee", "secretary", "higher"},
    "filing": {"clerk", "committee", "secretary", "higher"},
    "document": {"clerk", "committee", "secretary", "higher"},
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_every_download_and_page_is_scoped(client, world, filed, name):
    url = urls(world, filed)[name]
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for who, user in users(world).items():
        client.force_login(user)
        response = client.get(url)
        expected = 200 if who in ALLOWED[name] else 404
        assert response.status_code == expected, (name, who, response.status_code)


def test_a_download_is_the_sheet_with_a_chinese_file_name(client, world, quarter):
    client.force_login(world.clerk_a)
    response = client.get(reverse("reports:exports:branch_ledger", args=[world.branch_a.pk, "2026-Q1"]))
    assert response["Content-Type"] == XLSX
    name = "第一党支部_2026年度第1季度_党员积分台账.xlsx"
    assert f"filename*=utf-8''{quote(name)}" in response["Content-Disposition"]
    sheet = read(b"".join(response.streaming_content))
    row = rows_by_first(sheet, 1, first_row=6)["张伟"]
    assert number(row[[c.value for c in sheet[4]].index("本期积分")]) == 4


def test_verify_on_the_filing_page_says_the_file_is_unchanged(client, world, filed):
    document = FilingDocument.objects.get(filing=filed, kind="pdf")
    client.force_login(world.higher)
    page = client.get(reverse("reports:exports:filing", args=[filed.pk])).content.decode()
    assert document.sha256 in page and "校验" in page
    response = client.post(reverse("reports:exports:document_verify", args=[document.pk]))
    assert response.status_code == 200
    assert VERIFY_OK.format(sha256=document.sha256) in response.content.decode()
    assert AuditRecord.objects.filter(action="filing.document_verify", actor=world.higher).count() == 1


def test_verify_is_refused_outside_scope_and_to_anonymous(client, world, filed):
    document = FilingDocument.objects.get(filing=filed, kind="pdf")
    url = reverse("reports:exports:document_verify", args=[document.pk])
    assert client.post(url).status_code == 302
    client.force_login(world.clerk_b)
    assert client.post(url).status_code == 404
    client.force_login(world.member_a.user)
    assert client.post(url).status_code == 404
    assert not AuditRecord.objects.filter(action="filing.document_verify").exists()


def test_the_stored_document_downloads_as_generated(client, world, filed):
    document = FilingDocument.objects.get(filing=filed, kind="pdf")
    client.force_login(world.secretary_a)
    response = client.get(reverse("reports:exports:document", args=[document.pk]))
    content = b"".join(response.streaming_content)
    import hashlib

    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert response["Content-Type"] == "application/pdf"
    assert (
        quote("第一党支部2026年度第1季度党员季度积分备案表（第1次审定）.pdf")
        in response["Content-Disposition"]
    )


def test_regenerate_is_refused_when_everything_is_there(client, world, filed):
    client.force_login(world.clerk_a)
    response = client.post(reverse("reports:exports:filing_retry", args=[filed.pk]))
    assert response.status_code == 400
    assert "备案材料已全部生成，无需重新生成。" in response.content.decode()
    client.force_login(world.clerk_b)
    assert client.post(reverse("reports:exports:filing_retry", args=[filed.pk])).status_code == 404


def test_a_bad_period_code_is_a_chinese_400(client, world, quarter):
    client.force_login(world.clerk_a)
    response = client.get(reverse("reports:exports:branch_ledger", args=[world.branch_a.pk, "2026-Q9"]))
    assert response.status_code == 400
    assert "2026-Q9" in response.content.decode() and "无效" in response.content.decode()


def test_the_index_offers_what_the_user_may_have(client, world, quarter):
    client.force_login(world.member_a.user)
    page = client.get(reverse("reports:exports:index")).content.decode()
    assert reverse("reports:exports:member_ledger", args=[world.member_a.pk, 2026]) in page
    assert reverse("reports:exports:import") not in page
    assert reverse("reports:exports:branch", args=[world.branch_a.pk]) not in page
    client.force_login(world.clerk_a)
    page = client.get(reverse("reports:exports:index")).content.decode()
    assert reverse("reports:exports:import") in page
    assert reverse("reports:exports:branch", args=[world.branch_a.pk]) in page
    assert reverse("reports:exports:branch", args=[world.branch_b.pk]) not in page
    client.force_login(world.higher)
    page = client.get(reverse("reports:exports:index")).content.decode()
    assert reverse("reports:exports:ranking", args=[world.committee.pk, "2026-Q1"]) in page


def test_the_higher_committees_filing_task_page_shows_the_documents(client, world, filed):
    from tests.workflows.helpers import open_task, task_url
    from workflows.flows import PeriodReviewFlow

    task = open_task(filed.approval.review.process, PeriodReviewFlow.file)
    client.force_login(world.higher)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    for document in filed.documents.all():
        assert document.sha256 in page
        assert reverse("reports:exports:document_verify", args=[document.pk]) in page


def test_the_filing_api_shows_the_documents_with_their_verification(client, world, filed):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    client.force_login(world.higher)
    body = client.get(f"/api/v1/filings/{filed.pk}/").json()
    package = body["package"]
    assert package["status"] == "done" and package["error"] == ""
    documents = {d["kind"]: d for d in package["documents"]}
    pdf = FilingDocument.objects.get(filing=filed, kind="pdf")
    assert documents["pdf"]["sha256"] == pdf.sha256 and documents["pdf"]["approval_round"] == 1
    assert documents["pdf"]["verification"]["ok"] is True
    assert documents["pdf"]["download_url"].endswith(reverse("reports:exports:document", args=[pdf.pk]))
    default_storage.delete(pdf.file.name)
    default_storage.save(pdf.file.name, ContentFile(b"%PDF forged"))
    body = client.get(f"/api/v1/filings/{filed.pk}/").json()
    verification = {d["kind"]: d for d in body["package"]["documents"]}["pdf"]["verification"]
    assert verification["ok"] is False and verification["message"].startswith(
        "校验未通过：存储的文件已被改动"
    )
    assert not AuditRecord.objects.filter(action="filing.document_verify").exists()  # reading records nothing
