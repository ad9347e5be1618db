"""Pieces shared by claims and appeals: who, the evidence files, the history (办理经过)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.claims.fields import person_name
from audit.models import AuditRecord
from workflows.models import Evidence


class MemberNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    real_name = serializers.CharField(help_text="姓名")


class EvidenceFileSerializer(serializers.Serializer):
    """证明材料: the file's name and type as stored, and where to fetch it (both links check permission)."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name", help_text="原文件名")
    content_type = serializers.CharField(help_text="按文件内容识别的类型")
    size = serializers.IntegerField(help_text="大小（字节）")
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField(help_text="用令牌下载：GET /api/v1/evidence/{id}/")
    web_url = serializers.SerializerMethodField(help_text="网页端（登录会话）查看地址")

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, evidence: Evidence) -> str:
        return self._absolute(reverse("api:evidence-detail", args=[evidence.pk]))

    @extend_schema_field(serializers.URLField())
    def get_web_url(self, evidence: Evidence) -> str:
        return self._absolute(reverse("evidence:serve", args=[evidence.pk]))


class AuditHistorySerializer(serializers.Serializer):
    """办理经过: one audit record — who, when, what, why."""

    at = serializers.DateTimeField(help_text="时间")
    actor = serializers.SerializerMethodField(help_text="操作人姓名；null 表示系统自动操作")
    action = serializers.CharField(help_text="操作代码，如 claim.submit、claim.return")
    summary = serializers.CharField(help_text="摘要")
    reason = serializers.CharField(help_text="原因或意见；没有时为空字符串")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, record: AuditRecord) -> str | None:
        return person_name(record.actor)
