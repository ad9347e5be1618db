"""Properties of the engine over generated rule sets and events (hypothesis)."""

from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring.core.annual import annual_result, grade_choices, lowest_grade
from scoring.core.engine import score_cycle, score_period
from scoring.core.periods import Period, PeriodKind, cycle_bounds
from scoring.core.ruleset import EvaluationKind, EvaluationMode
from tests.scoring_core.strategies import CYCLE, evaluation_values, event_for, scenarios

ZERO = Decimal(0)
ROUNDING = Decimal("1e-20")  # a Decimal division keeps 28 digits: allow for the last one


def run(ruleset, people, events, levels, last_totals):
    return score_cycle(ruleset, people, events, cycle=CYCLE, evaluations=levels, last_totals=last_totals)


@given(scenarios())
def test_caps_are_never_exceeded(scenario):
    ruleset = scenario[0]
    for score in run(*scenario).scores:
        for code, subtotal in score.item_subtotals.items():
            cap = ruleset.item(code).cap
            assert cap is None or abs(subtotal) <= cap
        for category in ruleset.categories:
            assert category.cap is None or abs(score.category_subtotals[category.code]) <= category.cap


@given(scenarios())
def test_a_veto_always_gives_zero(scenario):
    ruleset, _, events = scenario[:3]
    vetoed = {e.member for e in events if ruleset.item(e.item).veto}
    for score in run(*scenario).scores:
        assert score.veto == (score.member in vetoed)
        if score.veto:
            assert score.total == ZERO


@given(st.data(), scenarios())
def test_the_order_of_events_never_changes_a_score(data, scenario):
    ruleset, people, events, levels, last_totals = scenario
    shuffled = data.draw(st.permutations(events))
    assert run(ruleset, people, shuffled, levels, last_totals) == run(*scenario)


@given(st.data(), scenarios(veto_allowed=False))
def test_adding_a_bonus_event_never_lowers_a_total(data, scenario):
    """Precisely: adding one occurrence of a non-veto item whose points are ≥ 0 — either a fixed-points
    item, or a range item without a frequency limit — never lowers any member's total. (A range item with
    a limit is excluded: an earlier occurrence with fewer points may take the place of a later, richer one
    within the limit, which is what "occurrences past the limit are not counted" means.) Caps and the
    floor are monotone and the weighted evaluation keeps a positive share (1 − w) of the points, rescaled
    by a positive factor (full marks / points_full_marks), so no other rule can turn a gain into a loss."""
    ruleset, people, events, levels, last_totals = scenario
    bonus_items = [
        item
        for item in ruleset.items
        if item.lowest >= 0 and (item.points_range is None or item.limit is None)
    ]
    assume(bonus_items)
    item = data.draw(st.sampled_from(bonus_items))
    first, last = cycle_bounds(ruleset, CYCLE)
    extra = data.draw(event_for(ruleset, people, first, (last - first).days, item))
    before = run(*scenario)
    after = run(ruleset, people, [*events, extra], levels, last_totals)
    for score in before.scores:
        assert after[score.member].total >= score.total


@given(scenarios())
def test_ranking_is_a_permutation_consistent_with_totals(scenario):
    result = run(*scenario)
    kinds = scenario[0].ranked_kinds
    ranked = [s for s in result.scores if s.member_type in kinds]
    assert sorted(result.ranks()) == sorted(s.member for s in ranked)
    for score in result.scores:
        if score.member_type in kinds:
            # competition ranking: 1 + the number of ranked members with a strictly higher total
            assert score.rank == 1 + sum(other.total > score.total for other in ranked)
            assert score.reference_rank is None
        else:
            assert score.rank is None and score.reference_rank is not None
    assert [s.rank for s in ranked] == sorted(s.rank for s in ranked)


@settings(max_examples=50)
@given(scenarios(), st.sampled_from([PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF]))
def test_the_periods_of_a_cycle_add_up_to_the_cycle(scenario, kind):
    ruleset, people, events = scenario[:3]
    cycle = run(*scenario)
    count = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.HALF: 2}[kind]
    periods = [
        score_period(ruleset, people, events, period=Period(CYCLE, kind, i)) for i in range(1, count + 1)
    ]
    for score in cycle.scores:
        assert sum((p[score.member].points for p in periods), ZERO) == score.items_total
        for category in ruleset.categories:
            parts = sum((p[score.member].category_subtotals[category.code] for p in periods), ZERO)
            assert parts == score.category_subtotals[category.code]
        assert periods[-1][score.member].to_date.item_subtotals == score.item_subtotals


@settings(max_examples=50)
@given(scenarios(), st.integers(2, 4))
def test_a_period_never_exceeds_what_the_cycle_allows(scenario, quarter):
    """A quarter's points are what it adds to the capped cycle-to-date total, so the quarters so far
    never hold more than the cap."""
    ruleset, people, events = scenario[:3]
    now = score_period(ruleset, people, events, period=Period(CYCLE, PeriodKind.QUARTER, quarter))
    before = score_period(ruleset, people, events, period=Period(CYCLE, PeriodKind.QUARTER, quarter - 1))
    for score in now.scores:
        for code, to_date in score.to_date.item_subtotals.items():
            cap = ruleset.item(code).cap
            assert cap is None or abs(to_date) <= cap
            earlier = before[score.member].to_date.item_subtotals.get(code, ZERO)
            assert earlier + score.item_subtotals[code] == to_date


@given(scenarios(evaluation_mode=EvaluationMode.WEIGHTED))
def test_a_weighted_total_lies_between_the_rescaled_points_and_the_evaluation(scenario):
    """total = points' · (1 − w) + evaluation · w is a mix of the two, so (before the floor, and without a
    veto) it lies between points' — the points on the evaluation's scale — and the evaluation."""
    ruleset = scenario[0]
    evaluation = ruleset.evaluation
    for score in run(*scenario).scores:
        if score.veto:
            continue
        points_part = evaluation.points_part(score.points)
        low, high = sorted([points_part, score.evaluation])
        if ruleset.floor is not None:
            low, high = max(low, ruleset.floor), max(high, ruleset.floor)
        assert low - ROUNDING <= score.total <= high + ROUNDING


@given(st.data(), scenarios())
def test_a_better_evaluation_never_lowers_the_total(data, scenario):
    ruleset, people, events, given, last_totals = scenario
    assume(ruleset.evaluation is not None)
    scored = [person.member for person in people if person.scored]
    assume(scored)
    values = evaluation_values(ruleset.evaluation)
    member = data.draw(st.sampled_from(scored))
    worse, better = sorted([data.draw(values), data.draw(values)], key=ruleset.evaluation.value_for)
    low = run(ruleset, people, events, {**given, member: worse}, last_totals)[member]
    high = run(ruleset, people, events, {**given, member: better}, last_totals)[member]
    assert high.total >= low.total
    if ruleset.evaluation.kind is EvaluationKind.SCORE:
        assert (low.evaluation_score, high.evaluation_score) == (worse, better)


@given(st.data(), scenarios())
def test_the_suggested_grade_is_never_above_the_computed_grade(data, scenario):
    ruleset, people, events, given, last_totals = scenario
    names = [person.member for person in people]
    rankings = st.lists(st.dictionaries(st.sampled_from(names), st.integers(1, 4)), max_size=5)
    result = annual_result(
        ruleset,
        people,
        events,
        cycle=CYCLE,
        evaluations=given,
        last_totals=last_totals,
        branch_quarterly_ranks=data.draw(rankings),
        organization_ranks=data.draw(rankings),
    )
    choices = grade_choices(ruleset)
    for standing in result.standings:
        assert standing.graded == (standing.member_type in ruleset.ranked_kinds)
        if not standing.graded:
            assert standing.computed_grade is None and standing.suggested_grade is None
            continue
        if standing.veto:
            assert standing.suggested_grade == lowest_grade(ruleset)
        if standing.computed_grade is not None:
            assert choices.index(standing.suggested_grade) >= choices.index(standing.computed_grade)
        assert bool(standing.suggestion_reasons) == (standing.suggested_grade != standing.computed_grade)
