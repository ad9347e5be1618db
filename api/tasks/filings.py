"""备案 over the API: the higher committee's queue of approved periods, read and decided.

A filing is one approval (审定) of one branch's period sent up; its frozen scores are what counts. The
decision is the period's 备案 task (``PeriodReviewFlow.file``), done through ``task_carry_out`` with
``filing_archive`` / ``filing_return`` — the service the task page calls.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, F, Max, Min, QuerySet, Sum
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from viewflow.workflow.models import Task

from accounts.access import organizations_where
from accounts.models import Member
from api.claims.serializers.common import MemberNameSerializer
from api.schema import enum_field
from api.serializers import OrganizationBriefSerializer
from api.tasks.subjects import PeriodReviewBriefSerializer
from reports.exports.api import FilingPackageSerializer, filing_package_data
from workflows import messages
from workflows.execution import OPEN, TaskConflict, holder_name, task_carry_out
from workflows.flows import PeriodReviewFlow
from workflows.member_selectors import frozen_line, rankings_shown
from workflows.models import Filing, FrozenScore


def filings_visible_to(user) -> QuerySet[Filing]:
    """The filings of the branches below the higher committees ``user`` serves (审核备案)."""
    return (
        Filing.objects.filter(approval__review__branch__in=organizations_where(user, "review_filings"))
        # The names the list orders by (?ordering=approved_at, ends_on, branch).
        .annotate(
            approved_at=F("approval__approved_at"),
            ends_on=F("approval__review__ends_on"),
            branch=F("approval__review__branch__code"),
        )
        .select_related(
            "approval__review__branch", "approval__review__window", "approval__approved_by", "decided_by"
        )
    )


def filing_task(filing: Filing) -> Task | None:
    """The open 备案 task deciding ``filing`` — none once it is decided."""
    if filing.status != Filing.Status.SUBMITTED:
        return None
    review = filing.approval.review
    return (
        Task.objects.filter(process=review.process, flow_task=PeriodReviewFlow.file, status__in=OPEN)
        .select_related("owner")
        .first()
    )


def filing_decide(filing: Filing, task: Task, user: Any, service, **kwargs: Any) -> Filing:
    """Do the 备案 task with ``service`` for this very filing: under the lock, a filing decided meanwhile
    (and perhaps approved again, with a new filing) is a conflict, never the new one decided instead."""

    def decide(*, by: Any, activation: Any, **rest: Any) -> Any:
        if not Filing.objects.filter(pk=filing.pk, status=Filing.Status.SUBMITTED).exists():
            raise TaskConflict(str(messages.FILING_ALREADY_DECIDED))
        return service(by=by, activation=activation, **rest)

    task_carry_out(task, user, decide, review=filing.approval.review, **kwargs)
    return filing_with_scores(filings_visible_to(user)).get(pk=filing.pk)


def filing_with_scores(filings: QuerySet[Filing]) -> QuerySet[Filing]:
    return filings.annotate(
        members=Count("approval__scores"),
        period_total_sum=Sum("approval__scores__period_total"),
        period_total_avg=Avg("approval__scores__period_total"),
        period_total_max=Max("approval__scores__period_total"),
        period_total_min=Min("approval__scores__period_total"),
    )


def _name(user) -> str | None:
    return holder_name(user) if user is not None else None


class ApprovalSerializer(serializers.Serializer):
    """审定: who approved the period, when, in which round, with what note."""

    id = serializers.IntegerField()
    round = serializers.IntegerField(help_text="审定轮次（退回后重新审定递增）")
    approved_by = serializers.SerializerMethodField(help_text="审定人")
    approved_at = serializers.DateTimeField(help_text="审定时间")
    note = serializers.CharField(help_text="审定意见")

    def get_approved_by(self, approval) -> str:
        return _name(approval.approved_by)


class FilingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = enum_field("FilingStatusEnum", Filing.Status.choices)
    status_display = serializers.CharField(source="get_status_display")
    branch = OrganizationBriefSerializer(source="approval.review.branch")
    period = PeriodReviewBriefSerializer(source="approval.review", help_text="期间审定")
    approval = ApprovalSerializer()
    decided_by = serializers.SerializerMethodField(help_text="备案或退回的办理人")
    decided_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(help_text="退回原因或备案意见")
    task_id = serializers.SerializerMethodField(help_text="待办理的备案任务 id；已处理时为 null")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, filing: Filing) -> str | None:
        return _name(filing.decided_by)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_task_id(self, filing: Filing) -> int | None:
        task = filing_task(filing)
        return task.pk if task else None


class TotalsSerializer(serializers.Serializer):
    members = serializers.IntegerField(help_text="审定人数")
    period_total_sum = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    period_total_avg = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    period_total_max = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    period_total_min = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class FrozenRowSerializer(serializers.Serializer):
    """One member's frozen score of the period (审定积分), as it counts."""

    member = MemberNameSerializer(source="score.member")
    member_kind = serializers.ChoiceField(choices=Member.Kind.choices, source="score.member.kind")
    period_total = serializers.DecimalField(max_digits=7, decimal_places=2, source="line.period_total")
    period_rank = serializers.IntegerField(allow_null=True, help_text="本期排名；参考排名者为 null")
    reference_rank = serializers.IntegerField(allow_null=True, help_text="发展对象、积极分子的参考排名")
    cycle_total = serializers.DecimalField(max_digits=7, decimal_places=2, source="line.cycle_total")
    cycle_rank = serializers.IntegerField(allow_null=True, help_text="年度累计排名")
    grade = serializers.CharField(source="line.grade", help_text="等次；尚未评定时为空")
    veto = serializers.BooleanField(source="line.veto", help_text="一票否决")


def frozen_rows(filing: Filing) -> list[dict]:
    scores = FrozenScore.objects.filter(approval=filing.approval).select_related(
        "member", "approval__review__branch"
    )
    shown = rankings_shown(filing.approval.review.branch)  # once for the list, not twice a member
    rows = []
    for score in scores:
        line = frozen_line(score, shown=shown)
        rank, cycle_rank = line.period_rank, line.cycle_rank
        rows.append(
            {
                "score": score,
                "line": line,
                "period_rank": rank.value if rank and not rank.reference else None,
                "reference_rank": rank.value if rank and rank.reference else None,
                "cycle_rank": cycle_rank.value if cycle_rank and not cycle_rank.reference else None,
            }
        )
    rows.sort(key=lambda r: (r["period_rank"] is None, r["period_rank"] or 0, r["score"].member.real_name))
    return rows


class FilingDetailSerializer(FilingSerializer):
    totals = serializers.SerializerMethodField(help_text="审定积分汇总")
    scores = serializers.SerializerMethodField(help_text="审定积分（冻结），按本期排名")
    package = serializers.SerializerMethodField(help_text="备案材料（PDF、Excel）、SHA-256 与校验结果")

    @extend_schema_field(FilingPackageSerializer(allow_null=True))
    def get_package(self, filing: Filing) -> dict | None:
        return filing_package_data(filing, self.context)

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, filing: Filing) -> dict:
        return TotalsSerializer(filing).data

    @extend_schema_field(FrozenRowSerializer(many=True))
    def get_scores(self, filing: Filing) -> list[dict]:
        return FrozenRowSerializer(frozen_rows(filing), many=True).data


class FilingArchiveSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="备案意见（可不填）"
    )


class FilingReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000,
        help_text="退回原因（必填）",
        error_messages={
            "required": str(messages.FILING_REASON_REQUIRED),
            "blank": str(messages.FILING_REASON_REQUIRED),
        },
    )
