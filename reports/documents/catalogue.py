"""Which forms exist for a branch or a member in a year: the lists the 打印表格 and Excel pages offer.

Periods are offered once they have begun (a ledger of a running quarter prints as a 草稿); years are the
cycles a rule set is in force for, here or above, that have begun. The year-end forms are offered with
where the 民主评议 and the 年度总评 stand (:func:`year_end_of`): the 全年积分备案表 once the year is approved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Member, Organization
from scoring.core.periods import Period, PeriodKind
from scoring.models import RuleSet
from scoring.selectors import item_names, self_and_ancestors
from workflows.models import Claim, Filing, PeriodReview
from workflows.periods import cycle_rules
from yearend.models import AnnualReview, EvaluationSession
from yearend.standings import COUNTED_REVIEW_STATUSES

LEDGER_PERIODS = ((PeriodKind.CYCLE, 1), (PeriodKind.HALF, 2), (PeriodKind.QUARTER, 4))


@dataclass(frozen=True)
class PeriodChoice:
    period: Period
    first: datetime.date
    last: datetime.date

    @property
    def code(self) -> str:
        return self.period.code

    @property
    def label(self) -> str:
        return self.period.label()


def years_of(branch: Organization, today: datetime.date | None = None) -> list[int]:
    """The cycles with rules in force for the branch that have begun, newest first."""
    today = today or timezone.localdate()
    cycles = set(
        RuleSet.objects.filter(in_force=True, organization__in=self_and_ancestors(branch)).values_list(
            "cycle", flat=True
        )
    )
    return sorted((cycle for cycle in cycles if _begun(branch, cycle, today)), reverse=True)


def _begun(branch: Organization, cycle: int, today: datetime.date) -> bool:
    try:
        first, _ = Period(cycle, PeriodKind.CYCLE).bounds(cycle_rules(branch, cycle))
    except ValidationError:
        return False
    return first <= today


def periods_of(branch: Organization, year: int, today: datetime.date | None = None) -> list[PeriodChoice]:
    """The year, its halves and its quarters that have begun, in that order."""
    today = today or timezone.localdate()
    try:
        rules = cycle_rules(branch, year)
    except ValidationError:
        return []
    choices = []
    for kind, count in LEDGER_PERIODS:
        for index in range(1, count + 1):
            period = Period(year, kind, index)
            first, last = period.bounds(rules)
            if first <= today:
                choices.append(PeriodChoice(period, first, last))
    return choices


def quarters_of(branch: Organization, year: int) -> list[PeriodChoice]:
    return [choice for choice in periods_of(branch, year) if choice.period.kind is PeriodKind.QUARTER]


def reviews_of(branch: Organization, year: int) -> list[PeriodReview]:
    """The branch's periods of the year that went to 公示, with their filings (one per 审定 round)."""
    return list(
        PeriodReview.objects.filter(branch=branch, cycle=year)
        .prefetch_related("approvals__filing")
        .order_by("starts_on", "pk")
    )


def filings_of(review: PeriodReview) -> list[Filing]:
    return [approval.filing for approval in review.approvals.all() if hasattr(approval, "filing")]


def claims_of(member: Member, branch: Organization, year: int) -> list[tuple[Claim, str]]:
    """The member's claims (and what the branch recorded for them) in the year, newest first, with the
    item's name."""
    try:
        first, last = Period(year, PeriodKind.CYCLE).bounds(cycle_rules(branch, year))
    except ValidationError:
        return []
    claims = (
        Claim.objects.filter(member=member, occurred_on__range=(first, last))
        .select_related("ruleset_version")
        .order_by("-occurred_on", "-pk")
    )
    return [
        (claim, item_names(claim.ruleset_version).get(claim.item_code, claim.item_code)) for claim in claims
    ]


def year_asked(request, branch: Organization) -> tuple[int | None, list[int]]:
    """The year asked for (``?year=``) among the branch's years, else the newest one; and those years."""
    years = years_of(branch)
    asked = request.GET.get("year", "")
    if asked.isdigit() and int(asked) in years:
        return int(asked), years
    return (years[0] if years else None), years


@dataclass(frozen=True)
class YearEnd:
    """Where a branch's year-end stands, for the pages' links: its 民主评议 and 年度总评 (None until held)."""

    session: EvaluationSession | None
    review: AnnualReview | None
    has_evaluation: bool

    @property
    def approved(self) -> bool:
        """The year is approved (审定 or later): the 全年积分备案表 exists."""
        return self.review is not None and self.review.status in COUNTED_REVIEW_STATUSES


def year_end_of(branch: Organization, year: int) -> YearEnd:
    try:
        has_evaluation = cycle_rules(branch, year).evaluation is not None
    except ValidationError:
        has_evaluation = False
    return YearEnd(
        session=EvaluationSession.objects.filter(branch=branch, cycle=year).first(),
        review=AnnualReview.objects.filter(branch=branch, cycle=year).first(),
        has_evaluation=has_evaluation,
    )
