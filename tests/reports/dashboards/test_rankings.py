"""排名 from approved scores: the branch's and the organization-wide, competition-ranked (1, 2, 2, 4),
正式党员 and 预备党员 only, 发展对象 in a reference ranking of their own; nothing before 审定."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reports.rankings import branch_ranking, organization_ranking, organization_ranking_status
from scoring.core.periods import PERIOD_CODE_INVALID
from scoring.services import ledger_record
from tests.reports.dashboards.conftest import Q2

D = Decimal


def table(rows):
    return [(row.member.real_name, row.total, row.rank) for row in rows]


def test_the_branch_ranking_of_an_approved_quarter_is_the_frozen_one(first_quarter):
    w = first_quarter.world
    assert table(branch_ranking(w.branch_a, "2026-Q1")) == [
        ("张伟", D(6), 1),
        ("王芳", D(3), 2),
        ("陈静", D(3), 2),
        ("李娜", D(1), 4),
        ("刘洋", D(-1), 5),
        ("黄磊", D(-2), 6),
    ]
    rows = branch_ranking(w.branch_a, "2026-Q1")
    assert {row.branch for row in rows} == {w.branch_a}
    assert rows[0].grade == "合格"  # 6 to date: 合格 from 3, 优秀 from 8


def test_candidates_are_only_in_the_reference_ranking(first_quarter):
    w = first_quarter.world
    names = {row.member.real_name for row in branch_ranking(w.branch_a, "2026-Q1")}
    assert "周敏" not in names
    reference = branch_ranking(w.branch_a, "2026-Q1", reference=True)
    assert table(reference) == [("周敏", D(2), 1)]
    assert reference[0].reference


def test_nothing_is_ranked_before_approval(first_quarter, monkeypatch):
    w = first_quarter.world
    assert branch_ranking(w.branch_a, "2026-Q2") == []
    assert branch_ranking(w.branch_a, "2026-H1") == [], "half a half-year is not a half-year"


def test_a_half_year_adds_the_quarters_and_a_veto_zeroes_it(half_year):
    w = half_year.world
    assert table(branch_ranking(w.branch_a, "2026-H1")) == [
        ("张伟", D(8), 1),
        ("王芳", D(7), 2),
        ("陈静", D(3), 3),
        ("李娜", D(1), 4),
        ("刘洋", D(0), 5),  # −1 in Q1, then 党政纪处分: the veto clears the cycle
        ("黄磊", D(-2), 6),
    ]
    vetoed = next(row for row in branch_ranking(w.branch_a, "2026-H1") if row.member.real_name == "刘洋")
    assert vetoed.veto


def test_the_organization_ranking_ranks_every_branch_below_together(half_year):
    w = half_year.world
    rows = organization_ranking(w.committee, "2026-H1")
    assert table(rows) == [
        ("张伟", D(8), 1),
        ("赵磊", D(8), 1),
        ("王芳", D(7), 3),
        ("陈静", D(3), 4),
        ("孙丽", D(2), 5),
        ("李娜", D(1), 6),
        ("刘洋", D(0), 7),
        ("吴敏", D(0), 7),
        ("黄磊", D(-2), 9),
    ]
    assert {row.member.real_name: row.branch for row in rows}["赵磊"] == w.branch_b
    assert table(organization_ranking(w.committee, "2026-H1", reference=True)) == [("周敏", D(2), 1)]
    assert organization_ranking(w.general_branch, "2026-H1") == rows, "the general branch holds both"


def test_the_organization_ranking_waits_for_every_branch_and_says_which(first_quarter, monkeypatch):
    w = first_quarter.world
    from tests.reports.dashboards.conftest import approve_quarter

    approve_quarter(first_quarter, w.branch_a, w.secretary_a, Q2, monkeypatch)
    status = organization_ranking_status(w.committee, "2026-H1")
    assert not status.complete and status.rows == []
    assert [(s.branch.name, s.reason) for s in status.pending] == [
        ("第二党支部", "2026年度第2季度尚未发起公示")
    ]
    assert organization_ranking(w.committee, "2026-H1") == []


def test_a_branch_in_publicity_is_named_with_its_state(first_quarter, monkeypatch):
    w = first_quarter.world
    from tests.workflows.helpers import freeze
    from workflows.periods import period_start

    freeze(monkeypatch, 2026, 7, 2, 9)
    period_start(branch=w.branch_b, period=Q2, by=w.clerk_b)
    status = organization_ranking_status(w.committee, "2026-H1")
    reasons = {s.branch.name: s.reason for s in status.pending}
    assert reasons == {"第一党支部": "2026年度第2季度尚未发起公示", "第二党支部": "2026年度第2季度公示中"}


def test_a_later_ledger_entry_does_not_move_an_approved_rank(first_quarter):
    w = first_quarter.world
    before = table(branch_ranking(w.branch_a, "2026-Q1"))
    ledger_record(
        member=w.other_member_a,
        item_code="study",
        occurred_on=datetime.date(2026, 3, 30),
        source="record",
        by=None,
    )
    assert table(branch_ranking(w.branch_a, "2026-Q1")) == before


@pytest.mark.parametrize("code", ["2026-Q5", "Q1", "2026-X1"])
def test_a_bad_period_code_is_refused_in_chinese(world, code):
    with pytest.raises(ValidationError) as error:
        branch_ranking(world.branch_a, code)
    assert error.value.messages == [PERIOD_CODE_INVALID.format(code=code)]


def more_branches(walked, count: int, *, approved: bool) -> None:
    """``count`` more branches under the general branch, each with two members; with ``approved``, Q1 and Q2
    approved as in branch A (written directly: the walk through 公示 and 审定 is tested above)."""
    from accounts.models import Organization
    from tests.factories import make_member, make_organization
    from workflows.models import FrozenScore, PeriodApproval, PeriodReview

    w = walked.world
    for n in range(count):
        branch = make_organization(
            code=f"C01-G1-X{n}", name=f"新党支部{n}", kind=Organization.Kind.BRANCH, parent=w.general_branch
        )
        members = [make_member(branch=branch, real_name=f"新党员{n}{i}") for i in range(2)]
        if not approved:
            continue
        for (code, index), template in walked.reviews.items():
            if code != w.branch_a.code:
                continue
            review = PeriodReview.objects.create(
                branch=branch,
                cycle=2026,
                period_kind="quarter",
                period_index=index,
                starts_on=template.starts_on,
                ends_on=template.ends_on,
                status=PeriodReview.Status.ARCHIVED,
            )
            approval = PeriodApproval.objects.create(
                review=review,
                ruleset_version=template.approvals.get().ruleset_version,
                approved_by=w.secretary_a,
            )
            for i, member in enumerate(members):
                FrozenScore.objects.create(
                    approval=approval, member=member, period_total=D(i), cycle_total=D(i), period_rank=2 - i
                )


def queries_of(organization, code: str):
    """The SQL queries of one organization-wide ranking (the rules' meaning is remembered by then)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    organization_ranking_status(organization, code)
    with CaptureQueriesContext(connection) as queries:
        status = organization_ranking_status(organization, code)
    return len(queries), status


def test_the_organization_ranking_query_count_does_not_grow_with_branches(half_year):
    w = half_year.world
    two, status = queries_of(w.committee, "2026-H1")
    assert len(status.branches) == 2 and status.complete
    more_branches(half_year, 4, approved=True)
    six, status = queries_of(w.committee, "2026-H1")
    assert len(status.branches) == 6 and status.complete and len(status.rows) == 9 + 8
    assert six == two


def test_the_reasons_of_waiting_branches_take_no_query_per_branch(first_quarter):
    w = first_quarter.world
    two, status = queries_of(w.committee, "2026-H1")
    assert len(status.pending) == 2
    more_branches(first_quarter, 4, approved=False)
    six, status = queries_of(w.committee, "2026-H1")
    assert [s.reason for s in status.pending] == ["2026年度第2季度尚未发起公示"] * 2 + [
        "2026年度第1季度尚未发起公示"
    ] * 4
    assert six == two
