"""申诉 only while 公示 is open, only by a member of the branch, only against an entry on the list; decided
once, with a reason, by that branch's committee. Each refusal in Chinese, nothing changed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from scoring.models import LedgerEntry
from scoring.services import ledger_record
from workflows import messages
from workflows.appeals import appeal_decide, appeal_file
from workflows.flows import AppealFlow
from workflows.models import Appeal

from .helpers import (
    approved_claim,
    assign,
    aware,
    committee_b,
    freeze,
    nothing_changes,
    open_task,
    perform,
    publicity_opened,
    started,
    task_url,
)


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def entry(world, rules_2026):
    """王芳's approved activity (2 points), on branch A's first-quarter list."""
    return approved_claim(world, world.other_member_a).ledger_entry


@pytest.fixture
def review(world, entry, monkeypatch):
    return publicity_opened(world, monkeypatch)


def file(world, entry, appellant=None, **kw):
    appellant = appellant or world.member_a
    return appeal_file(
        appellant=appellant, entry=entry, reason=kw.pop("reason", "当天未见其参加"), by=appellant.user, **kw
    )


def refused(call, field: str | None = None) -> list[str]:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        call()
    if field is None:
        return caught.value.messages
    return [str(m) for m in caught.value.message_dict[field]]


# --- 提出申诉 ---------------------------------------------------------------------------------


def test_a_member_of_the_branch_appeals_anothers_entry_while_the_window_is_open(world, entry, review):
    appeal = file(world, entry)
    assert appeal.status == Appeal.Status.OPEN
    assert open_task(appeal.process, AppealFlow.decide)


def test_an_appeal_after_the_window_closed_is_refused(world, entry, review, monkeypatch):
    freeze(monkeypatch, 2026, 4, 7, 9)  # the very minute it closes
    assert refused(lambda: file(world, entry)) == [messages.WINDOW_CLOSED % {"closes": "2026年4月7日 09:00"}]


def test_an_appeal_before_the_window_opened_is_refused(world, entry, review):
    early = aware(2026, 4, 2, 8, 59)
    assert refused(lambda: file(world, entry, now=early)) == [messages.WINDOW_NOT_OPEN]


def test_an_appeal_from_another_branch_is_refused(world, entry, review):
    assert refused(lambda: file(world, entry, appellant=world.outsider)) == [messages.APPEAL_OTHER_BRANCH]


def test_an_appeal_against_an_entry_not_on_the_list_is_refused(world, entry, review, monkeypatch):
    freeze(monkeypatch, 2026, 4, 3, 9)
    later = ledger_record(
        member=world.other_member_a,
        item_code="dues",
        occurred_on=datetime.date(2026, 4, 1),  # the second quarter: not publicised yet
        source=LedgerEntry.Source.RECORD,
        by=world.clerk_a,
    )
    assert refused(lambda: file(world, later)) == [messages.APPEAL_ENTRY_NOT_IN_WINDOW]


def test_an_appeal_before_any_publicity_is_refused(world, entry):
    assert refused(lambda: file(world, entry)) == [messages.APPEAL_ENTRY_NOT_IN_WINDOW]


def test_an_appeal_without_a_reason_is_refused(world, entry, review):
    assert refused(lambda: file(world, entry, reason=" "), "reason") == [messages.REASON_REQUIRED]


def test_no_one_appeals_in_another_members_name(world, entry, review):
    call = lambda: appeal_file(  # noqa: E731
        appellant=world.member_a, entry=entry, reason="代为申诉", by=world.other_member_a.user
    )
    assert refused(call) == [messages.NOT_ALLOWED]


# --- 处理申诉 ---------------------------------------------------------------------------------


@pytest.fixture
def appeal(world, entry, review):
    return file(world, entry)


@pytest.fixture
def decide_task(appeal):
    return open_task(appeal.process, AppealFlow.decide)


def decide(appeal, **kw):
    return lambda **more: appeal_decide(appeal=appeal, **kw, **more)


def test_an_appeal_decided_without_a_reason_is_refused(world, appeal, decide_task):
    call = lambda: perform(decide_task, world.committee_a, decide(appeal, uphold=True, reason=""))  # noqa: E731
    assert refused(call, "reason") == [messages.REASON_REQUIRED]


def test_an_appeal_decided_twice_is_refused_and_corrects_the_entry_once(world, appeal, decide_task):
    with started(decide_task, world.committee_a) as first, started(decide_task, world.committee_a) as second:
        appeal_decide(appeal=appeal, by=world.committee_a, uphold=True, reason="核实未参加", activation=first)
        call = lambda: appeal_decide(  # noqa: E731
            appeal=appeal, by=world.committee_a, uphold=False, reason="重复处理", activation=second
        )
        assert refused(call) == [messages.APPEAL_ALREADY_DECIDED]
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assert LedgerEntry.objects.filter(reverses=appeal.entry).count() == 1


def test_an_entry_already_cancelled_by_an_appeal_cannot_be_appealed_again(world, entry, appeal, decide_task):
    perform(decide_task, world.committee_a, decide(appeal, uphold=True, reason="核实未参加"))
    call = lambda: file(world, entry, appellant=world.member_a, reason="再次申诉")  # noqa: E731
    assert refused(call) == [messages.APPEAL_ENTRY_CORRECTED]
    assert LedgerEntry.objects.filter(reverses=entry).count() == 1


def test_the_reversing_entry_of_a_correction_cannot_be_appealed(world, entry, appeal, decide_task):
    perform(decide_task, world.committee_a, decide(appeal, uphold=True, reason="核实未参加"))
    reversal = LedgerEntry.objects.get(reverses=entry)
    call = lambda: file(world, reversal, appellant=world.member_a, reason="冲正有误")  # noqa: E731
    assert refused(call) == [messages.APPEAL_ENTRY_CORRECTED]


def test_a_correction_within_the_range_replaces_the_entry(world, rules_2026, monkeypatch):
    competition = approved_claim(
        world, world.other_member_a, item="competition", points=Decimal(2)
    ).ledger_entry
    assert competition is not None
    publicity_opened(world, monkeypatch)
    appeal = file(world, competition, reason="未取得名次")
    task = open_task(appeal.process, AppealFlow.decide)

    def call():
        perform(task, world.committee_a, decide(appeal, uphold=True, points=Decimal(5), reason="x"))

    assert refused(call) == ["分值 5 超出项目“代表区纪委参加区级及以上比赛或表演类活动”的分值区间 1 至 2"]
    perform(task, world.committee_a, decide(appeal, uphold=True, points=Decimal(1), reason="只计参加分"))
    appeal.refresh_from_db()
    assert appeal.corrected_points == Decimal(1)


@pytest.mark.parametrize("who", ["committee_b", "clerk_a", "clerk_b", "member"])
def test_only_the_branchs_committee_decides_its_appeals(client, world, appeal, decide_task, who):
    user = {
        "committee_b": lambda: committee_b(world),
        "clerk_a": lambda: world.clerk_a,
        "clerk_b": lambda: world.clerk_b,
        "member": lambda: world.member_a.user,
    }[who]()
    call = lambda: perform(decide_task, user, decide(appeal, uphold=True, reason="成立"))  # noqa: E731
    assert refused(call) == [messages.NOT_ALLOWED]
    with nothing_changes():
        assert assign(client, user, decide_task).status_code == 403
        post = client.post(task_url(decide_task), {"decision": "uphold", "reason": "成立"})
        assert post.status_code in (403, 404)
