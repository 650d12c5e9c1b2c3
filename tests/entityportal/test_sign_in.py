"""The entity signs in with a one-time code sent through the outbox: throttles, lockout,
audit, and a session kept apart from staff sessions."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.entityportal.choices import AttemptKind
from shuangsuiji.entityportal.models import SignInAttempt, SignInCode
from shuangsuiji.notices.choices import Channel, Kind, State
from shuangsuiji.notices.models import Notice

from .conftest import ask_code, last_code, sign_in

VERIFY = "entityportal:verify"


def test_the_code_goes_out_as_a_notice_and_is_kept_only_as_a_hash(entities):
    client = Client()
    assert ask_code(client, entities.target, entities.contact).status_code == 302
    notice = Notice.objects.get(kind=Kind.ENTITY_CODE)
    assert notice.channel == Channel.CONSOLE and notice.state in (State.PENDING, State.SENT)
    assert notice.address_masked.endswith("1234") and "13800001234" not in notice.address_masked
    code = last_code(entities.contact)
    stored = SignInCode.objects.get()
    assert code not in stored.digest and len(stored.digest) == 64
    assert AuditEvent.objects.filter(action="entity.code").count() == 1


def test_the_sign_in_page_lists_the_contacts_masked(entities):
    response = Client().post(reverse("entityportal:sign_in"), {"uscc": entities.target.uscc})
    page = response.content.decode()
    assert "张**" in page and "张三丰" not in page and "13800001234" not in page


def test_the_right_code_signs_in_once_and_each_sign_in_is_audited(entities):
    client = sign_in(Client(), entities.target, entities.contact)
    assert client.get(reverse("entityportal:home")).status_code == 200
    assert SignInAttempt.objects.filter(kind=AttemptKind.SIGNED_IN).count() == 1
    event = AuditEvent.objects.get(action="entity.sign_in")
    assert event.data["uscc"] == entities.target.uscc
    assert event.data["contact"] == entities.contact.pk
    # Another person of the same entity signs in too, audited as themselves.
    from shuangsuiji.entities.models import Contact
    second = Contact.objects.create(target=entities.target, name="王五", phone="13700009999")
    sign_in(Client(), entities.target, second)
    assert AuditEvent.objects.filter(action="entity.sign_in").count() == 2


def test_a_code_is_used_once(entities):
    client = Client()
    ask_code(client, entities.target, entities.contact)
    code = last_code(entities.contact)
    assert client.post(reverse(VERIFY), {"code": code}).status_code == 302
    again = Client()
    session = again.session
    session["shuangsuiji_entity_pending"] = {"uscc": entities.target.uscc,
                                             "contact": entities.contact.pk}
    session.save()
    assert again.post(reverse(VERIFY), {"code": code}).status_code == 200
    assert again.get(reverse("entityportal:home")).status_code == 302


def test_an_expired_code_is_refused(entities):
    client = Client()
    ask_code(client, entities.target, entities.contact)
    code = last_code(entities.contact)
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(reverse(VERIFY), {"code": code})
    assert response.status_code == 200
    assert client.get(reverse("entityportal:home")).status_code == 302


def test_wrong_codes_lock_the_entity_out_even_with_the_right_code(entities, settings):
    settings.SHUANGSUIJI_ENTITY_CODE_FAILURES = 3
    client = Client()
    ask_code(client, entities.target, entities.contact)
    code = last_code(entities.contact)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(3):
        assert client.post(reverse(VERIFY), {"code": wrong}).status_code == 200
    assert SignInAttempt.objects.filter(kind=AttemptKind.WRONG_CODE).count() == 3
    assert AuditEvent.objects.filter(action="entity.lockout").count() == 1
    response = client.post(reverse(VERIFY), {"code": code})
    assert response.status_code == 200 and client.get(
        reverse("entityportal:home")).status_code == 302
    # Nor can a new code be asked for while locked, from any address.
    response = ask_code(Client(), entities.target, entities.contact, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 200
    assert SignInCode.objects.count() == 1


def test_the_lockout_ends_after_its_time(entities, settings):
    settings.SHUANGSUIJI_ENTITY_CODE_FAILURES = 1
    client = Client()
    ask_code(client, entities.target, entities.contact)
    client.post(reverse(VERIFY), {"code": "000000" if last_code(
        entities.contact) != "000000" else "000001"})
    SignInAttempt.objects.update(at=timezone.now() - timedelta(minutes=31))
    sign_in(Client(), entities.target, entities.contact)


def test_codes_per_entity_are_limited_per_hour(entities, settings):
    settings.SHUANGSUIJI_ENTITY_CODES_PER_HOUR = 2
    for n in range(2):
        assert ask_code(Client(), entities.target, entities.contact,
                        REMOTE_ADDR=f"10.0.0.{n}").status_code == 302
    response = ask_code(Client(), entities.target, entities.contact, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200 and SignInCode.objects.count() == 2


def test_codes_per_address_are_limited_per_hour(entities, settings):
    settings.SHUANGSUIJI_ENTITY_CODES_PER_ADDRESS = 1
    assert ask_code(Client(), entities.target, entities.contact).status_code == 302
    response = ask_code(Client(), entities.other_target, entities.other_contact)
    assert response.status_code == 200 and SignInCode.objects.count() == 1


def test_a_contact_of_another_entity_gets_no_code(entities):
    response = ask_code(Client(), entities.target, entities.other_contact)
    assert response.status_code == 200 and not SignInCode.objects.exists()
    assert not Notice.objects.filter(kind=Kind.ENTITY_CODE).exists()


def test_an_entity_session_grants_no_staff_page(entity_client):
    for url in ("/", "/targets/", "/inspectors/", "/audit/", reverse("entityportal:office_list")):
        response = entity_client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_a_staff_session_is_not_an_entity(entities, world):
    client = Client()
    client.force_login(world.users["office"])
    response = client.get(reverse("entityportal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("entityportal:sign_in")
    page = client.get(reverse("entityportal:sign_in")).content.decode()
    assert 'name="uscc"' not in page
    assert client.post(reverse("entityportal:sign_in"), {
        "uscc": entities.target.uscc, "contact": entities.contact.pk}).status_code == 200
    assert not SignInCode.objects.exists()


def test_a_staff_sign_in_on_an_entity_session_does_not_reach_entity_pages(entity_client, world):
    entity_client.force_login(world.users["office"])
    assert entity_client.get(reverse("entityportal:home")).status_code == 302


def test_signing_in_as_an_entity_ends_a_staff_session(entities, world):
    client = Client()
    client.force_login(world.users["office"])
    client.logout()  # the entity sign-in page refuses a staff session; a fresh one works
    sign_in(client, entities.target, entities.contact)
    assert client.get("/targets/").status_code == 302


def test_the_entity_session_ends_after_its_longest_time(entity_client, settings):
    settings.SHUANGSUIJI_ENTITY_SESSION_SECONDS = 0
    assert entity_client.get(reverse("entityportal:home")).status_code == 302


@pytest.mark.parametrize("method", ["post"])
def test_signing_out_ends_the_entity_session(entity_client, method):
    getattr(entity_client, method)(reverse("entityportal:sign_out"))
    assert entity_client.get(reverse("entityportal:home")).status_code == 302


def test_the_office_cannot_drop_the_code_from_its_wording(world):
    from django.core.exceptions import ValidationError

    from shuangsuiji.notices.services import notice_template_save
    with pytest.raises(ValidationError) as exc:
        notice_template_save(actor=world.users["office"], organisation=world.office,
                             kind=Kind.ENTITY_CODE, subject="验证码",
                             body="{entity}：请联系{organisation}获取验证码。")
    assert "body" in exc.value.error_dict
    notice_template_save(actor=world.users["office"], organisation=world.office,
                         kind=Kind.ENTITY_CODE, subject="验证码",
                         body="{entity}：验证码为{code}。")


def test_the_outbox_page_does_not_show_the_code(entities, world):
    ask_code(Client(), entities.target, entities.contact)
    code = last_code(entities.contact)
    client = Client()
    client.force_login(world.users["office"])
    page = client.get(reverse("notices:outbox")).content.decode()
    assert entities.target.name + "联系人" in page and code not in page


def test_looking_up_codes_is_limited_per_address(entities, settings):
    settings.SHUANGSUIJI_ENTITY_LOOKUPS_PER_ADDRESS = 2
    client = Client()
    url = reverse("entityportal:sign_in")
    assert "张**" in client.post(url, {"uscc": entities.target.uscc}).content.decode()
    assert "李*" in client.post(url, {"uscc": entities.other_target.uscc}).content.decode()
    page = client.post(url, {"uscc": entities.target.uscc}).content.decode()
    assert "张**" not in page
    assert SignInAttempt.objects.filter(kind=AttemptKind.LOOKED_UP).count() == 2
