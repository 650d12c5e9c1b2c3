"""How each channel delivers one notice. A delivery raises DeliveryError (or any exception)
when the notice did not go out; the outbox records the reason and tries again later.

SMS goes through a provider (SmsProvider); the one provided is a plain HTTP gateway, which
most Chinese SMS services offer in some form: a POST with the number, the signature
(短信签名), the template code and the text, answered 2xx when accepted.
"""

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from .choices import Channel

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The channel refused or could not take the notice; the message says why."""


class SmsProvider(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class HttpSmsGateway:
    """POST application/json {"phone", "signature", "template", "text"} to the gateway's URL,
    with `Authorization: Bearer <token>` when a token is set."""

    def __init__(self, *, url: str, signature: str, template: str, token: str = "",
                 timeout: float = 10.0) -> None:
        if not url:
            raise DeliveryError(_("No SMS gateway is configured (SHUANGSUIJI_SMS_URL)."))
        if not url.startswith(("http://", "https://")):
            raise DeliveryError(_("The SMS gateway's address must begin with http:// or "
                                  "https://."))
        self.url, self.signature, self.template = url, signature, template
        self.token, self.timeout = token, timeout

    def send(self, *, phone: str, text: str) -> None:
        payload = json.dumps({"phone": phone, "signature": self.signature,
                              "template": self.template, "text": text},
                             ensure_ascii=False).encode("utf-8")
        # The URL is the administrator's setting, checked to be http(s) in __init__.
        request = urllib.request.Request(self.url, data=payload, method="POST",  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read(4096)
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode("utf-8", "replace")
            raise DeliveryError(_("The SMS gateway answered {status}: {detail}").format(
                status=exc.code, detail=detail)) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(_("The SMS gateway could not be reached: {reason}").format(
                reason=exc)) from exc


def sms_provider() -> SmsProvider:
    return HttpSmsGateway(url=settings.SHUANGSUIJI_SMS_URL,
                          signature=settings.SHUANGSUIJI_SMS_SIGNATURE,
                          template=settings.SHUANGSUIJI_SMS_TEMPLATE,
                          token=settings.SHUANGSUIJI_SMS_TOKEN,
                          timeout=settings.SHUANGSUIJI_SMS_TIMEOUT)


def deliver(*, channel: str, address: str, masked: str, subject: str, body: str) -> None:
    """Deliver one notice; `address` is the clear phone number or e-mail address."""
    if channel == Channel.INBOX:
        return  # the row is the message: delivered when the inbox may show it
    if channel == Channel.EMAIL:
        message = EmailMessage(subject=subject, body=body, to=[address],
                               connection=get_connection(timeout=settings.EMAIL_TIMEOUT))
        if message.send() != 1:
            raise DeliveryError(_("The mail server did not accept the message."))
        return
    if channel == Channel.SMS:
        sms_provider().send(phone=address, text=body)
        return
    if channel == Channel.CONSOLE:
        # The address masked, as everywhere outside the row: logs are read by many.
        log.info("notice to %s: %s\n%s", masked, subject, body)
        return
    raise DeliveryError(_("Unknown channel {channel}.").format(channel=channel))
