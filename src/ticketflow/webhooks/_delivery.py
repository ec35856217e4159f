"""Delivering outbox messages as signed webhooks, by the Standard Webhooks specification.

A :class:`WebhookDispatcher` is :func:`~ticketflow.integrations.dispatch_outbox` with one more
kind of handler: every :class:`WebhookEndpoint` whose topics match a message gets it as an
HTTP POST. The body is ``{"data": payload, "timestamp": <created_at>, "type": topic}`` as
compact JSON with sorted keys, so every attempt sends the same bytes; ``webhook-id`` is the
outbox message's id, the same on every attempt, and ``webhook-timestamp`` the attempt's own
time. A 2xx answer delivers it; anything else, a redirect included, or no answer, is a failed
attempt, retried by the :class:`~ticketflow.integrations.RetrySchedule` and, after the last,
set aside as a dead letter.

Delivery is at least once: a message is acknowledged only after every endpoint that wants it
answered 2xx, so a dispatcher that dies meanwhile, or an endpoint that fails while another
accepts, means the message is sent again with the same ``webhook-id``. Receivers dedupe on it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

from .._clock import Clock, SystemClock
from .._values import check_name
from ..exceptions import InvalidValueError, WebhookDeliveryError, WebhookVerificationError
from ..integrations import DispatchReport, RetrySchedule, dispatch_outbox
from ..integrations._dispatch import Handler, handler_for
from ..storage import OutboxMessage, TicketStore
from ._secret import WebhookSecret, secrets_of
from ._signature import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from ._transport import HttpTransport, WebhookTransport, check_timeout, check_url

__all__ = ["WebhookDispatcher", "WebhookEndpoint", "webhook_body"]

_MAX_TOPICS: Final = 256
_USER_AGENT: Final = "ticketflow-webhooks"


def _url(value: str) -> str:
    return check_url(value)


def _secrets(
    value: WebhookSecret | str | Iterable[WebhookSecret | str],
) -> tuple[WebhookSecret, ...]:
    try:
        return secrets_of(value)
    except WebhookVerificationError as error:
        # The secret's text is never shown, not even in an error.
        raise InvalidValueError("secret", "<hidden>", error.problem) from None


def _pattern(index: int, value: object) -> str:
    pattern = check_name(f"topics[{index}]", value)
    head, star, tail = pattern.partition("*")
    if star and (tail or "*" in head or (head and not head.endswith("."))):
        raise InvalidValueError(
            f"topics[{index}]", pattern, "a pattern is a topic, 'prefix.*' or '*'"
        )
    return pattern


def _topics(value: Iterable[str]) -> tuple[str, ...]:
    given: object = value
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise InvalidValueError("topics", given, "must be a collection of topic patterns")
    topics: list[str] = []
    for index, pattern in enumerate(given):
        if index >= _MAX_TOPICS:
            raise InvalidValueError("topics", f"<more than {_MAX_TOPICS}>", "too many topics")
        topics.append(_pattern(index, pattern))
    if not topics:
        raise InvalidValueError("topics", topics, "an endpoint wants at least one topic")
    return tuple(dict.fromkeys(topics))


def _timeout(value: float) -> float:
    return check_timeout(value)


def _matches(pattern: str, topic: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return topic.startswith(pattern[:-1])
    return pattern == topic


@attrs.frozen
class WebhookEndpoint:
    """A receiver of webhooks: where to POST, the secret to sign with, and which topics.

    Attributes:
        url: An absolute ``http`` or ``https`` URL (ASCII, at most 2048 characters, no
            credentials, no fragment).
        secret: The secret to sign with (:class:`WebhookSecret` or its ``whsec_`` text), or
            several while one is rotated: every request then carries one signature each.
        topics: The topics it wants, each a topic (``ticket.created``), a prefix
            (``ticket.*``) or ``*`` for every topic (the default); at most 256.
        timeout: Seconds to wait for a connection and for each part of the answer (above 0,
            at most 300; default 15, as receivers are asked to answer quickly).

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it (a bad
            secret is named ``secret`` and never shown).

    .. versionadded:: 0.2
    """

    url: str = attrs.field(converter=_url)
    secret: tuple[WebhookSecret, ...] = attrs.field(converter=_secrets)
    topics: tuple[str, ...] = attrs.field(default=("*",), converter=_topics, kw_only=True)
    timeout: float = attrs.field(default=15.0, converter=_timeout, kw_only=True)

    def wants(self, topic: str) -> bool:
        """Return whether a message of ``topic`` goes to this endpoint."""
        return any(_matches(pattern, topic) for pattern in self.topics)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def webhook_body(message: OutboxMessage) -> bytes:
    """Return the body every attempt at ``message`` sends: the Standard Webhooks payload.

    ``{"data": <payload>, "timestamp": "<created_at, ISO 8601, Z>", "type": "<topic>"}`` as
    UTF-8 JSON without spaces, keys sorted, so the same message gives the same bytes.

    Raises:
        InvalidValueError: ``message`` is not an :class:`~ticketflow.storage.OutboxMessage`.

    .. versionadded:: 0.2
    """
    if not isinstance(message, OutboxMessage):
        raise InvalidValueError("message", message, "must be an OutboxMessage")
    document = {
        "type": message.topic,
        "timestamp": _iso(message.created_at),
        "data": message.payload,
    }
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def _endpoints(value: object) -> tuple[WebhookEndpoint, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidValueError("endpoints", value, "must be a collection of WebhookEndpoints")
    endpoints = tuple(value)
    for index, endpoint in enumerate(endpoints):
        if not isinstance(endpoint, WebhookEndpoint):
            raise InvalidValueError(f"endpoints[{index}]", endpoint, "must be a WebhookEndpoint")
    if not endpoints:
        raise InvalidValueError("endpoints", endpoints, "at least one endpoint")
    return endpoints


def _handlers(value: object) -> dict[str, Handler]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidValueError("handlers", value, "must map topics to handlers")
    handlers: dict[str, Handler] = {}
    for topic, handler in value.items():
        check_name("handlers", topic)
        if not callable(handler):
            raise InvalidValueError(f"handlers[{topic!r}]", handler, "must be callable")
        handlers[topic] = handler
    return handlers


def _span(name: str, value: object) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidValueError(name, value, "must be a positive timedelta")
    return value


class WebhookDispatcher:
    """Delivers outbox messages to webhook endpoints (and other handlers), signed and retried.

    Each :meth:`run_once` claims up to ``limit`` deliverable messages and, for each, calls the
    handler for its topic from ``handlers`` (chosen as
    :func:`~ticketflow.integrations.dispatch_outbox` does) and then POSTs it to every endpoint
    that wants its topic (all of them, even after one failed). It is acknowledged when all
    succeeded; otherwise it waits the ``schedule``'s delay for its attempt and, after the last
    attempt, becomes a dead letter with the first failure's ``repr`` (on a store without dead
    letters it is kept, tried at the longest delay). A message that neither a handler nor an
    endpoint wants is released for ``retry_after``, never dropped: another dispatcher on the
    same outbox, or a later configuration, may want it. Register a handler for ``"*"`` that
    does nothing to acknowledge those instead.

    Every claim counts as an attempt, a claim released for want of a handler or a claim
    whose lease lapsed (a dispatcher killed mid-delivery) too. A lapsed lease makes the
    message deliverable again with the same ``webhook-id``: choose a ``lease`` longer than a
    batch takes (``limit`` times the endpoints' timeouts).

    Args:
        store: The store whose outbox to deliver.
        endpoints: At least one :class:`WebhookEndpoint`.
        transport: How to POST (default: :class:`HttpTransport`).
        schedule: The waits between attempts (default: ``RetrySchedule()``, the
            specification's example with 10% jitter).
        handlers: Other consumers of the same outbox, by topic pattern, as for
            :func:`~ticketflow.integrations.dispatch_outbox`; a handler that raises fails the
            attempt too.
        clock: Where ``now`` comes from when :meth:`run_once` is given none.
        worker: The name leases are taken under.
        lease: How long a claim holds its messages (default five minutes).
        retry_after: How long a message nobody wants waits to be claimed again.

    Raises:
        InvalidValueError: An argument is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        store: TicketStore,
        endpoints: Collection[WebhookEndpoint],
        *,
        transport: WebhookTransport | None = None,
        schedule: RetrySchedule | None = None,
        handlers: Mapping[str, Handler] | None = None,
        clock: Clock | None = None,
        worker: str = "webhooks",
        lease: timedelta = timedelta(minutes=5),
        retry_after: timedelta = timedelta(minutes=5),
    ) -> None:
        if not isinstance(store, TicketStore):
            raise InvalidValueError("store", store, "must implement TicketStore")
        self._store = store
        self._endpoints = _endpoints(endpoints)
        if transport is not None and not isinstance(transport, WebhookTransport):
            raise InvalidValueError("transport", transport, "must have a send() method")
        self._transport: WebhookTransport = HttpTransport() if transport is None else transport
        if schedule is not None and not isinstance(schedule, RetrySchedule):
            raise InvalidValueError("schedule", schedule, "must be a RetrySchedule or None")
        self._schedule = RetrySchedule() if schedule is None else schedule
        self._handlers = _handlers(handlers)
        if clock is not None and not callable(getattr(clock, "now", None)):
            raise InvalidValueError("clock", clock, "must have a now() method")
        self._clock: Clock = SystemClock() if clock is None else clock
        self._worker = check_name("worker", worker)
        self._lease = _span("lease", lease)
        self._retry_after = _span("retry_after", retry_after)

    def __repr__(self) -> str:
        urls = ", ".join(endpoint.url for endpoint in self._endpoints)
        return f"WebhookDispatcher(<{urls}>)"

    @property
    def endpoints(self) -> tuple[WebhookEndpoint, ...]:
        """The endpoints, in the order given."""
        return self._endpoints

    def run_once(self, *, now: datetime | None = None, limit: int = 10) -> DispatchReport:
        """Claim up to ``limit`` deliverable messages and deliver each; report what happened.

        Args:
            now: The instant of this pass (default: the clock's): what is deliverable, the
                ``webhook-timestamp`` sent, and what the schedule's waits count from.
            limit: At most this many messages.

        Raises:
            InvalidValueError: ``now`` is not an aware datetime, or ``limit`` not an integer
                >= 0 (checked before anything is claimed).
        """
        at = self._clock.now() if now is None else now
        deliver = self._deliverer(at)
        patterns = {*self._handlers, *(p for e in self._endpoints for p in e.topics)}
        return dispatch_outbox(
            self._store,
            dict.fromkeys(patterns, deliver),
            now=at,
            worker=self._worker,
            lease=self._lease,
            limit=limit,
            retry_after=self._retry_after,
            schedule=self._schedule,
        )

    def _deliverer(self, at: datetime) -> Handler:
        def deliver(message: OutboxMessage) -> None:
            handler = handler_for(message.topic, self._handlers)
            if handler is not None:
                handler(message)
            failures: list[Exception] = []
            body: bytes | None = None
            for endpoint in self._endpoints:
                if not endpoint.wants(message.topic):
                    continue
                body = webhook_body(message) if body is None else body
                try:
                    self._post(endpoint, message.id, body, at)
                except Exception as error:  # noqa: BLE001 - the others still get theirs
                    failures.append(error)
            if failures:
                raise failures[0]

        return deliver

    def _post(self, endpoint: WebhookEndpoint, message_id: str, body: bytes, at: datetime) -> None:
        timestamp = int(at.timestamp())
        try:
            signature = sign(endpoint.secret, message_id, timestamp, body)
        except WebhookVerificationError as error:
            raise WebhookDeliveryError("unsigned", endpoint.url, error.problem) from error
        headers = {
            "content-type": "application/json",
            "user-agent": _USER_AGENT,
            ID_HEADER: message_id,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature,
        }
        status = self._transport.send(endpoint.url, headers, body, endpoint.timeout)
        if type(status) is not int or not 200 <= status <= 299:  # noqa: PLR2004
            redirect = " (a redirect: none is followed)" if status in range(300, 400) else ""
            raise WebhookDeliveryError(
                "status",
                endpoint.url,
                f"answered {status!r}{redirect}",
                status=status if type(status) is int else None,
            )
