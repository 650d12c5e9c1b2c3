"""Departments and users: audited services, and an admin only system administrators reach."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shuangsuiji.accounts.choices import DepartmentKind, Role
from shuangsuiji.accounts.models import Department, User
from shuangsuiji.accounts.services import (
    department_create,
    department_update,
    user_create,
    user_set_password,
    user_update,
)
from shuangsuiji.core.audit import verify_chain
from shuangsuiji.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Strong-Mima-rfb7"


@pytest.fixture
def admin(world) -> User:
    return user_create(actor=None, username="sysadmin", password=PASSWORD, role=Role.ADMIN,
                       full_name="王磊")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


def test_it_audits_a_new_user_without_the_password(world, admin):
    user = user_create(actor=admin, username="zhouli", password=PASSWORD, role=Role.INSPECTOR,
                       department=world.engineering, full_name="周丽")
    event = last_event()
    assert (event.action, event.actor, event.object_id) == ("user.create", admin, str(user.pk))
    assert event.organisation_id == world.office.pk
    assert event.data["after"]["role"] == Role.INSPECTOR
    recorded = f"{event.summary} {event.data}"
    assert PASSWORD not in recorded and user.password not in recorded
    assert "password" not in event.data["after"]
    assert user.check_password(PASSWORD)


def test_a_weak_password_creates_nothing(world, admin):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as info:
        user_create(actor=admin, username="weak", password="12345678", role=Role.INSPECTOR,
                    department=world.engineering)
    assert "password" in info.value.message_dict
    assert not User.objects.filter(username="weak").exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(("role", "department", "field"), [
    (Role.INSPECTOR, None, "department"),
    (Role.PARTNER, "legal", "department"),
    (Role.OFFICE, "fire", "department"),
    ("boss", "legal", "role"),
])
def test_a_role_must_fit_its_department(world, admin, role, department, field):
    with pytest.raises(ValidationError) as info:
        user_create(actor=admin, username="x1", password=PASSWORD, role=role,
                    department=getattr(world, department) if department else None)
    assert field in info.value.message_dict


def test_only_administrators_are_staff(world, admin):
    assert admin.is_staff
    user = user_create(actor=admin, username="li", password=PASSWORD, role=Role.OFFICE,
                       department=world.legal)
    assert not user.is_staff
    user = user_update(actor=admin, user=user, data={"role": Role.ADMIN})
    assert user.is_staff
    user = user_update(actor=admin, user=user, data={"role": Role.LEADER})
    assert not user.is_staff


def test_it_audits_a_change_of_role_department_and_activity(world, admin):
    user = world.users["inspector"]
    user_update(actor=admin, user=user, data={"department": world.legal, "role": Role.OFFICE,
                                              "is_active": False})
    event = last_event()
    assert event.action == "user.update" and event.actor == admin
    assert event.data["changes"] == {"department": [world.engineering.pk, world.legal.pk],
                                     "role": [Role.INSPECTOR, Role.OFFICE],
                                     "is_active": [True, False]}
    user.refresh_from_db()
    assert (user.role, user.department, user.is_active) == (Role.OFFICE, world.legal, False)


def test_an_update_that_changes_nothing_writes_nothing(world, admin):
    before = AuditEvent.objects.count()
    user_update(actor=admin, user=world.users["office"], data={"role": Role.OFFICE})
    assert AuditEvent.objects.count() == before


def test_the_password_cannot_be_changed_through_update(world, admin):
    with pytest.raises(ValidationError):
        user_update(actor=admin, user=world.users["office"], data={"password": "x"})


def test_an_administrator_cannot_lock_themselves_out(world, admin):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError, match="deactivate"):
        user_update(actor=admin, user=admin, data={"is_active": False})
    with translation.override("en"), pytest.raises(ValidationError, match="administrator role"):
        user_update(actor=admin, user=admin, data={"role": Role.LEADER,
                                                   "department": world.office})
    admin.refresh_from_db()
    assert admin.is_active and admin.role == Role.ADMIN


def test_setting_a_password_is_audited_but_never_recorded(world, admin):
    user = world.users["section"]
    user_set_password(actor=admin, user=user, password="Another-Mima-xq8")
    user.refresh_from_db()
    assert user.check_password("Another-Mima-xq8")
    event = last_event()
    assert (event.action, event.actor, event.data) == ("user.password", admin, {})
    assert "Another-Mima-xq8" not in event.summary and user.password not in event.summary


def test_departments_are_audited_and_keep_their_code(world, admin):
    section = department_create(actor=admin, code="RFB-BZZX", name="标准事务中心",
                                kind=DepartmentKind.SECTION, parent=world.office)
    assert section.root == world.office
    assert last_event().action == "department.create"
    department_update(actor=admin, department=section, data={"name": "人防标准事务中心"})
    assert last_event().data["changes"] == {"name": ["标准事务中心", "人防标准事务中心"]}
    with pytest.raises(ValidationError) as info:
        department_update(actor=admin, department=section, data={"code": "X"})
    assert "code" in info.value.message_dict
    assert Department.objects.get(pk=section.pk).code == "RFB-BZZX"


@pytest.mark.parametrize(("kind", "parent"), [(DepartmentKind.SECTION, None),
                                              (DepartmentKind.SECTION, "fire"),
                                              (DepartmentKind.EXTERNAL, "office")])
def test_a_department_must_fit_its_tree(world, admin, kind, parent):
    with pytest.raises(ValidationError) as info:
        department_create(actor=admin, code="NEW", name="新部门", kind=kind,
                          parent=getattr(world, parent) if parent else None)
    assert "parent" in info.value.message_dict


# The admin ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["office", "section", "inspector", "expert", "leader",
                                  "partner"])
def test_non_administrators_are_sent_away_from_the_admin(world, client, role):
    client.force_login(world.users[role])
    for url in ["/admin/", "/admin/accounts/user/", "/admin/core/auditevent/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_staff_flag_set_by_hand_opens_nothing(world, client):
    user = world.users["office"]
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client.force_login(User.objects.get(pk=user.pk))
    assert client.get("/admin/accounts/user/").status_code == 403


def test_the_administrator_sees_every_registered_model(admin_client):
    for name in ["accounts/department", "accounts/user", "catalog/inspectionitem",
                 "entities/target", "inspectors/inspector", "inspectors/conflict",
                 "imports/importjob", "core/auditevent"]:
        assert admin_client.get(f"/admin/{name}/").status_code == 200, name


def test_a_user_added_in_the_admin_goes_through_the_service(world, admin, admin_client):
    response = admin_client.post("/admin/accounts/user/add/", {
        "username": "sunli", "full_name": "孙丽", "email": "", "role": Role.SECTION,
        "department": world.engineering.pk, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(username="sunli")
    assert user.check_password(PASSWORD) and not user.is_staff
    event = last_event()
    assert (event.action, event.actor, event.object_id) == ("user.create", admin, str(user.pk))


def test_the_admin_shows_a_role_that_does_not_fit(world, admin_client):
    response = admin_client.post("/admin/accounts/user/add/", {
        "username": "bad", "role": Role.PARTNER, "department": world.legal.pk,
        "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["department"]
    assert not User.objects.filter(username="bad").exists()


def test_a_user_changed_in_the_admin_is_audited(world, admin, admin_client):
    user = world.users["leader"]
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", {
        "full_name": "马文斌", "email": "", "role": Role.LEADER, "department": world.office.pk,
        "is_active": ""})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    event = last_event()
    assert event.action == "user.update" and event.actor == admin
    assert event.data["changes"]["is_active"] == [True, False]


def test_a_password_set_in_the_admin_is_audited(world, admin, admin_client):
    user = world.users["partner"]
    url = reverse("admin:accounts_user_password", args=[user.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"password1": "Fire-safety-Kq8",
                                       "password2": "Fire-safety-Kq8"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Fire-safety-Kq8")
    assert (last_event().action, last_event().actor) == ("user.password", admin)


def test_mismatched_passwords_in_the_admin_change_nothing(world, admin_client):
    user = world.users["partner"]
    before = AuditEvent.objects.count()
    response = admin_client.post(reverse("admin:accounts_user_password", args=[user.pk]),
                                 {"password1": "Fire-safety-Kq8", "password2": "other-Mima-x9"})
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before


def test_a_department_added_in_the_admin_is_audited(world, admin, admin_client):
    response = admin_client.post("/admin/accounts/department/add/", {
        "code": "XFZD-ZZ", "name": "泽州县消防救援大队", "kind": DepartmentKind.EXTERNAL,
        "parent": world.fire.pk, "region_code": "140525", "is_active": "on"})
    assert response.status_code == 302
    brigade = Department.objects.get(code="XFZD-ZZ")
    assert brigade.root == world.fire
    assert (last_event().action, last_event().actor) == ("department.create", admin)


def test_the_directories_are_read_only_in_the_admin(admin_client):
    assert admin_client.get("/admin/entities/target/add/").status_code == 403
    assert admin_client.get("/admin/core/auditevent/add/").status_code == 403

def test_nothing_is_deleted_in_the_admin(world, admin_client):
    user = world.users["expert"]
    admin_client.post("/admin/accounts/user/", {
        "action": "delete_selected", "_selected_action": [str(user.pk)], "post": "yes"})
    assert admin_client.post(f"/admin/accounts/user/{user.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=user.pk).exists()
    assert verify_chain() is None


def test_the_change_pages_render_with_the_password_link(world, admin_client):
    user = world.users["section"]
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    assert reverse("admin:accounts_user_password", args=[user.pk]) in page.content.decode()
    assert "password1" in admin_client.get("/admin/accounts/user/add/").content.decode()
    page = admin_client.get(f"/admin/accounts/department/{world.legal.pk}/change/")
    assert page.status_code == 200
    assert 'name="code"' not in page.content.decode()  # fixed once created


def test_the_admins_own_password_change_is_audited_and_needs_the_current_one(admin,
                                                                              admin_client):
    response = admin_client.get(reverse("admin:password_change"))
    url = reverse("admin:accounts_user_password", args=[admin.pk])
    assert response.status_code == 302 and response["Location"] == url
    new = {"password1": "Brand-new-Mima-q9", "password2": "Brand-new-Mima-q9"}
    assert admin_client.post(url, new | {"old_password": "wrong"}).status_code == 200
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    response = admin_client.post(url, new | {"old_password": PASSWORD})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.check_password("Brand-new-Mima-q9")
    assert (last_event().action, last_event().actor) == ("user.password", admin)
    assert admin_client.get("/admin/").status_code == 200  # still signed in
