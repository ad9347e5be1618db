"""001: a 预备党员 last once in the organization-wide ranking is not admitted on time — shown at 审定
from the organization-wide half-year rankings of ``reports.rankings``, and only complete ones count."""

import datetime

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
