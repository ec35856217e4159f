"""The in-memory due index answers as a naive model does: every due time, every lease, by scan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ticketflow.storage._memory_due import DueIndex

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
IDS = ("a", "b", "c", "d", "e")


class NaiveDue:
    """Scans everything on every call."""

    def __init__(self) -> None:
        self.due: dict[str, datetime] = {}
        self.leases: dict[str, datetime] = {}

    def set(self, ticket_id: str, due_at: datetime | None) -> None:
        self.due.pop(ticket_id, None)
        self.leases.pop(ticket_id, None)
        if due_at is not None:
            self.due[ticket_id] = due_at

    def claim(self, cutoff: datetime, until: datetime, limit: int) -> list[tuple[str, datetime]]:
        free = sorted(
            (due_at, ticket_id)
            for ticket_id, due_at in self.due.items()
            if due_at <= cutoff and self.leases.get(ticket_id, cutoff) <= cutoff
        )[:limit]
        for _, ticket_id in free:
            self.leases[ticket_id] = until
        return [(ticket_id, due_at) for due_at, ticket_id in free]


_minutes = st.integers(0, 30).map(lambda m: T0 + timedelta(minutes=m))
_steps = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from(IDS), st.none() | _minutes),
        st.tuples(st.just("claim"), _minutes, st.integers(1, 10), st.integers(0, 3)),
    ),
    max_size=40,
)


@given(steps=_steps)
def test_claims_answer_as_a_scan_does_whichever_way_the_clock_goes(
    steps: list[tuple[object, ...]],
) -> None:
    index, model = DueIndex(), NaiveDue()
    for step in steps:
        if step[0] == "set":
            _, ticket_id, due_at = step
            assert isinstance(ticket_id, str)
            assert due_at is None or isinstance(due_at, datetime)
            index.set(ticket_id, due_at)
            model.set(ticket_id, due_at)
        else:
            _, cutoff, lease, limit = step
            assert isinstance(cutoff, datetime)
            assert isinstance(lease, int)
            assert isinstance(limit, int)
            until = cutoff + timedelta(minutes=lease)
            claimed = [(e.ticket_id, e.due_at) for e in index.claim(cutoff, until, limit)]
            assert claimed == model.claim(cutoff, until, limit)
    everything = [(e.ticket_id, e.due_at) for e in index.due(T0 + timedelta(days=1), 100)]
    assert everything == sorted(model.due.items(), key=lambda item: (item[1], item[0]))


@given(
    dues=st.lists(_minutes, min_size=70, max_size=120),
    claims=st.lists(st.tuples(_minutes, st.integers(1, 10), st.integers(0, 150)), max_size=8),
)
def test_many_entries_moving_at_once_answer_as_a_scan_does(
    dues: list[datetime], claims: list[tuple[datetime, int, int]]
) -> None:
    # Past 64 entries crossing the horizon at once, the index sorts or filters in bulk.
    index, model = DueIndex(), NaiveDue()
    for number, due_at in enumerate(dues):
        index.set(f"t{number:03d}", due_at)
        model.set(f"t{number:03d}", due_at)
    for cutoff, lease, limit in claims:
        until = cutoff + timedelta(minutes=lease)
        claimed = [(e.ticket_id, e.due_at) for e in index.claim(cutoff, until, limit)]
        assert claimed == model.claim(cutoff, until, limit)
