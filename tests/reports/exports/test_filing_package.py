"""备案材料: made after 审定 commits (PDF and Excel), stored with their SHA-256, verified later (校验),
never made twice, failures recorded and retried; a re-approval adds documents and keeps the old ones."""

from __future__ import annotations

import hashlib

import pytest
from celery.exceptions import Retry
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from audit.models import AuditRecord
from reports import filing_package as package_services
from reports.filing_package import (
    RETRY_NOT_NEEDED,
    VERIFY_CHANGED,
    VERIFY_MISSING,
    VERIFY_OK,
    filing_document_verify,
    filing_package_retry,
)
from reports.tasks import filing_package_generate
from tests.workflows.helpers import freeze, open_task, perform, publicity_closed, publicity_opened
from workflows.flows import PeriodReviewFlow
from workflows.models import Filing, FilingDocument, FilingPackage, PeriodReview
from workflows.periods import filing_return

from .conftest import approve, quarter_entries
from .xlsx import header, read


@pytest.fixture
def approved(world, rules_2026, monkeypatch, django_capture_on_commit_callbacks):
    """Q1 approved, and what runs after the approval's commit run too (the Celery task, eagerly)."""
    freeze(monkeypatch, 2026, 3, 20, 10)
    quarter_entries(world)
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        approval = approve(world, review)
    return approval.filing


def stored(document: FilingDocument) -> bytes:
    with document.file.open("rb") as file:
        return file.read()


def test_approval_generates_the_filing_pdf_and_excel_with_their_sha256(world, approved):
    documents = {d.kind: d for d in approved.documents.all()}
    assert set(documents) == {"pdf", "xlsx"}
    for document in documents.values():
        content = stored(document)
        assert document.sha256 == hashlib.sha256(content).hexdigest()
        assert document.size == len(content) > 1000
        assert document.approval_round == 1
        assert document.file.name.startswith("filings/")
    assert stored(documents["pdf"]).startswith(b"%PDF")
    sheet = read(stored(documents["xlsx"]))
    assert sheet["A1"].value == "党员季度积分备案表" and header(sheet)[1] == "姓名"
    package = FilingPackage.objects.get(filing=approved)
    assert (package.status, package.attempts, package.error) == ("done", 1, "")
    assert AuditRecord.objects.filter(action="filing.document_generate").count() == 2


def test_nothing_is_generated_until_the_approval_commits(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    quarter_entries(world)
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    approval = approve(world, review)  # the test's transaction never commits
    assert FilingPackage.objects.get(filing=approval.filing).status == "pending"
    assert not FilingDocument.objects.exists()


def test_a_retried_task_adds_nothing(world, approved):
    before = {d.kind: (d.pk, d.sha256) for d in approved.documents.all()}
    assert filing_package_generate.delay(approved.pk).get() == "done"
    filing_package_generate.delay(approved.pk).get()
    assert {d.kind: (d.pk, d.sha256) for d in approved.documents.all()} == before
    assert FilingDocument.objects.count() == 2
    assert FilingPackage.objects.get(filing=approved).attempts == 3


def test_verify_says_the_stored_file_is_unchanged(world, approved):
    document = approved.documents.get(kind="pdf")
    result = filing_document_verify(document=document, by=world.higher)
    assert result.ok and result.message == VERIFY_OK.format(sha256=document.sha256)
    record = AuditRecord.objects.get(action="filing.document_verify")
    assert record.actor == world.higher and record.data["ok"] is True


def test_verify_detects_a_tampered_file(world, approved):
    document = approved.documents.get(kind="xlsx")
    default_storage.delete(document.file.name)
    default_storage.save(document.file.name, ContentFile(b"PK changed afterwards"))
    result = filing_document_verify(document=document, by=world.higher)
    actual = hashlib.sha256(b"PK changed afterwards").hexdigest()
    assert not result.ok
    assert result.message == VERIFY_CHANGED.format(expected=document.sha256, actual=actual)
    assert AuditRecord.objects.get(action="filing.document_verify").data["ok"] is False


def test_verify_detects_a_missing_file(world, approved):
    document = approved.documents.get(kind="pdf")
    default_storage.delete(document.file.name)
    result = filing_document_verify(document=document, by=world.higher)
    assert (result.ok, result.message) == (False, VERIFY_MISSING)


def test_a_failure_is_recorded_retried_and_made_good_by_regenerating(
    world, rules_2026, monkeypatch, django_capture_on_commit_callbacks
):
    freeze(monkeypatch, 2026, 3, 20, 10)
    quarter_entries(world)
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    calls = []

    def broken(filing):
        calls.append(filing.pk)
        raise RuntimeError("字体缺失")

    monkeypatch.setattr("reports.documents.forms.filing_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        approval = approve(world, review)  # the failing task does not undo the approval
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.APPROVED
    package = FilingPackage.objects.get(filing=approval.filing)
    assert calls == [approval.filing.pk]
    assert package.status == "failed" and package.attempts == 1
    assert package.error == "备案材料生成失败（第 1 次尝试）：字体缺失"
    assert not FilingDocument.objects.filter(kind="pdf").exists()
    # A worker would run it again later, each time after a longer delay; every failure is recorded.
    with pytest.raises(Retry) as retried:
        filing_package_generate.delay(approval.filing.pk)
    assert retried.value.when == 60
    package.refresh_from_db()
    assert package.attempts == 2 and package.error == "备案材料生成失败（第 2 次尝试）：字体缺失"

    monkeypatch.undo()  # the fonts are installed; someone presses 重新生成
    freeze(monkeypatch, 2026, 4, 8, 10)
    with django_capture_on_commit_callbacks(execute=True):
        filing_package_retry(filing=approval.filing, by=world.secretary_a)
    package.refresh_from_db()
    assert (package.status, package.error) == ("done", "")
    assert set(approval.filing.documents.values_list("kind", flat=True)) == {"pdf", "xlsx"}
    with pytest.raises(ValidationError) as refused:
        filing_package_retry(filing=approval.filing, by=world.secretary_a)
    assert refused.value.messages == [RETRY_NOT_NEEDED]


def test_a_re_approval_makes_new_documents_and_keeps_the_old(
    world, approved, django_capture_on_commit_callbacks
):
    review = approved.approval.review
    perform(
        open_task(review.process, PeriodReviewFlow.file),
        world.higher,
        lambda **kw: filing_return(review=review, reason="请核对", **kw),
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = approve(world, PeriodReview.objects.get(pk=review.pk))
    assert FilingDocument.objects.count() == 4
    assert {d.approval_round for d in second.filing.documents.all()} == {2}
    assert Filing.objects.get(pk=approved.pk).documents.count() == 2  # the first round's stay


def test_resume_queues_packages_left_waiting(
    world, rules_2026, monkeypatch, django_capture_on_commit_callbacks
):
    freeze(monkeypatch, 2026, 3, 20, 10)
    quarter_entries(world)
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    approval = approve(world, review)  # committed, but the broker never got the message
    FilingPackage.objects.filter(filing=approval.filing).update(
        updated_at=approval.approved_at.replace(year=2025)
    )
    assert package_services.filing_packages_resume() == 1
    assert approval.filing.documents.count() == 2
    assert package_services.filing_packages_resume() == 0
