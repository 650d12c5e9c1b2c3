"""The sign-on rules: only system administrators change them, through audited services,
and a rule that could not place anyone (a broken pattern, a role outside its department)
is refused naming the field."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from shuangsuiji.accounts.choices import Role
from shuangsuiji.accounts.models import ClaimRule
from shuangsuiji.accounts.services import (
    claim_rule_create,
    claim_rule_delete,
    claim_rule_update,
)
from shuangsuiji.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_changes_and_removes_a_rule_each_audited(world):
    admin = world.users["admin"]
    rule = claim_rule_create(actor=admin, data={
        "position": 10, "claim": " org ", "value": "RFB-GCK", "department": world.engineering,
        "role": Role.INSPECTOR})
    assert rule.claim == "org"
    claim_rule_update(actor=admin, rule=rule, data={"role": Role.SECTION})
    claim_rule_update(actor=admin, rule=rule, data={"role": Role.SECTION})  # no change
    claim_rule_delete(actor=admin, rule=rule)
    assert not ClaimRule.objects.exists()
    actions = list(AuditEvent.objects.filter(action__startswith="sso_rule.")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["sso_rule.create", "sso_rule.update", "sso_rule.delete"]


def test_nobody_else_changes_the_rules(world):
    with pytest.raises(PermissionDenied):
        claim_rule_create(actor=world.users["office"], data={
            "claim": "org", "value": "x", "department": world.engineering,
            "role": Role.INSPECTOR})


@pytest.mark.parametrize(("data", "field"), [
    ({"value": "RFB-(", "is_pattern": True}, "value"),
    ({"value": "R" * 201, "is_pattern": True}, "value"),
    ({"role": Role.PARTNER}, "department"),  # a partner belongs to a cooperating department
    ({"role": "boss"}, "role"),
])
def test_a_rule_that_cannot_place_anyone_is_refused(world, data, field):
    base = {"claim": "org", "value": "RFB", "department": world.engineering,
            "role": Role.INSPECTOR}
    with pytest.raises(ValidationError) as refused:
        claim_rule_create(actor=world.users["admin"], data={**base, **data})
    assert field in refused.value.message_dict


def test_the_admin_page_saves_through_the_service(world):
    admin = world.users["admin"]
    admin.is_staff = True  # as user_create makes a system administrator
    admin.save()
    client = Client()
    client.force_login(admin)
    response = client.post("/admin/accounts/claimrule/add/", {
        "position": 5, "claim": "groups", "value": "rfb-.*", "is_pattern": "on",
        "department": world.office.pk, "role": Role.LEADER, "update_existing": "on",
        "is_active": "on"})
    assert response.status_code == 302 and "/login/" not in response["Location"]
    rule = ClaimRule.objects.get()
    assert (rule.claim, rule.is_pattern, rule.role) == ("groups", True, Role.LEADER)
    assert AuditEvent.objects.get(action="sso_rule.create").actor_id == world.users["admin"].pk
    for page in ("/admin/accounts/claimrule/", f"/admin/accounts/claimrule/{rule.pk}/change/",
                 "/admin/accounts/externalidentity/"):
        assert client.get(page).status_code == 200, page
    forbidden = Client()
    forbidden.force_login(world.users["office"])
    assert forbidden.get("/admin/accounts/claimrule/").status_code in {302, 403}
