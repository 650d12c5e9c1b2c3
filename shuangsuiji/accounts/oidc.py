"""统一身份认证: sign-in with the government's identity platform by OpenID Connect.

mozilla-django-oidc runs the authorization code flow (state, nonce, PKCE) and checks the ID
token's signature against the provider's JWKS (RS256) and its expiry. Here: the issuer and
audience are checked too (the library leaves them), and the account is found or made by
`services.sso_sign_in` from the ID token's claims and the user info, by the administrator's
sign-on rules. Everything is off unless SHUANGSUIJI_OIDC_ISSUER and _CLIENT_ID are set.
"""

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import services
from .backends import UserBackend
from .models import User

LOGGER = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(getattr(settings, "SHUANGSUIJI_OIDC", False))


class ClaimRuleBackend(OIDCAuthenticationBackend):
    """The OIDC backend with our checks and our accounts (never one matched by e-mail)."""

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != self.OIDC_RP_SIGN_ALGO or not header.get("kid"):
                # The library would take the key by a `kid` it assumes is there.
                raise SuspiciousOperation("ID token header without the algorithm or key id")
            payload = super().verify_token(token, **kwargs)
        except jwt.InvalidTokenError as exc:
            # The library turns a bad signature into SuspiciousOperation, not an expired or
            # not-yet-valid token, nor a malformed one: refused the same way here.
            raise SuspiciousOperation(f"ID token refused: {type(exc).__name__}") from exc
        if not isinstance(payload.get("exp"), int | float):
            raise SuspiciousOperation("ID token without an expiry")
        if payload.get("iss") != settings.SHUANGSUIJI_OIDC_ISSUER:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str,
                           payload: dict[str, Any]) -> User | None:
        user_info = self.get_userinfo(access_token, id_token, payload) or {}
        if user_info.get("sub") != payload.get("sub"):
            # OIDC Core 5.3.2: user info for another subject must not be used.
            raise SuspiciousOperation("User info for another subject")
        # The ID token's claims win: they are signed, the user info is only fetched with them.
        claims = {**user_info, **payload}
        try:
            return services.sso_sign_in(claims=claims)
        except services.SignInRefused as refused:
            messages.error(self.request, str(refused))
            return None

    def get_user(self, user_id: Any) -> User | None:
        return UserBackend().get_user(user_id)


@method_decorator(login_not_required, name="dispatch")
class AuthenticateView(OIDCAuthenticationRequestView):
    """/oidc/authenticate/: off (404) unless configured; else to the identity platform."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not enabled():
            return
        super().__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class CallbackView(OIDCAuthenticationCallbackView):
    """/oidc/callback/: where the identity platform sends the browser back with its code."""

    @property
    def failure_url(self) -> str:
        return reverse("login")

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        try:
            return super().get(request)
        except (SuspiciousOperation, requests.RequestException):
            # requests: the provider refused the code (used, expired, not this client's).
            # A forged or replayed callback (unknown state, wrong nonce, a token that does not
            # verify): nobody is signed in; said plainly rather than a bare 400.
            LOGGER.warning("unified sign-in callback refused", exc_info=True)
            messages.error(request, _("The unified sign-in could not be verified. Start "
                                      "again from the sign-in page."))
            return HttpResponseRedirect(self.failure_url, status=302)
