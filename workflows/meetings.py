"""支委会会议 services: record a committee meeting, and decide a batch of 支委会审核 in it (支委会研究).

A meeting is held by the branch committee — the holders of 支部书记 / 支委委员 in the branch on the
day (``committee_roster``) — and may review claims only when more than the branch's share of them attend
(``ReviewSettings.committee_quorum_percent``, 50: 超过半数). Its decisions go through the very services
of a single review (``claim_approve`` / ``claim_reject`` under ``task_carry_out``): the ledger, the audit
record, the member's notification and 不得办理涉及本人积分的事项 behave exactly as for one reviewer, and
each claim names the meeting (``Claim.meeting``).

回避: an attendee's own claim is decided without them, so only while the meeting stays quorate without
them (``require_meeting_rules``, which ``claim_approve`` / ``claim_reject`` call for every review).

整批决定: one submit decides the batch in one transaction. If any claim cannot be decided as the meeting
decided it — taken or finished by someone else meanwhile, adjusted out of its range, about the operator's
own points — nothing of the batch takes effect and ``MeetingDecisionsRefused`` names each such claim with
its reason; the committee corrects or drops those and submits again. A meeting's record thus never shows
a decision that did not happen, and two people deciding the same task at once: the process row lock lets
exactly one through, the other's whole batch is refused naming that claim.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.access import may, role_holders
from accounts.duties import OwnPointsDenied
from accounts.models import Organization, RoleAssignment
from accounts.roles import REVIEW_CLAIMS
from audit.services import audit_record
from config.formats import day_text
from workflows import messages
from workflows.escalation import review_settings_for
from workflows.execution import TaskConflict, holder_name, task_carry_out
from workflows.models import Claim, CommitteeMeeting

Role = RoleAssignment.Role
COMMITTEE_ROLES = (Role.SECRETARY, Role.COMMITTEE)


# ---------------------------------------------------------------- roster and quorum


def committee_roster(branch: Organization, on: datetime.date) -> list[Any]:
    """应到委员: the users holding 支部书记 or 支委委员 in this very branch on ``on``."""
    return role_holders(branch, *COMMITTEE_ROLES, on=on)


def quorum_needed(roster_size: int, percent: int) -> int:
    """The fewest attendees that are *more than* ``percent`` % of the roster (5 at 50 % → 3)."""
    return roster_size * percent // 100 + 1


def quorum_met(present: int, roster_size: int, percent: int) -> bool:
    return roster_size > 0 and present >= quorum_needed(roster_size, percent)


@dataclass(frozen=True)
class Attendance:
    """A meeting's attendance as printed: who should have come, who came, who did not."""

    roster: list[Any]
    present: list[Any]
    absent: list[Any]
    percent: int

    @property
    def needed(self) -> int:
        return quorum_needed(len(self.roster), self.percent)

    @property
    def quorate(self) -> bool:
        return quorum_met(len(self.present), len(self.roster), self.percent)


def meeting_attendance(meeting: CommitteeMeeting) -> Attendance:
    roster = sorted(meeting.roster.all(), key=lambda u: u.pk)
    present_ids = {u.pk for u in meeting.attendees.all()}
    return Attendance(
        roster=roster,
        present=[u for u in roster if u.pk in present_ids],
        absent=[u for u in roster if u.pk not in present_ids],
        percent=meeting.quorum_percent,
    )


def _names(users: Iterable[Any]) -> str:
    return "、".join(holder_name(u) for u in users)


# ---------------------------------------------------------------- reads


def meetings_visible_to(user: Any) -> QuerySet[CommitteeMeeting]:
    """The meetings of the branches the user follows (their committee, clerk, secretary, higher committee)."""
    from workflows.member_selectors import branches_followed_by

    return CommitteeMeeting.objects.filter(branch__in=branches_followed_by(user)).select_related(
        "branch", "chair", "recorder"
    )


def review_tasks_of(branch: Organization) -> QuerySet[Task]:
    """待支委会审核: the branch's open 支委会审核 tasks, the oldest first — what a meeting may decide."""
    from workflows.flows import ClaimFlow
    from workflows.selectors import tasks_of

    return (
        tasks_of([ClaimFlow])
        .filter(
            flow_task=ClaimFlow.review,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            process__branchprocess__organization=branch,
        )
        .select_related("owner", "process__branchprocess__claim__member")
        .order_by("created", "pk")
    )


# ---------------------------------------------------------------- recording a meeting


@transaction.atomic
def meeting_record(
    *,
    branch: Organization,
    held_on: datetime.date,
    place: str,
    attendees: Sequence[Any],
    chair: Any,
    recorder: Any,
    minutes: str = "",
    by: Any,
) -> CommitteeMeeting:
    """登记支委会会议: attendance checked against the committee's roster of the day and the quorum rule."""
    if not may(by, REVIEW_CLAIMS, branch):
        raise ValidationError(messages.MEETING_NOT_YOURS)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": [messages.MEETING_IN_FUTURE]})
    roster = committee_roster(branch, held_on)
    if not roster:
        raise ValidationError(
            messages.MEETING_NO_COMMITTEE % {"branch": branch.name, "date": day_text(held_on)}
        )
    roster_ids = {u.pk for u in roster}
    outsiders = [u for u in attendees if u.pk not in roster_ids]
    if outsiders:
        raise ValidationError({"attendees": [messages.MEETING_NOT_ON_ROSTER % {"names": _names(outsiders)}]})
    present = {u.pk: u for u in attendees}
    percent = review_settings_for(branch).committee_quorum_percent
    if not quorum_met(len(present), len(roster), percent):
        raise ValidationError(
            messages.MEETING_NO_QUORUM
            % {
                "roster": len(roster),
                "present": len(present),
                "percent": percent,
                "needed": quorum_needed(len(roster), percent),
            }
        )
    if chair.pk not in present:
        raise ValidationError({"chair": [messages.MEETING_CHAIR_ABSENT]})
    clerks = {u.pk for u in role_holders(branch, Role.CLERK, on=held_on)}
    if recorder.pk not in present and recorder.pk not in clerks:
        raise ValidationError({"recorder": [messages.MEETING_RECORDER_UNKNOWN]})
    meeting = CommitteeMeeting.objects.create(
        branch=branch,
        held_on=held_on,
        place=place,
        chair=chair,
        recorder=recorder,
        quorum_percent=percent,
        minutes=minutes,
        created_by=by,
    )
    meeting.roster.set(roster)
    meeting.attendees.set(present.values())
    absent = [u for u in roster if u.pk not in present]
    audit_record(
        actor=by,
        action="meeting.record",
        summary=f"登记 {meeting}：应到 {len(roster)} 人，实到 {len(present)} 人",
        target=meeting,
        organization=branch,
        data={
            "held_on": held_on.isoformat(),
            "place": place,
            "attendees": [holder_name(u) for u in present.values()],
            "absent": [holder_name(u) for u in absent],
            "chair": holder_name(chair),
            "recorder": holder_name(recorder),
            "quorum_percent": percent,
        },
    )
    return meeting


# ---------------------------------------------------------------- the rules every review obeys


def require_meeting_rules(claim: Claim, by: Any, meeting: CommitteeMeeting | None) -> None:
    """What the branch's rules ask of one 支委会审核 (``claim_approve`` / ``claim_reject`` call it):
    without a meeting, that the branch allows one reviewer; in a meeting, that it is the claim's branch's,
    that the one entering the decision attended, and that an attendee's own claim is decided with the
    meeting still quorate once they 回避."""
    if meeting is None:
        if not review_settings_for(claim.branch).single_reviewer:
            raise ValidationError(messages.MEETING_REQUIRED)
        return
    if meeting.branch_id != claim.branch_id:
        raise ValidationError(messages.MEETING_OTHER_BRANCH % {"branch": meeting.branch.name})
    attendee_ids = set(meeting.attendees.values_list("pk", flat=True))
    if by.pk not in attendee_ids:
        raise ValidationError(messages.MEETING_NOT_ATTENDED)
    concerned = claim.member.user_id
    if concerned in attendee_ids:
        roster_size = meeting.roster.count()
        if not quorum_met(len(attendee_ids) - 1, roster_size, meeting.quorum_percent):
            raise ValidationError(
                messages.MEETING_CONCERNED_NO_QUORUM
                % {
                    "name": claim.member.real_name,
                    "present": len(attendee_ids) - 1,
                    "roster": roster_size,
                    "percent": meeting.quorum_percent,
                }
            )


# ---------------------------------------------------------------- deciding a batch


APPROVE, ADJUST, REJECT = "approve", "adjust", "reject"


@dataclass(frozen=True)
class MeetingDecision:
    """The meeting's decision on one 支委会审核 task: 通过, 调整分值 (within range, a reason), 不予通过."""

    task: Task
    verdict: str
    points: Decimal | None = None
    reason: str = ""


class MeetingDecisionsRefused(Exception):
    """The batch did not take effect; ``problems`` maps each refused task's pk to its Chinese reason."""

    def __init__(self, problems: dict[int, str]):
        self.problems = problems
        self.message = str(messages.MEETING_BATCH_REFUSED % {"count": len(problems)})
        super().__init__(self.message)


def _decide_one(decision: MeetingDecision, meeting: CommitteeMeeting, by: Any) -> None:
    from scoring.selectors import effective_ruleset
    from workflows.claims import claim_approve, claim_reject
    from workflows.flows import ClaimFlow

    if decision.task.flow_task is not ClaimFlow.review:
        raise ValidationError(messages.TASK_NOT_A_REVIEW)
    claim = decision.task.process.coerced.claim
    if decision.verdict == REJECT:
        if not decision.reason.strip():
            raise ValidationError(messages.REASON_REQUIRED)
        service, kwargs = claim_reject, {"reason": decision.reason}
    elif decision.verdict == ADJUST:
        item = effective_ruleset(claim.ruleset_version).item(claim.item_code)
        if item is None or not item.is_range:
            raise ValidationError(messages.MEETING_ADJUST_NOT_RANGE)
        if decision.points is None:
            raise ValidationError(messages.MEETING_ADJUST_POINTS_REQUIRED)
        if not decision.reason.strip():
            raise ValidationError(messages.REASON_REQUIRED)
        service, kwargs = claim_approve, {"points": decision.points, "reason": decision.reason}
    else:
        service, kwargs = claim_approve, {"reason": decision.reason}

    def carry(*, by: Any, activation: Any) -> Any:
        return service(
            claim=activation.process.claim, by=by, activation=activation, meeting=meeting, **kwargs
        )

    task_carry_out(decision.task, by, carry)


def _refusal(error: Exception) -> str:
    if isinstance(error, TaskConflict):
        return error.message
    if isinstance(error, OwnPointsDenied):
        return str(error)
    if isinstance(error, PermissionDenied):
        return str(messages.NOT_ALLOWED)
    return "；".join(error.messages)  # ValidationError


def _lock_processes(decisions: Sequence[MeetingDecision]) -> None:
    """Take the batch's process rows, waiting for them, in one order. viewflow's own lock (``NOWAIT``, retried
    after a pause) cannot wait inside a transaction that is already open: its failed attempt would leave the
    whole batch's transaction aborted. Held here until the batch commits, the rows are then ours when each
    task takes its lock; two batches sharing a claim queue up — the second finds it decided and is refused
    (``TASK_ALREADY_DONE``) — and the one order keeps two batches from waiting on each other."""
    from workflows.models import BranchProcess

    pks = sorted({d.task.process_id for d in decisions})
    list(BranchProcess.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))


def meeting_decide(
    *, meeting: CommitteeMeeting, decisions: Sequence[MeetingDecision], by: Any
) -> list[Claim]:
    """会议审核: the meeting's decisions on a batch of claims, all or none (see the module's docstring).
    Returns the decided claims; raises ``MeetingDecisionsRefused`` (nothing changed) or a
    ``ValidationError`` about the batch as a whole."""
    if not decisions:
        raise ValidationError(messages.MEETING_NOTHING_DECIDED)
    if not meeting.attendees.filter(pk=by.pk).exists():
        raise ValidationError(messages.MEETING_NOT_ATTENDED)
    problems: dict[int, str] = {}
    with transaction.atomic():
        _lock_processes(decisions)
        for decision in decisions:
            try:
                # A savepoint per claim: a refused one is undone alone, so every refusal can be named.
                with transaction.atomic():
                    _decide_one(decision, meeting, by)
            except (TaskConflict, PermissionDenied, ValidationError) as error:
                problems[decision.task.pk] = _refusal(error)
        if problems:
            # Leaving the block by an exception rolls the whole batch back.
            raise MeetingDecisionsRefused(problems)
        claims = list(
            Claim.objects.filter(process__pk__in=[d.task.process_id for d in decisions])
            .select_related("member")
            .order_by("pk")
        )
        counts = {v: sum(d.verdict == v for d in decisions) for v in (APPROVE, ADJUST, REJECT)}
        audit_record(
            actor=by,
            action="meeting.decide",
            summary=(
                f"{meeting} 审核 {len(decisions)} 条申报：通过 {counts[APPROVE]}，"
                f"调整 {counts[ADJUST]}，不予通过 {counts[REJECT]}"
            ),
            target=meeting,
            organization=meeting.branch,
            data={"claims": [c.pk for c in claims], **counts},
        )
    return claims
