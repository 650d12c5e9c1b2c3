import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shuangsuiji.draws.services import record_download, record_stream
from shuangsuiji.plans.models import InspectionTask


class Command(BaseCommand):
    help = ("Draw records: `draw export TASK_CODE [--public]` writes a task's record as JSON "
            "to standard output. (`shuangsuiji draw verify RECORD.json` needs no database.)")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the record of a drawn task as JSON")
        export.add_argument("task_code")
        export.add_argument("--public", action="store_true",
                            help="the public version 1.1 (protocol §9): no pool lines, no risk "
                                 "classes, no conflicts; the full record's download is audited")

    def handle(self, *args: Any, **options: Any) -> None:
        task = InspectionTask.objects.filter(code=options["task_code"]).first()
        if task is None:
            raise CommandError(_("No task with code {code}.").format(code=options["task_code"]))
        if not hasattr(task, "draw"):
            raise CommandError(_("Task {code} has not been drawn yet.").format(code=task.code))
        sys.stdout.flush()
        chunks = (record_stream(task, public=True) if options["public"]
                  else record_download(actor=None, task=task, via="cli"))
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.write(b"\n")
        sys.stdout.buffer.flush()
