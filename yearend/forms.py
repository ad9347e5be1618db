"""Forms of the year-end's steps: one row per member where the committee decides for each (评议等次,
年度等次), a decision and its reason where the higher committee decides for the branch. The rules are
checked by the services; these only read what was typed."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.widgets import DatePicker
from workflows.forms import MultipleFileField
from yearend.models import EvaluationSession

REASON_WIDGET = forms.TextInput(attrs={"placeholder": _("与建议不同时必填")})


class EvaluationOpenForm(forms.Form):
    """发起民主评议: the meeting, the voting window and how people vote."""

    meeting_on = forms.DateField(label=_("评议大会日期"), widget=DatePicker())
    voting_opens_at = forms.DateTimeField(
        label=_("投票开始"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    voting_closes_at = forms.DateTimeField(
        label=_("投票截止"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    mode = forms.ChoiceField(
        label=_("投票方式"), choices=EvaluationSession.Mode.choices, initial=EvaluationSession.Mode.MIXED
    )


class SelfAssessmentForm(forms.Form):
    """自评."""

    text = forms.CharField(
        label=_("自评"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
        help_text=_("一年来学习、工作、作用发挥情况，存在的不足和努力方向"),
    )
    level = forms.ChoiceField(label=_("自评等次"), required=False)

    def __init__(self, *args, levels: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        if levels:
            self.fields["level"].choices = [("", _("（不填）")), *((level, level) for level in levels)]
        else:
            del self.fields["level"]


class PerMemberForm(forms.Form):
    """A form with the same fields once per member: ``<name>_<member pk>``; ``rows()`` for templates."""

    def add_member_fields(self, member_pk: int, fields: dict[str, forms.Field]) -> None:
        for name, field in fields.items():
            self.fields[f"{name}_{member_pk}"] = field

    def bound(self, name: str, member_pk: int):
        return self[f"{name}_{member_pk}"]

    def value_of(self, name: str, member_pk: int):
        return self.cleaned_data.get(f"{name}_{member_pk}")

    def fields_of(self, member_pk: int) -> dict:
        """The member's bound fields by their plain name, for the page's table row."""
        suffix = f"_{member_pk}"
        return {name.removesuffix(suffix): self[name] for name in self.fields if name.endswith(suffix)}

    def table(self) -> list[tuple]:
        """(row, that member's bound fields) per row the form was made for."""
        return [(row, self.fields_of(row.member.pk)) for row in self.table_rows()]

    def table_rows(self) -> list:
        return []


def level_field(levels: list[str], *, required: bool, initial=None) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[("", "——"), *((level, level) for level in levels)], required=required, initial=initial
    )


def score_field(maximum: Decimal, *, required: bool, initial=None) -> forms.DecimalField:
    return forms.DecimalField(
        min_value=Decimal(0),
        max_value=maximum,
        max_digits=6,
        decimal_places=2,
        required=required,
        initial=initial,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class BallotForm(PerMemberForm):
    """互评: a level (or a score) for each other member; members may leave someone out."""

    def __init__(self, *args, session: EvaluationSession, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.subjects = list(subjects)
        for member in self.subjects:
            if session.kind == EvaluationSession.Kind.LEVELS:
                field = forms.ChoiceField(
                    label=member.real_name,
                    choices=[(level, level) for level in session.levels],
                    required=False,
                    widget=forms.RadioSelect,
                )
            else:
                field = score_field(session.max_score, required=False)
                field.label = member.real_name
            self.add_member_fields(member.pk, {"vote": field})

    def table(self) -> list[tuple]:
        return [(member, self.fields_of(member.pk)) for member in self.subjects]

    def choices(self) -> dict[int, dict]:
        key = "level" if self.session.kind == EvaluationSession.Kind.LEVELS else "score"
        chosen = {}
        for member in self.subjects:
            value = self.value_of("vote", member.pk)
            if value not in (None, ""):
                chosen[member.pk] = {key: value}
        return chosen


class TallyForm(PerMemberForm):
    """计票: the paper count per member (when there are paper ballots) and the end of voting."""

    action = forms.ChoiceField(
        choices=[("save", _("保存纸质票")), ("finish", _("完成计票"))],
        initial="finish",
        widget=forms.HiddenInput,
    )
    close_voting_now = forms.BooleanField(
        label=_("提前结束投票（评议大会已结束）"), required=False, initial=False
    )

    def __init__(self, *args, session: EvaluationSession, tallies, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.tallies = list(tallies)
        if not session.paper:
            return
        for tally in self.tallies:
            fields: dict[str, forms.Field] = {
                "ballots": forms.IntegerField(
                    min_value=0, required=False, initial=tally.paper_ballots or None
                )
            }
            if session.kind == EvaluationSession.Kind.LEVELS:
                for index, level in enumerate(session.levels):
                    fields[f"count{index}"] = forms.IntegerField(
                        min_value=0, required=False, initial=tally.paper_counts.get(level) or None
                    )
            else:
                fields["score"] = score_field(session.max_score, required=False, initial=tally.paper_score)
            self.add_member_fields(tally.member.pk, fields)

    def table_rows(self) -> list:
        return self.tallies

    def paper_entries(self):
        """(member, ballots, counts, score) for every row the clerk filled in."""
        entries = []
        for tally in self.tallies if self.session.paper else ():
            ballots = self.value_of("ballots", tally.member.pk)
            if not ballots:
                continue
            counts = {
                level: self.value_of(f"count{index}", tally.member.pk) or 0
                for index, level in enumerate(self.session.levels)
            }
            entries.append((tally.member, ballots, counts, self.value_of("score", tally.member.pk)))
        return entries


class ProposeEvaluationForm(PerMemberForm):
    """支委会评定: each member's 评议等次 or 得分 (the count's suggestion filled in) and the reason."""

    def __init__(self, *args, session: EvaluationSession, tallies, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.tallies = list(tallies)
        for tally in self.tallies:
            if session.kind == EvaluationSession.Kind.LEVELS:
                result = level_field(session.levels, required=True, initial=tally.suggestion)
            else:
                result = score_field(session.max_score, required=True, initial=tally.suggestion)
            reason = forms.CharField(required=False, max_length=500, widget=REASON_WIDGET)
            self.add_member_fields(tally.member.pk, {"result": result, "reason": reason})

    def table_rows(self) -> list:
        return self.tallies


class NoteForm(forms.Form):
    note = forms.CharField(label=_("审定意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class GradeForm(PerMemberForm):
    """支委会评定等次: each graded member's 等次 (the suggestion filled in) and the reason."""

    def __init__(self, *args, rows, choices: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for row in self.rows:
            self.add_member_fields(
                row.member.pk,
                {
                    "grade": level_field(choices, required=True, initial=row.initial),
                    "reason": forms.CharField(
                        required=False, max_length=500, widget=REASON_WIDGET, initial=row.reason
                    ),
                },
            )

    def table_rows(self) -> list:
        return self.rows


class ApproveAnnualForm(forms.Form):
    """审定 of the year, or 退回支委会重新评定 with the reason."""

    decision = forms.ChoiceField(
        label=_("决定"),
        widget=forms.RadioSelect,
        choices=[("approve", _("审定，报党委审批")), ("send_back", _("退回支委会重新评定"))],
        initial="approve",
    )
    note = forms.CharField(
        label=_("审定意见 / 退回原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class HigherDecisionForm(forms.Form):
    """党委审批 / 备案: agree, or return with the reason."""

    decision = forms.ChoiceField(label=_("决定"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, agree_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [("agree", agree_label), ("return", _("退回重新评定"))]
        self.fields["decision"].initial = "agree"


class ResultAppealForm(forms.Form):
    """申诉 against a posted result."""

    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(label=_("证明材料"), help_text=_("可选：照片或 PDF"))


class CarryOverForm(forms.Form):
    """上年考核分 (first year in the system)."""

    total = forms.DecimalField(label=_("上年考核分"), min_value=Decimal(0), max_digits=7, decimal_places=2)
    note = forms.CharField(label=_("来源说明"), max_length=200, required=False)


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=_("方式"))
    findings = forms.CharField(label=_("存在问题"), widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    deadline = forms.DateField(label=_("整改时限"), widget=DatePicker(), required=False)

    def __init__(self, *args, **kwargs):
        from yearend.models import FollowUp

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = FollowUp.Kind.choices


class FollowUpCloseForm(forms.Form):
    status = forms.ChoiceField(label=_("结果"))
    outcome = forms.CharField(label=_("整改结果"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from yearend.models import FollowUp

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (FollowUp.Status.DONE, FollowUp.Status.DONE.label),
            (FollowUp.Status.NOT_DONE, FollowUp.Status.NOT_DONE.label),
        ]


def local_now():
    return timezone.localtime()
