"""Where a draw's record lives, and how it is read back.

A record is one canonical JSON document (protocol §6). Small ones are kept whole in
`DrawRecord.record`. The record of a large pool (the bulk path: millions of lines, hundreds
of megabytes, past what a jsonb value may hold) is only hashed at the draw: `record` keeps
it without its big arrays (the pool's lines, the standby lists), and the replacements as
they happen. Both big arrays follow from the frozen pool and the seed, so the file is made
from them when first asked for, checked against the record digest, and kept. Exports splice
the file and the row back into the one document, streamed, byte for byte what the protocol
defines.
"""

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction

from shuangsuiji.core import storage
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.canonical import canonical_json
from shuangsuiji.rules.draw import record_file
from shuangsuiji.rules.draw.bulk import rewrite_record
from shuangsuiji.rules.draw.record import Record, public_record
from shuangsuiji.rules.draw.spliced import digest

from . import frozen
from .models import DrawRecord


class RecordMismatch(ValueError):
    """The record made again from the frozen pool is not the one drawn: the pool or the
    stored record changed since the draw."""


def kept_whole(draw: DrawRecord) -> bool:
    """A small record, kept whole in its row (not a large one without its big arrays)."""
    return not draw.record_file and "lines" in draw.record["pool"]


def ensure_file(draw: DrawRecord) -> None:
    """The file of a large record, made once from the frozen pool and the seed, and only
    kept when its digest is the record digest of the draw."""
    if kept_whole(draw) or draw.record_file:
        return
    with transaction.atomic():
        locked = (DrawRecord.objects.select_for_update(of=("self",))
                  .select_related("task__freeze").get(pk=draw.pk))
        if not locked.record_file:  # else made by another request meanwhile
            freeze = locked.task.freeze
            pool, digest = frozen.pool_buffer(freeze)
            if digest != freeze.pool_digest:
                raise RecordMismatch(f"the frozen pool of {locked} no longer matches its digest")
            # Made on this node's disk, then stored (shared directory or bucket).
            with tempfile.NamedTemporaryFile(dir=storage.scratch_directory(),
                                             suffix=".json") as fh:
                head = dict(locked.record, replacements=[])  # the file is the record as drawn
                if rewrite_record(fh, head=head, pool_buffer=pool) != locked.record_digest:
                    raise RecordMismatch(f"the record of {locked} made again is not the one "
                                         "drawn")
                fh.seek(0)
                locked.record_file.save(f"{locked.task.code}-{locked.record_digest[:16]}.json",
                                        File(fh), save=False)
            locked.save(update_fields=["record_file"])
    draw.record_file = locked.record_file


@contextmanager
def _split(draw: DrawRecord) -> Iterator[record_file.SplitRecord]:
    ensure_file(draw)
    # A path: the record is mapped into memory, not read. From object storage, a copy in
    # this node's cache, kept only when it hashes to the record digest.
    with storage.local_path(draw.record_file.storage, draw.record_file.name,
                            check=lambda path: _digest_of(path) == draw.record_digest) as path, \
            record_file.opened(path) as split:
        if split is None:
            raise ValueError(f"the record file of {draw} is not in canonical form")
        yield split


def _digest_of(path: Path) -> str | None:
    """The record digest of a record file (protocol §7: over the record as drawn, without
    its digests and replacements), None if it is not a record file in canonical form."""
    with record_file.opened(path) as split:
        if split is None:
            return None
        core = {key: value for key, value in split.head.items()
                if key not in {"public_digest", "record_digest"}}
        return digest(dict(core, replacements=[]), split.bodies)


def replacement_state(draw: DrawRecord) -> Record:
    """The record as the next replacement needs it (record.replacement_entry)."""
    if kept_whole(draw):
        return draw.record
    with _split(draw) as split:
        return record_file.state_for_replacements(split, draw.record["replacements"])


def record_chunks(task: InspectionTask, *, public: bool) -> Iterator[bytes]:
    """The full record (auditors) or the public one (anyone), as canonical JSON bytes."""
    draw = DrawRecord.objects.get(task=task)  # as stored now, not as `task` cached it
    version = {"risk_strata": task.risk_strata, "verification": task.verification_mode}
    if kept_whole(draw):
        record = public_record(draw.record, **version) if public else draw.record
        yield canonical_json(record).encode("utf-8")
        return
    with _split(draw) as split:
        document: Record = dict(split.head, replacements=draw.record["replacements"])
        if public:
            document = public_record(document, bodies=split.bodies, **version)
        yield from record_file.chunks(document, split.bodies)


def record_dict(task: InspectionTask, *, public: bool) -> dict[str, Any]:
    """The record as Python objects: for small records (a large one is millions of them)."""
    return json.loads(b"".join(record_chunks(task, public=public)))
