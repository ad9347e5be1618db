"""Filters of the ledger (积分台账) list. Each works on the already scoped queryset."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from api.scores.params import PERIOD_HELP, period_param
from scoring.core.ruleset import Item
from scoring.models import LedgerEntry, RuleSetVersion
from scoring.selectors import effective_ruleset
from workflows.member_selectors import COUNTED_STATUSES
from workflows.models import PeriodReview

Source = LedgerEntry.Source

# What kind of entry, in the words the offices use: a member's claim, what the branch recorded
# (attendance, dues…), a correction (an upheld appeal's replacement or a reversal), an import.
KINDS = {
    "claim": ("党员申报", (Source.CLAIM,)),
    "branch": ("支部登记", (Source.RECORD,)),
    "correction": ("更正与冲正", (Source.APPEAL, Source.REVERSAL)),
    "import": ("导入", (Source.IMPORT,)),
}
KIND_OF_SOURCE = {source: kind for kind, (_, sources) in KINDS.items() for source in sources}
STATUSES = [("pending", "待审定"), ("frozen", "已审定")]
STATES = [("counted", "有效"), ("reversed", "已被冲正"), ("reversal", "冲正记录")]


def approved_period_covers() -> Exists:
    """Whether an entry lies in an approved (审定) period of its branch — as 我的积分 tells frozen from
    pending: such an entry counts through the frozen scores, any other is still pending."""
    return Exists(
        PeriodReview.objects.filter(
            branch=OuterRef("branch"),
            status__in=COUNTED_STATUSES,
            starts_on__lte=OuterRef("occurred_on"),
            ends_on__gte=OuterRef("occurred_on"),
        )
    )


def _per_version(
    queryset: QuerySet[LedgerEntry], condition: Callable[[RuleSetVersion], Q | None]
) -> QuerySet:
    """Filter by what each entry's own rule version says (its items' categories, its cycle's months)."""
    versions = RuleSetVersion.objects.filter(pk__in=queryset.values("ruleset_version")).select_related(
        "ruleset"
    )
    matches = Q(pk__in=[])
    for version in versions:
        q = condition(version)
        if q is not None:
            matches |= Q(ruleset_version=version) & q
    return queryset.filter(matches)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    """A whole number within the column's range: anything else is a 400, never a query the database
    cannot take (SQLite refuses integers past 64 bits)."""

    field_class = forms.IntegerField


class LedgerFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="branch__code", label="支部编码")
    member = IntegerFilter(field_name="member_id", label="党员 id", min_value=1, max_value=2**63 - 1)
    item = filters.CharFilter(field_name="item_code", label="积分项目编码")
    category = filters.CharFilter(method="filter_category", label="积分类别编码")
    kind = filters.ChoiceFilter(
        choices=[(kind, label) for kind, (label, _) in KINDS.items()], method="filter_kind", label="记录类别"
    )
    date_from = filters.DateFilter(field_name="occurred_on", lookup_expr="gte", label="发生日期起")
    date_to = filters.DateFilter(field_name="occurred_on", lookup_expr="lte", label="发生日期止")
    cycle = IntegerFilter(
        field_name="ruleset_version__ruleset__cycle", label="积分年度", min_value=1, max_value=9999
    )
    period = filters.CharFilter(method="filter_period", label="周期", help_text=PERIOD_HELP)
    status = filters.ChoiceFilter(choices=STATUSES, method="filter_status", label="审定状态")
    state = filters.ChoiceFilter(choices=STATES, method="filter_state", label="冲正状态")

    class Meta:
        model = LedgerEntry
        fields = ["branch", "member", "item", "category", "kind", "date_from", "date_to", "cycle", "period"]

    def filter_category(self, queryset, name, value):
        def in_category(version: RuleSetVersion) -> Q | None:
            items: tuple[Item, ...] = effective_ruleset(version).items
            codes = [item.code for item in items if item.category == value]
            return Q(item_code__in=codes) if codes else None

        return _per_version(queryset, in_category)

    def filter_kind(self, queryset, name, value):
        return queryset.filter(source__in=KINDS[value][1])

    def filter_period(self, queryset, name, value):
        period = period_param(value)

        def within(version: RuleSetVersion) -> Q | None:
            if version.ruleset.cycle != period.cycle:
                return None
            return Q(occurred_on__range=period.bounds(effective_ruleset(version)))

        return _per_version(queryset, within)

    def filter_status(self, queryset, name, value):
        return queryset.filter(frozen=(value == "frozen"))

    def filter_state(self, queryset, name, value):
        if value == "counted":
            return queryset.filter(reverses__isnull=True, reversed_by__isnull=True)
        if value == "reversed":
            return queryset.filter(reversed_by__isnull=False)
        return queryset.filter(reverses__isnull=False)
