"""支委会会议 pages: a branch's meetings, recording one, deciding the waiting 支委会审核 in it, and its
会议记录 as a PDF.

Who sees a branch's meetings: those who follow the branch (its committee, clerk, secretary, the higher
committee) — anyone else gets a 404. Recording a meeting and entering its decisions needs the review
permission in the branch (a 403 otherwise); the services check again.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View, generic
from viewflow.views.base import BulkActionForm

from accounts import access
from accounts.access import role_holders
from accounts.duties import concerns
from accounts.roles import REVIEW_CLAIMS
from audit.services import audit_trail
from config.formats import day_text
from reports.readiness import PdfUnavailable
from scoring.selectors import effective_ruleset
from workflows import meetings
from workflows.execution import holder_name
from workflows.forms import POINTS_FIELD
from workflows.models import CommitteeMeeting
from workflows.views.clerk import get_branch_for_user
from workflows.views.member import ISO_DATE
from workflows.views.tasks import add_service_errors


def get_meeting_for_user(user: Any, pk: int) -> CommitteeMeeting:
    """A meeting of a branch the user follows, else 404."""
    return get_object_or_404(meetings.meetings_visible_to(user), pk=pk)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return holder_name(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return holder_name(obj)


# ---------------------------------------------------------------- lists


class MeetingIndexView(LoginRequiredMixin, generic.TemplateView):
    """支委会会议: the branches the user follows, their waiting reviews and latest meetings."""

    template_name = "workflows/meetings/index.html"

    def get_context_data(self, **kwargs):
        from workflows.member_selectors import branches_followed_by

        user = self.request.user
        branches = list(branches_followed_by(user))
        if not branches:
            raise PermissionDenied
        rows = [
            {
                "branch": branch,
                "waiting": meetings.review_tasks_of(branch).count(),
                "may_record": access.may(user, REVIEW_CLAIMS, branch),
                "latest": CommitteeMeeting.objects.filter(branch=branch).first(),
            }
            for branch in branches
        ]
        return super().get_context_data(**kwargs, rows=rows)


class BranchMeetingsView(LoginRequiredMixin, generic.TemplateView):
    """One branch's meetings, the newest first."""

    template_name = "workflows/meetings/branch.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        branch = get_branch_for_user(user, self.kwargs["pk"])
        return super().get_context_data(
            **kwargs,
            branch=branch,
            meetings=CommitteeMeeting.objects.filter(branch=branch).select_related("chair", "recorder"),
            waiting=meetings.review_tasks_of(branch).count(),
            may_record=access.may(user, REVIEW_CLAIMS, branch),
        )


# ---------------------------------------------------------------- recording a meeting


class MeetingForm(forms.Form):
    """会议登记: when and where, who of the committee attended, who chaired and who took the minutes."""

    held_on = forms.DateField(
        label=_("会议日期"),
        widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}),
        initial=timezone.localdate,
    )
    place = forms.CharField(label=_("会议地点"), max_length=100)
    attendees = PeopleChoiceField(
        label=_("出席委员"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("没有勾选的委员记为缺席；须超过应到人数的规定比例（默认过半数）会议方可审核"),
    )
    chair = PersonChoiceField(label=_("主持人"), queryset=None)
    recorder = PersonChoiceField(label=_("记录人"), queryset=None)
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea, required=False)

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        today = timezone.localdate()
        roster = [u.pk for u in meetings.committee_roster(branch, today)]
        clerks = [u.pk for u in role_holders(branch, meetings.Role.CLERK, on=today)]
        users = get_user_model().objects.order_by("pk")
        self.fields["attendees"].queryset = users.filter(pk__in=roster)
        self.fields["chair"].queryset = users.filter(pk__in=roster)
        self.fields["recorder"].queryset = users.filter(pk__in=roster + clerks)


class MeetingNewView(LoginRequiredMixin, generic.FormView):
    template_name = "workflows/meetings/new.html"
    form_class = MeetingForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.branch = get_branch_for_user(request.user, kwargs["pk"], REVIEW_CLAIMS)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "branch": self.branch}

    def get_context_data(self, **kwargs):
        from workflows.escalation import review_settings_for

        return super().get_context_data(
            **kwargs,
            branch=self.branch,
            quorum_percent=review_settings_for(self.branch).committee_quorum_percent,
            roster_size=len(meetings.committee_roster(self.branch, timezone.localdate())),
        )

    def form_valid(self, form):
        try:
            meeting = meetings.meeting_record(branch=self.branch, by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("已登记支委会会议，请对待审核的申报作出决定。"))
        return redirect("meetings:decide", meeting.pk)


# ---------------------------------------------------------------- a meeting


def decision_rows(meeting: CommitteeMeeting) -> list[dict[str, Any]]:
    """Each claim the meeting decided, with its result, points, reason and who 回避."""
    attendee_ids = set(meeting.attendees.values_list("pk", flat=True))
    rows = []
    for claim in meeting.claims.select_related("member", "ruleset_version").order_by("pk"):
        item = effective_ruleset(claim.ruleset_version).item(claim.item_code)
        rows.append(
            {
                "claim": claim,
                "item_name": item.name if item else claim.item_code,
                "recused": claim.member.real_name if claim.member.user_id in attendee_ids else "",
            }
        )
    return rows


class MeetingDetailView(LoginRequiredMixin, generic.TemplateView):
    template_name = "workflows/meetings/detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        meeting = get_meeting_for_user(user, self.kwargs["pk"])
        return super().get_context_data(
            **kwargs,
            meeting=meeting,
            attendance=meetings.meeting_attendance(meeting),
            rows=decision_rows(meeting),
            waiting=meetings.review_tasks_of(meeting.branch).count(),
            may_decide=meeting.attendees.filter(pk=user.pk).exists(),
            trail=audit_trail(meeting).select_related("actor"),
        )


# ---------------------------------------------------------------- deciding the batch


SKIP = ""
VERDICTS = [
    (SKIP, _("本次不审核")),
    (meetings.APPROVE, _("通过")),
    (meetings.ADJUST, _("调整分值")),
    (meetings.REJECT, _("不予通过")),
]


class MeetingDecideForm(forms.Form):
    """The meeting's decisions: for each waiting claim 通过, 调整分值 (points, reason), 不予通过 (reason)."""

    def __init__(self, *args, tasks, user, attendee_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for task in tasks:
            claim = task.process.branchprocess.claim
            item = effective_ruleset(claim.ruleset_version).item(claim.item_code)
            own = concerns(user, claim.member)
            prefix = f"t{task.pk}"
            self.fields[f"{prefix}_verdict"] = forms.ChoiceField(
                label=_("决定"),
                choices=VERDICTS,
                required=False,
                disabled=own,
                widget=forms.RadioSelect,
                initial=SKIP,
            )
            self.fields[f"{prefix}_points"] = forms.DecimalField(label=_("核定分值"), **POINTS_FIELD)
            self.fields[f"{prefix}_reason"] = forms.CharField(label=_("理由"), max_length=500, required=False)
            self.rows.append(
                {
                    "task": task,
                    "claim": claim,
                    "item": item,
                    "item_name": item.name if item else claim.item_code,
                    "own": own,
                    "recuses": claim.member.user_id in attendee_ids,
                    "taken_by": holder_name(task.owner) if task.owner_id and task.owner_id != user.pk else "",
                    "verdict": self[f"{prefix}_verdict"],
                    "points": self[f"{prefix}_points"],
                    "reason": self[f"{prefix}_reason"],
                }
            )

    def decisions(self) -> list[meetings.MeetingDecision]:
        chosen = []
        for row in self.rows:
            prefix = f"t{row['task'].pk}"
            verdict = self.cleaned_data.get(f"{prefix}_verdict") or SKIP
            if verdict == SKIP:
                continue
            chosen.append(
                meetings.MeetingDecision(
                    task=row["task"],
                    verdict=verdict,
                    points=self.cleaned_data.get(f"{prefix}_points"),
                    reason=self.cleaned_data.get(f"{prefix}_reason") or "",
                )
            )
        return chosen


class MeetingDecideView(LoginRequiredMixin, generic.FormView):
    """会议审核: the branch's waiting 支委会审核, the oldest first; one submit decides the chosen ones."""

    template_name = "workflows/meetings/decide.html"
    form_class = MeetingDecideForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.meeting = get_meeting_for_user(request.user, kwargs["pk"])
        if not access.may(request.user, REVIEW_CLAIMS, self.meeting.branch):
            raise PermissionDenied
        self.attendee_ids = set(self.meeting.attendees.values_list("pk", flat=True))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "tasks": meetings.review_tasks_of(self.meeting.branch)
            .select_related("process__branchprocess__claim__ruleset_version")
            .prefetch_related("process__branchprocess__claim__evidence"),
            "user": self.request.user,
            "attendee_ids": self.attendee_ids,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            meeting=self.meeting,
            attendance=meetings.meeting_attendance(self.meeting),
            attended=self.request.user.pk in self.attendee_ids,
        )

    def form_valid(self, form):
        try:
            decided = meetings.meeting_decide(
                meeting=self.meeting, decisions=form.decisions(), by=self.request.user
            )
        except meetings.MeetingDecisionsRefused as refused:
            form.add_error(None, refused.message)
            for row in form.rows:
                problem = refused.problems.get(row["task"].pk)
                if problem:
                    form.add_error(f"t{row['task'].pk}_verdict", problem)
            return self.form_invalid(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("会议已审核 %(count)s 条申报。") % {"count": len(decided)})
        return redirect("meetings:detail", self.meeting.pk)


# ---------------------------------------------------------------- 会议记录 (PDF)


class MeetingPdfView(LoginRequiredMixin, View):
    def get(self, request, pk: int) -> HttpResponse:
        from reports.documents.meeting_form import meeting_record_pdf

        meeting = get_meeting_for_user(request.user, pk)
        try:
            data = meeting_record_pdf(meeting)
        except PdfUnavailable as error:
            return render(request, "reports/documents/problem.html", {"problems": [str(error)]}, status=503)
        name = f"{meeting.branch.name}_{meeting.held_on:%Y%m%d}_支委会会议记录.pdf"
        return FileResponse(
            io.BytesIO(data), as_attachment=True, filename=name, content_type="application/pdf"
        )


# ---------------------------------------------------------------- 批量审核通过 names its meeting


def meeting_label(meeting: CommitteeMeeting) -> str:
    return f"{day_text(meeting.held_on)} {meeting.branch.name}（{meeting.place}）"


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return meeting_label(obj)


class BulkApproveMeetingForm(BulkActionForm):
    """批量审核通过 is a meeting's decision too: the committee meeting that decided it, among the recent
    meetings the user attended (the page links to recording one). Checked on confirming only, so the first
    visit from the inbox shows the choice without an error."""

    RECENT_DAYS = 92

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        since = timezone.localdate() - datetime.timedelta(days=self.RECENT_DAYS)
        self.fields["meeting"] = MeetingChoiceField(
            label=_("支委会会议"),
            queryset=CommitteeMeeting.objects.filter(attendees=user, held_on__gte=since)
            .select_related("branch")
            .order_by("-held_on", "-pk"),
            required=False,
            empty_label=gettext("——请选择审核这些申报的支委会会议——"),
        )
