"""The year-end forms, filled from the system's records: 党员民主评议表, 党员年终等次评定审批表 and
党员全年积分备案表 (the approved 年度总评).

- 党员民主评议表 (one member, or every member of the branch's 民主评议 one after another): the 自评 the
  member wrote, the 互评 count (votes per level or the mean vote score, with the number of ballots — never
  who voted what), the committee's 评议等次/得分 with its reason (and an upheld appeal's correction), the
  approved result with who approved it and when. A 草稿 until the 民主评议 is approved. Where the branch
  holds its evaluation on paper (no 民主评议 in the system) the boxes are left for handwriting, as before.
- 党员年终等次评定审批表 (one branch): from the approved ``AnnualResult`` rows (latest 审定 round) —
  each graded member's 民主评议, 年度积分, 上年结转, 总评得分, 排名, 建议等次 and 评定等次, the committee's
  reasons, 党委审批 and 备案 with who and when; members not graded listed apart. A 草稿 until 党委审批;
  before 审定 the core's live figures, saying why they are not final.
- 党员全年积分备案表 (one branch): the approved year, every member; a 草稿 until 党委审批.

The figures are ``reports.year_end``'s and ``reports.ledgers``'; this module frames them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accounts.models import Member, Organization
from reports.documents.layout import ApprovalLine, Sheet, approval_lines, weighting_note
from reports.documents.ledger_forms import DRAFT_REASON
from reports.ledgers import ApprovalInfo, BranchLedgerRow, MemberLedger, branch_ledger, member_ledger
from reports.year_end import (
    EvaluationRow,
    EvaluationSheet,
    YearEndFigures,
    YearSheet,
    branch_session,
    branch_year_end,
    evaluation_sheet,
    members_to_evaluate,
    pending,
    session_of,
    year_filing_sheet,
    year_sheet,
)
from scoring.core.annual import grade_choices
from scoring.core.ruleset import EvaluationKind, EvaluationMode, fmt
from scoring.core.ruleset import RuleSet as CoreRuleSet
from workflows.periods import cycle_rules

DEFAULT_LEVELS = ("优秀", "合格", "基本合格", "不合格")  # 民主评议党员 (the national four levels)


def evaluation_levels(rules: CoreRuleSet) -> tuple[str, ...]:
    if rules.evaluation is not None and rules.evaluation.kind is EvaluationKind.SCORE:
        return ()
    return rules.evaluation.level_names if rules.evaluation is not None else DEFAULT_LEVELS


def grade_standards(rules: CoreRuleSet) -> str:
    """等次标准 in words: “优秀 90 分以上；合格 70 分以上；不合格 其余”."""
    parts = [f"{g.name} {fmt(g.min)} 分以上" if g.min is not None else f"{g.name} 其余" for g in rules.grades]
    return "；".join(parts)


def evaluation_rule(rules: CoreRuleSet) -> str:
    """How the evaluation enters the total, for the people reading the form."""
    evaluation = rules.evaluation
    if evaluation is None:
        return ""
    if evaluation.kind is EvaluationKind.SCORE:
        values = f"党员大会投票确定得分，满分 {fmt(evaluation.full_marks)} 分"
    else:
        values = "、".join(f"{name} {fmt(value)} 分" for name, value in evaluation.levels)
    if evaluation.mode == EvaluationMode.WEIGHTED:
        return weighting_note(rules) + f"评议分：{values}。"
    return f"年度总分 = 年度积分 + 民主评议分（{values}）。"


def _cycle_label(cycle: int, round_: int = 1) -> str:
    return f"{cycle}年度总评" + (f"第{round_}次审定" if round_ > 1 else "")


# ---------------------------------------------------------------- 党员民主评议表


@dataclass(frozen=True)
class YearPoints:
    """The year's points on the 民主评议表: 基础分 (the months' and the automatic ones) + 加分项 − 扣分事项
    = 年度积分 (after the floor or a veto, the core's in-year total)."""

    base: Decimal
    bonus: Decimal
    deductions: Decimal  # taken away, as a positive number
    points: Decimal

    @classmethod
    def of_member(cls, ledger: MemberLedger) -> YearPoints:
        return cls(ledger.base + ledger.granted_base, ledger.bonus, ledger.deductions, ledger.total)

    @classmethod
    def of_row(cls, row: BranchLedgerRow) -> YearPoints:
        return cls(row.base + row.granted_base, row.bonus, row.deductions, row.cycle_total)


@dataclass(frozen=True)
class MemberReview:
    """One member's page of the 民主评议表: the year's points, the evaluation, the year's result."""

    member: Member
    points: YearPoints | None  # None: not scored in the branch this year
    evaluation: EvaluationRow | None  # None: no 民主评议 in the system, the boxes are for handwriting
    year_end: YearEndFigures


def _evaluation_approval(sheet: EvaluationSheet) -> list[ApprovalLine]:
    if sheet.approved_at is None:
        return []
    return [ApprovalLine(by=sheet.approved_by, at=sheet.approved_at, label=sheet.session.label)]


def _review_sheet(
    organization: Organization,
    year: int,
    rules: CoreRuleSet,
    approvals: list[ApprovalInfo],
    ledger_draft: bool,
    evaluated: EvaluationSheet | None,
) -> Sheet:
    """The frame: a draft until the 民主评议 is approved (and the year's points with it)."""
    if evaluated is not None and evaluated.draft:
        draft, reason = True, evaluated.draft_reason
    else:
        draft, reason = ledger_draft, DRAFT_REASON if ledger_draft else ""
    return Sheet(
        title="党员民主评议表",
        organization=organization.name,
        period=f"{year}年度",
        approvals=approval_lines(approvals) + (_evaluation_approval(evaluated) if evaluated else []),
        draft=draft,
        draft_reason=reason,
        notes=[note for note in (evaluation_rule(rules),) if note],
        signers=[],
    )


def _review_context(rules: CoreRuleSet, evaluated: EvaluationSheet | None, forms: list[MemberReview]):
    session = evaluated.session if evaluated else None
    levels = tuple(evaluated.levels) if evaluated else evaluation_levels(rules)
    return {
        "forms": forms,
        "levels": levels,
        "has_evaluation": rules.evaluation is not None,
        "session": session,
        "score_kind": evaluated.score_kind if evaluated else evaluation_levels(rules) == (),
        "voters": evaluated.voters if evaluated else None,
        "max_score": session.max_score
        if session
        else (rules.evaluation.full_marks if rules.evaluation else None),
    }


def democratic_review_form(member: Member, year: int) -> tuple[Sheet, dict[str, Any]]:
    """党员民主评议表 (002) of one member: filled from the branch's 民主评议 where there is one."""
    ledger = member_ledger(member, year)
    rules = cycle_rules(ledger.branch, year)
    session = session_of(member, year)
    evaluated = evaluation_sheet(session, [member]) if session is not None else None
    organization = session.branch if session is not None else ledger.branch
    sheet = _review_sheet(organization, year, rules, ledger.approvals, ledger.draft, evaluated)
    form = MemberReview(
        member=member,
        points=YearPoints.of_member(ledger),
        evaluation=evaluated.row(member) if evaluated else None,
        year_end=ledger.year_end,
    )
    return sheet, _review_context(rules, evaluated, [form])


def branch_democratic_review_form(branch: Organization, year: int) -> tuple[Sheet, dict[str, Any]]:
    """Every member of the branch's 民主评议, one form after another, for the clerk who prints them all;
    without a 民主评议 in the system, a blank form for every member it would evaluate."""
    rules = cycle_rules(branch, year)
    ledger = branch_ledger(branch, str(year))
    points = {row.member.pk: YearPoints.of_row(row) for row in ledger.rows}
    figures = branch_year_end(branch, year, rules)
    session = branch_session(branch, year)
    evaluated = evaluation_sheet(session) if session is not None else None
    if evaluated is not None:
        pairs = [(row.member, row) for row in evaluated.rows]
    else:
        pairs = [(member, None) for member in members_to_evaluate(branch)]
    forms = [
        MemberReview(
            member=member,
            points=points.get(member.pk),
            evaluation=row,
            year_end=figures.get(member.pk, pending(rules)),
        )
        for member, row in pairs
    ]
    sheet = _review_sheet(branch, year, rules, ledger.approvals, ledger.draft, evaluated)
    return sheet, _review_context(rules, evaluated, forms)


# ---------------------------------------------------------------- 党员年终等次评定审批表


def _year_approvals(year: YearSheet) -> list[ApprovalLine]:
    if year.approved_at is None:
        return []
    return [
        ApprovalLine(
            by=year.approved_by,
            at=year.approved_at,
            label=_cycle_label(year.cycle, year.round),
            note=year.approval_note,
        )
    ]


def _grade_counts(year: YearSheet) -> list[tuple[str, int]]:
    counts = Counter(line.grade for line in year.graded if line.grade)
    return [(grade, counts[grade]) for grade in grade_choices(year.rules) if counts[grade]]


def _ungraded_note(year: YearSheet) -> str:
    """Why some are listed apart: the kinds the rules do not grade (公司: 预备党员 too)."""
    if not year.ungraded:
        return ""
    kinds = "、".join(sorted({line.member_type for line in year.ungraded}))
    return f"{kinds}不参与年度等次评定，其积分作为教育考察依据，另列于下。"


def year_grade_approval_form(branch: Organization, year: int) -> tuple[Sheet, dict[str, Any]]:
    """党员年终等次评定审批表 (002): the graded members' year and 等次, 支委会意见, 党委审批 and 备案."""
    data = year_sheet(branch, year)
    notes = [evaluation_rule(data.rules)]
    if data.rules.grades:
        notes.append(f"等次标准：{grade_standards(data.rules)}。")
    notes.append(
        "建议等次为按积分细则和排名规定得出的等次；评定等次由支部委员会研究确定，与建议不同的须说明理由。"
    )
    sheet = Sheet(
        title="党员年终等次评定审批表",
        organization=branch.name,
        period=f"{year}年度",
        approvals=_year_approvals(data),
        draft=data.draft,
        draft_reason=data.draft_reason,
        notes=[note for note in notes if note],
        signers=[],
    )
    return sheet, {
        "year": data,
        "grade_counts": _grade_counts(data),
        "ungraded_note": _ungraded_note(data),
        "exempt": _exempt(branch, data),
    }


def _exempt(branch: Organization, year: YearSheet) -> list[Member]:
    """经批准免于积分: members of the branch the year does not score."""
    scored = {line.member.pk for line in year.lines}
    return [
        member
        for member in Member.objects.filter(branch=branch, status=Member.Status.EXEMPT).order_by("real_name")
        if member.pk not in scored
    ]


# ---------------------------------------------------------------- 党员全年积分备案表


def year_filing_form(branch: Organization, year: int) -> tuple[Sheet, dict[str, Any]]:
    """党员全年积分备案表 from the approved 年度总评: every member's year, ranked; 草稿 until 党委审批."""
    data = year_filing_sheet(branch, year)
    notes = [evaluation_rule(data.rules), _ungraded_note(data)]
    sheet = Sheet(
        title="党员全年积分备案表",
        organization=branch.name,
        period=f"{year}年度",
        approvals=_year_approvals(data),
        draft=data.draft,
        draft_reason=data.draft_reason,
        landscape=True,
        notes=[note for note in notes if note],
        signers=["填表人", "支部书记"],
    )
    return sheet, {"year": data, "totals": _filing_totals(data)}


@dataclass(frozen=True)
class FilingTotals:
    members: int
    points: Decimal
    total: Decimal


def _filing_totals(year: YearSheet) -> FilingTotals:
    return FilingTotals(
        members=len(year.lines),
        points=sum((line.points for line in year.lines), Decimal(0)),
        total=sum((line.total or Decimal(0) for line in year.lines), Decimal(0)),
    )
