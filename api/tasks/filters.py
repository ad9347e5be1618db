"""Filters of the task lists and the filings queue (django-filter)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from api.tasks.kinds import BY_CODE, KIND_CHOICES
from api.tasks.serializers import FLOWS, ID_MAX
from scoring.core.periods import PeriodKind, parse_period
from workflows.correction_flows import CorrectionFlow, PeriodReopenFlow
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Filing
from workflows.rule_flows import RuleProposalFlow
from yearend.flows import AnnualReviewFlow, EvaluationFlow

FLOW_CLASSES = {
    "claim": ClaimFlow,
    "period": PeriodReviewFlow,
    "appeal": AppealFlow,
    "evaluation": EvaluationFlow,
    "annual": AnnualReviewFlow,
    "rule_proposal": RuleProposalFlow,
    "correction": CorrectionFlow,
    "reopening": PeriodReopenFlow,
}
CLAIM = "process__branchprocess__claim__"


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class TaskFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=KIND_CHOICES, method="filter_kind", label="任务类型")
    flow = filters.ChoiceFilter(choices=FLOWS, method="filter_flow", label="流程")
    branch = filters.CharFilter(field_name="process__branchprocess__organization__code", label="支部编码")
    status = filters.ChoiceFilter(choices=STATUS.choices, label="任务状态")
    created_from = filters.DateFilter(field_name="created", lookup_expr="date__gte", label="创建日期自")
    created_to = filters.DateFilter(field_name="created", lookup_expr="date__lte", label="创建日期至")
    member = IntegerFilter(
        method="filter_member", label="党员 id（申报的党员或申诉人）", min_value=1, max_value=ID_MAX
    )
    item = filters.CharFilter(field_name=f"{CLAIM}item_code", label="积分项目编码（申报任务）")

    class Meta:
        model = Task
        fields = ["kind", "flow", "branch", "status", "created_from", "created_to", "member", "item"]

    def filter_kind(self, queryset, name, value):
        return queryset.filter(flow_task=BY_CODE[value].node)

    def filter_flow(self, queryset, name, value):
        return queryset.filter(process__flow_class=FLOW_CLASSES[value])

    @extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
    def filter_member(self, queryset, name, value):
        return queryset.filter(
            Q(**{f"{CLAIM}member_id": value}) | Q(process__branchprocess__appeal__appellant_id=value)
        )


class FilingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Filing.Status.choices, label="备案状态")
    branch = filters.CharFilter(field_name="approval__review__branch__code", label="支部编码")
    period = filters.CharFilter(method="filter_period", label="周期代码：2026、2026-H1、2026-Q1、2026-M03")

    class Meta:
        model = Filing
        fields = ["status", "branch", "period"]

    def filter_period(self, queryset, name, value):
        try:
            period = parse_period(value)
        except ValueError as error:
            raise ValidationError({"period": [str(error)]}) from None
        reviews = Q(approval__review__cycle=period.cycle)
        if period.kind is not PeriodKind.CYCLE:
            reviews &= Q(
                approval__review__period_kind=period.kind.value, approval__review__period_index=period.index
            )
        return queryset.filter(reviews)
