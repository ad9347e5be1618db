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
from django.db import transaction
from django.utils import timezone

from accounts.access import may
from accounts.models import Member
from audit.services import audit_record
from scoring.models import LedgerEntry
from scoring.selectors import item_names
from scoring.services import ledger_correct, ledger_reverse
from workflows import messages
from workflows.evidence import evidence_attach
from workflows.models import Appeal, PublicityWindow
from workflows.notifications import notify
from workflows.selectors import review_covering


def _window_for(entry: LedgerEntry) -> PublicityWindow:
    review = review_covering(entry.branch, entry.occurred_on)
    if review is None or not hasattr(review, "window"):
        raise ValidationError(messages.APPEAL_ENTRY_NOT_IN_WINDOW)
    return review.window


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
        closes = f"{timezone.localtime(window.closes_at):%Y-%m-%d %H:%M}"
        raise ValidationError(messages.WINDOW_CLOSED % {"closes": closes})
    appeal = Appeal.objects.create(window=window, appellant=appellant, entry=entry, reason=reason)
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
def appeal_decide(
    *,
    appeal: Appeal,
    by: Any,
    uphold: bool,
    reason: str,
    activation: Any,
    points: Decimal | None = None,
) -> Appeal:
    """处理申诉: uphold (cancel the entry, or correct it to ``points``) or dismiss, always with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": [messages.REASON_REQUIRED]})
    if not may(by, "decide_appeals", appeal.window.review.branch):  # whoever calls, not only the views
        raise ValidationError(messages.NOT_ALLOWED)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != Appeal.Status.OPEN:
        raise ValidationError(messages.APPEAL_ALREADY_DECIDED)
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
        body=f"{_describe(entry)}。处理意见：{reason}",
        url=f"/me/appeals/{appeal.pk}/",
    )
    if uphold and entry.member.user_id != appeal.appellant.user_id:
        notify(
            recipient=entry.member.user,
            kind="appeal_decided",
            title="您的一条积分记录经申诉核实后已更正",
            body=f"{_describe(entry)}。处理意见：{reason}",
            url="/me/",
        )
    activation.execute()
    transaction.on_commit(_wake_periods)
    return appeal


def _wake_periods() -> None:
    """Once the last appeal is settled after the window closed, 审定 opens without waiting for beat."""
    from viewflow.workflow.timers import fire_due_conditions

    from workflows.flows import PeriodReviewFlow

    fire_due_conditions(flows=[PeriodReviewFlow])
