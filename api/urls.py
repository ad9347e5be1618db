from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api import views
from api.docs import DocsView, SchemaView

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("members", views.MemberViewSet, basename="member")

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("", include(router.urls)),
    path("", include("api.claims.urls")),
    path("", include("api.tasks.urls")),
    path("", include("api.scores.urls")),
    path("", include("api.yearend.urls")),
    path("", include("api.rule_proposals.urls")),
]
