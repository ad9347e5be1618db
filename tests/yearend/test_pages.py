"""The year-end pages over HTTP, as people use them: a member writes the 自评 and votes on the phone and sees
only their own ballots; the clerk opens the session and enters last year's figures; the committee keeps a
follow-up record; the higher committee sees every branch below. Another branch's pages answer 404."""

import pytest
from django.urls import reverse

from tests.workflows.helpers import freeze
from yearend.models import Ballot, CarryOverFigure, EvaluationSession, SelfAssessment

from .helpers import at


@pytest.fixture(autouse=True)
def december(monkeypatch):
    return freeze(monkeypatch, 2026, 12, 20, 9)


@pytest.fixture
def session(world, xingji, client):
    client.force_login(world.clerk_a)
    response = client.post(
        reverse("yearend:evaluation_open", args=[world.branch_a.pk, 2026]),
        {
            "meeting_on": "2026-12-28",
            "voting_opens_at": "2026-12-28T09:00",
            "voting_closes_at": "2026-12-28T12:00",
            "mode": "mixed",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return EvaluationSession.objects.get(branch=world.branch_a, cycle=2026)


def page(response) -> str:
    return response.content.decode()


def test_the_clerk_opens_the_session_from_the_branchs_year_page(world, session, client):
    assert (session.voting_opens_at, session.mode) == (at(2026, 12, 28, 9), "mixed")
    client.force_login(world.clerk_a)
    text = page(client.get(reverse("yearend:branch_year", args=[world.branch_a.pk, 2026])))
    assert "自评互评中" in text and "网上与纸质投票" in text


def test_a_member_cannot_open_a_session(world, xingji, client):
    client.force_login(world.member_a.user)
    url = reverse("yearend:evaluation_open", args=[world.branch_a.pk, 2026])
    assert client.post(url, {}).status_code == 403  # a plain member has no year pages: no menu, no entry


def test_a_member_writes_the_self_assessment_and_votes_on_the_phone(world, session, client, monkeypatch):
    client.force_login(world.member_a.user)
    url = reverse("me:evaluation", args=[session.pk])
    response = client.post(url, {"assess": "1", "text": "全年按时参加组织生活", "level": "合格"})
    assert response.status_code == 302
    assert SelfAssessment.objects.get(member=world.member_a).text == "全年按时参加组织生活"
    freeze(monkeypatch, 2026, 12, 28, 10)
    client.force_login(world.member_a.user)  # a week later: a new sign-in
    text = page(client.get(url))
    assert 'data-form="ballot"' in text and "王芳" in text
    response = client.post(url, {"vote": "1", f"vote_{world.other_member_a.pk}": "优秀"})
    assert response.status_code == 302
    assert Ballot.objects.get(voter=world.member_a).level == "优秀"
    text = page(client.get(url))
    assert 'data-section="my-ballots"' in text and 'data-form="ballot"' not in text


def test_a_member_sees_only_their_own_ballots(world, session, client, monkeypatch):
    """王芳 votes 不合格 on 张伟, 张伟 votes 优秀 on 王芳: 张伟's page lists his own ballot, never hers."""
    freeze(monkeypatch, 2026, 12, 28, 10)
    url = reverse("me:evaluation", args=[session.pk])
    client.force_login(world.other_member_a.user)
    client.post(url, {"vote": "1", f"vote_{world.member_a.pk}": "不合格"})
    client.force_login(world.member_a.user)
    client.post(url, {"vote": "1", f"vote_{world.other_member_a.pk}": "优秀"})
    mine = page(client.get(url)).split('data-section="my-ballots"')[1].split("</section>")[0]
    assert "王芳：优秀" in mine and "不合格" not in mine and "张伟" not in mine


def test_another_branchs_session_is_not_found(world, session, client):
    client.force_login(world.outsider.user)
    assert client.get(reverse("me:evaluation", args=[session.pk])).status_code == 404


def test_the_member_page_says_the_evaluation_is_open(world, session, client):
    client.force_login(world.member_a.user)
    text = page(client.get(reverse("me:index")))
    assert 'data-note="evaluation-open"' in text and reverse("me:evaluation", args=[session.pk]) in text


def test_before_the_year_end_the_member_page_says_so_honestly(world, xingji, client):
    client.force_login(world.member_a.user)
    text = page(client.get(reverse("me:index")))
    assert "年终民主评议尚未进行" in text


def test_the_clerk_enters_last_years_figure_for_the_carry_over(world, client):
    from .conftest import rules

    rules(world, "yiyuan")
    client.force_login(world.clerk_a)
    url = reverse("yearend:carry_over", args=[world.branch_a.pk, 2026])
    response = client.post(url, {"member": world.member_a.pk, "total": "90", "note": "2025年考核表"})
    assert response.status_code == 302
    figure = CarryOverFigure.objects.get(member=world.member_a)
    assert (figure.cycle, figure.total, figure.note) == (2025, 90, "2025年考核表")
    assert "导入：2025年考核表" in page(client.get(url))


def test_the_higher_committee_sees_the_branches_below(world, session, client):
    client.force_login(world.higher)
    text = page(client.get(reverse("yearend:organization_year", args=[world.committee.pk, 2026])))
    assert "第一党支部" in text and "第二党支部" in text and "自评互评中" in text
    client.force_login(world.clerk_a)
    assert (
        client.get(reverse("yearend:organization_year", args=[world.committee.pk, 2026])).status_code == 404
    )


def test_the_year_page_of_another_branch_is_not_found(world, xingji, client):
    client.force_login(world.clerk_b)
    assert client.get(reverse("yearend:branch_year", args=[world.branch_a.pk, 2026])).status_code == 404


def test_the_year_page_lists_what_the_annual_review_waits_for(world, xingji, client, monkeypatch):
    freeze(monkeypatch, 2027, 1, 5, 9)
    client.force_login(world.clerk_a)
    text = page(client.get(reverse("yearend:branch_year", args=[world.branch_a.pk, 2026])))
    assert "以下期间尚未审定" in text and "民主评议尚未审定" in text


def test_the_index_lists_the_branches_and_the_date_decides_the_year(world, xingji, client, monkeypatch):
    freeze(monkeypatch, 2027, 1, 5, 9)
    client.force_login(world.secretary_a)
    text = page(client.get(reverse("yearend:index")))
    assert "2026 年度" in text and "第一党支部" in text
