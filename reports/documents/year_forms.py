"""The year-end forms, partly filled in by hand: 党员民主评议表 and 党员年终等次评定审批表.

The system knows the year's points (the ledger, frozen where approved); the democratic evaluation
(民主评议: 自评, 互评, 支部意见) and the approval of the grades (支部意见, 党委审批意见) happen on paper.
So these forms print identity and points pre-filled and leave boxes for the handwriting, with the
evaluation's levels and the grades' thresholds taken from the rule set in force. Where the rules have no
democratic evaluation the grade the scoring core gave is final and is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import Member, Organization
from reports.documents.layout import Sheet, approval_lines, weighting_note
from reports.documents.ledger_forms import DRAFT_REASON
from reports.ledgers import BranchLedgerRow, branch_ledger, member_ledger
from scoring.core.ruleset import EvaluationMode, fmt
from scoring.core.ruleset import RuleSet as CoreRuleSet
from workflows.periods import cycle_rules

DEFAULT_LEVELS = ("优秀", "合格", "基本合格", "不合格")  # 民主评议党员 (the national four levels)
NOT_GRADED = (Member.Kind.CANDIDATE, Member.Kind.ACTIVIST)  # 002: 不参与党员积分年度考核评定


def evaluation_levels(rules: CoreRuleSet) -> tuple[str, ...]:
    return rules.evaluation.level_names if rules.evaluation is not None else DEFAULT_LEVELS


def grade_standards(rules: CoreRuleSet) -> str:
    """等次标准 in words: “优秀 90 分以上；合格 70 分以上；不合格 其余”."""
    parts = [f"{g.name} {fmt(g.min)} 分以上" if g.min is not None else f"{g.name} 其余" for g in rules.grades]
    return "；".join(parts)


def evaluation_rule(rules: CoreRuleSet) -> str:
    """How the evaluation enters the total, for the people filling the form in."""
    evaluation = rules.evaluation
    if evaluation is None:
        return ""
    values = "、".join(f"{name} {fmt(value)} 分" for name, value in evaluation.levels)
    if evaluation.mode == EvaluationMode.WEIGHTED:
        return weighting_note(rules) + f"评议分：{values}。"
    return f"年度总分 = 年度积分 + 民主评议分（{values}）。"


def democratic_review_form(member: Member, year: int) -> tuple[Sheet, dict[str, Any]]:
    """党员民主评议表 (002): identity and the year's points, then 自评, 互评 and 支部意见 by hand."""
    ledger = member_ledger(member, year)
    rules = cycle_rules(ledger.branch, year)
    sheet = Sheet(
        title="党员民主评议表",
        organization=ledger.branch.name,
        period=f"{year}年度",
        approvals=approval_lines(ledger.approvals),
        draft=ledger.draft,
        draft_reason=DRAFT_REASON if ledger.draft else "",
        notes=[note for note in (evaluation_rule(rules),) if note],
        signers=[],
    )
    return sheet, {
        "member": member,
        "ledger": ledger,
        "levels": evaluation_levels(rules),
        "has_evaluation": rules.evaluation is not None,
    }


@dataclass(frozen=True)
class GradeRow:
    """One member on the 等次评定审批表: points and rank pre-filled, the rest by hand unless final."""

    row: BranchLedgerRow
    final: bool  # no democratic evaluation in the rules: the core's total and grade are the year's

    @property
    def remark(self) -> str:
        parts = []
        if self.row.veto:
            parts.append("一票否决")
        if self.row.member.status == Member.Status.MOBILE:
            parts.append("流动党员")
        return "；".join(parts)


def year_grade_approval_form(branch: Organization, year: int) -> tuple[Sheet, dict[str, Any]]:
    """党员年终等次评定审批表 (002): every 正式党员 and 预备党员 with the year's points and rank;
    民主评议, the final score and grade, 支部意见 and 党委审批意见 by hand."""
    ledger = branch_ledger(branch, str(year))
    rules = cycle_rules(branch, year)
    final = rules.evaluation is None
    graded = [row for row in ledger.rows if row.member.kind not in NOT_GRADED]
    notes = [evaluation_rule(rules)]
    if rules.grades:
        notes.append(f"等次标准：{grade_standards(rules)}。")
    if len(graded) < len(ledger.rows):
        notes.append("发展对象、入党积极分子的积分作为教育考察依据，不参与年度等次评定，未列入本表。")
    sheet = Sheet(
        title="党员年终等次评定审批表",
        organization=branch.name,
        period=f"{year}年度",
        approvals=approval_lines(ledger.approvals),
        draft=ledger.draft,
        draft_reason=DRAFT_REASON if ledger.draft else "",
        notes=[note for note in notes if note],
        signers=[],
    )
    return sheet, {
        "rows": [GradeRow(row, final) for row in graded],
        "final": final,
        "levels": evaluation_levels(rules),
        "exempt": ledger.exempt,
    }
