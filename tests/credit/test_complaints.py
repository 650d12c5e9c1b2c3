"""投诉举报 from the public and the 12345 hotline: every state move, the deadline, who may
do what, the risk loop, and that the complainant's personal data stays on the complaint."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.credit import complaints as C
from shuangsuiji.credit import services as credit
from shuangsuiji.credit.models import Complaint, ComplaintState, RiskRule
from shuangsuiji.workdays.deadlines import deadline_after
from tests.inspections.test_results import png

NAME, PHONE = "举报人李四", "13911112222"


def _submit(target, **complainant):
    return C.complaint_submit(target_id=target.pk, summary="地下室人防工程被占用堆放杂物",
                              complainant=complainant or {"name": NAME, "phone": PHONE})


def _token(world, org=None):
    return credit.partner_token_create(actor=world.users["admin"], name="12345热线",
                                       organisation_id=(org or world.office).pk)[0]


def test_a_public_complaint_is_received_with_a_deadline_and_a_tracking_code(world, target):
    complaint = _submit(target)
    today = timezone.localdate()
    assert complaint.state == ComplaintState.RECEIVED and complaint.source == "public"
    assert complaint.received_on == today
    assert complaint.due_on == deadline_after(today, C.REPLY_WORKDAYS).date
    assert C.normalise_tracking_code(complaint.tracking_code.lower().replace("-", " ")) \
        == complaint.tracking_code
    assert complaint.organisation_id == world.office.pk


def test_the_phone_is_encrypted_at_rest_and_never_audited(world, target):
    complaint = _submit(target)
    assert PHONE not in complaint.complainant_phone_encrypted
    assert C.complainant_phone(complaint) == PHONE
    for event in AuditEvent.objects.all():
        text = f"{event.summary} {event.data}"
        assert NAME not in text and PHONE not in text and "地下室" not in text


def test_an_anonymous_complaint_keeps_no_name_or_phone(world, target):
    complaint = _submit(target, anonymous=True, name=NAME, phone=PHONE)
    assert complaint.anonymous and complaint.complainant_name == ""
    assert complaint.complainant_phone_encrypted == ""


def test_a_named_complaint_needs_a_name_and_a_real_phone(world, target):
    with pytest.raises(ValidationError) as no_name:
        _submit(target, name="  ")
    assert "complainant_name" in no_name.value.message_dict
    with pytest.raises(ValidationError) as bad_phone:
        _submit(target, name=NAME, phone="call me")
    assert "complainant_phone" in bad_phone.value.message_dict
    assert not Complaint.objects.exists()


def test_an_empty_complaint_or_an_unknown_entity_is_refused(world, target):
    with pytest.raises(ValidationError) as empty:
        C.complaint_submit(target_id=target.pk, summary=" ", complainant={"anonymous": True})
    assert "summary" in empty.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        C.complaint_submit(target_id=999999, summary="x", complainant={"anonymous": True})
    assert "target" in unknown.value.message_dict


def test_attachments_are_checked_hashed_and_stored_under_a_random_name(world, target,
                                                                       private_files):
    PNG = png()
    upload = SimpleUploadedFile("现场.pdf", PNG, content_type="application/pdf")
    with pytest.raises(ValidationError) as bad:
        C.complaint_submit(target_id=target.pk, summary="占用", complainant={"anonymous": True},
                           attachments=[upload])
    assert "attachments" in bad.value.message_dict
    fake = SimpleUploadedFile("现场.png", b"<html><script>x</script>", content_type="image/png")
    with pytest.raises(ValidationError):
        C.complaint_submit(target_id=target.pk, summary="占用", complainant={"anonymous": True},
                           attachments=[fake])
    good = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    complaint = C.complaint_submit(target_id=target.pk, summary="占用",
                                   complainant={"anonymous": True}, attachments=[good])
    attachment = complaint.attachments.get()
    assert attachment.content_type == "image/png" and attachment.size == len(PNG)
    assert "现场" not in attachment.file.name and attachment.file.name.endswith(".png")
    too_many = [SimpleUploadedFile(f"{i}.png", PNG) for i in range(C.MAX_ATTACHMENTS + 1)]
    with pytest.raises(ValidationError):
        C.complaint_submit(target_id=target.pk, summary="占用", complainant={"anonymous": True},
                           attachments=too_many)


def test_the_office_assigns_to_a_section_and_may_reassign(world, target):
    complaint = _submit(target)
    office = world.users["office"]
    C.complaint_assign(actor=office, complaint=complaint, section=world.engineering)
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.ASSIGNED
    assert complaint.section == world.engineering
    C.complaint_assign(actor=office, complaint=complaint, section=world.legal)
    complaint.refresh_from_db()
    assert complaint.section == world.legal
    assert AuditEvent.objects.filter(action="credit.complaint_assign").count() == 2


def test_only_a_section_of_the_organisation_is_assigned(world, target):
    complaint = _submit(target)
    office = world.users["office"]
    for wrong in (world.brigade, world.office):
        with pytest.raises(ValidationError) as exc:
            C.complaint_assign(actor=office, complaint=complaint, section=wrong)
        assert "section" in exc.value.message_dict


@pytest.mark.parametrize("who", ["section", "leader", "inspector", "partner", "other_office"])
def test_nobody_but_the_office_assigns_or_closes(world, target, who):
    complaint = _submit(target)
    with pytest.raises(PermissionDenied):
        C.complaint_assign(actor=world.users[who], complaint=complaint,
                           section=world.engineering)
    C.complaint_assign(actor=world.users["office"], complaint=complaint,
                       section=world.engineering)
    C.complaint_reply(actor=world.users["office"], complaint=complaint, reply="已核查")
    with pytest.raises(PermissionDenied):
        C.complaint_close(actor=world.users[who], complaint=complaint, substantiated=True)


def test_the_assigned_section_replies_and_no_other(world, target):
    complaint = _submit(target)
    section = world.users["section"]  # 工程科
    with pytest.raises(PermissionDenied):  # not yet assigned to it
        C.complaint_reply(actor=section, complaint=complaint, reply="已核查")
    C.complaint_assign(actor=world.users["office"], complaint=complaint, section=world.legal)
    with pytest.raises(PermissionDenied):  # assigned to another section
        C.complaint_reply(actor=section, complaint=complaint, reply="已核查")
    C.complaint_assign(actor=world.users["office"], complaint=complaint,
                       section=world.engineering)
    with pytest.raises(ValidationError) as empty:
        C.complaint_reply(actor=section, complaint=complaint, reply=" ")
    assert "reply" in empty.value.message_dict
    C.complaint_reply(actor=section, complaint=complaint, reply="已核查，责令清理")
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.REPLIED
    assert complaint.replied_on == timezone.localdate()
    assert complaint.handled_by == section
    with pytest.raises(PermissionDenied):  # replied: only the office amends the reply
        C.complaint_reply(actor=section, complaint=complaint, reply="更正")
    C.complaint_reply(actor=world.users["office"], complaint=complaint, reply="更正")


def test_a_complaint_is_closed_only_after_a_reply_and_only_once(world, target):
    complaint = _submit(target)
    office = world.users["office"]
    with pytest.raises(ValidationError) as early:
        C.complaint_close(actor=office, complaint=complaint, substantiated=False)
    assert "state" in early.value.message_dict
    C.complaint_reply(actor=office, complaint=complaint, reply="经核查不属实")
    C.complaint_close(actor=office, complaint=complaint, substantiated=False)
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.CLOSED and complaint.substantiated is False
    assert complaint.closed_on == timezone.localdate()
    for move in (lambda: C.complaint_close(actor=office, complaint=complaint,
                                           substantiated=True),
                 lambda: C.complaint_reply(actor=office, complaint=complaint, reply="x"),
                 lambda: C.complaint_assign(actor=office, complaint=complaint,
                                            section=world.engineering)):
        with pytest.raises(ValidationError):
            move()


def _closed(world, target, substantiated):
    complaint = _submit(target, anonymous=True)
    C.complaint_reply(actor=world.users["office"], complaint=complaint, reply="已核查")
    return C.complaint_close(actor=world.users["office"], complaint=complaint,
                             substantiated=substantiated)


def test_public_complaints_raise_the_class_only_once_substantiated(world, target):
    RiskRule.objects.create(organisation=world.office, trigger="complaints", raise_to="C",
                            threshold=2, period_days=90)
    _submit(target), _submit(target), _closed(world, target, False)
    target.refresh_from_db()
    assert target.risk_class == ""  # three complaints, none substantiated
    _closed(world, target, True)
    target.refresh_from_db()
    assert target.risk_class == ""
    _closed(world, target, True)
    target.refresh_from_db()
    assert target.risk_class == "C"


def test_staff_entered_complaints_still_count_as_entered(world, target):
    RiskRule.objects.create(organisation=world.office, trigger="complaints", raise_to="C",
                            threshold=2, period_days=90)
    for _ in range(2):
        credit.complaint_add(actor=world.users["office"], target=target,
                             received_on=timezone.localdate(), summary="电话举报")
    target.refresh_from_db()
    assert target.risk_class == "C"
    assert set(Complaint.objects.values_list("state", flat=True)) == {ComplaintState.CLOSED}


def test_a_hotline_push_is_received_once_per_ticket(world, target):
    token = _token(world)
    data = {"external_id": "12345-20261130-0001", "uscc": target.uscc.lower(),
            "summary": "人防工程被占用", "received_on": date(2026, 11, 30),
            "complainant_name": NAME, "complainant_phone": PHONE}
    first, created = C.complaint_push(token=token, data=data)
    again, created_again = C.complaint_push(token=token, data=data | {"summary": "改了"})
    assert created and not created_again and first.pk == again.pk
    assert Complaint.objects.count() == 1 and again.summary == "人防工程被占用"
    assert first.source == "hotline" and first.pushed_by == token
    assert first.due_on == deadline_after(date(2026, 11, 30), 15).date == date(2026, 12, 21)


def test_a_hotline_push_names_the_field_it_cannot_use(world, target, fire_target):
    token = _token(world)
    base = {"external_id": "T-1", "uscc": target.uscc, "summary": "占用",
            "anonymous": True}
    for field, change in (("external_id", {"external_id": ""}),
                          ("uscc", {"uscc": "123"}),
                          ("uscc", {"uscc": fire_target.uscc}),  # another directory
                          ("summary", {"summary": ""}),
                          ("received_on", {"received_on": timezone.localdate()
                                           + timedelta(days=1)})):
        with pytest.raises(ValidationError) as exc:
            C.complaint_push(token=token, data=base | change)
        assert field in exc.value.message_dict
    assert not Complaint.objects.exists()


def test_a_section_lists_only_what_it_was_given_and_another_organisation_nothing(
        world, target):
    given, kept = _submit(target), _submit(target)
    C.complaint_assign(actor=world.users["office"], complaint=given,
                       section=world.engineering)
    assert set(C.complaints_for(world.users["office"])) == {given, kept}
    assert set(C.complaints_for(world.users["leader"])) == {given, kept}
    assert list(C.complaints_for(world.users["section"])) == [given]
    for outsider in ("partner", "other_office", "inspector"):
        assert not C.complaints_for(world.users[outsider]).exists()


def test_the_tracking_code_shows_the_state_and_reply_but_no_personal_data(world, target):
    complaint = _submit(target)
    status = C.public_status(complaint.tracking_code.lower())
    assert status is not None and status.state == "received" and status.reply == ""
    C.complaint_reply(actor=world.users["office"], complaint=complaint, reply="已责令清理")
    status = C.public_status(complaint.tracking_code)
    assert status.reply == "已责令清理" and status.substantiated is None
    assert NAME not in repr(status) and PHONE not in repr(status)
    assert C.public_status("AAAA-AAAA-AAAA") is None and C.public_status("") is None


def test_an_entity_with_many_open_or_substantiated_complaints_is_flagged(world, target,
                                                                        fire_target):
    _submit(target), _submit(target)
    _closed(world, target, False)  # not substantiated: does not count
    assert C.many_complaints([target.pk, fire_target.pk]) == {}
    _closed(world, target, True)
    assert C.many_complaints([target.pk, fire_target.pk]) == {target.pk: 3}
    later = timezone.localdate() + timedelta(days=C.MANY_COMPLAINTS_DAYS + 1)
    assert C.many_complaints([target.pk], today=later) == {}


def test_the_public_search_finds_by_name_part_or_whole_code(world, target, fire_target):
    assert C.public_targets("兴达") == [target]
    assert C.public_targets(fire_target.uscc.lower()) == [fire_target]
    assert C.public_targets("兴") == []


def test_a_cooperating_organisation_handles_complaints_about_its_own_directory(
        world, target, fire_target):
    complaint = _submit(fire_target)
    partner = world.users["partner"]  # 消防救援支队's staff
    assert list(C.complaints_for(partner)) == [complaint]
    C.complaint_assign(actor=partner, complaint=complaint, section=world.brigade)
    C.complaint_reply(actor=partner, complaint=complaint, reply="已核查")
    C.complaint_close(actor=partner, complaint=complaint, substantiated=False)
    with pytest.raises(PermissionDenied):  # not the office's complaints
        C.complaint_assign(actor=partner, complaint=_submit(target),
                           section=world.engineering)
    with pytest.raises(PermissionDenied):
        C.complaint_reply(actor=world.users["office"], complaint=_submit(fire_target),
                          reply="x")
