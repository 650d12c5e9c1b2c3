"""Test settings: the same as production's shape, with fast hashing and immediate tasks."""

import os
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key")
os.environ.setdefault(
    "SHUANGSUIJI_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
)

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: concurrent-draw tests need SQLite's real locking
    # (a writer waits for the other), which in-memory shared cache does not provide.
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"shuangsuiji-test-{os.getpid()}.sqlite3")
    }

# WhiteNoise looks for collected static files at start-up; tests serve them from the app
# directories, so an empty folder is enough to keep it quiet.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# In-process tests keep their throttle counters in memory, cleared by fixtures that need no
# database; the production caches (database, Redis) are tested under real gunicorn workers in
# tests/security/test_throttle_workers.py.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
