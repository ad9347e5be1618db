"""台账更正 is a decision: the clerk asks with a reason, the 支委会 decides; never on one's own entry, never
into a period already 审定 or 备案 — such a period is reopened first (退回重新审定, the higher committee's
consent when it is on file), approved again in a new round, and the ledger, the frozen scores and the filing
agree. Each refusal with its Chinese message, nothing changed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts import messages as accounts_messages
from audit.models import AuditRecord
from scoring.models import LedgerEntry
from scoring.services import ledger_record
from workflows import messages
from workflows.correction_flows import CorrectionFlow, PeriodReopenFlow
from workflows.corrections import correction_decide, correction_request
from workflows.flows import PeriodReviewFlow
from workflows.models import (
    Filing,
    FrozenScore,
    LedgerCorrection,
    PeriodApproval,
    PeriodReopening,
    PeriodReview,
)
from workflows.periods import filing_archive, period_approve, period_scores
from workflows.reopening import period_reopen, reopening_consent
from workflows.selectors import queue_for

from .helpers import (
    act,
    approved_claim,
    freeze,
    nothing_changes,
    open_task,
    perform,
    publicity_closed,
    publicity_opened,
    task_url,
)

FLOWS = (CorrectionFlow, PeriodReopenFlow, PeriodReviewFlow)


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def claims(world, rules_2026):
    return [
        approved_claim(world, world.member_a),
        approved_claim(world, world.other_member_a, datetime.date(2026, 3, 12)),
    ]


@pytest.fixture
def entry(claims):
    return claims[0].ledger_entry


def refused(call) -> list[str]:
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        call()
    return caught.value.messages


def request(world, entry, by=None, reason="当日未参加活动，登记有误"):
    return correction_request(entry=entry, by=by or world.clerk_a, reason=reason, evidence_note="签到表")


def decide(correction, user, *, approve=True, reason=""):
    task = open_task(correction.process, CorrectionFlow.decide)
    return perform(
        task,
        user,
        lambda **kw: correction_decide(correction=correction, approve=approve, reason=reason, **kw),
    )


def approved_period(world, monkeypatch) -> PeriodReview:
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    perform(
        open_task(review.process, PeriodReviewFlow.approve),
        world.secretary_a,
        lambda **kw: period_approve(review=review, **kw),
    )
    review.refresh_from_db()
    return review


def archived_period(world, monkeypatch) -> PeriodReview:
    review = approved_period(world, monkeypatch)
    perform(
        open_task(review.process, PeriodReviewFlow.file),
        world.higher,
        lambda **kw: filing_archive(review=review, **kw),
    )
    review.refresh_from_db()
    return review


# --- 更正 goes through the 支委会 ---------------------------------------------------------------


def test_a_clerk_cannot_reverse_an_entry_alone(world, entry):
    correction = request(world, entry)
    assert not LedgerEntry.objects.filter(reverses=entry).exists()  # the request reverses nothing
    assert correction.status == LedgerCorrection.Status.OPEN
    task = open_task(correction.process, CorrectionFlow.decide)
    assert task in queue_for(world.committee_a, FLOWS)
    assert not CorrectionFlow.decide.can_assign(world.clerk_a, task)
    assert task not in queue_for(world.clerk_a, FLOWS)


def test_the_one_who_asks_does_not_decide(world, entry):
    correction = request(world, entry, by=world.committee_a)
    task = open_task(correction.process, CorrectionFlow.decide)
    assert not CorrectionFlow.decide.can_assign(world.committee_a, task)

    def call():
        return correction_decide(correction=correction, by=world.committee_a, approve=True, activation=None)

    assert refused(call) == [messages.CORRECTION_OWN_REQUEST]
    decide(correction, world.secretary_a)
    assert LedgerEntry.objects.filter(reverses=entry).exists()


def test_a_correction_is_decided_by_the_committee(world, entry):
    correction = request(world, entry)
    decide(correction, world.committee_a, reason="核实签到表属实")
    correction.refresh_from_db()
    reversal = correction.reversal
    assert correction.status == LedgerCorrection.Status.APPROVED
    assert (reversal.reverses, reversal.points, reversal.created_by) == (
        entry,
        -entry.points,
        world.committee_a,
    )
    assert "当日未参加活动" in reversal.reason and "核实签到表属实" in reversal.reason
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"correction.request", "correction.approve", "ledger.reverse"} <= actions
    assert correction.process.status == "DONE"


def test_a_rejected_correction_changes_nothing_in_the_ledger(world, entry):
    correction = request(world, entry)
    ledger = LedgerEntry.objects.count()

    def call():
        return correction_decide(correction=correction, by=world.committee_a, approve=False, activation=None)

    assert refused(call) == [messages.CORRECTION_REJECT_REASON_REQUIRED]
    decide(correction, world.committee_a, approve=False, reason="签到表显示已出席")
    correction.refresh_from_db()
    assert correction.status == LedgerCorrection.Status.REJECTED
    assert LedgerEntry.objects.count() == ledger
    assert AuditRecord.objects.filter(action="correction.reject").exists()


def test_only_the_branch_officers_ask_for_a_correction(world, entry):
    for user in (world.member_a.user, world.clerk_b, world.higher):
        assert refused(lambda u=user: request(world, entry, by=u)) == [messages.CORRECTION_NOT_ALLOWED]


def test_a_correction_needs_a_reason_and_is_asked_once(world, entry):
    assert refused(lambda: request(world, entry, reason=" ")) == [messages.CORRECTION_REASON_REQUIRED]
    request(world, entry)
    assert refused(lambda: request(world, entry)) == [messages.CORRECTION_OPEN]


def test_a_reversed_entry_or_a_reversal_takes_no_correction(world, entry):
    decide(request(world, entry), world.committee_a)
    assert refused(lambda: request(world, entry)) == ["该记录已被冲正，不能重复冲正。"]
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert refused(lambda: request(world, reversal)) == [
        "冲正记录本身不能再冲正；如需恢复，请重新登记一条记录。"
    ]


# --- 不得办理涉及本人积分的事项 ---------------------------------------------------------------------


def test_no_one_corrects_his_own_entry(world, rules_2026):
    own = ledger_record(
        member=world.clerk_a.member,
        item_code="innovative-activity",
        occurred_on=datetime.date(2026, 3, 10),
        source=LedgerEntry.Source.RECORD,
        by=world.secretary_a,
    )
    own_message = accounts_messages.OWN_POINTS % {"action": "提出更正"}
    assert refused(lambda: request(world, own)) == [own_message]
    # Asked by someone else, the member concerned does not decide it: the 支委会's others do.
    committee_member = world.committee_a.member
    theirs = approved_claim(world, committee_member, reviewer=world.secretary_a).ledger_entry
    correction = request(world, theirs)
    task = open_task(correction.process, CorrectionFlow.decide)
    assert not CorrectionFlow.decide.can_assign(world.committee_a, task)

    def call():
        return correction_decide(correction=correction, by=world.committee_a, approve=True, activation=None)

    assert refused(call) == [accounts_messages.OWN_POINTS % {"action": "决定台账更正"}]
    decide(correction, world.secretary_a)
    assert LedgerEntry.objects.filter(reverses=theirs).exists()


# --- 审定 and 备案 are closed until reopened ------------------------------------------------------


def test_an_open_correction_holds_the_period_s_approval(world, claims, monkeypatch):
    review = publicity_opened(world, monkeypatch)
    request(world, claims[0].ledger_entry)
    publicity_closed(monkeypatch)
    task = open_task(review.process, PeriodReviewFlow.approve)
    with pytest.raises(ValidationError) as caught:
        perform(task, world.secretary_a, lambda **kw: period_approve(review=review, **kw))
    assert caught.value.messages == [messages.CORRECTIONS_OPEN % {"count": 1}]


def test_an_approved_period_takes_no_correction_until_reopened(world, claims, entry, monkeypatch):
    review = approved_period(world, monkeypatch)
    closed = messages.CORRECTION_PERIOD_APPROVED % {"period": review.label, "status": "审定"}
    assert refused(lambda: request(world, entry)) == [closed]
    # Only the secretary reopens, with a reason.
    assert refused(lambda: period_reopen(review=review, by=world.clerk_a, reason="登记有误")) == [
        messages.REOPEN_NOT_ALLOWED
    ]
    assert refused(lambda: period_reopen(review=review, by=world.secretary_a, reason="")) == [
        messages.REOPEN_REASON_REQUIRED
    ]
    reopening = period_reopen(review=review, by=world.secretary_a, reason="张伟3月10日的记录有误")
    review.refresh_from_db()
    assert reopening.status == PeriodReopening.Status.REOPENED  # 待备案: the branch withdraws it alone
    assert review.status == PeriodReview.Status.RETURNED
    assert Filing.objects.get().status == Filing.Status.WITHDRAWN
    assert AuditRecord.objects.filter(action="period.reopen").exists()
    assert AuditRecord.objects.filter(action="filing.withdraw", reason="张伟3月10日的记录有误").exists()
    # The filing's task is closed as withdrawn; 审定 is open again in the period's own process.
    assert not queue_for(world.higher, FLOWS).exists()
    again = open_task(review.process, PeriodReviewFlow.approve)
    decide(request(world, entry), world.committee_a)
    perform(again, world.secretary_a, lambda **kw: period_approve(review=review, note="更正后重新审定", **kw))
    assert list(PeriodApproval.objects.values_list("round", flat=True)) == [1, 2]


def test_reopening_a_filed_period_needs_the_higher_committee(world, claims, entry, monkeypatch):
    review = archived_period(world, monkeypatch)
    filed = messages.CORRECTION_PERIOD_APPROVED % {"period": review.label, "status": "备案"}
    assert refused(lambda: request(world, entry)) == [filed]
    reopening = period_reopen(review=review, by=world.secretary_a, reason="张伟3月10日的记录有误")
    review.refresh_from_db()
    assert reopening.status == PeriodReopening.Status.AWAITING
    assert review.status == PeriodReview.Status.ARCHIVED
    assert refused(lambda: request(world, entry)) == [filed]  # nothing reopens before the consent
    assert refused(lambda: period_reopen(review=review, by=world.secretary_a, reason="再次")) == [
        messages.REOPEN_AWAITING
    ]
    consent = open_task(reopening.process, PeriodReopenFlow.consent)
    assert consent in queue_for(world.higher, FLOWS)
    assert consent not in queue_for(world.secretary_a, FLOWS)

    def by_the_secretary():
        return reopening_consent(reopening=reopening, by=world.secretary_a, consent=True, activation=None)

    assert refused(by_the_secretary) == [messages.NOT_ALLOWED]
    perform(consent, world.higher, lambda **kw: reopening_consent(reopening=reopening, consent=True, **kw))
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.RETURNED
    assert AuditRecord.objects.filter(action="period.reopen_consent").exists()
    assert request(world, entry).status == LedgerCorrection.Status.OPEN


def test_the_higher_committee_may_refuse_a_reopening_with_its_reason(world, claims, monkeypatch):
    review = archived_period(world, monkeypatch)
    reopening = period_reopen(review=review, by=world.secretary_a, reason="想调整排名")
    consent = open_task(reopening.process, PeriodReopenFlow.consent)
    with pytest.raises(ValidationError) as caught:
        perform(
            consent, world.higher, lambda **kw: reopening_consent(reopening=reopening, consent=False, **kw)
        )
    assert caught.value.messages == [messages.REOPEN_REFUSE_REASON_REQUIRED]
    perform(
        consent,
        world.higher,
        lambda **kw: reopening_consent(reopening=reopening, consent=False, reason="无正当理由", **kw),
    )
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.ARCHIVED
    assert PeriodReopening.objects.get().status == PeriodReopening.Status.REFUSED


def test_a_period_not_approved_is_not_reopened(world, claims, monkeypatch):
    review = publicity_opened(world, monkeypatch)
    call = lambda: period_reopen(review=review, by=world.secretary_a, reason="有误")  # noqa: E731
    assert refused(call) == [messages.REOPEN_NOT_APPROVED % {"period": review.label, "status": "公示中"}]


def test_after_reopening_the_frozen_scores_and_ledger_agree(world, claims, entry, monkeypatch):
    review = archived_period(world, monkeypatch)
    first = PeriodApproval.objects.get()
    before = {s.member_id: s.period_total for s in first.scores.all()}
    reopening = period_reopen(review=review, by=world.secretary_a, reason="张伟3月10日的记录有误")
    perform(
        open_task(reopening.process, PeriodReopenFlow.consent),
        world.higher,
        lambda **kw: reopening_consent(reopening=reopening, consent=True, **kw),
    )
    decide(request(world, entry), world.committee_a)
    perform(
        open_task(reopening.process, PeriodReopenFlow.approve),
        world.secretary_a,
        lambda **kw: period_approve(review=review, note="更正后重新审定", **kw),
    )
    perform(
        open_task(reopening.process, PeriodReopenFlow.file),
        world.higher,
        lambda **kw: filing_archive(review=review, **kw),
    )
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.ARCHIVED
    second = PeriodApproval.objects.get(round=2)
    frozen = {s.member_id: s.period_total for s in second.scores.all()}
    ledger = {int(s.member): s.total for s in period_scores(review).scores}
    assert frozen == ledger  # the new round is the ledger's
    assert frozen[world.member_a.pk] == before[world.member_a.pk] - entry.points
    # The first round, its frozen scores and its filing stay in the history, unchanged.
    assert {s.member_id: s.period_total for s in first.scores.all()} == before
    assert FrozenScore.objects.filter(approval=first).count() == len(before)
    assert list(Filing.objects.order_by("approval__round").values_list("approval__round", "status")) == [
        (1, Filing.Status.ARCHIVED),
        (2, Filing.Status.ARCHIVED),
    ]
    assert reopening.process.__class__.objects.get(pk=reopening.process.pk).status == "DONE"
    assert Decimal(entry.points) > 0


# --- the pages ----------------------------------------------------------------------------------


def test_the_committee_decides_a_correction_on_its_task_page(client, world, entry):
    correction = request(world, entry)
    task = open_task(correction.process, CorrectionFlow.decide)
    client.force_login(world.committee_a)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute"))
    assert "当日未参加活动，登记有误" in page.content.decode() and "签到表" in page.content.decode()
    response = client.post(task_url(task, "execute"), {"decision": "reject", "reason": ""})
    assert response.status_code == 200 and "不予更正必须说明理由" in response.content.decode()
    act(client, world.committee_a, task, {"decision": "approve", "reason": "属实"})
    assert LedgerEntry.objects.filter(reverses=entry).exists()


def test_the_reopen_page_is_the_secretary_s(client, world, claims, monkeypatch):
    review = approved_period(world, monkeypatch)
    url = f"/workflow/periods/{review.pk}/reopen/"
    assert client.get(url).status_code == 302  # to the login
    client.force_login(world.clerk_a)
    assert client.get(url).status_code == 403
    client.force_login(world.secretary_a)
    assert "退回原因" in client.get(url).content.decode()
    assert client.post(url, {"reason": "张伟的记录有误"}).status_code == 302
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.RETURNED


def test_the_filed_documents_of_a_reopened_period_say_so(world, claims, monkeypatch):
    from reports.documents.period_forms import filing_form

    review = archived_period(world, monkeypatch)
    first = Filing.objects.get()
    assert not filing_form(first)[0].draft
    reopening = period_reopen(review=review, by=world.secretary_a, reason="张伟的记录有误")
    perform(
        open_task(reopening.process, PeriodReopenFlow.consent),
        world.higher,
        lambda **kw: reopening_consent(reopening=reopening, consent=True, **kw),
    )
    sheet, _ = filing_form(Filing.objects.get())
    assert (sheet.draft, sheet.draft_reason) == (True, "本期已退回重新审定，积分待重新审定")
    perform(
        open_task(reopening.process, PeriodReopenFlow.approve),
        world.secretary_a,
        lambda **kw: period_approve(review=review, **kw),
    )
    # The new round is filed with its own documents; the pending one can be withdrawn in turn.
    period_reopen(review=review, by=world.secretary_a, reason="再次核实")
    second = Filing.objects.get(approval__round=2)
    assert second.status == Filing.Status.WITHDRAWN
    assert filing_form(second)[0].draft_reason == "支部已撤回本次审定，退回重新审定（再次核实）"
    assert open_task(reopening.process, PeriodReopenFlow.approve)  # 审定 again where it was filed


def test_the_periods_page_offers_the_secretary_to_reopen_an_approved_period(
    client, world, claims, monkeypatch
):
    review = approved_period(world, monkeypatch)
    link = f"/workflow/periods/{review.pk}/reopen/"
    client.force_login(world.secretary_a)
    assert link in client.get(f"/clerk/{world.branch_a.pk}/periods/").content.decode()
    client.force_login(world.clerk_a)
    assert link not in client.get(f"/clerk/{world.branch_a.pk}/periods/").content.decode()
