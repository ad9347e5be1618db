"""Login lockout (django-axes): per account and address, and per address alone; the client's address.

Two limits, each with its own figure:

- an account tried from one address: ``AXES_FAILURE_LIMIT`` failures (5) lock that account there — a
  member mistyping locks only themselves, and someone guessing one member's password is stopped;
- one address, over any accounts: ``AXES_ADDRESS_FAILURE_LIMIT`` failures (30) lock the address — two
  tries at each of forty logins lock the guesser out, while an office behind one NAT address, whose
  members mistype now and then, stays far below it.

axes compares one number with one limit, so ``get_failures`` answers the account's count, raised to the
account limit once the address is over its own. A successful login clears the account's failures at that
address only: logging in to one's own account does not wipe a guesser's count for the address.

The address: ``REMOTE_ADDR``, or, behind ``TRUSTED_PROXIES`` reverse proxies (``JIFEN_TRUSTED_PROXIES``),
the entry of ``X-Forwarded-For`` the outermost trusted proxy appended — the same entry DRF's throttles
take with ``NUM_PROXIES``. Whatever a client writes into the header itself lies further left and is
never read, so a forged address neither escapes the limits nor locks out someone else's.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def client_address(request) -> str | None:
    """The client's address as the outermost trusted proxy saw it (``REMOTE_ADDR`` with none)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote  # not through the proxy (a health check from inside, say)
    return forwarded[-min(proxies, len(forwarded))]


class AccountAndAddressHandler(AxesDatabaseHandler):
    """For ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["ip_address"]]``, in this order:
    the account at an address, then the address alone."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        account, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.AXES_ADDRESS_FAILURE_LIMIT and account < settings.AXES_FAILURE_LIMIT:
            request.jifen_address_locked = True  # the lockout page says why (the address, not the account)
            return settings.AXES_FAILURE_LIMIT
        return account

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        account_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _ = account_attempts.delete()
        return count
