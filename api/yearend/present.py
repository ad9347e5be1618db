"""Year-end reads → what the serializers read: the session and review with what the caller may do, the
tallies as counts per level, the year's figures, the posted list. Every figure comes from the year-end's
own services and selectors (``yearend.tallies``, ``yearend.standings``, ``yearend.posted``)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task

from accounts import access
from accounts.models import Member
from api.tasks.kinds import kind_of
from scoring.core.annual import grade_choices
from scoring.core.ruleset import fmt
from workflows.execution import OPEN
from workflows.models import Appeal, PublicityWindow
from workflows.periods import cycle_rules
from workflows.selectors import organizations_following
from yearend.annual import current_round, graded_here, latest_grades
from yearend.evaluation import latest_proposals
from yearend.models import AnnualReview, Ballot, EvaluationSession, SelfAssessment
from yearend.posted import posted_rows
from yearend.standings import branch_year, members_by_pk, year_inputs
from yearend.tallies import MemberTally, session_tallies


def person(member) -> dict[str, Any]:
    return {"id": member.pk, "real_name": member.real_name}


def open_tasks(user, record) -> list[dict[str, Any]]:
    """The open human steps of the record's process, for those who work in its branch."""
    process = getattr(record, "process", None)
    if process is None or not organizations_following(user).filter(pk=record.branch_id).exists():
        return []
    tasks = Task.objects.filter(process=process, status__in=OPEN, flow_task_type="HUMAN").order_by("pk")
    rows = []
    for task in tasks:
        kind = kind_of(task)
        rows.append({"id": task.pk, "kind": kind.code, "title": kind.title})
    return rows


def own_member_of(user, branch_id: int):
    member = access.own_member(user)
    return member if member is not None and member.branch_id == branch_id else None


def publicity_state(window: PublicityWindow | None, user, now) -> dict[str, Any] | None:
    if window is None:
        return None
    window_open = window.is_open(now)
    return {
        "opens_at": window.opens_at,
        "closes_at": window.closes_at,
        "window_open": window_open,
        "appeals_possible": window_open and own_member_of(user, window.branch_id) is not None,
    }


# ---------------------------------------------------------------- 民主评议


def my_part(session: EvaluationSession, participant, now) -> dict[str, Any] | None:
    if participant is None:
        return None
    member = participant.member
    voted = Ballot.objects.filter(session=session, voter=member).exists()
    voting_phase = session.status == EvaluationSession.Status.VOTING and now < session.voting_closes_at
    return {
        "evaluated": participant.evaluated,
        "votes": participant.votes,
        "self_assessed": SelfAssessment.objects.filter(session=session, member=member).exists(),
        "voted": voted,
        "may_assess": participant.evaluated and voting_phase,
        "may_vote": participant.votes and session.online and session.voting_open(now) and not voted,
    }


def evaluation_detail(session: EvaluationSession, user, participant, now) -> EvaluationSession:
    """The session with what its detail shows (the attributes ``EvaluationDetailSerializer`` reads)."""
    session.participant_rows = list(
        session.participants.select_related("member").order_by("member__real_name", "pk")
    )
    session.me = my_part(session, participant, now)
    session.publicity = publicity_state(getattr(session, "window", None), user, now)
    session.open_tasks = open_tasks(user, session)
    return session


def self_assessment(session: EvaluationSession, member, now) -> dict[str, Any]:
    assessment = SelfAssessment.objects.filter(session=session, member=member).first()
    may_edit = session.status == EvaluationSession.Status.VOTING and now < session.voting_closes_at
    if assessment is None:
        return {"text": "", "level": "", "submitted_at": None, "updated_at": None, "may_edit": may_edit}
    return {
        "text": assessment.text,
        "level": assessment.level,
        "submitted_at": assessment.submitted_at,
        "updated_at": assessment.updated_at,
        "may_edit": may_edit,
    }


def _counts(counts: Counter, levels: list[str]) -> list[dict[str, Any]]:
    return [{"level": level, "votes": counts[level]} for level in levels if counts[level]]


def _suggestion(value: str | Decimal | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else fmt(value)


def tally_row(tally: MemberTally, levels: list[str]) -> dict[str, Any]:
    return {
        "member": person(tally.member),
        "online_ballots": tally.online_ballots,
        "paper_ballots": tally.paper_ballots,
        "ballots": tally.ballots,
        "online_counts": _counts(tally.online_counts, levels),
        "paper_counts": _counts(tally.paper_counts, levels),
        "counts": _counts(tally.counts, levels),
        "score": tally.score,
        "suggestion": _suggestion(tally.suggestion),
        "self_assessment": tally.self_assessment,
        "self_level": tally.self_level,
    }


def tally_rows(session: EvaluationSession) -> list[dict[str, Any]]:
    return [tally_row(tally, list(session.levels)) for tally in session_tallies(session)]


def paper_tallies(session: EvaluationSession) -> list:
    """Every paper entry, newest first; the newest of each member is the one that counts."""
    entries = list(
        session.paper_tallies.select_related("subject", "entered_by").order_by("-entered_at", "-id")
    )
    seen: set[int] = set()
    for entry in entries:
        entry.current = entry.subject_id not in seen
        seen.add(entry.subject_id)
    return entries


def proposals(session: EvaluationSession) -> list:
    return _by_name(list(latest_proposals(session).values()))


def _by_name(proposals: list) -> list:
    """Proposals (评议意见 or 等次) with their members, in name order — one query for the names."""
    members = Member.objects.in_bulk([p.member_id for p in proposals])
    for proposal in proposals:
        proposal.member = members[proposal.member_id]
    return sorted(proposals, key=lambda p: (p.member.real_name, p.member_id))


# ---------------------------------------------------------------- 年度总评


def review_detail(review: AnnualReview, user, now) -> AnnualReview:
    review.round = current_round(review)
    try:
        review.grade_choices = list(grade_choices(cycle_rules(review.branch, review.cycle)))
    except ValidationError:
        review.grade_choices = []
    review.publicity = publicity_state(getattr(review, "window", None), user, now)
    review.decision_rows = list(review.decisions.select_related("decided_by").order_by("decided_at", "id"))
    review.open_tasks = open_tasks(user, review)
    return review


def with_round(reviews) -> list[AnnualReview]:
    for review in reviews:
        review.round = current_round(review)
    return reviews


def standings(review: AnnualReview) -> list[dict[str, Any]]:
    """The year as the rules compute it now, with the grades the committee has set so far."""
    inputs = year_inputs(review.branch, review.cycle)
    year = branch_year(review.branch, review.cycle, inputs)
    members = members_by_pk(year)
    here = {s.member for s in graded_here(review, year.standings)}
    grades = latest_grades(review)
    rows = []
    for standing in year.standings:
        proposal = grades.get(int(standing.member))
        rows.append(
            {
                "member": person(members[standing.member]),
                "member_type": standing.member_type.value,
                "graded": standing.graded,
                "graded_here": standing.member in here,
                "items_total": standing.items_total,
                "base": standing.base,
                "carry_over": standing.carry_over,
                "carry_over_source": inputs.carry_over_sources.get(standing.member, ""),
                "points": standing.points,
                "evaluation_level": standing.evaluation_level,
                "evaluation_score": standing.evaluation_score,
                "evaluation": standing.evaluation,
                "total": standing.total,
                "veto": standing.veto,
                "computed_grade": standing.computed_grade,
                "suggested_grade": standing.suggested_grade,
                "suggestion_reasons": list(standing.suggestion_reasons),
                "rank": standing.rank,
                "reference_rank": standing.reference_rank,
                "flags": [{"kind": str(flag.kind), "reason": flag.reason} for flag in standing.flags],
                "probation_outcome": standing.probation_outcome,
                "grade": proposal.grade if proposal else None,
                "grade_reason": proposal.reason if proposal else "",
            }
        )
    return rows


def grades(review: AnnualReview) -> list:
    return _by_name(list(latest_grades(review).values()))


# ---------------------------------------------------------------- 公示 of the year-end


def posted(window: PublicityWindow, user, now) -> dict[str, Any]:
    owner = window.owner
    state = publicity_state(window, user, now)
    assert state is not None
    return {
        "kind": "evaluation" if window.evaluation_id else "annual",
        "id": owner.pk,
        "label": owner.label,
        "branch": window.branch,
        **state,
        "open_appeals": Appeal.objects.filter(window=window, status=Appeal.Status.OPEN).count(),
        "rows": [
            {
                "member": person(row.member),
                "result": row.result,
                "reason": row.reason,
                "points": row.points,
                "evaluation": row.evaluation,
                "total": row.total,
                "rank": row.rank,
                "appealable": state["appeals_possible"],
            }
            for row in posted_rows(window)
        ],
    }
