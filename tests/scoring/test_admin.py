"""The scoring admin: rule sets edited as YAML where the user manages rules; the ledger read-only."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Organization
from audit.models import AuditRecord
from scoring.models import LedgerEntry, RuleSet
from scoring.services import ledger_record, ruleset_create
from tests.factories import UserFactory, make_organization
from tests.scoring.conftest import BRANCH_A_LOCAL, CYCLE, preset_text

CHANGELIST = "admin:scoring_ruleset_changelist"
ADD = "admin:scoring_ruleset_add"


def change_url(ruleset) -> str:
    return reverse("admin:scoring_ruleset_change", args=[ruleset.pk])


def export_url(ruleset) -> str:
    return reverse("admin:scoring_ruleset_export", args=[ruleset.pk])


@pytest.fixture
def other_committee(world) -> Organization:
    return make_organization(code="C02", name="另一党委", kind=Organization.Kind.COMMITTEE)


@pytest.fixture
def foreign_rules(other_committee) -> RuleSet:
    return ruleset_create(organization=other_committee, cycle=CYCLE, text=preset_text("yiyuan"), by=None)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def form_data(ruleset: RuleSet, **changes) -> dict:
    data = {
        "source": ruleset.current_version.source,
        "note": "",
        "make_current": "on" if ruleset.in_force else "",
    }
    return {key: value for key, value in {**data, **changes}.items() if value != ""}


# --- who sees rule sets ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client, unified):
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_branch_clerk_without_manage_rules_sees_no_rule_sets(client, world, unified):
    client.force_login(world.clerk_a)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(reverse(ADD)).status_code == 403
    assert client.get(export_url(unified)).status_code == 404
    assert client.get(change_url(unified)).status_code == 403


def test_the_higher_committee_sees_only_the_rule_sets_of_its_organizations(
    client, world, unified, foreign_rules
):
    client.force_login(world.higher)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [unified]
    assert client.get(change_url(unified)).status_code == 200
    assert client.get(change_url(foreign_rules)).status_code == 302
    assert client.get(export_url(foreign_rules)).status_code == 404


def test_a_superuser_sees_every_rule_set(client, superuser, unified, foreign_rules):
    client.force_login(superuser)
    response = client.get(reverse(CHANGELIST))
    assert set(response.context["cl"].queryset) == {unified, foreign_rules}


# --- editing --------------------------------------------------------------------------------------


def test_adding_a_rule_set_in_the_admin_creates_its_first_version(client, world):
    client.force_login(world.higher)
    response = client.post(
        reverse(ADD),
        {
            "organization": world.committee.pk,
            "cycle": CYCLE,
            "make_current": "on",
            "source": preset_text("erqi-2021"),
            "note": "采用",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    ruleset = RuleSet.objects.get()
    assert (ruleset.code, ruleset.organization, ruleset.in_force) == ("erqi-2021", world.committee, True)
    assert ruleset.current_version.number == 1
    assert ruleset.current_version.created_by == world.higher
    assert AuditRecord.objects.filter(action="ruleset.version", actor=world.higher).exists()


def test_an_uploaded_yaml_file_is_imported(client, world, unified):
    client.force_login(world.higher)
    upload = SimpleUploadedFile("branch-a.yaml", BRANCH_A_LOCAL.encode("utf-8"), "application/x-yaml")
    response = client.post(
        reverse(ADD), {"organization": world.branch_a.pk, "cycle": CYCLE, "upload": upload}
    )
    assert response.status_code == 302
    ruleset = RuleSet.objects.get(organization=world.branch_a)
    assert ruleset.parent == unified
    assert ruleset.current_version.source == BRANCH_A_LOCAL


def test_editing_the_yaml_saves_a_new_version_and_keeps_the_old_one(client, world, unified):
    client.force_login(world.higher)
    text = preset_text("erqi-2021").replace("cap: 40}", "cap: 30}")
    response = client.post(change_url(unified), form_data(unified, source=text, note="特色积分上限改为30"))
    assert response.status_code == 302
    assert [v.number for v in unified.versions.order_by("number")] == [1, 2]
    assert unified.versions.get(number=1).source == preset_text("erqi-2021")
    assert unified.versions.get(number=2).note == "特色积分上限改为30"


def test_saving_without_changes_creates_no_version(client, world, unified):
    client.force_login(world.higher)
    response = client.post(change_url(unified), form_data(unified), follow=True)
    assert unified.versions.count() == 1
    assert "细则内容未变，未生成新版本。" in [str(m) for m in response.context["messages"]]


def test_a_malformed_file_shows_the_chinese_field_errors_on_the_form(client, world, unified):
    client.force_login(world.higher)
    text = preset_text("erqi-2021").replace("points: [1, 2]", "points: [2, 1]")
    response = client.post(change_url(unified), form_data(unified, source=text))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["source"]
    assert errors == ["第 100 行 items[9].points：分值区间下限不能大于上限"]
    assert "第 100 行 items[9].points：分值区间下限不能大于上限" in response.content.decode()
    assert unified.versions.count() == 1


def test_an_organization_outside_the_scope_cannot_be_chosen(client, world, other_committee):
    client.force_login(world.higher)
    response = client.post(
        reverse(ADD), {"organization": other_committee.pk, "cycle": CYCLE, "source": preset_text("erqi-2021")}
    )
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not RuleSet.objects.exists()


def test_the_change_page_edits_yaml_in_monospace_and_lists_the_versions(client, world, unified):
    client.force_login(world.higher)
    content = client.get(change_url(unified)).content.decode()
    assert "monospace" in content
    assert "multipart/form-data" in content  # the upload
    assert "版本历史" in content and "采用二七区办法" in content
    assert f"{export_url(unified)}?version=1" in content


def test_export_downloads_the_version_as_edited_or_merged(client, world, unified, branch_rules):
    client.force_login(world.higher)
    response = client.get(export_url(branch_rules))
    assert response.content.decode() == BRANCH_A_LOCAL
    assert response["Content-Disposition"] == 'attachment; filename="branch-a-2026-2026-v1.yaml"'
    merged = client.get(export_url(branch_rules) + "?effective=1").content.decode()
    assert "extends: erqi-2021" in merged and "snow-clearing" in merged and "branch-meeting" in merged
    assert client.get(export_url(unified) + "?version=1").content.decode() == preset_text("erqi-2021")
    assert client.get(export_url(unified) + "?version=9").status_code == 404


def test_rule_sets_are_never_deleted_in_the_admin(client, superuser, unified):
    client.force_login(superuser)
    response = client.get(reverse("admin:scoring_ruleset_delete", args=[unified.pk]))
    assert response.status_code == 403


# --- the ledger -----------------------------------------------------------------------------------

LEDGER = "admin:scoring_ledgerentry_changelist"


@pytest.fixture
def entries(world, unified):
    def record(member, by):
        return ledger_record(
            member=member,
            item_code="study",
            occurred_on=datetime.date(2026, 2, 1),
            source=LedgerEntry.Source.RECORD,
            by=by,
        )

    return record(world.member_a, world.clerk_a), record(world.outsider, world.clerk_b)


def test_the_ledger_list_shows_the_branches_where_the_user_views_scores(client, world, entries):
    in_a, in_b = entries
    client.force_login(world.clerk_a)
    response = client.get(reverse(LEDGER))
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [in_a]
    assert "学习教育（study）" in response.content.decode()
    client.force_login(world.clerk_b)
    assert list(client.get(reverse(LEDGER)).context["cl"].queryset) == [in_b]
    client.force_login(world.higher)
    assert set(client.get(reverse(LEDGER)).context["cl"].queryset) == {in_a, in_b}


def test_the_ledger_is_read_only_in_the_admin(client, world, entries):
    in_a, in_b = entries
    client.force_login(world.clerk_a)
    assert client.get(reverse("admin:scoring_ledgerentry_add")).status_code == 403
    assert client.get(reverse("admin:scoring_ledgerentry_change", args=[in_a.pk])).status_code == 200
    response = client.post(reverse("admin:scoring_ledgerentry_change", args=[in_a.pk]), {"points": "9"})
    assert response.status_code == 403
    assert client.get(reverse("admin:scoring_ledgerentry_delete", args=[in_a.pk])).status_code == 403
    assert client.get(reverse("admin:scoring_ledgerentry_change", args=[in_b.pk])).status_code == 302
    in_a.refresh_from_db()
    assert in_a.points == 2


def test_a_member_who_is_not_staff_does_not_enter_the_admin(client, world, entries):
    client.force_login(world.member_a.user)
    response = client.get(reverse(LEDGER))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_action_asks_the_committee_and_reverses_nothing(client, world, entries):
    from workflows.models import LedgerCorrection

    in_a, _ = entries
    client.force_login(world.clerk_a)
    selection = {"action": "request_corrections", "_selected_action": [in_a.pk]}
    asked = client.post(reverse(LEDGER), selection)
    assert asked.status_code == 200
    assert "更正理由" in asked.content.decode()
    done = client.post(
        reverse(LEDGER), {**selection, "apply": "1", "reason": "未参加，登记有误", "evidence_note": "签到表"}
    )
    assert done.status_code == 302
    assert not LedgerEntry.objects.filter(reverses=in_a).exists()  # a clerk cannot reverse alone
    correction = LedgerCorrection.objects.get(entry=in_a)
    assert (correction.reason, correction.requested_by, correction.status) == (
        "未参加，登记有误",
        world.clerk_a,
        LedgerCorrection.Status.OPEN,
    )


def test_a_correction_request_needs_a_reason(client, world, entries):
    from workflows.models import LedgerCorrection

    in_a, _ = entries
    client.force_login(world.clerk_a)
    selection = {"action": "request_corrections", "_selected_action": [in_a.pk], "apply": "1", "reason": ""}
    assert client.post(reverse(LEDGER), selection).status_code == 200
    assert not LedgerCorrection.objects.exists()


def test_the_correction_action_is_offered_only_to_who_keeps_or_corrects_the_ledger(client, world, entries):
    client.force_login(world.clerk_a)  # keeps the ledger (record_claims)
    assert "request_corrections" in client.get(reverse(LEDGER)).content.decode()
    client.force_login(world.higher)  # views scores, neither records nor decides appeals
    assert "request_corrections" not in client.get(reverse(LEDGER)).content.decode()


def test_an_entry_of_another_branch_cannot_be_corrected_by_a_crafted_post(client, world, entries):
    from workflows.models import LedgerCorrection

    _, in_b = entries
    client.force_login(world.clerk_a)
    selection = {
        "action": "request_corrections",
        "_selected_action": [in_b.pk],
        "apply": "1",
        "reason": "越权",
    }
    client.post(reverse(LEDGER), selection)
    assert not LedgerCorrection.objects.exists()
    assert not LedgerEntry.objects.filter(reverses=in_b).exists()


def test_an_upload_that_is_not_utf8_text_is_refused_on_the_form(client, world):
    client.force_login(world.higher)
    upload = SimpleUploadedFile("rules.yaml", "code: 细则".encode("gbk"), "application/x-yaml")
    response = client.post(
        reverse(ADD), {"organization": world.committee.pk, "cycle": CYCLE, "upload": upload}
    )
    assert response.context["adminform"].form.errors["upload"] == ["上传的文件不是 UTF-8 编码的文本文件。"]


def test_the_rule_set_page_shows_what_the_regulation_leaves_open(client, world):
    """二七区's 办法 gives no grade thresholds: the preset says so (unsettled) and the admin shows it."""
    ruleset = ruleset_create(
        organization=world.committee, cycle=CYCLE, text=preset_text("erqi-2021"), by=None
    )
    client.force_login(world.higher)
    page = client.get(reverse("admin:scoring_ruleset_change", args=[ruleset.pk])).content.decode()
    assert "待确定事项" in page and "<code>grades</code>" in page
