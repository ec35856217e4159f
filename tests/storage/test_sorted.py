"""``insort_last`` keeps a list as ``bisect.insort`` keeps it, the search skipped at the end;
``SortedQueue`` holds what a sorted list of the same keys holds, whatever is done to it."""

from __future__ import annotations

import bisect

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from ticketflow.storage._sorted import SortedQueue, insort_last

KEYS = st.tuples(st.integers(-3, 3), st.sampled_from("ab"), st.integers())


@given(st.lists(KEYS), st.lists(KEYS, max_size=20))
def test_the_list_is_what_insort_makes_of_it(
    present: list[tuple[int, str, int]], added: list[tuple[int, str, int]]
) -> None:
    ours, theirs = sorted(present), sorted(present)
    for key in added:
        insort_last(ours, key)
        bisect.insort(theirs, key)
        assert ours == theirs


def test_equal_keys_go_after_the_ones_present() -> None:
    items: list[float] = [0.0, 1.0]
    insort_last(items, 1)
    assert [type(item) for item in items] == [float, float, int]
    items = [0.0, 1.0, 2.0]
    insort_last(items, 1)
    assert [type(item) for item in items] == [float, float, int, float]


class QueueAgainstList(RuleBasedStateMachine):
    """Every operation of a claim's queue, beside a plain sorted list doing the same."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: SortedQueue[int] = SortedQueue()
        self.model: list[int] = []

    present = Bundle("present")

    @rule(target=present, key=st.integers(-1_000, 1_000))
    def add(self, key: int) -> int:
        if key not in self.model:
            self.queue.add(key)
            bisect.insort(self.model, key)
        return key

    @rule(key=present)
    def remove(self, key: int) -> None:
        if key in self.model:
            self.queue.remove(key)
            self.model.remove(key)

    @rule(limit=st.integers(0, 200))
    def take(self, limit: int) -> None:
        assert self.queue.take(limit) == self.model[:limit]
        del self.model[:limit]

    @rule(keys=st.lists(st.integers(-2_000, 2_000), max_size=150, unique=True))
    def arrive(self, keys: list[int]) -> None:
        keys = [key for key in keys if key not in self.model]
        self.queue.arrive(keys)
        self.model = sorted([*self.model, *keys])

    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        keys = data.draw(st.lists(st.sampled_from(self.model), unique=True)) if self.model else []
        self.queue.leave(keys)
        self.model = [key for key in self.model if key not in keys]

    @invariant()
    def holds_the_same_keys(self) -> None:
        assert list(self.queue) == self.model
        assert len(self.queue) == len(self.model)


TestQueueAgainstList = QueueAgainstList.TestCase


def test_taken_keys_are_dropped_and_a_first_key_reuses_their_slot() -> None:
    queue: SortedQueue[int] = SortedQueue()
    queue.arrive(list(range(0, 1_000, 2)))
    assert queue.take(100) == list(range(0, 200, 2))
    queue.add(1)  # before every key left: into the slot of the last key taken
    assert list(queue)[:3] == [1, 200, 202]
    assert queue.take(300) == [1, *range(200, 798, 2)]
    assert list(queue) == list(range(798, 1_000, 2))
    assert len(queue._items) == len(queue)  # the taken keys were dropped
