"""Round-robin turns kept by the store: fair across connections, processes and restarts."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketflow.exceptions import InvalidValueError
from ticketflow.storage import InMemoryTicketStore, RotationStore, SQLiteTicketStore

AGENTS = ("ann", "bob", "cy", "dan")


@settings(deadline=None)
@given(
    turns=st.lists(st.tuples(st.integers(0, 1), st.sampled_from(["l1", "l2"])), max_size=40),
    agents=st.lists(st.sampled_from(AGENTS), min_size=1, max_size=4, unique=True),
)
def test_two_connections_deal_in_turn(
    tmp_path_factory: pytest.TempPathFactory, turns: list[tuple[int, str]], agents: list[str]
) -> None:
    path = tmp_path_factory.mktemp("rotation") / "desk.sqlite3"
    # Two stores on one file are two connections, locked as two processes are.
    with SQLiteTicketStore(path) as first, SQLiteTicketStore(path) as second:
        stores = (first, second)
        model = InMemoryTicketStore()
        counts: dict[str, Counter[str]] = {"l1": Counter(), "l2": Counter()}
        for which, queue in turns:
            agent = stores[which].rotate(queue, agents)
            assert agent == model.rotate(queue, agents), "the same turn as the reference"
            counts[queue][agent] += 1
            dealt = [counts[queue][a] for a in agents]
            assert max(dealt) - min(dealt) <= 1, f"{queue}: {dict(counts[queue])}"


def _deal(path: str, rounds: int, start: object) -> Counter[str]:
    start.wait()  # type: ignore[attr-defined]
    with SQLiteTicketStore(path) as store:
        return Counter(store.rotate("hot", AGENTS) for _ in range(rounds))


@pytest.mark.slow
def test_four_processes_share_the_turns(tmp_path: Path) -> None:
    path = str(tmp_path / "desk.sqlite3")
    SQLiteTicketStore(path).close()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Event()
        with context.Pool(4) as pool:
            pending = [pool.apply_async(_deal, (path, 100, start)) for _ in range(4)]
            start.set()
            total = sum((result.get(timeout=120) for result in pending), Counter())
    assert total == dict.fromkeys(AGENTS, 100), total


def test_a_restart_keeps_the_turn(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    with SQLiteTicketStore(path) as store:
        assert [store.rotate("l1", AGENTS) for _ in range(2)] == ["ann", "bob"]
    with SQLiteTicketStore(path) as store:
        assert store.rotate("l1", AGENTS) == "cy"


@pytest.mark.parametrize("make", [InMemoryTicketStore, None])
def test_bad_arguments_name_the_field(make: object, tmp_path: Path) -> None:
    store = InMemoryTicketStore() if make else SQLiteTicketStore(tmp_path / "d.sqlite3")
    assert isinstance(store, RotationStore)
    for queue, eligible, field in [
        ("", AGENTS, "queue"),
        ("l1", [], "eligible"),
        ("l1", "ann", "eligible"),
        ("l1", ["ann", 5], "eligible"),
        ("l1", None, "eligible"),
        (None, AGENTS, "queue"),
    ]:
        with pytest.raises(InvalidValueError) as caught:
            store.rotate(queue, eligible)  # type: ignore[arg-type]
        assert caught.value.field == field
