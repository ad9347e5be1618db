"""Filters of the member-facing lists (django-filter): they narrow a scoped queryset, never widen it."""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from scoring.models import RuleSet
from workflows.models import Appeal, Claim, PeriodReview

ID_MAX = 2**63 - 1
CYCLE_MAX = 32767  # a PositiveSmallIntegerField


def whole_number_filter(*, label: str, min_value: int, max_value: int, **kwargs) -> filters.NumberFilter:
    """A whole number within the column's range: anything else is a 400 with a Chinese message, never a
    database error (SQLite cannot even bind an integer past 64 bits)."""
    schema = {"type": "integer", "minimum": min_value, "maximum": max_value, "description": label}
    field_class = extend_schema_field(schema)(
        type("WholeNumberFilter", (filters.NumberFilter,), {"field_class": forms.IntegerField})
    )
    return field_class(label=label, min_value=min_value, max_value=max_value, **kwargs)


def id_filter(field_name: str, label: str) -> filters.NumberFilter:
    return whole_number_filter(field_name=field_name, label=label, min_value=1, max_value=ID_MAX)


def cycle_filter() -> filters.NumberFilter:
    return whole_number_filter(field_name="cycle", label="积分年度", min_value=1, max_value=CYCLE_MAX)


class MineFilter(filters.BooleanFilter):
    """``?mine=true``: only what is the caller's own (their claims, their appeals)."""

    def __init__(self, *, owner_field: str, **kwargs):
        kwargs.setdefault("label", "只看我自己的")
        super().__init__(method=self.only_mine, **kwargs)
        self.owner_field = owner_field

    def only_mine(self, queryset, name, value):
        if value is None:
            return queryset
        mine = {self.owner_field: self.parent.request.user}
        return queryset.filter(**mine) if value else queryset.exclude(**mine)


class RuleSetFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", label="制定组织编码")
    cycle = cycle_filter()

    class Meta:
        model = RuleSet
        fields = ["cycle", "organization"]


class ClaimFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Claim.Status.choices, label="状态")
    source = filters.ChoiceFilter(choices=Claim.Source.choices, label="来源")
    item_code = filters.CharFilter(label="积分项目编码")
    member = id_filter("member_id", "党员编号")
    branch = filters.CharFilter(field_name="branch__code", label="支部编码")
    occurred_on = filters.DateFromToRangeFilter(
        label="发生日期区间（occurred_on_after / occurred_on_before）"
    )
    mine = MineFilter(owner_field="member__user")

    class Meta:
        model = Claim
        fields = ["status", "source", "item_code", "member", "branch", "occurred_on", "mine"]


class PublicityFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="branch__code", label="支部编码")
    status = filters.ChoiceFilter(choices=PeriodReview.Status.choices, label="状态")
    cycle = cycle_filter()

    class Meta:
        model = PeriodReview
        fields = ["branch", "status", "cycle"]


APPEAL_KINDS = {
    "entry": {"entry__isnull": False},
    "evaluation": {"window__evaluation__isnull": False},
    "annual": {"window__annual_review__isnull": False},
}


class AppealFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Appeal.Status.choices, label="状态")
    kind = filters.ChoiceFilter(
        choices=[("entry", "积分记录"), ("evaluation", "民主评议结果"), ("annual", "年度等次")],
        method="filter_kind",
        label="申诉对象",
    )
    branch = filters.CharFilter(field_name="window__branch__code", label="支部编码")
    publicity = id_filter("window__review_id", "公示编号")
    evaluation = id_filter("window__evaluation_id", "民主评议 id")
    annual_review = id_filter("window__annual_review_id", "年度总评 id")
    subject = id_filter("subject_id", "被申诉结果所属党员的 id")
    mine = MineFilter(owner_field="appellant__user")

    class Meta:
        model = Appeal
        fields = ["status", "kind", "branch", "publicity", "evaluation", "annual_review", "subject", "mine"]

    def filter_kind(self, queryset, name, value):
        return queryset.filter(**APPEAL_KINDS[value])
