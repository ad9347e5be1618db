"""Admin forms of the accounts domain. They validate only; the admin hands the data to the services."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from treebeard.forms import MoveNodeForm

from accounts import messages
from accounts.models import Member, Organization, RoleAssignment

User = get_user_model()

USERNAME_TAKEN = _("该登录名已被使用。")

# Django 5.2 changed the msgid of MinimumLengthValidator and its zh_Hans catalogue has not caught up:
# naming the msgid here puts it in the project's catalogue, where it is translated.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)


class MemberCreateForm(forms.ModelForm):
    """新增党员: the login and the first 组织关系 are created with the profile (``member_create``)."""

    username = forms.CharField(label=_("登录名"), max_length=150)
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=password_validation.password_validators_help_text_html(),
    )
    since = forms.DateField(label=_("转入日期"), initial=timezone.localdate)

    class Meta:
        model = Member
        fields = [
            "real_name",
            "branch",
            "kind",
            "status",
            "joined_party_on",
            "probation_start",
            "probation_end",
            "phone",
            "id_number",
        ]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(USERNAME_TAKEN)
        return username

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(username=cleaned.get("username", ""))
            try:
                password_validation.validate_password(password, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class MemberTransferForm(forms.Form):
    """转接组织关系: where to, from which day, on what grounds."""

    to_branch = forms.ModelChoiceField(label=_("转入支部"), queryset=Organization.objects.none())
    on = forms.DateField(label=_("转接日期"), initial=timezone.localdate)
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = branches


class RoleGrantForm(forms.ModelForm):
    """任命: who, where, which role, from when (``role_grant`` syncs the permissions)."""

    class Meta:
        model = RoleAssignment
        fields = ["user", "organization", "role", "valid_from", "valid_until", "reason"]

    def clean(self):
        cleaned = super().clean()
        start, until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and until and until < start:
            self.add_error("valid_until", messages.ROLE_UNTIL_BEFORE_FROM)
        return cleaned


class RoleEndForm(forms.ModelForm):
    """免职: a role is ended by giving its last day, never deleted (``role_end``)."""

    end_reason = forms.CharField(label=_("免职原因"), max_length=200)

    class Meta:
        model = RoleAssignment
        fields = ["valid_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "valid_until" in self.fields:  # absent when the admin shows the role read-only
            self.fields["valid_until"].required = True
            self.fields["valid_until"].initial = timezone.localdate()

    def clean_valid_until(self) -> datetime.date:
        until = self.cleaned_data["valid_until"]
        if until < self.instance.valid_from:
            raise forms.ValidationError(messages.ROLE_UNTIL_BEFORE_FROM)
        return until


class OrganizationForm(MoveNodeForm):
    """The treebeard form, narrowed for everyone but superusers: a new or moved organization goes
    below an organization in ``allowed_parents``, never to the root of the tree."""

    allowed_parents = None  # a QuerySet of Organization, set per request; None means anywhere

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.allowed_parents is None:
            return
        ref = self.fields["treebeard_ref_node"]
        ref.queryset = ref.queryset.filter(pk__in=self.allowed_parents)
        ref.required = True
        ref.empty_label = None
        self.fields["treebeard_position"].choices = [("sorted-child", _("Child of"))]
