"""Rule sets in the database for the scoring tests: the 二七区 preset as the committee's unified rules."""

import pytest

from scoring.core.presets import preset_path
from scoring.models import RuleSet
from scoring.services import ruleset_create

CYCLE = 2026

BRANCH_A_LOCAL = """\
code: branch-a-2026
name: 第一党支部积分细则
extends: erqi-2021
items:
  - {code: study, cap: 20}
  - code: snow-clearing
    name: 义务扫雪
    category: special
    points: 1
    cap: 5
    source: member
"""


def preset_text(code: str) -> str:
    return preset_path(code).read_text(encoding="utf-8")


@pytest.fixture
def unified(world) -> RuleSet:
    """The committee's unified rule set for 2026 (二七区纪委监委, seed 001), in force."""
    return ruleset_create(
        organization=world.committee,
        cycle=CYCLE,
        text=preset_text("erqi-2021"),
        by=world.higher,
        note="采用二七区办法",
        in_force=True,
    )


@pytest.fixture
def branch_rules(world, unified) -> RuleSet:
    """Branch A's own rule set, extending the unified one, in force."""
    return ruleset_create(
        organization=world.branch_a, cycle=CYCLE, text=BRANCH_A_LOCAL, by=world.higher, in_force=True
    )
