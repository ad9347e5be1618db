"""001: a 预备党员 last once in the organization-wide ranking is not admitted on time — shown at 审定
from the organization-wide half-year rankings of ``reports.rankings``, and only complete ones count."""

import datetime

from scoring.core.ranking import last_placed
from tests.reports.dashboards.conftest import Q2, approve_quarter
from workflows.consequences import period_attention
from workflows.models import PeriodReview
from workflows.periods import cycle_rules, period_scores


def third_quarter(world) -> PeriodReview:
    return PeriodReview.objects.create(
        branch=world.branch_a,
        cycle=2026,
        period_kind="quarter",
        period_index=3,
        starts_on=datetime.date(2026, 7, 1),
        ends_on=datetime.date(2026, 9, 30),
    )


def attention_of(review):
    return {
        (a.name, a.what): a.why
        for a in period_attention(review, cycle_rules(review.branch, 2026), period_scores(review))
    }


def test_last_place_in_the_half_year_organization_ranking_is_shown_for_a_probationary_member(half_year):
    # 黄磊 (预备党员) is last of the committee's H1 ranking with −2; last in the branch in Q1 and Q2 too.
    attention = attention_of(third_quarter(half_year.world))
    assert attention[("黄磊", "不能按期转正")] == "支部内季度排名2次最后一名;全委排名1次最后一名"
    assert not any(name == "张伟" for name, _ in attention)


def test_an_incomplete_organization_ranking_counts_for_nothing(first_quarter, monkeypatch):
    w = first_quarter.world
    approve_quarter(first_quarter, w.branch_a, w.secretary_a, Q2, monkeypatch)  # branch B has not
    # Branch A alone would put 黄磊 last of H1 (−2); without branch B there is no organization ranking, and
    # Q2 (nobody scored) gave no last place in the branch: nothing to show.
    attention = attention_of(third_quarter(w))
    assert ("黄磊", "不能按期转正") not in attention


def test_the_year_end_reads_the_stored_organization_ranking_of_its_branch_only(half_year, monkeypatch):
    import reports.rankings as rankings
    from reports.models import StoredRanking

    w = half_year.world
    end = datetime.date(2026, 12, 31)
    first = rankings.organization_period_ranks(w.branch_a, end, 2026)
    stored = StoredRanking.objects.get()  # the general branch's own rules are the unified ones here
    assert (stored.organization, stored.cycle, stored.period_index) == (w.general_branch, 2026, 1)
    assert stored.complete and stored.rows.count() == 10  # 9 ranked and 周敏 for reference
    ranking = rankings.organization_ranking(w.general_branch, "2026-H1")
    whole = {str(row.member.pk): row.rank for row in ranking}
    members_a = {str(pk) for pk in w.branch_a.members.values_list("pk", flat=True)}
    # Branch A's members, and someone first and someone last: the last place reads the same.
    ends = {str(stored.first_member_id), str(stored.last_member_id)}
    assert first == [{pk: rank for pk, rank in whole.items() if pk in members_a | ends}]
    assert (
        last_placed(first[0]) & members_a
        == last_placed(whole) & members_a
        == {str(half_year.probationary.pk)}
    )

    def ranks_everyone(*args, **kwargs):
        raise AssertionError("the stored ranking is read, not computed again")

    monkeypatch.setattr(rankings, "organization_ranking_status", ranks_everyone)
    assert rankings.organization_period_ranks(w.branch_a, end, 2026) == first


def test_a_stored_ranking_is_never_read_once_a_branch_reopens_its_period(half_year):
    from reports.rankings import organization_period_ranks
    from tests.reports.dashboards.conftest import review_of

    w = half_year.world
    end = datetime.date(2026, 12, 31)
    assert len(organization_period_ranks(w.branch_a, end, 2026)) == 1
    PeriodReview.objects.filter(pk=review_of(w.branch_b, 2).pk).update(status=PeriodReview.Status.RETURNED)
    assert organization_period_ranks(w.branch_a, end, 2026) == [], "B's H1 is no longer approved"


def test_the_approval_completing_the_period_stores_the_ranking(first_quarter, monkeypatch):
    from reports.models import StoredRanking

    w = first_quarter.world
    approve_quarter(first_quarter, w.branch_a, w.secretary_a, Q2, monkeypatch)
    review = approve_quarter(first_quarter, w.branch_b, first_quarter.secretary_b, Q2, monkeypatch)
    assert not StoredRanking.objects.exists()  # the tests' transaction never commits: run its task
    from reports.tasks import ranking_store_due

    ranking_store_due(review.pk)
    assert StoredRanking.objects.get().complete
