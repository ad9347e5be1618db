"""The scoring engine (积分计算): rule set + members + events → scores, grades and ranks.

Plain values in, plain values out. The order of application is the rule-set file's contract:

1. frequency limits — per item and window (month / quarter / cycle), occurrences past the limit are not
   counted; they are returned in ``dropped`` for reporting. Within a window occurrences count in date order
   (ties broken by ``ref``, then points), so the order of the input never matters;
2. item caps — an item's total is bounded to [−cap, cap];
3. category caps — a category's subtotal is bounded to [−cap, cap] (a positive category above by its cap,
   a negative one below by −cap);
4. sum + base points + carry-over (``carry_over`` × last cycle's total);
5. democratic evaluation — its value is the level's value (levels kind) or the vote score (score kind,
   0 … ``max``); a member without one gets 0 for it; ``added``: total = points + evaluation;
   ``weighted``: total = points' · (1 − w) + evaluation · w, where points' = points × full marks /
   ``points_full_marks`` when the rule set rescales the points, the points as they are otherwise;
6. floor;
7. veto — any occurrence of a veto item in the window zeroes the total;
8. grade — the first, top-down, whose ``min`` ≤ total;
9. rank — competition ranking among the rule set's ``ranked_kinds`` (default 正式党员 and 预备党员; see
   :mod:`scoring.core.ranking`); the other kinds get a ``reference_rank`` among themselves.

Period scores (month / quarter / half-year) are *increments of the cycle-to-date score*: limits and caps
are applied to everything from the cycle's first day to the period's last day, and the period's points are
that cycle-to-date points minus the cycle-to-date points at the end of the previous period. A period
therefore never exceeds what the cycle allows (the 13th meeting of a year earns nothing in December), and
the periods of a cycle add up exactly to the cycle's points (002: "年度积分由各季度积分累加得到").
A period's ``to_date`` weighs in the democratic evaluation only when evaluations are given and the period
ends with the cycle; otherwise step 5 is skipped and the to-date total is the points (the 民主评议 has not
happened within the year: a weighted rule set does not show 0.7 × points for Q3's to-date).
:func:`score_cycle` always applies step 5, a member without an evaluation getting 0 for it (the
simulator's contract v1).

Exempt members (``MemberInfo.scored`` False, 经批准免于积分) are not scored at all: they appear only in
``exempt``; events of members not listed are skipped. Events outside the cycle are ignored here;
:func:`validate_event` is what rejects them on input.
The engine trusts the points of the events it gets (already validated); a ledger correction that reverses
an entry should be netted out by the caller (leave both the entry and its reversal out).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from scoring.core.members import MemberType
from scoring.core.periods import Period, PeriodKind, cycle_bounds, month_in_cycle
from scoring.core.ranking import competition_ranks
from scoring.core.ruleset import EvaluationKind, Item, LimitPer, RuleSet, fmt

ZERO = Decimal(0)

DATE_OUTSIDE_CYCLE = "日期 {date} 不在 {cycle} 积分周期({first} 至 {last})内"
UNKNOWN_ITEM = "未知的积分项目:{item}"
POINTS_REQUIRED = "项目“{name}”的分值在审核时确定,须填写 {low} 至 {high} 之间的分值"
POINTS_OUT_OF_RANGE = "分值 {points} 超出项目“{name}”的分值区间 {low} 至 {high}"
POINTS_FOR_FIXED = "项目“{name}”为固定分值 {fixed} 分,不应填写分值"
POINTS_FOR_VETO = "项目“{name}”为一票否决项目,不应填写分值"
LIMIT_EXCEEDED = "超过频次限制(每{per}{times}次),不计分"
LIMIT_LABELS = {LimitPer.MONTH: "月", LimitPer.QUARTER: "季度", LimitPer.YEAR: "年"}


@dataclass(frozen=True)
class MemberInfo:
    """A person to score. ``scored`` False: exempt by committee approval (经批准免于积分, 004)."""

    member: str
    member_type: MemberType
    scored: bool = True


@dataclass(frozen=True)
class Event:
    """One occurrence of a rule item for a member on a date.

    ``points`` None means the item's fixed points; for a range item it is the value set at review.
    ``ref`` identifies the occurrence to the caller (a ledger entry id, a CSV line) and breaks ties of
    the same date when a frequency limit has to choose.
    """

    member: str
    date: date
    item: str
    points: Decimal | None = None
    ref: str = ""


@dataclass(frozen=True)
class DroppedEvent:
    """An occurrence not counted because its item's frequency limit was already reached."""

    event: Event
    reason: str


@dataclass(frozen=True)
class MemberScore:
    """A member's cycle (or cycle-to-date) score.

    ``item_subtotals`` after limits and item caps; ``category_subtotals`` after category caps;
    ``items_total`` their sum (plus items without a category); ``points`` = items_total + base + carry-over;
    ``evaluation`` the value of the member's 民主评议 in points (0 without one): the level's value, or the
    vote score itself; ``evaluation_level`` the level (levels kind), ``evaluation_score`` the vote score
    (score kind); ``total`` after evaluation, floor and veto. ``rank`` None for the kinds the rule set does
    not rank (发展对象 / 入党积极分子 by default), who get ``reference_rank`` among themselves instead.
    """

    member: str
    member_type: MemberType
    item_subtotals: Mapping[str, Decimal]
    category_subtotals: Mapping[str, Decimal]
    items_total: Decimal
    base: Decimal
    carry_over: Decimal
    points: Decimal
    evaluation_level: str | None
    evaluation: Decimal
    total: Decimal
    veto: bool
    grade: str | None
    rank: int | None = None
    reference_rank: int | None = None
    dropped: tuple[DroppedEvent, ...] = ()
    evaluation_score: Decimal | None = None


ScoreT = TypeVar("ScoreT")  # a MemberScore or a PeriodScore


class _ScoresByMember(Generic[ScoreT]):
    """What a cycle's and a period's results share: look-up by member, dropped events, the ranking."""

    scores: tuple[ScoreT, ...]
    _by_member: dict[str, ScoreT]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_member", {score.member: score for score in self.scores})

    def __getitem__(self, member: str) -> ScoreT:
        return self._by_member[member]

    @property
    def dropped(self) -> tuple[DroppedEvent, ...]:
        return tuple(dropped for score in self.scores for dropped in score.dropped)

    def ranks(self) -> dict[str, int]:
        """member → rank, for the ranked members."""
        return {score.member: score.rank for score in self.scores if score.rank is not None}


@dataclass(frozen=True)
class CycleResult(_ScoresByMember[MemberScore]):
    """Scores of one cycle, ordered by rank then member (unranked members after the ranked ones)."""

    ruleset_code: str
    cycle: int
    scores: tuple[MemberScore, ...]
    exempt: tuple[str, ...] = ()
    _by_member: dict[str, MemberScore] = field(init=False, repr=False, compare=False, hash=False)


@dataclass(frozen=True)
class PeriodScore:
    """A member's score for a month, quarter or half-year: the increment of the cycle-to-date score.

    ``points`` is what the period added to the cycle-to-date items total; ``total`` is ``points``, or 0
    once a veto has occurred in the cycle. ``to_date`` is the full cycle-to-date score at the period's end.
    ``rank`` ranks the period's totals (the branch's quarterly ranking); ``to_date.rank`` ranks the
    cycle-to-date totals.
    """

    member: str
    member_type: MemberType
    item_subtotals: Mapping[str, Decimal]
    category_subtotals: Mapping[str, Decimal]
    points: Decimal
    total: Decimal
    veto: bool
    to_date: MemberScore
    rank: int | None = None
    reference_rank: int | None = None
    dropped: tuple[DroppedEvent, ...] = ()


@dataclass(frozen=True)
class PeriodResult(_ScoresByMember[PeriodScore]):
    ruleset_code: str
    period: Period
    scores: tuple[PeriodScore, ...]
    exempt: tuple[str, ...] = ()
    _by_member: dict[str, PeriodScore] = field(init=False, repr=False, compare=False, hash=False)


# ---------------------------------------------------------------- validation of one event


def event_field_errors(ruleset: RuleSet, event: Event, *, cycle: int) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with an event: ``date``, ``item`` or ``points``."""
    errors: list[tuple[str, str]] = []
    first, last = cycle_bounds(ruleset, cycle)
    if not first <= event.date <= last:
        errors.append(
            ("date", DATE_OUTSIDE_CYCLE.format(date=event.date, cycle=cycle, first=first, last=last))
        )
    item = ruleset.item(event.item)
    if item is None:
        errors.append(("item", UNKNOWN_ITEM.format(item=event.item)))
        return errors
    message = _points_error(item, event.points)
    if message:
        errors.append(("points", message))
    return errors


def _points_error(item: Item, points: Decimal | None) -> str | None:
    if item.points_range is not None:
        low, high = (fmt(bound) for bound in item.points_range)
        if points is None:
            return POINTS_REQUIRED.format(name=item.name, low=low, high=high)
        if not item.points_range[0] <= points <= item.points_range[1]:
            return POINTS_OUT_OF_RANGE.format(points=fmt(points), name=item.name, low=low, high=high)
        return None
    if points is None:
        return None
    if item.points is None:
        return POINTS_FOR_VETO.format(name=item.name)
    return POINTS_FOR_FIXED.format(name=item.name, fixed=fmt(item.points))


def validate_event(ruleset: RuleSet, event: Event, *, cycle: int) -> list[str]:
    """Chinese messages for everything wrong with an event (empty when it may be scored).

    The same rules serve the live claim forms and the simulator: date inside the cycle, a known item,
    points given exactly for range items and within their range.
    """
    return [message for _, message in event_field_errors(ruleset, event, cycle=cycle)]


# ---------------------------------------------------------------- scoring


def score_cycle(
    ruleset: RuleSet,
    members: Iterable[MemberInfo],
    events: Iterable[Event],
    *,
    cycle: int,
    evaluations: Mapping[str, str | Decimal] | None = None,
    last_totals: Mapping[str, Decimal] | None = None,
) -> CycleResult:
    """Scores of cycle ``cycle`` for every scored member: subtotals, total, grade and rank.

    ``evaluations``: member → 民主评议: a level name (``str``, levels kind) or a vote score (``Decimal``,
    score kind), checked with :meth:`Evaluation.value_for` (``ValueError`` otherwise); a member without one
    gets 0 for it. ``last_totals``: member → last cycle's total (carry-over).
    """
    first, last = cycle_bounds(ruleset, cycle)
    scored, exempt = _split_members(members)
    by_member = _events_by_member(ruleset, scored, events)
    scores = [
        _score_member(
            ruleset, info, by_member[info.member], first, last, evaluations or {}, last_totals or {}
        )
        for info in scored
    ]
    return CycleResult(ruleset.code, cycle, _ranked(ruleset, scores), exempt)


def score_period(
    ruleset: RuleSet,
    members: Iterable[MemberInfo],
    events: Iterable[Event],
    *,
    period: Period,
    evaluations: Mapping[str, str | Decimal] | None = None,
    last_totals: Mapping[str, Decimal] | None = None,
) -> PeriodResult:
    """Scores of one month, quarter, half-year or the whole cycle (see the module docstring).

    The democratic evaluation enters ``to_date`` only when ``evaluations`` are given (a member without one
    then gets 0 for it) and the period ends with the cycle; otherwise the evaluation step is skipped and the
    to-date total is the points, after floor and veto.
    """
    cycle_first, cycle_last = cycle_bounds(ruleset, period.cycle)
    period_first, period_last = period.bounds(ruleset)
    scored, exempt = _split_members(members)
    by_member = _events_by_member(ruleset, scored, events)
    evaluated = evaluations if period_last == cycle_last else None
    scores: list[PeriodScore] = []
    for info in scored:
        member_events = by_member[info.member]
        to_date = _score_member(
            ruleset, info, member_events, cycle_first, period_last, evaluated, last_totals or {}
        )
        day_before = period_first - timedelta(days=1)
        before = _score_member(ruleset, info, member_events, cycle_first, day_before, None, last_totals or {})
        points = to_date.items_total - before.items_total
        scores.append(
            PeriodScore(
                member=info.member,
                member_type=info.member_type,
                item_subtotals=_difference(to_date.item_subtotals, before.item_subtotals),
                category_subtotals=_difference(to_date.category_subtotals, before.category_subtotals),
                points=points,
                total=ZERO if to_date.veto else points,
                veto=to_date.veto,
                to_date=to_date,
                dropped=tuple(d for d in to_date.dropped if period_first <= d.event.date <= period_last),
            )
        )
    ranked_to_date = {score.member: score for score in _ranked(ruleset, [score.to_date for score in scores])}
    scores = [replace(score, to_date=ranked_to_date[score.member]) for score in scores]
    return PeriodResult(ruleset.code, period, _ranked(ruleset, scores), exempt)


def _split_members(members: Iterable[MemberInfo]) -> tuple[list[MemberInfo], tuple[str, ...]]:
    members = list(members)
    return [m for m in members if m.scored], tuple(sorted(m.member for m in members if not m.scored))


def _events_by_member(
    ruleset: RuleSet, scored: Sequence[MemberInfo], events: Iterable[Event]
) -> defaultdict[str, list[Event]]:
    """Events grouped by scored member; events of exempt or unlisted members are not scored.

    Unlisted members are skipped rather than refused so that a caller may pass a whole branch ledger,
    including the entries of members who have since transferred out.
    """
    known = {info.member for info in scored}
    by_member: defaultdict[str, list[Event]] = defaultdict(list)
    for event in events:
        if ruleset.item(event.item) is None:
            raise ValueError(UNKNOWN_ITEM.format(item=event.item))
        if event.member in known:
            by_member[event.member].append(event)
    return by_member


def _event_order(event: Event) -> tuple[date, str, Decimal, str]:
    return (event.date, event.ref, event.points if event.points is not None else ZERO, event.item)


def _window(ruleset: RuleSet, day: date, per: LimitPer) -> int:
    month = month_in_cycle(day, ruleset)
    return {LimitPer.MONTH: month, LimitPer.QUARTER: (month - 1) // 3, LimitPer.YEAR: 0}[per]


def _apply_limits(ruleset: RuleSet, events: Sequence[Event]) -> tuple[list[Event], list[DroppedEvent]]:
    counted: list[Event] = []
    dropped: list[DroppedEvent] = []
    seen: defaultdict[tuple[str, int], int] = defaultdict(int)
    for event in sorted(events, key=_event_order):
        limit = ruleset.item(event.item).limit  # type: ignore[union-attr]  # items were checked
        if limit is None:
            counted.append(event)
            continue
        window = (event.item, _window(ruleset, event.date, limit.per))
        seen[window] += 1
        if seen[window] <= limit.times:
            counted.append(event)
        else:
            reason = LIMIT_EXCEEDED.format(per=LIMIT_LABELS[limit.per], times=limit.times)
            dropped.append(DroppedEvent(event, reason))
    return counted, dropped


def _clamp(value: Decimal, cap: Decimal | None) -> Decimal:
    return value if cap is None else max(-cap, min(cap, value))


def _score_member(
    ruleset: RuleSet,
    info: MemberInfo,
    events: Sequence[Event],
    first: date,
    last: date,
    evaluations: Mapping[str, str | Decimal] | None,
    last_totals: Mapping[str, Decimal],
) -> MemberScore:
    """One member's score over [first, last]; ``evaluations`` None skips the evaluation step (step 5)."""
    in_window = [event for event in events if first <= event.date <= last]
    counted, dropped = _apply_limits(ruleset, in_window)
    veto = any(ruleset.item(event.item).veto for event in in_window)  # type: ignore[union-attr]

    raw: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    for event in counted:
        item = ruleset.item(event.item)
        assert item is not None
        raw[item.code] += event.points if event.points is not None else (item.points or ZERO)
    item_subtotals = {
        item.code: _clamp(raw[item.code], item.cap) for item in ruleset.items if item.code in raw
    }
    category_sums: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    uncategorized = ZERO
    for code, subtotal in item_subtotals.items():
        category = ruleset.item(code).category  # type: ignore[union-attr]
        if category is None:
            uncategorized += subtotal
        else:
            category_sums[category] += subtotal
    category_subtotals = {
        category.code: _clamp(category_sums[category.code], category.cap) for category in ruleset.categories
    }
    items_total = sum(category_subtotals.values(), ZERO) + uncategorized

    carry_over = ZERO
    if ruleset.carry_over is not None:
        carry_over = ruleset.carry_over * last_totals.get(info.member, ZERO)
    points = items_total + ruleset.base_points + carry_over

    given = evaluations.get(info.member) if evaluations is not None else None
    level: str | None = None
    vote_score: Decimal | None = None
    evaluation = ZERO
    total = points
    if ruleset.evaluation is not None and evaluations is not None:
        if given is not None:
            evaluation = ruleset.evaluation.value_for(given)
            if ruleset.evaluation.kind is EvaluationKind.SCORE:
                vote_score = evaluation
            else:
                level = str(given)
        total = ruleset.evaluation.combine(points, evaluation)
    if ruleset.floor is not None:
        total = max(total, ruleset.floor)
    if veto:
        total = ZERO
    return MemberScore(
        member=info.member,
        member_type=info.member_type,
        item_subtotals=item_subtotals,
        category_subtotals=category_subtotals,
        items_total=items_total,
        base=ruleset.base_points,
        carry_over=carry_over,
        points=points,
        evaluation_level=level,
        evaluation_score=vote_score,
        evaluation=evaluation,
        total=total,
        veto=veto,
        grade=ruleset.grade_for(total),
        dropped=tuple(dropped),
    )


def _difference(after: Mapping[str, Decimal], before: Mapping[str, Decimal]) -> dict[str, Decimal]:
    return {code: value - before.get(code, ZERO) for code, value in after.items()}


Score = TypeVar("Score", MemberScore, PeriodScore)


def _ranked(ruleset: RuleSet, scores: Sequence[Score]) -> tuple[Score, ...]:
    kinds = ruleset.ranked_kinds
    ranks = competition_ranks({s.member: s.total for s in scores if s.member_type in kinds})
    reference = competition_ranks({s.member: s.total for s in scores if s.member_type not in kinds})
    ranked = [replace(s, rank=ranks.get(s.member), reference_rank=reference.get(s.member)) for s in scores]
    return tuple(sorted(ranked, key=_result_order))


def _result_order(score: MemberScore | PeriodScore) -> tuple[int, int, str]:
    if score.rank is not None:
        return (0, score.rank, score.member)
    return (1, score.reference_rank or 0, score.member)


__all__ = [
    "CycleResult",
    "DroppedEvent",
    "Event",
    "MemberInfo",
    "MemberScore",
    "MemberType",
    "PeriodKind",
    "PeriodResult",
    "PeriodScore",
    "event_field_errors",
    "score_cycle",
    "score_period",
    "validate_event",
]
