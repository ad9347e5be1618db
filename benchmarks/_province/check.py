"""``province.py --check``: the generated data asked through the app's own selectors, as a page would.

Raises ``AssertionError`` saying what is wrong; the counts follow from the shape exactly.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from benchmarks._province.shape import Shape


def check(shape: Shape, personas: dict) -> dict[str, int]:
    from accounts.access import may, organizations_where
    from accounts.models import Member, Organization, RoleAssignment
    from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
    from workflows.models import FrozenScore, PeriodApproval
    from workflows.selectors import inbox_of, queue_for, rules_on

    # The flows whose tasks the generator writes (and the appeals', none): the queue pages list more flows,
    # whose tasks would only add to the counts.
    FLOWS = (ClaimFlow, PeriodReviewFlow, AppealFlow)

    User = get_user_model()
    found: dict[str, int] = {}

    kinds = dict(Organization.objects.order_by().values_list("kind").annotate(n=Count("pk")))
    assert kinds == {
        "committee": 1 + shape.committees,
        "general_branch": shape.general_branches,
        "branch": shape.branches,
    }, kinds
    assert Member.objects.count() == shape.members
    assert User.objects.count() == shape.users

    # Every branch has its secretary, clerk and two committee members.
    roles = (
        RoleAssignment.objects.filter(organization__kind="branch")
        .order_by()
        .values("role")
        .annotate(n=Count("pk"))
    )
    assert {r["role"]: r["n"] for r in roles} == {
        "secretary": shape.branches,
        "clerk": shape.branches,
        "committee": 2 * shape.branches,
    }, roles
    per_branch = (
        RoleAssignment.objects.filter(organization__kind="branch")
        .order_by()
        .values("organization")
        .annotate(n=Count("pk"))
        .filter(n=4)
        .count()
    )
    assert per_branch == shape.branches, f"{shape.branches - per_branch} branches lack an officer"
    assert PeriodApproval.objects.count() == shape.branches * shape.periods
    assert FrozenScore.objects.count() == shape.members * shape.periods

    tasks = Task.objects.count()
    open_tasks = Task.objects.filter(status__in=(STATUS.NEW, STATUS.ASSIGNED)).count()
    found.update(tasks=tasks, open_tasks=open_tasks)
    assert 0.8 * shape.target_tasks <= tasks <= 1.25 * shape.target_tasks, (tasks, shape.target_tasks)
    assert open_tasks == shape.counts["open_tasks"], (open_tasks, shape.counts["open_tasks"])

    def user(key: str):
        return User.objects.get(username=personas[key]["username"])

    large = Organization.objects.get(pk=shape.first_branch_id)
    committee_member = user("large_branch_committee_member")
    queue = queue_for(committee_member, FLOWS)
    found["large_branch_committee_member_queue"] = queue.count()
    assert found["large_branch_committee_member_queue"] >= shape.large_open_review, found
    assert all(t.process.coerced.organization_id == large.pk for t in queue.order_by("created")[:5])
    found["large_branch_committee_member_inbox"] = inbox_of(committee_member, FLOWS).count()
    assert found["large_branch_committee_member_inbox"] == shape.counts["large_assigned"], found

    clerk = user("large_branch_clerk")
    found["large_branch_clerk_queue"] = queue_for(clerk, FLOWS).count()
    assert found["large_branch_clerk_queue"] >= shape.large_branch_members - 4, found

    province = user("province_officer")
    assert organizations_where(province, "view_members").count() == shape.organizations
    assert may(province, "review_filings", large)
    found["province_officer_queue"] = queue_for(province, FLOWS).count()
    assert found["province_officer_queue"] == shape.counts["filing_branches"], found

    member = user("branch_member")
    assert not organizations_where(member, "review_claims").exists()
    assert queue_for(member, FLOWS).count() == 0
    typical = Organization.objects.get(pk=personas["branch_committee_member"]["organization_id"])
    _version, rules = rules_on(typical, typical.period_reviews.order_by("starts_on").first().starts_on)
    assert rules.items, "the branch inherits no rule items"
    return found
