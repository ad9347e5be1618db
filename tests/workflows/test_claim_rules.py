"""申报 and 登记 against the rules: every claim the regulation does not allow is refused with a clear
Chinese message, and nothing is written — no claim, no process, no task, no ledger entry, no audit row."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from scoring.models import LedgerEntry
from workflows import messages
from workflows.claims import branch_record, claim_approve, claim_reject, claim_return, claim_submit
from workflows.flows import ClaimFlow
from workflows.models import Claim
from workflows.periods import period_start

from .helpers import Q1, freeze, nothing_changes, open_task, perform, photo

D = datetime.date
MARCH_10 = D(2026, 3, 10)


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


def submit(world, *, member=None, item="innovative-activity", day=MARCH_10, files=None, **kw):
    member = member or world.member_a
    return claim_submit(
        member=member,
        item_code=item,
        occurred_on=day,
        evidence=[photo()] if files is None else files,
        by=member.user,
        **kw,
    )


def refused(call, field: str | None = None) -> list[str]:
    """The messages a refused call gives (on ``field`` when named), after checking nothing changed."""
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        call()
    if field is None:
        return caught.value.messages
    return [str(m) for m in caught.value.message_dict[field]]


def test_a_claim_within_the_rules_is_accepted_and_starts_its_process(world, rules_2026):
    claim = submit(world)
    assert claim.status == Claim.Status.SUBMITTED
    assert open_task(claim.process, ClaimFlow.record)


def test_an_item_the_branch_records_cannot_be_claimed_by_the_member(world, rules_2026):
    errors = refused(lambda: submit(world, item="branch-meeting"), "item_code")
    assert errors == [messages.ITEM_NOT_CLAIMABLE % {"item": "支部党员大会"}]


def test_an_item_members_claim_cannot_be_entered_by_the_clerk(world, rules_2026):
    call = lambda: branch_record(  # noqa: E731
        member=world.member_a, item_code="innovative-activity", occurred_on=D(2026, 3, 10), by=world.clerk_a
    )
    assert refused(call, "item_code") == [messages.ITEM_NOT_RECORDABLE % {"item": "创新型特色党员活动"}]


def test_an_item_not_in_the_rules_is_refused(world, rules_2026):
    assert refused(lambda: submit(world, item="no-such-item"), "item_code") == [messages.ITEM_UNKNOWN]


def test_a_date_outside_the_cycle_in_force_is_refused(world, rules_2026):
    errors = refused(lambda: submit(world, day=D(2025, 12, 15)), "occurred_on")
    assert errors == [messages.NO_RULESET % {"branch": "第一党支部", "date": "2025年12月15日"}]


def test_a_date_in_the_future_is_refused(world, rules_2026):
    assert refused(lambda: submit(world, day=D(2026, 3, 21)), "occurred_on") == [messages.DATE_IN_FUTURE]


def test_an_item_past_its_frequency_limit_is_refused(world, rules_2026):
    # 支部党员大会: once a month. The second meeting in March counts for nothing and is not entered.
    branch_record(
        member=world.member_a, item_code="branch-meeting", occurred_on=D(2026, 3, 3), by=world.clerk_a
    )
    call = lambda: branch_record(  # noqa: E731
        member=world.member_a, item_code="branch-meeting", occurred_on=D(2026, 3, 17), by=world.clerk_a
    )
    errors = refused(call, "occurred_on")
    assert errors == [messages.PAST_LIMIT % {"reason": "超过频次限制(每月1次),不计分"}]


def test_the_next_month_is_within_the_limit_again(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 4, 20, 10)
    branch_record(
        member=world.member_a, item_code="branch-meeting", occurred_on=D(2026, 3, 3), by=world.clerk_a
    )
    claim = branch_record(
        member=world.member_a, item_code="branch-meeting", occurred_on=D(2026, 4, 3), by=world.clerk_a
    )
    assert claim.status == Claim.Status.RECORDED


def test_a_claim_without_the_evidence_the_item_requires_is_refused(world, rules_2026):
    assert refused(lambda: submit(world, files=[]), "evidence") == [messages.EVIDENCE_REQUIRED]


@pytest.mark.parametrize(
    "points, message",
    [
        ("3", "分值 3 超出项目“代表区纪委参加区级及以上比赛或表演类活动”的分值区间 1 至 2"),
        ("0.5", "分值 0.5 超出项目“代表区纪委参加区级及以上比赛或表演类活动”的分值区间 1 至 2"),
        ("-1", "分值 -1 超出项目“代表区纪委参加区级及以上比赛或表演类活动”的分值区间 1 至 2"),
    ],
)
def test_points_outside_the_items_range_are_refused(world, rules_2026, points, message):
    call = lambda: submit(world, item="competition", points=Decimal(points))  # noqa: E731
    assert refused(call, "points") == [message]


def test_points_on_a_fixed_item_are_not_taken_from_the_member(world, rules_2026):
    claim = submit(world, points=Decimal(9))
    assert claim.points_requested is None


def test_the_same_item_on_the_same_day_cannot_be_claimed_twice(world, rules_2026):
    submit(world)
    errors = refused(lambda: submit(world), "occurred_on")
    assert errors == [messages.DUPLICATE_CLAIM % {"date": "2026年3月10日", "item": "创新型特色党员活动"}]


def test_the_database_itself_refuses_a_second_live_claim_for_the_same_day(world, rules_2026):
    first = submit(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            member=first.member,
            branch=first.branch,
            ruleset_version=first.ruleset_version,
            item_code=first.item_code,
            occurred_on=first.occurred_on,
            created_by=first.created_by,
        )


def test_a_rejected_claim_may_be_claimed_again(world, rules_2026):
    claim = submit(world)
    perform(open_task(claim.process, ClaimFlow.record), world.clerk_a, lambda **kw: _record(claim, **kw))
    perform(
        open_task(claim.process, ClaimFlow.review),
        world.committee_a,
        lambda **kw: claim_reject(claim=claim, reason="照片不清晰", **kw),
    )
    again = submit(world)
    assert again.pk != claim.pk and again.status == Claim.Status.SUBMITTED


def _record(claim, **kw):
    from workflows.claims import claim_record

    return claim_record(claim=claim, **kw)


def test_a_claim_for_another_member_is_refused(world, rules_2026):
    call = lambda: claim_submit(  # noqa: E731
        member=world.other_member_a,
        item_code="innovative-activity",
        occurred_on=D(2026, 3, 10),
        evidence=[photo()],
        by=world.member_a.user,
    )
    assert refused(call) == [messages.NOT_A_MEMBER]


def test_a_claim_dated_in_a_period_under_review_is_refused(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 4, 2, 9)
    review = period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
    errors = refused(lambda: submit(world, day=D(2026, 3, 25)), "occurred_on")
    assert errors == [messages.PERIOD_CLOSED_FOR_CLAIMS % {"period": review.label}]
    call = lambda: branch_record(  # noqa: E731
        member=world.member_a, item_code="dues", occurred_on=D(2026, 3, 25), by=world.clerk_a
    )
    assert refused(call, "occurred_on") == [messages.PERIOD_CLOSED_FOR_CLAIMS % {"period": review.label}]
    assert submit(world, day=D(2026, 4, 1)).status == Claim.Status.SUBMITTED  # the next quarter is open


def test_a_claim_at_the_items_cap_is_accepted_only_once_the_member_knows_it_adds_nothing(world, rules_2026):
    # 创新型特色党员活动: 2 points a time, at most 10 a year — five claims reach the cap.
    for day in range(1, 6):
        submit(world, day=D(2026, 3, day))
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        submit(world, day=D(2026, 3, 6))
    (error,) = caught.value.error_dict["cap_acknowledged"]
    assert error.code == "cap_reached"
    assert error.messages == [messages.CAP_REACHED % {"item": "创新型特色党员活动"}]

    claim = submit(world, day=D(2026, 3, 6), cap_acknowledged=True)
    assert claim.cap_acknowledged and claim.status == Claim.Status.SUBMITTED


def test_an_exempted_member_has_nothing_to_claim(world, rules_2026):
    from accounts.models import Member

    Member.objects.filter(pk=world.member_a.pk).update(status=Member.Status.EXEMPT)
    world.member_a.refresh_from_db()
    assert refused(lambda: submit(world)) == [messages.MEMBER_EXEMPT]


# --- 登记 and 审核 ---------------------------------------------------------------------------


@pytest.fixture
def recorded(world, rules_2026):
    """A competition claim (1 to 2 points), recorded by the clerk and waiting for the committee."""
    claim = submit(world, item="competition", points=Decimal(2))
    perform(open_task(claim.process, ClaimFlow.record), world.clerk_a, lambda **kw: _record(claim, **kw))
    claim.refresh_from_db()
    return claim


def test_a_claim_returned_without_a_reason_is_refused(world, rules_2026):
    claim = submit(world)
    task = open_task(claim.process, ClaimFlow.record)
    call = lambda: perform(task, world.clerk_a, lambda **kw: claim_return(claim=claim, reason=" ", **kw))  # noqa: E731
    assert refused(call, "reason") == [messages.REASON_REQUIRED]


def test_a_claim_rejected_without_a_reason_is_refused(world, recorded):
    task = open_task(recorded.process, ClaimFlow.review)
    call = lambda: perform(  # noqa: E731
        task, world.committee_a, lambda **kw: claim_reject(claim=recorded, reason="", **kw)
    )
    assert refused(call, "reason") == [messages.REASON_REQUIRED]


def test_the_committee_cannot_adjust_points_outside_the_items_range(world, recorded):
    task = open_task(recorded.process, ClaimFlow.review)
    call = lambda: perform(  # noqa: E731
        task, world.committee_a, lambda **kw: claim_approve(claim=recorded, points=Decimal(5), **kw)
    )
    errors = refused(call)
    assert errors == ["分值 5 超出项目“代表区纪委参加区级及以上比赛或表演类活动”的分值区间 1 至 2"]
    assert not LedgerEntry.objects.exists()


def test_the_committee_adjusts_within_the_range(world, recorded):
    task = open_task(recorded.process, ClaimFlow.review)
    perform(task, world.committee_a, lambda **kw: claim_approve(claim=recorded, points=Decimal(1), **kw))
    recorded.refresh_from_db()
    assert recorded.points_approved == Decimal(1) and recorded.ledger_entry.points == Decimal(1)


def test_points_out_of_range_at_review_are_shown_on_the_task_form_and_nothing_changes(
    client, world, recorded
):
    from .helpers import assign, task_url

    task = open_task(recorded.process, ClaimFlow.review)
    assert assign(client, world.committee_a, task).status_code == 302
    with nothing_changes():
        response = client.post(task_url(task), {"decision": "approve", "points": "5", "reason": ""})
    assert response.status_code == 200
    assert (
        "分值 5 超出项目“代表区纪委参加区级及以上比赛或表演类活动”的分值区间 1 至 2"
        in response.content.decode()
    )


# --- Another branch's claim --------------------------------------------------------------------


def test_the_clerk_of_another_branch_cannot_record_a_claim_of_branch_a(world, rules_2026):
    claim = submit(world)
    task = open_task(claim.process, ClaimFlow.record)
    call = lambda: perform(task, world.clerk_b, lambda **kw: _record(claim, **kw))  # noqa: E731
    assert refused(call) == [messages.NOT_YOUR_BRANCH]


def test_the_committee_of_another_branch_cannot_approve_a_claim_of_branch_a(world, recorded):
    from .helpers import committee_b

    other = committee_b(world)
    task = open_task(recorded.process, ClaimFlow.review)
    call = lambda: perform(task, other, lambda **kw: claim_approve(claim=recorded, **kw))  # noqa: E731
    assert refused(call) == [messages.NOT_YOUR_BRANCH]
    call = lambda: perform(task, other, lambda **kw: claim_reject(claim=recorded, reason="不属实", **kw))  # noqa: E731
    assert refused(call) == [messages.NOT_YOUR_BRANCH]


def test_the_clerk_of_another_branch_cannot_record_for_a_member_of_branch_a(world, rules_2026):
    call = lambda: branch_record(  # noqa: E731
        member=world.member_a, item_code="dues", occurred_on=D(2026, 3, 10), by=world.clerk_b
    )
    assert refused(call) == [messages.NOT_YOUR_BRANCH]


@pytest.mark.parametrize("action", ["assign", "execute", "detail"])
def test_another_branchs_officers_can_neither_take_nor_do_nor_see_branch_a_tasks(
    client, world, recorded, action
):
    from .helpers import committee_b, task_url

    other = committee_b(world)
    task = open_task(recorded.process, ClaimFlow.review)
    for user in (world.clerk_b, other):
        client.force_login(user)
        with nothing_changes():
            get = client.get(task_url(task, action))
            post = client.post(task_url(task, action), {"decision": "approve"})
        assert get.status_code in (403, 404) and post.status_code in (403, 404)
        assert "张伟" not in get.content.decode() + post.content.decode()
