"""What the regulations attach to scores and ranks — computed and shown, never applied silently.

- 001: a member last in the branch's quarterly ranking 4 times in a row is a 不合格 candidate;
- 001: a 预备党员 last in the branch's quarterly ranking twice, or once in the organization-wide ranking,
  is not admitted on time (不得按期转正);
- 001: a 正式党员 last in the same rankings that many times may not be graded 优秀 for the year nor put
  forward for honours (不得评定为优秀,不得纳入表彰评优对象);
- 002 (质检): a 预备党员's cycle total decides the outcome (≥ 80 按期转正, 60–80 延期, < 60 取消资格);
- 002: a new member's months before joining are scored at the branch's average of those months.

The figures are data of the rule set (``rank_rules``, ``probation``), not constants here.
A "last place" is shared by everyone tied at the bottom, and there is none when fewer than two members
are ranked or everybody is tied.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from scoring.core.engine import CycleResult, Event, MemberInfo, score_period
from scoring.core.members import MemberType
from scoring.core.periods import Period, PeriodKind, cycle_bounds, month_in_cycle
from scoring.core.ranking import last_placed
from scoring.core.ruleset import RuleSet

BACKFILL_PRECISION = Decimal("0.01")

UNQUALIFIED_REASON = "连续{count}次支部内季度排名最后"
BRANCH_LAST_REASON = "支部内季度排名{count}次最后一名"
ORGANIZATION_LAST_REASON = "全委排名{count}次最后一名"


class FlagKind(StrEnum):
    UNQUALIFIED_CANDIDATE = "不合格等次候选"
    NOT_ADMITTED_ON_TIME = "不能按期转正"
    NOT_EXCELLENT = "不得评为优秀"


@dataclass(frozen=True)
class Flag:
    """A consequence the committee must look at: who, what, and why (in Chinese)."""

    member: str
    kind: FlagKind
    reason: str


def longest_last_place_runs(rankings: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """member → the longest run of consecutive rankings in which they were last (rankings in time order)."""
    runs: dict[str, int] = {}
    current: dict[str, int] = {}
    for ranking in rankings:
        last = last_placed(ranking)
        current = {member: current.get(member, 0) + 1 for member in last}
        for member, run in current.items():
            runs[member] = max(runs.get(member, 0), run)
    return runs


def last_place_counts(rankings: Iterable[Mapping[str, int]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ranking in rankings:
        for member in last_placed(ranking):
            counts[member] = counts.get(member, 0) + 1
    return counts


def unqualified_candidates(
    branch_quarterly_ranks: Sequence[Mapping[str, int]], *, consecutive: int
) -> list[Flag]:
    """不合格 candidates: last in ``consecutive`` consecutive quarterly branch rankings (001: 4)."""
    runs = longest_last_place_runs(branch_quarterly_ranks)
    return [
        Flag(member, FlagKind.UNQUALIFIED_CANDIDATE, UNQUALIFIED_REASON.format(count=run))
        for member, run in sorted(runs.items())
        if run >= consecutive
    ]


def not_admitted_on_time(
    branch_quarterly_ranks: Iterable[Mapping[str, int]],
    organization_ranks: Iterable[Mapping[str, int]],
    probationary: Collection[str],
    *,
    branch_last: int | None,
    organization_last: int | None,
) -> list[Flag]:
    """预备党员 who may not be admitted on time: ``branch_last`` branch last places or ``organization_last``
    organization-wide last places (001: 2 and 1). A threshold of None switches that rule off."""
    return _last_place_flags(
        FlagKind.NOT_ADMITTED_ON_TIME,
        branch_quarterly_ranks,
        organization_ranks,
        probationary,
        branch_last=branch_last,
        organization_last=organization_last,
    )


def not_excellent(
    branch_quarterly_ranks: Iterable[Mapping[str, int]],
    organization_ranks: Iterable[Mapping[str, int]],
    full_members: Collection[str],
    *,
    branch_last: int | None,
    organization_last: int | None,
) -> list[Flag]:
    """正式党员 who may not be graded 优秀 nor put forward for honours: ``branch_last`` branch last places or
    ``organization_last`` organization-wide last places (001 art. 5: 2 and 1). None switches a rule off."""
    return _last_place_flags(
        FlagKind.NOT_EXCELLENT,
        branch_quarterly_ranks,
        organization_ranks,
        full_members,
        branch_last=branch_last,
        organization_last=organization_last,
    )


def _last_place_flags(
    kind: FlagKind,
    branch_quarterly_ranks: Iterable[Mapping[str, int]],
    organization_ranks: Iterable[Mapping[str, int]],
    members: Collection[str],
    *,
    branch_last: int | None,
    organization_last: int | None,
) -> list[Flag]:
    flags: list[Flag] = []
    branch_counts = last_place_counts(branch_quarterly_ranks)
    organization_counts = last_place_counts(organization_ranks)
    for member in sorted(members):
        reasons = []
        if branch_last is not None and branch_counts.get(member, 0) >= branch_last:
            reasons.append(BRANCH_LAST_REASON.format(count=branch_counts[member]))
        if organization_last is not None and organization_counts.get(member, 0) >= organization_last:
            reasons.append(ORGANIZATION_LAST_REASON.format(count=organization_counts[member]))
        if reasons:
            flags.append(Flag(member, kind, ";".join(reasons)))
    return flags


def rank_flags(
    ruleset: RuleSet,
    *,
    branch_quarterly_ranks: Sequence[Mapping[str, int]],
    organization_ranks: Sequence[Mapping[str, int]] = (),
    probationary: Collection[str] = (),
    full_members: Collection[str] = (),
) -> list[Flag]:
    """Every flag the rule set's ``rank_rules`` raise for these rankings (none without ``rank_rules``).

    ``probationary`` are the 预备党员 (late admission), ``full_members`` the 正式党员 (not 优秀); the
    rankings are in time order (the branch's quarters; the organization's half-years).
    """
    rules = ruleset.rank_rules
    if rules is None:
        return []
    flags: list[Flag] = []
    if rules.unqualified_after_consecutive_last is not None:
        flags += unqualified_candidates(
            branch_quarterly_ranks, consecutive=rules.unqualified_after_consecutive_last
        )
    flags += not_admitted_on_time(
        branch_quarterly_ranks,
        organization_ranks,
        probationary,
        branch_last=rules.probation_branch_last,
        organization_last=rules.probation_organization_last,
    )
    flags += not_excellent(
        branch_quarterly_ranks,
        organization_ranks,
        full_members,
        branch_last=rules.not_excellent_branch_last,
        organization_last=rules.not_excellent_organization_last,
    )
    return flags


def probation_outcomes(ruleset: RuleSet, result: CycleResult) -> dict[str, str]:
    """预备党员 → the outcome their cycle total gives under the rule set's ``probation`` thresholds."""
    outcomes: dict[str, str] = {}
    for score in result.scores:
        outcome = ruleset.probation_outcome_for(score.total)
        if score.member_type is MemberType.PROBATIONARY and outcome is not None:
            outcomes[score.member] = outcome
    return outcomes


@dataclass(frozen=True)
class Backfill:
    """Points for a new member's months before joining: month of the cycle (1 … 12) → branch average."""

    member: str
    months: tuple[tuple[int, Decimal], ...]

    @property
    def total(self) -> Decimal:
        return sum((points for _, points in self.months), Decimal(0))


def new_member_backfill(
    ruleset: RuleSet,
    branch_members: Iterable[MemberInfo],
    events: Iterable[Event],
    *,
    member: str,
    joined: date,
    cycle: int,
) -> Backfill:
    """002: "新入职党员未考核月份积分按支部之前月份考核平均积分计算".

    For each month of the cycle before the month of ``joined``, the average of the month's points of the
    branch's other scored 正式党员 and 预备党员 (rounded half-up to 0.01). The joining month itself is
    assessed normally. The result is a proposal for the committee to record, not applied to any score.
    """
    first, last = cycle_bounds(ruleset, cycle)
    if joined <= first:
        return Backfill(member, ())
    months_before = 12 if joined > last else month_in_cycle(joined, ruleset) - 1
    peers = [info for info in branch_members if info.member != member and info.scored]
    peers_ranked = {info.member for info in peers if info.member_type.is_ranked}
    events = [event for event in events if event.member != member]
    months: list[tuple[int, Decimal]] = []
    for month in range(1, months_before + 1):
        result = score_period(ruleset, peers, events, period=Period(cycle, PeriodKind.MONTH, month))
        points = [score.points for score in result.scores if score.member in peers_ranked]
        average = sum(points, Decimal(0)) / len(points) if points else Decimal(0)
        months.append((month, average.quantize(BACKFILL_PRECISION, rounding=ROUND_HALF_UP)))
    return Backfill(member, tuple(months))
