"""积分申报 over the API: submit with evidence, the same refusals as the web form (400, Chinese, nothing
saved), lists scoped to what the caller may see, details with evidence and history, and revising a
returned claim through its task."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from viewflow.workflow.status import STATUS

from tests.api.claims.conftest import MARCH_10, png, returned, submitted, user_of
from tests.workflows.helpers import nothing_changes
from workflows import evidence, messages
from workflows.execution import open_task
from workflows.flows import ClaimFlow
from workflows.models import Claim

URL = "/api/v1/claims/"


def claim_form(item="innovative-activity", day="2026-03-10", files=None, **extra):
    form = {"item_code": item, "occurred_on": day, "files": [png()] if files is None else files}
    form.update(extra)
    if not form["files"]:
        del form["files"]
    return form


def post(client, form, url=URL):
    return client.post(url, form, format="multipart")


# --- 申报 --------------------------------------------------------------------------------------


def test_a_claim_with_a_photo_is_created_and_waits_for_the_clerk(as_user, world, rules_2026, march):
    client = as_user(world.member_a.user)
    response = post(client, claim_form(place="社区广场", description="组织义务宣讲"))
    assert response.status_code == 201, response.content
    body = response.json()
    claim = Claim.objects.get()
    assert body["id"] == claim.pk and claim.member == world.member_a
    assert body["status"] == "submitted" and body["status_display"] == "待登记"
    assert body["item_name"] == "创新型特色党员活动" and body["occurred_on"] == "2026-03-10"
    assert (body["place"], body["description"]) == ("社区广场", "组织义务宣讲")
    assert body["points_requested"] is None and body["points_approved"] is None
    assert body["member"] == {"id": world.member_a.pk, "real_name": "张伟"}
    [file] = body["evidence"]
    assert file["name"] == "活动照片.png" and file["content_type"] == "image/png" and file["size"] == 72
    assert file["download_url"] == f"http://testserver/api/v1/evidence/{file['id']}/"
    assert file["web_url"] == f"http://testserver/evidence/{file['id']}/"
    assert [(h["action"], h["actor"]) for h in body["history"]] == [("claim.submit", "张伟")]
    assert [(s["name"], s["finished"] is None) for s in body["steps"]] == [("申报", False), ("登记", True)]
    assert body["revisable"] is False
    # The claim is in the clerk's hands now, as after the web form.
    assert open_task(claim.process, ClaimFlow.record).status == STATUS.NEW


def test_a_ranged_item_keeps_the_points_requested(as_user, world, rules_2026, march):
    response = post(as_user(world.member_a.user), claim_form("competition", points="2"))
    assert response.status_code == 201, response.content
    assert response.json()["points_requested"] == "2.00"


BAD_CLAIMS = {
    "item members may not claim": (
        {"item": "branch-meeting"},
        "item_code",
        messages.ITEM_NOT_CLAIMABLE % {"item": "支部党员大会"},
    ),
    "item the rules do not know": ({"item": "no-such-item"}, "item_code", messages.ITEM_UNKNOWN),
    "outside the cycle": (
        {"day": "2025-12-20"},
        "occurred_on",
        messages.NO_RULESET % {"branch": "第一党支部", "date": "2025年12月20日"},
    ),
    "in the future": ({"day": "2026-03-21"}, "occurred_on", messages.DATE_IN_FUTURE),
    "missing required evidence": ({"files": []}, "files", messages.EVIDENCE_REQUIRED),
    "points out of range": (
        {"item": "competition", "points": "3"},
        "points",
        "分值 3 超出项目“代表区纪委参加区级及以上比赛或表演类活动”的分值区间 1 至 2",
    ),
}


@pytest.mark.parametrize("case", BAD_CLAIMS.keys())
def test_each_bad_claim_is_400_with_the_chinese_message_on_its_field_and_saves_nothing(
    as_user, world, rules_2026, march, case
):
    change, field, message = BAD_CLAIMS[case]
    client = as_user(world.member_a.user)
    with nothing_changes():
        response = post(client, claim_form(**change))
    assert response.status_code == 400
    # One refusal: the phone shows its message as it is, and it sits on its field too.
    assert response.json() == {"code": "invalid", "message": str(message), "fields": {field: [str(message)]}}


def test_a_duplicate_claim_is_refused(as_user, world, rules_2026, march):
    submitted(world.member_a)
    client = as_user(world.member_a.user)
    with nothing_changes():
        response = post(client, claim_form())
    assert response.status_code == 400
    message = messages.DUPLICATE_CLAIM % {"date": "2026年3月10日", "item": "创新型特色党员活动"}
    assert response.json()["fields"] == {"occurred_on": [message]}


def test_at_the_cap_the_member_must_acknowledge_that_the_claim_adds_nothing(
    as_user, world, rules_2026, march
):
    for day in range(1, 6):  # 2 points a time, at most 10 a year: five claims reach the cap
        submitted(world.member_a, datetime.date(2026, 3, day))
    client = as_user(world.member_a.user)
    with nothing_changes():
        response = post(client, claim_form(day="2026-03-06"))
    assert response.status_code == 400
    warning = messages.CAP_REACHED % {"item": "创新型特色党员活动"}
    assert response.json()["fields"] == {"cap_acknowledged": [warning]}
    response = post(client, claim_form(day="2026-03-06", cap_acknowledged="true"))
    assert response.status_code == 201 and response.json()["cap_acknowledged"] is True


def _fake_jpeg():
    return SimpleUploadedFile("照片.jpg", b"MZ" + bytes(100), content_type="image/jpeg")


def test_files_are_judged_by_content_size_and_count_on_the_files_field(
    as_user, world, rules_2026, march, settings
):
    client = as_user(world.member_a.user)
    with nothing_changes():
        response = post(client, claim_form(files=[_fake_jpeg()]))
    assert response.status_code == 400
    assert response.json()["fields"] == {"files": [evidence.NOT_ALLOWED % {"name": "照片.jpg"}]}

    with nothing_changes():
        empty = post(client, claim_form(files=[SimpleUploadedFile("空.png", b"", content_type="image/png")]))
    assert empty.json()["fields"] == {"files": [evidence.EMPTY % {"name": "空.png"}]}

    settings.EVIDENCE_MAX_BYTES = 50
    with nothing_changes():
        large = post(client, claim_form())
    expected = evidence.TOO_LARGE % {"name": "活动照片.png", "size": "72 字节", "limit": "50 字节"}
    assert large.json()["fields"] == {"files": [expected]}

    settings.EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    settings.EVIDENCE_MAX_FILES = 1
    with nothing_changes():
        many = post(client, claim_form(files=[png("1.png"), png("2.png")]))
    assert many.json()["fields"] == {"files": [evidence.TOO_MANY % {"limit": 1, "existing": 0, "count": 2}]}


def test_missing_fields_are_400_in_chinese(as_user, world, rules_2026, march):
    response = post(as_user(world.member_a.user), {"place": "x"})
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"item_code", "occurred_on"}
    assert fields["item_code"] == ["该字段是必填项。"]


def test_someone_who_is_no_member_cannot_claim(as_user, world, rules_2026, march):
    client = as_user(world.higher)
    with nothing_changes():
        response = post(client, claim_form())
    assert response.status_code == 403
    assert response.json() == {"code": "not_a_member", "message": str(messages.NOT_A_MEMBER), "fields": {}}


def test_claiming_needs_a_login_and_a_multipart_body(api, as_user, world, rules_2026, march):
    assert post(api, claim_form()).status_code == 401
    response = as_user(world.member_a.user).post(URL, {"item_code": "x"}, format="json")
    assert response.status_code == 415


# --- Lists and details -----------------------------------------------------------------------


def _ids(client, query=""):
    response = client.get(f"{URL}{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("member_a", {"member_a"}),
        ("other_member_a", {"other_member_a"}),
        ("outsider", {"outsider"}),
        ("clerk_a", {"member_a", "other_member_a"}),
        ("committee_a", {"member_a", "other_member_a"}),
        ("secretary_a", {"member_a", "other_member_a"}),
        ("clerk_b", {"outsider"}),
        ("higher", {"member_a", "other_member_a", "outsider"}),
    ],
)
def test_the_list_holds_my_claims_or_those_of_the_branches_i_work_in(
    as_user, world, claims_of_both_branches, persona, sees
):
    expected = {claims_of_both_branches[name].pk for name in sees}
    assert _ids(as_user(user_of(world, persona))) == expected


def test_claims_filter_by_status_item_member_branch_dates_and_mine(as_user, world, claims_of_both_branches):
    mine, theirs = claims_of_both_branches["member_a"], claims_of_both_branches["other_member_a"]
    returned(mine, world.clerk_a)
    clerk = as_user(world.clerk_a)
    assert _ids(clerk, "?status=returned") == {mine.pk}
    assert _ids(clerk, "?item_code=community-service") == {theirs.pk}
    assert _ids(clerk, f"?member={theirs.member_id}") == {theirs.pk}
    assert _ids(clerk, "?branch=C01-G1-A") == {mine.pk, theirs.pk}
    assert _ids(clerk, "?branch=C01-G1-B") == set()  # a filter never widens the scope
    assert _ids(clerk, "?occurred_on_after=2026-03-11") == set()
    assert _ids(clerk, "?occurred_on_after=2026-03-10&occurred_on_before=2026-03-10") == {mine.pk, theirs.pk}
    assert _ids(as_user(world.clerk_a), "?mine=true") == set()
    assert _ids(as_user(world.member_a.user), "?mine=true") == {mine.pk}
    higher = as_user(world.higher)
    ordered = higher.get(f"{URL}?ordering=id").json()["results"]
    assert [row["id"] for row in ordered] == sorted(c.pk for c in claims_of_both_branches.values())
    bad = clerk.get(f"{URL}?status=nonsense")
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["status"]
    for odd in ("-2.2e124", "99999999999999999999", "1.5", "0"):  # 400, never a database error
        response = clerk.get(f"{URL}?member={odd}")
        assert response.status_code == 400 and list(response.json()["fields"]) == ["member"], odd


def test_a_claim_outside_my_sight_is_404(as_user, world, claims_of_both_branches):
    mine = claims_of_both_branches["member_a"]
    for user in (world.other_member_a.user, world.outsider.user, world.clerk_b):
        response = as_user(user).get(f"{URL}{mine.pk}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert as_user(world.member_a.user).get(f"{URL}999999/").status_code == 404


def test_evidence_is_listed_only_to_those_who_may_open_it(as_user, world, claims_of_both_branches):
    claim = claims_of_both_branches["member_a"]
    url = f"{URL}{claim.pk}/"
    for user in (world.member_a.user, world.clerk_a, world.committee_a):
        assert len(as_user(user).get(url).json()["evidence"]) == 1
    # The higher committee follows the claim but does not handle it: no evidence for it.
    body = as_user(world.higher).get(url).json()
    assert body["status"] == "submitted" and body["evidence"] == []


def test_the_evidence_file_downloads_with_a_token_for_those_who_may_see_it(
    api, as_user, world, claims_of_both_branches
):
    file = claims_of_both_branches["member_a"].evidence.get()
    url = f"/api/v1/evidence/{file.pk}/"
    for user in (world.member_a.user, world.clerk_a):
        response = as_user(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for user in (world.higher, world.outsider.user, world.clerk_b, world.other_member_a.user):
        response = as_user(user).get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api.get(url).status_code == 401


# --- 修改重报 ---------------------------------------------------------------------------------


@pytest.fixture
def returned_claim(world, rules_2026, march):
    claim = submitted(world.member_a, place="会议室")
    return returned(claim, world.clerk_a)


def revise_url(claim):
    return f"{URL}{claim.pk}/revise/"


def test_a_returned_claim_shows_the_reason_and_is_revisable_by_its_member_only(
    as_user, world, returned_claim
):
    body = as_user(world.member_a.user).get(f"{URL}{returned_claim.pk}/").json()
    assert body["status"] == "returned" and body["decision_reason"] == "请补充活动签到表"
    assert body["revisable"] is True
    assert [(h["action"], h["actor"], h["reason"]) for h in body["history"]] == [
        ("claim.submit", "张伟", ""),
        ("claim.return", "李娜", "请补充活动签到表"),
    ]
    assert as_user(world.clerk_a).get(f"{URL}{returned_claim.pk}/").json()["revisable"] is False


def test_the_member_revises_a_returned_claim_and_it_goes_back_to_the_clerk(as_user, world, returned_claim):
    client = as_user(world.member_a.user)
    response = post(
        client, {"description": "补充签到表", "files": [png("签到表.png")]}, revise_url(returned_claim)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["revisable"] is False
    assert body["description"] == "补充签到表"
    assert body["place"] == "会议室" and body["occurred_on"] == "2026-03-10"  # left out: kept
    assert [e["name"] for e in body["evidence"]] == ["活动照片.png", "签到表.png"]
    assert [h["action"] for h in body["history"]] == ["claim.submit", "claim.return", "claim.resubmit"]
    assert [s["name"] for s in body["steps"]] == ["申报", "登记", "补充材料", "登记"]
    assert open_task(returned_claim.process, ClaimFlow.record).status == STATUS.NEW


def test_a_revision_with_bad_data_is_400_and_leaves_the_claim_returned(as_user, world, returned_claim):
    client = as_user(world.member_a.user)
    with nothing_changes():
        response = post(client, {"occurred_on": "2026-03-25"}, revise_url(returned_claim))
    assert response.status_code == 400
    assert response.json()["fields"] == {"occurred_on": [str(messages.DATE_IN_FUTURE)]}
    returned_claim.refresh_from_db()
    assert returned_claim.status == Claim.Status.RETURNED


def test_only_the_claimant_may_revise(as_user, world, returned_claim):
    clients = [as_user(user) for user in (world.clerk_a, world.other_member_a.user, world.clerk_b)]
    with nothing_changes():
        clerk, other, far = (post(c, {"description": "x"}, revise_url(returned_claim)) for c in clients)
    assert clerk.status_code == 403 and clerk.json()["message"] == "只有申报人本人才能修改重报。"
    assert other.status_code == 404 and far.status_code == 404


def test_a_claim_no_longer_returned_is_409(as_user, world, returned_claim):
    client = as_user(world.member_a.user)
    assert post(client, {"description": "补充"}, revise_url(returned_claim)).status_code == 200
    with nothing_changes():
        again = post(client, {"description": "再补充"}, revise_url(returned_claim))
    assert again.status_code == 409
    assert again.json() == {
        "code": "conflict",
        "message": messages.CLAIM_NOT_OPEN % {"status": "待登记"},
        "fields": {},
    }


def test_a_claim_never_returned_is_409(as_user, world, rules_2026, march):
    claim = submitted(world.member_a, MARCH_10)
    response = post(as_user(world.member_a.user), {"description": "x"}, revise_url(claim))
    assert response.status_code == 409
