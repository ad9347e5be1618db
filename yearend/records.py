"""What the year's result leads to and what it starts from: follow-up records for members graded
不合格 or 后进 (谈话, 限期改正 with a deadline, the result), and last year's figure for the first year's
carry-over."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Member
from audit.services import audit_record
from config.formats import day_text
from scoring.core.ruleset import fmt
from workflows.notifications import notify
from yearend import messages
from yearend.evaluation import require
from yearend.models import AnnualResult, CarryOverFigure, FollowUp


@transaction.atomic
def carry_over_figure_enter(
    *, member: Member, cycle: int, total: Decimal, note: str = "", by: Any
) -> CarryOverFigure:
    """上年考核分: last year's total of a member from before the system, for this year's carry-over."""
    require(by, "manage_members", member.branch)
    if total < 0:
        raise ValidationError({"total": [messages.CARRY_OVER_NEGATIVE]})
    try:
        with transaction.atomic():
            figure = CarryOverFigure.objects.create(
                member=member, cycle=cycle, total=total, note=note.strip(), entered_by=by
            )
    except IntegrityError:
        raise ValidationError(
            messages.CARRY_OVER_EXISTS % {"name": member.real_name, "cycle": cycle}
        ) from None
    audit_record(
        actor=by,
        action="carry_over.enter",
        summary=f"录入 {member.real_name} {cycle} 年度考核分 {fmt(total)}",
        target=figure,
        organization=member.branch,
        reason=note,
        data={"total": total},
    )
    return figure


@transaction.atomic
def follow_up_open(
    *,
    result: AnnualResult,
    kind: str,
    findings: str,
    measures: str = "",
    deadline: datetime.date | None = None,
    by: Any,
    today: datetime.date | None = None,
) -> FollowUp:
    """建立整改记录 (分类定级积分晋位管理卡) for a member graded 不合格 or flagged by the rules."""
    branch = result.review.branch
    require(by, "review_claims", branch)
    today = today or timezone.localdate()
    if not result.follow_up:
        raise ValidationError(
            messages.FOLLOW_UP_NOT_NEEDED % {"name": result.member.real_name, "grade": result.grade}
        )
    if not findings.strip():
        raise ValidationError({"findings": [messages.FOLLOW_UP_FINDINGS_REQUIRED]})
    if kind == FollowUp.Kind.RECTIFY and deadline is None:
        raise ValidationError({"deadline": [messages.FOLLOW_UP_DEADLINE_REQUIRED]})
    if deadline is not None and deadline < today:
        raise ValidationError({"deadline": [messages.FOLLOW_UP_DEADLINE_PAST]})
    follow_up = FollowUp.objects.create(
        result=result,
        kind=kind,
        findings=findings.strip(),
        measures=measures.strip(),
        deadline=deadline,
        contact=by,
        created_by=by,
    )
    audit_record(
        actor=by,
        action="follow_up.open",
        summary=f"{result.member.real_name} {follow_up.get_kind_display()}",
        target=follow_up,
        organization=branch,
        data={"kind": kind, "deadline": deadline},
    )
    notify(
        recipient=result.member.user,
        kind="follow_up",
        title=f"支部对您的{result.review.cycle}年度总评结果安排了{follow_up.get_kind_display()}",
        body=f"存在问题：{follow_up.findings}"
        + (f"；整改时限：{day_text(deadline)}" if deadline else "")
        + (f"；整改措施：{follow_up.measures}" if follow_up.measures else ""),
        url="/me/",
    )
    return follow_up


@transaction.atomic
def follow_up_close(*, follow_up: FollowUp, status: str, outcome: str, by: Any) -> FollowUp:
    """整改结果: done, or not done by the deadline — with what happened."""
    follow_up = (
        FollowUp.objects.select_for_update().select_related("result__review__branch").get(pk=follow_up.pk)
    )
    require(by, "review_claims", follow_up.result.review.branch)
    if follow_up.status != FollowUp.Status.OPEN:
        raise ValidationError(messages.FOLLOW_UP_CLOSED)
    if not outcome.strip():
        raise ValidationError({"outcome": [messages.FOLLOW_UP_FINDINGS_REQUIRED]})
    follow_up.status, follow_up.outcome = status, outcome.strip()
    follow_up.closed_by, follow_up.closed_at = by, timezone.now()
    follow_up.save(update_fields=["status", "outcome", "closed_by", "closed_at"])
    audit_record(
        actor=by,
        action="follow_up.close",
        summary=(
            f"{follow_up.result.member.real_name} {follow_up.get_kind_display()}："
            f"{follow_up.get_status_display()}"
        ),
        target=follow_up,
        organization=follow_up.result.review.branch,
        reason=outcome,
    )
    return follow_up
