"""年度总评 services: start the year's review once every period and the 民主评议 are approved, the committee
sets each 等次, 公示, 审定 (the results are frozen), 党委审批 and 备案 by the higher committee.

The figures come from the scoring core (``yearend.standings``); the committee decides the 等次 within what
the rules allow (``scoring.core.annual.grade_allowed``: a vetoed member can only be graded lowest) and says
why wherever it departs from the suggestion. Nothing is overwritten: proposals and results are append-only,
a return by the higher committee leads to a new 审定 round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.access import role_holders
from accounts.duties import concerns, own_points_message
from accounts.models import Member, Organization, RoleAssignment
from audit.services import audit_record
from config.formats import day_text
from scoring.core.annual import follow_up_due, grade_allowed, honours_eligible
from scoring.core.periods import Period, PeriodKind, cycle_bounds
from scoring.core.ruleset import fmt
from workflows.escalation import review_settings_for
from workflows.models import Appeal, PublicityWindow
from workflows.notifications import notify_many
from workflows.periods import cycle_rules
from yearend import messages
from yearend.evaluation import OWN_ROW_ACTION, _when, require, require_window_settled
from yearend.models import AnnualDecision, AnnualResult, AnnualReview, EvaluationSession, GradeProposal
from yearend.standings import branch_year, members_by_pk, year_inputs


def _locked(review: AnnualReview) -> AnnualReview:
    return AnnualReview.objects.select_for_update().get(pk=review.pk)


def _require_status(review: AnnualReview, *statuses: str) -> None:
    if review.status not in statuses:
        raise ValidationError(messages.ANNUAL_NOT_IN_STATUS % {"status": review.get_status_display()})


def _officers(branch: Organization) -> list[Any]:
    return role_holders(branch, RoleAssignment.Role.SECRETARY, RoleAssignment.Role.CLERK)


def _higher_committee(branch: Organization) -> list[Any]:
    """The higher committee's officers above the branch (who approve and file its year)."""
    above = Organization.objects.filter(
        path__in=[branch.path[:n] for n in range(branch.steplen, len(branch.path), branch.steplen)]
    ).order_by("-depth")
    for organization in above:
        holders = role_holders(organization, RoleAssignment.Role.HIGHER)
        if holders:
            return holders
    return []


# ---------------------------------------------------------------- starting


def annual_review_blockers(branch: Organization, cycle: int, *, today=None) -> list[str]:
    """Why the branch's year cannot be reviewed yet (Chinese), empty when it can."""
    from reports.rankings import _not_approved_reason, approved_period

    today = today or timezone.localdate()
    rules = cycle_rules(branch, cycle)
    _, last = cycle_bounds(rules, cycle)
    if today <= last:
        return [str(messages.ANNUAL_CYCLE_NOT_ENDED % {"cycle": cycle, "last": day_text(last)})]
    blockers = []
    year = Period(cycle, PeriodKind.CYCLE)
    if approved_period(branch, year) is None:
        blockers.append(
            str(messages.ANNUAL_PERIODS_PENDING % {"periods": _not_approved_reason(branch, year)})
        )
    if rules.evaluation is not None:
        approved = EvaluationSession.objects.filter(
            branch=branch, cycle=cycle, status=EvaluationSession.Status.APPROVED
        ).exists()
        if not approved:
            blockers.append(str(messages.ANNUAL_EVALUATION_PENDING % {"cycle": cycle}))
    return blockers


@transaction.atomic
def annual_review_start(*, branch: Organization, cycle: int, by: Any | None, today=None) -> AnnualReview:
    """发起年度总评: once every period of the year and the 民主评议 are approved, the committee's 等次
    task opens with the year's figures."""
    if by is not None:  # the beat job starts reviews that became due with no one behind it
        require(by, "open_publicity", branch)
    blockers = annual_review_blockers(branch, cycle, today=today)
    if blockers:
        raise ValidationError(blockers)
    try:
        with transaction.atomic():
            review = AnnualReview.objects.create(branch=branch, cycle=cycle, started_by=by)
    except IntegrityError:
        raise ValidationError(messages.ANNUAL_EXISTS % {"branch": branch.name, "cycle": cycle}) from None
    audit_record(
        actor=by,
        action="annual.start",
        summary=f"{branch.name} 发起{review.label}",
        target=review,
        organization=branch,
    )
    notify_many(
        role_holders(branch, RoleAssignment.Role.SECRETARY, RoleAssignment.Role.COMMITTEE),
        kind="annual_started",
        title=f"{branch.name} {review.label}：请支委会评定等次",
        body="全年积分和民主评议均已审定，请支委会研究评定每名党员的年度等次。",
        url="/workflow/queue/",
    )
    from yearend.flows import AnnualReviewFlow

    AnnualReviewFlow.start.run(review=review)
    return review


def annual_reviews_autostart(*, today=None) -> int:
    """Beat: start the annual review of every branch whose year is complete and has none yet."""
    today = today or timezone.localdate()
    started = 0
    for branch in Organization.objects.filter(kind=Organization.Kind.BRANCH):
        settings = review_settings_for(branch)
        if not settings.auto_start or not settings.annual_review:
            continue
        for cycle in (today.year - 1, today.year):
            if AnnualReview.objects.filter(branch=branch, cycle=cycle).exists():
                continue
            try:
                annual_review_start(branch=branch, cycle=cycle, by=None, today=today)
            except ValidationError:
                continue  # not ready yet, or no rules for that year
            started += 1
    return started


# ---------------------------------------------------------------- 等次评定 and 公示


@dataclass(frozen=True)
class GradeInput:
    grade: str
    reason: str = ""


def graded_here(review: AnnualReview, standings) -> list:
    """The standings the branch grades: graded members who belong to the branch now (one who moved
    away during the year is graded by their new branch)."""
    here = set(Member.objects.filter(branch=review.branch).values_list("pk", flat=True))
    return [s for s in standings if s.graded and int(s.member) in here]


def latest_grades(review: AnnualReview) -> dict[int, GradeProposal]:
    latest: dict[int, GradeProposal] = {}
    for proposal in review.proposals.order_by("id"):
        latest[proposal.member_id] = proposal
    return latest


@transaction.atomic
def annual_grades_set(
    *, review: AnnualReview, by: Any, activation: Any, grades: Mapping[int, GradeInput], now=None
) -> AnnualReview:
    """支委会评定等次: a grade for every graded member; one other than the suggestion needs its reason, a
    vetoed member can only be graded lowest. The first time, the year is posted for the 公示 window."""
    require(by, "review_claims", review.branch)
    now = now or timezone.now()
    held, review = review, _locked(review)
    _require_status(review, AnnualReview.Status.GRADING)
    result = branch_year(review.branch, review.cycle)
    standings = graded_here(review, result.standings)
    members = members_by_pk(result)
    missing = [members[s.member].real_name for s in standings if int(s.member) not in grades]
    if missing:
        raise ValidationError(messages.GRADE_MISSING % {"names": "、".join(sorted(missing))})
    graded = {int(s.member) for s in standings}
    for member_id in grades:
        if member_id not in graded:
            name = Member.objects.filter(pk=member_id).values_list("real_name", flat=True).first()
            raise ValidationError(messages.GRADE_NOT_FOR_UNGRADED % {"name": name or member_id})
    rules = cycle_rules(review.branch, review.cycle)
    rows = []
    for standing in standings:
        member, given = members[standing.member], grades[int(standing.member)]
        refusal = grade_allowed(rules, grade=given.grade, veto=standing.veto)
        if refusal:
            raise ValidationError(f"{member.real_name}：{refusal}")
        suggested = standing.suggested_grade
        if concerns(by, member) and suggested and given.grade != suggested:
            raise ValidationError(own_points_message(OWN_ROW_ACTION % {"name": member.real_name}))
        if suggested and given.grade != suggested and not given.reason.strip():
            raise ValidationError(
                messages.GRADE_REASON_REQUIRED % {"name": member.real_name, "suggested": suggested}
            )
        rows.append(
            GradeProposal(
                review=review,
                member=member,
                grade=given.grade,
                reason=given.reason.strip(),
                proposed_by=by,
                created_at=now,
            )
        )
    GradeProposal.objects.bulk_create(rows)
    first_time = not PublicityWindow.objects.filter(annual_review=review).exists()
    if first_time:
        days = review_settings_for(review.branch).publicity_days
        window = PublicityWindow.objects.create(
            branch=review.branch,
            annual_review=review,
            opens_at=now,
            closes_at=now + timedelta(days=days),
            opened_by=by,
        )
        review.status = AnnualReview.Status.PUBLICITY
        notify_many(
            [member.user for member in Member.objects.filter(branch=review.branch).select_related("user")],
            kind="publicity_opened",
            title=f"{review.branch.name} {review.label}等次公示",
            body=f"公示期至 {_when(window.closes_at)}。如有异议，请在公示期内提出申诉。",
            url=f"/me/annual/{review.pk}/",
        )
    else:
        review.status = AnnualReview.Status.PUBLICITY  # the window has closed: 审定 follows at once
    review.save(update_fields=["status"])
    held.status = review.status
    changed = sum(1 for row in rows if row.reason)
    audit_record(
        actor=by,
        action="annual.grade",
        summary=f"{review.branch.name} {review.label}支委会评定等次"
        + ("并公示" if first_time else "（退回后重新评定）"),
        target=review,
        organization=review.branch,
        data={"members": len(rows), "departing_from_suggestion": changed},
    )
    activation.execute()
    return review


@transaction.atomic
def grade_correct(*, appeal: Appeal, by: Any, result: str, reason: str) -> GradeProposal:
    """An upheld appeal against a member's proposed 等次: a new proposal with the committee's reason."""
    review = appeal.window.annual_review
    standing = branch_year(review.branch, review.cycle)[str(appeal.subject_id)]
    refusal = grade_allowed(cycle_rules(review.branch, review.cycle), grade=result, veto=standing.veto)
    if refusal:
        raise ValidationError({"result": [refusal]})
    return GradeProposal.objects.create(
        review=review,
        member=appeal.subject,
        grade=result,
        reason=f"申诉成立：{reason}",
        source=GradeProposal.Source.APPEAL,
        proposed_by=by,
    )


# ---------------------------------------------------------------- 审定, 党委审批, 备案


def current_round(review: AnnualReview) -> int:
    return review.results.order_by("-round").values_list("round", flat=True).first() or 0


@transaction.atomic
def annual_review_approve(
    *, review: AnnualReview, by: Any, activation: Any, note: str = ""
) -> list[AnnualResult]:
    """审定: the year's figures and the 等次 that stand after 公示 and appeals are frozen as the members'
    annual results (a new round after a return); the higher committee is asked to approve them."""
    require(by, "approve_period", review.branch)
    held, review = review, _locked(review)
    if review.status in (AnnualReview.Status.APPROVED, AnnualReview.Status.RATIFIED):
        raise ValidationError(messages.ALREADY_APPROVED)
    _require_status(review, AnnualReview.Status.PUBLICITY)
    require_window_settled(review.window)
    inputs = year_inputs(review.branch, review.cycle)
    result = branch_year(review.branch, review.cycle, inputs)
    grades = latest_grades(review)
    here = {int(s.member) for s in graded_here(review, result.standings)}
    # A member who joined the branch after the 支委会 graded has no 等次 yet: the year cannot be
    # frozen with a blank grade, so it goes back to the committee for that member first.
    ungraded = here - set(grades)
    if ungraded:
        names = (
            Member.objects.filter(pk__in=ungraded).order_by("real_name").values_list("real_name", flat=True)
        )
        raise ValidationError(messages.GRADE_MISSING_AT_APPROVAL % {"names": "、".join(names)})
    now = timezone.now()
    round_ = current_round(review) + 1
    rows = []
    for standing in result.standings:
        member_id = int(standing.member)
        proposal = grades.get(member_id) if member_id in here else None
        grade = proposal.grade if proposal else ""
        rows.append(
            AnnualResult(
                review=review,
                round=round_,
                member_id=member_id,
                member_type=standing.member_type.value,
                graded=member_id in here,
                items_total=standing.items_total,
                base=standing.base,
                carry_over=standing.carry_over,
                points=standing.points,
                evaluation_level=standing.evaluation_level or "",
                evaluation_score=standing.evaluation_score,
                evaluation=standing.evaluation,
                total=standing.total,
                veto=standing.veto,
                computed_grade=standing.computed_grade or "",
                suggested_grade=standing.suggested_grade or "",
                grade=grade,
                grade_reason=proposal.reason if proposal else "",
                rank=standing.rank,
                reference_rank=standing.reference_rank,
                flags=[{"kind": str(f.kind), "reason": f.reason} for f in standing.flags],
                probation_outcome=standing.probation_outcome or "",
                honours_eligible=bool(grade)
                and honours_eligible(inputs.rules, grade=grade, veto=standing.veto, flags=standing.flags),
                follow_up=bool(grade)
                and follow_up_due(inputs.rules, grade=grade, veto=standing.veto, flags=standing.flags),
                decided_by=proposal.proposed_by if proposal else None,
                approved_by=by,
                approved_at=now,
            )
        )
    try:
        with transaction.atomic():
            AnnualResult.objects.bulk_create(rows)
    except IntegrityError:
        raise ValidationError(messages.ALREADY_APPROVED) from None
    review.status = AnnualReview.Status.APPROVED
    review.save(update_fields=["status"])
    held.status = review.status
    audit_record(
        actor=by,
        action="annual.approve",
        summary=f"{review.branch.name} {review.label}审定（第{round_}次）",
        target=review,
        organization=review.branch,
        reason=note,
        data={"round": round_, "members": len(rows)},
    )
    notify_many(
        _higher_committee(review.branch),
        kind="annual_approved",
        title=f"{review.branch.name} {review.label}待党委审批",
        body="支部已审定年度等次，请审批。",
        url="/workflow/queue/",
    )
    activation.execute()
    return rows


@transaction.atomic
def annual_review_send_back(*, review: AnnualReview, by: Any, activation: Any, reason: str) -> AnnualReview:
    """退回支委会补充评定 instead of 审定: e.g. a member who joined the branch after grading has no 等次
    yet. The committee grades again; the 公示 window has closed, so 审定 follows at once."""
    require(by, "approve_period", review.branch)
    held, review = review, _locked(review)
    if review.status in (AnnualReview.Status.APPROVED, AnnualReview.Status.RATIFIED):
        raise ValidationError(messages.ALREADY_APPROVED)
    _require_status(review, AnnualReview.Status.PUBLICITY)
    require_window_settled(review.window)
    if not reason.strip():
        raise ValidationError({"reason": [messages.RETURN_REASON_REQUIRED]})
    review.status = AnnualReview.Status.GRADING
    review.save(update_fields=["status"])
    held.status = review.status
    audit_record(
        actor=by,
        action="annual.send_back",
        summary=f"{review.branch.name} {review.label}退回支委会重新评定",
        target=review,
        organization=review.branch,
        reason=reason.strip(),
    )
    activation.execute()
    return review


def _decide(
    *, review: AnnualReview, by: Any, kind: str, reason: str, expect: str, next_status: str, summary: str
) -> AnnualDecision:
    require(by, "review_filings", review.branch)
    held, review = review, _locked(review)
    if review.status != expect:
        raise ValidationError(messages.ANNUAL_ALREADY_DECIDED)
    if kind == AnnualDecision.Kind.RETURN and not reason.strip():
        raise ValidationError({"reason": [messages.RETURN_REASON_REQUIRED]})
    try:
        with transaction.atomic():
            decision = AnnualDecision.objects.create(
                review=review, round=current_round(review), kind=kind, reason=reason.strip(), decided_by=by
            )
    except IntegrityError:
        raise ValidationError(messages.ANNUAL_ALREADY_DECIDED) from None
    review.status = next_status
    review.returned = review.returned or kind == AnnualDecision.Kind.RETURN
    review.save(update_fields=["status", "returned"])
    # The flow's next gateway reads the process's own copy of the review, which the task page holds.
    held.status, held.returned = review.status, review.returned
    audit_record(
        actor=by,
        action=f"annual.{kind}",
        summary=summary,
        target=review,
        organization=review.branch,
        reason=reason,
        data={"round": decision.round},
    )
    notify_many(
        _officers(review.branch),
        kind=f"annual_{kind}",
        title=summary,
        body=f"意见：{reason}" if reason else "",
        url=f"/yearend/branch/{review.branch_id}/{review.cycle}/",
    )
    return decision


@transaction.atomic
def annual_review_ratify(
    *, review: AnnualReview, by: Any, activation: Any, approve: bool, reason: str = ""
) -> AnnualDecision:
    """党委审批: the higher committee approves the branch's 等次, or returns them with the reason."""
    decision = _decide(
        review=review,
        by=by,
        kind=AnnualDecision.Kind.RATIFY if approve else AnnualDecision.Kind.RETURN,
        reason=reason,
        expect=AnnualReview.Status.APPROVED,
        next_status=AnnualReview.Status.RATIFIED if approve else AnnualReview.Status.GRADING,
        summary=f"{review.branch.name} {review.label}"
        + ("党委审批同意" if approve else "被党委退回重新评定"),
    )
    activation.execute()
    return decision


@transaction.atomic
def annual_review_file(
    *, review: AnnualReview, by: Any, activation: Any, archive: bool, reason: str = ""
) -> AnnualDecision:
    """备案: the approved year is archived with the higher committee, or returned with the reason."""
    decision = _decide(
        review=review,
        by=by,
        kind=AnnualDecision.Kind.ARCHIVE if archive else AnnualDecision.Kind.RETURN,
        reason=reason,
        expect=AnnualReview.Status.RATIFIED,
        next_status=AnnualReview.Status.ARCHIVED if archive else AnnualReview.Status.GRADING,
        summary=f"{review.branch.name} {review.label}" + ("已备案" if archive else "备案被退回重新评定"),
    )
    activation.execute()
    return decision


def results_of(review: AnnualReview):
    """The latest round's annual results of the review, in rank order (graded first)."""
    round_ = current_round(review)
    return (
        review.results.filter(round=round_)
        .select_related("member", "decided_by", "approved_by")
        .order_by("-graded", "rank", "member__real_name")
    )


def ratification(review: AnnualReview) -> AnnualDecision | None:
    """The higher committee's approval of the latest round, if given."""
    return review.decisions.filter(round=current_round(review), kind=AnnualDecision.Kind.RATIFY).first()


def describe_total(result: AnnualResult) -> str:
    return f"{fmt(result.total)} 分"
