"""Test settings: the same as production's shape, with fast hashing and immediate tasks."""

import os
import sys
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

class MissingTemplateVariable(str):
    """Django's `string_if_invalid` that raises: a variable a project template names but that
    does not resolve (`{{ x.name }}` when x is None, an unknown attribute, a misspelt name) is
    an error in the tests instead of an empty string on a page. `{% if %}`, `{% for %}` and
    `{% firstof %}` resolve with failures ignored, so they are not affected; `default` and the
    other filters work on values that exist but are empty or None. Third-party templates (the
    admin's, per Django's documentation) may rely on silence, so only templates of this
    package raise; the others get an empty string as in production."""

    def __mod__(self, variable: object) -> str:
        # Not at the top: a settings module loads none of Django's machinery.
        from django.template.base import Node

        frame = sys._getframe(1)
        while frame is not None:
            node = frame.f_locals.get("self")
            if isinstance(node, Node) and getattr(node, "origin", None) is not None:
                break
            frame = frame.f_back
        origin = node.origin.name if frame is not None else ""
        if not str(origin).startswith(str(PACKAGE_DIR)):  # noqa: F405
            return ""
        line = node.token.lineno if getattr(node, "token", None) else "?"
        raise TemplateVariableMissing(
            f"{origin}:{line}: template variable {variable} does not resolve")


class TemplateVariableMissing(Exception):
    pass


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = MissingTemplateVariable("%s")  # noqa: F405
