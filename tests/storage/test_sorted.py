"""``insort_last`` keeps a list as ``bisect.insort`` keeps it, the search skipped at the end."""

from __future__ import annotations

import bisect

from hypothesis import given
from hypothesis import strategies as st

from ticketflow.storage._sorted import insort_last

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
