"""WebhookDispatcher with the recording transport: what is sent, retried, dead-lettered, re-sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import standardwebhooks
from _webhook_desk import SECRET, T0, submit

from ticketflow.exceptions import InvalidValueError, WebhookDeliveryError
from ticketflow.integrations import DispatchReport, RetrySchedule
from ticketflow.storage import (
    DeadLetterStore,
    InMemoryTicketStore,
    OutboxMessage,
    SQLiteTicketStore,
    TicketStore,
)
from ticketflow.webhooks import (
    RecordingTransport,
    WebhookDispatcher,
    WebhookEndpoint,
    WebhookSecret,
    verify,
    webhook_body,
)

URL = "https://hooks.example.com/ticketflow"
NO_JITTER = RetrySchedule(jitter=0)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TicketStore]:
    if request.param == "memory":
        yield InMemoryTicketStore()
        return
    with SQLiteTicketStore(tmp_path / "desk.sqlite3", synchronous="OFF") as sqlite:
        yield sqlite


def _dispatcher(
    store: TicketStore, transport: RecordingTransport, **options: object
) -> WebhookDispatcher:
    endpoint = WebhookEndpoint(URL, SECRET)
    settings: dict[str, object] = {"schedule": NO_JITTER, **options}
    return WebhookDispatcher(store, [endpoint], transport=transport, **settings)  # type: ignore[arg-type]


def _pending(store: TicketStore) -> OutboxMessage:
    (leased,) = store.claim_outbox(worker="peek", now=T0, lease=timedelta(microseconds=1))
    return leased.message


def test_a_delivery_posts_the_standard_payload_with_signed_headers(store: TicketStore) -> None:
    ticket = submit(store)
    message = _pending(store)
    transport = RecordingTransport()
    now = T0 + timedelta(seconds=1, microseconds=700_000)
    report = _dispatcher(store, transport).run_once(now=now)
    assert report == DispatchReport(1, 0, 0, 0)
    (request,) = transport.requests
    assert request.url == URL
    assert request.timeout == 15.0
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == message.id
    assert request.headers["webhook-timestamp"] == str(int(now.timestamp()))
    body = json.loads(request.body)
    assert set(body) == {"type", "timestamp", "data"}
    assert body["type"] == "ticket.created"
    assert body["timestamp"] == "2026-03-02T09:00:00Z"
    assert body["data"]["ticket"]["id"] == ticket.id
    assert request.body == webhook_body(message)
    verified = verify(request.headers, request.body, SECRET, now=now)
    assert verified.msg_id == message.id
    assert store.claim_outbox(worker="w", now=now + timedelta(days=1), lease=timedelta(1)) == []


def test_the_reference_package_verifies_what_is_sent() -> None:
    store = InMemoryTicketStore()
    submit(store)
    transport = RecordingTransport()
    _dispatcher(store, transport).run_once(now=datetime.now(UTC))
    (request,) = transport.requests
    payload = standardwebhooks.Webhook(SECRET).verify(request.body.decode(), dict(request.headers))
    assert payload["type"] == "ticket.created"


def test_every_retry_sends_the_same_id_and_bytes_with_its_own_timestamp(
    store: TicketStore,
) -> None:
    submit(store)
    transport = RecordingTransport([500, WebhookDeliveryError("timeout", URL, "slow"), 302])
    dispatcher = _dispatcher(store, transport)
    now = T0
    reports = []
    for delay in (timedelta(0), timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30)):
        now += delay
        reports.append(dispatcher.run_once(now=now))
    assert [r.failed for r in reports] == [1, 1, 1, 0]
    assert reports[-1].delivered == 1
    requests = transport.requests
    assert len(requests) == 4
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert len({r.body for r in requests}) == 1
    stamps = [int(r.headers["webhook-timestamp"]) for r in requests]
    assert stamps == sorted(set(stamps)), "each attempt is stamped at its own time"
    for request, stamp in zip(requests, stamps, strict=True):
        at = datetime.fromtimestamp(stamp, UTC)
        assert verify(request.headers, request.body, SECRET, now=at).msg_id


def test_after_the_last_attempt_the_message_is_a_dead_letter(store: TicketStore) -> None:
    submit(store)
    transport = RecordingTransport(then=503)
    dispatcher = _dispatcher(store, transport)
    now = T0
    reports = [dispatcher.run_once(now=now)]
    for delay in NO_JITTER.delays:
        now += delay
        reports.append(dispatcher.run_once(now=now))
    assert [r.failed for r in reports] == [1] * 8
    assert [r.dead_lettered for r in reports] == [0] * 7 + [1]
    assert len(transport.requests) == 8
    assert isinstance(store, DeadLetterStore)
    (letter,) = store.dead_letters()
    assert letter.attempts == 8
    assert letter.dead_at == now
    assert letter.last_error.startswith("WebhookDeliveryError(")
    assert "503" in letter.last_error
    assert dispatcher.run_once(now=now + timedelta(days=30)) == DispatchReport(0, 0, 0, 0)


def test_a_resent_dead_letter_is_delivered_with_its_id(store: TicketStore) -> None:
    submit(store)
    failing = RecordingTransport(then=500)
    dispatcher = _dispatcher(store, failing, schedule=RetrySchedule([timedelta(seconds=1)]))
    dispatcher.run_once(now=T0)
    assert dispatcher.run_once(now=T0 + timedelta(seconds=2)).dead_lettered == 1
    assert isinstance(store, DeadLetterStore)
    (letter,) = store.dead_letters()
    assert store.resend_dead_letter(letter.message.id, not_before=T0 + timedelta(hours=1))
    working = RecordingTransport()
    report = _dispatcher(store, working).run_once(now=T0 + timedelta(hours=1))
    assert report.delivered == 1
    (request,) = working.requests
    assert request.headers["webhook-id"] == letter.message.id
    assert request.body == failing.requests[0].body, "the same bytes as the first attempt"


def test_a_redirect_is_a_failure() -> None:
    store = InMemoryTicketStore()
    submit(store)
    transport = RecordingTransport([301])
    report = _dispatcher(store, transport).run_once(now=T0)
    assert report.failed == 1
    assert len(transport.requests) == 1, "nothing follows the redirect"


def test_topics_choose_the_endpoints_and_others_are_released_not_dropped() -> None:
    store = InMemoryTicketStore()
    ticket = submit(store)
    transport = RecordingTransport()
    wanted = WebhookEndpoint(URL, SECRET, topics=["ticket.commented"])
    dispatcher = WebhookDispatcher(store, [wanted], transport=transport)
    report = dispatcher.run_once(now=T0)
    assert report == DispatchReport(0, 0, 1, 0)
    assert not transport.requests, "no endpoint wanted it"
    everything = WebhookEndpoint(URL, SECRET, topics=["ticket.*"])
    later = WebhookDispatcher(store, [everything], transport=transport)
    assert later.run_once(now=T0 + timedelta(minutes=5)).delivered == 1
    assert json.loads(transport.requests[-1].body)["data"]["ticket"]["id"] == ticket.id


def test_every_endpoint_that_wants_a_topic_gets_it_and_handlers_run_too() -> None:
    store = InMemoryTicketStore()
    submit(store)
    transport = RecordingTransport([500])
    endpoints = [
        WebhookEndpoint("https://a.example/hook", SECRET, topics=["ticket.created"]),
        WebhookEndpoint("https://b.example/hook", WebhookSecret.generate(), topics=["*"]),
        WebhookEndpoint("https://c.example/hook", SECRET, topics=["billing.*"]),
    ]
    handled: list[str] = []
    dispatcher = WebhookDispatcher(
        store,
        endpoints,
        transport=transport,
        schedule=NO_JITTER,
        handlers={"ticket.*": lambda message: handled.append(message.topic)},
    )
    assert dispatcher.run_once(now=T0).failed == 1, "one endpoint failed: the message waits"
    urls = [r.url for r in transport.requests]
    assert urls == ["https://a.example/hook", "https://b.example/hook"], "b still got it"
    assert dispatcher.run_once(now=T0 + timedelta(seconds=5)).delivered == 1
    assert len(transport.requests) == 4, "a retry goes to every endpoint that wants it"
    assert handled == ["ticket.created", "ticket.created"]


def test_a_handler_for_everything_acknowledges_what_no_endpoint_wants() -> None:
    store = InMemoryTicketStore()
    submit(store)
    endpoint = WebhookEndpoint(URL, SECRET, topics=["billing.*"])
    dispatcher = WebhookDispatcher(
        store, [endpoint], transport=RecordingTransport(), handlers={"*": lambda _: None}
    )
    assert dispatcher.run_once(now=T0).delivered == 1


def test_a_message_id_that_cannot_be_a_webhook_id_fails_as_unsigned() -> None:
    store = InMemoryTicketStore()
    from ticketflow.testing._store_checks import created  # noqa: PLC0415

    change = created(1)
    long_id = OutboxMessage(id="m" * 300, topic="x", payload={}, created_at=T0)
    store.commit(
        type(change)(
            ticket=change.ticket, events=change.events, expected_version=0, outbox=(long_id,)
        )
    )
    dispatcher = _dispatcher(store, RecordingTransport(), schedule=RetrySchedule([timedelta(1)]))
    dispatcher.run_once(now=T0)
    assert dispatcher.run_once(now=T0 + timedelta(days=2)).dead_lettered == 1
    (letter,) = store.dead_letters()
    assert "unsigned" in letter.last_error


def test_run_once_reads_the_clock_when_given_no_now() -> None:
    from ticketflow.testing import FrozenClock  # noqa: PLC0415

    store = InMemoryTicketStore()
    submit(store)
    transport = RecordingTransport()
    clock = FrozenClock(T0 + timedelta(hours=3))
    endpoint = WebhookEndpoint(URL, SECRET)
    WebhookDispatcher(store, [endpoint], transport=transport, clock=clock).run_once()
    assert transport.requests[0].headers["webhook-timestamp"] == str(
        int((T0 + timedelta(hours=3)).timestamp())
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.com/x", "http or https"),
        ("file:///etc/passwd", "http or https"),
        ("example.com/hook", "http or https"),
        ("https:///path", "host"),
        ("https://user:pw@example.com/", "credentials"),
        ("https://example.com/a#b", "fragment"),
        ("https://example.com:99999/", "not a URL"),
        ("https://exa mple.com/", "spaces"),
        ("https://exämple.com/", "ASCII"),
        ("https://example.com/\n", "single line"),
        ("", "empty"),
        ("https://example.com/" + "a" * 3000, "at most"),
    ],
)
def test_an_endpoint_takes_only_http_and_https_urls(url: str, problem: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        WebhookEndpoint(url, SECRET)
    assert caught.value.field == "url"
    assert problem in caught.value.problem, caught.value.problem


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"secret": "not-a-secret"}, "secret"),
        ({"secret": []}, "secret"),
        ({"topics": "ticket.*"}, "topics"),
        ({"topics": []}, "topics"),
        ({"topics": ["ticket*"]}, "topics[0]"),
        ({"topics": ["a", "*.created"]}, "topics[1]"),
        ({"topics": ["a.*.b"]}, "topics[0]"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": 301}, "timeout"),
        ({"timeout": True}, "timeout"),
    ],
)
def test_a_bad_endpoint_is_refused_naming_the_field(
    arguments: dict[str, object], field: str
) -> None:
    options: dict[str, object] = {"secret": SECRET, **arguments}
    with pytest.raises(InvalidValueError) as caught:
        WebhookEndpoint(URL, **options)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert "not-a-secret" not in str(caught.value), "a secret is never shown"


def test_an_endpoint_keeps_every_secret_of_a_rotation_and_hides_them() -> None:
    new = WebhookSecret.generate()
    endpoint = WebhookEndpoint(URL, [SECRET, new], topics=["ticket.*", "ticket.*"])
    assert endpoint.secret == (WebhookSecret.parse(SECRET), new)
    assert endpoint.topics == ("ticket.*",)
    assert SECRET not in repr(endpoint)
    assert endpoint.wants("ticket.created")
    assert not endpoint.wants("ticketing.created")
    assert not endpoint.wants("billing.credit")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"store": {}}, "store"),
        ({"endpoints": []}, "endpoints"),
        ({"endpoints": [URL]}, "endpoints[0]"),
        ({"transport": object()}, "transport"),
        ({"schedule": 5}, "schedule"),
        ({"handlers": {"a": 5}}, "handlers['a']"),
        ({"clock": 5}, "clock"),
        ({"lease": timedelta(0)}, "lease"),
        ({"retry_after": 5}, "retry_after"),
        ({"worker": ""}, "worker"),
    ],
)
def test_a_bad_dispatcher_is_refused_naming_the_field(
    arguments: dict[str, object], field: str
) -> None:
    options: dict[str, object] = {
        "store": InMemoryTicketStore(),
        "endpoints": [WebhookEndpoint(URL, SECRET)],
        **arguments,
    }
    with pytest.raises(InvalidValueError) as caught:
        WebhookDispatcher(**options)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_the_recording_transport_answers_from_its_script() -> None:
    error = WebhookDeliveryError("unreachable", URL, "refused")
    transport = RecordingTransport([500, error, 204], then=202)
    answers: list[object] = []
    for _ in range(5):
        try:
            answers.append(transport.send(URL, {"a": "b"}, b"{}", 1.5))
        except WebhookDeliveryError as raised:
            answers.append(raised.reason)
    assert answers == [500, "unreachable", 204, 202, 202]
    assert len(transport.requests) == 5
    assert transport.requests[0].headers == {"a": "b"}
    with pytest.raises(InvalidValueError):
        RecordingTransport([700])
    with pytest.raises(InvalidValueError):
        RecordingTransport(then=True)
    with pytest.raises(InvalidValueError):
        transport.send("ftp://x", {}, b"", 1)
