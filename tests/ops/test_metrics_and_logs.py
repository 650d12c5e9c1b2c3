"""/metrics only for the scraper's token, with the queues; log lines without personal data."""

import io
import json
import logging

import pytest
from django.test import Client
from pythonjsonlogger.json import JsonFormatter

from shuangsuiji.core.logging import ScrubPersonalData
from shuangsuiji.rules.log_scrub import scrub_personal_data

TOKEN = "scrape-me-4c1f"


@pytest.mark.django_db
def test_metrics_are_there_only_for_the_token(settings):
    settings.SHUANGSUIJI_METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 404  # no token set: no page
    settings.SHUANGSUIJI_METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    Client().get("/healthz")  # one request counted
    page = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    text = page.content.decode()
    assert page.status_code == 200 and "django_http_requests_latency_seconds" in text
    assert "shuangsuiji_jobs_ready 0.0" in text
    assert 'shuangsuiji_notices{state="failed"} 0.0' in text


def test_personal_data_is_masked_in_any_text():
    text = ("call 13912345678 or +86 13812345678, office 0356-2021930, id 14050219800101123X, "
            "mail li.hui@example.gov.cn; code 91140502MA0GF82U3W stays; amount 5000 stays")
    clean = scrub_personal_data(text)
    for secret in ("13912345678", "13812345678", "2021930", "14050219800101123X",
                   "li.hui@"):
        assert secret not in clean, secret
    assert "91140502MA0GF82U3W" in clean and "5000" in clean and "@example.gov.cn" in clean


@pytest.mark.parametrize("json_lines", [False, True])
def test_log_lines_carry_no_phone_even_in_arguments_and_tracebacks(json_lines):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(ScrubPersonalData())
    if json_lines:
        handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s"))
    log = logging.getLogger("tests.scrub")
    log.addHandler(handler)
    try:
        log.warning("SMS to %s failed", "13912345678")
        try:
            raise ValueError("gateway said: bad number 13812345678")
        except ValueError:
            log.exception("delivery")
    finally:
        log.removeHandler(handler)
    written = out.getvalue()
    assert "13912345678" not in written and "13812345678" not in written
    assert "139****5678" in written and "ValueError" in written
    if json_lines:
        first = json.loads(written.splitlines()[0])
        assert first["message"] == "SMS to 139****5678 failed"
