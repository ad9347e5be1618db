"""审定周期设置 in the admin: the higher committee sets it for its part of the tree; clerks cannot."""

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditRecord
from workflows.escalation import review_settings_for
from workflows.messages import PUBLICITY_DAYS_TOO_FEW
from workflows.models import ReviewSettings

URL = "/admin/workflows/reviewsettings/"


def test_the_higher_committee_sets_monthly_review_for_its_committee_and_branches_inherit_it(client, world):
    client.force_login(world.higher)
    response = client.post(
        URL + "add/",
        {
            "organization": world.committee.pk,
            "tally_kind": "month",
            "period_kind": "month",
            "ranking_kind": "half",
            "annual_review": "on",
            "publicity_days": 7,
            "escalation_days": 3,
            "auto_start": "on",
            "committee_quorum_percent": 50,
            "single_reviewer": "on",
        },
    )
    assert response.status_code == 302
    assert review_settings_for(world.branch_a).period_kind == "month"
    assert review_settings_for(world.branch_b).publicity_days == 7
    assert AuditRecord.objects.filter(action="review_settings.create").exists()


def test_the_rhythm_of_the_year_is_set_once_above_and_runs_several_cadences_at_once(client, world):
    """二七区: monthly 统计, quarterly 公示/审定/备案, the organization-wide ranking every half-year, and the
    annual 总评 — one setting on the committee, inherited by every branch below."""
    client.force_login(world.higher)
    client.post(
        URL + "add/",
        {
            "organization": world.committee.pk,
            "tally_kind": "month",
            "period_kind": "quarter",
            "ranking_kind": "half",
            "annual_review": "on",
            "publicity_days": 5,
            "escalation_days": 7,
            "auto_start": "on",
            "committee_quorum_percent": 50,
            "single_reviewer": "on",
        },
    )
    settings = review_settings_for(world.branch_b)
    assert (settings.tally_kind, settings.period_kind, settings.ranking_kind, settings.annual_review) == (
        "month",
        "quarter",
        "half",
        True,
    )


@pytest.mark.parametrize("persona", ["clerk_a", "secretary_a", "committee_a"])
def test_branch_officers_cannot_change_the_review_settings(client, world, persona):
    ReviewSettings.objects.create(organization=world.branch_a)
    client.force_login(getattr(world, persona))
    assert client.get(URL).status_code in (302, 403)
    assert client.post(
        URL + "add/", {"organization": world.branch_a.pk, "period_kind": "month"}
    ).status_code in (
        302,
        403,
    )
    assert ReviewSettings.objects.get(organization=world.branch_a).period_kind == "quarter"


def test_a_publicity_window_of_zero_days_is_refused_in_the_admin_with_the_reason(client, world):
    """A 0-day 公示 would close as it opens: nobody could appeal, yet the period would count as publicised."""
    client.force_login(world.higher)
    response = client.post(
        URL + "add/",
        {
            "organization": world.committee.pk,
            "tally_kind": "month",
            "period_kind": "quarter",
            "ranking_kind": "half",
            "publicity_days": 0,
            "escalation_days": 7,
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["publicity_days"] == [str(PUBLICITY_DAYS_TOO_FEW)]
    assert not ReviewSettings.objects.exists()


def test_the_database_refuses_a_publicity_window_of_zero_days(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewSettings.objects.create(organization=world.branch_a, publicity_days=0)
