from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Site

from accounts.viewsets import AccountsApplication
from config.health import healthz
from reports.application import ReportsApplication
from workflows.meetings_app import MeetingsApplication
from workflows.member_app import ClerkApplication, MemberApplication
from workflows.viewsets import WorkflowApplication
from yearend.app import YearEndApplication

admin.site.site_header = "党员积分管理 · 后台配置"
admin.site.site_title = "党员积分管理"
admin.site.index_title = "配置"


class SignInViewset(AuthViewset):
    """Login, logout and password change. No e-mail password reset: many members have no e-mail
    address, and the branch clerk resets a forgotten password (the login page says so)."""

    pass_reset_path = None
    pass_reset_done_path = None
    pass_reset_confirm_path = None
    pass_reset_complete_path = None


site = Site(
    title="党员积分管理",
    viewsets=[
        AccountsApplication(),
        MemberApplication(),
        WorkflowApplication(),
        MeetingsApplication(),
        ClerkApplication(),
        YearEndApplication(),
        ReportsApplication(),
    ],
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", SignInViewset(allow_password_change=True, with_profile_view=False).urls),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz/", healthz, name="healthz"),
    path("evidence/", include("workflows.views_evidence")),
    path("api/v1/", include("api.urls")),
    path("", site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
