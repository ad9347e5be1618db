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


# --- a role's dates are checked when permissions are asked, not only by the sync job --------------


def _synced_on(user, day):
    """The guardian rows as the 6-hourly sync job (``roles_sync_all``) left them on ``day``."""
    from accounts.services import permissions_sync

    permissions_sync(user=user, on=day)


def test_a_role_past_its_end_date_grants_nothing_before_the_sync_job_runs(world):
    import datetime

    from django.utils import timezone

    from tests.factories import UserFactory, make_role

    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    former_clerk = UserFactory(username="former_clerk")
    make_role(
        former_clerk,
        world.branch_a,
        RoleAssignment.Role.CLERK,
        valid_from=datetime.date(2020, 1, 1),
        valid_until=yesterday,
    )
    _synced_on(former_clerk, yesterday)  # the job last ran while the role was still in force

    assert not access.may(former_clerk, "view_private_data", world.branch_a)
    assert not access.organizations_where(former_clerk, "manage_members").exists()
    assert not access.members_visible_to(former_clerk).exists()
    assert not former_clerk.has_perm("accounts.record_claims", world.branch_a)


def test_a_role_not_yet_started_grants_nothing(world):
    import datetime

    from django.utils import timezone

    from tests.factories import UserFactory, make_role

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    next_secretary = UserFactory(username="next_secretary")
    make_role(next_secretary, world.branch_a, RoleAssignment.Role.SECRETARY, valid_from=tomorrow)
    _synced_on(next_secretary, tomorrow)  # rows already there, e.g. a sync run with the start day

    assert not access.may(next_secretary, "approve_period", world.branch_a)
    assert not access.organizations_where(next_secretary, "review_claims").exists()


def test_a_role_in_force_on_its_last_day_still_grants(world):
    from django.utils import timezone

    from tests.factories import UserFactory, make_role

    leaving = UserFactory(username="leaving_clerk")
    make_role(leaving, world.branch_b, RoleAssignment.Role.CLERK, valid_until=timezone.localdate())
    assert access.may(leaving, "record_claims", world.branch_b)
    assert set(access.organizations_where(leaving, "record_claims")) == {world.branch_b}


def test_a_permission_of_another_role_does_not_keep_an_ended_role_alive(world):
    """The committee member also was the clerk until yesterday: the clerk's rows do not count, the
    committee member's do."""
    import datetime

    from django.utils import timezone

    from tests.factories import make_role

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    make_role(world.committee_a, world.branch_a, RoleAssignment.Role.CLERK, valid_until=yesterday)
    _synced_on(world.committee_a, yesterday)
    assert access.may(world.committee_a, "review_claims", world.branch_a)
    assert access.may(world.committee_a, "view_members", world.branch_a)
    assert not access.may(world.committee_a, "record_claims", world.branch_a)


def test_asking_for_an_organization_scope_costs_the_same_queries_however_many_roles(
    world, django_assert_max_num_queries
):
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Organization
    from tests.factories import make_organization, make_role

    ContentType.objects.get_for_model(Organization)  # cached for the process, as in a running site
    with django_assert_max_num_queries(3):
        list(access.organizations_where(world.higher, "view_members"))
    for n in range(5):
        branch = make_organization(
            code=f"C01-X{n}", name=f"支部{n}", kind=Organization.Kind.BRANCH, parent=world.general_branch
        )
        make_role(world.clerk_b, branch, RoleAssignment.Role.CLERK)
    with django_assert_max_num_queries(3):
        assert len(list(access.organizations_where(world.clerk_b, "view_members"))) == 6
