"""Read replica (只读副本) for reports and dashboards: which reads may go to the ``replica`` alias.

With ``DATABASE_REPLICA_URL`` set, ``config.settings`` adds a ``replica`` database and this router; without
it there is one database and nothing here is consulted. The rule, precisely:

* Every write goes to ``default`` (the primary). Migrations run on ``default`` only.
* A read goes to ``replica`` only **inside a replica scope**: :func:`replica_reads` (a context manager, e.g.
  around a report computed in a Celery task) or a request that :class:`ReplicaReadsMiddleware` scopes —
  a GET/HEAD of a view in :data:`REPLICA_VIEWS` (the 看板 and rankings pages, the API's organization scores
  and ranking): pages that only read, many rows, where a second or so of replication lag is harmless.
* Inside a scope, reads stay on the primary when they must see the latest write:
  - once anything in the scope has been written (``db_for_write`` was asked), every later read of that scope
    goes to the primary ("sticky after write": an audit record, a token's last use, a job just created);
  - inside a transaction on the primary (``transaction.atomic``) — a service reading what it just wrote, or
    locking rows with ``select_for_update`` — reads stay on the primary;
  - models of :data:`PRIMARY_ONLY_APPS` (sessions, users, lockouts, API tokens, Celery beat) are always read
    from the primary: a login a moment ago must be seen by the next page.
* The workflow (claims, tasks, reviews, filings), the member's and clerk's pages and every API write never
  enter a scope, so their reads after writes are on the primary.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA_DB_ALIAS = "replica"

# Reads of these apps always go to the primary (fresh logins, lockouts, tokens, schedules).
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "axes", "api", "django_celery_beat", "contenttypes"})

# Views whose GET/HEAD requests read from the replica: "namespace" (all its views) or "namespace:name".
REPLICA_VIEWS = frozenset(
    {
        "reports:dashboards",  # 看板: a branch's and an organization's dashboards and rankings
        "api:scores-organization",
        "api:scores-organization-ranking",
    }
)

SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class _Scope:
    wrote: bool = False


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("jifen_replica_scope", default=None)


def replica_configured() -> bool:
    return REPLICA_DB_ALIAS in connections.settings


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside go to the replica (when one is configured), under the rules of this module."""
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside go to the primary even within a replica scope (e.g. a job's own row)."""
    token = _scope.set(None)
    try:
        yield
    finally:
        _scope.reset(token)


def in_replica_scope() -> bool:
    return _scope.get() is not None


def view_reads_from_replica(request: HttpRequest) -> bool:
    """Whether the request's view is one of :data:`REPLICA_VIEWS` and the method only reads."""
    match = getattr(request, "resolver_match", None)
    if match is None or request.method not in SAFE_METHODS:
        return False
    namespace = match.namespace
    names = {f"{namespace}:{match.url_name}" if namespace else match.url_name}
    # Every enclosing namespace too: "reports:dashboards" covers "reports:dashboards:branch".
    parts = namespace.split(":") if namespace else []
    names.update(":".join(parts[:i]) for i in range(1, len(parts) + 1))
    return not names.isdisjoint(REPLICA_VIEWS)


class ReplicaRouter:
    """Sends reads in a replica scope to ``replica``; everything else to ``default`` (see the module)."""

    def db_for_read(self, model, **hints) -> str | None:
        scope = _scope.get()
        if scope is None or scope.wrote or not replica_configured():
            return DEFAULT_DB_ALIAS
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # One database and its copy: rows read from either may be related to each other.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """Scopes the requests of :data:`REPLICA_VIEWS` (GET/HEAD) to :func:`replica_reads`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request._replica_token = None  # set by process_view for the views that read from the replica
        try:
            response = self.get_response(request)
        finally:
            token = request._replica_token
            if token is not None:
                _scope.reset(token)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if replica_configured() and view_reads_from_replica(request):
            request._replica_token = _scope.set(_Scope())
        return None
