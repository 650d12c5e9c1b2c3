"""API throttles that hold under several worker processes.

DRF's SimpleRateThrottle keeps a list of times in the cache and writes it back: two workers
that read the list at once both let a request through, and with a cache per process (Django's
default) each worker has a limit of its own — under `gunicorn -w 4`, 59 of 80 password guesses
passed a "20/min" throttle. Here the limit is a set of N slots, each a cache key that lives for
the throttle's period: a request is let through only if it claims a free slot with `cache.add`,
which the database cache (an INSERT on the key) and Redis (SET NX) do atomically. The window
slides: a slot frees itself `duration` seconds after it was taken.
"""

import secrets
import time
from typing import Any

from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class SharedRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle's interface (rate, scope, get_cache_key) with atomic shared slots."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = time.time()
        keys = [f"{self.key}:{slot}" for slot in range(self.num_requests)]
        taken = cache.get_many(keys)
        free = [key for key in keys if key not in taken]
        # Workers start from different free slots, so they rarely race for the same one.
        secrets.SystemRandom().shuffle(free)
        for key in free:
            if cache.add(key, self.now, self.duration):
                return True
        self.history = sorted(float(value) for value in taken.values())
        return False

    def wait(self) -> float | None:
        history = getattr(self, "history", None)
        if not history:
            return float(self.duration)
        return max(0.0, history[0] + self.duration - self.now)


def take_slot(key: str, limit: int, seconds: int) -> bool:
    """One of `limit` slots for `seconds` under `key`, shared by every worker (the same slots
    as SharedRateThrottle): for the public forms, which are pages, not API views."""
    keys = [f"{key}:{slot}" for slot in range(limit)]
    taken = cache.get_many(keys)
    free = [k for k in keys if k not in taken]
    secrets.SystemRandom().shuffle(free)
    return any(cache.add(k, time.time(), seconds) for k in free)
