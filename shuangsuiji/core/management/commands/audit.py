from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from shuangsuiji.core.audit import verify_chain
from shuangsuiji.core.models import AuditEvent


class Command(BaseCommand):
    help = "Audit log: `audit verify` recomputes the hash chain and names the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(translation.get_language() or "zh-hans")
        problem = verify_chain()
        if problem is not None:
            raise CommandError(problem.message)
        count = AuditEvent.objects.count()
        self.stdout.write(_("OK: {count} entries, chain intact").format(count=count))
