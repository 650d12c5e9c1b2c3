"""Fixtures of the page, results and API tests, for the attacks that reuse their worlds."""

from tests.api.conftest import _fresh_throttles, api_world  # noqa: F401
from tests.browser.conftest import browser  # noqa: F401
from tests.inspections.conftest import drawn_task, private_files  # noqa: F401
from tests.publication.conftest import approved  # noqa: F401
from tests.web.conftest import data, login  # noqa: F401
