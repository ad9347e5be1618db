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
