"""Filters of the year-end lists (django-filter): they narrow a scoped queryset, never widen it."""

from __future__ import annotations

from django.db.models import Q
from django_filters import rest_framework as filters

from accounts.models import Organization
from api.claims.filters import CYCLE_MAX, cycle_filter, id_filter, whole_number_filter
from yearend.models import AnnualResult, AnnualReview, EvaluationSession, FollowUp


class EvaluationFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="branch__code", label="支部编码")
    status = filters.ChoiceFilter(choices=EvaluationSession.Status.choices, label="状态")
    cycle = cycle_filter()

    class Meta:
        model = EvaluationSession
        fields = ["branch", "status", "cycle"]


class AnnualReviewFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="branch__code", label="支部编码")
    status = filters.ChoiceFilter(choices=AnnualReview.Status.choices, label="状态")
    cycle = cycle_filter()

    class Meta:
        model = AnnualReview
        fields = ["branch", "status", "cycle"]


def below(queryset, field: str, code: str):
    """Rows whose branch lies at or below the organization ``code`` (none when no such organization)."""
    path = Organization.objects.filter(code=code).values_list("path", flat=True).first()
    if path is None:
        return queryset.none()
    return queryset.filter(**{f"{field}__path__startswith": path})


class AnnualResultFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="review__branch__code", label="支部编码")
    organization = filters.CharFilter(method="filter_organization", label="组织编码（含下级各支部）")
    cycle = whole_number_filter(
        field_name="review__cycle", label="积分年度", min_value=1, max_value=CYCLE_MAX
    )
    grade = filters.CharFilter(label="评定等次")
    honours_eligible = filters.BooleanFilter(label="可评先评优")
    graded = filters.BooleanFilter(label="参加等次评定")
    member = id_filter("member_id", "党员 id")

    class Meta:
        model = AnnualResult
        fields = ["branch", "organization", "cycle", "grade", "honours_eligible", "graded", "member"]

    def filter_organization(self, queryset, name, value):
        return below(queryset, "review__branch", value)


class FollowUpFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FollowUp.Status.choices, label="状态")
    kind = filters.ChoiceFilter(choices=FollowUp.Kind.choices, label="方式")
    branch = filters.CharFilter(field_name="result__review__branch__code", label="支部编码")
    cycle = whole_number_filter(
        field_name="result__review__cycle", label="积分年度", min_value=1, max_value=CYCLE_MAX
    )
    member = id_filter("result__member_id", "党员 id")
    overdue = filters.BooleanFilter(method="filter_overdue", label="已过整改时限仍未记录结果")

    class Meta:
        model = FollowUp
        fields = ["status", "kind", "branch", "cycle", "member", "overdue"]

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        late = Q(status=FollowUp.Status.OPEN, deadline__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)
