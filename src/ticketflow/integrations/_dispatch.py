"""Delivering outbox messages to the handlers that consume them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Final

import attrs

from .._values import check_instant, check_int, check_name, validator
from ..exceptions import InvalidValueError
from ..storage import DeadLetterStore, LeasedMessage, OutboxMessage, TicketStore
from ._schedule import RetrySchedule

__all__ = ["MAX_ERROR_TEXT", "DispatchReport", "dispatch_outbox", "error_text", "handler_for"]

Handler = Callable[[OutboxMessage], object]

MAX_ERROR_TEXT: Final = 1000
"""The most characters of a handler's error a dead letter keeps."""


@attrs.frozen
class DispatchReport:
    """What one :func:`dispatch_outbox` pass did.

    Attributes:
        delivered: Messages handled and acknowledged.
        failed: Messages whose handler raised; released for a later attempt.
        unhandled: Messages with no handler for their topic; released for a later attempt
            (never dropped).
        dead_lettered: Of the failed messages, those whose retry schedule was exhausted and
            that were set aside as dead letters.

    .. versionchanged:: 0.2
       ``dead_lettered``.
    """

    delivered: int = attrs.field(validator=validator(check_int, "delivered", minimum=0))
    failed: int = attrs.field(validator=validator(check_int, "failed", minimum=0))
    unhandled: int = attrs.field(validator=validator(check_int, "unhandled", minimum=0))
    dead_lettered: int = attrs.field(
        default=0, validator=validator(check_int, "dead_lettered", minimum=0)
    )


def handler_for(topic: str, handlers: Mapping[str, Handler]) -> Handler | None:
    """Return the handler for ``topic``: exact, then the longest ``prefix.*``, then ``*``."""
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
    schedule: object,
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
    if schedule is not None and not isinstance(schedule, RetrySchedule):
        raise InvalidValueError("schedule", schedule, "must be a RetrySchedule or None")


def error_text(error: BaseException) -> str:
    """Return what a dead letter keeps of ``error``: its ``repr``, at most 1000 characters.

    Whatever the exception's ``repr`` does (fails, returns lone surrogates or nothing), the
    result is non-empty text a store keeps.
    """
    try:
        text = repr(error)
    except Exception:  # noqa: BLE001 - a hostile __repr__ must not lose the message
        text = ""
    if not text.strip():
        text = f"<{type(error).__name__}>"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) > MAX_ERROR_TEXT:
        text = text[: MAX_ERROR_TEXT - 3] + "..."
    return text


def _release(
    store: TicketStore,
    leased: LeasedMessage,
    error: Exception,
    now: datetime,
    retry_after: timedelta,
    schedule: RetrySchedule | None,
) -> bool:
    # Release a failed message for its next attempt; True if it became a dead letter instead.
    if schedule is None:
        store.retry_outbox(leased, not_before=now + retry_after)
        return False
    delay = schedule.delay_after(leased.attempts)
    if delay is None:
        if isinstance(store, DeadLetterStore):
            return store.dead_letter_outbox(leased, error=error_text(error), at=now)
        # A store without dead letters keeps the message, tried at the longest wait.
        delay = max(schedule.delays)
    store.retry_outbox(leased, not_before=now + delay)
    return False


def dispatch_outbox(
    store: TicketStore,
    handlers: Mapping[str, Handler],
    *,
    now: datetime,
    worker: str = "dispatcher",
    lease: timedelta = timedelta(minutes=1),
    limit: int = 100,
    retry_after: timedelta = timedelta(minutes=5),
    schedule: RetrySchedule | None = None,
) -> DispatchReport:
    """Claim deliverable outbox messages and hand each to the handler for its topic.

    Handlers are chosen by exact topic, then by wildcard prefix (``"billing.*"``), then
    ``"*"``. A message is acknowledged only after its handler returned; a handler that raises,
    or a topic without a handler, releases the message for another attempt after
    ``retry_after``. Delivery is therefore at least once: handlers dedupe on the message id.

    With a ``schedule``, a message whose handler raised waits the schedule's delay for its
    attempt (:attr:`LeasedMessage.attempts`: every claim counts, a claim released for want of
    a handler too) and, after the last attempt, becomes a dead letter with the error's
    ``repr`` (:func:`error_text`) if the store keeps them
    (:class:`~ticketflow.storage.DeadLetterStore`); a store without dead letters keeps it,
    tried again at the schedule's longest delay. Messages without a handler still wait
    ``retry_after``.

    .. versionchanged:: 0.2
       ``schedule``, and dead letters.

    Raises:
        InvalidValueError: An argument is not of its kind (checked before anything is claimed).
    """
    _check_arguments(store, handlers, now, worker, lease, limit, retry_after, schedule)
    delivered = failed = unhandled = dead = 0
    for leased in store.claim_outbox(worker=worker, now=now, lease=lease, limit=limit):
        handler = handler_for(leased.message.topic, handlers)
        if handler is None:
            unhandled += 1
            store.retry_outbox(leased, not_before=now + retry_after)
            continue
        try:
            handler(leased.message)
        except Exception as error:  # noqa: BLE001 - any failure means "try again later"
            failed += 1
            if _release(store, leased, error, now, retry_after, schedule):
                dead += 1
        else:
            delivered += 1
            store.ack_outbox(leased)
    return DispatchReport(delivered, failed, unhandled, dead)
