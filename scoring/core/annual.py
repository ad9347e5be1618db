"""The year's result (年度总评): each member's combined total, the grade it gives and the one suggested.

:func:`annual_result` scores the cycle (:func:`scoring.core.engine.score_cycle`: points, carry-over,
民主评议, floor, veto), then, per member:

- ``graded`` — the member's kind is one of the rule set's ``ranked_kinds`` (公司: 预备党员、发展对象、
  入党积极分子的积分作为其教育考察依据，不参与党员积分年度考核评定); graded members are ranked among
  themselves, the others get a ``reference_rank`` among themselves;
- ``computed_grade`` — the rule set's grade for the total (graded members; None without grades);
- ``flags`` — what the rankings of the year raise (``rank_rules``, 001): 不合格 candidate, not admitted on
  time, not 优秀;
- ``suggested_grade`` — the computed grade after the consequences, in this order: a veto → the lowest
  grade (一票否决); 连续4次支部内季度排名最后 → the lowest grade (定位不合格等次); ``NOT_EXCELLENT`` and a
  suggestion of the top grade → the next grade down (不得评定为优秀). Without grades in the rule set the
  suggestion is None unless one of these sets it. It is never above the computed grade;
  ``suggestion_reasons`` say why it differs, in Chinese;
- ``probation_outcome`` — 预备党员 only: the rule set's ``probation`` thresholds on the total if it has them;
  a ``NOT_ADMITTED_ON_TIME`` flag makes it 延期转正 unless the thresholds already give a worse outcome
  (the later thresholds are the worse ones); otherwise 按期转正.

The committee decides the final grade (:func:`grade_allowed` says which it may set);
:func:`honours_eligible` says who may be put forward for honours (评先评优). Nothing here is applied
silently: it is shown, and decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from scoring.core.consequences import Flag, FlagKind, rank_flags
from scoring.core.engine import Event, MemberInfo, MemberScore, score_cycle
from scoring.core.members import MemberType
from scoring.core.ruleset import EvaluationKind, RuleSet

DEFAULT_GRADES = ("优秀", "合格", "基本合格", "不合格")  # 民主评议党员, the national four levels

ON_TIME = "按期转正"
DEFERRED = "延期转正"

VETO_REASON = "一票否决，等次只能为“{grade}”"
UNQUALIFIED_REASON = "{reason}，定位“{grade}”等次"
NOT_EXCELLENT_REASON = "{reason}，不得评定为“{top}”，建议“{grade}”"
GRADE_UNKNOWN = "“{grade}”不是本规则集的等次，应为 {choices} 之一"
VETO_GRADE_ONLY = "一票否决的党员只能评定为“{lowest}”"

HONOURS_BARRED = frozenset({FlagKind.NOT_EXCELLENT, FlagKind.UNQUALIFIED_CANDIDATE})


def grade_choices(ruleset: RuleSet) -> tuple[str, ...]:
    """The grades a member may be given, top first: the rule set's grades; else its evaluation's level
    names (highest value first); else the national four levels of 民主评议党员 (``DEFAULT_GRADES``)."""
    if ruleset.grades:
        return tuple(grade.name for grade in ruleset.grades)
    evaluation = ruleset.evaluation
    if evaluation is not None and evaluation.kind is EvaluationKind.LEVELS and evaluation.levels:
        ordered = sorted(evaluation.levels, key=lambda level: -level[1])  # stable: ties keep the file's order
        return tuple(name for name, _ in ordered)
    return DEFAULT_GRADES


def top_grade(ruleset: RuleSet) -> str:
    return grade_choices(ruleset)[0]


def lowest_grade(ruleset: RuleSet) -> str:
    return grade_choices(ruleset)[-1]


@dataclass(frozen=True)
class AnnualStanding:
    """年度总评: one member's year.

    ``points`` = items_total + base + carry_over; ``evaluation`` is the evaluation's value in points (the
    level's value or the vote score); ``total`` the combined total after floor and veto (the engine's
    ``MemberScore.total``). ``computed_grade`` / ``suggested_grade`` are None for ungraded members;
    ``rank`` ranks graded members only. ``honours_eligible`` is :func:`honours_eligible` for the suggested
    grade (the committee's final grade decides in the end).
    """

    member: str
    member_type: MemberType
    graded: bool
    items_total: Decimal
    base: Decimal
    carry_over: Decimal
    points: Decimal
    evaluation_level: str | None
    evaluation_score: Decimal | None
    evaluation: Decimal
    total: Decimal
    veto: bool
    computed_grade: str | None
    suggested_grade: str | None
    rank: int | None
    reference_rank: int | None
    flags: tuple[Flag, ...]
    probation_outcome: str | None
    suggestion_reasons: tuple[str, ...]
    honours_eligible: bool = False


@dataclass(frozen=True)
class AnnualResult:
    """The year's standings, by rank then member, the ungraded after the graded (by reference rank)."""

    ruleset_code: str
    cycle: int
    standings: tuple[AnnualStanding, ...]
    exempt: tuple[str, ...] = ()
    _by_member: dict[str, AnnualStanding] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_member", {standing.member: standing for standing in self.standings})

    def __getitem__(self, member: str) -> AnnualStanding:
        return self._by_member[member]


def annual_result(
    ruleset: RuleSet,
    members: Iterable[MemberInfo],
    events: Iterable[Event],
    *,
    cycle: int,
    evaluations: Mapping[str, str | Decimal] | None = None,
    last_totals: Mapping[str, Decimal] | None = None,
    branch_quarterly_ranks: Sequence[Mapping[str, int]] = (),
    organization_ranks: Sequence[Mapping[str, int]] = (),
) -> AnnualResult:
    """The year's result of cycle ``cycle`` (see the module docstring).

    ``evaluations`` and ``last_totals`` as for :func:`score_cycle` (a member without an evaluation gets 0
    for it); ``branch_quarterly_ranks``: the branch's quarterly rankings of the year, in time order
    (member → rank, e.g. ``PeriodResult.ranks()``); ``organization_ranks``: the organization-wide rankings
    (the half-years).
    """
    result = score_cycle(
        ruleset, members, events, cycle=cycle, evaluations=evaluations, last_totals=last_totals
    )
    flags = rank_flags(
        ruleset,
        branch_quarterly_ranks=branch_quarterly_ranks,
        organization_ranks=organization_ranks,
        probationary={s.member for s in result.scores if s.member_type is MemberType.PROBATIONARY},
        full_members={s.member for s in result.scores if s.member_type is MemberType.FULL},
    )
    standings = tuple(
        _standing(ruleset, score, tuple(flag for flag in flags if flag.member == score.member))
        for score in result.scores
    )
    return AnnualResult(ruleset.code, cycle, standings, result.exempt)


def _standing(ruleset: RuleSet, score: MemberScore, flags: tuple[Flag, ...]) -> AnnualStanding:
    graded = score.member_type in ruleset.ranked_kinds
    computed = ruleset.grade_for(score.total) if graded else None
    suggested, reasons = _suggestion(ruleset, computed, score.veto, flags) if graded else (None, ())
    probation = (
        _probation_outcome(ruleset, score.total, flags)
        if score.member_type is MemberType.PROBATIONARY
        else None
    )
    return AnnualStanding(
        member=score.member,
        member_type=score.member_type,
        graded=graded,
        items_total=score.items_total,
        base=score.base,
        carry_over=score.carry_over,
        points=score.points,
        evaluation_level=score.evaluation_level,
        evaluation_score=score.evaluation_score,
        evaluation=score.evaluation,
        total=score.total,
        veto=score.veto,
        computed_grade=computed,
        suggested_grade=suggested,
        rank=score.rank,
        reference_rank=score.reference_rank,
        flags=flags,
        probation_outcome=probation,
        suggestion_reasons=reasons,
        honours_eligible=honours_eligible(ruleset, grade=suggested, veto=score.veto, flags=flags),
    )


def _suggestion(
    ruleset: RuleSet, computed: str | None, veto: bool, flags: tuple[Flag, ...]
) -> tuple[str | None, tuple[str, ...]]:
    choices = grade_choices(ruleset)
    lowest = choices[-1]
    suggested = computed
    reasons: list[str] = []
    if veto and suggested != lowest:
        suggested = lowest
        reasons.append(VETO_REASON.format(grade=lowest))
    for flag in flags:
        if flag.kind is FlagKind.UNQUALIFIED_CANDIDATE and suggested != lowest:
            suggested = lowest
            reasons.append(UNQUALIFIED_REASON.format(reason=flag.reason, grade=lowest))
    for flag in flags:
        if flag.kind is FlagKind.NOT_EXCELLENT and suggested == choices[0] and len(choices) > 1:
            suggested = choices[1]
            reasons.append(NOT_EXCELLENT_REASON.format(reason=flag.reason, top=choices[0], grade=suggested))
    return suggested, tuple(reasons)


def _probation_outcome(ruleset: RuleSet, total: Decimal, flags: tuple[Flag, ...]) -> str:
    """The thresholds' outcome (a total below every threshold takes the last, worst one); a late-admission
    flag makes it 延期转正 unless the thresholds already give a worse outcome."""
    outcomes = [threshold.outcome for threshold in ruleset.probation]
    by_total = ruleset.probation_outcome_for(total) if outcomes else None
    if outcomes and by_total is None:
        by_total = outcomes[-1]
    if not any(flag.kind is FlagKind.NOT_ADMITTED_ON_TIME for flag in flags):
        return by_total or ON_TIME
    if by_total is not None:
        # Worse than 延期转正: a later threshold than 延期转正's, or (without one) any but the first.
        deferred_at = outcomes.index(DEFERRED) if DEFERRED in outcomes else 0
        if outcomes.index(by_total) > deferred_at:
            return by_total
    return DEFERRED


def honours_eligible(ruleset: RuleSet, *, grade: str | None, veto: bool, flags: Iterable[Flag]) -> bool:
    """评先评优: graded with the top grade, no veto, and no flag that bars it (不得评为优秀,
    不合格等次候选)."""
    if grade is None or veto or grade != top_grade(ruleset):
        return False
    return not any(flag.kind in HONOURS_BARRED for flag in flags)


# 民主评议党员 (the national practice the seeds follow): 基本合格 → 限期改正, 不合格 → 组织处置.
FOLLOW_UP_GRADES = frozenset({"基本合格", "不合格"})


def follow_up_due(ruleset: RuleSet, *, grade: str | None, veto: bool, flags: Iterable[Flag]) -> bool:
    """后进: a graded member whose year calls for a follow-up (谈话, 限期改正): graded lowest or
    基本合格/不合格, vetoed, or a 不合格 candidate by the rank rules (连续4次最后). 不得评为优秀 alone is
    not."""
    if grade is None:
        return False
    if veto or grade == lowest_grade(ruleset) or grade in FOLLOW_UP_GRADES:
        return True
    return any(flag.kind is FlagKind.UNQUALIFIED_CANDIDATE for flag in flags)


def grade_allowed(ruleset: RuleSet, *, grade: str, veto: bool) -> str | None:
    """None when the committee may set ``grade`` for the member; otherwise the refusal, in Chinese: a
    grade not among :func:`grade_choices`, or a vetoed member given anything but the lowest grade."""
    choices = grade_choices(ruleset)
    if grade not in choices:
        return GRADE_UNKNOWN.format(grade=grade, choices="、".join(choices))
    if veto and grade != choices[-1]:
        return VETO_GRADE_ONLY.format(lowest=choices[-1])
    return None


__all__ = [
    "DEFAULT_GRADES",
    "AnnualResult",
    "AnnualStanding",
    "annual_result",
    "follow_up_due",
    "grade_allowed",
    "grade_choices",
    "honours_eligible",
    "lowest_grade",
    "top_grade",
]
