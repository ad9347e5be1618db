"""The upload form of the attendance import (签到表导入)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from reports.exports import imports, scope


class AttendanceUploadForm(forms.Form):
    branch = forms.ModelChoiceField(label="支部", queryset=None, empty_label=None)
    file = forms.FileField(label="签到表文件", widget=forms.FileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = scope.branches_importable_by(user)
        self.fields[
            "file"
        ].help_text = f"Excel（.xlsx）文件，不超过 {filesizeformat(settings.ROSTER_MAX_BYTES)}。"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        imports.check_upload(name=upload.name or "", size=upload.size or 0)
        return upload
