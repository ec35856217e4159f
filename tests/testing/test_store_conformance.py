"""The conformance kit finds the bug in stores that each break one contract, and names it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import attrs
import pytest

from ticketflow import Ticket, TicketEvent
from ticketflow.exceptions import ConflictError, InvalidValueError, TicketNotFoundError
from ticketflow.storage import (
    Change,
    DueEntry,
    InMemoryTicketStore,
    LeasedMessage,
    Page,
    TicketQuery,
    TicketStore,
)
from ticketflow.testing import check_ticket_store


def _loose_page(
    store: InMemoryTicketStore, query: TicketQuery, same: Callable[[object, object], bool]
) -> Page:
    """Answer ``query`` as the reference does, but compare field values with ``same``."""
    candidates = InMemoryTicketStore.query(store, attrs.evolve(query, fields={}, limit=1000))
    found = [
        ticket
        for ticket in candidates.tickets
        if all(
            key in ticket.fields and same(ticket.fields[key], value)
            for key, value in query.fields.items()
        )
    ]
    page = found[: query.limit]
    return Page(tuple(page), page[-1].number if len(found) > query.limit else None)


class EqualityFieldFilterStore(InMemoryTicketStore):
    """Compares field values with ``==``, so ``1`` matches ``1.0`` and ``True``."""

    def query(self, query: TicketQuery) -> Page:
        return _loose_page(self, query, lambda a, b: a == b)


class TextFieldFilterStore(InMemoryTicketStore):
    """Compares field values as text, as a naive TEXT column would: ``"7781"`` matches ``7781``."""

    def query(self, query: TicketQuery) -> Page:
        return _loose_page(self, query, lambda a, b: str(a) == str(b))


class BooleansAsIntegersStore(InMemoryTicketStore):
    """Stores ``True``/``False`` field values as ``1``/``0``, as a database without booleans."""

    def commit(self, change: Change) -> None:
        fields = {k: int(v) if isinstance(v, bool) else v for k, v in change.ticket.fields.items()}
        super().commit(attrs.evolve(change, ticket=attrs.evolve(change.ticket, fields=fields)))


class ConflictIgnoringStore(InMemoryTicketStore):
    """Treats a stale expected version as success: nothing is written, nothing is raised."""

    def commit(self, change: Change) -> None:
        try:
            super().commit(change)
        except ConflictError:
            return


class NumberKeepingStore(InMemoryTicketStore):
    """Ignores ``assign_number``: keeps the placeholder number the change carries."""

    def commit(self, change: Change) -> None:
        super().commit(attrs.evolve(change, assign_number=False))


class KeyErrorStore(InMemoryTicketStore):
    """Lets a KeyError escape for an unknown number instead of TicketNotFoundError."""

    def get_by_number(self, number: int) -> Ticket:
        return self._tickets[self._by_number[number]]


class WholeJournalStore(InMemoryTicketStore):
    """Ignores ``after_version``."""

    def journal(self, ticket_id: str, *, after_version: int = 0) -> Sequence[TicketEvent]:  # noqa: ARG002 - the bug
        return super().journal(ticket_id)


class DueByIdStore(InMemoryTicketStore):
    """Orders due tickets by id instead of by due time."""

    def due(self, at_or_before: datetime, *, limit: int = 100) -> Sequence[DueEntry]:
        every = super().due(at_or_before, limit=1000)
        return sorted(every, key=lambda entry: entry.ticket_id)[:limit]


class LeaseBreakingStore(InMemoryTicketStore):
    """Hands out messages that are still under another worker's live lease."""

    def claim_outbox(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int = 10
    ) -> Sequence[LeasedMessage]:
        # Claims as if every lease had already lapsed.
        late = now + timedelta(days=3650)
        return super().claim_outbox(worker=worker, now=late, lease=lease, limit=limit)


class AssigneeBlindStore(InMemoryTicketStore):
    """Ignores the assignee criterion of a query (no targeted check queries by assignee)."""

    def query(self, query: TicketQuery) -> Page:
        return super().query(attrs.evolve(query, assignee=None))


class AssigneeForgettingStore(InMemoryTicketStore):
    """Loses the assignee when loading a snapshot (no targeted check assigns)."""

    def get(self, ticket_id: str) -> Ticket:
        return attrs.evolve(super().get(ticket_id), assignee=None)


class MemoReplacingStore(InMemoryTicketStore):
    """Replaces all of a ticket's memos with those of each commit (forgets the other names)."""

    def commit(self, change: Change) -> None:
        super().commit(change)
        if change.memos:
            self._memos[change.ticket.id] = dict(change.memos)


class MemoOnConflictStore(InMemoryTicketStore):
    """Writes a change's memos even when the commit is refused."""

    def commit(self, change: Change) -> None:
        try:
            super().commit(change)
        except ConflictError:
            self._memos.setdefault(change.ticket.id, {}).update(change.memos)
            raise


def _kit_failure(store: Callable[[], TicketStore], check: str, max_examples: int = 0) -> str:
    with pytest.raises(AssertionError) as caught:
        check_ticket_store(store, max_examples=max_examples)
    message = str(caught.value)
    assert message.startswith(f"check_ticket_store[{check}]: "), message
    return message


def test_a_field_filter_comparing_with_equality_fails_field_filters_compare_types() -> None:
    message = _kit_failure(EqualityFieldFilterStore, "field_filters_compare_types")
    assert re.search(r"code=7781 \(int\) matched \['T2', 'T3'\]", message), message


def test_a_field_filter_comparing_as_text_fails_field_filters_compare_types() -> None:
    message = _kit_failure(TextFieldFilterStore, "field_filters_compare_types")
    assert "code='7781' (str) matched ['T1', 'T2']" in message, message


def test_a_store_that_turns_booleans_into_integers_fails_fields_keep_their_types() -> None:
    message = _kit_failure(BooleansAsIntegersStore, "fields_keep_their_types")
    assert "committed with code=True (bool) and read back as 1 (int)" in message, message


def test_a_commit_that_ignores_conflicts_fails_conflict_writes_nothing() -> None:
    message = _kit_failure(ConflictIgnoringStore, "conflict_writes_nothing")
    assert "must raise ConflictError" in message


def test_a_commit_that_keeps_the_placeholder_number_fails_commit_assigns_numbers() -> None:
    message = _kit_failure(NumberKeepingStore, "commit_assigns_numbers")
    assert "raised ConflictError" in message, message


def test_a_crash_is_reported_under_the_check_that_met_it() -> None:
    with pytest.raises(AssertionError) as caught:
        check_ticket_store(KeyErrorStore, max_examples=0)
    assert str(caught.value) == "check_ticket_store[not_found]: raised KeyError: 404"
    assert isinstance(caught.value.__cause__, KeyError)


def test_a_journal_that_ignores_after_version_fails_journal_after_version() -> None:
    message = _kit_failure(WholeJournalStore, "journal_after_version")
    assert "gave versions [1, 2, 3, 4, 5]" in message


def test_due_tickets_out_of_order_fail_due_index() -> None:
    _kit_failure(DueByIdStore, "due_index")


def test_claiming_leased_messages_fails_outbox_leases() -> None:
    _kit_failure(LeaseBreakingStore, "outbox_leases")


@pytest.mark.no_cover  # the whole kit runs to find the fault; the kit is covered by the stores
def test_a_query_that_ignores_the_assignee_fails_the_stateful_query_step() -> None:
    message = _kit_failure(AssigneeBlindStore, "stateful.query", max_examples=400)
    assert "!= store" in message


def test_a_snapshot_that_loses_its_assignee_fails_the_stateful_invariant() -> None:
    _kit_failure(AssigneeForgettingStore, "stateful.snapshots_and_journals_agree", 400)


def test_the_reference_store_passes_the_targeted_checks_alone() -> None:
    check_ticket_store(InMemoryTicketStore, max_examples=0)


@pytest.mark.parametrize("max_examples", [-1, 1.5, True, "10"])
def test_a_bad_max_examples_is_rejected_before_any_check(max_examples: object) -> None:
    made: list[TicketStore] = []

    def make() -> TicketStore:
        made.append(InMemoryTicketStore())
        return made[-1]

    with pytest.raises(InvalidValueError) as caught:
        check_ticket_store(make, max_examples=max_examples)  # type: ignore[arg-type]
    assert caught.value.field == "max_examples"
    assert made == []


def test_a_store_is_closed_after_its_check_even_when_it_fails() -> None:
    closed: list[ClosingConflictIgnoringStore] = []

    class ClosingConflictIgnoringStore(ConflictIgnoringStore):
        def close(self) -> None:
            closed.append(self)

    with pytest.raises(AssertionError):
        check_ticket_store(ClosingConflictIgnoringStore, max_examples=0)
    assert len(closed) == 1


def test_an_unknown_ticket_still_raises_ticket_not_found_in_the_reference() -> None:
    # Guards the premise of KeyErrorStore: the reference raises TicketNotFoundError.
    with pytest.raises(TicketNotFoundError):
        InMemoryTicketStore().get_by_number(404)


def test_a_store_that_replaces_every_memo_fails_memos_commit_with_the_snapshot() -> None:
    message = _kit_failure(MemoReplacingStore, "memos_commit_with_the_snapshot")
    assert "keeps the others" in message, message


def test_a_store_that_writes_memos_of_refused_commits_fails_memos_commit_with_the_snapshot() -> (
    None
):
    message = _kit_failure(MemoOnConflictStore, "memos_commit_with_the_snapshot")
    assert "a refused commit wrote its memo" in message, message
