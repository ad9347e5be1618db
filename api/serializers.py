from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.masking import mask_id_number, mask_phone
from accounts.models import Member, Organization, RoleAssignment


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)
    password = serializers.CharField(label="密码", max_length=128, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="令牌明文，只显示这一次")
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField()


class OrganizationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["code", "name", "kind"]


class OrganizationSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(allow_null=True, read_only=True, help_text="上级组织编码")

    class Meta:
        model = Organization
        fields = ["code", "name", "kind", "parent_code", "depth"]


class RoleSerializer(serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = RoleAssignment
        fields = ["role", "role_display", "organization", "valid_from", "valid_until", "active"]

    def get_active(self, obj: RoleAssignment) -> bool:
        return obj.is_active_on(self.context["today"])


class MemberSerializer(serializers.ModelSerializer):
    """Phone and ID number in full only for the member and those who may see the branch's private data."""

    branch = OrganizationBriefSerializer(read_only=True)
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["id", "real_name", "branch", "kind", "status", "joined_party_on", "phone", "id_number"]

    def _private(self, obj: Member) -> bool:
        return obj.user_id == self.context["user_id"] or obj.branch_id in self.context["private_branch_ids"]

    @extend_schema_field(serializers.CharField())
    def get_phone(self, obj: Member) -> str:
        return obj.phone if self._private(obj) else mask_phone(obj.phone)

    @extend_schema_field(serializers.CharField())
    def get_id_number(self, obj: Member) -> str:
        return obj.id_number if self._private(obj) else mask_id_number(obj.id_number)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    member = MemberSerializer(
        allow_null=True, help_text="本人的党员档案；没有档案的账户（如上级党委）为 null"
    )
    roles = RoleSerializer(many=True)
