"""Password guessing at every door that takes a password, as an attacker's script would.

On main `/login/` took 50 wrong passwords in 12 s and then the right one. Now an account is
locked after 5 failures and an address after 20, with a Chinese message, whatever the door
(the sign-in page, Django's admin, the API token endpoint, the current password on the
change-password page); each lockout and each administrator's unlock is an audit entry.
"""

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from shuangsuiji.accounts.services import login_unlock
from shuangsuiji.core.audit import verify_chain
from shuangsuiji.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多"  # the start of the Chinese lockout message
ATTACKER = "198.51.100.7"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def admin(world):
    """The system administrator, with the admin's key as the services give it."""
    user = world.users["admin"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def sign_in(client: Client, username: str, password: str, address: str = ATTACKER,
            path: str = "/login/"):
    return client.post(path, {"username": username, "password": password},
                       REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def lockouts(by: str) -> list[AuditEvent]:
    return [e for e in AuditEvent.objects.filter(action="login.lockout").order_by("seq")
            if e.data["by"] == by]


def test_it_refuses_the_right_password_after_50_wrong_ones(world):
    client = Client()
    codes = [sign_in(client, "office", f"guess-{i}").status_code for i in range(50)]
    assert codes[:4] == [200] * 4  # the sign-in page again, "wrong user name or password"
    assert set(codes[4:]) == {403}  # the fifth failure locks the account
    response = sign_in(client, "office", "pw-office")
    assert response.status_code == 403
    assert LOCKED in response.content.decode()
    assert not signed_in(client)
    # One entry for the account, one for the address (past 20), not one per failure.
    [account] = lockouts("account")
    assert (account.object_id, account.data["username"], account.data["failures"]) == (
        str(world.users["office"].pk), "office", 5)
    assert account.organisation_id == world.office.pk and account.actor is None
    [address] = lockouts("address")
    assert (address.data["address"], address.data["failures"]) == (ATTACKER, 20)
    assert "pw-office" not in str(account.data) and verify_chain() is None


def test_it_locks_an_address_that_tries_many_user_names(world):
    client = Client()
    for i in range(20):  # one guess each: no account reaches its limit
        assert sign_in(client, f"user{i}", "Password1!").status_code in {200, 403}
    assert lockouts("account") == [] and len(lockouts("address")) == 1
    response = sign_in(client, "leader", "pw-leader")
    assert response.status_code == 403 and LOCKED in response.content.decode()
    # A forged X-Forwarded-For does not make it another address.
    response = client.post("/login/", {"username": "leader", "password": "pw-leader"},
                           REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert response.status_code == 403 and not signed_in(client)
    # The real leader, elsewhere, signs in.
    assert sign_in(Client(), "leader", "pw-leader", address="192.0.2.50").status_code == 302


def test_an_unknown_user_name_is_locked_like_a_real_one(world):
    """Otherwise the lockout would tell an attacker which accounts exist."""
    real = [sign_in(Client(), "office", f"x{i}").status_code for i in range(6)]
    unknown = [sign_in(Client(), "nobody", f"x{i}", address="192.0.2.9").status_code
               for i in range(6)]
    assert real == unknown == [200] * 4 + [403] * 2
    [_office, nobody] = lockouts("account")
    assert nobody.data["username"] is None and nobody.object_id == ""


def test_a_locked_account_is_locked_from_every_address(world):
    for i in range(5):
        sign_in(Client(), "office", f"x{i}", address=f"192.0.2.{i + 1}")
    assert sign_in(Client(), "office", "pw-office", address="192.0.2.99").status_code == 403


def test_the_api_token_endpoint_locks_too(world):
    client = APIClient()
    for i in range(5):
        client.post("/api/v1/auth/token/", {"username": "office", "password": f"x{i}"},
                    format="json", REMOTE_ADDR=ATTACKER)
    response = client.post("/api/v1/auth/token/", {"username": "office",
                                                   "password": "pw-office"},
                           format="json", REMOTE_ADDR=ATTACKER)
    assert response.status_code == 403
    assert response.json()["code"] == "login_locked" and LOCKED in response.json()["detail"]
    assert "token" not in response.json()


def test_the_admin_sign_in_locks_too(world):
    client = Client()
    for i in range(5):
        sign_in(client, "admin", f"x{i}", path="/admin/login/")
    response = sign_in(client, "admin", "pw-admin", path="/admin/login/")
    assert response.status_code == 403 and LOCKED in response.content.decode()
    assert not signed_in(client)


def test_guessing_the_current_password_on_the_change_page_locks_too(world):
    client = Client()
    client.force_login(world.users["section"])
    url = reverse("accounts:password_change")
    new = {"password1": "Gx7#mQ2-vLp9", "password2": "Gx7#mQ2-vLp9"}
    for i in range(5):
        client.post(url, new | {"old_password": f"x{i}"}, REMOTE_ADDR=ATTACKER)
    response = client.post(url, new | {"old_password": "pw-section"}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 403 and LOCKED in response.content.decode()
    world.users["section"].refresh_from_db()
    assert world.users["section"].check_password("pw-section")


def test_signing_in_forgets_only_ones_own_failures(world):
    """An insider signing in between guesses must not reset the count of the account guessed."""
    for i in range(4):
        sign_in(Client(), "office", f"x{i}")
    assert sign_in(Client(), "leader", "pw-leader").status_code == 302
    assert sign_in(Client(), "office", "x5").status_code == 403
    # Whereas the owner's own typos are forgotten when they get it right.
    for i in range(4):
        sign_in(Client(), "section", f"x{i}", address="192.0.2.20")
    assert sign_in(Client(), "section", "pw-section", address="192.0.2.20").status_code == 302
    for i in range(4):
        assert sign_in(Client(), "section", f"y{i}", address="192.0.2.20").status_code == 200


def test_an_administrator_unlocks_an_account_and_it_is_audited(world, admin):
    for i in range(5):
        sign_in(Client(), "office", f"x{i}")
    assert sign_in(Client(), "office", "pw-office").status_code == 403
    response = admin.post(reverse("admin:accounts_user_changelist"), {
        "action": "unlock_sign_in", "_selected_action": [world.users["office"].pk]})
    assert response.status_code == 302
    assert sign_in(Client(), "office", "pw-office").status_code == 302
    [unlock] = AuditEvent.objects.filter(action="login.unlock")
    assert unlock.actor == world.users["admin"]
    assert (unlock.object_id, unlock.data["username"], unlock.data["failures"]) == (
        str(world.users["office"].pk), "office", 6)
    assert verify_chain() is None


def test_an_administrator_unlocks_an_address_from_the_lockout_list(world, admin):
    for i in range(20):
        sign_in(Client(), f"user{i}", "x")
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and ATTACKER in listing.content.decode()
    rows = list(AccessAttempt.objects.filter(ip_address=ATTACKER).values_list("pk", flat=True))
    response = admin.post(reverse("admin:axes_accessattempt_changelist"), {
        "action": "unlock_addresses", "_selected_action": rows[:1]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(ip_address=ATTACKER).exists()
    assert sign_in(Client(), "leader", "pw-leader").status_code == 302
    [unlock] = AuditEvent.objects.filter(action="login.unlock")
    assert (unlock.object_type, unlock.object_id, unlock.data["failures"]) == (
        "address", ATTACKER, 20)


def test_only_a_system_administrator_unlocks(world):
    for i in range(5):
        sign_in(Client(), "office", f"x{i}")
    with pytest.raises(PermissionDenied):
        login_unlock(actor=world.users["office"], username="office")
    office = Client()
    office.force_login(world.users["leader"])
    response = office.post(reverse("admin:axes_accessattempt_changelist"), {
        "action": "unlock_accounts",
        "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True))})
    assert response.status_code in {302, 403} and AccessAttempt.objects.exists()
    assert not AuditEvent.objects.filter(action="login.unlock").exists()
