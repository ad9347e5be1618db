"""证明材料 for phones: the same file and the same check as the web's /evidence/<id>/, with token auth."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation

from api.schema import error_responses
from workflows.evidence import ALLOWED_TYPES, get_evidence_for_user
from workflows.views_evidence import evidence_file_response


class AnyAcceptNegotiation(BaseContentNegotiation):
    """A file is sent as what it is; errors are JSON whatever the client asked for."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class EvidenceFileViewSet(viewsets.ViewSet):
    """下载证明材料：申报人、申诉人本人，以及负责登记、审核、处理申诉的人可以下载；其他人 404。"""

    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        summary="下载证明材料",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="证明材料编号")],
        responses={
            **{(200, content_type): OpenApiTypes.BINARY for content_type in ALLOWED_TYPES},
            **error_responses(401, 404),
        },
    )
    def retrieve(self, request, pk: str):
        if not pk.isascii() or not pk.isdigit():
            raise NotFound()
        return evidence_file_response(get_evidence_for_user(request.user, int(pk)))
