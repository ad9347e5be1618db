"""申诉 over the API: filed by a branch member against any entry of the branch's 公示 while the window is
open (409 once it has closed, 404 outside what the caller sees, 403 for officers who are no member of the
branch), listed and read with the outcome — who decided, when, and why."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from viewflow.workflow.status import STATUS

from tests.api.claims.conftest import png, user_of
from tests.workflows.helpers import approved_claim, freeze, nothing_changes, perform, publicity_closed
from workflows import evidence, messages
from workflows.appeals import appeal_decide, appeal_file
from workflows.execution import open_task
from workflows.flows import AppealFlow
from workflows.models import Appeal

URL = "/api/v1/appeals/"


def post(client, form):
    return client.post(URL, form, format="multipart")


def test_a_member_appeals_against_another_members_entry_during_the_window(as_user, world, publicity_a):
    review, _, theirs = publicity_a
    client = as_user(world.member_a.user)
    response = post(client, {"entry": theirs.pk, "reason": "王芳当天不在社区", "files": [png("现场.png")]})
    assert response.status_code == 201, response.content
    body = response.json()
    appeal = Appeal.objects.get()
    assert body["id"] == appeal.pk and body["status"] == "open" and body["status_display"] == "待处理"
    assert body["appellant"] == {"id": world.member_a.pk, "real_name": "张伟"}
    assert body["entry"] == {
        "id": theirs.pk,
        "member_name": "王芳",
        "item_code": "community-service",
        "item_name": "城市精细化管理、一个组织一面旗、结对服务进社区活动",
        "occurred_on": "2026-03-10",
        "points": "2.00",
    }
    assert body["publicity"] == {
        "id": review.pk,
        "label": "2026年度第1季度",
        "branch": {"code": "C01-G1-A", "name": "第一党支部", "kind": "branch"},
        "closes_at": "2026-04-07T09:00:00+08:00",
    }
    assert body["reason"] == "王芳当天不在社区" and body["decision_reason"] == ""
    assert body["decided_by"] is None and body["decided_at"] is None and body["corrected_points"] is None
    assert [e["name"] for e in body["evidence"]] == ["现场.png"]
    assert [(h["action"], h["actor"]) for h in body["history"]] == [("appeal.file", "张伟")]
    # The committee now has it to decide.
    assert open_task(appeal.process, AppealFlow.decide).status == STATUS.NEW


def test_after_the_window_closed_an_appeal_is_409_and_changes_nothing(
    as_user, world, publicity_a, monkeypatch
):
    _, mine, _ = publicity_a
    client = as_user(world.member_a.user)
    publicity_closed(monkeypatch)
    with nothing_changes():
        response = post(client, {"entry": mine.pk, "reason": "分值有误"})
    assert response.status_code == 409
    assert response.json() == {
        "code": "window_closed",
        "message": messages.WINDOW_CLOSED % {"closes": "2026年4月7日 09:00"},
        "fields": {},
    }


def test_an_appeal_without_a_reason_is_400_on_the_field(as_user, world, publicity_a):
    _, mine, _ = publicity_a
    client = as_user(world.member_a.user)
    with nothing_changes():
        response = post(client, {"entry": mine.pk, "reason": "  "})
    assert response.status_code == 400
    assert response.json()["fields"] == {"reason": [str(messages.REASON_REQUIRED)]}


def test_bad_input_is_400(as_user, world, publicity_a):
    _, mine, _ = publicity_a
    client = as_user(world.member_a.user)
    fake = SimpleUploadedFile("申诉.jpg", b"MZ" + bytes(50), content_type="image/jpeg")
    with nothing_changes():
        missing = post(client, {"reason": "x"})
        bad_file = post(client, {"entry": mine.pk, "reason": "x", "files": [fake]})
        not_a_number = post(client, {"entry": "abc", "reason": "x"})
    assert missing.status_code == 400 and list(missing.json()["fields"]) == ["entry"]
    assert bad_file.json()["fields"] == {"files": [evidence.NOT_ALLOWED % {"name": "申诉.jpg"}]}
    assert not_a_number.status_code == 400


def test_an_entry_of_another_branch_or_outside_any_publicity_is_404(
    as_user, world, publicity_both, monkeypatch
):
    _, entry_b = publicity_both["b"]
    freeze(monkeypatch, 2026, 4, 9, 10)
    later = approved_claim(world, day=datetime.date(2026, 4, 9)).ledger_entry  # in no 公示 yet
    freeze(monkeypatch, 2026, 4, 3, 10)
    client = as_user(world.member_a.user)
    with nothing_changes():
        for entry in (entry_b.pk, later.pk, 999999):
            response = post(client, {"entry": entry, "reason": "有异议"})
            assert response.status_code == 404, entry
            assert response.json()["code"] == "not_found"


def test_an_officer_who_is_no_member_of_the_branch_may_read_but_not_appeal(as_user, world, publicity_a):
    _, mine, _ = publicity_a
    client = as_user(world.higher)
    with nothing_changes():
        response = post(client, {"entry": mine.pk, "reason": "有异议"})
    assert response.status_code == 403
    assert response.json()["message"] == str(messages.APPEAL_NOT_OWN_BRANCH_MEMBER)


# --- Reading appeals ---------------------------------------------------------------------------


@pytest.fixture
def appeal(world, publicity_a):
    _, _, theirs = publicity_a
    return appeal_file(
        appellant=world.member_a,
        entry=theirs,
        reason="王芳当天不在社区",
        evidence=[png()],
        by=world.member_a.user,
    )


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("member_a", True),
        ("other_member_a", False),
        ("clerk_a", True),
        ("committee_a", True),
        ("secretary_a", True),
        ("outsider", False),
        ("clerk_b", False),
        ("higher", True),
    ],
)
def test_appeals_are_listed_to_the_appellant_and_the_branchs_officers(as_user, world, appeal, persona, sees):
    client = as_user(user_of(world, persona))
    listed = client.get(URL)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == ([appeal.pk] if sees else [])
    assert client.get(f"{URL}{appeal.pk}/").status_code == (200 if sees else 404)


def test_appeal_filters(as_user, world, appeal, publicity_a):
    review, *_ = publicity_a
    client = as_user(world.committee_a)

    def ids(query):
        return [row["id"] for row in client.get(f"{URL}{query}").json()["results"]]

    assert ids("?status=open") == [appeal.pk] and ids("?status=upheld") == []
    assert ids(f"?publicity={review.pk}") == [appeal.pk] and ids("?branch=C01-G1-B") == []
    assert ids("?mine=true") == [] and ids("?mine=false") == [appeal.pk]
    assert as_user(world.member_a.user).get(f"{URL}?mine=true").json()["count"] == 1


def test_the_evidence_of_an_appeal_is_shown_to_the_appellant_and_those_who_decide(as_user, world, appeal):
    url = f"{URL}{appeal.pk}/"
    assert len(as_user(world.member_a.user).get(url).json()["evidence"]) == 1
    assert len(as_user(world.committee_a).get(url).json()["evidence"]) == 1
    assert as_user(world.clerk_a).get(url).json()["evidence"] == []


def test_the_outcome_reads_decision_reason_who_and_when(as_user, world, appeal):
    perform(
        open_task(appeal.process, AppealFlow.decide),
        world.committee_a,
        lambda **kw: appeal_decide(appeal=appeal, uphold=True, reason="核实签到表，王芳不在场", **kw),
    )
    body = as_user(world.member_a.user).get(f"{URL}{appeal.pk}/").json()
    assert body["status"] == "upheld" and body["status_display"] == "申诉成立"
    assert body["decision_reason"] == "核实签到表，王芳不在场"
    assert body["corrected_points"] == "0.00"
    assert body["decided_by"] == "刘洋" and body["decided_at"].startswith("2026-04-02T09:00")
    assert [(h["action"], h["actor"], h["reason"]) for h in body["history"]] == [
        ("appeal.file", "张伟", "王芳当天不在社区"),
        ("appeal.uphold", "刘洋", "核实签到表，王芳不在场"),
    ]
