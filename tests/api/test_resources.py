"""me, organizations, members: scoped through accounts.access, private data masked, 404 outside scope."""

import pytest

from accounts.models import Member


def _page(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    return body


def _codes(client, url="/api/v1/organizations/"):
    return {o["code"] for o in _page(client.get(url))["results"]}


def _names(client, url="/api/v1/members/"):
    return {m["real_name"] for m in _page(client.get(url))["results"]}


def test_me_shows_the_member_in_full_with_branch_and_roles(as_user, world):
    body = as_user(world.clerk_a).get("/api/v1/me/").json()
    assert body["username"] == "lina"
    member = body["member"]
    assert member["real_name"] == "李娜"
    assert member["branch"] == {"code": "C01-G1-A", "name": "第一党支部", "kind": "branch"}
    assert member["kind"] and member["status"]
    assert "*" not in member["id_number"]
    [role] = body["roles"]
    assert role["role"] == "clerk" and role["active"] is True
    assert role["organization"]["code"] == "C01-G1-A"
    assert role["valid_from"]

    mine = as_user(world.member_a.user).get("/api/v1/me/").json()
    assert mine["member"]["phone"] == "13800001111" and mine["roles"] == []


def test_me_of_a_higher_officer_without_a_member_record(as_user, world):
    body = as_user(world.higher).get("/api/v1/me/").json()
    assert body["member"] is None
    assert [r["organization"]["code"] for r in body["roles"]] == ["C01"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("member_a", {"C01-G1-A"}),
        ("clerk_a", {"C01-G1-A"}),
        ("committee_a", {"C01-G1-A"}),
        ("secretary_a", {"C01-G1-A"}),
        ("clerk_b", {"C01-G1-B"}),
        ("outsider", {"C01-G1-B"}),
        ("higher", {"C01", "C01-G1", "C01-G1-A", "C01-G1-B"}),
    ],
)
def test_organizations_are_the_tree_i_may_see(as_user, world, persona, expected):
    user = getattr(world, persona)
    user = user.user if isinstance(user, Member) else user
    assert _codes(as_user(user)) == expected


def test_organization_fields_filters_and_search(as_user, world):
    client = as_user(world.higher)
    rows = {o["code"]: o for o in _page(client.get("/api/v1/organizations/"))["results"]}
    assert rows["C01"]["parent_code"] is None and rows["C01"]["depth"] == 1
    assert rows["C01-G1-A"] == {
        "code": "C01-G1-A",
        "name": "第一党支部",
        "kind": "branch",
        "parent_code": "C01-G1",
        "depth": 3,
    }
    assert _codes(client, "/api/v1/organizations/?kind=branch") == {"C01-G1-A", "C01-G1-B"}
    assert _codes(client, "/api/v1/organizations/?search=第二") == {"C01-G1-B"}
    assert _codes(client, "/api/v1/organizations/?search=C01-G1-A") == {"C01-G1-A"}
    assert client.get("/api/v1/organizations/C01-G1-B/").json()["name"] == "第二党支部"


def test_organization_outside_scope_is_404(as_user, world):
    response = as_user(world.clerk_a).get("/api/v1/organizations/C01-G1-B/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "不存在或不在您的权限范围内", "fields": {}}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("member_a", {"张伟"}),
        ("outsider", {"赵磊"}),
        ("clerk_a", {"张伟", "王芳", "李娜", "刘洋", "陈静"}),
        ("committee_a", {"张伟", "王芳", "李娜", "刘洋", "陈静"}),
        ("secretary_a", {"张伟", "王芳", "李娜", "刘洋", "陈静"}),
        ("clerk_b", {"赵磊", "孙丽"}),
        ("higher", {"张伟", "王芳", "李娜", "刘洋", "陈静", "赵磊", "孙丽"}),
    ],
)
def test_members_are_scoped(as_user, world, persona, expected):
    user = getattr(world, persona)
    user = user.user if isinstance(user, Member) else user
    assert _names(as_user(user)) == expected


def test_member_outside_scope_is_404_inside_is_200(as_user, world):
    client = as_user(world.clerk_a)
    assert client.get(f"/api/v1/members/{world.outsider.pk}/").status_code == 404
    assert client.get(f"/api/v1/members/{world.member_a.pk}/").status_code == 200
    member = as_user(world.member_a.user)
    assert member.get(f"/api/v1/members/{world.other_member_a.pk}/").status_code == 404
    assert member.get("/api/v1/members/999999/").json()["code"] == "not_found"


def test_private_data_is_masked_unless_clerk_or_self(as_user, world):
    url = f"/api/v1/members/{world.member_a.pk}/"
    full = as_user(world.clerk_a).get(url).json()
    assert full["phone"] == "13800001111" and full["id_number"] == world.member_a.id_number
    for viewer in (world.committee_a, world.secretary_a, world.higher):
        masked = as_user(viewer).get(url).json()
        assert masked["phone"] == "138****1111"
        assert masked["id_number"] != world.member_a.id_number and "*" in masked["id_number"]
        assert masked["id_number"][-4:] == world.member_a.id_number[-4:]
    assert as_user(world.member_a.user).get(url).json()["phone"] == "13800001111"
    # The list masks the same way, per row: higher sees nobody in full.
    rows = _page(as_user(world.higher).get("/api/v1/members/"))["results"]
    assert all("****" in r["phone"] for r in rows if r["phone"])


def test_member_filters_and_pagination(as_user, world):
    client = as_user(world.higher)
    assert _names(client, "/api/v1/members/?branch=C01-G1-B") == {"赵磊", "孙丽"}
    world.other_member_a.status = Member.Status.choices[-1][0]
    world.other_member_a.save()
    status = world.other_member_a.status
    assert _names(client, f"/api/v1/members/?status={status}") == {"王芳"}
    kind = world.member_a.kind
    assert "张伟" in _names(client, f"/api/v1/members/?kind={kind}")
    page = _page(client.get("/api/v1/members/?page_size=2&ordering=real_name"))
    assert page["count"] == 7 and len(page["results"]) == 2 and page["next"]
    assert client.get("/api/v1/members/?page=99").status_code == 404
    bad = client.get("/api/v1/members/?status=nonsense")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]
