"""Routes of the rule-proposal resource (自主设定项目申请); included under /api/v1/ by api/urls.py."""

from rest_framework.routers import DefaultRouter

from api.rule_proposals.views import RuleProposalViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("rule-proposals", RuleProposalViewSet, basename="rule-proposal")

urlpatterns = router.urls
