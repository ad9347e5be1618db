"""Reads of the scoring domain: rule sets in force, the ledger scoped to the user, and scores.

Scores are never stored here: ``branch_scores`` is a pure call of the core on the ledger's events, so the
same ledger and rule-set version always give the same result. Fixing (审定) a period's scores belongs to
the workflow.
"""

from __future__ import annotations

import datetime
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.access import organizations_where
from accounts.models import BranchMembership, Member, Organization
from scoring import messages
from scoring.core import (
    CycleResult,
    Event,
    MemberInfo,
    MemberType,
    Period,
    PeriodResult,
    cycle_bounds,
    dump_ruleset,
    merge_rulesets,
    ruleset_from_dict,
    score_cycle,
    score_period,
)
from scoring.core import RuleSet as CoreRuleSet
from scoring.models import LedgerEntry, RuleSet, RuleSetVersion

if TYPE_CHECKING:
    from accounts.access import AnyUser

MEMBER_TYPES: dict[str, MemberType] = {
    Member.Kind.FULL: MemberType.FULL,
    Member.Kind.PROBATIONARY: MemberType.PROBATIONARY,
    Member.Kind.CANDIDATE: MemberType.CANDIDATE,
    Member.Kind.ACTIVIST: MemberType.ACTIVIST,
}


# ---------------------------------------------------------------- rule sets


# What each version means, by version: versions are append-only, so the rules of one never change and
# every step of every claim under it can share them instead of re-reading its definition. The key holds
# the version's text too, so a reused id (a rolled-back test database) never finds another's rules.
_EFFECTIVE: OrderedDict[tuple[Any, ...], CoreRuleSet] = OrderedDict()
_EFFECTIVE_KEPT = 256


def _effective_key(version: RuleSetVersion) -> tuple[Any, ...] | None:
    if version.pk is None or not version.source:
        return None
    return (version.pk, version.parent_version_id, version.number, hash(version.source))


def effective_ruleset(version: RuleSetVersion) -> CoreRuleSet:
    """The rules a version means: its own definition, merged onto its parent version's effective rules.

    Versions never change, so the result is kept on the instance and, per process, by version.
    """
    cached: CoreRuleSet | None = getattr(version, "_effective", None)
    if cached is None:
        key = _effective_key(version)
        cached = _EFFECTIVE.get(key) if key is not None else None
        if cached is None:
            if version.parent_version_id is None:
                cached = ruleset_from_dict(version.definition)
            else:
                cached = merge_rulesets(effective_ruleset(version.parent_version), version.definition)
            if key is not None:
                _EFFECTIVE[key] = cached
                while len(_EFFECTIVE) > _EFFECTIVE_KEPT:
                    _EFFECTIVE.popitem(last=False)
        version._effective = cached  # type: ignore[attr-defined]
    return cached


def ruleset_version_current(ruleset: RuleSet) -> RuleSetVersion:
    version = ruleset.current_version
    if version is None:
        raise ValidationError(messages.RULESET_NO_VERSION)
    return version


def self_and_ancestors(organization: Organization) -> list[Organization]:
    """The organization and those above it, nearest first (one query on the materialized path)."""
    step = Organization.steplen
    paths = [organization.path[:n] for n in range(step, len(organization.path) + 1, step)]
    return sorted(Organization.objects.filter(path__in=paths), key=lambda org: -len(org.path))


def _nearest(organization: Organization, rulesets: QuerySet[RuleSet]) -> list[RuleSet]:
    """``rulesets`` of the organization and its ancestors, those of the nearest organization first."""
    depth = {org.pk: index for index, org in enumerate(self_and_ancestors(organization))}
    found = rulesets.filter(organization__in=depth.keys()).select_related("organization")
    return sorted(found, key=lambda rs: (depth[rs.organization_id], -rs.cycle))


def ruleset_in_force(organization: Organization, cycle: int) -> RuleSet | None:
    """The rule set in force for cycle ``cycle``: the organization's own, else the nearest ancestor's."""
    found = _nearest(organization, RuleSet.objects.filter(cycle=cycle, in_force=True))
    return found[0] if found else None


def ruleset_for(organization: Organization, on_date: datetime.date) -> RuleSet | None:
    """The rule set in force for ``organization`` whose cycle contains ``on_date``.

    A cycle is named by the year it ends in, so a date can belong to cycle YEAR or YEAR + 1 (a
    December–November cycle); the rule set's own start month decides.
    """
    version = version_in_force(organization, on_date)
    return version.ruleset if version is not None else None


def version_in_force(organization: Organization, on_date: datetime.date) -> RuleSetVersion | None:
    """The current version of the rule set in force for ``organization`` on ``on_date`` (``ruleset_for``),
    with its rule set and organization — in one query: the latest version of each rule set in force here
    or above for the cycles the date may fall in, the nearest organization's first."""
    step = Organization.steplen
    paths = [organization.path[:n] for n in range(step, len(organization.path) + 1, step)]
    latest = RuleSetVersion.objects.filter(ruleset=OuterRef("ruleset")).order_by("-number").values("number")
    candidates = RuleSetVersion.objects.filter(
        ruleset__cycle__in=(on_date.year, on_date.year + 1),
        ruleset__in_force=True,
        ruleset__organization__path__in=paths,
        number=Subquery(latest[:1]),
    ).select_related("ruleset__organization")
    nearest_first = sorted(
        candidates, key=lambda v: (-len(v.ruleset.organization.path), -v.ruleset.cycle, v.ruleset_id)
    )
    for version in nearest_first:
        first, last = cycle_bounds(effective_ruleset(version), version.ruleset.cycle)
        if first <= on_date <= last:
            return version
    return None


def rulesets_manageable_by(user: AnyUser) -> QuerySet[RuleSet]:
    """Rule sets of the organizations where ``user`` may manage rules (all of them for a superuser)."""
    return RuleSet.objects.filter(organization__in=organizations_where(user, "manage_rules")).select_related(
        "organization", "parent"
    )


def ruleset_find_parent(*, organization: Organization, cycle: int, code: str) -> RuleSet | None:
    """The rule set named by ``extends: code``: the nearest one of that code, here or above, same cycle."""
    found = _nearest(organization, RuleSet.objects.filter(cycle=cycle, code=code))
    return found[0] if found else None


def ruleset_export(version: RuleSetVersion) -> str:
    """The version's file exactly as it was edited (a branch file keeps its ``extends``)."""
    return version.source


def ruleset_export_effective(version: RuleSetVersion) -> str:
    """The version's effective rules as one self-contained file, the one ``score_simulate`` reads."""
    return dump_ruleset(effective_ruleset(version))


# ---------------------------------------------------------------- the ledger


def ledger_visible_to(user: AnyUser) -> QuerySet[LedgerEntry]:
    """Entries of the branches where ``user`` may view scores, and the user's own entries."""
    if not user.is_authenticated:
        return LedgerEntry.objects.none()
    return LedgerEntry.objects.filter(
        Q(branch__in=organizations_where(user, "view_scores")) | Q(member__user=user)
    ).select_related("member", "branch", "ruleset_version__ruleset", "created_by", "reverses")


def ledger_of_cycle(branch: Organization, cycle: int) -> QuerySet[LedgerEntry]:
    """The branch's entries recorded under rule sets of cycle ``cycle`` (reversals included)."""
    return LedgerEntry.objects.filter(branch=branch, ruleset_version__ruleset__cycle=cycle)


def ledger_net(entries: QuerySet[LedgerEntry]) -> QuerySet[LedgerEntry]:
    """The entries that count: neither a reversal nor an entry that has been reversed.

    A reversal nets its entry out, so both are left out together. Passing them to the core as a +x and a
    −x event would not do: the reversed occurrence would still use up a frequency limit, and a reversed
    veto would still zero the total.
    """
    return entries.filter(reverses__isnull=True, reversed_by__isnull=True)


def events_for(branch: Organization, cycle: int) -> list[Event]:
    """The branch's ledger for the cycle as core events, reversed entries netted out.

    ``Event.member`` is the member's primary key as text, ``Event.ref`` the entry's. The points are the
    ledger's own, so a later rule-set version never re-prices an entry already recorded.
    """
    entries = ledger_net(ledger_of_cycle(branch, cycle)).order_by("occurred_on", "pk")
    # Plain rows, not model instances: a branch's year is thousands of entries, read for every period scored.
    rows = entries.values_list("member_id", "occurred_on", "item_code", "points", "pk")
    return [
        Event(member=str(member), date=day, item=item, points=points, ref=str(pk))
        for member, day, item, points, pk in rows
    ]


def member_info(member: Member) -> MemberInfo:
    return MemberInfo(member=str(member.pk), member_type=MEMBER_TYPES[member.kind], scored=member.is_scored)


def members_scored_in(branch: Organization, first: datetime.date, last: datetime.date) -> QuerySet[Member]:
    """Members who belonged to the branch at some time in [first, last], or have entries there then."""
    spells = BranchMembership.objects.filter(branch=branch, start__lte=last).filter(
        Q(end__isnull=True) | Q(end__gt=first)
    )
    with_entries = LedgerEntry.objects.filter(branch=branch, occurred_on__range=(first, last))
    # One UNION of the two small lists: "in this one OR in that one" made PostgreSQL scan every member of
    # the province (1 s at 7 M members) instead of probing the branch's few hundred.
    either = spells.order_by().values("member_id").union(with_entries.order_by().values("member_id"))
    return Member.objects.filter(pk__in=either)


def branch_scores(
    branch: Organization,
    cycle: int,
    period: Period | None = None,
    *,
    version: RuleSetVersion | None = None,
    evaluations: Mapping[str, str] | None = None,
    last_totals: Mapping[str, Decimal] | None = None,
) -> CycleResult | PeriodResult:
    """The branch's scores for a cycle (or one period of it), computed by the core from the ledger.

    Uses the effective rules of ``version``, by default the current version of the rule set in force for
    the branch. Members are keyed by primary key as text, as in :func:`events_for`.
    """
    if period is not None and period.cycle != cycle:
        raise ValueError(f"period {period} is not in cycle {cycle}")
    version = version or _current_version_in_force(branch, cycle)
    rules = effective_ruleset(version)
    first, last = cycle_bounds(rules, cycle)
    members = [member_info(member) for member in members_scored_in(branch, first, last)]
    events = events_for(branch, cycle)
    _check_items_known(rules, events)
    if period is None:
        return score_cycle(
            rules, members, events, cycle=cycle, evaluations=evaluations, last_totals=last_totals
        )
    return score_period(
        rules, members, events, period=period, evaluations=evaluations, last_totals=last_totals
    )


def _current_version_in_force(branch: Organization, cycle: int) -> RuleSetVersion:
    ruleset = ruleset_in_force(branch, cycle)
    if ruleset is None:
        raise ValidationError(messages.SCORES_NO_RULESET % {"branch": branch.name, "cycle": cycle})
    return ruleset_version_current(ruleset)


def _check_items_known(rules: CoreRuleSet, events: Iterable[Event]) -> None:
    unknown = sorted({event.item for event in events if rules.item(event.item) is None})
    if unknown:
        raise ValidationError(
            messages.SCORES_ITEMS_UNKNOWN % {"ruleset": rules.name, "items": "、".join(unknown)}
        )


def item_names(version: RuleSetVersion) -> dict[str, str]:
    """item code → item name under the version's effective rules (for lists and forms)."""
    return {item.code: item.name for item in effective_ruleset(version).items}


def describe_entry(entry: LedgerEntry) -> dict[str, Any]:
    """The fields an audit record keeps of a ledger entry."""
    return {
        "member": entry.member_id,
        "branch": entry.branch.code,
        "ruleset_version": entry.ruleset_version_id,
        "item": entry.item_code,
        "occurred_on": entry.occurred_on,
        "points": entry.points,
        "source": entry.source,
        "reverses": entry.reverses_id,
    }
