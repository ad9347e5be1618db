"""Admin forms of the scoring domain. They validate only (through the same checks as the services);
the admin hands the data to the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from scoring import messages
from scoring.models import RuleSet
from scoring.services import SOURCE_NAME, ParsedRuleSet, ruleset_check

UPLOAD_MAX_BYTES = 1024 * 1024
YAML_WIDGET_ATTRS = {
    "rows": 32,
    "cols": 110,
    "spellcheck": "false",
    "class": "vLargeTextField",
    "style": "font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre;",
}


class RuleSetForm(forms.ModelForm):
    """新建或修改积分细则: the YAML text (typed or uploaded); saving makes a new version."""

    source = forms.CharField(
        label=_("细则文件（YAML）"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs=YAML_WIDGET_ATTRS),
        help_text=_(
            "保存时生成新版本，旧版本保留不变。本级细则可用 extends: <上级细则编码> 继承上级统一细则。"
        ),
    )
    upload = forms.FileField(
        label=_("导入 YAML 文件"),
        required=False,
        help_text=_("选择文件后，以文件内容代替上面的文本。"),
    )
    note = forms.CharField(label=_("修改说明"), max_length=300, required=False)
    make_current = forms.BooleanField(
        label=_("现行细则"),
        required=False,
        help_text=_("设为本组织本年度的现行细则（同年度原现行细则随之停止执行）。"),
    )

    class Meta:
        model = RuleSet
        fields = ["organization", "cycle"]

    def __init__(
        self, *args: Any, organizations: QuerySet[Organization] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.parsed: ParsedRuleSet | None = None
        self.text = ""
        self.source_name = SOURCE_NAME
        if organizations is not None and "organization" in self.fields:
            self.fields["organization"].queryset = organizations.order_by("path")
        if self.instance.pk:
            for name in ("organization", "cycle"):
                self.fields[name].disabled = True
            current = self.instance.current_version
            self.fields["source"].initial = current.source if current else ""
            self.fields["make_current"].initial = self.instance.in_force
        else:
            self.fields["cycle"].initial = timezone.localdate().year

    def clean_upload(self) -> str | None:
        upload = self.cleaned_data.get("upload")
        if not upload:
            return None
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError(messages.RULESET_UPLOAD_TOO_LARGE)
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(messages.RULESET_UPLOAD_NOT_UTF8) from None
        self.source_name = upload.name
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text = cleaned.get("upload") or cleaned.get("source") or ""
        if not text.strip():
            self.add_error("source", messages.RULESET_TEXT_REQUIRED)
            return cleaned
        organization, cycle = cleaned.get("organization"), cleaned.get("cycle")
        if organization is None or cycle is None:
            return cleaned
        self.text = text
        try:
            self.parsed = ruleset_check(
                organization=organization,
                cycle=cycle,
                text=text,
                ruleset=self.instance if self.instance.pk else None,
                source_name=self.source_name,
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class ReverseForm(forms.Form):
    """申请更正: why the selected entries should be cancelled, for the 支委会 to decide."""

    reason = forms.CharField(
        label=_("更正理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )
    evidence_note = forms.CharField(
        label=_("依据"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=_("核实情况、依据的材料（如会议记录、签到表）"),
    )
