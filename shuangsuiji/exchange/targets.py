"""The receiving systems as configured (settings.SHUANGSUIJI_DELIVERY_TARGETS)."""

from dataclasses import dataclass

from django.conf import settings

from .models import Payload, Target

# What each receiving system is sent.
PAYLOADS: dict[str, str] = {Target.NATIONAL: Payload.RESULT, Target.CITY: Payload.RESULT,
                            Target.PROVINCE: Payload.SUPERVISION}


@dataclass(frozen=True)
class Receiver:
    target: str
    url: str
    key: bytes

    @property
    def payload(self) -> str:
        return PAYLOADS[self.target]


def receiver(target: str) -> Receiver | None:
    """The target's address and key; None when it is not configured for pushes."""
    conf = settings.SHUANGSUIJI_DELIVERY_TARGETS.get(target) or {}
    url, key = (conf.get("url") or "").strip(), (conf.get("key") or "").strip()
    if not url or not key:
        return None
    return Receiver(target=target, url=url, key=key.encode("utf-8"))


def configured() -> list[Receiver]:
    return [r for t in Target.values if (r := receiver(t)) is not None]
