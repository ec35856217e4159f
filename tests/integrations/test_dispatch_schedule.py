"""dispatch_outbox with a retry schedule: waits by attempt, then a dead letter; never a drop."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ticketflow.exceptions import InvalidValueError
from ticketflow.integrations import DispatchReport, RetrySchedule, dispatch_outbox
from ticketflow.integrations._dispatch import error_text
from ticketflow.storage import (
    Change,
    DeadLetterStore,
    InMemoryTicketStore,
    OutboxMessage,
    SQLiteTicketStore,
    TicketStore,
)

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SCHEDULE = RetrySchedule((timedelta(seconds=5), timedelta(minutes=5)), jitter=0)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TicketStore]:
    if request.param == "memory":
        yield InMemoryTicketStore()
        return
    with SQLiteTicketStore(tmp_path / "desk.sqlite3", synchronous="OFF") as sqlite:
        yield sqlite


def _outbox(store: TicketStore, *topics: str) -> None:
    from ticketflow.testing._store_checks import created  # noqa: PLC0415 - a kit helper

    change = created(1)
    messages = tuple(
        OutboxMessage(id=f"m{index}", topic=topic, payload={"n": index}, created_at=T0)
        for index, topic in enumerate(topics)
    )
    store.commit(
        Change(ticket=change.ticket, events=change.events, expected_version=0, outbox=messages)
    )


class BoomError(Exception):
    pass


def _fail(message: OutboxMessage) -> None:
    raise BoomError(f"receiver down for {message.id}")


def test_without_a_schedule_a_failure_waits_retry_after_forever(store: TicketStore) -> None:
    _outbox(store, "a")
    now = T0
    for _ in range(12):
        report = dispatch_outbox(store, {"a": _fail}, now=now)
        assert report == DispatchReport(0, 1, 0, 0)
        assert dispatch_outbox(store, {"a": _fail}, now=now + timedelta(minutes=4)).failed == 0
        now += timedelta(minutes=5)
    assert isinstance(store, DeadLetterStore)
    assert list(store.dead_letters()) == []


def test_a_failure_waits_the_schedules_delay_for_its_attempt(store: TicketStore) -> None:
    _outbox(store, "a")
    assert dispatch_outbox(store, {"a": _fail}, now=T0, schedule=SCHEDULE).failed == 1
    early = T0 + timedelta(seconds=4)
    assert dispatch_outbox(store, {"a": _fail}, now=early, schedule=SCHEDULE).failed == 0
    second = T0 + timedelta(seconds=5)
    assert dispatch_outbox(store, {"a": _fail}, now=second, schedule=SCHEDULE).failed == 1
    early = second + timedelta(minutes=4, seconds=59)
    assert dispatch_outbox(store, {"a": _fail}, now=early, schedule=SCHEDULE).failed == 0
    third = second + timedelta(minutes=5)
    report = dispatch_outbox(store, {"a": _fail}, now=third, schedule=SCHEDULE)
    assert report == DispatchReport(0, 1, 0, 1), "the third attempt was the last"
    assert isinstance(store, DeadLetterStore)
    (letter,) = store.dead_letters()
    assert letter.message.id == "m0"
    assert letter.attempts == 3
    assert letter.dead_at == third
    assert letter.last_error == "BoomError('receiver down for m0')"
    later = third + timedelta(days=30)
    assert dispatch_outbox(store, {"a": _fail}, now=later, schedule=SCHEDULE).failed == 0


def test_a_resent_dead_letter_gets_a_whole_schedule_again(store: TicketStore) -> None:
    _outbox(store, "a")
    now = T0
    for _ in range(3):
        dispatch_outbox(store, {"a": _fail}, now=now, schedule=SCHEDULE)
        now += timedelta(hours=1)
    assert isinstance(store, DeadLetterStore)
    assert store.resend_dead_letter("m0", not_before=now)
    delivered: list[str] = []
    report = dispatch_outbox(store, {"a": _fail}, now=now, schedule=SCHEDULE)
    assert report.dead_lettered == 0, "attempts start over after a re-send"
    report = dispatch_outbox(
        store, {"a": lambda m: delivered.append(m.id)}, now=now + timedelta(hours=1)
    )
    assert report.delivered == 1
    assert delivered == ["m0"]
    assert list(store.dead_letters()) == []


def test_unhandled_messages_are_released_never_dead_lettered(store: TicketStore) -> None:
    _outbox(store, "a", "b")
    now = T0
    for _ in range(5):
        report = dispatch_outbox(store, {"a": _fail}, now=now, schedule=SCHEDULE)
        assert report.unhandled <= 1
        now += timedelta(hours=1)
    assert isinstance(store, DeadLetterStore)
    assert [d.message.id for d in store.dead_letters()] == ["m0"]
    seen: list[str] = []
    report = dispatch_outbox(store, {"b": lambda m: seen.append(m.id)}, now=now)
    assert (report.delivered, seen) == (1, ["m1"]), "the unhandled message is still there"


class _NoDeadLetters:
    """The TicketStore protocol alone, delegated to the reference store."""

    def __init__(self) -> None:
        self._store = InMemoryTicketStore()
        for name in (
            "allocate_number",
            "get",
            "get_by_number",
            "commit",
            "journal",
            "query",
            "due",
            "claim_outbox",
            "ack_outbox",
            "retry_outbox",
        ):
            setattr(self, name, getattr(self._store, name))


def test_a_store_without_dead_letters_keeps_the_message_at_the_longest_wait() -> None:
    store = _NoDeadLetters()
    assert isinstance(store, TicketStore)
    assert not isinstance(store, DeadLetterStore)
    _outbox(store, "a")
    now = T0
    for _ in range(3):
        dispatch_outbox(store, {"a": _fail}, now=now, schedule=SCHEDULE)
        now += timedelta(hours=1)
    report = dispatch_outbox(store, {"a": _fail}, now=now, schedule=SCHEDULE)
    assert report == DispatchReport(0, 1, 0, 0), "kept, not dead-lettered"
    soon = now + timedelta(minutes=4)
    assert dispatch_outbox(store, {"a": _fail}, now=soon, schedule=SCHEDULE).failed == 0
    assert dispatch_outbox(store, {"a": _fail}, now=now + timedelta(minutes=5)).failed == 1


def test_a_bad_schedule_is_refused_before_anything_is_claimed(store: TicketStore) -> None:
    _outbox(store, "a")
    with pytest.raises(InvalidValueError) as caught:
        dispatch_outbox(store, {"a": _fail}, now=T0, schedule=[timedelta(seconds=1)])  # type: ignore[arg-type]
    assert caught.value.field == "schedule"
    assert len(store.claim_outbox(worker="w", now=T0, lease=timedelta(minutes=1))) == 1


class _HostileError(Exception):
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class _SurrogateError(Exception):
    def __repr__(self) -> str:
        return "bad \ud800 text"


class _HugeError(Exception):
    def __repr__(self) -> str:
        return "x" * 10_000


def test_the_kept_error_is_always_text_a_store_keeps() -> None:
    assert error_text(_HostileError()) == "<_HostileError>"
    assert error_text(_SurrogateError()) == "bad \\ud800 text"
    assert len(error_text(_HugeError())) == 1000
    assert error_text(_HugeError()).endswith("...")
    assert error_text(ValueError("x")) == "ValueError('x')"
