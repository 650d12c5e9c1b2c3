"""Pushes to the credit platforms and the provincial system through one outbox: signed with
each target's key, retried when the receiver fails or stalls, counted once, a refusal shown
failed with its reason and pushed again from the office's page (audited)."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from shuangsuiji.core.models import AuditEvent
from shuangsuiji.exchange import outbox, services
from shuangsuiji.exchange.models import Delivery, Payload, State, Target
from shuangsuiji.publication import services as publication
from shuangsuiji.publication.models import ResultRepair
from shuangsuiji.rules import signing


@pytest.fixture
def published(world, approved):
    return [publication.result_publish(actor=world.users["office"], inspection=i)
            for i in approved.office]


def test_collect_writes_one_delivery_per_record_and_target_once(world, approved, published,
                                                                receivers):
    assert services.deliveries_collect() == 2 * 2 + 3  # two results × two platforms; three
    assert services.deliveries_collect() == 0  # nothing twice
    result_rows = Delivery.objects.filter(payload=Payload.RESULT)
    assert set(result_rows.values_list("target", flat=True)) == {Target.NATIONAL, Target.CITY}
    province = Delivery.objects.filter(target=Target.PROVINCE)
    assert province.count() == 3 and set(province.values_list("payload", flat=True)) == {
        Payload.SUPERVISION}
    # The fire rescue's result belongs to the fire rescue's organisation, not the office's.
    assert province.get(inspection=approved.fire).organisation_id == world.fire.pk
    assert AuditEvent.objects.filter(action="delivery.collect").count() == 2


def test_every_push_is_signed_with_its_own_targets_key(approved, published, receivers):
    done = outbox.deliver_due()
    assert done.sent == 7 and done.failed == 0
    for target, receiver in receivers.items():
        assert receiver.refused == []
        assert receiver.requests, target
        for request in receiver.requests:
            assert request["headers"][signing.SIGNATURE_HEADER].startswith("sha256=")
            assert request["key"].startswith(f"ssj-{target}-")
    national = next(iter(receivers["national"].bodies.values()))
    assert national["schema"] == "shuangsuiji.result/1"
    assert national["result"]["检查任务编号"] == "RFB-2026-LH01"
    province = next(iter(receivers["province"].bodies.values()))
    assert province["records"][0]["kind"] == "双随机抽查"


def test_a_failing_then_stalling_receiver_is_retried_and_counts_the_delivery_once(
        approved, receivers, settings):
    settings.SHUANGSUIJI_DELIVERY_TARGETS = {
        "province": settings.SHUANGSUIJI_DELIVERY_TARGETS["province"]}
    province = receivers["province"]
    province.script = ["500", "stall"]  # then "ok"
    services.deliveries_collect()
    first = Delivery.objects.order_by("pk").first()
    Delivery.objects.exclude(pk=first.pk).delete()

    done = outbox.deliver_due(collect=False)
    first.refresh_from_db()
    assert (done.retrying, first.state, first.attempts) == (1, State.PENDING, 1)
    assert first.last_error.startswith("HTTP 500") and first.last_status == 500

    done = outbox.deliver_due(collect=False)  # the receiver stalls past the timeout
    first.refresh_from_db()
    assert (done.retrying, first.state, first.attempts) == (1, State.PENDING, 2)
    assert "timed out" in first.last_error.lower()

    done = outbox.deliver_due(collect=False)
    first.refresh_from_db()
    assert (done.sent, first.state, first.attempts) == (1, State.SENT, 3)
    assert first.last_error == "" and first.sent_at is not None
    # Three requests under one key; the receiver counted it once.
    keys = [r["key"] for r in province.requests]
    assert keys == [first.idempotency_key] * 3
    assert province.counted[first.idempotency_key] == 1
    # Nothing left to push: the sender never marks it sent again.
    sent_at = first.sent_at
    assert outbox.deliver_due(collect=False).ids == []
    first.refresh_from_db()
    assert first.sent_at == sent_at and len(province.requests) == 3


def test_a_wrong_key_is_refused_by_the_receiver_and_shown_failed_with_the_reason(
        world, client, approved, receivers, settings):
    settings.SHUANGSUIJI_DELIVERY_TARGETS = {
        "province": {"url": receivers["province"].url, "key": "not-the-province-key"}}
    done = outbox.deliver_due()
    assert done.failed == 3 and done.sent == 0 and done.retrying == 0  # no retry of a 401
    failed = Delivery.objects.filter(state=State.FAILED)
    assert failed.count() == 3
    assert set(failed.values_list("last_error", flat=True)) == {
        "HTTP 401: signature does not verify"}
    assert receivers["province"].counted == {}

    # The office sees it and its reason, fixes the key, pushes it again (audited).
    client.force_login(world.users["office"])
    page = client.get(reverse("exchange:deliveries"), {"state": "failed"})
    text = page.content.decode()
    assert "signature does not verify" in text
    mine = failed.filter(organisation=world.office).first()
    settings.SHUANGSUIJI_DELIVERY_TARGETS = {
        "province": {"url": receivers["province"].url, "key": "province-secret"}}
    response = client.post(reverse("exchange:retry", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.state == State.PENDING and mine.attempts == 0
    entry = AuditEvent.objects.get(action="delivery.retry")
    assert entry.data["last_error"] == "HTTP 401: signature does not verify"
    assert outbox.deliver_due().sent == 1
    mine.refresh_from_db()
    assert mine.state == State.SENT
    assert receivers["province"].counted[mine.idempotency_key] == 1


def test_another_organisation_cannot_see_or_retry_the_offices_deliveries(
        world, client, approved, receivers, settings):
    settings.SHUANGSUIJI_DELIVERY_TARGETS = {
        "province": {"url": receivers["province"].url, "key": "wrong"}}
    outbox.deliver_due()
    mine = Delivery.objects.filter(organisation=world.office).first()
    client.force_login(world.users["partner"])  # the fire rescue's staff
    page = client.get(reverse("exchange:deliveries")).content.decode()
    assert mine.label not in page
    assert client.post(reverse("exchange:retry", args=[mine.pk])).status_code == 404
    mine.refresh_from_db()
    assert mine.state == State.FAILED


def test_a_stuck_claim_goes_back_to_waiting_and_is_pushed_again(approved, receivers,
                                                                settings):
    services.deliveries_collect()
    Delivery.objects.update(state=State.SENDING, claimed_by="dead-worker",
                            claimed_at="2020-01-01T00:00:00Z")
    done = outbox.deliver_due(collect=False)
    assert done.returned == 3 and done.sent == 3


def test_the_command_pushes_what_is_due(approved, receivers, capsys):
    call_command("deliveries", "send")
    out = capsys.readouterr().out
    assert "written 3, sent 3" in out
    body = json.loads(Delivery.objects.first().body)
    assert body["schema"] == "shuangsuiji.supervision/1"


def test_approving_and_publishing_a_result_has_the_worker_push_it(
        world, drawn_task, receivers, django_capture_on_commit_callbacks):
    """The tests' task backend runs a task at once: the worker's round happens on commit."""
    from tests.publication.conftest import approve

    with django_capture_on_commit_callbacks(execute=True):
        result = approve(world, drawn_task.office_result)
    province = Delivery.objects.get(target=Target.PROVINCE, inspection=result)
    assert province.state == State.SENT
    assert receivers["province"].counted[province.idempotency_key] == 1
    assert not Delivery.objects.filter(payload=Payload.RESULT).exists()  # not published yet
    with django_capture_on_commit_callbacks(execute=True):
        publication.result_publish(actor=world.users["office"], inspection=result)
    assert set(Delivery.objects.filter(payload=Payload.RESULT, state=State.SENT)
               .values_list("target", flat=True)) == {Target.NATIONAL, Target.CITY}


def test_nothing_is_written_while_no_receiver_is_configured(world, drawn_task, settings,
                                                            django_capture_on_commit_callbacks):
    from tests.publication.conftest import approve

    settings.SHUANGSUIJI_DELIVERY_TARGETS = {}
    with django_capture_on_commit_callbacks(execute=True):
        approve(world, drawn_task.office_result)
    assert not Delivery.objects.exists()


def test_a_targets_key_is_read_from_a_file_named_by_key_file(tmp_path):
    """As a container secret gives it: the settings read SHUANGSUIJI_DELIVERY_<T>_KEY_FILE."""
    import os
    import subprocess
    import sys

    secret = tmp_path / "province.key"
    secret.write_text("from-a-file\n", encoding="utf-8")
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE":
           "shuangsuiji.config.settings", "SHUANGSUIJI_DATA_DIR": str(tmp_path),
           "SHUANGSUIJI_DELIVERY_PROVINCE_URL": "https://province.example/push",
           "SHUANGSUIJI_DELIVERY_PROVINCE_KEY_FILE": str(secret)}
    code = ("import django; django.setup(); from shuangsuiji.exchange import targets; "
            "r = targets.receiver('province'); print(r.url, r.key.decode()); "
            "print(targets.receiver('city'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert out[0] == "https://province.example/push from-a-file"
    assert out[1] == "None"  # no address, no key: not pushed to


def test_a_credit_repair_follows_its_result_to_the_credit_platforms_once(world, published,
                                                                         receivers):
    """信用修复 of a result the platforms hold is pushed to them, once, after the result; the
    office's reason stays home. The provincial system (监管行为数据) is not told."""
    first, second = published
    repair = ResultRepair.objects.create(result=first, organisation=world.office,
                                         repaired_on=date(2026, 12, 1), reason="整改到位，同意修复",
                                         approved_by=world.users["office"])
    # Not before its result has reached the receiver.
    services.deliveries_collect()
    assert not Delivery.objects.filter(payload=Payload.REPAIR).exists()
    assert outbox.deliver_due().failed == 0
    assert services.deliveries_collect() == 2  # national and city
    assert services.deliveries_collect() == 0  # nothing twice
    repairs = Delivery.objects.filter(payload=Payload.REPAIR)
    assert set(repairs.values_list("target", flat=True)) == {Target.NATIONAL, Target.CITY}
    assert set(repairs.values_list("inspection_id", flat=True)) == {first.inspection_id}
    outbox.deliver_due()
    for target in ("national", "city"):
        key = repairs.get(target=target).idempotency_key
        assert receivers[target].counted[key] == 1
        body = receivers[target].bodies[key]
        assert body["schema"] == "shuangsuiji.result-repair/1"
        assert body["repair"]["信用修复日期"] == "2026-12-01"
        assert body["repair"]["统一社会信用代码"] == first.uscc
        assert repair.reason not in json.dumps(body, ensure_ascii=False)
    assert not Delivery.objects.filter(target=Target.PROVINCE, payload=Payload.REPAIR).exists()
    assert second.inspection_id not in set(repairs.values_list("inspection_id", flat=True))
