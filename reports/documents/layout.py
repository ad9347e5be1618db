"""What every printed form (打印表格) shares: the header, the 审定 line, the draft mark, names and dates.

A form's template extends ``reports/pdf/base.html`` and gets a :class:`Sheet` as ``sheet``: the
organization's name and the period in the header, page numbers and repeated table headers on every page,
"审定：<who> <when>" from the approvals its figures come from, and a diagonal 草稿 watermark when any of
them is not (fully) approved yet. The figures themselves are each form's own business.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from config.formats import day_text
from reports.ledgers import ApprovalInfo
from reports.pdf import render_pdf
from scoring.core.ruleset import EvaluationMode, fmt
from scoring.core.ruleset import RuleSet as CoreRuleSet
from workflows.execution import holder_name


def person_name(user: Any | None) -> str:
    """How a person signs (the member's real name, else the user's name); empty for the system."""
    return "" if user is None else holder_name(user)


def chinese_date(value: datetime.date | datetime.datetime | None) -> str:
    """2026年11月21日 — a datetime in local time."""
    return "" if value is None else day_text(value)


@dataclass(frozen=True)
class ApprovalLine:
    """审定: who fixed the figures, when; ``label`` names the round when there were several."""

    by: str
    at: datetime.datetime
    label: str = ""
    note: str = ""

    @property
    def date(self) -> str:
        return chinese_date(self.at)


def approval_lines(approvals: Iterable[ApprovalInfo]) -> list[ApprovalLine]:
    """The lines for the approvals a ledger names (``reports.ledgers.ApprovalInfo``), one per period."""
    return [approval_line(info.approval, with_period=True) for info in approvals]


def approval_line(approval: Any, *, with_period: bool = False) -> ApprovalLine:
    """The line for a ``PeriodApproval``; ``with_period`` names its period (a form spanning several)."""
    label = approval.review.label if with_period else ""
    if approval.round > 1:
        label = f"{label}第{approval.round}次审定".strip()
    return ApprovalLine(
        by=person_name(approval.approved_by), at=approval.approved_at, label=label, note=approval.note
    )


def weighting_note(rules: CoreRuleSet | None) -> str:
    """How a weighted 民主评议 makes the year's total (二七区: 积分 70 % + 评议 30 %) — and that in-year
    figures are points only, the evaluation being held at the year's end."""
    evaluation = rules.evaluation if rules else None
    if evaluation is None or evaluation.mode != EvaluationMode.WEIGHTED or not evaluation.weight:
        return ""
    share = fmt(evaluation.weight * 100)
    rescaled = ""
    if evaluation.points_full_marks is not None:
        rescaled = (
            f"（积分先按满分 {fmt(evaluation.points_full_marks)} 分折算为 {fmt(evaluation.full_marks)} 分制）"
        )
    return (
        f"年度总分按“积分 × {fmt(100 - evaluation.weight * 100)}% + 民主评议分 × {share}%”计算{rescaled}，"
        "于年终民主评议后由年度总评得出；年内各期只计积分。"
    )


@dataclass
class Sheet:
    """The frame of one printed form.

    ``draft`` puts the 草稿 watermark on every page; ``draft_reason`` says why in the header.
    ``landscape`` turns the page (the branch ledger). ``signers`` get a signature line and a date each
    (``"党员本人"`` reads "党员本人签字："), beside a 盖章 box labelled ``seal``.
    """

    title: str
    organization: str
    period: str = ""
    approvals: list[ApprovalLine] = field(default_factory=list)
    draft: bool = False
    draft_reason: str = ""
    landscape: bool = False
    filled_on: datetime.date = field(default_factory=timezone.localdate)
    notes: list[str] = field(default_factory=list)
    signers: list[str] = field(default_factory=list)
    seal: str = "支部盖章"

    @property
    def filled_on_text(self) -> str:
        return chinese_date(self.filled_on)


def render_sheet(template: str, sheet: Sheet, **context: Any) -> bytes:
    """The PDF of a form: its template rendered with the sheet, then WeasyPrint."""
    html = render_to_string(template, {"sheet": sheet, **context})
    return render_pdf(html)


def numbered(rows: Iterable[Any]) -> list[tuple[int, Any]]:
    """序号 from 1."""
    return list(enumerate(rows, start=1))
