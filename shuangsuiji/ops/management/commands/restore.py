import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from shuangsuiji.ops import backups

STEPS = ["checksums", "database", "files", "checks"]


class Command(BaseCommand):
    help = ("Restore an archive made by `backup` into the empty database DATABASE_URL names and "
            "the data directory, then recompute the audit chain and verify every draw record. "
            "Exits 1 if any check fails.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        with tqdm(total=len(STEPS), desc="restore", file=sys.stderr, leave=False) as bar:
            def step(name: str) -> None:
                bar.set_postfix_str(name)
                bar.update(1)

            try:
                done = backups.restore(Path(options["file"]), progress=step)
            except backups.BackupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"files {done.files}\naudit head {done.head}\n"
                          f"draw records verified {done.records}")
        if done.problems:
            raise CommandError("\n".join(done.problems))
        self.stdout.write("OK")
