"""统一身份认证: sign-in with the government's identity platform by OpenID Connect.

mozilla-django-oidc runs the authorization code flow (state, nonce, PKCE) and checks the ID
token's signature against the provider's JWKS (RS256) and its expiry. Here: the issuer and
audience are checked too (the library leaves them), and the account is found or made by
`services.sso_sign_in` from the ID token's claims and the user info, by the administrator's
sign-on rules. Everything is off unless SHUANGSUIJI_OIDC_ISSUER and _CLIENT_ID are set.
"""

import logging
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LogoutView
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
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


# Setting name → the discovery document's key (OpenID Connect Discovery 1.0, §3).
ENDPOINTS = {"OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
             "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
             "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
             "OIDC_OP_JWKS_ENDPOINT": "jwks_uri"}
_discovered: dict[str, dict[str, Any]] = {}


def _discovery() -> dict[str, Any]:
    """The issuer's discovery document, fetched once per process when first needed: never
    at start-up, so a provider that is down does not stop the platform, nor a sign-in by
    password. (Each node fetches its own copy: nothing here is another node's business.)"""
    issuer = settings.SHUANGSUIJI_OIDC_ISSUER
    if issuer not in _discovered:
        response = requests.get(issuer.rstrip("/") + "/.well-known/openid-configuration",
                                timeout=settings.OIDC_TIMEOUT, verify=settings.OIDC_VERIFY_SSL)
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict) or document.get("issuer") != issuer:
            # OIDC Discovery §4.3: the document must name the issuer it was fetched from.
            raise SuspiciousOperation("Discovery document of another issuer")
        _discovered[issuer] = document
    return _discovered[issuer]


def _is_address(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def endpoint(name: str) -> str:
    """The provider's endpoint: as configured, else from the issuer's discovery document."""
    configured = getattr(settings, name, "")
    if configured:
        return configured
    value = _discovery().get(ENDPOINTS[name])
    if not _is_address(value):
        raise SuspiciousOperation(f"Discovery document without {ENDPOINTS[name]}")
    return value


def end_session_endpoint() -> str | None:
    """Where the provider ends its own session (OpenID Connect RP-Initiated Logout 1.0): as
    configured, else the discovery document's `end_session_endpoint`; None when the provider
    has none, or its document cannot be read (the sign-out is then this platform's only)."""
    if not settings.SHUANGSUIJI_OIDC_SINGLE_SIGN_OUT:
        return None
    if settings.SHUANGSUIJI_OIDC_END_SESSION_ENDPOINT:
        return settings.SHUANGSUIJI_OIDC_END_SESSION_ENDPOINT
    try:
        value = _discovery().get("end_session_endpoint")
    except (SuspiciousOperation, requests.RequestException, ValueError):
        LOGGER.warning("identity platform's discovery document unreadable at sign-out",
                       exc_info=True)
        return None
    return value if _is_address(value) else None


class ClaimRuleBackend(OIDCAuthenticationBackend):
    """The OIDC backend with our checks and our accounts (never one matched by e-mail)."""

    def _endpoints(self) -> None:
        self.OIDC_OP_TOKEN_ENDPOINT = endpoint("OIDC_OP_TOKEN_ENDPOINT")
        self.OIDC_OP_USER_ENDPOINT = endpoint("OIDC_OP_USER_ENDPOINT")
        self.OIDC_OP_JWKS_ENDPOINT = endpoint("OIDC_OP_JWKS_ENDPOINT")

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or not (request.GET.get("code") and request.GET.get("state")):
            return None  # a password sign-in: nothing to ask the provider
        self._endpoints()
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        self._endpoints()
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
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (SuspiciousOperation, requests.RequestException, ValueError):
            LOGGER.warning("identity platform's discovery document unreadable", exc_info=True)
            messages.error(request, _("The unified identity platform cannot be reached. Try "
                                      "again later."))
            return HttpResponseRedirect(reverse("login"))
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


class SignOutView(LogoutView):
    """/logout/ (POST): ends the sign-in here and, for a sign-in made at the identity
    platform, sends the browser on to end the platform's session too (single sign-out), with
    the ID token it issued as the hint and the sign-in page to come back to."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = request.session.get("oidc_id_token") if enabled() else None
        response = super().post(request, *args, **kwargs)  # the session is gone from here
        end_session = end_session_endpoint() if id_token else None
        if not end_session:
            return response
        query = urlencode({"id_token_hint": id_token, "client_id": settings.OIDC_RP_CLIENT_ID,
                           "post_logout_redirect_uri": request.build_absolute_uri(
                               resolve_url(settings.LOGOUT_REDIRECT_URL))})
        return HttpResponseRedirect(f"{end_session}{'&' if '?' in end_session else '?'}{query}")
