"""Run one measurement in a forked child with a time limit: a page or a ranking that takes minutes at
province scale is stopped and reported as such, instead of stopping the whole suite."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any


def _child(fn: Callable[[], Any], conn) -> None:
    try:
        conn.send(("ok", fn()))
    except BaseException as exc:  # reported, not raised: the suite goes on with the next measurement
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"))
    finally:
        conn.close()


def run_isolated(fn: Callable[[], Any], timeout: float) -> tuple[str, Any]:
    """("ok", result) | ("error", text) | ("timeout", seconds). The parent's database connections are
    closed first: a forked child must open its own, never share the parent's socket."""
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(fn, child), daemon=True)
    process.start()
    child.close()
    if parent.poll(timeout):
        try:
            outcome = parent.recv()
        except EOFError:
            outcome = ("error", f"the measuring process ended (exit code {process.exitcode})")
        process.join(10)
        return outcome
    process.terminate()
    process.join(10)
    return ("timeout", timeout)
