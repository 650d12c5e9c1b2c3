"""A session left open on an office computer: it ends after the idle time, and in any case at
the end of the longest sign-in, however busy (等保: 登录连接超时自动退出).

On main a session lived SESSION_COOKIE_AGE (8 hours) after its last save, and every save
pushed that further: a browser left open was signed in for as long as anyone used it.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def sign_in(world) -> Client:
    client = Client()
    assert client.post("/login/", {"username": "office", "password": "pw-office"}
                       ).status_code == 302
    return client


def test_an_idle_session_is_signed_out(world, settings):
    settings.SHUANGSUIJI_SESSION_IDLE_SECONDS = 2
    client = sign_in(world)
    assert client.get(reverse("home")).status_code == 200
    time.sleep(2.5)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "未操作" in page  # says why, in Chinese
    # The API answers as to someone not signed in.
    assert client.get("/api/v1/me/").status_code in {401, 403}


def test_an_active_session_stays_until_the_longest_sign_in_ends(world, settings):
    settings.SHUANGSUIJI_SESSION_IDLE_SECONDS = 2
    settings.SESSION_COOKIE_AGE = 3
    client = sign_in(world)
    started = time.monotonic()
    while time.monotonic() - started < 2.0:  # a request every half second: never idle
        assert client.get(reverse("home")).status_code == 200
        time.sleep(0.5)
    # Past three seconds since the sign-in, though busy throughout.
    time.sleep(max(0.0, started + 3.3 - time.monotonic()))
    assert client.get(reverse("home")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_default_idle_time_is_thirty_minutes():
    from django.conf import settings

    assert settings.SHUANGSUIJI_SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
