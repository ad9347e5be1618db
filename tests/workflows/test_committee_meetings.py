"""支委会研究: 支委会审核 is the committee's decision in a meeting (seed 001: 召开支委会…审核把关).

A meeting is recorded with its date, place, the committee's attendance and quorum (more than half by
default), its chair and recorder and minutes; it decides a batch of claims — approve, adjust within the
item's range, reject with a reason — through the same services as a single review, each decision naming
the meeting; the whole batch or nothing. An attendee's own claim is decided only while the meeting is
still quorate without them. The record prints (会议记录) and is in the audit trail; branch B's officers
see none of branch A's meetings.
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from viewflow.workflow.status import STATUS

from accounts import messages as account_messages
from accounts.models import RoleAssignment
from audit.models import AuditRecord
from audit.services import audit_trail
from scoring.models import LedgerEntry
from workflows import messages
from workflows.claims import claim_approve, claim_record, claim_submit
from workflows.flows import ClaimFlow
from workflows.meetings import (
    ADJUST,
    APPROVE,
    REJECT,
    MeetingDecision,
    MeetingDecisionsRefused,
    meeting_decide,
    meeting_record,
    review_tasks_of,
)
from workflows.models import Claim, CommitteeMeeting, ReviewSettings

from .helpers import add_officer, committee_b, freeze, nothing_changes, open_task, perform, photo

Role = RoleAssignment.Role
MARCH_10 = datetime.date(2026, 3, 10)
MEETING_DAY = datetime.date(2026, 3, 18)


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def third(world):
    """郑华, a third 支委委员 of branch A: the committee is 陈静 (书记), 刘洋 and 郑华; quorum is 2."""
    return add_officer(world.branch_a, "郑华", "zhenghua", Role.COMMITTEE)


def recorded(world, member, item="innovative-activity", day=MARCH_10, points=None) -> Claim:
    claim = claim_submit(
        member=member, item_code=item, occurred_on=day, points=points, evidence=[photo()], by=member.user
    )
    perform(
        open_task(claim.process, ClaimFlow.record),
        world.secretary_a if member.user == world.clerk_a else world.clerk_a,
        lambda **kw: claim_record(claim=claim, **kw),
    )
    return claim


def task_of(claim):
    return open_task(claim.process, ClaimFlow.review)


def meeting(world, attendees, *, chair=None, recorder=None, day=MEETING_DAY) -> CommitteeMeeting:
    return meeting_record(
        branch=world.branch_a,
        held_on=day,
        place="党员活动室",
        attendees=attendees,
        chair=chair or world.secretary_a,
        recorder=recorder or world.clerk_a,
        minutes="审核本月积分申报。",
        by=world.secretary_a,
    )


def five_claims(world):
    """Five claims of five members of branch A waiting for 支委会审核 (two of them 支委 themselves)."""
    from accounts.models import Member

    members = [
        world.member_a,
        world.other_member_a,
        Member.objects.get(user=world.clerk_a),
    ]
    claims = [recorded(world, m) for m in members]
    claims.append(recorded(world, world.member_a, item="competition", points=Decimal("2")))
    claims.append(recorded(world, world.other_member_a, item="community-service"))
    return claims


# --- Recording a meeting ---------------------------------------------------------------------------


def test_a_meeting_records_who_of_the_committee_attended_and_who_did_not(world, third):
    held = meeting(world, [world.secretary_a, world.committee_a])
    assert set(held.roster.all()) == {world.secretary_a, world.committee_a, third}
    assert set(held.attendees.all()) == {world.secretary_a, world.committee_a}
    assert held.quorum_percent == 50


def test_a_meeting_without_more_than_half_of_the_committee_is_refused_in_chinese(world, third):
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        meeting(world, [world.secretary_a])
    assert caught.value.messages == [
        messages.MEETING_NO_QUORUM % {"roster": 3, "present": 1, "percent": 50, "needed": 2}
    ]
    assert not CommitteeMeeting.objects.exists()


def test_the_quorum_is_the_branch_s_own_rule(world, third):
    ReviewSettings.objects.create(organization=world.committee, committee_quorum_percent=70)
    with pytest.raises(ValidationError) as caught:
        meeting(world, [world.secretary_a, world.committee_a])
    assert caught.value.messages == [
        messages.MEETING_NO_QUORUM % {"roster": 3, "present": 2, "percent": 70, "needed": 3}
    ]
    assert meeting(world, [world.secretary_a, world.committee_a, third]).quorum_percent == 70


def test_only_the_committee_of_the_day_attends(world, third):
    with pytest.raises(ValidationError) as caught:
        meeting(world, [world.secretary_a, world.committee_a, world.clerk_a])
    assert caught.value.messages == [messages.MEETING_NOT_ON_ROSTER % {"names": "李娜"}]


def test_another_branch_s_officer_cannot_record_a_meeting_of_branch_a(world, third):
    with pytest.raises(ValidationError) as caught:
        meeting_record(
            branch=world.branch_a,
            held_on=MEETING_DAY,
            place="会议室",
            attendees=[world.secretary_a, world.committee_a],
            chair=world.secretary_a,
            recorder=world.clerk_a,
            by=committee_b(world),
        )
    assert caught.value.messages == [messages.MEETING_NOT_YOURS]


def test_recording_a_meeting_leaves_an_audit_record(world, third):
    held = meeting(world, [world.secretary_a, world.committee_a])
    [record] = audit_trail(held)
    assert record.action == "meeting.record"
    assert sorted(record.data["attendees"]) == sorted(["刘洋", "陈静"])
    assert record.data["absent"] == ["郑华"]


# --- Deciding a batch ------------------------------------------------------------------------------


def test_a_meeting_decides_five_claims_each_naming_the_meeting(world, rules_2026, third):
    claims = five_claims(world)
    held = meeting(world, [world.secretary_a, world.committee_a, third])
    decisions = [
        MeetingDecision(task_of(claims[0]), APPROVE),
        MeetingDecision(task_of(claims[1]), APPROVE, reason="材料齐全"),
        MeetingDecision(task_of(claims[2]), REJECT, reason="照片不能证明参加活动"),
        MeetingDecision(task_of(claims[3]), ADJUST, points=Decimal("1"), reason="参赛未获名次"),
        MeetingDecision(task_of(claims[4]), APPROVE),
    ]
    decided = meeting_decide(meeting=held, decisions=decisions, by=world.committee_a)
    assert len(decided) == 5
    for claim in claims:
        claim.refresh_from_db()
        assert claim.meeting == held
    assert [c.status for c in claims] == ["approved", "approved", "rejected", "approved", "approved"]
    assert claims[3].points_approved == Decimal("1")
    assert claims[3].decision_reason == "参赛未获名次"
    assert LedgerEntry.objects.filter(claim__meeting=held).count() == 4
    # Each review's own audit record names the meeting, and the meeting's record counts the batch.
    reviews = AuditRecord.objects.filter(action__in=["claim.approve", "claim.adjust", "claim.reject"])
    assert {r.data["meeting"] for r in reviews} == {held.pk}
    decided_record = audit_trail(held).get(action="meeting.decide")
    assert decided_record.data == {
        "claims": sorted(c.pk for c in claims),
        "approve": 3,
        "adjust": 1,
        "reject": 1,
    }
    assert not review_tasks_of(world.branch_a).exists()


def test_an_adjustment_out_of_the_item_s_range_refuses_the_batch_and_changes_nothing(
    world, rules_2026, third
):
    claims = five_claims(world)
    held = meeting(world, [world.secretary_a, world.committee_a, third])
    decisions = [
        MeetingDecision(task_of(claims[0]), APPROVE),
        MeetingDecision(task_of(claims[3]), ADJUST, points=Decimal("5"), reason="表现突出"),
    ]
    with nothing_changes(), pytest.raises(MeetingDecisionsRefused) as caught:
        meeting_decide(meeting=held, decisions=decisions, by=world.committee_a)
    assert list(caught.value.problems) == [decisions[1].task.pk]
    assert "1" in caught.value.problems[decisions[1].task.pk]  # the range is named
    assert caught.value.message == messages.MEETING_BATCH_REFUSED % {"count": 1}
    assert not Claim.objects.filter(meeting=held).exists()


def test_adjusting_a_fixed_item_or_rejecting_without_a_reason_is_refused(world, rules_2026, third):
    claims = five_claims(world)
    held = meeting(world, [world.secretary_a, world.committee_a, third])
    decisions = [
        MeetingDecision(task_of(claims[0]), ADJUST, points=Decimal("1"), reason="减半"),
        MeetingDecision(task_of(claims[1]), REJECT, reason=" "),
    ]
    with nothing_changes(), pytest.raises(MeetingDecisionsRefused) as caught:
        meeting_decide(meeting=held, decisions=decisions, by=world.committee_a)
    assert caught.value.problems == {
        decisions[0].task.pk: str(messages.MEETING_ADJUST_NOT_RANGE),
        decisions[1].task.pk: str(messages.REASON_REQUIRED),
    }


def test_a_task_taken_by_someone_else_refuses_the_batch_naming_it(world, rules_2026, third):
    claims = five_claims(world)
    held = meeting(world, [world.secretary_a, world.committee_a, third])
    taken = task_of(claims[1])
    taken.owner, taken.status = third, STATUS.ASSIGNED
    taken.save(update_fields=["owner", "status"])
    decisions = [MeetingDecision(task_of(c), APPROVE) for c in claims[:3]]
    with nothing_changes(), pytest.raises(MeetingDecisionsRefused) as caught:
        meeting_decide(meeting=held, decisions=decisions, by=world.committee_a)
    assert caught.value.problems == {taken.pk: str(messages.TASK_TAKEN_BY % {"name": "郑华"})}


def test_a_task_already_decided_alone_refuses_the_batch_naming_it(world, rules_2026, third):
    claims = five_claims(world)
    held = meeting(world, [world.secretary_a, world.committee_a, third])
    stale = task_of(claims[0])
    perform(stale, world.secretary_a, lambda **kw: claim_approve(claim=claims[0], **kw))
    with pytest.raises(MeetingDecisionsRefused) as caught:
        meeting_decide(
            meeting=held,
            decisions=[MeetingDecision(stale, APPROVE), MeetingDecision(task_of(claims[1]), APPROVE)],
            by=world.committee_a,
        )
    assert caught.value.problems == {stale.pk: str(messages.TASK_ALREADY_DONE)}
    claims[1].refresh_from_db()
    assert claims[1].status == Claim.Status.RECORDED


# --- 回避: the member concerned ---------------------------------------------------------------------


def test_the_one_entering_the_decisions_cannot_decide_their_own_claim(world, rules_2026, third):
    from accounts.models import Member

    own = recorded(world, Member.objects.get(user=world.committee_a))
    held = meeting(world, [world.secretary_a, world.committee_a, third])
    with nothing_changes(), pytest.raises(MeetingDecisionsRefused) as caught:
        meeting_decide(meeting=held, decisions=[MeetingDecision(task_of(own), APPROVE)], by=world.committee_a)
    assert caught.value.problems == {
        task_of(own).pk: str(account_messages.OWN_POINTS % {"action": "支委会审核"})
    }


def test_an_attendee_s_claim_is_decided_only_if_the_meeting_is_quorate_without_them(world, rules_2026, third):
    from accounts.models import Member

    own = recorded(world, Member.objects.get(user=third))
    # Two of three attend, one of them 郑华: without him, one of three is no quorum.
    small = meeting(world, [world.secretary_a, third])
    with nothing_changes(), pytest.raises(MeetingDecisionsRefused) as caught:
        meeting_decide(
            meeting=small, decisions=[MeetingDecision(task_of(own), APPROVE)], by=world.secretary_a
        )
    assert caught.value.problems == {
        task_of(own).pk: messages.MEETING_CONCERNED_NO_QUORUM
        % {"name": "郑华", "present": 1, "roster": 3, "percent": 50}
    }
    # All three attend: without 郑华 two of three remain, so the meeting decides his claim.
    full = meeting(world, [world.secretary_a, world.committee_a, third])
    meeting_decide(meeting=full, decisions=[MeetingDecision(task_of(own), APPROVE)], by=world.secretary_a)
    own.refresh_from_db()
    assert own.status == Claim.Status.APPROVED and own.meeting == full


def test_only_an_attendee_enters_the_meeting_s_decisions(world, rules_2026, third):
    claim = recorded(world, world.member_a)
    held = meeting(world, [world.secretary_a, world.committee_a])
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        meeting_decide(meeting=held, decisions=[MeetingDecision(task_of(claim), APPROVE)], by=third)
    assert caught.value.messages == [messages.MEETING_NOT_ATTENDED]


# --- A branch that allows no single reviewer --------------------------------------------------------


def test_where_the_rules_allow_no_single_reviewer_a_review_needs_a_meeting(world, rules_2026, third):
    ReviewSettings.objects.create(organization=world.branch_a, single_reviewer=False)
    claim = recorded(world, world.member_a)
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        perform(task_of(claim), world.committee_a, lambda **kw: claim_approve(claim=claim, **kw))
    assert caught.value.messages == [messages.MEETING_REQUIRED]
    held = meeting(world, [world.secretary_a, world.committee_a])
    meeting_decide(meeting=held, decisions=[MeetingDecision(task_of(claim), APPROVE)], by=world.committee_a)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED


def test_by_default_one_reviewer_still_decides_alone(world, rules_2026):
    claim = recorded(world, world.member_a)
    perform(task_of(claim), world.committee_a, lambda **kw: claim_approve(claim=claim, **kw))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.meeting is None


# --- Pages --------------------------------------------------------------------------------------------


def test_the_committee_records_a_meeting_and_decides_its_claims_on_one_page(client, world, rules_2026, third):
    claims = five_claims(world)
    client.force_login(world.secretary_a)
    response = client.post(
        f"/meetings/branch/{world.branch_a.pk}/new/",
        {
            "held_on": "2026-03-18",
            "place": "党员活动室",
            "attendees": [world.secretary_a.pk, world.committee_a.pk],
            "chair": world.secretary_a.pk,
            "recorder": world.clerk_a.pk,
            "minutes": "审核三月积分申报。",
        },
    )
    held = CommitteeMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{held.pk}/decide/"
    page = client.get(f"/meetings/{held.pk}/decide/")
    assert page.status_code == 200
    assert [row["claim"] for row in page.context["form"].rows] == claims  # the oldest first
    data = {f"t{task_of(c).pk}_verdict": "approve" for c in claims}
    data[f"t{task_of(claims[2]).pk}_verdict"] = "reject"
    data[f"t{task_of(claims[2]).pk}_reason"] = "照片不能证明参加活动"
    response = client.post(f"/meetings/{held.pk}/decide/", data)
    assert response.status_code == 302 and response["Location"] == f"/meetings/{held.pk}/"
    assert Claim.objects.filter(meeting=held).count() == 5
    detail = client.get(f"/meetings/{held.pk}/")
    assert len(detail.context["rows"]) == 5
    assert "照片不能证明参加活动" in detail.content.decode()


def test_the_page_names_each_refused_claim_and_keeps_the_batch_undecided(client, world, rules_2026, third):
    claims = five_claims(world)
    held = meeting(world, [world.secretary_a, world.committee_a, third])
    client.force_login(world.committee_a)
    competition = task_of(claims[3])
    data = {
        f"t{task_of(claims[0]).pk}_verdict": "approve",
        f"t{competition.pk}_verdict": "adjust",
        f"t{competition.pk}_points": "5",
        f"t{competition.pk}_reason": "表现突出",
    }
    with nothing_changes():
        response = client.post(f"/meetings/{held.pk}/decide/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [messages.MEETING_BATCH_REFUSED % {"count": 1}]
    assert form.errors[f"t{competition.pk}_verdict"]


def test_a_meeting_short_of_quorum_is_refused_on_the_page_in_chinese(client, world, third):
    client.force_login(world.secretary_a)
    response = client.post(
        f"/meetings/branch/{world.branch_a.pk}/new/",
        {
            "held_on": "2026-03-18",
            "place": "党员活动室",
            "attendees": [world.secretary_a.pk],
            "chair": world.secretary_a.pk,
            "recorder": world.clerk_a.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        messages.MEETING_NO_QUORUM % {"roster": 3, "present": 1, "percent": 50, "needed": 2}
    ]
    assert not CommitteeMeeting.objects.exists()


@pytest.mark.parametrize("suffix", ["", "decide/", "pdf/"])
def test_branch_b_s_officers_see_none_of_branch_a_s_meetings(client, world, third, suffix):
    held = meeting(world, [world.secretary_a, world.committee_a])
    url = f"/meetings/{held.pk}/{suffix}"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(committee_b(world))
    assert client.get(url).status_code == 404
    assert client.get(f"/meetings/branch/{world.branch_a.pk}/").status_code == 404
    assert client.get(f"/meetings/branch/{world.branch_a.pk}/new/").status_code == 404
    assert held not in client.get("/meetings/").context["rows"]
    client.force_login(world.committee_a)
    assert client.get(url).status_code == 200


def test_the_clerk_reads_the_meetings_but_records_none(client, world, third):
    held = meeting(world, [world.secretary_a, world.committee_a])
    client.force_login(world.clerk_a)
    assert client.get(f"/meetings/{held.pk}/").status_code == 200
    assert client.get(f"/meetings/branch/{world.branch_a.pk}/new/").status_code == 403
    assert client.get(f"/meetings/{held.pk}/decide/").status_code == 403


# --- 会议记录 (PDF) ---------------------------------------------------------------------------------


def test_the_meeting_record_prints_attendance_quorum_and_each_decision(world, rules_2026, third, tmp_path):
    from reports.documents.meeting_form import meeting_record_pdf
    from tests.reports.test_pdf import pdf_text

    claims = five_claims(world)
    held = meeting(world, [world.secretary_a, world.committee_a])
    meeting_decide(
        meeting=held,
        decisions=[
            MeetingDecision(task_of(claims[0]), APPROVE),
            MeetingDecision(task_of(claims[2]), REJECT, reason="照片不能证明参加活动"),
        ],
        by=world.committee_a,
    )
    text = pdf_text(meeting_record_pdf(held), tmp_path)
    assert "支委会会议记录" in text
    assert "2026年3月18日" in text and "党员活动室" in text
    assert "郑华" in text  # absent
    assert "符合" in text and "至少 2 人" in text
    assert "张伟" in text and "审核通过" in text
    assert "李娜" in text and "未通过" in text and "照片不能证明" in text  # the reason's cell wraps
    assert "主持人签字" in text and "记录人签字" in text


# --- 批量审核通过 names its meeting -----------------------------------------------------------------


def test_bulk_approval_asks_which_meeting_decided_it_and_records_it(client, world, rules_2026, third):
    claims = [recorded(world, world.member_a), recorded(world, world.other_member_a)]
    tasks = [task_of(c) for c in claims]
    for task in tasks:
        task.owner, task.status = world.committee_a, STATUS.ASSIGNED
        task.save(update_fields=["owner", "status"])
    client.force_login(world.committee_a)
    with nothing_changes():
        response = client.post("/workflow/inbox/approve/", {"pk": [t.pk for t in tasks], "_confirm": "1"})
    assert response.status_code == 200
    assert response.context["form"].errors["meeting"] == [messages.MEETING_CHOOSE]
    held = meeting(world, [world.secretary_a, world.committee_a])
    response = client.post(
        "/workflow/inbox/approve/", {"pk": [t.pk for t in tasks], "_confirm": "1", "meeting": held.pk}
    )
    assert response.status_code == 302
    assert set(Claim.objects.filter(meeting=held, status=Claim.Status.APPROVED)) == set(claims)


def test_bulk_approval_offers_only_the_meetings_one_attended(client, world, rules_2026, third):
    held = meeting(world, [world.secretary_a, third])
    client.force_login(world.committee_a)
    response = client.post("/workflow/inbox/approve/", {"select_all": "1"})
    assert held not in response.context["form"].fields["meeting"].queryset


def test_the_higher_committee_sets_the_quorum_and_the_meeting_rule_in_the_admin(client, world):
    from workflows.escalation import review_settings_for

    client.force_login(world.higher)
    response = client.post(
        "/admin/workflows/reviewsettings/add/",
        {
            "organization": world.committee.pk,
            "tally_kind": "month",
            "period_kind": "quarter",
            "ranking_kind": "half",
            "publicity_days": 5,
            "escalation_days": 7,
            "committee_quorum_percent": 66,
        },
    )
    assert response.status_code == 302
    settings = review_settings_for(world.branch_a)
    assert (settings.committee_quorum_percent, settings.single_reviewer) == (66, False)
    assert AuditRecord.objects.get(action="review_settings.create").data["committee_quorum_percent"] == 66


def test_the_review_task_page_says_when_the_branch_reviews_only_in_a_meeting(client, world, rules_2026):
    from .helpers import task_url

    ReviewSettings.objects.create(organization=world.branch_a, single_reviewer=False)
    claim = recorded(world, world.member_a)
    task = task_of(claim)
    client.force_login(world.committee_a)
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert "本支部规定支委会审核须在支委会会议上集体研究决定" in page
    assert f"/meetings/branch/{world.branch_a.pk}/" in page
    response = client.post(task_url(task, "execute"), {"decision": "approve", "reason": ""})
    assert response.status_code == 200
    assert str(messages.MEETING_REQUIRED) in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RECORDED


# --- Two at once (PostgreSQL: row locks) ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_attendees_deciding_the_same_claim_at_once_one_batch_wins_whole(world, rules_2026, third):
    claims = five_claims(world)
    held = meeting(world, [world.secretary_a, world.committee_a, third])
    shared = task_of(claims[0])
    batches = {
        world.secretary_a: [shared, task_of(claims[1])],
        world.committee_a: [shared, task_of(claims[2])],
    }
    barrier = threading.Barrier(2)
    results: dict = {}

    def decide(user):
        try:
            barrier.wait(timeout=10)
            results[user] = meeting_decide(
                meeting=held, decisions=[MeetingDecision(t, APPROVE) for t in batches[user]], by=user
            )
        except Exception as error:  # the test inspects what each side got
            results[user] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(user,)) for user in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    refused = [r for r in results.values() if isinstance(r, MeetingDecisionsRefused)]
    won = [user for user, r in results.items() if isinstance(r, list)]
    assert len(refused) == 1 and len(won) == 1, results
    assert list(refused[0].problems) == [shared.pk]
    assert refused[0].problems[shared.pk] in {
        str(messages.TASK_ALREADY_DONE),
        str(messages.TASK_LOCKED),
    }
    decided = set(Claim.objects.filter(meeting=held).values_list("pk", flat=True))
    winner_claims = {t.process.coerced.claim.pk for t in batches[won[0]]}
    assert decided == winner_claims


def test_the_decision_page_s_queries_do_not_grow_with_the_claims_waiting(client, world, rules_2026, third):
    from django.db import connection as default_connection
    from django.test.utils import CaptureQueriesContext

    held = meeting(world, [world.secretary_a, world.committee_a, third])
    client.force_login(world.committee_a)
    recorded(world, world.member_a, day=datetime.date(2026, 3, 11))
    client.get(f"/meetings/{held.pk}/decide/")  # warm the rule-set cache
    with CaptureQueriesContext(default_connection) as one:
        assert client.get(f"/meetings/{held.pk}/decide/").status_code == 200
    five_claims(world)
    with CaptureQueriesContext(default_connection) as six:
        response = client.get(f"/meetings/{held.pk}/decide/")
    assert len(response.context["form"].rows) == 6
    assert len(six) == len(one)
