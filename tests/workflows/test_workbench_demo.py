"""工作台 of every demo login (README "Demo logins"): each lands on a page whose counts are exactly what
their queue and inbox hold, step by step — the committee member's 待审核 leaves out their own claim, the
member's 补充材料 is their returned claim, the secretary (also a member) sees both sections."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.demo import MAIN_BRANCH_CODE, demo_seed
from workflows.flows import ClaimFlow
from workflows.models import Claim
from workflows.selectors import inbox_of, queue_for
from workflows.workbench import FLOWS

SEEDED_ON = datetime.date(2026, 2, 11)
LOGINS = ("member", "clerk", "committee", "secretary", "clerk2", "secretary2", "higher", "admin")
MEMBERS = {"member", "clerk", "committee", "secretary", "clerk2", "secretary2"}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo seeded once for the module, on a winter day; rolled back after."""
    seeded_at = timezone.make_aware(datetime.datetime.combine(SEEDED_ON, datetime.time(10, 30)))
    with django_db_blocker.unblock(), transaction.atomic():
        with mock.patch.object(timezone, "now", lambda: seeded_at):
            assert demo_seed() is not None
        yield
        transaction.set_rollback(True)


def expected(user) -> dict:
    """Per step: what the queue and the inbox hold for the user — the lists the workbench links to."""
    counts: dict = {}
    for tasks in (queue_for(user, FLOWS), inbox_of(user, FLOWS)):
        for node in tasks.values_list("flow_task", flat=True):
            counts[node] = counts.get(node, 0) + 1
    return counts


@pytest.mark.parametrize("username", LOGINS)
def test_each_demo_login_sees_what_its_queue_and_inbox_hold(client, demo, db, username):
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    response = client.get(reverse("accounts:home:index"))
    assert response.status_code == 200
    assert {step.node: step.count for step in response.context["steps"]} == expected(user)
    html = response.content.decode()
    assert ('data-section="standing"' in html) == (username in MEMBERS)
    if username != "member":
        assert 'data-section="steps"' in html


def test_the_demo_committee_member_counts_the_claims_to_review_but_not_their_own(client, demo, db):
    committee = get_user_model().objects.get(username="committee")
    recorded = Claim.objects.filter(branch__code=MAIN_BRANCH_CODE, status=Claim.Status.RECORDED)
    client.force_login(committee)
    steps = {step.node: step for step in client.get(reverse("accounts:home:index")).context["steps"]}
    assert 0 < steps[ClaimFlow.review].count == recorded.exclude(member__user=committee).count()
