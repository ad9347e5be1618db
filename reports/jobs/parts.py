"""What goes into a batch export (批量导出): the kinds of file, and the plan of one job.

A *part* is one file of the ZIP, produced by a function of another section: the PDF forms
(``reports.documents.forms``) and the Excel exports (``reports.exports.excel``). The registry names them
by dotted path and resolves them only when a part is produced, so the job machinery does not depend on
them being importable, and tests swap in functions of their own.

Each kind also names the ledger data (``reports.ledgers``) that says whether the file is approved (审定)
or still a draft (草稿): the manifest reports it, and the rule lives with the ledger, not here. Which
members get a 季度明细 is the branch ledger's business too: those it scores in the quarter.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts.models import Member, Organization
from scoring.core.periods import Period, PeriodKind, parse_period

from . import messages


@dataclass(frozen=True)
class PartKind:
    """One kind of file in the ZIP."""

    code: str
    title: Any  # 支部积分台账 … (lazy text)
    # ``(branch or member, period_code) -> bytes``, by dotted path (or the function itself)
    render: str | Callable[..., bytes]
    # ``(branch or member, period_code) -> ledger data`` with ``.draft``, ``.approvals`` (and ``.rows``)
    ledger: str | Callable[..., Any]
    extension: str
    per_member: bool = False


BRANCH_LEDGER_PDF = "branch_ledger_pdf"
BRANCH_LEDGER_XLSX = "branch_ledger_xlsx"
QUARTER_DETAIL_PDF = "quarter_detail_pdf"

PART_KINDS: dict[str, PartKind] = {
    BRANCH_LEDGER_PDF: PartKind(
        BRANCH_LEDGER_PDF,
        _("支部积分台账"),
        "reports.documents.forms.branch_ledger_pdf",
        "reports.ledgers.branch_ledger",
        ".pdf",
    ),
    BRANCH_LEDGER_XLSX: PartKind(
        BRANCH_LEDGER_XLSX,
        _("支部积分台账"),
        "reports.exports.excel.branch_ledger_xlsx",
        "reports.ledgers.branch_ledger",
        ".xlsx",
    ),
    QUARTER_DETAIL_PDF: PartKind(
        QUARTER_DETAIL_PDF,
        _("党员季度积分明细登记表"),
        "reports.documents.forms.quarter_detail_pdf",
        "reports.ledgers.quarter_detail",
        ".pdf",
        per_member=True,
    ),
}

# In the order they appear in a branch's folder.
BRANCH_KINDS = (BRANCH_LEDGER_PDF, BRANCH_LEDGER_XLSX)
MEMBER_KINDS = (QUARTER_DETAIL_PDF,)


@dataclass(frozen=True)
class PlannedPart:
    kind: str
    branch: Organization
    member: Member | None
    period_code: str
    arcname: str  # its path inside the ZIP


@dataclass(frozen=True)
class Plan:
    parts: list[PlannedPart]
    skipped: list[dict[str, str]]  # branches left out, and why


# ---------------------------------------------------------------- names

# Characters no common file system accepts in a name (Windows is the strictest), and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{n}" for n in range(1, 10)),
    *(f"LPT{n}" for n in range(1, 10)),
}
NAME_LIMIT = 80


def safe_name(text: str) -> str:
    """A file or folder name that keeps the Chinese text and is valid on Windows, macOS and Linux."""
    name = _UNSAFE.sub("_", str(text)).strip(" ._")[:NAME_LIMIT].strip(" ._")
    if not name:
        return "_"
    return f"_{name}" if name.upper() in _WINDOWS_RESERVED else name


def unique_name(name: str, taken: set[str], suffix: str = "") -> str:
    """``name + suffix``, or ``name（2）+ suffix`` … when that is taken (compared case-insensitively)."""
    candidate, n = f"{name}{suffix}", 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{name}（{n}）{suffix}"
    taken.add(candidate.casefold())
    return candidate


# ---------------------------------------------------------------- what a job covers


def export_period(code: str) -> Period:
    """The period a batch export covers; a Chinese ``ValidationError`` for a bad code or a month."""
    try:
        period = parse_period(code)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if period.kind is PeriodKind.MONTH:
        raise ValidationError(messages.PERIOD_KIND_REFUSED % {"code": period.code})
    return period


def branches_under(organization: Organization) -> QuerySet[Organization]:
    """The branches (党支部) of an organization: itself when it is one, else those below it."""
    return Organization.objects.filter(
        path__startswith=organization.path, kind=Organization.Kind.BRANCH
    ).order_by("path")


def quarters_of(period: Period) -> list[Period]:
    """The quarters of a period (季度明细 are made per quarter): a half-year has two, a cycle four."""
    if period.kind is PeriodKind.QUARTER:
        return [period]
    first, last = (period.first_month - 1) // 3 + 1, period.last_month // 3
    return [Period(period.cycle, PeriodKind.QUARTER, index) for index in range(first, last + 1)]


class PartUnavailable(Exception):
    """A part's function is not there (yet): its section has not provided it."""

    def __init__(self, dotted: str) -> None:
        self.dotted = dotted
        super().__init__(dotted)


def resolve(target: str | Callable[..., Any]) -> Callable[..., Any]:
    if callable(target):
        return target
    try:
        return import_string(target)
    except ImportError:
        raise PartUnavailable(target) from None


class Ledgers:
    """The ledger data read during one run, each read once: a branch's PDF and Excel share theirs.

    Only the last few are kept, since a run goes branch by branch."""

    KEEP = 8

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, str, int, str], Any] = OrderedDict()

    def get(
        self, function: str | Callable[..., Any], subject: Organization | Member, period_code: str
    ) -> Any:
        key = (str(function), type(subject).__name__, subject.pk, period_code)
        if key in self._cache:
            self._cache.move_to_end(key)
        else:
            self._cache[key] = resolve(function)(subject, period_code)
            while len(self._cache) > self.KEEP:
                self._cache.popitem(last=False)
        return self._cache[key]


def export_plan(
    organization: Organization,
    period: Period,
    ledgers: Ledgers,
    on_branch: Callable[[Organization, int, int], None] | None = None,
) -> Plan:
    """Every file of the ZIP, in order: per branch its ledger (PDF, Excel), then the quarterly details
    of each member the branch ledger scores. A branch whose ledger cannot be made (no rules in force for
    the cycle) is left out, with the reason. ``on_branch(branch, number, count)`` is told of each branch
    before it is read (a large organization takes a while: the run keeps its heartbeat going)."""
    parts: list[PlannedPart] = []
    skipped: list[dict[str, str]] = []
    folders: set[str] = set()
    label = period.label()
    members_from = PART_KINDS[BRANCH_LEDGER_PDF].ledger
    branches = list(branches_under(organization))
    for number, branch in enumerate(branches, start=1):
        if on_branch is not None:
            on_branch(branch, number, len(branches))
        try:
            quarters = [
                (quarter, [row.member for row in ledgers.get(members_from, branch, quarter.code).rows])
                for quarter in quarters_of(period)
            ]
        except ValidationError as exc:
            skipped.append({"branch": branch.name, "reason": "；".join(exc.messages)})
            continue
        folder = unique_name(safe_name(branch.name), folders)
        files: set[str] = set()

        def arcname(stem: str, kind: PartKind, folder=folder, files=files) -> str:
            return f"{folder}/{unique_name(safe_name(f'{stem}_{kind.title}'), files, kind.extension)}"

        for code in BRANCH_KINDS:
            kind = PART_KINDS[code]
            parts.append(
                PlannedPart(code, branch, None, period.code, arcname(f"{branch.name}_{label}", kind))
            )
        for quarter, members in quarters:
            for code in MEMBER_KINDS:
                kind = PART_KINDS[code]
                for member in members:
                    name = arcname(f"{member.real_name}_{quarter.label()}", kind)
                    parts.append(PlannedPart(code, branch, member, quarter.code, name))
    return Plan(parts, skipped)
