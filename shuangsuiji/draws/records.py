"""Where a draw's record lives, and how it is read back.

A record is one canonical JSON document (protocol §6). Small ones are kept whole in
`DrawRecord.record`. The record of a large pool (the bulk path: millions of lines, hundreds
of megabytes, past what a jsonb value may hold) is written once to a file, as drawn;
`record` then keeps the record without its big arrays, and the replacements as they happen.
Exports splice the two back into the one document, streamed, byte for byte what the
protocol defines.
"""

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage

from shuangsuiji.plans.choices import Stratification
from shuangsuiji.plans.models import InspectionTask
from shuangsuiji.rules.canonical import canonical_json
from shuangsuiji.rules.draw import record_file
from shuangsuiji.rules.draw.bulk import WrittenRecord
from shuangsuiji.rules.draw.record import Record, public_record

from .models import DrawRecord


@contextmanager
def written_record(write: Callable[[IO[bytes]], WrittenRecord]
                   ) -> Iterator[tuple[File, WrittenRecord]]:
    """A temporary file `write` fills with a canonical record (bulk.write_record). The
    caller saves the file into a DrawRecord inside the block."""
    directory = Path(default_storage.path("tmp"))  # beside the stored files, not in /tmp
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".json") as fh:
        written = write(fh)
        fh.seek(0)
        yield File(fh), written


@contextmanager
def _split(draw: DrawRecord) -> Iterator[record_file.SplitRecord]:
    # A path: the record is mapped into memory, not read (the default storage is the disk).
    with record_file.opened(draw.record_file.path) as split:
        if split is None:
            raise ValueError(f"the record file of {draw} is not in canonical form")
        yield split


def replacement_state(draw: DrawRecord) -> Record:
    """The record as the next replacement needs it (record.replacement_entry)."""
    if not draw.record_file:
        return draw.record
    with _split(draw) as split:
        return record_file.state_for_replacements(split, draw.record["replacements"])


def record_chunks(task: InspectionTask, *, public: bool) -> Iterator[bytes]:
    """The full record (auditors) or the public one (anyone), as canonical JSON bytes."""
    draw = DrawRecord.objects.get(task=task)  # as stored now, not as `task` cached it
    hide = task.stratification == Stratification.RISK
    if not draw.record_file:
        record = public_record(draw.record, hide_strata=hide) if public else draw.record
        yield canonical_json(record).encode("utf-8")
        return
    with _split(draw) as split:
        document: Record = dict(split.head, replacements=draw.record["replacements"])
        if public:
            document = public_record(document, hide_strata=hide, bodies=split.bodies)
        yield from record_file.chunks(document, split.bodies)


def record_dict(task: InspectionTask, *, public: bool) -> dict[str, Any]:
    """The record as Python objects: for small records (a large one is millions of them)."""
    return json.loads(b"".join(record_chunks(task, public=public)))
