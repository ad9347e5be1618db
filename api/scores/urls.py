"""Routes of the scores, ledger, periods and clerk resources; included under /api/v1/ by api/urls.py."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api.scores import views_clerk, views_ledger, views_periods, views_scores

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("ledger", views_ledger.LedgerViewSet, basename="ledger")

urlpatterns = [
    path("scores/me/", views_scores.MyScoresView.as_view(), name="scores-me"),
    path("scores/branches/<int:pk>/", views_scores.BranchScoresView.as_view(), name="scores-branch"),
    path(
        "scores/organizations/<int:pk>/",
        views_scores.OrganizationScoresView.as_view(),
        name="scores-organization",
    ),
    path(
        "scores/organizations/<int:pk>/ranking/",
        views_scores.OrganizationRankingView.as_view(),
        name="scores-organization-ranking",
    ),
    path("periods/", views_periods.PeriodListView.as_view(), name="periods"),
    path("periods/start/", views_periods.PeriodStartView.as_view(), name="periods-start"),
    path(
        "periods/reviews/<int:pk>/preview/", views_periods.PeriodPreviewView.as_view(), name="periods-preview"
    ),
    path("clerk/records/", views_clerk.BranchRecordView.as_view(), name="clerk-record"),
    path("clerk/attendance/", views_clerk.AttendanceView.as_view(), name="clerk-attendance"),
    path("", include(router.urls)),
]
