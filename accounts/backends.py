"""``user.has_perm("accounts.<codename>", organization)`` answered through the tree.

Viewflow's ``.Permission(..., obj=...)`` and Django's permission checks call ``has_perm``; this
backend makes a role held on a committee hold in every organization below it.
"""

from accounts import access
from accounts.models import Organization


class OrganizationPermissionBackend:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not isinstance(obj, Organization) or not perm.startswith("accounts."):
            return False
        return access.may(user_obj, perm, obj)

    def get_user(self, user_id):
        return None
