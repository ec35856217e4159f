"""Delivering outbox messages to the handlers that consume them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import attrs

from .._values import check_instant, check_int, check_name, validator
from ..exceptions import InvalidValueError
from ..storage import OutboxMessage, TicketStore

__all__ = ["DispatchReport", "dispatch_outbox"]

Handler = Callable[[OutboxMessage], object]


@attrs.frozen
class DispatchReport:
    """What one :func:`dispatch_outbox` pass did.

    Attributes:
        delivered: Messages handled and acknowledged.
        failed: Messages whose handler raised; released for a later attempt.
        unhandled: Messages with no handler for their topic; released for a later attempt
            (never dropped).
    """

    delivered: int = attrs.field(validator=validator(check_int, "delivered", minimum=0))
    failed: int = attrs.field(validator=validator(check_int, "failed", minimum=0))
    unhandled: int = attrs.field(validator=validator(check_int, "unhandled", minimum=0))


def _handler_for(topic: str, handlers: Mapping[str, Handler]) -> Handler | None:
    if topic in handlers:
        return handlers[topic]
    prefix = topic
    while "." in prefix:
        prefix = prefix.rpartition(".")[0]
        if f"{prefix}.*" in handlers:
            return handlers[f"{prefix}.*"]
    return handlers.get("*")


def _check_arguments(
    store: object,
    handlers: object,
    now: object,
    worker: object,
    lease: object,
    limit: object,
    retry_after: object,
) -> None:
    if not isinstance(store, TicketStore):
        raise InvalidValueError("store", store, "must implement TicketStore")
    if not isinstance(handlers, Mapping):
        raise InvalidValueError("handlers", handlers, "must map topics to handlers")
    for topic, handler in handlers.items():
        check_name("handlers", topic)
        if not callable(handler):
            raise InvalidValueError(f"handlers[{topic!r}]", handler, "must be callable")
    check_instant("now", now)
    check_name("worker", worker)
    check_int("limit", limit, minimum=0)
    for name, span in (("lease", lease), ("retry_after", retry_after)):
        if not isinstance(span, timedelta) or span <= timedelta(0):
            raise InvalidValueError(name, span, "must be a positive timedelta")


def dispatch_outbox(
    store: TicketStore,
    handlers: Mapping[str, Handler],
    *,
    now: datetime,
    worker: str = "dispatcher",
    lease: timedelta = timedelta(minutes=1),
    limit: int = 100,
    retry_after: timedelta = timedelta(minutes=5),
) -> DispatchReport:
    """Claim deliverable outbox messages and hand each to the handler for its topic.

    Handlers are chosen by exact topic, then by wildcard prefix (``"billing.*"``), then
    ``"*"``. A message is acknowledged only after its handler returned; a handler that raises,
    or a topic without a handler, releases the message for another attempt after
    ``retry_after``. Delivery is therefore at least once: handlers dedupe on the message id.

    Raises:
        InvalidValueError: An argument is not of its kind (checked before anything is claimed).
    """
    _check_arguments(store, handlers, now, worker, lease, limit, retry_after)
    delivered = failed = unhandled = 0
    for leased in store.claim_outbox(worker=worker, now=now, lease=lease, limit=limit):
        handler = _handler_for(leased.message.topic, handlers)
        if handler is None:
            unhandled += 1
            store.retry_outbox(leased, not_before=now + retry_after)
            continue
        try:
            handler(leased.message)
        except Exception:  # noqa: BLE001 - any failure means "try again later"
            failed += 1
            store.retry_outbox(leased, not_before=now + retry_after)
        else:
            delivered += 1
            store.ack_outbox(leased)
    return DispatchReport(delivered, failed, unhandled)
