"""The members' year-end pages, made for a phone (``/me/evaluation/…``, ``/me/annual/…``): write the 自评,
vote on the others (secret: each sees only their own ballots), read the posted results and appeal.

Only members of the branch act here; those working in the branch may read the posted lists. Another
branch's session answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.views import generic

from accounts import access
from workflows import appeals
from workflows.models import PublicityWindow
from workflows.selectors import organizations_following
from workflows.views.tasks import add_service_errors
from yearend import evaluation
from yearend.forms import BallotForm, ResultAppealForm, SelfAssessmentForm
from yearend.models import AnnualReview, Ballot, EvaluationSession, SelfAssessment
from yearend.posted import posted_members, posted_rows
from yearend.selectors import member_year, result_appeals


def _visible(model, user):
    return model.objects.filter(
        Q(branch__members__user=user) | Q(branch__in=organizations_following(user))
    ).distinct()


def get_session_for_user(user, pk: int) -> EvaluationSession:
    return get_object_or_404(_visible(EvaluationSession, user).select_related("branch"), pk=pk)


def get_review_for_user(user, pk: int) -> AnnualReview:
    return get_object_or_404(_visible(AnnualReview, user).select_related("branch"), pk=pk)


def _window_context(window: PublicityWindow | None, member) -> dict:
    if window is None:
        return {"window": None, "rows": [], "window_open": False, "may_appeal": False}
    return {
        "window": window,
        "rows": posted_rows(window),
        "window_open": window.is_open(),
        "may_appeal": member is not None and member.branch_id == window.branch_id,
        "appeals": result_appeals(window).filter(appellant=member) if member else [],
    }


class EvaluationView(LoginRequiredMixin, generic.TemplateView):
    """民主评议 on the phone: 自评, 互评, then the posted results."""

    template_name = "yearend/me/evaluation.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.member = access.own_member(request.user) if request.user.is_authenticated else None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.session = get_session_for_user(request.user, kwargs["pk"])
            self.me = self.session.participants.filter(member=self.member).first() if self.member else None
        return super().dispatch(request, *args, **kwargs)

    def subjects(self):
        return [
            p.member
            for p in self.session.participants.filter(evaluated=True)
            .exclude(member=self.member)
            .select_related("member")
            .order_by("member__real_name")
        ]

    def my_ballots(self):
        if self.member is None:
            return []
        return list(
            Ballot.objects.filter(session=self.session, voter=self.member)
            .select_related("subject")
            .order_by("subject__real_name")
        )

    def get_context_data(self, **kwargs):
        session, now = self.session, timezone.now()
        voting = session.voting_open(now)
        ballots = self.my_ballots()
        may_vote = bool(self.me and self.me.votes and session.online and voting and not ballots)
        may_assess = bool(
            self.me
            and self.me.evaluated
            and session.status == EvaluationSession.Status.VOTING
            and now < session.voting_closes_at
        )
        assessment = (
            SelfAssessment.objects.filter(session=session, member=self.member).first()
            if self.member
            else None
        )
        kwargs.setdefault(
            "assessment_form",
            SelfAssessmentForm(
                levels=session.levels,
                initial={"text": assessment.text, "level": assessment.level} if assessment else None,
            ),
        )
        if may_vote:
            kwargs.setdefault("ballot_form", BallotForm(session=session, subjects=self.subjects()))
        window = getattr(session, "window", None)
        result = session.results.filter(member=self.member).first() if self.member else None
        return super().get_context_data(
            **kwargs,
            session=session,
            me=self.me,
            voting=voting,
            may_vote=may_vote,
            may_assess=may_assess,
            assessment=assessment,
            ballots=ballots,
            result=result,
            **_window_context(window, self.member),
        )

    def post(self, request, *args, **kwargs):
        if self.member is None:
            raise Http404
        if "vote" in request.POST:
            form = BallotForm(request.POST, session=self.session, subjects=self.subjects())
            if form.is_valid():
                try:
                    evaluation.ballots_cast(
                        session=self.session, voter=self.member, choices=form.choices(), by=request.user
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, gettext("投票已提交。您的投票只有您本人能看到。"))
                    return redirect("me:evaluation", pk=self.session.pk)
            return self.render_to_response(self.get_context_data(ballot_form=form))
        form = SelfAssessmentForm(request.POST, levels=self.session.levels)
        if form.is_valid():
            try:
                evaluation.self_assessment_submit(
                    session=self.session,
                    member=self.member,
                    text=form.cleaned_data["text"],
                    level=form.cleaned_data.get("level") or "",
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, gettext("自评已保存。投票截止前可以修改。"))
                return redirect("me:evaluation", pk=self.session.pk)
        return self.render_to_response(self.get_context_data(assessment_form=form))


class AnnualView(LoginRequiredMixin, generic.TemplateView):
    """年度总评 on the phone: the posted 等次 with the figures, my own result, appeals."""

    template_name = "yearend/me/annual.html"

    def get_context_data(self, **kwargs):
        review = get_review_for_user(self.request.user, self.kwargs["pk"])
        member = access.own_member(self.request.user)
        window = getattr(review, "window", None)
        mine = member_year(member, review.cycle) if member else None
        return super().get_context_data(**kwargs, review=review, mine=mine, **_window_context(window, member))


class ResultAppealView(LoginRequiredMixin, generic.FormView):
    """申诉 against one member's posted year-end result, while the window is open."""

    form_class = ResultAppealForm
    template_name = "yearend/me/appeal_new.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.member = access.own_member(request.user)
            if self.member is None:
                raise Http404
            self.window = get_object_or_404(
                PublicityWindow.objects.filter(branch=self.member.branch_id).exclude(review__isnull=False),
                pk=kwargs["pk"],
            )
            if kwargs["member_pk"] not in posted_members(self.window):
                raise Http404
            self.subject = self.window.branch.members.get(pk=kwargs["member_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        row = next((r for r in posted_rows(self.window) if r.member.pk == self.subject.pk), None)
        return super().get_context_data(
            **kwargs, window=self.window, subject=self.subject, row=row, window_open=self.window.is_open()
        )

    def form_valid(self, form):
        try:
            appeal = appeals.appeal_file_result(
                appellant=self.member,
                window=self.window,
                subject=self.subject,
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("申诉已提交，支委会核实后会通知您结果。"))
        return redirect("me:appeal_detail", pk=appeal.pk)
