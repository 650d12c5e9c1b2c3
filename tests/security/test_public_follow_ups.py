"""An outsider reading an entity's public credit file for follow-up decisions it must not
show: those of a result whose findings are withheld, of a withdrawn result, of a result
withheld after the decision, a case with no decision yet, referrals, and every internal
field of a decision (owner, notes, re-check findings).

The portal's world (tests/portal/conftest.py): the office's result of the first visit is
published whole; the fire rescue's result of the same visit, same entity, is published with
its findings withheld by an approved redaction.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shuangsuiji.inspections.services import (
    follow_up_create,
    follow_up_penalty,
    follow_up_recheck,
)
from shuangsuiji.publication import services as publication
from tests.portal.conftest import anonymous, portal  # noqa: F401

pytestmark = pytest.mark.django_db
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
NOTES = "已电话联系企业负责人赵秘密，手机13912340000"
RECHECK = "复查发现整改到位，复查人钱内部"


def page(client, code: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("portal:entity", args=[code]), **ZH)
    return response.content.decode() if response.status_code == 200 else ""


@pytest.fixture
def decided(world, portal):  # noqa: F811
    office, partner = world.users["office"], world.users["partner"]
    today = timezone.localdate()
    result, fire = portal.approved.office[0], portal.approved.fire
    rectify = follow_up_create(actor=office, inspection=result, kind="rectify", owner=office,
                               due_on=today, notes=NOTES, rectify_by=today - timedelta(days=3))
    follow_up_recheck(actor=office, follow_up=rectify, day=today - timedelta(days=1),
                      passed=True, note=RECHECK)
    penalty = follow_up_create(actor=office, inspection=result, kind="penalty", owner=office,
                               due_on=today, notes=NOTES)
    follow_up_penalty(actor=office, follow_up=penalty, decision_number="晋人防罚〔2026〕7号",
                      amount=Decimal("20000.00"), decision_date=today)
    follow_up_create(actor=office, inspection=result, kind="penalty", owner=office,
                     due_on=today, notes="立案待查")  # no decision yet
    follow_up_create(actor=office, inspection=result, kind="refer", owner=office,
                     due_on=today, referred_to="晋城市住房和城乡建设局")
    # The fire rescue's result, findings withheld: its decisions say what was found.
    secret = follow_up_create(actor=partner, inspection=fire, kind="penalty", owner=partner,
                              due_on=today)
    follow_up_penalty(actor=partner, follow_up=secret, decision_number="晋消罚〔2026〕99号",
                      amount=Decimal("50000.00"), decision_date=today)
    follow_up_create(actor=partner, inspection=fire, kind="rectify", owner=partner,
                     due_on=today, rectify_by=today + timedelta(days=17))
    return result.visit.drawn_target.ident


def test_it_shows_the_decisions_of_a_result_published_whole(anonymous, decided):  # noqa: F811
    html = page(anonymous, decided)
    for shown in ("后续处置决定", "责令改正", "行政处罚", "晋人防罚〔2026〕7号", "20000"):
        assert shown in html, shown


def test_it_shows_nothing_of_a_result_with_withheld_fields(anonymous, decided):  # noqa: F811
    html = page(anonymous, decided)
    assert "晋消罚〔2026〕99号" not in html and "50000" not in html
    later = (timezone.localdate() + timedelta(days=17)).isoformat()
    assert later not in html  # the fire rescue's rectification deadline


def test_it_shows_no_open_case_no_referral_and_no_internal_field(world, anonymous,  # noqa: F811
                                                                  decided):
    html = page(anonymous, decided)
    office = world.users["office"]
    for hidden in ("立案待查", "晋城市住房和城乡建设局", "赵秘密", "13912340000", "139****0000",
                   "钱内部", "复查发现", office.username, "高风险", "信用风险"):
        assert hidden not in html, hidden
    if office.get_full_name():
        assert office.get_full_name() not in html


def test_a_result_withheld_or_withdrawn_later_takes_its_decisions_off(
        world, anonymous, portal, decided):  # noqa: F811
    office = world.users["office"]
    result = portal.approved.office[0]
    publication.redaction_approve(actor=office, inspection=result, whole=False,
                                  fields=["result"], basis="rf_secret",
                                  reason="涉及人防工程秘密，依据《保守国家秘密法》")
    assert "晋人防罚〔2026〕7号" not in page(anonymous, decided)
    published = result.publication
    published.refresh_from_db()
    published.withheld_fields = []  # even if the snapshot were stale: the redaction counts
    published.save(update_fields=["withheld_fields"])
    assert "晋人防罚〔2026〕7号" not in page(anonymous, decided)
    publication.result_withdraw(actor=office, published=published, reason="更正后重新公示")
    assert "晋人防罚〔2026〕7号" not in page(anonymous, decided)
