"""The admin, scoped per organization: for every page and persona, what can be seen and changed.

Nobody holds model-level Django permissions; ``permissions_sync`` makes clerks and higher-committee
officers staff. Reading a matrix row: ``LOGIN`` is the admin's login page (anonymous, or signed in
but not staff); ``GONE`` is the admin's "does not exist" redirect to its index, the answer for a row
outside the persona's scope; 403 is a page the persona may not open.
"""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts import access
from accounts.models import BranchMembership, Member, Organization, RoleAssignment
from audit.models import AuditRecord
from tests.factories import UserFactory, make_organization

LOGIN, GONE = "login", "gone"
Role = RoleAssignment.Role


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def stale_staff(db):
    """Marked staff by hand but holding no role: the admin opens, every page of ours is closed."""
    return UserFactory(username="stale", is_staff=True)


def user_of(world, persona, request):
    if persona == "anonymous":
        return None
    if persona in ("superuser", "stale_staff"):
        return request.getfixturevalue(persona)
    value = getattr(world, persona)
    return getattr(value, "user", value)


@pytest.fixture
def as_persona(client, world, request):
    def sign_in(persona):
        user = user_of(world, persona, request)
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


def assert_answer(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    elif expected == GONE:
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")
    else:
        assert response.status_code == expected


def matrix(table, columns):
    return [
        pytest.param(persona, column, answer, id=f"{persona}-{column}")
        for persona, answers in table.items()
        for column, answer in zip(columns, answers, strict=True)
    ]


# --- change lists -----------------------------------------------------------------------------------

CHANGELISTS = ("member", "organization", "branchmembership", "roleassignment", "auditrecord")
CHANGELIST_ACCESS = {
    #               member  organization  branchmembership  roleassignment  auditrecord
    "anonymous":   (LOGIN,  LOGIN,        LOGIN,            LOGIN,          LOGIN),
    "member_a":    (LOGIN,  LOGIN,        LOGIN,            LOGIN,          LOGIN),
    "committee_a": (LOGIN,  LOGIN,        LOGIN,            LOGIN,          LOGIN),
    "secretary_a": (LOGIN,  LOGIN,        LOGIN,            LOGIN,          LOGIN),
    "outsider":    (LOGIN,  LOGIN,        LOGIN,            LOGIN,          LOGIN),
    "stale_staff": (403,    403,          403,              403,            403),
    "clerk_a":     (200,    200,          200,              200,            200),
    "clerk_b":     (200,    200,          200,              200,            200),
    "higher":      (200,    200,          200,              200,            200),
    "superuser":   (200,    200,          200,              200,            200),
}  # fmt: skip


def changelist_url(name):
    app = "audit" if name == "auditrecord" else "accounts"
    return reverse(f"admin:{app}_{name}_changelist")


@pytest.mark.parametrize(("persona", "page", "expected"), matrix(CHANGELIST_ACCESS, CHANGELISTS))
def test_admin_change_lists_open_only_to_staff_with_a_scope(as_persona, persona, page, expected):
    assert_answer(as_persona(persona).get(changelist_url(page)), expected)


def rows(response):
    return list(response.context["cl"].queryset)


BRANCH_A = {"张伟", "王芳", "李娜", "刘洋", "陈静"}
BRANCH_B = {"赵磊", "孙丽"}
MEMBERS_LISTED = {"clerk_a": BRANCH_A, "clerk_b": BRANCH_B, "higher": BRANCH_A | BRANCH_B}


@pytest.mark.parametrize(("persona", "names"), MEMBERS_LISTED.items(), ids=MEMBERS_LISTED.keys())
def test_member_change_list_shows_only_the_people_in_scope(as_persona, persona, names):
    response = as_persona(persona).get(changelist_url("member"))
    assert {m.real_name for m in rows(response)} == names


@pytest.mark.parametrize(("persona", "names"), MEMBERS_LISTED.items(), ids=MEMBERS_LISTED.keys())
def test_membership_history_lists_only_the_people_in_scope(as_persona, persona, names):
    response = as_persona(persona).get(changelist_url("branchmembership"))
    assert {spell.member.real_name for spell in rows(response)} == names


ROLES_LISTED = {
    "clerk_a": {"chenjing", "lina", "liuyang"},
    "clerk_b": {"sunli"},
    "higher": {"chenjing", "lina", "liuyang", "sunli", "higher"},
}


@pytest.mark.parametrize(("persona", "holders"), ROLES_LISTED.items(), ids=ROLES_LISTED.keys())
def test_role_change_list_shows_only_the_roles_in_scope(as_persona, persona, holders):
    response = as_persona(persona).get(changelist_url("roleassignment"))
    assert {a.user.username for a in rows(response)} == holders


AUDIT_LISTED = {
    "clerk_a": {"第一党支部"},
    "clerk_b": {"第二党支部"},
    "higher": {"某区机关党委", "第一党支部", "第二党支部"},
}


@pytest.mark.parametrize(("persona", "organizations"), AUDIT_LISTED.items(), ids=AUDIT_LISTED.keys())
def test_audit_change_list_shows_only_the_records_in_scope(as_persona, persona, organizations):
    response = as_persona(persona).get(changelist_url("auditrecord"))
    assert {r.organization.name for r in rows(response)} == organizations


TREE_TOP = {
    "clerk_a": {"第一党支部"},
    "clerk_b": {"第二党支部"},
    "higher": {"某区机关党委"},
    "superuser": {"某区机关党委"},
}


@pytest.mark.parametrize(("persona", "top"), TREE_TOP.items(), ids=TREE_TOP.keys())
def test_the_organization_tree_starts_at_the_top_of_the_persona_scope(as_persona, persona, top):
    response = as_persona(persona).get(changelist_url("organization"))
    assert {o.name for o in rows(response)} == top


def test_the_tree_expands_only_within_scope(as_persona, world):
    children = reverse("admin:accounts_organization_changelist") + f"children/{world.general_branch.pk}/"
    assert as_persona("clerk_a").get(children).status_code == 404
    response = as_persona("higher").get(children)
    assert response.status_code == 200
    assert "第一党支部" in response.json()["result_html"]


# --- change pages -----------------------------------------------------------------------------------


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


MEMBER_PAGES = ("member_a", "outsider")
MEMBER_CHANGE = {
    #               member_a  outsider
    "anonymous":   (LOGIN,    LOGIN),
    "member_a":    (LOGIN,    LOGIN),
    "secretary_a": (LOGIN,    LOGIN),
    "stale_staff": (403,      403),
    "clerk_a":     (200,      GONE),
    "clerk_b":     (GONE,     200),
    "higher":      (200,      200),
}  # fmt: skip


@pytest.mark.parametrize(("persona", "subject", "expected"), matrix(MEMBER_CHANGE, MEMBER_PAGES))
def test_member_change_page_opens_only_within_scope(as_persona, world, persona, subject, expected):
    assert_answer(as_persona(persona).get(change_url(getattr(world, subject))), expected)


ORGANIZATION_PAGES = ("committee", "general_branch", "branch_a", "branch_b")
ORGANIZATION_CHANGE = {
    #               committee  general_branch  branch_a  branch_b
    "anonymous":   (LOGIN,     LOGIN,          LOGIN,    LOGIN),
    "member_a":    (LOGIN,     LOGIN,          LOGIN,    LOGIN),
    "clerk_a":     (GONE,      GONE,           200,      GONE),
    "clerk_b":     (GONE,      GONE,           GONE,     200),
    "higher":      (200,       200,            200,      200),
}  # fmt: skip


@pytest.mark.parametrize(("persona", "subject", "expected"), matrix(ORGANIZATION_CHANGE, ORGANIZATION_PAGES))
def test_organization_change_page_opens_only_within_scope(as_persona, world, persona, subject, expected):
    assert_answer(as_persona(persona).get(change_url(getattr(world, subject))), expected)


def _role_of(world, username):
    return RoleAssignment.objects.get(user__username=username)


def _spell_of(member):
    return member.memberships.get()


def _audit_of(organization):
    return AuditRecord.objects.filter(organization=organization).first()


ROW_PAGES = {
    "role A": lambda w: _role_of(w, "lina"),
    "role B": lambda w: _role_of(w, "sunli"),
    "spell A": lambda w: _spell_of(w.member_a),
    "spell B": lambda w: _spell_of(w.outsider),
    "audit A": lambda w: _audit_of(w.branch_a),
    "audit B": lambda w: _audit_of(w.branch_b),
}
ROW_CHANGE = {
    #               role A  role B  spell A  spell B  audit A  audit B
    "anonymous":   (LOGIN,  LOGIN,  LOGIN,   LOGIN,   LOGIN,   LOGIN),
    "member_a":    (LOGIN,  LOGIN,  LOGIN,   LOGIN,   LOGIN,   LOGIN),
    "clerk_a":     (200,    GONE,   200,     GONE,    200,     GONE),
    "clerk_b":     (GONE,   200,    GONE,    200,     GONE,    200),
    "higher":      (200,    200,    200,     200,     200,     200),
}  # fmt: skip


@pytest.mark.parametrize(("persona", "row", "expected"), matrix(ROW_CHANGE, tuple(ROW_PAGES)))
def test_role_history_and_audit_pages_open_only_within_scope(as_persona, world, persona, row, expected):
    obj = ROW_PAGES[row](world)
    assert_answer(as_persona(persona).get(change_url(obj)), expected)


# --- what each may change: add, change, delete --------------------------------------------------------

ADD_PAGES = ("member", "organization", "roleassignment", "branchmembership", "auditrecord")
ADD_ACCESS = {
    #               member  organization  roleassignment  branchmembership  auditrecord
    "clerk_a":     (200,    403,          403,            403,              403),
    "clerk_b":     (200,    403,          403,            403,              403),
    "higher":      (200,    200,          200,            403,              403),
    "superuser":   (200,    200,          200,            403,              403),
}  # fmt: skip


@pytest.mark.parametrize(("persona", "page", "expected"), matrix(ADD_ACCESS, ADD_PAGES))
def test_who_may_add_what(as_persona, persona, page, expected):
    app = "audit" if page == "auditrecord" else "accounts"
    assert_answer(as_persona(persona).get(reverse(f"admin:{app}_{page}_add")), expected)


DELETE_PAGES = {
    "member": lambda w: w.member_a,
    "organization": lambda w: w.branch_a,
    "role": lambda w: _role_of(w, "lina"),
    "spell": lambda w: _spell_of(w.member_a),
    "audit": lambda w: _audit_of(w.branch_a),
}
DELETE_ACCESS = {
    #               member  organization  role  spell  audit
    "clerk_a":     (403,    403,          403,  403,   403),
    "higher":      (403,    403,          403,  403,   403),
    "superuser":   (403,    200,          403,  403,   403),  # history is never deleted
}  # fmt: skip


@pytest.mark.parametrize(("persona", "row", "expected"), matrix(DELETE_ACCESS, tuple(DELETE_PAGES)))
def test_history_is_never_deleted_in_the_admin(as_persona, world, persona, row, expected):
    obj = DELETE_PAGES[row](world)
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
    assert_answer(as_persona(persona).get(url), expected)


def test_read_only_pages_refuse_a_posted_change(as_persona, world):
    client = as_persona("higher")
    record = _audit_of(world.branch_a)
    assert client.post(change_url(record), {"summary": "改写"}).status_code == 403
    spell = _spell_of(world.member_a)
    assert client.post(change_url(spell), {"reason": "改写"}).status_code == 403
    record.refresh_from_db()
    assert record.summary != "改写"


def test_a_clerk_may_view_but_not_change_the_branch_and_its_roles(as_persona, world):
    client = as_persona("clerk_a")
    page = client.get(change_url(world.branch_a)).content.decode()
    assert 'name="name"' not in page and "treebeard_ref_node" not in page
    page = client.get(change_url(_role_of(world, "lina"))).content.decode()
    assert 'name="valid_until"' not in page
    ending = {"valid_until": "2024-01-01", "end_reason": "x"}
    response = client.post(change_url(_role_of(world, "lina")), ending)
    assert response.status_code == 403


# --- masking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clerk_a", "superuser"])  # access.sees_private_data: superusers too
def test_the_branch_clerk_edits_phone_and_id_number_in_full(as_persona, world, persona):
    page = as_persona(persona).get(change_url(world.member_a)).content.decode()
    assert 'value="13800001111"' in page
    assert f'value="{world.member_a.id_number}"' in page


@pytest.mark.parametrize("persona", ["higher"])
def test_anyone_else_sees_phone_and_id_number_masked_and_cannot_edit_them(as_persona, world, persona):
    page = as_persona(persona).get(change_url(world.member_a)).content.decode()
    assert "138****1111" in page
    assert "13800001111" not in page
    assert world.member_a.id_number not in page
    assert 'name="phone"' not in page and 'name="id_number"' not in page


@pytest.mark.parametrize("persona", ["clerk_a", "higher"])
def test_the_member_change_list_masks_the_phone_for_everyone(as_persona, persona):
    page = as_persona(persona).get(changelist_url("member")).content.decode()
    assert "138****1111" in page and "13800001111" not in page


# --- writes go through the services ----------------------------------------------------------------


def member_form(**overrides):
    data = {
        "username": "xinren",
        "password": "Hongqi-2026-xyz",
        "real_name": "新人",
        "since": "2025-03-01",
        "kind": Member.Kind.PROBATIONARY,
        "status": Member.Status.ACTIVE,
        "joined_party_on": "2025-03-01",
        "probation_start": "2025-03-01",
        "probation_end": "2026-03-01",
        "phone": "13612345678",
        "id_number": "410102199001011234",
        # the read-only membership inline
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_a_clerk_adds_a_member_of_their_branch_with_login_history_and_audit(as_persona, world):
    client = as_persona("clerk_a")
    response = client.post(reverse("admin:accounts_member_add"), member_form(branch=world.branch_a.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    member = Member.objects.get(real_name="新人")
    assert member.branch == world.branch_a and member.user.check_password("Hongqi-2026-xyz")
    spells = [(s.branch, s.start) for s in member.memberships.all()]
    assert spells == [(world.branch_a, datetime.date(2025, 3, 1))]
    record = AuditRecord.objects.get(action="member.create", target_id=str(member.pk))
    assert record.actor == world.clerk_a


def test_a_clerk_cannot_add_a_member_to_another_branch(as_persona, world):
    client = as_persona("clerk_a")
    response = client.post(reverse("admin:accounts_member_add"), member_form(branch=world.branch_b.pk))
    assert response.status_code == 200
    assert "branch" in response.context["adminform"].form.errors
    assert not Member.objects.filter(real_name="新人").exists()


def test_a_weak_initial_password_is_refused(as_persona, world):
    client = as_persona("clerk_a")
    response = client.post(
        reverse("admin:accounts_member_add"), member_form(branch=world.branch_a.pk, password="12345678")
    )
    assert "password" in response.context["adminform"].form.errors


def test_branch_choices_are_the_branches_in_scope(as_persona, world):
    form = as_persona("clerk_a").get(reverse("admin:accounts_member_add")).context["adminform"].form
    assert list(form.fields["branch"].queryset) == [world.branch_a]
    form = as_persona("higher").get(reverse("admin:accounts_member_add")).context["adminform"].form
    assert list(form.fields["branch"].queryset) == [world.branch_a, world.branch_b]


def test_a_clerk_edits_a_member_and_the_change_is_audited_without_the_values(as_persona, world):
    client = as_persona("clerk_a")
    member = world.member_a
    data = {
        "real_name": member.real_name,
        "kind": Member.Kind.FULL,
        "status": Member.Status.MOBILE,
        "phone": "13800009999",
        "id_number": member.id_number,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": str(member.memberships.get().pk),
        "memberships-0-member": str(member.pk),
    }
    response = client.post(change_url(member), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    member.refresh_from_db()
    assert (member.status, member.phone) == (Member.Status.MOBILE, "13800009999")
    record = AuditRecord.objects.get(action="member.update")
    assert set(record.data["fields"]) == {"status", "phone"}
    assert "13800009999" not in str(record.data)


def role_form(world, **overrides):
    data = {
        "user": world.other_member_a.user.pk,
        "organization": world.branch_a.pk,
        "role": Role.CLERK,
        "valid_from": "2025-01-01",
        "reason": "支部换届",
    }
    data.update(overrides)
    return data


def test_a_role_granted_in_the_admin_goes_through_role_grant(as_persona, world):
    client = as_persona("higher")
    response = client.post(reverse("admin:accounts_roleassignment_add"), role_form(world))
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = world.other_member_a.user
    assignment = RoleAssignment.objects.get(user=user)
    assert assignment.granted_by == world.higher
    assert access.may(user, "record_claims", world.branch_a)  # guardian rows synced
    user.refresh_from_db()
    assert user.is_staff
    record = AuditRecord.objects.get(action="role.grant", target_id=str(assignment.pk))
    assert record.actor == world.higher


def test_a_role_ends_in_the_admin_through_role_end(as_persona, world):
    client = as_persona("higher")
    assignment = _role_of(world, "lina")
    response = client.post(change_url(assignment), {"valid_until": "2024-12-31", "end_reason": "调任"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assignment.refresh_from_db()
    assert assignment.valid_until == datetime.date(2024, 12, 31)
    assert not access.may(world.clerk_a, "record_claims", world.branch_a)
    record = AuditRecord.objects.get(action="role.end")
    assert (record.actor, record.reason) == (world.higher, "调任")


def test_a_role_cannot_end_before_it_began(as_persona, world):
    assignment = _role_of(world, "lina")
    ending = {"valid_until": "2019-01-01", "end_reason": "x"}
    response = as_persona("higher").post(change_url(assignment), ending)
    assert response.context["adminform"].form.errors["valid_until"] == ["任职结束日期不能早于开始日期。"]


def test_user_choices_are_members_below_and_never_oneself(as_persona, world):
    higher_member = Member.objects.create(
        user=world.higher, real_name="高书记", branch=world.branch_b, id_number="410102197001010000"
    )
    form = as_persona("higher").get(reverse("admin:accounts_roleassignment_add")).context["adminform"].form
    choices = set(form.fields["user"].queryset.values_list("username", flat=True))
    assert choices == {"zhangwei", "wangfang", "lina", "liuyang", "chenjing", "zhaolei", "sunli"}
    assert higher_member.user.username not in choices


def test_a_clerk_cannot_appoint(as_persona, world):
    response = as_persona("clerk_a").post(reverse("admin:accounts_roleassignment_add"), role_form(world))
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(user=world.other_member_a.user).exists()


def test_a_higher_officer_cannot_appoint_outside_their_scope(as_persona, world):
    outside = make_organization(code="C02", name="另一党委", kind=Organization.Kind.COMMITTEE)
    response = as_persona("higher").post(
        reverse("admin:accounts_roleassignment_add"), role_form(world, organization=outside.pk)
    )
    assert "organization" in response.context["adminform"].form.errors


# --- the organization tree -------------------------------------------------------------------------


def organization_form(**overrides):
    data = {"name": "第三党支部", "code": "C01-G1-C", "kind": Organization.Kind.BRANCH}
    data.update(overrides)
    return data


def test_a_higher_officer_adds_a_branch_below_their_committee(as_persona, world):
    response = as_persona("higher").post(
        reverse("admin:accounts_organization_add"),
        organization_form(treebeard_position="sorted-child", treebeard_ref_node=world.general_branch.pk),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    branch = Organization.objects.get(code="C01-G1-C")
    assert Organization.objects.get_parent(branch) == world.general_branch


def test_only_a_superuser_adds_a_root(as_persona, world):
    response = as_persona("higher").post(
        reverse("admin:accounts_organization_add"),
        organization_form(code="C09", kind=Organization.Kind.COMMITTEE, treebeard_position="sorted-sibling"),
    )
    assert response.status_code == 200
    assert not Organization.objects.filter(code="C09").exists()
    response = as_persona("superuser").post(
        reverse("admin:accounts_organization_add"),
        organization_form(code="C09", kind=Organization.Kind.COMMITTEE, treebeard_position="sorted-sibling"),
    )
    assert response.status_code == 302
    assert Organization.objects.get(code="C09").is_root()


def test_tree_choices_for_a_higher_officer_are_below_their_committee_and_never_the_root(as_persona, world):
    form = as_persona("higher").get(reverse("admin:accounts_organization_add")).context["adminform"].form
    assert set(form.fields["treebeard_ref_node"].queryset) == {
        world.committee,
        world.general_branch,
        world.branch_a,
        world.branch_b,
    }
    assert form.fields["treebeard_ref_node"].required
    assert [value for value, _ in form.fields["treebeard_position"].choices] == ["sorted-child"]


def move(client, node, target, relation):
    url = reverse("admin:accounts_organization_changelist") + "move/"
    return client.post(url, {"node": node.pk, "target": target.pk, "relation": relation})


def test_drag_and_drop_stays_within_scope(as_persona, world):
    assert move(as_persona("clerk_a"), world.branch_a, world.branch_b, "sibling").status_code == 403
    higher = as_persona("higher")
    assert move(higher, world.branch_b, world.committee, "sibling").status_code == 403  # would be a root
    assert move(higher, world.branch_b, world.committee, "child").status_code == 200
    world.branch_b.refresh_from_db()
    assert Organization.objects.get_parent(world.branch_b) == world.committee


# --- 转接组织关系 ------------------------------------------------------------------------------------


def transfer(client, page, selected, **form):
    return client.post(
        changelist_url(page), {"action": "transfer", "_selected_action": [str(pk) for pk in selected], **form}
    )


def test_the_higher_committee_transfers_a_member_through_member_transfer(as_persona, world):
    client = as_persona("higher")
    asked = transfer(client, "member", [world.member_a.pk])
    assert asked.status_code == 200 and "转入支部" in asked.content.decode()
    to_b = {"apply": "1", "to_branch": world.branch_b.pk, "on": "2025-06-01", "reason": "工作调动"}
    done = transfer(client, "member", [world.member_a.pk], **to_b)
    assert done.status_code == 302
    spells = list(BranchMembership.objects.filter(member=world.member_a).values_list("branch__code", "end"))
    assert spells == [("C01-G1-A", datetime.date(2025, 6, 1)), ("C01-G1-B", None)]
    assert AuditRecord.objects.filter(action="member.transfer", actor=world.higher).exists()


def test_the_transfer_is_offered_from_the_membership_history_too(as_persona, world):
    client = as_persona("higher")
    spell = _spell_of(world.member_a)
    to_b = {"apply": "1", "to_branch": world.branch_b.pk, "on": "2025-06-01", "reason": "调动"}
    done = transfer(client, "branchmembership", [spell.pk], **to_b)
    assert done.status_code == 302
    world.member_a.refresh_from_db()
    assert world.member_a.branch == world.branch_b


def test_a_failed_transfer_changes_nothing_and_says_why(as_persona, world):
    client = as_persona("higher")
    response = transfer(
        client,
        "member",
        [world.member_a.pk, world.outsider.pk],
        apply="1",
        to_branch=world.branch_b.pk,
        on="2025-06-01",
        reason="调动",
    )
    assert "转入支部与当前支部相同" in response.content.decode()
    world.member_a.refresh_from_db()
    assert world.member_a.branch == world.branch_a  # all or nothing


def test_a_clerk_of_one_branch_is_not_offered_the_transfer(as_persona):
    response = as_persona("clerk_a").get(changelist_url("member"))
    action_form = response.context["action_form"]  # None: no action at all is offered
    assert action_form is None or "transfer" not in dict(action_form.fields["action"].choices)
    response = as_persona("higher").get(changelist_url("member"))
    assert "transfer" in dict(response.context["action_form"].fields["action"].choices)


# --- in Chinese ------------------------------------------------------------------------------------


def test_the_admin_speaks_chinese(as_persona):
    page = as_persona("clerk_a").get(reverse("admin:index")).content.decode()
    words = (
        "党员积分管理 · 后台配置",
        "组织与党员",
        "党员",
        "组织关系记录",
        "角色任命",
        "审计记录",
        "修改密码",
    )
    assert all(w in page for w in words), [w for w in words if w not in page]


def test_every_model_of_ours_is_in_the_admin():
    for model in (Organization, Member, BranchMembership, RoleAssignment, AuditRecord):
        assert admin.site.is_registered(model)
