"""统一身份认证: the whole authorization code flow against a real provider (tests/oidc_provider),
as a browser would follow it, and the attacks on it."""

import time
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import jwt
import pytest
import requests
from django.core.exceptions import SuspiciousOperation

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import ClaimRule, ExternalIdentity, User
from shuangsuiji.accounts.oidc import ENDPOINTS, ClaimRuleBackend, _discovered
from shuangsuiji.accounts.services import claim_rule_update, user_create
from shuangsuiji.core.models import AuditEvent

from .conftest import CLIENT_ID, CLIENT_SECRET, PEOPLE, sign_in, signed_in_as, start

ZHANG, WANG, LI, IMPOSTOR = PEOPLE
REFUSED = "没有与之匹配的登录规则"  # the Chinese message of a sign-in no rule admits


def test_the_first_sign_in_makes_the_account_the_rules_say(sso, live_server):
    session, response = sign_in(live_server.url, ZHANG)
    assert urlsplit(response.url).path == "/", response.url
    assert signed_in_as(session, live_server.url) == "zhang"
    user = User.objects.get(username="zhang")
    assert (user.role, user.department, user.full_name, user.email) == (
        Role.INSPECTOR, sso["engineering"], "张三", "z@gov.example")
    assert not user.has_usable_password()
    identity = ExternalIdentity.objects.get(user=user)
    assert identity.issuer.startswith("http://127.0.0.1:")
    created = AuditEvent.objects.get(action="user.create", object_id=str(user.pk))
    assert created.data["source"] == "oidc"
    assert created.actor_id is None


def test_a_pattern_rule_places_a_cooperating_department_user(sso, live_server):
    session, _response = sign_in(live_server.url, WANG)
    assert signed_in_as(session, live_server.url) == "wang"
    user = User.objects.get(username="wang")
    assert (user.role, user.department) == (Role.PARTNER, sso["fire"])


def test_a_second_sign_in_reuses_the_account_and_follows_the_rules(sso, live_server):
    sign_in(live_server.url, ZHANG)
    admin = user_create(actor=None, username="root", password=None, role=Role.ADMIN)
    rule = ClaimRule.objects.get(value="RFB-GCK")
    claim_rule_update(actor=admin, rule=rule, data={"role": Role.SECTION})
    session, _response = sign_in(live_server.url, ZHANG)
    assert signed_in_as(session, live_server.url) == "zhang"
    assert User.objects.filter(full_name="张三").count() == 1
    assert User.objects.get(username="zhang").role == Role.SECTION
    changed = AuditEvent.objects.get(action="user.update")
    assert changed.data["source"] == "oidc"
    assert set(changed.data["changes"]) == {"role"}
    assert AuditEvent.objects.filter(action="sso_rule.update").count() == 1


def test_an_account_kept_apart_from_the_rules_is_not_changed(sso, live_server):
    sign_in(live_server.url, ZHANG)
    ClaimRule.objects.filter(value="RFB-GCK").update(update_existing=False, role=Role.SECTION)
    sign_in(live_server.url, ZHANG)
    assert User.objects.get(username="zhang").role == Role.INSPECTOR


def test_no_matching_rule_is_refused_and_makes_nothing(sso, live_server):
    before = User.objects.count()
    session, response = sign_in(live_server.url, LI)
    assert urlsplit(response.url).path == "/login/"
    assert REFUSED in response.text
    assert signed_in_as(session, live_server.url) is None
    assert User.objects.count() == before
    assert not ExternalIdentity.objects.exists()
    refused = AuditEvent.objects.get(action="login.sso_refused")
    assert refused.data["preferred_username"] == "li"
    assert "org" not in refused.data  # the audit log keeps who, not the claims


def test_a_provider_user_named_like_a_local_account_gets_an_account_of_its_own(sso,
                                                                              live_server):
    local = user_create(actor=None, username="admin", password=None, role=Role.ADMIN)
    session, _response = sign_in(live_server.url, IMPOSTOR)
    assert signed_in_as(session, live_server.url) == "admin-2"
    local.refresh_from_db()
    assert local.role == Role.ADMIN and not local.identities.exists()


def test_a_deactivated_account_is_refused(sso, live_server):
    sign_in(live_server.url, ZHANG)
    User.objects.filter(username="zhang").update(is_active=False)
    session, response = sign_in(live_server.url, ZHANG)
    assert signed_in_as(session, live_server.url) is None
    assert urlsplit(response.url).path == "/login/"


def test_a_forged_state_is_refused(sso, live_server):
    victim = requests.Session()
    start(victim, live_server.url)  # the victim's session waits for its own state
    code, _state, _url = _code_for_undelivered(requests.Session(), live_server.url)
    response = victim.get(urljoin(live_server.url, "/oidc/callback/?" + urlencode(
        {"code": code, "state": "forged-state"})))
    assert urlsplit(response.url).path == "/login/"
    assert "无法核实" in response.text
    assert signed_in_as(victim, live_server.url) is None


def test_a_code_issued_for_another_nonce_is_refused(sso, live_server, settings):
    """The victim's state, an ID token for the attacker's sign-in (another nonce)."""
    settings.OIDC_USE_PKCE = False  # so that the provider hands out the token: only the
    # nonce tells the two sign-ins apart
    victim = requests.Session()
    waiting = start(victim, live_server.url)
    victim_state = parse_qs(urlsplit(waiting.history[0].headers["Location"]).query)["state"][0]
    code, _state, _url = _code_for_undelivered(requests.Session(), live_server.url)
    response = victim.get(urljoin(live_server.url, "/oidc/callback/?" + urlencode(
        {"code": code, "state": victim_state})))
    assert urlsplit(response.url).path == "/login/"
    assert signed_in_as(victim, live_server.url) is None
    assert not User.objects.filter(username="zhang").exists()


def _code_for_undelivered(session: requests.Session, live_url: str) -> tuple[str, str, str]:
    """The provider's redirect back to the platform, not followed: its code and state."""
    response = start(session, live_url)
    assert "/accounts/login/" in response.url
    from urllib.parse import unquote

    csrf = session.cookies.get("csrftoken", domain="127.0.0.1")
    response = session.post(response.url, allow_redirects=False, data={
        "username": ZHANG["username"], "password": ZHANG["password"],
        "next": unquote(response.url.split("next=", 1)[1]), "csrfmiddlewaretoken": csrf})
    # login → authorize → (skip_authorization) the platform's callback with the code
    while "/oidc/callback/" not in response.headers["Location"]:
        response = session.get(urljoin(response.url, response.headers["Location"]),
                               allow_redirects=False)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return query["code"][0], query["state"][0], response.headers["Location"]


def _token(provider, claims: dict, key_pem: bytes | None = None) -> str:
    now = int(time.time())
    payload = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "1", "nonce": "n-1",
               "iat": now, "exp": now + 300, **claims}
    return jwt.encode(payload, key_pem or provider.key_pem, algorithm="RS256",
                      headers={"kid": provider.kid})


@pytest.mark.parametrize("case", ["good", "expired", "other_issuer", "other_audience",
                                  "tampered", "other_key", "wrong_nonce", "unsigned",
                                  "hmac_with_client_secret", "no_expiry"])
def test_id_tokens_are_checked_against_the_providers_keys(sso, provider, case):
    """Tokens checked by the backend against the provider's live JWKS endpoint."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    backend = ClaimRuleBackend()
    nonce = "n-1"
    if case == "good":
        token = _token(provider, {})
    elif case == "expired":
        token = _token(provider, {"iat": int(time.time()) - 7200,
                                  "exp": int(time.time()) - 3600})
    elif case == "other_issuer":
        token = _token(provider, {"iss": "http://evil.example/o"})
    elif case == "other_audience":
        token = _token(provider, {"aud": "another-client"})
    elif case == "tampered":
        head, _body, signature = _token(provider, {}).split(".")
        other_body = _token(provider, {"sub": "2"}).split(".")[1]
        token = ".".join([head, other_body, signature])
    elif case == "other_key":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = _token(provider, {}, other.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    elif case == "hmac_with_client_secret":
        # Algorithm confusion: signed with the shared secret instead of the provider's key.
        token = jwt.encode({"iss": provider.issuer, "aud": CLIENT_ID, "sub": "1",
                            "nonce": "n-1", "exp": int(time.time()) + 300}, CLIENT_SECRET,
                           algorithm="HS256", headers={"kid": provider.kid})
    elif case == "no_expiry":
        token = jwt.encode({"iss": provider.issuer, "aud": CLIENT_ID, "sub": "1",
                            "nonce": "n-1"}, provider.key_pem, algorithm="RS256",
                           headers={"kid": provider.kid})
    elif case == "wrong_nonce":
        token = _token(provider, {})
        nonce = "n-2"
    else:
        token = jwt.encode({"iss": provider.issuer, "aud": CLIENT_ID, "sub": "1",
                            "nonce": "n-1", "exp": int(time.time()) + 300}, key=None,
                           algorithm="none")
    if case == "good":
        assert backend.verify_token(token, nonce=nonce)["sub"] == "1"
        return
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(token, nonce=nonce)


def _post_login(session: requests.Session, url: str, username: str,
                password: str) -> requests.Response:
    session.get(url)
    return session.post(url, data={"username": username, "password": password,
                                   "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                        headers={"Referer": url})


def test_with_local_passwords_off_only_the_unified_sign_in_opens(sso, live_server,
                                                                   settings):
    settings.SHUANGSUIJI_LOCAL_PASSWORDS = False
    office = user_create(actor=None, username="office1", password="Taihang#Mw-3917pv",
                         role=Role.OFFICE, department=sso["engineering"])
    user_create(actor=None, username="root", password="Taihang#Xq-5820kz", role=Role.ADMIN)
    login = urljoin(live_server.url, "/login/")
    page = requests.get(login, timeout=30)
    assert "统一身份认证登录" in page.text
    assert 'name="password"' not in page.text
    # The password form's POST is refused, the right password notwithstanding.
    session = requests.Session()
    refused = _post_login(session, login, office.username, "Taihang#Mw-3917pv")
    assert refused.status_code == 403
    assert "已关闭密码登录" in refused.text
    assert signed_in_as(session, live_server.url) is None
    # So is the API's token for a password.
    token = requests.post(urljoin(live_server.url, "/api/v1/auth/token/"),
                          json={"username": "office1", "password": "Taihang#Mw-3917pv"},
                          timeout=30)
    assert token.status_code == 403 and token.json()["code"] == "passwords_off"
    # Django's admin takes a password from nobody but a system administrator (break-glass).
    admin_login = urljoin(live_server.url, "/admin/login/")
    assert "/admin/login/" in _post_login(session, admin_login, "office1",
                                          "Taihang#Mw-3917pv").url
    assert signed_in_as(session, live_server.url) is None
    root = requests.Session()
    _post_login(root, admin_login, "root", "Taihang#Xq-5820kz")
    assert signed_in_as(root, live_server.url) == "root"
    # The unified sign-in works.
    zhang, _response = sign_in(live_server.url, ZHANG)
    assert signed_in_as(zhang, live_server.url) == "zhang"


def test_with_local_passwords_on_the_page_offers_both(sso, live_server):
    page = requests.get(urljoin(live_server.url, "/login/"), timeout=30)
    assert "统一身份认证登录" in page.text
    assert 'name="password"' in page.text


def test_the_endpoints_can_come_from_the_issuers_discovery_document(sso, live_server,
                                                                     settings):
    for name in ENDPOINTS:
        setattr(settings, name, "")
    _discovered.clear()
    session, _response = sign_in(live_server.url, ZHANG)
    assert signed_in_as(session, live_server.url) == "zhang"
    _discovered.clear()


def test_an_unreachable_discovery_document_is_said_plainly(sso, live_server, settings,
                                                           provider):
    for name in ENDPOINTS:
        setattr(settings, name, "")
    settings.SHUANGSUIJI_OIDC_ISSUER = provider.issuer.removesuffix("/o") + "/missing"
    _discovered.clear()
    response = start(requests.Session(), live_server.url)
    assert urlsplit(response.url).path == "/login/"
    assert "无法访问" in response.text


def test_an_account_of_the_unified_sign_in_has_no_password_page(sso, live_server):
    session, response = sign_in(live_server.url, ZHANG)
    assert "/account/password/" not in response.text
    assert session.get(urljoin(live_server.url, "/account/password/")).status_code == 404
