"""统一身份认证 in chromium: the sign-in page with the unified sign-in on, at a desktop's and a
phone's width, and the whole flow through the real provider (tests/oidc_provider)."""

import os
from pathlib import Path

from shuangsuiji.accounts.models import User
from tests.sso.conftest import PEOPLE, provider, sso  # noqa: F401

ZHANG = PEOPLE[0]


def test_the_sign_in_page_offers_the_unified_sign_in_and_it_signs_in(browser, sso,  # noqa: F811
                                                                      live_server, shots):
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(live_server.url + "/login/")
    button = page.get_by_role("link", name="统一身份认证登录")
    assert button.is_visible()
    directory = os.environ.get("SHUANGSUIJI_SHOTS", "")
    for width, height in ((1366, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{directory}/login-sso-{width}.png", full_page=True)
    shots(page, "login-sso")  # no sideways scrolling on a phone
    button.click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", ZHANG["username"])
    page.fill("input[name=password]", ZHANG["password"])
    page.click("button")
    page.wait_for_url(live_server.url + "/")
    assert "张三" in page.content()
    assert User.objects.filter(username="zhang").exists()
    page.close()


def test_with_passwords_off_a_refused_person_reads_why(browser, sso, live_server,  # noqa: F811
                                                       settings, shots):
    settings.SHUANGSUIJI_LOCAL_PASSWORDS = False
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(live_server.url + "/login/")
    assert page.locator("input[name=password]").count() == 0
    shots(page, "login-sso-only")
    page.get_by_role("link", name="统一身份认证登录").click()
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", PEOPLE[2]["username"])
    page.fill("input[name=password]", PEOPLE[2]["password"])
    page.click("button")
    page.wait_for_url(live_server.url + "/login/")
    assert "没有与之匹配的登录规则" in page.content()
    shots(page, "login-sso-refused")
    page.close()
