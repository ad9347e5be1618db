"""Personas shared by every test: two branches under one committee, a person for every role,
and an outsider in the other branch who must see nothing of branch A."""

import os
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.models import Member, Organization, RoleAssignment
from tests.factories import UserFactory, make_member, make_organization, make_role

Role = RoleAssignment.Role

# Property tests state what must hold, not how fast: no per-example deadline (a loaded 2-core CI machine
# would fail them at random). In CI the examples are derandomized, so a run is reproducible.
hypothesis_settings.register_profile(
    "jifen",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
hypothesis_settings.load_profile("jifen")


_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_past_append_only_triggers(self, sql_list):
    """Transactional tests empty every table after each test, append-only ones included, which their
    triggers refuse: on PostgreSQL (TRUNCATE) the flush alone runs as a replica, whose triggers do not
    fire; on SQLite (DELETE) the triggers are dropped for it and made again from their own text."""
    connection = self.connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            return _flush(self, sql_list)
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%append_only%'"
        )
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        _flush(self, sql_list)
        for _name, sql in triggers:
            cursor.execute(sql)


BaseDatabaseOperations.execute_sql_flush = _flush_past_append_only_triggers


@dataclass
class World:
    committee: Organization
    general_branch: Organization
    branch_a: Organization
    branch_b: Organization
    member_a: Member  # 党员 of branch A
    other_member_a: Member
    clerk_a: object  # users
    committee_a: object
    secretary_a: object
    clerk_b: object
    higher: object  # 上级党委 officer on the committee
    outsider: Member  # 党员 of branch B


@pytest.fixture
def world(db) -> World:
    committee = make_organization(code="C01", name="某区机关党委", kind=Organization.Kind.COMMITTEE)
    general = make_organization(
        code="C01-G1", name="第一党总支", kind=Organization.Kind.GENERAL_BRANCH, parent=committee
    )
    branch_a = make_organization(
        code="C01-G1-A", name="第一党支部", kind=Organization.Kind.BRANCH, parent=general
    )
    branch_b = make_organization(
        code="C01-G1-B", name="第二党支部", kind=Organization.Kind.BRANCH, parent=general
    )

    member_a = make_member(branch=branch_a, real_name="张伟", username="zhangwei", phone="13800001111")
    other_member_a = make_member(branch=branch_a, real_name="王芳", username="wangfang", phone="13900002222")
    clerk_a = make_member(branch=branch_a, real_name="李娜", username="lina").user
    committee_a = make_member(branch=branch_a, real_name="刘洋", username="liuyang").user
    secretary_a = make_member(branch=branch_a, real_name="陈静", username="chenjing").user
    outsider = make_member(branch=branch_b, real_name="赵磊", username="zhaolei", phone="13700003333")
    clerk_b = make_member(branch=branch_b, real_name="孙丽", username="sunli").user
    higher = UserFactory(username="higher")

    make_role(clerk_a, branch_a, Role.CLERK)
    make_role(committee_a, branch_a, Role.COMMITTEE)
    make_role(secretary_a, branch_a, Role.SECRETARY)
    make_role(clerk_b, branch_b, Role.CLERK)
    make_role(higher, committee, Role.HIGHER)
    for m in (member_a, other_member_a, outsider):
        m.user.refresh_from_db()
    return World(
        committee=committee,
        general_branch=general,
        branch_a=branch_a,
        branch_b=branch_b,
        member_a=member_a,
        other_member_a=other_member_a,
        clerk_a=clerk_a,
        committee_a=committee_a,
        secretary_a=secretary_a,
        clerk_b=clerk_b,
        higher=higher,
        outsider=outsider,
    )


@pytest.fixture
def rules_2026(world):
    """The committee's unified rules for 2026, 二七区纪委监委 (seed 001), in force for the branches below."""
    from scoring.core.presets import preset_path
    from scoring.services import ruleset_create

    return ruleset_create(
        organization=world.committee,
        cycle=2026,
        text=preset_path("erqi-2021").read_text(encoding="utf-8"),
        by=world.higher,
        note="采用二七区办法",
        in_force=True,
    )


class _NotReady:
    def ready(self) -> bool:
        return False


@pytest.fixture
def not_stored_yet(monkeypatch):
    """The 全委排名 task is queued to a worker that has not stored the ranking yet (Celery is eager in the
    tests): what was queued, as (organization id, period code)."""
    from django.core.cache import cache

    from reports import rankings, tasks

    queued = []

    def delay(organization_id, period_code):
        queued.append((organization_id, period_code))
        return _NotReady()

    monkeypatch.setattr(tasks.ranking_store_for, "delay", delay)
    yield queued
    for organization_id, code in queued:  # the worker would remove the mark when done
        cache.delete(rankings.storing_key(Organization(pk=organization_id), rankings.period_from(code)))
