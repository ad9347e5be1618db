"""党员积分手册: a member's year on one page, like the paper booklet — month by month, every entry of the
ledger (台账) with its points, the month's subtotal and the running total (累计).

The figures are the ledger's own (``reports.ledgers.member_ledger``): a month's subtotal is the scoring
core's month, after frequency limits and caps, so the running total at the end of the year plus what acts
on the total (a veto, the floor) is the year's 年度积分, exactly as on the 党员积分量化管理台账. The rules'
automatic base points (基础分（自然获得）) open the booklet, so the running total reads as the member's
standing. The entries are shown as recorded, each marked 已审定 (inside a period whose latest 审定 counts)
or 待审定; a 冲正 is shown as such and the entry it cancels is struck through, never hidden (the ledger is
append-only).

Queries do not grow with the entries: one for the entries (their reversal, rule version and recorder
joined), one per distinct rule-set version for the item names, and the ledger's per-month scoring.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Member, Organization
from reports.ledgers import Adjustment, ApprovalInfo, MemberLedger, MonthRow, member_ledger
from reports.year_end import YearEndFigures
from scoring.core.periods import Period, PeriodKind
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.core.ruleset import fmt_signed
from scoring.models import LedgerEntry, RuleSetVersion
from scoring.selectors import effective_ruleset
from workflows.periods import cycle_rules

ZERO = Decimal(0)
GRANTED_BASE = "基础分（自然获得）"

APPROVED = "已审定"
PENDING = "待审定"


@dataclass(frozen=True)
class HandbookEntry:
    """One line of the booklet: a ledger entry as recorded."""

    pk: int
    occurred_on: datetime.date
    item_name: str
    points: Decimal
    source: str  # 申报 / 登记 / 申诉更正 / 导入 / 冲正
    reason: str
    approved: bool
    reversal: bool  # a 冲正 entry, cancelling ``note``'s entry
    reversed: bool  # cancelled by a later 冲正: shown struck through
    note: str

    @property
    def state(self) -> str:
        return APPROVED if self.approved else PENDING


@dataclass(frozen=True)
class HandbookMonth:
    """One month of the booklet: its entries, its subtotal (the core's) and the running total after it."""

    year: int
    month: int
    entries: tuple[HandbookEntry, ...]
    row: MonthRow
    running: Decimal
    approved: bool
    future: bool = False  # the month has not begun: nothing to approve yet

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def subtotal(self) -> Decimal:
        return self.row.subtotal

    @property
    def state(self) -> str:
        return APPROVED if self.approved else PENDING

    @property
    def entries_sum(self) -> Decimal:
        return sum((entry.points for entry in self.entries), ZERO)

    @property
    def capped(self) -> bool:
        """The month's subtotal is not what its entries add up to: limits or caps cut it."""
        return self.entries_sum != self.subtotal


@dataclass
class Handbook:
    """党员积分手册 of one member for one cycle."""

    member: Member
    year: int
    branch: Organization
    opening: Decimal  # 基础分（自然获得）
    months: list[HandbookMonth]
    adjustments: list[Adjustment]  # what acts on the total after the months (veto, floor, …)
    total: Decimal  # 年度积分, as on the ledger
    approved_points: Decimal  # the months already approved, added up
    pending_points: Decimal  # the months still pending, added up
    approvals: list[ApprovalInfo]
    draft: bool
    year_end: YearEndFigures
    rules: CoreRuleSet = field(repr=False)
    ledger: MemberLedger = field(repr=False)

    @property
    def entry_count(self) -> int:
        return sum(len(month.entries) for month in self.months)


def handbook_of(member: Member, year: int, today: datetime.date | None = None) -> Handbook:
    """The booklet of ``member`` for cycle ``year`` (``ValidationError`` when the year has no rules)."""
    today = today or timezone.localdate()
    rules = cycle_rules(member.branch, year)
    first, last = Period(year, PeriodKind.CYCLE).bounds(rules)
    ledger = member_ledger(member, year)
    reviews = [info.approval.review for info in ledger.approvals]
    entries = handbook_entries(_entries_of(member, first, last), reviews)
    by_month: dict[tuple[int, int], list[HandbookEntry]] = {}
    for entry in entries:
        by_month.setdefault((entry.occurred_on.year, entry.occurred_on.month), []).append(entry)
    opening = ledger.granted_base
    running = opening
    months = []
    for row in ledger.months:
        running += row.subtotal
        months.append(
            HandbookMonth(
                year=row.year,
                month=row.month,
                entries=tuple(by_month.get((row.year, row.month), ())),
                row=row,
                running=running,
                approved=_month_approved(row, member.branch, reviews),
                future=datetime.date(row.year, row.month, 1) > today,
            )
        )
    adjustments = [a for a in ledger.adjustments if a.label != GRANTED_BASE]
    return Handbook(
        member=member,
        year=year,
        branch=ledger.branch,
        opening=opening,
        months=months,
        adjustments=adjustments,
        total=ledger.total,
        approved_points=sum((m.subtotal for m in months if m.approved), ZERO),
        pending_points=sum((m.subtotal for m in months if not m.approved), ZERO),
        approvals=ledger.approvals,
        draft=ledger.draft,
        year_end=ledger.year_end,
        rules=rules,
        ledger=ledger,
    )


def _entries_of(member: Member, first: datetime.date, last: datetime.date) -> list[LedgerEntry]:
    """Every entry of the member in the cycle, reversals and reversed ones included, oldest first."""
    return list(
        LedgerEntry.objects.filter(member=member, occurred_on__range=(first, last))
        .select_related("reverses", "reversed_by")
        .order_by("occurred_on", "pk")
    )


def handbook_entries(entries: Sequence[LedgerEntry], reviews: Iterable) -> list[HandbookEntry]:
    """The booklet's lines for ``entries``; ``reviews`` are the counted periods (审定) of the ledger."""
    reviews = list(reviews)
    rules = _rules_of({entry.ruleset_version_id for entry in entries})
    lines = []
    for entry in entries:
        item = rules[entry.ruleset_version_id].item(entry.item_code)
        reversed_by = getattr(entry, "reversed_by", None)
        note = ""
        if entry.reverses is not None:
            note = f"冲正 {_day(entry.reverses.occurred_on)} 的记录（{fmt_signed(entry.reverses.points)} 分）"
        elif reversed_by is not None:
            note = "已冲正"
        lines.append(
            HandbookEntry(
                pk=entry.pk,
                occurred_on=entry.occurred_on,
                item_name=item.name if item else entry.item_code,
                points=entry.points,
                source=entry.get_source_display(),
                reason=entry.reason,
                approved=_covered(entry.branch_id, entry.occurred_on, reviews),
                reversal=entry.reverses is not None,
                reversed=reversed_by is not None,
                note=note,
            )
        )
    return lines


def _rules_of(version_ids: set[int]) -> dict[int, CoreRuleSet]:
    versions = RuleSetVersion.objects.in_bulk(version_ids)
    return {pk: effective_ruleset(version) for pk, version in versions.items()}


def _covered(branch_id: int, day: datetime.date, reviews: Sequence) -> bool:
    return any(r.branch_id == branch_id and r.starts_on <= day <= r.ends_on for r in reviews)


def _month_approved(row: MonthRow, branch: Organization, reviews: Sequence) -> bool:
    first = datetime.date(row.year, row.month, 1)
    return any(r.branch_id == branch.pk and r.starts_on <= first <= r.ends_on for r in reviews)


def _day(value: datetime.date) -> str:
    return date_format(value, "MONTH_DAY_FORMAT")
