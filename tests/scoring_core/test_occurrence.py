"""The claim-time question: would one more occurrence count, and would it add points?"""

from datetime import date
from decimal import Decimal

from scoring.core.engine import Event, MemberInfo, MemberType
from scoring.core.occurrence import occurrence_effect
from scoring.core.ruleset import Item, Limit, LimitPer, RuleSet

RULES = RuleSet(
    code="t",
    name="t",
    items=(
        Item(code="meeting", name="支部党员大会", points=Decimal(1), limit=Limit(LimitPer.MONTH, 1)),
        Item(code="special", name="特色活动", points=Decimal(2), cap=Decimal(10)),
    ),
)
ZHANG = MemberInfo("1", MemberType.FULL)


def test_a_second_meeting_in_the_same_month_is_past_the_monthly_limit():
    events = [Event("1", date(2026, 3, 2), "meeting")]
    effect = occurrence_effect(RULES, ZHANG, events, Event("1", date(2026, 3, 20), "meeting"), cycle=2026)
    assert not effect.counted
    assert effect.limit_reason


def test_a_meeting_in_the_next_month_counts_one_point():
    events = [Event("1", date(2026, 3, 2), "meeting")]
    effect = occurrence_effect(RULES, ZHANG, events, Event("1", date(2026, 4, 1), "meeting"), cycle=2026)
    assert effect.counted and effect.adds == Decimal(1)


def test_a_sixth_special_activity_adds_nothing_once_5_x_2_reached_the_cap_of_10():
    events = [Event("1", date(2026, m, 1), "special") for m in range(1, 6)]
    effect = occurrence_effect(RULES, ZHANG, events, Event("1", date(2026, 7, 1), "special"), cycle=2026)
    assert effect.counted and effect.adds_nothing


def test_other_members_events_do_not_count_against_the_member():
    events = [Event("2", date(2026, 3, 2), "meeting")]
    effect = occurrence_effect(RULES, ZHANG, events, Event("1", date(2026, 3, 20), "meeting"), cycle=2026)
    assert effect.counted
