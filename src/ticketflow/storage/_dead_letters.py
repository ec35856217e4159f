"""Dead letters: outbox messages set aside after their last delivery attempt failed.

A dispatcher that gives up on a message (its retry schedule is exhausted) must not drop it: it
moves it out of the outbox, with the last error, into the store's dead letters, where nobody
claims it. An operator lists them and re-sends the ones whose receiver is fixed. The protocol
is optional (:class:`DeadLetterStore`); a store without it keeps such a message in the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final, Protocol, runtime_checkable

import attrs

from .._value_methods import value_repr
from .._values import check_text
from ._checks import instance, instant, invalid, limit_argument, validator
from ._outbox import LeasedMessage, OutboxMessage

__all__ = [
    "MAX_ERROR_LENGTH",
    "DeadLetter",
    "DeadLetterStore",
    "dead_letter_arguments",
    "dead_letters_arguments",
    "resend_arguments",
]

MAX_ERROR_LENGTH: Final = 4096
"""The longest last error a dead letter keeps, in characters."""


def _message(value: object) -> None:
    instance("message", value, OutboxMessage)


def _attempts(value: object) -> None:
    if type(value) is not int or not 1 <= value <= 2**63 - 1:
        raise invalid("attempts", value, "must be an integer from 1 to 2**63 - 1")


def _error_text(field: str, value: object) -> str:
    return check_text(field, value, empty=False, max_length=MAX_ERROR_LENGTH)


def _last_error(value: str) -> str:
    return _error_text("last_error", value)


def _dead_at(value: datetime) -> datetime:
    return instant("dead_at", value)


@attrs.frozen(kw_only=True)
class DeadLetter:
    """An outbox message that no further attempt will deliver until it is re-sent.

    Attributes:
        message: The message, as the outbox held it.
        attempts: How many times it was claimed before it was set aside.
        last_error: Why the last attempt failed (text of at most :data:`MAX_ERROR_LENGTH`
            characters, not empty, no lone surrogates; may span lines).
        dead_at: When it was set aside (UTC).

    Raises:
        InvalidValueError: An attribute is out of its domain; ``field`` names it.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr

    message: OutboxMessage = attrs.field(validator=validator(_message))
    attempts: int = attrs.field(validator=validator(_attempts))
    last_error: str = attrs.field(converter=_last_error)
    dead_at: datetime = attrs.field(converter=_dead_at)


def dead_letter_arguments(
    leased: object, error: object, at: object
) -> tuple[LeasedMessage, str, datetime]:
    """Return the checked arguments of :meth:`DeadLetterStore.dead_letter_outbox`."""
    return (
        instance("leased", leased, LeasedMessage),
        _error_text("error", error),
        instant("at", at),
    )


def dead_letters_arguments(after: object, limit: object) -> tuple[DeadLetter | None, int]:
    """Return the checked arguments of :meth:`DeadLetterStore.dead_letters`."""
    if after is not None and not isinstance(after, DeadLetter):
        raise invalid("after", after, "must be the last DeadLetter of the previous page or None")
    limit = limit_argument(limit)
    if limit > 1000:  # noqa: PLR2004
        raise invalid("limit", limit, "must be an integer from 0 to 1000")
    return after, limit


def resend_arguments(message_id: object, not_before: object) -> tuple[str, datetime]:
    """Return the checked arguments of :meth:`DeadLetterStore.resend_dead_letter`."""
    if not isinstance(message_id, str):
        raise invalid("message_id", message_id, "must be a string")
    return message_id, instant("not_before", not_before)


@runtime_checkable
class DeadLetterStore(Protocol):
    """A store that keeps dead letters: the optional half of the protocol for delivery.

    A dead letter is an outbox message taken out of the outbox, so no claim returns it, with
    its attempts, its last error and when it was set aside. Its id stays taken: a commit
    writing a message with the same id is refused as if it were still in the outbox. Both
    shipped stores implement it, and :func:`ticketflow.testing.check_ticket_store` checks it
    when a store has it.

    Every method answers a wrong type with :class:`~ticketflow.exceptions.InvalidValueError`
    naming the argument, and, like :meth:`~TicketStore.ack_outbox`, a lost lease or an
    unknown id with ``False``.

    .. versionadded:: 0.2
    """

    def dead_letter_outbox(self, leased: LeasedMessage, *, error: str, at: datetime) -> bool:
        """Move a message from the outbox to the dead letters, if the lease still holds.

        Returns ``False`` (changing nothing) if the lease was lost, as
        :meth:`~TicketStore.ack_outbox` does.

        Raises:
            InvalidValueError: ``leased`` is not a :class:`LeasedMessage`, ``error`` is not
                non-empty text of at most :data:`MAX_ERROR_LENGTH` characters without lone
                surrogates, or ``at`` not an aware datetime. Checked in that order, whether the
                lease holds or not.
        """
        ...

    def dead_letters(
        self, *, after: DeadLetter | None = None, limit: int = 50
    ) -> Sequence[DeadLetter]:
        """Return up to ``limit`` dead letters, oldest first (by ``dead_at``, then id).

        Args:
            after: The last dead letter of the previous page (its ``dead_at`` and id place
                the page, so a page holds even if that letter was re-sent meanwhile).
            limit: At most this many (0 to 1000).

        Raises:
            InvalidValueError: ``after`` is not a :class:`DeadLetter` or ``None``, or
                ``limit`` is not an integer from 0 to 1000.
        """
        ...

    def resend_dead_letter(self, message_id: str, *, not_before: datetime) -> bool:
        """Put a dead letter back in the outbox, deliverable from ``not_before``.

        Its attempts start again from zero. Returns ``False`` (changing nothing) if no dead
        letter has this id.

        Raises:
            InvalidValueError: ``message_id`` is not a string, or ``not_before`` not an aware
                datetime.
        """
        ...
