"""支委会会议 (``/meetings/``): the branches' committee meetings, recording one, deciding the waiting
支委会审核 in it, and its 会议记录 PDF. Each view checks its own scope; the application only decides
whether its menu entry shows (anonymous users pass, so the views can send them to the login page)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from workflows import member_selectors
from workflows.views import meetings


class MeetingsApplication(Application):
    title = _("支委会会议")
    icon = "groups"
    app_name = "meetings"
    menu_template_name = "workflows/me/menu.html"
    menu_links = (("meetings:index", "groups", _("支委会会议")),)

    index_path = path("", meetings.MeetingIndexView.as_view(), name="index")
    branch_path = path("branch/<int:pk>/", meetings.BranchMeetingsView.as_view(), name="branch")
    new_path = path("branch/<int:pk>/new/", meetings.MeetingNewView.as_view(), name="new")
    detail_path = path("<int:pk>/", meetings.MeetingDetailView.as_view(), name="detail")
    decide_path = path("<int:pk>/decide/", meetings.MeetingDecideView.as_view(), name="decide")
    pdf_path = path("<int:pk>/pdf/", meetings.MeetingPdfView.as_view(), name="pdf")

    def has_view_permission(self, user, obj=None):
        return not user.is_authenticated or member_selectors.branches_followed_by(user).exists()
