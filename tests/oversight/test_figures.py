"""Each figure of the dashboard on the known world (conftest), computed by hand."""

from decimal import Decimal

import pytest

from shuangsuiji.oversight import selectors
from tests.oversight.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_smoke(world, known):
    f = selectors.compute(world.office, 2026, TODAY)
    print(f)
