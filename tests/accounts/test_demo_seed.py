"""The demo organization (accounts.demo, ``manage.py seed_demo``): realistic, complete and always the same."""

import datetime
import hashlib
import json
from collections import Counter

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.test import RequestFactory

from accounts import access
from accounts.demo import (
    DEMO_LOGINS,
    DEMO_MEMBERS,
    DEMO_PASSWORD,
    HIGHER_PERSON,
    MAIN_BRANCH_CODE,
    SECOND_BRANCH_CODE,
    demo_seed,
)
from accounts.id_numbers import id_check_character, id_number_valid
from accounts.models import BranchMembership, Member, Organization, RoleAssignment
from audit.models import AuditRecord

User = get_user_model()
Role = RoleAssignment.Role

# Changes only when the demo data is changed on purpose (screenshots and later tests rely on it).
DEMO_FINGERPRINT = "870f36921d05f0b2390cc730c92afdf82ff62cc484d75c97e1577191941052c1"


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """Seed once for the module (the full demo takes seconds), and roll it all back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        state = demo_seed()
        assert state is not None
        yield state
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db):
    return _seeded_once


def _org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def _user(username: str):
    return User.objects.get(username=username)


def _row_counts() -> dict[str, int]:
    models = (Organization, User, Member, BranchMembership, RoleAssignment, AuditRecord)
    return {model.__name__: model.objects.count() for model in models}


def _fingerprint() -> str:
    code_at = dict(Organization.objects.values_list("path", "code"))
    rows = [
        ["org", o.code, o.name, o.kind, code_at.get(o.path[: -Organization.steplen], "")]
        for o in Organization.objects.all()
    ]
    rows += [
        ["member", m.user.username, m.real_name, m.branch.code, m.kind, m.status, m.id_number, m.phone]
        + [str(d) for d in (m.joined_party_on, m.probation_start, m.probation_end)]
        for m in Member.objects.select_related("user", "branch")
    ]
    rows += [
        ["spell", s.member.user.username, s.branch.code, str(s.start), str(s.end)]
        for s in BranchMembership.objects.select_related("member__user", "branch")
    ]
    rows += [
        ["role", a.user.username, a.organization.code, a.role, str(a.valid_from), a.granted_by.username]
        for a in RoleAssignment.objects.select_related("user", "organization", "granted_by")
    ]
    rows += [["user", u.username, u.first_name, str(u.is_superuser)] for u in User.objects.all()]
    return hashlib.sha256(json.dumps(sorted(rows), ensure_ascii=False).encode()).hexdigest()


# --- the organization --------------------------------------------------------------------------


def test_demo_has_one_committee_two_general_branches_and_six_branches(seeded):
    kinds = Counter(Organization.objects.values_list("kind", flat=True))
    assert kinds == {
        Organization.Kind.COMMITTEE: 1,
        Organization.Kind.GENERAL_BRANCH: 2,
        Organization.Kind.BRANCH: 6,
    }
    committee = Organization.objects.get(kind=Organization.Kind.COMMITTEE)
    assert committee.is_root()
    assert {b.depth for b in Organization.objects.filter(kind=Organization.Kind.BRANCH)} == {2, 3}


def test_demo_branches_differ_in_size_between_5_and_30_members(seeded):
    sizes = Counter(Member.objects.values_list("branch__code", flat=True))
    assert len(sizes) == 6
    assert sorted(sizes.values()) == [5, 8, 12, 18, 24, 30]


def test_demo_has_every_kind_and_status_of_member(seeded):
    kinds = Counter(Member.objects.values_list("kind", flat=True))
    statuses = Counter(Member.objects.values_list("status", flat=True))
    assert set(kinds) == set(Member.Kind.values)
    assert set(statuses) == set(Member.Status.values)
    assert kinds[Member.Kind.FULL] > len(DEMO_MEMBERS) / 2
    assert statuses[Member.Status.ACTIVE] > len(DEMO_MEMBERS) / 2
    assert 1 <= statuses[Member.Status.EXEMPT] <= 2


def test_demo_names_and_usernames_are_unique(seeded):
    names = [m.real_name for m in DEMO_MEMBERS] + [HIGHER_PERSON.real_name]
    assert len(names) == len(set(names))
    assert all(2 <= len(name) <= 3 for name in names)
    assert User.objects.count() == len(DEMO_MEMBERS) + 2  # + higher officer + admin


# --- the people --------------------------------------------------------------------------------


def test_id_check_character_follows_gb_11643():
    assert id_check_character("11010519491231002") == "X"  # the standard's own example
    assert id_number_valid("11010519491231002X")
    assert not id_number_valid("110105194912310021")
    assert not id_number_valid("11010519490231002X")  # 31 February


def test_every_demo_id_number_is_valid_with_a_plausible_birth_date(seeded):
    for member in Member.objects.all():
        assert id_number_valid(member.id_number), member.id_number
        born = datetime.date.fromisoformat(
            f"{member.id_number[6:10]}-{member.id_number[10:12]}-{member.id_number[12:14]}"
        )
        age_in_2026 = 2026 - born.year
        assert 18 <= age_in_2026 <= 95, member
        if member.joined_party_on:
            assert member.joined_party_on.year - born.year >= 18, member


def test_every_demo_phone_is_a_unique_mobile_number(seeded):
    phones = list(Member.objects.values_list("phone", flat=True))
    assert all(len(p) == 11 and p.isdigit() and p.startswith("1") for p in phones)
    assert len(phones) == len(set(phones))


def test_probation_dates_follow_the_admission_and_only_probationary_members_have_them(seeded):
    for member in Member.objects.all():
        if member.kind == Member.Kind.PROBATIONARY:
            assert member.probation_start == member.joined_party_on
            assert member.probation_end == member.probation_start.replace(
                year=member.probation_start.year + 1
            )
        else:
            assert member.probation_start is None and member.probation_end is None
        party_member = member.kind in (Member.Kind.FULL, Member.Kind.PROBATIONARY)
        assert (member.joined_party_on is not None) == party_member, member


def test_transferred_member_shows_the_branch_of_each_period(seeded):
    member = Member.objects.get(user__username="member")
    assert member.branch_on(datetime.date(2024, 6, 30)) == _org(SECOND_BRANCH_CODE)
    assert member.branch_on(datetime.date(2024, 7, 1)) == _org(MAIN_BRANCH_CODE)
    assert BranchMembership.objects.filter(end__isnull=False).count() >= 2


# --- the logins --------------------------------------------------------------------------------


@pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda x: x.username)
def test_every_demo_login_authenticates_with_the_demo_password(seeded, login):
    request = RequestFactory().post("/accounts/login/")
    user = authenticate(request, username=login.username, password=DEMO_PASSWORD)
    assert user is not None and user.username == login.username


def test_demo_password_passes_the_password_validators_for_every_demo_login(seeded):
    for login in DEMO_LOGINS:
        validate_password(DEMO_PASSWORD, _user(login.username))


def test_branch_role_holders_are_members_of_their_branch_and_the_higher_officer_of_none(seeded):
    for login in DEMO_LOGINS:
        member = Member.objects.filter(user__username=login.username).first()
        if login.username in ("higher", "admin"):
            assert member is None
        else:
            assert member.branch.code == login.organization_code


def test_roles_were_granted_at_the_election_by_the_admin(seeded):
    admin = _user("admin")
    assert admin.is_superuser
    granted = {(a.user.username, a.organization.code, a.role) for a in RoleAssignment.objects.all()}
    assert granted == {(x.username, x.organization_code, x.role) for x in DEMO_LOGINS if x.role}
    for assignment in RoleAssignment.objects.all():
        assert assignment.valid_from == datetime.date(2026, 1, 1)
        assert assignment.granted_by == admin
        assert assignment.reason == "换届选举"


def test_each_demo_role_holds_its_permissions_in_its_own_branch_only(seeded):
    main, second = _org(MAIN_BRANCH_CODE), _org(SECOND_BRANCH_CODE)
    clerk, clerk2 = _user("clerk"), _user("clerk2")
    assert access.may(clerk, "record_claims", main) and not access.may(clerk, "record_claims", second)
    assert access.may(clerk2, "record_claims", second) and not access.may(clerk2, "record_claims", main)
    secretary = _user("secretary")
    assert access.may(secretary, "approve_period", main)
    assert not access.may(secretary, "approve_period", second)
    committee = _user("committee")
    assert access.may(committee, "review_claims", main)
    assert not access.may(committee, "approve_period", main)
    assert not access.may(committee, "review_claims", second)


def test_plain_member_holds_no_permission_and_the_higher_officer_reaches_every_branch(seeded):
    member, higher = _user("member"), _user("higher")
    assert not access.organizations_where(member, "view_members").exists()
    branches = Organization.objects.filter(kind=Organization.Kind.BRANCH)
    assert all(access.may(higher, "review_filings", branch) for branch in branches)
    assert not access.may(higher, "record_claims", _org(MAIN_BRANCH_CODE))


# --- seeding -----------------------------------------------------------------------------------


def test_seeding_twice_creates_nothing_the_second_time(seeded):
    before = _row_counts()
    assert demo_seed() is None
    assert _row_counts() == before


def test_demo_data_is_the_same_every_time(seeded):
    assert _fingerprint() == DEMO_FINGERPRINT
