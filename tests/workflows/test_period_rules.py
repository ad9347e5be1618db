"""公示 → 审定 → 备案 refused when the regulation says no: a period opened too early, twice, or with claims
still open; approved while the window is open, with appeals unsettled, twice, or by the wrong person;
a filing returned without a reason or decided twice. Each with its Chinese message, nothing changed."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from workflows import messages
from workflows.claims import claim_submit
from workflows.flows import PeriodReviewFlow
from workflows.models import Filing, FrozenScore, PeriodApproval, PeriodReview
from workflows.periods import filing_archive, filing_return, period_approve, period_start

from .helpers import (
    Q1,
    approved_claim,
    assign,
    freeze,
    nothing_changes,
    open_task,
    perform,
    photo,
    publicity_closed,
    publicity_opened,
    started,
    task_url,
)


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def entries(world, rules_2026):
    """Two approved claims of branch A in the first quarter."""
    return [
        approved_claim(world, world.member_a),
        approved_claim(world, world.other_member_a, datetime.date(2026, 3, 12)),
    ]


@pytest.fixture
def review(world, entries, monkeypatch):
    return publicity_opened(world, monkeypatch)


@pytest.fixture
def approve_task(review, monkeypatch):
    publicity_closed(monkeypatch)
    return open_task(review.process, PeriodReviewFlow.approve)


@pytest.fixture
def file_task(world, review, approve_task):
    perform(approve_task, world.secretary_a, lambda **kw: period_approve(review=review, **kw))
    return open_task(review.process, PeriodReviewFlow.file)


def refused(call, field: str | None = None) -> list[str]:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        call()
    if field is None:
        return caught.value.messages
    return [str(m) for m in caught.value.message_dict[field]]


# --- 发起公示 ---------------------------------------------------------------------------------


def test_publicity_cannot_open_before_the_period_ends(world, entries):
    call = lambda: period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)  # noqa: E731
    assert refused(call) == [messages.PERIOD_NOT_ENDED % {"period": Q1.label()}]


def test_publicity_cannot_open_while_claims_of_the_period_are_undecided(world, entries, monkeypatch):
    claim_submit(
        member=world.member_a,
        item_code="community-service",
        occurred_on=datetime.date(2026, 3, 18),
        evidence=[photo()],
        by=world.member_a.user,
    )
    freeze(monkeypatch, 2026, 4, 2, 9)
    call = lambda: period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)  # noqa: E731
    assert refused(call) == [messages.OPEN_CLAIMS_LEFT % {"count": 1}]


def test_a_period_is_opened_once(world, review):
    call = lambda: period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)  # noqa: E731
    errors = refused(call)
    assert errors == [messages.PERIOD_EXISTS % {"branch": "第一党支部", "period": review.label}]
    assert PeriodReview.objects.count() == 1


@pytest.mark.parametrize("who", ["clerk_b", "member", "committee_a"])
def test_only_the_branchs_clerk_opens_its_publicity(world, entries, monkeypatch, who):
    user = {"clerk_b": world.clerk_b, "member": world.member_a.user, "committee_a": world.committee_a}[who]
    freeze(monkeypatch, 2026, 4, 2, 9)
    call = lambda: period_start(branch=world.branch_a, period=Q1, by=user)  # noqa: E731
    assert refused(call) == [messages.NOT_ALLOWED]


# --- 审定 -------------------------------------------------------------------------------------


def test_the_period_cannot_be_approved_while_the_window_is_open(world, review):
    call = lambda: period_approve(review=review, by=world.secretary_a, activation=None)  # noqa: E731
    assert refused(call) == [messages.WINDOW_STILL_OPEN % {"closes": "2026年4月7日 09:00"}]
    assert not review.process.task_set.filter(flow_task=PeriodReviewFlow.approve).exists()


def test_the_period_cannot_be_approved_while_an_appeal_is_open(world, review, monkeypatch):
    from scoring.models import LedgerEntry
    from workflows.appeals import appeal_file

    entry = LedgerEntry.objects.get(member=world.other_member_a)
    appeal_file(appellant=world.member_a, entry=entry, reason="王芳当天未参加活动", by=world.member_a.user)
    publicity_closed(monkeypatch)
    # 审定 does not even open: the process waits at 申诉处理完毕.
    assert not review.process.task_set.filter(flow_task=PeriodReviewFlow.approve).exists()
    call = lambda: period_approve(review=review, by=world.secretary_a, activation=None)  # noqa: E731
    assert refused(call) == [messages.APPEALS_OPEN % {"count": 1}]


def test_the_secretary_approves_and_the_scores_are_frozen(world, approve_task, review):
    perform(approve_task, world.secretary_a, lambda **kw: period_approve(review=review, **kw))
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.APPROVED
    assert PeriodApproval.objects.get().round == 1
    assert FrozenScore.objects.filter(member=world.member_a).get().period_total == 2


def test_a_period_approved_twice_is_refused_and_approved_once(world, approve_task, review):
    with (
        started(approve_task, world.secretary_a) as first,
        started(approve_task, world.secretary_a) as second,
    ):
        period_approve(review=review, by=world.secretary_a, activation=first)
        frozen = FrozenScore.objects.count()
        call = lambda: period_approve(review=review, by=world.secretary_a, activation=second)  # noqa: E731
        assert refused(call) == [messages.PERIOD_ALREADY_APPROVED]
    assert PeriodApproval.objects.count() == 1
    assert FrozenScore.objects.count() == frozen


def test_a_second_post_of_the_approval_page_is_told_it_is_done(client, world, approve_task):
    assign(client, world.secretary_a, approve_task)
    assert client.post(task_url(approve_task), {"note": "同意"}).status_code == 302
    with nothing_changes():
        again = client.post(task_url(approve_task), {"note": "同意"})
    assert again.status_code == 409
    assert str(messages.TASK_ALREADY_DONE) in again.content.decode()
    assert PeriodApproval.objects.count() == 1


@pytest.mark.parametrize("who", ["committee_a", "clerk_a", "higher", "clerk_b"])
def test_only_the_branch_secretary_approves_the_period(client, world, approve_task, review, who):
    user = getattr(world, who)
    call = lambda: perform(approve_task, user, lambda **kw: period_approve(review=review, **kw))  # noqa: E731
    assert refused(call) == [messages.NOT_ALLOWED]
    with nothing_changes():
        assert assign(client, user, approve_task).status_code == 403
        assert client.post(task_url(approve_task), {"note": "同意"}).status_code in (403, 404)


# --- 备案 -------------------------------------------------------------------------------------


def test_a_filing_returned_without_a_reason_is_refused(world, review, file_task):
    call = lambda: perform(  # noqa: E731
        file_task, world.higher, lambda **kw: filing_return(review=review, reason="  ", **kw)
    )
    assert refused(call, "reason") == [messages.FILING_REASON_REQUIRED]


def test_the_filing_page_asks_for_the_reason_and_changes_nothing(client, world, file_task):
    assign(client, world.higher, file_task)
    with nothing_changes():
        response = client.post(task_url(file_task), {"decision": "return", "reason": ""})
    assert response.status_code == 200
    assert "退回备案必须填写原因。" in response.content.decode()
    assert Filing.objects.get().status == Filing.Status.SUBMITTED


def test_a_filing_decided_twice_is_refused(world, review, file_task):
    with started(file_task, world.higher) as first, started(file_task, world.higher) as second:
        filing_archive(review=review, by=world.higher, activation=first)
        call = lambda: filing_return(review=review, by=world.higher, reason="重复", activation=second)  # noqa: E731
        assert refused(call) == [messages.FILING_ALREADY_DECIDED]
    assert Filing.objects.get().status == Filing.Status.ARCHIVED


@pytest.mark.parametrize("who", ["secretary_a", "clerk_a", "clerk_b"])
def test_only_the_higher_committee_decides_a_filing(world, review, file_task, who):
    user = getattr(world, who)
    call = lambda: perform(file_task, user, lambda **kw: filing_archive(review=review, **kw))  # noqa: E731
    assert refused(call) == [messages.NOT_ALLOWED]


def test_a_returned_filing_reopens_approval_for_a_second_round(world, review, file_task):
    perform(
        file_task, world.higher, lambda **kw: filing_return(review=review, reason="排名有误，请核实", **kw)
    )
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.RETURNED
    again = open_task(review.process, PeriodReviewFlow.approve)
    perform(again, world.secretary_a, lambda **kw: period_approve(review=review, note="已核实", **kw))
    assert list(PeriodApproval.objects.values_list("round", flat=True)) == [1, 2]
    assert list(Filing.objects.order_by("pk").values_list("status", flat=True)) == ["returned", "submitted"]
