"""`shuangsuiji deliveries send|export-supervision`: push what is due; make a 监管行为数据 file."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuangsuiji.accounts.models import Department
from shuangsuiji.exchange import outbox, services


class Command(BaseCommand):
    help = ("send: write the deliveries now due and push them to the configured systems "
            "(signed, retried with backoff; run it from cron or a loop). export-supervision: "
            "write a 监管行为数据 JSON-lines file of an organisation's results not yet in one.")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="push the deliveries that are due")
        send.add_argument("--limit", type=int, default=500)
        export = sub.add_parser("export-supervision", help="write a 监管行为数据 file")
        export.add_argument("organisation", help="the organisation's department code")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "send":
            done = outbox.deliver_due(limit=options["limit"])
            self.stdout.write(f"written {done.written}, sent {done.sent}, to retry "
                              f"{done.retrying}, failed {done.failed}, stuck put back "
                              f"{done.returned}")
            return
        organisation = Department.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No department with code {options['organisation']!r}.")
        batch = services.supervision_batch_create(actor=None, organisation=organisation)
        self.stdout.write(f"{batch.file.name}: {batch.size} results, {batch.records} records, "
                          f"sha256 {batch.sha256}")
