"""The Django admin of the accounts domain, in Chinese and scoped per organization.

Nobody holds model-level Django permissions: every ``has_*_permission`` below answers from
``accounts.access``. ``permissions_sync`` makes clerks and higher-committee officers staff; they see
the rows of the organizations where they hold ``manage_members`` and nothing else, and a row outside
that scope is "not found" (the admin redirects to its index). Writes go through the services, so
the guardian rows stay in sync and every change leaves an audit record.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from accounts import access, services
from accounts.forms import (
    MemberCreateForm,
    MemberTransferForm,
    OrganizationForm,
    RoleEndForm,
    RoleGrantForm,
)
from accounts.models import BranchMembership, Member, Organization, RankingSwitch, RoleAssignment
from accounts.roles import MANAGE_MEMBERS, MANAGE_RULES
from audit.services import audit_record

User = get_user_model()

# Who may see and keep the roster: clerks of their branch, higher-committee officers below them.
ROSTER_PERM = MANAGE_MEMBERS
# The structure — organizations below a committee, who holds which role — is the higher
# committee's business: of the roles, only 上级党委 holds manage_rules.
STRUCTURE_PERM = MANAGE_RULES
# A branch filter with more choices than this would be an unusable list; search instead.
BRANCH_FILTER_LIMIT = 100


def scope(request, perm: str) -> QuerySet[Organization]:
    """``access.organizations_where``, asked once per request and permission."""
    cache = request.__dict__.setdefault("_jifen_admin_scope", {})
    if perm not in cache:
        cache[perm] = access.organizations_where(request.user, perm)
    return cache[perm]


def branches_in_scope(request) -> QuerySet[Organization]:
    return scope(request, ROSTER_PERM).filter(kind=Organization.Kind.BRANCH).order_by("path")


def outermost(organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    """The organizations of a set whose parent is not in the set: the tops of a user's scope."""
    parent_path = Substr("path", 1, Length("path") - Organization.steplen)
    return organizations.annotate(parent_path=parent_path).exclude(
        parent_path__in=organizations.values("path")
    )


def person(user) -> str:
    """张伟（zhangwei）, or the login alone for a user without a member profile."""
    member = getattr(user, "member", None)  # the reverse one-to-one raises an AttributeError
    return f"{member.real_name}（{user.get_username()}）" if member else user.get_username()


class ScopedAdmin(admin.ModelAdmin):
    """Rows of organizations where the user holds ``manage_members``; read-only unless a subclass
    says otherwise. Superusers see everything."""

    scope_lookups: tuple[str, ...] = ("organization",)  # a row is in scope if any lookup is
    scope_perm: str = ROSTER_PERM

    def rows_in_scope(self, request) -> Q:
        organizations = scope(request, self.scope_perm)
        condition = Q()
        for lookup in self.scope_lookups:
            condition |= Q(**{f"{lookup}__in": organizations})
        return condition

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(self.rows_in_scope(request))

    def in_scope(self, request, obj) -> bool:
        if request.user.is_superuser:
            return True
        return self.model._default_manager.filter(self.rows_in_scope(request), pk=obj.pk).exists()

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser or scope(request, self.scope_perm).exists()

    def has_view_permission(self, request, obj=None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return self.in_scope(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- 转接组织关系 -------------------------------------------------------------------------------


def may_transfer(request) -> bool:
    """A transfer needs two branches in the user's scope: the one a member leaves and the other."""
    return branches_in_scope(request)[:2].count() == 2


def transfer_members(modeladmin, request, members: QuerySet[Member]):
    """The 转接组织关系 action: ask where to and from when, then call ``member_transfer`` for each
    selected member, all or none."""
    form = MemberTransferForm(
        request.POST if "apply" in request.POST else None, branches=branches_in_scope(request)
    )
    if form.is_bound and form.is_valid() and _transfer_all(modeladmin, request, members, **form.cleaned_data):
        return None  # back to the change list
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("转接组织关系"),
        "opts": modeladmin.model._meta,
        "form": form,
        "members": members.select_related("branch"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "accounts/admin/member_transfer.html", context)


def _transfer_all(modeladmin, request, members, *, to_branch, on, reason) -> bool:
    current = None
    try:
        with transaction.atomic():
            for current in members:
                services.member_transfer(
                    member=current, to_branch=to_branch, on=on, by=request.user, reason=reason
                )
    except ValidationError as error:
        detail = "；".join(str(message) for message in error.messages)
        modeladmin.message_user(request, f"{current.real_name}：{detail}", messages.ERROR)
        return False
    modeladmin.message_user(
        request, _("已将 %(count)d 名党员转入%(branch)s。") % {"count": members.count(), "branch": to_branch}
    )
    return True


# --- 组织 -----------------------------------------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin, TreeAdmin):
    """The tree as far as the user sees it: only superusers add or move roots; a higher-committee
    officer adds and moves organizations below the one where they hold the role."""

    form = movenodeform_factory(Organization, form=OrganizationForm)
    scope_lookups = ("pk",)
    list_display = ("name", "code", "kind")
    search_fields = ("name", "code")
    list_filter = ("kind",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser or not self._at_top_level(request):
            return queryset
        # The top of the tree for this user is the top of their scope, not the roots above it.
        return outermost(scope(request, ROSTER_PERM)).order_by("path")

    def _at_top_level(self, request) -> bool:
        return (
            getattr(request, "_treebeard_parent_id", "") is None
            and not getattr(request, "_ignore_treebeard_filters", False)
            and not self.is_filtered(request)
        )

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser or scope(request, STRUCTURE_PERM).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        if obj is None:
            return scope(request, STRUCTURE_PERM).exists()
        parent = Organization.objects.get_parent(obj)
        return parent is not None and access.may(request.user, STRUCTURE_PERM, parent)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ((None, {"fields": ("name", "code", "kind")}),)
        return (
            (None, {"fields": ("name", "code", "kind")}),
            (_("在组织树中的位置"), {"fields": ("treebeard_position", "treebeard_ref_node")}),
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser:
            return form
        return type(form.__name__, (form,), {"allowed_parents": scope(request, STRUCTURE_PERM)})

    def children_view(self, request, parent_id):
        parent = Organization.objects.filter(pk=parent_id).first() if parent_id.isdigit() else None
        if parent is None or not self.has_view_permission(request, parent):
            raise Http404
        return super().children_view(request, parent_id)

    def move_node(self, request):
        """Drag and drop: the new parent must be an organization the user may structure."""
        if not request.user.is_superuser:
            target_id = request.POST.get("target", "")
            target = Organization.objects.filter(pk=target_id).first() if target_id.isdigit() else None
            if target is None:
                raise PermissionDenied
            as_child = request.POST.get("relation") == "child"
            new_parent = target if as_child else Organization.objects.get_parent(target)
            if new_parent is None or not access.may(request.user, STRUCTURE_PERM, new_parent):
                raise PermissionDenied
        return super().move_node(request)


# --- 党员端排名显示 -------------------------------------------------------------------------------


@admin.register(RankingSwitch)
class RankingSwitchAdmin(ScopedAdmin):
    """党员端排名显示, switched by those who manage the rules of the organization (上级党委): for the
    organization and, unless they set their own, everything below it. Written by the service (audited)."""

    scope_perm = STRUCTURE_PERM
    scope_lookups = ("pk",)
    list_display = ("name", "code", "kind", "own_setting", "in_force")
    list_filter = ("kind", "members_see_rankings")
    search_fields = ("name", "code")
    ordering = ("path",)
    fields = ("name", "code", "kind", "members_see_rankings", "in_force")
    readonly_fields = ("name", "code", "kind", "in_force")

    @admin.display(description=_("本组织设置"))
    def own_setting(self, organization: Organization) -> str:
        return organization.get_members_see_rankings_display()

    @admin.display(description=_("实际生效"))
    def in_force(self, organization: Organization) -> str:
        shown, source = organization.members_see_rankings_setting()
        state = _("显示排名") if shown else _("不显示排名")
        if source is None:
            return _("%(state)s（默认）") % {"state": state}
        if source.pk == organization.pk:
            return _("%(state)s（本组织设置）") % {"state": state}
        return _("%(state)s（沿用%(source)s的设置）") % {"state": state, "source": source.name}

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            services.organization_rankings_switch(
                organization=obj, shown=form.cleaned_data["members_see_rankings"], by=request.user
            )
        except ValidationError as error:
            raise PermissionDenied("；".join(error.messages)) from error


# --- 党员 -----------------------------------------------------------------------------------------


class BranchFilter(admin.SimpleListFilter):
    title = _("所在支部")
    parameter_name = "branch"

    def lookups(self, request, model_admin):
        branches = list(branches_in_scope(request)[: BRANCH_FILTER_LIMIT + 1])
        if len(branches) > BRANCH_FILTER_LIMIT:
            return []
        return [(str(branch.pk), branch.name) for branch in branches]

    def queryset(self, request, queryset):
        return queryset.filter(branch_id=self.value()) if self.value() else queryset


class BranchMembershipInline(admin.TabularInline):
    """组织关系记录: read-only history, changed only by a transfer."""

    model = BranchMembership
    fields = ("branch_name", "start", "end", "reason", "recorder")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("组织关系记录")
    verbose_name_plural = _("组织关系记录")

    @admin.display(description=_("支部"))
    def branch_name(self, spell: BranchMembership) -> str:
        return spell.branch.name

    @admin.display(description=_("登记人"))
    def recorder(self, spell: BranchMembership) -> str:
        return person(spell.recorded_by) if spell.recorded_by_id else ""

    def has_view_permission(self, request, obj=None) -> bool:
        return True  # shown inside a member the user may already see

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    scope_lookups = ("branch",)
    list_display = ("real_name", "username", "branch", "kind", "status", "masked_phone")
    list_filter = ("kind", "status", BranchFilter)
    list_select_related = ("branch", "user")
    search_fields = ("real_name", "user__username")
    inlines = [BranchMembershipInline]
    actions = ["transfer"]
    add_form = MemberCreateForm
    PROFILE_FIELDS = ("kind", "status", "joined_party_on", "probation_start", "probation_end", "phone")
    add_fieldsets = (
        (None, {"fields": ("username", "password", "real_name", "branch", "since")}),
        (
            _("党员信息"),
            {
                "fields": (
                    "kind",
                    "status",
                    "joined_party_on",
                    "probation_start",
                    "probation_end",
                    "phone",
                    "id_number",
                )
            },
        ),
    )

    @admin.display(description=_("登录名"), ordering="user__username")
    def username(self, member: Member) -> str:
        return member.user.get_username()

    @admin.display(description=_("手机号"))
    def masked_phone(self, member: Member) -> str:
        return member.phone_masked

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, member: Member) -> str:
        return member.id_number_masked

    def has_add_permission(self, request) -> bool:
        return branches_in_scope(request).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def has_transfer_permission(self, request) -> bool:
        return may_transfer(request)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        # Phone and ID number in full only for the member and the clerk of the member's branch.
        if access.sees_private_data(request.user, obj):
            private = ("phone", "id_number")
        else:
            private = ("masked_phone", "masked_id_number")
        return (
            (None, {"fields": ("username", "real_name", "branch")}),
            (
                _("党员信息"),
                {
                    "fields": (
                        "kind",
                        "status",
                        "joined_party_on",
                        "probation_start",
                        "probation_end",
                        *private,
                    )
                },
            ),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The branch changes only through 转接组织关系, which keeps the history.
        return ("username", "branch", "masked_phone", "masked_id_number")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "branch":
            kwargs["queryset"] = branches_in_scope(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action="member.update",
                summary=f"修改党员 {obj.real_name} 的信息",
                target=obj,
                organization=obj.branch,
                data={"fields": form.changed_data},  # names only: values may be private
            )
            return
        data = form.cleaned_data
        user = User.objects.create_user(username=data["username"], password=data["password"])
        member = services.member_create(
            user=user,
            real_name=data["real_name"],
            branch=data["branch"],
            id_number=data["id_number"],
            since=data["since"],
            created_by=request.user,
            reason=str(_("后台新增")),
            **{field: data[field] for field in self.PROFILE_FIELDS},
        )
        obj.pk, obj.user = member.pk, user
        obj._state.adding = False

    @admin.action(description=_("转接组织关系"), permissions=["transfer"])
    def transfer(self, request, queryset):
        return transfer_members(self, request, queryset)


@admin.register(BranchMembership)
class BranchMembershipAdmin(ScopedAdmin):
    """组织关系记录: read-only. A member's history is visible where the member now is, and each
    spell where it was spent."""

    scope_lookups = ("branch", "member__branch")
    list_display = ("member_name", "branch_name", "start", "end", "reason")
    list_select_related = ("member", "branch")
    search_fields = ("member__real_name",)
    fields = ("member_name", "branch_name", "start", "end", "reason", "recorder", "recorded_time")
    readonly_fields = fields
    actions = ["transfer"]

    @admin.display(description=_("党员"), ordering="member__real_name")
    def member_name(self, spell: BranchMembership) -> str:
        return spell.member.real_name

    @admin.display(description=_("支部"), ordering="branch__code")
    def branch_name(self, spell: BranchMembership) -> str:
        return spell.branch.name

    @admin.display(description=_("登记人"))
    def recorder(self, spell: BranchMembership) -> str:
        return person(spell.recorded_by) if spell.recorded_by_id else ""

    @admin.display(description=_("登记时间"))
    def recorded_time(self, spell: BranchMembership):
        return spell.recorded_at

    def has_transfer_permission(self, request) -> bool:
        return may_transfer(request)

    @admin.action(description=_("转接组织关系"), permissions=["transfer"])
    def transfer(self, request, queryset):
        # A past spell in this branch may belong to a member who has since left: only the members
        # now in the user's scope move.
        members = Member.objects.filter(pk__in=queryset.values("member_id"))
        if not request.user.is_superuser:
            members = members.filter(branch__in=scope(request, ROSTER_PERM))
        return transfer_members(self, request, members)


# --- 角色任命 -------------------------------------------------------------------------------------


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    """Appointments: granted through ``role_grant``, ended through ``role_end``, never deleted."""

    list_display = ("holder", "organization", "role", "valid_from", "valid_until", "granted_by_name")
    list_filter = ("role",)
    list_select_related = ("user__member", "organization", "granted_by__member")
    search_fields = ("user__username", "user__member__real_name", "organization__name")
    add_fields = ("user", "organization", "role", "valid_from", "valid_until", "reason")
    shown_fields = ("holder", "organization", "role", "valid_from", "reason", "granted_by_name", "granted_at")

    @admin.display(description=_("任职人"), ordering="user__username")
    def holder(self, assignment: RoleAssignment) -> str:
        return person(assignment.user)

    @admin.display(description=_("任命人"))
    def granted_by_name(self, assignment: RoleAssignment) -> str:
        return person(assignment.granted_by) if assignment.granted_by_id else _("系统")

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser or scope(request, STRUCTURE_PERM).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return access.may(request.user, STRUCTURE_PERM, obj.organization)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        if self.has_change_permission(request, obj):
            return (*self.shown_fields, "valid_until", "end_reason")
        return (*self.shown_fields, "valid_until")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.shown_fields

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = RoleGrantForm if obj is None else RoleEndForm
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = scope(request, STRUCTURE_PERM).order_by("path")
        elif db_field.name == "user":
            users = User.objects.select_related("member").order_by("username")
            if not request.user.is_superuser:
                # Members of the organizations below; never oneself (no self-promotion to the roster's
                # private data or to approving one's own points).
                users = users.filter(member__branch__in=scope(request, STRUCTURE_PERM)).exclude(
                    pk=request.user.pk
                )
            kwargs["queryset"] = users
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user":
            field.label_from_instance = person
        return field

    def save_model(self, request, obj, form, change):
        if change:
            stored = RoleAssignment.objects.get(pk=obj.pk)  # role_end records the previous end
            services.role_end(
                assignment=stored,
                on=form.cleaned_data["valid_until"],
                ended_by=request.user,
                reason=form.cleaned_data["end_reason"],
            )
            return
        assignment = services.role_grant(
            user=obj.user,
            organization=obj.organization,
            role=obj.role,
            valid_from=obj.valid_from,
            valid_until=obj.valid_until,
            granted_by=request.user,
            reason=obj.reason,
        )
        obj.pk, obj.granted_by, obj.granted_at = assignment.pk, assignment.granted_by, assignment.granted_at
        obj._state.adding = False
