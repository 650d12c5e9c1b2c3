"""`shuangsuiji imports expire [--minutes N]`: mark failed the imports whose worker was stopped.

An import checking or committing with no progress (heartbeat) for longer than
SHUANGSUIJI_IMPORT_STUCK_MINUTES is marked failed with the reason, its staged rows deleted,
and each one audited. Safe to run from cron: a running import keeps its heartbeat fresh.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from shuangsuiji.imports import services


class Command(BaseCommand):
    help = ("Imports: `expire` marks failed the imports with no progress for longer than "
            "SHUANGSUIJI_IMPORT_STUCK_MINUTES (their worker was stopped) and deletes their "
            "staged rows.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["expire"])
        parser.add_argument("--minutes", type=int, default=None,
                            help="no progress for this long (default: the setting)")

    def handle(self, *args: Any, **options: Any) -> None:
        expired = services.expire_stuck_jobs(minutes=options["minutes"])
        for job in expired:
            self.stdout.write(_("Import {id} ({file}) expired: {reason}").format(
                id=job.pk, file=job.original_name, reason=job.message))
        self.stdout.write(_("{count} imports expired.").format(count=len(expired)))
