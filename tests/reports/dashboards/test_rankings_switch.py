"""党员端显示排名: an organization switches ranks off for its members' own pages (2023 guidance against
compulsory point rankings in apps); the nearest explicit setting up the tree wins, shown by default;
set by those who manage the rules there, audited; committees keep their rankings."""

import re

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.services import organization_rankings_switch
from api.services import token_issue
from audit.models import AuditRecord
from workflows.member_selectors import rank_shown, rankings_shown


def switch(world, organization, shown):
    return organization_rankings_switch(organization=organization, shown=shown, by=world.higher)


def fresh(organization):
    organization.refresh_from_db()
    return organization


# ---------------------------------------------------------------- inheritance


def test_ranks_are_shown_when_nobody_set_anything(world):
    assert rankings_shown(world.branch_a)
    assert world.branch_a.members_see_rankings_setting() == (True, None)


def test_a_branch_follows_its_committee_unless_it_sets_its_own(world):
    switch(world, world.committee, False)
    assert not rankings_shown(fresh(world.branch_a)) and not rankings_shown(fresh(world.branch_b))
    assert world.branch_a.members_see_rankings_setting() == (False, world.committee)

    switch(world, world.branch_a, True)
    assert rankings_shown(fresh(world.branch_a)), "the branch's own setting wins"
    assert not rankings_shown(fresh(world.branch_b)), "its sibling still follows the committee"
    assert world.branch_a.members_see_rankings_setting() == (True, world.branch_a)


def test_the_nearest_setting_wins_all_the_way_down(world):
    switch(world, world.committee, False)
    switch(world, world.general_branch, True)
    assert rankings_shown(fresh(world.branch_a)) and rankings_shown(fresh(world.branch_b))
    assert world.branch_b.members_see_rankings_setting() == (True, world.general_branch)

    switch(world, world.general_branch, None)  # back to following the committee
    assert not rankings_shown(fresh(world.branch_b))


def test_rank_shown_gives_no_rank_of_either_kind_when_switched_off(world):
    switch(world, world.committee, False)
    branch = fresh(world.branch_a)
    assert rank_shown(branch, rank=1, reference_rank=None) is None
    assert rank_shown(branch, rank=None, reference_rank=2) is None


# ---------------------------------------------------------------- who may switch, and the audit


def test_switching_is_audited_with_before_and_after(world):
    switch(world, world.committee, False)
    record = AuditRecord.objects.get(action="organization.rankings_switch")
    assert record.summary == "某区机关党委 党员端排名显示：不显示排名"
    assert record.actor == world.higher and record.organization == world.committee
    assert record.data == {"before": None, "after": False, "in_force": False, "set_at": "C01"}
    switch(world, world.committee, False)
    assert AuditRecord.objects.filter(action="organization.rankings_switch").count() == 1, (
        "no change, no record"
    )


@pytest.mark.parametrize("persona", ["secretary_a", "clerk_a", "committee_a"])
def test_branch_officers_may_not_switch_and_nothing_changes(world, persona):
    with pytest.raises(ValidationError) as error:
        organization_rankings_switch(organization=world.branch_a, shown=False, by=getattr(world, persona))
    assert error.value.messages == [
        "您没有设置“第一党支部”党员端排名显示的权限（需在该组织或其上级管理积分细则）。"
    ]
    assert fresh(world.branch_a).members_see_rankings is None
    assert not AuditRecord.objects.filter(action="organization.rankings_switch").exists()


def test_the_higher_committee_switches_it_in_the_admin(client, world):
    client.force_login(world.higher)
    url = f"/admin/accounts/rankingswitch/{world.committee.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "党员端显示排名" in content and "显示排名（默认）" in content
    response = client.post(url, {"members_see_rankings": "False"})
    assert response.status_code == 302
    assert fresh(world.committee).members_see_rankings is False
    assert AuditRecord.objects.filter(action="organization.rankings_switch", actor=world.higher).count() == 1
    listing = client.get("/admin/accounts/rankingswitch/").content.decode()
    assert "不显示排名（沿用某区机关党委的设置）" in listing  # the branches below


def test_a_clerk_does_not_get_the_switch_in_the_admin(client, world):
    client.force_login(world.clerk_a)  # staff (keeps the roster) but does not manage the rules
    assert client.get("/admin/accounts/rankingswitch/").status_code == 403
    response = client.post(
        f"/admin/accounts/rankingswitch/{world.branch_a.pk}/change/", {"members_see_rankings": "False"}
    )
    assert response.status_code in (302, 403, 404)
    assert fresh(world.branch_a).members_see_rankings is None


# ---------------------------------------------------------------- what members then see


RANK_WORDS = re.compile(r"排名|第\s*\d+\s*名|名次")


def test_my_points_show_ranks_when_switched_on(client, first_quarter):
    w = first_quarter.world
    client.force_login(w.member_a.user)
    content = client.get("/me/").content.decode()
    assert "本期排名" in content and "第 1 名" in content


def test_my_points_contain_no_rank_when_switched_off(client, first_quarter):
    w = first_quarter.world
    switch(w, w.committee, False)
    client.force_login(w.member_a.user)
    response = client.get("/me/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-value="period_total">6<' in content, "the points are still there"
    assert not RANK_WORDS.search(content), RANK_WORDS.findall(content)


def test_the_publicity_result_has_no_rank_column_and_no_rank_order_when_switched_off(client, first_quarter):
    w = first_quarter.world
    switch(w, w.committee, False)
    review = first_quarter.reviews[("C01-G1-A", 1)]
    client.force_login(w.member_a.user)
    content = client.get(f"/me/publicity/{review.pk}/").content.decode()
    result = content[content.index('data-section="result"') : content.index('data-section="entries"')]
    assert "本期积分" in result and not RANK_WORDS.search(result)
    names = re.findall(r"<tr>\s*<td>(\S+?)</td>", result)
    assert names == sorted(names), "listed by name, not in rank order"


def test_a_reference_member_is_not_told_about_reference_ranks_when_switched_off(client, first_quarter):
    w = first_quarter.world
    switch(w, w.committee, False)
    client.force_login(first_quarter.candidate.user)
    content = client.get("/me/").content.decode()
    assert "积分仅供参考" in content and not RANK_WORDS.search(content)


def test_the_api_gives_members_no_rank_when_switched_off(first_quarter):
    w = first_quarter.world
    switch(w, w.committee, False)
    _, key = token_issue(user=w.member_a.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = api.get("/api/v1/scores/me/").json()
    assert body["latest"]["period_total"] == "6.00"
    assert body["latest"]["period_rank"] is None and body["latest"]["cycle_rank"] is None
