"""Routes of the member-facing resources; included under /api/v1/ by api/urls.py.

rulesets/ (and rulesets/claimable-items/), claims/ (and claims/{id}/revise/), publicity/ (and
publicity/current/), appeals/, evidence/{id}/.
"""

from rest_framework.routers import DefaultRouter

from api.claims.views.appeals import AppealViewSet
from api.claims.views.claims import ClaimViewSet
from api.claims.views.evidence import EvidenceFileViewSet
from api.claims.views.publicity import PublicityViewSet
from api.claims.views.rules import RuleSetViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("rulesets", RuleSetViewSet, basename="ruleset")
router.register("claims", ClaimViewSet, basename="claim")
router.register("publicity", PublicityViewSet, basename="publicity")
router.register("appeals", AppealViewSet, basename="appeal")
router.register("evidence", EvidenceFileViewSet, basename="evidence")

urlpatterns = router.urls
