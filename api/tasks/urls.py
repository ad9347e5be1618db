"""Routes of the tasks resources; included under /api/v1/ by api/urls.py."""

urlpatterns: list = []
