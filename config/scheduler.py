"""The embedded scheduler: Celery beat's schedule, run in-process when there is no broker.

Production runs ``celery -A config beat``. The embedded default has no broker (tasks run eagerly), so
``scripts/run`` starts ``manage.py run_scheduler`` beside gunicorn: it reads the same
``CELERY_BEAT_SCHEDULE`` and runs each due task in its own process, using Celery's own schedule objects
(``timedelta`` and ``crontab``) to decide what is due. Without it 公示 windows would never close,
notifications never be flushed and role dates never synced.

The last run of every job is kept in ``var/scheduler.json``, so a daily job missed while the machine
was off runs once at the next start; on the very first start every job waits for its first due time,
as Celery beat does.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery
from celery.schedules import BaseSchedule, schedule

logger = logging.getLogger(__name__)

MAX_SLEEP_SECONDS = 60.0  # wake at least this often (a changed clock, a stop request)


@dataclass
class Job:
    name: str
    task: str
    schedule: BaseSchedule
    last_run_at: datetime.datetime


class EmbeddedScheduler:
    def __init__(
        self,
        beat_schedule: Mapping[str, Mapping[str, Any]],
        *,
        app: Celery,
        state_path: Path | None = None,
        clock: Callable[[], datetime.datetime] | None = None,
        run: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.clock = clock or app.now
        self.state_path = state_path
        self.run = run or self._run_task
        now = self.clock()
        last_runs = self._load_state()
        self.jobs = [
            Job(name, entry["task"], self._schedule(entry["schedule"]), last_runs.get(name, now))
            for name, entry in beat_schedule.items()
        ]

    def tick(self) -> float:
        """Run every job that is due, once; return the seconds until the next one is due."""
        wait = MAX_SLEEP_SECONDS
        for job in self.jobs:
            due, next_in = job.schedule.is_due(job.last_run_at)
            if due:
                job.last_run_at = self.clock()
                self._save_state()
                try:
                    self.run(job.task)
                except Exception:  # one failing job must not stop the others; it runs again when next due
                    logger.exception("Scheduled job %s (%s) failed", job.name, job.task)
            wait = min(wait, next_in)
        return max(wait, 1.0)

    def _schedule(self, value: Any) -> BaseSchedule:
        # A copy: the settings' crontab objects are shared, and this one answers to our clock.
        result = copy.copy(value) if isinstance(value, BaseSchedule) else schedule(value)
        result.app = self.app
        result.nowfun = self.clock
        return result

    def _run_task(self, task_name: str) -> None:
        self.app.tasks[task_name].apply(throw=True)

    def _load_state(self) -> dict[str, datetime.datetime]:
        if self.state_path is None or not self.state_path.exists():
            return {}
        try:
            raw = json.loads(self.state_path.read_text())
            return {name: datetime.datetime.fromisoformat(value) for name, value in raw.items()}
        except (ValueError, TypeError, AttributeError):
            logger.warning("Ignoring unreadable scheduler state in %s", self.state_path)
            return {}

    def _save_state(self) -> None:
        if self.state_path is None:
            return
        state = {job.name: job.last_run_at.isoformat() for job in self.jobs}
        partial = self.state_path.with_suffix(".tmp")
        partial.write_text(json.dumps(state, indent=1))
        partial.replace(self.state_path)
