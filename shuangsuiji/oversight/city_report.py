"""The city's annual report (联席会议办公室): every organisation's figures of a year, by
department, region and industry, the 考评 table and the inspections per entity, as an Excel
workbook and a PDF, both from `city.compute` (the page's own figures)."""

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl.styles import Font

from shuangsuiji.core import sheets
from shuangsuiji.draws.pdf import html_to_pdf

from .city import SHARES, CityFigures, Unit


def share_headers() -> list[str]:
    return [_("Results entered of those due"), _("Findings rate"), _("Entered on time"),
            _("Published on time"), _("Joint-task share")]


def criterion_labels() -> list[str]:
    return [_("Plan completion"), _("Published on time"), _("Joint-task share"),
            _("Complaints about inspections")]


def _unit_name(u: Unit) -> str:
    return str(u.department) if u.is_organisation else f"  {u.department}"


def _score(points: Any) -> str:
    return "—" if points is None else str(points)


def workbook(city: CityFigures) -> bytes:
    bold = Font(bold=True)
    book = sheets.workbook(write_only=False)

    def sheet(title: str, first: bool = False) -> Any:
        ws = book.active if first else book.create_sheet()
        ws.title = title[:31]
        ws.column_dimensions["A"].width = 40
        return ws

    def header(ws: Any, cells: list[Any]) -> None:
        sheets.append(ws, [str(c) for c in cells])
        for cell in ws[ws.max_row]:
            cell.font = bold

    ws = sheet(_("Summary"), first=True)
    sheets.append(ws, [_("City oversight report {year}").format(year=city.year)])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    sheets.append(ws, [_("As of"), city.today.isoformat()])
    header(ws, [_("Figure"), _("Count"), _("Out of"), _("Share")])
    for label, name in ((_("Coverage of the directory"), "coverage"),
                        (_("Findings rate"), "findings"), (_("Entered on time"), "entry"),
                        (_("Published on time"), "publication"),
                        (_("Joint-task share"), "joint"),
                        (_("From random draws (逢查必抽)"), "drawn")):
        share = city.totals[name]
        sheets.append(ws, [label, share.part, share.whole, share.percent_text()])

    ws = sheet(_("By department"))
    header(ws, [_("Department"), *[h for head in share_headers()
                                   for h in (head, _("Count"), _("Out of"))]])
    for u in city.units:
        sheets.append(ws, [_unit_name(u), *[v for name in SHARES for v in (
            u.figures[name].percent_text(), u.figures[name].part, u.figures[name].whole)]])

    ws = sheet(_("Evaluation"))
    c = city.criteria
    sheets.append(ws, [_("Criteria"), *[f"{label}: {w} / {t}" for label, w, t in zip(
        criterion_labels(),
        (c.plan_weight, c.publication_weight, c.joint_weight, c.complaints_weight),
        (c.plan_target, c.publication_target, c.joint_target, c.complaints_target),
        strict=True)]])
    header(ws, [_("Department"), *[h for label in criterion_labels()
                                   for h in (label, _("Points"))], _("Total")])
    for u in city.units:
        sheets.append(ws, [_unit_name(u), *[v for s in u.card.scores for v in (
            "—" if s.value is None else str(s.value), _score(s.points))],
            _score(u.card.total)])

    for title, groups in ((_("By region"), city.by_region),
                          (_("By industry"), city.by_industry)):
        ws = sheet(title)
        header(ws, [_("Group"), _("Targets"), _("Inspected"), _("Coverage"),
                    _("Of each organisation")])
        for g in groups:
            sheets.append(ws, [g.label, g.share.whole, g.share.part, g.share.percent_text(),
                               "；".join(f"{org}: {s.part}/{s.whole}" for org, s in g.parts)])

    ws = sheet(_("Inspections per entity"))
    sheets.append(ws, [_("Yearly cap per entity"), city.cap])
    header(ws, [_("Inspections in the year"), _("Entities"), _("Over the cap")])
    for b in city.burden:
        sheets.append(ws, [b.times, b.entities, _("Yes") if b.over_cap else ""])

    out = io.BytesIO()
    sheets.save(book, out)
    return out.getvalue()


def pdf(city: CityFigures) -> bytes:
    html = render_to_string("oversight/city_report_pdf.html", {
        "city": city, "share_headers": share_headers(), "criterion_labels": criterion_labels(),
        "shares": SHARES})
    return html_to_pdf(html)
