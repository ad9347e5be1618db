"""The year-end's fixtures: the 星级党员 rules (日常行为 80 + 年度评议 20, grades) for 2026 in force for
the committee, and branch A's 2026 in the ledger."""

import datetime

import pytest
from django.urls import get_resolver

from accounts.models import Member
from scoring.core.presets import preset_path
from scoring.services import ruleset_create

from .helpers import record


@pytest.fixture(autouse=True)
def _flow_urls():
    get_resolver().url_patterns  # noqa: B018 — viewflow names its task URLs when the URLconf is built


def rules(world, code: str, cycle: int = 2026):
    return ruleset_create(
        organization=world.committee,
        cycle=cycle,
        text=preset_path(code).read_text(encoding="utf-8"),
        by=world.higher,
        in_force=True,
    )


@pytest.fixture
def xingji(world):
    return rules(world, "xingji-dangyuan")


@pytest.fixture
def probationer(world):
    """孙敏, a 预备党员 of branch A: evaluated, but without a vote."""
    from tests.factories import make_member

    return make_member(
        branch=world.branch_a, real_name="孙敏", username="sunmin", kind=Member.Kind.PROBATIONARY
    )


@pytest.fixture
def year_2026(world, xingji):
    """Branch A's deductions of 2026 under 星级 (base 80): 张伟 −18 (absent ×2, 组织处理 −5, dues late
    −5… see the test docstrings), 王芳 −5."""
    by = world.clerk_a
    record(world.member_a, "absent-without-consent", datetime.date(2026, 2, 3), by)
    record(world.member_a, "absent-without-consent", datetime.date(2026, 5, 3), by)
    record(world.member_a, "organizational-handling", datetime.date(2026, 7, 1), by)
    record(world.member_a, "dues-late", datetime.date(2026, 10, 5), by)
    record(world.other_member_a, "dues-late", datetime.date(2026, 4, 2), by)
    return xingji
