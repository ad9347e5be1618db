"""What one step already asked: permission and duty answers remembered while one action runs.

A task carried out asks "may this user …" and "whose points is this" several times — viewflow when the
task is taken and executed, the service before it changes anything, the flow when it creates the next
task. Within one step the answers cannot change (nothing in a step grants or revokes a role), so the
first answer is kept until the step ends; outside a step (``one_step``) nothing is remembered and every
call asks the database, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, object] | None] = ContextVar("jifen_step_memo", default=None)


@contextmanager
def one_step() -> Iterator[None]:
    """Remember answers until the block ends; a step inside a step shares the outer one's memory."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, asked once per step for ``key`` (every time outside a step)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[return-value]
