"""党员积分申报表 (002: 第 季度党员积分申报表 · 所在支部 · 填表时间): one claim, from 申报 to 审定.

What was claimed (item, date, place, description, evidence), who recorded it (登记) and who reviewed it
(审核) with what result, and the period's 审定 once there is one. The form is final only when the claim was
approved and its period approved (its points count): anything before that is a 草稿.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from audit.services import audit_trail
from reports.documents.layout import Sheet, approval_line, chinese_date, person_name
from scoring.core.periods import PeriodKind, period_of
from scoring.selectors import effective_ruleset
from workflows.member_selectors import COUNTED_STATUSES
from workflows.models import Claim
from workflows.periods import current_approval
from workflows.selectors import review_covering

RECORD_ACTIONS = ("claim.record", "claim.branch_record")


@dataclass(frozen=True)
class Step:
    """One step of the claim's way: 申报, 登记, 审核 — who, when, and the opinion given."""

    name: str
    by: str
    at: datetime.datetime | None
    opinion: str = ""

    @property
    def date(self) -> str:
        return chinese_date(self.at)


def _steps(claim: Claim) -> list[Step]:
    submitted = "支部登记" if claim.source == Claim.Source.BRANCH else "党员申报"
    steps = [Step(submitted, person_name(claim.created_by), claim.created_at)]
    recorded = audit_trail(claim).filter(action__in=RECORD_ACTIONS).select_related("actor__member").last()
    if recorded is not None and claim.source == Claim.Source.MEMBER:
        steps.append(Step("组织委员登记", person_name(recorded.actor), recorded.at, recorded.reason))
    if claim.decided_at is not None:
        steps.append(
            Step(
                f"支委会审核（{claim.get_status_display()}）",
                person_name(claim.decided_by),
                claim.decided_at,
                claim.decision_reason,
            )
        )
    return steps


def _draft_reason(claim: Claim, counted: bool) -> str:
    if claim.status == Claim.Status.REJECTED:
        return "本申报未通过审核，不计分"
    if claim.status != Claim.Status.APPROVED:
        return f"本申报{claim.get_status_display()}，尚未审核通过"
    if not counted:
        return "已审核通过，待本期公示、审定后计入"
    return ""


def claim_form(claim: Claim) -> tuple[Sheet, dict[str, Any]]:
    rules = effective_ruleset(claim.ruleset_version)
    item = rules.item(claim.item_code)
    category = rules.category(item.category) if item is not None and item.category else None
    quarter = period_of(claim.occurred_on, PeriodKind.QUARTER, rules)
    review = review_covering(claim.branch, claim.occurred_on)
    counted = review is not None and review.status in COUNTED_STATUSES
    approval = current_approval(review) if counted else None
    reason = _draft_reason(claim, counted)
    sheet = Sheet(
        title="党员积分申报表",
        organization=claim.branch.name,
        period=quarter.label(),
        approvals=[approval_line(approval, with_period=True)] if approval is not None else [],
        draft=bool(reason),
        draft_reason=reason,
        filled_on=timezone.localtime(claim.created_at).date(),
        signers=["党员本人", "组织委员", "支部书记"],
    )
    entry = claim.ledger_entry
    return sheet, {
        "claim": claim,
        "member": claim.member,
        "item": item,
        "item_name": item.name if item is not None else claim.item_code,
        "category": category.name if category is not None else "",
        "evidence": list(claim.evidence.all()),
        "steps": _steps(claim),
        "corrected": entry is not None and hasattr(entry, "reversed_by"),
    }
