"""What the 党员档案 page and the 组织 page show: private data masked unless the viewer is the member
or the clerk of the member's branch, the membership history, the current roles, the tree path."""

import datetime

import pytest
from django.urls import reverse

from accounts.services import member_transfer

PHONE_FULL, PHONE_MASKED = "13800001111", "138****1111"

# Whose eyes see 张伟's phone and ID number in full (DOMAIN: 严格保护党员个人信息).
SEES_IN_FULL = {
    "member_a": True,  # the member themself
    "clerk_a": True,  # the clerk of the member's branch
    "committee_a": False,
    "secretary_a": False,
    "higher": False,
}


def login(client, world, persona):
    value = getattr(world, persona)
    client.force_login(getattr(value, "user", value))


def member_page(client, member):
    return client.get(reverse("accounts:member:detail", args=[member.pk])).content.decode()


@pytest.mark.parametrize(("persona", "in_full"), SEES_IN_FULL.items(), ids=SEES_IN_FULL.keys())
def test_member_detail_shows_phone_and_id_number_in_full_only_to_member_and_branch_clerk(
    client, world, persona, in_full
):
    login(client, world, persona)
    html = member_page(client, world.member_a)
    id_number = world.member_a.id_number
    id_masked = f"{id_number[:3]}{'*' * 11}{id_number[-4:]}"
    if in_full:
        assert PHONE_FULL in html and id_number in html
        assert PHONE_MASKED not in html
    else:
        assert PHONE_MASKED in html and id_masked in html
        assert PHONE_FULL not in html and id_number not in html


@pytest.mark.parametrize("persona", ["member_a", "clerk_a", "secretary_a", "higher"])
def test_member_list_always_masks_the_phone(client, world, persona):
    login(client, world, persona)
    html = client.get(reverse("accounts:member:list")).content.decode()
    assert PHONE_MASKED in html
    assert PHONE_FULL not in html
    assert world.member_a.id_number not in html


def test_member_detail_shows_membership_history_after_a_transfer(client, world):
    member_transfer(
        member=world.member_a,
        to_branch=world.branch_b,
        on=datetime.date(2024, 7, 1),
        by=None,
        reason="工作调动",
    )
    login(client, world, "higher")
    response = client.get(reverse("accounts:member:detail", args=[world.member_a.pk]))
    spells = [(s.branch.name, s.start, s.end) for s in response.context["memberships"]]
    assert spells == [
        ("第一党支部", datetime.date(2020, 1, 1), datetime.date(2024, 7, 1)),
        ("第二党支部", datetime.date(2024, 7, 1), None),
    ]
    html = response.content.decode()
    assert "2020年1月1日" in html and "2024年7月1日" in html and "工作调动" in html and "至今" in html


def test_after_a_transfer_the_old_branch_clerk_no_longer_opens_the_member(client, world):
    member_transfer(
        member=world.member_a, to_branch=world.branch_b, on=datetime.date(2024, 7, 1), by=None, reason=""
    )
    login(client, world, "clerk_a")
    assert client.get(reverse("accounts:member:detail", args=[world.member_a.pk])).status_code == 404
    login(client, world, "clerk_b")
    assert PHONE_FULL in member_page(client, world.member_a)


def test_member_detail_shows_current_roles(client, world):
    login(client, world, "clerk_a")
    clerk = world.clerk_a.member
    response = client.get(reverse("accounts:member:detail", args=[clerk.pk]))
    assert [(r.organization.name, r.get_role_display()) for r in response.context["roles"]] == [
        ("第一党支部", "组织委员/党务工作者")
    ]
    assert "组织委员/党务工作者" in response.content.decode()


def test_organization_detail_shows_the_path_and_the_children(client, world):
    login(client, world, "higher")
    response = client.get(reverse("accounts:organization:detail", args=[world.general_branch.pk]))
    assert [a.name for a, _ in response.context["ancestors"]] == ["某区机关党委"]
    assert [c.name for c in response.context["children"]] == ["第一党支部", "第二党支部"]
    html = response.content.decode()
    assert reverse("accounts:organization:detail", args=[world.branch_a.pk]) in html
    assert reverse("accounts:organization:detail", args=[world.committee.pk]) in html


def test_organization_path_names_ancestors_but_links_only_those_in_scope(client, world):
    login(client, world, "clerk_a")
    response = client.get(reverse("accounts:organization:detail", args=[world.branch_a.pk]))
    assert [(a.name, openable) for a, openable in response.context["ancestors"]] == [
        ("某区机关党委", False),
        ("第一党总支", False),
    ]
    html = response.content.decode()
    assert reverse("accounts:organization:detail", args=[world.committee.pk]) not in html
    assert response.context["member_count"] == 5


def test_my_page_shows_who_and_where_i_am(client, world):
    login(client, world, "clerk_a")
    html = client.get(reverse("accounts:home:index")).content.decode()
    assert "李娜" in html and "第一党支部" in html and "组织委员/党务工作者" in html
    assert reverse("admin:index") in html  # clerks keep the roster in the admin


def test_my_page_of_a_plain_member_offers_no_admin(client, world):
    login(client, world, "member_a")
    html = client.get(reverse("accounts:home:index")).content.decode()
    assert "张伟" in html and reverse("accounts:member:detail", args=[world.member_a.pk]) in html
    assert reverse("admin:index") not in html
