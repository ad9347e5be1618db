"""签到表导入 pages: upload → preview (what would be entered, what is already there, or every problem)
→ confirm. For the clerks of the branch (登记: ``record_claims``); anyone else gets 403.

Between preview and confirm the uploaded file waits in storage under a random name kept in the
clerk's session, with its SHA-256: the confirm imports exactly the file previewed, checked again from
scratch (the service runs every rule again, in one transaction), and then removes it.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView

from reports.exports import scope
from reports.exports.forms import AttendanceUploadForm
from reports.exports.import_template import attendance_template
from reports.exports.imports import attendance_import
from reports.exports.views import xlsx_response

SESSION_KEY = "attendance_import"
PENDING_DIR = "attendance-imports"
EXPIRED = "预览已失效（可能已在其他窗口导入或取消），请重新上传签到表。"


class ImportAccessMixin(UserPassesTestMixin):
    """Anonymous → login page; signed in without 登记 in any branch → 403."""

    def test_func(self) -> bool:
        return scope.branches_importable_by(self.request.user).exists()


class AttendanceImportView(ImportAccessMixin, FormView):
    """Upload and preview: nothing is written until the clerk confirms."""

    form_class = AttendanceUploadForm
    template_name = "reports/exports/import.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        return {"branch": self.request.GET.get("branch")}

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        branch = form.cleaned_data["branch"]
        result = attendance_import(
            branch=branch, name=upload.name or "", content=content, by=self.request.user, commit=False
        )
        if not result.ok:
            return self.render_to_response(self.get_context_data(form=form, result=result))
        token = _keep(self.request, branch.pk, upload.name or "", content)
        return render(self.request, "reports/exports/import_preview.html", {"result": result, "token": token})


def _keep(request, branch_id: int, name: str, content: bytes) -> str:
    """Store the previewed file until it is confirmed; one pending import per session."""
    _discard(request)
    token = secrets.token_urlsafe(16)
    path = default_storage.save(f"{PENDING_DIR}/{token}.xlsx", ContentFile(content))
    request.session[SESSION_KEY] = {
        "token": token,
        "path": path,
        "branch": branch_id,
        "name": name,
        "sha256": hashlib.sha256(content).hexdigest(),
        "at": timezone.now().isoformat(),
    }
    return token


def _discard(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        default_storage.delete(pending["path"])


def _pending(request, token: str) -> tuple[dict, bytes] | None:
    pending = request.session.get(SESSION_KEY)
    if not pending or not secrets.compare_digest(pending["token"], token):
        return None
    try:
        with default_storage.open(pending["path"], "rb") as stored:
            content = stored.read()
    except (FileNotFoundError, OSError):
        return None
    if hashlib.sha256(content).hexdigest() != pending["sha256"]:
        return None
    return pending, content


class AttendanceImportConfirmView(ImportAccessMixin, View):
    def post(self, request) -> HttpResponse:
        if request.POST.get("action") == "cancel":
            _discard(request)
            return redirect(reverse("reports:exports:import"))
        found = _pending(request, request.POST.get("token", ""))
        if found is None:
            form = AttendanceUploadForm(user=request.user)
            return render(
                request, "reports/exports/import.html", {"form": form, "expired": EXPIRED}, status=400
            )
        pending, content = found
        branch = get_object_or_404(scope.branches_importable_by(request.user), pk=pending["branch"])
        result = attendance_import(
            branch=branch, name=pending["name"], content=content, by=request.user, commit=True
        )
        _discard(request)
        if not result.ok:  # something changed since the preview: nothing was imported
            form = AttendanceUploadForm(user=request.user, initial={"branch": branch.pk})
            return render(
                request, "reports/exports/import.html", {"form": form, "result": result}, status=400
            )
        return render(request, "reports/exports/import_done.html", {"result": result})


class AttendanceTemplateView(ImportAccessMixin, View):
    def get(self, request) -> HttpResponse:
        branches = scope.branches_importable_by(request.user)
        asked = request.GET.get("branch", "")
        branch = get_object_or_404(branches, pk=asked) if asked.isdigit() else branches.first()
        content = attendance_template(branch=branch, today=timezone.localdate())
        return xlsx_response(content, f"{branch.name}_签到登记导入模板")
