"""``SortedKeys`` holds and answers what a sorted list of the same keys does, whatever is done
to it, with runs short enough that every split and merge is taken."""

from __future__ import annotations

import bisect
import operator
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from ticketflow.storage import _sorted
from ticketflow.storage._sorted import SortedKeys, intersection

FIRST = operator.itemgetter(0)


class KeysAgainstList(RuleBasedStateMachine):
    """Every operation of the in-memory store's sorted containers, beside a plain sorted list.

    Keys are ``(instant, id)`` pairs, as the store's are, read by their first part where the
    store reads them so (due by a cutoff, available in a window).
    """

    def __init__(self) -> None:
        super().__init__()
        self.keys: SortedKeys[tuple[int, int]] = SortedKeys()
        self.model: list[tuple[int, int]] = []

    present = Bundle("present")

    @rule(target=present, key=st.tuples(st.integers(0, 40), st.integers(0, 5)))
    def add(self, key: tuple[int, int]) -> tuple[int, int]:
        if key not in self.model:
            self.keys.add(key)
            bisect.insort(self.model, key)
        return key

    @rule(key=present)
    def remove(self, key: tuple[int, int]) -> None:
        if key in self.model:
            self.keys.remove(key)
            self.model.remove(key)

    @rule(limit=st.integers(0, 30))
    def take(self, limit: int) -> None:
        assert self.keys.take(limit) == self.model[:limit]
        del self.model[:limit]

    @rule(keys=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5)), unique=True))
    def arrive(self, keys: list[tuple[int, int]]) -> None:
        keys = [key for key in keys if key not in self.model]
        self.keys.shift(keys, arriving=True)
        self.model = sorted([*self.model, *keys])

    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        keys = data.draw(st.lists(st.sampled_from(self.model), unique=True)) if self.model else []
        self.keys.shift(keys, arriving=False)
        self.model = [key for key in self.model if key not in keys]

    @rule(limit=st.integers(0, 30), until=st.integers(-1, 41))
    def first(self, limit: int, until: int) -> None:
        expected = [key for key in self.model if key[0] <= until][:limit]
        assert self.keys.first(limit, until=until, key=FIRST) == expected

    @rule(low=st.integers(-1, 41), high=st.integers(-1, 41))
    def between(self, low: int, high: int) -> None:
        expected = [key for key in self.model if low < key[0] <= high]
        assert self.keys.between(low, high, key=FIRST) == expected

    @rule(key=st.tuples(st.integers(-1, 41), st.integers(-1, 6)), limit=st.integers(0, 30))
    def after(self, key: tuple[int, int], limit: int) -> None:
        assert self.keys.after(key, limit) == [k for k in self.model if k > key][:limit]

    @rule(key=st.tuples(st.integers(-1, 41), st.integers(-1, 6)))
    def neighbours(self, key: tuple[int, int]) -> None:
        above = [k for k in self.model if k > key]
        assert self.keys.next_above(key) == (above[0] if above else None)
        from_on = [k for k in self.model if k >= key]
        assert self.keys.least_from(key) == (from_on[0] if from_on else None)

    @invariant()
    def holds_the_same_keys(self) -> None:
        assert list(self.keys) == self.model
        assert len(self.keys) == len(self.model)

    @invariant()
    def keeps_its_runs_in_shape(self) -> None:
        runs = self.keys._runs
        assert all(0 < len(run) <= 2 * _sorted._LOAD for run in runs)
        assert self.keys._lasts == [run[-1] for run in runs]
        # Short runs are merged away (a lone run may be as short as it likes).
        assert len(runs) < 2 or all(len(run) >= _sorted._LOAD // 4 for run in runs)


@pytest.fixture
def short_runs() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sorted, "_LOAD", 8)  # runs merge below 2 keys
        patch.setattr(_sorted, "_ONE_BY_ONE", 3)
        yield


@pytest.mark.usefixtures("short_runs")
def test_sorted_keys_answer_as_a_sorted_list_does() -> None:
    run_state_machine_as_test(KeysAgainstList)


def test_runs_stay_between_a_quarter_and_twice_their_load() -> None:
    load = _sorted._LOAD
    keys: SortedKeys[int] = SortedKeys()
    for key in range(0, 20 * load, 2):  # all appended: the last run splits as it grows
        keys.add(key)
    for key in range(1, 20 * load, 4):  # in the middle of runs
        keys.add(key)
    runs = keys._runs
    assert all(load // 4 <= len(run) <= 2 * load for run in runs)
    assert [run[-1] for run in runs] == keys._lasts
    for key in range(0, 20 * load, 2):
        keys.remove(key)
    runs = keys._runs
    assert all(load // 4 <= len(run) <= 2 * load for run in runs[:-1])
    assert list(keys) == list(range(1, 20 * load, 4))
    assert [run[-1] for run in runs] == keys._lasts


def test_a_short_run_merged_into_a_long_one_is_split_again() -> None:
    load = _sorted._LOAD
    keys: SortedKeys[int] = SortedKeys()
    for key in range(0, 4 * load + 1, 2):  # 2 * load + 1 keys: split into two runs
        keys.add(key)
    for key in range(1, 2 * load - 2, 2):  # the first run grows to nearly 2 * load
        keys.add(key)
    second = keys._runs[1]
    for key in list(second)[: len(second) - load // 4 + 1]:  # the second run runs short
        keys.remove(key)
    runs = keys._runs
    assert len(runs) == 2
    assert all(load // 4 <= len(run) <= 2 * load for run in runs)
    assert [run[-1] for run in runs] == keys._lasts
    assert list(keys) == sorted(keys)


@pytest.mark.usefixtures("short_runs")
@given(
    shared=st.sets(st.integers(1, 40)),
    sets=st.lists(st.sets(st.integers(1, 40)), min_size=1, max_size=4),
    after=st.integers(-1, 41),
    limit=st.integers(0, 50),
)
def test_an_intersection_is_the_keys_in_every_set(
    shared: set[int], sets: list[set[int]], after: int, limit: int
) -> None:
    sets = [shared | keys for keys in sets]  # sets that do meet, each with keys of its own
    common = sorted(key for key in set.intersection(*sets) if key > after)[:limit]
    assert intersection([SortedKeys(keys) for keys in sets], after, limit) == common
