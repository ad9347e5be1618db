"""clerk/records/ and clerk/attendance/: what the clerk's pages record, through the same services, with
their refusals in Chinese; members and branches outside the clerk's scope are not found."""

from __future__ import annotations

import pytest

from accounts.models import Member
from tests.factories import make_member
from tests.workflows.helpers import nothing_changes, open_task, publicity_opened
from workflows import messages
from workflows.flows import ClaimFlow
from workflows.models import AttendanceSheet, Claim

RECORD = "/api/v1/clerk/records/"
ATTENDANCE = "/api/v1/clerk/attendance/"


def user_of(world, persona):
    user = getattr(world, persona)
    return user.user if isinstance(user, Member) else user


@pytest.fixture
def clerk(as_user, world, rules_2026, march):
    return as_user(world.clerk_a)


def dues(member, **extra) -> dict:
    return {
        "member": member.pk,
        "item_code": "dues",
        "occurred_on": "2026-03-02",
        "description": "3月党费",
        **extra,
    }


# --- 单项登记 -----------------------------------------------------------------------------------


def test_one_branch_observed_item_is_recorded_and_waits_for_review(clerk, world):
    response = clerk.post(RECORD, dues(world.member_a), format="json")
    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert response.json() == {
        "id": claim.pk,
        "member": {"id": world.member_a.pk, "real_name": "张伟", "kind": "full"},
        "branch": {"id": world.branch_a.pk, "code": "C01-G1-A", "name": "第一党支部"},
        "item_code": "dues",
        "item_name": response.json()["item_name"],
        "occurred_on": "2026-03-02",
        "points_requested": None,
        "status": "recorded",
        "description": "3月党费",
        "sheet": None,
    }
    assert "党费" in response.json()["item_name"]
    assert (claim.source, claim.created_by) == (Claim.Source.BRANCH, world.clerk_a)
    assert open_task(claim.process, ClaimFlow.review)


def test_a_second_dues_entry_in_a_month_is_400_with_the_limit(clerk, world):
    assert clerk.post(RECORD, dues(world.member_a), format="json").status_code == 201
    with nothing_changes():
        response = clerk.post(RECORD, dues(world.member_a, occurred_on="2026-03-16"), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "occurred_on": [messages.PAST_LIMIT % {"reason": "超过频次限制(每月1次),不计分"}]
    }


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        (
            {"item_code": "innovative-activity"},
            "item_code",
            messages.ITEM_NOT_RECORDABLE % {"item": "创新型特色党员活动"},
        ),
        ({"item_code": "no-such-item"}, "item_code", messages.ITEM_UNKNOWN),
        ({"occurred_on": "2026-03-25"}, "occurred_on", messages.DATE_IN_FUTURE),
        ({"occurred_on": "2024-03-02"}, "occurred_on", None),
    ],
)
def test_bad_records_are_400_in_chinese_and_create_nothing(clerk, world, extra, field, message):
    with nothing_changes():
        response = clerk.post(RECORD, dues(world.member_a, **extra), format="json")
    assert response.status_code == 400
    errors = response.json()["fields"][field]
    if message is not None:
        assert errors == [str(message)]
    else:
        assert "没有生效的积分细则" in errors[0]


def test_an_exempt_member_is_not_on_the_roster(clerk, world):
    exempt = make_member(branch=world.branch_a, real_name="老李", status=Member.Status.EXEMPT)
    with nothing_changes():
        response = clerk.post(RECORD, dues(exempt), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"member": ["老李 经批准免于积分，不在登记名单中。"]}


def test_a_missing_field_is_400(clerk, world):
    response = clerk.post(RECORD, {"member": world.member_a.pk}, format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {"item_code", "occurred_on"}


def test_a_period_under_review_takes_no_more_records(as_user, world, claims_q1, monkeypatch):
    publicity_opened(world, monkeypatch)
    client = as_user(world.clerk_a)
    with nothing_changes():
        response = client.post(RECORD, dues(world.member_a), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["occurred_on"] == [
        messages.PERIOD_CLOSED_FOR_CLAIMS % {"period": "2026年度第1季度"}
    ]


@pytest.mark.parametrize(
    ("persona", "member", "expected"),
    [
        ("clerk_b", "member_a", 404),
        ("clerk_a", "outsider", 404),
        ("outsider", "member_a", 404),
        ("member_a", "member_a", 403),
        ("member_a", "other_member_a", 404),
        ("committee_a", "member_a", 403),
        ("secretary_a", "member_a", 403),
        ("higher", "member_a", 403),
        ("clerk_b", "outsider", 201),
    ],
)
def test_only_the_branchs_clerk_records_for_its_members(
    as_user, world, rules_2026, march, persona, member, expected
):
    client = as_user(user_of(world, persona))
    body = dues(getattr(world, member))
    if expected == 201:
        assert client.post(RECORD, body, format="json").status_code == 201
        return
    with nothing_changes():
        response = client.post(RECORD, body, format="json")
    assert response.status_code == expected


# --- 活动签到登记 -------------------------------------------------------------------------------


def sign_in(world, present=(), on_leave=(), **extra) -> dict:
    return {
        "branch": world.branch_a.pk,
        "title": "3月支部党员大会",
        "occurred_on": "2026-03-05",
        "item_present": "branch-meeting",
        "item_absent": "absent-without-leave",
        "item_leave": "absent-on-leave",
        "present": [m.pk for m in present],
        "on_leave": [m.pk for m in on_leave],
        **extra,
    }


def test_a_meeting_records_the_right_item_for_everyone(clerk, world):
    mobile = make_member(branch=world.branch_a, real_name="外出务工", status=Member.Status.MOBILE)
    make_member(branch=world.branch_a, real_name="年老免评", status=Member.Status.EXEMPT)
    lina = Member.objects.get(real_name="李娜")
    response = clerk.post(
        ATTENDANCE,
        sign_in(world, present=[world.member_a, world.other_member_a], on_leave=[lina]),
        format="json",
    )
    assert response.status_code == 201, response.content
    sheet = AttendanceSheet.objects.get()
    body = response.json()
    assert (
        body["id"] == sheet.pk and body["title"] == "3月支部党员大会" and body["occurred_on"] == "2026-03-05"
    )
    assert {c["member"]["real_name"]: c["item_code"] for c in body["claims"]} == {
        "张伟": "branch-meeting",
        "王芳": "branch-meeting",
        "李娜": "absent-on-leave",
        "刘洋": "absent-without-leave",
        "陈静": "absent-without-leave",
    }
    assert mobile.real_name not in {c["member"]["real_name"] for c in body["claims"]}
    # 李娜's own leave is not hers to record: it waits for 登记 by the secretary (accounts.duties).
    statuses = {c["member"]["real_name"]: c["status"] for c in body["claims"]}
    assert statuses.pop("李娜") == "submitted" and set(statuses.values()) == {"recorded"}
    assert {c["sheet"] for c in body["claims"]} == {sheet.pk}
    recorded = {c.member.real_name: c.item_code for c in sheet.claims.select_related("member")}
    assert recorded == {c["member"]["real_name"]: c["item_code"] for c in body["claims"]}


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"item_present": "absent-without-leave"}, "item_present", "不是加分项目"),
        ({"item_absent": "branch-meeting"}, "item_absent", "不是扣分项目"),
        ({"item_leave": "dues"}, "item_leave", "不是扣分项目"),
        ({"item_present": "innovative-activity"}, "item_present", "不能由支部直接登记"),
        ({"item_present": "nope"}, "item_present", "积分细则中没有该项目"),
        ({"item_present": ""}, "item_present", "不能为空"),
        ({"title": ""}, "title", "不能为空"),
        ({"occurred_on": "2024-03-05"}, "occurred_on", "没有生效的积分细则"),
    ],
)
def test_bad_sign_in_lists_are_400_in_chinese_and_create_nothing(clerk, world, extra, field, message):
    with nothing_changes():
        response = clerk.post(ATTENDANCE, sign_in(world, present=[world.member_a], **extra), format="json")
    assert response.status_code == 400
    assert message in str(response.json()["fields"][field])
    assert not AttendanceSheet.objects.exists()


def test_one_refused_row_refuses_the_whole_list(clerk, world):
    # 张伟's dues of that day are already recorded: his row is a duplicate, so no row is entered.
    assert (
        clerk.post(RECORD, dues(world.member_a, occurred_on="2026-03-05"), format="json").status_code == 201
    )
    with nothing_changes():
        response = clerk.post(
            ATTENDANCE, sign_in(world, present=[world.member_a], item_present="dues"), format="json"
        )
    assert response.status_code == 400
    assert any(m.startswith("张伟：") for m in response.json()["fields"]["non_field_errors"])
    assert not AttendanceSheet.objects.exists()


def test_a_member_marked_twice_or_exempt_is_400(clerk, world):
    exempt = make_member(branch=world.branch_a, real_name="老李", status=Member.Status.EXEMPT)
    with nothing_changes():
        both = clerk.post(
            ATTENDANCE, sign_in(world, present=[world.member_a], on_leave=[world.member_a]), format="json"
        )
        excused = clerk.post(ATTENDANCE, sign_in(world, present=[exempt]), format="json")
    assert both.status_code == 400 and both.json()["fields"] == {"on_leave": ["张伟 不能既出席又请假。"]}
    assert excused.status_code == 400 and excused.json()["fields"] == {
        "present": ["老李 经批准免于积分，不在登记名单中。"]
    }


def test_a_member_of_another_branch_on_the_list_is_404(clerk, world):
    with nothing_changes():
        response = clerk.post(
            ATTENDANCE, sign_in(world, present=[world.member_a, world.outsider]), format="json"
        )
    assert response.status_code == 404
    with nothing_changes():
        response = clerk.post(ATTENDANCE, {**sign_in(world), "on_leave": [999999]}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clerk_b", 404),
        ("member_a", 404),
        ("outsider", 404),
        ("committee_a", 403),
        ("secretary_a", 403),
        ("higher", 403),
    ],
)
def test_only_the_branchs_clerk_records_its_meetings(as_user, world, rules_2026, march, persona, expected):
    client = as_user(user_of(world, persona))
    with nothing_changes():
        response = client.post(ATTENDANCE, sign_in(world, present=[world.member_a]), format="json")
    assert response.status_code == expected


def test_anonymous_records_nothing(api, world, rules_2026, march):
    assert api.post(RECORD, dues(world.member_a), format="json").status_code == 401
    assert api.post(ATTENDANCE, sign_in(world), format="json").status_code == 401
