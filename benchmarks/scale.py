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
moves absolute figures more than the ratios.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

PARTS = ("_scale_commands", "_scale_memory", "_scale_sqlite", "_scale_sla")


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    started = time.perf_counter()
    for name in PARTS:
        print(f"=== {name.removeprefix('_scale_')} ({name}.py) ===\n", flush=True)
        importlib.import_module(name).main()
        print(flush=True)
    print(f"scale: all parts in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
