"""Real servers for the notices: an SMTP server (aiosmtpd) and an HTTP SMS gateway
(http.server), both on free local ports, started and stopped by the tests; and a drawn joint
task whose inspectors have the addresses the office recorded."""

import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from shuangsuiji.draws.services import draw_execute, task_freeze
from shuangsuiji.plans import services as plans
from tests.draws.conftest import make_inspector, make_item, make_targets

FAR = date(2099, 12, 31)
PHONE = "13912345678"
EMAIL = "zhang.inspector@example.cn"


@dataclass
class Mailbox:
    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port: the controller checks it can connect
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    controller.stop()


@dataclass
class Gateway:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    status: int = 200  # what it answers; a test sets 500 to make it fail
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def sms_gateway(settings):
    """A plain HTTP SMS gateway: records each POST, answers `status`."""
    state: dict[str, Gateway] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            gateway = state["g"]
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with gateway.lock:
                status = gateway.status
                if status == 200:
                    gateway.received.append(json.loads(body))
                    gateway.headers.append(dict(self.headers))
            self.send_response(status)
            self.end_headers()
            # A refusal echoes the number, as real gateways do: it must not reach a page.
            phone = json.loads(body)["phone"]
            self.wfile.write(b'{"ok": true}' if status == 200 else
                             f'{{"error": "quota", "phone": "{phone}"}}'.encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway = Gateway(url=f"http://127.0.0.1:{server.server_address[1]}/sms/send")
    state["g"] = gateway
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SHUANGSUIJI_SMS_URL = gateway.url
    settings.SHUANGSUIJI_SMS_SIGNATURE = "晋城人防"
    settings.SHUANGSUIJI_SMS_TEMPLATE = "SMS_0001"
    settings.SHUANGSUIJI_SMS_TOKEN = "gateway-token"
    yield gateway
    server.shutdown()
    server.server_close()


@pytest.fixture
def all_channels(settings):
    settings.SHUANGSUIJI_NOTICE_CHANNELS = ["inbox", "email", "sms"]
    settings.SHUANGSUIJI_NOTICE_RETRY_SECONDS = 60
    settings.SHUANGSUIJI_NOTICE_MAX_ATTEMPTS = 3


@pytest.fixture
def joint_task(world, all_channels):
    """The inspection tests' joint task (RFB and the fire rescue, two officers each), drawn
    after the office recorded the `inspector` user's e-mail and RFB-E1's phone."""
    office = world.users["office"]
    make_targets(world, n=8)
    rfb1 = make_inspector(world.engineering, "RFB-E1", valid_to=FAR)
    make_inspector(world.engineering, "RFB-E2", valid_to=FAR)
    xf1 = make_inspector(world.brigade, "XFZD-E1", valid_to=FAR)
    make_inspector(world.brigade, "XFZD-E2", valid_to=FAR)
    user = world.users["inspector"]
    user.email = EMAIL
    user.save(update_fields=["email"])
    rfb1.user, rfb1.phone = user, PHONE
    rfb1.save(update_fields=["user", "phone"])
    xf1.user = world.users["other_inspector"]
    xf1.save(update_fields=["user"])
    office_items = [make_item(world.office, "RF-01"), make_item(world.office, "RF-02")]
    fire_item = make_item(world.fire, "XF-01")
    task = plans.task_create(actor=office, data={
        "code": "RFB-2026-LH01", "name": "2026年部门联合双随机抽查", "initiating": world.office,
        "period_start": date(2026, 10, 8), "period_end": date(2099, 11, 13), "ratio": "25",
        "lookback_days": 0})
    plans.task_set_department(actor=office, task=task, department_id=world.office.pk,
                              item_ids=[i.pk for i in office_items], role="initiating")
    plans.task_set_department(actor=office, task=task, department_id=world.fire.pk,
                              item_ids=[fire_item.pk])
    plans.task_answer_invitation(actor=world.users["partner"], task=task,
                                 department_id=world.fire.pk, accept=True)
    task_freeze(actor=office, task=task, planned_draw_at=timezone.now() + timedelta(hours=1))
    draw_execute(actor=office, task=task, ceremony_input="38201958377102938475",
                 witnesses=["王新根", "李华"], source="十面骰子 20 次", present=["张三"])
    task.refresh_from_db()
    return task


@pytest.fixture(autouse=True)
def english_messages():
    """Texts the services write (errors, recipients' roles) in the active language: English
    here, whatever an earlier test's request activated."""
    from django.utils import translation

    with translation.override("en"):
        yield
