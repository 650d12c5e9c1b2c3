"""监管行为数据 of approved results: the facts the platform holds, nothing private, withheld
fields and whole withheld results left out; batch files carry each result once."""

import json

from django.urls import reverse

from shuangsuiji.catalog.models import InspectionItem
from shuangsuiji.core.models import AuditEvent
from shuangsuiji.exchange import records, services
from shuangsuiji.exchange.models import SupervisionExported
from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.inspectors.services import set_id_number
from shuangsuiji.publication import services as publication
from shuangsuiji.rules import supervision

ID_NUMBER = "140502198001010014"
PHONE = "13912345678"


def test_a_record_carries_the_item_codes_inspectors_and_result(world, approved):
    InspectionItem.objects.filter(code="RF-01").update(
        implementation_code="1140500-RF-0001", regulatory_code="114050001")
    rows = records.records_of(approved.office[0])
    assert [r["implementation_code"] for r in rows] == ["1140500-RF-0001", ""]
    assert rows[0]["regulatory_code"] == "114050001"
    first = rows[0]
    assert first["kind"] == "双随机抽查" and first["joint"] is True
    assert first["authority_name"] == "晋城市人民防空办公室"
    assert first["result"] == "发现问题已责令改正"
    assert first["inspected_on"] == "2026-10-20"
    assert first["task_code"] == "RFB-2026-LH01"
    names = {p["name"] for p in first["inspectors"]}
    assert names and all(p["certificate_number"].startswith("CERT-")
                         for p in first["inspectors"])
    assert first["measures"] == "无需后续处置"


def test_no_risk_class_identity_number_phone_or_private_name_leaves(world, approved):
    inspector = Inspector.objects.get(code="RFB-E1")
    inspector.phone = PHONE
    set_id_number(inspector, ID_NUMBER)
    inspector.save()
    content, n = records.jsonl(records.approved(world.office.pk))
    text = content.decode("utf-8")
    assert n >= 2
    # The findings text named a phone and an identity number (tests/publication FINDINGS).
    for secret in (ID_NUMBER, inspector.id_number_masked, PHONE, "13812345678",
                   "140502198001010015", "risk_class"):
        assert secret not in text
    for line in text.splitlines():
        record = json.loads(line)
        assert set(record) == set(supervision.KEYS) | {"withheld"}


def test_withheld_fields_are_left_out_and_a_whole_withheld_result_is_not_sent(world,
                                                                              approved):
    first, second = approved.office
    publication.redaction_approve(actor=world.users["office"], inspection=first, whole=False,
                                  fields=["findings", "entity_name"], basis="trade_secret",
                                  reason="商业秘密，《政府信息公开条例》第十五条")
    publication.redaction_approve(actor=world.users["office"], inspection=second, whole=True,
                                  fields=[], basis="rf_secret", reason="人防秘密")
    row = records.records_of(first)[0]
    assert row["findings"] == "" and row["target_name"] == ""
    assert row["withheld"] == ["findings", "target_name"]
    assert row["target_uscc"]  # not withheld
    assert not records.exportable(second)
    batch = services.supervision_batch_create(actor=world.users["office"],
                                              organisation=world.office)
    assert batch.size == 1
    assert list(SupervisionExported.objects.values_list("inspection_id", flat=True)) == [
        first.pk]


def test_a_batch_file_carries_each_result_once(world, client, approved):
    office = world.users["office"]
    batch = services.supervision_batch_create(actor=office, organisation=world.office)
    assert (batch.size, batch.records) == (2, 4)  # two results, two items each
    again = services.supervision_batch_create(actor=office, organisation=world.office)
    assert again.size == 0
    assert AuditEvent.objects.filter(action="supervision.export").count() == 2
    client.force_login(office)
    response = client.get(reverse("exchange:supervision_download", args=[batch.pk]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 4 and json.loads(lines[0])["kind"] == "双随机抽查"
    # The fire rescue's staff cannot read the office's file.
    client.force_login(world.users["partner"])
    assert client.get(reverse("exchange:supervision_download",
                              args=[batch.pk])).status_code == 404


def test_the_office_writes_a_file_from_its_page(world, client, approved):
    client.force_login(world.users["office"])
    response = client.post(reverse("exchange:supervision_export"), follow=True)
    assert "2" in response.content.decode()
    assert SupervisionExported.objects.count() == 2
    client.force_login(world.users["section"])
    assert client.post(reverse("exchange:supervision_export")).status_code == 403

