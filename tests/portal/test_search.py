"""The portal's one search box: a code however typed, or any part of the name (two characters or
more), newest first and paged by cursor; on SQLite and PostgreSQL (two ways there: walking
the newest results, or the bigram index for a rare name part)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from shuangsuiji.portal import selectors
from shuangsuiji.publication.models import PublishedResult
from shuangsuiji.rules.uscc import make_valid
from tests.search_cases import CODES_TYPED, LUTAISHAN, LUTAISHAN_CODE, NAME_PARTS, OTHERS

pytestmark = pytest.mark.django_db


def publish(world, name: str, code: str, day: date) -> PublishedResult:  # type: ignore
    return PublishedResult.objects.create(
        organisation=world.office, department_name="法宣科", task_code="RFB-2025-01",
        task_name="2025年人防工程双随机抽查", entity_name=name, uscc=code,
        category_text="未发现问题", published_on=day)


def add_results(world) -> dict[str, PublishedResult]:  # type: ignore[no-untyped-def]
    published = {LUTAISHAN: publish(world, LUTAISHAN, LUTAISHAN_CODE, date(2025, 6, 1))}
    for i, name in enumerate(OTHERS):
        published[name] = publish(world, name, make_valid(f"91140500MA0K{i:04d}X"),
                                  date(2025, 5, 1) + timedelta(days=i))
    return published


@pytest.fixture
def results(world) -> dict[str, PublishedResult]:
    return add_results(world)


def found(q: str = "", **terms: str) -> list[str]:
    page = selectors.search_results(selectors.ResultQuery(q=q, **terms), limit=100)
    return [r.entity_name for r in page.rows]


@pytest.mark.parametrize(("typed", "names"), CODES_TYPED)
def test_a_code_is_found_however_it_is_typed(results, typed, names):
    assert found(typed) == names
    assert found(code=typed) == names


def test_a_code_is_looked_up_exactly_not_as_a_name(results, world):
    publish(world, f"{LUTAISHAN_CODE}商贸有限公司", make_valid("91140500MA0K9999X"),
            date(2025, 1, 1))
    assert found(LUTAISHAN_CODE) == [LUTAISHAN]
    assert found("91140521MA0GF82U3X") == []  # another code: none, not a name search


@pytest.mark.parametrize(("q", "names"), NAME_PARTS)
def test_any_part_of_the_name_of_two_characters_or_more_is_found(results, q, names):
    assert sorted(found(q)) == sorted(names)
    assert sorted(found(name=q)) == sorted(names)


def test_the_results_are_newest_first(results):
    assert found("有限") == [r.entity_name for r in sorted(
        results.values(), key=lambda r: (r.published_on, r.pk), reverse=True)]


@pytest.mark.parametrize(("few", "walk"), [
    (-1, 10_000),  # PostgreSQL walks the newest results
    (-1, 3),  # it walks, finds too few, and asks the bigram index
    (10_000, 10_000),  # it asks the bigram index at once
])
def test_a_name_search_pages_by_cursor_without_repeating_or_skipping(world, monkeypatch, few,
                                                                     walk):
    """The same pages whichever way the database takes."""
    monkeypatch.setattr(selectors, "NAME_FEW", few)
    monkeypatch.setattr(selectors, "NAME_WALK", walk)
    for i in range(60):
        name = f"晋城市翻页{i % 7}测试有限公司" if i % 3 else f"晋城市其他{i}有限公司"
        publish(world, name, make_valid(f"91140500MA0K{i:04d}X"),
                date(2025, 1, 1) + timedelta(days=i % 4))
    expected = [r.pk for r in sorted(PublishedResult.objects.filter(entity_name__contains="翻页"),
                                     key=lambda r: (r.published_on, r.pk), reverse=True)]
    seen, cursor = [], ""
    for _page in range(10):
        page = selectors.search_results(selectors.ResultQuery(q="翻页"), cursor=cursor, limit=7)
        seen += [r.pk for r in page.rows]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == expected and len(expected) == 40


# Names made as a province's are (county or city, brand, trade, legal form), so that a three- or
# four-character part can span two of them; the lookalikes hold a part's bigrams, or all but
# one of its characters, without the part itself.
RARE_NAMES = [
    "沁水县鹿台山物业管理有限公司", "阳城县鹿台山物业管理有限公司", "沁水县鹿台商贸有限公司",
    "阳城县鹿鸣台山商贸有限公司",  # 县鹿 and 台山, not 县鹿台山
    "泽州县台山鹿物业管理有限公司",  # 台山 and 山物 apart
    "高平市鹿台山物流有限公司", "沁水县鹿 台山物业有限公司", "陵川县兴达鹿台山煤业有限公司",
]
RARE_PARTS = [
    "县鹿台",  # the county's last character and the brand
    "水县鹿台",  # four characters across the county and the brand
    "台山物",  # the brand and the trade
    "鹿台山物",
    "山物业管",  # the brand's last character and the trade
    "达鹿台",  # two brands
    " 县鹿台山 ",  # spaces around what is typed are dropped
    "鹿 台山",  # a space inside is a character of the name
    "鹿台山商",  # none: its bigrams are in names (台山商 in one), never all together
]


@pytest.mark.parametrize("way", [
    {"NAME_FEW": 10**9},  # the bigram index at once
    {"NAME_FEW": -1},  # a walk that finds the page
    {"NAME_FEW": -1, "NAME_WALK": 7, "NAME_WALK_MAX": 10_000},  # a walk that reads on
    {"NAME_FEW": -1, "NAME_WALK": 7, "NAME_WALK_MAX": 20},  # reads on, or not, then the index
    # Too few: the index month by month, then the older months at once.
    {"NAME_FEW": -1, "NAME_WALK": 7, "NAME_WALK_MAX": 0},
    {"NAME_FEW": -1, "NAME_WALK": 7, "NAME_WALK_MAX": 0, "NAME_MONTHS": 2},
    {"NAME_FEW": -1, "NAME_WALK": 7, "NAME_WALK_MAX": 0, "NAME_MONTHS": 0},
])
def test_a_rare_part_of_three_or_four_characters_finds_exactly_its_rows(world, monkeypatch,
                                                                       way):
    """Among many results a rare part finds the rows holding it and no other, newest first,
    page after page, whichever way the database takes."""
    for name, value in way.items():
        monkeypatch.setattr(selectors, name, value)
    for i in range(120):
        name = RARE_NAMES[i % len(RARE_NAMES)] if i % 3 == 0 else f"晋城市其他{i}商贸有限公司"
        # Over seven months, some days with several results.
        publish(world, name, make_valid(f"91140500MA0K{i:04d}X"),
                date(2025, 1, 1) + timedelta(days=23 * (i % 10)))
    everything = sorted(PublishedResult.objects.all(), key=lambda r: (r.published_on, r.pk),
                        reverse=True)
    for q in RARE_PARTS:
        expected = [r.pk for r in everything if q.strip() in r.entity_name]
        seen, cursor = [], ""
        for _page in range(20):
            page = selectors.search_results(selectors.ResultQuery(q=q), cursor=cursor, limit=4)
            seen += [r.pk for r in page.rows]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert seen == expected, q
        assert (len(expected) > 0) == (q != "鹿台山商"), q


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings")
def test_the_bigram_search_leaves_the_planner_as_it_was(results, monkeypatch):
    monkeypatch.setattr(selectors, "NAME_WALK", 1)
    assert found("鹿台") == [LUTAISHAN]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


def test_the_page_finds_a_code_and_a_name_part(results, anonymous):
    url = reverse("portal:results")
    for q in (LUTAISHAN_CODE.lower(), "鹿台", "台山物业"):
        html = anonymous.get(url, {"q": q}).content.decode()
        assert LUTAISHAN in html and "兴达" not in html, q
    # The addresses of the former separate boxes still answer.
    assert LUTAISHAN in anonymous.get(url, {"name": LUTAISHAN_CODE}).content.decode()
    assert LUTAISHAN in anonymous.get(url, {"code": LUTAISHAN_CODE}).content.decode()


def test_the_page_asks_for_two_characters(results, anonymous):
    response = anonymous.get(reverse("portal:results"), {"q": "鹿"})
    assert response.status_code == 200
    assert "q" in response.context["form"].errors
    assert not response.context["cards"]  # not every result


def test_the_home_page_box_searches_names_and_codes(results, anonymous):
    html = anonymous.get(reverse("portal:index")).content.decode()
    assert 'name="q"' in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's bigram function")
@pytest.mark.parametrize("text", ["鹿台山", "abc商贸", "ABC", "100%_x", "Straße", "ǅemal"])
def test_the_query_bigrams_are_the_databases(text):
    from shuangsuiji.core import search

    with connection.cursor() as cursor:
        cursor.execute("SELECT shuangsuiji_bigrams(%s)", [text])
        assert search._bigrams(text) == set(cursor.fetchone()[0])
