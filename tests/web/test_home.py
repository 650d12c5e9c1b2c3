"""The home page: counts and links per role, certificates running out, unclassified targets."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.inspectors.services import certificate_add

pytestmark = pytest.mark.django_db


def test_the_office_sees_its_counts_and_what_needs_attention(login, data, world):
    soon = certificate_add(actor=world.users["office"], inspector=data.officer,
                           number="SOON-1", issuer="山西省人民政府", valid_from=None,
                           valid_to=timezone.localdate() + timedelta(days=20))
    response = login("office").get(reverse("home"))
    context = response.context
    assert (context["items"]["total"], context["items"]["unpublished"]) == (2, 2)
    assert (context["targets"]["total"], context["targets"]["unclassified"]) == (1, 1)
    assert context["inspectors"]["total"] == 2
    assert context["inspectors"]["expiring"] == [soon]
    assert context["inspectors"]["conflicts_in_force"] == 1
    page = response.content.decode()
    assert reverse("entities:create") in page and "SOON-1" in page


def test_an_inspector_sees_their_own_record_and_no_target_counts(login, data):
    response = login("inspector").get(reverse("home"))
    assert response.context["targets"] is None
    assert response.context["inspectors"]["own"] == data.inspector
    page = response.content.decode()
    assert reverse("inspectors:detail", args=[data.inspector.pk]) in page
    assert reverse("entities:list") + "?" not in page
    assert reverse("inspectors:create") not in page


def test_another_organisation_counts_only_its_own(login, data):
    context = login("other_office").get(reverse("home")).context
    assert context["items"]["total"] == 1
    assert context["targets"]["total"] == 1
    assert context["inspectors"]["total"] == 1 and context["inspectors"]["expiring"] == []


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_province_sized_directory_is_counted_up_to_the_limit(login, data, world,
                                                               monkeypatch):
    """Past core.web.COUNT_LIMIT the home page and the directory's pages say "more than"
    instead of counting every row (10 million in a province); below it, the exact count."""
    from shuangsuiji.core import web
    from shuangsuiji.entities.models import Target
    from shuangsuiji.rules.uscc import make_valid

    Target.objects.bulk_create([
        Target(department=world.office, uscc=make_valid(f"91140502MA0L{n:05d}"),
               name=f"晋城市计数企业{n}有限公司", region_code="140502") for n in range(5)])
    total = Target.objects.filter(department=world.office).count()
    client = login("office")
    monkeypatch.setattr(web, "COUNT_LIMIT", total)
    page = client.get(reverse("entities:list")).context["page"]
    assert (page.paginator.count, page.paginator.more) == (total, False)
    assert client.get(reverse("home")).context["targets"]["more"] is False
    monkeypatch.setattr(web, "COUNT_LIMIT", 3)
    response = client.get(reverse("entities:list"), {"page": 2})
    page = response.context["page"]
    assert (page.paginator.count, page.paginator.more) == (3, True)
    body = response.content.decode()
    assert "more than 3" in body or "超过 3" in body
    targets = client.get(reverse("home")).context["targets"]
    assert (targets["total"], targets["more"]) == (3, True)
