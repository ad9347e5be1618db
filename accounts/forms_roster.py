"""The upload form of the roster import page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roster
from accounts.roster_services import ON_IN_FUTURE


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("名册文件"),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    on = forms.DateField(
        label=_("生效日期"),
        initial=timezone.localdate,
        help_text=_("新增党员的转入日期，以及支部编码变化的党员转接组织关系的日期。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Excel（.xlsx）或 CSV 文件，不超过 %(limit)s。") % {
            "limit": filesizeformat(settings.ROSTER_MAX_BYTES)
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        roster.check_upload(name=upload.name or "", size=upload.size or 0)
        return upload

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(ON_IN_FUTURE, code="future")
        return on
