"""`shuangsuiji export results FILE --channel national|city --department CODE`: a batch of the
published results not yet sent to the channel, recorded like a batch made on the page."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from shuangsuiji.accounts.models import Department

from . import services
from .models import Channel


def export_results(*, path: Path, channel: str | None, department: str | None,
                   stdout: Any, stderr: Any, progress: bool = True) -> int:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in services.FORMATS:
        raise CommandError(_("The file name must end in .xlsx or .csv."))
    if channel not in Channel.values:
        raise CommandError(_("Name the channel: --channel {choices}.").format(
            choices=" | ".join(Channel.values)))
    if not department:
        raise CommandError(_("Name the publishing organisation: --department CODE."))
    organisation = Department.objects.filter(code=department).first()
    if organisation is None:
        raise CommandError(_("No department with the code {code}.").format(code=department))
    org_id = organisation.root_id or organisation.pk
    total = services.pending_for_channel(organisation_id=org_id, channel=channel).count()
    # The raw stream: Django's OutputWrapper would end every progress update with a newline.
    with tqdm(total=total, unit=_("results"), file=getattr(stderr, "_out", stderr),
              disable=not progress) as bar:
        batch = services.export_batch_create(actor=None, organisation=organisation,
                                             channel=channel, fmt=fmt, progress=bar.update)
    with batch.file.open("rb") as stored, path.open("wb") as out:
        out.write(stored.read())
    stdout.write(_("{count} results written to {path} (batch {id}, SHA-256 {sha})").format(
        count=batch.size, path=path, id=batch.pk, sha=batch.sha256))
    return batch.size
