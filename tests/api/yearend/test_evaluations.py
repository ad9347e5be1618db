"""民主评议 over the API, as the services rule it: votes only within the window and once per person (409
with the Chinese reason, nothing recorded), a ballot secret to everyone but its voter, a 自评 until voting
closes, a paper count that may not exceed the ballots, the committee's proposal for every member with a
reason where it departs from the count — and every refusal in the one error shape."""

from __future__ import annotations

import pytest

from accounts.models import Member
from tests.factories import make_member
from tests.workflows.helpers import freeze
from tests.yearend.helpers import nothing_changes
from yearend import messages
from yearend.models import Ballot

URL = "/api/v1/evaluations/"


def refused(response, status: int, code: str | None = None, message=None, fields=None) -> dict:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    if code is not None:
        assert body["code"] == code
    if message is not None:
        assert body["message"] == str(message)
    if fields is not None:
        assert list(body["fields"]) == fields
    return body


@pytest.fixture
def voting(scene):
    return scene("voting")


@pytest.fixture
def session_url(voting):
    return f"{URL}{voting.sessions['a'].pk}/"


def ballot(*pairs) -> dict:
    return {"ballots": [{"member": member.pk, "level": level} for member, level in pairs]}


def test_a_member_votes_once_on_each_person_and_sees_only_their_own_ballots(world, session_url, client_of):
    wang, zhang = client_of("other_member_a"), client_of("member_a")
    li_na = Member.objects.get(user=world.clerk_a)
    cast = wang.post(
        f"{session_url}ballots/", ballot((world.member_a, "合格"), (li_na, "优秀")), format="json"
    )
    assert cast.status_code == 201, cast.content
    assert [(b["member"]["real_name"], b["level"]) for b in cast.json()["ballots"]] == [
        ("张伟", "合格"),
        ("李娜", "优秀"),
    ]
    with nothing_changes():
        again = wang.post(f"{session_url}ballots/", ballot((world.member_a, "优秀")), format="json")
    refused(again, 409, "already_voted", messages.BALLOT_TWICE % {"name": "张伟"})
    assert zhang.get(f"{session_url}ballots/").json()["count"] == 0
    assert wang.get(f"{session_url}ballots/").json()["count"] == 2
    tallies = client_of("clerk_a").get(f"{session_url}tallies/").json()["results"]
    zhang_tally = next(row for row in tallies if row["member"]["real_name"] == "张伟")
    assert zhang_tally["online_counts"] == [{"level": "合格", "votes": 1}] and zhang_tally["ballots"] == 1
    assert "王芳" not in str(zhang_tally)  # counts, never voters


def test_votes_outside_the_window_are_409_and_change_nothing(world, session_url, client_of, monkeypatch):
    wang = client_of("other_member_a")
    for moment, message in (
        ((2027, 1, 10, 8, 59), messages.VOTING_NOT_OPEN % {"opens": "2027年1月10日 09:00"}),
        ((2027, 1, 10, 12, 0), messages.VOTING_CLOSED % {"closes": "2027年1月10日 12:00"}),
    ):
        freeze(monkeypatch, *moment)
        with nothing_changes():
            response = wang.post(f"{session_url}ballots/", ballot((world.member_a, "合格")), format="json")
        refused(response, 409, "voting_closed", message)


def test_bad_ballots_are_400_with_the_reason_and_record_nothing(world, session_url, client_of):
    wang = client_of("other_member_a")
    cases = {
        "unknown level": ballot((world.member_a, "良好")),
        "oneself": ballot((world.other_member_a, "优秀")),
        "twice in one": ballot((world.member_a, "合格"), (world.member_a, "优秀")),
        "nobody": {"ballots": []},
        "not evaluated": ballot((world.outsider, "合格")),
        "no such member": {"ballots": [{"member": 2**63 - 1, "level": "合格"}]},
    }
    answers = {}
    with nothing_changes():
        for name, body in cases.items():
            answers[name] = wang.post(f"{session_url}ballots/", body, format="json")
    levels = "优秀、合格、基本合格、不合格"
    refused(
        answers["unknown level"], 400, message=messages.LEVEL_UNKNOWN % {"level": "良好", "choices": levels}
    )
    refused(answers["oneself"], 400, message=messages.NOT_YOURSELF)
    refused(answers["twice in one"], 400, fields=["ballots"])
    refused(answers["nobody"], 400, fields=["ballots"])
    refused(answers["not evaluated"], 400, message=messages.NOT_EVALUATED % {"name": "赵磊"})
    refused(answers["no such member"], 400)
    assert not Ballot.objects.exists()


def test_a_probationary_member_is_evaluated_but_has_no_vote(world, xingji, scene, as_user):
    sunmin = make_member(
        branch=world.branch_a, real_name="孙敏", username="sunmin", kind=Member.Kind.PROBATIONARY
    )
    year = scene("voting")
    client = as_user(sunmin.user)
    url = f"{URL}{year.sessions['a'].pk}/"
    me = client.get(url).json()["me"]
    assert (me["evaluated"], me["votes"], me["may_vote"], me["may_assess"]) == (True, False, False, True)
    with nothing_changes():
        response = client.post(f"{url}ballots/", ballot((world.member_a, "合格")), format="json")
    refused(response, 403, "not_allowed", messages.NOT_A_VOTER % {"name": "孙敏"})
    assert client.put(f"{url}self-assessment/", {"text": "认真学习"}, format="json").status_code == 200


def test_the_self_assessment_is_written_until_voting_closes(session_url, client_of, monkeypatch):
    zhang = client_of("member_a")
    empty = zhang.put(f"{session_url}self-assessment/", {"text": "  "}, format="json")
    refused(empty, 400, fields=["text"], message=messages.SELF_ASSESSMENT_EMPTY)
    level = zhang.put(f"{session_url}self-assessment/", {"text": "好", "level": "良好"}, format="json")
    refused(level, 400, fields=["level"])
    first = zhang.put(f"{session_url}self-assessment/", {"text": "按时参加组织生活"}, format="json").json()
    second = zhang.put(f"{session_url}self-assessment/", {"text": "按时交纳党费"}, format="json").json()
    assert (second["text"], second["submitted_at"]) == ("按时交纳党费", first["submitted_at"])
    freeze(monkeypatch, 2027, 1, 10, 12)
    with nothing_changes():
        late = zhang.put(f"{session_url}self-assessment/", {"text": "补充"}, format="json")
    refused(late, 409, "window_closed", messages.VOTING_CLOSED % {"closes": "2027年1月10日 12:00"})
    assert zhang.get(f"{session_url}self-assessment/").json()["may_edit"] is False


def test_the_paper_count_may_not_exceed_the_ballots(world, session_url, client_of):
    clerk = client_of("clerk_a")
    url = f"{session_url}paper-tallies/"
    wang = world.other_member_a.pk
    with nothing_changes():
        over = clerk.post(
            url, {"member": wang, "ballots": 2, "counts": {"优秀": 2, "合格": 1}}, format="json"
        )
        too_many = clerk.post(url, {"member": wang, "ballots": 5}, format="json")
        unknown = clerk.post(url, {"member": world.outsider.pk, "ballots": 1}, format="json")
    refused(over, 400, message=messages.TALLY_EXCEEDS_BALLOTS % {"votes": 3, "ballots": 2})
    refused(too_many, 400, fields=["ballots"])
    refused(unknown, 400, fields=["member"], message=messages.NOT_EVALUATED % {"name": "赵磊"})
    assert (
        clerk.post(url, {"member": wang, "ballots": 3, "counts": {"优秀": 2}}, format="json").status_code
        == 201
    )
    corrected = clerk.post(url, {"member": wang, "ballots": 3, "counts": {"优秀": 3}}, format="json").json()
    entries = clerk.get(url).json()["results"]
    assert [(e["counts"], e["current"]) for e in entries] == [({"优秀": 3}, True), ({"优秀": 2}, False)]
    assert corrected["current"] is True and corrected["entered_by"] == "李娜"


def test_after_the_tally_the_paper_count_and_the_votes_are_closed(world, scene, client_of):
    year = scene("tallied")
    url = f"{URL}{year.sessions['a'].pk}/"
    clerk, wang = client_of("clerk_a"), client_of("other_member_a")
    with nothing_changes():
        paper = clerk.post(
            f"{url}paper-tallies/", {"member": world.other_member_a.pk, "ballots": 1}, format="json"
        )
        vote = wang.post(f"{url}ballots/", ballot((world.member_a, "合格")), format="json")
    refused(paper, 409, "tallied", messages.SESSION_NOT_VOTING % {"status": "支委会评定中"})
    refused(vote, 409, "voting_closed")


def test_the_committee_proposes_for_every_member_with_a_reason_where_it_departs_from_the_count(
    world, scene, client_of
):
    year = scene("voting")
    session = year.sessions["a"]
    url = f"{URL}{session.pk}/"
    assert (
        client_of("other_member_a")
        .post(f"{url}ballots/", ballot((world.member_a, "基本合格")), format="json")
        .status_code
        == 201
    )
    committee = client_of("committee_a")
    rows = [{"member": p.member_id, "level": "合格"} for p in session.participants.filter(evaluated=True)]
    with nothing_changes():
        too_early = committee.post(f"{url}proposals/", {"proposals": rows}, format="json")
    refused(too_early, 409, "conflict", messages.SESSION_NOT_PROPOSING % {"status": "自评互评中"})
    year._tallied()
    with nothing_changes():
        missing = committee.post(f"{url}proposals/", {"proposals": rows[1:]}, format="json")
        no_reason = committee.post(f"{url}proposals/", {"proposals": rows}, format="json")
        stranger = committee.post(
            f"{url}proposals/",
            {"proposals": [*rows, {"member": world.outsider.pk, "level": "合格"}]},
            format="json",
        )
    assert missing.status_code == 400 and missing.json()["message"].startswith("以下党员还没有评议意见")
    refused(
        no_reason, 400, message=messages.PROPOSAL_REASON_REQUIRED % {"name": "张伟", "suggested": "基本合格"}
    )
    refused(stranger, 400, fields=["proposals"])
    reasoned = [
        {**row, "reason": "支委会研究"} if row["member"] == world.member_a.pk else row for row in rows
    ]
    posted = committee.post(f"{url}proposals/", {"proposals": reasoned}, format="json")
    assert posted.status_code == 200 and posted.json()["status"] == "publicity"
    proposals = {p["member"]["real_name"]: p for p in committee.get(f"{url}proposals/").json()["results"]}
    assert (proposals["张伟"]["level"], proposals["张伟"]["reason"], proposals["张伟"]["value"]) == (
        "合格",
        "支委会研究",
        "15.00",
    )
    again = committee.post(f"{url}proposals/", {"proposals": reasoned}, format="json")
    refused(again, 409, "conflict", messages.SESSION_NOT_PROPOSING % {"status": "公示中"})


def test_the_posted_list_says_who_may_appeal_and_is_404_before_the_committee_decides(scene, client_of):
    year = scene("voting")
    url = f"{URL}{year.sessions['a'].pk}/publicity/"
    refused(client_of("member_a").get(url), 404, "not_found")
    year._tallied(), year._posted()
    member, higher = client_of("member_a").get(url).json(), client_of("higher").get(url).json()
    assert (member["appeals_possible"], higher["appeals_possible"]) == (True, False)
    assert member["closes_at"] == "2027-01-15T12:30:00+08:00" and member["kind"] == "evaluation"
    assert {row["result"] for row in member["rows"]} == {"合格"}
    assert all(row["appealable"] for row in member["rows"]) and not any(
        r["appealable"] for r in higher["rows"]
    )


def test_opening_checks_the_rules_and_the_dates(world, xingji, client_of, monkeypatch):
    freeze(monkeypatch, 2027, 1, 8, 9)
    clerk = client_of("clerk_a")
    body = {
        "branch": world.branch_a.pk,
        "cycle": 2026,
        "meeting_on": "2026-06-01",
        "voting_opens_at": "2026-06-01T09:00:00+08:00",
        "voting_closes_at": "2026-06-01T12:00:00+08:00",
        "mode": "online",
    }
    with nothing_changes():
        early = clerk.post(URL, body, format="json")
        no_rules = clerk.post(URL, {**body, "cycle": 2030}, format="json")
        backwards = clerk.post(
            URL,
            {**body, "meeting_on": "2027-01-10", "voting_closes_at": "2026-05-01T09:00:00+08:00"},
            format="json",
        )
    refused(early, 400, fields=["meeting_on"])
    refused(no_rules, 400, message=messages.NO_EVALUATION_IN_RULES % {"branch": "第一党支部", "cycle": 2030})
    refused(backwards, 400, fields=["voting_closes_at"])


def test_a_vote_score_within_full_marks_as_质检_has_it(world, client_of, monkeypatch):
    """质检: 民主评议分 (20) 由党员大会投票确定得分. 王芳 votes 18.5 for 张伟 online; the meeting's 3 paper
    ballots give him 16: the mean over the 4 ballots is (18.5 + 3 × 16) / 4 = 16.63 (rounded half up)."""
    from scoring.core.presets import preset_path
    from scoring.services import ruleset_create

    ruleset_create(
        organization=world.committee,
        cycle=2026,
        text=preset_path("zhijian").read_text(encoding="utf-8"),
        by=world.higher,
        in_force=True,
    )
    freeze(monkeypatch, 2026, 12, 8, 9)
    body = {
        "branch": world.branch_a.pk,
        "cycle": 2026,
        "meeting_on": "2026-12-10",
        "voting_opens_at": "2026-12-10T09:00:00+08:00",
        "voting_closes_at": "2026-12-10T12:00:00+08:00",
        "mode": "mixed",
    }
    opened = client_of("clerk_a").post(URL, body, format="json").json()
    assert (opened["kind"], opened["levels"], opened["max_score"]) == ("score", [], "20.00")
    url = f"{URL}{opened['id']}/"
    freeze(monkeypatch, 2026, 12, 10, 10)
    wang, clerk = client_of("other_member_a"), client_of("clerk_a")
    over = {"ballots": [{"member": world.member_a.pk, "score": "25"}]}
    with nothing_changes():
        refused(
            wang.post(f"{url}ballots/", over, format="json"),
            400,
            message=messages.SCORE_OUT_OF_RANGE % {"score": "25", "max": "20"},
        )
    vote = {"ballots": [{"member": world.member_a.pk, "score": "18.5"}]}
    assert wang.post(f"{url}ballots/", vote, format="json").json()["ballots"][0]["score"] == "18.50"
    paper = {"member": world.member_a.pk, "ballots": 3, "score": "16"}
    assert clerk.post(f"{url}paper-tallies/", paper, format="json").json()["score"] == "16.00"
    tallies = {row["member"]["real_name"]: row for row in clerk.get(f"{url}tallies/").json()["results"]}
    zhang = tallies["张伟"]
    assert (zhang["ballots"], zhang["score"], zhang["suggestion"]) == (4, "16.63", "16.63")
    assert zhang["counts"] == []
