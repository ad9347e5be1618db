"""The member's own pages (/me/): 我的积分, 申报积分, 我的申报, 公示, 申诉 — each with its three cases
(anonymous → login, another branch → 404, own → 200), the claim form's refusals in Chinese with nothing
created, the cap warning, and the scores that count (审定) apart from those still pending (待审定)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from PIL import Image

from accounts.models import Member
from scoring.core.ruleset import fmt
from scoring.models import LedgerEntry
from scoring.services import ruleset_create
from tests.factories import make_member
from workflows import member_selectors, messages
from workflows.claims import claim_submit
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Appeal, Claim, FrozenScore, Notification
from workflows.notifications import notify
from workflows.viewsets import queue_for

from .helpers import (
    act,
    approved_claim,
    freeze,
    nothing_changes,
    open_task,
    publicity_closed,
    publicity_opened,
    task_url,
)

D = datetime.date


@pytest.fixture(autouse=True)
def march(monkeypatch):
    """Members claim in March 2026; the first quarter ends on 31 March."""
    return freeze(monkeypatch, 2026, 3, 20, 10)


def png(name: str = "活动照片.png", color: str = "red") -> SimpleUploadedFile:
    """A real, decodable photo, as a phone camera sends it."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def shows(response, text) -> bool:
    return escape(str(text)) in response.content.decode()


def claim_form(item="innovative-activity", day="2026-03-10", files=None, **extra):
    data = {"item_code": item, "occurred_on": day, "place": "社区广场", "description": "义务宣讲", **extra}
    data["evidence"] = [png()] if files is None else files
    return data


def field_errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(field, [])]


# --- Who sees what --------------------------------------------------------------------------


@pytest.fixture
def things(world, rules_2026, monkeypatch, client):
    """Member A's claim, branch A's 公示 of the first quarter, and member A's appeal against an entry."""
    claim = approved_claim(world)
    review = publicity_opened(world, monkeypatch)
    entry = LedgerEntry.objects.get(member=world.member_a)
    client.force_login(world.member_a.user)
    client.post(f"/me/publicity/{review.pk}/appeal/{entry.pk}/", {"reason": "日期记错了"})
    client.logout()
    return {"claim": claim, "review": review, "entry": entry, "appeal": Appeal.objects.get()}


def own_urls(t) -> list[str]:
    return [
        "/me/",
        "/me/claims/new/",
        "/me/claims/",
        f"/me/claims/{t['claim'].pk}/",
        "/me/publicity/",
        f"/me/publicity/{t['review'].pk}/",
        f"/me/publicity/{t['review'].pk}/appeal/{t['entry'].pk}/",
        "/me/appeals/",
        f"/me/appeals/{t['appeal'].pk}/",
    ]


def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, things):
    for url in own_urls(things):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/"), url


def test_the_member_opens_every_page_of_their_own(client, world, things):
    client.force_login(world.member_a.user)
    for url in own_urls(things):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url


def test_a_member_of_another_branch_finds_none_of_branch_as_things(client, world, things):
    client.force_login(world.outsider.user)
    for url in own_urls(things)[3:]:
        if url in ("/me/publicity/", "/me/appeals/"):
            continue  # their own (empty) pages
        assert client.get(url).status_code == 404, url


def test_another_members_claim_and_appeal_are_not_found_even_in_the_same_branch(client, world, things):
    client.force_login(world.other_member_a.user)
    assert client.get(f"/me/claims/{things['claim'].pk}/").status_code == 404
    assert client.get(f"/me/appeals/{things['appeal'].pk}/").status_code == 404
    assert client.get(f"/me/publicity/{things['review'].pk}/").status_code == 200


def test_a_user_who_is_no_member_has_no_points_page(client, world, rules_2026):
    client.force_login(world.higher)
    assert client.get("/me/").status_code == 403


# --- 我的积分 -------------------------------------------------------------------------------


def test_points_approved_but_not_yet_frozen_are_shown_as_pending_only(client, world, rules_2026):
    approved_claim(world)
    client.force_login(world.member_a.user)
    response = client.get("/me/")
    points = response.context["points"]
    assert points.latest is None
    assert [(line.label, line.total) for line in points.pending] == [("2026年度第1季度", Decimal(2))]
    assert shows(response, "待审定") and shows(response, "本年度还没有审定的积分")
    (row,) = points.breakdown
    assert (row.name, row.frozen, row.pending) == ("创新型特色党员活动", 0, 2)


def test_after_approval_the_frozen_score_and_rank_are_shown_and_later_points_are_pending(
    client, world, rules_2026, monkeypatch
):
    approved_claim(world)
    approved_claim(world, world.other_member_a, item="community-service")
    approved_claim(world, world.other_member_a, D(2026, 3, 11), item="community-service")
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    act(client, world.secretary_a, open_task(review.process, PeriodReviewFlow.approve), {"note": "同意"})
    approved_claim(world, day=D(2026, 4, 8))  # the second quarter: approved, not yet frozen

    client.force_login(world.member_a.user)
    response = client.get("/me/")
    frozen = FrozenScore.objects.get(member=world.member_a)
    latest = response.context["points"].latest
    assert (latest.period_total, latest.cycle_total) == (frozen.period_total, frozen.cycle_total)
    assert latest.period_rank.value == frozen.period_rank == 2
    assert latest.period_rank.label == "排名"
    html = response.content.decode()
    assert f'data-value="period_total">{fmt(frozen.period_total)}<' in html
    assert f'data-value="cycle_total">{fmt(frozen.cycle_total)}<' in html
    assert "本期排名" in html and "累计排名" in html and "第 2 名" in html
    assert "积分占 70%，民主评议占 30%" in html  # why the year's total is below the quarter's
    assert [(line.label, line.total) for line in response.context["points"].pending] == [
        ("2026年度第2季度", Decimal(2))
    ]
    (row,) = response.context["points"].breakdown
    assert (row.frozen, row.pending) == (Decimal(2), Decimal(2))


def test_a_candidate_sees_a_reference_rank_only(client, world, rules_2026, monkeypatch):
    candidate = make_member(
        branch=world.branch_a, real_name="马丽", username="mali", kind=Member.Kind.CANDIDATE
    )
    approved_claim(world)
    approved_claim(world, candidate)
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    act(client, world.secretary_a, open_task(review.process, PeriodReviewFlow.approve), {"note": ""})

    client.force_login(candidate.user)
    response = client.get("/me/")
    latest = response.context["points"].latest
    assert latest.period_rank.label == "参考排名" and latest.period_rank.reference
    html = response.content.decode()
    assert "本期参考排名" in html and "本期排名" not in html
    assert "仅供参考" in html


def test_rank_display_is_decided_in_one_place(client, world, rules_2026, monkeypatch):
    approved_claim(world)
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    act(client, world.secretary_a, open_task(review.process, PeriodReviewFlow.approve), {"note": ""})
    monkeypatch.setattr(member_selectors, "rankings_shown", lambda branch: False)

    client.force_login(world.member_a.user)
    html = client.get("/me/").content.decode()
    assert "本期积分" in html and "排名" not in html
    html = client.get(f"/me/publicity/{review.pk}/").content.decode()
    assert "审定结果" in html and "第 1 名" not in html


def test_an_exempted_member_is_told_so_and_has_no_claim_form(client, world, rules_2026):
    exempt = make_member(
        branch=world.branch_a, real_name="老李", username="laoli", status=Member.Status.EXEMPT
    )
    client.force_login(exempt.user)
    assert shows(client.get("/me/"), "免于积分")
    response = client.get("/me/claims/new/")
    assert shows(response, "免于积分") and 'name="item_code"' not in response.content.decode()


def test_unread_notifications_are_listed_and_marked_read(client, world, rules_2026):
    mine = notify(recipient=world.member_a.user, kind="t", title="您的申报已审核通过", url="/me/claims/")
    theirs = notify(recipient=world.other_member_a.user, kind="t", title="别人的通知")
    client.force_login(world.member_a.user)
    response = client.get("/me/")
    assert shows(response, "您的申报已审核通过") and not shows(response, "别人的通知")

    response = client.post(f"/me/notifications/{mine.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response.url == "/me/claims/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert not shows(client.get("/me/"), "您的申报已审核通过")

    assert client.post(f"/me/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_all_notifications_can_be_marked_read_at_once(client, world, rules_2026):
    for n in range(3):
        notify(recipient=world.member_a.user, kind="t", title=f"通知{n}")
    client.force_login(world.member_a.user)
    assert client.post("/me/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(recipient=world.member_a.user, read_at__isnull=True).exists()


# --- 申报积分 -------------------------------------------------------------------------------


def test_the_form_offers_the_items_members_claim_with_points_and_evidence(client, world, rules_2026):
    client.force_login(world.member_a.user)
    response = client.get("/me/claims/new/")
    choices = dict(response.context["form"].fields["item_code"].choices)
    assert choices["innovative-activity"] == "创新型特色党员活动（2 分/次） · 需照片"
    assert choices["competition"].startswith(
        "代表区纪委参加区级及以上比赛或表演类活动（1～2 分，审核时确定）"
    )
    assert "branch-meeting" not in choices
    html = response.content.decode()
    assert 'accept="image/*,application/pdf"' in html and "multiple" in html
    assert "全年最多 10 分" in html and "必须上传照片或签到表" in html


def test_a_claim_with_a_phone_photo_is_created_and_waits_in_the_clerks_queue(client, world, rules_2026):
    client.force_login(world.member_a.user)
    response = client.post("/me/claims/new/", claim_form())
    claim = Claim.objects.get()
    assert response.status_code == 302 and response.url == f"/me/claims/{claim.pk}/"
    assert (claim.member, claim.item_code, claim.status) == (
        world.member_a,
        "innovative-activity",
        "submitted",
    )
    assert claim.evidence.get().content_type == "image/png"
    task = open_task(claim.process, ClaimFlow.record)
    assert queue_for(world.clerk_a, [ClaimFlow]).filter(pk=task.pk).exists()
    assert not queue_for(world.clerk_b, [ClaimFlow]).filter(pk=task.pk).exists()
    assert shows(client.get(response.url), "待登记")


def a_claim_on(world, day, item="innovative-activity"):
    return claim_submit(
        member=world.member_a, item_code=item, occurred_on=day, evidence=[png()], by=world.member_a.user
    )


@pytest.fixture
def monthly_item(world, rules_2026):
    """Branch A's own rules add 志愿服务, which members claim at most once a month."""
    text = (
        "code: branch-a-2026\nname: 第一党支部细则\nextends: erqi-2021\nitems:\n"
        "  - {code: volunteer, name: 志愿服务, category: special, points: 1, "
        "limit: {per: month, times: 1}, evidence: optional, source: member}\n"
    )
    return ruleset_create(organization=world.branch_a, cycle=2026, text=text, by=world.higher, in_force=True)


BAD_CLAIMS = {
    "item members may not claim": (
        lambda world: {"item": "branch-meeting"},
        "item_code",
        messages.ITEM_NOT_CLAIMABLE % {"item": "支部党员大会"},
    ),
    "outside the cycle": (
        lambda world: {"day": "2025-12-20"},
        "occurred_on",
        messages.NO_RULESET % {"branch": "第一党支部", "date": "2025年12月20日"},
    ),
    "missing required evidence": (lambda world: {"files": []}, "evidence", messages.EVIDENCE_REQUIRED),
    "points out of range": (
        lambda world: {"item": "competition", "points": "3"},
        "points",
        "分值 3 超出项目“代表区纪委参加区级及以上比赛或表演类活动”的分值区间 1 至 2",
    ),
    "duplicate": (
        lambda world: a_claim_on(world, D(2026, 3, 10)) and {},
        "occurred_on",
        messages.DUPLICATE_CLAIM % {"date": "2026年3月10日", "item": "创新型特色党员活动"},
    ),
    "future date": (lambda world: {"day": "2026-03-21"}, "occurred_on", messages.DATE_IN_FUTURE),
}


@pytest.mark.parametrize("case", BAD_CLAIMS.keys())
def test_each_bad_claim_shows_its_chinese_message_on_the_field_and_creates_nothing(
    client, world, rules_2026, case
):
    prepare, field, message = BAD_CLAIMS[case]
    form = claim_form(**prepare(world))
    client.force_login(world.member_a.user)
    with nothing_changes():
        response = client.post("/me/claims/new/", form)
    assert response.status_code == 200
    assert field_errors(response, field) == [str(message)]
    assert shows(response, message)


def test_a_file_that_is_no_photo_is_refused_on_the_evidence_field_and_nothing_is_created(
    client, world, rules_2026
):
    fake = SimpleUploadedFile("照片.jpg", b"MZ" + bytes(100), content_type="image/jpeg")
    client.force_login(world.member_a.user)
    with nothing_changes():
        response = client.post("/me/claims/new/", claim_form(files=[fake]))
    (error,) = field_errors(response, "evidence")
    assert "不是图片或 PDF" in error and shows(response, error)


def test_a_claim_past_the_monthly_limit_shows_the_limit_and_creates_nothing(client, world, monthly_item):
    client.force_login(world.member_a.user)
    assert client.post("/me/claims/new/", claim_form("volunteer", "2026-03-02", files=[])).status_code == 302
    with nothing_changes():
        response = client.post("/me/claims/new/", claim_form("volunteer", "2026-03-16", files=[]))
    message = messages.PAST_LIMIT % {"reason": "超过频次限制(每月1次),不计分"}
    assert field_errors(response, "occurred_on") == [message]
    assert shows(response, message)


def test_at_the_cap_the_member_is_warned_and_may_claim_once_they_tick_that_it_adds_nothing(
    client, world, rules_2026
):
    for day in range(1, 6):  # 2 points a time, at most 10 a year: five claims reach the cap
        a_claim_on(world, D(2026, 3, day))
    client.force_login(world.member_a.user)
    with nothing_changes():
        response = client.post("/me/claims/new/", claim_form(day="2026-03-06"))
    warning = messages.CAP_REACHED % {"item": "创新型特色党员活动"}
    assert field_errors(response, "cap_acknowledged") == [str(warning)]
    html = response.content.decode()
    assert escape(str(warning)) in html and 'name="cap_acknowledged"' in html and "已知悉不再加分" in html

    response = client.post("/me/claims/new/", claim_form(day="2026-03-06", cap_acknowledged="on"))
    assert response.status_code == 302
    assert Claim.objects.get(occurred_on=D(2026, 3, 6)).cap_acknowledged


def test_the_cap_box_is_not_shown_before_it_is_needed(client, world, rules_2026):
    client.force_login(world.member_a.user)
    assert 'name="cap_acknowledged"' not in client.get("/me/claims/new/").content.decode()


# --- 我的申报 -------------------------------------------------------------------------------


def test_my_claims_are_listed_with_their_state_and_nobody_elses(client, world, rules_2026):
    a_claim_on(world, D(2026, 3, 10))
    claim_submit(
        member=world.other_member_a,
        item_code="adopted-proposal",
        occurred_on=D(2026, 3, 9),
        evidence=[png()],
        by=world.other_member_a.user,
    )
    client.force_login(world.member_a.user)
    response = client.get("/me/claims/")
    assert [claim.item_code for claim, _ in response.context["rows"]] == ["innovative-activity"]
    assert shows(response, "创新型特色党员活动") and shows(response, "待登记")
    assert not shows(response, "意见建议和创新举措被采用并取得实效")


def test_a_returned_claim_shows_the_reason_its_history_and_the_way_to_revise_it(client, world, rules_2026):
    claim = a_claim_on(world, D(2026, 3, 10))
    act(
        client,
        world.clerk_a,
        open_task(claim.process, ClaimFlow.record),
        {"action": "return", "reason": "请补拍签到表"},
    )
    revise = open_task(claim.process, ClaimFlow.revise)

    client.force_login(world.member_a.user)
    response = client.get(f"/me/claims/{claim.pk}/")
    revise_url = response.context["revise_url"]
    assert revise_url == task_url(revise, "execute") + f"?back=%2Fme%2Fclaims%2F{claim.pk}%2F"
    html = response.content.decode()
    assert escape(revise_url) in html
    assert "请补拍签到表" in html and "退回补充" in html
    assert "李娜" in html  # who returned it
    assert [record.action for record in response.context["history"]] == ["claim.submit", "claim.return"]
    assert client.get(revise_url).status_code == 200
    response = client.post(
        revise_url, {"occurred_on": "2026-03-10", "place": "社区", "description": "补拍", "evidence": [png()]}
    )
    assert response.status_code == 302 and response.url == f"/me/claims/{claim.pk}/"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED and claim.evidence.count() == 2


def test_a_claim_waiting_for_the_clerk_offers_no_revise_link(client, world, rules_2026):
    claim = a_claim_on(world, D(2026, 3, 10))
    client.force_login(world.member_a.user)
    assert client.get(f"/me/claims/{claim.pk}/").context["revise_url"] is None


# --- 公示 and 申诉 ---------------------------------------------------------------------------


@pytest.fixture
def publicity(world, rules_2026, monkeypatch):
    approved_claim(world)
    approved_claim(world, world.other_member_a, item="community-service")
    return publicity_opened(world, monkeypatch)


def test_the_current_publicity_lists_names_items_points_and_reasons_and_nothing_private(
    client, world, publicity
):
    client.force_login(world.member_a.user)
    response = client.get("/me/publicity/", follow=True)
    assert response.redirect_chain == [(f"/me/publicity/{publicity.pk}/", 302)]
    html = response.content.decode()
    for text in (
        "张伟",
        "王芳",
        "创新型特色党员活动",
        "城市精细化管理",
        "+2",
        "2026年4月2日 09:00",
        "2026年4月7日 09:00",
    ):
        assert text in html, text
    assert "申诉" in html
    for private in ("13800001111", "13900002222", world.member_a.id_number, world.other_member_a.id_number):
        assert private not in html


def test_a_member_of_another_branch_gets_404_for_branch_as_publicity(client, world, publicity):
    client.force_login(world.outsider.user)
    assert client.get(f"/me/publicity/{publicity.pk}/").status_code == 404
    response = client.get("/me/publicity/")
    assert response.status_code == 200 and shows(response, "目前还没有积分公示")


def test_an_appeal_during_the_window_starts_its_process(client, world, publicity):
    entry = LedgerEntry.objects.get(member=world.other_member_a)
    client.force_login(world.member_a.user)
    url = f"/me/publicity/{publicity.pk}/appeal/{entry.pk}/"
    assert shows(client.get(url), "王芳")
    response = client.post(url, {"reason": "王芳当天不在社区", "evidence": [png()]})
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response.url == f"/me/appeals/{appeal.pk}/"
    assert (appeal.appellant, appeal.entry, appeal.evidence.count()) == (world.member_a, entry, 1)
    assert open_task(appeal.process, AppealFlow.decide)
    response = client.get("/me/appeals/")
    assert shows(response, "待处理") and shows(response, "城市精细化管理")


def test_an_appeal_without_a_reason_is_refused_on_the_field(client, world, publicity):
    entry = LedgerEntry.objects.get(member=world.other_member_a)
    client.force_login(world.member_a.user)
    with nothing_changes():
        response = client.post(f"/me/publicity/{publicity.pk}/appeal/{entry.pk}/", {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]


def test_an_appeal_after_the_window_closed_shows_why_and_creates_nothing(
    client, world, publicity, monkeypatch
):
    entry = LedgerEntry.objects.get(member=world.other_member_a)
    freeze(monkeypatch, 2026, 4, 8, 9)
    client.force_login(world.member_a.user)
    url = f"/me/publicity/{publicity.pk}/appeal/{entry.pk}/"
    message = messages.WINDOW_CLOSED % {"closes": "2026年4月7日 09:00"}
    page = client.get(url)
    assert not page.context["window_open"] and 'name="reason"' not in page.content.decode()
    assert shows(page, "公示期已于 2026年4月7日 09:00 结束，不能再提出申诉。")
    with nothing_changes():
        response = client.post(url, {"reason": "迟到的申诉"})
    assert response.status_code == 200
    assert shows(response, message)
    assert not Appeal.objects.exists()


def test_an_appeal_from_another_branch_is_not_found_and_creates_nothing(client, world, publicity):
    entry = LedgerEntry.objects.get(member=world.member_a)
    client.force_login(world.outsider.user)
    with nothing_changes():
        response = client.post(f"/me/publicity/{publicity.pk}/appeal/{entry.pk}/", {"reason": "外支部"})
    assert response.status_code == 404


def test_an_entry_outside_the_publicity_cannot_be_appealed_through_it(client, world, publicity, monkeypatch):
    freeze(monkeypatch, 2026, 4, 10, 9)
    later = approved_claim(world, day=D(2026, 4, 9))
    client.force_login(world.member_a.user)
    assert client.get(f"/me/publicity/{publicity.pk}/appeal/{later.ledger_entry.pk}/").status_code == 404


def test_after_approval_the_publicity_shows_the_frozen_result(client, world, publicity, monkeypatch):
    publicity_closed(monkeypatch)
    act(client, world.secretary_a, open_task(publicity.process, PeriodReviewFlow.approve), {"note": "同意"})
    client.force_login(world.member_a.user)
    response = client.get(f"/me/publicity/{publicity.pk}/")
    result = response.context["result"]
    assert {row.name: row.period_total for row in result}["张伟"] == Decimal(2)
    html = response.content.decode()
    assert "审定结果" in html and "已经结束" in html
    assert 'href="/me/publicity/' in html and "/appeal/" not in html


def test_the_appeal_outcome_is_shown_to_the_appellant(client, world, publicity):
    entry = LedgerEntry.objects.get(member=world.other_member_a)
    client.force_login(world.member_a.user)
    client.post(f"/me/publicity/{publicity.pk}/appeal/{entry.pk}/", {"reason": "王芳当天不在社区"})
    appeal = Appeal.objects.get()
    act(
        client,
        world.committee_a,
        open_task(appeal.process, AppealFlow.decide),
        {"decision": "dismiss", "points": "", "reason": "核实签到表，王芳在场"},
    )
    client.force_login(world.member_a.user)
    response = client.get(f"/me/appeals/{appeal.pk}/")
    assert shows(response, "申诉不成立") and shows(response, "核实签到表，王芳在场")
