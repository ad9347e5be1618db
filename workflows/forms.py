"""Forms of the workflow's steps. Validation of the rules themselves lives in the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.widgets import DatePicker


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one field; content checks happen in ``workflows.evidence``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


POINTS_FIELD = {"max_digits": 6, "decimal_places": 1, "required": False}


class ClaimForm(forms.Form):
    """申报表: what, when, where, and the evidence (sign-in sheet, photo)."""

    item_code = forms.ChoiceField(label=_("积分项目"))
    occurred_on = forms.DateField(label=_("发生日期"), widget=DatePicker(), initial=timezone.localdate)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    description = forms.CharField(
        label=_("事项说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    points = forms.DecimalField(
        label=_("申报分值"), help_text=_("分值区间项目请填写申报分值，最终以支委会审核为准"), **POINTS_FIELD
    )
    evidence = MultipleFileField(label=_("证明材料"), help_text=_("签到表、活动照片或 PDF，可多选"))
    cap_acknowledged = forms.BooleanField(label=_("已知悉该项目已达上限，本次不再加分"), required=False)

    def __init__(self, *args, items: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_code"].choices = [("", "——请选择——"), *items]


class ReviseClaimForm(ClaimForm):
    """补充材料: the returned claim, revised; its item stays the same."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["item_code"]


class RecordClaimForm(forms.Form):
    """登记: enter the claim for review, or return it for more evidence."""

    ACTIONS = [("record", _("登记，提交支委会审核")), ("return", _("退回补充材料"))]
    action = forms.ChoiceField(label=_("处理"), choices=ACTIONS, widget=forms.RadioSelect, initial="record")
    reason = forms.CharField(
        label=_("意见 / 退回原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "return" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": _("退回时必须说明原因。")})
        return data


class ReviewClaimForm(forms.Form):
    """支委会审核: approve (adjusting within the item's range) or reject with a reason."""

    DECISIONS = [("approve", _("审核通过")), ("reject", _("不予通过"))]
    decision = forms.ChoiceField(
        label=_("审核结论"), choices=DECISIONS, widget=forms.RadioSelect, initial="approve"
    )
    points = forms.DecimalField(label=_("核定分值"), help_text=_("仅分值区间项目需要填写"), **POINTS_FIELD)
    reason = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": _("不予通过时必须说明理由。")})
        return data


class AppealForm(forms.Form):
    """申诉: the entry disputed, why, and any evidence."""

    reason = forms.CharField(label=_("申诉理由"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("证明材料"))


class DecideAppealForm(forms.Form):
    DECISIONS = [("uphold", _("申诉成立，更正积分")), ("dismiss", _("申诉不成立"))]
    decision = forms.ChoiceField(label=_("处理结论"), choices=DECISIONS, widget=forms.RadioSelect)
    points = forms.DecimalField(label=_("更正后分值"), help_text=_("留空表示撤销该条积分"), **POINTS_FIELD)
    reason = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideResultAppealForm(forms.Form):
    """处理申诉 against a year-end result: the corrected 评议等次 / 得分 / 年度等次 when it is upheld."""

    DECISIONS = [("uphold", _("申诉成立，更正结果")), ("dismiss", _("申诉不成立"))]
    decision = forms.ChoiceField(label=_("处理结论"), choices=DECISIONS, widget=forms.RadioSelect)
    result = forms.CharField(label=_("更正后的结果"), required=False)
    reason = forms.CharField(label=_("处理意见"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, choices: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if choices:
            self.fields["result"] = forms.ChoiceField(
                label=_("更正后的等次"),
                choices=[("", "——"), *((choice, choice) for choice in choices)],
                required=False,
            )
        else:
            self.fields["result"].help_text = _("申诉成立时填写更正后的评议得分")


class ApprovePeriodForm(forms.Form):
    note = forms.CharField(label=_("审定意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class FilingForm(forms.Form):
    DECISIONS = [("archive", _("予以备案")), ("return", _("退回重新审定"))]
    decision = forms.ChoiceField(
        label=_("备案意见"), choices=DECISIONS, widget=forms.RadioSelect, initial="archive"
    )
    reason = forms.CharField(
        label=_("意见 / 退回原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": _("退回备案必须填写原因。")})
        return data


def decimal_or_none(value) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None
