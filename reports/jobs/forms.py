"""The form that starts a batch export: which organization, which period."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class ExportJobForm(forms.Form):
    organization = OrganizationChoiceField(
        label=_("组织"),
        queryset=None,
        empty_label=None,
        help_text=_("选择党委或党总支时，导出其下属每个党支部的台账。"),
    )
    period_code = forms.ChoiceField(label=_("周期"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        # Scoped: only organizations the user may export, so another's pk is "not a valid choice".
        self.fields["organization"].queryset = selectors.organizations_exportable_by(user)
        self.fields["period_code"].choices = selectors.period_choices(today)
        self.fields["period_code"].initial = selectors.default_period(today)
