"""``manage.py seed_demo`` on an empty database, and its refusal to touch one that has organizations."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_seed
from accounts.models import Organization
from tests.factories import make_organization

User = get_user_model()


def test_seeding_writes_nothing_into_a_database_that_has_organizations(db):
    make_organization(code="X", name="某党委", kind=Organization.Kind.COMMITTEE)
    assert demo_seed() is None
    assert not User.objects.exists()


def test_seed_demo_command_seeds_and_prints_the_logins_every_time(db):
    for expected in ("已写入演示数据。", "数据库中已有组织数据，未写入演示数据。"):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        text = out.getvalue()
        assert expected in text
        assert "角色" in text and "登录名" in text and "密码" in text and "姓名" in text and "组织" in text
        for login in DEMO_LOGINS:
            line = next(x for x in text.splitlines() if f" {login.username} " in x)
            assert login.label in line and DEMO_PASSWORD in line and login.real_name in line
            assert login.organization_name in line
        assert "http" not in text


def test_seed_demo_command_lists_no_logins_for_a_database_it_did_not_seed(db):
    make_organization(code="X", name="某党委", kind=Organization.Kind.COMMITTEE)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "未找到演示账号。" in out.getvalue()
