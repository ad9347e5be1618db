"""Routes of the year-end resources; included under /api/v1/ by api/urls.py.

evaluations/ (民主评议, with self-assessment/, ballots/, tallies/, paper-tallies/, proposals/, results/,
publicity/), annual-reviews/ (年度总评, with standings/, grades/, publicity/), annual-results/,
follow-ups/, and per branch or organization year-end/branches/{id}/… and year-end/organizations/{id}/….
"""

from django.urls import re_path
from rest_framework.routers import DefaultRouter

from api.yearend import views_annual, views_evaluations, views_records

# Any whole number, signed: an id that names nothing is the API's JSON 404, not Django's HTML one.
ID = r"(?P<pk>-?[0-9]+)"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("evaluations", views_evaluations.EvaluationViewSet, basename="evaluation")
router.register("annual-reviews", views_annual.AnnualReviewViewSet, basename="annual-review")
router.register("annual-results", views_annual.AnnualResultViewSet, basename="annual-result")
router.register("follow-ups", views_records.FollowUpViewSet, basename="follow-up")

urlpatterns = [
    re_path(
        rf"^year-end/branches/{ID}/carry-over/$",
        views_records.CarryOverView.as_view(),
        name="year-end-branch-carry-over",
    ),
    *(
        re_path(rf"^year-end/branches/{ID}/{kind}/$", view.as_view(), name=f"year-end-branch-{kind}")
        for kind, view in views_records.BRANCH_LISTS.items()
    ),
    *(
        re_path(
            rf"^year-end/organizations/{ID}/{kind}/$", view.as_view(), name=f"year-end-organization-{kind}"
        )
        for kind, view in views_records.ORGANIZATION_LISTS.items()
    ),
    *router.urls,
]
