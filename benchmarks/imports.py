"""What ``import ticketflow`` costs, next to the ``import attrs, cattrs`` it cannot avoid.

Each statement runs in a fresh interpreter (``python -I -c``), round-robin after a warm-up, and
the table shows the medians of two times: the import alone (``perf_counter`` around it, inside
the child) and the whole process (wall clock, from this script), each as a ratio to the
``attrs, cattrs`` baseline.

Then where the time goes, from ``python -X importtime`` (median of the same number of runs,
made separately and with the flag's own overhead, so its totals differ from the table's): the
modules ``import ticketflow`` loads that the baseline does not, grouped by top-level module
(or by submodule, for more of ``attrs`` and ``cattrs``), each with its cumulative time, the
module that imported it and what it pulled in; then ticketflow's own slowest modules. A
module's time is charged to whoever imports it first.

Last, what the import defers costs on first use: after ``import ticketflow`` in a fresh
interpreter, the first ``to_json`` and ``from_json`` of a ticket (the converter is built then),
the same calls again, and a first desk with an SLA policy and the in-memory store (those
packages load then) making its first ticket.
"""

from __future__ import annotations

import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence

import attrs
from _workload import sized

RUNS = sized(15, 1)  # fresh interpreters per statement; the median is reported
WARMUP = sized(3, 0)  # runs per statement first, so the .pyc files and the page cache are warm
BASELINE = "import attrs, cattrs"
STATEMENTS = (BASELINE, "import ticketflow")
TIMED = "import time\nstart = time.perf_counter()\n{statement}\nprint(time.perf_counter() - start)"
FIRST_USE = """\
import time
from datetime import UTC, datetime, timedelta
import ticketflow
at = datetime(2026, 3, 2, 9, tzinfo=UTC)
ticket = ticketflow.Ticket(
    id="T1", number=1, subject="s", requester=ticketflow.Requester("a@example.com"),
    created_at=at, updated_at=at,
)
times = [time.perf_counter()]
for _ in range(2):
    text = ticketflow.to_json(ticket)
    times.append(time.perf_counter())
    ticketflow.from_json(text, ticketflow.Ticket)
    times.append(time.perf_counter())
from ticketflow.sla import BusinessCalendar, SlaPolicy
from ticketflow.storage import InMemoryTicketStore
policy = SlaPolicy.by_priority({"P2": timedelta(hours=4)}, calendar=BusinessCalendar.always())
desk = ticketflow.Desk(InMemoryTicketStore(), sla=policy)
new = ticketflow.NewTicket(subject="s", requester=ticketflow.Requester("a@example.com"))
desk.submit(new, actor=ticketflow.Actor.agent("bob"))
times.append(time.perf_counter())
print(*(later - earlier for earlier, later in zip(times, times[1:])))
"""
FIRST_USE_STEPS = (
    "first to_json(ticket)",
    "first from_json(text, Ticket)",
    "second to_json(ticket)",
    "second from_json(text, Ticket)",
    "first Desk with an SLA policy + submit",
)
SLOWEST_OWN = 5  # how many of ticketflow's own modules to list
PULLS_SHOWN = 4  # how many pulled-in modules to name per row
# Each line: self and cumulative microseconds, then the name, indented two spaces per level.
IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)$", re.MULTILINE)


def python(*args: str) -> subprocess.CompletedProcess[str]:
    """Run this environment's interpreter, isolated from PYTHON* variables and the cwd."""
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-I", *args], capture_output=True, text=True, check=True
    )


@attrs.frozen
class Timing:
    """Median milliseconds of one import statement in fresh interpreters."""

    statement: str
    import_ms: float
    process_ms: float


def timed_once(statement: str) -> tuple[float, float]:
    """The import alone and the whole process, in milliseconds."""
    start = time.perf_counter()
    child = python("-c", TIMED.format(statement=statement))
    process = time.perf_counter() - start
    return float(child.stdout) * 1e3, process * 1e3


def measure(statements: Sequence[str], runs: int) -> list[Timing]:
    """Round-robin, so drift in the machine's speed falls on every statement alike."""
    for _ in range(WARMUP):
        for statement in statements:
            timed_once(statement)
    samples: dict[str, list[tuple[float, float]]] = {statement: [] for statement in statements}
    for _ in range(runs):
        for statement in statements:
            samples[statement].append(timed_once(statement))
    return [
        Timing(
            statement,
            statistics.median(alone for alone, _ in samples[statement]),
            statistics.median(process for _, process in samples[statement]),
        )
        for statement in statements
    ]


@attrs.frozen
class Entry:
    """One line of ``-X importtime``: a module, its times and the module that imported it."""

    name: str
    self_us: int
    cumulative_us: int
    parent: str | None


def importtime(statement: str) -> dict[str, Entry]:
    """Every module the interpreter imported while starting and running `statement`."""
    rows = [
        (name, int(own), int(cumulative), (len(indent) - 1) // 2)
        for own, cumulative, indent, name in IMPORTTIME.findall(
            python("-X", "importtime", "-c", statement).stderr
        )
    ]
    # A module is printed after the modules it imported: read backwards, parents come first.
    entries: dict[str, Entry] = {}
    parents: list[str] = []
    for name, own, cumulative, depth in reversed(rows):
        del parents[depth:]
        entries[name] = Entry(name, own, cumulative, parents[-1] if parents else None)
        parents.append(name)
    return entries


def top_level(module: str) -> str:
    return module.partition(".")[0]


def is_own(module: str) -> bool:
    return top_level(module) == "ticketflow"


@attrs.frozen
class Cost:
    """Modules the baseline does not load, under one name, as ``import ticketflow`` loads them."""

    group: str
    cumulative_us: int
    imported_by: tuple[str, ...]
    pulls_in: tuple[str, ...]


def extra_costs(entries: Mapping[str, Entry], baseline: Iterable[str]) -> dict[str, Cost]:
    """Group what `entries` loads beyond `baseline` by top-level module (submodule if shared)."""
    known = set(baseline)
    known_tops = {top_level(name) for name in known}

    def extra(name: str | None) -> bool:
        return name is not None and name not in known and not is_own(name)

    def group(name: str) -> str:
        return name if top_level(name) in known_tops else top_level(name)

    def root(name: str) -> str:
        parent = entries[name].parent
        return name if parent is None or not extra(parent) else root(parent)

    roots = [name for name in entries if extra(name) and root(name) == name]
    pulled: dict[str, dict[str, None]] = {group(name): {} for name in roots}  # ordered sets
    for name in entries:
        # Name public modules of other packages: private ones are their accelerators.
        if extra(name) and not name.startswith("_"):
            into = group(root(name))
            if top_level(name) != top_level(into):
                pulled[into][group(name)] = None
    costs: dict[str, Cost] = {}
    for key, pulls in pulled.items():
        mine = [name for name in roots if group(name) == key]
        costs[key] = Cost(
            key,
            sum(entries[name].cumulative_us for name in mine),
            tuple(dict.fromkeys(entries[name].parent or "(start-up)" for name in mine)),
            tuple(pulls),
        )
    return costs


def where_the_time_goes(runs: int) -> None:
    baseline = importtime(BASELINE)
    samples = [importtime("import ticketflow") for _ in range(runs)]
    per_run = [extra_costs(entries, baseline) for entries in samples]
    costs = sorted(
        (
            (statistics.median(run[key].cumulative_us for run in per_run) / 1e3, cost)
            for key, cost in per_run[0].items()
        ),
        key=lambda pair: -pair[0],
    )
    total = statistics.median(entries["ticketflow"].cumulative_us for entries in samples) / 1e3
    print(
        f"\nloaded by `import ticketflow`, not by `{BASELINE}` "
        f"(-X importtime, median of {runs} runs):"
    )
    print(f"{'module':<24} {'cumul. ms':>9}  {'imported by':<32} pulls in")
    for ms, cost in costs:
        pulls = ", ".join(cost.pulls_in[:PULLS_SHOWN])
        if len(cost.pulls_in) > PULLS_SHOWN:
            pulls += f" +{len(cost.pulls_in) - PULLS_SHOWN} more"
        print(f"{cost.group:<24} {ms:>9.2f}  {', '.join(cost.imported_by):<32} {pulls or '-'}")
    print(
        f"these {len(costs)} cost {sum(ms for ms, _ in costs):.1f} ms of the "
        f"{total:.1f} ms `import ticketflow` takes under -X importtime"
    )
    own = sorted(
        (
            (statistics.median(entries[name].self_us for entries in samples) / 1e3, name)
            for name in samples[0]
            if is_own(name)
        ),
        reverse=True,
    )
    print(
        f"\nticketflow's own modules take {sum(ms for ms, _ in own):.1f} ms of self time "
        "(not counting what they import); the slowest:"
    )
    for ms, name in own[:SLOWEST_OWN]:
        print(f"{name:<34} {ms:>7.2f} ms")


def first_use(runs: int) -> None:
    samples = [
        [float(seconds) * 1e3 for seconds in python("-c", FIRST_USE).stdout.split()]
        for _ in range(runs)
    ]
    print(f"\nafter `import ticketflow`, what it deferred (median of {runs} fresh interpreters):")
    for step, times in zip(FIRST_USE_STEPS, zip(*samples, strict=True), strict=True):
        print(f"{step:<40} {statistics.median(times):>7.2f} ms")


def main() -> None:
    print(
        f"ticketflow import benchmark - Python {sys.version.split()[0]}, "
        f"{platform.machine()} {platform.processor() or platform.platform()}"
    )
    print(f"fresh `python -I` per run, median of {RUNS} runs each after {WARMUP} warm-up runs")
    timings = measure(STATEMENTS, RUNS)
    base = timings[0]
    print(f"{'statement':<24} {'import ms':>10} {'x base':>7} {'process ms':>11} {'x base':>7}")
    for timing in timings:
        print(
            f"{timing.statement:<24} {timing.import_ms:>10.2f} "
            f"{timing.import_ms / base.import_ms:>7.2f} {timing.process_ms:>11.2f} "
            f"{timing.process_ms / base.process_ms:>7.2f}"
        )
    where_the_time_goes(RUNS)
    first_use(RUNS)


if __name__ == "__main__":
    main()
