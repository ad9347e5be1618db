"""Reads of the year-end, already scoped: a branch's year (评议, 总评, results and what follows from them),
an organization's years below it, and a member's own."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import Member, Organization
from scoring.core.annual import grade_choices
from workflows.models import Appeal
from workflows.periods import cycle_rules
from yearend.annual import annual_review_blockers, ratification, results_of
from yearend.models import AnnualResult, AnnualReview, CarryOverFigure, EvaluationSession, FollowUp
from yearend.standings import COUNTED_REVIEW_STATUSES, last_year_totals


def follow_up_candidates(results: QuerySet[AnnualResult]) -> QuerySet[AnnualResult]:
    """不合格 / 后进: ``AnnualResult.follow_up``, decided at 审定 (``scoring.core.annual.follow_up_due``)."""
    return results.filter(graded=True, follow_up=True)


@dataclass
class BranchYear:
    """Everything the branch's year page shows."""

    branch: Organization
    cycle: int
    session: EvaluationSession | None
    review: AnnualReview | None
    has_evaluation: bool
    carry_over_rate: object
    blockers: list[str]
    results: list[AnnualResult] = field(default_factory=list)
    approved: bool = False  # results exist (审定)
    ratified_by: object = None
    honours: list[AnnualResult] = field(default_factory=list)
    to_follow: list[AnnualResult] = field(default_factory=list)
    probation: list[AnnualResult] = field(default_factory=list)
    follow_rows: list[tuple[AnnualResult, list[FollowUp]]] = field(default_factory=list)
    grades: list[tuple[str, int]] = field(default_factory=list)
    error: str = ""


def branch_year_state(branch: Organization, cycle: int) -> BranchYear:
    try:
        rules = cycle_rules(branch, cycle)
    except ValidationError as error:
        return BranchYear(branch, cycle, None, None, False, None, [], error="；".join(error.messages))
    session = EvaluationSession.objects.filter(branch=branch, cycle=cycle).first()
    review = AnnualReview.objects.filter(branch=branch, cycle=cycle).first()
    state = BranchYear(
        branch=branch,
        cycle=cycle,
        session=session,
        review=review,
        has_evaluation=rules.evaluation is not None,
        carry_over_rate=rules.carry_over,
        blockers=[] if review else annual_review_blockers(branch, cycle),
    )
    if review is None:
        return state
    results = list(results_of(review))
    state.results = results
    state.approved = bool(results)
    decision = ratification(review)
    state.ratified_by = decision
    graded = [r for r in results if r.graded]
    state.honours = [r for r in graded if r.honours_eligible]
    state.to_follow = [r for r in graded if r.follow_up]
    state.probation = [r for r in results if r.member_type == Member.Kind.PROBATIONARY.label]
    counts = Counter(r.grade for r in graded)
    state.grades = [(grade, counts.get(grade, 0)) for grade in grade_choices(rules)]
    follow_ups: dict[int, list[FollowUp]] = {}
    for follow_up in FollowUp.objects.filter(result__in=state.to_follow).select_related("contact__member"):
        follow_ups.setdefault(follow_up.result_id, []).append(follow_up)
    state.follow_rows = [(result, follow_ups.get(result.pk, [])) for result in state.to_follow]
    return state


def process_url(record) -> str | None:
    """The process page of a session's or a review's flow (its history, diagram and open tasks)."""
    process = getattr(record, "process", None) if record is not None else None
    if process is None:
        return None
    return process.flow_class.instance.reverse("process_detail", args=[process.pk])


@dataclass(frozen=True)
class CarryOverRow:
    member: Member
    total: object
    source: str


def carry_over_rows(branch: Organization, cycle: int) -> list[CarryOverRow]:
    """Each member of the branch with last year's total and where it comes from ("" when missing)."""
    members = list(Member.objects.filter(branch=branch).order_by("real_name"))
    totals, sources = last_year_totals([m.pk for m in members], cycle)
    return [CarryOverRow(m, totals.get(str(m.pk)), sources.get(str(m.pk), "")) for m in members]


@dataclass(frozen=True)
class BranchYearRow:
    """One branch on the higher committee's year page."""

    branch: Organization
    session: EvaluationSession | None
    review: AnnualReview | None


def organization_years(organization: Organization, cycle: int, branches: QuerySet) -> list[BranchYearRow]:
    """The branches (one page of them) with their 评议 and 总评 — two queries whatever their number."""
    branches = list(branches)
    sessions = {s.branch_id: s for s in EvaluationSession.objects.filter(branch__in=branches, cycle=cycle)}
    reviews = {r.branch_id: r for r in AnnualReview.objects.filter(branch__in=branches, cycle=cycle)}
    return [BranchYearRow(b, sessions.get(b.pk), reviews.get(b.pk)) for b in branches]


def organization_results(organization: Organization, cycle: int) -> QuerySet[AnnualResult]:
    """The approved annual results of every branch below, latest round of each review."""
    from django.db.models import Max, OuterRef, Subquery

    latest = (
        AnnualResult.objects.filter(review=OuterRef("review"))
        .order_by()
        .values("review")
        .annotate(m=Max("round"))
        .values("m")
    )
    return (
        AnnualResult.objects.filter(
            review__branch__path__startswith=organization.path,
            review__cycle=cycle,
            review__status__in=COUNTED_REVIEW_STATUSES,
            round=Subquery(latest),
        )
        .select_related("member", "review__branch")
        .order_by("review__branch__path", "rank", "member__real_name")
    )


def member_year(member: Member, cycle: int) -> AnnualResult | None:
    """The member's approved annual result of the cycle (latest round), whichever branch graded it."""
    return (
        AnnualResult.objects.filter(
            member=member, review__cycle=cycle, review__status__in=COUNTED_REVIEW_STATUSES
        )
        .select_related("review__branch")
        .order_by("-round")
        .first()
    )


@dataclass(frozen=True)
class MemberYearEnd:
    """What 我的积分 says of the year's end: last year's 等次, this year's if approved, and the branch's
    民主评议 or 年度总评 that asks something of the member now (自评, 投票, a 公示 to read)."""

    cycle: int
    last_year: AnnualResult | None
    this_year: AnnualResult | None
    session: EvaluationSession | None  # the branch's latest, until it is approved and its year reviewed
    review: AnnualReview | None  # the branch's latest, while it is not archived
    evaluation_held: bool


def member_year_end(member: Member, cycle: int) -> MemberYearEnd:
    session = (
        EvaluationSession.objects.filter(branch=member.branch_id, cycle__in=(cycle - 1, cycle))
        .order_by("-cycle")
        .first()
    )
    review = (
        AnnualReview.objects.filter(branch=member.branch_id, cycle__in=(cycle - 1, cycle))
        .exclude(status=AnnualReview.Status.ARCHIVED)
        .order_by("-cycle")
        .first()
    )
    held = EvaluationSession.objects.filter(
        branch=member.branch_id, cycle=cycle, status=EvaluationSession.Status.APPROVED
    ).exists()
    if (
        session is not None
        and session.status == EvaluationSession.Status.APPROVED
        and (review is None or review.cycle != session.cycle)
    ):
        session = None  # approved and nothing more to do there: the year's review says the rest
    return MemberYearEnd(
        cycle=cycle,
        last_year=member_year(member, cycle - 1),
        this_year=member_year(member, cycle),
        session=session,
        review=review,
        evaluation_held=held,
    )


def carry_over_figure_exists(member: Member, cycle: int) -> bool:
    return CarryOverFigure.objects.filter(member=member, cycle=cycle).exists()


def result_appeals(window) -> QuerySet[Appeal]:
    return window.appeals.select_related("appellant", "subject").order_by("-created_at")
