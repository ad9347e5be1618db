"""Two applications of the site, outside viewflow's task queue:

- 我的积分 (``/me/``): a member's points, claims, the branch's 公示 and appeals — made for a phone;
- 支部登记 (``/clerk/``): the clerk's entry pages — a meeting's sign-in list, one branch-observed item,
  and the periods with 发起公示.

The notifications link to ``/me/claims/<pk>/``, ``/me/publicity/<pk>/`` and ``/me/appeals/<pk>/``:
keep those paths. Each view checks its own scope; the applications only decide whether their menu
entry shows (anonymous users pass, so that the views can send them to the login page).
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from accounts import access
from workflows import member_selectors
from workflows.views import clerk, member, rules, standards
from yearend.views import member as yearend_member


class MemberApplication(Application):
    title = _("我的积分")
    icon = "stars"
    app_name = "me"
    menu_template_name = "workflows/me/menu.html"
    menu_links = (
        ("me:index", "stars", _("我的积分")),
        ("me:claim_new", "add_a_photo", _("申报积分")),
        ("me:claim_list", "list_alt", _("我的申报")),
        ("me:publicity", "campaign", _("当前公示")),
        ("me:appeal_list", "gavel", _("我的申诉")),
        ("me:standards", "menu_book", _("积分标准")),
        ("me:handbook", "auto_stories", _("积分手册")),
    )

    index_path = path("", member.MyPointsView.as_view(), name="index")
    notification_read_path = path(
        "notifications/<int:pk>/read/", member.NotificationReadView.as_view(), name="notification_read"
    )
    notifications_read_all_path = path(
        "notifications/read-all/", member.NotificationsReadAllView.as_view(), name="notifications_read_all"
    )
    claim_new_path = path("claims/new/", member.ClaimNewView.as_view(), name="claim_new")
    claim_list_path = path("claims/", member.ClaimListView.as_view(), name="claim_list")
    claim_detail_path = path("claims/<int:pk>/", member.ClaimDetailView.as_view(), name="claim_detail")
    publicity_path = path("publicity/", member.PublicityCurrentView.as_view(), name="publicity")
    publicity_detail_path = path(
        "publicity/<int:pk>/", member.PublicityDetailView.as_view(), name="publicity_detail"
    )
    appeal_new_path = path(
        "publicity/<int:pk>/appeal/<int:entry_pk>/", member.AppealNewView.as_view(), name="appeal_new"
    )
    appeal_list_path = path("appeals/", member.AppealListView.as_view(), name="appeal_list")
    appeal_detail_path = path("appeals/<int:pk>/", member.AppealDetailView.as_view(), name="appeal_detail")
    standards_path = path("standards/", standards.StandardsView.as_view(), name="standards")
    standards_pdf_path = path("standards/pdf/", standards.StandardsPdf.as_view(), name="standards_pdf")
    handbook_path = path("handbook/", standards.HandbookView.as_view(), name="handbook")
    handbook_pdf_path = path("handbook/<int:year>/pdf/", standards.HandbookPdf.as_view(), name="handbook_pdf")
    evaluation_path = path("evaluation/<int:pk>/", yearend_member.EvaluationView.as_view(), name="evaluation")
    annual_path = path("annual/<int:pk>/", yearend_member.AnnualView.as_view(), name="annual")
    result_appeal_path = path(
        "yearend/<int:pk>/appeal/<int:member_pk>/",
        yearend_member.ResultAppealView.as_view(),
        name="result_appeal",
    )

    def has_view_permission(self, user, obj=None):
        return not user.is_authenticated or access.own_member(user) is not None


class ClerkApplication(Application):
    title = _("支部登记")
    icon = "edit_note"
    app_name = "clerk"
    menu_template_name = "workflows/me/menu.html"
    menu_links = (("clerk:index", "edit_note", _("选择支部")),)

    index_path = path("", clerk.ClerkIndexView.as_view(), name="index")
    attendance_new_path = path(
        "<int:pk>/attendance/new/", clerk.AttendanceNewView.as_view(), name="attendance_new"
    )
    record_new_path = path("<int:pk>/record/new/", clerk.RecordNewView.as_view(), name="record_new")
    periods_path = path("<int:pk>/periods/", clerk.PeriodsView.as_view(), name="periods")
    rules_path = path("<int:pk>/rules/", rules.BranchRulesView.as_view(), name="rules")
    standards_path = path("<int:pk>/standards/", standards.StandardsView.as_view(), name="standards")
    standards_pdf_path = path(
        "<int:pk>/standards/pdf/", standards.StandardsPdf.as_view(), name="standards_pdf"
    )
    handbook_path = path(
        "members/<int:member_pk>/handbook/", standards.HandbookView.as_view(), name="handbook"
    )
    handbook_pdf_path = path(
        "members/<int:member_pk>/handbook/<int:year>/pdf/",
        standards.HandbookPdf.as_view(),
        name="handbook_pdf",
    )

    def has_view_permission(self, user, obj=None):
        return not user.is_authenticated or member_selectors.branches_followed_by(user).exists()
