"""How much a status change costs: the bare edge check, the guard, and a guarded workflow.

Prints the median per call of each, as a ratio to the bare membership check measured in the
same run, the memory per ticket, and (where installed) the `transitions` package on the same
six-state lifecycle.
"""

from __future__ import annotations

import gc
import platform
import statistics
import sys
import timeit
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime

from _workload import typical_draft

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


def median_us(call: Callable[[], object], *, number: int = 20_000, repeat: int = 15) -> float:
    """Median over `repeat` runs of the mean time per call, in microseconds."""
    timer = timeit.Timer(call)
    gc.collect()
    return statistics.median(t / number * 1e6 for t in timer.repeat(repeat, number))


def typical_ticket(number: int) -> Ticket:
    ticket, _ = DEFAULT_WORKFLOW.create(
        typical_draft(number),
        id=f"T-{number:08d}",
        number=number,
        actor=Actor.customer(f"customer{number}@example.com"),
        at=AT,
    )
    return ticket


def bytes_per_ticket(count: int = 10_000) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    tickets = [typical_ticket(n) for n in range(1, count + 1)]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    del tickets
    return size / count


def assigned(move: Move) -> CheckResult:
    return CheckResult.ok() if move.ticket.queue else CheckResult.fail("no queue")


def peer_transitions() -> float | None:
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

    model = Model()
    Machine(model=model, states=states, transitions=edges, initial="triaged")

    def step() -> None:
        model.to_in_progress()  # type: ignore[attr-defined]
        model.to_resolved()  # type: ignore[attr-defined]
        model.to_in_progress()  # type: ignore[attr-defined]
        model.state = "triaged"  # type: ignore[attr-defined]

    return median_us(step, number=2_000) / 3


def main() -> None:
    triaged, _ = transition(typical_ticket(1), S.TRIAGED, actor=BOB, at=AT)
    targets = TICKET_EDGES[S.TRIAGED]
    guarded = Workflow.default(
        roles={(S.TRIAGED, S.IN_PROGRESS): [Role.AGENT]},
        checks={(S.TRIAGED, S.IN_PROGRESS): {"queued": assigned}},
    )

    rows: list[tuple[str, float]] = [
        ("(a) edge-table membership check", median_us(lambda: S.IN_PROGRESS in targets)),
        (
            "(b) transition() -> new ticket + event",
            median_us(lambda: transition(triaged, S.IN_PROGRESS, actor=BOB, at=AT)),
        ),
        (
            "(c) Workflow.transition, 1 role rule + 1 check",
            median_us(lambda: guarded.transition(triaged, S.IN_PROGRESS, actor=BOB, at=AT)),
        ),
    ]
    peer = peer_transitions()
    baseline = rows[0][1]
    print(
        f"ticketflow transition benchmark - Python {sys.version.split()[0]}, "
        f"{platform.machine()} {platform.processor() or platform.platform()}"
    )
    print(f"{'operation':<50} {'median us':>10} {'x (a)':>8}")
    for name, value in rows:
        print(f"{name:<50} {value:>10.3f} {value / baseline:>8.1f}")
    if peer is None:
        print(f"{'peer: transitions.Machine (not installed)':<50} {'n/a':>10}")
    else:
        print(
            f"{'peer: transitions.Machine, one trigger':<50} {peer:>10.3f} {peer / baseline:>8.1f}"
        )
        print(f"(b) is {peer / rows[1][1]:.1f}x faster than the peer in this run")
    print(f"memory per ticket (tracemalloc, 10,000 typical tickets): {bytes_per_ticket():,.0f} B")


if __name__ == "__main__":
    main()
