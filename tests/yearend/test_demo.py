"""The demo's year-end (yearend.demo), seeded on a December day: last cycle complete — the paper ledger
imported, four quarters filed, the 民主评议 held, the 等次 graded, approved by the higher committee and
filed — and this year's 民主评议 open for the members to vote on their phones."""

import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.demo import MAIN_BRANCH_CODE, demo_seed
from accounts.models import Member
from scoring.models import LedgerEntry
from workflows.models import Appeal, PeriodReview
from yearend.annual import results_of
from yearend.models import AnnualDecision, AnnualReview, EvaluationSession, GradeProposal

DECEMBER_DAY = datetime.date(2026, 12, 2)


@pytest.fixture(scope="module")
def seeding_day(django_db_setup, django_db_blocker):
    seeded_at = timezone.make_aware(datetime.datetime.combine(DECEMBER_DAY, datetime.time(10, 30)))
    with django_db_blocker.unblock(), transaction.atomic():
        with mock.patch.object(timezone, "now", lambda: seeded_at):
            assert demo_seed() is not None
        yield DECEMBER_DAY
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeding_day, db):
    return seeding_day


def test_last_years_paper_ledger_is_imported_and_its_four_quarters_are_filed(seeded):
    imported = LedgerEntry.objects.filter(source=LedgerEntry.Source.IMPORT, occurred_on__year=2025)
    assert imported.count() > 500 and imported.values("member").distinct().count() == 16
    quarters = PeriodReview.objects.filter(branch__code=MAIN_BRANCH_CODE, cycle=2025)
    assert sorted(quarters.values_list("period_index", "status")) == [(i, "archived") for i in (1, 2, 3, 4)]


def test_last_years_evaluation_was_held_online_and_on_paper(seeded):
    session = EvaluationSession.objects.get(branch__code=MAIN_BRANCH_CODE, cycle=2025)
    assert session.status == "approved" and session.ballots.exists() and session.paper_tallies.exists()
    assert session.results.count() == 16


def test_last_years_grades_were_approved_by_the_higher_committee_and_filed(seeded):
    review = AnnualReview.objects.get(branch__code=MAIN_BRANCH_CODE, cycle=2025)
    assert review.status == AnnualReview.Status.ARCHIVED
    assert list(review.decisions.values_list("kind", flat=True)) == [
        AnnualDecision.Kind.RATIFY,
        AnnualDecision.Kind.ARCHIVE,
    ]
    results = list(results_of(review))
    grades = {r.grade for r in results if r.graded}
    assert {"优秀", "合格", "基本合格"} <= grades
    assert any(r.honours_eligible for r in results)
    departed = GradeProposal.objects.filter(review=review).exclude(reason="").get()
    assert departed.reason.startswith("全年两次无故缺席")
    assert Appeal.objects.get(window__annual_review=review).status == Appeal.Status.DISMISSED


def test_this_years_evaluation_is_open_and_the_member_can_vote_on_the_phone(seeded, client):
    session = EvaluationSession.objects.get(branch__code=MAIN_BRANCH_CODE, cycle=2026)
    assert session.status == "voting" and session.ballots.exists()
    member = Member.objects.get(user__username="member")
    assert not session.ballots.filter(voter=member).exists()
    seeded_at = timezone.make_aware(datetime.datetime.combine(seeded, datetime.time(10, 30)))
    with mock.patch.object(timezone, "now", lambda: seeded_at):
        client.force_login(member.user)
        index = client.get(reverse("me:index")).content.decode()
        page = client.get(reverse("me:evaluation", args=[session.pk])).content.decode()
    assert 'data-note="evaluation-open"' in index and "2025 年度" in index
    assert 'data-form="ballot"' in page


def test_the_dashboards_show_last_years_grade_distribution(seeded, client):
    from accounts.models import Organization

    seeded_at = timezone.make_aware(datetime.datetime.combine(seeded, datetime.time(10, 30)))
    branch = Organization.objects.get(code=MAIN_BRANCH_CODE)
    with mock.patch.object(timezone, "now", lambda: seeded_at):
        client.force_login(Member.objects.get(user__username="secretary").user)
        page = client.get(reverse("reports:dashboards:branch", args=[branch.pk])).content.decode()
        client.force_login(branch.role_assignments.model.objects.get(role="higher").user)
        committee = Organization.objects.get(code="CXL")
        whole = client.get(reverse("reports:dashboards:organization", args=[committee.pk])).content.decode()
    for text in (page, whole):
        section = text.split('data-section="grades"')[1].split("</section>")[0]
        assert "2025 年度总评" in section and "优秀" in section and "合格" in section
