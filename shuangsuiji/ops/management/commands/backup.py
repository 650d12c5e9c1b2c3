import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from shuangsuiji.ops import backups

STEPS = ["database", "checksums", "archive"]


class Command(BaseCommand):
    help = ("Back up the database, the private files and the audit anchors into one archive "
            "with a SHA-256 manifest: `backup [FILE]` (default shuangsuiji-YYYYmmdd-HHMMSS.tar "
            "in the current directory); FILE.sha256 is written beside it.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["file"] or
                   f"shuangsuiji-{timezone.localtime():%Y%m%d-%H%M%S}.tar").resolve()
        with tqdm(total=len(STEPS), desc="backup", file=sys.stderr, leave=False) as bar:
            def step(name: str) -> None:
                bar.set_postfix_str(name)
                bar.update(1)

            try:
                made = backups.backup(out, progress=step)
            except backups.BackupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"{made.path}\nsha256 {made.sha256}\nfiles {made.files}\n"
                          f"audit head {made.head}")
