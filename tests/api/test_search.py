"""Search through the APIs: the target directory's `q`, `code` and `name`, and the public
results' `q`, `code` and `name`; codes however typed, any part of a name of two characters or
more, LIKE wildcards literal; on SQLite and PostgreSQL."""

import pytest
from rest_framework.test import APIClient

from tests.entities.test_search import add_targets
from tests.portal.test_search import add_results
from tests.search_cases import CODES_TYPED, LUTAISHAN, NAME_PARTS

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return sorted(r.get("name") or r["entity_name"] for r in response.json()["results"])


@pytest.mark.parametrize(("q", "found"), CODES_TYPED + NAME_PARTS)
def test_the_target_list_q_searches_like_the_directory_page(world, q, found):
    add_targets(world)
    client = APIClient()
    client.force_login(world.users["office"])
    assert names(client.get("/api/v1/targets/", {"q": q})) == sorted(found)


@pytest.mark.parametrize(("params", "found"), [
    *[({"code": typed}, found) for typed, found in CODES_TYPED],
    *[({"name": part}, found) for part, found in NAME_PARTS],
])
def test_the_target_list_code_and_name_filters(world, params, found):
    add_targets(world)
    client = APIClient()
    client.force_login(world.users["office"])
    assert names(client.get("/api/v1/targets/", params)) == sorted(found)


@pytest.mark.parametrize(("params", "found"), [
    *[({"q": typed}, found) for typed, found in CODES_TYPED],
    *[({"code": typed}, found) for typed, found in CODES_TYPED],
    *[({"q": part}, found) for part, found in NAME_PARTS],
    *[({"name": part}, found) for part, found in NAME_PARTS],
])
def test_the_public_results_search_the_same_way(world, params, found):
    add_results(world)
    assert names(APIClient().get("/api/v1/public/results/", params)) == sorted(found)


def test_the_public_results_ask_for_two_characters(world):
    add_results(world)
    response = APIClient().get("/api/v1/public/results/", {"q": "鹿"})
    assert response.status_code == 400 and "q" in response.json()
    assert names(APIClient().get("/api/v1/public/results/", {"q": "鹿台"})) == [LUTAISHAN]
