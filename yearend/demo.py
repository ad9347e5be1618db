"""演示数据 of the year-end, seeded after the quarter's (``workflows.demo``), from the seeding day alone:

* last cycle complete in 机关第一党支部: its paper ledger imported (the branch's first year in the system),
  four quarters posted, approved and filed, the 民主评议 held (online votes and the meeting's paper count),
  the 年度总评 graded by the committee (one departure from the suggestion, with its reason; one appeal
  dismissed), approved, approved by the higher committee and filed — so last year's 等次 shows everywhere;
* the year now ending: from the cycle's last quarter to February, the branch's 民主评议 is open — some
  members have written their 自评 and voted, the others (``member`` among them) can do it on their phones.
"""

from __future__ import annotations

import datetime
from datetime import timedelta
from decimal import Decimal

from django.db.models import Max

from accounts.demo import HIGHER_USERNAME, MAIN_BRANCH_CODE, DemoState
from accounts.models import BranchMembership, Member, Organization
from scoring.core.periods import Period, PeriodKind
from scoring.services import ImportRow, ledger_import
from workflows.appeals import appeal_decide, appeal_file_result
from workflows.demo import _at, _calendar, _fire, carry_out
from workflows.flows import AppealFlow, PeriodReviewFlow
from workflows.models import Notification
from workflows.notifications import notification_mark_read
from workflows.periods import filing_archive, period_approve, period_start
from yearend.annual import (
    GradeInput,
    annual_grades_set,
    annual_review_approve,
    annual_review_file,
    annual_review_ratify,
    annual_review_start,
)
from yearend.evaluation import (
    ProposalInput,
    ballots_cast,
    evaluation_approve,
    evaluation_open,
    evaluation_propose,
    evaluation_tally_close,
    meeting_bounds,
    paper_tally_enter,
    self_assessment_submit,
)
from yearend.flows import AnnualReviewFlow, EvaluationFlow
from yearend.standings import branch_year
from yearend.tallies import session_tallies

IMPORT_REASON = "{cycle}年度纸质台账录入"
SELF_ASSESSMENTS = (
    "一年来按时参加“三会一课”和主题党日，认真学习党的理论；在岗位上完成了交办的任务。不足是联系群众还不够多，"
    "明年要多参加社区志愿服务。",
    "坚持学习，按时足额缴纳党费，积极参加支部组织的各项活动。工作中主动担当，但理论联系实际还不够，今后改进。",
    "认真履行党员义务，参加了结对服务和廉政教育活动。存在的不足是学习的系统性不够，下一步制定学习计划。",
)


def _scored(branch: Organization) -> list[Member]:
    """The branch's members who collect points, in roster order."""
    members = Member.objects.filter(branch=branch).exclude(status=Member.Status.EXEMPT)
    return [m for m in members.order_by("pk") if m.kind in (Member.Kind.FULL, Member.Kind.PROBATIONARY)]


def _import_ledger(state: DemoState, branch: Organization, cycle: int, start_month: int) -> None:
    """The year's paper ledger: monthly meetings, lectures, dues and activity days, study, the special items
    a member earned and a few deductions — varied by member, the same every time."""
    first, _ = Period(cycle, PeriodKind.CYCLE).bounds(start_month)

    def day(month: int, dom: int) -> datetime.date:
        index = first.year * 12 + first.month - 1 + month
        return datetime.date(index // 12, index % 12 + 1, dom)

    rows: list[ImportRow] = []
    joined = {
        spell.member_id: spell.start
        for spell in BranchMembership.objects.filter(branch=branch, end__isnull=True)
    }

    def row(member: Member, item: str, on: datetime.date, points: Decimal | None = None) -> None:
        if on >= joined[member.pk]:  # a member who came from another branch: that branch kept those months
            rows.append(ImportRow(member=member, item_code=item, occurred_on=on, points=points))

    specials = ("innovative-activity", "community-service", "adopted-proposal", "competition")
    for index, member in enumerate(_scored(branch)):
        missed = {(index * 5 + k * 7) % 12 for k in range(index % 3)}  # 0–2 meetings missed
        for month in range(12):
            if month in missed:
                row(member, "absent-without-leave" if index % 4 == 1 else "absent-on-leave", day(month, 10))
            else:
                row(member, "branch-meeting", day(month, 10))
            row(member, "dues", day(month, 5))
            if (month + index) % 6:
                row(member, "activity-day", day(month, 20))
            if (month * 7 + index) % 9:
                row(member, "party-lecture", day(month, 14))
        for month in (5, 11):
            row(member, "organization-life-meeting", day(month, 25))
        row(member, "democratic-review", day(11, 26))
        for k in range(12 + index % 9):
            row(member, "study", day(k % 12, 15 + k // 12))
        for k in range(2 + (index * 7) % 15):
            item = specials[(index + k) % len(specials)]
            points = Decimal(1 + (k % 2)) if item == "competition" else None
            row(member, item, day((3 * k + index) % 12, 18 + k // 4), points)
        if index % 7 == 3:
            row(member, "late-written-material", day(8, 12))
    # The clerk imports everyone's lines but his own, which the secretary enters (不得办理涉及本人积分的事项).
    clerk = state.users["clerk"]
    theirs = [r for r in rows if r.member.user_id != clerk.pk]
    ledger_import(rows=theirs, by=clerk, reason=IMPORT_REASON.format(cycle=cycle))
    own = [r for r in rows if r.member.user_id == clerk.pk]
    if own:
        ledger_import(rows=own, by=state.users["secretary"], reason=IMPORT_REASON.format(cycle=cycle))


def _approve_quarters(state: DemoState, branch: Organization, cycle: int, start_month: int) -> None:
    clerk, secretary, higher = state.users["clerk"], state.users["secretary"], state.users[HIGHER_USERNAME]
    for index in (1, 2, 3, 4):
        period = Period(cycle, PeriodKind.QUARTER, index)
        _, last = period.bounds(start_month)
        review = period_start(branch=branch, period=period, by=clerk, now=_at(last + timedelta(days=1)))
        _fire(review.process, PeriodReviewFlow.publicity)
        _fire(review.process, PeriodReviewFlow.appeals_settled)
        carry_out(
            review.process, PeriodReviewFlow.approve, secretary, period_approve, review=review, note="同意"
        )
        carry_out(
            review.process, PeriodReviewFlow.file, higher, filing_archive, review=review, note="同意备案"
        )


def _voters(session) -> list[Member]:
    return [
        p.member for p in session.participants.filter(votes=True).select_related("member").order_by("member")
    ]


def _evaluated(session) -> list[Member]:
    return [
        p.member
        for p in session.participants.filter(evaluated=True).select_related("member").order_by("member")
    ]


def _cast(session, voters: list[Member], at: datetime.datetime) -> None:
    """Each voter rates everyone else: mostly 合格, the diligent 优秀 — as a branch meeting does."""
    evaluated = _evaluated(session)
    for v, voter in enumerate(voters):
        choices = {}
        for s, subject in enumerate(evaluated):
            if subject.pk == voter.pk:
                continue
            if session.kind == "levels":
                choices[subject.pk] = {"level": "优秀" if (s * 3 + v) % 5 == 0 or s % 4 == 0 else "合格"}
            else:
                choices[subject.pk] = {"score": Decimal(16 + (s + v) % 5)}
        ballots_cast(session=session, voter=voter, choices=choices, by=voter.user, now=at)


def _held_evaluation(state: DemoState, branch: Organization, cycle: int):
    """Last year's 民主评议: online votes of most members, the meeting's paper count of the rest."""
    clerk, committee, secretary = state.users["clerk"], state.users["committee"], state.users["secretary"]
    meeting = datetime.date(cycle, 12, 26)
    session = evaluation_open(
        branch=branch,
        cycle=cycle,
        meeting_on=meeting,
        voting_opens_at=_at(meeting, datetime.time(9)),
        voting_closes_at=_at(meeting, datetime.time(12)),
        mode="mixed",
        by=clerk,
    )
    voters = _voters(session)
    online, paper = voters[:-3], voters[-3:]  # three voted on paper at the meeting
    _cast(session, online, _at(meeting, datetime.time(10)))
    for subject in _evaluated(session)[:2]:
        ballots = len([v for v in paper if v.pk != subject.pk])
        # The clerk's own count is entered by the secretary (不得办理涉及本人积分的事项).
        by = secretary if subject.user_id == clerk.pk else clerk
        paper_tally_enter(session=session, subject=subject, ballots=ballots, counts={"合格": ballots}, by=by)
    carry_out(
        session.process, EvaluationFlow.tally, clerk, evaluation_tally_close, session=session,
        now=_at(meeting, datetime.time(12)),
    )  # fmt: skip
    proposals = {
        tally.member.pk: ProposalInput(
            level=tally.suggestion or "合格", reason="" if tally.suggestion else "按合格"
        )
        for tally in session_tallies(session)
    }
    carry_out(
        session.process, EvaluationFlow.propose, committee, evaluation_propose, session=session,
        proposals=proposals, now=_at(meeting + timedelta(days=1)),
    )  # fmt: skip
    _fire(session.process, EvaluationFlow.publicity)
    _fire(session.process, EvaluationFlow.appeals_settled)
    carry_out(
        session.process, EvaluationFlow.approve, secretary, evaluation_approve, session=session, note="同意"
    )
    return session


def _graded_year(state: DemoState, branch: Organization, cycle: int) -> None:
    """Last year's 年度总评: the committee follows the suggestions but one, 公示 with an appeal dismissed,
    审定, 党委审批 and 备案."""
    committee, secretary, higher = (
        state.users["committee"],
        state.users["secretary"],
        state.users[HIGHER_USERNAME],
    )
    day = datetime.date(cycle + 1, 1, 12)
    review = annual_review_start(branch=branch, cycle=cycle, by=state.users["clerk"], today=day)
    year = branch_year(branch, cycle)
    graded = [standing for standing in year.standings if standing.graded]
    grades = {int(s.member): GradeInput(grade=s.suggested_grade or "合格") for s in graded}
    officers = set(
        Member.objects.filter(user__username__in=("secretary", "committee", "clerk")).values_list(
            "pk", flat=True
        )
    )
    # The last of the ranking who holds no office: the committee weighs what the rules do not see.
    lowered = next(s for s in reversed(graded) if int(s.member) not in officers)
    if lowered.suggested_grade != "不合格":
        grades[int(lowered.member)] = GradeInput(
            grade="基本合格" if lowered.suggested_grade != "基本合格" else "不合格",
            reason="全年两次无故缺席支部党员大会，经支委会研究降低一个等次",
        )
    carry_out(
        review.process, AnnualReviewFlow.grade, committee, annual_grades_set, review=review, grades=grades,
        now=_at(day),
    )  # fmt: skip
    review.refresh_from_db()
    subject = Member.objects.get(pk=int(lowered.member))
    appeal = appeal_file_result(
        appellant=subject,
        window=review.window,
        subject=subject,
        reason="其中一次缺席是因为单位临时安排加班，已向支部书记口头请假",
        by=subject.user,
        now=_at(day + timedelta(days=1)),
    )
    carry_out(
        appeal.process, AppealFlow.decide, committee, appeal_decide, appeal=appeal, uphold=False,
        reason="经核实，会前未向支部请假，会后也未补假，维持评定等次",
    )  # fmt: skip
    _fire(review.process, AnnualReviewFlow.publicity)
    _fire(review.process, AnnualReviewFlow.appeals_settled)
    carry_out(review.process, AnnualReviewFlow.approve, secretary, annual_review_approve, review=review,
              note="公示期满，申诉已处理，经支委会研究审定")  # fmt: skip
    carry_out(review.process, AnnualReviewFlow.ratify, higher, annual_review_ratify, review=review,
              approve=True, reason="同意")  # fmt: skip
    carry_out(review.process, AnnualReviewFlow.file, higher, annual_review_file, review=review,
              archive=True, reason="同意备案")  # fmt: skip


def _seed_last_year(state: DemoState) -> None:
    """机关第一党支部's last complete cycle, from the imported ledger to the filed 等次."""
    branch = state.organizations[MAIN_BRANCH_CODE]
    calendar = _calendar(branch)
    cycle = calendar.completed
    before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    _import_ledger(state, branch, cycle, calendar.start_month)
    _approve_quarters(state, branch, cycle, calendar.start_month)
    _held_evaluation(state, branch, cycle)
    _graded_year(state, branch, cycle)
    # Last year's news has long been read.
    for notification in Notification.objects.filter(pk__gt=before).select_related("recipient"):
        notification_mark_read(notification=notification, user=notification.recipient)


def _seed_evaluation_open(state: DemoState) -> None:
    """At the year's end (its last quarter to February), the branch's 民主评议 is open for voting."""
    branch = state.organizations[MAIN_BRANCH_CODE]
    calendar = _calendar(branch)
    today = calendar.today
    from scoring.selectors import effective_ruleset, ruleset_in_force, ruleset_version_current

    for cycle in calendar.cycles:
        ruleset = ruleset_in_force(branch, cycle)
        if ruleset is None:
            continue
        rules = effective_ruleset(ruleset_version_current(ruleset))
        first, last = meeting_bounds(rules, cycle)
        if rules.evaluation is None or not first <= today <= last - timedelta(days=3):
            continue
        opens = _at(today - timedelta(days=1), datetime.time(8))  # open whatever the hour of seeding
        session = evaluation_open(
            branch=branch,
            cycle=cycle,
            meeting_on=today + timedelta(days=2),
            voting_opens_at=opens,
            voting_closes_at=_at(today + timedelta(days=3), datetime.time(18)),
            mode="mixed",
            by=state.users["clerk"],
        )
        early = [
            v
            for v in _voters(session)
            if v.user.username not in ("member", "clerk", "committee", "secretary")
        ]
        _cast(session, early[: len(early) // 2], opens + timedelta(hours=1))
        for k, member in enumerate(early[:3]):
            self_assessment_submit(
                session=session,
                member=member,
                text=SELF_ASSESSMENTS[k],
                by=member.user,
                now=opens + timedelta(hours=1),
            )
        return


YEAR_END_STEPS = [_seed_last_year, _seed_evaluation_open]
