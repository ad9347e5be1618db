"""The pure scoring core (积分计算核心): rule set + events → scores, grades, ranks. No Django here.

Plain typed Python with ``Decimal`` for every number, tested without a database
(``tests/scoring_core``; a test fails if anything in this package imports Django).

Rule sets — ``scoring.core.ruleset``
    Frozen dataclasses ``RuleSet``, ``Category``, ``Item``, ``Limit``, ``Evaluation``, ``Grade``,
    ``ProbationOutcome``, ``RankRules``, ``Unsettled(field, note)``; enums ``LimitPer``, ``Evidence``,
    ``Source``, ``EvaluationMode`` (added, weighted), ``EvaluationKind`` (levels, score).
    ``RuleSet.item(code)``, ``RuleSet.grade_for(total)``, ``RuleSet.probation_outcome_for(total)``;
    ``RuleSet.ranked_kinds: frozenset[MemberType]`` (default 正式党员 + 预备党员), ``RuleSet.unsettled``.
    ``Evaluation(mode, levels=(), weight=None, kind=LEVELS, max=None, points_full_marks=None)``:
    ``.full_marks`` (``max``, else the highest level value), ``.value_for(level_or_score) -> Decimal``
    (``ValueError`` in Chinese: ``UNKNOWN_LEVEL``, ``SCORE_OUT_OF_RANGE``, ``LEVEL_EXPECTED``,
    ``SCORE_EXPECTED``), ``.points_part(points)``, ``.combine(points, evaluation)``.
    ``RankRules``: ``unqualified_after_consecutive_last``, ``probation_branch_last``,
    ``probation_organization_last``, ``not_excellent_branch_last``, ``not_excellent_organization_last``.

The rule-set file — ``scoring.core.ruleset_file``
    ``class FieldError(NamedTuple): path: str; message: str``
        e.g. (``items[3].points``, "分值区间下限不能大于上限")
    ``class RuleSetError(ValueError)``: ``.errors: list[FieldError]``, ``.lines``, ``str()`` one error a line
    ``parse_ruleset(text: str, *, source: str = "<规则文件>") -> RuleSet``
    ``ruleset_from_dict(data: Mapping) -> RuleSet``
    ``ruleset_to_dict(rs: RuleSet) -> dict``                    (numbers stay Decimal)
    ``dump_ruleset(rs: RuleSet) -> str``                        (``parse_ruleset(dump_ruleset(rs)) == rs``)
    Beyond v1: ``evaluation: {kind: score, max: 20, mode: added}`` (levels kind: ``levels`` required,
    ``max`` optional), ``evaluation.points_full_marks`` (weighted only), ``ranked_kinds: [正式党员]``,
    ``rank_rules.not_excellent_*``, ``unsettled: [{field: grades, note: …}]``; v1 files dump as before.

Inheritance (自主设定项目) — ``scoring.core.inherit``
    ``merge_rulesets(unified: RuleSet, local: Mapping) -> RuleSet``: adds and refines items and categories;
    a cap may be lowered, never raised or removed (``CAP_LOOSENED``); ``UNIFIED_KEYS`` (ranked_kinds,
    evaluation, grades, probation, rank_rules, carry_over, base_points, floor, cycle_start_month) may not
    change (``UNIFIED_ONLY``); local ``unsettled`` notes are appended.
    ``read_ruleset(text, *, source, resolve: Callable[[str], RuleSet | None]) -> RuleSet``
        (follows ``extends``)
    ``read_ruleset_file(path, *, resolve=None) -> RuleSet``

Presets — ``scoring.core.presets``
    ``preset_codes() -> list[str]``, ``load_preset(code: str) -> RuleSet``,
    ``find_preset(code) -> RuleSet | None``

Periods — ``scoring.core.periods``
    ``PeriodKind`` (month, quarter, half, cycle); ``Period(cycle: int, kind: PeriodKind, index: int = 1)``
    with ``.bounds(ruleset_or_start_month)``; ``cycle_bounds(ruleset_or_start_month, year) -> (first, last)``;
    ``period_of(day, kind=PeriodKind.CYCLE, ruleset_or_start_month=1) -> Period``; ``cycle_of(day, ...)``.
    A cycle is named by the year it ends in: start month 12 = December YEAR−1 … November YEAR.

Scoring — ``scoring.core.engine``
    ``MemberType`` (正式党员, 预备党员, 发展对象, 入党积极分子; from ``scoring.core.members``)
    ``MemberInfo(member: str, member_type: MemberType, scored: bool = True)``
    ``Event(member: str, date: date, item: str, points: Decimal | None = None, ref: str = "")``
    ``score_cycle(ruleset, members, events, *, cycle: int,
                  evaluations: Mapping[str, str | Decimal] | None = None,
                  last_totals: Mapping[str, Decimal] | None = None) -> CycleResult``
        (an evaluation is a level name or a vote score; a member without one gets 0 for it)
    ``score_period(ruleset, members, events, *, period: Period, evaluations=None, last_totals=None)
                  -> PeriodResult``   (``evaluations`` None: the evaluation step is skipped; it enters
                  ``to_date`` only for a period ending with the cycle)
    ``validate_event(ruleset, event, *, cycle: int) -> list[str]``   (Chinese messages)
    ``event_field_errors(ruleset, event, *, cycle: int) -> list[tuple[str, str]]``  ((field, message))
    ``CycleResult.scores: tuple[MemberScore, ...]`` (by rank then member), ``result[member]``,
    ``.ranks()``, ``.dropped``, ``.exempt``. ``MemberScore``: ``item_subtotals``, ``category_subtotals``,
    ``items_total``, ``base``, ``carry_over``, ``points``, ``evaluation_level``, ``evaluation_score``,
    ``evaluation``, ``total``, ``veto``, ``grade``, ``rank`` (None for kinds not in ``ranked_kinds``),
    ``reference_rank``, ``dropped``.
    ``PeriodResult`` / ``PeriodScore`` likewise, plus ``to_date: MemberScore``.
    The order of application and the period semantics are in the engine's docstring.

Ranking — ``scoring.core.ranking``
    ``competition_ranks(totals: Mapping[str, Decimal]) -> dict[str, int]`` (1, 2, 2, 4),
    ``last_placed(ranks) -> set[str]``

Consequences — ``scoring.core.consequences`` (computed, never applied)
    ``rank_flags(ruleset, *, branch_quarterly_ranks, organization_ranks=(), probationary=(),
               full_members=()) -> list[Flag]``
    ``Flag(member, kind: FlagKind, reason)``; ``FlagKind``: ``UNQUALIFIED_CANDIDATE``,
    ``NOT_ADMITTED_ON_TIME``, ``NOT_EXCELLENT`` (不得评为优秀)
    ``unqualified_candidates(...)``, ``not_admitted_on_time(...)``, ``not_excellent(...)``,
    ``probation_outcomes(ruleset, result: CycleResult) -> dict[str, str]``,
    ``new_member_backfill(ruleset, branch_members, events, *, member, joined, cycle) -> Backfill``

The year's result (年度总评) — ``scoring.core.annual``
    ``annual_result(ruleset, members, events, *, cycle, evaluations=None, last_totals=None,
                    branch_quarterly_ranks=(), organization_ranks=()) -> AnnualResult``
    ``AnnualResult``: ``standings`` (by rank then member, ungraded after graded), ``result[member]``,
    ``.exempt``. ``AnnualStanding``: ``graded``, ``items_total``, ``base``, ``carry_over``, ``points``,
    ``evaluation_level``, ``evaluation_score``, ``evaluation``, ``total``, ``veto``, ``computed_grade``,
    ``suggested_grade``, ``rank``, ``reference_rank``, ``flags``, ``probation_outcome``,
    ``suggestion_reasons``, ``honours_eligible``.
    ``grade_choices(ruleset)``, ``top_grade``, ``lowest_grade``, ``DEFAULT_GRADES``;
    ``honours_eligible(ruleset, *, grade, veto, flags) -> bool``;
    ``grade_allowed(ruleset, *, grade, veto) -> str | None`` (None, or the refusal in Chinese).

The simulator's files (试算) — ``scoring.core.simulate`` (contract v2 in its docstring)
    ``read_events(text, *, source, ruleset, cycle) -> EventsFile``,
    ``read_evaluations(...) -> dict[str, str | Decimal]`` (``member,level`` or ``member,score``),
    ``read_previous(...) -> dict[str, Decimal]`` (``member,total``), ``result_csv(ruleset, result) -> str``,
    ``dropped_report(...)``; ``InputError.messages``.
    ``manage.py score_simulate`` only wires these to files, stdout and stderr.
"""

from scoring.core.annual import (
    AnnualResult,
    AnnualStanding,
    annual_result,
    grade_allowed,
    grade_choices,
    honours_eligible,
    lowest_grade,
    top_grade,
)
from scoring.core.engine import (
    CycleResult,
    DroppedEvent,
    Event,
    MemberInfo,
    MemberScore,
    PeriodResult,
    PeriodScore,
    event_field_errors,
    score_cycle,
    score_period,
    validate_event,
)
from scoring.core.inherit import merge_rulesets, read_ruleset, read_ruleset_file
from scoring.core.members import MemberType
from scoring.core.periods import Period, PeriodKind, cycle_bounds, period_of
from scoring.core.presets import load_preset, preset_codes
from scoring.core.ruleset import (
    Category,
    Evaluation,
    EvaluationKind,
    EvaluationMode,
    Grade,
    Item,
    Limit,
    RankRules,
    RuleSet,
    Unsettled,
)
from scoring.core.ruleset_file import (
    FieldError,
    RuleSetError,
    dump_ruleset,
    parse_ruleset,
    ruleset_from_dict,
    ruleset_to_dict,
)

__all__ = [
    "AnnualResult",
    "AnnualStanding",
    "Category",
    "CycleResult",
    "DroppedEvent",
    "Evaluation",
    "EvaluationKind",
    "EvaluationMode",
    "Event",
    "FieldError",
    "Grade",
    "Item",
    "Limit",
    "MemberInfo",
    "MemberScore",
    "MemberType",
    "Period",
    "PeriodKind",
    "PeriodResult",
    "PeriodScore",
    "RankRules",
    "RuleSet",
    "RuleSetError",
    "Unsettled",
    "annual_result",
    "cycle_bounds",
    "dump_ruleset",
    "event_field_errors",
    "grade_allowed",
    "grade_choices",
    "honours_eligible",
    "load_preset",
    "lowest_grade",
    "merge_rulesets",
    "parse_ruleset",
    "period_of",
    "preset_codes",
    "read_ruleset",
    "read_ruleset_file",
    "ruleset_from_dict",
    "ruleset_to_dict",
    "score_cycle",
    "score_period",
    "top_grade",
    "validate_event",
]
