"""Routes of the claims resources; included under /api/v1/ by api/urls.py."""

urlpatterns: list = []
