"""Personal data at rest under SM4-GCM: old Fernet values still read, a wrong key fails loudly,
`keys rotate` re-encrypts every row once and the application still reads them."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuangsuiji.core import crypto
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.inspectors.services import inspector_create
from shuangsuiji.rules import gm


def _id_number(base: str) -> str:
    """GB 11643: the check character of 17 digits."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(base))
    return base + "10X98765432"[total % 11]


NUMBERS = [_id_number(f"14050219800101{i + 101:03d}") for i in range(7)]


def _guomi(settings, key: str = "new-field-key", old: tuple[str, ...] = ()) -> None:
    settings.SHUANGSUIJI_FIELD_CIPHER = gm.SM4_GCM
    settings.FIELD_ENCRYPTION_KEY = key
    settings.SHUANGSUIJI_FIELD_OLD_KEYS = list(old)


@pytest.fixture
def officers(world):
    return [inspector_create(actor=world.users["office"], data={
        "department": world.office, "code": f"E{i:03d}", "name": f"李{i}", "role": "officer",
        "status": "active", "status_since": date(2018, 1, 1)}, id_number=number)
        for i, number in enumerate(NUMBERS)]


def _stored() -> dict[str, str]:
    return dict(Inspector.objects.values_list("code", "id_number_encrypted"))


def test_sm4_values_carry_cipher_and_key_id_and_round_trip(settings):
    _guomi(settings)
    token = crypto.encrypt("13900001234")
    assert token.startswith(f"sm4gcm:{gm.key_id('new-field-key')}:")
    assert "13900001234" not in token
    assert crypto.decrypt(token) == "13900001234"
    assert crypto.encrypt("13900001234") != token  # a fresh nonce each time


def test_old_fernet_values_are_still_read_after_switching(settings):
    old = crypto.encrypt("140502198001011236")  # Fernet, under the settings' key
    _guomi(settings, old=(settings.FIELD_ENCRYPTION_KEY,))
    assert crypto.decrypt(old) == "140502198001011236"


def test_a_wrong_key_fails_loudly_not_with_garbage(settings):
    _guomi(settings, key="key-one")
    token = crypto.encrypt("140502198001011236")
    settings.FIELD_ENCRYPTION_KEY = "key-two"
    with pytest.raises(crypto.FieldKeyError, match=gm.key_id("key-one")):
        crypto.decrypt(token)
    # A key that claims the right id but is not the right key: GCM's tag refuses it.
    forged = token.replace(gm.key_id("key-one"), gm.key_id("key-two"))
    refused = f"{gm.key_id('key-two')}.*(认证|authentication)"
    with pytest.raises(crypto.FieldKeyError, match=refused):
        crypto.decrypt(forged)
    # One changed byte of the ciphertext.
    sealed = gm.unseal_text(token)
    changed = bytearray(sealed.payload)
    changed[gm.SM4_NONCE_BYTES] ^= 1
    with pytest.raises(crypto.FieldKeyError):
        crypto.decrypt(gm.seal_text(gm.SM4_GCM, sealed.key_id, bytes(changed)))
    settings.SHUANGSUIJI_FIELD_CIPHER = gm.FERNET
    fernet = crypto.encrypt("x")
    settings.FIELD_ENCRYPTION_KEY = "key-three"
    with pytest.raises(crypto.FieldKeyError):
        crypto.decrypt(fernet)


def test_rotation_re_encrypts_every_row_once_and_the_app_still_reads_them(settings, officers):
    before = _stored()
    assert all(not v.startswith("sm4gcm:") for v in before.values())  # Fernet, as today
    old_key = settings.FIELD_ENCRYPTION_KEY
    _guomi(settings, key="rotated-key", old=(old_key,))

    out, err = StringIO(), StringIO()
    call_command("keys", "rotate", "--batch", "3", stdout=out, stderr=err)
    after = _stored()
    assert set(after) == set(before)
    prefix = f"sm4gcm:{gm.key_id('rotated-key')}:"
    assert all(v.startswith(prefix) for v in after.values())
    assert f" {len(NUMBERS)} " in out.getvalue()
    assert AuditEvent.objects.filter(action="keys.rotate").count() == 1

    # The old key can go now: every value reads with the new one alone.
    settings.SHUANGSUIJI_FIELD_OLD_KEYS = []
    assert sorted(crypto.decrypt(Inspector.objects.get(pk=o.pk).id_number_encrypted)
                  for o in officers) == sorted(NUMBERS)

    # Again: nothing to do, nothing changes.
    call_command("keys", "rotate", stdout=StringIO(), stderr=StringIO())
    assert _stored() == after
    assert AuditEvent.objects.filter(action="keys.rotate").count() == 1


def test_rotation_stops_loudly_on_a_value_no_key_opens(settings, officers):
    _guomi(settings, key="rotated-key")  # the old key is not given
    with pytest.raises(CommandError, match="Fernet"):
        call_command("keys", "rotate", stdout=StringIO(), stderr=StringIO())
