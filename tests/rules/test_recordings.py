"""Short recordings as evidence (the field app): accepted by their bytes, and only as one whole
well-formed container — cut short, padded, or only a header, they are refused."""

import pytest

from shuangsuiji.rules.errors import RuleError
from shuangsuiji.rules.results import check_evidence, check_evidence_content

MB = 1024 * 1024


def box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def mp4() -> bytes:
    return (box(b"ftyp", b"M4A \x00\x00\x00\x00M4A isom") + box(b"moov", b"\x00" * 24)
            + box(b"mdat", b"\x01" * 100))


def ebml(element: bytes, payload: bytes, *, unknown: bool = False) -> bytes:
    size = b"\x01\xff\xff\xff\xff\xff\xff\xff" if unknown else bytes([0x80 | len(payload)])
    return element + size + payload


def webm() -> bytes:
    header = ebml(b"\x1a\x45\xdf\xa3", ebml(b"\x42\x82", b"webm"))
    return header + ebml(b"\x18\x53\x80\x67", b"\x00" * 40, unknown=True)


def ogg_page(payload: bytes) -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 20 + bytes([1, len(payload)]) + payload


def ogg() -> bytes:
    return ogg_page(b"OpusHead" + b"\x01" * 11) + ogg_page(b"\x02" * 50)


@pytest.mark.parametrize(("name", "data", "mime"), [
    ("录音.m4a", mp4(), "audio/mp4"), ("clip.webm", webm(), "video/webm"),
    ("note.ogg", ogg(), "audio/ogg")])
def test_recordings_are_accepted_by_their_content(name, data, mime):
    assert check_evidence(name, data[:261], len(data), max_bytes=MB) == mime
    check_evidence_content(mime, data)


@pytest.mark.parametrize(("mime", "data"), [
    ("audio/mp4", mp4()[:-10]), ("audio/mp4", mp4() + b"\x00\x00\x00"),
    ("audio/mp4", box(b"ftyp", b"M4A \x00\x00\x00\x00M4A isom")),  # no moov: nothing to play
    ("video/webm", webm()[:12]), ("video/webm", ebml(b"\x1a\x45\xdf\xa3", b"")),
    ("audio/ogg", ogg()[:-1]), ("audio/ogg", ogg() + b"\x00trailing")])
def test_a_damaged_or_incomplete_recording_is_refused(mime, data):
    with pytest.raises(RuleError, match="recording cannot be read"):
        check_evidence_content(mime, data)


def test_a_recording_named_as_a_photo_is_refused():
    with pytest.raises(RuleError, match="name ends in"):
        check_evidence("photo.jpg", mp4(), len(mp4()), max_bytes=MB)
