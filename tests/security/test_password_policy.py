"""Weak passwords an attacker would try first are refused wherever a password is set.

On main a password of 8 characters passed, and so did the demo's own pattern (`rfb-Admin-2023`:
a department, a role name, a year) and `Admin@123456`, the classic of government systems.
"""

from pathlib import Path

import pytest
import yaml
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from shuangsuiji.accounts.models import User
from shuangsuiji.accounts.services import user_set_password
from shuangsuiji.core.models import AuditEvent

pytestmark = pytest.mark.django_db
WORLD = Path(__file__).resolve().parents[2] / "shuangsuiji" / "demo" / "world.yaml"
GOOD = "Gx7#mQ2-vLp9"

# What an attacker's list starts with, and what the page must say about each (in Chinese).
WEAK = [
    ("Short1!a", "密码长度太短"),
    ("Admin@123456", "常见单词或角色名称"),
    ("P@ssw0rd-Xq9", "常见单词或角色名称"),
    ("rfb-Admin-2023", "年份"),
    ("fxk-Office-2023", "常见单词或角色名称"),
    ("Zhang-Wei-1990", "年份"),
    ("Qwer#Tyu-Kx92", "连续的字符"),
    ("Xk#9aaaa-Lm2v", "连续重复"),
    ("correcthorsebatterystaple", "至少包含"),
    ("section#Kq9-Lm", "用户名"),
    ("noitces#Kq9-Lm", "用户名"),
]


@pytest.fixture
def section(world) -> Client:
    client = Client()
    client.force_login(world.users["section"])
    return client


def change(client: Client, new: str):
    url = reverse("accounts:password_change")
    return client.post(url, {"old_password": "pw-section", "password1": new,
                             "password2": new})


def test_the_change_password_page_shows_the_policy_in_chinese(section):
    page = section.get(reverse("accounts:password_change")).content.decode()
    for rule in ("至少 12 个字符", "大写字母、小写字母、数字、其他字符中的 3 类", "年份",
                 "用户名", "常见单词或角色名称"):
        assert rule in page, rule
    assert "&lt;li&gt;" not in page  # the list is markup, not text


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_it_refuses_a_weak_password_and_says_why(world, section, password, reason):
    response = change(section, password)
    assert response.status_code == 200
    assert reason in response.content.decode()
    world.users["section"].refresh_from_db()
    assert world.users["section"].check_password("pw-section")
    assert not AuditEvent.objects.filter(action="user.password").exists()


def test_it_accepts_a_strong_password_and_audits_the_change(world, section):
    response = change(section, GOOD)
    assert response.status_code == 302
    user = User.objects.get(pk=world.users["section"].pk)
    assert user.check_password(GOOD)
    event = AuditEvent.objects.get(action="user.password")
    assert event.actor == user and GOOD not in str(event.data) + event.summary
    # Still signed in after the change.
    assert section.get(reverse("home")).status_code == 200


def test_the_administrators_form_shows_and_applies_the_same_policy(world):
    admin_user = world.users["admin"]
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    admin = Client()
    admin.force_login(admin_user)
    url = reverse("admin:accounts_user_password", args=[world.users["office"].pk])
    assert "常见单词或角色名称" in admin.get(url).content.decode()
    response = admin.post(url, {"password1": "Office@2024!x", "password2": "Office@2024!x"})
    assert response.status_code == 200 and "年份" in response.content.decode()
    assert admin.post(url, {"password1": GOOD, "password2": GOOD}).status_code == 302


def test_the_services_refuse_a_weak_password_too(world):
    with pytest.raises(ValidationError) as info:
        user_set_password(actor=None, user=world.users["office"], password="Admin@123456")
    assert "password" in info.value.message_dict


def test_every_demo_password_passes_the_policy():
    world = yaml.safe_load(WORLD.read_text(encoding="utf-8"))
    accounts = [(row["username"], row["password"]) for row in world["users"]]
    pattern = world["inspectors"]["account_password"]
    accounts += [(code, pattern.format(username=code)) for code in ("rfb02", "xf01")]
    for username, password in accounts:
        validate_password(password, User(username=username, full_name=""))
