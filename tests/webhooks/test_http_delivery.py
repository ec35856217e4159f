"""Delivery over real HTTP to a receiver on 127.0.0.1: failures, a timeout, then success."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
import standardwebhooks
from _receiver import receiving
from _webhook_desk import SECRET, submit

from ticketflow.exceptions import InvalidValueError, WebhookDeliveryError
from ticketflow.integrations import DispatchReport, RetrySchedule
from ticketflow.storage import InMemoryTicketStore
from ticketflow.webhooks import HttpTransport, WebhookDispatcher, WebhookEndpoint, verify


def test_failures_and_a_timeout_are_retried_until_the_receiver_accepts() -> None:
    store = InMemoryTicketStore()
    submit(store)
    with receiving([500, "hang", 200]) as receiver:
        endpoint = WebhookEndpoint(receiver.url, SECRET, timeout=0.5)
        schedule = RetrySchedule([timedelta(seconds=1), timedelta(seconds=1)], jitter=0)
        dispatcher = WebhookDispatcher(store, [endpoint], schedule=schedule)
        now = datetime.now(UTC)
        first = dispatcher.run_once(now=now)
        second = dispatcher.run_once(now=now + timedelta(seconds=1))
        receiver.release()
        third = dispatcher.run_once(now=now + timedelta(seconds=2))
        after = dispatcher.run_once(now=now + timedelta(hours=1))
    assert (first, second, third) == (
        DispatchReport(0, 1, 0, 0),
        DispatchReport(0, 1, 0, 0),
        DispatchReport(1, 0, 0, 0),
    )
    assert after == DispatchReport(0, 0, 0, 0), "delivered once it succeeded, and no more"
    received = receiver.received
    assert len(received) == 3
    assert len({r.headers["webhook-id"] for r in received}) == 1
    assert len({r.body for r in received}) == 1
    for request in received:
        assert request.path == "/hooks"
        assert request.headers["content-type"] == "application/json"
        sent = datetime.fromtimestamp(int(request.headers["webhook-timestamp"]), UTC)
        assert (
            verify(request.headers, request.body, SECRET, now=sent).msg_id
            == request.headers["webhook-id"]
        )
    last = received[-1]
    payload = standardwebhooks.Webhook(SECRET).verify(last.body.decode(), last.headers)
    assert payload["type"] == "ticket.created"


def test_a_redirect_is_not_followed() -> None:
    with receiving(["redirect"]) as receiver:
        status = HttpTransport().send(receiver.url, {"webhook-id": "m"}, b"{}", 5)
    assert status == 307
    assert [r.path for r in receiver.received] == ["/hooks"], "nobody went /elsewhere"


def test_a_redirect_fails_the_delivery() -> None:
    store = InMemoryTicketStore()
    submit(store)
    with receiving(["redirect"]) as receiver:
        endpoint = WebhookEndpoint(receiver.url, SECRET)
        report = WebhookDispatcher(store, [endpoint]).run_once()
    assert report.failed == 1
    assert len(receiver.received) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_no_receiver_is_unreachable() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/hooks"
    with pytest.raises(WebhookDeliveryError) as caught:
        HttpTransport().send(url, {}, b"{}", 2)
    assert caught.value.reason == "unreachable"
    assert caught.value.url == url
    assert isinstance(caught.value, ConnectionError)


def test_no_answer_in_time_is_a_timeout() -> None:
    with receiving(["hang"]) as receiver:
        with pytest.raises(WebhookDeliveryError) as caught:
            HttpTransport().send(receiver.url, {}, b"{}", 0.3)
        receiver.release()
    assert caught.value.reason == "timeout"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://x/"])
def test_the_transport_takes_only_http_and_https(url: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        HttpTransport().send(url, {}, b"{}", 2)
    assert caught.value.field == "url"


def test_the_transport_refuses_bad_arguments_before_connecting() -> None:
    transport = HttpTransport()
    with pytest.raises(InvalidValueError):
        transport.send("http://127.0.0.1:1/", {"a": "b\r\nc: d"}, b"", 1)
    with pytest.raises(InvalidValueError):
        transport.send("http://127.0.0.1:1/", {}, "text", 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError):
        transport.send("http://127.0.0.1:1/", {}, b"", 0)
    with pytest.raises(InvalidValueError):
        HttpTransport(ssl_context="yes")  # type: ignore[arg-type]


def test_https_to_a_receiver_without_tls_is_unreachable() -> None:
    with receiving() as receiver:
        url = receiver.url.replace("http://", "https://")
        with pytest.raises(WebhookDeliveryError) as caught:
            HttpTransport().send(url, {}, b"{}", 2)
    assert caught.value.reason == "unreachable"
    assert "SSL" in caught.value.problem
