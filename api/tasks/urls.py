"""Routes of the tasks resources (待办, 备案); included under /api/v1/ by api/urls.py."""

from rest_framework.routers import DefaultRouter

from api.tasks.views_filings import FilingViewSet
from api.tasks.views_tasks import TaskViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tasks", TaskViewSet, basename="task")
router.register("filings", FilingViewSet, basename="filing")

urlpatterns = router.urls
