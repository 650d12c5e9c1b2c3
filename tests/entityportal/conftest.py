"""An entity of the joint task (tests/inspections/conftest.py), with contacts, signed in."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.entities.models import Contact, Target
from shuangsuiji.inspections.models import Inspection, Visit
from shuangsuiji.notices.choices import Kind
from shuangsuiji.notices.models import Notice
from tests.inspections.conftest import DrawnTask, drawn_task, private_files  # noqa: F401


@dataclass
class Entities:
    task: DrawnTask
    visit: Visit
    target: Target
    contact: Contact
    other_visit: Visit
    other_target: Target
    other_contact: Contact


def approve(result: Inspection, *, on: date | None = None) -> Inspection:
    """An approved result (the review itself is tested in tests/inspections)."""
    Inspection.objects.filter(pk=result.pk).update(
        state="approved", categories=["pending"], inspected_on=date(2026, 11, 2),
        summary="消防通道堵塞", reviewed_at=timezone.now() if on is None else
        timezone.make_aware(timezone.datetime(on.year, on.month, on.day, 10)))
    result.refresh_from_db()
    return result


@pytest.fixture
def entities(drawn_task) -> Entities:  # noqa: F811
    visit = drawn_task.visit
    other = Visit.objects.filter(task=drawn_task.task).exclude(pk=visit.pk).order_by("pk").first()
    # The visit is announced for a day after today: the notice shows, a recusal is still open.
    Visit.objects.filter(pk=visit.pk).update(agreed_date=timezone.localdate() + timedelta(days=3),
                                             materials="营业执照\n人防工程平时使用证")
    visit.refresh_from_db()
    target, other_target = visit.drawn_target.target, other.drawn_target.target
    contact = Contact.objects.create(target=target, name="张三丰", position="安全主管",
                                     phone="13800001234")
    other_contact = Contact.objects.create(target=other_target, name="李四", phone="13900005678")
    return Entities(drawn_task, visit, target, contact, other, other_target, other_contact)


def last_code(contact: Contact) -> str:
    notice = Notice.objects.filter(kind=Kind.ENTITY_CODE).order_by("-pk").first()
    assert notice is not None and contact.name[0] in notice.recipient
    return re.search(r"验证码为(\d{6})", notice.body).group(1)


def ask_code(client: Client, target: Target, contact: Contact, **extra):
    return client.post(reverse("entityportal:sign_in"),
                       {"uscc": target.uscc, "contact": contact.pk}, **extra)


def sign_in(client: Client, target: Target, contact: Contact) -> Client:
    response = ask_code(client, target, contact)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("entityportal:verify"), {"code": last_code(contact)})
    assert response.status_code == 302 and response["Location"] == reverse("entityportal:home")
    return client


@pytest.fixture
def entity_client(entities) -> Client:
    return sign_in(Client(), entities.target, entities.contact)
