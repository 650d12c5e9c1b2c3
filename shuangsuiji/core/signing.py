"""SM2 signatures of what the platform publishes, with the office's key (docs/crypto.md).

Without SHUANGSUIJI_SIGNING_KEY nothing is signed and nothing fails: signing is on once the
office has a key. Each signature keeps the public key that made it; the portal serves the
current one (/public/keys/, and as PEM), and `shuangsuiji keys verify` checks a signature.
"""

from typing import Any

from django.utils import timezone

from shuangsuiji.rules import gm, sm2

from . import keys
from .models import PublishedSignature, SignedSubject


def anchor_message(seq: int, hash_: str) -> bytes:
    return f"anchor:{seq}:{hash_}".encode()


def draw_message(task_code: str, record_digest: str) -> bytes:
    return f"draw:{task_code}:{record_digest}".encode()


def sign_published(*, subject: SignedSubject | str, obj: Any, message: bytes,
                   keep_message: bool = True) -> PublishedSignature | None:
    """Sign `message` for `obj` in the caller's transaction; None without a signing key."""
    try:
        private = keys.signing_private_key()
    except keys.SigningKeyMissing:
        return None
    public = keys.signing_public_key() or ""
    signature = PublishedSignature(
        subject=subject, object_type=obj._meta.label_lower, object_id=str(obj.pk),
        message=message.decode("utf-8") if keep_message else "",
        sm3=gm.sm3_digest(message).hex(), signature=sm2.sign(private, message),
        public_key=public, signed_at=timezone.now())
    signature.full_clean()
    signature.save()
    return signature


def signature_of(obj: Any, subject: SignedSubject | str) -> PublishedSignature | None:
    return (PublishedSignature.objects.filter(subject=subject, object_type=obj._meta.label_lower,
                                              object_id=str(obj.pk)).order_by("-id").first())


def signatures_of(subject: SignedSubject | str, objects: list[Any]) -> dict[str, str]:
    """object id -> signature, for a page of objects of one model."""
    if not objects:
        return {}
    ids = [str(o.pk) for o in objects]
    found: dict[str, str] = {}
    for i in range(0, len(ids), 1000):
        found.update(PublishedSignature.objects
                     .filter(subject=subject, object_type=objects[0]._meta.label_lower,
                             object_id__in=ids[i:i + 1000])
                     .order_by("id").values_list("object_id", "signature"))
    return found
