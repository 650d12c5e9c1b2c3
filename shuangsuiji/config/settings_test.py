"""Test settings: the same as production's shape, with fast hashing and immediate tasks."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key")
os.environ.setdefault(
    "SHUANGSUIJI_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
)

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
