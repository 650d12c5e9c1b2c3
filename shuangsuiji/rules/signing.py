"""Signing a push to a receiving system: HMAC-SHA256 over the timestamp and the body.

    X-Shuangsuiji-Timestamp: 1765158000
    X-Shuangsuiji-Signature: sha256=<hex of HMAC-SHA256(key, timestamp + "." + body)>
    Idempotency-Key: <the delivery's key: the same on every retry>

A receiver recomputes the signature with its copy of the key over the raw bytes of the body,
refuses a timestamp more than `tolerance` seconds away from its clock (a replayed request),
and counts a delivery once by its idempotency key. `verify` is the reference a receiver (and
the tests' server) uses.
"""

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Shuangsuiji-Timestamp"
SIGNATURE_HEADER = "X-Shuangsuiji-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
PREFIX = "sha256="
DEFAULT_TOLERANCE = 300


def signature(key: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(key, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def headers(key: bytes, timestamp: int, body: bytes, idempotency_key: str) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(key, timestamp, body),
            IDEMPOTENCY_HEADER: idempotency_key}


def verify(key: bytes, *, timestamp: str, signed: str, body: bytes, now: int,
           tolerance: int = DEFAULT_TOLERANCE) -> bool:
    """Whether `signed` is the signature of `body` at `timestamp`, and the time is near."""
    try:
        at = int(timestamp)
    except ValueError:
        return False
    if abs(now - at) > tolerance:
        return False
    return hmac.compare_digest(signature(key, at, body), signed)


def backoff_seconds(attempts: int, *, base: int = 60, cap: int = 3600) -> int:
    """Wait before the next try after `attempts` failures: base, 2·base, 4·base … up to cap."""
    if attempts < 1:
        return 0
    return int(min(cap, base * 2 ** min(attempts - 1, 30)))


def retryable(status: int | None) -> bool:
    """A failure worth trying again: no answer (timeout, connection), a server error, 408 or
    429. Any other refusal (a wrong signature: 401/403, a malformed body: 400/422) stays one
    until someone changes something, so it fails at once with the receiver's reason."""
    return status is None or status >= 500 or status in (408, 429)
