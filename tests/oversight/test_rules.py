"""The oversight arithmetic: shares, on-time decisions, year buckets, sections, the chart."""

from datetime import date
from decimal import Decimal

import pytest

from shuangsuiji.rules import oversight as r


def test_shares_round_half_up_and_know_when_they_cannot_be_stated():
    assert r.Share(1, 3).percent == Decimal("33.3")
    assert r.Share(2, 3).percent_text() == "66.7%"
    assert r.Share(1, 8).percent_text() == "12.5%"
    assert r.Share(1, 16).percent_text() == "6.3%"  # 6.25 → 6.3, half up
    assert r.Share(0, 0).percent is None and r.Share(0, 0).percent_text() == "—"
    assert r.Share(1, 2) + r.Share(1, 3) == r.Share(2, 5)
    assert r.safe_div(1, 0) is None and r.safe_div(1, 4) == Decimal("0.25")
    with pytest.raises(ValueError):
        r.Share(3, 2)


def test_on_time_is_decided_when_done_or_past_due():
    due = date(2026, 12, 11)
    assert r.on_time(date(2026, 12, 11), due, date(2026, 12, 1)) is True
    assert r.on_time(date(2026, 12, 12), due, date(2026, 12, 20)) is False
    assert r.on_time(None, due, due) is None  # the due day is still in time
    assert r.on_time(None, due, date(2026, 12, 12)) is False
    assert r.is_overdue(False, due, date(2026, 12, 12)) and not r.is_overdue(True, due,
                                                                             date(2027, 1, 1))


def test_a_result_counts_in_its_inspection_year_or_its_tasks():
    assert r.year_of(date(2027, 1, 3), date(2026, 11, 1)) == 2027
    assert r.year_of(None, date(2026, 11, 1)) == 2026


@pytest.mark.parametrize("code,section", [("E4811", "E"), ("4811", "E"), ("0511", "A"),
                                          ("C", "C"), ("1310", "C"), ("4310", "C"),
                                          ("9700", "T"), ("", "?"), ("9999", "?"),
                                          ("x12", "?"), (" f5211 ", "F")])
def test_industry_sections(code, section):
    assert r.industry_section(code) == section


def test_regions_fold_to_the_county():
    assert r.region_key("140502100000") == "140502"
    assert r.fold({"140502": 2, "140502100000": 1, "": 4}, r.region_key) == {"140502": 3,
                                                                              "": 4}


def test_the_chart_escapes_its_text_and_draws_one_bar_each():
    svg = r.bar_chart([r.Bar("<b>甲</b>", 1, 4, href="/x?a=1&b=2"), r.Bar("乙", 3, 4)],
                      title="覆盖率 & more")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<b>" not in svg and "&lt;b&gt;甲&lt;/b&gt;" in svg
    assert "覆盖率 &amp; more" in svg and 'href="/x?a=1&amp;b=2"' in svg
    assert svg.count('class="chart-bar"') == 2
    assert "1/4 (25.0%)" in svg and "3/4 (75.0%)" in svg
    assert r.bar_chart([], title="空").count("<rect") == 0
