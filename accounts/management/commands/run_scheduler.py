"""``manage.py run_scheduler``: run Celery beat's schedule in-process on the embedded default.

Started by ``scripts/run`` beside gunicorn and stopped with it. With a broker configured it exits at
once: there ``celery -A config beat`` sends the same jobs to the workers.
"""

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from config.celery import app
from config.scheduler import EmbeddedScheduler


class Command(BaseCommand):
    help = (
        "内置默认（无 Celery broker）下在本进程内按 Celery beat 的计划执行周期任务（公示到期、补发通知等）。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write("已配置 Celery broker：周期任务由 celery beat 执行，本命令不运行。")
            return
        app.loader.import_default_modules()  # the tasks of every app, as the beat and worker load them
        scheduler = EmbeddedScheduler(
            settings.CELERY_BEAT_SCHEDULE, app=app, state_path=settings.VAR_DIR / "scheduler.json"
        )
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"周期任务已启动（{len(scheduler.jobs)} 项）。")
        while not stop.is_set():
            close_old_connections()
            wait = scheduler.tick()
            close_old_connections()
            stop.wait(wait)
        self.stdout.write("周期任务已停止。")
