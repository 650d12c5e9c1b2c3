"""Times in query strings: any ISO 8601 offset is accepted and compared in UTC."""

import pytest

from .conftest import ApiWorld, client_for


@pytest.mark.parametrize(("since", "listed"), [
    ("2000-01-01T00:00:00-22:17", True),  # beyond PostgreSQL's ±15:59, still a valid time
    ("2999-01-01T00:00:00+23:59", False),
])
def test_a_far_offset_is_compared_in_utc(api_world: ApiWorld, since: str, listed: bool):
    office = client_for(api_world.user("office"))
    targets = office.get("/api/v1/targets/", {"updated_since": since})
    assert targets.status_code == 200
    assert (api_world.rfb.target.pk in {t["id"] for t in targets.json()["results"]}) is listed
    audit = office.get("/api/v1/audit/", {"since": since})
    assert audit.status_code == 200 and bool(audit.json()["results"]) is listed


def test_a_time_that_leaves_the_calendar_in_utc_is_a_field_error(api_world: ApiWorld):
    response = client_for(api_world.user("office")).get(
        "/api/v1/targets/", {"updated_since": "0001-01-01T00:00:00+01:00"})
    assert response.status_code == 400 and list(response.json()) == ["updated_since"]
