"""The Django admin of the scoring domain: rule sets edited as YAML, the ledger read-only.

Nobody holds model-level Django permissions here: every ``has_*_permission`` answers from
``accounts.access``. Rule sets are seen and edited where the user holds ``manage_rules`` (上级党委);
the ledger is seen where the user holds ``view_scores`` and is never edited: a wrong entry is put to the
支委会 as a correction request (``workflows.corrections``), which reverses it only when approved. Every
write goes through a service, so it leaves an audit record.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib import messages as flash
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import Organization
from scoring import messages, services
from scoring.forms import ReverseForm, RuleSetForm
from scoring.models import LedgerEntry, RuleSet, RuleSetVersion
from scoring.selectors import (
    effective_ruleset,
    item_names,
    ledger_visible_to,
    ruleset_export,
    ruleset_export_effective,
    rulesets_manageable_by,
)

RULES_PERM = "manage_rules"
SCORES_PERM = "view_scores"
# The clerk keeps the ledger; the committee corrects it. Either may ask the 支委会 to correct an entry.
REVERSE_PERMS = ("record_claims", "decide_appeals")
BRANCH_FILTER_LIMIT = 100
ITEM_NAMES_CACHE_SIZE = 256


def scope(request: HttpRequest, perm: str) -> QuerySet[Organization]:
    """``access.organizations_where``, asked once per request and permission."""
    cache = request.__dict__.setdefault("_scoring_admin_scope", {})
    if perm not in cache:
        cache[perm] = access.organizations_where(request.user, perm)
    return cache[perm]


def may_reverse(request: HttpRequest, branch: Organization) -> bool:
    return any(access.may(request.user, perm, branch) for perm in REVERSE_PERMS)


# --- 积分细则 ------------------------------------------------------------------------------------


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    form = RuleSetForm
    list_display = ("name", "code", "organization", "cycle", "in_force", "version_number", "parent")
    list_filter = ("cycle", "in_force")
    list_select_related = ("organization", "parent")
    search_fields = ("name", "code", "organization__name")
    readonly_fields = ("code", "name", "parent", "version_number", "unsettled", "exports", "history")

    # -- scope

    def get_queryset(self, request):
        return rulesets_manageable_by(request.user)

    def has_module_permission(self, request) -> bool:
        return scope(request, RULES_PERM).exists()

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return scope(request, RULES_PERM).filter(pk=obj.organization_id).exists()

    def has_add_permission(self, request) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # versions are history and ledger entries name them

    # -- the form

    def get_fieldsets(self, request, obj=None):
        file_fields = {"fields": ("source", "upload", "note")}
        if obj is None:
            return (
                (None, {"fields": ("organization", "cycle", "make_current")}),
                (_("细则文件"), file_fields),
            )
        header = (
            "organization",
            "cycle",
            "code",
            "name",
            "parent",
            "version_number",
            "unsettled",
            "exports",
            "make_current",
        )
        return (
            (None, {"fields": header}),
            (_("修改细则（保存为新版本）"), file_fields),
            (_("版本历史"), {"fields": ("history",)}),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        organizations = scope(request, RULES_PERM)

        class ScopedForm(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, organizations=organizations, **kw)

        return ScopedForm

    @admin.display(description=_("当前版本"))
    def version_number(self, ruleset: RuleSet) -> str:
        version = ruleset.current_version
        return str(_("第 %(number)d 版") % {"number": version.number}) if version else "—"

    @admin.display(description=_("待确定事项"))
    def unsettled(self, ruleset: RuleSet) -> str:
        """What the source regulation leaves open (the rule file's ``unsettled``), for the organization to
        settle: shown on every rule set that has or inherits such notes."""
        version = ruleset.current_version if ruleset.pk else None
        notes = effective_ruleset(version).unsettled if version else ()
        if not notes:
            return "—"
        items = format_html_join(
            "", "<li>{}（<code>{}</code>）：{}</li>", ((n.label, n.field, n.note) for n in notes)
        )
        return format_html('<ul class="errorlist" style="color:#8a6d3b">{}</ul>', items)

    @admin.display(description=_("导出"))
    def exports(self, ruleset: RuleSet) -> str:
        if ruleset.pk is None:
            return "—"
        url = reverse("admin:scoring_ruleset_export", args=[ruleset.pk])
        if ruleset.parent_id is None:
            return format_html('<a href="{}">{}</a>', url, _("下载 YAML（可用于试算）"))
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?effective=1">{}</a>',
            url,
            _("下载本级细则 YAML"),
            url,
            _("下载合并后的完整细则（可用于试算）"),
        )

    @admin.display(description=_("版本历史"))
    def history(self, ruleset: RuleSet) -> str:
        """Every version, newest first, each downloadable as it was edited. Versions are read-only."""
        if ruleset.pk is None:
            return "—"
        url = reverse("admin:scoring_ruleset_export", args=[ruleset.pk])
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href="{}?version={}">YAML</a></td></tr>',
            (
                (
                    version.number,
                    localtime(version.created_at).strftime("%Y-%m-%d %H:%M"),
                    version.created_by.get_username() if version.created_by_id else _("系统"),
                    version.note,
                    url,
                    version.number,
                )
                for version in ruleset.versions.select_related("created_by").order_by("-number")
            ),
        )
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("版本"),
            _("修改时间"),
            _("修改人"),
            _("修改说明"),
            _("下载"),
        )
        return format_html("<table>{}{}</table>", head, rows)

    # -- saving: through the services, never ``save()``

    def save_model(self, request, obj: RuleSet, form: RuleSetForm, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = services.ruleset_create(
                organization=data["organization"],
                cycle=data["cycle"],
                text=form.text,
                by=request.user,
                note=data["note"],
                in_force=data["make_current"],
                source_name=form.source_name,
            )
            obj.pk, obj.code, obj.name, obj.parent = created.pk, created.code, created.name, created.parent
            obj._state.adding = False
            return
        before = obj.current_version
        version = services.ruleset_revise(
            ruleset=obj, text=form.text, by=request.user, note=data["note"], source_name=form.source_name
        )
        if before is not None and version.pk == before.pk:
            self.message_user(request, messages.ADMIN_VERSION_UNCHANGED, flash.INFO)
        else:
            self.message_user(request, messages.ADMIN_VERSION_SAVED % {"number": version.number})
        if "make_current" in form.changed_data:
            services.ruleset_set_in_force(
                ruleset=obj, in_force=data["make_current"], by=request.user, reason=data["note"]
            )

    def save_related(self, request, form, formsets, change) -> None:
        return None  # no relation is edited here: versions are written by the services

    # -- export

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("<int:pk>/export/", export, name="scoring_ruleset_export"), *super().get_urls()]

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """导出: a version's YAML as edited (``?version=N``, default current), or ``?effective=1`` merged."""
        ruleset = self.get_queryset(request).filter(pk=pk).first()
        if ruleset is None or not self.has_view_permission(request, ruleset):
            raise Http404
        versions = ruleset.versions.order_by("-number")
        number = request.GET.get("version", "")
        version = versions.filter(number=int(number)).first() if number.isdigit() else versions.first()
        if version is None:
            raise Http404
        effective = request.GET.get("effective") == "1"
        text = ruleset_export_effective(version) if effective else ruleset_export(version)
        suffix = "-effective" if effective else ""
        response = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
        filename = f"{ruleset.code}-{ruleset.cycle}-v{version.number}{suffix}.yaml"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# --- 积分台账 ------------------------------------------------------------------------------------


class BranchFilter(admin.SimpleListFilter):
    title = _("所在支部")
    parameter_name = "branch"

    def lookups(self, request, model_admin):
        branches = list(
            scope(request, SCORES_PERM)
            .filter(kind=Organization.Kind.BRANCH)
            .order_by("path")[: BRANCH_FILTER_LIMIT + 1]
        )
        if len(branches) > BRANCH_FILTER_LIMIT:
            return []
        return [(str(branch.pk), branch.name) for branch in branches]

    def queryset(self, request, queryset):
        return queryset.filter(branch_id=self.value()) if self.value() else queryset


class StateFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("counted", _("有效")), ("reversed", _("已被冲正")), ("reversal", _("冲正记录"))]

    def queryset(self, request, queryset):
        if self.value() == "counted":
            return queryset.filter(reverses__isnull=True, reversed_by__isnull=True)
        if self.value() == "reversed":
            return queryset.filter(reversed_by__isnull=False)
        if self.value() == "reversal":
            return queryset.filter(reverses__isnull=False)
        return queryset


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """积分台账: read-only. A wrong entry is corrected by a reversing entry with a reason."""

    list_display = (
        "occurred_on",
        "member_name",
        "branch",
        "item",
        "points",
        "source",
        "state",
        "author",
        "created_at",
    )
    list_filter = (
        "source",
        StateFilter,
        BranchFilter,
        ("ruleset_version__ruleset__cycle", admin.AllValuesFieldListFilter),
    )
    list_select_related = ("member", "branch", "ruleset_version", "created_by", "reverses", "reversed_by")
    search_fields = ("member__real_name", "item_code", "reason")
    date_hierarchy = "occurred_on"
    actions = ["request_corrections"]
    fields = (
        "member_name",
        "branch",
        "item",
        "occurred_on",
        "points",
        "source",
        "reason",
        "ruleset_version",
        "reverses",
        "reversed_by_link",
        "author",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return ledger_visible_to(request.user).select_related("reversed_by")

    def has_module_permission(self, request) -> bool:
        return scope(request, SCORES_PERM).exists()

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_reverse_permission(self, request) -> bool:
        return any(scope(request, perm).exists() for perm in REVERSE_PERMS)

    @admin.display(description=_("党员"), ordering="member__real_name")
    def member_name(self, entry: LedgerEntry) -> str:
        return entry.member.real_name

    @admin.display(description=_("积分项目"), ordering="item_code")
    def item(self, entry: LedgerEntry) -> str:
        names = self._names(entry.ruleset_version)
        name = names.get(entry.item_code)
        return f"{name}（{entry.item_code}）" if name else entry.item_code

    def _names(self, version: RuleSetVersion) -> dict[str, str]:
        """Item names of a version, computed once per version: versions never change."""
        cache: dict[tuple[int, Any], dict[str, str]] = self.__dict__.setdefault("_item_names", {})
        key = (version.pk, version.created_at)  # the time too: a test database may reuse a primary key
        if key not in cache:
            if len(cache) > ITEM_NAMES_CACHE_SIZE:
                cache.clear()
            cache[key] = item_names(version)
        return cache[key]

    @admin.display(description=_("状态"))
    def state(self, entry: LedgerEntry) -> str:
        if entry.reverses_id:
            return str(_("冲正记录"))
        if getattr(entry, "reversed_by", None) is not None:
            return str(_("已被冲正"))
        return str(_("有效"))

    @admin.display(description=_("冲正记录"))
    def reversed_by_link(self, entry: LedgerEntry) -> str:
        reversal = getattr(entry, "reversed_by", None)
        if reversal is None:
            return "—"
        url = reverse("admin:scoring_ledgerentry_change", args=[reversal.pk])
        return format_html('<a href="{}">{}</a>', url, reversal)

    @admin.display(description=_("记录人"))
    def author(self, entry: LedgerEntry) -> str:
        return entry.created_by.get_username() if entry.created_by_id else str(_("系统"))

    @admin.action(description=_("申请更正所选记录（交支委会决定）"), permissions=["reverse"])
    def request_corrections(self, request, queryset):
        """更正 is the 支委会's decision: the action files a request per entry, reversing nothing."""
        form = ReverseForm(request.POST if "apply" in request.POST else None)
        entries = list(queryset.select_related("member", "branch"))
        if form.is_bound and form.is_valid() and self._request_all(request, entries, form.cleaned_data):
            return None  # back to the change list
        context = {
            **self.admin_site.each_context(request),
            "title": _("申请更正台账记录"),
            "opts": self.model._meta,
            "form": form,
            "entries": entries,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/scoring/ledgerentry/reverse.html", context)

    def _request_all(self, request, entries: list[LedgerEntry], data: dict[str, str]) -> bool:
        """All or none: one entry that may not be corrected stops the whole batch."""
        from workflows.corrections import correction_request

        current: Any = None
        try:
            with transaction.atomic():
                for current in entries:
                    if not may_reverse(request, current.branch):
                        raise ValidationError(messages.ADMIN_REVERSE_NOT_ALLOWED % {"branch": current.branch})
                    correction_request(
                        entry=current,
                        by=request.user,
                        reason=data["reason"],
                        evidence_note=data["evidence_note"],
                    )
        except ValidationError as error:
            detail = "；".join(str(message) for message in error.messages)
            self.message_user(
                request, messages.ADMIN_REVERSE_FAILED % {"entry": current, "error": detail}, flash.ERROR
            )
            return False
        self.message_user(request, messages.ADMIN_REVERSE_DONE % {"count": len(entries)})
        return True
