"""Which algorithm protects what (国密 or international), with no database.

The algorithm is recorded with the data it protects, so switching the setting
(SHUANGSUIJI_GUOMI) never makes old data unreadable or unverifiable:

- the audit chain: entries are hashed with SHA-256 until an entry with the action
  `HASH_SWITCH_ACTION` says `{"algorithm": "sm3"}` (or back); that entry is hashed with the
  algorithm before it, the entries after it with the one it names. The switch is part of the
  chain, so it cannot be moved or removed without breaking the hashes after it.
- field values encrypted at rest: `sm4gcm:<key id>:<base64 of nonce, ciphertext and tag>`;
  a value without a prefix is a Fernet token (the platform's format before SM4).

SM3 and SM4 come from `cryptography` (OpenSSL). The draw keeps SHA-256 (draw-protocol.md):
its record is verified by anyone, with consistent-sampler, and a change of hash there would
change what every past and future verifier computes.
"""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

SHA256 = "sha256"
SM3 = "sm3"
HASH_ALGORITHMS = (SHA256, SM3)
NAMES = {SHA256: "SHA-256", SM3: "SM3"}
# The audit action of the entry that switches the chain's hash (core.audit).
HASH_SWITCH_ACTION = "audit.hash_algorithm"

FERNET = "fernet"
SM4_GCM = "sm4gcm"
CIPHERS = (FERNET, SM4_GCM)
SM4_NONCE_BYTES = 12
SM4_TAG_BYTES = 16


def sm3_digest(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def hash_hex(algorithm: str, text: str) -> str:
    """The chain's digest of `text` (UTF-8) with `algorithm`: 64 hexadecimal digits either way,
    so anchors (SEQ:HASH) keep their form."""
    data = text.encode("utf-8")
    if algorithm == SHA256:
        return hashlib.sha256(data).hexdigest()
    if algorithm == SM3:
        return sm3_digest(data).hex()
    raise ValueError(f"unknown hash algorithm: {algorithm!r}")


def algorithm_after(action: str, data: object, current: str) -> str:
    """The chain's algorithm for the entry after one with `action` and `data`."""
    if action != HASH_SWITCH_ACTION or not isinstance(data, dict):
        return current
    named = data.get("algorithm")
    return named if named in HASH_ALGORITHMS else current


@dataclass(frozen=True)
class Sealed:
    """An encrypted value taken apart: its algorithm, the key's id ("" for Fernet, which
    names none) and the payload."""

    algorithm: str
    key_id: str
    payload: bytes


def seal_text(algorithm: str, key_id: str, payload: bytes) -> str:
    if algorithm == SM4_GCM:
        return f"{SM4_GCM}:{key_id}:{base64.b64encode(payload).decode('ascii')}"
    raise ValueError(f"unknown cipher: {algorithm!r}")


def unseal_text(token: str) -> Sealed:
    """Read the prefix of a stored value; a value with none is a Fernet token."""
    head, sep, rest = token.partition(":")
    if not sep:
        return Sealed(FERNET, "", token.encode("ascii"))
    key_id, sep, body = rest.partition(":")
    if head != SM4_GCM or not sep or not key_id:
        raise ValueError(f"not an encrypted value: unknown prefix {head[:20]!r}")
    try:
        payload = base64.b64decode(body.encode("ascii"), validate=True)
    except ValueError as exc:
        raise ValueError("not an encrypted value: its body is not base64") from exc
    if len(payload) < SM4_NONCE_BYTES + SM4_TAG_BYTES:
        raise ValueError("not an encrypted value: too short")
    return Sealed(SM4_GCM, key_id, payload)


def key_id(secret: str) -> str:
    """A short public name of a key (8 hexadecimal digits of SM3 over it): stored with each
    value so a missing key is named, not guessed."""
    return sm3_digest(("shuangsuiji-key-id:" + secret).encode("utf-8")).hex()[:8]
