"""选择组织: the lists' organization filter is a text box completed from the user's own scope — the page
does not carry every organization, and the suggestions never name one outside the user's scope."""

from __future__ import annotations

import pytest

from accounts.models import Organization
from tests.factories import make_organization
from workflows.views.organizations import LIMIT

PICK = "/workflow/organizations/"


def suggestions(client, user, text: str) -> list[str]:
    client.force_login(user)
    response = client.get(PICK, {"q": text})
    assert response.status_code == 200
    return [row["code"] for row in response.json()["results"]]


def test_the_higher_committee_finds_any_organization_below_it_by_code_or_name(client, world):
    assert suggestions(client, world.higher, "C01-G1") == ["C01-G1", "C01-G1-A", "C01-G1-B"]
    assert suggestions(client, world.higher, "第二党") == ["C01-G1-B"]


def test_a_branch_officer_is_never_offered_an_organization_outside_their_branch(client, world):
    assert suggestions(client, world.clerk_b, "C01") == ["C01-G1-B"]
    assert suggestions(client, world.clerk_b, "第一党支部") == []
    assert suggestions(client, world.clerk_b, "某区") == []


def test_a_member_without_an_office_is_offered_nothing(client, world):
    assert suggestions(client, world.member_a.user, "C01") == []


def test_the_suggestions_stop_at_twenty(client, world):
    for n in range(LIMIT + 5):
        make_organization(
            code=f"C01-X{n:02d}", name=f"第{n}临时支部", kind=Organization.Kind.BRANCH, parent=world.committee
        )
    assert len(suggestions(client, world.higher, "C01-X")) == LIMIT


def test_the_picker_needs_a_login(client, world):
    assert client.get(PICK, {"q": "C01"}).status_code == 302


@pytest.fixture
def many_organizations(world):
    return [
        make_organization(
            code=f"C01-Z{n:02d}", name=f"某某第{n}支部", kind=Organization.Kind.BRANCH, parent=world.committee
        )
        for n in range(30)
    ]


def test_the_queue_page_names_no_organization_in_its_filter(client, world, many_organizations):
    client.force_login(world.higher)
    page = client.get("/workflow/queue/").content.decode()
    assert 'data-org-picker-url="/workflow/organizations/"' in page
    assert not any(org.name in page or org.code in page for org in many_organizations)


def test_filtering_by_an_organization_outside_ones_scope_shows_nothing(
    client, world, rules_2026, monkeypatch
):
    from tests.workflows.helpers import freeze, task_url
    from tests.workflows.test_query_counts import Rows

    freeze(monkeypatch, 2026, 5, 6, 9)
    task = Rows(world).waiting()
    client.force_login(world.committee_a)
    link = task_url(task, "index")
    assert link in client.get("/workflow/queue/", {"organization": "C01-G1-A"}).content.decode()
    assert link not in client.get("/workflow/queue/", {"organization": "C01-G1-B"}).content.decode()
    # The committee above is outside a branch committee member's scope too: the code finds nothing.
    assert link not in client.get("/workflow/queue/", {"organization": "C01"}).content.decode()
