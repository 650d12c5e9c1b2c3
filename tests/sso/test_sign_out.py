"""Single sign-out: signing out of the platform ends the session at the identity platform
too (OpenID Connect RP-Initiated Logout 1.0), against the real provider; with a provider
that has no end_session_endpoint, or with the feature off, only the platform's own session
ends."""

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from shuangsuiji.accounts.oidc import ENDPOINTS, _discovered

from .conftest import PEOPLE, running_provider, sign_in, signed_in_as, start

ZHANG = PEOPLE[0]


def sign_out(session: requests.Session, live_url: str) -> requests.Response:
    """Press 退出 on a page: a POST with the page's CSRF token."""
    page = session.get(urljoin(live_url, "/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(urljoin(live_url, "/logout/"), data={"csrfmiddlewaretoken": token},
                        headers={"Referer": urljoin(live_url, "/")})


def still_signed_in_at_the_provider(session: requests.Session, live_url: str) -> bool:
    """A new sign-in goes straight through when the provider still knows the browser; it
    asks for the password when its session has ended."""
    response = start(session, live_url)
    return "/accounts/login/" not in response.url


@pytest.fixture
def discovered_endpoints(settings):
    """The endpoints from the issuer's discovery document, as a deployment would leave them."""
    for name in ENDPOINTS:
        setattr(settings, name, "")
    _discovered.clear()
    yield
    _discovered.clear()


def test_signing_out_ends_the_session_at_the_provider_too(sso, live_server,
                                                        discovered_endpoints, provider):
    session, _ = sign_in(live_server.url, ZHANG)
    assert signed_in_as(session, live_server.url) == "zhang"
    response = sign_out(session, live_server.url)
    # Through the provider's end_session_endpoint, with the hint and the way back.
    hops = [urlsplit(r.headers["Location"]) for r in response.history]
    at_provider = next(h for h in hops if h.path == "/o/logout/")
    query = parse_qs(at_provider.query)
    assert f"{at_provider.scheme}://{at_provider.netloc}/o" == provider.issuer
    assert query["post_logout_redirect_uri"] == [live_server.url + "/login/"]
    assert query["client_id"] == ["shuangsuiji-test"]
    assert query["id_token_hint"][0].count(".") == 2  # the ID token the provider issued
    assert response.url == live_server.url + "/login/" and response.status_code == 200
    assert signed_in_as(session, live_server.url) is None
    assert not still_signed_in_at_the_provider(session, live_server.url)


def test_without_the_sign_out_the_provider_would_have_signed_the_browser_in_again(
        sso, live_server):
    """The control for the test above: a platform-only sign-out leaves the provider's
    session, and the next 统一身份认证登录 needs no password."""
    session, _ = sign_in(live_server.url, ZHANG)
    platform = urlsplit(live_server.url).hostname
    for cookie in [c for c in session.cookies if c.domain.startswith(platform)]:
        session.cookies.clear(cookie.domain, cookie.path, cookie.name)  # the platform's only
    assert signed_in_as(session, live_server.url) is None
    assert still_signed_in_at_the_provider(session, live_server.url)


def test_a_provider_without_an_end_session_endpoint_gets_a_local_sign_out(
        sso, live_server, settings, tmp_path):
    with running_provider(live_server, tmp_path, logout=False) as plain:
        settings.SHUANGSUIJI_OIDC_ISSUER = plain.issuer
        for name in ENDPOINTS:
            setattr(settings, name, "")
        _discovered.clear()
        try:
            document = requests.get(plain.issuer + "/.well-known/openid-configuration",
                                    timeout=5).json()
            assert "end_session_endpoint" not in document
            session, _ = sign_in(live_server.url, ZHANG)
            assert signed_in_as(session, live_server.url) == "zhang"
            response = sign_out(session, live_server.url)
            assert [urlsplit(r.headers["Location"]).path for r in response.history] == [
                "/login/"]
            assert urlsplit(response.url).netloc == urlsplit(live_server.url).netloc
            assert signed_in_as(session, live_server.url) is None
        finally:
            _discovered.clear()


def test_single_sign_out_can_be_turned_off(sso, live_server, settings, discovered_endpoints):
    settings.SHUANGSUIJI_OIDC_SINGLE_SIGN_OUT = False
    session, _ = sign_in(live_server.url, ZHANG)
    response = sign_out(session, live_server.url)
    assert [urlsplit(r.headers["Location"]).path for r in response.history] == ["/login/"]
    assert signed_in_as(session, live_server.url) is None
    assert still_signed_in_at_the_provider(session, live_server.url)


def test_a_password_sign_in_signs_out_here_only(sso, live_server, world_password_user):
    session = requests.Session()
    page = session.get(urljoin(live_server.url, "/login/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    session.post(urljoin(live_server.url, "/login/"), data={
        "csrfmiddlewaretoken": token, "username": "local", "password": "Local-pw-2026x"},
        headers={"Referer": urljoin(live_server.url, "/login/")})
    assert signed_in_as(session, live_server.url) == "local"
    response = sign_out(session, live_server.url)
    assert [urlsplit(r.headers["Location"]).path for r in response.history] == ["/login/"]
    assert signed_in_as(session, live_server.url) is None


@pytest.fixture
def world_password_user(sso):
    from shuangsuiji.accounts.choices import Role
    from shuangsuiji.accounts.models import User

    return User.objects.create_user(username="local", password="Local-pw-2026x",
                                    department=sso["engineering"], role=Role.INSPECTOR)
