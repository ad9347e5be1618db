"""选择组织: the searchable organization picker behind the lists' 支部 filter.

A province has some 100,000 organizations: a ``<select>`` of them all made the province officer's 待认领
page 28 MB. The filter is a text box instead, and this endpoint answers what is typed with at most
``LIMIT`` organizations — matched by code prefix or by name — **within the user's own scope** (the
organizations whose processes they follow), so it never tells anyone of an organization outside it.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.http import JsonResponse
from django.views import View

from accounts.models import Organization
from workflows.selectors import organizations_following

LIMIT = 20
MAX_QUERY = 50


def organizations_matching(user, text: str, limit: int = LIMIT) -> list[Organization]:
    """Up to ``limit`` organizations in the user's scope whose code starts with, or whose name holds,
    ``text`` — in tree order (a committee before its branches)."""
    text = text.strip()[:MAX_QUERY]
    if not text:
        return []
    # Code prefixes as typed and upper-cased (codes are mostly capitals): the code's pattern index serves.
    matching = Q(code__startswith=text) | Q(code__startswith=text.upper()) | Q(name__contains=text)
    return list(organizations_following(user).filter(matching).order_by("path")[:limit])


def scoped_organization(user, code: str) -> Organization | None:
    """The organization with this code if it lies in the user's scope, else ``None``."""
    code = code.strip()[:MAX_QUERY]
    if not code:
        return None
    return organizations_following(user).filter(code=code).first()


class OrganizationPickView(LoginRequiredMixin, View):
    """``GET ?q=…`` → ``{"results": [{"code", "name", "label"}]}``, at most ``LIMIT`` rows."""

    def get(self, request):
        found = organizations_matching(request.user, request.GET.get("q", ""))
        results = [{"code": o.code, "name": o.name, "label": f"{o.name}（{o.code}）"} for o in found]
        return JsonResponse({"results": results})
