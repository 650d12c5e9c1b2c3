"""The client's address, as lockouts and throttles count it."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or, behind SHUANGSUIJI_PROXY_COUNT reverse proxies, the address the
    outermost of them put in X-Forwarded-For (what the client wrote there itself is ignored).

    The same rule as DRF's throttles with NUM_PROXIES set to the same count."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.SHUANGSUIJI_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote
