"""The dashboard's links and SVG charts, shared by its pages and the PDF report."""

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from shuangsuiji.accounts.models import Department
from shuangsuiji.rules.oversight import Bar, bar_chart

from . import selectors


class Links:
    """Query strings of the dashboard's links, keeping the organisation and the year."""

    def __init__(self, organisation: Department, year: int, admin: bool) -> None:
        self.base = {"year": year} | ({"org": organisation.pk} if admin else {})

    @property
    def base_query(self) -> str:
        return self.query()

    def query(self, **params: Any) -> str:
        return "?" + urlencode(self.base | params)

    def records(self, metric: str, key: str = "all") -> str:
        return reverse("oversight:records") + self.query(metric=metric, key=key)

    def page(self, name: str) -> str:
        return reverse(f"oversight:{name}") + self.query()


def charts(figures: selectors.Figures, links: Links, *, linked: bool = True) -> dict[str, str]:
    """The dashboard's SVG charts (markup escaped by rules.oversight); each bar links to its
    records on the page, not in the PDF."""
    def href(metric: str, key: str = "all") -> str:
        return links.records(metric, key) if linked else ""

    def coverage_bars(groups: list[selectors.Group]) -> list[Bar]:
        return [Bar(g.chart_label, g.share.part, g.share.whole,
                    href("inspected", g.key)) for g in groups]

    rates = [
        Bar(_("Coverage"), figures.coverage.part, figures.coverage.whole,
            href("inspected")),
        Bar(_("Findings rate"), figures.findings.part, figures.findings.whole,
            href("findings")),
        Bar(_("Entered on time"), figures.entry.part, figures.entry.whole,
            href("entry_on_time")),
        Bar(_("Published on time"), figures.publication.part, figures.publication.whole,
            href("publication_on_time")),
        Bar(_("Joint tasks"), figures.joint.part, figures.joint.whole,
            href("joint_tasks")),
    ]
    out = {"rates": bar_chart(rates, title=_("Rates of the year"), chart_id="chart-rates"),
           "region": bar_chart(coverage_bars(figures.by_region),
                               title=_("Coverage by region"), chart_id="chart-region"),
           "industry": bar_chart(coverage_bars(figures.by_industry),
                                 title=_("Coverage by industry"), chart_id="chart-industry"),
           "risk": bar_chart(coverage_bars(figures.by_risk),
                             title=_("Coverage by credit risk class"), chart_id="chart-risk")}
    if figures.inspectors:
        out["workload"] = bar_chart(
            [Bar(w.label, w.assignments, None, href("assignments", w.key))
             for w in figures.inspectors[:15]],
            title=_("Assignments in force per inspector"), chart_id="chart-workload")
    return {key: mark_safe(svg) for key, svg in out.items()}
