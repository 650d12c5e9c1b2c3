"""`shuangsuiji export items FILE.xlsx`: the item list with the import's Chinese headers."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.imports import exports


class Command(BaseCommand):
    help = ("Export data as a file that the import reads back: `export items FILE.xlsx` "
            "writes the inspection item list.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["items"])
        parser.add_argument("file", help="the .xlsx file to write")
        parser.add_argument("--department", metavar="CODE",
                            help="only the items of this department's organisation")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
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
