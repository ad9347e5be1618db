"""Who may open which page of the site: every endpoint × every persona, as matrices.

Reading a row: what that persona gets for each object. ``LOGIN`` is a redirect to the login page;
404 is the answer for an object outside the persona's scope (its existence is not revealed); 403 is
the answer for a page the persona may not open at all.
"""

import pytest
from django.urls import reverse

LOGIN = "login"
PERSONAS = ["anonymous", "member_a", "clerk_a", "committee_a", "secretary_a", "higher", "outsider", "clerk_b"]


def user_of(world, persona):
    if persona == "anonymous":
        return None
    value = getattr(world, persona)
    return getattr(value, "user", value)  # members carry their user


def get_as(client, world, persona, url):
    user = user_of(world, persona)
    if user is not None:
        client.force_login(user)
    return client.get(url)


def assert_answer(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected


def matrix(table, columns):
    """Expand ``{persona: (answer per column, ...)}`` into pytest parameters."""
    return [
        pytest.param(persona, column, answer, id=f"{persona}-{column}")
        for persona, answers in table.items()
        for column, answer in zip(columns, answers, strict=True)
    ]


# --- 党员档案 /accounts/member/<pk>/detail/ ----------------------------------------------------------

MEMBERS = ("member_a", "other_member_a", "outsider")
MEMBER_DETAIL = {
    #               member_a  other_member_a  outsider (branch B)
    "anonymous":   (LOGIN,    LOGIN,          LOGIN),
    "member_a":    (200,      404,            404),
    "clerk_a":     (200,      200,            404),
    "committee_a": (200,      200,            404),
    "secretary_a": (200,      200,            404),
    "higher":      (200,      200,            200),
    "outsider":    (404,      404,            200),
    "clerk_b":     (404,      404,            200),
}  # fmt: skip


@pytest.mark.parametrize(("persona", "subject", "expected"), matrix(MEMBER_DETAIL, MEMBERS))
def test_member_detail_is_open_only_within_scope(client, world, persona, subject, expected):
    member = getattr(world, subject)
    response = get_as(client, world, persona, reverse("accounts:member:detail", args=[member.pk]))
    assert_answer(response, expected)


# --- 党员名册 /accounts/member/ ----------------------------------------------------------------------

BRANCH_A = {"张伟", "王芳", "李娜", "刘洋", "陈静"}
BRANCH_B = {"赵磊", "孙丽"}
MEMBER_LIST = {
    "member_a": {"张伟"},
    "clerk_a": BRANCH_A,
    "committee_a": BRANCH_A,
    "secretary_a": BRANCH_A,
    "higher": BRANCH_A | BRANCH_B,
    "outsider": {"赵磊"},
    "clerk_b": BRANCH_B,
}


@pytest.mark.parametrize(("persona", "names"), MEMBER_LIST.items(), ids=MEMBER_LIST.keys())
def test_member_list_shows_exactly_the_members_in_scope(client, world, persona, names):
    response = get_as(client, world, persona, reverse("accounts:member:list"))
    assert response.status_code == 200
    assert {m.real_name for m in response.context["object_list"]} == names


def test_member_list_asks_anonymous_to_log_in(client, world):
    assert_answer(client.get(reverse("accounts:member:list")), LOGIN)


def test_member_list_search_does_not_reach_outside_scope(client, world):
    client.force_login(world.clerk_a)
    response = client.get(reverse("accounts:member:list"), {"_search": "赵磊"})
    assert list(response.context["object_list"]) == []


# --- 组织 /accounts/organization/<pk>/detail/ ------------------------------------------------------

ORGANIZATIONS = ("committee", "general_branch", "branch_a", "branch_b")
ORGANIZATION_DETAIL = {
    #               committee  general_branch  branch_a  branch_b
    "anonymous":   (LOGIN,     LOGIN,          LOGIN,    LOGIN),
    "member_a":    (404,       404,            404,      404),
    "clerk_a":     (404,       404,            200,      404),
    "committee_a": (404,       404,            200,      404),
    "secretary_a": (404,       404,            200,      404),
    "higher":      (200,       200,            200,      200),
    "outsider":    (404,       404,            404,      404),
    "clerk_b":     (404,       404,            404,      200),
}  # fmt: skip


@pytest.mark.parametrize(("persona", "subject", "expected"), matrix(ORGANIZATION_DETAIL, ORGANIZATIONS))
def test_organization_detail_is_open_only_within_scope(client, world, persona, subject, expected):
    organization = getattr(world, subject)
    response = get_as(client, world, persona, reverse("accounts:organization:detail", args=[organization.pk]))
    assert_answer(response, expected)


# --- 组织 /accounts/organization/ ------------------------------------------------------------------

ORGANIZATION_LIST = {
    "anonymous": LOGIN,
    "member_a": 403,  # a plain member holds no role anywhere: no organization list at all
    "clerk_a": {"第一党支部"},
    "committee_a": {"第一党支部"},
    "secretary_a": {"第一党支部"},
    "higher": {"某区机关党委", "第一党总支", "第一党支部", "第二党支部"},
    "outsider": 403,
    "clerk_b": {"第二党支部"},
}


@pytest.mark.parametrize(("persona", "expected"), ORGANIZATION_LIST.items(), ids=ORGANIZATION_LIST.keys())
def test_organization_list_shows_exactly_the_organizations_in_scope(client, world, persona, expected):
    response = get_as(client, world, persona, reverse("accounts:organization:list"))
    if isinstance(expected, set):
        assert response.status_code == 200
        assert {o.name for o in response.context["object_list"]} == expected
    else:
        assert_answer(response, expected)


# --- pages every signed-in user has: 我的, the landing page, the password change --------------------

OWN_PAGES = ("accounts:home:index", "password_change", "password_change_done")


@pytest.mark.parametrize("url_name", OWN_PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_own_pages_are_open_to_every_signed_in_user(client, world, persona, url_name):
    response = get_as(client, world, persona, reverse(url_name))
    assert_answer(response, LOGIN if persona == "anonymous" else 200)


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_the_site_root_lands_on_my_page(client, world, persona):
    client.force_login(user_of(world, persona))
    response = client.get("/", follow=True)
    assert response.request["PATH_INFO"] == reverse("accounts:home:index")
    assert response.status_code == 200


def test_the_site_root_asks_anonymous_to_log_in(client, world):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
