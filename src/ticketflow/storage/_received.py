"""What intake keeps through the store: claimed keys, near-duplicate keys, rejected input.

Intake must never create two tickets for one request, across workers and restarts, and never
lose what it was given. So the store holds three more things, all optional for a host that
does not take in mail or forms (:class:`IntakeStore`):

* **claims**: unique keys (an e-mail's Message-ID, a form's idempotency key) that a ticket
  claims in its own commit (``Change.claims``); a second ticket's commit claiming the same key
  raises :class:`~ticketflow.exceptions.ClaimTakenError` and writes nothing;
* **similarity keys**: each open ticket's band keys and sketch (``Change.similarity``), so every
  worker finds the same near duplicates;
* **rejected intake**: every payload or message that was not taken in, with its reasons, for
  review and re-ingestion.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final, Protocol, runtime_checkable

import attrs

from .._value_methods import value_repr
from .._values import check_name, check_text
from ..exceptions import IntakeProblem
from ._checks import instant, invalid, limit_argument

__all__ = [
    "MAX_CLAIM_LENGTH",
    "MAX_RAW_BYTES",
    "IntakeStore",
    "RejectedIntake",
    "band_keys_argument",
    "check_claims",
    "claim_key_argument",
    "record_id_argument",
    "rejected_arguments",
]

MAX_CLAIM_LENGTH: Final = 1024
"""The longest claim key, in characters (a Message-ID is at most 998 on one line)."""

MAX_RAW_BYTES: Final = 64 * 1024 * 1024
"""The most bytes a rejected-intake record keeps of what was received."""


def check_claims(value: object) -> tuple[str, ...]:
    """Return ``value`` as a tuple of distinct claim keys (single-line text, UTF-8).

    Raises:
        InvalidValueError: It is not a collection of such keys (field ``claims``).
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise invalid("claims", value, "must be a collection of keys")
    keys: list[str] = []
    for index, key in enumerate(value):
        keys.append(
            check_text(
                f"claims[{index}]", key, empty=False, single_line=True, max_length=MAX_CLAIM_LENGTH
            )
        )
    if len(set(keys)) != len(keys):
        raise invalid("claims", keys, "a key is claimed once per change")
    return tuple(keys)


def _id(value: str) -> str:
    return check_name("id", value)


def _channel(value: str) -> str:
    return check_name("channel", value, max_length=64)


def _received_at(value: datetime) -> datetime:
    return instant("received_at", value)


def _raw(value: bytes) -> bytes:
    given: object = value
    if type(given) is not bytes:
        raise invalid("raw", given, "must be bytes")
    if len(given) > MAX_RAW_BYTES:
        raise invalid("raw", f"<{len(given)} bytes>", f"must be at most {MAX_RAW_BYTES} bytes")
    return given


def _problems(value: Iterable[IntakeProblem]) -> tuple[IntakeProblem, ...]:
    given: object = value
    if isinstance(given, str | bytes | Mapping) or not isinstance(given, Iterable):
        raise invalid("problems", given, "must be a collection of IntakeProblems")
    problems = tuple(given)
    if not problems:
        raise invalid("problems", problems, "a rejected record says why: at least one problem")
    for index, problem in enumerate(problems):
        if type(problem) is not IntakeProblem:
            raise invalid(f"problems[{index}]", problem, "must be an IntakeProblem")
        for part in ("path", "code", "message"):
            check_text(f"problems[{index}].{part}", getattr(problem, part), max_length=4096)
    return problems


def _optional_instant(value: datetime | None) -> datetime | None:
    return None if value is None else instant("settled_at", value)


def _optional_ticket(value: str | None) -> str | None:
    return None if value is None else check_name("ticket_id", value)


@attrs.frozen(kw_only=True)
class RejectedIntake:
    """Input that was not taken in, kept for review and re-ingestion.

    Attributes:
        id: The record's id.
        channel: Where it came from: ``email`` or ``form`` (or a host's own channel name).
        received_at: When it arrived.
        raw: What arrived: an e-mail's bytes, a form payload as JSON (or, for a payload that
            is not JSON, its ``repr``), at most :data:`MAX_RAW_BYTES` (see ``size``).
        size: How many bytes arrived; above ``len(raw)`` when more than the store keeps
            arrived (the record is then marked by a ``truncated`` problem).
        problems: Why it was not taken in, at least one.
        settled_at: When it was settled (re-ingested after a fix, or dismissed); ``None``
            while it waits for review.
        ticket_id: The ticket its re-ingestion created or joined, if any.

    Raises:
        InvalidValueError: A part is of the wrong type or out of range; ``field`` names it.

    .. versionadded:: 0.2
    """

    __repr__ = value_repr

    id: str = attrs.field(converter=_id)
    channel: str = attrs.field(converter=_channel)
    received_at: datetime = attrs.field(converter=_received_at)
    raw: bytes = attrs.field(converter=_raw, repr=lambda raw: f"<{len(raw)} bytes>")
    problems: tuple[IntakeProblem, ...] = attrs.field(converter=_problems)
    size: int = attrs.field(default=attrs.Factory(lambda self: len(self.raw), takes_self=True))
    settled_at: datetime | None = attrs.field(default=None, converter=_optional_instant)
    ticket_id: str | None = attrs.field(default=None, converter=_optional_ticket)

    def __attrs_post_init__(self) -> None:
        size: object = self.size
        if type(size) is not int or not len(self.raw) <= size <= 2**63 - 1:
            raise invalid("size", size, "must be an integer from len(raw) to 2**63 - 1")
        if self.settled_at is None and self.ticket_id is not None:
            raise invalid("ticket_id", self.ticket_id, "only a settled record names a ticket")

    @property
    def pending(self) -> bool:
        """Whether the record still waits for review."""
        return self.settled_at is None


def rejected_arguments(
    pending: object, after: object, limit: object
) -> tuple[bool, str | None, int]:
    """Return the checked arguments of :meth:`IntakeStore.rejected`."""
    if type(pending) is not bool:
        raise invalid("pending", pending, "must be True or False")
    if after is not None and not isinstance(after, str):
        raise invalid("after", after, "must be a record id or None")
    limit = limit_argument(limit)
    if limit > 1000:  # noqa: PLR2004
        raise invalid("limit", limit, "must be an integer from 0 to 1000")
    return pending, after, limit


def record_id_argument(value: object) -> str:
    """Return the ``record_id`` argument, which must be a string."""
    if not isinstance(value, str):
        raise invalid("record_id", value, "must be a string")
    return value


def claim_key_argument(value: object) -> str:
    """Return the ``key`` argument of :meth:`IntakeStore.claimant`, which must be a string."""
    if not isinstance(value, str):
        raise invalid("key", value, "must be a string")
    return value


def band_keys_argument(value: object) -> tuple[str, ...]:
    """Return the ``band_keys`` argument of :meth:`IntakeStore.candidates`."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise invalid("band_keys", value, "must be a collection of band keys")
    keys = tuple(value)
    for key in keys:
        if not isinstance(key, str):
            raise invalid("band_keys", key, "band keys are strings")
    return keys


@runtime_checkable
class IntakeStore(Protocol):
    """A store that intake can use: claims, near-duplicate keys and rejected input.

    :meth:`TicketStore.commit` honours ``Change.claims`` (every key is claimed for the ticket
    in the same transaction; a key held by another ticket raises
    :class:`~ticketflow.exceptions.ClaimTakenError` and nothing is written; a key the ticket
    already holds is kept), ``Change.similarity`` (replaces the ticket's near-duplicate keys)
    and ``Change.unindex`` (drops them: the ticket no longer counts as open). Both shipped
    stores implement it, and :func:`ticketflow.testing.check_ticket_store` checks it when a
    store has it.

    Every method answers a wrong type with :class:`~ticketflow.exceptions.InvalidValueError`
    naming the argument, and a well-typed unknown key as not found.

    .. versionadded:: 0.2
    """

    def claimant(self, key: str) -> str | None:
        """Return the id of the ticket holding ``key``, or ``None``."""
        ...

    def candidates(self, band_keys: Collection[str]) -> Mapping[str, Sequence[int]]:
        """Return ticket id -> sketch of every indexed ticket holding any of ``band_keys``."""
        ...

    def keep_rejected(self, record: RejectedIntake) -> None:
        """Keep a rejected-intake record.

        Raises:
            InvalidValueError: ``record`` is not a :class:`RejectedIntake`, or its id is taken
                (nothing was written).
        """
        ...

    def rejected(
        self, *, pending: bool = True, after: str | None = None, limit: int = 50
    ) -> Sequence[RejectedIntake]:
        """Return up to ``limit`` records in the order they were kept.

        Args:
            pending: Only those still waiting for review (``False``: all).
            after: The id of the last record of the previous page.
            limit: At most this many (0 to 1000).
        """
        ...

    def get_rejected(self, record_id: str) -> RejectedIntake:
        """Return one record.

        Raises:
            RecordNotFoundError: No such record.
        """
        ...

    def settle_rejected(self, record_id: str, *, at: datetime, ticket_id: str | None) -> bool:
        """Mark a record settled at ``at`` (naming the ticket its re-ingestion made or joined).

        Returns ``False``, changing nothing, if it was settled already.

        Raises:
            RecordNotFoundError: No such record.
        """
        ...
