"""How big each part of the generated province is, and where every row sits — by arithmetic on ids.

Every id is computed, never looked up, so each table is one server-side ``INSERT … SELECT`` over
``generate_series`` (or a ``COPY``) and the tables can be written in any order, two at a time.

Layout (ids):
- organizations: 1 the province (root, 省委) · 2 … C+1 the committees (市/县委) · then the general branches
  (党总支) · then the branches (党支部), the first of which is the *large branch*.
- members (and their users) 1 … M. Members 1 … L are the large branch's; member ``m > L`` belongs to
  branch ``1 + (m - L - 1) % (B - 1)`` (counted from 0), so every round of B - 1 members gives each ordinary
  branch one more. A member's *local* number in the branch is the round: locals 0 … 3 are the branch's
  secretary (书记), clerk (组织委员) and two committee members (支委委员).
- officers of the province, the committees and the general branches are users after the members.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

FULL = {
    "committees": 100,
    "general_branches": 3_300,
    "branches": 330_000,
    "members": 7_000_000,
    "tasks": 10_000_000,
}

# Officers per ordinary branch (locals 0 … 3) and the roles they hold.
OFFICER_ROLES = ("secretary", "clerk", "committee", "committee")

# Kinds of claim processes: (tasks it has, claim status, claim source, the open step or None).
CLAIM_DONE_MEMBER = 1  # 申报 → 登记 → 审核 通过: 6 tasks
CLAIM_DONE_BRANCH = 2  # 支部登记 → 审核 通过: 4 tasks
CLAIM_OPEN_RECORD = 3  # 申报, 待登记: 3 tasks, the last NEW
CLAIM_OPEN_REVIEW = 4  # 申报 → 登记, 待审核: 5 tasks, the last NEW
CLAIM_OPEN_BRANCH = 5  # 支部登记, 待审核: 3 tasks, the last NEW
CLAIM_ASSIGNED = (
    6  # 申报 → 登记, 审核 taken by a committee member (in their 待办): 5 tasks, the last ASSIGNED
)
PERIOD_DONE = 7  # 公示审定 filed (已备案): 7 tasks
PERIOD_FILING = 8  # 公示审定 approved, 待备案 with the higher committee: 5 tasks, the last NEW

TASKS_PER_KIND = {1: 6, 2: 4, 3: 3, 4: 5, 5: 3, 6: 5, 7: 7, 8: 5}
OPEN_KINDS = (CLAIM_OPEN_RECORD, CLAIM_OPEN_REVIEW, CLAIM_OPEN_BRANCH, CLAIM_ASSIGNED, PERIOD_FILING)


@dataclass
class Shape:
    scale: float
    committees: int
    general_branches: int
    branches: int
    members: int
    large_branch_members: int
    periods: int  # approved quarters (1 … periods), each with its 公示审定 process and frozen scores
    entries_per_member: int  # imported ledger entries (台账导入) per member, besides the claims' entries
    target_tasks: int
    open_ratio: float
    filing_share: float  # share of branches whose last approved quarter waits for 备案
    cycle: int
    large_open_review: int = 0  # filled by ``plan``
    regular_claims: int = 0
    open_every: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    # ---------------------------------------------------------------- ids
    @property
    def root_id(self) -> int:
        return 1

    @property
    def first_committee_id(self) -> int:
        return 2

    @property
    def first_general_id(self) -> int:
        return 2 + self.committees

    @property
    def first_branch_id(self) -> int:
        return 2 + self.committees + self.general_branches

    @property
    def organizations(self) -> int:
        return 1 + self.committees + self.general_branches + self.branches

    @property
    def root_officer_uid(self) -> int:
        return self.members + 1

    @property
    def first_committee_officer_uid(self) -> int:
        return self.members + 2

    @property
    def first_general_officer_uid(self) -> int:
        return self.members + 2 + self.committees

    @property
    def users(self) -> int:
        return self.members + 1 + self.committees + self.general_branches

    def general_of(self, branch_index: int) -> int:
        """The general branch (0-based) holding the branch ``branch_index`` (0-based)."""
        return branch_index * self.general_branches // self.branches

    def committee_of(self, general_index: int) -> int:
        return general_index * self.committees // self.general_branches

    def officer_uid(self, branch_index: int, local: int) -> int:
        if branch_index == 0:
            return local + 1
        return self.large_branch_members + branch_index + local * (self.branches - 1)

    @property
    def first_regular_claimant(self) -> int:
        """The first member of an ordinary branch who holds no office (local 4)."""
        return self.large_branch_members + 4 * (self.branches - 1) + 1

    # ---------------------------------------------------------------- dates
    def quarter_bounds(self, quarter: int) -> tuple[datetime.date, datetime.date]:
        start = datetime.date(self.cycle, 3 * quarter - 2, 1)
        end = (
            datetime.date(self.cycle, 12, 31)
            if quarter == 4
            else datetime.date(self.cycle, 3 * quarter + 1, 1) - datetime.timedelta(days=1)
        )
        return start, end

    @property
    def open_quarter(self) -> int:
        return self.periods + 1


def plan(
    scale: float,
    *,
    periods: int = 3,
    entries_per_member: int = 2,
    open_ratio: float = 0.01,
    filing_share: float = 0.05,
    cycle: int,
) -> Shape:
    """Every count at ``scale`` (1 = a province), with the minimum that keeps every kind present."""
    if not 1 <= periods <= 3:
        raise ValueError("--periods must be 1, 2 or 3 (the fourth quarter is the open one)")
    committees = max(2, round(FULL["committees"] * scale))
    general = max(committees, round(FULL["general_branches"] * scale))
    branches = max(general * 2, round(FULL["branches"] * scale), 8)
    large = min(300, max(12, round(FULL["members"] * scale) // 50))
    # Every ordinary branch has its 4 officers and at least 2 members who claim.
    members = max(round(FULL["members"] * scale), large + 6 * (branches - 1))
    shape = Shape(
        scale=scale,
        committees=committees,
        general_branches=general,
        branches=branches,
        members=members,
        large_branch_members=large,
        periods=periods,
        entries_per_member=entries_per_member,
        target_tasks=max(1000, round(FULL["tasks"] * scale)),
        open_ratio=open_ratio,
        filing_share=filing_share,
        cycle=cycle,
    )
    _plan_processes(shape)
    return shape


def _plan_processes(shape: Shape) -> None:
    """How many claims make the task total, and how often one of them is still open."""
    large_claimants = shape.large_branch_members - 4
    shape.large_open_review = large_claimants
    filing_branches = max(1, round(shape.branches * shape.filing_share))
    period_tasks = shape.branches * shape.periods * 7 - filing_branches * 2
    # The large branch: each member who holds no office has one claim waiting for 审核, one waiting for
    # 登记 and one approved; the first 20 also one taken by a committee member (待办).
    large_assigned = min(20, large_claimants)
    large_tasks = large_claimants * (5 + 3 + 6) + large_assigned * 5
    large_open = 2 * large_claimants + large_assigned
    remaining = max(0, shape.target_tasks - period_tasks - large_tasks)
    wanted_open = max(10, round(shape.target_tasks * shape.open_ratio) - large_open - filing_branches)
    # Regular claims: 1 in ``open_every`` open (mean 4.2 tasks), the others done (mean 5 tasks).
    regular = max(wanted_open * 2, round(remaining / 5))
    shape.regular_claims = regular
    shape.open_every = max(1, regular // wanted_open)
    filing_every = max(1, shape.branches // filing_branches)
    filing_branches = sum(1 for b in range(shape.branches) if b % filing_every == 1 % filing_every)
    shape.counts = {
        "filing_branches": filing_branches,
        "filing_every": filing_every,
        "large_assigned": large_assigned,
        # Each open process has exactly one open task.
        "open_tasks": -(-regular // shape.open_every) + large_open + filing_branches,
    }
