"""Appeal services: 申诉 during the publicity window, decided by the branch committee.

Upholding an appeal corrects the ledger with a new reversing (and, if points change, replacing) entry
with the committee's reason; dismissing it sends the reason to the appellant. Nothing is edited.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.duties import require_duty
from accounts.models import Member
from audit.services import audit_record
from config.formats import moment_text
from scoring.models import LedgerEntry
from scoring.selectors import item_names
from scoring.services import ledger_correct, ledger_reverse
from workflows import messages
from workflows.corrections import entry_told
from workflows.evidence import evidence_attach
from workflows.models import Appeal, PublicityWindow
from workflows.notifications import notify
from workflows.selectors import appeal_members, review_covering


def _window_for(entry: LedgerEntry) -> PublicityWindow:
    review = review_covering(entry.branch, entry.occurred_on)
    if review is None or not hasattr(review, "window"):
        raise ValidationError(messages.APPEAL_ENTRY_NOT_IN_WINDOW)
    return review.window


def _refuse_second_appeal(appellant: Member, *, entry: LedgerEntry) -> None:
    """One open appeal per entry and appellant: a second submit (a double click, a retried request) is
    refused with the first one's date, not filed again (the database holds the same rule)."""
    first = Appeal.objects.filter(appellant=appellant, entry=entry, status=Appeal.Status.OPEN).first()
    if first is not None:
        filed = moment_text(first.created_at)
        raise ValidationError(messages.APPEAL_DUPLICATE % {"filed": filed})


def _create(*, duplicate: Any = None, **fields: Any) -> Appeal:
    """Insert; the same appeal filed twice at the same moment loses on the constraint, with the message."""
    try:
        with transaction.atomic():
            return Appeal.objects.create(**fields)
    except IntegrityError:
        raise ValidationError(duplicate or messages.APPEAL_DUPLICATE_RACE) from None


def _describe(entry: LedgerEntry) -> str:
    name = item_names(entry.ruleset_version).get(entry.item_code, entry.item_code)
    return f"{entry.member.real_name} {entry.occurred_on} {name} {entry.points:+}"


@transaction.atomic
def appeal_file(
    *,
    appellant: Member,
    entry: LedgerEntry,
    reason: str,
    evidence: Sequence[UploadedFile] = (),
    by: Any,
    now=None,
) -> Appeal:
    """申诉: a branch member disputes a publicised entry (own or another's) while the window is open."""
    now = now or timezone.now()
    if appellant.user_id != by.pk:
        raise ValidationError(messages.NOT_ALLOWED)
    if not reason.strip():
        raise ValidationError({"reason": [messages.REASON_REQUIRED]})
    if appellant.branch_id != entry.branch_id:
        raise ValidationError(messages.APPEAL_OTHER_BRANCH)
    # A reversal, or an entry already reversed, is a settled correction; what stands is the new entry.
    if entry.source == LedgerEntry.Source.REVERSAL or LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(messages.APPEAL_ENTRY_CORRECTED)
    window = _window_for(entry)
    if now < window.opens_at:
        raise ValidationError(messages.WINDOW_NOT_OPEN)
    if now >= window.closes_at:
        closes = moment_text(window.closes_at)
        raise ValidationError(messages.WINDOW_CLOSED % {"closes": closes})
    _refuse_second_appeal(appellant, entry=entry)
    appeal = _create(window=window, appellant=appellant, entry=entry, reason=reason, created_at=now)
    evidence_attach(appeal=appeal, files=evidence, by=by)
    audit_record(
        actor=by,
        action="appeal.file",
        summary=f"{appellant.real_name} 对 {_describe(entry)} 提出申诉",
        target=appeal,
        organization=entry.branch,
        reason=reason,
    )
    from workflows.flows import AppealFlow  # the flow's views call these services

    AppealFlow.start.run(appeal=appeal)
    return appeal


@transaction.atomic
def appeal_file_result(
    *,
    appellant: Member,
    window: PublicityWindow,
    subject: Member,
    reason: str,
    evidence: Sequence[UploadedFile] = (),
    by: Any,
    now=None,
) -> Appeal:
    """申诉 against a member's posted result of the year-end (评议等次/得分, 年度等次), own or another's,
    while that 公示 is open — decided by the committee like any appeal."""
    from yearend import messages as yearend_messages
    from yearend.posted import posted_members

    now = now or timezone.now()
    if appellant.user_id != by.pk:
        raise ValidationError(messages.NOT_ALLOWED)
    if not reason.strip():
        raise ValidationError({"reason": [messages.REASON_REQUIRED]})
    if appellant.branch_id != window.branch_id:
        raise ValidationError(messages.APPEAL_OTHER_BRANCH)
    if subject.pk not in posted_members(window):
        raise ValidationError(yearend_messages.APPEAL_NOT_POSTED % {"name": subject.real_name})
    if now < window.opens_at:
        raise ValidationError(messages.WINDOW_NOT_OPEN)
    if now >= window.closes_at:
        closes = moment_text(window.closes_at)
        raise ValidationError(messages.WINDOW_CLOSED % {"closes": closes})
    PublicityWindow.objects.select_for_update().get(pk=window.pk)  # one appeal at a time per window
    if Appeal.objects.filter(
        window=window, appellant=appellant, subject=subject, status=Appeal.Status.OPEN
    ).exists():
        raise ValidationError(yearend_messages.APPEAL_DUPLICATE)
    appeal = _create(
        window=window,
        appellant=appellant,
        subject=subject,
        reason=reason,
        created_at=now,
        duplicate=yearend_messages.APPEAL_DUPLICATE,
    )
    evidence_attach(appeal=appeal, files=evidence, by=by)
    owner = window.owner
    audit_record(
        actor=by,
        action="appeal.file",
        summary=f"{appellant.real_name} 对 {subject.real_name} 的{owner.label}结果提出申诉",
        target=appeal,
        organization=window.branch,
        reason=reason,
    )
    from workflows.flows import AppealFlow  # the flow's views call these services

    AppealFlow.start.run(appeal=appeal)
    return appeal


def _describe_appeal(appeal: Appeal) -> str:
    if appeal.entry_id is not None:
        return _describe(appeal.entry)
    return f"{appeal.subject.real_name} 的{appeal.window.owner.label}结果"


def _correct_result(appeal: Appeal, *, by: Any, result: str, reason: str) -> None:
    """An upheld appeal against a year-end result: the committee's corrected result is a new proposal."""
    from yearend import messages as yearend_messages
    from yearend.annual import grade_correct
    from yearend.evaluation import evaluation_correct

    window = appeal.window
    what = "评议等次或得分" if window.evaluation_id else "等次"
    if not result.strip():
        raise ValidationError({"result": [yearend_messages.APPEAL_RESULT_REQUIRED % {"what": what}]})
    correct = evaluation_correct if window.evaluation_id else grade_correct
    correct(appeal=appeal, by=by, result=result.strip(), reason=reason)
    appeal.corrected_result = result.strip()


@transaction.atomic
def appeal_decide(
    *,
    appeal: Appeal,
    by: Any,
    uphold: bool,
    reason: str,
    activation: Any,
    points: Decimal | None = None,
    result: str = "",
) -> Appeal:
    """处理申诉: uphold (cancel the entry, or correct it to ``points``; for a year-end result, set the
    corrected ``result``) or dismiss, always with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": [messages.REASON_REQUIRED]})
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    # Whoever calls, not only the views; never the appellant, nor the member whose points it disputes.
    require_duty(
        by,
        "decide_appeals",
        appeal.window.branch,
        appeal_members(appeal),
        action="处理申诉",
        denied=messages.NOT_ALLOWED,
    )
    if appeal.status != Appeal.Status.OPEN:
        raise ValidationError(messages.APPEAL_ALREADY_DECIDED)
    if appeal.entry_id is None:
        return _decide_result(
            appeal, by=by, uphold=uphold, reason=reason, result=result, activation=activation
        )
    entry = appeal.entry
    if uphold:
        if points is None:
            appeal.correction = ledger_reverse(entry=entry, by=by, reason=f"申诉成立：{reason}")
        else:
            _, appeal.correction = ledger_correct(
                entry=entry, points=points, by=by, reason=f"申诉成立：{reason}"
            )
        appeal.corrected_points = points if points is not None else Decimal(0)
    appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.DISMISSED
    appeal.decision_reason, appeal.decided_by, appeal.decided_at = reason, by, timezone.now()
    appeal.save()
    audit_record(
        actor=by,
        action="appeal.uphold" if uphold else "appeal.dismiss",
        summary=f"申诉{'成立' if uphold else '不成立'}：{_describe(entry)}",
        target=appeal,
        organization=entry.branch,
        reason=reason,
        data={"corrected_points": appeal.corrected_points},
    )
    outcome = "申诉成立，积分已更正" if uphold else "申诉不成立"
    notify(
        recipient=appeal.appellant.user,
        kind="appeal_decided",
        title=f"您的申诉已处理：{outcome}",
        body=f"{entry_told(entry)}。处理意见：{reason}",
        url=f"/me/appeals/{appeal.pk}/",
    )
    if uphold and entry.member.user_id != appeal.appellant.user_id:
        notify(
            recipient=entry.member.user,
            kind="appeal_decided",
            title="您的一条积分记录经申诉核实后已更正",
            body=f"{entry_told(entry)}。处理意见：{reason}",
            url="/me/",
        )
    activation.execute()
    transaction.on_commit(_wake_periods)
    return appeal


def _decide_result(
    appeal: Appeal, *, by: Any, uphold: bool, reason: str, result: str, activation: Any
) -> Appeal:
    if uphold:
        _correct_result(appeal, by=by, result=result, reason=reason)
    appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.DISMISSED
    appeal.decision_reason, appeal.decided_by, appeal.decided_at = reason, by, timezone.now()
    appeal.save()
    described = _describe_appeal(appeal)
    audit_record(
        actor=by,
        action="appeal.uphold" if uphold else "appeal.dismiss",
        summary=f"申诉{'成立' if uphold else '不成立'}：{described}",
        target=appeal,
        organization=appeal.window.branch,
        reason=reason,
        data={"corrected_result": appeal.corrected_result},
    )
    outcome = f"申诉成立，已更正为“{appeal.corrected_result}”" if uphold else "申诉不成立"
    notify(
        recipient=appeal.appellant.user,
        kind="appeal_decided",
        title=f"您的申诉已处理：{outcome}",
        body=f"{described}。处理意见：{reason}",
        url=f"/me/appeals/{appeal.pk}/",
    )
    if uphold and appeal.subject.user_id != appeal.appellant.user_id:
        notify(
            recipient=appeal.subject.user,
            kind="appeal_decided",
            title=f"您的{appeal.window.owner.label}结果经申诉核实后已更正",
            body=f"更正为“{appeal.corrected_result}”。处理意见：{reason}",
            url="/me/",
        )
    activation.execute()
    transaction.on_commit(_wake_periods)
    return appeal


def _wake_periods() -> None:
    """Once the last appeal is settled after the window closed, 审定 opens without waiting for beat."""
    from viewflow.workflow.timers import fire_due_conditions

    from workflows.flows import PeriodReviewFlow
    from yearend.flows import AnnualReviewFlow, EvaluationFlow

    fire_due_conditions(flows=[PeriodReviewFlow, EvaluationFlow, AnnualReviewFlow])
