"""民主评议 services: open the session, 自评, 互评 (online ballots or the paper count), the committee's
proposal, 公示 and 审定 — one function per state change, each in one transaction with an audit record.

Levels or a vote score, as the rule set in force says (``Evaluation.kind``): the session copies the kind,
the levels and the full marks when it opens, so a rule change during the meeting changes nothing.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.access import may, role_holders
from accounts.duties import concerns, own_points_message, require_duty
from accounts.models import Member, Organization, RoleAssignment
from audit.services import audit_record
from config.formats import day_text, moment_text
from scoring.core.periods import Period, PeriodKind, cycle_bounds
from scoring.core.ruleset import EvaluationKind, fmt
from scoring.selectors import effective_ruleset, ruleset_in_force, ruleset_version_current
from workflows.escalation import review_settings_for
from workflows.models import Appeal, PublicityWindow
from workflows.notifications import notify_many
from yearend import messages
from yearend.models import (
    Ballot,
    EvaluationProposal,
    EvaluationResult,
    EvaluationSession,
    PaperTally,
    Participant,
    SelfAssessment,
)
from yearend.tallies import session_tallies

SELF_ASSESSMENT_MAX = 2000
MEETING_MONTHS_AFTER = 2  # 年底 or the first two months of the next year


# In a form for the whole branch, the officer's own row takes what the count or the rules suggest and
# nothing else: a different result for them is for another officer to propose (or an appeal to decide).
OWN_ROW_ACTION = "改变%(name)s本人的建议结果"


def require(by: Any, perm: str, branch: Organization) -> None:
    if by is None or not may(by, perm, branch):
        raise ValidationError(messages.NOT_ALLOWED)


def _locked(session: EvaluationSession) -> EvaluationSession:
    return EvaluationSession.objects.select_for_update().get(pk=session.pk)


def _when(moment: datetime.datetime) -> str:
    return moment_text(moment)


def _require_status(session: EvaluationSession, *statuses: str, message=messages.SESSION_NOT_PROPOSING):
    if session.status not in statuses:
        raise ValidationError(message % {"status": session.get_status_display()})


# ---------------------------------------------------------------- opening


def participation(member: Member) -> tuple[bool, bool, str]:
    """(evaluated, votes, note) of a roster member: 正式党员 and 预备党员 are evaluated, only 正式党员 vote
    (预备党员没有表决权); members exempt from scoring are not evaluated; 流动党员 take part from afar."""
    if member.kind not in (Member.Kind.FULL, Member.Kind.PROBATIONARY):
        return False, False, ""
    votes = member.kind == Member.Kind.FULL
    if member.status == Member.Status.EXEMPT:
        return False, votes, "经批准免于积分，不参加评议"
    notes = []
    if member.kind == Member.Kind.PROBATIONARY:
        notes.append("预备党员，参加评议，没有表决权")
    if member.status == Member.Status.MOBILE:
        notes.append("流动党员，可在手机上自评和投票")
    return True, votes, "；".join(notes)


def meeting_bounds(rules, cycle: int) -> tuple[datetime.date, datetime.date]:
    """The meeting is held at the year's end: from the cycle's last quarter to two months after it."""
    first, _ = Period(cycle, PeriodKind.QUARTER, 4).bounds(rules)
    _, last = cycle_bounds(rules, cycle)
    index = last.year * 12 + last.month - 1 + MEETING_MONTHS_AFTER
    year, month = index // 12, index % 12 + 1
    return first, datetime.date(year, month, calendar.monthrange(year, month)[1])


@transaction.atomic
def evaluation_open(
    *,
    branch: Organization,
    cycle: int,
    meeting_on: datetime.date,
    voting_opens_at: datetime.datetime,
    voting_closes_at: datetime.datetime,
    mode: str,
    by: Any,
) -> EvaluationSession:
    """发起民主评议: the clerk sets the meeting and the voting window; the roster becomes the list."""
    require(by, "open_publicity", branch)
    ruleset = ruleset_in_force(branch, cycle)
    version = ruleset_version_current(ruleset) if ruleset else None
    rules = effective_ruleset(version) if version else None
    if rules is None or rules.evaluation is None:
        raise ValidationError(messages.NO_EVALUATION_IN_RULES % {"branch": branch.name, "cycle": cycle})
    first, last = meeting_bounds(rules, cycle)
    if not first <= meeting_on <= last:
        bounds = {"first": day_text(first), "last": day_text(last)}
        raise ValidationError({"meeting_on": [messages.MEETING_OUTSIDE_CYCLE % bounds]})
    if voting_closes_at <= voting_opens_at:
        raise ValidationError({"voting_closes_at": [messages.VOTING_WINDOW_ORDER]})
    evaluation = rules.evaluation
    roster = [(member, *participation(member)) for member in Member.objects.filter(branch=branch)]
    if not any(evaluated for _, evaluated, _, _ in roster):
        raise ValidationError(messages.NOBODY_TO_EVALUATE)
    try:
        with transaction.atomic():
            session = EvaluationSession.objects.create(
                branch=branch,
                cycle=cycle,
                ruleset_version=version,
                kind=evaluation.kind.value,
                levels=list(evaluation.level_names),
                max_score=evaluation.full_marks,
                mode=mode,
                meeting_on=meeting_on,
                voting_opens_at=voting_opens_at,
                voting_closes_at=voting_closes_at,
                opened_by=by,
            )
    except IntegrityError:
        raise ValidationError(messages.EVALUATION_EXISTS % {"branch": branch.name, "cycle": cycle}) from None
    Participant.objects.bulk_create(
        Participant(session=session, member=member, evaluated=evaluated, votes=votes, note=note)
        for member, evaluated, votes, note in roster
        if evaluated or votes
    )
    audit_record(
        actor=by,
        action="evaluation.open",
        summary=f"{branch.name} 发起{session.label}",
        target=session,
        organization=branch,
        data={
            "meeting_on": meeting_on,
            "voting_opens_at": voting_opens_at,
            "voting_closes_at": voting_closes_at,
            "mode": mode,
            "kind": session.kind,
        },
    )
    how = (
        "请在手机上填写自评，并在投票时间内对其他党员进行互评。"
        if session.online
        else "请填写自评，按时参加评议大会。"
    )
    notify_many(
        [p.member.user for p in session.participants.select_related("member__user")],
        kind="evaluation_opened",
        title=f"{branch.name} {session.label}",
        body=(
            f"评议大会 {day_text(meeting_on)}，"
            f"投票时间 {_when(voting_opens_at)} 至 {_when(voting_closes_at)}。{how}"
        ),
        url=f"/me/evaluation/{session.pk}/",
    )
    from yearend.flows import EvaluationFlow  # the flow's views call these services

    EvaluationFlow.start.run(session=session)
    return session


# ---------------------------------------------------------------- 自评 and 互评


def _participant(session: EvaluationSession, member: Member) -> Participant | None:
    return session.participants.filter(member=member).first()


@transaction.atomic
def self_assessment_submit(
    *, session: EvaluationSession, member: Member, text: str, level: str = "", by: Any, now=None
) -> SelfAssessment:
    """自评: the member writes (or rewrites) their own summary until voting closes."""
    now = now or timezone.now()
    if member.user_id != getattr(by, "pk", None):
        raise ValidationError(messages.SELF_ASSESSMENT_NOT_YOURS)
    session = _locked(session)
    _require_status(session, EvaluationSession.Status.VOTING, message=messages.SESSION_NOT_VOTING)
    if now >= session.voting_closes_at:
        raise ValidationError(messages.VOTING_CLOSED % {"closes": _when(session.voting_closes_at)})
    participant = _participant(session, member)
    if participant is None or not participant.evaluated:
        raise ValidationError(messages.NOT_EVALUATED % {"name": member.real_name})
    text = text.strip()
    if not text:
        raise ValidationError({"text": [messages.SELF_ASSESSMENT_EMPTY]})
    if len(text) > SELF_ASSESSMENT_MAX:
        raise ValidationError({"text": [messages.SELF_ASSESSMENT_TOO_LONG % {"max": SELF_ASSESSMENT_MAX}]})
    if level and level not in session.levels:
        raise ValidationError({"level": [_level_unknown(session, level)]})
    assessment, created = SelfAssessment.objects.update_or_create(
        session=session, member=member, defaults={"text": text, "level": level, "updated_at": now}
    )
    audit_record(
        actor=by,
        action="evaluation.self_assessment",
        summary=f"{member.real_name} {'提交' if created else '修改'}{session.label}自评",
        target=session,
        organization=session.branch,
        data={"level": level, "length": len(text)},
    )
    return assessment


def _level_unknown(session: EvaluationSession, level: str) -> str:
    return messages.LEVEL_UNKNOWN % {"level": level, "choices": "、".join(session.levels)}


def evaluation_value(
    session: EvaluationSession, *, level: str = "", score: Any = None
) -> tuple[str, Decimal | None]:
    """(level, score) checked against the session's kind: a known level, or a score within 0 … full marks."""
    if session.kind == EvaluationKind.LEVELS:
        if level not in session.levels:
            raise ValidationError(
                _level_unknown(session, level)
                if level
                else messages.LEVEL_UNKNOWN % {"level": "", "choices": "、".join(session.levels)}
            )
        return level, None
    if score in (None, ""):
        raise ValidationError(messages.SCORE_REQUIRED % {"max": fmt(session.max_score)})
    try:
        number = Decimal(str(score)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError(messages.SCORE_REQUIRED % {"max": fmt(session.max_score)}) from None
    if not number.is_finite() or not Decimal(0) <= number <= session.max_score:
        raise ValidationError(
            messages.SCORE_OUT_OF_RANGE % {"score": fmt(Decimal(str(score))), "max": fmt(session.max_score)}
        )
    return "", number


def points_of(session: EvaluationSession, level: str, score: Decimal | None) -> Decimal:
    """What a level or a vote score is worth under the session's rule-set version."""
    evaluation = effective_ruleset(session.ruleset_version).evaluation
    assert evaluation is not None  # a session opens only under rules with an evaluation
    return evaluation.value_for(level if session.kind == EvaluationKind.LEVELS else score)


@transaction.atomic
def ballots_cast(
    *, session: EvaluationSession, voter: Member, choices: Mapping[int, Mapping[str, Any]], by: Any, now=None
) -> list[Ballot]:
    """互评: the member's votes, all or none — ``choices`` maps the person voted on (member pk) to
    ``{"level": ...}`` or ``{"score": ...}``. One ballot per voter and person, ever (the database says so)."""
    now = now or timezone.now()
    if voter.user_id != getattr(by, "pk", None):
        raise ValidationError(messages.NOT_ALLOWED)
    session = EvaluationSession.objects.get(pk=session.pk)
    _require_status(session, EvaluationSession.Status.VOTING, message=messages.SESSION_NOT_VOTING)
    if not session.online:
        raise ValidationError(messages.ONLINE_VOTING_OFF)
    if now < session.voting_opens_at:
        raise ValidationError(messages.VOTING_NOT_OPEN % {"opens": _when(session.voting_opens_at)})
    if now >= session.voting_closes_at:
        raise ValidationError(messages.VOTING_CLOSED % {"closes": _when(session.voting_closes_at)})
    me = _participant(session, voter)
    if me is None or not me.votes:
        raise ValidationError(messages.NOT_A_VOTER % {"name": voter.real_name})
    if not choices:
        raise ValidationError(messages.BALLOT_EMPTY)
    evaluated = {
        p.member_id: p.member for p in session.participants.filter(evaluated=True).select_related("member")
    }
    ballots = []
    for subject_id, choice in choices.items():
        subject = evaluated.get(int(subject_id))
        if int(subject_id) == voter.pk:
            raise ValidationError(messages.NOT_YOURSELF)
        if subject is None:
            name = (
                Member.objects.filter(pk=subject_id).values_list("real_name", flat=True).first() or subject_id
            )
            raise ValidationError(messages.NOT_EVALUATED % {"name": name})
        level, score = evaluation_value(session, level=choice.get("level", ""), score=choice.get("score"))
        ballots.append(
            Ballot(session=session, voter=voter, subject=subject, level=level, score=score, cast_at=now)
        )
    try:
        with transaction.atomic():
            for ballot in ballots:
                ballot.save()
    except IntegrityError:
        taken = Ballot.objects.filter(
            session=session, voter=voter, subject__in=[b.subject for b in ballots]
        ).select_related("subject")
        name = "、".join(b.subject.real_name for b in taken) or "该党员"
        raise ValidationError(messages.BALLOT_TWICE % {"name": name}) from None
    # Secret ballot: the audit trail says that the member voted and how many, never for whom or what.
    audit_record(
        actor=by,
        action="evaluation.vote",
        summary=f"{voter.real_name} 参加{session.label}互评投票（{len(ballots)} 人）",
        target=session,
        organization=session.branch,
        data={"count": len(ballots)},
    )
    return ballots


@transaction.atomic
def paper_tally_enter(
    *,
    session: EvaluationSession,
    subject: Member,
    ballots: int,
    counts: Mapping[str, int] | None = None,
    score: Any = None,
    by: Any,
) -> PaperTally:
    """纸质票录入: the clerk enters the meeting's paper count for one member. A second entry corrects the
    first (both kept); the tallies may never exceed the ballots cast. Never the clerk's own count: the
    secretary enters it for a branch's only clerk (``accounts.duties``)."""
    require_duty(
        by, "record_claims", session.branch, [subject], action="录入本人的纸质票", denied=messages.NOT_ALLOWED
    )
    session = _locked(session)
    _require_status(session, EvaluationSession.Status.VOTING, message=messages.SESSION_NOT_VOTING)
    if not session.paper:
        raise ValidationError(messages.PAPER_OFF)
    participant = _participant(session, subject)
    if participant is None or not participant.evaluated:
        raise ValidationError(messages.NOT_EVALUATED % {"name": subject.real_name})
    if isinstance(ballots, bool) or not isinstance(ballots, int) or ballots < 1:
        raise ValidationError({"ballots": [messages.TALLY_BALLOTS_POSITIVE]})
    voters = session.participants.filter(votes=True).exclude(member=subject).count()
    online = Ballot.objects.filter(session=session, subject=subject).count()
    if ballots > voters - online:
        raise ValidationError(
            {"ballots": [messages.TALLY_BALLOTS_TOO_MANY % {"ballots": ballots, "voters": voters - online}]}
        )
    clean_counts: dict[str, int] = {}
    clean_score = None
    if session.kind == EvaluationKind.LEVELS:
        for level, count in (counts or {}).items():
            if level not in session.levels:
                raise ValidationError(_level_unknown(session, level))
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValidationError(messages.TALLY_COUNT_NEGATIVE % {"level": level})
            if count:
                clean_counts[level] = count
        votes = sum(clean_counts.values())
        if votes > ballots:
            raise ValidationError(messages.TALLY_EXCEEDS_BALLOTS % {"votes": votes, "ballots": ballots})
    else:
        _, clean_score = evaluation_value(session, score=score)
    tally = PaperTally.objects.create(
        session=session,
        subject=subject,
        ballots=ballots,
        counts=clean_counts,
        score=clean_score,
        entered_by=by,
    )
    corrected = session.paper_tallies.filter(subject=subject).count() > 1
    audit_record(
        actor=by,
        action="evaluation.paper_tally",
        summary=f"{'更正' if corrected else '录入'} {subject.real_name} 的{session.label}纸质票",
        target=session,
        organization=session.branch,
        data={"ballots": ballots, "counts": clean_counts, "score": clean_score},
    )
    return tally


@transaction.atomic
def evaluation_tally_close(
    *, session: EvaluationSession, by: Any, activation: Any, close_voting_now: bool = False, now=None
) -> EvaluationSession:
    """完成计票: voting is over (or the clerk ends it early, after the meeting); the tallies go to the
    committee. With paper voting, every member evaluated needs the meeting's count."""
    require(by, "record_claims", session.branch)
    now = now or timezone.now()
    session = _locked(session)
    _require_status(session, EvaluationSession.Status.VOTING, message=messages.SESSION_NOT_VOTING)
    if now < session.voting_closes_at:
        if not close_voting_now:
            raise ValidationError(messages.VOTING_STILL_OPEN % {"closes": _when(session.voting_closes_at)})
        session.voting_closes_at = max(now, session.voting_opens_at + timedelta(seconds=1))
    if session.mode == EvaluationSession.Mode.PAPER:
        entered = set(session.paper_tallies.values_list("subject_id", flat=True))
        missing = [
            p.member.real_name
            for p in session.participants.filter(evaluated=True).select_related("member")
            if p.member_id not in entered
        ]
        if missing:
            raise ValidationError(messages.TALLY_MISSING % {"names": "、".join(sorted(missing))})
    session.status = EvaluationSession.Status.PROPOSING
    session.tallied_by, session.tallied_at = by, now
    session.save(update_fields=["status", "tallied_by", "tallied_at", "voting_closes_at"])
    audit_record(
        actor=by,
        action="evaluation.tally",
        summary=f"{session.branch.name} {session.label}计票完成",
        target=session,
        organization=session.branch,
        data={"ballots_online": session.ballots.count(), "closed_early": close_voting_now},
    )
    activation.execute()
    return session


# ---------------------------------------------------------------- the committee's proposal, 公示, 审定


@dataclass(frozen=True)
class ProposalInput:
    """One member's proposed result as the committee enters it."""

    level: str = ""
    score: Any = None
    reason: str = ""


@transaction.atomic
def evaluation_propose(
    *, session: EvaluationSession, by: Any, activation: Any, proposals: Mapping[int, ProposalInput], now=None
) -> PublicityWindow:
    """支委会评定: a 评议等次 (or 得分) for every member evaluated — one that departs from the count says
    why — then the results are posted to the branch for the 公示 window."""
    require(by, "review_claims", session.branch)
    now = now or timezone.now()
    session = _locked(session)
    _require_status(session, EvaluationSession.Status.PROPOSING)
    tallies = {tally.member.pk: tally for tally in session_tallies(session)}
    evaluated = list(session.participants.filter(evaluated=True).select_related("member"))
    missing = [p.member.real_name for p in evaluated if p.member_id not in proposals]
    if missing:
        raise ValidationError(messages.PROPOSAL_MISSING % {"names": "、".join(sorted(missing))})
    outside = set(proposals) - {p.member_id for p in evaluated}
    if outside:
        names = (
            Member.objects.filter(pk__in=outside).order_by("real_name").values_list("real_name", flat=True)
        )
        raise ValidationError(
            messages.NOT_EVALUATED % {"name": "、".join(names) or "、".join(map(str, outside))}
        )
    rows = []
    for participant in evaluated:
        member, given = participant.member, proposals[participant.member_id]
        level, score = evaluation_value(session, level=given.level, score=given.score)
        suggested = tallies[member.pk].suggestion
        # Nobody voted on them (no count to follow): the row stands as proposed, open to the 公示's appeals.
        if concerns(by, member) and suggested is not None and (level or score) != suggested:
            raise ValidationError(own_points_message(OWN_ROW_ACTION % {"name": member.real_name}))
        if suggested is not None and (level or score) != suggested and not given.reason.strip():
            shown = suggested if isinstance(suggested, str) else f"{fmt(suggested)} 分"
            raise ValidationError(
                messages.PROPOSAL_REASON_REQUIRED % {"name": member.real_name, "suggested": shown}
            )
        rows.append(
            EvaluationProposal(
                session=session,
                member=member,
                level=level,
                score=score,
                value=points_of(session, level, score),
                reason=given.reason.strip(),
                proposed_by=by,
                created_at=now,
            )
        )
    EvaluationProposal.objects.bulk_create(rows)
    days = review_settings_for(session.branch).publicity_days
    window = PublicityWindow.objects.create(
        branch=session.branch,
        evaluation=session,
        opens_at=now,
        closes_at=now + timedelta(days=days),
        opened_by=by,
    )
    session.status = EvaluationSession.Status.PUBLICITY
    session.save(update_fields=["status"])
    audit_record(
        actor=by,
        action="evaluation.propose",
        summary=f"{session.branch.name} {session.label}支委会评定并公示",
        target=session,
        organization=session.branch,
        data={"members": len(rows), "closes_at": window.closes_at},
    )
    notify_many(
        [p.member.user for p in session.participants.select_related("member__user")],
        kind="publicity_opened",
        title=f"{session.branch.name} {session.label}结果公示",
        body=f"公示期至 {_when(window.closes_at)}。如有异议，请在公示期内提出申诉。",
        url=f"/me/evaluation/{session.pk}/",
    )
    activation.execute()
    return window


def latest_proposals(session: EvaluationSession) -> dict[int, EvaluationProposal]:
    """member pk → the proposal that stands (the latest)."""
    latest: dict[int, EvaluationProposal] = {}
    for proposal in session.proposals.order_by("id"):
        latest[proposal.member_id] = proposal
    return latest


def open_appeals(window: PublicityWindow):
    return Appeal.objects.filter(window=window, status=Appeal.Status.OPEN)


def window_settled(window: PublicityWindow | None, at=None) -> bool:
    """The window has closed and every appeal against it is settled."""
    at = at or timezone.now()
    return window is not None and window.closes_at <= at and not open_appeals(window).exists()


def require_window_settled(window: PublicityWindow) -> None:
    if window.closes_at > timezone.now():
        raise ValidationError(messages.WINDOW_STILL_OPEN % {"closes": _when(window.closes_at)})
    count = open_appeals(window).count()
    if count:
        raise ValidationError(messages.APPEALS_OPEN % {"count": count})


@transaction.atomic
def evaluation_approve(
    *, session: EvaluationSession, by: Any, activation: Any, note: str = ""
) -> list[EvaluationResult]:
    """审定: the proposals that stand after 公示 and appeals become the members' 评议结果."""
    require(by, "approve_period", session.branch)
    session = _locked(session)
    if session.status == EvaluationSession.Status.APPROVED:
        raise ValidationError(messages.ALREADY_APPROVED)
    _require_status(session, EvaluationSession.Status.PUBLICITY)
    require_window_settled(session.window)
    now = timezone.now()
    results = [
        EvaluationResult(
            session=session,
            member_id=member_id,
            level=proposal.level,
            score=proposal.score,
            value=proposal.value,
            proposal=proposal,
            approved_by=by,
            approved_at=now,
        )
        for member_id, proposal in latest_proposals(session).items()
    ]
    EvaluationResult.objects.bulk_create(results)
    session.status, session.approved_by, session.approved_at = EvaluationSession.Status.APPROVED, by, now
    session.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=by,
        action="evaluation.approve",
        summary=f"{session.branch.name} {session.label}审定",
        target=session,
        organization=session.branch,
        reason=note,
        data={"members": len(results)},
    )
    notify_many(
        role_holders(session.branch, RoleAssignment.Role.CLERK, RoleAssignment.Role.SECRETARY),
        kind="evaluation_approved",
        title=f"{session.branch.name} {session.label}已审定",
        body="民主评议结果已计入年度总评。",
        url=f"/yearend/branch/{session.branch_id}/{session.cycle}/",
    )
    activation.execute()
    return results


@transaction.atomic
def evaluation_correct(*, appeal: Appeal, by: Any, result: str, reason: str) -> EvaluationProposal:
    """An upheld appeal against a member's proposed result: a new proposal with the committee's reason."""
    session = appeal.window.evaluation
    level, score = evaluation_value(
        session,
        level=result if session.kind == EvaluationKind.LEVELS else "",
        score=result if session.kind == EvaluationKind.SCORE else None,
    )
    return EvaluationProposal.objects.create(
        session=session,
        member=appeal.subject,
        level=level,
        score=score,
        value=points_of(session, level, score),
        reason=f"申诉成立：{reason}",
        source=EvaluationProposal.Source.APPEAL,
        proposed_by=by,
    )
