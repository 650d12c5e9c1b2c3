"""The target directory's search box: a code however typed (whole or its start), or any part
of the name from two characters on, LIKE wildcards taken literally; on SQLite and PostgreSQL
(the bigram index there). The API's `q` is tests/api/test_search.py."""

import pytest
from django.urls import reverse

from shuangsuiji.entities.services import target_create
from shuangsuiji.rules.uscc import make_valid
from tests.search_cases import CODES_TYPED, LUTAISHAN, LUTAISHAN_CODE, NAME_PARTS, OTHERS

pytestmark = pytest.mark.django_db


def add_targets(world) -> None:  # type: ignore[no-untyped-def]
    office = world.users["office"]
    target_create(actor=office, department_id=world.office.pk,
                  data={"uscc": LUTAISHAN_CODE, "name": LUTAISHAN})
    for i, name in enumerate(OTHERS):
        target_create(actor=office, department_id=world.office.pk,
                      data={"uscc": make_valid(f"91140500MA0K{i:04d}X"), "name": name})


@pytest.mark.parametrize(("q", "names"), CODES_TYPED + NAME_PARTS)
def test_the_list_page_finds_a_code_or_any_part_of_the_name(client, world, q, names):
    add_targets(world)
    client.force_login(world.users["office"])
    response = client.get(reverse("entities:list"), {"q": q})
    assert response.status_code == 200
    assert sorted(t.name for t in response.context["page"]) == sorted(names)


def test_the_search_box_says_what_it_takes(client, world):
    client.force_login(world.users["office"])
    html = client.get(reverse("entities:list")).content.decode()
    assert "名称的任意部分，或统一社会信用代码" in html
