"""Rules of an inspection result that need no database: category consistency, what a result
must hold before it goes to review, and what an evidence file may be.

Errors are `RuleError`s with a code and English text; the app layer translates them.
"""

import io
import logging
import re
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import filetype
from PIL import Image, ImageFile, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import IndirectObject

from .errors import RuleError, gettext_noop

# Mirrors inspections.choices (plain strings here: rules import no Django).
NO_PROBLEM = "no_problem"
PROBLEM_CATEGORIES = frozenset({"corrected", "pending", "not_disclosed", "false_disclosure",
                                "refused"})
NOT_INSPECTABLE = frozenset({"unreachable", "closed", "deregistered", "revoked_licence",
                             "cancelled", "moved"})
NON_COMPLIANT = "non_compliant"
REFUSED_CONDUCT = "refused"

# Evidence: what may be uploaded, decided from the file's bytes (the name can lie).
ALLOWED_TYPES = {"image/jpeg": {"jpg", "jpeg"}, "image/png": {"png"},
                 "application/pdf": {"pdf"}}
# Short recordings from a phone (the field app): MP4/M4A/3GP boxes, WebM, Ogg.
RECORDING_TYPES = {"video/mp4": {"mp4", "m4a"}, "audio/mp4": {"m4a", "mp4"},
                   "video/3gpp": {"3gp"}, "video/webm": {"webm"}, "audio/ogg": {"ogg", "oga"}}
ALLOWED_TYPES |= RECORDING_TYPES
_FORBIDDEN_NAME_CHARS = set('/\\:*?"<>|') | {chr(c) for c in range(32)}


@dataclass(frozen=True)
class ResultDraft:
    """What has been entered for one department's result."""

    inspected_on: date | None
    methods: Collection[str]
    categories: Collection[str]
    conduct: str
    outcomes: Mapping[str, str]  # item code → outcome ("" when not filled in)
    signed_scan: bool  # a scan of the signed and sealed checklist is attached
    inspector_signatures: int
    representative_signed: bool


def check_categories(categories: Collection[str], outcomes: Iterable[str],
                     conduct: str) -> None:
    """Categories must not contradict each other or the checklist."""
    chosen = set(categories)
    if NO_PROBLEM in chosen and chosen & PROBLEM_CATEGORIES:
        raise RuleError(gettext_noop(
            "“No problem found” cannot be chosen together with a problem."))
    if NO_PROBLEM in chosen and NON_COMPLIANT in set(outcomes):
        raise RuleError(gettext_noop(
            "“No problem found” contradicts an item found not compliant."))
    if conduct == REFUSED_CONDUCT and NO_PROBLEM in chosen:
        raise RuleError(gettext_noop(
            "A refused inspection cannot be recorded as “no problem found”."))


def missing_for_submission(draft: ResultDraft, *, period_start: date, today: date,
                           required_inspectors: int = 2) -> list[str]:
    """Codes of what is missing before a result may go to review (empty: ready).

    A target that could not be inspected (closed, moved, unreachable, refused) needs no item
    findings and no representative's signature: there was no one to sign.
    """
    missing: list[str] = []
    if draft.inspected_on is None:
        missing.append("inspected_on")
    elif not period_start <= draft.inspected_on <= today:
        missing.append("inspected_on_range")
    if not draft.methods:
        missing.append("methods")
    if not draft.categories:
        missing.append("categories")
    not_inspected = bool(set(draft.categories) & NOT_INSPECTABLE) or (
        draft.conduct == REFUSED_CONDUCT)
    if not not_inspected and any(not o for o in draft.outcomes.values()):
        missing.append("findings")
    if not draft.signed_scan:
        if draft.inspector_signatures < required_inspectors:
            missing.append("inspector_signatures")
        if not not_inspected and not draft.representative_signed:
            missing.append("representative_signature")
    return missing


def check_evidence(name: str, head: bytes, size: int, *, max_bytes: int) -> str:
    """The content type of an acceptable evidence file, or a RuleError saying why not.

    `head` is the file's first bytes (261 are enough for the magic numbers).
    """
    if not name or name in {".", ".."} or set(name) & _FORBIDDEN_NAME_CHARS or ".." in name:
        raise RuleError(gettext_noop(
            "The file name “{name}” contains path or control characters."), name=name)
    if size <= 0:
        raise RuleError(gettext_noop("The file is empty."))
    if size > max_bytes:
        raise RuleError(gettext_noop(
            "The file is {size} bytes; at most {max_bytes} bytes are accepted."),
            size=size, max_bytes=max_bytes)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED_TYPES:
        raise RuleError(gettext_noop("Only JPEG and PNG photos, PDF documents and MP4, WebM or "
                                     "Ogg recordings are accepted."))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES[mime]:
        raise RuleError(gettext_noop(
            "The file’s content is {mime} but its name ends in “.{extension}”."),
            mime=mime, extension=extension)
    return mime


# -- Evidence: parsed, not only sniffed -----------------------------------------------------------
# The first bytes only say what a file claims to be: "%PDF-1.4" followed by a web page passed.
# Each accepted file is now opened by a real parser (pypdf, Pillow) and read whole.

MAX_IMAGE_PIXELS = 50_000_000  # a 50-megapixel photo; past that, a decompression bomb
MAX_PDF_OBJECTS = 200_000
# What browsers sniff as a web page near the start of a file.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|img|"
                     rb"meta|style|link|form|\?xml-stylesheet)", re.IGNORECASE)
# PDF actions that run something, and files carried inside a PDF.
_PDF_ACTIVE = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute", "/SubmitForm",
               "/GoToE"}
_PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/EF", "/EmbeddedFiles", "/XFA"}


def check_evidence_content(mime: str, data: bytes) -> None:
    """Open the file with a real parser and refuse what is not a sound, inert document."""
    if _MARKUP.search(data[:1024]):
        raise RuleError(gettext_noop(
            "The file contains web page markup (HTML) and is not accepted."))
    if mime == "application/pdf":
        _check_pdf(data)
    elif mime in RECORDING_TYPES:
        _check_recording(mime, data)
    else:
        _check_image(mime, data)


# -- Recordings: the container's structure walked to the last byte ---------------------------------
# No decoder here: what is checked is that the file is one well-formed container, whole (a
# truncated upload or bytes appended to it fail), of the kind its first bytes claim.

_EBML, _SEGMENT = 0x1A45DFA3, 0x18538067


def _recording_damaged() -> RuleError:
    return RuleError(gettext_noop("The recording cannot be read: it is damaged or incomplete."))


def _check_recording(mime: str, data: bytes) -> None:
    if mime in {"video/mp4", "audio/mp4", "video/3gpp"}:
        _check_mp4(data)
    elif mime == "video/webm":
        _check_webm(data)
    else:
        _check_ogg(data)


def _check_mp4(data: bytes) -> None:
    """ISO base media boxes: sizes that tile the file exactly, ftyp first, a moov."""
    pos, kinds = 0, []
    while pos < len(data):
        if len(data) - pos < 8:
            raise _recording_damaged()
        size, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        header = 8
        if size == 1:
            if len(data) - pos < 16:
                raise _recording_damaged()
            size, header = int.from_bytes(data[pos + 8:pos + 16], "big"), 16
        elif size == 0:
            size = len(data) - pos
        if size < header or pos + size > len(data) or not all(32 <= b < 127 for b in kind):
            raise _recording_damaged()
        kinds.append(kind)
        pos += size
    if not kinds or kinds[0] != b"ftyp" or b"moov" not in kinds:
        raise _recording_damaged()


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """An EBML variable-length integer at pos: (value, length, all value bits set)."""
    if pos >= len(data) or data[pos] == 0:
        raise _recording_damaged()
    length = 8 - data[pos].bit_length() + 1
    if pos + length > len(data):
        raise _recording_damaged()
    value = int.from_bytes(data[pos:pos + length], "big")
    bits = 7 * length
    payload = value & ((1 << bits) - 1)
    return (value if keep_marker else payload), length, payload == (1 << bits) - 1


def _check_webm(data: bytes) -> None:
    """Matroska/WebM top-level elements: the EBML header, then a Segment that ends the file
    (its size given, or unknown as a recorder streams it)."""
    pos, ids = 0, []
    while pos < len(data):
        element, id_length, _ = _vint(data, pos, keep_marker=True)
        size, size_length, unknown = _vint(data, pos + id_length, keep_marker=False)
        ids.append(element)
        start = pos + id_length + size_length
        if unknown:
            if element != _SEGMENT:
                raise _recording_damaged()
            break
        if start + size > len(data):
            raise _recording_damaged()
        pos = start + size
    if len(ids) < 2 or ids[0] != _EBML or ids[1] != _SEGMENT:
        raise _recording_damaged()


def _check_ogg(data: bytes) -> None:
    """Ogg pages (RFC 3533) one after another to the last byte."""
    pos, pages = 0, 0
    while pos < len(data):
        if data[pos:pos + 4] != b"OggS" or len(data) - pos < 27 or data[pos + 4] != 0:
            raise _recording_damaged()
        segments = data[pos + 26]
        table = data[pos + 27:pos + 27 + segments]
        if len(table) != segments:
            raise _recording_damaged()
        pos += 27 + segments + sum(table)
        pages += 1
    if pos != len(data) or pages == 0:
        raise _recording_damaged()


def _check_image(mime: str, data: bytes) -> None:
    expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[mime]
    damaged = RuleError(gettext_noop("The image cannot be read: it is damaged or incomplete."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                raise damaged
            pixels = image.width * image.height
            if pixels > MAX_IMAGE_PIXELS:
                raise RuleError(gettext_noop(
                    "The image has {pixels} million pixels; at most {limit} million are "
                    "accepted."), pixels=pixels // 1_000_000,
                    limit=MAX_IMAGE_PIXELS // 1_000_000)
            image.verify()  # chunk checksums
        with _truncated_images_refused(), Image.open(io.BytesIO(data)) as image:
            image.load()  # every pixel decoded: a truncated file fails here
    except RuleError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            Image.DecompressionBombError) as exc:
        raise damaged from exc


_PILLOW_FLAG = threading.Lock()


@contextmanager
def _truncated_images_refused() -> Iterator[None]:
    """Pillow's process-wide LOAD_TRUNCATED_IMAGES off while one evidence image is decoded.

    WeasyPrint turns it on when it is imported (the record PDFs), and Pillow then pads a
    truncated photo silently. It is put back as it was right after.
    """
    with _PILLOW_FLAG:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _check_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise RuleError(gettext_noop("The file is not a readable PDF document."))
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair notes are not ours
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise RuleError(gettext_noop(
                "Encrypted PDF files are not accepted: save the document without a "
                "password."))
        if len(reader.pages) < 1:
            raise RuleError(gettext_noop("The PDF document has no pages."))
        numbers = [(n, g) for g, objects in reader.xref.items() for n in objects]
        numbers += [(n, 0) for n in reader.xref_objStm]
        if len(numbers) > MAX_PDF_OBJECTS:
            raise RuleError(gettext_noop("The file is not a readable PDF document."))
        for number, generation in numbers:
            obj = IndirectObject(number, generation, reader).get_object()
            if _is_active(obj):
                raise RuleError(gettext_noop(
                    "PDF files with scripts, actions that open other files or embedded files "
                    "are not accepted: print the document to PDF again."))
    except RuleError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, OSError,
            RecursionError, AssertionError, IndexError) as exc:
        raise RuleError(gettext_noop("The file is not a readable PDF document.")) from exc


def _is_active(obj: object, depth: int = 0) -> bool:
    """An action or embedded file in this object or the direct objects inside it (indirect
    ones are each visited by the caller)."""
    if depth > 32 or isinstance(obj, IndirectObject):
        return False
    if isinstance(obj, dict):
        if _PDF_ACTIVE_KEYS & set(obj):
            return True
        if str(obj.get("/S", "")) in _PDF_ACTIVE or str(obj.get("/Type", "")) == "/EmbeddedFile":
            return True
        return any(_is_active(value, depth + 1) for value in obj.values())
    if isinstance(obj, list):
        return any(_is_active(value, depth + 1) for value in obj)
    return False
