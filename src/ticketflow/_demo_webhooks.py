"""The demo's webhook receiver: a survey service on 127.0.0.1 that verifies what it receives.

It stands for the host's side of the CSAT webhook: it verifies each request by the Standard
Webhooks rules (:func:`ticketflow.webhooks.verify`) against the shared secret, answers 401 to
anything that fails and 204 to what passes, and keeps what it accepted, once per
``webhook-id`` (deliveries are at least once).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .exceptions import WebhookVerificationError
from .webhooks import WebhookSecret, verify

__all__ = ["DEMO_SECRET", "SurveyReceiver", "survey_receiver"]

DEMO_SECRET = WebhookSecret.parse(
    "whsec_" + base64.b64encode(b"ticketflow demo secret, 32 byte").decode()
)
"""The secret the demo's desk and receiver share (a real one comes from a vault)."""


class SurveyReceiver:
    """What the receiver accepted, by ``webhook-id``, and what it refused."""

    def __init__(self, secret: WebhookSecret, now: Callable[[], datetime]) -> None:
        self.secret = secret
        self.now = now
        self.accepted: dict[str, dict[str, Any]] = {}
        self.refused: list[str] = []
        self.lock = threading.Lock()
        self.url = ""

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        """Verify one request; return the HTTP status to answer."""
        try:
            verified = verify(headers, body, self.secret, now=self.now())
        except WebhookVerificationError as error:
            with self.lock:
                self.refused.append(error.reason)
            return 401
        with self.lock:
            self.accepted.setdefault(verified.msg_id, json.loads(body))
        return 204


@contextmanager
def survey_receiver(secret: WebhookSecret, now: Callable[[], datetime]) -> Iterator[SurveyReceiver]:
    """Serve a :class:`SurveyReceiver` on a free port of 127.0.0.1 while the block runs."""
    receiver = SurveyReceiver(secret, now)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            status = receiver.receive(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet: the demo prints what matters."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/surveys"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
