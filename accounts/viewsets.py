"""The 组织与党员 application of the site: 工作台, the member roster and the organization tree.

Every list and detail reads through ``accounts.access``. A detail page looks its object up in the
same scoped queryset as its list, so an object outside the user's scope answers 404 (its existence
is not revealed); a list the user may not open at all answers 403.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from viewflow.urls import Application, AppMenuMixin, ReadonlyModelViewset, Viewset
from viewflow.views import DetailModelView

from accounts import access
from accounts.models import Member, Organization
from accounts.roles import VIEW_ORGANIZATION
from accounts.services import active_assignments
from accounts.views_roster import RosterViewset


class ScopedDetailView(DetailModelView):
    """Look the object up in the viewset's scoped queryset: outside the scope is a 404."""

    def get_queryset(self):
        return self.viewset.get_queryset(self.request)


class MemberDetailView(ScopedDetailView):
    template_name = "accounts/member_detail.html"

    def get_context_data(self, **kwargs):
        member = self.object
        private = access.sees_private_data(self.request.user, member)
        return super().get_context_data(
            **kwargs,
            phone=member.phone if private else member.phone_masked,
            id_number=member.id_number if private else member.id_number_masked,
            memberships=member.memberships.select_related("branch").order_by("start"),
            roles=active_assignments(user=member.user).select_related("organization"),
        )


class OrganizationDetailView(ScopedDetailView):
    template_name = "accounts/organization_detail.html"

    def get_context_data(self, **kwargs):
        organization = self.object
        ancestors = list(Organization.objects.get_ancestors(organization))
        # Ancestors are named for orientation; only those the user may open are links.
        openable = set(
            access.organizations_where(self.request.user, VIEW_ORGANIZATION)
            .filter(pk__in=[a.pk for a in ancestors])
            .values_list("pk", flat=True)
        )
        return super().get_context_data(
            **kwargs,
            ancestors=[(a, a.pk in openable) for a in ancestors],
            children=Organization.objects.get_children(organization),
            member_count=organization.members.count() if organization.is_branch else None,
        )


class MemberViewset(ReadonlyModelViewset):
    """党员名册: the members of the branches the user may see; a plain member sees only themself."""

    model = Member
    title = _("党员名册")
    icon = "badge"
    list_columns = ("real_name", "branch", "kind", "status", "masked_phone")
    list_search_fields = ("real_name",)
    list_filter_fields = ("kind", "status")
    list_paginate_by = 30
    detail_view_class = MemberDetailView

    def get_queryset(self, request):
        return access.members_visible_to(request.user)

    def has_view_permission(self, user, obj=None):
        if obj is None:
            return user.is_authenticated
        return access.members_visible_to(user).filter(pk=obj.pk).exists()

    def get_object_url(self, request, obj):
        # Rows come from the scoped queryset, so every row shown may be opened.
        return self.reverse("detail", args=[obj.pk])

    def masked_phone(self, member: Member) -> str:
        """Lists never show private data in full, whoever looks."""
        return member.phone_masked

    masked_phone.short_description = _("手机号")


class OrganizationViewset(ReadonlyModelViewset):
    """组织: the organizations the user may see, below every organization where they hold a role."""

    model = Organization
    title = _("组织")
    icon = "account_tree"
    list_columns = ("name", "code", "kind")
    list_search_fields = ("code", "name")
    list_filter_fields = ("kind",)
    list_paginate_by = 50
    detail_view_class = OrganizationDetailView

    def get_queryset(self, request):
        return access.organizations_where(request.user, VIEW_ORGANIZATION).order_by("path")

    def has_view_permission(self, user, obj=None):
        if obj is None:
            return access.organizations_where(user, VIEW_ORGANIZATION).exists()
        return access.may(user, VIEW_ORGANIZATION, obj)

    def get_object_url(self, request, obj):
        return self.reverse("detail", args=[obj.pk])


class HomeViewset(AppMenuMixin, Viewset):
    """工作台: the landing page after login (``/accounts/home/``, where ``/`` leads) — what waits for
    the user in every role they hold (``workflows.views.workbench``)."""

    app_name = "home"
    title = _("工作台")
    icon = "dashboard"

    @property
    def index_path(self):
        from workflows.views.workbench import WorkbenchView

        return path("", WorkbenchView.as_view(), name="index")


class AccountsApplication(Application):
    title = _("组织与党员")
    icon = "groups"
    app_name = "accounts"
    viewsets = [HomeViewset(), MemberViewset(), OrganizationViewset(), RosterViewset()]

    @property
    def index_path(self):
        # Explicit, so routes added to this application never change where users land.
        return path("", RedirectView.as_view(url="home/"), name="index")
