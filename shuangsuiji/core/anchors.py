"""Audit anchors (审计锚点): the chain's head, SEQ:HASH, kept outside the database it protects.

The chain alone shows an entry edited, deleted or inserted in the middle, but not a log cut
back or rewritten as a whole by someone who can bypass the database's triggers: a shorter,
consistent chain verifies. An anchor taken earlier and kept elsewhere (the public portal, the
anchor file, a printed draw record) shows it: the chain must still hold entry SEQ, with
HASH. Anchors are taken after each draw and each publication of a result, inside their
transaction and after their own audit entry, so they cover it; and once a day by
`shuangsuiji audit anchor`, which the operator schedules (cron, a systemd timer).
"""

import json
import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import signing
from .models import AnchorReason, AuditAnchor, AuditEvent, AuditHead, SignedSubject

log = logging.getLogger(__name__)

ANCHOR_RE = re.compile(r"^(0|[1-9][0-9]{0,18}):([0-9a-f]{64})?$")
FETCH_TIMEOUT = 30
FETCH_MAX_BYTES = 64 * 1024 * 1024


class AnchorError(ValueError):
    """An anchor that cannot be read (its text, a file, an address)."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str

    @property
    def text(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> "Anchor":
        match = ANCHOR_RE.match(text.strip().lower())
        if match is None or (match[1] == "0") != (match[2] is None):
            raise AnchorError(_("not an anchor (SEQ:HASH, the hash 64 hexadecimal digits): "
                                "{text}").format(text=text.strip()[:100]))
        return cls(int(match[1]), match[2] or "")


def current() -> Anchor:
    """The chain's head now (0: when nothing was ever written)."""
    head = AuditHead.objects.filter(pk=1).first()
    return Anchor(head.seq, head.hash) if head is not None else Anchor(0, "")


def anchor_take(*, reason: AnchorReason | str, obj: Any = None, note: str = "") -> AuditAnchor:
    """Record the head as an anchor, in the caller's transaction, after its audit entry; the
    anchor file gets its line once that transaction commits."""
    head = current()
    anchor = AuditAnchor(seq=head.seq, hash=head.hash, taken_at=timezone.now(), reason=reason,
                         object_type=obj._meta.label_lower if obj is not None else "",
                         object_id=str(obj.pk) if obj is not None else "", note=note[:100])
    anchor.full_clean()
    anchor.save()
    # With the office's key set, the anchor is signed too (SM2): whoever copies it can show
    # the office published it.
    signing.sign_published(subject=SignedSubject.ANCHOR, obj=anchor,
                           message=signing.anchor_message(anchor.seq, anchor.hash))
    transaction.on_commit(lambda: _append_to_file(anchor))
    return anchor


def anchor_of(obj: Any, reason: AnchorReason | str) -> AuditAnchor | None:
    """The anchor taken for `obj` (a drawn task, a published result), if any."""
    return (AuditAnchor.objects.filter(reason=reason, object_type=obj._meta.label_lower,
                                       object_id=str(obj.pk)).order_by("id").first())


def published() -> Any:
    """Every anchor, newest first: what the portal and the public API list."""
    return AuditAnchor.objects.order_by("-taken_at", "-id")


def file_line(anchor: AuditAnchor) -> str:
    """`SEQ:HASH<TAB>time (UTC)<TAB>reason<TAB>note`: what `audit verify --anchors` reads is
    the first field."""
    at = anchor.taken_at.astimezone(UTC).isoformat(timespec="seconds")
    note = " ".join(anchor.note.split())
    return f"{anchor.text}\t{at}\t{anchor.reason}\t{note}\n"


def _append_to_file(anchor: AuditAnchor) -> None:
    path = getattr(settings, "SHUANGSUIJI_AUDIT_ANCHOR_FILE", "")
    if not path:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, file_line(anchor).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        # The anchor is committed and published; the file missing one line is an operator's
        # problem to see, not a reason to fail the draw that took it.
        log.exception("audit anchor %s not appended to %s", anchor.text, path)


def read_anchors(source: str) -> list[Anchor]:
    """Anchors from a file in the anchor file's format (or any lines starting SEQ:HASH), or
    from the portal's public API list (an http(s) address answering JSON)."""
    if source.startswith(("http://", "https://")):
        return _from_json(_fetch(source), source)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorError(_("cannot read anchors from {source}: {reason}").format(
            source=source, reason=exc)) from exc
    if text.lstrip().startswith(("[", "{")):
        return _from_json(text.encode(), source)
    anchors = [Anchor.parse(line.split()[0]) for line in text.splitlines()
               if line.strip() and not line.lstrip().startswith("#")]
    if not anchors:
        raise AnchorError(_("no anchor in {source}").format(source=source))
    return anchors


def _fetch(url: str) -> bytes:
    # http(s) only: read_anchors passes nothing else.
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
            body: bytes = response.read(FETCH_MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise AnchorError(_("cannot read anchors from {source}: {reason}").format(
            source=url, reason=exc)) from exc
    if len(body) > FETCH_MAX_BYTES:
        raise AnchorError(_("cannot read anchors from {source}: {reason}").format(
            source=url, reason=_("more than {n} bytes").format(n=FETCH_MAX_BYTES)))
    return body


def _from_json(body: bytes, source: str) -> list[Anchor]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise AnchorError(_("cannot read anchors from {source}: {reason}").format(
            source=source, reason=exc)) from exc
    if isinstance(data, dict):
        data = data.get("results", data.get("anchors"))
    if not isinstance(data, list):
        raise AnchorError(_("cannot read anchors from {source}: {reason}").format(
            source=source, reason=_("not a list of anchors")))
    anchors = []
    for item in data:
        text = (item.get("anchor") or f"{item.get('seq')}:{item.get('hash') or ''}"
                if isinstance(item, dict) else item)
        anchors.append(Anchor.parse(str(text)))
    if not anchors:
        raise AnchorError(_("no anchor in {source}").format(source=source))
    return anchors


@dataclass(frozen=True)
class AnchorProblem:
    anchor: Anchor
    message: str


def check_anchors(anchors: Iterable[Anchor]) -> list[AnchorProblem]:
    """Every anchor whose entry the chain no longer holds, or holds with another hash."""
    anchors = list(dict.fromkeys(anchors))
    problems: list[AnchorProblem] = []
    wanted = sorted({a.seq for a in anchors if a.seq > 0})
    found: dict[int, str] = {}
    for i in range(0, len(wanted), 1000):
        found.update(AuditEvent.objects.filter(seq__in=wanted[i:i + 1000])
                     .values_list("seq", "hash"))
    for anchor in anchors:
        if anchor.seq == 0:
            continue  # the empty chain: every chain starts from it
        if anchor.seq not in found:
            problems.append(AnchorProblem(anchor, _(
                "anchor {anchor}: entry {seq} is no longer in the log: the log was truncated "
                "or cut back").format(anchor=anchor.text, seq=anchor.seq)))
        elif found[anchor.seq] != anchor.hash:
            problems.append(AnchorProblem(anchor, _(
                "anchor {anchor}: entry {seq} now has another hash ({found}): the log was "
                "rewritten").format(anchor=anchor.text, seq=anchor.seq,
                                    found=found[anchor.seq])))
    return problems


def stored_anchors() -> list[Anchor]:
    """The anchors the database itself keeps (a copy of what the portal published)."""
    return [Anchor(seq, hash_) for seq, hash_ in
            AuditAnchor.objects.order_by("seq").values_list("seq", "hash").distinct()]

