"""Ledger data (台账数据) for every printed form and exported sheet — data only, no rendering.

- :func:`member_ledger` — 党员积分量化管理台账: one member, one cycle, months 1–12 ×
  基础分 / 加分项 / 扣分事项 / 本月小计, the year's total;
- :func:`branch_ledger` — the branch ledger: every member × the same columns over the months of a period;
- :func:`quarter_detail` — 党员季度积分明细登记表: every entry of one member in a period;
- :func:`filing_sheet` — 党员半年/全年积分备案表: the frozen scores of one filing (备案).

Every figure is the scoring core's (``scoring.selectors.branch_scores``), never arithmetic on raw points:
a month is the core's *month period* — the increment of the cycle-to-date score, after frequency limits,
item caps and category caps — so the months of a period add up exactly to the period's score, which is what
审定 froze (``FrozenScore.period_total``). Reversed entries are left out as the scores leave them out
(``scoring.selectors.ledger_net``). Months inside an approved period are computed under the rule-set version
that approval used, so an approved period is never re-priced by a later edit of the rules.

Which column a point goes to is read from the rule set: an item that can only take points away (its
highest value is ≤ 0, veto items included) is a 扣分事项; an item that adds points goes where its
category's ``kind`` (base / bonus / deduction) says — or, for a category without one, 基础分 when the
category is named 基础… (基础分 / 基础积分) and 加分项 otherwise.
A category cap that cuts a month's points is booked in the column whose points it cut. Automatic base
points, the floor and a veto act on the cycle total, not on a month: they are ``Adjustment`` lines under the
months, so that months + adjustments = total (年度积分), always. In-year figures are points only (the core
weighs no 民主评议 that has not happened); the year's 民主评议积分, 上年结转 and 年度总分 are the approved
年度总评's (``reports.year_end``), printed under the total — or 待民主评议 / 待年度总评 until they exist.
The 等次 of an in-year total is printed only where the rules grade the points alone (no 民主评议): under
rules with one, the grade is the year's, set by the committee at 年度总评.

``draft`` is True unless every month covered is in a period whose latest 审定 counts (审定 or 已备案; a filing
sent back reopens 审定, and a re-approval supersedes the earlier round).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.db.models import Q

from accounts.models import BranchMembership, Member, Organization
from reports.year_end import YearEndFigures, branch_year_end, member_year_end, pending
from scoring.core.engine import PeriodResult, PeriodScore
from scoring.core.periods import Period, PeriodKind, parse_period
from scoring.core.ruleset import CategoryKind, Item
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.models import LedgerEntry, RuleSetVersion
from scoring.selectors import branch_scores, effective_ruleset, ledger_net
from workflows.execution import holder_name
from workflows.models import Filing, FrozenScore, PeriodApproval, PeriodReview
from workflows.periods import cycle_rules

ZERO = Decimal(0)

# The periods whose latest approval counts (the same rule as 我的积分: workflows.member_selectors).
COUNTED_STATUSES = (PeriodReview.Status.APPROVED, PeriodReview.Status.ARCHIVED)
BASE_CATEGORY_MARK = "基础"


class Column(StrEnum):
    """The ledger's columns (台账栏目)."""

    BASE = "base"  # 基础分
    BONUS = "bonus"  # 加分项
    DEDUCTION = "deduction"  # 扣分事项

    @property
    def label(self) -> str:
        return COLUMN_LABELS[self]


COLUMN_LABELS = {Column.BASE: "基础分", Column.BONUS: "加分项", Column.DEDUCTION: "扣分事项"}


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class MonthRow:
    """One month of a ledger (台账月度行). ``deductions`` is the points taken away, as a positive number:
    ``subtotal`` (本月小计) = base + bonus − deductions."""

    month: int  # the calendar month, 1–12
    base: Decimal
    bonus: Decimal
    deductions: Decimal
    subtotal: Decimal
    year: int = 0  # the calendar year of the month (a December–November cycle starts in the year before)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


@dataclass(frozen=True)
class Adjustment:
    """A line between the months and the total: what acts on the total, not on a month."""

    label: str
    points: Decimal


@dataclass(frozen=True)
class ApprovalInfo:
    """审定: who approved a period of the ledger, and when (the latest round of the period)."""

    period_label: str
    round: int
    approved_by: str
    approved_at: datetime.datetime
    filing_status: str  # 待备案 / 已备案 / 已退回
    approval: PeriodApproval

    def __str__(self) -> str:
        return f"{self.period_label} 第{self.round}次审定：{self.approved_by}"


class _MonthColumnTotals:
    """The 基础分 / 加分项 / 扣分事项 columns added up over ``months``."""

    months: list[MonthRow]

    @property
    def base(self) -> Decimal:
        return sum((row.base for row in self.months), ZERO)

    @property
    def bonus(self) -> Decimal:
        return sum((row.bonus for row in self.months), ZERO)

    @property
    def deductions(self) -> Decimal:
        return sum((row.deductions for row in self.months), ZERO)


@dataclass
class MemberLedger(_MonthColumnTotals):
    """党员积分量化管理台账: one member's cycle, month by month."""

    member: Member
    year: int
    branch: Organization
    months: list[MonthRow]
    points: Decimal  # the months added up (本年各月小计合计)
    adjustments: list[Adjustment]
    total: Decimal  # 年度积分: the core's in-year total (points only, before the 民主评议)
    grade: str  # the in-year total's 等次, only where the rules have no 民主评议
    approvals: list[ApprovalInfo]
    draft: bool
    year_end: YearEndFigures  # 民主评议积分, 上年结转, 年度总分 — approved, or pending
    granted_base: Decimal = ZERO  # 基础分（自然获得）: the rules' automatic base points (in the adjustments)


@dataclass
class BranchLedgerRow(_MonthColumnTotals):
    """One member's line of the branch ledger."""

    member: Member
    months: list[MonthRow]
    points: Decimal  # the months added up
    total: Decimal  # 本期积分 (0 after a veto), as frozen in FrozenScore.period_total
    cycle_total: Decimal  # 年度累计积分 at the period's end, as FrozenScore.cycle_total
    rank: int | None
    reference_rank: int | None  # 发展对象 / 入党积极分子: ranked for reference only
    grade: str  # the in-year total's 等次, only where the rules have no 民主评议
    veto: bool
    year_end: YearEndFigures | None = None  # the whole cycle's ledger only
    granted_base: Decimal = (
        ZERO  # 基础分（自然获得） in the year to date (in ``cycle_total``, not in ``total``)
    )


@dataclass
class BranchLedger:
    """The branch ledger (支部积分台账): all members × the months of a period."""

    branch: Organization
    period: Period
    month_labels: list[str]
    rows: list[BranchLedgerRow]
    exempt: list[Member]  # 经批准免于积分: listed, not scored
    approvals: list[ApprovalInfo]
    draft: bool
    year_end: bool = False  # the whole cycle: the rows carry 民主评议积分 and 年度总分
    has_evaluation: bool = False

    @property
    def base(self) -> Decimal:
        return sum((row.base for row in self.rows), ZERO)

    @property
    def bonus(self) -> Decimal:
        return sum((row.bonus for row in self.rows), ZERO)

    @property
    def deductions(self) -> Decimal:
        return sum((row.deductions for row in self.rows), ZERO)

    @property
    def points(self) -> Decimal:
        return sum((row.points for row in self.rows), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), ZERO)


@dataclass(frozen=True)
class DetailEntry:
    """One ledger entry on the 明细登记表."""

    occurred_on: datetime.date
    item_code: str
    item_name: str
    category: str
    column: Column
    points: Decimal
    reason: str
    source: str  # 申报 / 登记 / 申诉更正 / 导入
    counted: bool  # False: past the item's frequency limit, so it earns nothing
    note: str  # why it is not counted
    entry: LedgerEntry


@dataclass
class QuarterDetail:
    """党员季度积分明细登记表 (any period, a quarter by default): every entry and the period's total."""

    member: Member
    period: Period
    branch: Organization
    entries: list[DetailEntry]
    entries_total: Decimal  # the counted entries' points added up
    adjustments: list[Adjustment]  # caps and veto, so that entries_total + adjustments = total
    total: Decimal  # 本期积分, as frozen in FrozenScore.period_total
    approvals: list[ApprovalInfo]
    draft: bool


@dataclass(frozen=True)
class FilingRow:
    """One member on the 备案表, as frozen by the filing's approval."""

    member: Member
    kind: str  # 正式党员 / 预备党员 / 发展对象 / 入党积极分子
    base: Decimal
    bonus: Decimal
    deductions: Decimal  # points taken away, as a positive number (as on the ledger)
    period_total: Decimal
    period_rank: int | None
    cycle_total: Decimal
    cycle_rank: int | None
    reference_rank: int | None
    grade: str
    veto: bool


@dataclass
class FilingSheet:
    """党员半年积分备案表 / 党员全年积分备案表 (or the quarter's): the frozen scores of one filing."""

    filing: Filing
    branch: Organization
    period: Period
    title: str
    rows: list[FilingRow]
    approval: ApprovalInfo

    @property
    def period_total(self) -> Decimal:
        return sum((row.period_total for row in self.rows), ZERO)


# ---------------------------------------------------------------- columns from the rule set


def item_column(rules: CoreRuleSet, item: Item) -> Column:
    """基础分 / 加分项 / 扣分事项 for an item, from the rule set's data: an item that can only take points
    away is a deduction; otherwise its category's ``kind`` says; a category without one is read by
    its name (基础… is 基础分), for rule sets written before categories had a kind."""
    if item.highest <= 0:
        return Column.DEDUCTION
    category = rules.category(item.category) if item.category else None
    if category is not None and category.kind is not None:
        return Column(category.kind.value)
    return Column.BASE if is_base_category(rules, item.category) else Column.BONUS


def is_base_category(rules: CoreRuleSet, code: str | None) -> bool:
    category = rules.category(code) if code else None
    if category is not None and category.kind is not None:
        return category.kind is CategoryKind.BASE
    return category is not None and BASE_CATEGORY_MARK in category.name


def columns_of(
    rules: CoreRuleSet, item_subtotals: Mapping[str, Decimal], category_subtotals: Mapping[str, Decimal]
) -> dict[Column, Decimal]:
    """A score's points split into the three columns; they add up to the score's items total
    (the categories' capped subtotals plus the items without a category)."""
    amounts = {column: ZERO for column in Column}
    in_category: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    for code, points in item_subtotals.items():
        item = rules.item(code)
        if item is None:
            continue
        amounts[item_column(rules, item)] += points
        if item.category:
            in_category[item.category] += points
    for code, points in category_subtotals.items():
        cut = points - in_category[code]  # what the category's cap took away (or gave back)
        if cut > 0:
            amounts[Column.DEDUCTION] += cut
        elif cut < 0:
            amounts[Column.BASE if is_base_category(rules, code) else Column.BONUS] += cut
    return amounts


def _month_row(day: datetime.date, amounts: dict[Column, Decimal]) -> MonthRow:
    base, bonus, taken = amounts[Column.BASE], amounts[Column.BONUS], -amounts[Column.DEDUCTION]
    return MonthRow(day.month, base, bonus, taken, base + bonus - taken, day.year)


# ---------------------------------------------------------------- approvals


def _latest_approvals(reviews: Iterable[PeriodReview]) -> list[PeriodApproval]:
    latest = []
    for review in reviews:
        approval = max(review.approvals.all(), key=lambda a: a.round, default=None)
        if approval is not None:
            latest.append(approval)
    return latest


def counted_approvals(
    branch: Organization, first: datetime.date, last: datetime.date
) -> list[PeriodApproval]:
    """The latest approval of every counted period of ``branch`` overlapping [first, last], oldest first."""
    reviews = (
        PeriodReview.objects.filter(
            branch=branch, status__in=COUNTED_STATUSES, starts_on__lte=last, ends_on__gte=first
        )
        .prefetch_related("approvals__approved_by", "approvals__filing")
        .order_by("starts_on", "pk")
    )
    return _latest_approvals(reviews)


def approval_info(approval: PeriodApproval) -> ApprovalInfo:
    filing = getattr(approval, "filing", None)
    return ApprovalInfo(
        period_label=approval.review.label,
        round=approval.round,
        approved_by=holder_name(approval.approved_by),
        approved_at=approval.approved_at,
        filing_status=filing.get_status_display() if filing else "",
        approval=approval,
    )


def _covering(approvals: Sequence[PeriodApproval], first: datetime.date, last: datetime.date):
    return next(
        (a for a in approvals if a.review.starts_on <= first and a.review.ends_on >= last),
        None,
    )


# ---------------------------------------------------------------- the core, month by month


@dataclass
class _BranchMonths:
    """A branch's month periods of one cycle, each under the version that approved it (else the current)."""

    branch: Organization
    cycle: int
    rules: CoreRuleSet  # the rules in force (they fix the cycle's first month)
    approvals: list[PeriodApproval]
    _results: dict[int, PeriodResult] = field(default_factory=dict)

    @classmethod
    def of(cls, branch: Organization, cycle: int) -> _BranchMonths:
        rules = cycle_rules(branch, cycle)
        first, last = Period(cycle, PeriodKind.CYCLE).bounds(rules)
        return cls(branch, cycle, rules, counted_approvals(branch, first, last))

    def month(self, index: int) -> Period:
        return Period(self.cycle, PeriodKind.MONTH, index)

    def approval_of(self, index: int) -> PeriodApproval | None:
        return _covering(self.approvals, *self.month(index).bounds(self.rules))

    def version_of(self, index: int) -> RuleSetVersion | None:
        approval = self.approval_of(index)
        return approval.ruleset_version if approval else None

    def result(self, index: int) -> PeriodResult:
        if index not in self._results:
            self._results[index] = branch_scores(  # type: ignore[assignment]
                self.branch, self.cycle, self.month(index), version=self.version_of(index)
            )
        return self._results[index]

    def rules_of(self, index: int) -> CoreRuleSet:
        version = self.version_of(index)
        return effective_ruleset(version) if version else self.rules

    def row(self, index: int, member: Member) -> tuple[MonthRow, PeriodScore | None]:
        first, _ = self.month(index).bounds(self.rules)
        score = _score_of(self.result(index), member)
        if score is None:
            return _month_row(first, {column: ZERO for column in Column}), None
        columns = columns_of(self.rules_of(index), score.item_subtotals, score.category_subtotals)
        return _month_row(first, columns), score

    def covered(self, indexes: Iterable[int]) -> bool:
        return all(self.approval_of(index) is not None for index in indexes)


def _score_of(result: PeriodResult, member: Member) -> PeriodScore | None:
    try:
        return result[str(member.pk)]
    except KeyError:
        return None  # exempt, or not in the branch in that cycle


def _month_indexes(period: Period) -> range:
    return range(period.first_month, period.last_month + 1)


def member_branches(member: Member, first: datetime.date, last: datetime.date) -> list[Organization]:
    """The branches ``member`` was scored in between ``first`` and ``last``: spells there, or entries."""
    spells = BranchMembership.objects.filter(member=member, start__lte=last).filter(
        Q(end__isnull=True) | Q(end__gt=first)
    )
    entries = LedgerEntry.objects.filter(member=member, occurred_on__range=(first, last))
    # A UNION, not "in this OR in that": the OR scans every organization of the province.
    either = spells.order_by().values("branch_id").union(entries.order_by().values("branch_id"))
    branches = Organization.objects.filter(pk__in=either).order_by("path")
    return list(branches) or [member.branch]


def _total_adjustments(rules: CoreRuleSet, scores: Sequence[PeriodScore]) -> list[Adjustment]:
    """What acts on the cycle total after the items, summed over the branches the member was in."""
    lines: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for score in scores:
        to_date = score.to_date
        lines["基础分（自然获得）"] += to_date.base
        lines["上年积分结转"] += to_date.carry_over
        lines[_after_points_label(rules, to_date.veto)] += to_date.total - to_date.points
    return [Adjustment(label, points) for label, points in lines.items() if points]


def _after_points_label(rules: CoreRuleSet, veto: bool) -> str:
    """The line for what the floor or a veto did to the in-year total (the ledgers never pass a 民主评议:
    it is the year's, printed from the approved 年度总评)."""
    return "一票否决（积分清零）" if veto else "保底分"


def in_year_grade(rules: CoreRuleSet, grade: str | None) -> str:
    """The 等次 of an in-year total: the rules' own only where they grade the points alone."""
    return (grade or "") if rules.evaluation is None else ""


# ---------------------------------------------------------------- the three ledgers


def member_ledger(member: Member, year: int) -> MemberLedger:
    """党员积分量化管理台账 of ``member`` for cycle ``year``."""
    first, last = Period(year, PeriodKind.CYCLE).bounds(cycle_rules(member.branch, year))
    branches = member_branches(member, first, last)
    per_branch = [_BranchMonths.of(branch, year) for branch in branches]
    months: list[MonthRow] = []
    for index in range(1, 13):
        rows = [months_of.row(index, member)[0] for months_of in per_branch]
        months.append(_sum_rows(rows))
    last_scores = [s for s in (_score_of(m.result(12), member) for m in per_branch) if s is not None]
    adjustments = _total_adjustments(per_branch[-1].rules_of(12), last_scores)
    points = sum((row.subtotal for row in months), ZERO)
    total = sum((score.to_date.total for score in last_scores), ZERO)
    residue = total - points - sum((a.points for a in adjustments), ZERO)
    if residue:  # months computed under different versions of the rules
        adjustments.append(Adjustment("细则版本调整", residue))
    approvals = [approval_info(a) for months_of in per_branch for a in months_of.approvals]
    rules = per_branch[-1].rules
    grades = [in_year_grade(rules, score.to_date.grade) for score in last_scores]
    grades = [grade for grade in grades if grade]
    return MemberLedger(
        member=member,
        year=year,
        branch=branches[-1],
        months=months,
        points=points,
        adjustments=adjustments,
        total=total,
        grade=grades[-1] if grades else "",
        approvals=approvals,
        draft=not all(months_of.covered(range(1, 13)) for months_of in per_branch),
        year_end=member_year_end(member, year, rules),
        granted_base=sum((score.to_date.base for score in last_scores), ZERO),
    )


def _sum_rows(rows: Sequence[MonthRow]) -> MonthRow:
    first = rows[0]
    return MonthRow(
        first.month,
        sum((r.base for r in rows), ZERO),
        sum((r.bonus for r in rows), ZERO),
        sum((r.deductions for r in rows), ZERO),
        sum((r.subtotal for r in rows), ZERO),
        first.year,
    )


def branch_ledger(branch: Organization, period_code: str) -> BranchLedger:
    """The branch ledger for a period (``2026``, ``2026-H1``, ``2026-Q3``, ``2026-M07``)."""
    period = parse_period(period_code)
    months_of = _BranchMonths.of(branch, period.cycle)
    period_result: PeriodResult = branch_scores(  # type: ignore[assignment]
        branch, period.cycle, period, version=_period_version(months_of, period)
    )
    members = Member.objects.in_bulk([int(score.member) for score in period_result.scores])
    whole_cycle = period.kind is PeriodKind.CYCLE
    rules = months_of.rules
    year_end = branch_year_end(branch, period.cycle, rules) if whole_cycle else {}
    rows = []
    for score in period_result.scores:
        member = members[int(score.member)]
        month_rows = [months_of.row(index, member)[0] for index in _month_indexes(period)]
        rows.append(
            BranchLedgerRow(
                member=member,
                months=month_rows,
                points=sum((row.subtotal for row in month_rows), ZERO),
                total=score.total,
                cycle_total=score.to_date.total,
                rank=score.rank,
                reference_rank=score.reference_rank,
                grade=in_year_grade(rules, score.to_date.grade),
                veto=score.veto,
                year_end=year_end.get(member.pk, pending(rules)) if whole_cycle else None,
                granted_base=score.to_date.base,
            )
        )
    first, last = period.bounds(months_of.rules)
    return BranchLedger(
        branch=branch,
        period=period,
        month_labels=[
            _month_row(months_of.month(i).bounds(months_of.rules)[0], _zero_columns()).label
            for i in _month_indexes(period)
        ],
        rows=rows,
        exempt=list(Member.objects.filter(pk__in=[int(pk) for pk in period_result.exempt])),
        approvals=[approval_info(a) for a in counted_approvals(branch, first, last)],
        draft=not months_of.covered(_month_indexes(period)),
        year_end=whole_cycle,
        has_evaluation=rules.evaluation is not None,
    )


def _zero_columns() -> dict[Column, Decimal]:
    return {column: ZERO for column in Column}


def _period_version(months_of: _BranchMonths, period: Period) -> RuleSetVersion | None:
    """The version that approved the whole period, if one did (else the current rules)."""
    first, last = period.bounds(months_of.rules)
    approval = _covering(months_of.approvals, first, last)
    return approval.ruleset_version if approval else None


def quarter_detail(member: Member, period_code: str) -> QuarterDetail:
    """党员季度积分明细登记表 of ``member`` for a period (a quarter, or any other period code)."""
    period = parse_period(period_code)
    first, last = period.bounds(cycle_rules(member.branch, period.cycle))
    branches = member_branches(member, first, last)
    scores: list[PeriodScore] = []
    approvals: list[PeriodApproval] = []
    draft = False
    for branch in branches:
        months_of = _BranchMonths.of(branch, period.cycle)
        version = _period_version(months_of, period)
        result: PeriodResult = branch_scores(  # type: ignore[assignment]
            branch, period.cycle, period, version=version
        )
        score = _score_of(result, member)
        if score is not None:
            scores.append(score)
        approvals += counted_approvals(branch, first, last)
        draft = draft or not months_of.covered(_month_indexes(period))
    dropped = {d.event.ref: d.reason for score in scores for d in score.dropped}
    entries = [_detail_entry(entry, dropped) for entry in _entries_of(member, first, last)]
    entries_total = sum((e.points for e in entries if e.counted), ZERO)
    points = sum((score.points for score in scores), ZERO)
    total = sum((score.total for score in scores), ZERO)
    adjustments = [
        Adjustment(label, value)
        for label, value in (
            ("超出封顶部分不计分", points - entries_total),
            ("一票否决（积分清零）", total - points),
        )
        if value
    ]
    return QuarterDetail(
        member=member,
        period=period,
        branch=branches[-1],
        entries=entries,
        entries_total=entries_total,
        adjustments=adjustments,
        total=total,
        approvals=[approval_info(a) for a in approvals],
        draft=draft,
    )


def _entries_of(member: Member, first: datetime.date, last: datetime.date) -> list[LedgerEntry]:
    entries = ledger_net(LedgerEntry.objects.filter(member=member, occurred_on__range=(first, last)))
    return list(entries.select_related("ruleset_version").order_by("occurred_on", "pk"))


def _detail_entry(entry: LedgerEntry, dropped: dict[str, str]) -> DetailEntry:
    rules = effective_ruleset(entry.ruleset_version)
    item = rules.item(entry.item_code)
    category = rules.category(item.category) if item and item.category else None
    note = dropped.get(str(entry.pk), "")
    return DetailEntry(
        occurred_on=entry.occurred_on,
        item_code=entry.item_code,
        item_name=item.name if item else entry.item_code,
        category=category.name if category else "",
        column=item_column(rules, item) if item else (Column.DEDUCTION if entry.points < 0 else Column.BONUS),
        points=entry.points,
        reason=entry.reason,
        source=entry.get_source_display(),
        counted=not note,
        note=note,
        entry=entry,
    )


# ---------------------------------------------------------------- the filing (备案表)

FILING_TITLES = {
    PeriodKind.HALF: "党员半年积分备案表",
    PeriodKind.CYCLE: "党员全年积分备案表",
    PeriodKind.QUARTER: "党员季度积分备案表",
    PeriodKind.MONTH: "党员月度积分备案表",
}


def filing_sheet(filing: Filing) -> FilingSheet:
    """The 备案表 of a filing: its approval's frozen scores, ranked members first, by column."""
    approval = filing.approval
    review = approval.review
    period = Period(review.cycle, PeriodKind(review.period_kind), review.period_index)
    rules = effective_ruleset(approval.ruleset_version)
    rows = [_filing_row(rules, score) for score in approval.scores.select_related("member")]
    rows.sort(key=_filing_order)
    return FilingSheet(
        filing=filing,
        branch=review.branch,
        period=period,
        title=FILING_TITLES[period.kind],
        rows=rows,
        approval=approval_info(approval),
    )


def _filing_row(rules: CoreRuleSet, score: FrozenScore) -> FilingRow:
    breakdown = score.breakdown or {}
    items = {code: Decimal(value) for code, value in breakdown.get("items", {}).items()}
    categories = {code: Decimal(value) for code, value in breakdown.get("categories", {}).items()}
    columns = columns_of(rules, items, categories)
    return FilingRow(
        member=score.member,
        kind=score.member.get_kind_display(),
        base=columns[Column.BASE],
        bonus=columns[Column.BONUS],
        deductions=-columns[Column.DEDUCTION],
        period_total=score.period_total,
        period_rank=score.period_rank,
        cycle_total=score.cycle_total,
        cycle_rank=score.cycle_rank,
        reference_rank=breakdown.get("reference_rank"),
        grade=in_year_grade(rules, score.grade),
        veto=bool(breakdown.get("veto")),
    )


def _filing_order(row: FilingRow) -> tuple[int, int, str]:
    if row.period_rank is not None:
        return (0, row.period_rank, row.member.real_name)
    return (1 if row.reference_rank is not None else 2, row.reference_rank or 0, row.member.real_name)
