"""Routes of the scores, ledger, periods and clerk resources; included under /api/v1/ by api/urls.py."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from api.scores import corrections, views_clerk, views_ledger, views_periods, views_scores

# Any whole number, signed: an id that names nothing is the API's JSON 404, not Django's HTML one.
ID = r"(?P<pk>-?[0-9]+)"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("ledger", views_ledger.LedgerViewSet, basename="ledger")
router.register("corrections", corrections.CorrectionViewSet, basename="correction")
router.register("reopenings", corrections.ReopeningViewSet, basename="reopening")

urlpatterns = [
    path("scores/me/", views_scores.MyScoresView.as_view(), name="scores-me"),
    re_path(rf"^scores/branches/{ID}/$", views_scores.BranchScoresView.as_view(), name="scores-branch"),
    re_path(
        rf"^scores/organizations/{ID}/$",
        views_scores.OrganizationScoresView.as_view(),
        name="scores-organization",
    ),
    re_path(
        rf"^scores/organizations/{ID}/ranking/$",
        views_scores.OrganizationRankingView.as_view(),
        name="scores-organization-ranking",
    ),
    path("periods/", views_periods.PeriodListView.as_view(), name="periods"),
    path("periods/start/", views_periods.PeriodStartView.as_view(), name="periods-start"),
    re_path(
        rf"^periods/reviews/{ID}/preview/$", views_periods.PeriodPreviewView.as_view(), name="periods-preview"
    ),
    re_path(
        rf"^periods/reviews/{ID}/reopen/$", corrections.PeriodReopenView.as_view(), name="periods-reopen"
    ),
    path("clerk/records/", views_clerk.BranchRecordView.as_view(), name="clerk-record"),
    path("clerk/attendance/", views_clerk.AttendanceView.as_view(), name="clerk-attendance"),
    path("", include(router.urls)),
]
