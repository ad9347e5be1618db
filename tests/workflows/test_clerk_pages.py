"""The clerk's entry pages (/clerk/): choose a branch, 活动签到登记, 单项登记, 期间与公示 — each with its
three cases (anonymous → login, another branch's clerk → 404, a follower without the permission → 403,
the branch's clerk → 200), and what each page creates."""

import datetime

import pytest
from django.utils.html import escape

from accounts.models import Member
from tests.factories import make_member
from workflows import messages
from workflows.claims import claim_submit
from workflows.flows import ClaimFlow
from workflows.models import AttendanceSheet, Claim, PeriodReview

from .helpers import approved_claim, freeze, nothing_changes, open_task, photo

D = datetime.date


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


def pages(branch) -> list[str]:
    return [
        f"/clerk/{branch.pk}/attendance/new/",
        f"/clerk/{branch.pk}/record/new/",
        f"/clerk/{branch.pk}/periods/",
    ]


def shows(response, text) -> bool:
    return escape(str(text)) in response.content.decode()


# --- Who may open what ----------------------------------------------------------------------


def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, world, rules_2026):
    for url in ["/clerk/", *pages(world.branch_a)]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url


def test_the_branch_clerk_opens_every_page_of_the_branch(client, world, rules_2026):
    client.force_login(world.clerk_a)
    response = client.get("/clerk/")
    assert response.status_code == 200
    assert [b.pk for b in response.context["recorded"]] == [world.branch_a.pk]
    for url in pages(world.branch_a):
        assert client.get(url).status_code == 200, url


def test_another_branchs_clerk_finds_none_of_branch_as_pages(client, world, rules_2026):
    client.force_login(world.clerk_b)
    response = client.get("/clerk/")
    assert [b.pk for b in response.context["recorded"]] == [world.branch_b.pk]
    assert not shows(response, world.branch_a.name)
    for url in pages(world.branch_a):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url


def test_the_secretary_reads_the_periods_but_records_nothing(client, world, rules_2026):
    client.force_login(world.secretary_a)
    response = client.get("/clerk/")
    assert response.context["recorded"] == [] and [b.pk for b in response.context["followed"]] == [
        world.branch_a.pk
    ]
    attendance, record, periods = pages(world.branch_a)
    assert client.get(attendance).status_code == 403
    assert client.get(record).status_code == 403
    response = client.get(periods)
    assert response.status_code == 200 and not response.context["may_start"]
    assert "发起公示</" not in response.content.decode()
    assert client.post(periods, {"cycle": 2026, "kind": "quarter", "index": 1}).status_code == 403


def test_a_member_without_a_role_has_no_clerk_pages(client, world, rules_2026):
    client.force_login(world.member_a.user)
    assert client.get("/clerk/").status_code == 403
    for url in pages(world.branch_a):
        assert client.get(url).status_code == 403, url


def test_the_higher_committee_follows_every_branch_below_it(client, world, rules_2026):
    client.force_login(world.higher)
    response = client.get("/clerk/")
    assert {b.pk for b in response.context["followed"]} == {world.branch_a.pk, world.branch_b.pk}
    assert client.get(f"/clerk/{world.branch_b.pk}/periods/").status_code == 200


# --- 活动签到登记 ---------------------------------------------------------------------------


def attendance(world, present=(), leave=(), **extra):
    """The sign-in form: every member absent unless marked present or on leave."""
    data = {
        "title": "3月支部党员大会",
        "occurred_on": "2026-03-05",
        "item_present": "branch-meeting",
        "item_absent": "absent-without-leave",
        "item_leave": "absent-on-leave",
        **extra,
    }
    for member in Member.objects.filter(branch=world.branch_a).exclude(status=Member.Status.EXEMPT):
        mark = "present" if member in present else "leave" if member in leave else "absent"
        data[f"m{member.pk}"] = mark
    return data


def test_the_sign_in_list_names_the_branchs_members_and_says_who_is_not_marked_absent(
    client, world, rules_2026
):
    mobile = make_member(branch=world.branch_a, real_name="外出务工", status=Member.Status.MOBILE)
    exempt = make_member(branch=world.branch_a, real_name="年老免评", status=Member.Status.EXEMPT)
    client.force_login(world.clerk_a)
    response = client.get(f"/clerk/{world.branch_a.pk}/attendance/new/")
    html = response.content.decode()
    assert "张伟" in html and "外出务工" in html and "年老免评" not in html
    assert "流动党员" in html and "不记缺席" in html
    assert f'name="m{mobile.pk}"' in html and f'name="m{exempt.pk}"' not in html
    form = response.context["form"]
    assert [code for code, _ in form.fields["item_present"].choices][1:] == [
        "branch-meeting",
        "party-lecture",
        "activity-day",
        "dues",
        "organization-life-meeting",
        "democratic-review",
        "study",
    ]
    assert [code for code, _ in form.fields["item_absent"].choices] == [
        "",
        "late-written-material",
        "absent-without-leave",
        "absent-on-leave",
        "circular-criticism",
    ]


def test_the_attendance_page_records_the_right_item_for_everyone(client, world, rules_2026):
    mobile = make_member(branch=world.branch_a, real_name="外出务工", status=Member.Status.MOBILE)
    make_member(branch=world.branch_a, real_name="年老免评", status=Member.Status.EXEMPT)
    lina = Member.objects.get(real_name="李娜")
    client.force_login(world.clerk_a)
    response = client.post(
        f"/clerk/{world.branch_a.pk}/attendance/new/",
        attendance(world, present=[world.member_a, world.other_member_a], leave=[lina]),
    )
    assert response.status_code == 302 and response.url == "/clerk/"
    sheet = AttendanceSheet.objects.get()
    recorded = {c.member.real_name: c.item_code for c in sheet.claims.select_related("member")}
    assert recorded == {
        "张伟": "branch-meeting",
        "王芳": "branch-meeting",
        "李娜": "absent-on-leave",
        "刘洋": "absent-without-leave",
        "陈静": "absent-without-leave",
    }
    assert mobile.real_name not in recorded
    for claim in sheet.claims.exclude(member=lina):
        assert claim.status == Claim.Status.RECORDED and claim.source == Claim.Source.BRANCH
        assert open_task(claim.process, ClaimFlow.review)
    # 李娜's own leave is not hers to record: it waits for 登记 by the secretary (accounts.duties).
    own = sheet.claims.get(member=lina)
    assert own.status == Claim.Status.SUBMITTED
    assert open_task(own.process, ClaimFlow.record).owner_permission == "accounts.approve_period"


def test_attendance_without_the_item_for_attendees_creates_nothing(client, world, rules_2026):
    client.force_login(world.clerk_a)
    with nothing_changes():
        response = client.post(
            f"/clerk/{world.branch_a.pk}/attendance/new/", attendance(world, item_present="")
        )
    assert response.status_code == 200 and response.context["form"].errors["item_present"]
    assert not AttendanceSheet.objects.exists()


def test_attendance_in_a_period_under_review_is_refused_in_chinese_and_creates_nothing(
    client, world, rules_2026, monkeypatch
):
    from .helpers import publicity_opened

    approved_claim(world)
    publicity_opened(world, monkeypatch)
    client.force_login(world.clerk_a)
    with nothing_changes():
        response = client.post(f"/clerk/{world.branch_a.pk}/attendance/new/", attendance(world))
    message = messages.PERIOD_CLOSED_FOR_CLAIMS % {"period": "2026年度第1季度"}
    assert shows(response, f"张伟：{message}")
    assert not AttendanceSheet.objects.exists()


# --- 单项登记 -------------------------------------------------------------------------------


def test_one_branch_observed_item_is_recorded_for_one_member(client, world, rules_2026):
    client.force_login(world.clerk_a)
    response = client.get(f"/clerk/{world.branch_a.pk}/record/new/")
    choices = dict(response.context["form"].fields["item_code"].choices)
    assert "dues" in choices and "innovative-activity" not in choices
    assert world.outsider not in response.context["form"].fields["member"].queryset

    response = client.post(
        f"/clerk/{world.branch_a.pk}/record/new/",
        {
            "member": world.member_a.pk,
            "item_code": "dues",
            "occurred_on": "2026-03-02",
            "description": "3月党费",
        },
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.member, claim.item_code, claim.status) == (world.member_a, "dues", "recorded")
    assert open_task(claim.process, ClaimFlow.review)


def test_a_second_dues_entry_in_a_month_shows_the_limit_and_creates_nothing(client, world, rules_2026):
    client.force_login(world.clerk_a)
    url = f"/clerk/{world.branch_a.pk}/record/new/"
    form = {"member": world.member_a.pk, "item_code": "dues", "occurred_on": "2026-03-02"}
    assert client.post(url, form).status_code == 302
    with nothing_changes():
        response = client.post(url, {**form, "occurred_on": "2026-03-16"})
    message = messages.PAST_LIMIT % {"reason": "超过频次限制(每月1次),不计分"}
    assert [str(e) for e in response.context["form"].errors["occurred_on"]] == [message]


def test_a_member_of_another_branch_cannot_be_chosen(client, world, rules_2026):
    client.force_login(world.clerk_a)
    with nothing_changes():
        response = client.post(
            f"/clerk/{world.branch_a.pk}/record/new/",
            {"member": world.outsider.pk, "item_code": "dues", "occurred_on": "2026-03-02"},
        )
    assert response.context["form"].errors["member"]


# --- 期间与公示 -----------------------------------------------------------------------------


def start(client, world, index=1):
    return client.post(
        f"/clerk/{world.branch_a.pk}/periods/", {"cycle": 2026, "kind": "quarter", "index": index}
    )


def test_an_ended_period_without_a_review_offers_publicity_and_opens_it(
    client, world, rules_2026, monkeypatch
):
    approved_claim(world)
    freeze(monkeypatch, 2026, 4, 2, 9)
    client.force_login(world.clerk_a)
    response = client.get(f"/clerk/{world.branch_a.pk}/periods/")
    rows = {row.label: row for row in response.context["rows"]}
    assert rows["2026年度第1季度"].can_start and not rows["2026年度第2季度"].ended
    assert shows(response, "发起公示") and shows(response, "本期尚未结束")

    response = start(client, world)
    assert response.status_code == 302
    review = PeriodReview.objects.get()
    assert (review.branch, review.label, review.started_by) == (
        world.branch_a,
        "2026年度第1季度",
        world.clerk_a,
    )
    response = client.get(f"/clerk/{world.branch_a.pk}/periods/")
    assert shows(response, "公示中") and f"/me/publicity/{review.pk}/" in response.content.decode()


def test_a_period_not_yet_ended_cannot_be_publicised(client, world, rules_2026):
    client.force_login(world.clerk_a)
    with nothing_changes():
        response = start(client, world)
    assert response.status_code == 200
    assert shows(response, messages.PERIOD_NOT_ENDED % {"period": "2026年度第1季度"})


def test_a_period_with_open_claims_cannot_be_publicised(client, world, rules_2026, monkeypatch):
    claim_submit(
        member=world.member_a,
        item_code="innovative-activity",
        occurred_on=D(2026, 3, 10),
        evidence=[photo()],
        by=world.member_a.user,
    )
    freeze(monkeypatch, 2026, 4, 2, 9)
    client.force_login(world.clerk_a)
    response = client.get(f"/clerk/{world.branch_a.pk}/periods/")
    assert shows(response, "还有 1 条申报未审核完毕")
    with nothing_changes():
        response = start(client, world)
    assert shows(response, messages.OPEN_CLAIMS_LEFT % {"count": 1})


def test_a_period_already_started_cannot_be_started_again(client, world, rules_2026, monkeypatch):
    approved_claim(world)
    freeze(monkeypatch, 2026, 4, 2, 9)
    client.force_login(world.clerk_a)
    start(client, world)
    with nothing_changes():
        response = start(client, world)
    assert shows(response, messages.PERIOD_EXISTS % {"branch": "第一党支部", "period": "2026年度第1季度"})


def test_a_made_up_period_is_not_found(client, world, rules_2026):
    client.force_login(world.clerk_a)
    assert start(client, world, index=9).status_code == 404
