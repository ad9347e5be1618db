"""台账更正: cancelling a wrong ledger entry is a decision, taken like a claim's — the clerk (or a committee
member) asks with the reason and what it rests on, the 支委会 decides in its queue (``CorrectionFlow``).

Approved, the entry is reversed (``scoring.services.ledger_reverse``: a new entry with the negated points,
naming the entry, the reason and the decider); rejected, nothing changes. Refused outright: an entry of the
actor's own points (不得办理涉及本人积分的事项), a reversal, an entry already reversed or with a correction
open, and an entry of a period already 审定 or 备案 — that period is reopened first (``workflows.reopening``),
so the ledger never disagrees with the frozen scores and the filed documents.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.access import may
from accounts.duties import refuse_own_points, require_duty
from accounts.models import Organization
from audit.services import audit_record
from config.formats import day_text
from scoring import messages as scoring_messages
from scoring.core.ruleset import fmt_signed
from scoring.models import LedgerEntry
from scoring.selectors import item_names
from scoring.services import ledger_reverse
from workflows import messages
from workflows.models import LedgerCorrection, PeriodReview
from workflows.notifications import notify

# Who may ask: those who keep the ledger or decide on it in the entry's branch. Who decides: the 支委会.
REQUEST_PERMS = ("record_claims", "decide_appeals")
DECIDE_PERM = "decide_appeals"
CLOSED_STATUSES = (PeriodReview.Status.APPROVED, PeriodReview.Status.ARCHIVED)


def describe(entry: LedgerEntry) -> str:
    name = item_names(entry.ruleset_version).get(entry.item_code, entry.item_code)
    return f"{entry.member.real_name} {entry.occurred_on} {name} {entry.points:+}"


def entry_told(entry: LedgerEntry) -> str:
    """A ledger entry as a notification names it to people: 张伟 2026年4月6日 支部党员大会 +2 (``describe``
    stays as the audit trail has always written it)."""
    name = item_names(entry.ruleset_version).get(entry.item_code, entry.item_code)
    return f"{entry.member.real_name} {day_text(entry.occurred_on)} {name} {fmt_signed(entry.points)}"


def period_of_entry(entry: LedgerEntry) -> PeriodReview | None:
    """The branch's period review covering the entry's day, if one was started."""
    return PeriodReview.objects.filter(
        branch=entry.branch_id, starts_on__lte=entry.occurred_on, ends_on__gte=entry.occurred_on
    ).first()


def open_corrections(branch: Organization, first, last) -> QuerySet[LedgerCorrection]:
    """Corrections still awaiting the 支委会 for entries of a branch's days (审定 waits for them)."""
    return LedgerCorrection.objects.filter(
        branch=branch, status=LedgerCorrection.Status.OPEN, entry__occurred_on__range=(first, last)
    )


def refuse_if_not_correctable(entry: LedgerEntry) -> None:
    """What no one may correct, whoever asks or decides: a reversal, an entry reversed already, and an
    entry whose period stands 审定 or 备案."""
    if entry.source == LedgerEntry.Source.REVERSAL:
        raise ValidationError(scoring_messages.LEDGER_CANNOT_REVERSE_REVERSAL)
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(scoring_messages.LEDGER_ALREADY_REVERSED, code="reversed")
    review = period_of_entry(entry)
    if review is not None and review.status in CLOSED_STATUSES:
        status = "审定" if review.status == PeriodReview.Status.APPROVED else "备案"
        raise ValidationError(
            messages.CORRECTION_PERIOD_APPROVED % {"period": review.label, "status": status},
            code="period_approved",
        )


@transaction.atomic
def correction_request(
    *, entry: LedgerEntry, by: Any, reason: str, evidence_note: str = ""
) -> LedgerCorrection:
    """提出更正: ask the 支委会 to cancel ``entry``, with the reason; the ledger is not touched yet."""
    if not any(may(by, perm, entry.branch) for perm in REQUEST_PERMS):
        raise ValidationError(messages.CORRECTION_NOT_ALLOWED)
    refuse_own_points(by, entry.member, action="提出更正")
    if not reason.strip():
        raise ValidationError({"reason": [messages.CORRECTION_REASON_REQUIRED]})
    entry = LedgerEntry.objects.select_related("member", "branch", "ruleset_version").get(pk=entry.pk)
    refuse_if_not_correctable(entry)
    if LedgerCorrection.objects.filter(entry=entry, status=LedgerCorrection.Status.OPEN).exists():
        raise ValidationError(messages.CORRECTION_OPEN, code="correction_open")
    try:
        with transaction.atomic():
            correction = LedgerCorrection.objects.create(
                entry=entry,
                branch=entry.branch,
                reason=reason.strip(),
                evidence_note=evidence_note.strip(),
                requested_by=by,
            )
    except IntegrityError:  # the same request sent twice at once
        raise ValidationError(messages.CORRECTION_OPEN, code="correction_open") from None
    audit_record(
        actor=by,
        action="correction.request",
        summary=f"提出台账更正：{describe(entry)}",
        target=correction,
        organization=entry.branch,
        reason=reason,
        data={"entry": entry.pk, "evidence": evidence_note},
    )
    from workflows.correction_flows import CorrectionFlow  # the flow's views call these services

    CorrectionFlow.start.run(correction=correction)
    return correction


@transaction.atomic
def correction_decide(
    *, correction: LedgerCorrection, by: Any, approve: bool, reason: str = "", activation: Any
) -> LedgerCorrection:
    """支委会决定: approve (the entry is reversed, naming the request's reason and the decider) or reject
    with the reason (nothing changes). Never by the requester, never about one's own points."""
    correction = (
        LedgerCorrection.objects.select_for_update().select_related("entry__member").get(pk=correction.pk)
    )
    entry = correction.entry
    # The 支委会 (or the one standing in when all of it is concerned), never the member concerned.
    require_duty(
        by,
        DECIDE_PERM,
        correction.branch,
        [entry.member],
        action="决定台账更正",
        denied=messages.CORRECTION_DECIDE_NOT_ALLOWED % {"branch": correction.branch.name},
    )
    if by.pk == correction.requested_by_id:
        raise ValidationError(messages.CORRECTION_OWN_REQUEST)
    if correction.status != LedgerCorrection.Status.OPEN:
        raise ValidationError(messages.CORRECTION_ALREADY_DECIDED)
    if not approve and not reason.strip():
        raise ValidationError({"reason": [messages.CORRECTION_REJECT_REASON_REQUIRED]})
    if approve:
        refuse_if_not_correctable(entry)
        opinion = f"（支委会意见：{reason.strip()}）" if reason.strip() else ""
        correction.reversal = ledger_reverse(entry=entry, by=by, reason=f"更正：{correction.reason}{opinion}")
    correction.status = LedgerCorrection.Status.APPROVED if approve else LedgerCorrection.Status.REJECTED
    correction.decision_reason, correction.decided_by, correction.decided_at = (
        reason.strip(),
        by,
        timezone.now(),
    )
    correction.save()
    words = "同意更正" if approve else "不予更正"
    audit_record(
        actor=by,
        action="correction.approve" if approve else "correction.reject",
        summary=f"支委会{words}：{describe(entry)}",
        target=correction,
        organization=correction.branch,
        reason=reason,
        data={"entry": entry.pk, "reversal": correction.reversal_id},
    )
    body = f"更正理由：{correction.reason}" + (f"；支委会意见：{reason}" if reason.strip() else "")
    for user in {correction.requested_by, entry.member.user} - {None}:
        notify(
            recipient=user,
            kind="correction_decided",
            title=f"台账更正{words}：{entry_told(entry)}",
            body=body,
        )
    if activation is not None:
        activation.execute()
    return correction
