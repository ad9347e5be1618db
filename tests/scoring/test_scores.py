"""From the ledger to the core: events, scores of a branch, and who sees which entries."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Member
from scoring.core import Period, PeriodKind
from scoring.models import LedgerEntry
from scoring.selectors import branch_scores, events_for, ledger_visible_to
from scoring.services import ledger_record, ledger_reverse
from tests.factories import make_member
from tests.scoring.conftest import CYCLE

D = datetime.date


def record(world, member, item_code, day, points=None) -> LedgerEntry:
    return ledger_record(
        member=member,
        item_code=item_code,
        occurred_on=day,
        points=points,
        source=LedgerEntry.Source.RECORD,
        by=world.clerk_a,
    )


@pytest.fixture
def year_of_member_a(world, unified):
    """张伟's 2026 under the 二七区 rules (seed 001)."""
    member = world.member_a
    for month in range(1, 13):
        record(world, member, "branch-meeting", D(2026, month, 10))
    record(world, member, "branch-meeting", D(2026, 3, 20))  # a second one in March: over the monthly limit
    for month in range(1, 8):
        record(world, member, "innovative-activity", D(2026, month, 15))
    record(world, member, "absent-on-leave", D(2026, 5, 6))
    wrong = record(world, member, "circular-criticism", D(2026, 6, 1))
    ledger_reverse(entry=wrong, by=world.secretary_a, reason="通报对象登记错误")
    return member


def test_events_for_leave_out_a_reversed_entry_together_with_its_reversal(world, year_of_member_a):
    events = events_for(world.branch_a, CYCLE)
    assert len(events) == 12 + 1 + 7 + 1
    assert not [e for e in events if e.item == "circular-criticism"]
    assert {e.member for e in events} == {str(world.member_a.pk)}
    assert LedgerEntry.objects.filter(item_code="circular-criticism").count() == 2  # both stay in the ledger


def test_branch_scores_follow_the_regulation_for_a_member_year(world, year_of_member_a):
    key = str(world.member_a.pk)
    result = branch_scores(world.branch_a, CYCLE, evaluations={key: "优秀"})
    score = result[key]
    assert score.item_subtotals["branch-meeting"] == 12  # 13 meetings, one over the March limit
    assert score.item_subtotals["innovative-activity"] == 10  # 7 activities × 2 = 14, capped at 10
    assert score.category_subtotals["deduction"] == Decimal("-0.5")  # on leave once; the circular reversed
    assert score.points == Decimal("21.5")  # 12 + 10 − 0.5
    assert score.total == Decimal("40.75")  # 21.5 × 100 / 140 (积分折算为百分制) × 0.7 + 优秀 100 × 0.3
    assert score.rank == 1
    assert len(result.dropped) == 1


def test_a_veto_zeroes_the_year_and_a_reversed_veto_does_not(world, unified):
    record(world, world.member_a, "study", D(2026, 2, 1))
    record(world, world.other_member_a, "study", D(2026, 2, 1))
    record(world, world.member_a, "disciplinary-sanction", D(2026, 4, 1))
    mistaken = record(world, world.other_member_a, "disciplinary-sanction", D(2026, 4, 1))
    ledger_reverse(entry=mistaken, by=world.secretary_a, reason="处分对象登记错误")
    result = branch_scores(world.branch_a, CYCLE)
    assert result[str(world.member_a.pk)].veto and result[str(world.member_a.pk)].total == 0
    assert not result[str(world.other_member_a.pk)].veto
    assert result[str(world.other_member_a.pk)].points == 2


def test_every_member_of_the_branch_is_scored_exempt_ones_are_not_and_observed_ones_are_not_ranked(
    world, unified
):
    exempt = make_member(branch=world.branch_a, real_name="老同志", status=Member.Status.EXEMPT)
    candidate = make_member(branch=world.branch_a, real_name="小李", kind=Member.Kind.CANDIDATE)
    record(world, candidate, "study", D(2026, 2, 1))
    result = branch_scores(world.branch_a, CYCLE)
    assert result.exempt == (str(exempt.pk),)
    assert result[str(candidate.pk)].rank is None
    assert result[str(candidate.pk)].reference_rank == 1
    assert result[str(world.member_a.pk)].rank == 1  # five members of branch A tie at 0
    assert str(world.outsider.pk) not in {s.member for s in result.scores}


def test_a_member_who_left_during_the_cycle_is_scored_with_the_entries_of_the_old_branch(world, unified):
    from accounts.services import member_transfer

    record(world, world.member_a, "study", D(2026, 2, 1))
    member_transfer(member=world.member_a, to_branch=world.branch_b, on=D(2026, 7, 1), by=None, reason="调动")
    record(world, Member.objects.get(pk=world.member_a.pk), "study", D(2026, 8, 1))
    in_a = branch_scores(world.branch_a, CYCLE)[str(world.member_a.pk)]
    in_b = branch_scores(world.branch_b, CYCLE)[str(world.member_a.pk)]
    assert (in_a.points, in_b.points) == (2, 2)


def test_quarter_scores_are_the_increments_of_the_year(world, year_of_member_a):
    key = str(world.member_a.pk)
    q1 = branch_scores(world.branch_a, CYCLE, Period(CYCLE, PeriodKind.QUARTER, 1))[key]
    q2 = branch_scores(world.branch_a, CYCLE, Period(CYCLE, PeriodKind.QUARTER, 2))[key]
    assert q1.points == 3 + 6  # three meetings; three activities × 2
    assert q2.points == 3 + 4 - Decimal("0.5")  # three meetings; 2 of 4 activities fit under the cap of 10


def test_scores_use_the_points_in_the_ledger_not_a_later_price(world, unified):
    from scoring.services import ruleset_revise
    from tests.scoring.conftest import preset_text

    record(world, world.member_a, "study", D(2026, 2, 1))
    text = preset_text("erqi-2021").replace("    points: 2\n    cap: 40", "    points: 3\n    cap: 40")
    ruleset_revise(ruleset=unified, text=text, by=world.higher, note="学习教育改为3分")
    record(world, world.member_a, "study", D(2026, 3, 1))
    assert branch_scores(world.branch_a, CYCLE)[str(world.member_a.pk)].item_subtotals["study"] == 5


# ---------------------------------------------------------------- who sees which entries


@pytest.fixture
def entries(world, unified):
    a = record(world, world.member_a, "study", D(2026, 2, 1))
    other = record(world, world.other_member_a, "study", D(2026, 2, 1))
    b = ledger_record(
        member=world.outsider,
        item_code="study",
        occurred_on=D(2026, 2, 1),
        source=LedgerEntry.Source.RECORD,
        by=world.clerk_b,
    )
    return a, other, b


def test_the_branch_clerk_and_committee_see_the_branch_ledger_only(world, entries):
    a, other, _ = entries
    for user in (world.clerk_a, world.committee_a, world.secretary_a):
        assert set(ledger_visible_to(user)) == {a, other}


def test_a_member_sees_only_own_entries(world, entries):
    a, _, _ = entries
    assert list(ledger_visible_to(world.member_a.user)) == [a]


def test_the_outsider_sees_nothing_of_branch_a(world, entries):
    _, _, b = entries
    assert list(ledger_visible_to(world.outsider.user)) == [b]
    assert set(ledger_visible_to(world.clerk_b)) == {b}


def test_the_higher_committee_sees_every_branch_below(world, entries):
    assert set(ledger_visible_to(world.higher)) == set(entries)


def test_anonymous_sees_nothing(world, entries):
    from django.contrib.auth.models import AnonymousUser

    assert not ledger_visible_to(AnonymousUser()).exists()
