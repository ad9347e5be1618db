"""Hypothesis strategies: valid rule sets, members and events of one cycle."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from scoring.core.engine import Event, MemberInfo
from scoring.core.members import MemberType
from scoring.core.periods import cycle_bounds
from scoring.core.ruleset import (
    Category,
    CategoryKind,
    Evaluation,
    EvaluationKind,
    EvaluationMode,
    Evidence,
    Grade,
    Item,
    Limit,
    LimitPer,
    ProbationOutcome,
    RankRules,
    RuleSet,
    Source,
    Unsettled,
)
from scoring.core.ruleset_file import TOP_FIELDS

CYCLE = 2021

codes = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,8}", fullmatch=True)
plain_codes = st.sampled_from(["study", "meeting", "dues", "leave", "veto", "a1", "b-2", "c_3", "d", "e"])
# Names: letters (Chinese included), digits and punctuation YAML must quote; never blank at either end.
quoted_names = (
    st.text(
        alphabet=st.characters(categories=("L", "N"), include_characters=":#,-'\"[]{} 。,"),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
plain_names = st.sampled_from(["支部党员大会", "学习教育", "优秀", "合格", "请假", "特色活动"])
amounts = st.decimals(min_value=-30, max_value=30, places=1)
positives = st.decimals(min_value=Decimal("0.5"), max_value=60, places=1)
shares = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.99"), places=2)


@st.composite
def limits(draw) -> Limit:
    return Limit(per=draw(st.sampled_from(LimitPer)), times=draw(st.integers(1, 3)))


@st.composite
def items(
    draw, code: str, category_codes: list[str], *, veto_allowed: bool = True, names=quoted_names
) -> Item:
    veto = veto_allowed and draw(st.integers(0, 5)) == 0
    points, points_range = None, None
    kind = draw(st.sampled_from(["fixed", "range", "none"] if veto else ["fixed", "range"]))
    if kind == "fixed":
        points = draw(amounts)
    elif kind == "range":
        low, high = sorted(draw(st.lists(amounts, min_size=2, max_size=2)))
        points_range = (low, high)
    return Item(
        code=code,
        name=draw(names),
        category=draw(st.none() | st.sampled_from(category_codes)) if category_codes else None,
        points=points,
        points_range=points_range,
        cap=draw(st.none() | positives),
        limit=draw(st.none() | limits()),
        evidence=draw(st.sampled_from(Evidence)),
        source=draw(st.sampled_from(Source)),
        veto=veto,
        description=draw(st.just("") | names),
    )


@st.composite
def thresholds(draw, names=quoted_names) -> list[tuple[str, Decimal | None]]:
    minimums = sorted(set(draw(st.lists(amounts, max_size=4))), reverse=True)
    if minimums and draw(st.booleans()):
        minimums.append(None)
    labels = draw(st.lists(names, min_size=len(minimums), max_size=len(minimums), unique=True))
    return list(zip(labels, minimums, strict=True))


@st.composite
def evaluations(draw, names=quoted_names, *, mode: EvaluationMode | None = None) -> Evaluation:
    """Levels (with or without a ``max`` at or above the highest level) or a vote score (``max`` > 0);
    weighted ones may rescale the points (``points_full_marks``) when the full marks are positive."""
    mode = mode or draw(st.sampled_from(EvaluationMode))
    kind = draw(st.sampled_from(EvaluationKind))
    weight = draw(shares) if mode is EvaluationMode.WEIGHTED else None
    if kind is EvaluationKind.SCORE:
        levels: dict[str, Decimal] = {}
        maximum: Decimal | None = draw(positives)
    else:
        levels = draw(st.dictionaries(names, amounts, min_size=1, max_size=4))
        highest = max(levels.values())
        maximum = draw(
            st.none() | st.decimals(min_value=max(highest, Decimal("0.5")), max_value=60, places=1)
        )
    full_marks = maximum if maximum is not None else max(levels.values())
    rescale = mode is EvaluationMode.WEIGHTED and full_marks > 0
    return Evaluation(
        mode=mode,
        levels=tuple(levels.items()),
        weight=weight,
        kind=kind,
        max=maximum,
        points_full_marks=draw(st.none() | positives) if rescale else None,
    )


unsettled_fields = st.sampled_from([*TOP_FIELDS, "evaluation.levels", "items[0].points"])
ranked_kinds = st.frozensets(st.sampled_from(MemberType), min_size=1)


@st.composite
def rulesets(
    draw,
    *,
    veto_allowed: bool = True,
    fancy_names: bool = True,
    evaluation_mode: EvaluationMode | None = None,
) -> RuleSet:
    """Valid rule sets; ``fancy_names`` draws names YAML must quote (slow), otherwise from a short list;
    ``evaluation_mode`` set: always an evaluation of that mode."""
    names = quoted_names if fancy_names else plain_names
    codes_ = codes if fancy_names else plain_codes
    category_codes = draw(st.lists(codes_, max_size=3, unique=True))
    categories = tuple(
        Category(
            code=code,
            name=draw(names),
            cap=draw(st.none() | positives),
            description=draw(st.just("") | names),
            kind=draw(st.none() | st.sampled_from(CategoryKind)),
        )
        for code in category_codes
    )
    item_codes = draw(st.lists(codes_, min_size=1, max_size=6, unique=True))
    rule_items = tuple(
        draw(items(code, category_codes, veto_allowed=veto_allowed, names=names)) for code in item_codes
    )
    rank_rules = draw(
        st.none()
        | st.builds(
            RankRules,
            st.none() | st.integers(1, 6),
            st.none() | st.integers(1, 6),
            st.none() | st.integers(1, 6),
            st.none() | st.integers(1, 6),
            st.none() | st.integers(1, 6),
        )
    )
    if evaluation_mode is None:
        evaluation = draw(st.none() | evaluations(names))
    else:
        evaluation = draw(evaluations(names, mode=evaluation_mode))
    return RuleSet(
        code=draw(codes_),
        name=draw(names),
        items=rule_items,
        categories=categories,
        cycle_start_month=draw(st.integers(1, 12)),
        base_points=draw(amounts),
        floor=draw(st.none() | amounts),
        carry_over=draw(st.none() | shares),
        evaluation=evaluation,
        grades=tuple(Grade(n, m) for n, m in draw(thresholds(names))),
        probation=tuple(ProbationOutcome(n, m) for n, m in draw(thresholds(names))),
        rank_rules=rank_rules,
        extends=draw(st.none() | codes_),
        description=draw(st.just("") | names),
        ranked_kinds=draw(ranked_kinds),
        unsettled=tuple(draw(st.lists(st.builds(Unsettled, unsettled_fields, names), max_size=3))),
    )


member_names = st.sampled_from(["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆"])


@st.composite
def members(draw) -> list[MemberInfo]:
    chosen = draw(st.lists(member_names, min_size=1, max_size=6, unique=True))
    return [
        MemberInfo(name, draw(st.sampled_from(MemberType)), draw(st.integers(0, 9)) > 0) for name in chosen
    ]


@st.composite
def events_for(draw, ruleset: RuleSet, people: list[MemberInfo], *, max_size: int = 30) -> list[Event]:
    first, last = cycle_bounds(ruleset, CYCLE)
    picks = draw(
        st.lists(
            st.tuples(
                st.sampled_from(ruleset.items),
                st.sampled_from(people),
                st.integers(0, (last - first).days),
                st.integers(0, 99),
                st.integers(0, 10),
            ),
            max_size=max_size,
        )
    )
    return [
        Event(person.member, first + timedelta(days=day), item.code, _points_in(item, tenths), ref=str(ref))
        for item, person, day, ref, tenths in picks
    ]


def _points_in(item: Item, tenths: int) -> Decimal | None:
    """Points for a range item: one of eleven evenly spaced values from its lower to its upper bound."""
    if item.points_range is None:
        return None
    low, high = item.points_range
    return (low + (high - low) * tenths / 10).quantize(Decimal("0.01"))


@st.composite
def event_for(
    draw, ruleset: RuleSet, people: list[MemberInfo], first: date, days: int, item: Item | None = None
):
    item = item or draw(st.sampled_from(ruleset.items))
    points = None
    if item.points_range is not None:
        low, high = item.points_range
        points = draw(st.decimals(min_value=low, max_value=high, places=1))
    return Event(
        member=draw(st.sampled_from(people)).member,
        date=first + timedelta(days=draw(st.integers(0, days))),
        item=item.code,
        points=points,
        ref=str(draw(st.integers(0, 99))),
    )


def evaluation_values(evaluation: Evaluation):
    """What one member's 民主评议 may be: a level name (levels kind) or a vote score in [0, max]."""
    if evaluation.kind is EvaluationKind.SCORE:
        return st.decimals(min_value=0, max_value=evaluation.full_marks, places=1)
    return st.sampled_from(evaluation.level_names)


@st.composite
def scenarios(draw, *, veto_allowed: bool = True, evaluation_mode: EvaluationMode | None = None):
    """(rule set, members, events, evaluations, last totals) of cycle CYCLE."""
    ruleset = draw(rulesets(veto_allowed=veto_allowed, fancy_names=False, evaluation_mode=evaluation_mode))
    people = draw(members())
    events = draw(events_for(ruleset, people))
    given = {}
    if ruleset.evaluation is not None:
        given = draw(
            st.dictionaries(
                st.sampled_from([m.member for m in people]), evaluation_values(ruleset.evaluation)
            )
        )
    last_totals = draw(st.dictionaries(st.sampled_from([m.member for m in people]), amounts))
    return ruleset, people, events, given, last_totals
