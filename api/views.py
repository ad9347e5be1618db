from django.contrib.auth import authenticate
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from accounts.models import Member, Organization, RoleAssignment
from api.errors import ApiError
from api.models import ApiToken
from api.serializers import (
    MemberSerializer,
    MeSerializer,
    OrganizationSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from api.services import token_issue, token_revoke


class TokenView(APIView):
    """签发 (POST) 与吊销 (DELETE) 接口令牌。"""

    throttle_scope = "login"

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "POST":
            from rest_framework.throttling import ScopedRateThrottle

            throttles.append(ScopedRateThrottle())
        return throttles

    @extend_schema(
        request=TokenRequestSerializer,
        responses={201: TokenResponseSerializer},
        auth=[],
        summary="用用户名和密码换取令牌",
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request
        # Through the authentication backends, so django-axes counts failures and locks out.
        user = authenticate(
            request=django_request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            # The API answers in its own shape; without this AxesMiddleware would swap in the HTML page.
            django_request.axes_locked_out = False
            raise ApiError(
                "登录失败次数过多，账户已暂时锁定，请稍后再试或联系支部组织委员",
                code="locked_out",
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            raise ApiError("用户名或密码错误", code="invalid_credentials", status_code=400)
        token, key = token_issue(user=user)
        body = TokenResponseSerializer({"token": key, "prefix": token.prefix, "expires_at": token.expires_at})
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: OpenApiResponse(description="已吊销")}, summary="吊销当前令牌")
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ApiError("当前请求不是用令牌登录的", code="not_token_auth", status_code=400)
        token_revoke(token=request.auth, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="我的档案、支部与角色")
    def get(self, request):
        user = request.user
        member = access.own_member(user)
        roles = RoleAssignment.objects.filter(user=user).select_related("organization")
        context = {"user_id": user.pk, "private_branch_ids": set(), "today": timezone.localdate()}
        body = MeSerializer(
            {"username": user.get_username(), "member": member, "roles": roles}, context=context
        )
        return Response(body.data)


class OrganizationFilter(filters.FilterSet):
    class Meta:
        model = Organization
        fields = ["kind"]


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """我可以查看的组织：所任职组织及其下级，以及本人所在支部。"""

    serializer_class = OrganizationSerializer
    lookup_field = "code"
    filterset_class = OrganizationFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "depth"]
    ordering = ["path"]

    def get_queryset(self):
        parent = Organization.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
        ).values("code")[:1]
        user = self.request.user
        # A member without an office sees the branch they belong to (its name and place in the tree).
        own = access.own_member(user)
        visible = access.organizations_where(user, "view_organization")
        if own is not None:
            visible = visible | Organization.objects.filter(pk=own.branch_id)
        return visible.distinct().annotate(parent_code=Subquery(parent))


class MemberFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="branch__code", label="支部编码")

    class Meta:
        model = Member
        fields = ["branch", "kind", "status"]


class MemberViewSet(viewsets.ReadOnlyModelViewSet):
    """我可以查看的党员；手机号和身份证号按权限脱敏。"""

    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    search_fields = ["real_name"]
    ordering_fields = ["real_name", "id", "joined_party_on"]
    ordering = ["branch__code", "real_name", "id"]

    def get_queryset(self):
        return access.members_visible_to(self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        context["user_id"] = user.pk
        context["private_branch_ids"] = set(
            access.organizations_where(user, "view_private_data").values_list("pk", flat=True)
        )
        return context
