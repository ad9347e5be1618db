"""ledger/: the entries ledger_visible_to gives the caller, with their sources and links, filters and
ordering; 申请冲正 for those the admin offers it to, with a reason: a correction the 支委会 decides."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Member
from scoring.models import LedgerEntry
from scoring.selectors import ledger_visible_to
from tests.workflows.helpers import approved_claim, nothing_changes
from workflows import messages as workflow_messages
from workflows.claims import attendance_record
from workflows.models import Claim

D = datetime.date
LEDGER = "/api/v1/ledger/"


def user_of(world, persona):
    user = getattr(world, persona)
    return user.user if isinstance(user, Member) else user


def ids(client, query: str = "") -> set[int]:
    response = client.get(f"{LEDGER}?page_size=100{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def ledger(world, quarter):
    """Branch A's approved Q1 and pending Q2 entries, and one approved entry of branch B."""
    approved_claim(world, world.outsider, D(2026, 4, 3), clerk=world.clerk_b, reviewer=_committee_b(world))
    return quarter


def _committee_b(world):
    from tests.workflows.helpers import committee_b

    return committee_b(world)


@pytest.mark.parametrize(
    "persona",
    ["member_a", "other_member_a", "clerk_a", "committee_a", "secretary_a", "clerk_b", "higher", "outsider"],
)
def test_each_caller_lists_exactly_the_entries_ledger_visible_to_gives(as_user, world, ledger, persona):
    user = user_of(world, persona)
    expected = set(ledger_visible_to(user).values_list("pk", flat=True))
    assert ids(as_user(user)) == expected
    branch_a = set(LedgerEntry.objects.filter(branch=world.branch_a).values_list("pk", flat=True))
    if persona in ("member_a", "other_member_a"):
        member = getattr(world, persona)
        assert expected == set(LedgerEntry.objects.filter(member=member).values_list("pk", flat=True))
    if persona in ("clerk_b", "outsider"):
        assert not expected & branch_a
    if persona in ("clerk_a", "committee_a", "secretary_a", "higher"):
        assert branch_a <= expected


def test_an_entry_outside_scope_is_404(as_user, world, ledger):
    entry_b = LedgerEntry.objects.get(branch=world.branch_b)
    entry_a = LedgerEntry.objects.filter(member=world.other_member_a).first()
    assert as_user(world.clerk_a).get(f"{LEDGER}{entry_b.pk}/").status_code == 404
    assert as_user(world.member_a.user).get(f"{LEDGER}{entry_a.pk}/").status_code == 404
    assert as_user(world.clerk_b).get(f"{LEDGER}{entry_a.pk}/").status_code == 404
    assert as_user(world.higher).get(f"{LEDGER}{entry_b.pk}/").status_code == 200


def test_an_entry_reads_with_its_source_author_and_status(as_user, world, ledger):
    claim = Claim.objects.filter(member=world.member_a).order_by("occurred_on").first()
    body = as_user(world.member_a.user).get(f"{LEDGER}{claim.ledger_entry_id}/").json()
    assert body == {
        "id": claim.ledger_entry_id,
        "member": {"id": world.member_a.pk, "real_name": "张伟", "kind": "full"},
        "branch": {"id": world.branch_a.pk, "code": "C01-G1-A", "name": "第一党支部"},
        "cycle": 2026,
        "item_code": "innovative-activity",
        "item_name": "创新型特色党员活动",
        "occurred_on": "2026-03-10",
        "points": "2.00",
        "source": "claim",
        "source_display": "申报",
        "kind": "claim",
        "status": "frozen",
        "reason": claim.ledger_entry.reason,
        "author": "liuyang",
        "author_name": "刘洋",
        "created_at": body["created_at"],
        "claim": claim.pk,
        "attendance_sheet": None,
        "reverses": None,
        "reversed_by": None,
    }
    q2 = Claim.objects.get(member=world.member_a, occurred_on=D(2026, 4, 8))
    assert as_user(world.member_a.user).get(f"{LEDGER}{q2.ledger_entry_id}/").json()["status"] == "pending"


@pytest.fixture
def meeting(world, rules_2026, march):
    """A branch meeting recorded by the clerk and approved: the entries come from a sign-in sheet."""
    from tests.workflows.helpers import sheet_approved

    sheet = attendance_record(
        branch=world.branch_a,
        title="3月支部党员大会",
        occurred_on=D(2026, 3, 5),
        item_present="branch-meeting",
        item_absent="absent-without-leave",
        present=[world.member_a],
        by=world.clerk_a,
    )
    sheet_approved(world, sheet)
    return sheet


def test_a_meetings_entries_name_their_sign_in_sheet(as_user, world, meeting):
    client = as_user(world.clerk_a)
    rows = client.get(f"{LEDGER}?kind=branch").json()["results"]
    assert {r["member"]["real_name"]: (r["item_code"], r["points"]) for r in rows} == {
        "张伟": ("branch-meeting", "1.00"),
        "王芳": ("absent-without-leave", "-1.00"),
        "李娜": ("absent-without-leave", "-1.00"),
        "刘洋": ("absent-without-leave", "-1.00"),
        "陈静": ("absent-without-leave", "-1.00"),
    }
    assert {r["attendance_sheet"]["id"] for r in rows} == {meeting.pk}
    assert {r["attendance_sheet"]["title"] for r in rows} == {"3月支部党员大会"}
    assert {r["kind"] for r in rows} == {"branch"} and {r["source"] for r in rows} == {"record"}
    assert client.get(f"{LEDGER}?kind=claim").json()["count"] == 0


def test_filters(as_user, world, ledger):
    client = as_user(world.higher)
    a = LedgerEntry.objects.filter(branch=world.branch_a)
    assert ids(client, "&branch=C01-G1-B") == set(
        LedgerEntry.objects.filter(branch=world.branch_b).values_list("pk", flat=True)
    )
    assert ids(client, f"&member={world.other_member_a.pk}") == set(
        a.filter(member=world.other_member_a).values_list("pk", flat=True)
    )
    assert ids(client, "&item=community-service") == set(
        a.filter(item_code="community-service").values_list("pk", flat=True)
    )
    assert ids(client, "&category=special") == set(LedgerEntry.objects.values_list("pk", flat=True))
    assert ids(client, "&category=basic") == set()
    assert ids(client, "&category=nonexistent") == set()
    assert ids(client, "&date_from=2026-03-11&date_to=2026-04-30") == set(
        LedgerEntry.objects.filter(occurred_on__range=(D(2026, 3, 11), D(2026, 4, 30))).values_list(
            "pk", flat=True
        )
    )
    q1 = set(LedgerEntry.objects.filter(occurred_on__lte=D(2026, 3, 31)).values_list("pk", flat=True))
    assert ids(client, "&period=2026-Q1") == q1 == ids(client, "&status=frozen")
    assert (
        ids(client, "&period=2026-Q2")
        == ids(client, "&status=pending")
        == set(LedgerEntry.objects.filter(occurred_on__gte=D(2026, 4, 1)).values_list("pk", flat=True))
    )
    assert ids(client, "&period=2026-M03") == q1 and ids(client, "&period=2026-H2") == set()
    assert ids(client, "&period=2025") == set() and ids(client, "&cycle=2026") == ids(client)
    assert ids(client, "&search=王芳") == set(
        a.filter(member=world.other_member_a).values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "query", ["period=2026-Q0", "period=Q1", "kind=nonsense", "date_from=3月", "status=x"]
)
def test_a_bad_filter_is_400_in_chinese(as_user, world, ledger, query):
    response = as_user(world.clerk_a).get(f"{LEDGER}?{query}")
    assert response.status_code == 400
    field = query.split("=")[0]
    assert response.json()["fields"][field]
    if field == "period":
        assert "周期代码" in response.json()["message"]


def test_ordering(as_user, world, ledger):
    rows = as_user(world.clerk_a).get(f"{LEDGER}?ordering=occurred_on,id").json()["results"]
    assert [r["occurred_on"] for r in rows] == sorted(r["occurred_on"] for r in rows)
    rows = as_user(world.clerk_a).get(f"{LEDGER}?ordering=-points").json()["results"]
    assert [float(r["points"]) for r in rows] == sorted((float(r["points"]) for r in rows), reverse=True)
    default = as_user(world.clerk_a).get(LEDGER).json()["results"]
    assert default[0]["occurred_on"] == "2026-04-08"


# --- 申请冲正: a correction request, decided by the 支委会 ---------------------------------------


def reverse_url(entry) -> str:
    return f"{LEDGER}{entry.pk}/reverse/"


def test_a_clerk_cannot_reverse_an_entry_alone_over_the_api(as_user, world, ledger):
    entry = LedgerEntry.objects.get(member=world.member_a, occurred_on=D(2026, 4, 8))
    response = as_user(world.clerk_a).post(
        reverse_url(entry), {"reason": "重复登记", "evidence_note": "签到表"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["entry"], body["status"], body["reason"], body["evidence_note"], body["requested_by"]) == (
        entry.pk,
        "open",
        "重复登记",
        "签到表",
        "lina",
    )
    assert body["reversal"] is None and body["process_id"]
    assert not LedgerEntry.objects.filter(reverses=entry).exists()
    assert as_user(world.clerk_a).get(f"{LEDGER}{entry.pk}/").json()["reversed_by"] is None
    assert as_user(world.clerk_a).get(f"/api/v1/corrections/{body['id']}/").json()["status"] == "open"


def test_the_committee_decides_the_correction_through_its_task(as_user, world, ledger):
    entry = LedgerEntry.objects.get(member=world.member_a, occurred_on=D(2026, 4, 8))
    correction = as_user(world.clerk_a).post(reverse_url(entry), {"reason": "重复登记"}, format="json").json()
    committee = as_user(world.committee_a)
    tasks = committee.get("/api/v1/tasks/queue/?kind=correction.decide").json()["results"]
    assert [t["subject"]["correction"]["id"] for t in tasks] == [correction["id"]]
    task = tasks[0]
    assert task["subject"]["type"] == "correction"
    assert "张伟" in task["subject"]["summary"]
    missing = committee.post(f"/api/v1/tasks/{task['id']}/act/", {"decision": "reject"}, format="json")
    assert missing.status_code == 400
    done = committee.post(f"/api/v1/tasks/{task['id']}/act/", {"decision": "approve"}, format="json")
    assert done.status_code == 200, done.content
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert reversal.created_by == world.committee_a and "重复登记" in reversal.reason
    client = as_user(world.clerk_a)
    assert client.get(f"{LEDGER}{entry.pk}/").json()["reversed_by"] == reversal.pk
    assert ids(client, "&state=reversed") == {entry.pk} and ids(client, "&state=reversal") == {reversal.pk}
    assert client.get(f"/api/v1/corrections/{correction['id']}/").json()["reversal"] == reversal.pk


@pytest.mark.parametrize("persona", ["committee_a", "secretary_a"])
def test_those_who_decide_appeals_may_ask_too(as_user, world, ledger, persona):
    entry = LedgerEntry.objects.get(member=world.member_a, occurred_on=D(2026, 4, 8))
    response = as_user(user_of(world, persona)).post(
        reverse_url(entry), {"reason": "核实有误"}, format="json"
    )
    assert response.status_code == 201 and not LedgerEntry.objects.filter(reverses=entry).exists()


def test_a_request_without_a_reason_is_refused_and_writes_nothing(as_user, world, ledger):
    entry = LedgerEntry.objects.get(member=world.member_a, occurred_on=D(2026, 4, 8))
    client = as_user(world.clerk_a)
    with nothing_changes():
        response = client.post(reverse_url(entry), {"reason": "  "}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"reason": [str(workflow_messages.CORRECTION_REASON_REQUIRED)]}


def test_asking_twice_is_409_and_an_approved_period_is_409(as_user, world, ledger):
    entry = LedgerEntry.objects.get(member=world.member_a, occurred_on=D(2026, 4, 8))
    client = as_user(world.clerk_a)
    assert client.post(reverse_url(entry), {"reason": "重复"}, format="json").status_code == 201
    with nothing_changes():
        again = client.post(reverse_url(entry), {"reason": "重复"}, format="json")
    assert again.status_code == 409
    assert again.json() == {
        "code": "correction_open",
        "message": str(workflow_messages.CORRECTION_OPEN),
        "fields": {},
    }
    frozen = LedgerEntry.objects.filter(member=world.member_a, occurred_on__lt=D(2026, 4, 1)).first()
    with nothing_changes():
        closed = client.post(reverse_url(frozen), {"reason": "有误"}, format="json")
    assert closed.status_code == 409 and closed.json()["code"] == "period_approved"


def test_one_s_own_entry_is_403_with_the_reason(as_user, world, ledger):
    from scoring.services import ledger_record

    own = ledger_record(
        member=world.clerk_a.member,
        item_code="innovative-activity",
        occurred_on=D(2026, 4, 9),
        source=LedgerEntry.Source.RECORD,
        by=world.secretary_a,
    )
    client = as_user(world.clerk_a)
    with nothing_changes():
        response = client.post(reverse_url(own), {"reason": "有误"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "own_points"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("member_a", 403),
        ("higher", 403),
        ("clerk_b", 404),
        ("other_member_a", 404),
        ("outsider", 404),
    ],
)
def test_only_those_who_keep_or_correct_the_ledger_reverse(as_user, world, ledger, persona, expected):
    entry = LedgerEntry.objects.get(member=world.member_a, occurred_on=D(2026, 4, 8))
    client = as_user(user_of(world, persona))
    with nothing_changes():
        response = client.post(reverse_url(entry), {"reason": "无权"}, format="json")
    assert response.status_code == expected


@pytest.mark.parametrize(
    "query",
    ["member=-1.7976931348623157e%2B308", "member=1.5", "member=99999999999999999999", "cycle=100000"],
)
def test_numbers_out_of_range_are_400_not_a_server_error(as_user, world, ledger, query):
    response = as_user(world.clerk_a).get(f"{LEDGER}?{query}")
    assert response.status_code == 400
    assert response.json()["fields"][query.split("=")[0]]
