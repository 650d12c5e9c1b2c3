"""`shuangsuiji export items|results FILE`: the item list with the import's Chinese headers, or
a batch of published results. It lives in the publication app, the higher of the two it serves."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.imports import exports
from shuangsuiji.publication.cli import export_results


class Command(BaseCommand):
    help = ("Export data as a file that the import reads back: `export items FILE.xlsx` "
            "writes the inspection item list; `export results FILE.xlsx|.csv --channel "
            "national|city --department CODE` a batch of published results for a credit "
            "platform.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["items", "results"])
        parser.add_argument("file", help="the .xlsx (or, for results, .csv) file to write")
        parser.add_argument("--department", metavar="CODE",
                            help="only the items of this department's organisation; for "
                                 "results, the publishing organisation")
        parser.add_argument("--channel", choices=["national", "city"],
                            help="results: the channel the batch is for (publication app)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if options["what"] == "results":
            export_results(path=path, channel=options["channel"],
                           department=options["department"], stdout=self.stdout,
                           stderr=self.stderr, progress=not options["no_progress"])
            return
        if path.suffix.lower() != ".xlsx":
            raise CommandError(_("The file name must end in .xlsx."))
        items = exports.items_for_export()
        if options["department"]:
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(_("No department with the code {code}.").format(
                    code=options["department"]))
            items = items.filter(department__root_id=department.root_id)
        with path.open("wb") as out:
            count = exports.items_xlsx(items, out)
        self.stdout.write(_("{count} items written to {path}").format(count=count, path=path))
