"""Settings of the live service the contract tests talk to: the test settings, but files on disk.

The service runs in its own processes (gunicorn), seeded by another process (``seed_demo``): an
in-memory file storage would lose the demo's evidence between them.
"""

import os
from pathlib import Path

from config.test_settings import *  # noqa: F403

MEDIA_ROOT = Path(os.environ["JIFEN_LIVE_MEDIA"])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
