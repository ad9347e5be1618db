"""待认领 / 待办 rows: what a reviewer decides on, read for a whole page of tasks at once.

Each row says who (党员), what (积分项目 by name), how much (申报分值 / the item's range), when (发生日期),
the evidence, how long the task has waited, and the warnings a reviewer must weigh: the same photo
used for another claim (证明材料重复) and the member's standing for the item this cycle (已达上限,
超过频次). A page is read in a fixed number of queries however many rows it has: the processes with
their records, their evidence, the duplicate hashes and the members' ledger standings, one query each.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from scoring.core.periods import month_in_cycle
from scoring.core.ruleset import Item, LimitPer, RuleSet, fmt
from scoring.models import LedgerEntry, RuleSetVersion
from scoring.selectors import effective_ruleset, ledger_net
from workflows.models import BranchProcess, Claim, Evidence

# Content types a browser shows as an image (HEIC is not one of them: it is offered as a link).
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
LIMIT_WINDOWS = {LimitPer.MONTH: "月", LimitPer.QUARTER: "季度", LimitPer.YEAR: "年"}


@dataclass(frozen=True)
class Standing:
    """The member's standing for one item in the claim's cycle (本周期该项目已计): the counted ledger
    entries, their total, and the ones in the limit's window (this month/quarter/year)."""

    item: Item | None
    count: int = 0
    total: Decimal = Decimal(0)
    in_window: int = 0

    @property
    def cap_reached(self) -> bool:
        """已达上限: the item's cap is used up, so one more occurrence adds nothing."""
        cap = self.item.cap if self.item else None
        return cap is not None and abs(self.total) >= cap

    @property
    def limit_reached(self) -> bool:
        """超过频次: the frequency limit's window already holds as many occurrences as count."""
        limit = self.item.limit if self.item else None
        return limit is not None and self.in_window >= limit.times

    @property
    def text(self) -> str:
        """``本周期已计 2 次，共 4 分；上限 6 分；每季度限 1 次（本季度已 1 次）``."""
        parts = [
            _("本周期已计 %(count)s 次，共 %(total)s 分") % {"count": self.count, "total": fmt(self.total)}
        ]
        if self.item is not None and self.item.cap is not None:
            parts.append(_("上限 %(cap)s 分") % {"cap": fmt(self.item.cap)})
        if self.item is not None and self.item.limit is not None:
            window = LIMIT_WINDOWS[self.item.limit.per]
            parts.append(
                _("每%(window)s限 %(times)s 次（本%(window)s已 %(count)s 次）")
                % {"window": window, "times": self.item.limit.times, "count": self.in_window}
            )
        return "；".join(parts)


@dataclass
class TaskRow:
    """One task of the list, as a reviewer reads it."""

    task: Task
    member: str = ""
    item: str = ""
    points: str = ""
    occurred_on: datetime.date | None = None
    evidence: list[Evidence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    standing: Standing | None = None

    @property
    def days_waiting(self) -> int:
        """等待天数: whole days since the task was created, by the local calendar."""
        return (timezone.localdate() - timezone.localtime(self.task.created).date()).days


def points_text(item: Item | None, requested: Decimal | None) -> str:
    """``3 / 2～5`` for a range item (requested / range), ``1`` for a fixed one; what is known otherwise."""
    if item is None:
        return fmt(requested) if requested is not None else ""
    if item.is_range:
        low, high = item.points_range
        wanted = fmt(requested) if requested is not None else "—"
        return f"{wanted} / {fmt(low)}～{fmt(high)}"
    if item.points is not None:
        return fmt(item.points)
    return ""


class _Rules:
    """Effective rule sets by version, each merged once per page (versions never change)."""

    def __init__(self) -> None:
        self._by_pk: dict[int, RuleSet] = {}

    def of(self, version: RuleSetVersion) -> RuleSet:
        if version.pk not in self._by_pk:
            self._by_pk[version.pk] = effective_ruleset(version)
        return self._by_pk[version.pk]


def _window_key(rules: RuleSet, day: datetime.date, per: LimitPer) -> int:
    month = month_in_cycle(day, rules)
    return {LimitPer.MONTH: month, LimitPer.QUARTER: (month - 1) // 3, LimitPer.YEAR: 0}[per]


def standings(claims: Iterable[Claim], rules: _Rules | None = None) -> dict[int, Standing]:
    """Claim pk → the member's standing for the claim's item in its cycle, from one ledger query."""
    claims = list(claims)
    rules = rules or _Rules()
    if not claims:
        return {}
    wanted = Q(pk__in=[])
    for claim in claims:
        wanted |= Q(
            member_id=claim.member_id,
            item_code=claim.item_code,
            ruleset_version__ruleset__cycle=claim.ruleset_version.ruleset.cycle,
        )
    rows = ledger_net(LedgerEntry.objects.filter(wanted)).values_list(
        "member_id", "item_code", "ruleset_version__ruleset__cycle", "occurred_on", "points"
    )
    entries: dict[tuple[int, str, int], list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    for member_id, item_code, cycle, day, points in rows:
        entries[(member_id, item_code, cycle)].append((day, points))
    found = {}
    for claim in claims:
        ruleset = rules.of(claim.ruleset_version)
        item = ruleset.item(claim.item_code)
        own = entries[(claim.member_id, claim.item_code, claim.ruleset_version.ruleset.cycle)]
        in_window = 0
        if item is not None and item.limit is not None:
            key = _window_key(ruleset, claim.occurred_on, item.limit.per)
            in_window = sum(_window_key(ruleset, day, item.limit.per) == key for day, _points in own)
        found[claim.pk] = Standing(
            item=item, count=len(own), total=sum((p for _day, p in own), Decimal(0)), in_window=in_window
        )
    return found


def duplicate_counts(evidence: Iterable[Evidence]) -> dict[int, int]:
    """Evidence pk → how many other claims used a file with the same SHA-256 (one query)."""
    evidence = [e for e in evidence if e.claim_id is not None]
    if not evidence:
        return {}
    others: dict[str, set[int]] = defaultdict(set)
    for sha, claim_id in Evidence.objects.filter(
        sha256__in={e.sha256 for e in evidence}, claim__isnull=False
    ).values_list("sha256", "claim_id"):
        others[sha].add(claim_id)
    return {e.pk: len(others[e.sha256] - {e.claim_id}) for e in evidence}


RECORD_PATHS = (
    "organization",
    "claim__member",
    "claim__ruleset_version__ruleset",
    "period_review__branch",
    "appeal__appellant",
    "appeal__subject",
    "appeal__entry__member",
    "appeal__entry__ruleset_version",
    "evaluation__branch",
    "annual_review__branch",
    "rule_proposal",
    "correction__entry__member",
    "reopening__review__branch",
)


def task_rows(tasks: Iterable[Task]) -> dict[int, TaskRow]:
    """Task pk → its row, for a page of tasks, in a fixed number of queries."""
    tasks = list(tasks)
    processes = {
        p.pk: p
        for p in BranchProcess.objects.filter(pk__in={t.process_id for t in tasks}).select_related(
            *RECORD_PATHS
        )
    }
    claims = [p.claim for p in processes.values() if p.claim_id is not None]
    appeal_ids = [p.appeal_id for p in processes.values() if p.appeal_id is not None]
    evidence = list(
        Evidence.objects.filter(
            Q(claim_id__in=[c.pk for c in claims]) | Q(appeal_id__in=appeal_ids)
        ).order_by("uploaded_at", "pk")
    )
    by_claim: dict[int, list[Evidence]] = defaultdict(list)
    by_appeal: dict[int, list[Evidence]] = defaultdict(list)
    for file in evidence:
        if file.claim_id is not None:
            by_claim[file.claim_id].append(file)
        else:
            by_appeal[file.appeal_id].append(file)
    rules = _Rules()
    standing = standings(claims, rules)
    duplicates = duplicate_counts(evidence)

    rows = {}
    for task in tasks:
        row = TaskRow(task=task)
        process = processes.get(task.process_id)
        if process is not None:
            _fill(row, process, rules, standing, duplicates, by_claim, by_appeal)
        rows[task.pk] = row
    return rows


def _fill(row, process, rules, standing, duplicates, by_claim, by_appeal) -> None:
    if process.claim_id is not None:
        claim = process.claim
        item = rules.of(claim.ruleset_version).item(claim.item_code)
        row.member = claim.member.real_name
        row.item = item.name if item else claim.item_code
        row.points = points_text(item, claim.points_requested)
        row.occurred_on = claim.occurred_on
        row.evidence = by_claim.get(claim.pk, [])
        row.standing = standing.get(claim.pk)
        reused = sum(duplicates.get(file.pk, 0) > 0 for file in row.evidence)
        if reused:
            row.warnings.append(_("%(count)s 个证明材料与其他申报相同") % {"count": reused})
        if row.standing is not None and row.standing.cap_reached:
            row.warnings.append(_("本周期该项目已达上限"))
        if row.standing is not None and row.standing.limit_reached:
            row.warnings.append(_("本周期该项目已达频次限制"))
    elif process.appeal_id is not None:
        appeal = process.appeal
        row.member = appeal.appellant.real_name
        row.evidence = by_appeal.get(appeal.pk, [])
        if appeal.entry_id is not None:
            entry = appeal.entry
            item = rules.of(entry.ruleset_version).item(entry.item_code)
            name = item.name if item else entry.item_code
            row.item = _("申诉：%(member)s 的“%(item)s”") % {"member": entry.member.real_name, "item": name}
            row.points = fmt(entry.points)
            row.occurred_on = entry.occurred_on
        else:
            row.item = _("申诉：%(member)s 的年度结果") % {"member": appeal.subject.real_name}
    elif process.correction_id is not None:
        entry = process.correction.entry
        row.member = entry.member.real_name
        row.item = str(process.correction)
        row.points = fmt(entry.points)
        row.occurred_on = entry.occurred_on
    else:
        record = (
            process.period_review
            or process.evaluation
            or process.annual_review
            or process.rule_proposal
            or process.reopening
        )
        row.member = process.organization.name
        row.item = str(record) if record is not None else ""
