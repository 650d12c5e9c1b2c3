"""A real receiving system: an HTTP server in a thread that checks each push's signature with
its own copy of the key, counts a delivery once by its idempotency key, and answers as the
test scripts it (500, a stall longer than the sender waits, or 200)."""

import contextlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shuangsuiji.rules import signing
from tests.publication.conftest import Approved, approve, approved, drawn_task  # noqa: F401

KEYS = {"national": "national-secret", "city": "city-secret", "province": "province-secret"}


@dataclass
class Receiver:
    key: bytes
    script: list[str] = field(default_factory=list)  # "500", "stall", "ok" per request
    requests: list[dict] = field(default_factory=list)
    counted: Counter = field(default_factory=Counter)  # idempotency key → times counted
    bodies: dict = field(default_factory=dict)  # idempotency key → parsed body
    refused: list[str] = field(default_factory=list)
    stall_seconds: float = 1.5
    url: str = ""

    def accept(self, key: str, body: bytes) -> None:
        if key not in self.counted:
            self.bodies[key] = json.loads(body)
        self.counted[key] += 0 if key in self.counted else 1


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the sender stopped waiting
                self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            key = self.headers.get(signing.IDEMPOTENCY_HEADER, "")
            receiver.requests.append({"key": key, "headers": dict(self.headers)})
            if not signing.verify(receiver.key, timestamp=self.headers.get(
                    signing.TIMESTAMP_HEADER, ""), signed=self.headers.get(
                    signing.SIGNATURE_HEADER, ""), body=body, now=int(time.time())):
                receiver.refused.append(key)
                self._answer(401, "signature does not verify")
                return
            action = receiver.script.pop(0) if receiver.script else "ok"
            if action == "500":
                self._answer(500, "internal error, try later")
                return
            if action == "stall":
                # Received and counted, but the answer comes after the sender gave up: the
                # sender pushes again, and the key makes the second one a repeat.
                receiver.accept(key, body)
                time.sleep(receiver.stall_seconds)
                self._answer(200, "ok")
                return
            receiver.accept(key, body)
            self._answer(200, "ok")

    return Handler


@pytest.fixture
def receivers(settings):
    """A server per receiving system, each with its own key, configured in the settings."""
    servers, made = [], {}
    for target, key in KEYS.items():
        receiver = Receiver(key=key.encode())
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        receiver.url = f"http://127.0.0.1:{server.server_address[1]}/push"
        servers.append(server)
        made[target] = receiver
    settings.SHUANGSUIJI_DELIVERY_TARGETS = {
        t: {"url": r.url, "key": KEYS[t]} for t, r in made.items()}
    settings.SHUANGSUIJI_DELIVERY_TIMEOUT = 0.5
    settings.SHUANGSUIJI_DELIVERY_RETRY_SECONDS = 0
    settings.SHUANGSUIJI_DELIVERY_MAX_ATTEMPTS = 4
    yield made
    for server in servers:
        server.shutdown()
        server.server_close()
