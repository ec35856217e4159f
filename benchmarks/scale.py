"""How ticketflow's costs grow with history, store size and SQLite's durability: one run.

Run: ``python benchmarks/scale.py`` (or ``nox -s bench``). It runs, in turn:

* ``_scale_commands``: a command on a ticket with 1, 100, 1,000 and 5,000 events of a customer
  conversation under an SLA policy, on the in-memory and SQLite stores, beside the 1-event
  figure; the policy's extra cost on a fresh ticket; the worst command under pathological but
  accepted policies;
* ``_scale_memory``: ``due``, ``claim_outbox`` and selective queries on the in-memory store at
  1,000, 10,000 and 100,000 tickets, beside the 1,000-ticket figure;
* ``_scale_sqlite``: a Desk command on SQLite against a bare INSERT+COMMIT of the same bytes
  at ``synchronous`` NORMAL and FULL, fsyncs per command, journal read-back per event, bytes
  per ticket and per comment before and after the outbox drains;
* ``_scale_sla``: the worst calendar answer over sparse calendars, far instants and long spans.

Each part prints its own table with its baseline measured in the same run; the machine's noise
moves absolute figures more than the ratios. Then one table sets the figures of this run
against issue 9's targets, and a second the same-run ratios that the project's notes suggest
in place of its two targets in absolute microseconds (which move with the machine: the same
``transition()`` measured 2.2 and 3.9 µs on one machine within a day): the policy's extra
cost at most 0.3x the cost of the same policy decided from the journal (as 15 µs was of the
50 µs before issue 9), and read-back within 1.25x of the same rows read by ``sqlite3`` and
``json.loads`` alone.
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable

import _scale_commands
import _scale_memory
import _scale_sla
import _scale_sqlite
from _workload import SMOKE

Check = tuple[str, float, str, Callable[[float, float], bool], float]
"""(target, this run's figure, unit, the comparison that holds, the bound)."""


def main() -> None:
    started = time.perf_counter()
    if SMOKE:
        print(
            "SMOKE RUN (TICKETFLOW_BENCH_SMOKE=1): the sizes are too small for any figure"
            " to mean anything\n"
        )
    print("=== commands (_scale_commands.py) ===\n", flush=True)
    commands = {(figure, case): (ms, ratio) for figure, case, ms, ratio in _scale_commands.main()}
    print("\n=== memory (_scale_memory.py) ===\n", flush=True)
    memory = _scale_memory.main()
    print("\n=== sqlite (_scale_sqlite.py) ===\n", flush=True)
    sqlite = {figure: value for figure, _, value in _scale_sqlite.main()}
    print("\n=== sla (_scale_sla.py) ===\n", flush=True)
    _scale_sla.main()
    ratios = {(figure, case): share for figure, case, share in _scale_commands.RATIOS}

    def at_5000(store: str) -> float:
        ratio = commands[
            (f"conversation command, {store}", f"{_scale_commands.SIZES[-1]:,} events")
        ][1]
        assert ratio is not None  # noqa: S101 - the conversation rows carry their ratio
        return ratio

    worst = max(ms for (figure, _), (ms, _) in commands.items() if figure.startswith("worst"))
    at_most, below = operator.le, operator.lt
    targets: list[Check] = [
        ("command at 5,000 events / at 1, memory", at_5000("memory"), "x", at_most, 1.5),
        ("command at 5,000 events / at 1, SQLite", at_5000("sqlite"), "x", at_most, 1.5),
        (
            "in-memory store, 100,000 / 1,000 tickets, worst",
            max(ratio for _, size, _, ratio in memory if size == _scale_memory.SIZES[-1]),
            "x",
            at_most,
            2.0,
        ),
        (
            "Desk.comment / bare insert, NORMAL",
            sqlite["Desk.comment / bare insert, NORMAL"],
            "x",
            at_most,
            5.0,
        ),
        *(
            (
                f"fsyncs per {mode}, FULL (one, and checkpoints)",
                sqlite[f"fsync+fdatasync per {mode}, FULL"],
                "calls",
                at_most,
                1.1,
            )
            for mode in ("submit", "comment")
            if f"fsync+fdatasync per {mode}, FULL" in sqlite  # without strace: not counted
        ),
        ("journal read-back per event", sqlite["journal read-back per event"], "µs", at_most, 3.0),
        (
            "policy's extra cost per command",
            commands[("policy's extra cost per command", "fresh ticket")][0] * 1e3,
            "µs",
            at_most,
            15.0,
        ),
        ("worst command of an accepted policy", worst, "ms", below, 10.0),
    ]
    # The 15 µs is 0.3x of the 50 µs a policy added before it; the journal-decided
    # policy measured in this run is that reference. Read-back is set against the standard
    # library's plain decoding of the same rows, which builds no typed, checked event.
    same_run: list[Check] = [
        (
            "read-back / the same rows' SELECT + json.loads",
            sqlite["read-back / bare SELECT + json.loads"],
            "x",
            at_most,
            1.25,
        ),
        (
            "policy's extra cost / its cost from the journal",
            ratios[("policy's extra cost, ratio", "to its extra cost from the journal")],
            "x",
            at_most,
            0.3,
        ),
    ]
    print()
    verdicts("issue 9's targets, this run", targets)
    print()
    verdicts("same-run ratios suggested for the targets in µs (see the closing notes)", same_run)
    print(f"\nscale: all parts in {time.perf_counter() - started:.0f} s")


def verdicts(title: str, checks: list[Check]) -> None:
    """Print each check: the target, this run's figure and whether it holds."""
    print(f"=== {title} ===\n")
    print(f"{'target':<50} {'this run':>10} {'bound':>12}  holds")
    for target, value, unit, holds, bound in checks:
        sign = "<=" if holds is operator.le else "<"
        shown = f"{sign} {bound:g} {unit}"
        print(f"{target:<50} {value:>10.2f} {shown:>12}  {'yes' if holds(value, bound) else 'NO'}")


if __name__ == "__main__":
    main()
