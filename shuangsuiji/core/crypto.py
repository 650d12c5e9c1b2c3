"""Encryption of personal data at rest (identity numbers, phones, notice addresses).

Two ciphers, both from `cryptography` (OpenSSL):

- SM4-GCM (国密, SHUANGSUIJI_GUOMI=1): `sm4gcm:<key id>:<base64(nonce 12 || ciphertext || tag
  16)>`. GCM authenticates: a wrong key or an altered value fails with FieldKeyError, never
  decrypts to garbage. The key id names the key, so a value whose key is not configured says
  which one is missing.
- Fernet (AES-128-CBC + HMAC-SHA256), the format before SM4: a token without a prefix.

New values use the cipher the settings name, with SHUANGSUIJI_FIELD_KEY; old ones are read with
it or any of SHUANGSUIJI_FIELD_OLD_KEYS, whichever cipher wrote them. `shuangsuiji keys rotate`
re-encrypts every stored value with the current cipher and key (FIELDS lists them).
"""

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext as _

from shuangsuiji.rules import gm

# Every model field holding a value of this module: (app label.Model, field). `keys rotate`
# walks them; a new encrypted field is added here.
FIELDS = (
    ("inspectors.Inspector", "id_number_encrypted"),
    ("credit.Complaint", "complainant_phone_encrypted"),
    ("notices.Notice", "address"),
)


class FieldKeyError(ValueError):
    """A stored value that the configured keys cannot decrypt: never answered with garbage."""


def _secrets() -> list[str]:
    current = settings.FIELD_ENCRYPTION_KEY
    old = [k for k in getattr(settings, "SHUANGSUIJI_FIELD_OLD_KEYS", []) if k != current]
    return [current, *old]


def _cipher() -> str:
    return str(getattr(settings, "SHUANGSUIJI_FIELD_CIPHER", gm.FERNET))


@lru_cache(maxsize=16)
def _fernet_of(secret: str) -> Fernet:
    key = hashlib.sha256(("shuangsuiji-field:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


@lru_cache(maxsize=16)
def _sm4_key_of(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=16, salt=None,
                info=b"shuangsuiji-field-sm4").derive(secret.encode("utf-8"))


def current_key_id() -> str:
    return gm.key_id(settings.FIELD_ENCRYPTION_KEY)


def encrypt(text: str) -> str:
    if not text:
        return ""
    secret = settings.FIELD_ENCRYPTION_KEY
    if _cipher() == gm.SM4_GCM:
        nonce = os.urandom(gm.SM4_NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(_sm4_key_of(secret)), modes.GCM(nonce)).encryptor()
        body = encryptor.update(text.encode("utf-8")) + encryptor.finalize()
        return gm.seal_text(gm.SM4_GCM, gm.key_id(secret), nonce + body + encryptor.tag)
    return _fernet_of(secret).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        sealed = gm.unseal_text(token)
    except ValueError as exc:
        raise FieldKeyError(_("not an encrypted value ({reason})").format(reason=exc)) from exc
    if sealed.algorithm == gm.FERNET:
        try:
            plain = MultiFernet([_fernet_of(s) for s in _secrets()]).decrypt(sealed.payload)
        except InvalidToken as exc:
            raise FieldKeyError(_(
                "a Fernet value that no configured key decrypts (SHUANGSUIJI_FIELD_KEY, "
                "SHUANGSUIJI_FIELD_OLD_KEYS): a wrong key, or the value was altered")) from exc
        return plain.decode("utf-8")
    by_id = {gm.key_id(s): s for s in _secrets()}
    secret = by_id.get(sealed.key_id)
    if secret is None:
        raise FieldKeyError(_(
            "an SM4 value encrypted with key {key}, which is not configured (configured: "
            "{configured}): set it in SHUANGSUIJI_FIELD_OLD_KEYS").format(
                key=sealed.key_id, configured=", ".join(by_id)))
    payload = sealed.payload
    nonce, body, tag = (payload[:gm.SM4_NONCE_BYTES], payload[gm.SM4_NONCE_BYTES:-gm.SM4_TAG_BYTES],
                        payload[-gm.SM4_TAG_BYTES:])
    decryptor = Cipher(algorithms.SM4(_sm4_key_of(secret)), modes.GCM(nonce, tag)).decryptor()
    try:
        plain = decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise FieldKeyError(_(
            "an SM4 value under key {key} failed authentication: the value was altered, or "
            "the key with that id is not the one it was written with").format(
                key=sealed.key_id)) from exc
    return plain.decode("utf-8")


def is_current(token: str) -> bool:
    """Whether `token` is already in the current cipher under the current key (rotation skips
    it). A Fernet value is current when the current key alone decrypts it."""
    if not token:
        return True
    try:
        sealed = gm.unseal_text(token)
    except ValueError:
        return False
    if sealed.algorithm != _cipher():
        return False
    if sealed.algorithm == gm.SM4_GCM:
        return sealed.key_id == current_key_id()
    try:
        _fernet_of(settings.FIELD_ENCRYPTION_KEY).decrypt(sealed.payload)
    except InvalidToken:
        return False
    return True
