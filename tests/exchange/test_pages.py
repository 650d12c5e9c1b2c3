"""The office's deliveries page: counts, states, errors and the push-again button for those who
may publish; nothing for roles outside publication; a GET writes nothing."""

from django.urls import reverse

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.exchange import outbox
from shuangsuiji.exchange.models import Delivery


def test_the_office_sees_its_deliveries_and_the_receivers(world, client, approved, receivers,
                                                          settings):
    settings.SHUANGSUIJI_DELIVERY_TARGETS = {
        "province": {"url": receivers["province"].url, "key": "wrong"}}
    outbox.deliver_due()
    client.force_login(world.users["office"])
    before = AuditEvent.objects.count()
    page = client.get(reverse("exchange:deliveries")).content.decode()
    assert AuditEvent.objects.count() == before and Delivery.objects.count() == 3
    mine = Delivery.objects.filter(organisation=world.office)
    assert mine.count() == 2
    for delivery in mine:
        assert delivery.label in page
        assert reverse("exchange:retry", args=[delivery.pk]) in page
    assert "HTTP 401" in page
    theirs = Delivery.objects.get(organisation=world.fire)
    assert reverse("exchange:retry", args=[theirs.pk]) not in page
    assert reverse("exchange:deliveries") in client.get(
        reverse("publication:exports")).content.decode()


def test_a_leader_reads_but_is_offered_no_push_again(world, client, approved, receivers,
                                                     settings):
    settings.SHUANGSUIJI_DELIVERY_TARGETS = {
        "province": {"url": receivers["province"].url, "key": "wrong"}}
    outbox.deliver_due()
    client.force_login(world.users["leader"])
    response = client.get(reverse("exchange:deliveries"))
    assert response.status_code == 200
    delivery = Delivery.objects.filter(organisation=world.office).first()
    assert reverse("exchange:retry", args=[delivery.pk]) not in response.content.decode()
    assert client.post(reverse("exchange:retry", args=[delivery.pk])).status_code == 403


def test_an_inspector_may_not_open_it(world, client):
    client.force_login(world.users["inspector"])
    assert client.get(reverse("exchange:deliveries")).status_code == 403
