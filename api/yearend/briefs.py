"""Short forms of the year-end's records, for the resources that point at them (tasks, appeals) as well as
its own: a 民主评议, a 年度总评, the enums they share. Nothing here imports the other API areas."""

from __future__ import annotations

from rest_framework import serializers

from api.schema import enum_field
from scoring.core.members import MemberType
from yearend.models import AnnualReview, EvaluationSession

POINTS = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True}
ID = {"min_value": 1, "max_value": 2**63 - 1}
CYCLE = {"min_value": 1, "max_value": 32767}


def decimal_field(**kwargs) -> serializers.DecimalField:
    """Points as decimal strings ("83.00")."""
    return serializers.DecimalField(**POINTS, **kwargs)


def member_type_field(**kwargs) -> serializers.ChoiceField:
    return enum_field("MemberTypeEnum", [(t.value, t.value) for t in MemberType], **kwargs)


def session_status(**kwargs) -> serializers.ChoiceField:
    return enum_field("EvaluationStatusEnum", EvaluationSession.Status.choices, **kwargs)


def review_status(**kwargs) -> serializers.ChoiceField:
    return enum_field("AnnualReviewStatusEnum", AnnualReview.Status.choices, **kwargs)


class BranchRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="支部 id（年终评议各支部接口的路径参数）")
    code = serializers.CharField(help_text="支部编码")
    name = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="党员 id")
    real_name = serializers.CharField(help_text="姓名")


class EvaluationBriefSerializer(serializers.Serializer):
    """民主评议 in short: whose, which year, where it stands."""

    id = serializers.IntegerField()
    label = serializers.CharField(help_text="如“2026年度民主评议”")
    branch = BranchRefSerializer()
    cycle = serializers.IntegerField(help_text="积分年度")
    kind = enum_field("EvaluationKindEnum", EvaluationSession.Kind.choices)
    status = session_status()
    status_display = serializers.CharField(source="get_status_display")


class AnnualReviewBriefSerializer(serializers.Serializer):
    """年度总评 in short: whose, which year, where it stands."""

    id = serializers.IntegerField()
    label = serializers.CharField(help_text="如“2026年度总评”")
    branch = BranchRefSerializer()
    cycle = serializers.IntegerField(help_text="积分年度")
    status = review_status()
    status_display = serializers.CharField(source="get_status_display")
    returned = serializers.BooleanField(help_text="曾被党委退回（审批或备案）后重新评定")


YEAR_END_KINDS = [("evaluation", "民主评议"), ("annual", "年度总评")]


class YearEndWindowSerializer(serializers.Serializer):
    """The 公示 of a year-end result: a 民主评议's 评议等次/得分, or a 年度总评's 等次."""

    kind = enum_field(
        "YearEndPublicityKindEnum", YEAR_END_KINDS, help_text="evaluation 民主评议；annual 年度总评"
    )
    id = serializers.IntegerField(help_text="民主评议或年度总评的 id")
    label = serializers.CharField()
    branch = BranchRefSerializer()
    opens_at = serializers.DateTimeField(help_text="公示开始")
    closes_at = serializers.DateTimeField(help_text="公示截止")


def year_end_window(window) -> dict | None:
    """A year-end window as ``YearEndWindowSerializer`` reads it; None for a period's window."""
    owner = window.evaluation or window.annual_review
    if owner is None:
        return None
    return {
        "kind": "evaluation" if window.evaluation_id else "annual",
        "id": owner.pk,
        "label": owner.label,
        "branch": window.branch,
        "opens_at": window.opens_at,
        "closes_at": window.closes_at,
    }
