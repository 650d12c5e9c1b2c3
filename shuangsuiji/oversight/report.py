"""The annual oversight report: an Excel workbook (one sheet per section, figures and the
records behind them) and a PDF of the figures, both from `selectors.compute`."""

import io
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.styles import Font

from shuangsuiji.core import codes, sheets
from shuangsuiji.draws.pdf import html_to_pdf
from shuangsuiji.inspections.choices import PROBLEMS, ResultCategory
from shuangsuiji.rules.oversight import Share

from . import selectors
from .charts import charts

TITLES = {
    "targets": gettext_lazy("Targets of the directory that can be inspected"),
    "inspected": gettext_lazy("Targets inspected in the year"),
    "results": gettext_lazy("Results entered"),
    "findings": gettext_lazy("Results with a problem found"),
    "entry_decided": gettext_lazy("Results whose entry deadline is decided"),
    "entry_on_time": gettext_lazy("Results submitted by the entry deadline"),
    "entry_late": gettext_lazy("Results submitted late or not at all"),
    "publication_decided": gettext_lazy("Results whose publication deadline is decided"),
    "publication_on_time": gettext_lazy("Results published on time"),
    "publication_late": gettext_lazy("Results published late or not yet"),
    "overdue_entry": gettext_lazy("Results past their entry deadline, not approved"),
    "overdue_publication": gettext_lazy("Approved results past their publication deadline"),
    "overdue_follow_ups": gettext_lazy("Open follow-ups past due"),
    "assignments": gettext_lazy("Assignments in force"),
    "entered": gettext_lazy("Results of their groups entered"),
    "tasks": gettext_lazy("Tasks of the year"),
    "joint_tasks": gettext_lazy("Joint tasks (with a cooperating department)"),
    "drawn_results": gettext_lazy("Results of inspections from random draws"),
    "follow_ups": gettext_lazy("Follow-ups"),
    "follow_ups_open": gettext_lazy("Open follow-ups"),
    "follow_ups_closed": gettext_lazy("Closed follow-ups"),
    "year_results": gettext_lazy("Results due in the year"),
    "complaints": gettext_lazy("Complaints about inspections (dissatisfied integrity ratings, "
                               "objections upheld)"),
}


def metric_title(metric: str, key: str, figures: selectors.Figures) -> str:
    title = str(TITLES.get(metric, metric))
    if key == "all":
        return title
    group = figures.groups().get(key)
    work = {w.key: w for w in [*figures.inspectors, *figures.departments]}.get(key)
    unit = {f"department:{d.pk}": d for d in figures.units}.get(key)
    label = group.label if group else (work.label if work else (unit.name if unit else key))
    return f"{title} · {label}"


@dataclass
class Line:
    """A figure of the summary: `part` of `whole` (a share), or a count (whole None)."""

    label: str
    part: int
    whole: int | None
    part_metric: str
    whole_metric: str = ""

    @property
    def percent(self) -> str:
        return "" if self.whole is None else Share(self.part, self.whole).percent_text()


def summary(figures: selectors.Figures) -> list[Line]:
    f = figures
    return [
        Line(_("Coverage of the directory"), f.coverage.part, f.coverage.whole, "inspected",
             "targets"),
        Line(_("Findings rate"), f.findings.part, f.findings.whole, "findings", "results"),
        Line(_("Entered on time"), f.entry.part, f.entry.whole, "entry_on_time",
             "entry_decided"),
        Line(_("Published on time"), f.publication.part, f.publication.whole,
             "publication_on_time", "publication_decided"),
        Line(_("Joint-task share"), f.joint.part, f.joint.whole, "joint_tasks", "tasks"),
        Line(_("From random draws (逢查必抽)"), f.drawn.part, f.drawn.whole, "drawn_results",
             "results"),
        Line(_("Results past their entry deadline"), f.overdue["entry"], None,
             "overdue_entry"),
        Line(_("Approved results past their publication deadline"), f.overdue["publication"],
             None, "overdue_publication"),
        Line(_("Follow-ups past due"), f.overdue["follow_ups"], None, "overdue_follow_ups"),
        Line(_("Open follow-ups"), f.follow_ups["open"], None, "follow_ups_open"),
        Line(_("Closed follow-ups"), f.follow_ups["closed"], None, "follow_ups_closed"),
    ]


def _categories(values: list[str]) -> str:
    labels = dict(ResultCategory.choices)
    return "；".join(str(labels.get(v, v)) for v in values or [])


def _day(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _yes(flag: bool | None) -> str:
    return "" if flag is None else (_("Yes") if flag else _("No"))


def result_rows(figures: selectors.Figures) -> list[list[Any]]:
    ids = figures.ids
    listed = sorted(set(ids.get("results|all", [])) | set(ids.get("entry_decided|all", [])))
    on_entry = {pk: True for pk in ids.get("entry_on_time|all", [])} | {
        pk: False for pk in ids.get("entry_late|all", [])}
    on_pub = {pk: True for pk in ids.get("publication_on_time|all", [])} | {
        pk: False for pk in ids.get("publication_late|all", [])}
    rows = []
    for r in selectors.fetch("result", listed):
        target = r.visit.drawn_target.target
        publication = getattr(r, "publication", None)
        live = publication is not None and publication.withdrawn_at is None
        rows.append([target.name, target.uscc or "", r.visit.task.code, str(r.department),
                     _day(r.inspected_on), _categories(r.categories),
                     _yes(bool(set(r.categories or []) & set(PROBLEMS)) if r.entered_at
                          else None),
                     str(r.get_state_display()), _day(r.submitted_at),
                     _yes(on_entry.get(r.pk)), _day(publication.published_on) if live else "",
                     _yes(on_pub.get(r.pk))])
    return rows


RESULT_HEADERS = [gettext_lazy("Target"), gettext_lazy("Unified social credit code"),
                  gettext_lazy("Task"), gettext_lazy("Department"),
                  gettext_lazy("Inspected on"), gettext_lazy("Result"),
                  gettext_lazy("Problem found"), gettext_lazy("Review state"),
                  gettext_lazy("Submitted on"), gettext_lazy("Entered on time"),
                  gettext_lazy("Published on"), gettext_lazy("Published on time")]


def workbook(figures: selectors.Figures) -> bytes:
    bold = Font(bold=True)
    book = sheets.workbook(write_only=False)

    def sheet(title: str, first: bool = False) -> Any:
        ws = book.active if first else book.create_sheet()
        ws.title = title[:31]
        return ws

    def table(ws: Any, caption: str, headers: list[Any], rows: list[list[Any]]) -> None:
        if ws.max_row > 1 or ws.cell(1, 1).value is not None:
            sheets.append(ws, [])
        sheets.append(ws, [caption])
        ws.cell(ws.max_row, 1).font = bold
        sheets.append(ws, [str(h) for h in headers])
        for cell in ws[ws.max_row]:
            cell.font = bold
        for row in rows:
            sheets.append(ws, row)

    f = figures
    ws = sheet(_("Summary"), first=True)
    sheets.append(ws, [_("Oversight report {year}: {organisation}").format(
        year=f.year, organisation=f.organisation)])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    sheets.append(ws, [_("As of"), f.today.isoformat()])
    table(ws, _("Figures"), [_("Figure"), _("Count"), _("Out of"), _("Share")],
          [[line.label, line.part, line.whole, line.percent] for line in summary(f)])
    ws.column_dimensions["A"].width = 46

    ws = sheet(_("Coverage"))
    share_headers = [_("Group"), _("Targets"), _("Inspected"), _("Coverage")]
    sheets.append(ws, [_("Coverage of the directory"), f.coverage.part, f.coverage.whole,
               f.coverage.percent_text()])
    for caption, groups in ((_("By region"), f.by_region), (_("By industry"), f.by_industry),
                            (_("By credit risk class"), f.by_risk)):
        table(ws, caption, share_headers,
              [[g.label, g.share.whole, g.share.part, g.share.percent_text()] for g in groups])
    inspected = selectors.inspected(f.organisation.pk, f.year).order_by("name", "pk")
    table(ws, str(TITLES["inspected"]),
          [_("Target"), _("Unified social credit code"), _("Region code"), _("Region"),
           _("Industry code"), _("Industry"), _("Credit risk class")],
          [[t.name, t.uscc or "", t.region_code, codes.region_path(t.region_code),
            t.industry_code, codes.industry_name(t.industry_code), t.risk_class]
           for t in inspected.iterator()])
    ws.column_dimensions["A"].width = 40

    ws = sheet(_("Results"))
    sheets.append(ws, [_("Findings rate"), f.findings.part, f.findings.whole,
               f.findings.percent_text()])
    sheets.append(ws, [_("Entered on time"), f.entry.part, f.entry.whole, f.entry.percent_text()])
    sheets.append(ws, [_("Published on time"), f.publication.part, f.publication.whole,
               f.publication.percent_text()])
    table(ws, _("Results of the year"), RESULT_HEADERS, result_rows(f))
    ws.column_dimensions["A"].width = 36

    ws = sheet(_("Overdue"))
    for metric in ("overdue_entry", "overdue_publication"):
        table(ws, f"{TITLES[metric]}: {len(f.ids.get(metric + '|all', []))}",
              [_("Target"), _("Task"), _("Department"), _("Inspected on"), _("Review state")],
              [[r.visit.drawn_target.target.name, r.visit.task.code, str(r.department),
                _day(r.inspected_on), str(r.get_state_display())]
               for r in selectors.fetch("result", f.ids.get(metric + "|all", []))])
    ws.column_dimensions["A"].width = 36

    _work_sheets(f, sheet, table)

    out = io.BytesIO()
    sheets.save(book, out)
    return out.getvalue()


def _work_sheets(f: selectors.Figures, sheet: Any, table: Any) -> None:
    """Workload, tasks and follow-ups sheets."""
    ws = sheet(_("Workload"))
    table(ws, _("Per inspector"), [_("Inspector"), _("Staff code"), _("Assignments in force"),
                                   _("Results entered")],
          [[w.label, w.detail, w.assignments, w.entered] for w in f.inspectors])
    table(ws, _("Per department"), [_("Department"), _("Assignments in force"),
                                    _("Results entered")],
          [[w.label, w.assignments, w.entered] for w in f.departments])
    ws.column_dimensions["A"].width = 24

    ws = sheet(_("Tasks"))
    sheets.append(ws, [_("Joint-task share"), f.joint.part, f.joint.whole, f.joint.percent_text()])
    table(ws, str(TITLES["tasks"]), [_("Task code"), _("Task name"), _("Initiating"),
                                     _("Period from"), _("Period to"), _("Joint")],
          [[t.code, t.name, str(t.initiating), _day(t.period_start), _day(t.period_end),
            _yes(t.pk in set(f.ids.get("joint_tasks|all", [])))]
           for t in selectors.fetch("task", f.ids.get("tasks|all", []))])
    ws.column_dimensions["B"].width = 36

    ws = sheet(_("Follow-ups"))
    sheets.append(ws, [_("Open"), f.follow_ups["open"], _("Closed"), f.follow_ups["closed"],
               _("Past due"), f.follow_ups["overdue"]])
    table(ws, str(TITLES["follow_ups"]),
          [_("Follow-up"), _("Target"), _("Task"), _("Owner"), _("Due on"), _("State"),
           _("Closed on")],
          [[str(x.get_kind_display()), x.inspection.visit.drawn_target.target.name,
            x.inspection.visit.task.code, str(x.owner), _day(x.due_on),
            str(x.get_state_display()), _day(x.closed_on)]
           for x in selectors.fetch("follow_up", f.ids.get("follow_ups|all", []))])
    ws.column_dimensions["B"].width = 36


def pdf(figures: selectors.Figures, links: Any) -> bytes:
    drawn = charts(figures, links, linked=False)
    coverage = [(_("By region"), figures.by_region, drawn["region"]),
                (_("By industry (GB/T 4754 section)"), figures.by_industry, drawn["industry"]),
                (_("By credit risk class"), figures.by_risk, drawn["risk"])]
    html = render_to_string("oversight/report_pdf.html", {
        "figures": figures, "summary": summary(figures), "charts": drawn,
        "coverage": coverage})
    return html_to_pdf(html)
