"""The working-day calendar's tests: a client signed in as any role of the `world`."""

import pytest
from django.test import Client

from shuangsuiji.rules.workdays import package_years

# The first year the installed chinese-calendar knows nothing about (2027 with version 1.11).
FUTURE = package_years().stop


@pytest.fixture
def login(client: Client, world):  # type: ignore[no-untyped-def]
    """login("office") → a client signed in as that user of the world."""

    def _login(role: str) -> Client:
        client.force_login(world.users[role])
        return client

    return _login
