"""备案 over the API: the higher committee's queue of approved periods, read and decided.

A filing is one approval (审定) of one branch's period sent up; its frozen scores are what counts. The
decision is the period's 备案 task (``PeriodReviewFlow.file``), done through ``task_carry_out`` with
``filing_archive`` / ``filing_return`` — the service the task page calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Avg, Count, F, Max, Min, Q, QuerySet, Sum
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from viewflow.workflow.models import Task

from accounts.access import granted_paths
from accounts.models import Member
from api.claims.serializers.common import MemberNameSerializer
from api.schema import enum_field
from api.serializers import OrganizationBriefSerializer
from api.tasks.subjects import PeriodReviewBriefSerializer
from reports.exports.api import FilingPackageSerializer, filing_package_data
from workflows import messages
from workflows.execution import OPEN, TaskConflict, holder_name, holder_names, task_carry_out
from workflows.flows import PeriodReviewFlow
from workflows.member_selectors import frozen_line, rankings_shown
from workflows.models import Appeal, Filing, FrozenScore
from workflows.selectors import rows_of_places


def filings_visible_to(user) -> QuerySet[Filing]:
    """The filings of the branches below the higher committees ``user`` serves (审核备案): the branches
    named when few (``workflows.selectors.rows_of_places``), no condition for the province's top."""
    return (
        Filing.objects.filter(_served(user))
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


def _served(user) -> Q:
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    paths = granted_paths(user, "review_filings").get("review_filings", [])
    return rows_of_places(user, paths, "approval__review__branch") or Q()


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


@dataclass(frozen=True)
class FilingPage:
    """What a page of the 备案 queue shows beside each filing, read for the whole page at once."""

    names: dict[int, str]  # the approvers' and deciders' names, by user id
    open_appeals: dict[int, int]  # 未处理的申诉 of each period review, by review id
    task_ids: dict[int, int]  # the open 备案 task of each filing still waiting for it, by filing id


def filing_page(filings: list[Filing]) -> FilingPage:
    reviews = {filing.approval.review_id for filing in filings}
    open_counts = dict(
        Appeal.objects.filter(window__review__in=reviews, status=Appeal.Status.OPEN)
        .values("window__review")
        .annotate(n=Count("pk"))
        .values_list("window__review", "n")
    )
    waiting = {
        filing.approval.review_id: filing.pk for filing in filings if filing.status == Filing.Status.SUBMITTED
    }
    task_ids: dict[int, int] = {}
    tasks = Task.objects.filter(
        process__branchprocess__period_review__in=list(waiting),
        flow_task=PeriodReviewFlow.file,
        status__in=OPEN,
    ).values_list("process__branchprocess__period_review", "pk")  # newest first, as filing_task's .first()
    for review_id, task_id in tasks:
        task_ids.setdefault(waiting[review_id], task_id)
    return FilingPage(
        names=holder_names(
            user for filing in filings for user in (filing.approval.approved_by, filing.decided_by)
        ),
        open_appeals={review_id: open_counts.get(review_id, 0) for review_id in reviews},
        task_ids=task_ids,
    )


def _page(context: dict) -> FilingPage | None:
    return context.get("filing_page")


def _name(user, context: dict | None = None) -> str | None:
    if user is None:
        return None
    page = _page(context or {})
    if page is not None and user.pk in page.names:
        return page.names[user.pk]
    return holder_name(user)


class FilingListSerializer(serializers.ListSerializer):
    """A page of filings: the names, open appeals and open 备案 tasks its rows show are read in one
    query each (``filing_page``), not once per filing — the province's queue holds thousands."""

    def to_representation(self, data):
        filings = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        self.context["filing_page"] = filing_page(filings)
        self.context["open_appeals_by_review"] = self.context["filing_page"].open_appeals
        return super().to_representation(filings)


class ApprovalSerializer(serializers.Serializer):
    """审定: who approved the period, when, in which round, with what note."""

    id = serializers.IntegerField()
    round = serializers.IntegerField(help_text="审定轮次（退回后重新审定递增）")
    approved_by = serializers.SerializerMethodField(help_text="审定人")
    approved_at = serializers.DateTimeField(help_text="审定时间")
    note = serializers.CharField(help_text="审定意见")

    def get_approved_by(self, approval) -> str:
        return _name(approval.approved_by, self.context)


class FilingSerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = FilingListSerializer

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
        return _name(filing.decided_by, self.context)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_task_id(self, filing: Filing) -> int | None:
        page = _page(self.context)
        if page is not None:
            return page.task_ids.get(filing.pk)
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
