import unicodedata
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangsuiji.demo import builder
from shuangsuiji.plans.choices import TaskState

LABELS = {
    "departments": gettext_lazy("departments"), "users": gettext_lazy("users"),
    "items": gettext_lazy("inspection items"), "targets": gettext_lazy("targets"),
    "contacts": gettext_lazy("contacts"), "inspectors": gettext_lazy("inspectors"),
    "conflicts": gettext_lazy("conflicts of interest"), "plans": gettext_lazy("annual plans"),
    "tasks": gettext_lazy("inspection tasks"), "frozen": gettext_lazy("tasks frozen"),
    "draws": gettext_lazy("draws held"), "replacements": gettext_lazy("replacements"),
    "results": gettext_lazy("inspection results"),
}


class Command(BaseCommand):
    help = ("Build the demo world (the 晋城市人民防空办公室 plan of the current year, an earlier "
            "task already drawn, the seed's joint task ready for its public draw, all dated "
            "from today) on an empty database and print the demo accounts. Running it again "
            "changes nothing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/",
                            help="Where the server will listen, for the sign-in hint.")
        parser.add_argument(
            "--date", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
            help="Tell the plan and the tasks from this day instead of today (2023-03-31: the "
                 "seed's own 2023 office). Draws are still held now.")
        parser.add_argument("--force", action="store_true",
                            help="Add the demo data even to a production configuration or a "
                                 "database with other accounts.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_(
                "This is a production configuration (DJANGO_DEBUG is off) and the demo accounts "
                "have published passwords; use --force to add them anyway."))
        world = builder.load_world()
        foreign = builder.foreign_usernames(world)
        if foreign and not options["force"]:
            # Demo accounts have published passwords: never slip them into a real installation.
            raise CommandError(_(
                "This database already has accounts that are not the demo's ({names}). The "
                "demo is meant for an empty database; use --force to add it anyway."
            ).format(names=", ".join(foreign[:5]) + ("…" if len(foreign) > 5 else "")))
        report = builder.build(world=world, on=options["date"])
        if report.created:
            parts = [f"{LABELS.get(name, name)} {count}" for name, count in report.created.items()]
            self.stdout.write(_("Demo data created: {parts}").format(parts=", ".join(parts)))
        else:
            self.stdout.write(_("The demo data is already in place; nothing was changed."))
        self.stdout.write("")
        self.stdout.write(self._table(report.accounts))
        self.stdout.write("")
        self.stdout.write(_("Sign in at {url} with one of these accounts.").format(
            url=options["url"]))
        example = report.inspector_example
        if report.inspector_password:
            self.stdout.write(_(
                "Every other inspector of the directory signs in with their staff code in lower "
                "case and the password {pattern}{example}.").format(
                    pattern=report.inspector_password.replace("{username}", _("<code>")),
                    example=_(" (for example {user} / {password})").format(
                        user=example.username, password=example.password) if example else ""))
        hints = self._hints(report, options["url"])
        if hints:
            self.stdout.write("")
            self.stdout.write("\n".join(hints))

    def _hints(self, report: builder.Report, base: str) -> list[str]:
        """Where to go next: the task ready for its public draw first, then the others."""
        def url(name: str, pk: int) -> str:
            return base.rstrip("/") + reverse(name, kwargs={"pk": pk})

        office = report.office
        ready = [t for t in report.tasks if t.state == TaskState.FROZEN]
        hints = [_("Try this: sign in as {user} ({department}) and hold the public draw "
                   "(公开摇号) of task {code} at {url}").format(
                       user=office.username if office else "office",
                       department=office.department if office else "—", code=task.code,
                       url=url("draws:ceremony", task.pk)) for task in ready]
        for task in report.tasks:
            if task.state == TaskState.DRAFT and task.invited_by:
                hints.append(_("{organisation} invites the office into its joint task {code}: "
                               "sign in as {user} and answer at {url}").format(
                    organisation=task.invited_by, code=task.code,
                    user=office.username if office else "office",
                    url=url("plans:task_detail", task.pk)))
            elif task.state == TaskState.DRAFT:
                hints.append(_("Task {code} is a draft to edit, freeze and draw: {url}").format(
                    code=task.code, url=url("plans:task_detail", task.pk)))
            elif task.state != TaskState.FROZEN:
                hints.append(_("Task {code} has been drawn; its targets, groups, replacements "
                               "(替补) and record: {url}").format(
                                   code=task.code, url=url("draws:result", task.pk)))
                hints.append(_("Its inspections (results entered, reviewed, a follow-up): "
                               "{url}").format(url=url("inspections:task", task.pk)))
        hints.append(_("The entity portal (企业端): {url} — an entity of a drawn task signs in "
                       "with its unified social credit code; the one-time code goes to its "
                       "recorded contact and, on the demo, is printed by `shuangsuiji notices "
                       "deliver`.").format(
                           url=base.rstrip("/") + reverse("entityportal:sign_in")))
        return hints

    def _table(self, accounts: list[builder.Account]) -> str:
        header = [_("User name"), _("Password"), _("Role"), _("Department")]
        rows = [[a.username, _("(changed since)") if a.password_changed else a.password,
                 a.role, a.department or "—"] for a in accounts]
        widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
        lines = [_line(header, widths), "  ".join("-" * w for w in widths)]
        lines += [_line(row, widths) for row in rows]
        return "\n".join(lines)


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))
