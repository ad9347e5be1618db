"""The fault stack's settings: production's (``config.settings`` with DATABASE_URL and REDIS_URL set), and
e-mail written to files in a directory of the suite's, where it counts them — gunicorn, the Celery
worker and the outbox flush are separate processes, so no in-memory outbox would see them all."""

import os

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["JIFEN_FAULTS_MAIL_DIR"]
