"""The fault suite's people: one branch under one committee with its clerk, committee member and a few
members with e-mail addresses, under the committee's 二七区 rules for this year. Smaller and much faster
than ``seed_demo`` (a minute under load), which the suite does not need.

Run inside the stack's own Django process:
``manage.py shell -c "from tests.faults.fixture import seed; seed()"``.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, RoleAssignment
from scoring.core.presets import preset_path
from scoring.services import ruleset_create
from tests.factories import UserFactory, make_member, make_organization, make_role

PASSWORD = "Jifen-test-2026"  # tests.factories.UserFactory's
MEMBERS = 4
OFFICERS = 2  # of each role, sharing the queue
Role = RoleAssignment.Role


@transaction.atomic
def seed() -> None:
    """Write the people and the rules, then print who logs in as what (JSON, read by the suite)."""
    committee = make_organization(code="F", name="故障演练党委", kind=Organization.Kind.COMMITTEE)
    branch = make_organization(
        code="F-01", name="故障演练支部", kind=Organization.Kind.BRANCH, parent=committee
    )
    higher = UserFactory(username="f-higher")
    make_role(higher, committee, Role.HIGHER)
    officers: dict[str, list[str]] = {"clerks": [], "committee": []}
    for n in range(OFFICERS):
        clerk = make_member(branch=branch, real_name=f"组织委员{n}", username=f"f-clerk{n}").user
        reviewer = make_member(branch=branch, real_name=f"支委委员{n}", username=f"f-committee{n}").user
        make_role(clerk, branch, Role.CLERK)
        make_role(reviewer, branch, Role.COMMITTEE)
        officers["clerks"].append(clerk.username)
        officers["committee"].append(reviewer.username)
    members = []
    for n in range(MEMBERS):
        member = make_member(branch=branch, real_name=f"党员{n}", username=f"f-member{n}")
        member.user.email = f"f-member{n}@example.org"
        member.user.save(update_fields=["email"])
        members.append(member.user.username)
    ruleset_create(
        organization=committee,
        cycle=timezone.localdate().year,
        text=preset_path("erqi-2021").read_text(encoding="utf-8"),
        by=higher,
        note="故障演练",
        in_force=True,
    )
    today = timezone.localdate().isoformat()  # claims are dated up to the service's today, in its rules' year
    print(json.dumps({"password": PASSWORD, "members": members, **officers, "today": today}))
