"""年终评议 (``/yearend/``): the branch's and the higher committee's year-end pages, outside viewflow's
task queue (the tasks themselves are in 积分流程). Each view checks its own scope; the application only
decides whether its menu entry shows."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from workflows import member_selectors
from yearend.views import pages


class YearEndApplication(Application):
    title = _("年终评议")
    icon = "emoji_events"
    app_name = "yearend"
    menu_template_name = "workflows/me/menu.html"
    menu_links = (("yearend:index", "emoji_events", _("年终评议与等次")),)

    index_path = path("", pages.IndexView.as_view(), name="index")
    branch_year_path = path(
        "branch/<int:pk>/<int:cycle>/", pages.BranchYearView.as_view(), name="branch_year"
    )
    evaluation_open_path = path(
        "branch/<int:pk>/<int:cycle>/evaluation/open/",
        pages.EvaluationOpenView.as_view(),
        name="evaluation_open",
    )
    annual_start_path = path(
        "branch/<int:pk>/<int:cycle>/annual/start/", pages.AnnualStartView.as_view(), name="annual_start"
    )
    carry_over_path = path(
        "branch/<int:pk>/<int:cycle>/carry-over/", pages.CarryOverView.as_view(), name="carry_over"
    )
    follow_up_new_path = path(
        "results/<int:pk>/follow-up/", pages.FollowUpNewView.as_view(), name="follow_up_new"
    )
    follow_up_close_path = path(
        "follow-ups/<int:pk>/close/", pages.FollowUpCloseView.as_view(), name="follow_up_close"
    )
    organization_year_path = path(
        "organization/<int:pk>/<int:cycle>/", pages.OrganizationYearView.as_view(), name="organization_year"
    )

    def has_view_permission(self, user, obj=None):
        return not user.is_authenticated or member_selectors.branches_followed_by(user).exists()
