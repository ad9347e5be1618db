"""备案材料 in the REST API: how a filing's stored documents read in ``/api/v1/filings/<id>/``.

Each document with its SHA-256 and the result of 校验 — the stored file's hash recomputed on every read
(``reports.filing_package.filing_document_check``) — and the permission-checked web addresses to download
it and to record a 校验 (``/reports/exports/``).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reports.filing_package import download_name, filing_document_check
from workflows.models import Filing, FilingDocument, FilingPackage


class VerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="存储的文件与生成时一致")
    message = serializers.CharField(help_text="校验结果（中文）")
    actual_sha256 = serializers.CharField(help_text="现在计算出的 SHA-256；文件丢失时为空")


class FilingDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FilingDocument.Kind.choices, help_text="pdf / xlsx")
    kind_display = serializers.CharField(source="get_kind_display")
    name = serializers.SerializerMethodField(help_text="下载时的文件名")
    approval_round = serializers.IntegerField(help_text="生成所依据的审定轮次")
    sha256 = serializers.CharField(help_text="生成时记录的 SHA-256")
    size = serializers.IntegerField(help_text="字节数")
    generated_at = serializers.DateTimeField()
    verification = serializers.SerializerMethodField(help_text="校验：重新计算存储文件的 SHA-256")
    download_url = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField(help_text="记录一次校验（POST，网页会话）")

    def get_name(self, document: FilingDocument) -> str:
        return download_name(document)

    @extend_schema_field(VerificationSerializer)
    def get_verification(self, document: FilingDocument) -> dict:
        return VerificationSerializer(filing_document_check(document)).data

    def get_download_url(self, document: FilingDocument) -> str:
        return self._absolute(reverse("reports:exports:document", args=[document.pk]))

    def get_verify_url(self, document: FilingDocument) -> str:
        return self._absolute(reverse("reports:exports:document_verify", args=[document.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class FilingPackageSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FilingPackage.Status.choices, help_text="备案材料生成状态")
    attempts = serializers.IntegerField()
    error = serializers.CharField(help_text="最近一次失败的原因")
    documents = serializers.SerializerMethodField()

    @extend_schema_field(FilingDocumentSerializer(many=True))
    def get_documents(self, package: FilingPackage) -> list[dict]:
        documents = package.filing.documents.select_related("filing__approval__review__branch")
        return FilingDocumentSerializer(documents, many=True, context=self.context).data


def filing_package_data(filing: Filing, context: dict) -> dict | None:
    """The filing's package as the API shows it; None before 审定 asked for one (filings made earlier)."""
    package = FilingPackage.objects.filter(filing=filing).select_related("filing").first()
    return FilingPackageSerializer(package, context=context).data if package else None
