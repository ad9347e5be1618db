"""Year-end data (年终数据) for the printed forms and the Excel sheets — data only, no rendering.

- :func:`evaluation_sheet` — 民主评议: each member evaluated with their 自评, the count of the ballots (votes
  per level or the mean vote score, and the number of ballots — never who voted what: the count is
  ``yearend.tallies``'), the committee's proposals (an upheld appeal's correction after the committee's own)
  and the approved result;
- :func:`year_sheet` — 年度总评: each member's year from the approved ``AnnualResult`` (the latest 审定
  round) with the committee's 等次 and reason, then 党委审批 and 备案; before 审定, the core's live figures
  (``yearend.standings.branch_year``) as a draft, and what is missing for the rest;
- :func:`member_year_end` / :func:`branch_year_end` — the 民主评议积分, 上年结转 and 年度总分 lines of the
  ledgers (台账), from the approved results only.

Nothing here recomputes an approved figure: once 审定 has frozen a year, it is read as frozen.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import Member, Organization
from config.formats import moment_text
from scoring.core.ruleset import EvaluationKind, fmt
from scoring.core.ruleset import RuleSet as CoreRuleSet
from workflows.execution import holder_name
from workflows.periods import cycle_rules
from yearend.annual import annual_review_blockers, latest_grades, results_of
from yearend.evaluation import participation
from yearend.models import (
    AnnualDecision,
    AnnualResult,
    AnnualReview,
    EvaluationProposal,
    EvaluationResult,
    EvaluationSession,
)
from yearend.standings import COUNTED_REVIEW_STATUSES, branch_year, members_by_pk
from yearend.tallies import session_tallies

PENDING_EVALUATION = "待民主评议"
PENDING_ANNUAL = "待年度总评"
FINAL_REVIEW_STATUSES = (AnnualReview.Status.RATIFIED, AnnualReview.Status.ARCHIVED)


class _Names:
    """How people sign (``holder_name``), looked up once per person."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    def __call__(self, user: Any | None) -> str:
        if user is None:
            return ""
        if user.pk not in self._names:
            self._names[user.pk] = holder_name(user)
        return self._names[user.pk]


def evaluation_text(level: str, score: Decimal | None) -> str:
    """A 评议 result as written on the forms: the level (合格) or the vote score (18.5 分)."""
    if level:
        return level
    return f"{fmt(score)} 分" if score is not None else ""


# ---------------------------------------------------------------- 民主评议


@dataclass(frozen=True)
class Decision:
    """Someone's word on the form: what, why, who, when."""

    text: str
    reason: str
    by: str
    at: datetime.datetime | None
    value: Decimal | None = None
    appeal: bool = False


@dataclass
class EvaluationRow:
    """One member on the 党员民主评议表 and the tallies sheet."""

    member: Member
    note: str  # 预备党员没有表决权, 流动党员 …
    self_text: str
    self_level: str
    online_ballots: int = 0
    paper_ballots: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)  # every level, in the session's order
    mean_score: Decimal | None = None  # score kind: the mean over every ballot
    suggestion: str = ""  # what the count suggests (the level most named, or the mean score)
    proposals: list[Decision] = field(default_factory=list)  # the committee's, then appeal corrections
    result: Decision | None = None  # 审定

    @property
    def ballots(self) -> int:
        return self.online_ballots + self.paper_ballots

    @property
    def committee(self) -> Decision | None:
        """The committee's own proposal (the latest one it made, before any appeal)."""
        own = [p for p in self.proposals if not p.appeal]
        return own[-1] if own else None

    @property
    def corrections(self) -> list[Decision]:
        return [p for p in self.proposals if p.appeal]


@dataclass
class EvaluationSheet:
    """A branch's 民主评议 as the forms print it."""

    branch: Organization
    cycle: int
    session: EvaluationSession
    rows: list[EvaluationRow]
    levels: list[str]
    score_kind: bool
    voters: int  # members with a vote (正式党员 taking part)
    draft: bool
    draft_reason: str
    approved_by: str = ""
    approved_at: datetime.datetime | None = None

    def row(self, member: Member) -> EvaluationRow | None:
        return next((row for row in self.rows if row.member.pk == member.pk), None)


def _session_draft_reason(session: EvaluationSession) -> str:
    window = getattr(session, "window", None)
    if session.status == EvaluationSession.Status.VOTING:
        return "民主评议正在自评、互评，结果尚未审定"
    if session.status == EvaluationSession.Status.PROPOSING:
        return "计票已完成，支委会正在评定，结果尚未审定"
    if session.status == EvaluationSession.Status.PUBLICITY and window is not None:
        return f"支委会评定结果公示中（至 {moment_text(window.closes_at)}），尚未审定"
    return "民主评议结果尚未审定"


def session_of(member: Member, cycle: int) -> EvaluationSession | None:
    """The 民主评议 of the cycle that evaluates ``member`` (the branch's where they took part)."""
    return (
        EvaluationSession.objects.filter(
            cycle=cycle, participants__member=member, participants__evaluated=True
        )
        .select_related("branch", "approved_by")
        .order_by("-created_at")
        .first()
    )


def branch_session(branch: Organization, cycle: int) -> EvaluationSession | None:
    return (
        EvaluationSession.objects.filter(branch=branch, cycle=cycle)
        .select_related("branch", "approved_by")
        .first()
    )


def evaluation_sheet(session: EvaluationSession, members: Iterable[Member] | None = None) -> EvaluationSheet:
    """Every member the session evaluates (or only ``members``), in roster order — a fixed number of
    queries whatever the branch's size."""
    names = _Names()
    wanted = None if members is None else {member.pk for member in members}
    notes = dict(session.participants.filter(evaluated=True).values_list("member_id", "note"))
    proposals: dict[int, list[Decision]] = {}
    for proposal in session.proposals.select_related("proposed_by").order_by("created_at", "id"):
        proposals.setdefault(proposal.member_id, []).append(_proposal_decision(proposal, names))
    results = {
        result.member_id: Decision(
            text=evaluation_text(result.level, result.score),
            reason="",
            by=names(result.approved_by),
            at=result.approved_at,
            value=result.value,
        )
        for result in EvaluationResult.objects.filter(session=session).select_related("approved_by")
    }
    rows = []
    for tally in session_tallies(session):
        member = tally.member
        if wanted is not None and member.pk not in wanted:
            continue
        suggestion = tally.suggestion
        rows.append(
            EvaluationRow(
                member=member,
                note=notes.get(member.pk, ""),
                self_text=tally.self_assessment,
                self_level=tally.self_level,
                online_ballots=tally.online_ballots,
                paper_ballots=tally.paper_ballots,
                counts=[(level, tally.counts[level]) for level in session.levels],
                mean_score=tally.score if session.kind == EvaluationKind.SCORE else None,
                suggestion=(
                    suggestion
                    if isinstance(suggestion, str)
                    else (f"{fmt(suggestion)} 分" if suggestion is not None else "")
                ),
                proposals=proposals.get(member.pk, []),
                result=results.get(member.pk),
            )
        )
    approved = session.status == EvaluationSession.Status.APPROVED
    return EvaluationSheet(
        branch=session.branch,
        cycle=session.cycle,
        session=session,
        rows=rows,
        levels=list(session.levels),
        score_kind=session.kind == EvaluationKind.SCORE,
        voters=session.participants.filter(votes=True).count(),
        draft=not approved,
        draft_reason="" if approved else _session_draft_reason(session),
        approved_by=names(session.approved_by) if approved else "",
        approved_at=session.approved_at if approved else None,
    )


def _proposal_decision(proposal: EvaluationProposal, names: _Names) -> Decision:
    return Decision(
        text=evaluation_text(proposal.level, proposal.score),
        reason=proposal.reason,
        by=names(proposal.proposed_by),
        at=proposal.created_at,
        value=proposal.value,
        appeal=proposal.source == EvaluationProposal.Source.APPEAL,
    )


def members_to_evaluate(branch: Organization) -> list[Member]:
    """Without a session in the system (the paper way): the roster members a 民主评议 evaluates."""
    members = Member.objects.filter(branch=branch).order_by("real_name", "pk")
    return [member for member in members if participation(member)[0]]


# ---------------------------------------------------------------- 年度总评


@dataclass(frozen=True)
class YearLine:
    """One member's year on the 等次评定审批表 and the 全年积分备案表.

    ``evaluation`` and ``total`` are None while they are not known (the 民主评议 not yet approved: a
    total without it would be a number nobody decided)."""

    member: Member
    member_type: str
    graded: bool
    items_total: Decimal
    base: Decimal
    carry_over: Decimal
    points: Decimal
    evaluation_level: str
    evaluation_score: Decimal | None
    evaluation: Decimal | None
    total: Decimal | None
    rank: int | None
    reference_rank: int | None
    suggested_grade: str
    grade: str  # the committee's: approved, or proposed while the year is posted
    grade_reason: str
    decided_by: str
    veto: bool
    flags: list[str]  # 不得评为优秀：… — the consequences the rules attach to the ranks
    probation_outcome: str
    honours_eligible: bool
    follow_up: bool = False  # 需整改 (后进), decided at 审定

    @property
    def evaluated(self) -> bool:
        """Whether the member has a 民主评议 result (发展对象 and exempt members have none)."""
        return bool(self.evaluation_level) or self.evaluation_score is not None

    @property
    def evaluation_text(self) -> str:
        if self.evaluation is None:
            return PENDING_EVALUATION
        return evaluation_text(self.evaluation_level, self.evaluation_score) or "—"

    @property
    def rank_text(self) -> str:
        if self.rank is not None:
            return str(self.rank)
        return f"参考{self.reference_rank}" if self.reference_rank is not None else "—"

    @property
    def departs(self) -> bool:
        """The committee's grade is not the one the rules suggest (its reason is on the form)."""
        return bool(self.grade) and bool(self.suggested_grade) and self.grade != self.suggested_grade

    @property
    def remark(self) -> str:
        parts = []
        if self.veto:
            parts.append("一票否决")
        parts += self.flags
        if self.probation_outcome:
            parts.append(f"转正建议：{self.probation_outcome}")
        if self.member.status == Member.Status.MOBILE:
            parts.append("流动党员")
        return "；".join(parts)


@dataclass
class YearSheet:
    """A branch's 年度总评 as the forms print it."""

    branch: Organization
    cycle: int
    rules: CoreRuleSet
    review: AnnualReview | None
    lines: list[YearLine]
    approved: bool  # the lines are the frozen AnnualResult rows (审定)
    draft: bool
    draft_reason: str
    round: int = 0
    approved_by: str = ""
    approved_at: datetime.datetime | None = None
    approval_note: str = ""
    ratification: Decision | None = None  # 党委审批
    archive: Decision | None = None  # 备案
    returns: list[Decision] = field(default_factory=list)  # earlier rounds sent back, with the reason

    @property
    def graded(self) -> list[YearLine]:
        return [line for line in self.lines if line.graded]

    @property
    def ungraded(self) -> list[YearLine]:
        return [line for line in self.lines if not line.graded]

    @property
    def has_evaluation(self) -> bool:
        return self.rules.evaluation is not None

    @property
    def score_kind(self) -> bool:
        return self.has_evaluation and self.rules.evaluation.kind is EvaluationKind.SCORE  # type: ignore[union-attr]

    @property
    def carries_over(self) -> bool:
        """上年结转 gets a column where the rules carry last year over (医院), or a figure was carried."""
        return self.rules.carry_over is not None or any(line.carry_over for line in self.lines)

    @property
    def departures(self) -> list[YearLine]:
        """Graded members whose 等次 is not the suggestion, or carries a reason (an upheld appeal)."""
        return [line for line in self.graded if line.departs or line.grade_reason]

    @property
    def deciders(self) -> list[str]:
        return sorted({line.decided_by for line in self.graded if line.decided_by})


def _decision(decision: AnnualDecision, names: _Names) -> Decision:
    return Decision(
        text=decision.get_kind_display(),
        reason=decision.reason,
        by=names(decision.decided_by),
        at=decision.decided_at,
    )


def year_sheet(branch: Organization, cycle: int) -> YearSheet:
    """The branch's year: approved (审定) results if there are any that stand, else the live figures."""
    rules = cycle_rules(branch, cycle)
    review = AnnualReview.objects.filter(branch=branch, cycle=cycle).first()
    names = _Names()
    if review is not None and review.status in COUNTED_REVIEW_STATUSES:
        return _approved_sheet(branch, cycle, rules, review, names)
    return _live_sheet(branch, cycle, rules, review, names)


def _approved_sheet(
    branch: Organization, cycle: int, rules: CoreRuleSet, review: AnnualReview, names: _Names
) -> YearSheet:
    results = list(results_of(review))
    lines = [_result_line(result, names) for result in results]
    first = results[0] if results else None
    decisions = list(review.decisions.select_related("decided_by").order_by("decided_at", "id"))
    round_ = first.round if first else 0
    current = [d for d in decisions if d.round == round_]
    ratified = next((d for d in current if d.kind == AnnualDecision.Kind.RATIFY), None)
    archived = next((d for d in current if d.kind == AnnualDecision.Kind.ARCHIVE), None)
    final = review.status in FINAL_REVIEW_STATUSES and ratified is not None
    return YearSheet(
        branch=branch,
        cycle=cycle,
        rules=rules,
        review=review,
        lines=lines,
        approved=True,
        draft=not final,
        draft_reason="" if final else "年度等次已由支部审定，待上级党委审批",
        round=round_,
        approved_by=names(first.approved_by) if first else "",
        approved_at=first.approved_at if first else None,
        approval_note=_approval_note(review, round_),
        ratification=_decision(ratified, names) if ratified else None,
        archive=_decision(archived, names) if archived else None,
        returns=[_decision(d, names) for d in decisions if d.kind == AnnualDecision.Kind.RETURN],
    )


def _approval_note(review: AnnualReview, round_: int) -> str:
    """审定意见: what the secretary wrote at 审定 (kept in the audit record of that round)."""
    from audit.services import audit_trail

    record = audit_trail(review).filter(action="annual.approve").order_by("-at").first()
    if record is None or (record.data or {}).get("round") != round_:
        return ""
    return record.reason


def _result_line(result: AnnualResult, names: _Names) -> YearLine:
    return YearLine(
        member=result.member,
        member_type=result.member_type,
        graded=result.graded,
        items_total=result.items_total,
        base=result.base,
        carry_over=result.carry_over,
        points=result.points,
        evaluation_level=result.evaluation_level,
        evaluation_score=result.evaluation_score,
        evaluation=result.evaluation,
        total=result.total,
        rank=result.rank,
        reference_rank=result.reference_rank,
        suggested_grade=result.suggested_grade,
        grade=result.grade,
        grade_reason=result.grade_reason,
        decided_by=names(result.decided_by),
        veto=result.veto,
        flags=[f"{flag['kind']}：{flag['reason']}" for flag in result.flags],
        probation_outcome=result.probation_outcome,
        honours_eligible=result.honours_eligible,
        follow_up=result.follow_up,
    )


def _live_sheet(
    branch: Organization, cycle: int, rules: CoreRuleSet, review: AnnualReview | None, names: _Names
) -> YearSheet:
    """Before 审定 (or after a return): the core's figures as they stand, a draft saying why."""
    result = branch_year(branch, cycle)
    members = members_by_pk(result)
    here = set(Member.objects.filter(branch=branch).values_list("pk", flat=True))
    evaluated = rules.evaluation is None or (
        EvaluationSession.objects.filter(
            branch=branch, cycle=cycle, status=EvaluationSession.Status.APPROVED
        ).exists()
    )
    proposed = latest_grades(review) if review is not None else {}
    lines = []
    for standing in result.standings:
        member = members[standing.member]
        proposal = proposed.get(member.pk)
        lines.append(
            YearLine(
                member=member,
                member_type=standing.member_type.value,
                graded=standing.graded and member.pk in here,
                items_total=standing.items_total,
                base=standing.base,
                carry_over=standing.carry_over,
                points=standing.points,
                evaluation_level=standing.evaluation_level or "",
                evaluation_score=standing.evaluation_score,
                evaluation=standing.evaluation if evaluated and rules.evaluation is not None else None,
                total=standing.total if evaluated else None,
                rank=standing.rank,
                reference_rank=standing.reference_rank,
                suggested_grade=(standing.suggested_grade or "") if evaluated else "",
                grade=proposal.grade if proposal else "",
                grade_reason=proposal.reason if proposal else "",
                decided_by=names(proposal.proposed_by) if proposal else "",
                veto=standing.veto,
                flags=[f"{flag.kind}：{flag.reason}" for flag in standing.flags],
                probation_outcome=(standing.probation_outcome or "") if evaluated else "",
                honours_eligible=False,
            )
        )
    lines.sort(key=lambda line: not line.graded)  # stable: the core's order within each group
    decisions = list(review.decisions.select_related("decided_by")) if review is not None else []
    return YearSheet(
        branch=branch,
        cycle=cycle,
        rules=rules,
        review=review,
        lines=lines,
        approved=False,
        draft=True,
        draft_reason=_live_reason(branch, cycle, review, decisions),
        returns=[_decision(d, names) for d in decisions if d.kind == AnnualDecision.Kind.RETURN],
    )


def _live_reason(
    branch: Organization, cycle: int, review: AnnualReview | None, decisions: list[AnnualDecision]
) -> str:
    if review is None:
        try:
            blockers = annual_review_blockers(branch, cycle)
        except ValidationError as error:
            blockers = list(error.messages)
        why = "；".join(blocker.rstrip("。") for blocker in blockers) if blockers else "可以发起"
        return f"年度总评尚未发起（{why}），以下为按积分细则计算的当前数字"
    if review.status == AnnualReview.Status.PUBLICITY:
        return "支委会评定的等次公示中，尚未审定"
    returned = [d for d in decisions if d.kind == AnnualDecision.Kind.RETURN]
    if review.returned and returned:
        return f"上级党委已退回（{returned[-1].reason}），支委会正在重新评定等次"
    return "支委会正在评定等次，尚未公示、审定"


def year_filing_sheet(branch: Organization, cycle: int) -> YearSheet:
    """党员全年积分备案表: the approved year only — before 审定 there is nothing to file."""
    sheet = year_sheet(branch, cycle)
    if not sheet.approved:
        raise ValidationError(f"{branch.name}{cycle}年度总评尚未审定，全年积分备案表在年度总评审定后生成。")
    if sheet.draft:
        sheet.draft_reason = "年度总评已由支部审定，待上级党委审批、备案"
    return sheet


# ---------------------------------------------------------------- the ledgers' year-end lines


@dataclass(frozen=True)
class YearEndFigures:
    """What a ledger (台账) prints under the months: 民主评议积分, 上年结转 and 年度总分 with the 等次 — the
    approved figures, or None while they are pending (the form says 待民主评议 / 待年度总评)."""

    has_evaluation: bool
    carries_over: bool
    evaluation: Decimal | None = None
    evaluation_label: str = ""  # 合格 / 18.5 分
    carry_over: Decimal | None = None
    total: Decimal | None = None
    grade: str = ""
    approved_by: str = ""
    approved_at: datetime.datetime | None = None
    ratified: bool = False
    evaluated: bool = True  # False: the year was approved without a 民主评议 of the member (发展对象)

    @property
    def evaluation_text(self) -> str:
        if not self.evaluated:
            return "—"
        return PENDING_EVALUATION if self.evaluation is None else fmt(self.evaluation)

    @property
    def total_text(self) -> str:
        return PENDING_ANNUAL if self.total is None else fmt(self.total)

    @property
    def carry_over_text(self) -> str:
        return PENDING_ANNUAL if self.carry_over is None else fmt(self.carry_over)


def _figures(
    rules: CoreRuleSet, annual: AnnualResult | None, evaluated: EvaluationResult | None, names: _Names
) -> YearEndFigures:
    figures = YearEndFigures(
        has_evaluation=rules.evaluation is not None, carries_over=rules.carry_over is not None
    )
    if annual is not None:
        return YearEndFigures(
            has_evaluation=figures.has_evaluation,
            carries_over=figures.carries_over or bool(annual.carry_over),
            evaluation=annual.evaluation if figures.has_evaluation else None,
            evaluation_label=evaluation_text(annual.evaluation_level, annual.evaluation_score),
            carry_over=annual.carry_over,
            total=annual.total,
            grade=annual.grade,
            approved_by=names(annual.approved_by),
            approved_at=annual.approved_at,
            ratified=annual.review.status in FINAL_REVIEW_STATUSES,
            evaluated=bool(annual.evaluation_level) or annual.evaluation_score is not None,
        )
    if evaluated is not None and figures.has_evaluation:
        return YearEndFigures(
            has_evaluation=True,
            carries_over=figures.carries_over,
            evaluation=evaluated.value,
            evaluation_label=evaluation_text(evaluated.level, evaluated.score),
        )
    return figures


def member_year_end(member: Member, cycle: int, rules: CoreRuleSet) -> YearEndFigures:
    """The member's approved 民主评议 and year (latest round, whichever branch graded them)."""
    annual = (
        AnnualResult.objects.filter(
            member=member, review__cycle=cycle, review__status__in=COUNTED_REVIEW_STATUSES
        )
        .select_related("review", "approved_by")
        .order_by("-round", "-approved_at")
        .first()
    )
    evaluated = (
        EvaluationResult.objects.filter(member=member, session__cycle=cycle).order_by("-approved_at").first()
    )
    return _figures(rules, annual, evaluated, _Names())


def branch_year_end(branch: Organization, cycle: int, rules: CoreRuleSet) -> dict[int, YearEndFigures]:
    """member pk → the figures, for every member of the branch's approved 民主评议 and year; a member
    missing from the mapping has neither yet (``pending``)."""
    names = _Names()
    review = AnnualReview.objects.filter(
        branch=branch, cycle=cycle, status__in=COUNTED_REVIEW_STATUSES
    ).first()
    annual = {result.member_id: result for result in results_of(review)} if review else {}
    evaluated = {
        result.member_id: result
        for result in EvaluationResult.objects.filter(session__branch=branch, session__cycle=cycle)
    }
    return {
        pk: _figures(rules, annual.get(pk), evaluated.get(pk), names) for pk in set(annual) | set(evaluated)
    }


def pending(rules: CoreRuleSet) -> YearEndFigures:
    return YearEndFigures(
        has_evaluation=rules.evaluation is not None, carries_over=rules.carry_over is not None
    )
