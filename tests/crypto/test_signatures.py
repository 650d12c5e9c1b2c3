"""SM2 signatures (国密) of what the platform publishes, checked with the key the portal serves."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from shuangsuiji.core import signing
from shuangsuiji.core.models import AuditAnchor, PublishedSignature, SignedSubject
from shuangsuiji.exchange.services import supervision_batch_create
from shuangsuiji.publication.services import export_batch_create
from shuangsuiji.rules import sm2
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401 (fixtures)


@pytest.fixture
def office_key(settings) -> str:
    settings.SHUANGSUIJI_SIGNING_KEY = sm2.generate_private_key()
    return settings.SHUANGSUIJI_SIGNING_KEY


def _served_key() -> str:
    response = Client().get(reverse("portal:keys_pem"))
    assert response.status_code == 200
    return sm2.public_key_from_pem(response.content.decode())


def _changed(message: bytes, i: int) -> bytes:
    out = bytearray(message)
    out[i] ^= 0x01
    return bytes(out)


def test_a_draw_record_is_signed_and_verifies_with_the_served_key(office_key, drawn_task):  # noqa: F811
    task = drawn_task.task
    signature = signing.signature_of(task, SignedSubject.DRAW)
    assert signature is not None
    message = signing.draw_message(task.code, task.draw.record_digest)
    assert signature.message.encode() == message
    public = _served_key()
    assert public == signature.public_key == sm2.public_key_of(office_key)
    assert sm2.verify(public, message, signature.signature)
    for i in (0, len(message) // 2, len(message) - 1):
        assert not sm2.verify(public, _changed(message, i), signature.signature)

    page = Client().get(reverse("portal:task", args=[task.code])).content.decode()
    assert signature.signature in page
    # The anchor taken at the draw is signed too, and listed with its signature.
    anchor = AuditAnchor.objects.get(object_id=str(task.pk))
    signed = signing.signature_of(anchor, SignedSubject.ANCHOR)
    assert sm2.verify(public, signing.anchor_message(anchor.seq, anchor.hash), signed.signature)
    assert signed.signature in Client().get(reverse("portal:anchors")).content.decode()


def test_the_cli_verifies_a_signature_with_the_pem_and_refuses_a_changed_byte(
        world, office_key, tmp_path):
    call_command("audit", "anchor", stdout=StringIO())
    anchor = AuditAnchor.objects.get()
    signature = signing.signature_of(anchor, SignedSubject.ANCHOR).signature
    pem = tmp_path / "office.pem"
    pem.write_bytes(Client().get(reverse("portal:keys_pem")).content)
    signed = tmp_path / "signed.txt"
    signed.write_bytes(signing.anchor_message(anchor.seq, anchor.hash))
    out = StringIO()
    call_command("keys", "verify", str(signed), signature, "--public-key", str(pem), stdout=out)
    assert "通过" in out.getvalue()
    signed.write_bytes(_changed(signed.read_bytes(), 3))
    with pytest.raises(CommandError, match="签名无效"):
        call_command("keys", "verify", str(signed), signature, "--public-key", str(pem))


def test_an_export_batch_file_is_signed(world, office_key, private_files):  # noqa: F811
    batch = supervision_batch_create(actor=world.users["office"], organisation=world.office)
    signature = signing.signature_of(batch, SignedSubject.EXPORT)
    with batch.file.open("rb") as fh:
        content = fh.read()
    assert signature.message == ""  # a file: its SM3 is kept, not the file
    assert sm2.verify(_served_key(), content, signature.signature)


@pytest.fixture
def no_key(settings) -> None:
    settings.SHUANGSUIJI_SIGNING_KEY = ""


def test_without_a_key_nothing_is_signed_and_the_page_says_so(no_key, drawn_task):  # noqa: F811
    assert not PublishedSignature.objects.exists()
    assert Client().get(reverse("portal:keys_pem")).status_code == 404
    assert Client().get(reverse("portal:keys")).status_code == 200


def test_a_credit_export_batch_is_signed_and_its_signature_downloaded(world, office_key,
                                                                      private_files):  # noqa: F811
    batch = export_batch_create(actor=world.users["office"], organisation=world.office,
                                channel="national", fmt="csv")
    client = Client()
    client.force_login(world.users["office"])
    page = client.get(reverse("publication:exports")).content.decode()
    url = reverse("publication:export_signature", args=[batch.pk])
    assert url in page
    signature = client.get(url).content.decode().strip()
    content = b"".join(client.get(reverse("publication:export_download",
                                          args=[batch.pk])).streaming_content)
    assert sm2.verify(_served_key(), content, signature)
    assert not sm2.verify(_served_key(), content + b"\n", signature)
    assert Client().get(url).status_code in (302, 403, 404)  # not for the public


def test_the_public_anchor_api_carries_each_signature(world, office_key):
    call_command("audit", "anchor", stdout=StringIO())
    anchor = AuditAnchor.objects.get()
    listed = Client().get(reverse("public-anchor-list")).json()
    item = listed[0] if isinstance(listed, list) else listed["results"][0]
    assert item["anchor"] == anchor.text
    assert sm2.verify(_served_key(), signing.anchor_message(anchor.seq, anchor.hash),
                      item["signature"])
