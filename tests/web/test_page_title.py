"""Each page's title names the page, the reader's organisation and the platform; a favicon."""

import re

from django.contrib.staticfiles import finders
from django.urls import reverse


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def test_the_title_names_the_organisation_of_whoever_reads(login, world):
    office = title(login("office").get(reverse("home")))
    assert "晋城市人民防空办公室" in office  # the section's user: the office it belongs to
    partner = title(login("partner").get(reverse("home")))
    assert "晋城市消防救援支队" in partner and "人民防空" not in partner


def test_the_public_title_names_no_organisation_and_every_page_has_the_icon(client, world):
    response = client.get(reverse("portal:index"))
    assert "晋城市" not in title(response)
    assert 'rel="icon" href="/static/shuangsuiji/favicon.svg"' in response.content.decode()
    assert finders.find("shuangsuiji/favicon.svg")
