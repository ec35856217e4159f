"""What several benchmarks share: the typical ticket they measure with, so their figures
compare; a copy of a SQLite store; figures taken in turns, and their medians; the smoke run's
sizes."""

from __future__ import annotations

import itertools
import os
import sqlite3
import statistics
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from ticketflow import Desk, NewTicket, Requester

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ticketflow.sla import SlaPolicy
    from ticketflow.storage import TicketStore

T = TypeVar("T")

SMOKE_VARIABLE: Final = "TICKETFLOW_BENCH_SMOKE"
SMOKE: Final = os.environ.get(SMOKE_VARIABLE) == "1"
"""Whether this is a smoke run (``TICKETFLOW_BENCH_SMOKE=1``): every figure is taken, on sizes
too small to mean anything. ``tests/test_benchmarks.py`` runs the benchmarks so, so that a change
that breaks one fails the suite, not the next ``nox -s bench`` (``store.py`` once failed
unnoticed for several sessions)."""


def sized(full: T, smoke: T) -> T:
    """``full``, or ``smoke`` in a smoke run (:data:`SMOKE`)."""
    return smoke if SMOKE else full


def typical_draft(number: int) -> NewTicket:
    """Return a submission with a typical payload: a paragraph, tags, three structured fields."""
    return NewTicket(
        subject=f"Parcel {number} arrived damaged",
        description="The box was crushed; the contents are broken. Photos attached.",
        requester=Requester(f"customer{number}@example.com", name="A. Customer"),
        category="shipping/damage",
        priority="P3",
        impact=2,
        urgency=3,
        queue="logistics",
        tags=frozenset({"parcel", "damage"}),
        fields={"carrier": "ACME Freight", "parcel_id": f"P{number:08d}", "weight_kg": 2.5},
    )


AT: Final = datetime(2026, 3, 2, 9, tzinfo=UTC)


class MicroClock:
    """From :data:`AT`, a microsecond later at each reading: distinct, ordered instants without
    the wall clock, so that every run writes the same values."""

    def __init__(self) -> None:
        self._now = AT

    def now(self) -> datetime:
        self._now += timedelta(microseconds=1)
        return self._now


def desk_on(
    store: TicketStore, *, sla: SlaPolicy | None = None, counter: Iterator[int] | None = None
) -> Desk:
    """A Desk with a :class:`MicroClock` and counted ids, so every run writes the same values.

    Desks that share a store share a ``counter`` too, so that their ids do not collide.
    """
    numbers = itertools.count() if counter is None else counter
    return Desk(store, clock=MicroClock(), ids=lambda: f"id{next(numbers):08d}", sla=sla)


def typical_policy() -> SlaPolicy:
    """The SLA policy the command benchmarks measure: office hours in Berlin, a first response
    in 4 business hours, the next in 8, resolution in 5 days, for P2 and P3."""
    from ticketflow.sla import BusinessCalendar, SlaPolicy, SlaTargets  # noqa: PLC0415 - on use

    office = BusinessCalendar.weekly(tz="Europe/Berlin", hours={"mon-fri": ["09:00-17:00"]})
    targets = SlaTargets(
        first_response=timedelta(hours=4),
        next_response=timedelta(hours=8),
        resolution=timedelta(days=5),
    )
    return SlaPolicy.by_priority({"P2": targets, "P3": targets}, calendar=office)


def copy_sqlite(path: Path, to: Path) -> Path:
    """Copy the SQLite database at ``path`` (with what its write-ahead log holds) to ``to``."""
    source, copy = sqlite3.connect(path), sqlite3.connect(to)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return to


def take_turns(measures: Mapping[str, Callable[[], float]], rounds: int) -> list[dict[str, float]]:
    """Take every figure in turn, round after round: each round's figures by name.

    ``measures[name]()`` takes one figure once. A neighbour's burst on a shared machine then
    falls on one round of all the figures, not on every round of one of them.
    """
    return [{name: measure() for name, measure in measures.items()} for _ in range(rounds)]


def median_of(rounds: list[dict[str, float]], name: str, over: str | None = None) -> float:
    """The median over ``rounds`` of the figure ``name``, or of its ratio to ``over``.

    A ratio is the median of the rounds' own ratios, each of two figures taken side by side.
    """
    if over is None:
        return statistics.median(found[name] for found in rounds)
    return statistics.median(found[name] / found[over] for found in rounds)
