"""Which object permissions on an organization each role grants.

Every permission is a codename declared on ``Organization.Meta.permissions`` (or Django's default
``view_organization``). A role held on an organization applies to everything below it in the tree.
"""

from accounts.models import RoleAssignment

Role = RoleAssignment.Role

VIEW_ORGANIZATION = "view_organization"
VIEW_MEMBERS = "view_members"
VIEW_PRIVATE_DATA = "view_private_data"
MANAGE_MEMBERS = "manage_members"
RECORD_CLAIMS = "record_claims"
REVIEW_CLAIMS = "review_claims"
DECIDE_APPEALS = "decide_appeals"
OPEN_PUBLICITY = "open_publicity"
APPROVE_PERIOD = "approve_period"
REVIEW_FILINGS = "review_filings"
MANAGE_RULES = "manage_rules"
VIEW_SCORES = "view_scores"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SECRETARY: frozenset(
        {
            VIEW_ORGANIZATION,
            VIEW_MEMBERS,
            REVIEW_CLAIMS,
            DECIDE_APPEALS,
            APPROVE_PERIOD,
            VIEW_SCORES,
        }
    ),
    Role.COMMITTEE: frozenset({VIEW_ORGANIZATION, VIEW_MEMBERS, REVIEW_CLAIMS, DECIDE_APPEALS, VIEW_SCORES}),
    # The clerk keeps the roster and the ledger, so only the clerk sees phone and ID numbers in full.
    Role.CLERK: frozenset(
        {
            VIEW_ORGANIZATION,
            VIEW_MEMBERS,
            VIEW_PRIVATE_DATA,
            MANAGE_MEMBERS,
            RECORD_CLAIMS,
            OPEN_PUBLICITY,
            VIEW_SCORES,
        }
    ),
    Role.HIGHER: frozenset(
        {VIEW_ORGANIZATION, VIEW_MEMBERS, MANAGE_MEMBERS, REVIEW_FILINGS, MANAGE_RULES, VIEW_SCORES}
    ),
}

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())

# The other way round: which roles grant a permission (``accounts.access`` checks that one is in force).
ROLES_GRANTING: dict[str, tuple[str, ...]] = {
    codename: tuple(sorted(role for role, perms in ROLE_PERMISSIONS.items() if codename in perms))
    for codename in sorted(ALL_PERMISSIONS)
}

# Roles whose holders work in the admin (roster upkeep, rule sets).
STAFF_ROLES = frozenset({Role.CLERK, Role.HIGHER})
