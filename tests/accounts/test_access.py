"""Permissions are per organization and flow down the tree (accounts.access)."""

from accounts import access
from accounts.models import RoleAssignment
from accounts.services import role_end


def test_clerk_may_record_only_in_own_branch(world):
    assert access.may(world.clerk_a, "record_claims", world.branch_a)
    assert not access.may(world.clerk_a, "record_claims", world.branch_b)


def test_higher_committee_role_reaches_every_branch_below_without_rows_per_branch(world):
    from guardian.models import UserObjectPermission

    assert access.may(world.higher, "review_filings", world.branch_a)
    assert access.may(world.higher, "review_filings", world.branch_b)
    below = set(access.organizations_where(world.higher, "view_members"))
    assert below == {world.committee, world.general_branch, world.branch_a, world.branch_b}
    rows = UserObjectPermission.objects.filter(user=world.higher)
    assert {r.object_pk for r in rows} == {str(world.committee.pk)}


def test_plain_member_holds_no_organization_permission(world):
    user = world.member_a.user
    assert not access.organizations_where(user, "view_members").exists()
    assert list(access.members_visible_to(user)) == [world.member_a]


def test_member_of_branch_a_never_sees_branch_b_members(world):
    visible = set(access.members_visible_to(world.clerk_a))
    assert world.outsider not in visible
    assert world.member_a in visible


def test_phone_shown_in_full_only_to_the_member_and_the_branch_clerk(world):
    member = world.member_a
    assert access.sees_private_data(member.user, member)
    assert access.sees_private_data(world.clerk_a, member)
    assert not access.sees_private_data(world.secretary_a, member)
    assert not access.sees_private_data(world.higher, member)
    assert not access.sees_private_data(world.clerk_b, member)
    assert not access.sees_private_data(world.other_member_a.user, member)
    assert member.phone_masked == "138****1111"


def test_ended_role_takes_its_permissions_away(world):
    import datetime

    assignment = RoleAssignment.objects.get(user=world.clerk_a, role=RoleAssignment.Role.CLERK)
    role_end(assignment=assignment, on=datetime.date(2021, 1, 1), ended_by=None, reason="换届")
    assert not access.may(world.clerk_a, "record_claims", world.branch_a)


def test_has_perm_answers_through_the_tree_for_viewflow(world):
    assert world.higher.has_perm("accounts.review_filings", world.branch_b)
    assert not world.clerk_a.has_perm("accounts.record_claims", world.branch_b)
    assert world.clerk_a.has_perm("accounts.record_claims", world.branch_a)
