"""Follow-ups (后续处置): every service path and its refusals, and the pages that call them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.inspections import services
from shuangsuiji.inspections.models import FollowUp, Inspection

INSPECTED = date(2026, 11, 2)
PAST = date(2026, 11, 20)  # before every test day: due dates that have passed, re-check days


@pytest.fixture
def results(drawn_task):
    """Both departments' results of the first visit, entered (a follow-up needs a result)."""
    for result in (drawn_task.office_result, drawn_task.fire_result):
        Inspection.objects.filter(pk=result.pk).update(categories=["pending"],
                                                       inspected_on=INSPECTED)
        result.refresh_from_db()
    return drawn_task


def create(world, result, *, by="office", owner="office", kind="rectify", **extra):
    data = {"due_on": PAST + timedelta(days=30), "notes": "限期整改"} | extra
    if kind == "rectify":
        data.setdefault("rectify_by", PAST + timedelta(days=10))
    return services.follow_up_create(actor=world.users[by], inspection=result, kind=kind,
                                     owner=world.users[owner], **data)


@pytest.fixture
def english():
    """The services speak the active language; these tests read their English messages."""
    with translation.override("en"):
        yield


def required_in_chinese() -> str:
    with translation.override("zh-hans"):
        return str(forms.Field.default_error_messages["required"])


def error_fields(exc: pytest.ExceptionInfo) -> set[str]:
    return set(getattr(exc.value, "error_dict", {}))


# -- Services ------------------------------------------------------------------------------------

def test_it_records_an_order_to_rectify_in_the_audit_log(world, results):
    follow_up = create(world, results.office_result)
    assert follow_up.state == "open" and follow_up.closed_on is None
    assert follow_up.rectify_by == PAST + timedelta(days=10)
    event = AuditEvent.objects.get(action="followup.create", object_id=str(follow_up.pk))
    assert event.organisation_id == world.office.pk
    assert event.data["kind"] == "rectify"


def test_it_closes_no_follow_up_needed_the_day_it_is_recorded(world, results):
    follow_up = create(world, results.office_result, kind="none")
    assert follow_up.state == "closed" and follow_up.closed_on is not None


def test_it_lets_an_inspector_of_the_group_record_a_follow_up(world, results):
    follow_up = create(world, results.office_result, by="inspector", owner="inspector")
    assert follow_up.created_by == world.users["inspector"]


@pytest.mark.parametrize("kind,extra,field", [
    ("rectify", {"rectify_by": None}, "rectify_by"),
    ("refer", {"referred_to": "  "}, "referred_to"),
    ("judicial", {}, "referred_to"),
])
def test_it_refuses_a_follow_up_missing_what_its_kind_needs(world, results, kind, extra, field):
    with pytest.raises(ValidationError) as exc:
        create(world, results.office_result, kind=kind, **extra)
    assert error_fields(exc) == {field}
    assert not FollowUp.objects.exists()


def test_it_refuses_an_owner_from_another_organisation(world, results):
    with pytest.raises(ValidationError) as exc:
        create(world, results.office_result, owner="partner")
    assert error_fields(exc) == {"owner"}


@pytest.mark.parametrize("who", ["partner", "other_inspector", "other_office", "leader"])
def test_it_refuses_a_follow_up_by_someone_outside_the_department(world, results, who):
    with pytest.raises(PermissionDenied):
        create(world, results.office_result, by=who)
    assert not FollowUp.objects.exists()


def test_the_cooperating_department_follows_up_its_own_result(world, results):
    follow_up = create(world, results.fire_result, by="partner", owner="other_office",
                       kind="refer", referred_to="晋城市城区住房和城乡建设局")
    assert follow_up.referred_to == "晋城市城区住房和城乡建设局"
    with pytest.raises(PermissionDenied):
        create(world, results.fire_result, by="office", owner="partner")


@pytest.mark.usefixtures("english")
def test_it_refuses_a_follow_up_before_the_result_is_entered(world, drawn_task):
    with pytest.raises(ValidationError, match="Enter the result"):
        create(world, drawn_task.office_result)


@pytest.mark.usefixtures("english")
def test_it_closes_an_order_to_rectify_only_after_a_passed_recheck(world, results):
    follow_up = create(world, results.office_result)
    with pytest.raises(ValidationError, match="passed re-check"):
        services.follow_up_close(actor=world.users["office"], follow_up=follow_up, closed_on=PAST)
    follow_up = services.follow_up_recheck(actor=world.users["inspector"], follow_up=follow_up,
                                           day=PAST, passed=False, note="仍未整改")
    with pytest.raises(ValidationError, match="passed re-check"):
        services.follow_up_close(actor=world.users["office"], follow_up=follow_up, closed_on=PAST)
    follow_up = services.follow_up_recheck(actor=world.users["inspector"], follow_up=follow_up,
                                           day=PAST, passed=True, note="已整改到位")
    follow_up = services.follow_up_close(actor=world.users["office"], follow_up=follow_up,
                                         closed_on=PAST, note="复查合格")
    assert (follow_up.state, follow_up.closed_on) == ("closed", PAST)
    assert "复查合格" in follow_up.notes
    assert AuditEvent.objects.filter(action="followup.recheck").count() == 2
    assert AuditEvent.objects.filter(action="followup.close").count() == 1
    with pytest.raises(ValidationError, match="closed"):
        services.follow_up_close(actor=world.users["office"], follow_up=follow_up, closed_on=PAST)


@pytest.mark.usefixtures("english")
def test_it_refuses_a_recheck_of_anything_but_an_order_or_in_the_future(world, results):
    referral = create(world, results.office_result, kind="refer", referred_to="住建局")
    with pytest.raises(ValidationError, match="Only an order to rectify"):
        services.follow_up_recheck(actor=world.users["office"], follow_up=referral, day=PAST,
                                   passed=True, note="")
    order = create(world, results.office_result)
    with pytest.raises(ValidationError) as exc:
        services.follow_up_recheck(actor=world.users["office"], follow_up=order,
                                   day=timezone.localdate() + timedelta(days=3), passed=True,
                                   note="")
    assert error_fields(exc) == {"recheck_on"}


@pytest.mark.usefixtures("english")
def test_a_case_closes_only_with_its_penalty_decision(world, results):
    case = create(world, results.office_result, kind="penalty")
    with pytest.raises(ValidationError, match="penalty decision"):
        services.follow_up_close(actor=world.users["office"], follow_up=case, closed_on=PAST)
    with pytest.raises(ValidationError) as exc:
        services.follow_up_penalty(actor=world.users["office"], follow_up=case,
                                   decision_number=" ", amount=Decimal("5000"),
                                   decision_date=PAST)
    assert error_fields(exc) == {"decision_number"}
    with pytest.raises(ValidationError) as exc:
        services.follow_up_penalty(actor=world.users["office"], follow_up=case,
                                   decision_number="晋市人防罚决字〔2026〕12号",
                                   amount=Decimal("-1"), decision_date=PAST)
    assert error_fields(exc) == {"penalty_amount"}
    case = services.follow_up_penalty(actor=world.users["office"], follow_up=case,
                                      decision_number="晋市人防罚决字〔2026〕12号",
                                      amount=Decimal("5000.00"), decision_date=PAST)
    case = services.follow_up_close(actor=world.users["office"], follow_up=case, closed_on=PAST)
    assert case.state == "closed" and case.penalty_amount == Decimal("5000.00")
    assert AuditEvent.objects.get(action="followup.penalty").data["number"] == \
        "晋市人防罚决字〔2026〕12号"


@pytest.mark.usefixtures("english")
def test_only_a_case_records_a_penalty_decision(world, results):
    order = create(world, results.office_result)
    with pytest.raises(ValidationError, match="Only a case"):
        services.follow_up_penalty(actor=world.users["office"], follow_up=order,
                                   decision_number="X", amount=None, decision_date=PAST)


def test_it_refuses_a_closing_date_in_the_future(world, results):
    referral = create(world, results.office_result, kind="refer", referred_to="住建局")
    with pytest.raises(ValidationError) as exc:
        services.follow_up_close(actor=world.users["office"], follow_up=referral,
                                 closed_on=timezone.localdate() + timedelta(days=1))
    assert error_fields(exc) == {"closed_on"}


def test_the_cooperating_department_cannot_act_on_the_offices_follow_up(world, results):
    order = create(world, results.office_result)
    with pytest.raises(PermissionDenied):
        services.follow_up_recheck(actor=world.users["partner"], follow_up=order, day=PAST,
                                   passed=True, note="")
    with pytest.raises(PermissionDenied):
        services.follow_up_close(actor=world.users["other_inspector"], follow_up=order,
                                 closed_on=PAST)


# -- Pages ---------------------------------------------------------------------------------------

def client_for(world, role: str, *, english: bool = False) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en") if english else Client()
    client.force_login(world.users[role])
    return client


def new_url(result: Inspection) -> str:
    return reverse("inspections:followup_new", args=[result.pk])


def form_data(world, **extra) -> dict:
    return {"kind": "rectify", "owner": world.users["office"].pk, "due_on": "2026-12-31",
            "rectify_by": "2026-12-15", "referred_to": "", "notes": "责令限期整改"} | extra


def test_the_office_records_a_follow_up_on_its_page(world, results):
    client = client_for(world, "office")
    page = client.get(new_url(results.office_result))
    assert page.status_code == 200
    # Owners: the inspecting organisation's users only.
    owners = {u.pk for u in page.context["form"].fields["owner"].queryset}
    assert world.users["section"].pk in owners and world.users["partner"].pk not in owners
    response = client.post(new_url(results.office_result), form_data(world))
    follow_up = FollowUp.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:followup", args=[follow_up.pk])
    assert follow_up.kind == "rectify" and follow_up.due_on == date(2026, 12, 31)


def test_an_inspector_of_the_group_records_a_follow_up_on_the_page(world, results):
    response = client_for(world, "inspector").post(
        new_url(results.office_result),
        form_data(world, owner=world.users["inspector"].pk))
    assert response.status_code == 302
    assert FollowUp.objects.get().created_by == world.users["inspector"]


def test_no_follow_up_needed_needs_no_due_date_on_the_page(world, results):
    response = client_for(world, "office").post(
        new_url(results.office_result), form_data(world, kind="none", due_on="", rectify_by=""))
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert follow_up.state == "closed" and follow_up.due_on == follow_up.closed_on


def test_an_order_without_a_due_date_is_refused_by_the_form(world, results):
    response = client_for(world, "office").post(new_url(results.office_result),
                                                form_data(world, due_on=""))
    assert response.status_code == 400 and "due_on" in response.context["form"].errors
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize("who", ["partner", "other_inspector"])
def test_the_cooperating_department_gets_403_on_the_offices_result(world, results, who):
    client = client_for(world, who)
    assert client.get(new_url(results.office_result)).status_code == 403
    assert client.post(new_url(results.office_result),
                       form_data(world)).status_code == 403
    assert not FollowUp.objects.exists()


def test_the_cooperating_department_cannot_close_the_offices_follow_up(world, results):
    order = create(world, results.office_result, kind="refer", referred_to="住建局")
    response = client_for(world, "partner").post(
        reverse("inspections:followup_close", args=[order.pk]), {"closed_on": "2026-11-20"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.state == "open"


def test_form_errors_are_shown_in_chinese(world, results):
    response = client_for(world, "office").post(new_url(results.office_result),
                                                form_data(world, owner="", due_on=""))
    assert response.status_code == 400
    assert required_in_chinese() in response.content.decode()
    assert not FollowUp.objects.exists()


def test_the_services_refusal_is_shown_on_its_field(world, results):
    response = client_for(world, "office", english=True).post(
        new_url(results.office_result), form_data(world, kind="refer", rectify_by=""))
    assert response.status_code == 400
    form = response.context["form"]
    with translation.override("en"):
        assert form.errors["referred_to"] == ["Name the department or organ it goes to."]
    assert not FollowUp.objects.exists()


def test_the_detail_page_records_a_recheck_and_closes(world, results):
    order = create(world, results.office_result)
    client = client_for(world, "office", english=True)
    detail = client.get(reverse("inspections:followup", args=[order.pk]))
    assert detail.status_code == 200 and "recheck_form" in detail.context
    assert "penalty_form" not in detail.context
    refused = client.post(reverse("inspections:followup_close", args=[order.pk]),
                          {"closed_on": "2026-11-20"})
    assert refused.status_code == 400
    assert "An order to rectify closes after a passed re-check." in refused.content.decode()
    recheck = client.post(reverse("inspections:followup_recheck", args=[order.pk]),
                          {"recheck_on": "2026-11-20", "passed": "1", "note": "已整改"})
    assert recheck.status_code == 302
    closed = client.post(reverse("inspections:followup_close", args=[order.pk]),
                         {"closed_on": "2026-11-20", "note": ""})
    assert closed.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.recheck_passed) == ("closed", True)
    assert "close_form" not in client.get(reverse("inspections:followup",
                                                  args=[order.pk])).context


def test_the_detail_page_records_a_penalty_decision(world, results):
    case = create(world, results.office_result, kind="penalty")
    client = client_for(world, "office")
    url = reverse("inspections:followup_penalty", args=[case.pk])
    blank = client.post(url, {"decision_number": "", "decision_date": "2026-11-20"})
    assert blank.status_code == 400 and required_in_chinese() in blank.content.decode()
    done = client.post(url, {"decision_number": "晋市人防罚决字〔2026〕12号",
                             "penalty_amount": "3000", "decision_date": "2026-11-20"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.penalty_amount == Decimal("3000.00")


def test_another_organisation_cannot_read_a_follow_up_whose_visit_it_does_not_see(
        world, results):
    from shuangsuiji.accounts.choices import Role
    from tests.conftest import make_user

    order = create(world, results.office_result)
    stranger = make_user("stranger", Role.INSPECTOR, world.brigade)  # in no group
    client = Client()
    client.force_login(stranger)
    assert client.get(reverse("inspections:followup", args=[order.pk])).status_code == 404


def test_the_list_shows_my_follow_ups_first_and_flags_refusals(world, results):
    Inspection.objects.filter(pk=results.office_result.pk).update(conduct="refused")
    others = create(world, results.office_result, owner="section", due_on=PAST)
    mine = create(world, results.office_result, owner="office",
                  due_on=PAST + timedelta(days=60))
    client = client_for(world, "office", english=True)
    page = client.get(reverse("inspections:followups"))
    assert [r.follow_up.pk for r in page.context["rows"]] == [mine.pk, others.pk]
    assert "Flagged for publication" in page.content.decode()
    overdue = client.get(reverse("inspections:followups"), {"overdue": "on"})
    assert [r.follow_up.pk for r in overdue.context["rows"]] == [others.pk]
    services.follow_up_recheck(actor=world.users["office"], follow_up=others, day=PAST,
                               passed=True, note="")
    services.follow_up_close(actor=world.users["office"], follow_up=others, closed_on=PAST)
    closed = client.get(reverse("inspections:followups"), {"state": "closed"})
    assert [r.follow_up.pk for r in closed.context["rows"]] == [others.pk]


def test_the_list_hides_the_offices_follow_ups_from_the_cooperating_department(world, results):
    create(world, results.office_result)
    theirs = create(world, results.fire_result, by="partner", owner="partner")
    page = client_for(world, "partner").get(reverse("inspections:followups"))
    assert [r.follow_up.pk for r in page.context["rows"]] == [theirs.pk]
    office_page = client_for(world, "office").get(reverse("inspections:followups"))
    assert len(office_page.context["rows"]) == 2  # the initiating office sees its whole task
