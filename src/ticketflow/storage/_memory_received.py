"""The in-memory store's intake tables: claims, near-duplicate keys and rejected input.

Not thread-safe on its own: the store calls it under its lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from ..exceptions import ClaimTakenError, InvalidValueError, RecordNotFoundError
from ._band_keys import SimilarityKeys
from ._change import Change
from ._received import RejectedIntake

__all__ = ["IntakeTables"]


class IntakeTables:
    """Claims by key, band keys to tickets, and rejected records in the order kept."""

    def __init__(self) -> None:
        self._claims: dict[str, str] = {}
        self._keys: dict[str, SimilarityKeys] = {}
        self._bands: dict[str, set[str]] = {}
        self._rejected: dict[str, RejectedIntake] = {}
        self._order: list[str] = []  # record ids in the order kept
        self._positions: dict[str, int] = {}

    def check(self, change: Change) -> None:
        """Raise :class:`ClaimTakenError` if the change claims a key another ticket holds."""
        ticket_id = change.ticket.id
        for key in change.claims:
            holder = self._claims.get(key)
            if holder is not None and holder != ticket_id:
                raise ClaimTakenError(ticket_id, key, holder)

    def write(self, change: Change) -> None:
        """Write the change's claims and near-duplicate keys (after :meth:`check`)."""
        ticket_id = change.ticket.id
        for key in change.claims:
            self._claims[key] = ticket_id
        if change.similarity is not None:
            self._drop(ticket_id)
            self._keys[ticket_id] = change.similarity
            for band in change.similarity.band_keys:
                self._bands.setdefault(band, set()).add(ticket_id)
        elif change.unindex:
            self._drop(ticket_id)

    def _drop(self, ticket_id: str) -> None:
        keys = self._keys.pop(ticket_id, None)
        if keys is None:
            return
        for band in keys.band_keys:
            holders = self._bands.get(band)
            if holders is not None:
                holders.discard(ticket_id)
                if not holders:
                    del self._bands[band]

    def claimant(self, key: str) -> str | None:
        return self._claims.get(key)

    def candidates(self, band_keys: Sequence[str]) -> dict[str, Sequence[int]]:
        found: dict[str, Sequence[int]] = {}
        for band in band_keys:
            for ticket_id in self._bands.get(band, ()):
                if ticket_id not in found:
                    found[ticket_id] = self._keys[ticket_id].sketch
        return found

    def keep(self, record: RejectedIntake) -> None:
        if record.id in self._rejected:
            raise InvalidValueError("record.id", record.id, "a rejected record with it exists")
        self._positions[record.id] = len(self._order)
        self._order.append(record.id)
        self._rejected[record.id] = record

    def listed(self, *, pending: bool, after: str | None, limit: int) -> list[RejectedIntake]:
        if after is None:
            start = 0
        elif after in self._positions:
            start = self._positions[after] + 1
        else:
            return []  # as a store that pages by the record's row: an unknown id ends the list
        found: list[RejectedIntake] = []
        order = self._order
        for position in range(start, len(order)):
            if len(found) == limit:
                break
            record = self._rejected[order[position]]
            if record.pending or not pending:
                found.append(record)
        return found

    def get(self, record_id: str) -> RejectedIntake:
        try:
            return self._rejected[record_id]
        except KeyError:
            raise RecordNotFoundError("rejected_intake", record_id) from None

    def settle(self, record_id: str, at: datetime, ticket_id: str | None) -> bool:
        record = self.get(record_id)
        if not record.pending:
            return False
        self._rejected[record_id] = attrs.evolve(record, settled_at=at, ticket_id=ticket_id)
        return True
