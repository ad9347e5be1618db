"""批量导出 pages: start an export and list my exports; one export's page with its progress bar; the JSON
the bar polls; the download; 重新开始 and 取消.

Every page is about the user's own jobs only: another user's job answers 404. The ZIP is served by
:class:`JobDownloadView` alone, never from ``MEDIA_URL``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic

from reports.models import ExportJob

from . import selectors, services
from .forms import ExportJobForm


def progress_of(job: ExportJob) -> dict[str, Any]:
    """What the progress bar shows, as the JSON endpoint gives it."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "total": job.total_parts,
        "done": job.parts_done,
        "percent": job.percent,
        "step": job.step,
        "error": job.error,
        "finished": job.status in ExportJob.FINISHED,
        "download_url": (
            reverse("reports:jobs:download", args=[job.pk]) if selectors.offers_download(job) else None
        ),
    }


class JobIndexView(LoginRequiredMixin, generic.FormView):
    """批量导出: the start form and my exports with their status."""

    template_name = "reports/jobs/index.html"
    form_class = ExportJobForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.organizations_exportable_by(request.user).exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, jobs=selectors.jobs_of(self.request.user)[:50])

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            job, created = services.export_job_start(
                user=self.request.user, organization=data["organization"], period_code=data["period_code"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if not created:
            flash.info(self.request, gettext("同一组织、同一周期的导出正在进行，已为您打开它。"))
        return redirect("reports:jobs:detail", job.pk)


class JobDetailView(LoginRequiredMixin, generic.TemplateView):
    """One export: the progress bar (updating itself), then the download link, or why it failed."""

    template_name = "reports/jobs/detail.html"

    def get_context_data(self, **kwargs):
        job = selectors.get_job_for_user(self.request.user, kwargs["pk"])
        return super().get_context_data(**kwargs, job=job, progress=progress_of(job))


class JobProgressView(LoginRequiredMixin, generic.View):
    """The progress as JSON, polled by the job's page every second or two."""

    def get(self, request, pk: int):
        response = JsonResponse(progress_of(selectors.get_job_for_user(request.user, pk)))
        response["Cache-Control"] = "no-store"
        return response


class JobDownloadView(LoginRequiredMixin, generic.View):
    """The finished ZIP, under its Chinese name — only a done job whose file is whole and unchanged."""

    def get(self, request, pk: int):
        job, path = selectors.get_downloadable_job_for_user(request.user, pk)
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=job.download_name, content_type="application/zip"
        )


class JobActionView(LoginRequiredMixin, generic.View):
    """A button on the job's page: POST, then back to the job's page."""

    http_method_names = ["post"]
    done_message = ""

    def act(self, job: ExportJob) -> ExportJob:
        raise NotImplementedError

    def post(self, request, pk: int):
        job = selectors.get_job_for_user(request.user, pk)
        try:
            job = self.act(job)
        except ValidationError as error:
            for message in error.messages:
                flash.error(request, message)
        else:
            flash.success(request, self.done_message)
        return redirect("reports:jobs:detail", job.pk)


class JobRestartView(JobActionView):
    """重新开始: a failed or cancelled export resumes; the files already made are kept."""

    done_message = _("已重新开始，已生成的文件不会重复生成。")

    def act(self, job: ExportJob) -> ExportJob:
        return services.export_job_restart(user=self.request.user, job=job)


class JobCancelView(JobActionView):
    """取消: a queued or running export stops after the file it is making."""

    done_message = _("已取消导出。")

    def act(self, job: ExportJob) -> ExportJob:
        return services.export_job_cancel(user=self.request.user, job=job)
