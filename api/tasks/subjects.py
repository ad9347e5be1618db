"""What a task is about (its subject): the claim, the period review, the appeal, the 民主评议, the
年度总评 or the 自主设定项目申请.

A claim and an appeal read as they do in their own resources (``api/claims``: the same serializers);
a period review as a short brief, its status the component the periods resources use; the year-end's
records as the briefs of ``api/yearend``.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from rest_framework import serializers

from api.claims.serializers.appeals import AppealSerializer
from api.claims.serializers.claims import ClaimSerializer
from api.rule_proposals.serializers import RuleProposalBriefSerializer
from api.schema import enum_field
from api.scores.corrections import CorrectionSerializer, ReopeningSerializer
from api.scores.serializers import review_status
from api.yearend.briefs import AnnualReviewBriefSerializer, EvaluationBriefSerializer
from scoring.core.annual import grade_choices
from scoring.core.periods import Period, PeriodKind
from scoring.core.ruleset import EvaluationKind
from scoring.selectors import effective_ruleset, item_names
from workflows.models import Appeal, PeriodReview
from workflows.periods import cycle_rules, open_appeals

SUBJECT_TYPES = [
    ("claim", "积分申报"),
    ("period_review", "期间审定"),
    ("appeal", "申诉"),
    ("evaluation", "民主评议"),
    ("annual_review", "年度总评"),
    ("rule_proposal", "自主设定项目申请"),
    ("correction", "台账更正"),
    ("reopening", "退回重新审定"),
]
RECORDS = [kind for kind, _ in SUBJECT_TYPES]
# The API resources that show each subject in full.
SUBJECT_ROUTES = {
    "claim": "api:claim-detail",
    "appeal": "api:appeal-detail",
    "period_review": "api:publicity-detail",
    "evaluation": "api:evaluation-detail",
    "annual_review": "api:annual-review-detail",
    "rule_proposal": "api:rule-proposal-detail",
    "correction": "api:correction-detail",
    "reopening": "api:reopening-detail",
}


def result_choices(appeal: Appeal) -> list[str] | None:
    """What an appeal against a year-end result may correct it to: a 评议等次 or a 年度等次 (None for a
    vote score, which is a number within the session's full marks)."""
    window = appeal.window
    if window.evaluation_id is not None:
        session = window.evaluation
        return list(session.levels) if session.kind == EvaluationKind.LEVELS else None
    review = window.annual_review
    return list(grade_choices(cycle_rules(review.branch, review.cycle)))


def points_range(version, code: str) -> tuple | None:
    """The item's range when its points are chosen at review (调整 within it), else None."""
    item = effective_ruleset(version).item(code)
    return item.points_range if item is not None and item.is_range else None


class PeriodReviewBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="期间名称，如“2026年度第1季度”")
    period = serializers.SerializerMethodField(help_text="周期代码，如 2026-Q1")
    cycle = serializers.IntegerField(help_text="积分年度")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = review_status()
    status_display = serializers.CharField(source="get_status_display")
    publicity_closes_at = serializers.DateTimeField(source="window.closes_at", help_text="公示截止时间")
    open_appeals = serializers.SerializerMethodField(help_text="未处理的申诉件数")

    def get_period(self, review: PeriodReview) -> str:
        return Period(review.cycle, PeriodKind(review.period_kind), review.period_index).code

    def get_open_appeals(self, review: PeriodReview) -> int:
        # A list that read its reviews' counts in one query hands them over (``filing_page``).
        counted = self.context.get("open_appeals_by_review", {})
        if review.pk in counted:
            return counted[review.pk]
        return open_appeals(review).count()


class SubjectSerializer(serializers.Serializer):
    """The record the task acts on; exactly one of ``claim``, ``period_review``, ``appeal``,
    ``evaluation``, ``annual_review``, ``rule_proposal``, ``correction``, ``reopening`` is set (the one
    ``type`` names)."""

    type = enum_field("TaskSubjectTypeEnum", SUBJECT_TYPES)
    id = serializers.IntegerField()
    summary = serializers.CharField(help_text="一句话摘要")
    url = serializers.CharField(
        help_text="该记录的接口地址（申报、申诉、公示、民主评议、年度总评或自主设定项目申请详情）"
    )
    claim = ClaimSerializer(allow_null=True)
    period_review = PeriodReviewBriefSerializer(allow_null=True)
    appeal = AppealSerializer(allow_null=True)
    evaluation = EvaluationBriefSerializer(allow_null=True)
    annual_review = AnnualReviewBriefSerializer(allow_null=True)
    rule_proposal = RuleProposalBriefSerializer(allow_null=True)
    correction = CorrectionSerializer(allow_null=True)
    reopening = ReopeningSerializer(allow_null=True)


def subject_of(process, context: dict) -> dict:
    """The subject of a ``BranchProcess`` as the ``SubjectSerializer`` reads it."""
    record, kind = _record(process)
    return {
        "type": kind,
        "id": record.pk,
        "summary": _summary(kind, record, context),
        "url": _url(kind, record, context),
        **{name: record if kind == name else None for name in RECORDS},
    }


def _record(process):
    for kind in RECORDS:
        record = getattr(process, kind)
        if record is not None:
            return record, kind
    raise LookupError(f"process {process.pk} carries no record")


def _item_name(context: dict, version, code: str) -> str:
    # The memo the claims serializers keep in the context: one look-up per rule-set version per response.
    names = context.setdefault("item_names", {})
    if version.pk not in names:
        names[version.pk] = item_names(version)
    return names[version.pk].get(code, code)


def _summary(kind: str, record, context: dict) -> str:
    if kind == "claim":
        name = _item_name(context, record.ruleset_version, record.item_code)
        return f"{record.member.real_name} · {record.occurred_on} · {name}"
    if kind in ("period_review", "evaluation", "annual_review"):
        return f"{record.branch.name} {record.label}"
    if kind == "rule_proposal":
        return f"{record.organization.name} {record.label}（{record.effective_from} 起）"
    if kind == "correction":
        entry = record.entry
        name = _item_name(context, entry.ruleset_version, entry.item_code)
        return f"更正 {entry.member.real_name} {entry.occurred_on} {name} {entry.points:+}"
    if kind == "reopening":
        return f"{record.review.branch.name} {record.review.label} 退回重新审定"
    if record.entry_id is None:  # an appeal against a year-end result
        owner = record.window.owner
        return f"{record.appellant.real_name} 对 {record.subject.real_name} 的{owner.label}结果的申诉"
    entry = record.entry
    name = _item_name(context, entry.ruleset_version, entry.item_code)
    disputed = f"{entry.member.real_name} {entry.occurred_on} {name} {entry.points:+}"
    return f"{record.appellant.real_name} 对 {disputed} 的申诉"


def _url(kind: str, record, context: dict) -> str:
    path = reverse(SUBJECT_ROUTES[kind], args=[record.pk])
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def with_subjects(tasks: QuerySet) -> QuerySet:
    """The tasks with their process, branch, owner and subject loaded in the same query."""
    bp = "process__branchprocess__"
    return tasks.select_related(
        "owner",
        f"{bp}organization",
        f"{bp}claim__member",
        f"{bp}claim__branch",
        f"{bp}claim__ruleset_version",
        f"{bp}period_review__branch",
        f"{bp}period_review__window",
        f"{bp}appeal__appellant",
        f"{bp}appeal__decided_by",
        f"{bp}appeal__entry__member",
        f"{bp}appeal__entry__ruleset_version",
        f"{bp}appeal__window__branch",
        f"{bp}appeal__window__review",
        f"{bp}appeal__window__evaluation__branch",
        f"{bp}appeal__window__annual_review__branch",
        f"{bp}appeal__subject",
        f"{bp}evaluation__branch",
        f"{bp}annual_review__branch",
        f"{bp}rule_proposal__organization",
        f"{bp}correction__entry__member",
        f"{bp}correction__entry__ruleset_version",
        f"{bp}correction__branch",
        f"{bp}reopening__review__branch",
    )
