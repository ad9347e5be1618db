"""Serving evidence files to those who may see the claim they back; everyone else gets a 404."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from workflows.evidence import get_evidence_for_user
from workflows.evidence_thumbs import thumbnail_bytes
from workflows.models import Evidence

app_name = "evidence"


@require_safe
@login_required
@xframe_options_sameorigin  # a PDF is shown in place, in a frame of the task page (same site only)
def evidence_serve(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_evidence_for_user(request.user, pk)
    if request.GET.get("size") == "thumb":
        return evidence_thumbnail_response(evidence)
    return evidence_file_response(evidence)


def evidence_file_response(evidence: Evidence) -> FileResponse:
    """The stored file as itself, shown inline but unable to act as the site (the page and the API)."""
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=False,
        filename=evidence.original_name,
    )
    return _guarded(response)


def evidence_thumbnail_response(evidence: Evidence) -> HttpResponse:
    """缩略图: a small JPEG of a photo; 404 for a file without one (the page shows an icon instead)."""
    data = thumbnail_bytes(evidence)
    if data is None:
        raise Http404
    return _guarded(HttpResponse(data, content_type="image/jpeg"))


def _guarded(response: HttpResponse) -> HttpResponse:
    # The type was detected from the content when stored; browsers must not guess another one.
    response["X-Content-Type-Options"] = "nosniff"
    # A member's PDF may carry JavaScript or forms; opened from our origin it must not act as our pages
    # (no scripts, no same-origin cookies or requests, no forms) — the viewer still shows it.
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [
    path("<int:pk>/", evidence_serve, name="serve"),
]
