"""Writes of the scoring domain: rule-set versions and ledger entries. Each runs in one transaction and
leaves an audit record. Nothing here updates or deletes a version or an entry: rules change by a new
version, the ledger by a new (reversing) entry.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts.duties import refuse_own_points
from accounts.models import Member, Organization
from audit.services import audit_record
from config.formats import day_text
from scoring import messages
from scoring.core import Event, RuleSetError, event_field_errors, merge_rulesets, ruleset_to_dict
from scoring.core import RuleSet as CoreRuleSet
from scoring.core.ruleset_file import load_yaml_mapping, ruleset_from_dict
from scoring.models import LedgerEntry, RuleSet, RuleSetVersion
from scoring.selectors import (
    describe_entry,
    effective_ruleset,
    ruleset_find_parent,
    ruleset_version_current,
    self_and_ancestors,
    version_in_force,
)

SOURCE_NAME = "细则文件"
CENT = Decimal("0.01")
POINTS_LIMIT = Decimal("100000")

# ---------------------------------------------------------------- rule sets


@dataclass(frozen=True)
class ParsedRuleSet:
    """A rule-set file checked against the database: what a new version would store."""

    code: str
    name: str
    definition: dict[str, Any]  # JSON-ready: numbers as strings, read back by ruleset_from_dict
    parent: RuleSet | None
    parent_version: RuleSetVersion | None
    effective: CoreRuleSet


def ruleset_parse(
    *,
    organization: Organization,
    cycle: int,
    text: str,
    ruleset: RuleSet | None = None,
    source_name: str = SOURCE_NAME,
) -> ParsedRuleSet:
    """Check a rule-set file as a (new version of) a rule set of ``organization`` for ``cycle``.

    A file with ``extends: <code>`` is a local file: its parent is the nearest rule set of that code and
    cycle in the organization or above, and it is merged onto the parent's current version. Every problem
    is raised as a ``ValidationError`` on ``source`` naming the line and the field.
    """
    lines: dict[str, int] = {}
    try:
        data, lines = load_yaml_mapping(text, source=source_name)
        parent = _resolve_parent(organization, cycle, data, ruleset, lines)
        if parent is None:
            # Stored normalized, and read back from what is stored: the version means what it says.
            definition = _json_ready(ruleset_to_dict(ruleset_from_dict(data)))
            parent_version = None
            effective = ruleset_from_dict(definition)
        else:
            # A local file is stored as written: it means "the parent's rules, refined so".
            definition = _json_ready(data)
            parent_version = ruleset_version_current(parent)
            effective = merge_rulesets(effective_ruleset(parent_version), definition)
    except RuleSetError as exc:
        raise ValidationError({"source": _file_errors(exc, lines)}) from None
    return ParsedRuleSet(
        code=effective.code,
        name=effective.name,
        definition=definition,
        parent=parent,
        parent_version=parent_version,
        effective=effective,
    )


def _resolve_parent(
    organization: Organization,
    cycle: int,
    data: dict[str, Any],
    ruleset: RuleSet | None,
    lines: dict[str, int],
) -> RuleSet | None:
    code = data.get("extends")
    if code is None:
        return None
    own_code = data.get("code")
    # A branch may reuse its committee's code; then only the organizations above can hold the parent.
    start = organization if code != own_code else _parent_organization(organization)
    parent = ruleset_find_parent(organization=start, cycle=cycle, code=str(code)) if start else None
    if parent is None:
        message = messages.RULESET_PARENT_NOT_FOUND % {"code": code, "cycle": cycle}
        raise ValidationError({"source": [_at_line(lines.get("extends"), str(message))]})
    ancestor: RuleSet | None = parent
    while ancestor is not None:
        if ruleset is not None and ancestor.pk == ruleset.pk:
            raise ValidationError(
                {"source": [_at_line(lines.get("extends"), str(messages.RULESET_EXTENDS_CYCLE))]}
            )
        ancestor = ancestor.parent
    return parent


def _parent_organization(organization: Organization) -> Organization | None:
    above = self_and_ancestors(organization)[1:]
    return above[0] if above else None


def _json_ready(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _at_line(line: int | None, message: str) -> str:
    return str(messages.RULESET_AT_LINE % {"line": line, "message": message}) if line else message


def _file_errors(exc: RuleSetError, lines: dict[str, int]) -> list[str]:
    """One Chinese message per problem: line, field path, what is wrong."""
    located = RuleSetError(exc.errors, lines=lines or exc.lines)
    result = []
    for error in exc.errors:
        text = (
            str(messages.RULESET_FIELD_ERROR % {"path": error.path, "message": error.message})
            if error.path
            else error.message
        )
        result.append(_at_line(located.line_of(error.path), text))
    return result


def ruleset_check(
    *,
    organization: Organization,
    cycle: int,
    text: str,
    ruleset: RuleSet | None = None,
    source_name: str = SOURCE_NAME,
) -> ParsedRuleSet:
    """Everything ``ruleset_create`` (``ruleset`` None) or ``ruleset_revise`` would refuse, without writing.

    Besides the file itself: a new code must be free in the organization and cycle, a revision keeps the
    code, keeps every item that has ledger entries, and leaves every inheriting rule set valid.
    """
    parsed = ruleset_parse(
        organization=organization, cycle=cycle, text=text, ruleset=ruleset, source_name=source_name
    )
    if ruleset is None:
        if RuleSet.objects.filter(organization=organization, cycle=cycle, code=parsed.code).exists():
            message = messages.RULESET_CODE_TAKEN % {
                "organization": organization.name,
                "cycle": cycle,
                "code": parsed.code,
            }
            raise ValidationError({"source": [message]})
        return parsed
    if parsed.code != ruleset.code:
        message = messages.RULESET_CODE_CHANGED % {"old": ruleset.code, "new": parsed.code}
        raise ValidationError({"source": [message]})
    _check_items_in_use(ruleset, parsed.effective)
    _check_descendants(ruleset, parsed.effective)
    return parsed


def _check_descendants(ruleset: RuleSet, effective: CoreRuleSet) -> None:
    """Every rule set inheriting ``ruleset`` must still merge onto ``effective``, keeping its used items."""
    for child in ruleset.children.select_related("organization"):
        current = child.current_version
        if current is None:
            continue
        child_effective = _merged_or_refused(child, effective, current.definition)
        _check_items_in_use(child, child_effective)
        _check_descendants(child, child_effective)


def _merged_or_refused(child: RuleSet, parent: CoreRuleSet, definition: dict[str, Any]) -> CoreRuleSet:
    try:
        return merge_rulesets(parent, definition)
    except RuleSetError as exc:
        message = messages.RULESET_CHILD_BROKEN % {
            "child": child.name,
            "organization": child.organization.name,
            "errors": "；".join(_file_errors(exc, {})),
        }
        raise ValidationError({"source": [message]}) from None


@transaction.atomic
def ruleset_create(
    *,
    organization: Organization,
    cycle: int,
    text: str,
    by: Any | None,
    note: str = "",
    in_force: bool = False,
    source_name: str = SOURCE_NAME,
) -> RuleSet:
    """新建细则: a rule set of ``organization`` for ``cycle`` with its first version from ``text``."""
    parsed = ruleset_check(organization=organization, cycle=cycle, text=text, source_name=source_name)
    ruleset = RuleSet.objects.create(
        organization=organization,
        cycle=cycle,
        code=parsed.code,
        name=parsed.name,
        parent=parsed.parent,
        created_by=by,
    )
    audit_record(
        actor=by,
        action="ruleset.create",
        summary=f"新建积分细则 {ruleset}",
        target=ruleset,
        organization=organization,
        reason=note,
        data={"code": ruleset.code, "cycle": cycle, "parent": parsed.parent.pk if parsed.parent else None},
    )
    _version_add(ruleset=ruleset, parsed=parsed, text=text, by=by, note=note)
    if in_force:
        ruleset_set_in_force(ruleset=ruleset, in_force=True, by=by, reason=note)
    return ruleset


@transaction.atomic
def ruleset_revise(
    *, ruleset: RuleSet, text: str, by: Any | None, note: str = "", source_name: str = SOURCE_NAME
) -> RuleSetVersion:
    """修改细则: a new version from ``text``; the current version when nothing changed.

    Rule sets that inherit this one get a new version too, on top of the new one (their own text
    unchanged), so that every version names the exact parent version it was merged onto.
    """
    ruleset = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
    parsed = ruleset_check(
        organization=ruleset.organization,
        cycle=ruleset.cycle,
        text=text,
        ruleset=ruleset,
        source_name=source_name,
    )
    current = ruleset.current_version
    parent_version_id = parsed.parent_version.pk if parsed.parent_version else None
    if current is not None and current.source == text and current.parent_version_id == parent_version_id:
        return current
    return _version_add(ruleset=ruleset, parsed=parsed, text=text, by=by, note=note)


def _version_add(
    *, ruleset: RuleSet, parsed: ParsedRuleSet, text: str, by: Any | None, note: str
) -> RuleSetVersion:
    _check_items_in_use(ruleset, parsed.effective)
    if (ruleset.name, ruleset.parent_id) != (parsed.name, parsed.parent.pk if parsed.parent else None):
        ruleset.name = parsed.name
        ruleset.parent = parsed.parent
        ruleset.save(update_fields=["name", "parent"])
    number = (ruleset.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = RuleSetVersion.objects.create(
        ruleset=ruleset,
        number=number,
        source=text,
        definition=parsed.definition,
        parent_version=parsed.parent_version,
        note=note,
        created_by=by,
    )
    version._effective = parsed.effective  # type: ignore[attr-defined]
    audit_record(
        actor=by,
        action="ruleset.version",
        summary=f"积分细则 {ruleset} 第{number}版",
        target=version,
        organization=ruleset.organization,
        reason=note,
        data={
            "ruleset": ruleset.pk,
            "code": ruleset.code,
            "number": number,
            "parent_version": parsed.parent_version.pk if parsed.parent_version else None,
        },
    )
    for child in ruleset.children.select_related("organization"):
        _rebase(child, version, by)
    return version


def _rebase(child: RuleSet, parent_version: RuleSetVersion, by: Any | None) -> None:
    """Give an inheriting rule set a new version on top of its parent's new version."""
    current = child.current_version
    if current is None:
        return
    effective = _merged_or_refused(child, effective_ruleset(parent_version), current.definition)
    parsed = ParsedRuleSet(
        code=child.code,
        name=effective.name,
        definition=current.definition,
        parent=parent_version.ruleset,
        parent_version=parent_version,
        effective=effective,
    )
    note = str(
        messages.RULESET_REBASED_NOTE
        % {"parent": parent_version.ruleset.name, "number": parent_version.number}
    )
    _version_add(ruleset=child, parsed=parsed, text=current.source, by=by, note=note)


def _check_items_in_use(ruleset: RuleSet, effective: CoreRuleSet) -> None:
    """An item with ledger entries under this rule set cannot disappear from it."""
    used = set(
        LedgerEntry.objects.filter(ruleset_version__ruleset=ruleset).values_list("item_code", flat=True)
    )
    missing = sorted(code for code in used if effective.item(code) is None)
    if missing:
        raise ValidationError({"source": [messages.RULESET_ITEM_IN_USE % {"items": "、".join(missing)}]})


@transaction.atomic
def ruleset_set_in_force(*, ruleset: RuleSet, in_force: bool, by: Any | None, reason: str = "") -> RuleSet:
    """设为现行 / 停止执行. Making one rule set current retires the organization's other one for the cycle."""
    peers = list(
        RuleSet.objects.select_for_update().filter(organization=ruleset.organization_id, cycle=ruleset.cycle)
    )
    ruleset = next(peer for peer in peers if peer.pk == ruleset.pk)
    if ruleset.in_force == in_force:
        return ruleset
    if in_force and ruleset.current_version is None:
        raise ValidationError({"in_force": [messages.RULESET_IN_FORCE_NEEDS_VERSION]})
    if in_force:
        for peer in peers:
            if peer.in_force and peer.pk != ruleset.pk:
                _in_force_change(peer, False, by, reason)
    _in_force_change(ruleset, in_force, by, reason)
    return ruleset


def _in_force_change(ruleset: RuleSet, in_force: bool, by: Any | None, reason: str) -> None:
    ruleset.in_force = in_force
    ruleset.save(update_fields=["in_force"])
    audit_record(
        actor=by,
        action="ruleset.in_force" if in_force else "ruleset.retire",
        summary=f"{'施行' if in_force else '停止执行'}积分细则 {ruleset}",
        target=ruleset,
        organization=ruleset.organization,
        reason=reason,
        data={"in_force": in_force},
    )


# ---------------------------------------------------------------- the ledger


@transaction.atomic
def ledger_record(
    *,
    member: Member,
    item_code: str,
    occurred_on: datetime.date,
    points: Decimal | None = None,
    source: str,
    by: Any | None,
    reason: str = "",
    ruleset_version: RuleSetVersion | None = None,
    idempotency_key: str | None = None,
) -> LedgerEntry:
    """记入台账: one occurrence of a rule item for a member, checked against the rules.

    ``points`` None takes the item's fixed points; a range item needs points within its range. The
    branch is the member's branch on ``occurred_on``; the version defaults to the current version of the
    rule set in force there. With an ``idempotency_key`` already used, the entry recorded then is
    returned and nothing is written.
    """
    if idempotency_key:
        existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if source == LedgerEntry.Source.REVERSAL:
        raise ValidationError({"source": [messages.LEDGER_REVERSAL_VIA_SERVICE]})
    # Whoever writes an entry is never the member it scores: the last line of 不得办理涉及本人积分的事项.
    refuse_own_points(by, member, action="记入台账")
    if not member.is_scored:
        raise ValidationError({"member": [messages.LEDGER_MEMBER_EXEMPT % {"member": member.real_name}]})
    branch = member.branch_on(occurred_on)
    if branch is None:
        message = messages.LEDGER_NO_BRANCH_ON_DATE % {
            "date": day_text(occurred_on),
            "member": member.real_name,
        }
        raise ValidationError({"occurred_on": [message]})
    version = ruleset_version or _version_for(branch, occurred_on)
    _check_version_applies(version, branch)
    value = _checked_points(version, member, item_code, occurred_on, points)
    entry = _entry_create(
        idempotency_key=idempotency_key,
        member=member,
        branch=branch,
        ruleset_version=version,
        item_code=item_code,
        occurred_on=occurred_on,
        points=value,
        source=source,
        reason=reason,
        created_by=by,
    )
    audit_record(
        actor=by,
        action="ledger.record",
        summary=f"{member.real_name} {occurred_on} {item_code} {value:+}（{entry.get_source_display()}）",
        target=entry,
        organization=branch,
        reason=reason,
        data=describe_entry(entry),
    )
    return entry


@dataclass(frozen=True)
class ImportRow:
    """One line of a paper ledger being imported: who, which item, when, and the points of a range item."""

    member: Member
    item_code: str
    occurred_on: datetime.date
    points: Decimal | None = None


@transaction.atomic
def ledger_import(*, rows: list[ImportRow], by: Any, reason: str) -> list[LedgerEntry]:
    """台账导入: a paper ledger kept before the system (a branch's first year), all rows or none.

    Each row is checked as ``ledger_record`` checks one — the member's branch on the day, the rules in
    force there, the item and its points — and every problem is reported with its row number. The entries
    are written at once with one audit record per branch; they count like any entry once their period is
    approved. Only the branch's clerk (``record_claims``) imports.
    """
    from accounts.duties import may_do
    from accounts.models import BranchMembership

    if not reason.strip():
        raise ValidationError({"reason": [messages.LEDGER_REASON_REQUIRED]})
    spells: dict[int, list[BranchMembership]] = {}
    for spell in BranchMembership.objects.filter(member__in={row.member.pk for row in rows}).select_related(
        "branch"
    ):
        spells.setdefault(spell.member_id, []).append(spell)
    versions: dict[tuple[int, datetime.date], RuleSetVersion] = {}
    allowed: dict[tuple[int, int], bool] = {}
    entries, errors = [], []
    for number, row in enumerate(rows, start=1):
        try:
            refuse_own_points(by, row.member, action="台账导入")
            branch = next(
                (
                    s.branch
                    for s in spells.get(row.member.pk, [])
                    if s.start <= row.occurred_on and (s.end is None or row.occurred_on < s.end)
                ),
                None,
            )
            if branch is None:
                message = messages.LEDGER_NO_BRANCH_ON_DATE % {
                    "date": day_text(row.occurred_on),
                    "member": row.member.real_name,
                }
                raise ValidationError({"occurred_on": [message]})
            # The clerk's right, or the secretary's standing in for a branch's only clerk (accounts.duties).
            if (branch.pk, row.member.pk) not in allowed:
                allowed[branch.pk, row.member.pk] = may_do(by, "record_claims", branch, [row.member])
            if not allowed[branch.pk, row.member.pk]:
                raise ValidationError(messages.LEDGER_IMPORT_NOT_ALLOWED % {"branch": branch.name})
            key = (branch.pk, row.occurred_on)
            if key not in versions:
                versions[key] = _version_for(branch, row.occurred_on)
            value = _checked_points(versions[key], row.member, row.item_code, row.occurred_on, row.points)
        except ValidationError as error:
            errors += [f"第 {number} 行：{message}" for message in error.messages]
            continue
        entries.append(
            LedgerEntry(
                member=row.member,
                branch=branch,
                ruleset_version=versions[key],
                item_code=row.item_code,
                occurred_on=row.occurred_on,
                points=value,
                source=LedgerEntry.Source.IMPORT,
                reason=reason,
                created_by=by,
            )
        )
    if errors:
        raise ValidationError(errors)
    created = LedgerEntry.objects.bulk_create(entries)
    by_branch: dict[int, list[LedgerEntry]] = {}
    for entry in created:
        by_branch.setdefault(entry.branch_id, []).append(entry)
    for branch_entries in by_branch.values():
        branch = branch_entries[0].branch
        days = sorted(entry.occurred_on for entry in branch_entries)
        audit_record(
            actor=by,
            action="ledger.import",
            summary=f"{branch.name} 导入台账 {len(branch_entries)} 条（{days[0]} 至 {days[-1]}）",
            organization=branch,
            reason=reason,
            data={"count": len(branch_entries), "first": days[0], "last": days[-1]},
        )
    return created


def _version_for(branch: Organization, occurred_on: datetime.date) -> RuleSetVersion:
    version = version_in_force(branch, occurred_on)
    if version is None:
        message = messages.LEDGER_NO_RULESET % {"branch": branch.name, "date": day_text(occurred_on)}
        raise ValidationError({"occurred_on": [message]})
    return version


def _check_version_applies(version: RuleSetVersion, branch: Organization) -> None:
    ruleset = version.ruleset
    # The rule set's organization is the branch or above it: a prefix of the branch's path.
    if not branch.path.startswith(ruleset.organization.path):
        message = messages.LEDGER_VERSION_NOT_FOR_BRANCH % {"ruleset": ruleset.name, "branch": branch.name}
        raise ValidationError({"ruleset_version": [message]})


FIELD_NAMES = {"date": "occurred_on", "item": "item_code", "points": "points"}


def _checked_points(
    version: RuleSetVersion,
    member: Member,
    item_code: str,
    occurred_on: datetime.date,
    points: Decimal | None,
) -> Decimal:
    """The points to store, after the core has checked date, item and points against the rules."""
    rules = effective_ruleset(version)
    item = rules.item(item_code)
    if item is not None and not item.is_range and points is not None and points == item.points:
        points = None  # the fixed value itself, given explicitly
    event = Event(member=str(member.pk), date=occurred_on, item=item_code, points=points)
    errors: dict[str, list[str]] = {}
    for field, message in event_field_errors(rules, event, cycle=version.ruleset.cycle):
        errors.setdefault(FIELD_NAMES.get(field, field), []).append(message)
    if errors:
        raise ValidationError(errors)
    assert item is not None
    value = points if points is not None else (item.points or Decimal(0))
    if value != value.quantize(CENT) or abs(value) >= POINTS_LIMIT:
        raise ValidationError({"points": [messages.LEDGER_POINTS_INVALID]})
    return value


def _entry_create(*, idempotency_key: str | None, **fields: Any) -> LedgerEntry:
    """Insert an entry; a concurrent insert with the same key or reversing the same entry loses."""
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(idempotency_key=idempotency_key or None, **fields)
    except IntegrityError:
        if idempotency_key:
            existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        if fields.get("reverses") is not None:
            raise ValidationError(messages.LEDGER_ALREADY_REVERSED) from None
        raise


@transaction.atomic
def ledger_reverse(*, entry: LedgerEntry, by: Any | None, reason: str) -> LedgerEntry:
    """冲正: a new entry with the negated points, naming the entry it cancels, why and by whom.

    An internal step, never a page's or the API's: cancelling an entry is a decision, taken by the 支委会
    on a correction request (``workflows.corrections.correction_decide``) or on an upheld appeal.
    """
    if not reason.strip():
        raise ValidationError({"reason": [messages.LEDGER_REASON_REQUIRED]})
    if entry.source == LedgerEntry.Source.REVERSAL:
        raise ValidationError(messages.LEDGER_CANNOT_REVERSE_REVERSAL)
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(messages.LEDGER_ALREADY_REVERSED)
    reversal = _entry_create(
        idempotency_key=None,
        member=entry.member,
        branch=entry.branch,
        ruleset_version=entry.ruleset_version,
        item_code=entry.item_code,
        occurred_on=entry.occurred_on,
        points=-entry.points,
        source=LedgerEntry.Source.REVERSAL,
        reverses=entry,
        reason=reason,
        created_by=by,
    )
    audit_record(
        actor=by,
        action="ledger.reverse",
        summary=f"冲正 {entry.member.real_name} {entry.occurred_on} {entry.item_code} {entry.points:+}",
        target=reversal,
        organization=entry.branch,
        reason=reason,
        data=describe_entry(reversal),
    )
    return reversal


@transaction.atomic
def ledger_correct(
    *,
    entry: LedgerEntry,
    points: Decimal | None,
    by: Any | None,
    reason: str,
    source: str = LedgerEntry.Source.APPEAL,
) -> tuple[LedgerEntry, LedgerEntry]:
    """更正: reverse ``entry`` and record its replacement with ``points``, under the same rule version.

    Returns (reversal, replacement); both fail or both are written.
    """
    reversal = ledger_reverse(entry=entry, by=by, reason=reason)
    replacement = ledger_record(
        member=entry.member,
        item_code=entry.item_code,
        occurred_on=entry.occurred_on,
        points=points,
        source=source,
        by=by,
        reason=reason,
        ruleset_version=entry.ruleset_version,
    )
    return reversal, replacement
