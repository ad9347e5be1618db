"""The 打印表格 pages: what each persona is offered, and the three cases of each page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.documents.viewset import DocumentsViewset
from tests.factories import UserFactory
from tests.workflows.helpers import assign, open_task, task_url
from workflows.flows import PeriodReviewFlow

INDEX = reverse("reports:documents:index")


def branch_url(branch) -> str:
    return reverse("reports:documents:branch", args=[branch.pk])


def member_url(member) -> str:
    return reverse("reports:documents:member", args=[member.pk])


def test_a_member_is_offered_their_own_forms_and_their_branchs_notices(client, world, small_quarter):
    client.force_login(world.member_a.user)

    page = client.get(INDEX)

    assert page.status_code == 200
    html = page.content.decode()
    assert "我的表格" in html
    assert reverse("reports:documents:member_ledger_pdf", args=[world.member_a.pk, 2026]) in html
    assert reverse("reports:documents:quarter_detail_pdf", args=[world.member_a.pk, "2026-Q1"]) in html
    assert reverse("reports:documents:claim_pdf", args=[small_quarter.claim.pk]) in html
    assert "创新型特色党员活动" in html
    assert reverse("reports:documents:publicity_pdf", args=[small_quarter.review.pk]) in html
    # Not the officers' forms, and no branch to choose.
    assert "democratic_review" not in html and "/review/" not in html
    assert 'data-section="branches"' not in html


def test_a_member_of_another_branch_is_not_offered_branch_as_notices(client, world, small_quarter):
    client.force_login(world.outsider.user)

    html = client.get(INDEX).content.decode()

    assert reverse("reports:documents:publicity_pdf", args=[small_quarter.review.pk]) not in html
    assert "本支部还没有公示" in html


def test_officers_pick_among_the_branches_they_may_see(client, world, small_quarter):
    client.force_login(world.clerk_a)
    html = client.get(INDEX).content.decode()
    assert branch_url(world.branch_a) in html and branch_url(world.branch_b) not in html

    client.force_login(world.higher)
    html = client.get(INDEX).content.decode()
    assert branch_url(world.branch_a) in html and branch_url(world.branch_b) in html
    assert "我的表格" not in html  # the higher officer is no member

    found = client.get(INDEX, {"q": "第二"}).content.decode()
    assert branch_url(world.branch_b) in found and branch_url(world.branch_a) not in found


def test_someone_with_nothing_to_print_is_refused_and_anonymous_visitors_log_in(client, world):
    assert client.get(INDEX)["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory(username="nobody"))
    assert client.get(INDEX).status_code == 403


def test_the_branch_page_offers_ledgers_notices_filings_and_year_end_forms(client, world, small_quarter):
    client.force_login(world.secretary_a)

    page = client.get(branch_url(world.branch_a), {"year": 2026})

    assert page.status_code == 200
    html = page.content.decode()
    for code in ("2026", "2026-H1", "2026-Q1"):
        assert reverse("reports:documents:branch_ledger_pdf", args=[world.branch_a.pk, code]) in html
    assert reverse("reports:documents:publicity_pdf", args=[small_quarter.review.pk]) in html
    assert reverse("reports:documents:filing_pdf", args=[small_quarter.approval.filing.pk]) in html
    assert reverse("reports:documents:year_grade_pdf", args=[world.branch_a.pk, 2026]) in html
    assert member_url(world.other_member_a) in html


@pytest.mark.parametrize("who", ["member_a", "clerk_b"])
def test_the_branch_page_is_404_outside_the_scope(client, world, small_quarter, who):
    user = world.member_a.user if who == "member_a" else world.clerk_b
    client.force_login(user)
    assert client.get(branch_url(world.branch_a)).status_code == 404


def test_the_member_page_gives_officers_the_democratic_review_and_members_only_their_own(
    client, world, small_quarter
):
    review_pdf = reverse("reports:documents:democratic_review_pdf", args=[world.member_a.pk, 2026])
    client.force_login(world.committee_a)
    assert review_pdf in client.get(member_url(world.member_a)).content.decode()

    client.force_login(world.member_a.user)
    own = client.get(member_url(world.member_a))
    assert own.status_code == 200 and review_pdf not in own.content.decode()
    assert client.get(member_url(world.other_member_a)).status_code == 404


def test_the_menu_entry_shows_to_those_with_something_to_print(world):
    viewset = DocumentsViewset()
    assert viewset.has_view_permission(world.member_a.user)
    assert viewset.has_view_permission(world.higher)
    assert not viewset.has_view_permission(UserFactory(username="nobody"))


def test_print_links_stand_where_people_look_for_them(client, world, small_quarter, monkeypatch):
    claim_pdf = reverse("reports:documents:claim_pdf", args=[small_quarter.claim.pk])
    notice_pdf = reverse("reports:documents:publicity_pdf", args=[small_quarter.review.pk])
    filing_pdf = reverse("reports:documents:filing_pdf", args=[small_quarter.approval.filing.pk])
    ledger_pdf = reverse("reports:documents:branch_ledger_pdf", args=[world.branch_a.pk, "2026-Q1"])

    client.force_login(world.member_a.user)
    assert claim_pdf in client.get(reverse("me:claim_detail", args=[small_quarter.claim.pk])).content.decode()
    assert (
        notice_pdf
        in client.get(reverse("me:publicity_detail", args=[small_quarter.review.pk])).content.decode()
    )

    client.force_login(world.clerk_a)
    periods = client.get(reverse("clerk:periods", args=[world.branch_a.pk])).content.decode()
    assert notice_pdf in periods and ledger_pdf in periods

    task = open_task(small_quarter.review.process, PeriodReviewFlow.file)
    assign(client, world.higher, task)
    filing_page = client.get(task_url(task)).content.decode()
    assert filing_pdf in filing_page and notice_pdf in filing_page
