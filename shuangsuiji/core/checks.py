"""System checks of the keys: a malformed signing key stops the platform at start, not at the
first draw it would have signed."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from shuangsuiji.rules import sm2


@register()
def signing_key_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    key = str(getattr(settings, "SHUANGSUIJI_SIGNING_KEY", "")).strip()
    if not key:
        return []
    try:
        sm2.public_key_of(key)
    except sm2.SM2Error as exc:
        return [Error(f"SHUANGSUIJI_SIGNING_KEY is not an SM2 private key: {exc}",
                      hint="64 hexadecimal digits; `shuangsuiji keys generate` makes one",
                      id="shuangsuiji.E101")]
    return []
