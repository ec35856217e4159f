"""What a worker runs: the host's desk and the outbox's consumers, from its configuration hook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .._desk import Desk
from .._values import check_name
from ..exceptions import InvalidValueError
from ..integrations import RetrySchedule
from ..storage import OutboxMessage
from ..storage._checks import validator
from ..webhooks import WebhookDispatcher

__all__ = ["WorkerSetup"]


def _desk(value: object) -> None:
    if not isinstance(value, Desk):
        raise InvalidValueError("desk", value, "must be a Desk")


def _handlers(value: Mapping[str, Callable[[OutboxMessage], object]]) -> dict[str, Any]:
    given: object = value
    if not isinstance(given, Mapping):
        raise InvalidValueError("handlers", given, "must map topic patterns to callables")
    handlers: dict[str, Any] = {}
    for topic, handler in given.items():
        check_name("handlers", topic)
        if not callable(handler):
            raise InvalidValueError(f"handlers[{topic!r}]", handler, "must be callable")
        handlers[topic] = handler
    return handlers


def _dispatcher(value: object) -> None:
    if value is not None and not isinstance(value, WebhookDispatcher):
        raise InvalidValueError("dispatcher", value, "must be a WebhookDispatcher or None")


def _schedule(value: object) -> None:
    if value is not None and not isinstance(value, RetrySchedule):
        raise InvalidValueError("schedule", value, "must be a RetrySchedule or None")


@attrs.frozen(kw_only=True)
class WorkerSetup:
    """What ``python -m ticketflow worker`` runs: the desk to tick and the outbox's consumers.

    The host's configuration hook (``--config MODULE:CALLABLE``) is called with the store the
    worker opened and returns one of these (or a bare :class:`~ticketflow.Desk`: ticks only).

    Attributes:
        desk: The desk on that store, with the host's workflow, SLA policy and clock.
        handlers: The outbox's consumers by topic pattern, as for
            :func:`~ticketflow.integrations.dispatch_outbox`; used with ``--dispatch``.
        dispatcher: A :class:`~ticketflow.webhooks.WebhookDispatcher` on the same store, which
            takes its own handlers; used with ``--dispatch`` instead of ``handlers``.
        schedule: The retry schedule for ``handlers`` (default: retry every five minutes,
            never a dead letter).

    Raises:
        InvalidValueError: An attribute is not of its kind, or both ``handlers`` and a
            ``dispatcher`` are given.

    .. versionadded:: 0.2
    """

    desk: Desk = attrs.field(validator=validator(_desk))
    handlers: Mapping[str, Callable[[OutboxMessage], object]] = attrs.field(
        factory=dict, converter=_handlers
    )
    dispatcher: WebhookDispatcher | None = attrs.field(
        default=None, validator=validator(_dispatcher)
    )
    schedule: RetrySchedule | None = attrs.field(default=None, validator=validator(_schedule))

    def __attrs_post_init__(self) -> None:
        if self.dispatcher is not None and self.handlers:
            raise InvalidValueError(
                "handlers", sorted(self.handlers), "give them to the dispatcher instead"
            )

    @property
    def delivers(self) -> bool:
        """Whether the setup has anyone to deliver the outbox to."""
        return bool(self.handlers) or self.dispatcher is not None
