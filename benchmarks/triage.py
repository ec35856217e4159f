"""How fast does triage decide?  Run: python benchmarks/triage.py.

Prints the median triage decisions per second, decide only (categorize + prioritize + route,
no store), with 500 categorization rules and 200 agents in 20 queues; beside it, measured in
the same run, the categorizer alone with 500 rules and with 1 rule (the baseline), the
priority policy alone, and the router alone. Target: at least 5,000 decisions per second.
Then the triage command end to end on SQLite (synchronous=NORMAL): decide + commit (the
category, priority and assignment events, their explanations and the move to triaged in one
transaction, round-robin turns kept in the store), beside ``Triage.decide`` on the same tickets.
"""

from __future__ import annotations

import gc
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
from _workload import sized

from ticketflow import Actor, Desk, NewTicket, Requester, Ticket
from ticketflow.storage import SQLiteTicketStore
from ticketflow.testing import FrozenClock
from ticketflow.triage import (
    Agent,
    Category,
    CategoryRule,
    InMemoryRoundRobinCursor,
    RouteContext,
    RouteRule,
    StoreRoundRobinCursor,
    Taxonomy,
    Triage,
    chain_router,
    field_modifier,
    keyword_modifier,
    least_loaded_router,
    priority_policy,
    round_robin_router,
    rule_categorizer,
    rule_router,
    skills_router,
    tier_modifier,
    vip_modifier,
)

RUNS = sized(7, 1)  # timing runs; the median is reported
TICKETS = sized(2_000, 20)  # decisions per run
SEED = 20_260_302
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

AREAS = ["delivery", "billing", "account", "product", "returns", "shipping", "warranty", "portal"]
TOPICS = [f"topic{n}" for n in range(10)]
VOCABULARY = [f"word{n}" for n in range(3_000)]
FILLER = (
    "We ordered the item last week and the tracking page still shows no movement. Could you "
    "please check with the carrier and tell us when it will arrive? Our customer is waiting. "
)


def taxonomy() -> Taxonomy:
    categories = [Category(area, area.title()) for area in AREAS]
    categories += [Category(f"{a}/{t}", f"{a} {t}") for a in AREAS for t in TOPICS]
    return Taxonomy(categories, retired={"delivery/old": "delivery/topic0"})


def rules(count: int, pick: random.Random) -> list[CategoryRule]:
    codes = [f"{a}/{t}" for a in AREAS for t in TOPICS]
    made = []
    for n in range(count):
        kind = n % 10
        options: dict[str, object] = {"keywords": pick.sample(VOCABULARY, 3)}
        if kind == 7:
            options["patterns"] = [rf"order\s+#?{n}\d*"]
        elif kind == 8:
            options = {"fields": {"carrier": f"carrier{n % 40}"}}
        elif kind == 9:
            options = {"domains": [f"customer{n % 50}.example"]}
        made.append(
            CategoryRule(
                name=f"rule{n}",
                category=pick.choice(codes),
                weight=pick.choice([0.5, 1.0, 2.0]),
                **options,
            )
        )
    return made


def agents(pick: random.Random) -> list[Agent]:
    skills = ["sap", "de-law", "api", "billing", "hardware"]
    return [
        Agent(
            id=f"agent{n:03}",
            queues={f"q{n % 20}", f"q{(n + 7) % 20}"},
            skills=set(pick.sample(skills, 2)),
            languages={"en", pick.choice(["de", "fr", "es"])},
            capacity=pick.choice([5, 10, 20]),
            available=pick.random() > 0.1,
        )
        for n in range(200)
    ]


def tickets(pick: random.Random) -> list[Ticket]:
    made = []
    for n in range(TICKETS):
        words = " ".join(pick.sample(VOCABULARY, 12))
        fields: dict[str, str | int] = {"carrier": f"carrier{pick.randrange(60)}"}
        if n % 4 == 0:
            fields["skills"] = pick.choice(["sap", "api", "sap, api"])
            fields["language"] = pick.choice(["en", "de"])
        made.append(
            Ticket(
                id=f"T{n}",
                number=n + 1,
                subject=f"Order #{n} {words[:40]}",
                description=f"{FILLER}{words} order {n}. {'Outage!' if n % 50 == 0 else ''}",
                requester=Requester(f"user{n}@customer{n % 70}.example"),
                created_at=T0,
                updated_at=T0,
                impact=pick.choice([None, 1, 2, 3, 4, 5]),
                urgency=pick.choice([None, 1, 2, 3, 4, 5]),
                fields=fields,
                category=None,
            )
        )
    return made


def rate(decide: Callable[[Ticket], object], batch: list[Ticket]) -> float:
    """The median over RUNS runs of decisions per second."""
    rates = []
    for _ in range(RUNS):
        gc.collect()
        start = time.perf_counter()
        for ticket in batch:
            decide(ticket)
        rates.append(len(batch) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    pick = random.Random(SEED)
    tax = taxonomy()
    many = rule_categorizer(tax, rules(500, pick), min_confidence=0.5)
    one = rule_categorizer(tax, rules(1, random.Random(SEED)), min_confidence=0.5)
    tiers = {f"user{n}@customer{n % 70}.example": "gold" for n in range(0, TICKETS, 3)}
    policy = priority_policy(
        modifiers=[
            tier_modifier({"gold": 1, "bronze": -1}, lambda r: tiers.get(r.email), cap=4),
            vip_modifier([f"user{n}@customer{n % 70}.example" for n in range(0, 200, 7)]),
            keyword_modifier(["outage", "down"], steps=0, floor=4),
            field_modifier("carrier", ["carrier1", "carrier2"], steps=-1, floor=2),
        ]
    )
    roster = agents(pick)
    queues = [
        RouteRule(name=f"to-q{n}", queue=f"q{n}", categories=[AREAS[n % 8]]) for n in range(20)
    ]
    router = chain_router(
        [
            rule_router(queues[:8], default_queue="q19", taxonomy=tax),
            skills_router(),
            round_robin_router(InMemoryRoundRobinCursor()),
            least_loaded_router(),
        ]
    )
    loads = {agent.id: pick.randrange(0, 12) for agent in roster}
    context = RouteContext(at=T0 + timedelta(hours=1), agents=roster, loads=loads)
    batch = tickets(pick)

    def decide(ticket: Ticket) -> object:
        category = many.categorize(ticket)
        priority = policy.prioritize(ticket)
        placed = (
            ticket if category.category == "uncategorized" else _with(ticket, category.category)
        )
        return category, priority, router.route(placed, context)

    results = {
        "decide (categorize + prioritize + route)": rate(decide, batch),
        "categorize, 500 rules": rate(many.categorize, batch),
        "categorize, 1 rule (baseline)": rate(one.categorize, batch),
        "prioritize, 4 modifiers": rate(policy.prioritize, batch),
        "route, chain of 4": rate(lambda t: router.route(t, context), batch),
    }
    categorized = sum(many.categorize(t).category != "uncategorized" for t in batch)
    print(f"python {platform.python_version()} on {sys.platform}; median of {RUNS} runs")
    print(f"500 rules, 200 agents in 20 queues, {TICKETS} tickets ({categorized} categorized)")
    for name, value in results.items():
        print(f"{name:45s} {value:10,.0f} decisions/s")
    baseline = results["categorize, 1 rule (baseline)"]
    print(f"500 rules cost {baseline / results['categorize, 500 rules']:.2f}x one rule")
    verdict = "meets" if results["decide (categorize + prioritize + route)"] >= 5_000 else "MISSES"
    print(f"target >= 5,000 decisions/s decide only: {verdict}")
    command_table(tax, many, policy, roster, queues, loads, batch[:500])


def command_table(
    tax: Taxonomy,
    categorizer: object,
    policy: object,
    roster: list[Agent],
    queues: list[RouteRule],
    loads: dict[str, int],
    batch: list[Ticket],
) -> None:
    """Print the triage command on SQLite, decide + commit, beside decide alone."""
    with tempfile.TemporaryDirectory() as scratch:
        store = SQLiteTicketStore(Path(scratch) / "triage.sqlite3", synchronous="NORMAL")
        with store:
            desk = Desk(store, clock=FrozenClock(T0 + timedelta(hours=1)))
            router = chain_router(
                [
                    rule_router(queues[:8], default_queue="q19", taxonomy=tax),
                    skills_router(),
                    round_robin_router(StoreRoundRobinCursor(store)),
                    least_loaded_router(),
                ]
            )
            triage = Triage(
                desk,
                categorizer=categorizer,  # type: ignore[arg-type]
                priority=policy,  # type: ignore[arg-type]
                router=router,
                taxonomy=tax,
                agents=roster,
                loads=lambda _roster: loads,
            )
            customer = Actor.system("web")
            ids = [
                desk.submit(
                    NewTicket(
                        subject=t.subject,
                        description=t.description,
                        requester=t.requester,
                        impact=t.impact,
                        urgency=t.urgency,
                        fields=t.fields,
                    ),
                    actor=customer,
                ).id
                for t in batch
            ]
            tickets_now = [desk.get(ticket_id) for ticket_id in ids]
            at = T0 + timedelta(hours=1)
            decided = rate(lambda t: triage.decide(t, at=at), tickets_now)
            gc.collect()
            start = time.perf_counter()
            for ticket_id in ids:
                triage.triage(ticket_id)
            committed = len(ids) / (time.perf_counter() - start)
    print(f"\nthe triage command on SQLite (synchronous=NORMAL), {len(batch)} tickets")
    print(f"{'Triage.decide (no store writes but the turn)':45s} {decided:10,.0f} decisions/s")
    print(
        f"{'triage(): decide + commit':45s} {committed:10,.0f} decisions/s"
        f"  ({decided / committed:.1f}x decide alone)"
    )


def _with(ticket: Ticket, category: str) -> Ticket:
    # What the triage command will hand the router: the ticket in its new category.
    return attrs.evolve(ticket, category=category)


if __name__ == "__main__":
    main()
