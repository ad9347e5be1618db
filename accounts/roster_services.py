"""党员名册导入: apply a validated roster file, all rows or none.

Members are matched by ID number. A new ID number gets a user (no usable password yet) and a
member through ``member_create``; a known one has its changed fields updated (audited with before
and after) and, when its 支部编码 changed, is transferred with ``member_transfer``. Unchanged members
are not touched, so importing the same file twice changes nothing and records nothing.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roster
from accounts.access import organizations_where
from accounts.models import BranchMembership, Member, Organization
from accounts.roster import Directory, RosterRejected, RosterRow, RowError
from accounts.services import member_create, member_transfer
from audit.services import audit_record

User = get_user_model()

CONCURRENT_IMPORT = _("导入时名册数据被他人同时修改，未导入任何数据，请稍后重试。")
ON_IN_FUTURE = _("生效日期不能晚于今天。")
IMPORT_REASON = _("名册导入：%(file)s")
IMPORT_SUMMARY = _(
    "导入党员名册 %(file)s：新增 %(created)s，更新 %(updated)s，转接 %(transferred)s，未变 %(unchanged)s"
)
MEMBER_UPDATED = _("更新党员 %(name)s 的信息")


@dataclass(frozen=True)
class NewAccount:
    real_name: str
    username: str
    branch: str


@dataclass
class RosterResult:
    file_name: str
    sha256: str
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    transferred: int = 0
    unchanged: int = 0
    new_accounts: list[NewAccount] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.transferred)


def may_import_roster(user: Any) -> bool:
    return organizations_where(user, "manage_members").exists()


def roster_import(*, file: UploadedFile, uploaded_by: Any, on: datetime.date | None = None) -> RosterResult:
    """Validate every row, then import all of them in one transaction, or none and say why."""
    on = on or timezone.localdate()
    content = file.read()
    result = RosterResult(file_name=file.name or "", sha256=hashlib.sha256(content).hexdigest())
    try:
        with transaction.atomic():
            _import(result, content=content, uploaded_by=uploaded_by, on=on)
    except RosterRejected as rejected:
        return RosterResult(file_name=result.file_name, sha256=result.sha256, errors=rejected.errors)
    except IntegrityError:
        # Another import created the same member or login between our checks and our writes.
        return RosterResult(
            file_name=result.file_name, sha256=result.sha256, errors=[RowError(0, "", str(CONCURRENT_IMPORT))]
        )
    return result


def _import(result: RosterResult, *, content: bytes, uploaded_by: Any, on: datetime.date) -> None:
    if on > timezone.localdate():
        raise RosterRejected([RowError(0, "", str(ON_IN_FUTURE))])
    rows = roster.parse_rows(roster.read_sheet(name=result.file_name, content=content))
    directory = _directory(rows, uploaded_by=uploaded_by, on=on)
    errors = roster.check_references(rows, directory)
    if errors:
        raise RosterRejected(errors)
    result.rows = len(rows)
    reason = str(IMPORT_REASON % {"file": result.file_name})
    for row in rows:
        _apply_row(row, directory, result, by=uploaded_by, reason=reason)
    if result.changed:
        _audit_import(result, rows, directory, by=uploaded_by)


def _directory(rows: Sequence[RosterRow], *, uploaded_by: Any, on: datetime.date) -> Directory:
    members = {
        m.id_number: m
        for m in Member.objects.select_for_update(of=("self",))
        .select_related("branch")
        .filter(id_number__in=[r.id_number for r in rows])
    }
    branches = {o.code: o for o in Organization.objects.filter(code__in={r.branch_code for r in rows})}
    relevant = {o.pk for o in branches.values()} | {m.branch_id for m in members.values()}
    manageable = set(
        organizations_where(uploaded_by, "manage_members")
        .filter(pk__in=relevant)
        .values_list("pk", flat=True)
    )
    spell_starts = dict(
        BranchMembership.objects.filter(member__in=members.values(), end__isnull=True).values_list(
            "member_id", "start"
        )
    )
    new_logins = [r.login for r in rows if r.id_number not in members]
    taken = set(User.objects.filter(username__in=new_logins).values_list("username", flat=True))
    return Directory(
        on=on,
        branches=branches,
        manageable=manageable,
        members=members,
        spell_starts=spell_starts,
        taken_logins=taken,
    )


def _apply_row(row: RosterRow, directory: Directory, result: RosterResult, *, by: Any, reason: str) -> None:
    branch = directory.branches[row.branch_code]
    member = directory.members.get(row.id_number)
    try:
        if member is None:
            _create(row, branch, directory.on, by=by, reason=reason)
            result.created += 1
            result.new_accounts.append(NewAccount(row.real_name, row.login, branch.name))
            return
        updated = _update(member, row, by=by, reason=reason)
        transferred = member.branch_id != branch.pk
        if transferred:
            member_transfer(member=member, to_branch=branch, on=directory.on, by=by, reason=reason)
    except ValidationError as error:
        # The checks above should have caught it; still name the row rather than fail the page.
        raise RosterRejected([RowError(row.line, "", "；".join(error.messages))]) from error
    result.updated += updated
    result.transferred += transferred
    result.unchanged += not (updated or transferred)


def _create(row: RosterRow, branch: Organization, on: datetime.date, *, by: Any, reason: str) -> Member:
    # first_name carries the 姓名 that pages show for the person (accounts.apps).
    user = User.objects.create_user(
        username=row.login, password=None, first_name=row.real_name
    )  # unusable until set
    return member_create(
        user=user,
        id_number=row.id_number,
        branch=branch,
        since=on,
        created_by=by,
        reason=reason,
        **row.member_fields(),
    )


def _update(member: Member, row: RosterRow, *, by: Any, reason: str) -> bool:
    """Set the fields the row changes; audit them with before and after. False when nothing changed."""
    wanted = row.member_fields()
    before = {name: getattr(member, name) for name in wanted if getattr(member, name) != wanted[name]}
    if not before:
        return False
    for name in before:
        setattr(member, name, wanted[name])
    member.full_clean(exclude=["user", "branch"], validate_unique=False)
    member.save(update_fields=list(before))
    if "real_name" in before and member.user_id is not None:
        User.objects.filter(pk=member.user_id).update(first_name=member.real_name)
    audit_record(
        actor=by,
        action="member.update",
        summary=MEMBER_UPDATED % {"name": member.real_name},
        target=member,
        organization=member.branch,
        reason=reason,
        data={"before": before, "after": {name: wanted[name] for name in before}},
    )
    return True


def _audit_import(result: RosterResult, rows: Sequence[RosterRow], directory: Directory, *, by: Any) -> None:
    counts = {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "transferred": result.transferred,
        "unchanged": result.unchanged,
    }
    audit_record(
        actor=by,
        action="member.roster_import",
        summary=IMPORT_SUMMARY % {"file": result.file_name, **counts},
        organization=_common_ancestor([directory.branches[r.branch_code] for r in rows]),
        data={"file_name": result.file_name, "sha256": result.sha256, "on": directory.on, **counts},
    )


def _common_ancestor(organizations: Sequence[Organization]) -> Organization | None:
    """The lowest organization above (or equal to) all of them: their longest common path prefix."""
    paths = [o.path for o in organizations]
    prefix = paths[0]
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[: -Organization.steplen]
    return Organization.objects.filter(path=prefix).first() if prefix else None
