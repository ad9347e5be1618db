"""factory-boy factories for the accounts domain."""

import datetime

import factory
from django.contrib.auth import get_user_model

from accounts.models import Member, Organization
from accounts.services import member_create, role_grant

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Jifen-test-2026")


def make_organization(*, code: str, name: str, kind: str, parent: Organization | None = None) -> Organization:
    """Treebeard nodes are created through their parent, not with ``objects.create``."""
    fields = {"code": code, "name": name, "kind": kind}
    if parent is None:
        return Organization.objects.add_root(fields)
    parent.refresh_from_db()
    return Organization.objects.add_child(parent, fields)


_id_counter = iter(range(1, 10**9))


def _unique_id_number() -> str:
    """18 characters however many members one test process makes (the counter passes 9,999 in a long
    xdist worker): the region code takes the thousands, as 410102… for the first ten thousand."""
    n = next(_id_counter)
    return f"{410102 + n // 10000:06d}19800101{n % 10000:04d}"


def make_member(
    *,
    branch: Organization,
    real_name: str,
    username: str | None = None,
    kind: str = Member.Kind.FULL,
    status: str = Member.Status.ACTIVE,
    since: datetime.date = datetime.date(2020, 1, 1),
    phone: str = "13812341234",
    **fields,
) -> Member:
    user = UserFactory(username=username or f"m{next(_id_counter)}")
    return member_create(
        user=user,
        real_name=real_name,
        branch=branch,
        id_number=fields.pop("id_number") if "id_number" in fields else _unique_id_number(),
        since=since,
        created_by=None,
        kind=kind,
        status=status,
        phone=phone,
        **fields,
    )


def make_role(user, organization: Organization, role: str, *, valid_from=datetime.date(2020, 1, 1), **kw):
    return role_grant(
        user=user, organization=organization, role=role, valid_from=valid_from, granted_by=None, **kw
    )
