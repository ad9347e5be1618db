"""Period services: 发起公示, 审定, 备案 / 退回 — one branch, one period (quarterly by default).

Points count only from 审定: the period's scores are computed by the scoring core from the ledger,
frozen in ``FrozenScore`` rows under a ``PeriodApproval`` whose (review, round) is unique, so
applying an approval twice writes nothing the second time.
"""

from __future__ import annotations

import datetime
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.access import may, role_holders
from accounts.models import Member, Organization, RoleAssignment
from audit.services import audit_record
from config.formats import moment_text
from reports.filing_package import filing_package_request
from scoring.core.engine import PeriodResult
from scoring.core.periods import Period, PeriodKind, period_of
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.models import LedgerEntry
from scoring.selectors import branch_scores, effective_ruleset, ruleset_in_force, ruleset_version_current
from workflows import messages
from workflows.escalation import review_settings_for
from workflows.models import (
    Appeal,
    Claim,
    Filing,
    FrozenScore,
    PeriodApproval,
    PeriodReview,
    PublicityWindow,
    ReviewSettings,
)
from workflows.notifications import notify_many
from workflows.selectors import rules_on


def period_containing(branch: Organization, day: datetime.date) -> Period:
    """The review period of ``branch`` that contains ``day`` (its rules set the cycle's first month)."""
    _, rules = rules_on(branch, day)
    settings = review_settings_for(branch)
    return period_of(day, PeriodKind(settings.period_kind), rules)


def cycle_rules(branch: Organization, cycle: int) -> CoreRuleSet:
    """The effective rules in force for the branch's cycle, which fix the cycle's first month."""
    ruleset = ruleset_in_force(branch, cycle)
    if ruleset is None:
        raise ValidationError(messages.NO_RULESET % {"branch": branch.name, "date": f"{cycle} 年度"})
    return effective_ruleset(ruleset_version_current(ruleset))


def open_claims_of(branch: Organization, first: datetime.date, last: datetime.date) -> QuerySet[Claim]:
    return Claim.objects.filter(branch=branch, status__in=Claim.OPEN, occurred_on__range=(first, last))


def branch_members(branch: Organization) -> QuerySet[Member]:
    return Member.objects.filter(branch=branch).select_related("user")


def _require_role(by: Any, perm: str, branch: Organization) -> None:
    """The task views check this too; the service refuses on its own whoever calls it."""
    if not may(by, perm, branch):
        raise ValidationError(messages.NOT_ALLOWED)


@transaction.atomic
def period_start(
    *, branch: Organization, period: Period, by: Any | None, now: datetime.datetime | None = None
) -> PeriodReview:
    """发起公示: gather the period's approved entries and post them to the branch for the window."""
    if by is not None:  # the beat job starts due periods with no one behind it
        _require_role(by, "open_publicity", branch)
    settings = review_settings_for(branch)
    if period.kind.value != settings.period_kind:
        words = dict(ReviewSettings.PeriodKind.choices)[settings.period_kind]
        example = Period(period.cycle, PeriodKind(settings.period_kind), 1).code
        refusal = messages.PERIOD_KIND_MISMATCH % {"branch": branch.name, "kind": words, "example": example}
        raise ValidationError({"period": refusal})
    now = now or timezone.now()
    first, last = period.bounds(cycle_rules(branch, period.cycle))
    if timezone.localtime(now).date() < last:
        raise ValidationError(messages.PERIOD_NOT_ENDED % {"period": period.label()})
    open_count = open_claims_of(branch, first, last).count()
    if open_count:
        raise ValidationError(messages.OPEN_CLAIMS_LEFT % {"count": open_count})
    try:
        with transaction.atomic():
            review = PeriodReview.objects.create(
                branch=branch,
                cycle=period.cycle,
                period_kind=period.kind.value,
                period_index=period.index,
                starts_on=first,
                ends_on=last,
                started_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            messages.PERIOD_EXISTS % {"branch": branch.name, "period": period.label()}
        ) from None
    window = PublicityWindow.objects.create(
        branch=branch,
        review=review,
        opens_at=now,
        closes_at=now + timedelta(days=settings.publicity_days),
        opened_by=by,
    )
    audit_record(
        actor=by,
        action="period.publicity_open",
        summary=f"{branch.name} {review.label} 积分公示",
        target=review,
        organization=branch,
        data={"opens_at": window.opens_at, "closes_at": window.closes_at},
    )
    notify_many(
        [member.user for member in branch_members(branch)],
        kind="publicity_opened",
        title=f"{branch.name} {review.label} 积分公示",
        body=f"公示期至 {moment_text(window.closes_at)}。如对公示的积分有异议，请在公示期内提出申诉。",
        url=f"/me/publicity/{review.pk}/",
    )
    from workflows.flows import PeriodReviewFlow  # the flow's views call these services

    PeriodReviewFlow.start.run(review=review)
    return review


def publicity_entries(review: PeriodReview) -> QuerySet[LedgerEntry]:
    """公示清单: the period's ledger entries of the branch — names, items, points, reasons."""
    return (
        LedgerEntry.objects.filter(
            branch=review.branch, occurred_on__range=(review.starts_on, review.ends_on)
        )
        .select_related("member", "ruleset_version")
        .order_by("member__real_name", "occurred_on", "pk")
    )


def open_appeals(review: PeriodReview) -> QuerySet[Appeal]:
    return Appeal.objects.filter(window__review=review, status=Appeal.Status.OPEN)


def period_ready_for_approval(review: PeriodReview, at: datetime.datetime | None = None) -> bool:
    """The window has closed and every appeal is settled."""
    at = at or timezone.now()
    return review.window.closes_at <= at and not open_appeals(review).exists()


def period_scores(review: PeriodReview) -> PeriodResult:
    period = Period(review.cycle, PeriodKind(review.period_kind), review.period_index)
    return branch_scores(review.branch, review.cycle, period)


def preview_rows(result: PeriodResult) -> list[dict[str, Any]]:
    """The computed scores with member names, for the secretary to check before 审定."""
    names = dict(
        Member.objects.filter(pk__in=[int(s.member) for s in result.scores]).values_list("pk", "real_name")
    )
    return [
        {
            "name": names.get(int(score.member), score.member),
            "member_type": score.member_type.value,
            "period_total": score.total,
            "period_rank": score.rank,
            "cycle_total": score.to_date.total,
            "cycle_rank": score.to_date.rank,
            "grade": score.to_date.grade or "",
            "veto": score.veto,
        }
        for score in result.scores
    ]


@transaction.atomic
def period_approve(*, review: PeriodReview, by: Any, activation: Any, note: str = "") -> PeriodApproval:
    """审定: compute the period's scores with the scoring core, freeze and rank them. Points count now."""
    _require_role(by, "approve_period", review.branch)
    review = PeriodReview.objects.select_for_update().get(pk=review.pk)
    if review.status not in (PeriodReview.Status.PUBLICITY, PeriodReview.Status.RETURNED):
        raise ValidationError(messages.PERIOD_ALREADY_APPROVED)
    if review.window.closes_at > timezone.now():
        closes = moment_text(review.window.closes_at)
        raise ValidationError(messages.WINDOW_STILL_OPEN % {"closes": closes})
    count = open_appeals(review).count()
    if count:
        raise ValidationError(messages.APPEALS_OPEN % {"count": count})
    from workflows.corrections import open_corrections

    count = open_corrections(review.branch, review.starts_on, review.ends_on).count()
    if count:  # the 支委会 decides them first: the frozen scores must agree with the ledger
        raise ValidationError(messages.CORRECTIONS_OPEN % {"count": count})
    result = period_scores(review)
    version = ruleset_version_current(ruleset_in_force(review.branch, review.cycle))
    try:
        with transaction.atomic():
            approval = PeriodApproval.objects.create(
                review=review,
                round=review.approvals.count() + 1,
                ruleset_version=version,
                approved_by=by,
                note=note,
            )
    except IntegrityError:
        raise ValidationError(messages.PERIOD_ALREADY_APPROVED) from None
    FrozenScore.objects.bulk_create(_frozen(approval, result))
    # 全委排名: once this completes the organization's period, a Celery task stores the ranking for the
    # year-end (reports.rankings.stored_period_ranks), which then reads its branch's rows only.
    transaction.on_commit(lambda: _ranking_store_enqueue(review.pk), robust=True)
    # 备案材料: the filing's PDF and Excel are made by a Celery task once this commits.
    filing_package_request(Filing.objects.create(approval=approval))
    review.status = PeriodReview.Status.APPROVED
    review.save(update_fields=["status"])
    audit_record(
        actor=by,
        action="period.approve",
        summary=f"{review.branch.name} {review.label} 积分审定（第{approval.round}次）",
        target=review,
        organization=review.branch,
        reason=note,
        data={"round": approval.round, "members": len(result.scores)},
    )
    activation.execute()
    return approval


def _ranking_store_enqueue(review_id: int) -> None:
    from reports.tasks import ranking_store_due  # the reports read the workflow's models

    ranking_store_due.delay(review_id)


def _frozen(approval: PeriodApproval, result: PeriodResult) -> list[FrozenScore]:
    rows = []
    for score in result.scores:
        rows.append(
            FrozenScore(
                approval=approval,
                member_id=int(score.member),
                period_total=score.total,
                period_rank=score.rank,
                cycle_total=score.to_date.total,
                cycle_rank=score.to_date.rank,
                grade=score.to_date.grade or "",
                breakdown={
                    "items": {code: str(value) for code, value in score.item_subtotals.items()},
                    "categories": {code: str(value) for code, value in score.category_subtotals.items()},
                    "veto": score.veto,
                    "reference_rank": score.reference_rank,
                    "cycle_reference_rank": score.to_date.reference_rank,
                },
            )
        )
    return rows


def _filing(review: PeriodReview) -> Filing:
    filing = Filing.objects.select_for_update().filter(approval__review=review).order_by("-approval__round")
    return filing.first()


def _branch_officers(branch: Organization) -> list[Any]:
    return role_holders(branch, RoleAssignment.Role.SECRETARY, RoleAssignment.Role.CLERK)


def _filing_decide(
    *, review: PeriodReview, by: Any, status: str, reason: str, action: str, summary: str
) -> Filing:
    """Record the higher committee's decision on the latest filing, once, and the review's new state."""
    _require_role(by, "review_filings", review.branch)
    filing = _filing(review)
    if filing is None or filing.status != Filing.Status.SUBMITTED:
        raise ValidationError(messages.FILING_ALREADY_DECIDED)
    filing.status, filing.decided_by, filing.decided_at, filing.reason = status, by, timezone.now(), reason
    filing.save()
    review.status = (
        PeriodReview.Status.ARCHIVED if status == Filing.Status.ARCHIVED else PeriodReview.Status.RETURNED
    )
    PeriodReview.objects.filter(pk=review.pk).update(status=review.status)
    audit_record(
        actor=by, action=action, summary=summary, target=review, organization=review.branch, reason=reason
    )
    return filing


@transaction.atomic
def filing_archive(*, review: PeriodReview, by: Any, activation: Any, note: str = "") -> Filing:
    """备案: the higher committee archives the approved period."""
    title = f"{review.branch.name} {review.label} 积分已备案"
    filing = _filing_decide(
        review=review,
        by=by,
        status=Filing.Status.ARCHIVED,
        reason=note,
        action="filing.archive",
        summary=title,
    )
    notify_many(
        _branch_officers(review.branch),
        kind="filing_archived",
        title=title,
        body=note,
        url=f"/me/publicity/{review.pk}/",
    )
    activation.execute()
    return filing


@transaction.atomic
def filing_return(*, review: PeriodReview, by: Any, reason: str, activation: Any) -> Filing:
    """退回: the higher committee sends the period back, with the reason; 审定 reopens."""
    if not reason.strip():
        raise ValidationError({"reason": [messages.FILING_REASON_REQUIRED]})
    title = f"{review.branch.name} {review.label} 备案被退回"
    filing = _filing_decide(
        review=review,
        by=by,
        status=Filing.Status.RETURNED,
        reason=reason,
        action="filing.return",
        summary=title,
    )
    notify_many(
        _branch_officers(review.branch),
        kind="filing_returned",
        title=title,
        body=f"退回原因：{reason}。请核实后重新审定。",
        url=f"/me/publicity/{review.pk}/",
    )
    activation.execute()
    return filing


def current_approval(review: PeriodReview) -> PeriodApproval | None:
    return review.approvals.order_by("-round").first()


def due_periods(*, today: datetime.date) -> list[tuple[Organization, Period]]:
    """Branches whose last ended period has no review yet (for the beat task).

    "Last ended" is the period before the one running today, not only one that ended yesterday: a
    night the job did not run, or a period left waiting for open claims, is picked up the next night.
    """
    due = []
    for branch in Organization.objects.filter(kind=Organization.Kind.BRANCH):
        settings = review_settings_for(branch)
        if not settings.auto_start:
            continue
        try:
            current = period_containing(branch, today)
            current_first, _ = current.bounds(cycle_rules(branch, current.cycle))
            period = period_containing(branch, current_first - timedelta(days=1))
            first, last = period.bounds(cycle_rules(branch, period.cycle))
        except ValidationError:
            continue  # no rule set in force: nothing to review
        if not PeriodReview.objects.filter(branch=branch, starts_on=first, ends_on=last).exists():
            due.append((branch, period))
    return due


def periods_autostart(*, today: datetime.date | None = None) -> int:
    """期末自动发起公示 (Celery beat): open 公示 for every branch whose period has ended.

    A period with claims still undecided waits for them; its clerks are told once per period (the
    notification's dedupe key), however often the job runs. Running twice starts nothing twice: the
    second run finds the review (and the database's unique key stops a concurrent one).
    """
    today = today or timezone.localdate()
    started = 0
    for branch, period in due_periods(today=today):
        try:
            period_start(branch=branch, period=period, by=None)
        except ValidationError as error:
            _tell_clerks_not_started(branch, period, error)
        else:
            started += 1
    return started


def _tell_clerks_not_started(branch: Organization, period: Period, error: ValidationError) -> None:
    first, last = period.bounds(cycle_rules(branch, period.cycle))
    if PeriodReview.objects.filter(branch=branch, starts_on=first, ends_on=last).exists():
        return  # another run started it meanwhile
    with transaction.atomic():
        notify_many(
            role_holders(branch, RoleAssignment.Role.CLERK),
            kind="publicity_waiting",
            title=f"{branch.name} {period.label()} 未能自动发起公示",
            body="；".join(error.messages) + " 处理完毕后请发起公示。",
            url="/workflow/queue/",
            dedupe_key=f"autostart:{branch.pk}:{period.cycle}:{period.kind.value}:{period.index}",
        )
