"""Fixtures of the member-facing API tests: March 2026 (claims), April 2026 (公示 of the first quarter)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Member
from scoring.services import ruleset_create
from tests.workflows.helpers import PNG, Q1, approved_claim, committee_b, freeze, perform, publicity_opened
from workflows.appeals import appeal_file
from workflows.claims import claim_return, claim_submit
from workflows.execution import open_task
from workflows.flows import ClaimFlow
from workflows.periods import period_start

MARCH_10 = datetime.date(2026, 3, 10)


def png(name: str = "活动照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def user_of(world, persona: str):
    person = getattr(world, persona)
    return person.user if isinstance(person, Member) else person


@pytest.fixture
def march(monkeypatch):
    """20 March 2026, 10:00: claims are made for March."""
    return freeze(monkeypatch, 2026, 3, 20, 10)


def submitted(member, day=MARCH_10, item="innovative-activity", **extra):
    """A member's claim of ``item`` with a photo, waiting for the clerk (申报)."""
    return claim_submit(
        member=member, item_code=item, occurred_on=day, evidence=[png()], by=member.user, **extra
    )


def returned(claim, clerk, reason="请补充活动签到表"):
    """The clerk returns the claim for more evidence (退回补充), through its task."""
    perform(
        open_task(claim.process, ClaimFlow.record),
        clerk,
        lambda **kw: claim_return(claim=claim, reason=reason, **kw),
    )
    claim.refresh_from_db()
    return claim


@pytest.fixture
def claims_of_both_branches(world, rules_2026, march):
    """One claim of member_a, one of other_member_a (branch A) and one of the outsider (branch B)."""
    return {
        "member_a": submitted(world.member_a),
        "other_member_a": submitted(world.other_member_a, item="community-service"),
        "outsider": submitted(world.outsider),
    }


@pytest.fixture
def publicity_a(world, rules_2026, monkeypatch):
    """Branch A's first quarter in 公示 (2–7 April 2026): member_a's and other_member_a's approved claims."""
    freeze(monkeypatch, 2026, 3, 20, 10)
    mine = approved_claim(world)
    theirs = approved_claim(world, world.other_member_a, item="community-service")
    review = publicity_opened(world, monkeypatch)
    return review, mine.ledger_entry, theirs.ledger_entry


@pytest.fixture
def publicity_both(world, rules_2026, monkeypatch):
    """Both branches' first quarter in 公示, each with one approved claim."""
    from tests.workflows.helpers import committee_b

    freeze(monkeypatch, 2026, 3, 20, 10)
    a = approved_claim(world)
    b = approved_claim(world, world.outsider, clerk=world.clerk_b, reviewer=committee_b(world))
    review_a = publicity_opened(world, monkeypatch)
    review_b = publicity_opened(world, monkeypatch, branch=world.branch_b, clerk=world.clerk_b)
    return {"a": (review_a, a.ledger_entry), "b": (review_b, b.ledger_entry)}


def branch_rules(code: str) -> str:
    return (
        f"code: {code}\nname: {code} 细则\nextends: erqi-2021\nitems:\n"
        f"  - {{code: {code}-volunteer, name: 志愿服务, category: special, points: 1, source: member}}\n"
    )


@pytest.fixture
def scene(world, rules_2026, monkeypatch):
    """Each branch: its own rule set, a 公示 of the first quarter with an approved entry, an appeal against
    it, and a claim of April returned to its member — one of each for branch A and for branch B."""
    reviewer_b = committee_b(world)
    rulesets = {
        "a": ruleset_create(
            organization=world.branch_a, cycle=2026, text=branch_rules("a"), by=None, in_force=True
        ),
        "b": ruleset_create(
            organization=world.branch_b, cycle=2026, text=branch_rules("b"), by=None, in_force=True
        ),
    }
    freeze(monkeypatch, 2026, 3, 20, 10)
    entries = {
        "a": approved_claim(world).ledger_entry,
        "b": approved_claim(world, world.outsider, clerk=world.clerk_b, reviewer=reviewer_b).ledger_entry,
    }
    freeze(monkeypatch, 2026, 4, 2, 9)
    reviews = {
        "a": period_start(branch=world.branch_a, period=Q1, by=world.clerk_a),
        "b": period_start(branch=world.branch_b, period=Q1, by=world.clerk_b),
    }
    freeze(monkeypatch, 2026, 4, 3, 10)
    april = datetime.date(2026, 4, 3)
    claims = {
        "a": returned(submitted(world.member_a, april), world.clerk_a),
        "b": returned(submitted(world.outsider, april), world.clerk_b),
    }
    appellants = {"a": world.member_a, "b": world.outsider}
    appeals = {
        side: appeal_file(appellant=who, entry=entries[side], reason="有异议", by=who.user)
        for side, who in appellants.items()
    }
    return {
        "ruleset": rulesets,
        "entry": entries,
        "publicity": reviews,
        "claim": claims,
        "appeal": appeals,
        "evidence": {side: claim.evidence.get() for side, claim in claims.items()},
    }
