"""退回重新审定: a mistake found after 审定 is corrected by reopening the period, never by changing what was
approved. The branch secretary reopens with the reason; a period already 备案 needs the higher committee's
consent (its queue, ``PeriodReopenFlow``); one still 待备案 is withdrawn from the filing at once.

Reopened, the period stands 退回重新审定 (its points count no longer, as after a 备案退回): corrections go
through the 支委会 (``workflows.corrections``), then the secretary approves again — a new round of
``PeriodApproval`` and ``FrozenScore`` with its own filing and documents, appended; the earlier round and
its documents stay in the history, marked as replaced.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.access import may, role_holders
from accounts.models import RoleAssignment
from audit.services import audit_record
from workflows import messages
from workflows.models import Filing, PeriodReopening, PeriodReview
from workflows.notifications import notify_many

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def _branch_officers(review: PeriodReview) -> list[Any]:
    return role_holders(review.branch, RoleAssignment.Role.SECRETARY, RoleAssignment.Role.CLERK)


@transaction.atomic
def period_reopen(*, review: PeriodReview, by: Any, reason: str) -> PeriodReopening:
    """退回重新审定 by the branch secretary, with the reason.

    待备案 (审定, not yet 备案): the filing is withdrawn and 审定 reopens now. 已备案: the request waits for
    the higher committee's consent; until then nothing changes.
    """
    if not may(by, "approve_period", review.branch):
        raise ValidationError(messages.REOPEN_NOT_ALLOWED)
    if not reason.strip():
        raise ValidationError({"reason": [messages.REOPEN_REASON_REQUIRED]})
    review = PeriodReview.objects.select_for_update().get(pk=review.pk)
    if review.status not in (PeriodReview.Status.APPROVED, PeriodReview.Status.ARCHIVED):
        status = review.get_status_display()
        message = messages.REOPEN_NOT_APPROVED % {"period": review.label, "status": status}
        raise ValidationError(message, code="not_approved")
    if review.reopenings.filter(status=PeriodReopening.Status.AWAITING).exists():
        raise ValidationError(messages.REOPEN_AWAITING, code="reopening_awaiting")
    filed = review.status == PeriodReview.Status.ARCHIVED
    latest = review.approvals.order_by("-round").first()
    try:
        with transaction.atomic():
            reopening = PeriodReopening.objects.create(
                review=review,
                round=latest.round if latest else 0,
                reason=reason.strip(),
                was_filed=filed,
                status=PeriodReopening.Status.AWAITING if filed else PeriodReopening.Status.REOPENED,
                requested_by=by,
            )
    except IntegrityError:
        raise ValidationError(messages.REOPEN_AWAITING, code="reopening_awaiting") from None
    audit_record(
        actor=by,
        action="period.reopen_request" if filed else "period.reopen",
        summary=f"{review.branch.name} {review.label} "
        + ("申请退回重新审定（已备案，待上级党委同意）" if filed else "退回重新审定（撤回待备案的审定）"),
        target=review,
        organization=review.branch,
        reason=reason,
        data={"round": reopening.round, "was_filed": filed},
    )
    if not filed:
        _withdraw_filing(review, by=by, reason=reason)
        review.status = PeriodReview.Status.RETURNED
    from workflows.correction_flows import PeriodReopenFlow  # the flow's views call these services

    PeriodReopenFlow.start.run(reopening=reopening)
    return reopening


def _withdraw_filing(review: PeriodReview, *, by: Any, reason: str) -> None:
    """The pending filing is withdrawn: its 备案 task closes as withdrawn and its flow goes back to 审定
    (as after a 备案退回), so the new round is approved and filed where the old one was."""
    filing = (
        Filing.objects.select_for_update()
        .filter(approval__review=review, status=Filing.Status.SUBMITTED)
        .order_by("-approval__round")
        .first()
    )
    if filing is not None:
        filing.status, filing.decided_by, filing.decided_at = Filing.Status.WITHDRAWN, by, timezone.now()
        filing.reason = reason
        filing.save()
        audit_record(
            actor=by,
            action="filing.withdraw",
            summary=f"{review.branch.name} {review.label} 撤回第{filing.approval.round}次审定的备案",
            target=filing,
            organization=review.branch,
            reason=reason,
            data={"round": filing.approval.round},
        )
    PeriodReview.objects.filter(pk=review.pk).update(status=PeriodReview.Status.RETURNED)
    task = _open_filing_task(review)
    if task is not None:
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(by)
        elif task.owner_id != by.pk:
            activation.reassign(by)
        if task.status != STATUS.STARTED:
            activation.start(SimpleNamespace(user=by))
        activation.execute()
    _tell_reopened(review, reason)


def _open_filing_task(review: PeriodReview) -> Task | None:
    from workflows.correction_flows import PeriodReopenFlow
    from workflows.flows import PeriodReviewFlow

    candidates = Task.objects.filter(status__in=OPEN).filter(
        flow_task__in=[PeriodReviewFlow.file, PeriodReopenFlow.file]
    )
    by_review = candidates.filter(process__branchprocess__period_review=review).first()
    return by_review or candidates.filter(process__branchprocess__reopening__review=review).first()


def _tell_reopened(review: PeriodReview, reason: str) -> None:
    notify_many(
        _branch_officers(review),
        kind="period_reopened",
        title=f"{review.branch.name} {review.label} 已退回重新审定",
        body=f"退回原因：{reason}。台账更正经支委会决定后，请重新审定。",
        url=f"/me/publicity/{review.pk}/",
    )


@transaction.atomic
def reopening_consent(
    *, reopening: PeriodReopening, by: Any, consent: bool, reason: str = "", activation: Any
) -> PeriodReopening:
    """上级党委 on reopening a period it has on file: consent (审定 reopens) or refuse with the reason."""
    reopening = (
        PeriodReopening.objects.select_for_update().select_related("review__branch").get(pk=reopening.pk)
    )
    review = reopening.review
    if not may(by, "review_filings", review.branch):
        raise ValidationError(messages.NOT_ALLOWED)
    if reopening.status != PeriodReopening.Status.AWAITING:
        raise ValidationError(messages.REOPEN_ALREADY_DECIDED)
    if not consent and not reason.strip():
        raise ValidationError({"reason": [messages.REOPEN_REFUSE_REASON_REQUIRED]})
    reopening.status = PeriodReopening.Status.REOPENED if consent else PeriodReopening.Status.REFUSED
    reopening.decided_by, reopening.decided_at, reopening.decision_reason = by, timezone.now(), reason.strip()
    reopening.save()
    if consent:
        review.status = PeriodReview.Status.RETURNED
        PeriodReview.objects.filter(pk=review.pk).update(status=review.status)
    words = "同意退回重新审定" if consent else "不同意退回重新审定"
    audit_record(
        actor=by,
        action="period.reopen_consent" if consent else "period.reopen_refuse",
        summary=f"上级党委{words}：{review.branch.name} {review.label}",
        target=review,
        organization=review.branch,
        reason=reason,
        data={"round": reopening.round, "reopening": reopening.pk},
    )
    if consent:
        _tell_reopened(review, reopening.reason)
    else:
        notify_many(
            _branch_officers(review),
            kind="period_reopen_refused",
            title=f"{review.branch.name} {review.label} 退回重新审定未获同意",
            body=f"上级党委意见：{reason}",
            url=f"/me/publicity/{review.pk}/",
        )
    activation.execute()
    return reopening
