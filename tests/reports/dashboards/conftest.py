"""A walked first half of 2026 for branches A and B of the personas' committee, with known figures.

The general branch adopts the 二七区 rules with grades of its own (合格 from 3 points) and an added
民主评议, so cycle totals are plain sums (a rule set of its own: a local file extending the committee's may
not change the evaluation or the grades). Entries are recorded in the ledger, one claim goes through
申报 → 登记 → 审核, and each quarter through 公示 → 审定 by the services, as the workflow tests do.

Q1 (approved in A and B)                      Q2 (approved in A and B when ``half_year`` is used)
  A 张伟   study ×2 + innovative claim   6       +2 study                → H1 8
  A 王芳   study + branch-meeting        3       +4 study ×2             → H1 7
  A 陈静   study + branch-meeting        3                               → H1 3
  A 李娜   branch-meeting                1                               → H1 1
  A 刘洋   absent without leave         −1       disciplinary sanction   → H1 0 (veto)
  A 黄磊   预备党员, absent ×2          −2                               → H1 −2
  A 周敏   发展对象, study               2  (reference ranking only)
  B 赵磊   study ×4                      8                               → H1 8
  B 孙丽   study                         2                               → H1 2
  B 吴敏   secretary of B                0                               → H1 0
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from accounts.models import Member
from scoring.core.periods import Period, PeriodKind
from scoring.core.presets import load_preset
from scoring.core.ruleset_file import dump_ruleset, ruleset_from_dict, ruleset_to_dict
from scoring.services import ledger_record, ruleset_create
from tests.factories import make_member
from tests.workflows.helpers import approved_claim, freeze, open_task, perform, publicity_closed, secretary_b
from workflows.flows import PeriodReviewFlow
from workflows.models import PeriodReview
from workflows.periods import filing_archive, period_approve, period_start

D = Decimal
Q1 = Period(2026, PeriodKind.QUARTER, 1)
Q2 = Period(2026, PeriodKind.QUARTER, 2)


def erqi_rules_text(**changes) -> str:
    """The 二七区 preset as a rule-set file with top-level fields replaced (None leaves one out)."""
    data = {**ruleset_to_dict(load_preset("erqi-2021")), **changes}
    return dump_ruleset(ruleset_from_dict({key: value for key, value in data.items() if value is not None}))


GENERAL_RULES = erqi_rules_text(
    code="zongzhi-2026",
    name="第一党总支积分细则",
    evaluation={"mode": "added", "levels": {"优秀": 10, "合格": 5}},
    grades=[{"name": "优秀", "min": 8}, {"name": "合格", "min": 3}, {"name": "不合格", "min": None}],
    unsettled=None,
)


@dataclass
class Walked:
    world: object
    probationary: Member  # 黄磊
    candidate: Member  # 周敏
    secretary_b: object
    reviews: dict  # (branch code, quarter index) → PeriodReview


def record(member, item: str, *days: tuple[int, int]) -> None:
    for month, day in days:
        ledger_record(
            member=member,
            item_code=item,
            occurred_on=datetime.date(2026, month, day),
            source="record",
            by=None,
        )


def approve_quarter(walked: Walked, branch, secretary, period: Period, monkeypatch, *, archive=True):
    """公示 the day after the quarter, the window closes, the secretary approves, the committee files it."""
    last = period.bounds(1)[1]
    opens = last + datetime.timedelta(days=2)
    freeze(monkeypatch, opens.year, opens.month, opens.day, 9)
    review = period_start(
        branch=branch,
        period=period,
        by=walked.world.clerk_a if branch == walked.world.branch_a else walked.world.clerk_b,
    )
    closes = opens + datetime.timedelta(days=6)
    publicity_closed(monkeypatch, closes.year, closes.month, closes.day, 9)
    perform(
        open_task(review.process, PeriodReviewFlow.approve),
        secretary,
        lambda **kw: period_approve(review=review, **kw),
    )
    if archive:
        perform(
            open_task(review.process, PeriodReviewFlow.file),
            walked.world.higher,
            lambda **kw: filing_archive(review=review, **kw),
        )
    review.refresh_from_db()
    walked.reviews[(branch.code, period.index)] = review
    return review


@pytest.fixture
def general_rules(world, rules_2026):
    return ruleset_create(
        organization=world.general_branch, cycle=2026, text=GENERAL_RULES, by=world.higher, in_force=True
    )


@pytest.fixture
def rules_without_grades(world):
    """The committee's 二七区 rules for 2026 without its (placeholder) grades."""
    return ruleset_create(
        organization=world.committee,
        cycle=2026,
        text=erqi_rules_text(grades=None, unsettled=None),
        by=world.higher,
        in_force=True,
    )


@pytest.fixture
def first_quarter(world, general_rules, monkeypatch) -> Walked:
    w = world
    walked = Walked(
        world=w,
        probationary=make_member(branch=w.branch_a, real_name="黄磊", kind=Member.Kind.PROBATIONARY),
        candidate=make_member(branch=w.branch_a, real_name="周敏", kind=Member.Kind.CANDIDATE),
        secretary_b=secretary_b(w),
        reviews={},
    )
    freeze(monkeypatch, 2026, 3, 25, 10)
    liuyang, chenjing, lina = w.committee_a.member, w.secretary_a.member, w.clerk_a.member
    record(w.member_a, "study", (1, 10), (2, 10))
    approved_claim(w, w.member_a, datetime.date(2026, 3, 10))  # innovative-activity, 2 points
    record(w.other_member_a, "study", (1, 10))
    record(chenjing, "study", (1, 10))
    for member in (w.other_member_a, chenjing, lina):
        record(member, "branch-meeting", (3, 5))
    record(liuyang, "absent-without-leave", (3, 5))
    record(walked.probationary, "absent-without-leave", (1, 5), (2, 5))
    record(walked.candidate, "study", (1, 10))
    record(w.outsider, "study", (1, 10), (1, 20), (2, 10), (3, 10))
    record(w.clerk_b.member, "study", (1, 10))
    approve_quarter(walked, w.branch_a, w.secretary_a, Q1, monkeypatch)
    approve_quarter(walked, w.branch_b, walked.secretary_b, Q1, monkeypatch)
    return walked


@pytest.fixture
def half_year(first_quarter, monkeypatch) -> Walked:
    walked, w = first_quarter, first_quarter.world
    freeze(monkeypatch, 2026, 6, 25, 10)
    record(w.member_a, "study", (4, 10))
    record(w.other_member_a, "study", (4, 10), (5, 10))
    ledger_record(
        member=w.committee_a.member,
        item_code="disciplinary-sanction",
        occurred_on=datetime.date(2026, 5, 20),
        source="record",
        by=None,
    )
    approve_quarter(walked, w.branch_a, w.secretary_a, Q2, monkeypatch)
    approve_quarter(walked, w.branch_b, walked.secretary_b, Q2, monkeypatch)
    return walked


def review_of(branch, index: int) -> PeriodReview:
    return PeriodReview.objects.get(branch=branch, cycle=2026, period_kind="quarter", period_index=index)
