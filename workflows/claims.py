"""Claim services: 申报 (member), 登记 / 退回 (clerk), 修改重报 (member), 审核 (committee).

Each service checks the claim against the rules through the scoring core, changes state in one
transaction, moves the claim's viewflow process on, and leaves an audit record.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.access import may
from accounts.duties import concerns, require_duty
from accounts.models import Member, Organization
from audit.services import audit_record
from config.formats import day_text
from scoring.core.engine import Event, event_field_errors
from scoring.core.occurrence import OccurrenceEffect, occurrence_effect
from scoring.core.ruleset import Evidence as EvidenceRule
from scoring.core.ruleset import Item, fmt_signed
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.core.ruleset import Source as ItemSource
from scoring.models import LedgerEntry, RuleSetVersion
from scoring.selectors import effective_ruleset, ledger_net, member_info
from scoring.services import ledger_record
from workflows import messages
from workflows.evidence import evidence_attach
from workflows.meetings import require_meeting_rules
from workflows.models import AttendanceSheet, Claim, CommitteeMeeting
from workflows.notifications import notify
from workflows.selectors import review_covering, rules_on

FIELD_NAMES = {"date": "occurred_on", "item": "item_code", "points": "points"}


@dataclass(frozen=True)
class ClaimCheck:
    """What the rules say of a prospective claim: the version it falls under, its item and its effect."""

    version: RuleSetVersion
    rules: CoreRuleSet
    item: Item
    effect: OccurrenceEffect


def _member_events(member: Member, cycle: int, *, exclude: Claim | None) -> list[Event]:
    """The member's counted ledger entries of the cycle and their claims still under way."""
    entries = ledger_net(
        LedgerEntry.objects.filter(member=member, ruleset_version__ruleset__cycle=cycle)
    ).values_list("pk", "occurred_on", "item_code", "points")
    events = [Event(str(member.pk), day, item, points, ref=f"e{pk}") for pk, day, item, points in entries]
    pending = Claim.objects.filter(
        member=member, status__in=Claim.OPEN, ruleset_version__ruleset__cycle=cycle
    ).exclude(pk=exclude.pk if exclude else None)
    for claim in pending:
        events.append(
            Event(
                str(member.pk),
                claim.occurred_on,
                claim.item_code,
                claim.points_requested,
                ref=f"c{claim.pk}",
            )
        )
    return events


def claim_check(
    *,
    member: Member,
    item_code: str,
    occurred_on: datetime.date,
    points: Decimal | None,
    source: str,
    exclude: Claim | None = None,
    branch: Organization | None = None,
) -> ClaimCheck:
    """Everything the rules require of one claim; raises ``ValidationError`` with Chinese field errors.
    ``branch``: the member's branch on the day, when the caller has already looked it up."""
    if not member.is_scored:
        raise ValidationError(messages.MEMBER_EXEMPT)
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": [messages.DATE_IN_FUTURE]})
    branch = branch or member.branch_on(occurred_on) or member.branch
    version, rules = rules_on(branch, occurred_on)
    review = review_covering(branch, occurred_on)
    if review is not None:
        raise ValidationError({"occurred_on": [messages.PERIOD_CLOSED_FOR_CLAIMS % {"period": review.label}]})
    item = rules.item(item_code)
    if item is None:
        raise ValidationError({"item_code": [messages.ITEM_UNKNOWN]})
    if source == Claim.Source.MEMBER and item.source != ItemSource.MEMBER:
        raise ValidationError({"item_code": [messages.ITEM_NOT_CLAIMABLE % {"item": item.name}]})
    if source == Claim.Source.BRANCH and item.source != ItemSource.BRANCH:
        raise ValidationError({"item_code": [messages.ITEM_NOT_RECORDABLE % {"item": item.name}]})
    checked_points = points if item.is_range else None
    probe = Event(str(member.pk), occurred_on, item_code, checked_points if item.is_range else None)
    if item.is_range and points is None:
        probe = Event(str(member.pk), occurred_on, item_code, item.lowest)
    errors: dict[str, list[str]] = {}
    for field, message in event_field_errors(rules, probe, cycle=version.ruleset.cycle):
        errors.setdefault(FIELD_NAMES.get(field, field), []).append(message)
    if errors:
        raise ValidationError(errors)
    effect = occurrence_effect(
        rules,
        member_info(member),
        _member_events(member, version.ruleset.cycle, exclude=exclude),
        probe,
        cycle=version.ruleset.cycle,
    )
    if not effect.counted:
        raise ValidationError({"occurred_on": [messages.PAST_LIMIT % {"reason": effect.limit_reason}]})
    return ClaimCheck(version=version, rules=rules, item=item, effect=effect)


def live_claims(member: Member, item_code: str, occurred_on: datetime.date) -> QuerySet[Claim]:
    """同一事项不得重复申报: the member's claims of the item on the day that still stand (not rejected)."""
    return Claim.objects.filter(member=member, item_code=item_code, occurred_on=occurred_on).exclude(
        status=Claim.Status.REJECTED
    )


def _refuse_duplicate(member: Member, item: Item, occurred_on: datetime.date, exclude: Claim | None) -> None:
    live = live_claims(member, item.code, occurred_on)
    if exclude is not None:
        live = live.exclude(pk=exclude.pk)
    if live.exists():
        raise ValidationError(
            {"occurred_on": [messages.DUPLICATE_CLAIM % {"date": day_text(occurred_on), "item": item.name}]}
        )


def _require_evidence(item: Item, files: Sequence[UploadedFile], already: int = 0) -> None:
    if item.evidence == EvidenceRule.REQUIRED and not files and not already:
        raise ValidationError({"evidence": [messages.EVIDENCE_REQUIRED]})


def _require_cap_acknowledged(check: ClaimCheck, acknowledged: bool) -> None:
    if check.effect.adds_nothing and check.item.highest > 0 and not acknowledged:
        # The code on the field's own error: a dict-shaped ValidationError drops an outer code.
        message = messages.CAP_REACHED % {"item": check.item.name}
        raise ValidationError({"cap_acknowledged": ValidationError(message, code="cap_reached")})


def _create(**fields: Any) -> Claim:
    """Insert; a concurrent duplicate loses on the database constraint, with the same message."""
    try:
        with transaction.atomic():
            return Claim.objects.create(**fields)
    except IntegrityError:
        raise ValidationError(messages.TASK_TAKEN) from None


@transaction.atomic
def claim_submit(
    *,
    member: Member,
    item_code: str,
    occurred_on: datetime.date,
    place: str = "",
    description: str = "",
    points: Decimal | None = None,
    evidence: Sequence[UploadedFile] = (),
    cap_acknowledged: bool = False,
    by: Any,
) -> Claim:
    """申报: a member claims an item their rule set lets members claim, with evidence."""
    if member.user_id != by.pk:
        raise ValidationError(messages.NOT_A_MEMBER)
    branch = member.branch_on(occurred_on) or member.branch
    check = claim_check(
        member=member,
        item_code=item_code,
        occurred_on=occurred_on,
        points=points,
        source=Claim.Source.MEMBER,
        branch=branch,
    )
    _refuse_duplicate(member, check.item, occurred_on, None)
    _require_evidence(check.item, evidence)
    _require_cap_acknowledged(check, cap_acknowledged)
    claim = _create(
        member=member,
        branch=branch,
        ruleset_version=check.version,
        item_code=item_code,
        occurred_on=occurred_on,
        place=place,
        description=description,
        points_requested=points if check.item.is_range else None,
        cap_acknowledged=cap_acknowledged,
        source=Claim.Source.MEMBER,
        created_by=by,
    )
    evidence_attach(claim=claim, files=evidence, by=by, already=0)
    _audit(claim, by, "claim.submit", f"{member.real_name} 申报 {check.item.name}（{occurred_on}）")
    from workflows.flows import ClaimFlow  # the flow's views call these services

    ClaimFlow.submit.run(claim=claim)
    return claim


def _audit(claim: Claim, by: Any, action: str, summary: str, reason: str = "", **data: Any) -> None:
    audit_record(
        actor=by,
        action=action,
        summary=summary,
        target=claim,
        organization=claim.branch,
        reason=reason,
        data={"status": claim.status, **data},
    )


def _require_status(claim: Claim, *statuses: str) -> None:
    if claim.status not in statuses:
        raise ValidationError(messages.CLAIM_NOT_OPEN % {"status": claim.get_status_display()})


def _advance(activation: Any, claim: Claim) -> None:
    """Move the process on with the claim as just saved. The gateway after 登记 reads the claim's status
    through the process, whose cached claim (loaded by the task page before the lock) would be stale."""
    activation.process.claim = claim
    activation.execute()


def _locked(claim: Claim) -> Claim:
    """The claim re-read under its row lock (only its own row: ``of``), with what the step reads of it:
    the member and their login (audit summary, notification), the branch (audit chain), the rule-set
    version and its rule set (points, ledger)."""
    related = ("member__user", "branch", "ruleset_version__ruleset__organization")
    return Claim.objects.select_for_update(of=("self",)).select_related(*related).get(pk=claim.pk)


def _require_role(by: Any, perm: str, claim: Claim, *, action: str) -> None:
    """The task views check this too; the service refuses on its own whoever calls it — a claim of one's
    own above all (the one standing in for a sole officer is accepted, ``accounts.duties``)."""
    require_duty(by, perm, claim.branch, [claim.member], action=action, denied=messages.NOT_YOUR_BRANCH)


@transaction.atomic
def claim_record(*, claim: Claim, by: Any, activation: Any, note: str = "") -> Claim:
    """登记: the clerk has checked the claim is complete and enters it for committee review."""
    claim = _locked(claim)
    _require_role(by, "record_claims", claim, action="登记")
    _require_status(claim, Claim.Status.SUBMITTED)
    claim.status = Claim.Status.RECORDED
    claim.save(update_fields=["status"])
    _audit(claim, by, "claim.record", f"登记 {claim}", reason=note)
    _advance(activation, claim)
    return claim


@transaction.atomic
def claim_return(*, claim: Claim, by: Any, reason: str, activation: Any) -> Claim:
    """退回补充: back to the member for more evidence, with the reason; the history stays."""
    if not reason.strip():
        raise ValidationError({"reason": [messages.REASON_REQUIRED]})
    claim = _locked(claim)
    _require_role(by, "record_claims", claim, action="退回补充")
    _require_status(claim, Claim.Status.SUBMITTED)
    claim.status = Claim.Status.RETURNED
    claim.decision_reason = reason
    claim.save(update_fields=["status", "decision_reason"])
    _audit(claim, by, "claim.return", f"退回 {claim}", reason=reason)
    notify(
        recipient=claim.member.user,
        kind="claim_returned",
        title=f"您的积分申报被退回：{day_text(claim.occurred_on)} {_item_name(claim)}",
        body=f"退回原因：{reason}。请补充材料后重新提交。",
        url=f"/me/claims/{claim.pk}/",
    )
    _advance(activation, claim)
    return claim


@transaction.atomic
def claim_resubmit(
    *,
    claim: Claim,
    by: Any,
    activation: Any,
    occurred_on: datetime.date,
    place: str,
    description: str,
    points: Decimal | None = None,
    evidence: Sequence[UploadedFile] = (),
    cap_acknowledged: bool = False,
) -> Claim:
    """修改重报: the member revises a returned claim and sends it back to the clerk."""
    claim = _locked(claim)
    _require_status(claim, Claim.Status.RETURNED)
    if claim.member.user_id != by.pk:
        raise ValidationError(messages.NOT_A_MEMBER)
    check = claim_check(
        member=claim.member,
        item_code=claim.item_code,
        occurred_on=occurred_on,
        points=points,
        source=claim.source,
        exclude=claim,
    )
    _refuse_duplicate(claim.member, check.item, occurred_on, claim)
    _require_evidence(check.item, evidence, already=claim.evidence.count())
    _require_cap_acknowledged(check, cap_acknowledged)
    previous = {"occurred_on": claim.occurred_on, "place": claim.place, "description": claim.description}
    claim.occurred_on, claim.place, claim.description = occurred_on, place, description
    claim.points_requested = points if check.item.is_range else None
    claim.cap_acknowledged = cap_acknowledged
    claim.status = Claim.Status.SUBMITTED
    claim.save()
    evidence_attach(claim=claim, files=evidence, by=by)
    _audit(claim, by, "claim.resubmit", f"修改后重新提交 {claim}", previous=previous)
    _advance(activation, claim)
    return claim


def _item_name(claim: Claim) -> str:
    item = effective_ruleset(claim.ruleset_version).item(claim.item_code)
    return item.name if item else claim.item_code


@transaction.atomic
def claim_approve(
    *,
    claim: Claim,
    by: Any,
    activation: Any,
    points: Decimal | None = None,
    reason: str = "",
    meeting: CommitteeMeeting | None = None,
) -> Claim:
    """审核通过 (or 调整分值 within the item's range): the points enter the ledger, pending 审定.
    ``meeting``: the 支委会会议 that decided it (required where the branch allows no single reviewer)."""
    claim = _locked(claim)
    _require_role(by, "review_claims", claim, action="支委会审核")
    _require_status(claim, Claim.Status.RECORDED)
    require_meeting_rules(claim, by, meeting)
    rules = effective_ruleset(claim.ruleset_version)
    item = rules.item(claim.item_code)
    if item is not None and item.is_range:
        points = points if points is not None else claim.points_requested
        if points is None:
            low, high = item.points_range
            raise ValidationError({"points": [messages.POINTS_REQUIRED % {"low": low, "high": high}]})
    else:
        points = None
    entry = ledger_record(
        member=claim.member,
        item_code=claim.item_code,
        occurred_on=claim.occurred_on,
        points=points,
        source=LedgerEntry.Source.CLAIM if claim.source == Claim.Source.MEMBER else LedgerEntry.Source.RECORD,
        by=by,
        reason=reason or claim.description,
        ruleset_version=claim.ruleset_version,
        idempotency_key=f"claim:{claim.pk}",
    )
    claim.status = Claim.Status.APPROVED
    claim.points_approved = entry.points
    claim.ledger_entry = entry
    claim.decided_by, claim.decided_at, claim.decision_reason = by, timezone.now(), reason
    claim.meeting = meeting
    claim.save()
    adjusted = claim.points_requested is not None and claim.points_requested != entry.points
    _audit(
        claim,
        by,
        "claim.adjust" if adjusted else "claim.approve",
        f"审核通过 {claim}（{entry.points:+} 分）",
        reason=reason,
        points=entry.points,
        meeting=meeting.pk if meeting else None,
    )
    if claim.source == Claim.Source.MEMBER:
        day = day_text(claim.occurred_on)
        notify(
            recipient=claim.member.user,
            kind="claim_approved",
            title=f"您的积分申报已审核通过：{day} {_item_name(claim)} {fmt_signed(entry.points)} 分",
            body=(f"审核意见：{reason}" if reason else "") + "积分将在本期公示、审定后计入。",
            url=f"/me/claims/{claim.pk}/",
        )
    _advance(activation, claim)
    return claim


@transaction.atomic
def claim_reject(
    *, claim: Claim, by: Any, reason: str, activation: Any, meeting: CommitteeMeeting | None = None
) -> Claim:
    """审核不通过, with the reason the member is told; ``meeting`` as for ``claim_approve``."""
    if not reason.strip():
        raise ValidationError({"reason": [messages.REASON_REQUIRED]})
    claim = _locked(claim)
    _require_role(by, "review_claims", claim, action="支委会审核")
    _require_status(claim, Claim.Status.RECORDED)
    require_meeting_rules(claim, by, meeting)
    claim.status = Claim.Status.REJECTED
    claim.decided_by, claim.decided_at, claim.decision_reason = by, timezone.now(), reason
    claim.meeting = meeting
    claim.save()
    _audit(
        claim,
        by,
        "claim.reject",
        f"审核不通过 {claim}",
        reason=reason,
        meeting=meeting.pk if meeting else None,
    )
    if claim.source == Claim.Source.MEMBER:
        notify(
            recipient=claim.member.user,
            kind="claim_rejected",
            title=f"您的积分申报未通过审核：{day_text(claim.occurred_on)} {_item_name(claim)}",
            body=f"原因：{reason}",
            url=f"/me/claims/{claim.pk}/",
        )
    _advance(activation, claim)
    return claim


def _branch_claim(
    *,
    member: Member,
    item_code: str,
    occurred_on: datetime.date,
    by: Any,
    points: Decimal | None = None,
    description: str = "",
    sheet: AttendanceSheet | None = None,
    status: str = Claim.Status.RECORDED,
) -> Claim:
    check = claim_check(
        member=member, item_code=item_code, occurred_on=occurred_on, points=points, source=Claim.Source.BRANCH
    )
    _refuse_duplicate(member, check.item, occurred_on, None)
    claim = _create(
        member=member,
        branch=member.branch_on(occurred_on) or member.branch,
        ruleset_version=check.version,
        item_code=item_code,
        occurred_on=occurred_on,
        description=description,
        points_requested=points if check.item.is_range else None,
        source=Claim.Source.BRANCH,
        status=status,
        sheet=sheet,
        created_by=by,
    )
    _audit(
        claim, by, "claim.branch_record", f"支部登记 {member.real_name} {check.item.name}（{occurred_on}）"
    )
    from workflows.flows import ClaimFlow

    ClaimFlow.submit.run(claim=claim)
    return claim


@transaction.atomic
def branch_record(
    *,
    member: Member,
    item_code: str,
    occurred_on: datetime.date,
    by: Any,
    points: Decimal | None = None,
    description: str = "",
) -> Claim:
    """支部登记: the clerk enters a branch-observed item (dues, a circular, late material) for review. One of
    the clerk's own is entered but not recorded: it waits for 登记 by whoever stands in (the secretary, for a
    branch's only clerk), like the clerk's own row of a sign-in sheet."""
    own = concerns(by, member)
    if own and not may(by, "record_claims", member.branch):
        raise ValidationError(messages.NOT_YOUR_BRANCH)
    if not own:
        require_duty(
            by, "record_claims", member.branch, [member], action="支部登记", denied=messages.NOT_YOUR_BRANCH
        )
    return _branch_claim(
        member=member,
        item_code=item_code,
        occurred_on=occurred_on,
        by=by,
        points=points,
        description=description,
        status=Claim.Status.SUBMITTED if own else Claim.Status.RECORDED,
    )


def _require_attendance_items(
    branch: Organization, occurred_on: datetime.date, item_present: str, item_absent: str, item_leave: str
) -> None:
    """Attendance earns a gain; absence and leave cost a deduction — all items the branch records."""
    _, rules = rules_on(branch, occurred_on)
    wanted = (("item_present", item_present, True), ("item_absent", item_absent, False))
    for field, code, gain in (*wanted, ("item_leave", item_leave, False)):
        if not code:
            continue
        item = rules.item(code)
        if item is None:
            raise ValidationError({field: messages.ITEM_UNKNOWN})
        if item.source != ItemSource.BRANCH:
            raise ValidationError({field: messages.ITEM_NOT_RECORDABLE % {"item": item.name}})
        if item.points is None or (item.points <= 0 if gain else item.points >= 0):
            refusal = messages.ATTENDANCE_NOT_A_GAIN if gain else messages.ATTENDANCE_NOT_A_DEDUCTION
            raise ValidationError({field: refusal % {"item": item.name}})


def _require_on_roster(
    branch: Organization, present: Sequence[Member], on_leave: Sequence[Member]
) -> tuple[set[int], set[int]]:
    """Those marked must be on the sign-in list (the branch's members not exempt from scoring), and
    nobody both present and on leave."""
    present_ids, leave_ids = {m.pk for m in present}, {m.pk for m in on_leave}
    marked = [*present, *on_leave]
    roster = set(
        Member.objects.filter(branch=branch, pk__in=present_ids | leave_ids)
        .exclude(status=Member.Status.EXEMPT)
        .values_list("pk", flat=True)
    )
    off_roster = sorted({m.real_name for m in marked if m.pk not in roster})
    if off_roster:
        field = "present" if present_ids - roster else "on_leave"
        raise ValidationError({field: messages.ATTENDANCE_NOT_ON_ROSTER % {"names": "、".join(off_roster)}})
    both = sorted({m.real_name for m in present if m.pk in leave_ids})
    if both:
        refusal = messages.ATTENDANCE_PRESENT_AND_ON_LEAVE % {"names": "、".join(both)}
        raise ValidationError({"on_leave": refusal})
    return present_ids, leave_ids


@transaction.atomic
def attendance_record(
    *,
    branch: Organization,
    title: str,
    occurred_on: datetime.date,
    item_present: str,
    present: Sequence[Member],
    by: Any,
    item_absent: str = "",
    item_leave: str = "",
    on_leave: Sequence[Member] = (),
) -> AttendanceSheet:
    """活动签到: attendees get the item, those on leave the leave deduction, every other scored member
    of the branch the absence deduction — as offices keep attendance. 流动党员 report by phone or letter
    (004), so they are not marked absent. All rows are entered, or none. The clerk's own row is not the
    clerk's to enter: it waits for 登记 by the one standing in (the secretary, for a branch's only clerk).
    """
    if not may(by, "record_claims", branch):
        raise ValidationError(messages.NOT_YOUR_BRANCH)
    _require_attendance_items(branch, occurred_on, item_present, item_absent, item_leave)
    present_ids, leave_ids = _require_on_roster(branch, present, on_leave)
    sheet = AttendanceSheet.objects.create(
        branch=branch,
        title=title,
        occurred_on=occurred_on,
        item_present=item_present,
        item_absent=item_absent,
        item_leave=item_leave,
        created_by=by,
    )
    members = Member.objects.filter(branch=branch).exclude(status=Member.Status.EXEMPT).order_by("pk")
    errors: list[str] = []
    for member in members:
        if member.pk in present_ids:
            item = item_present
        elif member.pk in leave_ids:
            item = item_leave
        elif member.status != Member.Status.MOBILE:
            item = item_absent
        else:
            continue
        if not item:
            continue
        try:
            # The clerk's own row goes through 登记, which the flow gives to someone else (accounts.duties).
            own = Claim.Status.SUBMITTED if concerns(by, member) else Claim.Status.RECORDED
            _branch_claim(
                member=member,
                item_code=item,
                occurred_on=occurred_on,
                by=by,
                sheet=sheet,
                description=title,
                status=own,
            )
        except ValidationError as error:
            errors.extend(f"{member.real_name}：{message}" for message in error.messages)
    if errors:
        raise ValidationError(errors)
    audit_record(
        actor=by,
        action="attendance.record",
        summary=f"{branch.name} {occurred_on} {title} 签到登记",
        target=sheet,
        organization=branch,
        data={"present": len(present_ids), "on_leave": len(leave_ids)},
    )
    return sheet
