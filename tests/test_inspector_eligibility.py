"""Certificate expiry and status changes through the services, as the draw will read them."""

from datetime import date

import pytest

from shuangsuiji.inspectors.models import Inspector
from shuangsuiji.inspectors.services import (
    certificate_add,
    inspector_create,
    inspector_set_status,
)


@pytest.fixture
def officer(world):
    actor = world.users["office"]
    inspector = inspector_create(actor=actor, data={
        "department": world.office, "code": "E001", "name": "李明", "role": "officer",
        "status": "active", "status_since": date(2018, 1, 1)}, id_number="140502198001011236")
    certificate_add(actor=actor, inspector=inspector, number="晋14050001", issuer="山西省人民政府",
                    valid_from=date(2020, 1, 1), valid_to=date(2026, 6, 30))
    return inspector


def test_it_is_not_eligible_from_the_day_after_its_certificate_expires(officer):
    officer = Inspector.objects.get(pk=officer.pk)
    assert officer.is_eligible_on(date(2026, 6, 30))
    assert not officer.is_eligible_on(date(2026, 7, 1))


def test_it_is_not_eligible_from_its_transfer_date(world, officer):
    inspector_set_status(actor=world.users["office"], inspector=officer, status="transferred",
                         effective_on=date(2025, 3, 1), note="调往市应急管理局")
    officer = Inspector.objects.get(pk=officer.pk)
    assert officer.status == "transferred"
    assert officer.is_eligible_on(date(2025, 2, 28))
    assert not officer.is_eligible_on(date(2025, 3, 1))


def test_a_future_retirement_does_not_change_today(world, officer):
    inspector_set_status(actor=world.users["office"], inspector=officer, status="retired",
                         effective_on=date(2026, 1, 1))
    officer = Inspector.objects.get(pk=officer.pk)
    assert officer.is_eligible_on(date(2025, 12, 31))
    assert not officer.is_eligible_on(date(2026, 1, 1))


def test_the_identity_number_is_stored_encrypted_and_masked(officer):
    from shuangsuiji.core import crypto

    assert "140502198001011236" not in officer.id_number_encrypted
    assert crypto.decrypt(officer.id_number_encrypted) == "140502198001011236"
    assert officer.id_number_masked == "140502********1236"
