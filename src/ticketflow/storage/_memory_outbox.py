"""The in-memory store's outbox: messages and their leases, kept in the order they are claimed.

A claim takes the oldest deliverable messages (by creation time, then id). A message is
deliverable from its *available* instant on: its not-before time or, while leased, the end of
its lease, whichever is later. Sorting every message on every claim costs time in proportion to
the outbox, so two sorted containers are kept instead
(:class:`~ticketflow.storage._sorted.SortedKeys`, which a change moves little of, wherever it
falls in the order):

* every message by ``(available, created_at, id)``;
* the messages available by the *horizon* (the ``now`` of the last claim) by
  ``(created_at, id)``: the deliverable ones, oldest first.

A claim moves the horizon to its ``now``: the messages that become available on the way join
the second list, and, should a caller's clock go back, those no longer available leave it.
Each is found by bisection in the first list. So a claim costs about the messages it takes and
those whose time came since the last claim, not the whole outbox; a leased message waits in
the first list alone until its lease ends.

A dead letter keeps its slot (so its id stays taken) but leaves both lists for a third, sorted
by ``(dead_at, id)``, the order they are listed in; a re-send moves it back.
"""

from __future__ import annotations

import itertools
import operator
import secrets
from datetime import UTC, datetime
from typing import Final

import attrs

from ._dead_letters import DeadLetter
from ._outbox import LeasedMessage, OutboxMessage
from ._sorted import SortedKeys

__all__ = ["MemoryOutbox"]

_AVAILABLE: Final = operator.itemgetter(0)


@attrs.define
class _Slot:
    message: OutboxMessage
    not_before: datetime
    attempts: int = 0
    lease_token: str | None = None
    lease_until: datetime | None = None
    dead: DeadLetter | None = None

    @property
    def available(self) -> datetime:
        # A lease is granted only once not_before has passed, so while leased this is the
        # lease's end; a retry drops the lease and sets not_before.
        if self.lease_until is None:
            return self.not_before
        return max(self.not_before, self.lease_until)

    @property
    def claim_key(self) -> tuple[datetime, str]:
        return self.message.created_at, self.message.id

    @property
    def time_key(self) -> tuple[datetime, datetime, str]:
        return self.available, self.message.created_at, self.message.id


class MemoryOutbox:
    """Outbox messages with their leases, and which are deliverable, oldest first.

    Not thread-safe: the store calls it under its lock.
    """

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._by_time: SortedKeys[tuple[datetime, datetime, str]] = SortedKeys()
        self._ready: SortedKeys[tuple[datetime, str]] = SortedKeys()
        self._dead: SortedKeys[tuple[datetime, str]] = SortedKeys()  # (dead_at, id)
        # Before any claim nothing is deliverable yet, as far as the lists know.
        self._horizon = datetime.min.replace(tzinfo=UTC)

    def __contains__(self, message_id: str) -> bool:
        return message_id in self._slots

    def add(self, message: OutboxMessage) -> None:
        """Hold a new message, deliverable from its creation on."""
        slot = _Slot(message, message.created_at)
        self._slots[message.id] = slot
        self._link(slot)

    def claim(
        self, *, worker: str, now: datetime, until: datetime, limit: int
    ) -> list[LeasedMessage]:
        """Lease up to ``limit`` messages deliverable at ``now`` until ``until``, oldest first."""
        self._move_horizon(now)
        taken = self._ready.take(limit)
        claimed: list[LeasedMessage] = []
        for _, message_id in taken:
            slot = self._slots[message_id]
            self._unlink_by_time(slot)
            slot.attempts += 1
            slot.lease_token = f"{worker}:{secrets.token_hex(8)}"
            slot.lease_until = until
            # until > now: the lease keeps it out of the deliverable list.
            self._by_time.add(slot.time_key)
            claimed.append(
                LeasedMessage(
                    message=slot.message,
                    lease_token=slot.lease_token,
                    lease_until=until,
                    attempts=slot.attempts,
                )
            )
        return claimed

    def ack(self, leased: LeasedMessage) -> bool:
        """Remove the message if the lease still holds it; return whether it did."""
        slot = self._held(leased)
        if slot is None:
            return False
        self._unlink(slot)
        del self._slots[slot.message.id]
        return True

    def retry(self, leased: LeasedMessage, not_before: datetime) -> bool:
        """Release the message until ``not_before`` if the lease still holds it."""
        slot = self._held(leased)
        if slot is None:
            return False
        self._unlink(slot)
        slot.lease_token = None
        slot.lease_until = None
        slot.not_before = not_before
        self._link(slot)
        return True

    def dead_letter(self, leased: LeasedMessage, error: str, at: datetime) -> bool:
        """Set the message aside as a dead letter if the lease still holds it."""
        slot = self._held(leased)
        if slot is None:
            return False
        self._unlink(slot)
        slot.lease_token = None
        slot.lease_until = None
        slot.dead = DeadLetter(
            message=slot.message, attempts=slot.attempts, last_error=error, dead_at=at
        )
        self._dead.add((at, slot.message.id))
        return True

    def dead_letters(self, after: DeadLetter | None, limit: int) -> list[DeadLetter]:
        """Return up to ``limit`` dead letters after ``after``, by ``(dead_at, id)``."""
        dead = self._dead
        keys = (
            list(itertools.islice(dead, limit))
            if after is None
            else dead.after((after.dead_at, after.message.id), limit)
        )
        letters: list[DeadLetter] = []
        for _, message_id in keys:
            letter = self._slots[message_id].dead
            assert letter is not None  # noqa: S101 - the list holds dead letters only
            letters.append(letter)
        return letters

    def resend(self, message_id: str, not_before: datetime) -> bool:
        """Put a dead letter back, deliverable from ``not_before``, its attempts reset."""
        slot = self._slots.get(message_id)
        if slot is None or slot.dead is None:
            return False
        self._dead.remove((slot.dead.dead_at, message_id))
        slot.dead = None
        slot.attempts = 0
        slot.not_before = not_before
        self._link(slot)
        return True

    def _held(self, leased: LeasedMessage) -> _Slot | None:
        # The slot the lease still holds. A released or never-claimed slot holds no token, and
        # no token, not even a forged None, proves a lease on it.
        slot = self._slots.get(leased.message.id)
        if slot is None or slot.lease_token is None or slot.lease_token != leased.lease_token:
            return None
        return slot

    def _link(self, slot: _Slot) -> None:
        key = slot.time_key
        self._by_time.add(key)
        if key[0] <= self._horizon:
            self._ready.add(slot.claim_key)

    def _unlink(self, slot: _Slot) -> None:
        self._unlink_by_time(slot)
        if slot.available <= self._horizon:
            self._ready.remove(slot.claim_key)

    def _unlink_by_time(self, slot: _Slot) -> None:
        self._by_time.remove(slot.time_key)

    def _move_horizon(self, now: datetime) -> None:
        # The deliverable list holds exactly the messages available by the horizon; move the
        # horizon to now, and with it those available in between.
        horizon, self._horizon = self._horizon, now
        if now == horizon:
            return
        low, high = sorted((now, horizon))
        moved = [
            (created_at, message_id)
            for _, created_at, message_id in self._by_time.between(low, high, key=_AVAILABLE)
        ]
        self._ready.shift(moved, arriving=now > horizon)
