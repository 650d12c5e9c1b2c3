"""`shuangsuiji notices deliver|remind`: deliver the outbox once; write the day's reminders."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from shuangsuiji.notices import outbox, reminders


class Command(BaseCommand):
    help = ("deliver: send the notices that are due, once (the worker does it by itself; "
            "cron may too). remind: write the reminders of deadlines and overdue items due "
            "today (once each, however often it runs).")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="send the notices that are due")
        deliver.add_argument("--limit", type=int, default=500)
        sub.add_parser("remind", help="write today's reminders and overdue notices")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "deliver":
            done = outbox.deliver_due(limit=options["limit"])
            self.stdout.write(f"sent {done.sent}, to retry {done.retrying}, "
                              f"failed {done.failed}, stuck marked failed {done.expired}")
        else:
            written = reminders.reminders_write(today=timezone.localdate())
            self.stdout.write(f"notices written: {written}")
