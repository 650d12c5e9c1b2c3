"""A real OpenID provider (tests/oidc_provider: django-oauth-toolkit in its own process, on a
free port, with its own SQLite database and an RSA key made here) and the platform's live
server configured to sign in with it."""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import ClaimRule, Department

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "shuangsuiji-test"
CLIENT_SECRET = "provider-client-secret-for-tests"
PEOPLE = [
    # The identity platform's people: `org` is the claim the rules read.
    {"username": "zhang", "password": "zhang-Pw-42x", "name": "张三", "email": "z@gov.example",
     "org": "RFB-GCK"},
    {"username": "wang", "password": "wang-Pw-42x", "name": "王五", "email": "w@gov.example",
     "org": "XFZD-12"},
    {"username": "li", "password": "li-Pw-42x", "name": "李四", "email": "l@gov.example",
     "org": "SCJ"},
    # Same name as a local account of the platform: must not take it over.
    {"username": "admin", "password": "admin-Pw-42x", "name": "冒名", "email": "a@gov.example",
     "org": "RFB-GCK"},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    issuer: str
    key_pem: bytes
    kid: str

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/{name}/"


@contextmanager
def running_provider(live_server, tmp: Path, *, logout: bool = True) -> Iterator[Provider]:
    """The identity platform, registered with the live server's callback address (and its
    sign-in page as where to come back after a sign-out), ending sessions for its clients
    (RP-initiated logout) unless `logout` is False."""
    from jwcrypto import jwk

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    (tmp / "key.pem").write_bytes(pem)
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}/o"
    env = {**os.environ, "PROVIDER_DB": str(tmp / "provider.sqlite3"),
           "PROVIDER_RSA_KEY": str(tmp / "key.pem"), "PROVIDER_ISSUER": issuer,
           "PROVIDER_PORT": str(port), "PROVIDER_USERS": json.dumps(PEOPLE),
           "PROVIDER_LOGOUT": "1" if logout else "0",
           "PROVIDER_CLIENT": json.dumps({"client_id": CLIENT_ID,
                                          "client_secret": CLIENT_SECRET,
                                          "redirect_uri": live_server.url + "/oidc/callback/",
                                          "post_logout_redirect_uri": live_server.url
                                          + "/login/"})}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = (tmp / "provider.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "tests.oidc_provider"], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(issuer + "/.well-known/openid-configuration",
                                timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp / "provider.log").read_text())
            time.sleep(0.2)
        kid = jwk.JWK.from_pem(pem).thumbprint()
        yield Provider(issuer=issuer, key_pem=pem, kid=kid)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def provider(live_server, tmp_path_factory) -> Iterator[Provider]:
    with running_provider(live_server, tmp_path_factory.mktemp("provider")) as running:
        yield running


@pytest.fixture
def sso(provider, settings, transactional_db, allow_audit_flush, live_server):
    """The platform signing in with the provider, and its sign-on rules: RFB-GCK exactly →
    inspector of 工程科; XFZD-<digits> as a pattern → cooperating-department user of XFZD."""
    settings.SHUANGSUIJI_OIDC = True
    settings.SHUANGSUIJI_OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = provider.endpoint("authorize")
    settings.OIDC_OP_TOKEN_ENDPOINT = provider.endpoint("token")
    settings.OIDC_OP_USER_ENDPOINT = provider.endpoint("userinfo")
    settings.OIDC_OP_JWKS_ENDPOINT = provider.endpoint(".well-known/jwks.json").rstrip("/")
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS,
                                        "shuangsuiji.accounts.oidc.ClaimRuleBackend"]
    office = Department.objects.create(code="RFB", name="人防办", kind=DepartmentKind.OFFICE)
    engineering = Department.objects.create(code="RFB-GCK", name="工程科",
                                            kind=DepartmentKind.SECTION, parent=office)
    fire = Department.objects.create(code="XFZD", name="消防支队",
                                     kind=DepartmentKind.EXTERNAL)
    ClaimRule.objects.create(position=10, claim="org", value="RFB-GCK",
                             department=engineering, role=Role.INSPECTOR)
    ClaimRule.objects.create(position=20, claim="org", value=r"XFZD-\d+", is_pattern=True,
                             department=fire, role=Role.PARTNER)
    return {"engineering": engineering, "fire": fire, "office": office}


def provider_sign_in(session: requests.Session, response: requests.Response,
                     person: dict[str, str]) -> requests.Response:
    """Fill in the provider's login form the browser was sent to; follow on from there."""
    assert "/accounts/login/" in response.url, response.url
    csrf = session.cookies.get("csrftoken", domain="127.0.0.1")
    next_url = response.url.split("next=", 1)[1]
    from urllib.parse import unquote

    return session.post(response.url, data={
        "username": person["username"], "password": person["password"],
        "next": unquote(next_url), "csrfmiddlewaretoken": csrf})


def start(session: requests.Session, live_url: str) -> requests.Response:
    """Press 统一身份认证登录: the platform sends the browser to the provider, which asks
    for the password (nobody is signed in there yet)."""
    return session.get(urljoin(live_url, "/oidc/authenticate/"))


def sign_in(live_url: str, person: dict[str, str]) -> tuple[requests.Session,
                                                             requests.Response]:
    session = requests.Session()
    response = provider_sign_in(session, start(session, live_url), person)
    return session, response


def signed_in_as(session: requests.Session, live_url: str) -> str | None:
    me = session.get(urljoin(live_url, "/api/v1/me/"), allow_redirects=False)
    return me.json()["username"] if me.status_code == 200 else None
