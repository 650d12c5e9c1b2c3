"""Key rotation of personal data at rest, and the office's SM2 signing key.

`rotate_fields` re-encrypts every stored value (crypto.FIELDS) that is not yet in the current
cipher under the current key: in batches, each its own transaction, each row changed only if
it still holds what was read (a concurrent edit wins), so it can be stopped and run again and
does nothing the second time. Decrypting fails loudly (crypto.FieldKeyError) on a value no
configured key opens: nothing is rewritten from garbage.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from shuangsuiji.rules import gm, sm2

from . import crypto
from .audit import audit_record

BATCH = 500


@dataclass
class RotationReport:
    checked: int = 0
    rewritten: int = 0
    by_field: Counter[str] = field(default_factory=Counter)


def _stored(label: str, name: str):  # type: ignore[no-untyped-def]
    model = apps.get_model(label)
    return model, model._default_manager.exclude(**{name: ""})


def count_fields() -> int:
    return sum(_stored(label, name)[1].count() for label, name in crypto.FIELDS)


def field_status() -> dict[str, Counter[str]]:
    """For each field, how many values each cipher and key holds (`<cipher>:<key id>`; Fernet
    values name no key)."""
    status: dict[str, Counter[str]] = {}
    for label, name in crypto.FIELDS:
        counts: Counter[str] = Counter()
        for token in _stored(label, name)[1].values_list(name, flat=True).iterator():
            try:
                sealed = gm.unseal_text(token)
                counts[f"{sealed.algorithm}:{sealed.key_id}".rstrip(":")] += 1
            except ValueError:
                counts["?"] += 1
        status[f"{label}.{name}"] = counts
    return status


def rotate_fields(*, batch: int = BATCH,
                  on_progress: Callable[[int], None] | None = None) -> RotationReport:
    report = RotationReport()
    for label, name in crypto.FIELDS:
        model, stored = _stored(label, name)
        last = None
        while True:
            rows = stored.order_by("pk")
            if last is not None:
                rows = rows.filter(pk__gt=last)
            chunk = list(rows.values_list("pk", name)[:batch])
            if not chunk:
                break
            with transaction.atomic():
                for pk, token in chunk:
                    if not crypto.is_current(token):
                        fresh = crypto.encrypt(crypto.decrypt(token))
                        report.rewritten += model._default_manager.filter(
                            pk=pk, **{name: token}).update(**{name: fresh})
                        report.by_field[f"{label}.{name}"] += 1
            report.checked += len(chunk)
            last = chunk[-1][0]
            if on_progress:
                on_progress(len(chunk))
    if report.rewritten:
        audit_record(actor=None, action="keys.rotate", object_type="core.crypto",
                     summary=_("Personal data re-encrypted with key {key} ({cipher}): {n} values")
                     .format(key=crypto.current_key_id(), cipher=crypto._cipher(),
                             n=report.rewritten),
                     data={"key_id": crypto.current_key_id(), "cipher": crypto._cipher(),
                           "rewritten": dict(report.by_field)})
    return report


class SigningKeyMissing(LookupError):
    """No SHUANGSUIJI_SIGNING_KEY: nothing is signed."""


def signing_private_key() -> str:
    key = str(getattr(settings, "SHUANGSUIJI_SIGNING_KEY", "")).strip()
    if not key:
        raise SigningKeyMissing(_("no signing key: set SHUANGSUIJI_SIGNING_KEY (or _FILE)"))
    return key


def signing_public_key() -> str | None:
    """The office's SM2 public key (128 hexadecimal digits), or None without a signing key."""
    try:
        return _public_of(signing_private_key())
    except SigningKeyMissing:
        return None


@lru_cache(maxsize=4)
def _public_of(private: str) -> str:
    return sm2.public_key_of(private)
