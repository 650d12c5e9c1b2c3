"""Attacks on the data that flows up: what the credit platforms and the province receive (and
the 监管行为数据 files) never carries a credit-risk class, an inspector's identity number or
phone, an entity's contact, or a withheld field; the receivers' keys never reach a page or the
audit log; a push answered by an impostor's key is not counted."""

import json

from django.urls import reverse

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entities.models import Contact
from shuangsuiji.exchange import outbox, records, services
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.inspectors.services import set_id_number
from shuangsuiji.publication import services as publication
from tests.exchange.conftest import KEYS, receivers  # noqa: F401

INSPECTOR_PHONE = "13911112222"
ID_NUMBER = "140502198001010014"
CONTACT_PHONE = "13733334444"
SECRET_FINDINGS = "配方属商业秘密"


def _keys(value, found=None):
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(key)
            _keys(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _keys(inner, found)
    return found


def test_nothing_private_or_withheld_reaches_a_receiver_or_a_file(world, approved,
                                                                  receivers):  # noqa: F811
    inspector = Inspector.objects.get(code="RFB-E1")
    inspector.phone = INSPECTOR_PHONE
    set_id_number(inspector, ID_NUMBER)
    inspector.save()
    first = approved.office[0]
    target = first.visit.drawn_target.target
    Contact.objects.create(target=target, name="赵联系", phone=CONTACT_PHONE)
    first.summary = SECRET_FINDINGS
    first.save(update_fields=["summary"])
    publication.redaction_approve(actor=world.users["office"], inspection=first, whole=False,
                                  fields=["findings"], basis="trade_secret",
                                  reason="商业秘密，《政府信息公开条例》第十五条")
    for result in approved.office:
        publication.result_publish(actor=world.users["office"], inspection=result)
    assert outbox.deliver_due().sent == 7
    batch = services.supervision_batch_create(actor=world.users["office"],
                                              organisation=world.office)
    with batch.file.open("rb") as stored:
        texts = [stored.read().decode("utf-8")]
    for receiver in receivers.values():
        texts.extend(json.dumps(b, ensure_ascii=False) for b in receiver.bodies.values())
    everything = "\n".join(texts)
    for secret in (INSPECTOR_PHONE, ID_NUMBER, inspector.id_number_masked, CONTACT_PHONE,
                   "赵联系", SECRET_FINDINGS, target.legal_rep or "\x00"):
        assert secret not in everything, secret
    keys = set()
    for receiver in receivers.values():
        for body in receiver.bodies.values():
            keys |= _keys(body)
    assert not keys & {"risk_class", "risk", "信用风险分类", "phone", "id_number", "contacts"}
    assert records.supervision.FORBIDDEN_KEYS.isdisjoint(keys)


def test_the_receivers_keys_never_reach_a_page_or_the_audit_log(world, client, approved,
                                                                receivers):  # noqa: F811
    outbox.deliver_due()
    client.force_login(world.users["office"])
    page = client.get(reverse("exchange:deliveries")).content.decode()
    log = json.dumps(list(AuditEvent.objects.values("summary", "data")), default=str)
    for key in KEYS.values():
        assert key not in page and key not in log
