"""How much a status change costs: the bare edge check, the guard, and a guarded workflow.

Prints the median per call of each, as a ratio to the bare membership check measured in the
same run (the three take turns, round after round, and a ratio is the median of the rounds'
own), and the memory per ticket. Where installed (`nox -s bench` installs them), the peers
`transitions` and `python-statemachine` run the same six-state lifecycle in the same process:
their cost per transition, and what the machine each of them builds per ticket costs.
"""

from __future__ import annotations

import gc
import itertools
import platform
import statistics
import sys
import timeit
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import attrs
from _workload import median_of, sized, take_turns, typical_draft

from ticketflow import (
    DEFAULT_WORKFLOW,
    TICKET_EDGES,
    Actor,
    CheckResult,
    Move,
    Role,
    Ticket,
    TicketStatus,
    Workflow,
    transition,
)

S = TicketStatus
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
BOB = Actor.agent("bob")
NUMBER = sized(20_000, 10)  # calls per timing
REPEAT = sized(15, 2)  # timings, the figures taking turns


def median_us(call: Callable[[], object], *, number: int = NUMBER, repeat: int = REPEAT) -> float:
    """Median over `repeat` runs of the mean time per call, in microseconds."""
    timer = timeit.Timer(call)
    gc.collect()
    return statistics.median(t / number * 1e6 for t in timer.repeat(repeat, number))


def measured(
    calls: dict[str, Callable[[], object]], *, number: int = NUMBER, repeat: int = REPEAT
) -> list[tuple[str, float, float]]:
    """``(name, median µs per call, ratio to the first)`` of each call, the calls taking turns.

    Each of ``repeat`` rounds times ``number`` calls of each in turn (see ``take_turns``).
    """
    timers = {name: timeit.Timer(call) for name, call in calls.items()}
    gc.collect()
    rounds = take_turns(
        {name: partial(_us_per_call, timer, number) for name, timer in timers.items()}, repeat
    )
    first = next(iter(calls))
    return [(name, median_of(rounds, name), median_of(rounds, name, first)) for name in calls]


def _us_per_call(timer: timeit.Timer, number: int) -> float:
    return timer.timeit(number) / number * 1e6


def typical_ticket(number: int) -> Ticket:
    ticket, _ = DEFAULT_WORKFLOW.create(
        typical_draft(number),
        id=f"T-{number:08d}",
        number=number,
        actor=Actor.customer(f"customer{number}@example.com"),
        at=AT,
    )
    return ticket


def assigned(move: Move) -> CheckResult:
    return CheckResult.ok() if move.ticket.queue else CheckResult.fail("no queue")


@attrs.frozen
class Peer:
    """A peer library measured on the same lifecycle: per-step cost and per-ticket machine cost."""

    name: str
    step_us: float
    build_us: float
    build_bytes: float


def bytes_per(build: Callable[[], object], count: int = sized(1_000, 10)) -> float:
    """Memory held per object after building `count` of them (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    kept = [build() for _ in range(count)]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    del kept
    return size / count


def peer_transitions() -> Peer | None:
    """`transitions.Machine`: one machine per ticket, bound to the ticket as its model."""
    try:
        from transitions import Machine  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
    except ImportError:
        return None
    states = [s.value for s in S]
    edges = [
        {"trigger": f"to_{t}", "source": s.value, "dest": t.value}
        for s, targets in TICKET_EDGES.items()
        for t in targets
    ]

    class Model:
        pass

    def build() -> object:
        model = Model()
        Machine(model=model, states=states, transitions=edges, initial="triaged")
        return model

    model: Any = build()

    def step() -> None:
        model.to_in_progress()
        model.to_resolved()
        model.to_in_progress()
        model.state = "triaged"

    return Peer(
        "transitions.Machine",
        median_us(step, number=sized(2_000, 10)) / 3,
        median_us(build, number=sized(200, 10), repeat=sized(7, 2)),
        bytes_per(build),
    )


def peer_statemachine() -> Peer | None:
    """`python-statemachine`: a declared machine class, one instance per ticket."""
    try:
        from statemachine import State, StateMachine  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
    except ImportError:
        return None

    class TicketMachine(StateMachine):  # type: ignore[misc,unused-ignore]
        new = State(initial=True)
        triaged = State()
        in_progress = State()
        pending_customer = State()
        resolved = State()
        closed = State(final=True)
        to_triaged = new.to(triaged)
        to_in_progress = (
            triaged.to(in_progress) | pending_customer.to(in_progress) | resolved.to(in_progress)
        )
        to_pending_customer = in_progress.to(pending_customer)
        to_resolved = in_progress.to(resolved) | pending_customer.to(resolved)
        to_closed = resolved.to(closed)

    def build() -> object:
        return TicketMachine()

    machine: Any = build()
    machine.to_triaged()
    machine.to_in_progress()

    def step() -> None:
        machine.to_resolved()
        machine.to_in_progress()

    return Peer(
        "python-statemachine",
        median_us(step, number=sized(500, 10), repeat=sized(7, 2)) / 2,
        median_us(build, number=sized(200, 10), repeat=sized(7, 2)),
        bytes_per(build),
    )


def main() -> None:
    triaged, _ = transition(typical_ticket(1), S.TRIAGED, actor=BOB, at=AT)
    targets = TICKET_EDGES[S.TRIAGED]
    guarded = Workflow.default(
        roles={(S.TRIAGED, S.IN_PROGRESS): [Role.AGENT]},
        checks={(S.TRIAGED, S.IN_PROGRESS): {"queued": assigned}},
    )

    rows = measured(
        {
            "(a) edge-table membership check": lambda: S.IN_PROGRESS in targets,
            "(b) transition() -> new ticket + event": lambda: transition(
                triaged, S.IN_PROGRESS, actor=BOB, at=AT
            ),
            "(c) Workflow.transition, 1 role rule + 1 check": lambda: guarded.transition(
                triaged, S.IN_PROGRESS, actor=BOB, at=AT
            ),
        }
    )
    numbers = itertools.count(1)
    peers = [peer for peer in (peer_transitions(), peer_statemachine()) if peer is not None]
    baseline = rows[0][1]  # (a) as measured; each row's ratio is the median of its rounds'
    print(
        f"ticketflow transition benchmark - Python {sys.version.split()[0]}, "
        f"{platform.machine()} {platform.processor() or platform.platform()}"
    )
    print(f"{'operation':<50} {'median us':>10} {'x (a)':>8}")
    for name, value, ratio in rows:
        print(f"{name:<50} {value:>10.3f} {ratio:>8.1f}")
    for peer in peers:
        name = f"peer: {peer.name}, one transition"
        print(f"{name:<50} {peer.step_us:>10.3f} {peer.step_us / baseline:>8.1f}")
    for peer in peers:
        print(f"(b) is {peer.step_us / rows[1][1]:.1f}x faster than {peer.name} in this run")
    if not peers:
        print("peers: none installed (nox -s bench installs them)")
    kept = sized(10_000, 100)
    per_ticket = bytes_per(lambda: typical_ticket(next(numbers)), kept)
    print(f"memory per ticket (tracemalloc, {kept:,} typical tickets): {per_ticket:,.0f} B")
    print("ticketflow keeps no machine per ticket: the edge table is shared by every ticket")
    for peer in peers:
        print(
            f"peer {peer.name}: one machine per ticket costs {peer.build_bytes:,.0f} B "
            f"and {peer.build_us:,.1f} us to build"
        )


if __name__ == "__main__":
    main()
