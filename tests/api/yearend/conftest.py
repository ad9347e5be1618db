"""The year-end over the API: 星级党员 rules for 2026 (日常行为 80 + 年度评议 20: 优秀 20, 合格 15,
基本合格 10, 不合格 0; ≥ 90 优秀, 70–89 合格, 60–69 基本合格, < 60 不合格) in force for both branches, and a
scene that takes both branches' year-end as far as a test needs.

The scene's clock: the 民主评议 opens on 8 January 2027 with voting on the 10th, 9:00–12:00; the
committee proposes at 12:30 (公示 until the 15th, 12:30); the 年度总评's 等次 are posted on the 16th at 9:00
(until the 21st); 审定 on the 21st at 10:00. Branch A's steps are done by 李娜 (clerk), 刘洋 (committee) and
陈静 (secretary), branch B's by 孙丽 (clerk), 周强 (committee) and 吴敏 (secretary).
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from accounts.models import Member
from scoring.core.presets import preset_path
from scoring.services import ruleset_create
from tests.workflows.helpers import committee_b, freeze, open_task, perform, secretary_b
from tests.yearend.helpers import at, fire, record
from yearend.annual import GradeInput, annual_grades_set, annual_review_approve
from yearend.evaluation import ProposalInput, evaluation_open, evaluation_propose, evaluation_tally_close
from yearend.flows import AnnualReviewFlow, EvaluationFlow
from yearend.models import AnnualReview, EvaluationSession
from yearend.standings import branch_year

CYCLE = 2026
PERSONAS = [
    "anonymous",
    "member_a",
    "other_member_a",
    "clerk_a",
    "committee_a",
    "secretary_a",
    "clerk_b",
    "outsider",
    "higher",
]
STAGES = ("voting", "tallied", "posted", "reviewing", "graded", "approved")


@pytest.fixture(autouse=True)
def _flow_urls():
    get_resolver().url_patterns  # noqa: B018 — viewflow names its task URLs when the URLconf is built


def user_of(world, persona):
    person = getattr(world, persona)
    return person.user if isinstance(person, Member) else person


@pytest.fixture
def client_of(world, as_user):
    """``client_of(persona)``: an API client with a fresh token for the persona (none for anonymous)."""

    def _client(persona):
        return APIClient() if persona == "anonymous" else as_user(user_of(world, persona))

    return _client


@pytest.fixture
def xingji(world):
    return ruleset_create(
        organization=world.committee,
        cycle=CYCLE,
        text=preset_path("xingji-dangyuan").read_text(encoding="utf-8"),
        by=world.higher,
        in_force=True,
    )


@pytest.fixture
def deductions(world, xingji):
    """Branch A's deductions of 2026 (as tests/yearend): 张伟 −12 (absent ×2, 组织处理, dues late) → 68,
    王芳 −5 (dues late) → 75; everyone else keeps the base 80."""
    by = world.clerk_a
    record(world.member_a, "absent-without-consent", datetime.date(2026, 2, 3), by)
    record(world.member_a, "absent-without-consent", datetime.date(2026, 5, 3), by)
    record(world.member_a, "organizational-handling", datetime.date(2026, 7, 1), by)
    record(world.member_a, "dues-late", datetime.date(2026, 10, 5), by)
    record(world.other_member_a, "dues-late", datetime.date(2026, 4, 2), by)
    return xingji


class Scene:
    """Both branches' year-end, taken by the services to a ``stage`` (one of ``STAGES``)."""

    def __init__(self, world, monkeypatch, stage: str):
        self.world, self.monkeypatch = world, monkeypatch
        self.committee_b, self.secretary_b = committee_b(world), secretary_b(world)
        self.clerks = {"a": world.clerk_a, "b": world.clerk_b}
        self.committees = {"a": world.committee_a, "b": self.committee_b}
        self.secretaries = {"a": world.secretary_a, "b": self.secretary_b}
        self.branches = {"a": world.branch_a, "b": world.branch_b}
        self.sessions: dict[str, EvaluationSession] = {}
        self.reviews: dict[str, AnnualReview] = {}
        steps = STAGES[: STAGES.index(stage) + 1]
        for step in steps:
            getattr(self, f"_{step}")()
        self.stage = stage

    # --- 民主评议

    def _voting(self):
        freeze(self.monkeypatch, 2027, 1, 8, 9)
        for side, branch in self.branches.items():
            self.sessions[side] = evaluation_open(
                branch=branch,
                cycle=CYCLE,
                meeting_on=datetime.date(2027, 1, 10),
                voting_opens_at=at(2027, 1, 10, 9),
                voting_closes_at=at(2027, 1, 10, 12),
                mode=EvaluationSession.Mode.MIXED,
                by=self.clerks[side],
            )
        freeze(self.monkeypatch, 2027, 1, 10, 10)

    def _tallied(self):
        for side, session in self.sessions.items():
            perform(
                open_task(session.process, EvaluationFlow.tally),
                self.clerks[side],
                lambda session=session, **kw: evaluation_tally_close(
                    session=session, close_voting_now=True, **kw
                ),
            )

    def _posted(self):
        freeze(self.monkeypatch, 2027, 1, 10, 12, 30)
        for side, session in self.sessions.items():
            proposals = {
                p.member_id: ProposalInput(level="合格") for p in session.participants.filter(evaluated=True)
            }
            perform(
                open_task(session.process, EvaluationFlow.propose),
                self.committees[side],
                lambda session=session, proposals=proposals, **kw: evaluation_propose(
                    session=session, proposals=proposals, **kw
                ),
            )
            session.refresh_from_db()

    # --- 年度总评

    def _reviewing(self):
        """The 年度总评 starts without waiting for the periods (they are not what these tests are about):
        the review is created and its flow started as ``annual_review_start`` does after its checks."""
        freeze(self.monkeypatch, 2027, 1, 16, 9)
        for side, branch in self.branches.items():
            review = AnnualReview.objects.create(branch=branch, cycle=CYCLE, started_by=self.clerks[side])
            AnnualReviewFlow.start.run(review=review)
            self.reviews[side] = review

    def grades(self, side: str, **given) -> dict[int, GradeInput]:
        """Every member the branch grades at the suggestion, but ``given`` (name → (grade, reason))."""
        review = self.reviews[side]
        chosen = {}
        for standing in branch_year(review.branch, review.cycle).standings:
            if standing.graded:
                member = Member.objects.get(pk=int(standing.member))
                grade, reason = given.get(member.real_name, (standing.suggested_grade, ""))
                chosen[member.pk] = GradeInput(grade=grade, reason=reason)
        return chosen

    def _graded(self):
        """Each branch grades one member 不合格 (张伟 in A, 赵磊 in B): a follow-up candidate."""
        lowest = {"a": "张伟", "b": "赵磊"}
        for side, review in self.reviews.items():
            chosen = self.grades(side, **{lowest[side]: ("不合格", "全年多次无故缺席")})
            perform(
                open_task(review.process, AnnualReviewFlow.grade),
                self.committees[side],
                lambda review=review, chosen=chosen, **kw: annual_grades_set(
                    review=review, grades=chosen, **kw
                ),
            )
            review.refresh_from_db()

    def _approved(self):
        fire(self.monkeypatch, 2027, 1, 21, 10)
        for side, review in self.reviews.items():
            perform(
                open_task(review.process, AnnualReviewFlow.approve),
                self.secretaries[side],
                lambda review=review, **kw: annual_review_approve(review=review, **kw),
            )
            review.refresh_from_db()


@pytest.fixture
def scene(world, xingji, monkeypatch):
    """``scene(stage)``: both branches' year-end taken to ``stage``."""
    return lambda stage: Scene(world, monkeypatch, stage)
