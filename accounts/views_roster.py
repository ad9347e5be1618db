"""党员名册导入 pages: upload a roster, download its template. Shown in the 组织与党员 application."""

from __future__ import annotations

import io

from django.contrib.auth.mixins import UserPassesTestMixin
from django.http import FileResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView
from viewflow.urls import AppMenuMixin, Viewset

from accounts import roster
from accounts.access import organizations_where
from accounts.forms_roster import RosterUploadForm
from accounts.models import Organization
from accounts.roster_services import may_import_roster, roster_import


class RosterAccessMixin(UserPassesTestMixin):
    """Anonymous → login page; signed in without 管理党员名册 anywhere → 403."""

    def test_func(self) -> bool:
        return may_import_roster(self.request.user)


class RosterImportView(RosterAccessMixin, FormView):
    form_class = RosterUploadForm
    template_name = "accounts/roster_import.html"
    viewset = None

    def form_valid(self, form):
        result = roster_import(
            file=form.cleaned_data["file"], uploaded_by=self.request.user, on=form.cleaned_data["on"]
        )
        if not result.ok:
            return self.render_to_response(self.get_context_data(form=form, result=result))
        return render(self.request, "accounts/roster_result.html", {"result": result, "view": self})


class RosterTemplateView(RosterAccessMixin, View):
    viewset = None

    def get(self, request):
        example = (
            organizations_where(request.user, "manage_members")
            .filter(kind=Organization.Kind.BRANCH)
            .order_by("path")
            .first()
        )
        content = roster.roster_template(example_branch_code=example.code if example else "")
        response = FileResponse(io.BytesIO(content), as_attachment=True, filename="党员名册模板.xlsx")
        response["Content-Type"] = roster.XLSX_CONTENT_TYPE
        return response


class RosterViewset(AppMenuMixin, Viewset):
    """The 名册导入 entry of the 组织与党员 menu, visible to whoever may manage members somewhere."""

    app_name = "roster"
    title = _("名册导入")
    icon = "upload_file"

    index_path = path("", RosterImportView.as_view(), name="index")
    template_path = path("template/", RosterTemplateView.as_view(), name="template")

    def has_view_permission(self, user, obj=None) -> bool:
        return may_import_roster(user)
