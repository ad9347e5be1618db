"""The forms of one branch's period: 积分备案表 (the filing) and the 公示 notice.

Both read what the workflow recorded for the ``PeriodReview``: the filing prints the frozen scores of its
approval (审定) and the higher committee's decision; the notice prints the list posted to the branch, the
window's dates and how to appeal, and the 审定 result once there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from config.formats import moment_text
from reports.documents.layout import (
    ApprovalLine,
    Sheet,
    approval_line,
    chinese_date,
    person_name,
    weighting_note,
)
from reports.documents.scores import approval_is_current, approval_rows, remark
from reports.ledgers import FILING_TITLES, filing_sheet
from scoring.core.periods import PeriodKind
from scoring.selectors import effective_ruleset
from workflows.member_selectors import COUNTED_STATUSES, PublicityRow, publicity_rows, rankings_shown
from workflows.models import Filing, PeriodApproval, PeriodReview
from workflows.periods import current_approval, period_scores


def filing_title_of(filing: Filing) -> str:
    """The form's title by the period's kind (as the filing sheet of ``reports.ledgers`` names it)."""
    return FILING_TITLES[PeriodKind(filing.approval.review.period_kind)]


def period_text(review: PeriodReview) -> str:
    """2026年度第3季度（2026年7月1日至2026年9月30日）."""
    return f"{review.label}（{chinese_date(review.starts_on)}至{chinese_date(review.ends_on)}）"


@dataclass(frozen=True)
class FilingDecision:
    """上级党委备案: archived or sent back, by whom, when, why; empty while it waits."""

    status: str
    by: str
    date: str
    reason: str


def _filing_draft_reason(filing: Filing) -> str:
    if filing.status == Filing.Status.RETURNED:
        return f"上级党委已退回本次备案（{filing.reason}），积分待重新审定"
    if filing.status == Filing.Status.WITHDRAWN:
        return f"支部已撤回本次审定，退回重新审定（{filing.reason}）"
    latest = current_approval(filing.approval.review)
    if latest is not None and latest.pk != filing.approval_id:
        return f"本表为第{filing.approval.round}次审定结果，已被第{latest.round}次审定取代"
    if filing.approval.review.status == PeriodReview.Status.RETURNED:
        return "本期已退回重新审定，积分待重新审定"
    return "本期积分尚未审定"


def filing_form(filing: Filing) -> tuple[Sheet, dict[str, Any]]:
    """党员半年/全年积分备案表: the approval's frozen scores, ranked, with the filing's decision."""
    approval = filing.approval
    review = approval.review
    rules = effective_ruleset(approval.ruleset_version)
    data = filing_sheet(filing)
    draft = not approval_is_current(approval) or filing.status in (
        Filing.Status.RETURNED,
        Filing.Status.WITHDRAWN,
    )
    sheet = Sheet(
        title=data.title,
        organization=review.branch.name,
        period=period_text(review),
        approvals=[approval_line(approval)],
        draft=draft,
        draft_reason=_filing_draft_reason(filing) if draft else "",
        notes=[note for note in (weighting_note(rules),) if note],
        signers=["填表人", "支部书记"],
    )
    decision = None
    if filing.status != Filing.Status.SUBMITTED:
        decision = FilingDecision(
            status=filing.get_status_display(),
            by=person_name(filing.decided_by),
            date=chinese_date(filing.decided_at),
            reason=filing.reason,
        )
    rows = [(row, remark(row)) for row in data.rows]
    return sheet, {
        "review": review,
        "rows": rows,
        "decision": decision,
        "grades": any(row.grade for row in data.rows),
    }


# ---------------------------------------------------------------- 公示 notice


def publicity_form(review: PeriodReview) -> tuple[Sheet, dict[str, Any]]:
    """积分公示: the entries posted for the window, grouped by member, and how to appeal until when.

    The notice is what the branch posts while the window is open, so it is not a draft of anything: its
    entries are those the committee approved (审核), posted for objections. Once the period is approved
    it also prints the 审定 result and its line.
    """
    window = getattr(review, "window", None)
    approval = current_approval(review) if review.status in COUNTED_STATUSES else None
    approvals: list[ApprovalLine] = [approval_line(approval)] if approval is not None else []
    sheet = Sheet(
        title=f"{review.branch.name}党员积分公示",
        organization=review.branch.name,
        period=period_text(review),
        approvals=approvals,
    )
    rows = publicity_rows(review)
    return sheet, {
        "review": review,
        "window": window,
        "opens": chinese_datetime(window.opens_at) if window else "",
        "closes": chinese_datetime(window.closes_at) if window else "",
        "groups": _by_member(review, approval, rows),
        "result": [(row, remark(row)) for row in approval_rows(approval)] if approval is not None else None,
        "opened_by": person_name(window.opened_by) if window and window.opened_by_id else "",
        # Posted to the members: ranks only where the organization shows members their ranks.
        "ranks": rankings_shown(review.branch),
    }


def chinese_datetime(value) -> str:
    return moment_text(value)


@dataclass(frozen=True)
class MemberEntries:
    """One member's posted entries and the period's points the scoring core makes of them (caps, limits and
    corrections applied) — the figure 审定 will fix unless an appeal changes it."""

    name: str
    rows: list[PublicityRow]
    total: Decimal | None


def _period_totals(review: PeriodReview, approval: PeriodApproval | None) -> dict[str, Decimal]:
    if approval is not None:  # approved: the frozen figures, never a recomputation
        return {
            str(member_id): total
            for member_id, total in approval.scores.values_list("member", "period_total")
        }
    try:
        return {score.member: score.total for score in period_scores(review).scores}
    except ValidationError:
        return {}  # no rule set in force any more: the list is still worth posting, without totals


def _by_member(
    review: PeriodReview, approval: PeriodApproval | None, rows: list[PublicityRow]
) -> list[MemberEntries]:
    totals = _period_totals(review, approval)
    groups: dict[int, MemberEntries] = {}
    for row in rows:
        member = row.entry.member
        if member.pk not in groups:
            groups[member.pk] = MemberEntries(member.real_name, [], totals.get(str(member.pk)))
        groups[member.pk].rows.append(row)
    return list(groups.values())
