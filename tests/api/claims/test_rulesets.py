"""积分细则 over the API: the rule sets in force where the caller works, their items, and what I may claim."""

import pytest

from accounts.models import Member, Organization
from scoring.core.presets import preset_path
from scoring.services import ruleset_create
from tests.api.claims.conftest import user_of
from tests.factories import make_organization
from workflows import messages

BRANCH_A_RULES = (
    "code: branch-a-2026\nname: 第一党支部细则\nextends: erqi-2021\nitems:\n"
    "  - {code: volunteer, name: 志愿服务, category: special, points: 1, "
    "limit: {per: month, times: 1}, evidence: optional, source: member}\n"
)
MEMBER_ITEMS = ["innovative-activity", "community-service", "competition", "adopted-proposal"]


@pytest.fixture
def branch_a_rules(world, rules_2026):
    """Branch A refines the committee's unified rules with an item of its own (自主设定项目)."""
    return ruleset_create(
        organization=world.branch_a, cycle=2026, text=BRANCH_A_RULES, by=world.higher, in_force=True
    )


@pytest.fixture
def elsewhere(world, rules_2026):
    """Rules nobody in the world may see (another committee), and the committee's draft for 2027."""
    other = make_organization(code="C02", name="另一机关党委", kind=Organization.Kind.COMMITTEE)
    text = preset_path("erqi-2021").read_text(encoding="utf-8")
    ruleset_create(organization=other, cycle=2026, text=text, by=None, in_force=True)
    ruleset_create(organization=world.committee, cycle=2027, text=text, by=None, in_force=False)


def _listed(client, query=""):
    response = client.get(f"/api/v1/rulesets/{query}")
    assert response.status_code == 200, response.content
    return {(r["organization"]["code"], r["code"], r["cycle"]) for r in response.json()["results"]}


UNIFIED = ("C01", "erqi-2021", 2026)
BRANCH_A = ("C01-G1-A", "branch-a-2026", 2026)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("member_a", {UNIFIED, BRANCH_A}),
        ("other_member_a", {UNIFIED, BRANCH_A}),
        ("clerk_a", {UNIFIED, BRANCH_A}),
        ("committee_a", {UNIFIED, BRANCH_A}),
        ("secretary_a", {UNIFIED, BRANCH_A}),
        ("outsider", {UNIFIED}),
        ("clerk_b", {UNIFIED}),
        ("higher", {UNIFIED, BRANCH_A}),
    ],
)
def test_the_rule_sets_in_force_are_those_of_my_organizations_and_above(
    as_user, world, branch_a_rules, elsewhere, persona, expected
):
    assert _listed(as_user(user_of(world, persona))) == expected


def test_rule_sets_need_a_login(api, world, rules_2026):
    assert api.get("/api/v1/rulesets/").status_code == 401


def test_rule_set_list_reads_its_version_and_what_it_extends(as_user, world, branch_a_rules):
    rows = as_user(world.higher).get("/api/v1/rulesets/?organization=C01-G1-A").json()["results"]
    assert rows == [
        {
            "id": branch_a_rules.pk,
            "code": "branch-a-2026",
            "name": "第一党支部细则",
            "cycle": 2026,
            "organization": {"code": "C01-G1-A", "name": "第一党支部", "kind": "branch"},
            "extends": "erqi-2021",
            "version": 1,
        }
    ]
    assert _listed(as_user(world.higher), "?cycle=2025") == set()
    assert _listed(as_user(world.higher), "?search=第一党支部") == {BRANCH_A}


def test_a_rule_set_shows_its_categories_and_items_with_points_caps_frequency_evidence_and_source(
    as_user, world, rules_2026
):
    body = as_user(world.member_a.user).get(f"/api/v1/rulesets/{rules_2026.pk}/").json()
    assert body["cycle_start_month"] == 1 and body["base_points"] == "0.00" and body["floor"] == "0.00"
    assert [(c["code"], c["name"], c["cap"]) for c in body["categories"]] == [
        ("basic", "基础积分", "100.00"),
        ("special", "特色积分", "40.00"),
        ("deduction", "扣分", None),
    ]
    items = {item["code"]: item for item in body["items"]}
    assert len(items) == 16
    assert items["branch-meeting"] == {
        "code": "branch-meeting",
        "name": "支部党员大会",
        "category": "basic",
        "description": "各支部每月召开1次支部党员大会,党员参加活动每次记1分。",
        "points": "1.00",
        "is_range": False,
        "points_min": None,
        "points_max": None,
        "veto": False,
        "cap": "12.00",
        "limit": {"per": "month", "times": 1},
        "evidence": "none",
        "source": "branch",
        "points_text": "1 分/次",
        "rules_text": "全年最多 12 分；每月最多 1 次",
    }
    competition = items["competition"]
    assert (competition["points"], competition["is_range"]) == (None, True)
    assert (competition["points_min"], competition["points_max"]) == ("1.00", "2.00")
    assert competition["points_text"] == "1～2 分，审核时确定"
    assert competition["source"] == "member" and competition["evidence"] == "required"
    veto = items["disciplinary-sanction"]
    assert veto["veto"] is True and veto["points"] is None and veto["points_text"] == "一票否决"
    assert items["absent-on-leave"]["points"] == "-0.50"
    assert body["evaluation"] == {
        "mode": "weighted",
        "weight": "0.300",
        "levels": [
            {"name": "优秀", "points": "100.00"},
            {"name": "合格", "points": "80.00"},
            {"name": "基本合格", "points": "60.00"},
            {"name": "不合格", "points": "0.00"},
        ],
    }


def test_a_branch_rule_set_shows_the_unified_items_and_its_own(as_user, world, branch_a_rules):
    body = as_user(world.member_a.user).get(f"/api/v1/rulesets/{branch_a_rules.pk}/").json()
    codes = [item["code"] for item in body["items"]]
    assert "volunteer" in codes and "innovative-activity" in codes and len(codes) == 17
    assert body["extends"] == "erqi-2021"


def test_another_branchs_rule_set_is_not_found(as_user, world, branch_a_rules):
    for user in (world.outsider.user, world.clerk_b):
        response = as_user(user).get(f"/api/v1/rulesets/{branch_a_rules.pk}/")
        assert response.status_code == 404
        assert response.json()["message"] == "不存在或不在您的权限范围内"


# --- 申报积分: the items I may claim ---------------------------------------------------------


def _claimable(client, query=""):
    response = client.get(f"/api/v1/rulesets/claimable-items/{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_i_may_claim_the_member_items_of_the_rules_in_force_for_my_branch(
    as_user, world, branch_a_rules, march
):
    body = _claimable(as_user(world.member_a.user))
    assert body["date"] == "2026-03-20"
    assert body["branch"]["code"] == "C01-G1-A"
    assert body["ruleset"]["code"] == "branch-a-2026" and body["ruleset"]["version"] == 1
    assert [item["code"] for item in body["items"]] == [*MEMBER_ITEMS, "volunteer"]
    assert all(item["source"] == "member" for item in body["items"])
    assert body["notice"] is None
    # Branch B has no item of its own.
    other = _claimable(as_user(world.outsider.user))
    assert [item["code"] for item in other["items"]] == MEMBER_ITEMS and other["ruleset"][
        "code"
    ] == "erqi-2021"


def test_outside_any_cycle_there_is_nothing_to_claim_and_the_notice_says_why(as_user, world, rules_2026):
    body = _claimable(as_user(world.member_a.user), "?date=2025-12-20")
    assert body["ruleset"] is None and body["items"] == []
    assert body["notice"] == messages.NO_RULESET % {"branch": "第一党支部", "date": "2025年12月20日"}


def test_an_exempted_member_is_told_there_is_nothing_to_claim(as_user, world, rules_2026):
    Member.objects.filter(pk=world.member_a.pk).update(status=Member.Status.EXEMPT)
    body = _claimable(as_user(world.member_a.user))
    assert body["items"] == [] and body["notice"] == str(messages.MEMBER_EXEMPT)


def test_a_user_without_a_member_record_may_claim_nothing(as_user, world, rules_2026):
    response = as_user(world.higher).get("/api/v1/rulesets/claimable-items/")
    assert response.status_code == 403
    assert response.json() == {"code": "not_a_member", "message": str(messages.NOT_A_MEMBER), "fields": {}}


def test_a_bad_date_is_400_on_its_field(as_user, world, rules_2026):
    response = as_user(world.member_a.user).get("/api/v1/rulesets/claimable-items/?date=2026-13-01")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["date"]
