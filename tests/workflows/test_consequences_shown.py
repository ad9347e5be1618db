"""What the regulations attach to ranks is shown at 审定, computed by the core, never applied (001, 002)."""

import datetime
from decimal import Decimal

from scoring.core.periods import Period, PeriodKind
from scoring.models import RuleSetVersion
from scoring.services import ledger_record
from workflows.consequences import period_attention
from workflows.models import FrozenScore, PeriodApproval, PeriodReview
from workflows.periods import cycle_rules, period_scores


def _approved_quarter(world, index: int, ranks: dict) -> None:
    first, last = Period(2026, PeriodKind.QUARTER, index).bounds(1)
    review = PeriodReview.objects.create(
        branch=world.branch_a,
        cycle=2026,
        period_kind="quarter",
        period_index=index,
        starts_on=first,
        ends_on=last,
        status=PeriodReview.Status.ARCHIVED,
    )
    approval = PeriodApproval.objects.create(
        review=review, ruleset_version=RuleSetVersion.objects.first(), approved_by=world.secretary_a
    )
    for member, rank in ranks.items():
        FrozenScore.objects.create(
            approval=approval,
            member=member,
            period_total=Decimal(10 - rank),
            period_rank=rank,
            cycle_total=Decimal(0),
            breakdown={},
        )


def test_last_in_the_branch_four_quarters_running_is_shown_as_an_unqualified_candidate(world, rules_2026):
    # 刘洋 was last in Q1, Q2 and Q3; in Q4 everyone else studies (+2) and he does nothing: last again.
    liuyang = world.committee_a.member
    others = [world.member_a, world.other_member_a]
    for index in (1, 2, 3):
        _approved_quarter(world, index, {others[0]: 1, others[1]: 2, liuyang: 3})
    for member in others:
        ledger_record(
            member=member, item_code="study", occurred_on=datetime.date(2026, 10, 9), source="record", by=None
        )
    q4 = PeriodReview.objects.create(
        branch=world.branch_a,
        cycle=2026,
        period_kind="quarter",
        period_index=4,
        starts_on=datetime.date(2026, 10, 1),
        ends_on=datetime.date(2026, 12, 31),
    )
    attention = period_attention(q4, cycle_rules(world.branch_a, 2026), period_scores(q4))
    flagged = {(a.name, a.what) for a in attention}
    assert ("刘洋", "不合格等次候选") in flagged
    assert ("张伟", "不合格等次候选") not in flagged
    assert not FrozenScore.objects.filter(member=liuyang, grade="不合格").exists(), "shown, not applied"


def test_a_full_member_last_twice_in_the_branch_is_shown_as_not_to_be_graded_excellent(world, rules_2026):
    """001 五、5: 正式党员 last twice in the branch's quarterly ranking — 当年年度考核不得评定为优秀."""
    liuyang = world.committee_a.member
    others = [world.member_a, world.other_member_a]
    _approved_quarter(world, 1, {others[0]: 1, others[1]: 2, liuyang: 3})
    for member in others:
        ledger_record(
            member=member, item_code="study", occurred_on=datetime.date(2026, 5, 9), source="record", by=None
        )
    q2 = PeriodReview.objects.create(
        branch=world.branch_a,
        cycle=2026,
        period_kind="quarter",
        period_index=2,
        starts_on=datetime.date(2026, 4, 1),
        ends_on=datetime.date(2026, 6, 30),
    )
    attention = {
        (a.name, a.what): a.why
        for a in period_attention(q2, cycle_rules(world.branch_a, 2026), period_scores(q2))
    }
    assert attention[("刘洋", "不得评为优秀")] == "支部内季度排名2次最后一名"
