"""备案材料 (the filing package): the 备案表 as PDF and Excel, generated when a period is approved (审定),
stored, and checked later against the SHA-256 recorded when they were made.

``period_approve`` (``workflows.periods``) creates the ``Filing`` and calls :func:`filing_package_request`
in its transaction; after commit a Celery task runs :func:`filing_package_generate`. Generation is
idempotent — a document already made for a filing and kind is never made again (a unique key backs it),
so a retried or duplicated task adds nothing — and a failure is recorded on the ``FilingPackage`` row
(状态 生成失败, the error, the attempts) and retried, never silent. Documents are append-only: a re-approval
makes a new filing and new documents, and the earlier ones stay. :func:`filing_document_verify` (校验)
recomputes a stored file's hash and says in Chinese whether it is unchanged.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.services import audit_record
from workflows.models import Filing, FilingDocument, FilingPackage

logger = logging.getLogger(__name__)

VERIFY_OK = "校验通过：存储的文件与生成时完全一致（SHA-256 {sha256}）。"
VERIFY_CHANGED = "校验未通过：存储的文件已被改动！生成时的 SHA-256 为 {expected}，现在为 {actual}。"
VERIFY_MISSING = "校验未通过：找不到存储的文件，文件可能已被删除或移动。"
GENERATION_FAILED = "备案材料生成失败（第 {attempt} 次尝试）：{error}"
RETRY_NOT_NEEDED = "备案材料已全部生成，无需重新生成。"

EXTENSIONS = {FilingDocument.Kind.PDF: "pdf", FilingDocument.Kind.XLSX: "xlsx"}
CONTENT_TYPES = {
    FilingDocument.Kind.PDF: "application/pdf",
    FilingDocument.Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _renderers() -> dict[str, Callable[[Filing], bytes]]:
    # Imported when used: rendering pulls in WeasyPrint and openpyxl, which the approval itself never needs.
    from reports.documents.forms import filing_pdf
    from reports.exports.excel import filing_xlsx

    return {FilingDocument.Kind.PDF: filing_pdf, FilingDocument.Kind.XLSX: filing_xlsx}


# ---------------------------------------------------------------- requesting and generating


def filing_package_request(filing: Filing) -> FilingPackage:
    """Record that the filing's documents are due, and queue their generation once the approval commits.

    Called inside ``period_approve``'s transaction: a rolled-back approval queues nothing. When the
    broker cannot take the message the package stays 待生成 and the page offers 重新生成.
    """
    package, _ = FilingPackage.objects.get_or_create(filing=filing)
    transaction.on_commit(lambda: filing_package_enqueue(filing.pk), robust=True)
    return package


def filing_package_enqueue(filing_id: int) -> None:
    from reports.tasks import filing_package_generate as task

    task.delay(filing_id)


def filing_package_generate(*, filing_id: int) -> FilingPackage:
    """Make the filing's missing documents (PDF, then Excel), store them and record their SHA-256.

    Each document is made in its own transaction under the package's row lock, so a duplicate delivery
    waits and then finds it made, and a failure of the Excel keeps the PDF already stored.
    """
    for kind, render in _renderers().items():
        with transaction.atomic():
            _locked_package(filing_id)
            filing = Filing.objects.select_related("approval__review__branch").get(pk=filing_id)
            if not filing.documents.filter(kind=kind).exists():
                _store(filing, kind, render(filing))
    with transaction.atomic():
        package = _locked_package(filing_id)
        package.status, package.error, package.updated_at = FilingPackage.Status.DONE, "", timezone.now()
        package.attempts += 1
        package.save()
    return package


def _locked_package(filing_id: int) -> FilingPackage:
    FilingPackage.objects.get_or_create(filing_id=filing_id)
    return FilingPackage.objects.select_for_update().get(filing_id=filing_id)


def _store(filing: Filing, kind: str, content: bytes) -> FilingDocument:
    document = FilingDocument(
        filing=filing,
        kind=kind,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        generated_at=timezone.now(),
    )
    document.file.save(storage_name(filing, kind), ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        document.file.delete(save=False)  # made meanwhile by another run: keep theirs, drop ours
        return FilingDocument.objects.get(filing=filing, kind=kind)
    audit_record(
        actor=None,
        action="filing.document_generate",
        summary=f"生成备案材料：{download_name(document)}",
        target=filing,
        organization=filing.approval.review.branch,
        data={"kind": kind, "sha256": document.sha256, "size": document.size, "round": filing.approval.round},
    )
    return document


def filing_package_failed(*, filing_id: int, error: BaseException) -> FilingPackage:
    """Record a failed attempt where the pages show it; the task retries."""
    with transaction.atomic():
        package = _locked_package(filing_id)
        package.attempts += 1
        package.status = FilingPackage.Status.FAILED
        package.error = GENERATION_FAILED.format(attempt=package.attempts, error=error)[:2000]
        package.updated_at = timezone.now()
        package.save()
    logger.error("filing package %s: %s", filing_id, package.error, exc_info=error)
    return package


def filing_package_retry(*, filing: Filing, by: Any) -> None:
    """重新生成: queue the generation again (after a failure, or a broker that was down)."""
    package, _ = FilingPackage.objects.get_or_create(filing=filing)
    if package.status == FilingPackage.Status.DONE and filing_documents(filing).count() == len(EXTENSIONS):
        raise ValidationError(RETRY_NOT_NEEDED)
    with transaction.atomic():
        audit_record(
            actor=by,
            action="filing.package_retry",
            summary=f"重新生成备案材料：{filing}",
            target=filing,
            organization=filing.approval.review.branch,
        )
        transaction.on_commit(lambda: filing_package_enqueue(filing.pk), robust=True)


def filing_packages_resume(*, older_than: datetime.timedelta = datetime.timedelta(minutes=10)) -> int:
    """Queue again the packages still 待生成 a while after their approval (the broker was down when it
    committed). Failed ones wait for 重新生成: their error is on the page, and retrying them for ever
    would hide it."""
    waiting = FilingPackage.objects.filter(
        status=FilingPackage.Status.PENDING, updated_at__lt=timezone.now() - older_than
    ).values_list("filing_id", flat=True)
    for filing_id in waiting:
        filing_package_enqueue(filing_id)
    return len(waiting)


# ---------------------------------------------------------------- reading and verifying


def filing_documents(filing: Filing) -> QuerySet[FilingDocument]:
    return filing.documents.order_by("kind")


def storage_name(filing: Filing, kind: str) -> str:
    """The stored file's name (ASCII; ``upload_to`` adds the year and month): branch, period, round."""
    review = filing.approval.review
    period = f"{review.cycle}-{review.period_kind}{review.period_index}"
    return f"{review.branch.code}_{period}_r{filing.approval.round}_{filing.pk}.{EXTENSIONS[kind]}"


def download_name(document: FilingDocument) -> str:
    """第一党支部2026年度第1季度党员季度积分备案表（第1次审定）.pdf."""
    from reports.ledgers import FILING_TITLES
    from scoring.core.periods import PeriodKind

    review = document.filing.approval.review
    title = FILING_TITLES[PeriodKind(review.period_kind)]
    round_text = f"（第{document.filing.approval.round}次审定）"
    return f"{review.branch.name}{review.label}{title}{round_text}.{EXTENSIONS[document.kind]}"


@dataclass(frozen=True)
class Verification:
    """校验结果: whether the stored file is the one generated, and the hash found now."""

    ok: bool
    message: str
    actual_sha256: str


def stored_sha256(document: FilingDocument) -> str | None:
    """The SHA-256 of the stored file as it is now; None when the file is gone."""
    digest = hashlib.sha256()
    try:
        with document.file.open("rb") as stored:
            for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return None
    return digest.hexdigest()


def filing_document_check(document: FilingDocument) -> Verification:
    """Whether the stored file is still the one generated (no record kept: for reads such as the API)."""
    actual = stored_sha256(document)
    if actual is None:
        return Verification(False, VERIFY_MISSING, "")
    if actual == document.sha256:
        return Verification(True, VERIFY_OK.format(sha256=document.sha256), actual)
    return Verification(False, VERIFY_CHANGED.format(expected=document.sha256, actual=actual), actual)


def filing_document_verify(*, document: FilingDocument, by: Any) -> Verification:
    """校验: recompute the stored file's SHA-256 and compare it with the one recorded; audited."""
    result = filing_document_check(document)
    audit_record(
        actor=by,
        action="filing.document_verify",
        summary=f"校验备案材料：{download_name(document)}：{'一致' if result.ok else '不一致'}",
        target=document.filing,
        organization=document.filing.approval.review.branch,
        data={
            "document": document.pk,
            "ok": result.ok,
            "expected": document.sha256,
            "actual": result.actual_sha256,
        },
    )
    return result
