"""The 组织与党员 application of the site: scoped lists and details built on viewflow's viewsets."""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, ReadonlyModelViewset

from accounts import access
from accounts.models import Member, Organization


class MemberViewset(ReadonlyModelViewset):
    """党员名册: the members of the branches the user may see (and the user's own profile)."""

    model = Member
    title = _("党员名册")
    icon = "badge"
    list_columns = ("real_name", "branch", "kind", "status", "phone_masked")
    list_search_fields = ("real_name",)
    list_filter_fields = ("kind", "status")
    list_paginate_by = 30

    def get_queryset(self, request):
        return access.members_visible_to(request.user)

    def has_view_permission(self, user, obj=None):
        if obj is None:
            return user.is_authenticated
        return access.members_visible_to(user).filter(pk=obj.pk).exists()


class OrganizationViewset(ReadonlyModelViewset):
    """组织: the organizations the user may see, below every organization where they hold a role."""

    model = Organization
    title = _("组织")
    icon = "account_tree"
    list_columns = ("code", "name", "kind", "depth")
    list_search_fields = ("code", "name")
    list_filter_fields = ("kind",)
    list_paginate_by = 50

    def get_queryset(self, request):
        return access.organizations_where(request.user, "view_organization").order_by("path")

    def has_view_permission(self, user, obj=None):
        if obj is None:
            return user.is_authenticated
        return access.may(user, "view_organization", obj)


class AccountsApplication(Application):
    title = _("组织与党员")
    icon = "groups"
    app_name = "accounts"
    viewsets = [MemberViewset(), OrganizationViewset()]
