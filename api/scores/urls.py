"""Routes of the scores resources; included under /api/v1/ by api/urls.py."""

urlpatterns: list = []
